"""The report as one self-contained HTML file (inline CSS, no scripts, A4 print styles).

Built from a Jinja2 template with autoescape on, so user text such as
`<script>` prints literally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.dates import show
from dossier.render import marks
from dossier.report import Report
from dossier.vocab import EVENT_TYPES, Effect

if TYPE_CHECKING:
    from jinja2 import Environment


def is_url(source: str) -> bool:
    """Whether a source is a web address (rendered as a link)."""
    return source.startswith(("http://", "https://"))


def templates() -> Environment:
    """The Jinja environment of render/templates/: autoescaped, strict about names."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("dossier.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(report: Report) -> str:
    """The HTML document."""
    env = templates()
    effects = {
        name: {Effect.START: "start", Effect.END: "end"}.get(effect, "")
        for name, effect in EVENT_TYPES.items()
    }
    from markupsafe import Markup

    from dossier.render import svgchart

    chart = report.chart
    # The SVG comes from its own autoescaped template: it is markup, not text, here.
    svg = Markup(svgchart.render(chart)) if chart is not None and chart.rows else None
    template = env.get_template("report.html.j2")
    return template.render(
        chart_svg=svg,
        report=report,
        effects=effects,
        is_url=is_url,
        display=show,
        marks=marks,
        identity=str,
    )
