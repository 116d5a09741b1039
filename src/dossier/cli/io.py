"""`dossier import`, `dossier export` and `dossier copy`."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dossier.cli.common import (
    DAYFIRST,
    complete_case,
    db_where,
    edit,
    load,
    print_json,
    refuse_own_file,
    say,
    warn,
)
from dossier.errors import DatabaseError, DossierError, Duplicate, one_line

if TYPE_CHECKING:
    from dossier.io.importer import Source, Summary
    from dossier.store import Records

FORMATS = ("auto", "json", "jsonl", "csv")  # import's
EXPORTS = ("json", "jsonl", "csv", "ftm", "uwazi")
# Show a progress bar when there is this much to read (and stderr is a terminal).
PROGRESS_BYTES = 2_000_000


class ImportRefused(DossierError):
    """Some rows are bad: nothing was imported."""


def _sources(files: list[str], fmt: str) -> list["Source"]:
    from dossier.io.importer import Source

    sources = []
    for name in files:
        if name == "-":
            sources.append(Source("<stdin>", sys.stdin.buffer.read(), fmt))
            continue
        try:
            sources.append(Source(name, Path(name).read_bytes(), fmt))
        except OSError as exc:
            raise DossierError(f"cannot read {name}: {exc.strerror}") from None
    return sources


def import_(
    ctx: typer.Context,
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Files to import; - for stdin."),
    fmt: str = typer.Option("auto", "--format", help="auto (from the name), json, jsonl or csv."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Report what would change; write nothing."
    ),
    create_missing: bool = typer.Option(
        False, "--create-missing", help="Create unknown cases and persons instead of refusing."
    ),
    dayfirst: bool | None = DAYFIRST,
    encoding: str = typer.Option("utf-8", "--encoding", help="Text encoding of CSV files."),
    allow_future: bool = typer.Option(
        False,
        "--allow-future",
        help="Import dates after today for types that must already have happened (an arrest).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import events, persons or cases from CSV, JSON or JSON Lines: all rows or none.

    Example: dossier import events.csv --dry-run
    """
    from dossier.io.importer import import_sources, read_sources
    from dossier.io.scope import import_scope
    from dossier.server.connect import is_server

    if fmt not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--format")
    sources = _sources(files, fmt)
    parsed = read_sources(sources, encoding)

    def run(d: "Records") -> "Summary":
        return import_sources(
            d, sources, create_missing=create_missing, dayfirst=dayfirst, encoding=encoding,
            progress=bar, allow_future=allow_future, parsed=parsed,
        )  # fmt: skip

    with progress_bar(sum(len(s.data) for s in sources)) as bar:
        # On a server, only the cases the rows name are read (and locked, to write).
        scope = import_scope(parsed, create_missing) if is_server(db_where(ctx)) else None
        if dry_run:
            summary = run(d := load(ctx, dry_run=True, scope=scope))
            if not summary.errors:
                d.require_committable()  # a read-only member's, as the import would
        else:
            try:
                with edit(ctx, scope, adds=True) as d:
                    summary = run(d)
                    if summary.errors:
                        raise ImportRefused("")  # leaves the dossier unwritten
            except ImportRefused:
                pass
    _report(summary, files, dry_run, as_json)


def _report(summary: "Summary", files: list[str], dry_run: bool, as_json: bool) -> None:
    if as_json:
        print_json(summary.to_dict())
    for warning in summary.warnings:
        typer.echo(f"Warning: {one_line(str(warning))}", err=True)
    if summary.errors:
        for error in summary.errors:
            typer.echo(f"Error: {one_line(str(error))}", err=True)
        bad_files = len({e.file for e in summary.errors})
        raise ImportRefused(
            f"{len(summary.errors)} problem(s) in {bad_files} file(s); nothing was imported"
        )
    if not as_json:
        from dossier.render.summary import import_summary

        title = "Would import (dry run, nothing written)" if dry_run else "Imported"
        sys.stdout.write(import_summary(summary, f"{title}: {', '.join(files)}", dry_run=dry_run))


