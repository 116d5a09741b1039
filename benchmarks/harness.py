"""Timing whole commands as ratios against a reference measured in the same run.

Absolute times drift on a shared 2-core machine; a ratio of medians, with our
command and its reference interleaved run by run, does not.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOSSIER = [str(BIN / "dossier")]
PYTHON = [sys.executable]


def in_child(code: str) -> None:
    """Prepare data in a process of its own (Python `code`, with benchmarks/ importable).

    A bench process grown to gigabytes by generating 1,000,000 events would count
    in the peak memory of every command it starts afterwards: the child's peak
    includes the parent's pages it was forked with.
    """
    here = str(Path(__file__).resolve().parent)
    subprocess.run(
        [
            *PYTHON,
            "-c",
            f"import sys; sys.path.insert(0, {here!r}); from pathlib import Path; {code}",
        ],
        check=True,
    )


@dataclass(frozen=True)
class Run:
    """One measured process: wall time in seconds and peak memory in MiB."""

    seconds: float
    peak_mib: float


def run(command: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run a command to completion, quietly; its wall time and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr}")
    return Run(elapsed, usage.ru_maxrss / 1024)


@dataclass(frozen=True)
class Case:
    """A row of the table: our command against its reference."""

    name: str
    ours: Sequence[str]
    reference: Sequence[str]
    budget: float
    measure: str = "time"  # or "memory"
    before: Callable[[], None] | None = None  # untimed set-up before each of our runs
    reference_before: Callable[[], None] | None = None
    repeat: int = 5
    env: Mapping[str, str] | None = None  # added to the environment of both commands


@dataclass(frozen=True)
class Result:
    """Medians and their ratio."""

    case: Case
    ours: float
    reference: float

    @property
    def ratio(self) -> float:
        """Ours / reference."""
        return self.ours / self.reference

    @property
    def passed(self) -> bool:
        """Within the budget."""
        return self.ratio <= self.case.budget


def measure(case: Case) -> Result:
    """Run ours and the reference alternately `repeat` times; compare medians."""
    ours: list[float] = []
    reference: list[float] = []
    for _ in range(case.repeat):
        if case.before:
            case.before()
        mine = run(case.ours, case.env)
        if case.reference_before:
            case.reference_before()
        theirs = run(case.reference, case.env)
        pick = (lambda r: r.peak_mib) if case.measure == "memory" else (lambda r: r.seconds)
        ours.append(pick(mine))
        reference.append(pick(theirs))
    return Result(case, statistics.median(ours), statistics.median(reference))


def table(results: Sequence[Result]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| case | ours | reference | ratio | budget | result |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        unit = " MiB" if r.case.measure == "memory" else " s"
        fmt = "{:.0f}" if r.case.measure == "memory" else "{:.3f}"
        lines.append(
            f"| {r.case.name} | {fmt.format(r.ours)}{unit} | {fmt.format(r.reference)}{unit}"
            f" | {r.ratio:.2f}× | ≤ {r.case.budget:g}× | {'pass' if r.passed else 'FAIL'} |"
        )
    return "\n".join(lines)
