"""The custody chart in the terminal: one bar per person across the years.

Each cell of a bar is a stretch of days; a bar ends at an eighth of a cell
(`▏▎▍▌▋▊▉█`). The pretrial part is drawn `█`, the part after a verdict `▒`, the
days an imprecise end may add `░`; a period still running ends in `→`.
Markers overwrite the bar where they happened (`h` hunger strike, `m` medical
care denied, `x` ill-treatment, `†` death in custody). Without colour every
part and marker is still told apart by its character.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from dossier.chart import MARKERS, Chart, Row
from dossier.render import marks

NAME_MAX = 20
EIGHTHS = " ▏▎▍▌▋▊▉█"
PRETRIAL, AFTER, UNSURE, RUNNING = "█", "▒", "░", "→"
STYLES = {PRETRIAL: "red", AFTER: "dark_orange", UNSURE: "dim", RUNNING: "bold"}
MARKER_STYLE = "bold reverse"
LEGEND = (
    f"{PRETRIAL} pretrial  {AFTER} after a verdict  {UNSURE} end not known to the day"
    f"  {RUNNING} still held  "
    + "  ".join(f"{char} {kind.replace('_', ' ')}" for kind, char in MARKERS.items())
)


@dataclass(frozen=True, slots=True)
class Axis:
    """Where days fall on the screen: `cell(day)` is a column of the bar area."""

    start: datetime.date
    end: datetime.date
    width: int  # cells of the bar area

    @property
    def days_per_cell(self) -> float:
        """How many days one cell of a bar stands for."""
        return max(1, (self.end - self.start).days) / self.width

    def cell(self, day: datetime.date) -> float:
        """The position of a day, in cells from the left edge of the bar area."""
        return (day - self.start).days / self.days_per_cell


def name_width(rows: Sequence[Row], width: int) -> int:
    """The width of the name column: the longest name, at most NAME_MAX, at most a third."""
    longest = max((cell_len(r.name + (" !" if r.problems else "")) for r in rows), default=4)
    return max(4, min(longest, NAME_MAX, width // 3))


def axis(chart: Chart, width: int) -> Axis:
    """The time axis for a chart drawn `width` cells wide: whole years, the first
    custody's to the last (the as-of day's while someone is held)."""
    first, last = chart.span()
    start = datetime.date(first.year, 1, 1)
    end = datetime.date(last.year + 1, 1, 1)
    area = max(10, width - name_width(chart.rows, width) - 1)
    per_cell = max(1, (end - start).days) / area
    running = any(b.ongoing for row in chart.rows for b in row.bars)
    if running and (end - chart.as_of).days < 2 * per_cell:
        # Late in the year the as-of day falls in the last cell, and a bar still running
        # had no room for its arrow: it looked like one that ended. A year more makes it.
        end = datetime.date(end.year + 1, 1, 1)
    return Axis(start, end, area)


def _shorten(name: str, width: int) -> str:
    """`name` in `width` cells: whole; else with its middle names as initials, then its
    first names too, which keeps the surname ("Aleksey V. Pichugin", "V. V. Kara-Murza",
    where a cut left "Aleksey Vladimirovi…" and "Vladimir Vladimirov…", and no one could
    tell who was held); else the shortest of those cut with "…"."""
    if cell_len(name) <= width:
        return name
    short = name
    for candidate in _initialled(name):
        short = candidate
        if cell_len(candidate) <= width:
            return candidate
    return _cut(short, width)


def _cut(name: str, width: int) -> str:
    """`name` cut to `width` cells, "…" last."""
    while name and cell_len(name) > width - 1:
        name = name[:-1]
    return name.rstrip() + "…"


def _initialled(name: str) -> list[str]:
    """`name` with its middle names as initials, then its first names too."""
    words = name.split()
    found = []
    for first in (1, 0) if len(words) > 2 else (0,) if len(words) == 2 else ():
        if all(w[0].isalpha() for w in words[first:-1]):
            initials = (w if len(w) <= 2 else w[0] + "." for w in words[first:-1])
            found.append(" ".join([*words[:first], *initials, words[-1]]))
    return found


def _labels(rows: Sequence[Row], width: int) -> list[str]:
    """Each row's name in `width` cells (less the problem mark), as `_shorten` gives it;
    where two names come out the same (relatives, "A. Ivanov" for Aleksey and Andrey),
    both are cut instead, so that the chart never shows two persons as one."""
    room = [width - (cell_len(marks.marked("", True)) if row.problems else 0) for row in rows]
    short = [_shorten(row.name, w) for row, w in zip(rows, room, strict=True)]
    clash = Counter(short)
    for i, (row, w) in enumerate(zip(rows, room, strict=True)):
        if clash[short[i]] > 1 and short[i] != row.name:
            short[i] = _cut(row.name, w)
    return [marks.marked(n, bool(row.problems)) for n, row in zip(short, rows, strict=True)]


def _cells(row: Row, scale: Axis) -> list[str]:
    """The characters of one person's bar, cell by cell."""
    cells = [" "] * scale.width

    def fill(x0: float, x1: float, char: str, partial: bool) -> None:
        """Draw [x0, x1): whole cells, and the last one to an eighth when `partial`."""
        x0, x1 = max(0.0, x0), min(float(scale.width), x1)
        if x1 <= x0:
            return
        first, last = int(x0), int(x1)
        for i in range(first, min(last, scale.width)):
            cells[i] = char
        rest = x1 - last
        if last < scale.width and rest > 0:
            if partial:
                eighths = max(1, round(rest * 8))
                cells[last] = EIGHTHS[min(8, eighths)]
            elif rest >= 0.5:
                cells[last] = char
        if first == last and cells[first] == " ":  # shorter than a cell: still seen
            cells[first] = EIGHTHS[1] if partial else char

    for bar in row.bars:
        start, end = scale.cell(bar.start), scale.cell(bar.end)
        split = min(end, scale.cell(bar.pretrial_end))
        latest = scale.cell(bar.latest_end)
        fill(end, latest, UNSURE, False)
        fill(split, end, AFTER, False)
        fill(start, split, PRETRIAL, split >= end)
        # The bar's last eighth takes the cell its end falls in, where the unsure days
        # began: released "in 1966" after an arrest in February 1965 showed no `░` at a
        # year a cell, as if the end were known to the day. They go in the next cell,
        # if they reach into it.
        after = int(end) + 1
        if (
            latest > end
            and UNSURE not in cells[int(end) : int(latest) + 1]
            and after < min(latest, scale.width)
            and cells[after] == " "
        ):
            cells[after] = UNSURE
        if bar.ongoing:  # the arrow right after the last cell drawn
            drawn = max((i for i, c in enumerate(cells) if c != " "), default=-1)
            if drawn + 1 < scale.width:
                cells[drawn + 1] = RUNNING
    serious = list(MARKERS.values())  # in the order of MARKERS: the least serious first
    for marker in row.markers:  # those the chart shows (chart._placed)
        at = int(scale.cell(marker.day))
        char = MARKERS[marker.type]
        # Markers that fall in one cell: the most serious is drawn, whichever came last.
        if 0 <= at < scale.width and (
            cells[at] not in serious or serious.index(char) >= serious.index(cells[at])
        ):
            cells[at] = char
    return cells


