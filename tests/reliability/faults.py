"""Disk and OS errors, injected in this process (as root, file modes stop nothing).

Each fault is made to hit only the dossier's own files: the temp file a commit
writes (`<db>.<random>.tmp`), the lock file, the database itself. Every fault is
tried through the library (`Dossier.edit` must raise a `DossierError`) and
through the CLI (exit 1, one `Error:` line); either way the old file must be
byte-identical, no temp file may be left, and once the fault is gone the next
write must succeed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from dossier import ops
from dossier.errors import DossierError
from dossier.model import Event
from dossier.store import Dossier

from .harness import Outcome, Tally, all_temp_files, cli, new_dossier, one_error_line, write_csv


class TempFileFaults:
    """Patches os.open/write/fsync/replace to fail on a commit's temp file.

    `call` is the one that fails, with `code`; `partial` makes the first
    os.write on the temp file write part of its bytes before later ones fail,
    as a disk filling up mid-write does.
    """

    def __init__(self, call: str, code: int, partial: bool = False) -> None:
        self.call, self.code, self.partial = call, code, partial
        self.fds: set[int] = set()
        self.writes = 0
        self.hits = 0
        self._real = {name: getattr(os, name) for name in ("open", "write", "fsync", "replace")}
        self._stack = contextlib.ExitStack()

    def _error(self, name: str) -> OSError:
        self.hits += 1
        return OSError(self.code, f"{os.strerror(self.code)} (injected into os.{name})")

    def _open(self, path: Any, *args: Any, **kwargs: Any) -> int:
        is_temp = str(path).endswith(".tmp")
        if is_temp and self.call == "open":
            raise self._error("open")
        fd: int = self._real["open"](path, *args, **kwargs)
        if is_temp:
            self.fds.add(fd)
        return fd

    def _write(self, fd: int, data: Any) -> int:
        if fd in self.fds and self.call == "write":
            self.writes += 1
            if self.partial and self.writes == 1 and len(data) > 1:
                written: int = self._real["write"](fd, bytes(data[: len(data) // 2]))
                return written
            raise self._error("write")
        result: int = self._real["write"](fd, data)
        return result

    def _fsync(self, fd: int) -> None:
        if fd in self.fds and self.call == "fsync":
            raise self._error("fsync")
        self._real["fsync"](fd)

    def _replace(self, src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if str(src).endswith(".tmp") and self.call == "replace":
            raise self._error("replace")
        self._real["replace"](src, dst, *args, **kwargs)

    def __enter__(self) -> TempFileFaults:
        for name, fake in (("open", self._open), ("write", self._write),
                           ("fsync", self._fsync), ("replace", self._replace)):  # fmt: skip
            self._stack.enter_context(mock.patch.object(os, name, fake))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


@contextlib.contextmanager
def lock_open_fails(code: int) -> Iterator[None]:
    """os.open of `<db>.lock` fails with `code`."""
    real = os.open

    def fake(path: Any, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(".lock"):
            raise OSError(code, os.strerror(code), str(path))
        fd: int = real(path, *args, **kwargs)
        return fd

    with mock.patch.object(os, "open", fake):
        yield


@contextlib.contextmanager
def read_fails(db: Path, code: int) -> Iterator[None]:
    """Reading the database file fails with `code` (a bad sector, a lost network mount)."""
    real = pathlib.Path.read_bytes

    def fake(self: Path) -> bytes:
        if self == db:
            raise OSError(code, os.strerror(code), str(self))
        return real(self)

    with mock.patch.object(pathlib.Path, "read_bytes", fake):
        yield


@contextlib.contextmanager
def lock_is_a_directory(db: Path) -> Iterator[None]:
    """`<db>.lock` is a directory, so the lock file cannot be created."""
    lock = db.with_name(db.name + ".lock")
    if lock.exists():
        lock.unlink()
    lock.mkdir()
    try:
        yield
    finally:
        lock.rmdir()


@dataclass(frozen=True)
class Fault:
    """A way for the OS to refuse, and the words a clear message about it contains."""

    name: str
    inject: Callable[[Path], contextlib.AbstractContextManager[Any]]
    words: tuple[str, ...]


ENOSPC = os.strerror(errno.ENOSPC)
FAULTS = (
    Fault("disk full on write", lambda db: TempFileFaults("write", errno.ENOSPC), (ENOSPC,)),
    Fault("disk full mid-write", lambda db: TempFileFaults("write", errno.ENOSPC, True), (ENOSPC,)),
    Fault("disk full on fsync", lambda db: TempFileFaults("fsync", errno.ENOSPC), (ENOSPC,)),
    Fault("I/O error on fsync", lambda db: TempFileFaults("fsync", errno.EIO), ("error",)),
    Fault("disk full on rename", lambda db: TempFileFaults("replace", errno.ENOSPC), (ENOSPC,)),
    Fault(
        "read-only file system", lambda db: TempFileFaults("replace", errno.EROFS), ("read-only",)
    ),
    Fault(
        "folder not writable",
        lambda db: TempFileFaults("open", errno.EACCES),
        (os.strerror(errno.EACCES),),
    ),
    Fault("lock file is a directory", lock_is_a_directory, ("lock", "directory")),
    Fault(
        "lock file not creatable",
        lambda db: lock_open_fails(errno.EACCES),
        ("lock", os.strerror(errno.EACCES)),
    ),
    Fault("database unreadable", lambda db: read_fails(db, errno.EIO), ("read",)),
)

# Write commands the CLI trials pick from: (argv, needs the small import file).
WRITES: tuple[tuple[str, ...], ...] = (
    ("log", "c", "arrest", "2009-05-01", "--person", "p1", "--place", "Moscow"),
    ("case", "add", "new-case", "--title", "New case"),
    ("person", "add", "Someone New", "--case", "c", "--role", "witness"),
    ("event", "edit", "ev1", "--description", "changed"),
    ("case", "edit", "c", "--summary", "changed"),
    ("import", "{csv}"),
    ("undo",),
    ("person", "remove", "p2", "--yes"),
)


def _dossier(db: Path) -> Path:
    """A dossier big enough that a commit needs several os.write calls' worth of bytes."""
    new_dossier(db, persons=2)
    with Dossier.edit(db, "setup: events") as d:
        for i in range(60):
            ops.add_event(d, Event(id=f"ev{i}", case="c", type="hearing", date="2009",
                                   description="x" * 100, persons=("p1",)))  # fmt: skip
    return db


