"""Import of a 100,000-event CSV: as a ratio to the import floor (the CSV read with
the csv module and written as JSON with orjson plus fsync, no validation), and to
`sqlite-utils insert DB events FILE --csv` (disk-bound, so it moves between machines).

Run: .venv/bin/python benchmarks/import_100k.py   (also two rows of `make bench`)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BIN, DOSSIER, PYTHON, ROOT, Case, in_child, measure, table

WORK = ROOT / "bench-data" / "100k"
FLOOR_BUDGET = 4.0
SQLITE_BUDGET = 0.5
FLOOR = Path(__file__).resolve().parent / "import_floor.py"


def _paths() -> dict[str, Path]:
    if not (WORK / "events.csv").exists():
        in_child(f"from data import generate; generate(Path({str(WORK)!r}), 100_000)")
    return {kind: WORK / f"{kind}.csv" for kind in ("cases", "persons", "events")}


def ours() -> tuple[list[str], Callable[[], None]]:
    """The file import of the 100k CSVs (cases, persons, events), and its set-up."""
    paths = _paths()
    target = WORK / "import.json"

    def fresh() -> None:
        for leftover in WORK.glob("import.json*"):
            leftover.unlink()

    command = [*DOSSIER, "--db", str(target), "import",
               str(paths["cases"]), str(paths["persons"]), str(paths["events"])]  # fmt: skip
    return command, fresh


def import_floor_case(repeat: int = 5) -> Case:
    """Our full, validated import of the events CSV against the import floor, which
    reads the same CSV: the events go into a dossier that already holds the 1,000
    cases and 3,000 persons they name (imported before each run, untimed), as a
    batch import of events into a working dossier does."""
    paths = _paths()
    base = WORK / "cases-and-persons.json"
    if not base.exists():
        subprocess.run([*DOSSIER, "--db", str(base), "import", str(paths["cases"]),
                        str(paths["persons"])], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    target = WORK / "events-import.json"

    def fresh() -> None:
        for leftover in WORK.glob("events-import.json*"):
            leftover.unlink()
        shutil.copyfile(base, target)

    out = WORK / "floor-import.json"
    return Case(
        name="import 100k-event CSV, against the import floor",
        ours=[*DOSSIER, "--db", str(target), "import", str(paths["events"])],
        reference=[*PYTHON, str(FLOOR), str(paths["events"]), str(out)],
        budget=FLOOR_BUDGET,
        before=fresh,
        repeat=repeat,
    )


def import_case(repeat: int = 5) -> Case:
    """Our full, validated import against sqlite-utils' plain insert."""
    paths = _paths()
    command, fresh = ours()
    reference_db = WORK / "reference.db"

    def fresh_reference() -> None:
        reference_db.unlink(missing_ok=True)

    return Case(
        name="import 100k-event CSV, against sqlite-utils",
        ours=command,
        reference=[
            str(BIN / "sqlite-utils"),
            "insert",
            str(reference_db),
            "events",
            str(paths["events"]),
            "--csv",
        ],
        budget=SQLITE_BUDGET,
        before=fresh,
        reference_before=fresh_reference,
        repeat=repeat,
    )


if __name__ == "__main__":
    print(table([measure(import_floor_case()), measure(import_case())]))
