"""Reading import files into rows: CSV (as spreadsheets write it), JSON, JSONL.

A `Row` is one record as found in a file, located by the physical line where
it starts, with its raw values: strings from CSV, JSON values from JSON. What
the values mean is `importer.py`'s business; here a file is only *read*, and
every problem is a `Problem` located as FILE:LINE (or FILE:LINE:COLUMN for
invalid JSON) rather than an exception, so that all of them can be listed.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from dossier import contract
from dossier.errors import did_you_mean

FORMAT_NAME = "dossier"

# Columns of each kind of CSV (docs/import.md, "Columns"), in export order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "event": ("case", "date", "type", "person", "place", "country", "description", "source",
              "id", "end", "outcome", "term", "note", "confidential"),
    "person": ("id", "name", "aliases", "born", "died", "nationality", "organizations", "notes",
               "case", "role", "sources", "confidential"),
    "case": ("id", "title", "summary", "jurisdiction", "status", "charges", "tags", "sources"),
}  # fmt: skip
# A header is recognised by the columns only its kind has.
SIGNATURE = {"event": {"type", "date"}, "person": {"name"}, "case": {"title"}}
# Other spellings a spreadsheet may use for a column, by kind.
SYNONYMS = {
    "event": {"persons": "person", "sources": "source", "notes": "note", "types": "type"},
    "person": {"alias": "aliases", "organisations": "organizations", "organization":
               "organizations", "organisation": "organizations", "source": "sources",
               "roles": "role", "cases": "case", "note": "notes"},
    "case": {"charge": "charges", "tag": "tags", "source": "sources"},
}  # fmt: skip
KINDS = ("case", "person", "event")
# The stored fields of each kind (the record contract's), by the singular kind.
_FIELDS = {kind[:-1]: fields for kind, fields in contract.FIELDS.items()}
# JSON takes the stored fields and the CSV columns (an event's "person", a person's
# "case" and "role"), but not the other spellings CSV headers may use: a key that
# would be read as nothing is an error, never dropped.
JSON_KEYS = {kind: frozenset(_FIELDS[kind]) | frozenset(COLUMNS[kind]) for kind in KINDS}
# One field given twice in a JSON record, under its two names.
_TWICE = {"event": (("person", "persons"), ("source", "sources")),
          "person": (("case", "roles"), ("role", "roles"))}  # fmt: skip
# The keys of a JSON export's top-level object.
TOP_KEYS = ("format", "version", "exported", "cases", "persons", "events")
HEADER_KEYS = TOP_KEYS[:3]  # a JSON Lines file's first line
# A cell may hold a whole document (a judgment's text): far beyond the csv
# module's default limit of 128 KiB. What an export writes, an import reads.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# A CSV cell a spreadsheet would run as a formula starts with one of = + - @ (or a
# tab or carriage return). Export puts an apostrophe before it, and before a text
# that already starts with apostrophes then such a character, so that import can
# always take exactly one off and give the text back.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def escape_formula(text: str) -> str:
    """The cell to write for `text` so that no spreadsheet runs it."""
    return "'" + text if _FORMULA.match(text) else text


_ITEM_APOSTROPHE = re.compile(r"(?:^|\|)\s*'")


def may_be_escaped(cell: str) -> bool:
    """Whether a cell, or one of its |-separated values, starts with an apostrophe."""
    return "'" in cell and _ITEM_APOSTROPHE.search(cell) is not None


def unescape_formula(cell: str) -> str:
    """The text an escaped cell stands for (the inverse of escape_formula)."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell, 1) else cell


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in an input file, located where a person can find it."""

    file: str
    line: int
    field: str | None
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (import --json); `column` only locates invalid JSON (else null)."""
        return {"file": self.file, "line": self.line, "column": self.column,
                "field": self.field, "message": self.message}  # fmt: skip


