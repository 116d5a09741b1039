"""The server rows of `make bench`: a dossier on PostgreSQL against itself and the file.

A throwaway cluster (tests/pgcluster.py: a Unix socket only, fsync off as for
the tests) is started for the run and deleted after it. The 1,000,000-event
dossier of the file rows (1,000 cases) is copied onto it with `dossier copy`,
and one case of it alone into a second database, so that:

- `timeline CASE` and `log` on the million cost at most 1.5 times the same
  command on a server holding that case alone (a command's cost must not grow
  with the database), and at most 0.1 times the file's `timeline` on the same
  million;
- `stats` over every case costs at most half the file's `stats` on the same
  records;
- importing the 100,000-event CSV costs at most 1.5 times the file's import.
"""

from __future__ import annotations

import atexit
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from harness import DOSSIER, ROOT, Case

sys.path.insert(0, str(ROOT / "tests"))
import pgcluster  # the tests' throwaway cluster

CASE = "case-0007"
_STARTED: list[pgcluster.Cluster] = []


def _cluster() -> pgcluster.Cluster:
    if not _STARTED:
        _STARTED.append(pgcluster.start())
        atexit.register(_STARTED[0].stop)
    return _STARTED[0]


def _database(name: str) -> None:
    """A new database `name` (dropped first if there) with the schema and alice let in."""
    import psycopg

    cluster = _cluster()
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
        admin.execute(f"CREATE DATABASE {name}".encode())
        admin.execute(
            "DO $$ BEGIN CREATE ROLE alice LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    owner = _url(name, "postgres")
    subprocess.run([*DOSSIER, "server", "init", "--db", owner], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    subprocess.run([*DOSSIER, "--db", owner, "server", "add-user", "alice"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return _url(name)


def _url(name: str, role: str = "alice") -> str:
    """The URL of database `name` on the run's cluster, as `role`."""
    return (
        _cluster()
        .url.replace("/postgres?", f"/{name}?")
        .replace("postgresql://postgres@", f"postgresql://{role}@")
    )


def _copy(source: str, target: str) -> None:
    subprocess.run([*DOSSIER, "copy", source, target], check=True, stdout=subprocess.DEVNULL)


def _settled(name: str) -> None:
    """VACUUM ANALYZE database `name`, as a server in use would have it: measured right
    after a bulk load, autovacuum runs beside the commands (on the same two cores) and
    the planner has no statistics yet."""
    import psycopg

    with psycopg.connect(_url(name, "postgres"), autocommit=True) as owner:
        owner.execute("VACUUM (ANALYZE)")


def server_cases(big_file: Path, csvs: dict[str, Path], file_import: list[str],
                 fresh_file_import: Callable[[], None]) -> list[Case]:  # fmt: skip
    """The server rows, against `big_file` (1M events) and the file's 100k import."""
    _database("big")
    big = _url("big")
    _copy(str(big_file), big)
    _settled("big")
    exported = big_file.with_name("one-case-export.json")
    subprocess.run([*DOSSIER, "--db", str(big_file), "export", "--case", CASE,
                    "--include-confidential", "-o", str(exported)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _database("alone")
    alone = _url("alone")
    subprocess.run([*DOSSIER, "--db", alone, "import", str(exported)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    _settled("alone")

    def fresh_import() -> None:
        _database("imported")

    files = [str(csvs[kind]) for kind in ("cases", "persons", "events")]
    importing = [*DOSSIER, "--db", _url("imported"), "import", *files]

    def timeline(db: str) -> list[str]:
        return [*DOSSIER, "--db", db, "timeline", CASE]

    def log(db: str) -> list[str]:
        return [*DOSSIER, "--db", db, "log", CASE, "hearing", "2024-05-01"]

    return [
        Case(f"server: timeline {CASE}, 1M events, against that case alone",
             timeline(big), timeline(alone), 1.5),
        Case("server: log one event, 1M events, against that case alone",
             log(big), log(alone), 1.5),
        Case(f"server: timeline {CASE}, 1M events, against the file's",
             timeline(big), timeline(str(big_file)), 0.1, repeat=3),
        Case("server: stats, 1M events, against the file's",
             [*DOSSIER, "--db", big, "stats"], [*DOSSIER, "--db", str(big_file), "stats"], 0.5,
             repeat=3),
        Case("server: import of the 100k-event CSV, against the file's",
             importing, file_import, 1.5, before=fresh_import,
             reference_before=fresh_file_import, repeat=3),
    ]  # fmt: skip
