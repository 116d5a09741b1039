"""A shell's unlock of one encrypted dossier: `eval "$(dossier unlock)"`.

`unlock` makes a random session key, seals the dossier's data key with it into a
session file in the user's runtime folder ($XDG_RUNTIME_DIR, a RAM disk cleared
at logout; else a private folder in the temp folder), and gives the shell the
session secret, `ID.KEY`, to keep in $DOSSIER_SESSION. Neither half opens
anything alone: the file holds only ciphertext, and the variable lives in that
shell and its children. The session file names (by a digest of its path) the
dossier it was made for, so the secret opens that dossier and nothing else;
`dossier lock` deletes it, and a passphrase change (a new data key) leaves it
unable to open the file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

import orjson

from dossier.crypto import Slot
from dossier.errors import DatabaseError
from dossier.storage import write_atomic

_AD = b"dossier session v1\x00"
_SECRET = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_-]{43})")


def folder(create: bool = True) -> Path:
    """Where session files live: $XDG_RUNTIME_DIR/dossier, else a folder of this user's
    in the temp folder (0700, refused if anyone else owns it or it is a link)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        where = Path(runtime) / "dossier"
    else:
        where = Path(tempfile.gettempdir()) / f"dossier-{os.getuid()}"
    try:
        if create:
            where.mkdir(mode=0o700, exist_ok=True)
        status = where.lstat()
    except OSError as exc:
        raise DatabaseError(f"cannot use {where} for the unlock: {exc.strerror}") from None
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():
        raise DatabaseError(f"{where} is not a folder of this user's; remove it and try again")
    if stat.S_IMODE(status.st_mode) & 0o077:
        where.chmod(0o700)
    return where


def start(path: Path, slot: Slot, data_key: bytes) -> str:
    """Keep `data_key` (of the dossier at `path`, opened by `slot`) for a shell; returns
    the session secret for $DOSSIER_SESSION."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ident, key, nonce = secrets.token_hex(16), secrets.token_bytes(32), secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, data_key, _AD + os.fsencode(path))
    record = {
        "path": _name(path),
        "slot": base64.b64encode(slot.wrapped).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "key": base64.b64encode(sealed).decode(),
    }
    write_atomic(folder() / ident, orjson.dumps(record), "unlock")
    return f"{ident}.{base64.urlsafe_b64encode(key).decode().rstrip('=')}"


def data_key(secret: str, path: Path, slots: Sequence[Slot]) -> tuple[Slot, bytes] | None:
    """The data key the session `secret` keeps for `path`, and the slot it came through;
    None when the session is gone, is for another file, or the passphrase has changed."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    parsed = _parse(secret)
    if parsed is None:
        return None
    ident, key = parsed
    try:
        record = orjson.loads((folder(create=False) / ident).read_bytes())
        wrapped = base64.b64decode(record["slot"])
        nonce = base64.b64decode(record["nonce"])
        sealed = base64.b64decode(record["key"])
    except (DatabaseError, OSError, orjson.JSONDecodeError, KeyError, TypeError, binascii.Error):
        return None  # no usable session: the passphrase is asked for as without one
    slot = next((s for s in slots if s.wrapped == wrapped), None)
    if record.get("path") != _name(path) or slot is None:
        return None
    try:
        return slot, AESGCM(key).decrypt(nonce, sealed, _AD + os.fsencode(path))
    except (InvalidTag, ValueError):
        return None


def end(secret: str) -> Path | None:
    """Delete the session file of `secret`; its path, or None when there was none."""
    parsed = _parse(secret)
    if parsed is None:
        return None
    try:
        where = folder(create=False) / parsed[0]
    except DatabaseError:
        return None
    with contextlib.suppress(FileNotFoundError):
        where.unlink()
        return where
    return None


def _name(path: Path) -> str:
    """What a session file says of its dossier: a digest of the path, not the path."""
    return hashlib.sha256(os.fsencode(path)).hexdigest()


def _parse(secret: str) -> tuple[str, bytes] | None:
    match = _SECRET.fullmatch(secret.strip())
    if match is None:
        return None
    return match[1], base64.urlsafe_b64decode(match[2] + "=")
