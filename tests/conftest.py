"""Shared fixtures: each test gets its own database file in a temp dir."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
import typer
import typer.testing
from hypothesis import settings
from typer.testing import CliRunner, Result

import pgcluster
from dossier import vault
from dossier.cli.app import app
from dossier.crypto import MAGIC, KdfParams, unseal
from dossier.keys import Keys
from dossier.storage import lock_path

# No deadlines for property tests: timing belongs in benchmarks/, and a slow moment
# on a shared machine must not fail a test. Under CI the examples are the same each run
# (derandomize): a clean clone's run says whether this commit is right, not whether the
# dice found something today; runs at a desk keep exploring, and what they find becomes a
# deterministic test.
settings.register_profile("dossier", deadline=None)
settings.register_profile("ci", parent=settings.get_profile("dossier"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dossier")

Run = Callable[..., Result]


@dataclass(frozen=True)
class Snapshot:
    """The database file's bytes before a command (None: there was no file)."""

    path: Path
    data: bytes | None

    @classmethod
    def of(cls, path: Path) -> Snapshot:
        return cls(path, contents(path) if path.exists() or path in WHERE else None)

    def assert_unchanged(self) -> None:
        if self.data is None:
            assert not self.path.exists(), f"{self.path} was created by a failed command"
        else:
            assert contents(self.path) == self.data, f"{self.path} changed"


def contents(db: Path) -> bytes:
    """All the test's dossier holds: the file's bytes, or in the server run every row of
    every table of the schema (read as the superuser, past row-level security)."""
    if db not in WHERE:
        return db.read_bytes()
    import psycopg

    url = WHERE[db].replace("postgresql://alice@", "postgresql://postgres@", 1)
    with psycopg.connect(url) as conn:
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'dossier' ORDER BY 1"
            )
        ]
        dump = {t: conn.execute(f"SELECT * FROM dossier.{t} ORDER BY 1, 2".encode()).fetchall()
                for t in tables}  # fmt: skip
    return repr(dump).encode()


