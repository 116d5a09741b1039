"""`make bench`: every row of the performance budget (README.md, "Performance"), as ratios.

Generates its own data (100,000 events over 1,000 cases and 3,000 persons, and
1,000,000 for the scale row) under bench-data/, builds the dossiers with
`dossier import`, writes the floor's compact JSON (the records alone), then
runs each case several times interleaved with its reference and prints one
table. Exits 1 if a row is over budget. The encrypted rows read a copy of the
100k dossier encrypted with the default key derivation (`dossier encrypt`'s),
against the same command on the plain dossier. The server rows run on a
throwaway PostgreSQL cluster (benchmarks/server_rows.py).

    .venv/bin/python benchmarks/bench.py [--quick] [--only TEXT]
    # --quick: skip the 1M and server rows; --only TEXT: only the rows whose name
    # holds TEXT (--only server: the server rows)
"""

from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DOSSIER, PYTHON, ROOT, Case, in_child, measure, table
from import_100k import import_case, import_floor_case
from import_100k import ours as file_import

DATA = ROOT / "bench-data"
PASSPHRASE = "correct horse battery staple"  # given to the encrypted rows as $DOSSIER_PASSPHRASE


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


def encrypted_of(db: Path) -> Path:
    """`db` encrypted with PASSPHRASE, built once and again whenever `db` is newer."""
    encrypted = db.with_name("encrypted.json")
    if not encrypted.exists() or encrypted.stat().st_mtime < db.stat().st_mtime:
        in_child(
            f"from data import encrypted_copy; encrypted_copy(Path({str(db)!r}),"
            f" Path({str(encrypted)!r}), {PASSPHRASE!r})"
        )
    return encrypted


def fresh_copy(source: Path, target: Path) -> Callable[[], None]:
    """A set-up that puts a new copy of `source` at `target` (for a row that writes)."""

    def copy() -> None:
        shutil.copyfile(source, target)

    return copy


def floor_command(floor: Path, dump: bool = False) -> list[str]:
    """The floor: parse the records (and, for writes, serialize them again)."""
    code = f"import orjson; d = orjson.loads(open({str(floor)!r}, 'rb').read())"
    if dump:
        code += "; orjson.dumps(d)"
    return [*PYTHON, "-c", code]


def cases(quick: bool, only: str = "") -> list[Case]:
    """The rows of the budget table whose name holds `only` (every row by default)."""
    typer = [*PYTHON, "-c", "import typer"]
    db, floor, case = dossier_of(100_000)
    encrypted = encrypted_of(db)
    log_db = db.with_name("log.json")
    encrypted_log_db = db.with_name("log-encrypted.json")
    unlocked = {"DOSSIER_PASSPHRASE": PASSPHRASE}

    def timeline(path: Path) -> list[str]:
        return [*DOSSIER, "--db", str(path), "timeline", case]

    def log(path: Path) -> list[str]:
        return [*DOSSIER, "--db", str(path), "log", case, "hearing", "2024-05-01"]

    rows = [
        Case("dossier --version", [*DOSSIER, "--version"], typer, 1.25, repeat=15),
        Case("dossier --help", [*DOSSIER, "--help"], typer, 2.5, repeat=15),
        Case(f"timeline {case}, 100k events", timeline(db), floor_command(floor), 1.5),
        Case("stats, 100k events", [*DOSSIER, "--db", str(db), "stats"], floor_command(floor), 2.5),
        Case(
            "log one event into 100k",
            log(log_db),
            floor_command(floor, dump=True),
            2.0,
            before=fresh_copy(db, log_db),
        ),
        Case(
            f"timeline {case}, 100k events, encrypted, against plain",
            timeline(encrypted),
            timeline(db),
            1.5,
            env=unlocked,
        ),
        Case(
            "log one event into 100k, encrypted, against plain",
            log(encrypted_log_db),
            log(log_db),
            1.5,
            before=fresh_copy(encrypted, encrypted_log_db),
            reference_before=fresh_copy(db, log_db),
            env=unlocked,
        ),
        import_floor_case(),
        import_case(),
        Case(
            f"peak memory, timeline {case} on 100k",
            timeline(db),
            floor_command(floor),
            1.5,
            measure="memory",
            repeat=3,
        ),
    ]
    big_row = f"timeline {case}, 1,000,000 events"
    if not quick and only in big_row:
        big, big_floor, _ = dossier_of(1_000_000)
        rows.append(Case(big_row, timeline(big), floor_command(big_floor), 2.0, repeat=3))
    server = [name for name in SERVER_ROWS if only in name]
    if not quick and server:
        from server_rows import server_cases

        big, _floor, _ = dossier_of(1_000_000)
        command, fresh = file_import()
        csvs = {kind: big.parent.parent / "100k" / f"{kind}.csv" for kind in CSV_KINDS}
        rows.extend(server_cases(big, csvs, command, fresh))
    return [row for row in rows if only in row.name]


CSV_KINDS = ("cases", "persons", "events")
# The names of the server rows (benchmarks/server_rows.py), to select them by --only
# before their data are built.
SERVER_ROWS = (
    "server: timeline case-0007, 1M events, against that case alone",
    "server: log one event, 1M events, against that case alone",
    "server: timeline case-0007, 1M events, against the file's",
    "server: stats, 1M events, against the file's",
    "server: import of the 100k-event CSV, against the file's",
)


def main() -> int:
    # As installed from a wheel, dossier runs from byte-compiled modules. The editable
    # install the benchmarks use writes none where PYTHONDONTWRITEBYTECODE is set (as on
    # the build machines), so every command would compile each module it imports
    # again: 0.08 s a command (measured), which is no cost a user pays.
    if not compileall.compile_dir(ROOT / "src", quiet=1):
        print("Could not byte-compile src/: each command compiles it again", file=sys.stderr)
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv[:-1] else ""
    results = []
    for case in cases(quick, only):
        result = measure(case)
        results.append(result)
        print(f"  {case.name}: {result.ratio:.2f}× (budget {case.budget:g}×)", file=sys.stderr)
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
