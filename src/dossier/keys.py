"""Where the passphrase of an encrypted dossier comes from, and the keys found with it.

Kept apart from crypto.py, which builds the file format's records: every command
makes a `Keys`, and only a command that meets an encrypted file needs the rest
(see crypto.py, imported then).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dossier.errors import InvalidValue, PassphraseError

if TYPE_CHECKING:
    from dossier.crypto import Slot

PassphraseSource = Callable[[Path], "str | None"]


MAX_PASSPHRASE = 64 * 1024  # bytes: more is not a passphrase but the wrong file


def environment_passphrase(_path: Path | None = None) -> str | None:
    """The passphrase that $DOSSIER_PASSPHRASE_FILE names, else $DOSSIER_PASSPHRASE."""
    named = os.environ.get("DOSSIER_PASSPHRASE_FILE")
    if named:
        return passphrase_from_file(Path(named), "DOSSIER_PASSPHRASE_FILE")
    given = os.environb.get(b"DOSSIER_PASSPHRASE")
    return _text(given, "DOSSIER_PASSPHRASE", lines=False) if given else None


def passphrase_from_file(file: Path, given_by: str) -> str:
    """The passphrase in a file: its text without a byte-order mark or one final line
    break."""
    try:
        with file.open("rb") as opened:
            data = opened.read(MAX_PASSPHRASE + 1)
    except OSError as exc:
        raise PassphraseError(f"cannot read the passphrase file {file} ({given_by}):"
                              f" {exc.strerror}") from None  # fmt: skip
    return _text(data, f"the passphrase file {file}")


def passphrase_from_fd(fd: int) -> str:
    """The passphrase written to file descriptor `fd`, read to its end."""
    if os.isatty(fd):
        raise PassphraseError(
            f"descriptor {fd} is a terminal, which would show the passphrase as it is typed:"
            " leave out --passphrase-fd to be asked for it"
        )
    chunks: list[bytes] = []
    try:
        while (chunk := os.read(fd, 65536)) and sum(map(len, chunks)) <= MAX_PASSPHRASE:
            chunks.append(chunk)
    except OSError as exc:
        raise PassphraseError(f"cannot read the passphrase from descriptor {fd}:"
                              f" {exc.strerror}") from None  # fmt: skip
    return _text(b"".join(chunks), f"descriptor {fd}")


def _text(data: bytes, where: str, lines: bool = True) -> str:
    """A passphrase's bytes as text: UTF-8, at most MAX_PASSPHRASE bytes, not empty;
    from a file (`lines`), without a byte-order mark and one final line break."""
    if len(data) > MAX_PASSPHRASE:
        raise PassphraseError(f"{where} holds more than {MAX_PASSPHRASE} bytes: not a passphrase")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PassphraseError(f"{where} is not UTF-8 text") from None
    if lines:
        text = text.removeprefix("\ufeff").removesuffix("\n").removesuffix("\r")
    if not text:
        raise PassphraseError(f"{where} holds an empty passphrase")
    return text


def check_keys(keys: object) -> None:
    """InvalidValue unless `keys` is a Keys (or None): a script that gave the passphrase
    itself (`keys="secret"`) met an AttributeError deep in the reading of the file."""
    if keys is not None and not isinstance(keys, Keys):
        raise InvalidValue(
            f"keys must be a dossier.Keys, not {type(keys).__name__}: give the passphrase"
            " as Keys(lambda path: passphrase)",
            "keys",
        )


def no_passphrase(_path: Path) -> str | None:
    """No passphrase: the `ask` of a Keys that never prompts."""
    return None


class Keys:
    """What opens encrypted files, tried in this order: a passphrase given by a script
    (`passphrase`), the shell's unlock (`session`, see unlock.py), and a passphrase
    asked for (`ask`, a prompt). Each is called only when a file needs it.

    Data keys found are kept for the life of this object, so a command that reads
    a file twice derives its key once. Its repr shows no secret.
    """

    def __init__(
        self,
        passphrase: PassphraseSource = environment_passphrase,
        session: str | None = None,
        ask: PassphraseSource = no_passphrase,
    ) -> None:
        self.passphrase = passphrase
        self.session = session
        self.ask = ask
        self._found: dict[Slot, bytes] = {}
        self._given: dict[Path, str | None] = {}

    def __repr__(self) -> str:
        unlocked = ", unlocked" if self.session else ""
        return f"<Keys from {getattr(self.passphrase, '__name__', 'a source')}{unlocked}>"

    @classmethod
    def from_environment(cls) -> Keys:
        """The passphrase from $DOSSIER_PASSPHRASE_FILE or $DOSSIER_PASSPHRASE, and the
        unlock of $DOSSIER_SESSION: what a script or the Python API opens files with."""
        return cls(environment_passphrase, os.environ.get("DOSSIER_SESSION") or None)

    def given(self, path: Path) -> str | None:
        """The passphrase a script gave for `path` (read once), or None."""
        if path not in self._given:
            self._given[path] = self.passphrase(path)
        return self._given[path]

    def offered(self, path: Path) -> bool:
        """Whether a passphrase was given for `path`, or the shell is unlocked: whoever
        did believes the dossier encrypted (nothing is asked)."""
        return bool(self.session) or self.given(path) is not None

    def passphrase_for(self, path: Path) -> str:
        """The passphrase for `path`: given, else asked (once); PassphraseError when
        there is neither."""
        found = self.given(path)
        if found is None:
            found = self._given[path] = self.ask(path)
        if not found:
            raise PassphraseError(
                f"{path} is encrypted: give the passphrase with --passphrase-file,"
                " --passphrase-fd or DOSSIER_PASSPHRASE_FILE"
            )
        return found

    def data_key(self, path: Path, slots: Sequence[Slot]) -> tuple[Slot, bytes]:
        """The data key that one of `slots` wraps, and that slot: from this object's
        memory, the passphrase given, the shell's unlock, or the passphrase asked for.
        PassphraseError when none opens a slot."""
        for slot in slots:
            if slot in self._found:
                return slot, self._found[slot]
        if self.session and self.given(path) is None:
            from dossier import unlock

            found = unlock.data_key(self.session, path, slots)
            if found is not None:
                self._found[found[0]] = found[1]
                return found
        passphrase = self.passphrase_for(path)
        for slot in slots:
            key = slot.unwrap(passphrase)
            if key is not None:
                self._found[slot] = key
                return slot, key
        raise PassphraseError(f"wrong passphrase for {path}")
