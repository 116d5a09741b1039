"""Rich renderables for the terminal. User text is always passed as `Text`,
never as markup, so a name like `[red]` prints literally."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Column, Table
from rich.text import Text

from dossier.dates import show
from dossier.errors import printable
from dossier.model import Case, Event, Person
from dossier.vocab import EVENT_TYPES, Effect

if TYPE_CHECKING:
    from dossier.search import Hit

EFFECT_STYLE = {Effect.START: "bold red", Effect.END: "bold green"}


def text(value: object | None, style: str = "") -> Text:
    """User text as a literal Text ('' for None), control characters escaped."""
    return Text("" if value is None else printable(str(value)), style=style)


show_date = show  # a stored date as people read it in a terminal: ISO at its precision


def event_type(name: str) -> Text:
    """An event type, custody starts and ends standing out."""
    return Text(name, style=EFFECT_STYLE.get(EVENT_TYPES.get(name, Effect.OTHER), ""))


# Columns that must never be cut or wrapped: a date or an id shown as "2006-04…" is useless.
_KEEP_WHOLE = {
    "score",
    "field",
    "kind",
    *("id", "date", "type", "#", "time", "src", "events", "born", "status", "start", "end"),
    *("days", "pretrial", "since", "n", "kind", "ended by", "first\nheld", "days\nheld"),
    *("pre-\ntrial", "care\ndenied", "ill-\ntreated", "hunger\nstrikes", "verdict"),
}
# Free text that deserves more of the room when a table is squeezed.
_WEIGHT = {"description": 3, "summary": 2, "title": 2}
# Free text wraps, but never into a sliver one word wide.
_MIN_WIDTH = {"description": 12, "title": 12, "command": 12}


def _cell_width(cell: object) -> int:
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return max(cell_len(line) for line in plain.split("\n"))


def _longest_word(cells: Iterable[object]) -> int:
    plain = (c.plain if isinstance(c, Text) else str(c) for c in cells)
    return max((cell_len(word) for cell in plain for word in cell.split()), default=1)


def _whole(column: Column) -> bool:
    """Never wrapped and never cut: dates, ids, numbers (not bars, which may be cut)."""
    return column.no_wrap and column.overflow != "crop"


class _Table(Table):
    """A table whose no-wrap columns (dates, ids) are never cropped.

    Rich shrinks every column evenly when wrapping alone cannot make a table
    fit; instead, when the table is too wide, the no-wrap columns keep their
    widest cell and the free-text columns share the rest, in proportion to
    their longest text, none narrower than its longest word (up to 12).
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widest = [
            max(_cell_width(c) for c in [column.header, *column.cells]) for column in self.columns
        ]
        gaps = len(self.columns) * 2
        if sum(widest) + gaps <= options.max_width:
            yield from super().__rich_console__(console, options)
            return
        self.expand = True
        fixed = sum(w for c, w in zip(self.columns, widest, strict=True) if _whole(c))
        floors = {
            i: 1 if c.overflow == "crop" else min(_longest_word([c.header, *c.cells]), 12)
            for i, c in enumerate(self.columns)
            if not _whole(c)
        }
        room = options.max_width - fixed - gaps
        shrink = min(1.0, room / sum(floors.values())) if floors and room > 0 else 1.0
        for i, (column, width) in enumerate(zip(self.columns, widest, strict=True)):
            if _whole(column):
                column.width = width
            else:
                # The floor the ratio shares start from: a whole word (up to 12), when it fits.
                column.width = max(1 if column.overflow == "crop" else 3, int(floors[i] * shrink))
                column.ratio = max(4, min(width, 40)) * _WEIGHT.get(str(column.header), 1)
        yield from super().__rich_console__(console, options)


