"""Typed access to the raw values of one import row, and the problems found in it.

A value that cannot be read is recorded as a problem (named by the file's own
column) and read as empty, so that one pass over a row finds every problem in
it; `Values.finish` then raises them together as a `BadRow`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from dossier.contract import LIST_FIELDS, slug_fault, tidy_long, visible
from dossier.dates import common_edtf, parse_date
from dossier.errors import InvalidDate, one_line, unknown_word
from dossier.io.read import Row, unescape_formula

T = TypeVar("T")
# How a CSV column is named when it differs from the record field.
CSV_NAMES = {"persons": "person", "sources": "source"}
# Fields of long text: line ends are made newlines (a spreadsheet's cell may hold CRLF).
LONG = frozenset({"summary", "notes", "description", "note"})
TRUE = {"yes", "true", "1", "x", "y", "да"}
FALSE = {"", "no", "false", "0", "n", "нет"}


class RowError(Exception):
    """One problem with one field of a row."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class BadRow(Exception):
    """Every problem found in one row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


unknown = unknown_word  # the importer words an unknown vocabulary word as the CLI does


class Values:
    """Typed access to one row's raw values.

    A value that cannot be read is recorded as a problem (named by its column)
    and read as empty, so that one pass finds every problem of the row;
    `finish` then raises them together.
    """

    def __init__(self, row: Row, dayfirst: bool | None) -> None:
        self.row = row
        self.values = row.values
        self.tabular = row.tabular
        self.labels = column_labels(row.columns)
        self.dayfirst = dayfirst
        self.errors: list[RowError] = []

    def finish(self) -> None:
        """Raise every problem found in this row, if any."""
        if self.errors:
            raise BadRow(self.errors)

    def guard(self, check: Callable[..., T], *args: Any) -> T | None:
        """Run a check that may raise RowError; record the problem and give None."""
        try:
            return check(*args)
        except RowError as exc:
            self.errors.append(exc)
            return None

    def _fail(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.label(name), message))

    def label(self, name: str) -> str:
        """The column name as the file spells it."""
        return self.labels.get(name, name)

    def has(self, name: str) -> bool:
        """Whether the file has this column (or key)."""
        return name in self.labels

    def given(self, name: str) -> bool:
        """Whether the row gives a value for this field: the file has its column (or
        key) and, in CSV, the cell is not empty. A spreadsheet's blank cell says nothing,
        so a stored record keeps its value there; JSON's explicit null clears one."""
        label = self.labels.get(name)
        if label is None:
            return False
        return not self.tabular or not says_nothing(name, self.values[label])

    def _raw(self, name: str) -> Any:
        return self.values.get(self.labels.get(name, name))

    def text(self, name: str, required: bool = False) -> str | None:
        """A text value, stripped; None when empty."""
        value = self.values.get(self.labels.get(name, name))
        if self.tabular:  # a CSV cell: text, stripped when read
            if value and value[0] == "'":
                value = unescape_formula(value)
        elif value is not None and not isinstance(value, str):
            self._fail(name, f"must be text, not {type(value).__name__}")
            return None
        elif value:
            value = value.strip()
        if value and name in LONG and "\r" in value:
            value = tidy_long(value)
        if required and not value:
            self._fail(name, "is required and empty")
        elif required and value and not visible(value):  # a name no one could read
            self._fail(name, f"has no visible character ({one_line(value)})")
            return None
        return value or None

    def texts(self, names: Iterable[str]) -> dict[str, str | None]:
        """Several optional text values, for the columns the file has (the hot path)."""
        if not self.tabular:
            return {name: self.text(name) for name in names if name in self.labels}
        found: dict[str, str | None] = {}
        for name in names:
            column = self.labels.get(name)
            if column is not None:
                value = self.values[column]
                if value and value[0] == "'":
                    value = unescape_formula(value)
                if value and name in LONG and "\r" in value:
                    value = tidy_long(value)
                found[name] = value or None
        return found

    def slug(self, name: str, required: bool = False) -> str | None:
        """An id value."""
        value = self.text(name, required)
        fault = None if value is None else slug_fault(value)
        if fault is not None:
            self._fail(name, fault)  # as the record contract says it, on every path
            return None
        return value

    def list(self, name: str, repeats: bool = False, empty: bool = False) -> list[str]:
        """Several values: |-separated text, or a JSON list of texts; without repeats
        unless `repeats` (a person's cases, paired with their roles), without empty ones
        unless `empty` (which keep each value at its position)."""
        value = self._raw(name)
        if not value:
            return []
        if isinstance(value, str):
            if self.tabular and "|" not in value and value[0] != "'":
                return [value]  # the common case: one value, already clean
            items = value.split("|")
        elif isinstance(value, list) and all(isinstance(i, str) for i in value):
            items = value
        else:
            self._fail(name, "must be text, or a list of texts")
            return []
        clean = (i.strip() for i in items)
        if self.tabular:
            clean = (unescape_formula(i) for i in clean)
        kept = [i for i in clean if i or empty]
        return kept if repeats else list(dict.fromkeys(kept))

    def word(
        self,
        name: str,
        vocab: Collection[str],
        what: str | None = None,
        required: bool = False,
    ) -> str | None:
        """A word from a vocabulary (case-insensitive)."""
        value = self.text(name, required)
        if value is None or value in vocab:
            return value
        if value.lower() in vocab:
            return value.lower()
        self._fail(name, unknown(what or name, value, vocab))
        return None

    def date(self, name: str, required: bool = False) -> str | None:
        """A date as people type it, returned as EDTF."""
        value = self.text(name, required)
        if value is None:
            return None
        try:
            return edtf(value, self.dayfirst)
        except InvalidDate as exc:
            self._fail(name, str(exc))
            return None

    def bool(self, name: str) -> bool:
        """yes/no, true/false, 1/0 (or a JSON boolean)."""
        value = self._raw(name)
        if isinstance(value, bool) or value is None:
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        self._fail(name, f"must be yes or no, not {value!r}")
        return False


