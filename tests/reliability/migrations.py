"""Schema migrations: every fixture opens, and an upgrade is saved in one atomic step.

The code has had one schema so far, so no fixture needs migrating yet. To test the
machinery an upgrade would use, `simulated_upgrade` pretends the code is one
schema newer, with a migration that marks the file's meta.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import orjson

from dossier.store import file as store

from .faults import TempFileFaults
from .harness import Outcome, Tally, all_temp_files, cli, one_error_line, process_env

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixtures() -> list[tuple[int, Path]]:
    """(schema, path) of every tests/fixtures/schema-N.json, oldest first."""
    found = [(int(p.stem.split("-")[1]), p) for p in FIXTURES.glob("schema-*.json")]
    return sorted(found)


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """The simulated migration: marks the meta document."""
    meta = {key: {**doc, "migrated": True} for key, doc in data["meta"].items()}
    return {**data, "meta": meta}


@contextlib.contextmanager
def simulated_upgrade() -> Iterator[int]:
    """Pretend the code reads one schema more than it does; yields the new version."""
    old = store.SCHEMA_VERSION
    with (
        mock.patch.object(store, "SCHEMA_VERSION", old + 1),
        mock.patch.dict(store.MIGRATIONS, {old: _migrate}),
    ):
        yield old + 1


# The same upgrade in a real process, for SIGKILL.
UPGRADE_SCRIPT = """
import sys
from dossier.store import file as store
from dossier.cli.app import main
def migrate(data):
    meta = {key: {**doc, "migrated": True} for key, doc in data["meta"].items()}
    return {**data, "meta": meta}
