"""The general-purpose TinyDB storage: atomic writes, 0600 files, the lock."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from filelock import FileLock
from tinydb import TinyDB

from conftest import within
from dossier.errors import CorruptDatabase, DatabaseBusy, DatabaseError
from dossier.storage import (
    AtomicJSONStorage,
    check_path,
    read_raw,
    temp_files,
    write_atomic,
    write_lock,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_works_as_a_tinydb_storage_for_any_data(tmp_path: Path) -> None:
    path = tmp_path / "any.json"
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        db.table("things").insert({"name": "Лебедев", "n": 1})
        db.insert({"x": [1, 2]})
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        assert db.table("things").all() == [{"name": "Лебедев", "n": 1}]
        assert db.all() == [{"x": [1, 2]}]


def test_files_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "db.json"
        write_atomic(path, b"{}")
        with write_lock(path):
            pass
        assert mode(path) == 0o600
        assert mode(path.with_name("db.json.lock")) == 0o600
    finally:
        os.umask(old)


def test_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_atomic(path, b'{"a": {}}')
    write_atomic(path, b'{"b": {}}')
    assert path.read_bytes() == b'{"b": {}}'
    assert temp_files(path) == []


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.json"
    write_atomic(path, b'{"old": {}}')

    def disk_full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(DatabaseError, match="No space left on device; the previous file is intact"):
        write_atomic(path, b'{"new": {}}')
    monkeypatch.undo()
    assert path.read_bytes() == b'{"old": {}}'
    assert temp_files(path) == []


def test_invalid_json_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text("{not json")
    with pytest.raises(CorruptDatabase, match="not valid JSON"):
        AtomicJSONStorage(path).read()
    assert path.read_text() == "{not json"


def test_missing_or_empty_file_reads_as_new(tmp_path: Path) -> None:
    assert AtomicJSONStorage(tmp_path / "none.json").read() is None
    (tmp_path / "empty.json").write_text("")
    assert AtomicJSONStorage(tmp_path / "empty.json").read() is None


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        AtomicJSONStorage(tmp_path).read()
    with pytest.raises(DatabaseError, match="is a directory"):
        write_atomic(tmp_path, b"{}")


def test_lock_times_out_as_busy(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    held = FileLock(str(path) + ".lock")
    with held, pytest.raises(DatabaseBusy, match="database is busy"), write_lock(path, 0.05):
        pass


def test_lock_timeout_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.json"
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.05")
    held = FileLock(str(path) + ".lock")
    with held, pytest.raises(DatabaseBusy, match=r"waited 0\.05 s"), write_lock(path):
        pass
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "soon")
    with pytest.raises(DatabaseError, match="DOSSIER_LOCK_TIMEOUT"), write_lock(path):
        pass


def test_the_next_writer_removes_a_crashed_writers_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    leftover = tmp_path / "db.json.deadbeef.tmp"
    leftover.write_bytes(b'{"half": ')
    unrelated = tmp_path / "other.json.deadbeef.tmp"
    unrelated.write_bytes(b"")
    with write_lock(path):
        pass
    assert not leftover.exists()
    assert unrelated.exists()


# What a path may name --------------------------------------------------------------


def test_check_path_accepts_a_file_a_link_to_one_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    assert check_path(path) is None
    path.write_bytes(b"{}")
    status = check_path(path)
    assert status is not None and status.st_size == 2
    link = tmp_path / "link.json"
    link.symlink_to(path)
    assert check_path(link) is not None
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    assert check_path(dangling) is None


def test_check_path_refuses_what_is_not_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(DatabaseError, match=r"is a FIFO \(named pipe\), not a file; give a file"):
        check_path(fifo)
    with pytest.raises(DatabaseError, match="is a directory, not a file"):
        check_path(tmp_path)
    with pytest.raises(DatabaseError, match="/dev/null is a character device, not a file"):
        check_path(Path("/dev/null"))
    with pytest.raises(DatabaseError, match=r"report path .* is a directory"):
        check_path(tmp_path, "report")
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.raises(DatabaseError, match="goes through a file as if it were a folder"):
        check_path(blocker / "db.json")


def test_a_fifo_is_refused_unopened(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: the check must come first."""
    fifo = tmp_path / "db.json"
    os.mkfifo(fifo)
    with within(10):
        with pytest.raises(DatabaseError, match="FIFO"):
            read_raw(fifo)
        with pytest.raises(DatabaseError, match="FIFO"):
            AtomicJSONStorage(fifo).read()
        with pytest.raises(DatabaseError, match="FIFO"):
            write_atomic(fifo, b"{}")
        with pytest.raises(DatabaseError, match="FIFO"), write_lock(fifo):
            pass
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.json"]


def shared(path: Path) -> tuple[int, int]:
    """Give `path` mode 0660 and the owner and group `nobody`/`nogroup` (root only)."""
    if os.geteuid() != 0:
        pytest.skip("giving a file to another owner needs root")
    path.chmod(0o660)
    os.chown(path, 65534, 65534)
    return 65534, 65534


def test_a_write_keeps_the_files_mode_owner_and_group(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_atomic(path, b'{"old": {}}')
    uid, gid = shared(path)
    old = os.umask(0o077)
    try:
        write_atomic(path, b'{"new": {}}')
    finally:
        os.umask(old)
    after = path.stat()
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (0o660, uid, gid)
    assert path.read_bytes() == b'{"new": {}}'


def test_a_write_keeps_a_looser_or_tighter_mode_too(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    for wanted in (0o640, 0o400, 0o644):
        write_atomic(path, b"{}")
        path.chmod(wanted)
        write_atomic(path, b"{}")
        assert mode(path) == wanted


def test_a_write_by_a_non_owner_gives_the_group_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without root, fchown to another owner is refused; the group alone is still given."""
    path = tmp_path / "db.json"
    write_atomic(path, b"{}")
    status = path.stat()
    calls: list[tuple[int, int]] = []
    real = os.fchown

    def fchown(fd: int, uid: int, gid: int) -> None:
        calls.append((uid, gid))
        if uid != -1:
            raise PermissionError(1, "Operation not permitted")
        real(fd, uid, gid)

    monkeypatch.setattr(os, "fchown", fchown)
    write_atomic(path, b'{"a": {}}')
    assert calls == [(status.st_uid, status.st_gid), (-1, status.st_gid)]
    assert path.read_bytes() == b'{"a": {}}'


def test_the_lock_file_takes_the_files_mode_and_group(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_atomic(path, b"{}")
    _, gid = shared(path)
    old = os.umask(0o077)
    try:
        with write_lock(path):
            pass
    finally:
        os.umask(old)
    lock = path.with_name("db.json.lock").stat()
    assert (stat.S_IMODE(lock.st_mode), lock.st_gid) == (0o660, gid)


def test_the_lock_file_is_never_wider_than_the_file(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_atomic(path, b"{}")
    path.chmod(0o444)  # a read-only file: the lock is still the owner's to write
    lock = path.with_name("db.json.lock")
    lock.write_bytes(b"")
    lock.chmod(0o666)
    with write_lock(path):
        pass
    assert mode(lock) == 0o644


def test_a_held_lock_removes_only_a_lock_file_it_made(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    with write_lock(path) as held:
        assert held.created
        held.discard()
    assert not held.path.exists()
    held.path.write_bytes(b"")
    with write_lock(path) as held:
        assert not held.created
        held.discard()
    assert held.path.exists()