@lru_cache(maxsize=1 << 16)
def edtf(text: str, dayfirst: bool | None) -> str:
    """The EDTF form of a typed date (cached: an import repeats dates)."""
    return common_edtf(text) or parse_date(text, dayfirst=dayfirst).edtf


def split(cell: str) -> list[str]:
    """The values of a stripped CSV cell: several separated by |, without repeats."""
    if "|" not in cell:
        return [cell] if cell else []
    return list(dict.fromkeys(item for item in (i.strip() for i in cell.split("|")) if item))


def blank_fields(row: Row) -> set[str]:
    """The fields whose cells a CSV row leaves empty (none for JSON): a row that updates
    a stored record keeps the stored values there (see Values.given)."""
    if not row.tabular:
        return set()
    # The cells in place: the fast path never builds a row's dict.
    cells = row.cells if row.cells is not None else [row.values[h] for h in row.header]
    places = _positions(row.header, row.columns)
    return {name for name, at in places if says_nothing(name, cells[at])}


@lru_cache(maxsize=64)
def _positions(header: tuple[str, ...], columns: frozenset[str]) -> tuple[tuple[str, int], ...]:
    """Each field a file's rows give, and the position of its cell in a row."""
    at = {label: i for i, label in enumerate(header)}
    return tuple((name, at[label]) for name, label in column_labels(columns).items() if label in at)


def says_nothing(name: str, cell: str) -> bool:
    """Whether a CSV cell gives no value: empty, or for a list only `|` (its empty values
    are dropped), so a stored record keeps its own."""
    return cell == "" or (name in LIST_FIELDS and "|" in cell and not split(cell))


@lru_cache(maxsize=64)
def column_labels(columns: frozenset[str]) -> dict[str, str]:
    """Record field -> the column that holds it, for one file's set of columns."""
    labels = {name: name for name in columns}
    for field_name, csv_name in CSV_NAMES.items():
        if csv_name in columns:
            labels[field_name] = csv_name
    return labels
