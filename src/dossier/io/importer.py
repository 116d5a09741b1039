"""Batch import: validate every row of every file, then change the dossier once.

All or nothing: rows become records in a first pass that collects every
problem (FILE:LINE: FIELD: message); then every record the import would
write, in its final stored form, passes the record contract (`contract.py`,
the same door `ops` uses); only when nothing was found are the records put
into the dossier, which the caller commits once.

Matching, so that re-importing a file changes nothing (docs/import.md):
- a record with an id updates the record with that id;
- a person without an id updates the one person whose name or alias it names
  (folded, or as written in Cyrillic: `search.name_keys`), else is added with
  an id made from the name;
- an event without an id is the same as a stored event only when every field
  the row gives is equal (it is then unchanged), matched as a multiset: two
  equal rows are two events, and a re-import matches them one to one. Any other
  id-less row is a new event (with a warning when it shares case, type, date
  and persons with a stored one): only a row with an id changes an event.
Only the columns a file has change a stored record; roles are added to a
person's roles, never removed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import compress, repeat, zip_longest
from operator import itemgetter
from typing import Any, NamedTuple, cast

import orjson

from dossier import contract, dates
from dossier.contract import SLUG, stored_form, tidy_long
from dossier.errors import InvalidDate, did_you_mean, one_line
from dossier.io.read import Parsed, Problem, Row, detect_format, may_be_escaped, read
from dossier.io.values import (
    FALSE,
    TRUE,
    BadRow,
    RowError,
    Values,
    blank_fields,
    column_labels,
    edtf,
    split,
    unknown,
)
from dossier.model import now_iso
from dossier.ops import free_person_id, likeness
from dossier.search import (
    Lookalikes,
    name_keys,
    named_no_one,
    placeholder,
    several_persons,
    text_keys,
    text_names,
)
from dossier.store.records import Records, paused_gc
from dossier.vocab import EVENT_TYPES, OUTCOMES, ROLES, STATUSES

# Sets: a vocabulary is looked up once per row of a large import.
_STATUSES = frozenset(STATUSES)
_OUTCOMES = frozenset(OUTCOMES)
_ROLES = frozenset(ROLES)


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a name to show in messages, its bytes, and its format (or 'auto')."""

    name: str
    data: bytes
    format: str = "auto"


