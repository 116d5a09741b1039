"""The custody chart as SVG, for the HTML and PDF reports and beside Markdown ones.

A few rectangles on a year axis, written through a Jinja template
(templates/chart.svg.j2): no plotting library, and the same bytes for the same
chart every run (coordinates are rounded to hundredths, nothing depends on the
clock or on the fonts of the machine). The chart is as wide as the printable
width of an A4 page with the report's margins; its parts are those of the
terminal chart (render/chart.py).

Names are text, so they can be searched and copied in the PDF, and a label
(the name, and " !" when the person has a problem) is never clipped: it is
measured here, from the advance widths of the chart's fonts (label_width,
which never measures a Latin, Greek or Cyrillic label short), and one wider
than the name column is condensed to it (textLength, which WeasyPrint and
browsers honour). One that would be condensed below 70% of its width is
shortened with "…", as the terminal chart shortens it, the " !" kept; its
whole name is the row's <title>, and in the report's tables.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from typing import Any

from dossier.chart import MARKERS, Chart

WIDTH = 680  # px: A4 (793.7 px at 96 dpi) less the report's 14 mm margins, rounded down
NAME_WIDTH = 150
LABEL_ROOM = NAME_WIDTH - 6  # px: the labels' column, a gap short of the bars
ROW = 14
FONT_SIZE = 9  # px, as the template's style sets it
CONDENSED = 0.7  # a label is condensed to no less than this of its natural width
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
            for m in row.markers  # those the chart shows (chart._placed)
        ]
        mark = " !" if row.problems else ""
        name, condensed = label(row.name, mark)
        rows.append(
            {
                "y": i * ROW,
                "name": name,
                # A shortened label's whole name, the row's tooltip in a browser.
                "title": row.name if name != row.name + mark else "",
                "condensed": condensed,
                "bars": bars,
                "markers": markers,
            }
        )
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
        "label_room": LABEL_ROOM,
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


# Labels --------------------------------------------------------------------------------

# Advance widths in twentieths of an em: for each character, the wider of DejaVu Sans's
# and Liberation Sans's (the metrics of Arial), rounded up, so that a label is never
# measured shorter than it is drawn in either. Letters with marks are measured as their
# canonical decomposition (é as e and a mark of no width): listed here are the base
# letters, and the few letters with a mark that are wider than their base (ľ, Ơ, Έ).
_TWENTIETHS = {
    5: "′",
    6: "'IijlıłΙІіјӀӏ",
    7: " ,./:;\\|¦·ŀι‘’‚\xa0",
    8: "()-[]ftľŧſ″‹›",
    9: "!r¡Ί",
    10: '"*J`°Ј',
    11: "cszεζгзсэєѕґҙҫ“”„",
    12: "?L_kvxy§ĳĸĿŁΓγκλνξςυχвтухчьғүұҳҷ–†‡•",
    13: "$0123456789FTabdeghnopqu{}¢£¤¥«¶»¿ßðøþđŋŦΞΣΤβδηθμορστГЗТУабеиклоряђҐҘқҮҰһәө€ơư",
    14: "ABEKPSVXYZÞħΑΒΔΕΖΚΛΡΥΧαπφЅАБВЕРХЧЬднпцћџҒңҪҲҶҺΆ",
    15: "CNRUĲŊΝψЄИКСЭЯъҚ",
    16: "&DGHOQÐØĐΗΘΟΠΦΩЏДЛНОПЦмыҢӘӨΈ",
    17: "#+<=>^w~¬±×÷ŉΨωЪюҡΌΏ",
    18: "MΜЂЋМФЫфњҠΉΎƯ",
    19: "ĦжшщљҗƠ",
    20: "%Wm©®Ææ—…™",
    21: "@œЊ",
    22: "ŒЉЖШЩЮҖ№",
    26: "₧₯",
    27: "‰",
    35: "‱",
}
_EM = {char: n / 20 for n, chars in _TWENTIETHS.items() for char in chars}
# Any other character: wider than any letter above, so that a name in another script is
# measured long rather than short.
_OTHER = 1.2


def _em(char: str) -> float:
    """The advance width of a character, in ems (see _TWENTIETHS)."""
    if char in _EM:
        return _EM[char]
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0  # a mark drawn over the letter before it, or a character not drawn
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    decomposition = unicodedata.decomposition(char).split()
    parts = sum(_em(chr(int(code, 16))) for code in decomposition if not code.startswith("<"))
    if decomposition and not decomposition[0].startswith("<"):
        return parts  # é: e and a mark
    return max(parts, _OTHER)  # ǅ is D and ž; ¨ is drawn wider than a space and a mark


def label_width(text: str) -> float:
    """The width of a text in px at the chart's font size, never less than it is drawn."""
    return sum(map(_em, text)) * FONT_SIZE


def label(name: str, mark: str = "", room: float = LABEL_ROOM) -> tuple[str, bool]:
    """A row's label, the name and its mark (" !" with problems), and whether it is
    condensed to `room` px: whole when it fits, or fits condensed to 70%; else the name
    shortened with "…" to what fits condensed, the mark kept."""
    text = name + mark
    if label_width(text) * CONDENSED > room:
        # The longest start of the name that fits with "…" and the mark: widths only
        # grow with the start, and a mark (of no width) stays with its letter.
        budget = room / CONDENSED / FONT_SIZE - sum(map(_em, "…" + mark))  # in ems
        cut, used = 0, 0.0
        for i, char in enumerate(name):
            used += _em(char)
            if used > budget:
                break
            cut = i + 1
        text = name[:cut].rstrip() + "…" + mark
    return text, label_width(text) > room
