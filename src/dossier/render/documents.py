"""The files a report is written as: one document in the format asked for, and
beside a Markdown report its custody chart as SVG."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from dossier.report import Report
from dossier.store.records import Records

FORMATS = ("html", "md", "txt", "pdf")


class Files(NamedTuple):
    """The files of a report, and what its reader should know of them."""

    written: list[tuple[Path | None, bytes]]  # (where, what); None is standard output
    warnings: list[str]


def files(
    d: Records, report: Report, fmt: str, output: Path | None, *, include_confidential: bool
) -> Files:
    """Each file of the report. A PDF carries the JSON export of the reported cases
    (with export's rules for confidential records)."""
    if fmt == "pdf":
        from dossier.io import export
        from dossier.render import pdf

        cases = [s.case.id for s in report.sections]
        records = export.select(d, cases, include_confidential=include_confidential)
        typeset = pdf.render(report, b"".join(export.to_json(records)))
        return Files([(output, typeset.data)], typeset.warnings)
    return Files(_documents(report, fmt, output), [])


def _documents(report: Report, fmt: str, output: Path | None) -> list[tuple[Path | None, bytes]]:
    """The files of a report in a format that needs nothing but the report."""
    if fmt == "html":
        from dossier.render.html import render as html

        return [(output, html(report).encode("utf-8"))]
    if fmt == "md":
        from dossier.render.markdown import render as markdown

        if output is None or report.chart is None or not report.chart.rows:
            return [(output, markdown(report).encode("utf-8"))]
        from dossier.render import svgchart

        chart = output.with_name(f"{output.stem}-custody.svg")
        return [
            (chart, svgchart.render(report.chart).encode("utf-8")),
            (output, markdown(report, chart.name).encode("utf-8")),
        ]
    from dossier.render.text import render as text

    return [(output, text(report).encode("utf-8"))]
