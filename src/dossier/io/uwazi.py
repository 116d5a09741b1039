"""Export for Uwazi (HURIDOCS): one CSV per template (cases, persons, events), as
Uwazi's CSV import reads them, and a README.txt that lists the templates and
properties to create before importing.

Uwazi's importer reads a bare `2021-03` as 1 January 2021, so every date goes
out as an explicit range of its first and last possible day
(`2021/03/01:2021/03/31`; one day is `2021/03/20:2021/03/20`), beside a text
column holding the date as recorded (EDTF: `2021-03~`), which keeps what a
range cannot: precision, and the `~` and `?` flags. Titles are unique within a
file (a clash gets the dossier id added), relationships name the related
entity's title, several values are separated by `|`, and every row carries its
`dossier_id`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from dossier.dates import edtf_bounds, show
from dossier.io.losses import Losses
from dossier.vocab import EVENT_TYPES

DATE_FORMAT = "YYYY/MM/DD"  # the instance's date format Uwazi must be set to
NAMES = ("cases.csv", "persons.csv", "events.csv", "README.txt")  # the files written

CASES = ("title", "dossier_id", "summary", "jurisdiction", "status", "charges", "tags", "sources")
PERSONS = ("title", "dossier_id", "aliases", "born", "born_edtf", "died", "died_edtf",
           "nationality", "organizations", "notes", "cases", "roles", "sources",
           "confidential")  # fmt: skip
EVENTS = ("title", "dossier_id", "case", "type", "date", "date_edtf", "end", "end_edtf",
          "persons", "place", "country", "description", "sources", "outcome", "term", "note",
          "confidential")  # fmt: skip


def date_range(edtf: str | None) -> str:
    """A stored date as Uwazi's explicit range of its possible days; '' for none."""
    if not edtf:
        return ""
    # isoformat, not strftime: its %Y does not pad a year before 1000 on every platform.
    return ":".join(day.isoformat().replace("-", "/") for day in edtf_bounds(edtf))


def _titles(records: list[dict[str, Any]], title: Any, losses: Losses) -> dict[str, str]:
    """Each record's title by id, unique within the file: a title several records
    share gets each one's dossier id added, again until none is shared (so "A (a)"
    and a namesake's "A" made "A (a)" do not meet). `|` separates values, so a title's
    becomes `/`. Both are counted in `losses`."""
    titles: dict[str, str] = {}
    for record in records:
        text = str(title(record))
        if "|" in text:
            losses.change("title(s) with | written as /")
            text = text.replace("|", "/")
        titles[record["id"]] = text
    marked: set[str] = set()
    while True:
        seen: dict[str, list[str]] = {}
        for key, text in titles.items():
            seen.setdefault(text, []).append(key)
        shared = [key for keys in seen.values() if len(keys) > 1 for key in keys]
        if not shared:
            break
        for key in shared:
            titles[key] = f"{titles[key]} ({key})"
            marked.add(key)
    if marked:
        losses.change("title(s) shared by several records, given their dossier id", len(marked))
    return titles