class Row:
    """One record of an input file, with its raw values.

    `position` is the line for CSV and JSONL; for JSON it is the record's index
    in its section, turned into a line by `locate` only when a problem must be
    shown (finding lines in JSON means scanning the text, which the fast path
    skips). A CSV row keeps its cells and its file's header, and makes the
    `values` dict only when asked: the importer's fast path reads a file's rows
    a column at a time, straight from the cells.
    """

    __slots__ = ("_values", "cells", "columns", "escapes", "file", "header", "kind", "locate",
                 "position", "tabular")  # fmt: skip

    def __init__(
        self,
        file: str,
        position: int,
        kind: str,
        values: dict[str, Any] | None,
        columns: frozenset[str] = frozenset(),
        locate: Callable[[str, int], int] | None = None,
        tabular: bool = False,  # from CSV: every value is stripped text, lists |-separated
        escapes: bool = True,  # some cell may start with an apostrophe (see escape_formula)
        cells: list[str] | None = None,
        header: tuple[str, ...] = (),
    ) -> None:
        self.file, self.position, self.kind, self._values = file, position, kind, values
        self.columns, self.locate, self.tabular, self.escapes = columns, locate, tabular, escapes
        self.cells, self.header = cells, header

    @property
    def values(self) -> dict[str, Any]:
        """Field or column name -> raw value."""
        if self._values is None:
            self._values = dict(zip(self.header, self.cells or (), strict=True))
        return self._values

    @property
    def line(self) -> int:
        """The physical line where the record starts."""
        return self.position if self.locate is None else self.locate(self.kind, self.position)


@dataclass(slots=True)
class Parsed:
    """What reading one file gave: rows, and the problems found."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False  # the file as a whole could not be read: no rows to check


BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark, which Windows tools write first


def detect_format(name: str, data: bytes) -> str:
    """csv, json or jsonl, from the file name, else from the content."""
    lower = name.lower()
    for suffix, fmt in ((".csv", "csv"), (".tsv", "csv"), (".jsonl", "jsonl"),
                        (".ndjson", "jsonl"), (".json", "json")):  # fmt: skip
        if lower.endswith(suffix):
            return fmt
    head = data.removeprefix(BOM).lstrip()[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        first = data.removeprefix(BOM).lstrip().split(b"\n", 1)[0]
        try:
            value = orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        # An export written on one line (jq -c, json.dump) is a JSON file, not a header.
        exported = isinstance(value, dict) and "kind" not in value
        if exported and any(key in value for key in TOP_KEYS[3:]):
            return "json"
        return "jsonl"
    return "csv"


def read(name: str, data: bytes, fmt: str, encoding: str = "utf-8") -> Parsed:
    """Read one file in the given format."""
    from dossier.crypto import is_encrypted

    if is_encrypted(data[:64]):  # a dossier (or its backup) encrypted: no rows to read
        problem = (
            "is an encrypted dossier, not a file to import: export its records with"
            " 'dossier --db FILE export -o PLAIN.json' and import that, or 'dossier copy' it"
            " into an empty dossier"
        )
        return Parsed(problems=[Problem(name, 1, None, problem)], unreadable=True)
    if fmt != "csv":
        # Windows tools (Notepad, PowerShell's Out-File) start UTF-8 with a byte-order
        # mark, which JSON allows a reader to ignore (RFC 8259, 8.1): orjson refuses it.
        data = data.removeprefix(BOM)
    if fmt == "csv":
        parsed = read_csv(name, data, encoding)
    elif fmt == "jsonl":
        parsed = read_jsonl(name, data)
    else:
        parsed = read_json(name, data)
    parsed.unreadable = bool(parsed.problems) and not parsed.rows
    return parsed


# CSV ---------------------------------------------------------------------------


def _normalise(header: str) -> str:
    """Column names are case- and space-insensitive: ' Event Type ' is 'eventtype'."""
    return "".join(header.split()).lower().replace("-", "_")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF16_HINT = "pass --encoding utf-16-le (or utf-16-be)"


def _looks_utf16(data: bytes) -> bool:
    """Text of mostly Latin or ASCII letters in UTF-16: every other byte is zero."""
    head = data[:4096]
    return len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 3


def _decode(name: str, data: bytes, encoding: str) -> tuple[str | None, Problem | None]:
    """The text of a CSV file: UTF-8 with or without a BOM, or UTF-16 with its BOM (what
    Excel's "Unicode text" writes), without being told; other encodings by name."""
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    codec = "utf-8-sig" if utf8 else encoding
    if utf8 and data.startswith(_UTF16_BOMS):
        codec = encoding = "utf-16"  # the BOM says which byte order
    try:
        # A byte-order mark read as text (utf-16-le given for a file that has one).
        return data.decode(codec).removeprefix("\ufeff"), None
    except UnicodeDecodeError as exc:
        line = _line_at(data[: exc.start].decode("latin-1"))
        hint = (
            f"it looks like UTF-16 without a byte-order mark: {_UTF16_HINT}"
            if _looks_utf16(data)
            else "pass --encoding, e.g. --encoding cp1251 (Cyrillic Windows) or cp1252"
        )
        return None, Problem(
            name, line, None,
            f"the file is not {encoding} (byte 0x{data[exc.start]:02x} cannot be read); {hint}",
        )  # fmt: skip
    except LookupError:
        return None, Problem(name, 1, None, f"unknown encoding {encoding!r}")


def _line_at(before: str) -> int:
    """The line of the character after `before`, lines ended as the csv module ends them:
    CRLF, LF or a lone CR (Excel for Mac)."""
    return before.count("\n") + before.count("\r") - before.count("\r\n") + 1


def _delimiter(header_line: str) -> str:
    """The delimiter among , ; and tab that splits the header into the most known columns."""
    known = {c for columns in COLUMNS.values() for c in columns}
    known |= {name for synonyms in SYNONYMS.values() for name in synonyms}

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:  # a huge or broken first line: the reader will say what is wrong
            return (0, 0)
        return (sum(_normalise(c) in known for c in cells), len(cells))

    return max((",", ";", "\t"), key=score)


def read_csv(name: str, data: bytes, encoding: str = "utf-8") -> Parsed:
    """Rows of a CSV file of events, persons or cases (the kind read from the header)."""
    parsed = Parsed()
    text, problem = _decode(name, data, encoding)
    if text is None:
        assert problem is not None
        parsed.problems.append(problem)
        return parsed
    if "\x00" in text:
        line = _line_at(text[: text.index("\x00")])
        message = (
            f"the file looks like UTF-16 without a byte-order mark: {_UTF16_HINT}"
            if _looks_utf16(data)
            else "the file contains a NUL byte; is it CSV?"
        )
        parsed.problems.append(Problem(name, line, None, message))
        return parsed
    # splitlines: Excel for Mac still ends lines with a lone CR.
    first_line = next((line for line in text[:1_000_000].splitlines() if line.strip(" ,;\t")), "")
    ended: list[bool] = []  # the reader asked for a line after the last one

    def lines() -> Iterator[str]:
        yield from io.StringIO(text, newline="")
        ended.append(True)

    # strict: a quoted cell never closed would otherwise take in every line after it,
    # rows and all, and the import would say it added one event where there were three.
    reader = csv.reader(lines(), delimiter=_delimiter(first_line), strict=True)
    header_line = 1  # where the header starts: spreadsheets leave blank lines above it
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header_line = reader.line_num + 1
            header = next(reader, None)
    except csv.Error as exc:
        message = f"cannot read the header: {exc}"
        parsed.problems.append(Problem(name, header_line, None, message))
        return parsed
    if header is None:
        parsed.problems.append(Problem(name, 1, None, "the file is empty"))
        return parsed
    columns = [_normalise(h) for h in header]
    kind = _kind(name, header_line, columns, parsed, header)
    if kind is None:
        return parsed
    columns = [SYNONYMS[kind].get(c, c) for c in columns]
    present = frozenset(columns)
    names = tuple(columns)
    width = len(columns)
    rows = parsed.rows
    # Whether any cell may start with an apostrophe: if none can, no row needs looking at.
    escapes = _may_start_with_apostrophe(text)
    start = reader.line_num + 1
    while True:
        # The reader goes on after an error, from the line after the one it stopped in:
        # the rows after a badly quoted one are checked in the same run, not the next.
        # (The loop inside the try: a try around each row would cost every row.)
        try:
            for cells in reader:
                line, start = start, reader.line_num + 1
                # Stripped here, once: spreadsheets pad cells with spaces.
                cells = list(map(str.strip, cells))
                if not any(cells):
                    continue  # a blank line, or a row of empty cells: spreadsheets leave them
                if len(cells) != width:
                    message = f"the row has {len(cells)} cells, the header {width}"
                    parsed.problems.append(Problem(name, line, None, message))
                    continue
                # Positional (locate=None, tabular=True): keywords cost twice the time, per row.
                rows.append(Row(name, line, kind, None, present, None, True, escapes, cells, names))
        except csv.Error as exc:
            message = (
                'a quoted cell of this row is never closed (a missing "?): every line after'
                " it would be read into it"
                if ended  # the cell was still open at the end of the file
                else f"cannot read this row: {exc}"
            )
            parsed.problems.append(Problem(name, start, None, message))
            start = reader.line_num + 1
            continue
        return parsed


def _may_start_with_apostrophe(text: str) -> bool:
    """Whether some cell may start with an apostrophe (after spaces or a quote).

    Cheaper than looking at every cell: apostrophes are rare, and most are inside
    words ("Moscow's").
    """
    at = text.find("'")
    while at != -1:
        back = at - 1
        while back >= 0 and text[back] in ' "':
            back -= 1
        if back < 0 or text[back] in ",;\t\n\r|":  # | starts the next value of a cell
            return True
        at = text.find("'", at + 1)
    return False


def _kind(
    name: str, line: int, columns: list[str], parsed: Parsed, header: list[str]
) -> str | None:
    """The kind of records a header describes; problems for unknown or repeated columns,
    each named as the file's `header` spells it, at the `line` where it starts."""
    kind = next(
        (k for k in KINDS[::-1] if SIGNATURE[k] <= {SYNONYMS[k].get(c, c) for c in columns}),
        None,
    )
    if kind is None:
        parsed.problems.append(
            Problem(
                name,
                line,
                None,
                "cannot tell what the rows are: an events file needs the columns date and"
                " type, a persons file name, a cases file title",
            )
        )
        return None
    known = COLUMNS[kind]
    columns = [SYNONYMS[kind].get(c, c) for c in columns]
    for number, (column, given) in enumerate(zip(columns, header, strict=True), 1):
        if not given.strip():  # a spreadsheet's trailing ";;": one line each, not three
            parsed.problems.append(
                Problem(
                    name,
                    line,
                    "(empty)",
                    f"column {number} has no name; remove the column,"
                    f" or name it as one of {', '.join(known)}",
                )
            )
        elif column not in known:
            parsed.problems.append(
                Problem(
                    name,
                    line,
                    given.strip() or "(empty)",
                    f"unknown column {given.strip()!r}{did_you_mean(column, known)} in"
                    f" {'an' if kind == 'event' else 'a'} {kind}s file; the columns are"
                    f" {', '.join(known)}",
                )
            )
    repeated = sorted({c for c in columns if c.strip() and columns.count(c) > 1})
    for column in repeated:
        parsed.problems.append(Problem(name, line, column, "the column appears twice"))
    return None if parsed.problems else kind


# JSON and JSONL ----------------------------------------------------------------


def _json_problem(name: str, exc: orjson.JSONDecodeError) -> Problem:
    return Problem(name, exc.lineno, None, f"invalid JSON: {exc.msg}", exc.colno)


class _Repeats(dict[str, Any]):
    """A JSON object that gives a key more than once: orjson keeps the last value
    without a word, and a record would be imported as something its file does not say."""

    repeated: tuple[str, ...] = ()


def _with_repeats(data: bytes) -> Any:
    """`data` (which orjson read) read again, each object that repeats a key marked as
    `_Repeats`; None when none does. The standard library's reader, since only it shows
    every key: 0.6 s more on the 7 s import of a 100,000-event export."""
    import json

    found = False

    def made(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        record = dict(pairs)
        if len(record) == len(pairs):
            return record
        found = True
        marked = _Repeats(record)
        counts = Counter(key for key, _ in pairs)
        marked.repeated = tuple(key for key, n in counts.items() if n > 1)
        return marked

    try:
        value = json.loads(data, object_pairs_hook=made)
    except (ValueError, RecursionError):  # nested deeper than it reads: no record is
        return None
    return value if found else None


def _repeats_in(value: Any, under: str | None = None) -> Iterator[tuple[str | None, str]]:
    """(field, key) for each key `value` (a record) or an object inside it gives twice:
    field None for the record's own keys, else the record's key the object is under."""
    if isinstance(value, _Repeats):
        yield from ((under, key) for key in value.repeated)
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _repeats_in(inner, under if under is not None else key)
    elif isinstance(value, list):
        for inner in value:
            yield from _repeats_in(inner, under)


def _repeat_problems(name: str, line: int, value: Any, what: str) -> list[Problem]:
    return [
        Problem(name, line, key, f"given twice in one {what}: keep one")
        if field is None
        else Problem(name, line, field, f"{key!r} given twice in one of its objects: keep one")
        for field, key in _repeats_in(value)
    ]


def read_jsonl(name: str, data: bytes) -> Parsed:
    """Rows of a JSON Lines file: an optional header line, then one record a line."""
    parsed = Parsed()
    headed = False
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            parsed.problems.append(replace(_json_problem(name, exc), line=number))
            continue
        header = isinstance(value, dict) and "format" in value and "kind" not in value
        what = "header" if header else "record"
        parsed.problems.extend(_repeat_problems(name, number, _with_repeats(line), what))
        if header:
            # Checked as a record is: an export on one line, read as a header, had its
            # records dropped without a word.
            if headed:
                parsed.problems.append(
                    Problem(name, number, "format", "a second header line: a JSON Lines file"
                            " has one, on its first line")
                )  # fmt: skip
            headed = True
            _check_header(name, number, value, parsed)
            for key in value:
                if key in HEADER_KEYS:
                    continue
                hint = (
                    ": this is an export on one line; import it as a .json file"
                    if key in TOP_KEYS
                    else did_you_mean(key, HEADER_KEYS)
                )
                parsed.problems.append(
                    Problem(name, number, key, f"unknown field {key!r} in the header line{hint}")
                )
            continue
        _json_record(name, number, value, None, parsed)
    return parsed


def read_json(name: str, data: bytes) -> Parsed:
    """Rows of a JSON file: an export ({cases, persons, events}) or an array of records."""
    parsed = Parsed()
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        parsed.problems.append(_json_problem(name, exc))
        return parsed
    repeats = _with_repeats(data)
    lines: dict[str | None, list[int]] | None = None

    def locate(kind: str, index: int) -> int:
        nonlocal lines
        if lines is None:
            lines = record_lines(data)
        found = lines.get(None if isinstance(value, list) else kind + "s", [])
        return found[index] if index < len(found) else 1

    if isinstance(value, list):
        sections: list[tuple[str | None, list[Any]]] = [(None, value)]
    elif isinstance(value, dict):
        _check_header(name, 1, value, parsed)
        if isinstance(repeats, _Repeats):
            parsed.problems.extend(
                Problem(name, 1, key, "given twice in the file's object: keep one")
                for key in repeats.repeated
            )
        for key in value:
            if key not in TOP_KEYS:
                parsed.problems.append(
                    Problem(
                        name, 1, key,
                        f"unknown field {key!r}{did_you_mean(key, TOP_KEYS)}: a dossier JSON"
                        " file is an object of the lists cases, persons and events (or an"
                        " array of records)",
                    )
                )  # fmt: skip
        sections = []
        for key in ("cases", "persons", "events"):
            items = value.get(key, [])
            if isinstance(items, list):
                sections.append((key[:-1], items))
            else:
                parsed.problems.append(Problem(name, 1, key, "must be a list of records"))
    else:
        parsed.problems.append(Problem(name, 1, None, "expected a JSON object or array"))
        return parsed
    for kind, items in sections:
        twins = repeats if kind is None else (repeats or {}).get(kind + "s")
        for index, item in enumerate(items):
            row = _json_record(name, index, item, kind, parsed, locate)
            if row is None:  # the problem needs a real line now
                problem = parsed.problems.pop()
                parsed.problems.append(replace(problem, line=locate(kind or "", index)))
            if isinstance(twins, list) and index < len(twins) and any(_repeats_in(twins[index])):
                line = locate(kind or "", index)
                parsed.problems.extend(_repeat_problems(name, line, twins[index], "record"))
    return parsed


def _check_header(name: str, line: int, value: dict[str, Any], parsed: Parsed) -> None:
    fmt = value.get("format", FORMAT_NAME)
    if fmt != FORMAT_NAME:
        shown = orjson.dumps(fmt).decode()
        parsed.problems.append(Problem(name, line, "format", f"not a dossier export ({shown})"))
    version = value.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        shown = orjson.dumps(version).decode()
        parsed.problems.append(
            Problem(name, line, "version", f"must be a whole number such as 1, not {shown}")
        )
    elif version > 1:
        parsed.problems.append(
            Problem(name, line, "version", f"written by a newer dossier (version {version})")
        )
    exported = value.get("exported")
    if exported is not None and not isinstance(exported, str):
        parsed.problems.append(Problem(name, line, "exported", "must be a time as text"))


def _json_record(
    name: str,
    position: int,
    value: Any,
    kind: str | None,
    parsed: Parsed,
    locate: Callable[[str, int], int] | None = None,
) -> Row | None:
    if not isinstance(value, dict):
        parsed.problems.append(Problem(name, position, None, "a record must be a JSON object"))
        return None
    values = dict(value)
    declared = values.pop("kind", None)
    if kind is not None and declared is not None and declared != kind:
        parsed.problems.append(
            Problem(name, position, "kind", f"a {declared!r} record in the list of {kind}s")
        )
        return None
    kind = kind or declared
    if kind not in KINDS:
        said = "is missing" if "kind" not in value else f"is {orjson.dumps(declared).decode()}"
        parsed.problems.append(
            Problem(name, position, "kind", f"must be case, person or event; it {said}")
        )
        return None
    known = JSON_KEYS[kind]
    unknown = [key for key in values if key not in known]
    row = Row(name, position, kind, values, frozenset(values), locate)
    twice = [(a, b) for a, b in _TWICE.get(kind, ()) if a in values and b in values]
    if unknown or twice:
        # Reported, and the row still checked without them: every problem at once.
        for key in unknown:
            del values[key]
            parsed.problems.append(Problem(name, -1, key, _unknown_key(kind, key)))
        for short, full in twice:
            parsed.problems.append(
                Problem(name, -1, full, f"given twice, as {short!r} and {full!r}: keep one")
            )
        unknown += [full for _short, full in twice]
        row.columns = frozenset(values)
        line = row.line if locate is not None else position
        for at in range(len(parsed.problems) - len(unknown), len(parsed.problems)):
            parsed.problems[at] = replace(parsed.problems[at], line=line)
    parsed.rows.append(row)
    return row


def _unknown_key(kind: str, key: str) -> str:
    """'unknown field 'descripton' (did you mean 'description'?)', and for a nested list
    of records, where those records go."""
    if key in ("cases", "persons", "events") and key != kind + "s":
        return (
            f"unknown field {key!r}: a {kind} record does not hold {key}; in a dossier JSON"
            f' file {key} are a list of their own beside the cases ({{"cases": [...],'
            f' "persons": [...], "events": [...]}}), and in JSON Lines one record a line'
            f' with its "kind"'
        )
    return f"unknown field {key!r}{did_you_mean(key, _FIELDS[kind])}"


def record_lines(data: bytes) -> dict[str | None, list[int]]:
    """The line on which each record of a JSON file starts, by section.

    Records are the items inside a top-level array (section None), or inside
    the arrays that are values of the top-level object (section: that key),
    whatever their type: rows are looked up by index, so a `null` or a nested
    array counts as one too, or every later record would be mislocated. Only
    called when a row must be located: orjson, the fast path, keeps no positions.
    """
    found: dict[str | None, list[int]] = {}
    line, in_string, escaped = 1, False, False
    stack: list[int] = []  # 1 for an array, 0 for an object
    key = bytearray()
    section: str | None = None
    items: list[int] | None = None  # the lines of the list of records being read
    expecting = False  # the next value inside that list starts an item
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
            else:
                if byte == 0x0A:
                    line += 1
                if stack == [0]:
                    key.append(byte)
            continue
        if byte == 0x0A:
            line += 1
            continue
        if byte in b" \t\r":
            continue
        if expecting:
            expecting = False
            if byte != 0x5D and items is not None:  # not the ] of an empty list
                items.append(line)
        if byte == 0x22:
            in_string = True
            if stack == [0]:
                key.clear()
        elif byte == 0x3A and stack == [0]:  # a colon after a top-level key
            section = key.decode("utf-8", "replace")
        elif byte == 0x2C and stack in ([1], [0, 1]):  # a comma between records
            expecting = True
        elif byte in (0x7B, 0x5B):  # { [
            stack.append(1 if byte == 0x5B else 0)
            if stack in ([1], [0, 1]):
                # A key given twice: orjson keeps the last list, and so does this.
                items = found[section if stack == [0, 1] else None] = []
                expecting = True
        elif byte in (0x7D, 0x5D) and stack:  # } ]
            stack.pop()
    return found


def iter_problems(parsed: list[Parsed]) -> Iterator[Problem]:
    """Every problem of several files, in order."""
    for one in parsed:
        yield from one.problems
