"""The server import floor: what holding the 100k benchmark's records on PostgreSQL
costs at the least, against the file backend's whole import of the same CSVs.

The floor reads the three CSVs with the csv module (no validation, no matching, no
ids made), sends each row as JSON with COPY into tables indexed as dossier's are (the
reads the server rows measure need those indexes), and the events' links to their
persons likewise, in one transaction: no row-level security, no foreign keys,
no triggers, no history, no state hashes. Whatever dossier adds to that is what its
guarantees cost. `make bench` budgets the server import at 1.5 times the file's;
this prints how much of that the floor alone takes (docs/server.md, Performance).

Run: .venv/bin/python benchmarks/server_floor.py   (not a row of `make bench`)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TABLES = """
CREATE TABLE cases (id text PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY,
                    record json NOT NULL);
CREATE TABLE persons (id text PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY,
                      record json NOT NULL);
CREATE TABLE person_cases (person_id text, case_id text, role text,
                           PRIMARY KEY (person_id, case_id, role));
CREATE INDEX ON person_cases (case_id);
CREATE TABLE events (id text PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY,
                     case_id text NOT NULL, type text NOT NULL, date_first text,
                     record json NOT NULL, UNIQUE (id, case_id));
CREATE INDEX ON events (case_id, n);
CREATE INDEX ON events (date_first);
CREATE TABLE event_persons (event_id text, person_id text, case_id text,
                            PRIMARY KEY (event_id, person_id));
CREATE INDEX ON event_persons (person_id);
CREATE INDEX ON event_persons (case_id);
"""


def tables(url: str) -> None:
    """Empty tables for a run (untimed, as the server row's database is made)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(b"DROP SCHEMA IF EXISTS floor CASCADE")
        conn.execute(b"CREATE SCHEMA floor")
        conn.execute(b"SET search_path = floor; " + TABLES.encode())


def floor(url: str, paths: dict[str, Path]) -> None:
    """Load the three CSVs into the empty tables, in one transaction."""
    import psycopg

    def rows(kind: str) -> list[dict[str, str]]:
        with paths[kind].open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET search_path = floor")
        with cur.copy("COPY cases (id, record) FROM STDIN") as copy:
            for row in rows("cases"):
                copy.write_row((row["id"], orjson.dumps(row).decode()))
        people = rows("persons")
        with cur.copy("COPY persons (id, record) FROM STDIN") as copy:
            for row in people:
                copy.write_row((row["id"], orjson.dumps(row).decode()))
        with cur.copy("COPY person_cases FROM STDIN") as copy:
            for row in people:
                copy.write_row((row["id"], row["case"], row["role"]))
        events = rows("events")
        with cur.copy("COPY events (id, case_id, type, date_first, record) FROM STDIN") as copy:
            for n, row in enumerate(events):
                copy.write_row((f"e{n}", row["case"], row["type"], row["date"],
                                orjson.dumps(row).decode()))  # fmt: skip
        with cur.copy("COPY event_persons FROM STDIN") as copy:
            for n, row in enumerate(events):
                for person in dict.fromkeys(row["person"].split("|")):
                    if person:
                        copy.write_row((f"e{n}", person, row["case"]))
        conn.commit()


def main() -> None:
    if sys.argv[1:2] == ["--load"]:  # the measured run: only what it needs is imported
        names = sys.argv[3:]
        floor(sys.argv[2], {kind: ROOT / "bench-data" / "100k" / f"{kind}.csv" for kind in names})
        return
    import compileall
    import statistics

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "tests"))
    from harness import PYTHON, run
    from import_100k import _paths
    from import_100k import ours as file_import

    import pgcluster  # the tests' throwaway cluster

    compileall.compile_dir(ROOT / "src", quiet=1)  # as bench.py does
    _paths()  # generated if missing
    cluster = pgcluster.start()
    try:
        command, fresh = file_import()
        load = [*PYTHON, __file__, "--load", cluster.url, "cases", "persons", "events"]
        ours, reference = [], []
        for _ in range(5):  # interleaved, as the harness does
            fresh()
            reference.append(run(command).seconds)
            tables(cluster.url)
            ours.append(run(load).seconds)
        a, b = statistics.median(ours), statistics.median(reference)
        print(f"server import floor {a:.2f} s, file import {b:.2f} s: {a / b:.2f}×"
              " (the budget of dossier's server import: 1.5×)")  # fmt: skip
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
