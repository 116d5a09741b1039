"""Scenarios with real processes: writers at once, a writer locked out, SIGKILL mid-command."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from filelock import FileLock

from dossier.model import Event
from dossier.store import Dossier

from .encryption import Encryption, title
from .harness import (
    Outcome,
    Tally,
    all_temp_files,
    big_events_csv,
    cli,
    dossier_argv,
    error_lines,
    new_dossier,
    process_env,
    raw_tables,
    run_process,
    soundness,
    state_hash,
    tables_hash,
    write_csv,
)

# Concurrency -------------------------------------------------------------------------


def _writer(db: str, n: int, writes: int, out: str, go: Any) -> None:
    """A process that logs `writes` events (and edits a case once) through the CLI."""
    pace = random.Random(n)
    go.wait(30)
    results: dict[str, Any] = {"logs": [], "edit": None}
    for i in range(writes):
        time.sleep(pace.uniform(0, 0.02))  # spread the writes so that they meet the others'
        result = cli(Path(db), "log", "c", "hearing", f"2009-01-{i % 28 + 1:02d}",
                     "--person", "Person 1", "--description", f"w{n}-{i}")  # fmt: skip
        results["logs"].append([result.exit_code, result.stdout.strip(), result.stderr.strip()])
        if i == writes // 2:
            result = cli(Path(db), "case", "edit", "d", "--summary", f"summary by writer {n}")
            results["edit"] = [result.exit_code, result.stderr.strip()]
    Path(out).write_text(json.dumps(results))


def concurrency(trials: int, workdir: Path, encryption: Encryption | None = None) -> Outcome:
    """Writers log `trials` events at once (8 processes from 100 on, else 4), each also
    editing a case, while a real `dossier import` process runs: nothing may be lost.

    Trials: every write (logs, edits, the import) and the final integrity check; when
    encrypted, also a `dossier backup` made meanwhile, and the folder (the backup in
    it) watched while they write and looked at after.
    """
    tally = Tally(title("concurrency", encryption))
    writers = 8 if trials >= 100 else 4
    writes = max(1, trials // writers)
    # A folder of its own: nothing but the dossier, its lock and its temp files.
    db = new_dossier(workdir / "dossier" / "dossier.json", cases=("c", "d"))
    if encryption is not None:
        encryption.seal(db)
    base = len(Dossier.load(db).history)
    imported = [f"imp{i:03d}" for i in range(10)]
    csv = write_csv(
        workdir / "small.csv",
        ["case", "date", "type", "id", "description"],
        [["c", "2010-05-01", "search", key, f"imported {key}"] for key in imported],
    )
    if encryption is not None:
        encryption.learn(*(f"imported {key}" for key in imported))
        encryption.learn(*(f"summary by writer {n}" for n in range(writers)))
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    outs = [workdir / f"writer-{n}.json" for n in range(writers)]
    procs = [
        ctx.Process(target=_writer, args=(str(db), n, writes, str(outs[n]), go))
        for n in range(writers)
    ]
    for proc in procs:
        proc.start()
    importer = subprocess.Popen(
        dossier_argv(db, "import", str(csv)),
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Encrypted, a real `dossier backup` runs among the writers too: its copy lies
    # beside the dossier, so the checks of the folder see a backup as well.
    backup = db.with_name("dossier.backup")
    copier = None
    watch: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if encryption is not None:
        copier = subprocess.Popen(
            dossier_argv(db, "backup", "-o", str(backup)),
            env=process_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        watch = encryption.watching(tally, db)
    with watch:
        go.set()
        for proc in procs:
            proc.join(300)
        _out, import_err = importer.communicate(timeout=300)
        copy_err = copier.communicate(timeout=300)[1] if copier is not None else ""

    final = Dossier.load(db)
    events = final.events.raw
    edits = 0
    for n, (proc, out) in enumerate(zip(procs, outs, strict=True)):
        with tally.trial(f"writer {n}") as t:
            t.check(proc.exitcode == 0, f"the writer process exited {proc.exitcode}")
        if not out.exists():
            continue
        results = json.loads(out.read_text())
        for i, (code, event_id, err) in enumerate(results["logs"]):
            with tally.trial(f"writer {n} log {i}") as t:
                if t.check(code == 0, f"log exited {code}: {err}"):
                    found = events.get(event_id)
                    t.check(found is not None, f"event {event_id} was lost")
                    t.check(
                        found is None or found["description"] == f"w{n}-{i}",
                        f"event {event_id} holds {found and found['description']!r}",
                    )
        with tally.trial(f"writer {n} case edit") as t:
            code, err = results["edit"] or [None, "no edit made"]
            edits += code == 0
            t.check(code == 0, f"case edit exited {code}: {err}")
    with tally.trial("import") as t:
        t.check(importer.returncode == 0, f"import exited {importer.returncode}: {import_err}")
        lost = [key for key in imported if key not in events]
        t.check(not lost, f"imported events lost: {lost}")
    if copier is not None:
        with tally.trial("backup") as t:
            t.check(copier.returncode == 0, f"backup exited {copier.returncode}: {copy_err}")
            verified = cli(backup, "verify")
            t.check(verified.exit_code == 0, f"the backup: {verified.output.strip()!r}")
    with tally.trial("integrity") as t:
        summaries = {f"summary by writer {n}" for n in range(writers)}
        summary = final.cases.raw["d"]["summary"]
        t.check(summary in summaries, f"case d has summary {summary!r}")
        expected = base + writers * writes + edits + 1
        t.check(
            len(final.history) == expected,
            f"{len(final.history)} history entries, expected {expected}",
        )
        problem = soundness(db)
        t.check(problem is None, str(problem))
        if encryption is not None:
            encryption.learn(db)  # words the writers wrote too
            encryption.check_folder(t, db, "after the writes")
        commands = [e["command"] for e in final.history[base:]]
        position = next((i for i, c in enumerate(commands) if c.startswith("import")), -1)
        tally.notes.append(f"the import committed as write {position + 1} of {len(commands)}")
    return tally.outcome()


def busy_lock(trials: int, workdir: Path) -> Outcome:
    """A writer that cannot get the lock in time exits 3 with `Error: database is busy …`
    and changes nothing; once the lock is free the same command succeeds.

    Trials alternate between a real process and the CLI in this process.
    """
    tally = Tally("busy lock")
    for k in range(trials):
        real = k % 2 == 0
        with tally.trial(f"trial {k} ({'process' if real else 'in-process'})") as t:
            db = new_dossier(workdir / f"busy-{k}.json")
            before = db.read_bytes()
            args = ("log", "c", "hearing", "2009", "--description", "blocked")
            with FileLock(str(db) + ".lock", timeout=0):
                start = time.monotonic()
                if real:
                    done = run_process(db, *args, DOSSIER_LOCK_TIMEOUT="0.3")
                    code, stderr = done.returncode, done.stderr
                else:
                    result = cli(db, *args, env={"DOSSIER_LOCK_TIMEOUT": "0.3"})
                    code, stderr = result.exit_code, result.stderr
                waited = time.monotonic() - start
            t.check(code == 3, f"exit {code}, expected 3 (stderr {stderr!r})")
            lines = error_lines(stderr)
            t.check(
                len(lines) == 1 and lines[0].startswith("Error: database is busy"),
                f"stderr {stderr!r}",
            )
            t.check(db.read_bytes() == before, "the file changed")
            t.check(waited < 10, f"gave up only after {waited:.1f} s")
            after = cli(db, *args, env={"DOSSIER_LOCK_TIMEOUT": "5"})
            t.check(after.exit_code == 0, f"with the lock free: {after.output!r}")
    return tally.outcome()


# Crashes -----------------------------------------------------------------------------


def _kill_at_random(argv: list[str], delay: float) -> int | None:
    """Start a process, SIGKILL it after `delay` seconds; its exit code if it ended first,
    None if the kill ended it."""
    proc = subprocess.Popen(
        argv, env=process_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    code = proc.wait(60)
    return code if code >= 0 else None


def _delay(rng: random.Random, k: int, duration: float) -> float:
    """When to kill: a random moment of the command's typical duration; every other
    trial within its last 40 %, where it reads, checks and writes (most of the time
    before that goes to starting Python)."""
    return rng.uniform(0, duration) if k % 2 == 0 else rng.uniform(0.6 * duration, duration)


def _after_crash(t: Tally, db: Path, encryption: Encryption | None = None) -> None:
    """The checks after any crash: the next write succeeds promptly and cleans up; when
    encrypted, no plaintext in the folder after the kill and after the next write."""
    if encryption is not None:
        encryption.check_folder(t, db, "after the kill")
    start = time.monotonic()
    result = cli(db, "log", "c", "release", "2012-01-01", env={"DOSSIER_LOCK_TIMEOUT": "5"})
    took = time.monotonic() - start
    t.check(result.exit_code == 0, f"the next write failed: {result.output.strip()!r}")
    t.check(took < 5, f"the next write took {took:.1f} s (a stale lock?)")
    problem = soundness(db)
    t.check(problem is None, f"after the next write: {problem}")
    t.check(not all_temp_files(db.parent), f"temp files: {all_temp_files(db.parent)}")
    if encryption is not None:
        encryption.check_folder(t, db, "after the next write")


def crash_import(
    trials: int, workdir: Path, rows: int = 20_000, encryption: Encryption | None = None
) -> Outcome:
    """SIGKILL `dossier import` of a 20,000-event CSV at a random moment: the file holds
    exactly the state before or after the import, verifies, and the next write works.
    """
    tally = Tally(title("crash during import", encryption))
    rng = random.Random()
    base = new_dossier(workdir / "base.json")
    if encryption is not None:
        encryption.seal(base)
    csv = big_events_csv(workdir / "big.csv", rows)
    before = state_hash(base)
    history = len(Dossier.load(base).history)
    calibration = workdir / "calibration" / "dossier.json"
    calibration.parent.mkdir()
    shutil.copy(base, calibration)
    start = time.monotonic()
    done = run_process(calibration, "import", str(csv))
    duration = time.monotonic() - start
    if done.returncode != 0:
        with tally.trial("calibration") as t:
            t.fail(f"the import itself fails: {done.stderr}")
        return tally.outcome()
    after = state_hash(calibration)
    if encryption is not None:
        encryption.learn(calibration)  # words of the imported rows too
    seen = {"before": 0, "after": 0, "finished first": 0, "temp files after the kill": 0}
    for k in range(trials):
        with tally.trial(f"import killed, trial {k}") as t:
            db = workdir / f"import-{k}" / "dossier.json"
            db.parent.mkdir()
            shutil.copy(base, db)
            delay = _delay(rng, k, duration)
            finished = _kill_at_random(dossier_argv(db, "import", str(csv)), delay) is not None
            seen["finished first"] += finished
            seen["temp files after the kill"] += bool(all_temp_files(db.parent))
            d = Dossier.load(db)
            now = d.state_hash().all
            which = "before" if now == before else "after" if now == after else None
            if t.check(
                which, f"killed after {delay:.3f} s: state {now} is neither before nor after"
            ):
                seen[str(which)] += 1
                entries = history + (which == "after")
                t.check(len(d.history) == entries, f"{len(d.history)} entries, not {entries}")
            t.check(d.verify() == [], f"verify after the kill: {d.verify()}")
            _after_crash(t, db, encryption)
    tally.notes.append(
        f"import of {rows} rows takes {duration:.2f} s; state "
        + ", ".join(f"{k}: {v}" for k, v in seen.items())
    )
    return tally.outcome()


def crash_write(trials: int, workdir: Path, encryption: Encryption | None = None) -> Outcome:
    """SIGKILL `dossier log` into a 20,000-event dossier (5,000 in a run of fewer than 10
    trials, to keep the short suite quick) at a random moment: before or after, never a
    mix, and the next write works."""
    tally = Tally(title("crash during log", encryption))
    size = 20_000 if trials >= 10 else 5_000
    rng = random.Random()
    base = new_dossier(workdir / "base.json")
    with Dossier.edit(base, "setup: many events") as d:
        for i in range(size):
            source = f"https://example.org/{i}"
            event = Event(f"e{i:06d}", "c", "hearing", "2009", description=f"event {i}",
                          sources=(source,))  # fmt: skip
            d.events.put_raw(event.id, event.to_dict())
    if encryption is not None:
        encryption.seal(base)
        encryption.learn(*(f"crash {k}" for k in range(trials)))
    tables = raw_tables(base)
    before = tables_hash(tables)
    history = len(Dossier.load(base).history)
    calibration = workdir / "calibration" / "dossier.json"
    calibration.parent.mkdir()
    shutil.copy(base, calibration)
    start = time.monotonic()
    run_process(calibration, "log", "c", "arrest", "2011-01-01", "--description", "calibration")
    duration = time.monotonic() - start
    seen = {"before": 0, "after": 0, "finished first": 0, "temp files after the kill": 0}
    for k in range(trials):
        with tally.trial(f"log killed, trial {k}") as t:
            db = workdir / f"log-{k}" / "dossier.json"
            db.parent.mkdir()
            shutil.copy(base, db)
            delay = _delay(rng, k, duration)
            args = ("log", "c", "arrest", "2011-01-01", "--description", f"crash {k}")
            finished = _kill_at_random(dossier_argv(db, *args), delay) is not None
            seen["finished first"] += finished
            seen["temp files after the kill"] += bool(all_temp_files(db.parent))
            d = Dossier.load(db)
            now = d.state_hash().all
            added = sorted(set(d.events.raw) - set(tables["events"]))
            expected = None
            if len(added) == 1:
                event = Event(id=added[0], case="c", type="arrest", date="2011-01-01",
                              description=f"crash {k}")  # fmt: skip
                grown = {**tables, "events": {**tables["events"], event.id: event.to_dict()}}
                expected = tables_hash(grown)
            which = "before" if now == before else "after" if now == expected else None
            if t.check(which, f"killed after {delay:.3f} s: neither before nor after ({added})"):
                seen[str(which)] += 1
                entries = history + (which == "after")
                t.check(len(d.history) == entries, f"{len(d.history)} entries, not {entries}")
            t.check(d.verify() == [], f"verify after the kill: {d.verify()}")
            _after_crash(t, db, encryption)
    tally.notes.append(
        f"log into {size} events takes {duration:.2f} s; state "
        + ", ".join(f"{k}: {v}" for k, v in seen.items())
    )
    return tally.outcome()
