"""The record contract: what a stored case, person or event may hold.

Every path that writes a record — `ops` (the command line and the Python API),
the importer (its checked and fast paths alike), the loader and any backend —
calls these functions on the stored (dict) form, so there is one answer to
"is this record valid?". The rules are written out in docs/data-model.md.

Two levels:

- `shape_faults`: what every command needs in order to run at all — the exact
  set of keys, the JSON type of every value, dates that can be read, words
  from the vocabularies. A file whose records break these is damaged; no
  command reads or writes it until it is fixed.
- `content_faults`: the rest — text without control characters, one-line
  names and titles, no spaces at the ends of a value, no repeats in a list,
  no `|` inside a list item (it separates items in CSV), died on or after
  born, an event's end on or after its date.

`faults` gives both; `reference_faults` checks what a record points at
(cases, persons) against the ids a dossier holds. `check_many` is the bulk
pre-filter the importer and the loader use: it answers "all sound?" for many
records at once and, when the answer is no, the per-record functions find and
word the faults, so a bulk path can never decide differently (a property test
holds the two to the same verdict).

`future_date` is a rule of writing only: an event dated after today, refused or
written with a warning by `ops` and the importer, never looked at by the loader
(`future_candidates` is its bulk pre-filter).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any, TypedDict

from dossier.dates import begins_after, stored
from dossier.errors import InvalidDate, InvalidValue, did_you_mean, unknown_word
from dossier.vocab import EVENT_TYPES, OUTCOMES, ROLES, SCHEDULABLE, STATUSES


class CaseDict(TypedDict):
    """A stored case."""

    id: str
    title: str
    summary: str | None
    jurisdiction: str | None
    status: str
    charges: list[str]
    tags: list[str]
    sources: list[str]
    created: str
    updated: str


class RoleDict(TypedDict):
    """A person's part in one case."""

    case: str
    role: str


class PersonDict(TypedDict):
    """A stored person."""

    id: str
    name: str
    aliases: list[str]
    born: str | None
    died: str | None
    nationality: str | None
    organizations: list[str]
    notes: str | None
    sources: list[str]
    confidential: bool
    roles: list[RoleDict]


class EventDict(TypedDict):
    """A stored event."""

    id: str
    case: str
    type: str
    date: str
    end: str | None
    persons: list[str]
    place: str | None
    country: str | None
    description: str | None
    sources: list[str]
    outcome: str | None
    term: str | None
    note: str | None
    confidential: bool


KINDS = ("cases", "persons", "events")
# The stored fields of each kind, in the order records are written.
FIELDS: dict[str, tuple[str, ...]] = {
    "cases": tuple(CaseDict.__annotations__),
    "persons": tuple(PersonDict.__annotations__),
    "events": tuple(EventDict.__annotations__),
}
KEYS = {kind: frozenset(fields) for kind, fields in FIELDS.items()}

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
# Control characters (C0, DEL, C1), lone surrogates (not UTF-8), the line and
# paragraph separators, and the bidirectional embeddings, overrides and
# isolates (they can make a name display as another: "Trojan Source").
_OTHER_CONTROLS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_BAD_LINE = re.compile(f"[\x00-\x1f{_OTHER_CONTROLS}]")
_BAD_LINE_BREAKLESS = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHER_CONTROLS}]")  # all but \n
# Long text (descriptions, notes) may also hold line breaks (\n) and tabs.
_BAD_LONG = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHER_CONTROLS}]")
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
SEPARATOR = "|"  # between several values in one CSV cell


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing wrong with one field of a stored record."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# Field kinds ------------------------------------------------------------------
#
# Each is a pair of checks over one value: its shape (type; None when sound)
# and its content (None when sound). Shape first: content assumes it.

_Check = Callable[[Any], str | None]


_TYPE_NAMES = {dict: "an object", list: "a list", str: "text", bool: "true/false",
               int: "a number", float: "a number", type(None): "null"}  # fmt: skip


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _text_shape(value: Any) -> str | None:
    return None if type(value) is str else f"must be text, not {_type_name(value)}"


def _optional_text_shape(value: Any) -> str | None:
    if value is None or type(value) is str:
        return None
    return f"must be text or null, not {_type_name(value)}"


