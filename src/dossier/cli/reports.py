"""`dossier report`: a printable dossier of one or more cases."""

import sys
from pathlib import Path

import typer

from dossier.cli.common import AS_OF, as_of_day, complete_case, load, refuse_own_file, say, warn

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
    if fmt not in ("html", "md", "txt", "pdf"):  # render/documents.py FORMATS
        raise typer.BadParameter("must be html, md, txt or pdf", param_hint="--format")
    if fmt == "pdf" and output is None:
        raise typer.BadParameter("a PDF goes to a file: give -o FILE.pdf", param_hint="--format")
    day = as_of_day(as_of)
    refuse_own_file(ctx, output)
    d = load(ctx, cases=cases)
    for case_id in cases:
        require_case(d, case_id)
    built = build(
        d,
        list(dict.fromkeys(cases)),
        as_of=day,
        include_confidential=include_confidential,
    )
    from dossier.render.documents import files
    from dossier.storage import write_atomic

    made = files(d, built, fmt, output, include_confidential=include_confidential)
    warn(made.warnings)
    for where, data in made.written:
        if where is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            refuse_own_file(ctx, where)
            write_atomic(where, data, "report")
            if d.key is not None:
                warn([f"{where} is not encrypted"])
    if output is None:
        return
    note = " (redacted)" if built.redacted else ""
    say(f"Wrote {output}{note}; state hash {built.state_hash}")
