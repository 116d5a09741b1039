"""A TinyDB storage that never leaves a torn file, plus the writer's lock.

`AtomicJSONStorage` works for any TinyDB data (`TinyDB(path,
storage=AtomicJSONStorage)`): it reads with orjson and writes by replacing the
file atomically (temp file beside it, fsync, `os.replace`, fsync the folder),
so a crash at any instant leaves either the old file or the new one. Files are
created 0600 whatever the umask; a file that exists keeps its mode, owner and
group, and its lock file takes its mode and group, so a file shared with a group
stays shared. A path must name a regular file (or a link to one) or nothing:
`check_path` refuses a device, FIFO, socket or directory with `os.stat` alone,
before anything is opened or created beside it. What makes a file a *dossier* is
not known here; that is `store/file.py`'s business.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import threading
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


_NOT_FILES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_path(path: Path, what: str = "database") -> os.stat_result | None:
    """The status of the regular file `path` names (through symbolic links), or None
    when nothing is there (a dangling link included); DatabaseError for anything else.

    Only `os.stat`: opening a FIFO would block until a writer comes, and a device or
    a directory is no file to replace, so the check comes before anything is opened,
    locked or created. `what` names the file in messages ("database", "report").
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise DatabaseError(
            f"{what} path {path} goes through a file as if it were a folder; check the path"
        ) from None
    except OSError as exc:
        raise DatabaseError(f"cannot use {what} path {path}: {_describe(exc)}") from None
    if stat.S_ISREG(status.st_mode):
        return status
    kind = next((name for test, name in _NOT_FILES if test(status.st_mode)), "not a regular file")
    raise DatabaseError(f"{what} path {path} is {kind}, not a file; give a file name")


def lock_path(path: Path) -> Path:
    """The writer's lock file of `path`: `<name>.lock` beside it."""
    return path.with_name(path.name + ".lock")


def read_json(path: Path) -> Any:
    """Read and parse a JSON file; None when it does not exist or is empty."""
    return parse_json(read_raw(path), path)