def _text(value: str, bad: re.Pattern[str], what: str) -> str | None:
    """Not empty, no character `bad` finds (`what` says what they are), no spaces at
    the ends."""
    if not value:
        return "must not be empty (use null for no value)"
    found = bad.search(value)
    if found:
        return f"{what} (found {_char(found[0])})"
    if value != value.strip():
        return "has spaces or line breaks at its start or end"
    return None


def _line(value: str) -> str | None:
    """One line of text: not empty, no control characters, no spaces at the ends."""
    return _text(value, _BAD_LINE, "must be one line of text, without control characters")


def _long(value: str) -> str | None:
    """Text that may have several lines (newlines and tabs allowed)."""
    return _text(value, _BAD_LONG, "must not contain control characters")


def _char(char: str) -> str:
    return f"U+{ord(char):04X}"


def _optional(content: _Check) -> _Check:
    return lambda value: None if value is None else content(value)


def slug_fault(value: str) -> str | None:
    """What is wrong with an id, or None: the words every path says it in."""
    if SLUG.match(value):
        return None
    return (
        f"{value!r} is not a valid id: use lower-case letters, digits and hyphens,"
        " starting with a letter or digit"
    )


def _code(value: str) -> str | None:
    return _line(value) or (None if value == value.upper() else "must be in capitals (e.g. RU)")


def _list_shape(value: Any) -> str | None:
    if type(value) is not list:
        return f"must be a list, not {_type_name(value)}"
    for item in value:
        if type(item) is not str:
            return f"must be a list of texts, not of {_type_name(item)}"
    return None


def _items(value: list[str]) -> str | None:
    for item in value:
        problem = _line(item)
        if problem:
            return f"item {item!r}: {problem}"
        if SEPARATOR in item:
            return f"item {item!r} contains '|', which separates several values in a CSV cell"
    if len(set(value)) != len(value):
        return "has the same item twice"
    return None


def _id_items(value: list[str]) -> str | None:
    for item in value:
        problem = slug_fault(item)
        if problem:
            return problem
    if len(set(value)) != len(value):
        return "has the same id twice"
    return None


def _date_shape(value: Any) -> str | None:
    if type(value) is not str:
        return f"must be a date as text (EDTF, e.g. 2009-11-16), not {_type_name(value)}"
    try:
        stored(value)
    except InvalidDate as exc:
        return str(exc)
    return None


def _optional_date_shape(value: Any) -> str | None:
    return None if value is None else _date_shape(value)


def _bool_shape(value: Any) -> str | None:
    return None if type(value) is bool else f"must be true or false, not {_type_name(value)}"


def _word(vocab: Collection[str], what: str, optional: bool = False) -> _Check:
    words = frozenset(vocab)

    def shape(value: Any) -> str | None:
        if value is None and optional:
            return None
        if type(value) is not str:
            return f"must be text, not {_type_name(value)}"
        return None if value in words else unknown_word(what, value, vocab)

    return shape


def _timestamp(value: str) -> str | None:
    # The pattern only: earlier versions kept a time off the calendar (month 13) as an
    # import gave it, and a stricter rule would stop such a file from being edited;
    # it needs a migration that says what it does to them first.
    if TIMESTAMP.match(value):
        return None
    return f"{value!r} is not a time like 2024-05-01T12:00:00Z"


def _roles_shape(value: Any) -> str | None:
    if type(value) is not list:
        return f"must be a list of {{case, role}} objects, not {_type_name(value)}"
    role_word = _word(ROLES, "role")
    for item in value:
        if type(item) is not dict or item.keys() != {"case", "role"}:
            return "must be a list of {case, role} objects"
        if type(item["case"]) is not str or (not SLUG.match(item["case"])):
            return f"case {item['case']!r} is not a valid case id"
        problem = role_word(item["role"])
        if problem:
            return problem
    return None


def _roles(value: list[RoleDict]) -> str | None:
    pairs = [(r["case"], r["role"]) for r in value]
    return "has the same role twice" if len(set(pairs)) != len(pairs) else None


def _no_check(value: Any) -> str | None:
    return None


_ID = (_text_shape, slug_fault)
_LINE = (_text_shape, _line)
_OPT_LINE = (_optional_text_shape, _optional(_line))
_OPT_LONG = (_optional_text_shape, _optional(_long))
_OPT_CODE = (_optional_text_shape, _optional(_code))
_LIST = (_list_shape, _items)
_IDS = (_list_shape, _id_items)
_DATE = (_date_shape, _no_check)
_OPT_DATE = (_optional_date_shape, _no_check)
_BOOL = (_bool_shape, _no_check)
_STAMP = (_text_shape, _timestamp)

