"""What every scenario shares: the tally of trials, running the CLI, building dossiers.

The CLI runs two ways: in this process through `typer.testing.CliRunner` (fast,
and fault injection can reach inside it), or as a real `python -m dossier`
process (for locks held by other processes and for SIGKILL).
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import typer
import typer.main
import typer.testing
from typer.testing import CliRunner, Result

from dossier import history as hist
from dossier.storage import temp_files
from dossier.store import Dossier

# The environment of every command: no colours, wide tables, no pager, no user dossier.
CLI_ENV: dict[str, str | None] = {
    "NO_COLOR": "1",
    "COLUMNS": "250",
    "LINES": "10000",
    "TERM": "dumb",
    "DOSSIER_DB": None,
    "DOSSIER_LOCK_TIMEOUT": None,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a scenario found: how many trials, how many failed, and the first failure."""

    scenario: str
    trials: int
    failures: int
    first_failure: str | None = None
    notes: str = ""


class Tally:
    """Counts trials and failed trials; keeps the first failure's description.

    A trial fails at most once, however many of its checks fail; an exception
    escaping a trial (an unexpected crash of the scenario's own code, or a bug
    the check did not foresee) fails it too, with the traceback's last line.
    """

    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        self.trials = 0
        self.failures = 0
        self.first: str | None = None
        self.notes: list[str] = []
        self._label = ""
        self._failed = False

    @contextlib.contextmanager
    def trial(self, label: str) -> Iterator[Tally]:
        """One trial: checks inside it fail it."""
        self.trials += 1
        self._label, self._failed = label, False
        try:
            yield self
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.fail(
                f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
            )

    def fail(self, message: str) -> None:
        """Fail the current trial."""
        if not self._failed:
            self._failed = True
            self.failures += 1
        if self.first is None:
            self.first = f"{self._label}: {message}"

    def check(self, condition: object, message: str) -> bool:
        """Fail the trial with `message` unless `condition` holds."""
        if not condition:
            self.fail(message)
        return bool(condition)

    def outcome(self) -> Outcome:
        """The scenario's result."""
        return Outcome(self.scenario, self.trials, self.failures, self.first, "; ".join(self.notes))


# Running the CLI -----------------------------------------------------------------

# Building the Click command from the Typer app costs ~70 ms; it holds no state
# between invocations, so one build serves them all (as tests/conftest.py does).
_command = functools.cache(typer.main.get_command)


def cli(
    db: Path | None,
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    """Run `dossier [--db DB] ARGS` in this process and return the result."""
    from dossier.cli.app import app

    argv = ["--db", str(db), *args] if db is not None else list(args)
    with mock.patch.object(typer.testing, "_get_command", _command):
        return CliRunner().invoke(app, argv, input=input, env={**CLI_ENV, **(env or {})})


def dossier_argv(db: Path, *args: str) -> list[str]:
    """The argv of a real `python -m dossier --db DB ARGS` process."""
    return [sys.executable, "-m", "dossier", "--db", str(db), *args]


def process_env(**extra: str) -> dict[str, str]:
    """The environment for a real dossier process."""
    env = {k: v for k, v in os.environ.items() if k not in ("DOSSIER_DB", "DOSSIER_LOCK_TIMEOUT")}
    env.update({k: v for k, v in CLI_ENV.items() if v is not None})
    env.update(extra)
    return env


def run_process(
    db: Path, *args: str, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a real dossier process to the end."""
    return subprocess.run(
        dossier_argv(db, *args),
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def traceback_in(result: Result) -> str | None:
    """Why a result shows a crash rather than a handled outcome, or None."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"{type(result.exception).__name__}: {result.exception}"
    if "Traceback" in result.output:
        return "a traceback was printed"
    if "internal error" in result.output:
        return "an internal error: " + result.output.strip().splitlines()[-1]
    return None


def error_lines(stderr: str) -> list[str]:
    """The non-empty lines of stderr."""
    return [line for line in stderr.splitlines() if line.strip()]


def one_error_line(result: Result) -> str | None:
    """None when the result is a clean data error: exit 1, one `Error: …` line on stderr
    (warnings aside)."""
    crash = traceback_in(result)
    if crash:
        return crash
    if result.exit_code != 1:
        return f"exit {result.exit_code}, expected 1 (stderr {result.stderr!r})"
    lines = [line for line in error_lines(result.stderr) if not line.startswith("Warning: ")]
    if len(lines) != 1 or not lines[0].startswith("Error: "):
        return f"expected one 'Error:' line on stderr, got {result.stderr!r}"
    return None


# Dossiers -------------------------------------------------------------------------


def state_hash(db: Path) -> str:
    """The state hash of the dossier in `db`."""
    return Dossier.load(db).state_hash().all


def tables_hash(tables: dict[str, dict[str, Any]]) -> str:
    """The state hash of record tables given as {kind: {id: record}}."""
    return hist.state_hash(tables).all


def raw_tables(db: Path) -> dict[str, dict[str, Any]]:
    """{kind: {id: record}} of the dossier in `db`."""
    d = Dossier.load(db)
    return {kind: dict(table.raw) for kind, table in d.tables().items()}


def soundness(db: Path) -> str | None:
    """None when `dossier verify` passes on `db` and no temp file is left beside it."""
    result = cli(db, "verify")
    if result.exit_code != 0 or not result.stdout.startswith("OK: "):
        return f"dossier verify exited {result.exit_code}: {result.output.strip()}"
    leftovers = temp_files(db)
    if leftovers:
        return f"temp files left behind: {[p.name for p in leftovers]}"
    return None


def all_temp_files(folder: Path) -> list[str]:
    """Names of every *.tmp file in a folder."""
    return sorted(p.name for p in folder.glob("*.tmp"))


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """A UTF-8 CSV file."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def new_dossier(db: Path, *, cases: Sequence[str] = ("c",), persons: int = 1) -> Path:
    """A dossier with these cases (titled by id) and persons p1…pN (named Person N)."""
    from dossier import ops
    from dossier.model import Case, Person, Role

    with Dossier.edit(db, "setup") as d:
        for case_id in cases:
            ops.add_case(d, Case(id=case_id, title=case_id.upper()))
        for n in range(1, persons + 1):
            ops.add_person(
                d, Person(id=f"p{n}", name=f"Person {n}", roles=(Role(cases[0], "defendant"),))
            )
    return db


def big_events_csv(path: Path, n: int, case: str = "c", prefix: str = "e") -> Path:
    """An events CSV of `n` rows with explicit ids (so the state after import is known)."""
    rows = [
        [case, f"2009-{i % 12 + 1:02d}-{i % 28 + 1:02d}", "hearing", f"{prefix}{i:06d}",
         "p1" if i % 3 == 0 else "", f"row {i}", f"https://example.org/{i}"]
        for i in range(n)
    ]  # fmt: skip
    return write_csv(path, ["case", "date", "type", "id", "person", "description", "source"], rows)


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run with this umask (process-wide), then restore the old one."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def working_directory(folder: Path) -> Iterator[None]:
    """Run in `folder` (so that a stray relative path lands in a temp dir)."""
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)
