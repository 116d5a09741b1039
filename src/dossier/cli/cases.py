"""`dossier case …`: add, list, show, edit, remove cases."""

import typer

from dossier.cli.common import (
    UNCHANGED,
    check_words,
    cleared,
    complete_case,
    complete_status,
    confirm,
    edit,
    edit_list,
    load,
    print_json,
    say,
    show,
)
from dossier.scope import Scope

app = typer.Typer(
    help="Add, list, show, edit and remove cases.", no_args_is_help=True, rich_markup_mode=None
)

CASE_ID = typer.Argument(..., help="The case id.", autocompletion=complete_case)
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


@app.command("add")
def add(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., metavar="ID", help="A new id: lower case, digits, '-'."),
    title: str = typer.Option(..., "--title", "-t", help="The case title."),
    summary: str | None = typer.Option(None, "--summary", help="A short summary."),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="Country code: RU."),
    status: str = typer.Option("open", "--status", autocompletion=complete_status),
    charge: list[str] | None = typer.Option(None, "--charge", help="A charge (repeatable)."),
    tag: list[str] | None = typer.Option(None, "--tag", help="A tag (repeatable)."),
    source: list[str] | None = typer.Option(None, "--source", help="URL or citation (repeatable)."),
    as_json: bool = JSON,
) -> None:
    """Add a case.

    Example: dossier case add aleksanyan --title "Vasily Aleksanyan" --jurisdiction RU
    """
    from dossier.model import Case
    from dossier.ops import add_case

    with edit(ctx, Scope(cases=[case_id]), adds=True) as d:  # on a server, not every case's events
        case = add_case(
            d,
            Case(
                id=case_id,
                title=title,
                summary=summary,
                jurisdiction=jurisdiction,
                status=status,
                charges=tuple(charge or ()),
                tags=tuple(tag or ()),
                sources=tuple(source or ()),
            ),
        )
    if as_json:
        print_json(case.to_dict())
    else:
        say(case.id)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", autocompletion=complete_status),
    tag: str | None = typer.Option(None, "--tag", help="Only cases with this tag."),
    as_json: bool = JSON,
) -> None:
    """List cases.

    Example: dossier case list --status pretrial --json
    """
    from dossier.render.terminal import cases_table
    from dossier.vocab import STATUSES

    check_words([status] if status else [], STATUSES, "status")
    d = load(ctx, cases=[], counts=not as_json)  # on a server, no event is read
    if tag is not None:
        from dossier.ops import require_tag

        require_tag(d, tag)
    cases = [
        c
        for c in d.cases
        if (status is None or c.status == status) and (tag is None or tag in c.tags)
    ]
    if as_json:
        print_json([c.to_dict() for c in cases])
        return
    show(cases_table(cases, d.event_counts()))


@app.command("show")
def show_(ctx: typer.Context, case_id: str = CASE_ID, as_json: bool = JSON) -> None:
    """Show one case with its persons.

    Example: dossier case show aleksanyan
    """
    from dossier.ops import require_case
    from dossier.render.terminal import case_detail

    d = load(ctx, cases=[case_id])
    case = require_case(d, case_id)
    if as_json:
        print_json(case.to_dict())
        return
    persons = [p for p in d.persons if case.id in p.cases()]
    n_events = d.event_counts().get(case.id, 0)
    show(case_detail(case, persons, n_events))


@app.command("edit")
def edit_(
    ctx: typer.Context,
    case_id: str = CASE_ID,
    title: str | None = typer.Option(None, "--title", "-t"),
    summary: str | None = typer.Option(None, "--summary", help="'' clears it."),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="'' clears it."),
    status: str | None = typer.Option(None, "--status", autocompletion=complete_status),
    charge: list[str] | None = typer.Option(None, "--charge", help="Replaces the charges."),
    add_charge: list[str] | None = typer.Option(None, "--add-charge"),
    remove_charge: list[str] | None = typer.Option(None, "--remove-charge"),
    tag: list[str] | None = typer.Option(None, "--tag", help="Replaces the tags."),
    add_tag: list[str] | None = typer.Option(None, "--add-tag"),
    remove_tag: list[str] | None = typer.Option(None, "--remove-tag"),
    source: list[str] | None = typer.Option(None, "--source", help="Replaces the sources."),
    add_source: list[str] | None = typer.Option(None, "--add-source"),
    remove_source: list[str] | None = typer.Option(None, "--remove-source"),
    as_json: bool = JSON,
) -> None:
    """Change a case. A repeated option replaces a list; --add-…/--remove-… change it.

    Example: dossier case edit aleksanyan --status deceased --add-tag yukos
    """
    from dataclasses import replace

    from dossier.ops import require_case, update_case

    with edit(ctx, Scope(cases=[case_id])) as d:
        old = require_case(d, case_id)
        case = update_case(
            d,
            replace(
                old,
                title=old.title if title is None else title,
                summary=cleared(summary, old.summary),
                jurisdiction=cleared(jurisdiction, old.jurisdiction),
                status=old.status if status is None else status,
                charges=edit_list(
                    old.charges, charge, add_charge, remove_charge, "--remove-charge"
                ),
                tags=edit_list(old.tags, tag, add_tag, remove_tag, "--remove-tag"),
                sources=edit_list(
                    old.sources, source, add_source, remove_source, "--remove-source"
                ),
            ),
        )
    if as_json:
        print_json(case.to_dict())
    else:
        say(f"Updated case {case.id}." if case != old else UNCHANGED.format(f"case {case.id}"))


@app.command("remove")
def remove(
    ctx: typer.Context,
    case_id: str = CASE_ID,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    cascade: bool = typer.Option(
        False, "--cascade", help="Also remove its events and unlink its persons."
    ),
) -> None:
    """Remove a case (refused while events or persons refer to it, unless --cascade).

    Example: dossier case remove test-case --yes
    """
    from dossier.ops import case_removal, remove_case

    if not yes:  # ask before taking the lock, so a prompt never blocks other writers
        refs = case_removal(load(ctx, cases=[case_id]), case_id, cascade=cascade)
        extra = f" with its {len(refs.events)} event(s)" if cascade and refs.events else ""
        confirm(f"Remove case {case_id!r}{extra}?", yes)
    # On a server: the case, and the other cases of its persons, whose roles change.
    with edit(ctx, Scope(cases=[case_id], members=True)) as d:
        removal = remove_case(d, case_id, cascade=cascade)
    say(
        f"Removed case {case_id} ({len(removal.events)} event(s) removed,"
        f" {len(removal.unlinked)} person(s) unlinked)."
    )
