"""The import floor: the events CSV read with the csv module, written as JSON with
orjson, fsync. No validation, no matching, no history: what any import costs.

Run by the import rows of benchmarks/bench.py:  python import_floor.py EVENTS.csv OUT.json
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import orjson


def main(source: str, target: str) -> None:
    with Path(source).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    data = orjson.dumps({"events": {str(n): row for n, row in enumerate(rows, 1)}})
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
