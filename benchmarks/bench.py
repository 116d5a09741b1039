"""`make bench`: every row of the performance budget (README.md, "Performance"), as ratios.

Generates its own data (100,000 events over 1,000 cases and 3,000 persons, and
1,000,000 for the scale row) under bench-data/, builds the dossiers with
`dossier import`, writes the floor's compact JSON (the records alone), then
runs each case several times interleaved with its reference and prints one
table. Exits 1 if a row is over budget.

    .venv/bin/python benchmarks/bench.py [--quick]   # --quick: skip the 1M row
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DOSSIER, PYTHON, ROOT, Case, in_child, measure, table
from import_100k import import_case, import_floor_case

DATA = ROOT / "bench-data"


def dossier_of(size: int) -> tuple[Path, Path, str]:
    """(database, floor JSON, a case id) for `size` events, built once."""
    folder = DATA / (f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}m")
    db = folder / "db.json"
    floor = folder / "floor.json"
    if not db.exists():
        in_child(f"from data import generate; generate(Path({str(folder)!r}), {size})")
        paths = {kind: folder / f"{kind}.csv" for kind in ("cases", "persons", "events")}
        subprocess.run(
            [*DOSSIER, "--db", str(db), "import", str(paths["cases"]), str(paths["persons"]),
             str(paths["events"])],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    if not floor.exists():
        in_child(
            f"from data import floor_json; floor_json(Path({str(db)!r}), Path({str(floor)!r}))"
        )
    return db, floor, "case-0007"


def floor_command(floor: Path, dump: bool = False) -> list[str]:
    """The floor: parse the records (and, for writes, serialize them again)."""
    code = f"import orjson; d = orjson.loads(open({str(floor)!r}, 'rb').read())"
    if dump:
        code += "; orjson.dumps(d)"
    return [*PYTHON, "-c", code]


def cases(quick: bool) -> list[Case]:
    """Every row of the budget table."""
    typer = [*PYTHON, "-c", "import typer"]
    db, floor, case = dossier_of(100_000)
    log_db = db.with_name("log.json")

    def fresh_log_db() -> None:
        shutil.copyfile(db, log_db)

    rows = [
        Case("dossier --version", [*DOSSIER, "--version"], typer, 1.25, repeat=15),
        Case("dossier --help", [*DOSSIER, "--help"], typer, 2.5, repeat=15),
        Case(
            f"timeline {case}, 100k events",
            [*DOSSIER, "--db", str(db), "timeline", case],
            floor_command(floor),
            1.5,
        ),
        Case("stats, 100k events", [*DOSSIER, "--db", str(db), "stats"], floor_command(floor), 2.5),
        Case(
            "log one event into 100k",
            [*DOSSIER, "--db", str(log_db), "log", case, "hearing", "2024-05-01"],
            floor_command(floor, dump=True),
            2.0,
            before=fresh_log_db,
        ),
        import_floor_case(),
        import_case(),
        Case(
            f"peak memory, timeline {case} on 100k",
            [*DOSSIER, "--db", str(db), "timeline", case],
            floor_command(floor),
            1.5,
            measure="memory",
            repeat=3,
        ),
    ]
    if not quick:
        big, big_floor, _ = dossier_of(1_000_000)
        rows.append(
            Case(
                f"timeline {case}, 1,000,000 events",
                [*DOSSIER, "--db", str(big), "timeline", case],
                floor_command(big_floor),
                2.0,
                repeat=3,
            )
        )
    return rows


def main() -> int:
    quick = "--quick" in sys.argv
    results = []
    for case in cases(quick):
        result = measure(case)
        results.append(result)
        print(f"  {case.name}: {result.ratio:.2f}× (budget {case.budget:g}×)", file=sys.stderr)
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
