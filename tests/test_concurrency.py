"""Several real OS processes writing one file at once: no write is lost."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from dossier import ops
from dossier.model import Case, Event
from dossier.storage import temp_files
from dossier.store import Dossier

WRITERS = 4
WRITES = 25


def writer(db: str, n: int) -> None:
    for i in range(WRITES):
        with Dossier.edit(db, f"log {n}-{i}") as d:
            ops.add_event(d, Event(id=f"w{n}-{i}", case="c", type="hearing", date="2009"))


def test_concurrent_library_writers_lose_nothing(db: Path) -> None:
    with Dossier.edit(db, "case add") as d:
        ops.add_case(d, Case(id="c", title="C"))
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=writer, args=(str(db), n)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    final = Dossier.load(db)
    assert len(final.events) == WRITERS * WRITES
    assert len(final.history) == WRITERS * WRITES + 1
    assert final.verify() == []
    assert temp_files(db) == []


def test_concurrent_cli_processes_lose_nothing(db: Path) -> None:
    env = {**os.environ, "DOSSIER_DB": str(db)}
    dossier = [sys.executable, "-m", "dossier"]
    subprocess.run([*dossier, "case", "add", "c", "--title", "C"], env=env, check=True)
    procs = [
        subprocess.Popen(
            [*dossier, "log", "c", "hearing", f"200{n}", "--description", f"writer {n}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(6)
    ]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        ids.append(out.decode().strip())
    final = Dossier.load(db)
    assert sorted(final.events.ids()) == sorted(ids)
    assert final.verify() == []