def make_table(*columns: str, title: str | None = None, header: bool = True) -> Table:
    """A table in the house style; dates, ids and numbers are never wrapped or cut."""
    table = _Table(
        show_header=header,
        box=box.SIMPLE_HEAD,
        title=title,
        title_justify="left",
        pad_edge=False,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for column in columns:
        if column == "":  # a bar chart: one line, cut short rather than wrapped
            table.add_column(column, no_wrap=True, overflow="crop")
            continue
        whole = column in _KEEP_WHOLE
        table.add_column(column, no_wrap=whole, overflow="fold", min_width=_MIN_WIDTH.get(column))
    return table


def _fields(rows: Iterable[tuple[str, Any]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in rows:
        if isinstance(value, (list, tuple)):
            value = "\n".join(str(v) for v in value)
        if value not in (None, "", False):
            grid.add_row(label, text("yes" if value is True else value))
    return grid


def cases_table(cases: Sequence[Case], counts: Mapping[str, int]) -> Table:
    """One row per case."""
    table = make_table("id", "title", "status", "jurisdiction", "events", "tags")
    for case in cases:
        table.add_row(
            text(case.id),
            text(case.title),
            text(case.status),
            text(case.jurisdiction),
            str(counts.get(case.id, 0)),
            text(", ".join(case.tags)),
        )
    return table


def case_detail(case: Case, persons: Sequence[Person], n_events: int) -> RenderableType:
    """Everything about one case."""
    fields = _fields(
        [
            ("id", case.id),
            ("title", case.title),
            ("status", case.status),
            ("jurisdiction", case.jurisdiction),
            ("summary", case.summary),
            ("charges", case.charges),
            ("tags", case.tags),
            ("sources", case.sources),
            ("events", str(n_events)),
            ("created", case.created),
            ("updated", case.updated),
        ]
    )
    people = make_table("person", "name", "role", title="Persons")
    for person in persons:
        for role in person.roles:
            if role.case == case.id:
                people.add_row(text(person.id), text(person.name), text(role.role))
    return Group(fields, people) if persons else fields


def persons_table(persons: Sequence[Person]) -> Table:
    """One row per person."""
    table = make_table("id", "name", "born", "roles", "aliases")
    for person in persons:
        name = text(person.name)
        if person.confidential:
            name.append(" (confidential)", style="yellow")
        table.add_row(
            text(person.id),
            name,
            show_date(person.born),
            text(", ".join(f"{r.role} in {r.case}" for r in person.roles)),
            text(", ".join(person.aliases)),
        )
    return table


def person_detail(person: Person, n_events: int) -> RenderableType:
    """Everything about one person."""
    return _fields(
        [
            ("id", person.id),
            ("name", person.name),
            ("aliases", person.aliases),
            ("born", show_date(person.born)),
            ("died", show_date(person.died)),
            ("nationality", person.nationality),
            ("organizations", person.organizations),
            ("roles", [f"{r.role} in {r.case}" for r in person.roles]),
            ("notes", person.notes),
            ("sources", person.sources),
            ("confidential", person.confidential),
            ("events", str(n_events)),
        ]
    )


def events_table(
    events: Sequence[Event], names: Mapping[str, str], *, with_case: bool = True
) -> Table:
    """One row per event, in the order given."""
    columns = ["date", "type", "persons", "place", "description", "src", "id"]
    table = make_table(*(["case", *columns] if with_case else columns))
    for event in events:
        date = show_date(event.date)
        if event.end:
            date += " – " + show_date(event.end)
        cells: list[RenderableType] = [
            date,
            event_type(event.type),
            text("\n".join(names.get(p, p) for p in event.persons)),
            text(event.place),
            text(event.description),
            str(len(event.sources)) if event.sources else Text("none", style="yellow"),
            text(event.id, style="dim"),
        ]
        table.add_row(*([text(event.case), *cells] if with_case else cells))
    return table


def event_detail(event: Event, names: Mapping[str, str]) -> RenderableType:
    """Everything about one event."""
    return _fields(
        [
            ("id", event.id),
            ("case", event.case),
            ("type", event.type),
            ("date", show_date(event.date)),
            ("end", show_date(event.end)),
            ("persons", [f"{names.get(p, p)} ({p})" for p in event.persons]),
            ("place", event.place),
            ("country", event.country),
            ("description", event.description),
            ("outcome", event.outcome),
            ("term", event.term),
            ("note", event.note),
            ("sources", event.sources or ["unsourced"]),
            ("confidential", event.confidential),
        ]
    )


def history_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """One row per history entry, newest last."""
    table = make_table("#", "time", "command", "change", "")
    for row in rows:
        table.add_row(
            str(row["seq"]),
            row["time"],
            text(row["command"]),
            row["summary"],
            Text(row["mark"], style="dim"),
        )
    return table


def vocab_tables(rows: Sequence[tuple[str, str, str]], lists: Mapping[str, Sequence[str]]) -> Group:
    """The vocabularies: event types with their effect, then the word lists."""
    types = make_table("event type", "effect", "note", title="Event types")
    for name, effect, note in rows:
        types.add_row(event_type(name), effect, note)
    words = make_table("vocabulary", "words")
    for label, values in lists.items():
        words.add_row(label, ", ".join(values))
    return Group(types, words)


def search_table(hits: Sequence[Hit], query: str) -> RenderableType:
    """Hits best first, the matching words highlighted."""
    from dossier.search import fold

    if not hits:
        return Text(f"No matches for {query!r}.")
    wanted = set(fold(query).split())
    table = make_table("kind", "id", "score", "field", "text")
    for hit in hits:
        shown = text(hit.text)
        for match in re.finditer(r"\w+", shown.plain):
            if fold(match.group()) in wanted or query.lower() in match.group().lower():
                shown.stylize("bold reverse", match.start(), match.end())
        table.add_row(hit.kind, text(hit.id), f"{hit.score:g}", hit.field, shown)
    return table
