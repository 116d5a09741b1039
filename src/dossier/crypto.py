"""Encrypted dossier files: the format, and sealing and opening one.

An encrypted file is, byte for byte::

    MAGIC | version (2 bytes) | header length (4 bytes) | header | checksum | payload

The header is canonical JSON (sorted keys, no spaces): the cipher, the salt of
this write and the key slots. Each slot wraps the file's random data key with a
key derived from a passphrase by Argon2id. The checksum is the SHA-256 of every
byte before it, so a damaged header is told apart from a wrong passphrase (whose
slot fails to unwrap) and from an altered payload (whose AEAD tag fails).

The payload is the whole plaintext file sealed with AES-256-GCM. Its key is
derived (HKDF-SHA256) from the data key and the salt of this write, which is new
on every write: each payload key seals exactly one plaintext, so no key and
nonce pair is ever used twice. Every byte before the payload is its associated
data. Writes reuse the slots and need no key derivation; a passphrase change
makes a new data key and new slots.

Before any key derivation, a header is checked against the limits below: an
unknown version, cipher or KDF, or parameters no honest file has, are refused at
once, so a hostile file cannot make dossier allocate gigabytes or spin.

`cryptography` is imported only when an encrypted file is met, so that a plain
dossier pays nothing for it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dossier.errors import AlteredFile, CorruptDatabase, DatabaseError, NewerSchema, PassphraseError
from dossier.keys import Keys

MAGIC = b"\x89DOSSIER\r\n\x1a\n"  # PNG's trick: a text-mode copy or a 7-bit channel breaks it
VERSION = 1
CIPHER = "aes-256-gcm"
KDF = "argon2id"
_FIXED = len(MAGIC) + 2 + 4  # magic, version, header length
_CHECKSUM = 32
_TAG = 16
_PAYLOAD_INFO = b"dossier payload key v1"
_SLOT_AD = b"dossier key slot v1"

# What no honest file has: refused before any key derivation.
MAX_HEADER = 64 * 1024
MAX_SLOTS = 16
MAX_MEMORY_KIB = 2 * 1024 * 1024  # 2 GiB
MAX_ITERATIONS = 16
MAX_LANES = 16
# Memory times passes over every slot a file asks to try: 8 GiB-passes, about 7 s
# here. One slot of the default costs 192 MiB-passes; dossier writes one slot.
MAX_WORK_KIB = 8 * 1024 * 1024
# AES-GCM as `cryptography` offers it seals at most 2**31 - 1 bytes in one call.
MAX_PLAINTEXT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id's cost: memory in KiB, passes over it, and parallel lanes.

    The default, 64 MiB and 3 passes, takes about 0.15 s on a two-core machine:
    unnoticed once a command, costly for someone guessing passphrases.
    """

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def check(self) -> KdfParams:
        """These parameters, if usable; else DatabaseError saying what is outside the
        limits (asked before a passphrase is typed for them, and again when used)."""
        problems = self.problems()
        if problems:
            raise DatabaseError(f"cannot use key derivation with {'; '.join(problems)}")
        return self

    def problems(self) -> list[str]:
        """What is outside the limits, as phrases; [] for usable parameters."""
        found = []
        if not 1 <= self.lanes <= MAX_LANES:
            found.append(f"{self.lanes} lanes (1 to {MAX_LANES})")
        least = 8 * max(self.lanes, 1)
        if not least <= self.memory_kib <= MAX_MEMORY_KIB:
            found.append(f"{self.memory_kib} KiB of memory ({least} to {MAX_MEMORY_KIB} KiB)")
        if not 1 <= self.iterations <= MAX_ITERATIONS:
            found.append(f"{self.iterations} passes (1 to {MAX_ITERATIONS})")
        if not found and self.work_kib > MAX_WORK_KIB:  # the rule read_header applies
            found.append(
                f"{self.work_kib // 1024} MiB-passes of memory times passes (at most"
                f" {MAX_WORK_KIB // 1024})"
            )
        return found

    @property
    def work_kib(self) -> int:
        """Memory times passes: what a derivation costs, and what a file may ask for."""
        return self.memory_kib * self.iterations


@dataclass(frozen=True, slots=True)
class Slot:
    """One passphrase's way to the data key: the data key wrapped under Argon2id's key."""

    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    def to_json(self) -> dict[str, Any]:
        """The slot as the header holds it."""
        return {
            "kdf": KDF,
            "memory_kib": self.kdf.memory_kib,
            "iterations": self.kdf.iterations,
            "lanes": self.kdf.lanes,
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped": _b64(self.wrapped),
        }

    @classmethod
    def wrap(cls, data_key: bytes, passphrase: str, kdf: KdfParams) -> Slot:
        """A new slot (fresh salt and nonce) that opens `data_key` with `passphrase`."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        salt, nonce = os.urandom(16), os.urandom(12)
        wrapping = _derive(passphrase, salt, kdf)
        return cls(kdf, salt, nonce, AESGCM(wrapping).encrypt(nonce, data_key, _SLOT_AD))

    def unwrap(self, passphrase: str) -> bytes | None:
        """The data key, or None when the passphrase is not this slot's."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrapping = _derive(passphrase, self.salt, self.kdf)
        try:
            return AESGCM(wrapping).decrypt(self.nonce, self.wrapped, _SLOT_AD)
        except InvalidTag:
            return None