RULES: dict[str, dict[str, tuple[_Check, _Check]]] = {
    "cases": {
        "id": _ID, "title": _LINE, "summary": _OPT_LONG, "jurisdiction": _OPT_CODE,
        "status": (_word(STATUSES, "status"), _no_check), "charges": _LIST, "tags": _LIST,
        "sources": _LIST, "created": _STAMP, "updated": _STAMP,
    },
    "persons": {
        "id": _ID, "name": _LINE, "aliases": _LIST, "born": _OPT_DATE, "died": _OPT_DATE,
        "nationality": _OPT_LINE, "organizations": _LIST, "notes": _OPT_LONG, "sources": _LIST,
        "confidential": _BOOL, "roles": (_roles_shape, _roles),
    },
    "events": {
        "id": _ID, "case": _ID, "type": (_word(EVENT_TYPES, "event type"), _no_check),
        "date": _DATE, "end": _OPT_DATE, "persons": _IDS, "place": _OPT_LINE,
        "country": _OPT_CODE, "description": _OPT_LONG, "sources": _LIST,
        "outcome": (_word(OUTCOMES, "outcome", optional=True), _no_check), "term": _OPT_LINE,
        "note": _OPT_LONG, "confidential": _BOOL,
    },
}  # fmt: skip
assert all(tuple(RULES[kind]) == FIELDS[kind] for kind in KINDS)
# The fields whose values are lists of text (several in one CSV cell, `|`-separated).
LIST_FIELDS = frozenset(
    field for rules in RULES.values() for field, rule in rules.items() if rule in (_LIST, _IDS)
)


# One record -------------------------------------------------------------------


def shape_faults(kind: str, raw: Any) -> list[Fault]:
    """What keeps a stored record from being read at all: keys, types, dates, words."""
    if type(raw) is not dict:
        return [Fault("(record)", f"must be an object, not {_type_name(raw)}")]
    found: list[Fault] = []
    keys = raw.keys()
    fields = KEYS[kind]
    if keys != fields:
        for name in sorted(keys - fields):
            found.append(Fault(str(name), f"unknown field{_hint(str(name), fields)}"))
        for name in sorted(fields - keys):
            found.append(Fault(name, "is missing"))
    for name, (shape, _content) in RULES[kind].items():
        if name in raw:
            problem = shape(raw[name])
            if problem:
                found.append(Fault(name, problem))
    return found


def shape_report(kind: str, records: Iterable[tuple[str, Any]]) -> list[str]:
    """Each shape fault of `records` ((key, record) pairs) as 'event ID: field: message';
    one columnar pass first, the records looked at one by one only if it finds one."""
    items = list(records)
    if not items or check_many(kind, [raw for _key, raw in items]):
        return []
    return [
        f"{kind[:-1]} {key}: {fault}" for key, raw in items for fault in shape_faults(kind, raw)
    ]


def content_faults(kind: str, raw: Mapping[str, Any]) -> list[Fault]:
    """The field rules beyond shape, for a record whose shape is sound."""
    found = [
        Fault(name, problem)
        for name, (_shape, content) in RULES[kind].items()
        if (problem := content(raw[name]))
    ]
    if kind == "persons":
        found.extend(_order(raw["born"], raw["died"], "died", "born"))
        name = raw["name"]
        if name in raw["aliases"]:
            found.append(Fault("aliases", f"repeats the name {name!r}"))
    elif kind == "events":
        found.extend(_order(raw["date"], raw["end"], "end", "the date"))
    return found


def faults(kind: str, raw: Any) -> list[Fault]:
    """Every fault of one stored record on its own (references aside)."""
    return shape_faults(kind, raw) or content_faults(kind, raw)


def reference_faults(
    kind: str, raw: Mapping[str, Any], cases: Container[str], persons: Container[str]
) -> list[Fault]:
    """What the record points at that the dossier does not hold."""
    found = []
    if kind == "events":
        if raw["case"] not in cases:
            found.append(Fault("case", f"no case {raw['case']!r}"))
        found.extend(
            Fault("persons", f"no person {p!r}") for p in raw["persons"] if p not in persons
        )
    elif kind == "persons":
        found.extend(
            Fault("roles", f"no case {r['case']!r}") for r in raw["roles"] if r["case"] not in cases
        )
    return found


