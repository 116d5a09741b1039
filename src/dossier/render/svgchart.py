"""The custody chart as SVG, for the HTML and PDF reports and beside Markdown ones.

A few rectangles on a year axis, written through a Jinja template
(templates/chart.svg.j2): no plotting library, and the same bytes for the same
chart every run (coordinates are rounded to hundredths, nothing depends on the
clock). Names are text, whole (a long one is clipped at the bars, never cut in
the text), so they can be searched and copied in the PDF. The
chart is as wide as the printable width of an A4 page with the report's
margins; its parts are those of the terminal chart (render/chart.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from dossier.chart import MARKERS, Chart

WIDTH = 680  # px: A4 (793.7 px at 96 dpi) less the report's 14 mm margins, rounded down
NAME_WIDTH = 150
ROW = 14
LEGEND_MARKERS = ((0, "hunger strike"), (95, "medical care denied"), (215, "ill-treatment"),
                  (305, "death in custody"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scale:
    """Days to x positions: the bar area runs from NAME_WIDTH to the chart's width."""

    start: datetime.date
    end: datetime.date
    left: float
    right: float

    def x(self, day: datetime.date) -> float:
        """The x position of a day."""
        span = max(1, (self.end - self.start).days)
        return self.left + (day - self.start).days * (self.right - self.left) / span


def scale(chart: Chart, width: int = WIDTH) -> Scale:
    """Whole years, from the first custody's to the last (the as-of day's while someone
    is held)."""
    first, last = chart.span()
    return Scale(
        datetime.date(first.year, 1, 1),
        datetime.date(last.year + 1, 1, 1),
        NAME_WIDTH,
        width - 8,
    )


def _n(value: float) -> str:
    """A coordinate, the same text every run."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def geometry(chart: Chart, width: int = WIDTH) -> dict[str, Any]:
    """What the template draws, every number already formatted."""
    at = scale(chart, width)
    rows = []
    for i, row in enumerate(chart.rows):
        bars = []
        for bar in row.bars:
            x0, x1 = at.x(bar.start), at.x(bar.end)
            split = min(x1, at.x(bar.pretrial_end))
            latest = at.x(bar.latest_end)
            bars.append(
                {
                    "x": _n(x0),
                    # A period of a day or less still shows (0.8 wide); a pretrial part
                    # of none, after a verdict that came first, does not.
                    "pretrial_width": _n(max(split - x0, 0.8))
                    if bar.pretrial_end > bar.start or bar.end == bar.start
                    else "",
                    "after_x": _n(split),
                    "after_width": _n(x1 - split) if x1 - split > 0 else "",
                    "end_x": _n(x1),
                    "unsure_width": _n(latest - x1) if latest - x1 >= 0.5 else "",
                    "running": bar.ongoing,
                    "arrow_x": _n(x1 + 6),
                }
            )
        markers = [
            {"x": _n(at.x(m.day)), "box_x": _n(at.x(m.day) - 4), "char": MARKERS[m.type]}
            for m in row.markers  # those the chart shows (chart._drawn)
        ]
        name = row.name + (" !" if row.problems else "")
        rows.append({"y": i * ROW, "name": name, "bars": bars, "markers": markers})
    axis_y = len(chart.rows) * ROW + 2
    ticks = []
    step = 1
    years = at.end.year - at.start.year
    while years / step * 30 > at.right - at.left:  # a label every 30 px at least
        step += 1
    for year in range(at.start.year, at.end.year + 1, step):
        x = at.x(datetime.date(year, 1, 1))
        if x + 12 <= width:  # a label centred on its tick, inside the chart
            ticks.append({"x": _n(x), "label": str(year)})
    legend_y = axis_y + 20
    legend = [(char, label, x) for (x, label), char in zip(LEGEND_MARKERS, MARKERS.values(),
                                                           strict=True)]  # fmt: skip
    return {
        "width": width,
        "height": legend_y + 30,
        "name_width": NAME_WIDTH - 6,
        "as_of": chart.as_of.isoformat(),
        "rows": rows,
        "ticks": ticks,
        "axis_y": axis_y,
        "legend_y": legend_y,
        "legend_markers": legend,
    }


def render(chart: Chart, width: int = WIDTH) -> str:
    """The chart as one SVG document (user text escaped)."""
    from dossier.render.html import templates

    return templates().get_template("chart.svg.j2").render(c=geometry(chart, width))
