"""The general-purpose TinyDB storage: atomic writes, 0600 files, the lock."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from filelock import FileLock
from tinydb import TinyDB

from dossier.errors import CorruptDatabase, DatabaseBusy, DatabaseError
from dossier.storage import AtomicJSONStorage, temp_files, write_atomic, write_lock


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