def check(
    kind: str,
    raw: Any,
    cases: Container[str] | None = None,
    persons: Container[str] | None = None,
) -> None:
    """Raise InvalidValue for the first fault of a record about to be stored; with
    `cases` and `persons`, its references are checked too."""
    found = faults(kind, raw)
    if not found and cases is not None and persons is not None:
        found = reference_faults(kind, raw, cases, persons)
    if found:
        raise InvalidValue(str(found[0]), found[0].field)


def _order(start: str | None, end: str | None, later: str, earlier: str) -> list[Fault]:
    if start is None or end is None:
        return []
    if stored(end).last_day < stored(start).first_day:
        return [Fault(later, f"{later} ({end}) is before {earlier} ({start})")]
    return []


def blank(kind: str) -> dict[str, Any]:
    """A record of a kind with nothing given: every field, in the stored order, empty
    (null, an empty list of its own, false; a case's status open). Not valid as it is:
    its caller fills the required fields."""
    record: dict[str, Any] = {}
    for name, (shape, _content) in RULES[kind].items():
        empty = shape in (_list_shape, _roles_shape)
        record[name] = [] if empty else False if shape is _bool_shape else None
    if kind == "cases":
        record["status"] = "open"
    return record


def check_field(kind: str, field: str, value: Any) -> None:
    """Raise InvalidValue if one field's value breaks the contract on its own (a word
    outside its vocabulary, say): for a caller that checks a field before the record
    it belongs to is whole, so that the first problem reported is that one."""
    shape, content = RULES[kind][field]
    problem = shape(value) or content(value)
    if problem:
        raise InvalidValue(problem, field)


def check_shape(kind: str, field: str, value: Any) -> None:
    """Raise InvalidValue if one field's value is not of its stored type (text where a
    list belongs, say), before anything tidies it: a record built in Python."""
    shape, _content = RULES[kind][field]
    problem = shape(value)
    if problem:
        raise InvalidValue(f"{field}: {problem}", field)


def check_order(start: str | None, end: str | None, later: str, earlier: str) -> None:
    """Raise InvalidValue if `later` (died, end) is before `earlier` (born, the date)."""
    found = _order(start, end, later, earlier)
    if found:
        raise InvalidValue(found[0].message, found[0].field)


# Dates after today --------------------------------------------------------------
#
# Checked when an event is written (added, or its date, end or type changed), never
# when a dossier is loaded: a hearing recorded as scheduled stays sound once its day
# has passed, and a dossier read next year must not turn invalid.


@dataclass(frozen=True, slots=True)
class FutureDate:
    """An event dated (or ending) after today: refused, or written with a warning."""

    field: str  # "date" or "end"
    message: str
    refused: bool  # True: an error unless --allow-future; False: a warning

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def future_date(
    raw: Mapping[str, Any],
    today: datetime.date,
    *,
    allow_future: bool = False,
    old: Mapping[str, Any] | None = None,
) -> FutureDate | None:
    """Whether a sound stored event about to be written is dated after `today`.

    "After today" means the date's earliest possible day is after it (`2026` is not
    in the future during 2026). The date is looked at, then the end. A type that
    may be scheduled (vocab.SCHEDULABLE: a hearing next month) gets a warning; any
    other (an arrest, a death) must already have happened: refused, or with
    `allow_future` written with a warning. An event whose date, end and type are as
    `old` (the stored event it replaces) has them is not looked at again: they were
    checked when they were written.
    """
    if old is not None and all(old[k] == raw[k] for k in ("date", "end", "type")):
        return None
    kind = raw["type"]
    for name, value, word in (("date", raw["date"], "on"), ("end", raw["end"], "ending")):
        if value is None or not begins_after(value, today):
            continue
        after = f"is after today ({today.isoformat()})"
        if kind in SCHEDULABLE:
            return FutureDate(name, f"{kind} {word} {value} {after}: recorded as scheduled", False)
        if allow_future:
            return FutureDate(
                name, f"{kind} {word} {value} {after}: recorded anyway (--allow-future)", False
            )
        return FutureDate(
            name,
            f"{value} {after}: {kind} events must already have happened; correct the {name},"
            " or pass --allow-future to record it anyway",
            True,
        )
    return None