@dataclass(frozen=True, slots=True)
class FileKey:
    """What seals a file again: its data key (never shown) and its key slots."""

    data_key: bytes = field(repr=False)
    slots: tuple[Slot, ...]

    @classmethod
    def new(cls, passphrase: str, kdf: KdfParams | None = None) -> FileKey:
        """A new random data key with one slot for `passphrase`."""
        kdf = kdf or KdfParams()
        if not passphrase:
            raise PassphraseError("an empty passphrase protects nothing; choose a passphrase")
        kdf.check()
        data_key = os.urandom(32)
        return cls(data_key, (Slot.wrap(data_key, passphrase, kdf),))

    def seal(self, plaintext: bytes | Sequence[bytes | memoryview]) -> bytes:
        """The encrypted file holding `plaintext` (given whole or in parts), sealed under a
        payload key of its own (a fresh salt)."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        whole = plaintext if isinstance(plaintext, bytes) else b"".join(plaintext)
        if len(whole) > MAX_PLAINTEXT:
            raise DatabaseError(
                f"the dossier has grown past {MAX_PLAINTEXT // 2**20} MiB, more than one"
                " encrypted file can hold; split it or move it to a server"
            )
        salt = os.urandom(32)
        header = orjson.dumps(
            {"cipher": CIPHER, "salt": _b64(salt), "slots": [s.to_json() for s in self.slots]},
            option=orjson.OPT_SORT_KEYS,
        )
        before = MAGIC + VERSION.to_bytes(2, "big") + len(header).to_bytes(4, "big") + header
        before += hashlib.sha256(before).digest()
        sealed = AESGCM(_payload_key(self.data_key, salt)).encrypt(bytes(12), whole, before)
        return before + sealed


@dataclass(frozen=True, slots=True)
class Header:
    """An encrypted file's header, checked against the limits; nothing derived yet."""

    salt: bytes
    slots: tuple[Slot, ...]
    length: int  # bytes before the payload: its associated data


def is_encrypted(raw: bytes) -> bool:
    """Whether `raw` is (or, cut short or with a damaged byte, was) an encrypted dossier:
    by its magic bytes. A plain dossier begins with '{', never with these."""
    if not raw:
        return False
    head = raw[: len(MAGIC)]
    if head == MAGIC[: len(raw)]:
        return True
    # One or two damaged bytes in the magic still name an encrypted file, so that it is
    # reported as damaged rather than as a file that is not JSON.
    return len(head) == len(MAGIC) and sum(a != b for a, b in zip(head, MAGIC, strict=True)) <= 2


def read_header(raw: bytes, path: Path) -> Header:
    """Check the header of the encrypted file `raw` without deriving any key.

    Raises AlteredFile for a damaged or cut file, NewerSchema for a format this
    version does not read, and CorruptDatabase for parameters no honest file has.
    Every version keeps the layout up to the checksum, so the checksum is checked
    first: a damaged version number is damage, not a newer format.
    """
    if len(raw) < _FIXED:
        raise _altered(path, "it ends inside its first bytes")
    if raw[: len(MAGIC)] != MAGIC:
        raise _altered(path, "its first bytes are damaged")
    size = int.from_bytes(raw[len(MAGIC) + 2 : _FIXED], "big")
    if size > MAX_HEADER:
        raise _altered(path, f"its header claims {size} bytes")
    end = _FIXED + size
    if len(raw) < end + _CHECKSUM:
        raise _altered(path, "it is cut short")
    if hashlib.sha256(memoryview(raw)[:end]).digest() != raw[end : end + _CHECKSUM]:
        raise _altered(path, "its header fails its checksum")
    version = int.from_bytes(raw[len(MAGIC) : len(MAGIC) + 2], "big")
    if version < VERSION:
        raise CorruptDatabase(f"{path} names an encryption format version {version}, which"
                              " never existed")  # fmt: skip
    if version != VERSION:
        raise NewerSchema(
            f"{path} is encrypted in format version {version}; this dossier reads version"
            f" {VERSION}: upgrade dossier to open it"
        )
    if len(raw) < end + _CHECKSUM + _TAG:
        raise _altered(path, "it is cut short")
    try:
        data = orjson.loads(raw[_FIXED:end])
    except orjson.JSONDecodeError:
        raise _altered(path, "its header is not JSON") from None
    return _header(data, path, end + _CHECKSUM)