def disk_errors(trials: int, workdir: Path) -> Outcome:
    """Every fault through the library and through the CLI, then other folder and path
    problems: a clear error, the old file byte-identical, nothing left behind."""
    tally = Tally("disk and OS errors")
    rng = random.Random()
    csv = write_csv(workdir / "in.csv", ["case", "date", "type"], [["c", "2010", "search"]])
    for k in range(trials):
        fault = FAULTS[k % len(FAULTS)]
        library = (k // len(FAULTS)) % 2 == 0
        command = WRITES[0] if k < 2 * len(FAULTS) else rng.choice(WRITES)
        command = tuple(a.replace("{csv}", str(csv)) for a in command)
        via = "library" if library else "CLI " + " ".join(command[:2])
        with tally.trial(f"{fault.name} ({via})") as t:
            db = _dossier(workdir / f"fault-{k}" / "dossier.json")
            before = db.read_bytes()
            with fault.inject(db) as injected:
                if library:
                    message = _library_write(t, db)
                else:
                    result = cli(db, *command)
                    problem = one_error_line(result)
                    t.check(problem is None, str(problem))
                    message = result.stderr
            t.check(
                all(w.lower() in message.lower() for w in fault.words),
                f"the message does not say {' and '.join(map(repr, fault.words))}: {message!r}",
            )
            hits = getattr(injected, "hits", 1)
            t.check(hits > 0, "the fault was never hit: the check proves nothing")
            t.check(db.read_bytes() == before, "the database changed")
            t.check(not all_temp_files(db.parent), f"left {all_temp_files(db.parent)}")
            after = cli(db, *command)
            t.check(after.exit_code == 0, f"after the fault: {after.output.strip()!r}")
    _paths(tally, workdir)
    return tally.outcome()


def _library_write(t: Tally, db: Path) -> str:
    """Try a write through the library; the message of the DossierError it must raise."""
    try:
        with Dossier.edit(db, "log c arrest") as d:
            ops.add_event(d, Event(id="", case="c", type="arrest", date="2009-05-01"))
    except DossierError as exc:
        message = str(exc)
        t.check(message and "\n" not in message, f"not a one-line message: {message!r}")
        return message
    t.fail("no DossierError was raised")
    return ""


def _paths(tally: Tally, workdir: Path) -> None:
    """A database path that is a directory, a full disk under export and report -o, and a
    folder that cannot be made."""
    folder = workdir / "a-directory.json"
    folder.mkdir()
    for args in (("log", "c", "hearing", "2009"), ("timeline", "c"), ("case", "list")):
        with tally.trial(f"database path is a directory ({args[0]})") as t:
            result = cli(folder, *args)
            problem = one_error_line(result)
            t.check(problem is None, str(problem))
            t.check("directory" in result.stderr, f"unclear: {result.stderr!r}")
            t.check(folder.is_dir() and not any(folder.iterdir()), "the directory changed")
    with tally.trial("database path is a directory (library)") as t:
        try:
            with Dossier.edit(folder, "x"):
                t.fail("Dossier.edit opened a directory")
        except DossierError as exc:
            t.check("directory" in str(exc), f"unclear: {exc}")
    out = workdir / "export.json"
    out.write_bytes(b"an earlier export")
    db = _dossier(workdir / "outputs" / "dossier.json")
    outputs: list[tuple[str, ...]] = [
        ("export", "-o", str(out)),
        ("report", "c", "-o", str(out), "--format", "md"),
    ]
    for command in outputs:
        with (
            tally.trial(f"disk full writing {command[0]} -o") as t,
            TempFileFaults("write", errno.ENOSPC),
        ):
            result = cli(db, *command)
            problem = one_error_line(result)
            t.check(problem is None, str(problem))
            t.check(out.read_bytes() == b"an earlier export", "the earlier file changed")
            t.check(not all_temp_files(out.parent), f"left {all_temp_files(out.parent)}")
    blocker = workdir / "a-file"
    blocker.write_bytes(b"not a folder")
    with tally.trial("folder cannot be created") as t:
        result = cli(blocker / "dossier.json", "case", "add", "c", "--title", "C")
        problem = one_error_line(result)
        t.check(problem is None, str(problem))
        t.check(blocker.read_bytes() == b"not a folder", "the file in the way changed")
