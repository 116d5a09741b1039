"""Rich views of a timeline, custody periods and statistics."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from dossier.custody import Period, Problem
from dossier.dates import begins_after, stored
from dossier.errors import printable
from dossier.model import Event
from dossier.render import marks
from dossier.render.layout import BAR, GAP, Column, Grid, Wrapped, pad, wrap
from dossier.render.terminal import (
    event_type,
    fixed,
    flexible,
    make_table,
    show_date,
    text,
    words,
)
from dossier.stats import PersonRow, Stats
from dossier.timeline import Timeline

BAR_WIDTH = 24


def since(previous: str | None, current: str) -> str:
    """Days since the previous row: '+141 d'; '~+31 d' when a date is not day-precise."""
    if previous is None:
        return ""
    before, now = stored(previous), stored(current)
    days = (now.first_day - before.first_day).days
    rough = "~" if before.precision != "day" or now.precision != "day" else ""
    return f"{rough}+{days} d"


class _Records:
    """The timeline as records: a gutter with the date and the time since the event
    before; on the first line the type, the persons, the sources and the id at the
    right edge; under it, indented, the place, the description and the note, wrapped
    to the width and never cut. `oneline`: one line per event."""

    def __init__(self, timeline: Timeline, names: Mapping[str, str], oneline: bool) -> None:
        self.timeline = timeline
        self.names = names
        self.oneline = oneline

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        events = self.timeline.events
        dates = [show_date(e.date) for e in events]
        gaps = [since(None if i == 0 else events[i - 1].date, e.date) for i, e in enumerate(events)]
        gutter = max((cell_len(t) for t in [*dates, *gaps]), default=0) + GAP
        types = max((cell_len(e.type) for e in events), default=0)
        for event, date, gap in zip(events, dates, gaps, strict=True):
            if self.oneline:
                yield from _line(
                    console, self._oneline(event, pad(Text(date), gutter), width, types)
                )
                continue
            for first in self._first_lines(event, pad(Text(date), gutter), width):
                yield from _line(console, first)
            below: list[Text] = []
            room = max(8, width - gutter)
            # A country alone is "(DE)", not " (DE)" a space out of line with the text.
            country = f"({event.country})" if event.country else None
            place = " ".join(p for p in (event.place, country) if p)
            term = f"Term: {event.term}" if event.term else None
            for part, style in (
                (term, "bold"), (place, "dim"), (event.description, ""), (event.note, "italic")
            ):  # fmt: skip
                if part:
                    prefix = "Note: " if style == "italic" else ""
                    below += wrap(console, text(prefix + part, style), room, shorten=False)
            if self._scheduled(event):
                said = f"Scheduled: after {self.timeline.as_of.isoformat()}, not counted"
                below += wrap(console, Text(said, style="dim italic"), room, shorten=False)
            if gap and not below:
                below = [Text("")]
            for n, line in enumerate(below):
                shown = Text()  # the gutter: the days since the event before, dim
                shown.append(gap if n == 0 else "", style="dim")
                shown.append(" " * (gutter - cell_len(shown.plain)))
                shown.append_text(line)
                shown.rstrip()
                yield from _line(console, shown)

    def _scheduled(self, event: Event) -> bool:
        """Listed though after the as-of day (today): in no figure."""
        listed = self.timeline.later_listed
        return bool(listed) and begins_after(event.date, self.timeline.as_of)

    def _right(self, event: Event) -> Text:
        """The right edge: the number of sources (or 'unsourced') and the id."""
        sources = len(event.sources)
        right = Text(f"{sources} src" if sources else "unsourced",
                     style="" if sources else "yellow")  # fmt: skip
        right.append("  ")
        return right.append_text(text(event.id, style="dim"))

    def _least(self, event: Event) -> int:
        """The room the persons need beside the type: the first name whole, or as much
        of it as says who it is (12 cells), and '+N' for the others."""
        first = cell_len(self.names.get(event.persons[0], event.persons[0]))
        more = len(f" +{len(event.persons) - 1}") if len(event.persons) > 1 else 0
        return min(first, 12) + more

    def _persons(self, event: Event, room: int) -> Text:
        """The persons' names, or as many as fit and '+N'; a first name too long for the
        room is shortened with '…' (it had given way to a bare '+1')."""
        names = [self.names.get(p, p) for p in event.persons]
        for shown in range(len(names), 0, -1):
            more = len(names) - shown
            line = ", ".join(names[:shown]) + (f" +{more}" if more else "")
            if cell_len(line) <= room:
                return text(line)
        if not names:
            return Text("")
        others = f" +{len(names) - 1}" if len(names) > 1 else ""
        first = text(names[0])
        first.truncate(max(2, room - cell_len(others)), overflow="ellipsis")
        return first + Text(others)

    def _first_lines(self, event: Event, date: Text, width: int) -> list[Text]:
        """The type (with a verdict's outcome), persons, sources and id; on two lines when
        one is too narrow."""
        head = date + _typed(event)
        until = Text(f"until {show_date(event.end)}") if event.end else None
        if until is not None and cell_len(head.plain) + 1 + cell_len(until.plain) <= width:
            head, until = head + Text(" ") + until, None
        right = self._right(event)
        room = width - cell_len(head.plain) - cell_len(right.plain) - 2 * GAP
        if until is not None or room < 0 or (event.persons and room < self._least(event)):
            # Too narrow for one line: the end, the persons, then the sources and the
            # id (at the right edge) follow under the type, each where it fits.
            indent = Text(" " * cell_len(date.plain))
            lines = [head]
            if until is not None:
                lines.append(indent + until)
            room = width - cell_len(indent.plain)
            persons = self._persons(event, room)
            if persons.plain:
                lines.append(indent + persons)
            last = lines[-1]
            if len(lines) > 1 and cell_len(last.plain) + GAP + cell_len(right.plain) <= width:
                lines[-1] = pad(last, width - cell_len(right.plain)) + right
            else:
                lines.append(pad(Text(""), max(0, width - cell_len(right.plain))) + right)
            return lines
        # One line, built in place: a Text added to another is copied, 0.05 s of a
        # 930-event timeline.
        persons = self._persons(event, room)
        if persons.plain:
            head.append(" " * GAP)
            head.append_text(persons)
        head.append(" " * max(0, width - cell_len(right.plain) - cell_len(head.plain)))
        return [head.append_text(right)]

    def _oneline(self, event: Event, date: Text, width: int, types: int) -> Text:
        head = date + pad(event_type(event.type), types) + Text(" " * GAP)
        names = [self.names.get(p, p) for p in event.persons]
        who = names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "") if names else ""
        tail = text(event.id, style="dim")
        room = width - cell_len(head.plain) - cell_len(tail.plain) - GAP
        what = " ".join((event.description or event.place or "").split())  # one line
        later = "scheduled" if self._scheduled(event) else None
        decided = ", ".join(filter(None, (later, event.outcome, event.term)))
        what = f"({decided}) {what}".rstrip() if decided else what
        body = text(f"{who}: {what}" if who and what else who or what)
        if cell_len(body.plain) > room:
            body.truncate(max(1, room), overflow="ellipsis")
        line = head + body
        return pad(line, max(0, width - cell_len(tail.plain))) + tail


def _typed(event: Event) -> Text:
    """An event's type, and a verdict's outcome after it: 'verdict (guilty)', as reports
    show it."""
    typed = event_type(event.type)
    return typed.append(f" ({event.outcome})", style="bold") if event.outcome else typed


def _line(console: Console, line: Text) -> RenderResult:
    """One laid-out line as segments. Given as Text, Rich would split and join it again
    on its way out (0.09 s of a 930-event timeline, measured), though it wraps nothing:
    dossier's consoles print with soft wrap on. A tab is left to Rich to expand."""
    if "\t" in line.plain:
        yield line
        return
    yield from line.render(console, end="\n")


def timeline_view(
    timeline: Timeline, names: Mapping[str, str], *, oneline: bool = False
) -> RenderableType:
    """The chronology as records (or one line each), then custody periods, then problems."""
    parts: list[RenderableType] = [_Records(timeline, names, oneline)]
    problems = timeline.custody.problems
    periods = timeline.custody.periods
    troubled = {p.person for p in problems}
    if periods:
        parts.append(custody_table(periods, names, troubled))
    parts += problem_list(problems, names)
    legend = marks.period_legend(periods, [p.person in troubled for p in periods])
    note = marks.as_of_note(timeline.as_of.isoformat(), timeline.left_out,
                            listed=timeline.later_listed)  # fmt: skip
    parts.append(Wrapped(Text(f"{note}. {legend}".rstrip(), style="dim")))
    return Group(*parts)


def footer(as_of: str, left_out: int, legend: str = "") -> Wrapped:
    """The as-of note (with the later events left out) and what the marks mean."""
    return Wrapped(Text(f"{marks.as_of_note(as_of, left_out)}. {legend}".rstrip(), style="dim"))


class _Problems:
    """'N problems:', then each problem wrapped between words under itself.

    A dossier of 100,000 events may list thousands of problems: they are
    wrapped here as plain lines and written as segments, since Rich's own
    wrapping of each would cost a second.
    """

    def __init__(self, problems: Sequence[Problem], names: Mapping[str, str]) -> None:
        self.problems = problems
        self.names = names

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(marks.problem_heading(self.problems), style="bold yellow")
        style = console.get_style("yellow")
        width = max(20, options.max_width)
        name = self.names.get
        for problem in self.problems:
            line = printable(marks.problem_line(problem, lambda who: name(who, who)))
            for part in _wrap(line, width):
                yield Segment(part, style)
                yield Segment.line()


_WIDE = re.compile("[\u1100-\U0010ffff]")  # from here on, a character may take two cells


def _wrap(line: str, width: int, indent: str = "  ") -> list[str]:
    """A line broken between words into lines of at most `width` cells, the later ones
    indented; a word longer than a line is folded."""
    # cell_len costs, called per word on thousands of lines. Below U+1100 no character
    # takes two cells, so len() is exact or (combining marks) a little over: safe.
    narrow = line.isascii() or _WIDE.search(line) is None
    measure = len if narrow else cell_len
    if measure(line) <= width:
        return [line]
    limit = width - len(indent)
    if narrow and _longer_than(limit).search(line) is None:
        return _wrap_narrow(line, width, indent)
    return _wrap_words(line, width, indent, measure)


def _wrap_words(line: str, width: int, indent: str, measure: Callable[[str], int]) -> list[str]:
    """_wrap() word by word, each measured with `measure`."""
    limit = width - len(indent)
    lines: list[str] = []
    words: list[str] = []
    used = 0
    pieces: list[tuple[str, int]] = []
    for word in line.split(" "):  # a word longer than a line is folded, never cut
        size = measure(word)
        while size > limit:
            cut = limit
            while cut > 1 and measure(word[:cut]) > limit:
                cut -= 1
            pieces.append((word[:cut], measure(word[:cut])))
            word = word[cut:]
            size = measure(word)
        pieces.append((word, size))
    for word, size in pieces:
        if words and used + 1 + size > width:
            lines.append(" ".join(words))
            words, used = [indent + word], len(indent) + size
        else:
            used += size + (1 if words else 0)
            words.append(word)
    return [*lines, " ".join(words)]


def _wrap_narrow(line: str, width: int, indent: str) -> list[str]:
    """_wrap() of a line whose characters take a cell each and whose words all fit on a
    line: each line the longest run of words that fits, found with one search (a
    statistics run of 1,000,000 events wraps 45,000 problems: 0.5 s word by word)."""
    lines: list[str] = []
    start, prefix, end = 0, "", len(line)
    while end - start > width - len(prefix):
        cut = line.rfind(" ", start, start + width - len(prefix) + 1)
        lines.append(prefix + line[start:cut])
        start, prefix = cut + 1, indent
    lines.append(prefix + line[start:])
    return lines


@cache
def _longer_than(limit: int) -> re.Pattern[str]:
    """A word longer than `limit` characters."""
    return re.compile(f"[^ ]{{{limit + 1},}}")


def problem_list(problems: Sequence[Problem], names: Mapping[str, str]) -> list[RenderableType]:
    """'N problems:', then one line each naming person, case, event and what is wrong."""
    return [_Problems(problems, names)] if problems else []


def custody_table(
    periods: Sequence[Period], names: Mapping[str, str], troubled: Collection[str] = ()
) -> Grid:
    """One row per custody or house-arrest period; `troubled` persons marked '!'."""
    # The kind only where some period is house arrest: "custody" on every row says nothing.
    kinds = any(p.kind == "house_arrest" for p in periods)
    table = make_table(
        words("person"),
        # The kind goes last: without it, the days of a house arrest read as custody.
        *([fixed("kind", drop=3)] if kinds else []),
        fixed("start"),
        fixed("end"),
        fixed("days", right=True),
        fixed("pretrial", right=True, drop=2),
        fixed("ended by", drop=1),
        flexible("facilities", below=24),
        title="Custody",
    )
    for period in periods:
        name = names.get(period.person, period.person)
        kind = [marks.period_kind(period)] if kinds else []
        table.add_row(
            text(marks.marked(name, period.person in troubled)),
            *kind,
            show_date(period.start),
            show_date(period.end) if period.end else Text("still held", style="bold red"),
            marks.period_days(period),
            marks.period_pretrial(period),
            event_type(period.ended_by) if period.ended_by else "",
            text("; ".join(period.facilities)),
        )
    return table


def bar(value: float, largest: float, width: int = BAR_WIDTH) -> Text:
    """A bar of block characters, `largest` filling `width`."""
    cells = round(width * value / largest) if largest else 0
    return Text("█" * cells or ("▏" if value else ""), style="cyan")


def _counts(title: str, label: str, counts: Mapping[str, int]) -> Grid:
    table = make_table(
        fixed(label) if label == "type" else words(label),
        fixed("n", right=True),
        Column("", BAR, drop=1),
        title=title,
    )
    largest = max(counts.values(), default=0)
    for key, n in counts.items():
        table.add_row(event_type(key) if label == "type" else text(key), str(n), bar(n, largest))
    return table


def stats_view(stats: Stats, names: Mapping[str, str]) -> RenderableType:
    """Summary tables: cases, events, custody, verdicts, extradition."""
    data = stats.to_dict()
    custody, verdicts, extradition = data["custody"], data["verdicts"], data["extradition"]
    shown = marks.summary(custody)
    summary = make_table(words(""), fixed("", right=True), title="Summary", header=False)
    for label, value in (
        ("cases", data["cases"]["total"]),
        ("persons", data["persons"]),
        ("events", data["events"]["total"]),
        ("persons held", custody["persons_held"]),
        ("custody periods", custody["periods"]),
        ("days in custody (total)", shown["total_days"]),
        ("pretrial days, median", shown["median_pretrial_days"]),
        ("pretrial days, maximum", shown["max_pretrial_days"]),
        ("currently held", custody["currently_held"]),
        ("deaths in custody", custody["deaths_in_custody"]),
        ("guilty verdicts", verdicts["guilty"]),
        ("acquittals", verdicts["acquitted"]),
        ("conviction rate", marks.percent(verdicts["guilty"], verdicts["acquitted"])),
        ("extradition requests", extradition["requests"]),
        ("extradition granted", extradition["granted"]),
        ("extradition refused", extradition["refused"]),
    ):
        summary.add_row(label, "—" if value is None else str(value))
    parts: list[RenderableType] = [
        summary,
        _counts("Cases by status", "status", data["cases"]["by_status"]),
        _counts("Events by type", "type", data["events"]["by_type"]),
    ]
    if extradition["by_country"]:
        countries = make_table(
            words("country"),
            *(fixed(k, right=True) for k in ("requests", "granted", "refused")),
            title="Extradition",
        )
        for country, row in extradition["by_country"].items():
            countries.add_row(
                text(country), *(str(row[k]) for k in ("requests", "granted", "refused"))
            )
        parts.append(countries)
    parts += problem_list(stats.problems, names)
    legend = marks.summary_legend(shown.values())
    parts.append(footer(stats.as_of.isoformat(), stats.left_out, legend))
    return Group(*parts)


def _ended(ended_by: str | None) -> Text:
    """How a period ended, with spaces so that a narrow column can wrap it."""
    styled = event_type(ended_by or "")
    styled.plain = styled.plain.replace("_", " ")
    return styled


class _PerPerson:
    """The comparison table; the bar column only where there is room for it."""

    def __init__(self, stats: Stats, rows: Sequence[PersonRow], names: Mapping[str, str]) -> None:
        self.stats = stats
        self.rows = rows
        self.names = names

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = make_table(
            words("person (case)", ids_below=True),
            fixed("first held"),
            fixed("days held", right=True),
            fixed("pretrial days", right=True),
            Column("", BAR, drop=1),
            fixed("care denied", right=True, drop=4),
            fixed("ill-treated", right=True, drop=3),
            fixed("hunger strikes", right=True, drop=2),
            words("ended by", drop=6),
            fixed("verdict", drop=5),
            title="Persons held",
        )
        largest = max((r.pretrial_days for r in self.rows), default=0)
        for row in self.rows:
            cells: list[str | Text] = [
                text(marks.marked(row.name, bool(row.problems))).append(
                    f"\n({row.case})", style="dim"
                ),
                show_date(row.first_custody),
                marks.row_days(row),
                marks.row_pretrial(row),
            ]
            cells.append(bar(row.pretrial_days, largest, 8))
            cells += [
                str(row.medical_care_denied),
                str(row.ill_treatment),
                str(row.hunger_strikes),
                Text("still held", style="bold red") if row.ongoing else _ended(row.ended_by),
                text(row.verdict or "—"),
            ]
            table.add_row(*cells)
        yield table
        yield from problem_list(self.stats.problems, self.names)
        legend = marks.row_legend(self.rows)
        yield footer(self.stats.as_of.isoformat(), self.stats.left_out, legend)


def per_person_view(
    stats: Stats, rows: Sequence[PersonRow], names: Mapping[str, str]
) -> RenderableType:
    """The comparison table: one row per person ever held, with pretrial bars, then problems."""
    return _PerPerson(stats, rows, names)