def read_raw(path: Path) -> bytes:
    """The bytes of a file; b"" when it does not exist. Refuses what is not a regular
    file before opening it (`check_path`)."""
    if check_path(path) is None:
        return b""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
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
    ("database", "report", "export"). A new file is 0600 whatever the umask; a file
    that exists keeps its mode, and its owner and group as far as this process may
    give them (see `_same_owner`). Only a regular file is replaced (`check_path`).
    """
    parts = [payload] if isinstance(payload, bytes) else payload
    target = check_path(path, what)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            if target is not None:
                _same_owner(fd, target)  # before fchmod: a chown may clear set-id bits
            # The umask may have taken bits away: 0600, or the old file's mode, is the promise.
            os.fchmod(fd, FILE_MODE if target is None else stat.S_IMODE(target.st_mode))
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


def link_new(path: Path, payload: bytes, what: str = "file") -> bool:
    """Create `path`, which must not exist, holding `payload`, with no name for it before
    it is whole: the bytes go to an unnamed file in its folder (Linux's O_TMPFILE),
    linked as `path` once written and synced. A crash at any instant leaves nothing, not
    even a temp file, which nobody would know to remove (a plaintext copy's would hold
    every record). Raises FileExistsError if `path` was taken meanwhile; returns False
    where the system or its file system has no unnamed files (the caller then writes
    through a named temp file)."""
    unnamed = getattr(os, "O_TMPFILE", None)
    if unnamed is None:
        return False
    try:
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise DatabaseError(f"cannot write {what} {path}: {_describe(exc)}") from None
    try:
        try:
            fd = os.open(".", unnamed | os.O_WRONLY, FILE_MODE, dir_fd=folder)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                return False  # a file system without them, or an old kernel
            raise
        try:
            os.fchmod(fd, FILE_MODE)  # whatever the umask
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            # linkat() following the /proc link (a folder descriptor makes os.link use
            # it): no privilege needed, unlike AT_EMPTY_PATH.
            os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=folder)
        except OSError as exc:
            if exc.errno == errno.ENOENT and not Path("/proc/self/fd").is_dir():
                return False  # no /proc (a container without it): the unnamed file goes
            raise
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):  # the link itself made durable
            os.fsync(folder)
    except FileExistsError:
        raise
    except OSError as exc:
        raise DatabaseError(f"cannot write {what} {path}: {_describe(exc)}") from None
    finally:
        os.close(folder)
    return True


def _same_owner(fd: int, like: os.stat_result) -> None:
    """Give the file open at `fd` the owner and group of `like`, as far as allowed.

    Root can give both. Anyone else keeps being the owner but may still give a
    group they belong to (the usual case of a dossier shared with a group); when
    even that is refused the file keeps this process's group.
    """
    for uid, gid in ((like.st_uid, like.st_gid), (-1, like.st_gid)):
        try:
            os.fchown(fd, uid, gid)
            return
        except PermissionError:
            continue
        except OSError:  # e.g. a file system without owners
            return


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


class HeldLock:
    """The lock file `write_lock` holds, and whether it was made for this hold."""

    def __init__(self, path: Path, created: bool) -> None:
        self.path = path
        self.created = created

    def discard(self) -> None:
        """Remove the lock file if this hold created it (call it while still holding it).

        For a file that turned out unusable, so that nothing is left beside it. A
        lock file that was there before is left alone: it is part of the file's
        normal life. Unlinking while held is safe: a writer that was waiting on
        this lock file then gets a lock on an unlinked file, which filelock sees
        (`st_nlink == 0`: filelock 4 checks it) and tries again on the path; and
        even without that check, that writer re-reads the file under its own lock
        and so refuses it as well, unless it was repaired in that very moment.
        (`created` is whether the path was free just before acquiring: another
        writer may have made it in between and finished, which changes nothing.)
        """
        if self.created:
            with contextlib.suppress(OSError):
                self.path.unlink()


# The lock files this process holds, each with the thread that holds it. The lock is an
# flock on a file opened anew for each hold, so a second hold in the same thread (an
# edit_store inside another on the same dossier) waited for itself until the timeout,
# then blamed "another dossier command"; another thread's hold is a real wait.
_HELD: set[tuple[Path, int, int]] = set()


@contextlib.contextmanager
def write_lock(path: Path, timeout: float | None = None) -> Iterator[HeldLock]:
    """Hold `<path>.lock` exclusively; raise DatabaseBusy after `timeout` seconds.

    While it is held no other writer can be mid-write, so leftover temp files
    are a crashed writer's and are removed. The lock file takes the read and
    write bits of `path` (at least 0600) and its group, so whoever may write a
    shared file may also take its lock. Yields a `HeldLock`, which can remove a
    lock file that this call created (see `HeldLock.discard`).
    """
    from filelock import FileLock, Timeout

    wait = lock_timeout() if timeout is None else timeout
    target = check_path(path)
    mode = FILE_MODE if target is None else FILE_MODE | (target.st_mode & 0o666)
    where = lock_path(path)
    holder = (where, os.getpid(), threading.get_ident())
    if holder in _HELD:
        raise DatabaseError(
            f"{path} is already being changed in this thread (a change opened inside"
            " another change of the same dossier would wait for itself): make the change"
            " in the block that is open, or after it ends"
        )
    held = HeldLock(where, created=not os.path.lexists(where))
    lock = FileLock(held.path, timeout=wait, mode=mode)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseBusy(
            f"database is busy: another dossier command holds {held.path}"
            f" (waited {wait:g} s); try again"
        ) from None
    except OSError as exc:
        raise DatabaseError(f"cannot create lock file {held.path}: {_describe(exc)}") from None
    try:
        # Also for a lock file made before (by an older version, or before a chmod of
        # the file). Only the lock file's owner may change it (and give it a group
        # only if they belong to it); anyone else leaves it as it is.
        if target is not None:
            with contextlib.suppress(OSError):
                os.chown(held.path, -1, target.st_gid)
        with contextlib.suppress(OSError):
            held.path.chmod(mode)
        for leftover in temp_files(path):
            with contextlib.suppress(OSError):
                leftover.unlink()
        _HELD.add(holder)
        yield held
    finally:
        _HELD.discard(holder)
        lock.release()
