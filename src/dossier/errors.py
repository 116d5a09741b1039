"""One error hierarchy: the CLI catches `DossierError` once and exits with its code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class DossierError(Exception):
    """Something the user can fix; the message says what and how."""

    exit_code = 1


class InvalidValue(DossierError):
    """A value given by the user (an id, a name, a field) is not acceptable."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidDate(InvalidValue):
    """A date could not be read, or would need a guess to be read."""


class AmbiguousDate(InvalidDate):
    """A date that reads as two days (03/04/2005): day first or month first is not said."""

    def __init__(self, shown: str, day_first: str, month_first: str) -> None:
        self.shown, self.readings = shown, (day_first, month_first)
        super().__init__(f"{self.without_flags()}, or pass --dayfirst or --monthfirst")

    def without_flags(self) -> str:
        """The message for a command that has no --dayfirst or --monthfirst."""
        day_first, month_first = self.readings
        return (
            f"ambiguous date {self.shown}: write {day_first} (day first)"
            f" or {month_first} (month first)"
        )


class NotFound(InvalidValue):
    """A case, person or event that does not exist was named."""


class Duplicate(InvalidValue):
    """A record with that id already exists."""


class Conflict(DossierError):
    """The change would leave the dossier inconsistent (e.g. a case still referred to)."""


class ReadOnly(DossierError):
    """A change to a case the role may only read (on a server)."""


class NothingToDo(DossierError):
    """`undo` with nothing left to undo, `redo` with nothing to redo."""


class DatabaseError(DossierError):
    """The database file cannot be used as it is."""


class CorruptDatabase(DatabaseError):
    """The file is not valid JSON, or not a dossier; it is never overwritten."""


class AlteredFile(CorruptDatabase):
    """An encrypted file fails its integrity check: altered, damaged or cut short."""


class PassphraseError(DossierError):
    """An encrypted dossier without its passphrase, or with a wrong one (exit 4)."""

    exit_code = 4


class NewerSchema(DatabaseError):
    """The file was written by a newer version of dossier."""


class DatabaseBusy(DatabaseError):
    """Another dossier command holds the lock; scripts may retry (exit 3)."""

    exit_code = 3


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ' (did you mean X?)' for the closest candidates, or ''."""
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


def unknown_word(what: str, value: str, vocab: Iterable[str]) -> str:
    """'unknown event type 'arest' (did you mean 'arrest'?); see 'dossier vocab''."""
    return f"unknown {what} {value!r}{did_you_mean(value, sorted(vocab))}; see 'dossier vocab'"


def first_of(problems: Sequence[str]) -> str:
    """The first of several problems, and how many more there are: 'x (and 2 more)'."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


def one_line(text: str) -> str:
    """`text` with control characters escaped, so a message is always one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def printable(text: str) -> str:
    """`text` as a reader is to see it: control characters other than newline and tab
    escaped, so that user text can never move the cursor, clear the screen or retitle
    a terminal, and so are the characters that reorder text (bidirectional overrides
    and isolates), line separators, surrogates and unassigned code points. Spaces of
    every width and the format characters that scripts need (the zero-width non-joiner
    of Persian names, a soft hyphen) are printed as they are: they are part of the
    name. The zero-width joiner stays escaped: Rich counts the letter after it as
    taking no room, which a terminal gives it, and tables would outgrow the width."""
    if text.isprintable():
        return text
    return "".join(c if c in "\n\t" or _shown(c) else repr(c)[1:-1] for c in text)


def _shown(c: str) -> bool:
    import unicodedata

    if c.isprintable():
        return True
    if c in _ESCAPED:
        return False
    return unicodedata.category(c) in ("Zs", "Cf", "Co")


# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which the record
# contract refuses in what is written (a file written before may still hold them), and
# the zero-width joiner (U+200D), whose width Rich does not measure as terminals show it.
_ESCAPED = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200d")