def _header(data: Any, path: Path, length: int) -> Header:
    """The header's fields, each checked; CorruptDatabase for anything unexpected."""

    def refuse(what: str) -> CorruptDatabase:
        return CorruptDatabase(f"{path} has an encryption header this dossier refuses: {what}")

    if not isinstance(data, dict) or set(data) != {"cipher", "salt", "slots"}:
        raise refuse("unexpected fields")
    if data["cipher"] != CIPHER:
        raise refuse(f"unknown cipher {str(data['cipher'])[:40]!r}")
    slots = data["slots"]
    if not isinstance(slots, list) or not 1 <= len(slots) <= MAX_SLOTS:
        raise refuse(f"key slots must be a list of 1 to {MAX_SLOTS}")
    found = []
    for slot in slots:
        if not isinstance(slot, dict) or set(slot) != set(_SLOT_FIELDS):
            raise refuse("a key slot with unexpected fields")
        if slot["kdf"] != KDF:
            raise refuse(f"unknown key derivation {str(slot['kdf'])[:40]!r}")
        numbers = [slot[k] for k in ("memory_kib", "iterations", "lanes")]
        if not all(type(n) is int for n in numbers):
            raise refuse("key derivation parameters that are not whole numbers")
        kdf = KdfParams(*numbers)
        if problems := kdf.problems():
            raise refuse("key derivation with " + "; ".join(problems))
        found.append(
            Slot(
                kdf,
                _unb64(slot["salt"], 16, refuse),
                _unb64(slot["nonce"], 12, refuse),
                _unb64(slot["wrapped"], 32 + _TAG, refuse),
            )
        )
    work = sum(slot.kdf.work_kib for slot in found)
    if work > MAX_WORK_KIB:
        raise refuse(
            f"key derivation over all slots of {work // 1024} MiB-passes (at most"
            f" {MAX_WORK_KIB // 1024})"
        )
    return Header(_unb64(data["salt"], 32, refuse), tuple(found), length)


_SLOT_FIELDS = ("kdf", "memory_kib", "iterations", "lanes", "salt", "nonce", "wrapped")


def open_file(raw: bytes, path: Path, keys: Keys) -> tuple[bytes, FileKey]:
    """The plaintext of the encrypted file `raw`, and the key that seals it again."""
    header = read_header(raw, path)
    _slot, data_key = keys.data_key(path, header.slots)
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plaintext = AESGCM(_payload_key(data_key, header.salt)).decrypt(
            bytes(12), memoryview(raw)[header.length :], memoryview(raw)[: header.length]
        )
    except InvalidTag:
        raise _altered(path, "its contents fail their integrity check") from None
    return plaintext, FileKey(data_key, header.slots)


def check_header(path: Path) -> Header | None:
    """The checked header of the file at `path` if it is encrypted, reading only the
    bytes the header can take; None for a plain (or unreadable) file."""
    try:
        with path.open("rb") as file:
            head = file.read(_FIXED + MAX_HEADER + _CHECKSUM + _TAG)
    except OSError:
        return None  # the read under the lock says what is wrong
    return read_header(head, path) if is_encrypted(head) else None


def prepare(path: Path, keys: Keys) -> None:
    """Find the key of the file at `path` if it is encrypted, reading only its header.

    A writer calls this before taking the lock, so that nobody waits on the lock
    while a passphrase is typed or derived; the key is then kept in `keys`.
    """
    header = check_header(path)
    if header is not None:
        keys.data_key(path, header.slots)


def unseal(raw: bytes, path: Path, keys: Keys | None) -> tuple[bytes, FileKey | None]:
    """The plaintext of a file's bytes, and its key (None for a plain file)."""
    if not is_encrypted(raw):
        return raw, None
    return open_file(raw, path, keys or Keys.from_environment())


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    import unicodedata

    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    # Through the Python API a passphrase source may give anything: bytes, or text
    # with a lone surrogate, raised TypeError or UnicodeEncodeError here.
    if not isinstance(passphrase, str):
        raise PassphraseError(
            f"a passphrase must be text (str), not {type(passphrase).__name__}"
            + (": decode it first" if isinstance(passphrase, bytes) else "")
        )
    # NFC: the same word typed on two systems (composed or decomposed й) is one key.
    try:
        secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    except UnicodeEncodeError:
        raise PassphraseError("the passphrase is not valid UTF-8 text") from None
    try:
        return Argon2id(
            salt=salt,
            length=32,
            iterations=kdf.iterations,
            lanes=kdf.lanes,
            memory_cost=kdf.memory_kib,
        ).derive(secret)
    except MemoryError:
        raise DatabaseError(
            f"not enough memory for the key derivation ({kdf.memory_kib // 1024} MiB); close"
            " other programs, or open the file on a machine with more memory"
        ) from None


def _payload_key(data_key: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt, _PAYLOAD_INFO).derive(data_key)


def _altered(path: Path, how: str) -> AlteredFile:
    return AlteredFile(
        f"{path} was altered or damaged ({how}); it was left untouched: restore it from a"
        " backup ('dossier backup' makes one)"
    )


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, size: int, refuse: Callable[[str], CorruptDatabase]) -> bytes:
    """Base64 of exactly `size` bytes."""
    import base64

    if not isinstance(text, str) or len(text) > 4 * (size // 3 + 1):
        raise refuse("a salt, nonce or key of the wrong form")
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or a ValueError for text that is not ASCII
        raise refuse("a salt, nonce or key that is not base64") from None
    if len(data) != size:
        raise refuse(f"a value of {len(data)} bytes where {size} belong")
    return data