@contextmanager
def progress_bar(size: int) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr for long imports, only on a terminal."""
    if size < PROGRESS_BYTES or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Checking rows", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def export(
    ctx: typer.Context,
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="json, jsonl or csv (default: from -o); ftm (FollowTheMoney lines, for Aleph) or"
        " uwazi (a folder of CSVs).",
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="For CSV: events (the default), persons or cases."
    ),
    case: list[str] | None = typer.Option(
        None, "--case", help="Only these cases (repeatable).", autocompletion=complete_case
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="File to write (default: stdout)."
    ),
    include_confidential: bool = typer.Option(
        False, "--include-confidential", help="Also export confidential persons and events."
    ),
) -> None:
    """Export the dossier: JSON or JSON Lines (everything), CSV (one kind), FtM entities
    for Aleph, or a folder of CSVs for Uwazi. Partial dates keep their precision.

    Example: dossier export --format csv --kind persons -o persons.csv
    """
    from dossier.io import export as ex
    from dossier.ops import require_case

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in ("json", "jsonl", "csv", "ftm") else "json"
    if fmt not in EXPORTS:
        raise typer.BadParameter(f"must be {', '.join(EXPORTS)}", param_hint="--format")
    if fmt == "uwazi" and output is None:
        raise typer.BadParameter("give the folder to write: -o FOLDER", param_hint="--output")
    if kind is not None and fmt != "csv":
        raise typer.BadParameter(
            f"is for CSV only: a {fmt} export holds every kind of record", param_hint="--kind"
        )
    kind = kind or "events"
    if kind not in ("events", "persons", "cases"):
        raise typer.BadParameter("must be events, persons or cases", param_hint="--kind")
    refuse_own_file(ctx, output)
    if fmt == "uwazi" and output is not None:  # the dossier may be one of the folder's
        from dossier.io.uwazi import NAMES

        for name in NAMES:
            refuse_own_file(ctx, output / name)
    d = load(ctx)
    for case_id in case or ():
        require_case(d, case_id)
    records = ex.select(d, case or (), include_confidential=include_confidential)
    everything = ex.select(d, case or ()) if not include_confidential else records
    left_out = {k: len(everything[k]) - len(records[k]) for k in ("persons", "events")}
    if fmt in ("ftm", "uwazi"):
        # FtM tells custody periods: those that other cases' events change are left out.
        outside = list(d.outside_events(set(case))) if case and fmt == "ftm" else []
        # The order recorded, which the whole record is taken in (only with `outside`).
        recorded = d.event_order() if outside else {}
        _exchange(fmt, records, everything, outside, left_out, d.history_count(), output,
                  d.key is not None, recorded)  # fmt: skip
        return
    if any(left_out.values()):
        typer.echo(
            f"Warning: {left_out['persons']} person(s) (confidential, or named only by"
            f" confidential events) and {left_out['events']} confidential event(s) left out;"
            " pass --include-confidential for a complete export",
            err=True,
        )
    if fmt == "csv":
        chunks = ex.to_csv(kind[:-1], records[kind])
    else:
        chunks = ex.to_json(records) if fmt == "json" else ex.to_jsonl(records)
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    from dossier.storage import write_atomic

    write_atomic(output, b"".join(chunks), "export")
    if d.key is not None:
        warn([f"{output} is not encrypted"])
    counts = ", ".join(f"{len(v)} {k}" for k, v in records.items())
    say(f"Wrote {output} ({fmt}: {counts if fmt != 'csv' else f'{len(records[kind])} {kind}'}).")


def _exchange(
    fmt: str,
    records: dict[str, list[dict[str, Any]]],
    everything: dict[str, list[dict[str, Any]]],
    outside: list[dict[str, Any]],
    left_out: dict[str, int],
    history: int,
    output: Path | None,
    encrypted: bool,
    recorded: dict[str, int],
) -> None:
    """`export --format ftm|uwazi`: the entities or the folder, then one line on stderr
    per kind of loss (and, from an encrypted dossier, that the file written is not)."""
    from dossier.io.losses import Losses
    from dossier.storage import write_atomic

    losses = Losses(history=history, confidential=(left_out["persons"], left_out["events"]))
    if fmt == "ftm":
        from dossier import dates
        from dossier.io import ftm

        # One chunk a line, one line an entity.
        chunks = list(
            ftm.to_ftm(ftm.entities(records, dates.today(), losses, everything, outside, recorded))
        )
        if output is None:
            sys.stdout.buffer.write(b"".join(chunks))
            sys.stdout.flush()
        else:
            write_atomic(output, chunks, "export")
        warn(losses.lines("FtM"))
        if output is not None:
            if encrypted:
                warn([f"{output} is not encrypted"])
            say(f"Wrote {output} (ftm: {len(chunks)} entities).")
        return
    from dossier.errors import InvalidValue
    from dossier.io import uwazi

    assert output is not None
    if output.exists() and not output.is_dir():
        raise InvalidValue(f"{output} is a file; for uwazi, -o names the folder to write")
    output.mkdir(mode=0o700, parents=True, exist_ok=True)  # its files are 0600
    for name, payload in uwazi.files(records, losses).items():
        write_atomic(output / name, payload, "export")
    warn(losses.lines("Uwazi"))
    if encrypted:
        warn([f"{output} is not encrypted"])
    counts = ", ".join(f"{len(v)} {k}" for k, v in records.items())
    say(f"Wrote {output}/ (uwazi: cases.csv, persons.csv, events.csv, README.txt; {counts}).")


def copy(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="SRC", help="A dossier file or a server URL."),
    target: str = typer.Argument(
        ..., metavar="DST", help="A new (or empty) dossier file, or an empty server database."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Copy a whole dossier between files and servers: ids, times and order kept.

    From a server it copies what you can see. To copy into an encrypted file, make
    it first: dossier --db new.json encrypt.

    Example: dossier copy yukos.json postgresql://alice@db.example.org/defence
    """
    from dossier.cli.common import keys
    from dossier.io.copy import copy_records
    from dossier.server.connect import check, is_server, shown
    from dossier.store import edit_store, open_store, real_path

    check(source, "SRC")
    check(target, "DST")

    def name(where: str) -> str:
        return shown(where) if is_server(where) else where

    files = not is_server(source) and not is_server(target)
    if files and real_path(source) == real_path(target):
        raise DossierError(f"{source} is both SRC and DST; copy into another file")
    opened = open_store(source, keys=keys(ctx))
    command = f"copy {name(source)} {name(target)}"  # never a password, even one in a URL
    try:
        with edit_store(target, command, keys=keys(ctx), create_folders=False) as d:
            counts = copy_records(opened, d, source_name=name(source), target_name=name(target))
            encrypted = d.key is not None
    except Duplicate as taken:  # a copy keeps its ids: there is no other to choose
        raise DatabaseError(
            f"{name(target)}: {str(taken).removesuffix('; choose another')}; nothing was"
            " copied, since a copy keeps its ids: copy into a database of its own"
        ) from None
    if as_json:
        print_json({**counts, "from": name(source), "to": name(target)})
    else:
        say(
            f"Copied {counts['cases']} case(s), {counts['persons']} person(s) and"
            f" {counts['events']} event(s) from {name(source)} to {name(target)}."
        )
    if opened.key is not None and not is_server(target) and not encrypted:
        warn([f"{target} is not encrypted; 'dossier --db {target} encrypt' encrypts it"])
