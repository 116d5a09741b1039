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
from typing import Any

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
# on a shared machine must not fail a test.
settings.register_profile("dossier", deadline=None)
settings.load_profile("dossier")

Run = Callable[..., Result]


@dataclass(frozen=True)
class Snapshot:
    """The database file's bytes before a command (None: there was no file)."""

    path: Path
    data: bytes | None

    @classmethod
    def of(cls, path: Path) -> Snapshot:
        return cls(path, path.read_bytes() if path.exists() else None)

    def assert_unchanged(self) -> None:
        if self.data is None:
            assert not self.path.exists(), f"{self.path} was created by a failed command"
        else:
            assert self.path.read_bytes() == self.data, f"{self.path} changed"


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
    """A test marked `plain_only` (with its reason) is not collected for the encrypted run
    of the `storage` fixture: it is about the plain file itself."""
    dropped = [
        item
        for item in items
        if item.get_closest_marker("plain_only")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("storage") == "encrypted"  # type: ignore[attr-defined]
    ]
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
        cluster = pgcluster.start()
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


@pytest.fixture(params=["plain", "encrypted"])
def storage(
    request: pytest.FixtureRequest, db: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """How the CLI suite's dossier is stored: every test that uses `run` runs once on a
    plain file and once on an encrypted one (created empty, the passphrase given in
    $DOSSIER_PASSPHRASE as a script would)."""
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


@pytest.fixture
def run(db: Path, storage: str) -> Run:
    """Run the CLI against `db`: run("case", "list", "--json")."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", str(db), *args], input=input)

    return invoke


@pytest.fixture
def aleksanyan(run: Run) -> Run:
    """A small dossier: the Aleksanyan case, one person, an arrest and a release."""
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
    return run