def future_life_date(
    field: str, value: str | None, today: datetime.date, old: Mapping[str, Any] | None = None
) -> str | None:
    """A person's `born` or `died` whose earliest possible day is after `today`: never
    right, whatever the record (a rule of writing, as future_date is). A value as `old`
    (the stored person) has it is not looked at again, as future_date does: a person
    written before this rule can still be edited, and a dossier's export imported back."""
    if value is None or not begins_after(value, today):
        return None
    if old is not None and old.get(field) == value:
        return None
    what = "birth" if field == "born" else "death"
    return f"{value} is after today ({today.isoformat()}): a {what} must already have happened"


def future_candidates(
    dates: Sequence[str], ends: Sequence[str | None], today: datetime.date
) -> list[int]:
    """The positions of the sound events (given as their `date` and `end` columns) that
    `future_date` may find dated after today.

    A pre-filter for an import of 100,000 events: one comparison of text a date, in
    C unless some date is after today's ISO form. A stored date whose earliest day
    is after today sorts after that form (its year is later, or the same year and a
    later month, or the same month and a later day; a qualifier only adds
    characters), so no such event is left out; a few that are not after today
    (`2026~` on 2026-12-04) are let in, and `future_date` decides.
    """
    iso = today.isoformat()
    found: set[int] = set()
    for values in (dates, ends):
        if max(filter(None, values), default="") > iso:
            found.update(i for i, value in enumerate(values) if value is not None and value > iso)
    return sorted(found)


def _hint(name: str, fields: Iterable[str]) -> str:
    return did_you_mean(name, sorted(fields))


# Many records -----------------------------------------------------------------


def check_many(kind: str, records: Sequence[Any]) -> bool:
    """Whether every record is sound on its own (`faults` finds nothing in any).

    A columnar pre-filter for imports and loads of 100,000 records: each field is
    checked for all records at once, mostly in C, on the distinct values where
    they repeat. It never says True where `faults` would find something; on
    False, `faults` is run record by record to find and word what is wrong.
    """
    if not records:
        return True
    fields = FIELDS[kind]
    # Every record a dict of exactly these keys: as many keys, and each one there.
    if set(map(type, records)) != {dict} or set(map(len, records)) != {len(fields)}:
        return False
    try:
        # One pass over the records (each dict read once), then columns by transposing.
        columns = zip(*map(itemgetter(*fields), records), strict=True)
    except (KeyError, TypeError):
        return False
    return check_columns(kind, dict(zip(fields, columns, strict=True)))


def check_columns(kind: str, columns: Mapping[str, Sequence[Any]]) -> bool:
    """`check_many` for records given as columns: every field of the kind, one value
    per record. For an importer that makes its records out of columns, so that they
    need not be taken apart again (the records are exactly `dict(zip(FIELDS, row))`)."""
    checks = _COLUMN[kind]
    for name in FIELDS[kind]:
        if not checks[name](tuple(columns[name])):
            return False
    if kind == "persons":
        return _persons_ok(columns)
    if kind == "events":
        pairs = zip(columns["date"], columns["end"], strict=True)
        return all(_ordered(date, end) for date, end in pairs if end is not None)
    return True


def _ordered(start: str, end: str) -> bool:
    return not stored(end).last_day < stored(start).first_day


def _persons_ok(columns: Mapping[str, Sequence[Any]]) -> bool:
    lives = zip(columns["born"], columns["died"], strict=True)
    if not all(
        _ordered(born, died) for born, died in lives if born is not None and died is not None
    ):
        return False
    names = zip(columns["name"], columns["aliases"], strict=True)
    return not any(name in aliases for name, aliases in names)


# The checks of one column take a tuple of its values. Text columns are checked on
# their distinct values: no text equals a value of another type, so a set of them
# keeps every value that matters (not so for true/false, where True == 1).
Column = tuple[Any, ...]


def _distinct_texts(values: Iterable[Any], optional: bool = False) -> list[str] | None:
    """The distinct values, if all are text (or None, when `optional`, left out)."""
    try:
        distinct = set(values)
    except TypeError:  # a list or an object among them
        return None
    if optional:
        distinct.discard(None)
    if {type(v) for v in distinct} - {str}:
        return None
    return list(distinct)


def _all_texts(values: Column, optional: bool = False) -> list[str] | None:
    """The values, if all are text (or None, when `optional`, left out): for columns
    whose values seldom repeat (ids, descriptions), where a set would cost more."""
    kinds = set(map(type, values))
    if optional and type(None) in kinds:
        kinds.discard(type(None))
        values = tuple(v for v in values if v is not None)
    return None if kinds - {str} else list(values)