@dataclass(slots=True)
class Summary:
    """What an import did, or would do (--dry-run), or why it did nothing."""

    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    created_missing: dict[str, list[str]] = field(
        default_factory=lambda: {"cases": [], "persons": []}
    )
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (import --json)."""
        kinds = ("cases", "persons", "events")
        return {
            "added": {k: self.added[k] for k in kinds},
            "updated": {k: self.updated[k] for k in kinds},
            "unchanged": {k: self.unchanged[k] for k in kinds},
            "created_missing": self.created_missing,
            "warnings": [
                {"file": w.file, "line": w.line, "message": w.message} for w in self.warnings
            ],
            "errors": [e.to_dict() for e in self.errors],
        }


def import_sources(
    d: Records,
    sources: Sequence[Source],
    *,
    create_missing: bool = False,
    dayfirst: bool | None = None,
    encoding: str = "utf-8",
    progress: Callable[[int, int], None] | None = None,
    allow_future: bool = False,
    parsed: Sequence[Parsed] | None = None,
) -> Summary:
    """Read, validate and (if every row is sound) apply all sources to `d`.

    `d` is changed only when the summary has no errors; the caller commits
    it (or, for a dry run, does not). An event it writes dated after today is an
    error for a type that must already have happened, unless `allow_future`, and a
    warning otherwise (`contract.future_date`). `parsed`: the sources as
    `read_sources` read them already (to find an import's scope first, say).
    """
    with paused_gc():
        if parsed is None:
            parsed = read_sources(sources, encoding)
        return _import(d, sources, parsed, create_missing, dayfirst, progress, allow_future)


def read_sources(sources: Sequence[Source], encoding: str = "utf-8") -> list[Parsed]:
    """Each source's rows and the problems of reading it (a file that is not CSV, JSON
    or JSON Lines as it claims, say); nothing is checked against a dossier yet."""
    parsed: list[Parsed] = []
    for source in sources:
        fmt = source.format if source.format != "auto" else detect_format(source.name, source.data)
        parsed.append(read(source.name, source.data, fmt, encoding))
    return parsed


def _import(
    d: Records,
    sources: Sequence[Source],
    parsed: Sequence[Parsed],
    create_missing: bool,
    dayfirst: bool | None,
    progress: Callable[[int, int], None] | None,
    allow_future: bool,
) -> Summary:
    summary = Summary()
    for one in parsed:
        summary.errors.extend(one.problems)
    if any(one.unreadable for one in parsed):
        # Checking rows against a file that could not be read would only bury its
        # problem under "no such case" for every row that refers to it.
        return summary
    rows = [row for one in parsed for row in one.rows]
    plan = _Planner(d, create_missing, dayfirst, summary, allow_future)
    plan.build(rows, progress)
    if summary.errors:
        plan.check_only()
    else:
        plan.apply()
    order = {source.name: n for n, source in enumerate(sources)}
    summary.errors.sort(key=lambda p: (order.get(p.file, 0), p.line))
    return summary


class _Planner:
    """Turns rows into records against the dossier, then applies them."""

    def __init__(
        self,
        d: Records,
        create_missing: bool,
        dayfirst: bool | None,
        summary: Summary,
        allow_future: bool = False,
    ) -> None:
        self.d = d
        self.create_missing = create_missing
        self.dayfirst = dayfirst
        self.summary = summary
        self.allow_future = allow_future
        self.cases: dict[str, dict[str, Any]] = {}
        # (kind, id or name) of the case and person rows that failed: see _said_refused.
        self.refused: dict[tuple[str, str], Row] = {}
        self.persons: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[Row, dict[str, Any]]] = []
        self.seen: dict[tuple[str, str], Row] = {}
        self.named_rows: dict[str, tuple[Row, str]] = {}  # id-less persons, by name key
        self.today = dates.today()  # a birth or death after it is refused
        # The row each case and person comes from (or was created for, by
        # --create-missing), to locate what the record contract finds.
        self.origin: dict[tuple[str, str], Row] = {}
        self.row: Row | None = None
        # The columns the fast path made every event of a fresh import from, file by
        # file (`whole` while no event came another way), for the contract's check.
        self.built: list[dict[str, Sequence[Any]]] = []
        self.whole = True
        self._names: dict[str, set[str]] | None = None  # name key -> person ids, when needed
        self._lookalikes: Lookalikes | None = None  # the stored persons', when needed
        self.stamped: set[str] = set()  # cases whose rows give `updated` (an export's do)
        self.tables = d.tables()
        self.stored_cases = d.cases.raw
        self.refs: dict[str, str] = {}  # person references already resolved, for the fast path
        # Into a dossier without events every event is new: its record is made whole
        # (every field, in the stored order) from the start, not merged with the
        # defaults afterwards; one dict per row instead of two on a bulk import.
        self.fresh = not d.events.raw
        self.unsourced: list[Row] = []  # event rows whose events will have no source

    # Building ------------------------------------------------------------------

    def build(self, rows: list[Row], progress: Callable[[int, int], None] | None) -> None:
        """Check every row and turn it into a record; problems go to the summary."""
        done = 0
        # Cases, then persons, then events: a row may refer to any record of the import.
        by_kind: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_kind[row.kind].append(row)
        for kind, convert in (("case", self._case), ("person", self._person)):
            for row in by_kind[kind]:
                self._convert(row, convert)
                done += 1
                if progress is not None and done % 5000 == 0:
                    progress(done, len(rows))
        # A CSV file's event rows go through the fast path together, a column at a time;
        # the rows it declines get the full check, in their place (ids follow the order).
        for group, records in self._events_fast(by_kind["event"]):
            if None not in records:  # the whole file, as it usually is
                whole = cast(list[dict[str, Any]], records)
                self.events.extend(zip(group, whole, strict=True))
            else:
                for row, record in zip(group, records, strict=True):
                    if record is None:
                        self._convert(row, self._event)
                    else:
                        self._add_event(row, record)
            done += len(group)
            if progress is not None:
                progress(done, len(rows))

    def _once(self, row: Row, kind: str, key: str, field: str = "id", hint: str = "") -> None:
        """Refuse a second row for the same record: the import would be ambiguous."""
        first = self.seen.get((kind, key))
        if first is not None:
            raise RowError(field, f"{kind} {key!r} appears twice in the import (first at"
                                   f" {first.file}:{first.line}){hint}")  # fmt: skip
        self.seen[(kind, key)] = row

    def _name_once(self, row: Row, name: str) -> None:
        """Refuse a second id-less person row whose name names the person of one before
        (`Ivan Ivanov`, `ИВАН ИВАНОВ`): as names go, the same person, or two."""
        first = next((self.named_rows[k] for k in text_keys(name) if k in self.named_rows), None)
        if first is not None:
            earlier, spelled = first
            shown = "" if spelled == name else f", as {spelled!r}"
            raise RowError("name", f"person {name!r} appears twice in the import (first at"
                                   f" {earlier.file}:{earlier.line}{shown}); give each row an"
                                   " id")  # fmt: skip
        for key in name_keys((name,)):
            self.named_rows.setdefault(key, (row, name))

    def _case(self, row: Row) -> None:
        v = Values(row, self.dayfirst)
        case_id = v.slug("id", required=True) or ""
        if case_id:
            v.guard(self._once, row, "case", case_id)
        old = self.d.cases.raw.get(case_id)
        record = dict(old) if old else {**contract.blank("cases"), "id": case_id}
        if old is None or v.given("title"):
            record["title"] = v.text("title", required=True)
        for name in ("summary", "jurisdiction"):
            if v.given(name):
                record[name] = v.text(name)
        if record["jurisdiction"]:
            record["jurisdiction"] = record["jurisdiction"].upper()
        if v.given("status"):
            record["status"] = v.word("status", _STATUSES) or "open"
        for name in ("charges", "tags", "sources"):
            if v.given(name):
                record[name] = v.list(name)
        for stamp in ("created", "updated"):
            given = v.text(stamp) if v.has(stamp) else None
            if given:
                record[stamp] = given
                if stamp == "updated":
                    self.stamped.add(case_id)
        v.finish()
        self.cases[case_id] = record
        self.origin[("cases", case_id)] = row

    @property
    def names(self) -> dict[str, set[str]]:
        """Name key (`search.name_keys`) -> ids of the persons it names, stored and
        imported, each known by their stored and imported names and aliases; made on
        first use: an import that names persons by id never needs it."""
        if self._names is None:
            known: dict[str, list[str]] = defaultdict(list)
            for pid, raw in (*self.d.persons.raw.items(), *self.persons.items()):
                known[pid].extend((raw["name"], *raw.get("aliases", ())))
            names: dict[str, set[str]] = defaultdict(set)
            for pid, person_names in known.items():
                for key in name_keys(person_names):
                    names[key].add(pid)
            self._names = names
        return self._names

    def _named(self, text: str) -> set[str]:
        """The ids of the persons (stored and imported) `text` names as a name or alias."""
        if placeholder(text):  # "—", "***": no name to look a person up by
            return set()
        names = self.names
        found = [names[key] for key in text_keys(text) if key in names]
        return found[0] if len(found) == 1 else set().union(*found)

    def _index(self, person_id: str, stored: dict[str, Any] | None, record: dict[str, Any]) -> None:
        """Index an imported person by their names, as `names` would have: stored and
        imported ones together (a Cyrillic name imported for a person known only in
        Latin letters ends their being named in Cyrillic by folding)."""
        if self._names is None:
            return  # made from self.persons when first needed
        before = (stored["name"], *stored.get("aliases", ())) if stored else ()
        after = (record["name"], *record["aliases"])
        if after == before:
            return  # indexed by these already (a re-import's usual row)
        keys = name_keys((*before, *after))
        for key in name_keys(before) - keys if before else ():
            self._names[key].discard(person_id)
        for key in keys:
            self._names[key].add(person_id)

    def _has_case(self, case_id: str) -> bool:
        return case_id in self.d.cases.raw or case_id in self.cases

    def _need_case(self, case_id: str, field: str) -> str:
        if self._has_case(case_id):
            return case_id
        if not SLUG.match(case_id):
            raise RowError(field, f"{case_id!r} is not a valid case id")
        if self.create_missing:
            self.cases[case_id] = {**contract.blank("cases"), "id": case_id, "title": case_id}
            self.summary.created_missing["cases"].append(case_id)
            if self.row is not None:
                self.origin[("cases", case_id)] = self.row
            return case_id
        self._said_refused("case", case_id, field)
        known = [*self.d.cases.raw, *self.cases]
        raise RowError(
            field, f"no case {case_id!r}{did_you_mean(case_id, known)}; add it first, or pass"
            " --create-missing",
        )  # fmt: skip

    def _said_refused(self, kind: str, key: str, field: str) -> None:
        """Refuse a reference to a record whose own row of this import has errors, by
        that row: "no case 'x'" would send the user to add what the file has."""
        row = self.refused.get((kind, key))
        if row is not None:
            raise RowError(
                field, f"{kind} {key!r} is on a row of this import that has errors"
                f" ({row.file}:{row.line}); fix that row",
            )  # fmt: skip

    def _person(self, row: Row) -> None:
        v = Values(row, self.dayfirst)
        given = v.slug("id")
        # A stored person updated by id keeps their name where the cell says nothing, as a
        # case keeps its title.
        by_id = self.d.persons.raw.get(given) if given and not v.given("name") else None
        name = by_id["name"] if by_id else v.text("name", required=True) or ""
        matched = None
        if name and given is None:
            if placeholder(name):  # else each run of the file would add one more "***"
                v.errors.append(RowError(v.label("name"), named_no_one(name)))
            # The same name twice could be two people (two Ivan Ivanovs), or one
            # person twice; only ids can tell, so ask for them.
            v.guard(self._name_once, row, name)
            matched = v.guard(self._match_name, name)
        person_id = given or matched or (self._free_id(name) if name else "")
        if person_id and not v.errors:
            v.guard(self._once, row, "person", person_id)
        old = self.d.persons.raw.get(person_id)
        record = dict(old) if old else {**contract.blank("persons"), "id": person_id}
        if not matched:
            record["name"] = name  # a row without an id never renames a person it matched
        for name_field in ("aliases", "organizations", "sources"):
            if v.given(name_field):
                record[name_field] = v.list(name_field)
        if "name" in record:  # as `ops` does: a name is not its own alias
            record["aliases"] = [a for a in record["aliases"] if a != record["name"]]
        if matched and old is not None:
            # Matched by name or alias: never lose what it was matched by.
            kept = [*old["aliases"], *record["aliases"]]
            if not text_names(name, (old["name"], *kept)):
                kept.append(name)
            record["aliases"] = list(dict.fromkeys(kept))
        for date_field in ("born", "died"):
            if v.given(date_field):
                record[date_field] = v.date(date_field)
                if old is not None:
                    self._warn_vaguer(row, v.label(date_field), old[date_field],
                                      record[date_field])  # fmt: skip
                future = contract.future_life_date(date_field, record[date_field], self.today, old)
                if future:
                    v.errors.append(RowError(v.label(date_field), future))
        for text_field in ("nationality", "notes"):
            if v.given(text_field):
                record[text_field] = v.text(text_field)
        if v.given("confidential"):
            record["confidential"] = v.bool("confidential")
        roles = [dict(r) for r in record["roles"]]
        for role in v.guard(self._roles, v) or ():
            if role not in roles:
                roles.append(role)
        record["roles"] = roles
        v.finish()
        if old is None:  # an id the dossier lacks may be a mistyped one: said too
            self._warn_lookalikes(row, name, given=given)
        if matched and old is not None:
            self._warn_replaced(row, v, old, record)
        self.persons[person_id] = record
        self.origin[("persons", person_id)] = row
        self._index(person_id, old, record)

    def _warn_vaguer(self, row: Row, label: str, old: str | None, new: str | None) -> None:
        """A date replaced by a less precise one that contains it ("1956" for 29 November
        1956) loses what a source gave: allowed, since the file's columns change the
        record, but said (`person merge` refuses it)."""
        if _vaguer(old, new):
            self.summary.warnings.append(
                Problem(
                    row.file, row.line, label,
                    f"{new!r} replaces {old!r}, which says more; leave the cell empty to keep"
                    " the stored date",
                )
            )  # fmt: skip

    def _warn_replaced(
        self, row: Row, v: Values, old: dict[str, Any], record: dict[str, Any]
    ) -> None:
        """An id-less persons row updates the stored person its name names; where it
        replaces what the dossier says of them with something else (a birth date, a
        protection), it may be another person of that name (two Ivan Ivanovs): done,
        as the file says, but said, in one warning a row."""
        replaced = []
        for name in _REPLACED:
            was, now = old[name], record[name]
            if not was or not v.given(name):
                continue
            lost = [i for i in was if i not in now] if isinstance(was, list) else was != now
            if lost and not (name in ("born", "died") and _vaguer(was, now)):  # said already
                replaced.append(f"{v.label(name)} {_shown(was)} by {_shown(now)}")
        if replaced:
            keep = "an empty cell" if row.tabular else "a key left out"
            self.summary.warnings.append(
                Problem(
                    row.file, row.line, v.label("name"),
                    f"{v.text('name')!r} updates {old['id']} ({old['name']}), whose name it"
                    f" gives without an id, replacing {', '.join(replaced)}; if the row is"
                    f" another person, give it an id ({keep} keeps the stored value)",
                )
            )  # fmt: skip

    def _warn_lookalikes(
        self, row: Row, name: str, field: str = "name", given: str | None = None
    ) -> None:
        """A new person whose name is close to a stored one is probably a duplicate:
        from a persons row (with an id the dossier lacks, `given`, perhaps mistyped),
        or made by --create-missing from a name in `field`."""
        if not self.d.persons.raw:
            return
        if self._lookalikes is None:  # the stored persons' names, folded once an import
            self._lookalikes = Lookalikes(self.d.persons)
        added = f"{name!r} is added as a new person" + (f" ({given})" if given else "")
        for found in self._lookalikes.of(name)[:3]:
            them = found.person.id
            fix = f"put {them} in the id column" if given else "give the id"
            self.summary.warnings.append(
                Problem(
                    row.file,
                    row.line,
                    _label(row, field),
                    f"{added} but looks like {them} ({found.person.name}); if it is them,"
                    f" {fix} or merge them with 'dossier person merge'",
                )
            )

    def _roles(self, v: Values) -> list[dict[str, str]]:
        result = []
        for case_id, role in role_pairs(v):
            self._need_case(case_id, "case")
            if role not in _ROLES and role.lower() in _ROLES:
                role = role.lower()  # as event types and statuses: 'Witness' is 'witness'
            if role not in _ROLES:
                raise RowError("role", unknown("role", role, ROLES))
            if {"case": case_id, "role": role} not in result:
                result.append({"case": case_id, "role": role})
        return result

    def _match_name(self, name: str) -> str | None:
        """The stored person this name or alias names; None for a new person."""
        stored = sorted(i for i in self._named(name) if i in self.d.persons.raw)
        if len(stored) > 1:
            raise RowError("name", f"{name!r} names several persons ({', '.join(stored)});"
                                    " add an id column to say which")  # fmt: skip
        return stored[0] if stored else None

    def _free_id(self, name: str) -> str:
        return free_person_id(self.d, name, self.persons)

    def _resolve(self, ref: str, field: str) -> str:
        if ref in self.d.persons.raw or ref in self.persons:
            return ref
        ids = self._named(ref)
        if len(ids) == 1:
            return next(iter(ids))
        if ids:  # in the words the command line says it with

            def name(i: str) -> str:  # an imported person's name is the newer
                return str((self.persons.get(i) or self.d.persons.raw[i])["name"])

            raise RowError(field, several_persons(ref, ((i, name(i)) for i in sorted(ids))))
        if placeholder(ref):  # "—", "?", a zero-width space: not a name, to find or make
            raise RowError(field, named_no_one(ref))
        self._said_refused("person", ref, field)
        if self.create_missing:
            person_id = self._free_id(ref)
            self.persons[person_id] = {**contract.blank("persons"), "id": person_id, "name": ref}
            self._index(person_id, None, self.persons[person_id])
            self.summary.created_missing["persons"].append(person_id)
            if self.row is not None:
                self.origin[("persons", person_id)] = self.row
                # As for a persons row and `person add`: "Sergii Magnitsky" beside a
                # stored Sergey Magnitskiy is probably him, misspelt.
                self._warn_lookalikes(self.row, ref, field)
            return person_id
        from dossier.search import suggest

        choices = {p: r["name"] for p, r in self.d.persons.raw.items()}
        choices.update({p: r["name"] for p, r in self.persons.items()})
        close = [f"{p} ({choices[p]})" for p in suggest(ref, choices)]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise RowError(field, f"no person {ref!r}{hint}; add them first, or pass --create-missing")

    def _convert(self, row: Row, convert: Callable[[Row], None]) -> None:
        """Turn one row into a record; its problems go to the summary."""
        self.row = row
        try:
            convert(row)
        except BadRow as bad:
            self.summary.errors.extend(
                Problem(row.file, row.line, e.field, e.message) for e in bad.errors
            )
            # What the row would have made, so that rows naming it say where it failed
            # rather than that it does not exist.
            for key in ("id", "name") if row.kind == "person" else ("id",):
                value = row.values.get(key)
                if isinstance(value, str) and value.strip():
                    self.refused.setdefault((row.kind, value.strip()), row)

    def _event(self, row: Row) -> None:
        self.whole = False
        self._add_event(row, self._event_checked(row))

    def _add_event(self, row: Row, record: dict[str, Any]) -> None:
        self.events.append((row, record))

    def _warn_unsourced(self) -> None:
        """One warning per file of the events its rows leave without a source, as they
        will be (a stored event that a row matches or updates keeps its own): found by
        _final_events, said also when other rows fail, so all is fixed at once."""
        unsourced: dict[str, list[int]] = defaultdict(list)
        for row in self.unsourced:
            unsourced[row.file].append(row.line)
        for file, lines in unsourced.items():
            self.summary.warnings.append(
                Problem(
                    file,
                    min(lines),
                    "source",
                    f"{len(lines)} event(s) have no source (the first on this line);"
                    " reports will mark them unsourced",
                )
            )

    def _events_fast(
        self, rows: list[Row]
    ) -> Iterator[tuple[list[Row], list[dict[str, Any] | None]]]:
        """Event rows in groups (a CSV file's, or one other row), with their records:
        None for a row that needs the full check (`_event_checked`).

        Bulk imports are made of CSV rows: each column is read once and each
        distinct value (a case, a date, a person cell) converted once, and the
        records are put together in C. Anything unusual (an unknown word, a date
        to think about, a name to resolve afresh, an escaped formula, an id seen
        twice) leaves the row to the full check, which decides and words the
        problems, so there is one place that knows them. What this builds still
        goes through the record contract, like every record (`_check`).
        """
        start = 0
        while start < len(rows):
            first = rows[start]
            end = start + 1
            while (
                end < len(rows)
                and rows[end].file == first.file
                and (rows[end].columns is first.columns)
            ):
                end += 1
            group = rows[start:end]
            start = end
            if first.tabular:
                yield group, self._columns_to_events(group)
            else:
                yield group, [None] * len(group)

    def _columns_to_events(self, rows: list[Row]) -> list[dict[str, Any] | None]:
        """The records of rows of one CSV file (one set of columns); None for a row that
        needs the full check."""
        plan = _event_columns(rows[0].columns)
        n = len(rows)

        present = rows[0].columns
        cells = [row.cells or () for row in rows]
        # Every column at once, straight from the cells: transposed in C.
        table = dict(zip(rows[0].header, zip(*cells, strict=True), strict=True))

        def column(name: str | None) -> Sequence[Any]:
            return table[name] if name in table else [None] * n

        declined: set[int] = set()

        def refuse(flags: Iterable[bool]) -> None:
            declined.update(compress(range(n), flags))

        if rows[0].escapes:
            refuse(any(map(may_be_escaped, c)) for c in cells)
        ids: list[str | None] = [None] * n
        if "id" in rows[0].columns:
            ids = [i or None for i in column("id")]
            twice = {i for i, count in Counter(ids).items() if i and count > 1}
            seen = self.seen
            # A repeated id, or one seen before, is for the full check to word.
            refuse(i is not None and (i in twice or ("event", i) in seen) for i in ids)
        cases = column("case")
        known = self.stored_cases.keys() | self.cases.keys()
        if not known.issuperset(cases):  # each check looks row by row only when it must
            refuse(case not in known for case in cases)
        types = column("type")
        if not EVENT_TYPES.keys() >= set(types):
            refuse(kind not in EVENT_TYPES for kind in types)
        dates = self._dates(column("date"))
        if None in dates:
            refuse(map(_is_none, dates))
        ends = column("end" if plan.end else None)
        if plan.end:
            converted = self._dates(ends)
            refuse(e is None and c for e, c in zip(converted, ends, strict=True))
            ends = converted
        persons: list[Any] = fresh_lists(n)  # one list a record, never shared
        if plan.persons:
            found = {cell: self._person_cell(cell) for cell in set(column(plan.persons))}
            persons = list(map(found.__getitem__, column(plan.persons)))
            if None in persons:
                refuse(map(_is_none, persons))
            persons = [list(p) if p else [] for p in persons]  # one list a record
        texts = {name: [v or None for v in column(col)] for name, col in plan.plain}
        for name, col in plan.long:
            texts[name] = [(tidy_long(v) if "\r" in v else v) if v else None for v in column(col)]
        if plan.country:
            texts["country"] = [v.upper() or None for v in column(plan.country)]
        if plan.outcome:
            outcomes = [v or None for v in column("outcome")]
            if not _OUTCOMES.issuperset(set(outcomes) - {None}):
                refuse(o is not None and o not in _OUTCOMES for o in outcomes)
            texts["outcome"] = outcomes
        sources = list(map(split, column(plan.sources))) if plan.sources else fresh_lists(n)
        if plan.confidential:
            flags = [v.lower() for v in column("confidential")]
            if not (TRUE | FALSE).issuperset(flags):
                refuse(f not in TRUE and f not in FALSE for f in flags)
            texts["confidential"] = [f in TRUE for f in flags]
        given = {"id": ids, "case": cases, "type": types, "date": dates, "end": ends,
                 "persons": persons, **texts, "sources": sources}  # fmt: skip
        if self.fresh:  # every field, in the stored order
            fields = tuple(_NEW_EVENT)
            fill = {name: [default] * n for name, default in _NEW_EVENT.items()}
            # Lists are made anew for each record: none may be shared by two.
            fill["sources"], fill["persons"] = fresh_lists(n), fresh_lists(n)
            columns = [given[name] if name in given else fill[name] for name in fields]
        else:  # only what the file gives
            if not plan.end:
                del given["end"]
            if not plan.persons:
                del given["persons"]
            if not plan.sources:
                del given["sources"]
            fields = tuple(given)
            columns = list(given.values())
        records = map(dict, map(zip, repeat(fields), zip(*columns, strict=True)))
        built: list[dict[str, Any] | None] = list(records)
        for at in declined:
            built[at] = None
        if self.fresh and not declined:  # for the record contract, as they are (see _check)
            self.built.append(dict(zip(fields, columns, strict=True)))
        else:
            self.whole = False
        if "id" in present:
            for row, record in zip(rows, built, strict=True):
                if record is not None and record["id"] is not None:
                    self.seen[("event", record["id"])] = row
        return built

    def _dates(self, texts: Sequence[str]) -> list[str | None]:
        """The EDTF of each typed date, None where the full check must look (and for
        an empty cell): each distinct date read once."""
        found: dict[str, str | None] = {}
        for text in set(texts):
            if stored_form(text):  # already as stored (2011-02-09, 2011-02, 2011)
                found[text] = text
                continue
            try:
                found[text] = edtf(text, self.dayfirst) if text else None
            except InvalidDate:
                found[text] = None
        return list(map(found.__getitem__, texts))

    def _person_cell(self, cell: str) -> list[str] | None:
        """The ids a person cell names without doubt; None when one needs the full check."""
        persons = []
        for ref in split(cell):
            person = self.refs.get(ref) or self._known_person(ref)
            if person is None:
                return None
            persons.append(person)
        return list(dict.fromkeys(persons))

    def _new_event(self) -> dict[str, Any]:
        """A record to fill: whole into a dossier without events, else only what is given."""
        return {**_NEW_EVENT, "persons": [], "sources": []} if self.fresh else {"id": None}

    def _known_person(self, ref: str) -> str | None:
        """The id a reference names without doubt (an id, or a name of one person), remembered."""
        if ref in self.d.persons.raw or ref in self.persons:
            found: str | None = ref
        else:
            ids = self._named(ref)
            found = next(iter(ids)) if len(ids) == 1 else None
        if found is not None:
            self.refs[ref] = found
        return found

    def _event_checked(self, row: Row) -> dict[str, Any]:
        v = Values(row, self.dayfirst)
        event_id = v.slug("id")
        if event_id:
            v.guard(self._once, row, "event", event_id)
        case = v.text("case", required=True)
        if case and case not in self.d.cases.raw and case not in self.cases:
            case = v.guard(self._need_case, case, v.label("case"))
        record = self._new_event()
        record["id"], record["case"] = event_id, case
        record["type"] = v.word("type", EVENT_TYPES, "event type", required=True)
        record["date"] = v.date("date", required=True)
        if v.has("persons"):
            label = v.label("persons")
            known = self.d.persons.raw
            persons = [
                p if p in known else v.guard(self._resolve, p, label) for p in v.list("persons")
            ]
            record["persons"] = list(dict.fromkeys(p for p in persons if p))
        if v.has("end"):
            record["end"] = v.date("end")
        record.update(v.texts(("place", "description", "term", "note", "country")))
        if record.get("country"):
            record["country"] = record["country"].upper()
        if v.has("outcome"):
            record["outcome"] = v.word("outcome", _OUTCOMES)
        if v.has("sources"):
            record["sources"] = v.list("sources")
        if v.has("confidential"):
            record["confidential"] = v.bool("confidential")
        v.finish()  # an end before the date: the record contract says so, for every path
        return record

    # Applying ------------------------------------------------------------------

    def apply(self) -> None:
        """Put every record into the dossier, if each passes the record contract.

        The final stored form of every record (merged with the stored one, given
        its id and time stamps) is checked first; a fault is an error located at
        the row the record came from, and then nothing is put.
        """
        writes = self._writes()
        self._warn_unsourced()
        if self._check(writes):
            return
        for kind, records in writes.items():
            self.tables[kind].put_many((key, record) for key, record, _row in records)

    def check_only(self) -> None:
        """The record contract's verdict on the rows that were read well when others were
        not, so that every bad row is listed at once (a date after today, an end before
        its date), not round after round; nothing is put, nothing counted."""
        counted = self.summary
        self.summary = Summary()
        try:
            self._check(self._writes())
        finally:
            counted.errors.extend(self.summary.errors)
            self.summary = counted
            self._warn_unsourced()

    def _writes(self) -> _Writes:
        """Every record to write in its final stored form (merged with the stored one,
        given its id and time stamps), by kind, counted into the summary."""
        stamp = now_iso()
        writes: _Writes = {kind: [] for kind in contract.KINDS}
        for case_id, record in self.cases.items():
            old = self.d.cases.raw.get(case_id)
            record["created"] = record["created"] or stamp
            keep_stamp = case_id in self.stamped
            if old is not None and _same(old, record, ignore=() if keep_stamp else ("updated",)):
                self.summary.unchanged["cases"] += 1
                continue
            if not keep_stamp:
                record["updated"] = stamp
            self._count("cases", record, old, writes)
        for person_id, record in self.persons.items():
            self._count("persons", record, self.d.persons.raw.get(person_id), writes)
        self._final_events(writes)
        return writes

    def _final_events(self, writes: _Writes) -> None:
        """Give id-less events their ids (a stored event's, or new ones), merge, count."""
        unseen = _Unseen(self)
        unnamed = self._match_unnamed(unseen)
        claimed = (  # ids the file gives; none when every row is id-less (a batch import)
            {record["id"] for _row, record in self.events if record["id"]}
            if len(unnamed) < len(self.events)
            else set()
        )
        new_ids = self.d.new_event_ids(len(unnamed), claimed)
        for record, event_id in zip(unnamed, new_ids, strict=True):
            record["id"] = event_id
        stored = self.d.events.raw
        out = writes["events"]
        if self.fresh:  # into a dossier without events: every one is added, as it is
            out.extend([(record["id"], record, row) for row, record in self.events])
            self.summary.added["events"] += len(self.events)
            self.unsourced = [row for row, record in self.events if not record["sources"]]
            return
        added = updated = unchanged = 0
        self.unsourced = []
        for row, record in self.events:
            event_id = record["id"]
            old = stored.get(event_id)
            # Every key in the stored order (the base's); a column the file lacks keeps
            # the stored value.
            base = old or {**_NEW_EVENT, "persons": [], "sources": []}
            if old is not None and row.tabular:
                # An empty cell gives no value: the stored one stays (Values.given).
                blank = blank_fields(row)
                record = {k: v for k, v in record.items() if k not in blank}
            merged = {**base, **record}
            if old is not None:
                for date_field in ("date", "end"):
                    if date_field in record:
                        label = _label(row, date_field)
                        self._warn_vaguer(row, label, old[date_field], merged[date_field])
            if old is not None and "persons" in record:
                merged["persons"] = unseen.kept(row, old["persons"], record["persons"])
            if not merged["sources"]:
                self.unsourced.append(row)
            if old is None:
                added += 1
            elif old == merged:
                unchanged += 1
                continue
            else:
                updated += 1
            out.append((event_id, merged, row))
        unseen.warn()
        # Counted here rather than by _count: one import may bring 100,000 events.
        self.summary.added["events"] += added
        self.summary.updated["events"] += updated
        self.summary.unchanged["events"] += unchanged

    def _match_unnamed(self, unseen: _Unseen) -> list[dict[str, Any]]:
        """Match id-less event rows to stored events; the rows left are new events.

        A row is a stored event when every field it gives is equal, one row to one
        event (so two equal rows are two events, and a re-import changes
        nothing). A row that only shares case, type, date and persons with a
        stored event is a new event too, with a warning naming that event. A stored
        event's persons are compared as `unseen` shows them: without the confidential
        ones the file names nowhere, whom an export without them took off the row.
        """
        if not self.d.events.raw:
            return [record for _row, record in self.events if not record["id"]]
        claimed = {record["id"] for _row, record in self.events if record["id"]}
        # Stored events by what every event row gives: case, type and date.
        alike: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        stored = self.d.events.raw
        for event_id, raw in stored.items():
            alike[likeness(raw)].append(event_id)
        pool = {key: [i for i in ids if i not in claimed] for key, ids in alike.items()}
        unnamed = []
        for row, record in self.events:
            if record["id"]:
                if record["id"] not in stored:
                    self._warn_new_id(row, record, pool.get(likeness(record)) or [], unseen)
                continue
            key = likeness(record)
            candidates = pool.get(key) or []
            given = [(k, v) for k, v in record.items() if k != "id"]
            if record.get("confidential") is False and "confidential" in blank_fields(row):
                # A blank flag says nothing: a row that is a protected event but for it
                # is that event, not a second, public copy of it.
                given = [(k, v) for k, v in given if k != "confidential"]
            for at, event_id in enumerate(candidates):
                old = {**stored[event_id], "persons": unseen.shown(stored[event_id]["persons"])}
                if all(_equal(k, old.get(k), v) for k, v in given):
                    record["id"] = event_id
                    if "persons" in record:  # the same event: as stored, order included
                        record["persons"] = old["persons"]
                    del candidates[at]
                    break
            else:
                unnamed.append(record)
                persons = sorted(record["persons"]) if "persons" in record else None
                similar = [
                    i for i in alike.get(key, ())
                    if persons is None or sorted(unseen.shown(stored[i]["persons"])) == persons
                ]  # fmt: skip
                if similar:
                    self._warn_alike(row, given, [i for i in similar if i in candidates] or similar)
        return unnamed

    def _warn_new_id(
        self, row: Row, record: dict[str, Any], alike: Sequence[str], unseen: _Unseen
    ) -> None:
        """Warn that an event added with an id the dossier lacks (one mistyped in an
        edited export, say) looks like a stored event that no row names by its id: the
        edit meant for that event would go to a copy of it."""
        persons = sorted(record["persons"]) if "persons" in record else None
        near = [
            i for i in alike
            if persons is None or sorted(unseen.shown(self.d.events.raw[i]["persons"])) == persons
        ]  # fmt: skip
        if not near:
            return
        same = "case, type, date and persons" if persons is not None else "case, type and date"
        self.summary.warnings.append(
            Problem(
                row.file, row.line, _label(row, "id"),
                f"event {record['id']!r} is not in the dossier and is added, but looks like"
                f" event {near[0]} (same {same}); if it is that event, put {near[0]} in the"
                " id column",
            )
        )  # fmt: skip

    def _warn_alike(self, row: Row, given: list[tuple[str, Any]], alike: Sequence[str]) -> None:
        """Warn that a new event looks like a stored one; not for one more of several
        equal events (two hearings on one day are two events)."""
        stored = self.d.events.raw
        near = alike[0]
        differs = [k for k, v in given if not _equal(k, stored[near].get(k), v)]
        if not differs or any(all(_equal(k, stored[i].get(k), v) for k, v in given) for i in alike):
            return
        same = "case, type, date and persons" if "persons" in dict(given) else "case, type and date"
        self.summary.warnings.append(
            Problem(
                row.file, row.line, None,
                f"looks like event {near} (same {same}) but differs in"
                f" {', '.join(_label(row, k) for k in differs)}: added as a new event; put its"
                " id in an id column to update it",
            )
        )  # fmt: skip

    def _count(
        self,
        kind: str,
        record: dict[str, Any],
        old: dict[str, Any] | None,
        writes: _Writes,
    ) -> None:
        """Count a record as added, updated or unchanged; keep it to write if it changes."""
        # In the stored order of fields, whatever order the file gave them in.
        record = contract.in_field_order(kind, record)
        if old is None:
            self.summary.added[kind] += 1
        elif old == record:
            self.summary.unchanged[kind] += 1
            return
        else:
            self.summary.updated[kind] += 1
        writes[kind].append((record["id"], record, self.origin.get((kind, record["id"]))))

    def _columns(self, kind: str, records: list[dict[str, Any]]) -> bool:
        """Whether the records are the events of a fresh import that the fast path made
        from columns (`built`, file by file, in the records' order)."""
        return (
            kind == "events"
            and self.whole
            and bool(self.built)
            and sum(len(columns["id"]) for columns in self.built) == len(records)
        )

    def _sound(self, kind: str, records: list[dict[str, Any]]) -> bool:
        """`contract.check_many`; for the events of a fresh import that the fast path
        made from columns, on those columns (with the ids given since), rather than
        taking 100,000 records apart again."""
        if not self._columns(kind, records):
            return contract.check_many(kind, records)
        at = 0
        for columns in self.built:
            n = len(columns["id"])
            ids = [record["id"] for record in records[at : at + n]]
            if not contract.check_columns(kind, {**columns, "id": ids}):
                return False
            at += n
        return True

    def _check(self, writes: _Writes) -> bool:
        """Hold every record to be written to the record contract; True if any fails.

        One columnar pass per kind decides for the whole import; only when it
        finds something are the records looked at one by one, to locate and word
        each fault at its row. Events are also held to the rule for dates after
        today: on the few a pre-filter lets through when all are sound, else on each
        sound one in turn.
        """
        cases = _Either(self.d.cases.raw, self.cases)
        persons = _Either(self.d.persons.raw, self.persons)
        failed = False
        today = dates.today()
        for kind, items in writes.items():
            records = [record for _key, record, _row in items]
            if self._sound(kind, records) and contract.references_ok(kind, records, cases, persons):
                if kind == "events":
                    for at in self._maybe_future(records, today):
                        failed = self._future(items[at], today) or failed
                continue
            for item in items:
                _key, record, row = item
                found = contract.faults(kind, record) or contract.reference_faults(
                    kind, record, cases, persons
                )
                if not found:
                    if kind == "events":
                        failed = self._future(item, today) or failed
                    continue
                failed = True
                file, line = (row.file, row.line) if row else ("<import>", 0)
                for fault in found:
                    label = _label(row, fault.field) if row else fault.field
                    self.summary.errors.append(Problem(file, line, label, fault.message))
        return failed

    def _maybe_future(self, records: list[dict[str, Any]], today: date) -> list[int]:
        """`contract.future_candidates` over sound events: on the fast path's columns
        when it made them (taking 100,000 records apart costs more than the check)."""
        if not self._columns("events", records):
            days, ends = (list(map(itemgetter(k), records)) for k in ("date", "end"))
            return contract.future_candidates(days, ends, today)
        found: list[int] = []
        at = 0
        for columns in self.built:
            later = contract.future_candidates(columns["date"], columns["end"], today)
            found.extend(at + i for i in later)
            at += len(columns["date"])
        return found

    def _future(self, item: tuple[str, dict[str, Any], Row | None], today: date) -> bool:
        """Hold one sound event to be written to `contract.future_date`; True if refused
        (an error at its row), else a warning there if it is after today."""
        key, record, row = item
        found = contract.future_date(
            record, today, allow_future=self.allow_future, old=self.d.events.raw.get(key)
        )
        if found is None:
            return False
        file, line = (row.file, row.line) if row else ("<import>", 0)
        label = _label(row, found.field) if row else found.field
        problems = self.summary.errors if found.refused else self.summary.warnings
        problems.append(Problem(file, line, label, found.message))
        return found.refused


# What an import will write, by kind: (id, the record as stored, the row it came from).
_Writes = dict[str, list[tuple[str, dict[str, Any], Row | None]]]


class _Either:
    """Ids in either of two tables (the stored one, and the import's)."""

    def __init__(self, first: Container[str], second: Container[str]) -> None:
        self.first, self.second = first, second

    def __contains__(self, key: object) -> bool:
        return key in self.first or key in self.second


class _Unseen:
    """The confidential persons of stored events that an import's file names nowhere:
    an export without --include-confidential takes them off the events it writes, and
    importing it back must not take them off the dossier's."""

    def __init__(self, importer: _Planner) -> None:
        self.importer = importer
        self._named: set[str] | None = None
        self.first: Row | None = None
        self.count = 0

    def shown(self, stored: list[str]) -> list[str]:
        """A stored event's persons but the confidential ones the file names nowhere (as
        an export without them wrote the event), in the stored order."""
        persons = self.importer.d.persons.raw
        if not any(persons.get(p, {}).get("confidential") for p in stored):
            return stored
        named = self._names()
        return [p for p in stored if p in named or not persons.get(p, {}).get("confidential")]

    def _names(self) -> set[str]:
        """The persons the file names: its person rows, and its event rows' persons."""
        if self._named is None:
            self._named = set(self.importer.persons) | {
                p for _row, record in self.importer.events for p in record.get("persons", ())
            }
        return self._named

    def kept(self, row: Row, stored: list[str], given: list[str]) -> list[str]:
        """An updated event's persons: the file's, and the stored confidential ones it
        does not name (where they were, when the file's are the rest in order)."""
        persons = self.importer.d.persons.raw
        missing = [p for p in stored if p not in given and persons.get(p, {}).get("confidential")]
        if not missing:
            return given
        keep = [p for p in missing if p not in self._names()]
        if not keep:
            return given
        self.count += 1
        self.first = self.first or row
        rest = [p for p in stored if p not in keep]
        return stored if rest == given else [*given, *keep]

    def warn(self) -> None:
        if self.first is not None:
            self.importer.summary.warnings.append(
                Problem(
                    self.first.file, self.first.line, "persons",
                    f"{self.count} event(s) keep confidential person(s) whom the file does"
                    " not name (the first on this line): an export without"
                    " --include-confidential leaves them out; remove one from an event with"
                    " 'dossier event edit ID --remove-person'",
                )
            )  # fmt: skip


def role_pairs(v: Values) -> list[tuple[str, str]]:
    """A person row's (case, role) pairs as written: a JSON `roles` list, or the `case`
    and `role` columns (one role for several cases, or one each); RowError otherwise."""
    if not v.row.tabular and "roles" in v.row.values:
        found = v.row.values["roles"] or []
        if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
            raise RowError("roles", "must be a list of {case, role} objects")
        for number, role in enumerate(found, 1):
            # Nothing of a role object dropped or turned into text without a word.
            for key, value in role.items():
                if key not in ("case", "role"):
                    hint = did_you_mean(key, ("case", "role")) or (
                        " (a role is {case, role}; say more in the person's notes)"
                    )
                    raise RowError("roles", f"role {number}: unknown key {key!r}{hint}")
                if not isinstance(value, str):
                    shown = orjson.dumps(value).decode()
                    raise RowError("roles", f"role {number}: {key} must be text, not {shown}")
        return [(r.get("case", ""), r.get("role", "")) for r in found]
    # Repeats kept: case=a|a|a with role=defendant|lawyer|other is three roles. Empty
    # values too, where each case has its role: dropped, they shifted the pairs without
    # a word ("khodorkovsky|aleksanyan|" with "|witness|lawyer" made a witness in
    # khodorkovsky).
    # (Empty at the end of both, as a spreadsheet's joined cells leave, shifts nothing.)
    cases = v.list("case", repeats=True, empty=True) if v.has("case") else []
    roles = v.list("role", repeats=True, empty=True) if v.has("role") else []
    if len(roles) > 1 and ("" in cases or "" in roles):
        for at, (case, role) in enumerate(zip_longest(cases, roles, fillvalue=""), 1):
            if bool(case) != bool(role):  # one without the other: pairs would shift
                name = "case" if not case else "role"
                raise RowError(
                    name,
                    f"{name} {at} of {max(len(cases), len(roles))} is empty"
                    f" ({'|'.join(cases)} with {'|'.join(roles)}): each case takes the role"
                    " at its place; fill it in, or take out the pair",
                )
    cases, roles = [c for c in cases if c], [r for r in roles if r]
    if len(roles) == 1 and len(cases) > 1:
        roles = roles * len(cases)

    def where(name: str) -> str:
        if not v.row.tabular:
            return f"a '{name}' key"
        return f"the {name} column" if v.has(name) else f"a {name} column, which this file lacks"

    if roles and not cases:
        raise RowError(
            "role",
            f"a role ({'|'.join(roles)}) needs the case it is in: give it in {where('case')}",
        )
    if cases and not roles:
        raise RowError(
            "case",
            f"{'|'.join(cases)}: the person's role in the case is missing: give it in"
            f" {where('role')} (defendant, witness, lawyer…)",
        )
    if len(cases) != len(roles):
        raise RowError("role", f"{len(cases)} case(s) but {len(roles)} role(s);"
                                " give one role, or one for each case")  # fmt: skip
    return list(zip(cases, roles, strict=True))


def _vaguer(old: str | None, new: str | None) -> bool:
    """Whether a date replaces a more precise one that it contains ("1956" for 29
    November 1956)."""
    if not old or not new or old == new:
        return False
    was, now = dates.stored(old), dates.stored(new)
    return (
        now.sort_key[1] < was.sort_key[1]
        and now.first_day <= was.first_day <= was.last_day <= now.last_day
    )


# What an id-less persons row may replace of the stored person its name matches.
_REPLACED = ("born", "died", "nationality", "notes", "organizations", "sources", "confidential")


def _shown(value: Any) -> str:
    """A stored value as a warning shows it: on one line, long text cut short."""
    if value is None or value == []:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = one_line("|".join(value) if isinstance(value, list) else str(value))
    return repr(text if len(text) <= 60 else text[:59] + "…")


def _label(row: Row, name: str) -> str:
    """A record field as the row's file names it ('person' for 'persons', in CSV or JSON)."""
    return column_labels(row.columns).get(name, name)


# A new event's defaults (copy its lists before use: `contract.blank` makes new ones).
_NEW_EVENT: dict[str, Any] = contract.blank("events")


class _EventColumns(NamedTuple):
    """Which event fields a CSV file has, and in which columns: worked out once a file."""

    end: bool
    persons: str | None
    plain: tuple[tuple[str, str], ...]  # (field, column) of one-line text fields
    long: tuple[tuple[str, str], ...]  # (field, column) of long text fields
    country: str | None
    outcome: bool
    sources: str | None
    confidential: bool


@lru_cache(maxsize=64)
def _event_columns(columns: frozenset[str]) -> _EventColumns:
    labels = column_labels(columns)
    return _EventColumns(
        end="end" in labels,
        persons=labels.get("persons"),
        plain=tuple((name, labels[name]) for name in ("place", "term") if name in labels),
        long=tuple((name, labels[name]) for name in ("description", "note") if name in labels),
        country=labels.get("country"),
        outcome="outcome" in labels,
        sources=labels.get("sources"),
        confidential="confidential" in labels,
    )


def _equal(field: str, stored: Any, given: Any) -> bool:
    """Whether a row gives a field as the stored event has it; persons in any order (who
    was there, not in which order the spreadsheet named them)."""
    if field == "persons" and isinstance(stored, list) and isinstance(given, list):
        return sorted(stored) == sorted(given)
    return bool(stored == given)


def fresh_lists(n: int) -> list[list[str]]:
    """`n` empty lists, each its own."""
    return [[] for _ in range(n)]


def _is_none(value: object) -> bool:
    return value is None


def _same(a: dict[str, Any], b: dict[str, Any], ignore: Iterable[str]) -> bool:
    skip = set(ignore)
    return {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }
