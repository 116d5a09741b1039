"""Rich views of a timeline, custody periods and statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from dossier.custody import Period
from dossier.dates import stored
from dossier.render.terminal import event_type, make_table, show_date, text
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


def timeline_view(timeline: Timeline, names: Mapping[str, str]) -> RenderableType:
    """The chronology, then custody periods per person, then problems."""
    table = make_table("date", "type", "persons", "place", "description", "src", "id")
    previous: str | None = None
    for event in timeline.events:
        date = Text(show_date(event.date) + (" – " + show_date(event.end) if event.end else ""))
        gap = since(previous, event.date)
        if gap:
            date.append("\n" + gap, style="dim")
        description = text(event.description)
        if event.note:
            description.append(("\n" if event.description else "") + "Note: " + event.note,
                               style="italic")  # fmt: skip
        table.add_row(
            date,
            event_type(event.type),
            text("\n".join(names.get(p, p) for p in event.persons)),
            text(event.place),
            description,
            str(len(event.sources)) if event.sources else Text("none", style="yellow"),
            text(event.id, style="dim"),
        )
        previous = event.date
    parts: list[RenderableType] = [table]
    if timeline.custody.periods:
        parts.append(custody_table(timeline.custody.periods, names))
    for problem in timeline.custody.problems:
        parts.append(Text("Problem: " + problem, style="yellow"))
    parts.append(Text(f"As of {timeline.as_of.isoformat()}; ~ marks approximate figures.",
                      style="dim"))  # fmt: skip
    return Group(*parts)


def custody_table(periods: Sequence[Period], names: Mapping[str, str]) -> Table:
    """One row per custody or house-arrest period."""
    table = make_table(
        "person", "kind", "start", "end", "days", "pretrial", "ended by", "facilities",
        title="Custody",
    )  # fmt: skip
    for period in periods:
        rough = "~" if period.approximate else ""
        table.add_row(
            text(names.get(period.person, period.person)),
            "house arrest" if period.kind == "house_arrest" else "custody",
            show_date(period.start),
            show_date(period.end) if period.end else Text("still held", style="bold red"),
            f"{rough}{period.days}",
            f"{rough}{period.pretrial_days}",
            event_type(period.ended_by) if period.ended_by else "",
            text("; ".join(period.facilities)),
        )
    return table


def bar(value: float, largest: float, width: int = BAR_WIDTH) -> Text:
    """A bar of block characters, `largest` filling `width`."""
    cells = round(width * value / largest) if largest else 0
    return Text("█" * cells or ("▏" if value else ""), style="cyan")


def _counts(title: str, label: str, counts: Mapping[str, int]) -> Table:
    table = make_table(label, "n", "", title=title)
    largest = max(counts.values(), default=0)
    for key, n in counts.items():
        table.add_row(event_type(key) if label == "type" else text(key), str(n), bar(n, largest))
    return table


def stats_view(stats: Stats) -> RenderableType:
    """Summary tables: cases, events, custody, verdicts, extradition."""
    data = stats.to_dict()
    custody, verdicts, extradition = data["custody"], data["verdicts"], data["extradition"]
    rate = verdicts["conviction_rate"]
    summary = make_table("", "", title="Summary", header=False)
    for label, value in (
        ("cases", data["cases"]["total"]),
        ("persons", data["persons"]),
        ("events", data["events"]["total"]),
        ("persons held", custody["persons_held"]),
        ("custody periods", custody["periods"]),
        ("days in custody (total)", custody["total_days"]),
        ("pretrial days, median", custody["median_pretrial_days"]),
        ("pretrial days, maximum", custody["max_pretrial_days"]),
        ("currently held", custody["currently_held"]),
        ("deaths in custody", custody["deaths_in_custody"]),
        ("guilty verdicts", verdicts["guilty"]),
        ("acquittals", verdicts["acquitted"]),
        ("conviction rate", "n/a" if rate is None else f"{rate:.0%}"),
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
        countries = make_table("country", "requests", "granted", "refused", title="Extradition")
        for country, row in extradition["by_country"].items():
            countries.add_row(
                text(country), *(str(row[k]) for k in ("requests", "granted", "refused"))
            )
        parts.append(countries)
    parts.append(Text(f"As of {stats.as_of.isoformat()}.", style="dim"))
    return Group(*parts)


def _ended(ended_by: str | None) -> Text:
    """How a period ended, with spaces so that a narrow column can wrap it."""
    styled = event_type(ended_by or "")
    styled.plain = styled.plain.replace("_", " ")
    return styled


class _PerPerson:
    """The comparison table; the bar column only where there is room for it."""

    def __init__(self, rows: Sequence[PersonRow], as_of: str) -> None:
        self.rows = rows
        self.as_of = as_of

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        bars = options.max_width >= 100
        columns = ["person (case)", "first\nheld", "days\nheld", "pre-\ntrial"]
        columns += ["", "care\ndenied"] if bars else ["care\ndenied"]
        columns += ["ill-\ntreated", "hunger\nstrikes", "ended\nby", "verdict"]
        table = make_table(*columns, title="Persons held")
        largest = max((r.pretrial_days for r in self.rows), default=0)
        for row in self.rows:
            rough = "~" if row.approximate else ""
            cells: list[RenderableType] = [
                text(row.name).append(f"\n({row.case})", style="dim"),
                show_date(row.first_custody),
                f"{rough}{row.custody_days}" + (" +" if row.ongoing else ""),
                f"{rough}{row.pretrial_days}",
            ]
            if bars:
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
        note = f"As of {self.as_of}; ~ marks approximate figures, + a period still running."
        yield Text(note, style="dim")


def per_person_view(rows: Sequence[PersonRow], as_of: str) -> RenderableType:
    """The comparison table: one row per person ever held, with pretrial bars."""
    return _PerPerson(rows, as_of)
