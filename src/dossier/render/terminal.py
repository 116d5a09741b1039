"""Rich renderables for the terminal. User text is always passed as `Text`,
never as markup, so a name like `[red]` prints literally."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from dossier.dates import show
from dossier.errors import printable
from dossier.model import Case, Event, Person
from dossier.render.layout import FIXED, FLEX, GAP, WORDS, Column, Grid, longest_word, pad, wrap
from dossier.vocab import EVENT_TYPES, Effect

if TYPE_CHECKING:
    from dossier.search import Hit
    from dossier.server.access import Member

EFFECT_STYLE = {Effect.START: "bold red", Effect.END: "bold green"}


def text(value: object | None, style: str = "") -> Text:
    """User text as a literal Text ('' for None), control characters escaped."""
    return Text("" if value is None else printable(str(value)), style=style)


show_date = show  # a stored date as people read it in a terminal: ISO at its precision


def event_type(name: str) -> Text:
    """An event type, custody starts and ends standing out."""
    return Text(name, style=EFFECT_STYLE.get(EVENT_TYPES.get(name, Effect.OTHER), ""))


def make_table(*columns: Column, title: str | None = None, header: bool = True) -> Grid:
    """A table in the house style, laid out for the terminal's width (render/layout.py)."""
    return Grid(*columns, title=title, header=header)


def fixed(header: str, *, drop: int = 0, right: bool = False) -> Column:
    """A column never cut or wrapped: ids, dates, numbers, types, statuses."""
    return Column(header, FIXED, drop=drop, right=right)


def words(header: str, *, drop: int = 0, ids_below: bool = False) -> Column:
    """A column of names or places: wrapped between words, a long word shortened with ….
    With `ids_below`, a cell's lines after its first are ids, which are never cut."""
    return Column(header, WORDS, drop=drop, ids_below=ids_below)


def flexible(header: str, *, below: int = 0, drop: int = 0) -> Column:
    """The column that takes the room left; under `below` cells its text goes under the row."""
    return Column(header, FLEX, drop=drop, below=below)


class Fields:
    """Label and value pairs, every value printed in full.

    A value wraps between words beside its label; a list gives one line per
    item; an item that does not fit beside the label (a long source URL) gets
    a line of its own from the left edge, and is folded only where it is longer
    than the terminal is wide.
    """

    def __init__(self, rows: Iterable[tuple[str, Any]]) -> None:
        self.rows: list[tuple[str, list[str]]] = []
        for label, value in rows:
            if value in (None, "", False, (), []):
                continue
            items = list(value) if isinstance(value, (list, tuple)) else [value]
            self.rows.append((label, ["yes" if v is True else str(v) for v in items]))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        label_width = max((cell_len(label) for label, _ in self.rows), default=0) + GAP
        room = width - label_width
        for label, items in self.rows:
            for n, item in enumerate(items):
                lead = pad(Text(label if n == 0 else "", style="bold"), label_width)
                value = text(item)
                if longest_word(value) > room:
                    # A word (a URL) that does not fit beside the label: the item goes on
                    # lines of its own from the left edge, folded only if wider than that.
                    if n == 0:
                        yield Text(label, style="bold")
                    yield from wrap(console, value, width, shorten=False)
                    continue
                lines = wrap(console, value, max(room, 8), shorten=False)
                yield lead + lines[0]
                for line in lines[1:]:
                    yield Text(" " * label_width) + line


def cases_table(cases: Sequence[Case], counts: Mapping[str, int]) -> Grid:
    """One row per case."""
    table = make_table(
        fixed("id"),
        flexible("title"),
        fixed("status"),
        fixed("jurisdiction", drop=2),
        fixed("events", right=True, drop=3),
        words("tags", drop=1),
    )
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
    fields = Fields(
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
    people = make_table(fixed("person"), words("name"), words("role"), title="Persons")
    for person in persons:
        for role in person.roles:
            if role.case == case.id:
                people.add_row(text(person.id), text(person.name), text(role.role))
    return Group(fields, people) if persons else fields


def persons_table(persons: Sequence[Person]) -> Grid:
    """One row per person."""
    table = make_table(
        fixed("id"), words("name"), fixed("born", drop=2), flexible("roles"),
        words("aliases", drop=1),
    )  # fmt: skip
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
    return Fields(
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
) -> Grid:
    """One row per event, in the order given."""
    columns = [
        fixed("date"),
        fixed("type"),
        words("persons"),
        words("place", drop=2),
        flexible("description", below=30),
        fixed("src", right=True, drop=1),
        fixed("id"),
    ]
    table = make_table(*([fixed("case", drop=3), *columns] if with_case else columns))
    for event in events:
        date = show_date(event.date)
        if event.end:
            date += "\n– " + show_date(event.end)
        cells: list[str | Text] = [
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
    return Fields(
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


def history_table(rows: Sequence[Mapping[str, Any]]) -> Grid:
    """One row per history entry, newest last."""
    table = make_table(
        fixed("#", right=True), fixed("time", drop=2), flexible("command", below=24),
        words("change"), fixed("", drop=1),
    )  # fmt: skip
    for row in rows:
        case = row.get("case")  # on a server: each case has its own numbers
        table.add_row(
            f"{case} {row['seq']}" if case else str(row["seq"]),
            row["time"],
            text(f"{row['role']}: {row['command']}" if case else row["command"]),
            row["summary"],
            Text(row["mark"], style="dim"),
        )
    return table


def access_table(members: Sequence[Member]) -> Grid:
    """Who may see each case, by case then role."""
    table = make_table(fixed("case"), flexible("role", below=12), fixed("access"))
    for member in members:
        access = "owner" if member.owner else "read" if member.read_only else "read, change"
        table.add_row(member.case, text(member.role), access)
    return table


def vocab_tables(rows: Sequence[tuple[str, str, str]], lists: Mapping[str, Sequence[str]]) -> Group:
    """The vocabularies: event types with their effect, then the word lists."""
    types = make_table(
        fixed("event type"), words("effect"), flexible("note", below=20), title="Event types"
    )
    for name, effect, note in rows:
        types.add_row(event_type(name), effect, note)
    listed = make_table(fixed("vocabulary"), flexible("words"))
    for label, values in lists.items():
        listed.add_row(label, ", ".join(values))
    return Group(types, listed)


def search_table(hits: Sequence[Hit], query: str) -> RenderableType:
    """Hits best first, the matching words highlighted."""
    from dossier.search import fold

    if not hits:
        return Text(f"No matches for {query!r}.")
    wanted = set(fold(query).split())
    table = make_table(
        fixed("kind"), fixed("id"), fixed("score", right=True, drop=1), fixed("field", drop=2),
        flexible("text", below=24),
    )  # fmt: skip
    for hit in hits:
        shown = text(hit.text)
        for match in re.finditer(r"\w+", shown.plain):
            if fold(match.group()) in wanted or query.lower() in match.group().lower():
                shown.stylize("bold reverse", match.start(), match.end())
        table.add_row(hit.kind, text(hit.id), f"{hit.score:g}", hit.field, shown)
    return table
