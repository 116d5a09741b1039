"""Scenarios on a PostgreSQL server: writers of one case and of many, readers during
writes, and clients killed at random moments.

Every scenario gets a new database on one throwaway cluster (tests/pgcluster.py),
started on first use and stopped at exit. Where PostgreSQL is not installed the
scenarios are skipped with that reason (`Outcome.skipped`); under CI a skip fails.
"""

from __future__ import annotations

import atexit
import json
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from .harness import Outcome, Tally, cli, process_env

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import pgcluster

WRITERS = 8
_CLUSTER: list[pgcluster.Cluster] = []


def _cluster() -> pgcluster.Cluster | None:
    """The one cluster of this run, started on first use; None without PostgreSQL."""
    if not _CLUSTER:
        if pgcluster.find_bin("initdb") is None:
            return None
        _CLUSTER.append(pgcluster.start())
        atexit.register(_CLUSTER[0].stop)
    return _CLUSTER[0]


def _database(cases: int) -> str | None:
    """A new database on the run's cluster with the schema, alice let in, and `cases`
    cases of hers; her URL (None without PostgreSQL)."""
    import psycopg

    from dossier.server import schema

    cluster = _cluster()
    if cluster is None:
        return None

    name = f"r_{uuid.uuid4().hex[:10]}"
    admin = cluster.url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
        conn.execute(
            "DO $$ BEGIN CREATE ROLE alice LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    owner = admin.replace("/postgres?", f"/{name}?")
    with psycopg.connect(owner) as conn:
        schema.init(conn)
        schema.add_user(conn, "alice")
    url = owner.replace("postgresql://postgres@", "postgresql://alice@")
    for n in range(cases):
        result = cli(None, "--db", url, "case", "add", f"c{n}", "--title", f"Case {n}")
        assert result.exit_code == 0, result.output
    return url


def _skipped(name: str) -> Outcome:
    return Outcome(name, 0, 0, notes="skipped: PostgreSQL is not installed (no initdb)")


def _argv(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "dossier", "--db", url, *args]


def _writers(url: str, cases: list[str], writes: int) -> list[subprocess.Popen[str]]:
    """WRITERS shell loops of `writes` real `dossier log` processes each, writer n into
    cases[n % len(cases)], started together."""
    procs = []
    for n in range(WRITERS):
        case = cases[n % len(cases)]
        day = [f"2009-01-{i % 28 + 1:02d}" for i in range(writes)]
        script = "\n".join(
            shlex.join(_argv(url, "log", case, "hearing", day[i], "-d", f"w{n}-{i}"))
            + " || echo FAILED"
            for i in range(writes)
        )
        procs.append(
            subprocess.Popen(
                ["bash", "-c", script],
                env=process_env(),
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    return procs


def _kept(url: str) -> dict[str, list[str]]:
    """Each case's event descriptions, as alice sees them."""
    result = cli(None, "--db", url, "event", "list", "--json")
    assert result.exit_code == 0, result.output
    kept: dict[str, list[str]] = {}
    for event in json.loads(result.stdout):
        kept.setdefault(event["case"], []).append(event["description"] or "")
    return kept


def _concurrent(name: str, trials: int, cases: int) -> Outcome:
    url = _database(cases)
    if url is None:
        return _skipped(name)
    tally = Tally(name)
    writes = max(1, trials // WRITERS)
    procs = _writers(url, [f"c{n}" for n in range(cases)], writes)
    outputs = [p.communicate(timeout=600) for p in procs]
    kept = _kept(url)
    everything = {d for descriptions in kept.values() for d in descriptions}
    for n, (out, err) in enumerate(outputs):
        for i in range(writes):
            with tally.trial(f"writer {n} log {i}") as t:
                t.check(f"w{n}-{i}" in everything, f"w{n}-{i} was lost ({err.strip()[:200]})")
        with tally.trial(f"writer {n} exit") as t:
            t.check("FAILED" not in out, f"a log failed: {err.strip()[:300]}")
    with tally.trial("verify") as t:
        result = cli(None, "--db", url, "verify")
        t.check(result.exit_code == 0, f"verify: {result.output.strip()[:300]}")
    tally.notes.append(
        f"{WRITERS} processes × {writes} logs into {cases} case(s): {len(everything)} kept"
    )
    return tally.outcome()


def server_one_case(trials: int, workdir: Path) -> Outcome:
    """8 processes log into one case at once: every event kept, verify passes.

    Trials: every log, every writer's exit, and the final verify."""
    return _concurrent("server_one_case", trials, 1)


def server_many_cases(trials: int, workdir: Path) -> Outcome:
    """8 processes log into 8 cases at once (one each): every event kept.

    Trials: every log, every writer's exit, and the final verify."""
    return _concurrent("server_many_cases", trials, WRITERS)


def server_readers(trials: int, workdir: Path) -> Outcome:
    """Readers during writes see whole commands only: imports of 25 events each into one
    case while `trials` reads count its events, which must always be a multiple of 25.

    Trials: every read."""
    url = _database(1)
    if url is None:
        return _skipped("server_readers")
    tally = Tally("server_readers")
    batch = 25
    files = []
    for n in range(4):
        path = workdir / f"batch{n}.csv"
        path.write_text(
            "case,date,type,description\n"
            + "".join(f"c0,2010-01-{i % 28 + 1:02d},hearing,b{n}-{i}\n" for i in range(batch))
        )
        files.append(path)
    stop = threading.Event()

    def write() -> None:
        rounds = 0
        while not stop.is_set() and rounds < 40:
            for path in files:
                subprocess.run(_argv(url, "import", str(path)), env=process_env(),
                               capture_output=True, check=False)  # fmt: skip
            rounds += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for n in range(trials):
            with tally.trial(f"read {n}") as t:
                result = subprocess.run(_argv(url, "event", "list", "--case", "c0", "--json"),
                                        env=process_env(), capture_output=True, text=True,
                                        check=False)  # fmt: skip
                if t.check(result.returncode == 0, f"read failed: {result.stderr[:200]}"):
                    seen = len(json.loads(result.stdout))
                    t.check(seen % batch == 0, f"saw {seen} events: part of an import")
    finally:
        stop.set()
        writer.join()
    return tally.outcome()


def server_kills(trials: int, workdir: Path) -> Outcome:
    """Imports of 2,000 events and logs, killed (SIGKILL) at random moments: the case
    holds all of a command or none of it, and verify passes.

    Trials: every kill, and the final verify."""
    url = _database(1)
    if url is None:
        return _skipped("server_kills")
    tally = Tally("server_kills")
    size = 2000
    path = workdir / "big.csv"
    path.write_text(
        "case,date,type,description\n"
        + "".join(f"c0,2011-02-{i % 28 + 1:02d},hearing,k{i}\n" for i in range(size))
    )
    rng = random.Random(17)
    for n in range(trials):
        before = sum(map(len, _kept(url).values()))
        args = ("import", str(path)) if n % 2 == 0 else ("log", "c0", "statement", "2011-03-01")
        whole = size if n % 2 == 0 else 1
        with tally.trial(f"kill {n} ({args[0]})") as t:
            proc = subprocess.Popen(
                _argv(url, *args),
                env=process_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.05, 1.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after = sum(map(len, _kept(url).values()))
            t.check(after in (before, before + whole), f"{after - before} of {whole} kept")
    with tally.trial("verify") as t:
        result = cli(None, "--db", url, "verify")
        t.check(result.exit_code == 0, f"verify: {result.output.strip()[:300]}")
    return tally.outcome()