def _joined(values: list[str]) -> str:
    return "|".join(values)


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    """UTF-8 without a BOM, as Uwazi expects; CRLF lines, as the csv module writes."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def files(records: Mapping[str, list[dict[str, Any]]], losses: Losses) -> dict[str, bytes]:
    """The folder's files by name: cases.csv, persons.csv, events.csv, README.txt; what
    the titles could not keep is counted in `losses`."""
    case_titles = _titles(records["cases"], lambda r: r["title"], losses)
    person_titles = _titles(records["persons"], lambda r: r["name"], losses)
    event_titles = _titles(
        records["events"],
        lambda r: (
            f"{show(r['date'])} {r['type'].replace('_', ' ')}: "
            + (", ".join(person_titles[p] for p in r["persons"]) or case_titles[r["case"]])
        ),
        losses,
    )
    cases = [
        {
            "title": case_titles[r["id"]],
            "dossier_id": r["id"],
            "summary": r.get("summary") or "",
            "jurisdiction": r.get("jurisdiction") or "",
            "status": r.get("status") or "",
            "charges": _joined(r["charges"]),
            "tags": _joined(r["tags"]),
            "sources": _joined(r["sources"]),
        }
        for r in records["cases"]
    ]
    persons = [
        {
            "title": person_titles[r["id"]],
            "dossier_id": r["id"],
            "aliases": _joined(r["aliases"]),
            "born": date_range(r.get("born")),
            "born_edtf": r.get("born") or "",
            "died": date_range(r.get("died")),
            "died_edtf": r.get("died") or "",
            "nationality": r.get("nationality") or "",
            "organizations": _joined(r["organizations"]),
            "notes": r.get("notes") or "",
            "cases": _joined(list(dict.fromkeys(case_titles[x["case"]] for x in r["roles"]))),
            # Text, not a multiselect: a role means something only with its case.
            "roles": _joined([f"{case_titles[x['case']]}: {x['role']}" for x in r["roles"]]),
            "sources": _joined(r["sources"]),
            "confidential": "yes" if r.get("confidential") else "",
        }
        for r in records["persons"]
    ]
    events = [
        {
            "title": event_titles[r["id"]],
            "dossier_id": r["id"],
            "case": case_titles[r["case"]],
            "type": r["type"],
            "date": date_range(r["date"]),
            "date_edtf": r["date"],
            "end": date_range(r.get("end")),
            "end_edtf": r.get("end") or "",
            "persons": _joined([person_titles[p] for p in r["persons"]]),
            "place": r.get("place") or "",
            "country": r.get("country") or "",
            "description": r.get("description") or "",
            "sources": _joined(r["sources"]),
            "outcome": r.get("outcome") or "",
            "term": r.get("term") or "",
            "note": r.get("note") or "",
            "confidential": "yes" if r.get("confidential") else "",
        }
        for r in records["events"]
    ]
    made = (_csv(CASES, cases), _csv(PERSONS, persons), _csv(EVENTS, events), README.encode())
    return dict(zip(NAMES, made, strict=True))


_TYPES = ", ".join(EVENT_TYPES)
README = f"""Exported by dossier for Uwazi (HURIDOCS)

Before importing, set the instance's date format to {DATE_FORMAT} (Settings,
Collection) and create these three templates with these properties (names as
the CSV columns; the type in brackets). Import cases.csv first, then
persons.csv, then events.csv, each into its own template, so that the
relationships find the entities they name.

Template "Case" (cases.csv)
  dossier_id (text), summary (rich text), jurisdiction (text), status (select),
  charges (multiselect), tags (multiselect), sources (rich text)

Template "Person" (persons.csv)
  dossier_id (text), aliases (rich text), born (date range), born_edtf (text),
  died (date range), died_edtf (text), nationality (text), organizations
  (multiselect), notes (rich text), cases (relationship to "Case"), roles
  (rich text: "case title: role", several separated by |), sources (rich text),
  confidential (text)

Template "Event" (events.csv)
  dossier_id (text), case (relationship to "Case"), type (select), date (date
  range), date_edtf (text), end (date range), end_edtf (text), persons
  (relationship to "Person"), place (text), country (text), description (rich
  text), sources (rich text), outcome (select), term (text), note (rich text),
  confidential (text)

Dates. Every date is a range of the days it can mean: 2021/03/01:2021/03/31 is
"March 2021", not 1 March; a single day is a range of one day. The *_edtf
column holds the date exactly as the dossier recorded it (EDTF: 2021-03,
2008~ for "circa 2008", 2008? for "2008, uncertain"): keep it, since a range
cannot say "approximate" or "uncertain".

Several values in one cell are separated by |. A title that two records share
has the dossier id added, so that relationships name one entity; titles may
change between exports as namesakes come and go, so match entities by
dossier_id. An event with no person is titled by its case.

The cells are written as Uwazi reads them, not escaped for spreadsheets: a cell
beginning with = + - or @ would run as a formula in one, so open these files
in a spreadsheet only as text. Event types: {_TYPES}.
"""