def _styled(cells: list[str]) -> Text:
    line = Text()
    for char in cells:
        if char in MARKERS.values():
            line.append(char, style=MARKER_STYLE)
        elif char in EIGHTHS[1:]:
            line.append(char, style=STYLES[PRETRIAL])
        else:
            line.append(char, style=STYLES.get(char, ""))
    return line


def _years(scale: Axis) -> Text:
    """The year axis: a tick and a label at every year that leaves room for its label."""
    step = 1
    while scale.cell(datetime.date(scale.start.year + step, 1, 1)) < 5:
        step += 1
    line = [" "] * scale.width
    year = scale.start.year
    while True:
        at = int(scale.cell(datetime.date(year, 1, 1)))
        if at >= scale.width:
            break
        label = str(year)
        if at + len(label) <= scale.width:
            line[at : at + len(label)] = list(label)
        year += step
    return Text("".join(line).rstrip(), style="dim")


class ChartView:
    """The chart drawn at the width it is given."""

    def __init__(self, chart: Chart) -> None:
        self.chart = chart

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        chart = self.chart
        width = options.max_width
        if not chart.rows:
            yield Text("No one held in the selection.")
            yield Text(marks.as_of_note(chart.as_of.isoformat(), chart.left_out) + ".", style="dim")
            return
        names = name_width(chart.rows, width)
        scale = axis(chart, width)
        # The name is shortened, never the problem mark after it.
        for row, name in zip(chart.rows, _labels(chart.rows, names), strict=True):
            yield Text(name.ljust(names - cell_len(name) + len(name)) + " ") + _styled(
                _cells(row, scale)
            )
        yield Text(" " * (names + 1)) + _years(scale)
        yield from _wrapped_legend(width)
        note = marks.as_of_note(chart.as_of.isoformat(), chart.left_out)
        yield Text(f"{note}; one cell is {scale.days_per_cell:.0f} days.", style="dim")


def _wrapped_legend(width: int) -> list[Text]:
    """The legend, broken between its entries to fit the width."""
    lines: list[Text] = []
    current = ""
    for entry in LEGEND.split("  "):
        candidate = f"{current}  {entry}" if current else entry
        if current and cell_len(candidate) > width:
            lines.append(Text(current, style="dim"))
            current = entry
        else:
            current = candidate
    return [*lines, Text(current, style="dim")]
