"""Encrypting and decrypting a dossier file, changing its passphrase, copies of it.

The library under `dossier encrypt | decrypt | passphrase change | backup |
unlock`. Each takes the writer's lock, so it sees one whole state, and works on
the file's plaintext bytes exactly as stored: encrypting and then decrypting
gives back the same bytes. So the history, the state hash (and with it every
printed report's hash) and any change made outside dossier stay as they were.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dossier import crypto
from dossier.crypto import FileKey, KdfParams, Keys, read_header, unseal
from dossier.errors import DatabaseError, DossierError, NothingToDo
from dossier.storage import check_path, parse_json, read_raw, write_atomic, write_lock
from dossier.store import Dossier, folder_for


@dataclass(frozen=True, slots=True)
class Opened:
    """A dossier file read under its lock: its bytes, its plaintext and its key (None
    for a plain file)."""

    path: Path
    stored: bytes
    plaintext: bytes
    key: FileKey | None


@contextmanager
def _locked(path: Path, keys: Keys | None) -> Iterator[Opened]:
    """Hold the lock of the dossier at `path` and read it; it must exist and be a dossier."""
    if check_path(path) is None:
        raise DatabaseError(f"no dossier at {path}; check the path")
    with write_lock(path) as lock:
        try:
            stored = read_raw(path)
            plaintext, key = unseal(stored, path, keys)
            # A dossier, not any JSON; damaged records are let through (strict=False):
            # 'verify' says what is wrong with them, and they may still be copied.
            Dossier(path, parse_json(plaintext, path), plaintext, strict=False)
        except DossierError:
            lock.discard()  # nothing is left beside a refused file (see HeldLock.discard)
            raise
        yield Opened(path, stored, plaintext, key)


def real(path: str | Path) -> Path:
    """The file a path names, through symbolic links (the file that is replaced)."""
    return Path(os.path.realpath(path))


def is_encrypted(path: str | Path) -> bool:
    """Whether the file at `path` is an encrypted dossier (by its magic bytes)."""
    target = real(path)
    if check_path(target) is None:
        return False
    with target.open("rb") as file:
        return crypto.is_encrypted(file.read(32))


def encrypt(path: str | Path, passphrase: str, kdf: KdfParams | None = None) -> bool:
    """Encrypt the dossier at `path` in place; a missing file becomes an empty encrypted
    dossier. Returns whether the file was created."""
    target = real(path)
    if check_path(target) is None:
        folder_for(target, create=False)
    refuse_encrypted(target)
    key = FileKey.new(passphrase, kdf)
    with write_lock(target):
        stored = read_raw(target)
        if crypto.is_encrypted(stored):
            refuse_encrypted(target)
        if not stored.strip():
            write_atomic(target, key.seal(Dossier(target, None).file_bytes()))
            return True
        Dossier(target, parse_json(stored, target), stored, strict=False)  # a dossier
        write_atomic(target, key.seal(stored))
    return False


def refuse_encrypted(path: Path) -> None:
    """NothingToDo when the file at `path` is encrypted already."""
    if is_encrypted(path):
        raise NothingToDo(
            f"{path} is already encrypted; 'dossier passphrase change' gives it a new passphrase"
        )


def decrypt(path: str | Path, keys: Keys | None = None, output: Path | None = None) -> None:
    """Write the plaintext of the encrypted dossier at `path` to `output` (never over an
    existing file), or, without `output`, decrypt the dossier in place."""
    target = real(path)
    if output is not None:
        _new_file(output)
    with _locked(target, keys) as opened:
        if opened.key is None:
            raise NothingToDo(f"{target} is not encrypted")
        if output is None:
            write_atomic(target, opened.plaintext)
        else:
            _new_file(output)
            write_atomic(output, opened.plaintext, "plaintext copy")


def change_passphrase(
    path: str | Path, keys: Keys, passphrase: str, kdf: KdfParams | None = None
) -> None:
    """Give the encrypted dossier at `path` a new passphrase, with a new data key and
    salt (so a shell's unlock made before no longer opens it)."""
    target = real(path)
    key = FileKey.new(passphrase, kdf)
    with _locked(target, keys) as opened:
        if opened.key is None:
            raise NothingToDo(f"{target} is not encrypted; 'dossier encrypt' encrypts it")
        write_atomic(target, key.seal(opened.plaintext))


def backup(path: str | Path, output: Path, keys: Keys | None = None) -> bool:
    """Copy the dossier at `path` to `output` (a new file) as it is on disk, taken under
    the lock after checking that it opens whole. Returns whether the copy is encrypted."""
    target = real(path)
    _new_file(output)
    with _locked(target, keys) as opened:
        _new_file(output)
        write_atomic(output, opened.stored, "backup")
    return opened.key is not None


def unlock(path: str | Path, keys: Keys) -> str:
    """Keep the key of the encrypted dossier at `path` for one shell; returns the secret
    for $DOSSIER_SESSION (see unlock.py)."""
    from dossier import unlock as session

    target = real(path)
    if check_path(target) is None:
        raise DatabaseError(f"no dossier at {target}; check the path")
    raw = read_raw(target)
    if not crypto.is_encrypted(raw):
        raise NothingToDo(f"{target} is not encrypted; there is nothing to unlock")
    slot, data_key = keys.data_key(target, read_header(raw, target).slots)
    unseal(raw, target, keys)  # a damaged file is said now, not at the next command
    return session.start(target, slot, data_key)


def _new_file(output: Path) -> None:
    if os.path.lexists(output):
        raise DatabaseError(f"{output} exists; choose a new file name (nothing is overwritten)")
