"""A TinyDB storage that never leaves a torn file, plus the writer's lock.

`AtomicJSONStorage` works for any TinyDB data (`TinyDB(path,
storage=AtomicJSONStorage)`): it reads with orjson and writes by replacing the
file atomically (temp file beside it, fsync, `os.replace`, fsync the folder),
so a crash at any instant leaves either the old file or the new one. Files are
created 0600 whatever the umask. What makes a file a *dossier* is not known
here; that is `store.py`'s business.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from dossier.errors import CorruptDatabase, DatabaseBusy, DatabaseError

FILE_MODE = 0o600
DEFAULT_LOCK_TIMEOUT = 30.0


def temp_files(path: Path) -> list[Path]:
    """Temp files that a writer of `path` leaves behind if it is killed mid-write
    (exactly `<name>.<8 hex digits>.tmp`: nothing of another file's)."""
    shape = re.compile(re.escape(path.name) + r"\.[0-9a-f]{8}\.tmp")
    return sorted(p for p in path.parent.glob(f"{path.name}.*.tmp") if shape.fullmatch(p.name))


def _describe(exc: OSError) -> str:
    return exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))


def read_json(path: Path) -> Any:
    """Read and parse a JSON file; None when it does not exist or is empty."""
    return parse_json(read_raw(path), path)


def read_raw(path: Path) -> bytes:
    """The bytes of a file; b"" when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except IsADirectoryError:
        raise DatabaseError(f"database path {path} is a directory; give a file name") from None
    except OSError as exc:
        raise DatabaseError(f"cannot read database {path}: {_describe(exc)}") from None


def parse_json(raw: bytes, path: Path) -> Any:
    """Parse the bytes of `path`; None when there are none (or only white space)."""
    if not raw.strip():
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CorruptDatabase(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno});"
            " it was left untouched"
        ) from None
    if data is None:  # the JSON text `null`: something, but not a database
        raise CorruptDatabase(f"{path} holds JSON null, not a database; it was left untouched")
    return data


def write_atomic(
    path: Path, payload: bytes | Sequence[bytes | memoryview], what: str = "database"
) -> None:
    """Replace `path` with `payload` so that a crash leaves the old or the new file.

    `payload` may come in parts, written one after the other (a large file need
    not be copied into one piece first). `what` names the file in error messages
    ("database", "report", "export").
    """
    parts = [payload] if isinstance(payload, bytes) else payload
    if path.is_dir():
        raise DatabaseError(f"{what} path {path} is a directory; give a file name")
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away; 0600 is the promise
            for part in parts:
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        intact = "; the previous file is intact" if path.exists() else ""
        raise DatabaseError(f"cannot write {what} {path}: {_describe(exc)}{intact}") from None
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; some file systems refuse, which is harmless.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicJSONStorage(Storage):
    """TinyDB storage: orjson reads, atomic 0600 writes."""

    def __init__(self, path: str | os.PathLike[str], create_dirs: bool = False) -> None:
        self.path = Path(path)
        self.create_dirs = create_dirs

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The whole database, or None for a new (missing or empty) file."""
        data = read_json(self.path)
        if data is not None and not isinstance(data, dict):
            raise CorruptDatabase(f"{self.path} does not hold a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Serialize and replace the file atomically."""
        if self.create_dirs:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, orjson.dumps(data))

    def close(self) -> None:
        """Nothing is held open between calls."""


def lock_timeout() -> float:
    """Seconds a writer waits for the lock: $DOSSIER_LOCK_TIMEOUT, else 30."""
    raw = os.environ.get("DOSSIER_LOCK_TIMEOUT", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise DatabaseError(
            f"DOSSIER_LOCK_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from None


@contextlib.contextmanager
def write_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold `<path>.lock` exclusively; raise DatabaseBusy after `timeout` seconds.

    While it is held no other writer can be mid-write, so leftover temp files
    are a crashed writer's and are removed.
    """
    from filelock import FileLock, Timeout

    wait = lock_timeout() if timeout is None else timeout
    lock_path = path.with_name(path.name + ".lock")
    lock = FileLock(lock_path, timeout=wait, mode=FILE_MODE)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseBusy(
            f"database is busy: another dossier command holds {lock_path}"
            f" (waited {wait:g} s); try again"
        ) from None
    except OSError as exc:
        raise DatabaseError(f"cannot create lock file {lock_path}: {_describe(exc)}") from None
    try:
        with contextlib.suppress(OSError):
            lock_path.chmod(FILE_MODE)
        for leftover in temp_files(path):
            with contextlib.suppress(OSError):
                leftover.unlink()
        yield
    finally:
        lock.release()
