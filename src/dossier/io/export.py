"""Export: native JSON and JSON Lines (everything, for moving a dossier), and CSV
of one kind (for a spreadsheet), in the same columns the importer reads.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a
tab or a carriage return) get a leading apostrophe; the importer removes it,
so export → import gives the text back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import orjson

from dossier.io.read import COLUMNS, FORMAT_NAME, escape_formula
from dossier.model import now_iso
from dossier.store.records import Records

VERSION = 1


def select(
    d: Records, cases: Collection[str] = (), *, include_confidential: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """The records to export: all, or those of `cases` (persons keep only their roles
    there); without `include_confidential`, confidential persons and events are left out
    (and taken off the events that name them), and so are the persons whom only those
    events name."""
    wanted = set(cases) or set(d.cases.raw)
    events = [e for e in d.events.raw.values() if e["case"] in wanted]
    persons = list(d.persons.raw.values())
    hidden: set[str] = set()
    if not include_confidential:
        hidden = {p["id"] for p in persons if p.get("confidential")}
        events = [
            {**e, "persons": [p for p in e["persons"] if p not in hidden]}
            if hidden.intersection(e["persons"])
            else e
            for e in events
            if not e.get("confidential")
        ]
        # Nor, from the whole dossier, a person with no role whom only confidential events
        # name: that they are tied to it at all is what was kept confidential.
        secret = {p for e in d.events.raw.values() if e.get("confidential") for p in e["persons"]}
        shown = {p for e in events for p in e["persons"]}
        hidden |= {p["id"] for p in persons if p["id"] in secret - shown and not p["roles"]}
    if cases:
        # Named by the events exported: one named only by a confidential event is not
        # the case's to show (that they are tied to it is what was kept confidential).
        named = {p for e in events for p in e["persons"]}
        persons = [
            {**p, "roles": [r for r in p["roles"] if r["case"] in wanted]}
            for p in persons
            if p["id"] in named or any(r["case"] in wanted for r in p["roles"])
        ]
    persons = [p for p in persons if p["id"] not in hidden]
    return {
        "cases": [c for c in d.cases.raw.values() if c["id"] in wanted],
        "persons": persons,
        "events": events,
    }


def header() -> dict[str, Any]:
    """The first thing in a JSON or JSONL export."""
    return {"format": FORMAT_NAME, "version": VERSION, "exported": now_iso()}


def to_json(records: dict[str, list[dict[str, Any]]]) -> Iterator[bytes]:
    """A JSON export, one record a line (so an import error can name its line)."""
    head = orjson.dumps(header())
    yield head[:-1] + b",\n"
    kinds = list(records)
    for n, kind in enumerate(kinds):
        items = records[kind]
        yield b'"' + kind.encode() + b'": ['
        for i, record in enumerate(items):
            yield b"\n  " + orjson.dumps(record) + (b"," if i < len(items) - 1 else b"")
        yield (b"\n]" if items else b"]") + (b",\n" if n < len(kinds) - 1 else b"\n}\n")


def to_jsonl(records: dict[str, list[dict[str, Any]]]) -> Iterator[bytes]:
    """A JSON Lines export: a header line, then one record a line with its kind."""
    yield orjson.dumps(header()) + b"\n"
    for kind, items in records.items():
        for record in items:
            yield orjson.dumps({"kind": kind[:-1], **record}) + b"\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "|".join(_cell(v) for v in value)
    return escape_formula(str(value))


def _csv_row(kind: str, record: dict[str, Any]) -> list[str]:
    if kind == "person":
        values = {**record, "case": [r["case"] for r in record["roles"]],
                  "role": [r["role"] for r in record["roles"]]}  # fmt: skip
    elif kind == "event":
        values = {**record, "person": record["persons"], "source": record["sources"]}
    else:
        values = record
    return [_cell(values.get(column)) for column in COLUMNS[kind]]


def to_csv(kind: str, records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """CSV of one kind, UTF-8 with a BOM (so spreadsheets read Cyrillic), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS[kind])
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_csv_row(kind, record))
        yield buffer.getvalue().encode()