def _clean(texts: list[str], bad: re.Pattern[str], one_line: bool) -> bool:
    """Non-empty, no spaces at the ends, no character `bad` finds (and one line each)."""
    if not texts:
        return True
    if not all(texts) or list(map(str.strip, texts)) != texts:
        return False
    joined = "\n".join(texts)
    if one_line and joined.count("\n") != len(texts) - 1:
        return False
    if joined.isascii():  # most text: the C0 controls and DEL are all `bad` can find
        allowed = _ASCII_LONG if bad is _BAD_LONG else _ASCII_LINE
        return not joined.encode("ascii").translate(None, allowed)
    return not bad.search(joined)


# Printable ASCII, and the line breaks (and, in long text, tabs) that may stand in it:
# what is left of ASCII text when they are deleted is a control character.
_ASCII_LINE = bytes(range(0x20, 0x7F)) + b"\n"
_ASCII_LONG = _ASCII_LINE + b"\t"


def _line_column(optional: bool, repeats: bool = True) -> Callable[[Column], bool]:
    def check(values: Column) -> bool:
        texts = _distinct_texts(values, optional) if repeats else _all_texts(values, optional)
        return texts is not None and _clean(texts, _BAD_LINE_BREAKLESS, True)

    return check


def _long_column(values: Column) -> bool:
    texts = _all_texts(values, optional=True)
    return texts is not None and _clean(texts, _BAD_LONG, False)


def _code_column(values: Column) -> bool:
    texts = _distinct_texts(values, optional=True)
    return (
        texts is not None
        and _clean(texts, _BAD_LINE_BREAKLESS, True)
        and all(v == v.upper() for v in texts)
    )


# In ids joined by line breaks: a character no id has, or an id that starts with a
# hyphen.
_NOT_SLUGS = re.compile(r"[^a-z0-9\n-]|(?:^|\n)-")


def _slugs(ids: list[str]) -> bool:
    """Every text an id: with line breaks between them, only id characters, none empty,
    none starting with a hyphen."""
    if not ids:
        return True
    joined = "\n".join(ids)
    return all(ids) and joined.count("\n") == len(ids) - 1 and _NOT_SLUGS.search(joined) is None


def _id_column(values: Column) -> bool:
    texts = _all_texts(values)
    return texts is not None and _slugs(texts)


def _ref_column(values: Column) -> bool:
    texts = _distinct_texts(values)  # an event's case: a few cases, many events
    return texts is not None and _slugs(texts)


def _column_items(values: Column, repeats: bool = True) -> tuple[list[str], bool] | None:
    """The items of a column of lists of texts (distinct ones, where items repeat
    across records), and whether no list repeats an item; None when a value is not a
    list of texts."""
    if set(map(type, values)) - {list}:
        return None
    items = list(chain.from_iterable(values))
    texts = (_distinct_texts(items) if repeats else _all_texts(tuple(items))) if items else []
    if texts is None:
        return None
    several = [v for v in values if len(v) > 1]
    return texts, all(len(set(v)) == len(v) for v in several)


def _list_column(values: Column, repeats: bool = True) -> bool:
    found = _column_items(values, repeats)
    if found is None:
        return False
    texts, once = found
    return once and _clean(texts, _BAD_LINE_BREAKLESS, True) and SEPARATOR not in "".join(texts)


def _sources_column(values: Column) -> bool:
    return _list_column(values, repeats=False)  # a citation seldom serves two events


def _id_list_column(values: Column) -> bool:
    found = _column_items(values)
    return found is not None and found[1] and _slugs(found[0])


# Stored dates joined by line breaks, in the forms `stored` reads (whether a day is
# in its month is checked apart).
_DATES = re.compile(
    r"(?:(?!0000)[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?[~?]?\n)*"
)


_PLAIN_DATE = re.compile(r"(?!0000)[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?")


def stored_form(text: str) -> bool:
    """Whether a typed date is already a stored date without qualifier (2011-02-09,
    2011-02, 2011): then it is its own EDTF, with nothing to convert."""
    if not _PLAIN_DATE.fullmatch(text):
        return False
    if len(text) == 10:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:  # 2009-02-30
            return False
    return True


def _date_column(optional: bool) -> Callable[[Column], bool]:
    def check(values: Column) -> bool:
        texts = _distinct_texts(values, optional)
        if texts is None:
            return False
        if not texts:
            return True
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1:  # a date holding a line break
            return False
        if _DATES.fullmatch(joined + "\n") is None:
            return False
        try:  # the day exists in its month (2009-02-30 does not)
            for text in texts:
                if len(text) >= 10:
                    datetime.date.fromisoformat(text[:10])
        except ValueError:
            return False
        return True

    return check


def _word_column(vocab: Collection[str], optional: bool = False) -> Callable[[Column], bool]:
    words = set(vocab)

    def check(values: Column) -> bool:
        texts = _distinct_texts(values, optional)
        return texts is not None and words.issuperset(texts)

    return check


def _bool_column(values: Column) -> bool:
    return not (set(map(type, values)) - {bool})


def _stamp_column(values: Column) -> bool:
    texts = _distinct_texts(values)
    return texts is not None and all(map(TIMESTAMP.match, texts))


def _role_column(values: Column) -> bool:
    return all(_roles_shape(v) is None and _roles(v) is None for v in values)


_COLUMN: dict[str, dict[str, Callable[[Column], bool]]] = {
    "cases": {
        "id": _id_column, "title": _line_column(False, repeats=False), "summary": _long_column,
        "jurisdiction": _code_column, "status": _word_column(STATUSES),
        "charges": _list_column, "tags": _list_column, "sources": _list_column,
        "created": _stamp_column, "updated": _stamp_column,
    },
    "persons": {
        "id": _id_column, "name": _line_column(False, repeats=False), "aliases": _list_column,
        "born": _date_column(True), "died": _date_column(True),
        "nationality": _line_column(True), "organizations": _list_column,
        "notes": _long_column, "sources": _list_column, "confidential": _bool_column,
        "roles": _role_column,
    },
    "events": {
        "id": _id_column, "case": _ref_column, "type": _word_column(EVENT_TYPES),
        "date": _date_column(False), "end": _date_column(True), "persons": _id_list_column,
        "place": _line_column(True), "country": _code_column, "description": _long_column,
        "sources": _sources_column, "outcome": _word_column(OUTCOMES, optional=True),
        "term": _line_column(True), "note": _long_column, "confidential": _bool_column,
    },
}  # fmt: skip


# Tidying input ----------------------------------------------------------------
#
# What every input path (command-line options, CSV cells, JSON values) does to a
# value before the checks above: the same tidying everywhere, so that the same
# text typed, imported from CSV or from JSON is stored the same way.


def visible(text: str) -> bool:
    """Whether `text` has a character a reader sees: not a space, a control, an
    invisible format character (a soft hyphen, a zero-width space, a direction mark)
    or a code point Unicode has not assigned (no font draws it; FtM drops some).
    A rule of writing for what must be read (a name, a title): the contract still
    allows a stored value without one, so that no file stops opening."""
    import unicodedata

    return any(not c.isspace() and unicodedata.category(c) not in _UNSEEN for c in text)


# Controls, format characters, surrogates, unassigned code points.
_UNSEEN = frozenset({"Cc", "Cf", "Cs", "Cn"})


def in_field_order(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A record with its fields in the stored order (FIELDS), any others after them."""
    fields = FIELDS[kind]
    return {k: raw[k] for k in fields if k in raw} | {
        k: v for k, v in raw.items() if k not in fields
    }


def tidy_line(value: str | None) -> str | None:
    """A one-line value: stripped; None when empty."""
    return (value.strip() or None) if value is not None else None


def tidy_long(value: str | None) -> str | None:
    """Long text: Windows and old Mac line ends made newlines, stripped; None when empty."""
    if value is None:
        return None
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip() or None


def tidy_code(value: str | None) -> str | None:
    """A country or jurisdiction code: stripped, in capitals; None when empty."""
    value = tidy_line(value)
    return value.upper() if value else None


def tidy_list(values: Iterable[str]) -> list[str]:
    """Several values: each stripped, empty ones dropped, without repeats, in order."""
    return list(dict.fromkeys(v for v in (v.strip() for v in values) if v))


def references_ok(
    kind: str, records: Sequence[Any], cases: Container[str], persons: Container[str]
) -> bool:
    """Whether every record (of a sound shape) points only at ids the dossier holds:
    `reference_faults` for many records at once."""
    if kind == "events":
        named = {p for r in records for p in r["persons"]}
        return all(c in cases for c in {r["case"] for r in records}) and all(
            p in persons for p in named
        )
    if kind == "persons":
        return all(role["case"] in cases for r in records for role in r["roles"])
    return True
