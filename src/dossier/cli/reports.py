"""`dossier report`: a printable dossier of one or more cases."""

import sys
from pathlib import Path

import typer

from dossier.cli.common import AS_OF, as_of_day, complete_case, load, say

FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".txt": "txt",
           ".pdf": "pdf"}  # fmt: skip


def report(
    ctx: typer.Context,
    cases: list[str] = typer.Argument(
        ..., metavar="CASE...", help="The cases to report on.", autocompletion=complete_case
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="File to write."),
    fmt: str | None = typer.Option(
        None, "--format", help="html, md, txt or pdf (default: from -o, else txt on stdout)."
    ),
    as_of: str | None = AS_OF,
    include_confidential: bool = typer.Option(
        False, "--include-confidential", help="Do not redact confidential persons and events."
    ),
) -> None:
    """Write a report: persons, custody, timeline, statistics and numbered sources.

    Example: dossier report khodorkovsky -o khodorkovsky.html
    """
    from dossier.ops import require_case
    from dossier.report import build

    if fmt is None and output is not None and output.suffix:
        fmt = FORMATS.get(output.suffix.lower())
        if fmt is None:
            raise typer.BadParameter(
                f"cannot tell the format from {output.suffix!r}: use .html, .md, .txt or .pdf,"
                " or --format",
                param_hint="-o",
            )
    fmt = fmt or "txt"
    if fmt not in ("html", "md", "txt", "pdf"):
        raise typer.BadParameter("must be html, md, txt or pdf", param_hint="--format")
    if fmt == "pdf" and output is None:
        raise typer.BadParameter("a PDF goes to a file: give -o FILE.pdf", param_hint="--format")
    day = as_of_day(as_of)
    d = load(ctx)
    for case_id in cases:
        require_case(d, case_id)
    built_cases = list(dict.fromkeys(cases))
    built = build(
        d,
        built_cases,
        as_of=day,
        include_confidential=include_confidential,
    )
    from dossier.storage import write_atomic

    if fmt == "pdf":
        assert output is not None
        from dossier.io import export
        from dossier.render import pdf

        records = export.select(d, built_cases, include_confidential=include_confidential)
        data = b"".join(export.to_json(records))
        write_atomic(output, pdf.render(built, data), "report")
        say(f"Wrote {output}{' (redacted)' if built.redacted else ''}; state hash"
            f" {built.state_hash}")  # fmt: skip
        return
    if fmt == "html":
        from dossier.render.html import render as html

        document = html(built)
    elif fmt == "md":
        from dossier.render.markdown import render as markdown

        chart = None
        if output is not None and built.chart is not None and built.chart.rows:
            from dossier.render import svgchart

            chart = output.with_name(f"{output.stem}-custody.svg")
            write_atomic(chart, svgchart.render(built.chart).encode("utf-8"), "report")
        document = markdown(built, chart.name if chart is not None else None)
    else:
        from dossier.render.text import render as text

        document = text(built)
    if output is None:
        sys.stdout.write(document)
        return
    write_atomic(output, document.encode("utf-8"), "report")
    note = " (redacted)" if built.redacted else ""
    say(f"Wrote {output}{note}; state hash {built.state_hash}")
