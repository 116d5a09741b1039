"""Import of a 100,000-event CSV, as a ratio to `sqlite-utils insert DB events FILE --csv`.

Run: .venv/bin/python benchmarks/import_100k.py   (also a row of `make bench`)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import generate
from harness import BIN, DOSSIER, ROOT, Case, measure, table

WORK = ROOT / "bench-data" / "100k"
BUDGET = 0.3


def import_case(repeat: int = 5) -> Case:
    """The import row: our full, validated import against sqlite-utils' plain insert."""
    paths = (
        generate(WORK, 100_000)
        if not (WORK / "events.csv").exists()
        else {kind: WORK / f"{kind}.csv" for kind in ("cases", "persons", "events")}
    )
    target = WORK / "import.json"
    reference_db = WORK / "reference.db"

    def fresh() -> None:
        for leftover in WORK.glob("import.json*"):
            leftover.unlink()

    def fresh_reference() -> None:
        reference_db.unlink(missing_ok=True)

    return Case(
        name="import 100k-event CSV",
        ours=[
            *DOSSIER,
            "--db",
            str(target),
            "import",
            str(paths["cases"]),
            str(paths["persons"]),
            str(paths["events"]),
        ],
        reference=[
            str(BIN / "sqlite-utils"),
            "insert",
            str(reference_db),
            "events",
            str(paths["events"]),
            "--csv",
        ],
        budget=BUDGET,
        before=fresh,
        reference_before=fresh_reference,
        repeat=repeat,
    )


if __name__ == "__main__":
    print(table([measure(import_case())]))