store.MIGRATIONS[store.SCHEMA_VERSION] = migrate
store.SCHEMA_VERSION += 1
sys.argv[0] = "dossier"
main()
"""


def backups(db: Path) -> list[Path]:
    """The backups a migration made of `db`."""
    return sorted(db.parent.glob(db.name + ".bak-*"))


def _meta(db: Path) -> dict[str, Any]:
    meta: dict[str, Any] = next(iter(orjson.loads(db.read_bytes())["meta"].values()))
    return meta


def migrations(trials: int, workdir: Path) -> Outcome:
    """Every fixture opens and is saved by the next write; newer files are refused; a
    simulated upgrade is backed up and saved in one step, and an interrupted one
    (an injected failure or SIGKILL) leaves the old file byte-identical."""
    tally = Tally("migrations")
    for schema, fixture in fixtures():
        _fixture(tally, schema, fixture, workdir / f"fixture-{schema}")
    _newer(tally, workdir / "newer")
    newest = fixtures()[-1][1]
    rng = random.Random()
    killed = {"old": 0, "upgraded": 0}
    for k in range(trials):
        db = workdir / f"upgrade-{k}" / "dossier.json"
        db.parent.mkdir(parents=True)
        shutil.copy(newest, db)
        how = ("clean", "db write fails", "backup write fails", "SIGKILL")[k % 4]
        with tally.trial(f"simulated upgrade, {how}") as t:
            if how == "SIGKILL":
                killed[_killed_upgrade(t, db, rng)] += 1
            else:
                _upgrade(t, db, how)
    if any(killed.values()):
        tally.notes.append(f"killed upgrades left the old file {killed['old']} times, the"
                           f" upgraded one {killed['upgraded']} times")  # fmt: skip
    return tally.outcome()


def _fixture(tally: Tally, schema: int, fixture: Path, folder: Path) -> None:
    with tally.trial(f"fixture schema-{schema}") as t:
        folder.mkdir(parents=True)
        db = folder / "dossier.json"
        shutil.copy(fixture, db)
        old = db.read_bytes()
        d = store.Dossier.load(db)
        older = schema < store.SCHEMA_VERSION
        t.check(d.migrated_from == (schema if older else None), f"migrated_from {d.migrated_from}")
        t.check(d.verify() == [], f"verify: {d.verify()}")
        for args in (("verify",), ("case", "list"), ("timeline", "aleksanyan"), ("export",)):
            result = cli(db, *args)
            t.check(result.exit_code == 0, f"{args}: {result.output.strip()!r}")
        t.check(db.read_bytes() == old, "a read command changed the file")
        result = cli(db, "log", "aleksanyan", "hearing", "2009-06-01")
        t.check(result.exit_code == 0, f"the first write: {result.output.strip()!r}")
        t.check(_meta(db).get("schema") == store.SCHEMA_VERSION, f"saved as {_meta(db)}")
        saved = backups(db)
        if older:
            t.check(len(saved) == 1 and saved[0].read_bytes() == old, f"backups: {saved}")
        else:
            t.check(not saved, f"a backup of a current file: {saved}")
        t.check(cli(db, "verify").exit_code == 0, "verify fails after the first write")


def _newer(tally: Tally, folder: Path) -> None:
    """A file from a newer dossier, or with a nonsense schema, is refused untouched."""
    folder.mkdir()
    data = orjson.loads(fixtures()[-1][1].read_bytes())
    for schema in (store.SCHEMA_VERSION + 1, 0, "1", None):
        meta = next(iter(data["meta"].values()))
        meta["schema"] = schema
        db = folder / f"schema-{schema}.json"
        db.write_bytes(orjson.dumps(data))
        old = db.read_bytes()
        for args in (("case", "list"), ("log", "aleksanyan", "hearing", "2009")):
            with tally.trial(f"schema {schema!r}: {args[0]}") as t:
                result = cli(db, *args)
                problem = one_error_line(result)
                t.check(problem is None, str(problem))
                if schema == store.SCHEMA_VERSION + 1:
                    t.check("newer" in result.stderr, f"unclear: {result.stderr!r}")
                t.check(db.read_bytes() == old and not backups(db), "the file was touched")


def _upgrade(t: Tally, db: Path, how: str) -> None:
    old = db.read_bytes()
    args = ("log", "aleksanyan", "hearing", "2009-06-01", "--description", "after upgrade")
    with simulated_upgrade() as version:
        if how != "clean":
            # Fail the commit's write of the database, or of the backup before it.
            target = "database" if how == "db write fails" else "backup"
            with _failing_write(target) as faults:
                result = cli(db, *args)
            t.check(faults.hits > 0, f"the {target} write was never reached")
            problem = one_error_line(result)
            t.check(problem is None, str(problem))
            t.check(db.read_bytes() == old, "an interrupted upgrade changed the file")
            t.check(not all_temp_files(db.parent), f"left {all_temp_files(db.parent)}")
            t.check(all(b.read_bytes() == old for b in backups(db)), "a torn backup")
        replaced: list[str] = []
        real = os.replace

        def spy(src: Any, dst: Any, *a: Any, **k: Any) -> None:
            replaced.append(Path(dst).name)
            real(src, dst, *a, **k)

        with mock.patch.object(os, "replace", spy):
            result = cli(db, *args)
        t.check(result.exit_code == 0, f"the upgrade write: {result.output.strip()!r}")
        t.check(replaced.count(db.name) == 1, f"the database was replaced {replaced} times")
        meta = _meta(db)
        t.check(meta.get("schema") == version and meta.get("migrated"), f"saved as {meta}")
        saved = backups(db)
        t.check(saved and all(b.read_bytes() == old for b in saved), f"backups: {saved}")
        for backup in saved:
            mode = stat.S_IMODE(backup.stat().st_mode)
            t.check(mode == 0o600, f"backup mode {mode:o}")
        described = [e["description"] for e in store.Dossier.load(db).events.raw.values()]
        t.check("after upgrade" in described, "the write that saved the upgrade is missing")
        t.check(cli(db, "verify").exit_code == 0, "verify fails after the upgrade")


@contextlib.contextmanager
def _failing_write(target: str) -> Iterator[TempFileFaults]:
    """ENOSPC on writing the temp file of the database or of the backup only."""
    faults = TempFileFaults("write", errno.ENOSPC)
    real_open = faults._open

    def pick(path: Any, *args: Any, **kwargs: Any) -> int:
        backup = ".bak-" in str(path)
        fd = real_open(path, *args, **kwargs)
        if backup != (target == "backup"):
            faults.fds.discard(fd)
        return fd

    with mock.patch.object(faults, "_open", pick), faults:
        yield faults


def _killed_upgrade(t: Tally, db: Path, rng: random.Random) -> str:
    """SIGKILL an upgrading write at a random moment; which file it left."""
    old = db.read_bytes()
    argv = [sys.executable, "-c", UPGRADE_SCRIPT, "--db", str(db), "log", "aleksanyan",
            "hearing", "2009-06-01", "--description", "after upgrade"]  # fmt: skip
    proc = subprocess.Popen(
        argv, env=process_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(rng.uniform(0, 0.6))
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    if db.read_bytes() == old:
        t.check(all(b.read_bytes() == old for b in backups(db)), "a torn backup")
        return "old"
    with simulated_upgrade() as version:
        meta = _meta(db)
        t.check(meta.get("schema") == version, f"neither old nor upgraded: {meta}")
        t.check(any(b.read_bytes() == old for b in backups(db)), "upgraded without a backup")
        t.check(cli(db, "verify").exit_code == 0, "verify fails after the upgrade")
    return "upgraded"