@contextlib.contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail instead of hanging when the block takes longer (e.g. opening a FIFO, which
    blocks until a writer comes)."""

    def late(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@functools.cache
def _command(app: typer.Typer) -> Any:
    return typer.main.get_command(app)


@pytest.fixture(autouse=True)
def _build_the_command_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speed only: Typer's CliRunner rebuilds the Click command on every invoke.

    That is ~70 ms per call. The command holds no state between invocations,
    so one build serves them all. (If Typer renames this helper, the tests
    only get slower.)
    """
    monkeypatch.setattr(typer.testing, "_get_command", _command, raising=False)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's real dossier, colours or pager."""
    monkeypatch.delenv("DOSSIER_DB", raising=False)
    monkeypatch.delenv("DOSSIER_LOCK_TIMEOUT", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `plain_only` (with its reason) runs on the plain file only: it is
    about that file itself. One marked `file_only` runs on both files, not on the server:
    it is about what a file is (its bytes, its lock, its folder)."""

    def dropped_from(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        where = callspec.params.get("storage") if callspec is not None else None
        if where == "encrypted":
            return item.get_closest_marker("plain_only") is not None
        if where == "server":
            return (
                item.get_closest_marker("plain_only") is not None
                or item.get_closest_marker("file_only") is not None
            )
        return False

    dropped = [item for item in items if dropped_from(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]


def skip_or_fail(reason: str) -> None:
    """Skip a test that cannot run here, saying why; under CI (CI=true) fail instead,
    so that a missing server or tool never passes for a green run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"under CI this test may not skip: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster | str]:
    """A PostgreSQL server for the server tests: $DOSSIER_TEST_DATABASE_URL, else a
    throwaway cluster started here (tests/pgcluster.py)."""
    given = os.environ.get("DOSSIER_TEST_DATABASE_URL")
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        skip_or_fail("psycopg is not installed (pip install -e '.[test]')")
    if pgcluster.find_bin("initdb") is None:
        skip_or_fail(
            "PostgreSQL is not installed (no initdb); make test installs Debian's postgresql"
            " when run as root with apt-get"
        )
    try:
        cluster = pgcluster.start(pgcluster.in_memory())
    except (LookupError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr.decode(errors="replace")[-300:] if isinstance(
            exc, subprocess.CalledProcessError) else str(exc)  # fmt: skip
        skip_or_fail(f"could not start a throwaway PostgreSQL cluster: {detail.strip()}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A path for a new dossier file (not created yet)."""
    return tmp_path / "dossier.json"


# Encrypted dossiers in tests: a key derivation that costs nothing (the default costs
# 0.15 s a command), and a passphrase in two scripts.
FAST_KDF = KdfParams(memory_kib=8, iterations=1, lanes=1)
PASSPHRASE = "correct horse battery staple / верный конь"


# Server databases in tests: a template with the schema and the users, copied for each
# test (CREATE DATABASE … TEMPLATE copies files).
TEMPLATE = "dossier_template"
SERVER_ROLES = ("alice", "bob", "carol")  # carol is never let in


def url_for(admin_url: str, database: str, role: str = "postgres") -> str:
    """The URL of `database` as `role`, on the server of `admin_url` (a URL)."""
    from urllib.parse import urlsplit

    parts = urlsplit(admin_url)
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"postgresql://{role}@{parts.hostname or ''}{port}/{database}{query}"


@pytest.fixture(scope="session")
def pg_template(pg_cluster: pgcluster.Cluster | str) -> str:
    """The superuser URL of a server holding the template database."""
    import psycopg

    from dossier.server import schema

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}".encode())
        admin.execute(f"CREATE DATABASE {TEMPLATE}".encode())
        for role in SERVER_ROLES:
            admin.execute(
                f"DO $$ BEGIN CREATE ROLE {role} LOGIN;"
                " EXCEPTION WHEN duplicate_object THEN NULL; END $$".encode()
            )
    with psycopg.connect(url_for(pg_cluster.url, TEMPLATE)) as owner:
        schema.init(owner)
        for role in ("alice", "bob"):
            schema.add_user(owner, role)
    return pg_cluster.url


@contextlib.contextmanager
def server_database(admin_url: str) -> Iterator[str]:
    """A new database made from the template, dropped at the end; yields its name."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        # FILE_COPY: 26 ms a database here, against 147 ms for PostgreSQL 15's default
        # (WAL_LOG), which writes every page of the template to the WAL.
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY".encode())
    try:
        yield name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


@pytest.fixture(params=["plain", "encrypted", "server"])
def storage(
    request: pytest.FixtureRequest, db: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Where the CLI suite's dossier is: every test that uses `run` runs on a plain file,
    on an encrypted one (created empty, the passphrase given in $DOSSIER_PASSPHRASE as a
    script would), and on a PostgreSQL server (a new database, as alice). `where` gives
    what `--db` names."""
    if request.param == "server":
        admin = request.getfixturevalue("pg_template")
        with server_database(admin) as name:
            WHERE[db] = url_for(admin, name, "alice")
            DATABASES[db] = (admin, name)
            try:
                yield "server"
            finally:
                del WHERE[db], DATABASES[db]
        return
    if request.param == "encrypted":
        vault.encrypt(db, PASSPHRASE, FAST_KDF)
        lock_path(db).unlink()  # the set-up's own: as if the file had been copied here
        monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    yield str(request.param)
    if request.param == "encrypted" and db.is_file():
        # Else the test ran on something else than an encrypted dossier: it belongs to
        # the plain run only (or should seal what it writes, see `rewrite`).
        assert db.read_bytes().startswith(MAGIC), f"{db} is no longer encrypted"


def stored(path: Path) -> dict[str, Any]:
    """The JSON a dossier file holds, decrypted when it is encrypted."""
    raw, _key = unseal(path.read_bytes(), path, Keys(lambda _path: PASSPHRASE))
    data: dict[str, Any] = orjson.loads(raw)
    return data


def rewrite(path: Path, plaintext: bytes) -> None:
    """Replace a dossier file's contents as someone outside dossier would: with a text
    editor, or, for an encrypted file, decrypting, editing and encrypting it again."""
    key = None
    if path.exists():
        _raw, key = unseal(path.read_bytes(), path, Keys(lambda _path: PASSPHRASE))
    path.write_bytes(plaintext if key is None else key.seal(plaintext))


# The server URL that stands for a test's `db` path in its server run, and the server
# (its superuser URL) and database.
WHERE: dict[Path, str] = {}
DATABASES: dict[Path, tuple[str, str]] = {}

T = TypeVar("T")

# Dossiers that fixtures made, by fixture and storage: a file's bytes, or the database
# a server copy was kept in; and what the fixture returned.
_MADE: dict[tuple[str, str], tuple[bytes | str, Any]] = {}


def made(db: Path, name: str, make: Callable[[], T]) -> T:
    """The dossier that `make` builds on the test's own, and what it returns: built by
    the first test (of each process and storage) that asks for `name`, then copied,
    history and all (a file's bytes; a server's database, see `made_on_server`). A name
    stands for one dossier across the suite: name it after its module and fixture."""
    if db in DATABASES:
        return made_on_server(*DATABASES[db], name, make)
    encrypted = db.is_file() and contents(db).startswith(MAGIC)
    key = (name, "encrypted" if encrypted else "plain")
    if key in _MADE:
        copy, value = _MADE[key]
        assert isinstance(copy, bytes)
        db.write_bytes(copy)
        return value
    value = make()
    _MADE[key] = (db.read_bytes(), value)
    return value


def made_on_server(admin_url: str, database: str, name: str, make: Callable[[], T]) -> T:
    """made() on a server database: copied by CREATE DATABASE … TEMPLATE, a copy of its
    files (20 ms in memory, where the commands take 0.2-0.9 s); the copies go with the
    throwaway cluster."""
    key = (name, "server")
    if key in _MADE:
        copy, value = _MADE[key]
        assert isinstance(copy, str)
        _copy_database(admin_url, copy, database, replace=True)
        return value
    import uuid

    value = make()
    copy = f"m_{uuid.uuid4().hex[:12]}"
    _copy_database(admin_url, database, copy)
    _MADE[key] = (copy, value)
    return value


def _copy_database(admin_url: str, source: str, target: str, replace: bool = False) -> None:
    """A copy of database `source` as `target` (in place of it, with `replace`)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        if replace:
            admin.execute(f"DROP DATABASE {target} WITH (FORCE)".encode())
        admin.execute(f"CREATE DATABASE {target} TEMPLATE {source} STRATEGY FILE_COPY".encode())


def where(db: Path) -> str:
    """What `--db` names for this test's dossier: the file, or in the server run the
    server's URL."""
    return WHERE.get(db, str(db))


def opened(db: Path) -> Any:
    """The test's dossier as the library reads it: the file at `db`, or in the server run
    the server standing for it."""
    from dossier.store import Dossier, open_store

    return open_store(WHERE[db]) if db in WHERE else Dossier.load(db)


@pytest.fixture
def run(db: Path, storage: str) -> Run:
    """Run the CLI against `db` (or the server standing for it): run("case", "list")."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", where(db), *args], input=input)

    return invoke


@pytest.fixture
def aleksanyan(run: Run, db: Path) -> Run:
    """A small dossier: the Aleksanyan case, one person, an arrest and a release."""
    made(db, "conftest: aleksanyan", lambda: _aleksanyan(run))
    return run


def _aleksanyan(run: Run) -> None:
    assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan", "--jurisdiction",
               "RU", "--charge", "Art. 160 CC RF").exit_code == 0  # fmt: skip
    assert run("person", "add", "Василий Алексанян", "--alias", "Vasily Aleksanyan",
               "--case", "aleksanyan", "--role", "defendant").exit_code == 0  # fmt: skip
    for args in (
        ("arrest", "2006-04-06", "--source", "https://example.org/arrest"),
        ("release", "2008-12-30", "--source", "https://example.org/bail"),
    ):
        result = run("log", "aleksanyan", args[0], args[1], "--person", "vasiliy-aleksanyan",
                     *args[2:])  # fmt: skip
        assert result.exit_code == 0, result.output


# A team's server database, for the tests of the server itself ------------------------

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [str(ROOT / "data" / name) for name in ("cases.csv", "persons.csv", "events.csv")]


@dataclass
class Team:
    """One test's database: `url(role)` names it as that role, `run(role, …)` runs the
    CLI as that role, `sql(query)` asks as the superuser (or `role`)."""

    name: str
    admin_url: str

    def url(self, role: str = "alice") -> str:
        return url_for(self.admin_url, self.name, role)

    def run(self, role: str, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, ["--db", self.url(role), *args], input=input)

    def sql(self, query: str, *params: Any, role: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(role), autocommit=True) as conn:
            cur = conn.execute(query.encode(), params)
            return cur.fetchall() if cur.description else []


@pytest.fixture
def team(pg_template: str) -> Iterator[Team]:
    """A new server database of its own for a test (schema and users ready)."""
    with server_database(pg_template) as name:
        yield Team(name, pg_template)


def ok(result: Result) -> Result:
    """A result that must have succeeded (else its output is the failure)."""
    assert result.exit_code == 0, result.output
    return result


def counts(team: Team) -> tuple[int, int, int]:
    """How many cases, persons and events the team's database holds (all roles')."""
    rows = team.sql(
        "SELECT (SELECT count(*) FROM dossier.cases), (SELECT count(*) FROM dossier.persons),"
        " (SELECT count(*) FROM dossier.events)"
    )
    return rows[0]
