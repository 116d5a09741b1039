"""Encrypting and decrypting a dossier file, changing its passphrase, copies of it.

The library under `dossier encrypt | decrypt | passphrase change | backup |
unlock`. Each but `unlock` takes the writer's lock (a read-only disk aside), so it
sees one whole state, and works on
the file's plaintext bytes exactly as stored: encrypting and then decrypting
gives back the same bytes. So the history, the state hash (and with it every
printed report's hash) and any change made outside dossier stay as they were.
A key is found (a passphrase asked, Argon2id run) before the lock is taken, so
that no writer waits while someone types.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dossier import crypto
from dossier.crypto import FileKey, KdfParams, read_header, unseal
from dossier.errors import DatabaseError, DossierError, InvalidValue, NothingToDo
from dossier.keys import Keys, check_keys
from dossier.storage import (
    HeldLock,
    check_path,
    link_new,
    parse_json,
    read_raw,
    write_atomic,
    write_lock,
)
from dossier.store import Dossier, folder_for, real_path


@dataclass(frozen=True, slots=True)
class Opened:
    """A dossier file read under its lock: its bytes, its plaintext and its key (None
    for a plain file)."""

    path: Path
    stored: bytes = field(repr=False)
    plaintext: bytes = field(repr=False)
    key: FileKey | None


@contextmanager
def _locked(
    path: Path, keys: Keys | None, encrypted: bool = True, reading: bool = False
) -> Iterator[Opened]:
    """Hold the lock of the dossier at `path` and read it. It must exist, be a dossier,
    and be encrypted (or, if not `encrypted`, plain). A refused file is left as it was,
    nothing beside it. Only `reading`, a file whose folder cannot be written (a
    read-only backup disk) is read without the lock: nobody can write it either."""
    check_keys(keys)
    if check_path(path) is None:
        raise DatabaseError(f"no dossier at {path}; check the path")
    keys = keys or Keys.from_environment()
    if encrypted:
        require_encrypted(path)
        crypto.prepare(path, keys)
    with _lock_unless_read_only(path, reading) as lock:
        try:
            stored = read_raw(path)
            if crypto.is_encrypted(stored) != encrypted:  # changed before the lock was taken
                if encrypted:
                    require_encrypted(path)
                refuse_encrypted(path)
            plaintext, key = unseal(stored, path, keys)
            # A dossier, not any JSON; damaged records are let through (strict=False):
            # 'verify' says what is wrong with them, and they may still be copied.
            Dossier(path, parse_json(plaintext, path), plaintext, strict=False)
        except DossierError:
            if lock is not None:
                lock.discard()  # nothing is left beside a refused file (HeldLock.discard)
            raise
        yield Opened(path, stored, plaintext, key)


@contextmanager
def _lock_unless_read_only(path: Path, reading: bool) -> Iterator[HeldLock | None]:
    if reading and not os.access(path.parent, os.W_OK):
        yield None
        return
    with write_lock(path) as lock:
        yield lock


def real(path: str | Path) -> Path:
    """The file a path names, through symbolic links (the file that is replaced)."""
    return real_path(path)


def is_encrypted(path: str | Path) -> bool:
    """Whether the file at `path` is an encrypted dossier (by its magic bytes)."""
    target = real(path)
    if check_path(target) is None:
        return False
    try:
        with target.open("rb") as file:
            return crypto.is_encrypted(file.read(len(crypto.MAGIC)))
    except OSError as exc:  # no read permission, a failing disk: said as a read says it
        raise DatabaseError(f"cannot read database {target}: {exc.strerror or exc}") from None


def refuse_encrypted(path: Path) -> None:
    """NothingToDo when the file at `path` is encrypted already (AlteredFile when it
    was, but is damaged)."""
    if is_encrypted(path):
        crypto.check_header(path)  # a damaged file says so here
        raise NothingToDo(
            f"{path} is already encrypted; 'dossier passphrase change' gives it a new passphrase"
        )


def require_encrypted(path: Path) -> None:
    """DatabaseError for a missing file, NothingToDo for a plain one."""
    if check_path(path) is None:
        raise DatabaseError(f"no dossier at {path}; check the path")
    if not is_encrypted(path):
        raise NothingToDo(f"{path} is not encrypted; 'dossier encrypt' encrypts it")


def encrypt(
    path: str | Path,
    passphrase: str,
    kdf: KdfParams | None = None,
    create_folders: bool = False,
) -> bool:
    """Encrypt the dossier at `path` in place; a missing file becomes an empty encrypted
    dossier (in missing folders too with `create_folders`). Returns whether the file
    was created."""
    target = real(path)
    if check_path(target) is None:
        folder_for(target, create_folders)
    else:
        refuse_encrypted(target)
    key = FileKey.new(passphrase, kdf)
    with write_lock(target) as lock:
        try:
            stored = read_raw(target)
            if crypto.is_encrypted(stored):
                refuse_encrypted(target)
            if stored.strip():
                Dossier(target, parse_json(stored, target), stored, strict=False)  # a dossier
        except DossierError:
            lock.discard()
            raise
        if not stored.strip():
            write_atomic(target, key.seal(Dossier(target, None).file_bytes()))
            return True
        write_atomic(target, key.seal(stored))
    return False


def decrypt(
    path: str | Path,
    keys: Keys | None = None,
    output: str | Path | None = None,
    in_place: bool = False,
) -> None:
    """Write the plaintext of the encrypted dossier at `path` to `output` (a new file,
    never over an existing one), or, with `in_place` instead, decrypt the dossier."""
    if (output is None) == (not in_place):
        raise InvalidValue(
            "decrypt needs an output file or in_place=True"
            + (", not both" if in_place else ", and was given neither")
        )
    target = real(path)
    if output is not None:
        output = Path(output)  # a str, as every other path the API takes
        _new_file(output)
    with _locked(target, keys, reading=output is not None) as opened:
        if output is None:
            write_atomic(target, opened.plaintext)
        else:
            write_new(output, opened.plaintext, "plaintext copy")


def change_passphrase(
    path: str | Path, keys: Keys, passphrase: str, kdf: KdfParams | None = None
) -> None:
    """Give the encrypted dossier at `path` a new passphrase, with a new data key and
    salt (so a shell's unlock made before no longer opens it)."""
    target = real(path)
    key = FileKey.new(passphrase, kdf)
    with _locked(target, keys) as opened:
        write_atomic(target, key.seal(opened.plaintext))


def backup(path: str | Path, output: str | Path, keys: Keys | None = None) -> bool:
    """Copy the dossier at `path` to `output` (a new file) as it is on disk, taken under
    the lock after checking that it opens whole. Returns whether the copy is encrypted."""
    target = real(path)
    output = Path(output)  # backup(db, "copy.json") raised AttributeError
    _new_file(output)
    plain = check_path(target) is not None and not is_encrypted(target)
    with _locked(target, keys, encrypted=not plain, reading=True) as opened:
        write_new(output, opened.stored, "backup")
    return opened.key is not None


def unlock(path: str | Path, keys: Keys) -> str:
    """Keep the key of the encrypted dossier at `path` for one shell; returns the secret
    for $DOSSIER_SESSION (see unlock.py)."""
    from dossier import unlock as session

    check_keys(keys)
    target = real(path)
    require_encrypted(target)
    raw = read_raw(target)
    slot, data_key = keys.data_key(target, read_header(raw, target).slots)
    unseal(raw, target, keys)  # a damaged file is said now, not at the next command
    return session.start(target, slot, data_key)


def write_new(output: Path, data: bytes, what: str) -> None:
    """Write `data` to the new file `output`, atomically, never over a file that is there
    (even one made a moment ago): an unnamed file (storage.link_new), else a temp file,
    is linked to the name, which fails if the name is taken. Where links cannot be made
    (a FAT disk), the temp file is renamed after a last look."""
    _new_file(output)
    try:
        if link_new(output, data, what):
            return
    except FileExistsError:
        raise DatabaseError(
            f"{output} exists; choose a new file name (nothing is overwritten)"
        ) from None
    tmp = output.with_name(f"{output.name}.{os.urandom(4).hex()}.tmp")
    write_atomic(tmp, data, what)
    try:
        os.link(tmp, output)
    except FileExistsError:
        raise DatabaseError(
            f"{output} exists; choose a new file name (nothing is overwritten)"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise DatabaseError(f"cannot write {what} {output}: {exc.strerror}") from None
        _new_file(output)
        tmp.replace(output)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _new_file(output: Path) -> None:
    """Refuse an output that exists, or whose folder does not (before any lock is taken)."""
    if os.path.lexists(output):
        raise DatabaseError(f"{output} exists; choose a new file name (nothing is overwritten)")
    if not output.parent.is_dir():
        raise DatabaseError(f"no folder {output.parent} for {output}; create it first")
