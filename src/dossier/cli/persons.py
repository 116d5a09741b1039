"""`dossier person …`: add, list, show, edit, remove and link persons."""

import shlex
from typing import TYPE_CHECKING

import typer

from dossier.cli.common import (
    UNCHANGED,
    cleared,
    complete_case,
    complete_person,
    complete_role,
    confirm,
    edit,
    edit_list,
    edtf,
    load,
    print_json,
    say,
    show,
    warn,
)
from dossier.scope import Scope

if TYPE_CHECKING:
    from dossier.model import Person
    from dossier.search import Lookalike

app = typer.Typer(
    help="Add, list, show, edit, remove and link persons.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PERSON = typer.Argument(
    ..., metavar="PERSON", help="Person id, or a name or alias.", autocompletion=complete_person
)
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The name as the sources give it, in any script."),
    person_id: str | None = typer.Option(None, "--id", help="Default: made from the name."),
    alias: list[str] | None = typer.Option(None, "--alias", help="Other spelling (repeatable)."),
    born: str | None = typer.Option(None, "--born", help="Date of birth: 1971, 25.10.1971 …"),
    died: str | None = typer.Option(None, "--died", help="Date of death."),
    nationality: str | None = typer.Option(None, "--nationality"),
    org: list[str] | None = typer.Option(None, "--org", help="Organization (repeatable)."),
    notes: str | None = typer.Option(None, "--notes"),
    source: list[str] | None = typer.Option(None, "--source", help="URL or citation (repeatable)."),
    confidential: bool = typer.Option(False, "--confidential", help="Redacted in reports."),
    case: list[str] | None = typer.Option(
        None,
        "--case",
        help="A case of theirs, with --role (repeatable, in pairs).",
        autocompletion=complete_case,
    ),
    role: list[str] | None = typer.Option(
        None, "--role", help="Their role in the --case before it.", autocompletion=complete_role
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Add even if the name looks like an existing person's."
    ),
    as_json: bool = JSON,
) -> None:
    """Add a person and print the new id; warns when the name looks like someone's already here.

    Example: dossier person add "Василий Алексанян" --alias "Vasily Aleksanyan"
    --case aleksanyan --role defendant
    """
    from dossier.errors import InvalidValue
    from dossier.model import Person, Role, slugify
    from dossier.ops import add_person

    cases, roles = case or [], role or []
    if len(cases) != len(roles):
        # Each --case takes the --role given with it; two of one (a second case) kept
        # only the last, without a word.
        raise InvalidValue(
            "--case and --role go together, one --role for each --case: "
            f"{len(cases)} --case and {len(roles)} --role given"
        )
    person = Person(
        id=person_id or "",
        name=name,
        aliases=tuple(alias or ()),
        born=edtf(born, "--born"),
        died=edtf(died, "--died"),
        nationality=nationality,
        organizations=tuple(org or ()),
        notes=notes,
        sources=tuple(source or ()),
        confidential=confidential,
        roles=tuple(Role(c, r) for c, r in zip(cases, roles, strict=True)),
    )
    names = [name, *(alias or ())]
    # On a server: that case, or the role's own chain, and the id, which two adds of
    # one name take in turn.
    scope = list(cases)
    adding = [person_id or slugify(name)]
    try:
        with edit(ctx, Scope(cases=scope, persons=[], adding=adding), adds=True) as d:
            found = _lookalikes(names, list(d.persons))
            # Every check first: a question is asked only of a person that can be added
            # (and asked again after it, with the id as given: another may take a free one).
            added = add_person(d, person)
            _check_lookalikes(found, names, yes)
        person = added
    except _AskFirst:
        # Ask outside the lock, so a person thinking never blocks other writers.
        confirm("Add a new person anyway?", False)
        with edit(ctx, Scope(cases=scope, persons=[], adding=adding), adds=True) as d:
            person = add_person(d, person)
    if as_json:
        print_json(person.to_dict())
    else:
        say(person.id)


class _AskFirst(Exception):
    """Leave the transaction unwritten: a person at the terminal must answer first."""


def _check_lookalikes(found: dict[str, "Lookalike"], names: list[str], yes: bool) -> None:
    """Warn about likely duplicates; unless --yes, ask on a terminal, else stop."""
    from dossier.cli.common import interactive

    if not found:
        return
    for f in found.values():
        typer.echo(
            f"Warning: {names[0]!r} looks like {f.person.id} ({f.person.name}),"
            f" known as {f.matched!r}; to record more about them use"
            f" 'dossier person edit {f.person.id}'",
            err=True,
        )
    if not yes:
        if interactive():
            raise _AskFirst()
        confirm("Add a new person anyway?", yes)  # stops with an error naming --yes


def _lookalikes(names: list[str], persons: list["Person"]) -> dict[str, "Lookalike"]:
    """The persons some of `names` looks like, by id, with how."""
    from dossier.search import Lookalikes

    stored = Lookalikes(persons)  # the stored names folded once, for every name given
    return {f.person.id: f for name in names for f in stored.of(name)}


@app.command("list")
def list_(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case", autocompletion=complete_case),
    as_json: bool = JSON,
) -> None:
    """List persons, optionally only those with a role in one case.

    Example: dossier person list --case aleksanyan
    """
    from dossier.ops import require_case
    from dossier.render.terminal import persons_table

    d = load(ctx, cases=[])  # persons only: no events, on a server
    if case is not None:
        require_case(d, case)
    persons = [p for p in d.persons if case is None or case in p.cases()]
    if as_json:
        print_json([p.to_dict() for p in persons])
    else:
        show(persons_table(persons))


@app.command("show")
def show_(ctx: typer.Context, person: str = PERSON, as_json: bool = JSON) -> None:
    """Show one person.

    Example: dossier person show "Василий Алексанян"
    """
    from dossier.ops import require_person
    from dossier.render.terminal import person_detail

    d = load(ctx, persons=[person])
    found = require_person(d, person)
    if as_json:
        print_json(found.to_dict())
        return
    n_events = sum(1 for e in d.events.raw.values() if found.id in e["persons"])
    show(person_detail(found, n_events))


@app.command("edit")
def edit_(
    ctx: typer.Context,
    person: str = PERSON,
    name: str | None = typer.Option(None, "--name"),
    alias: list[str] | None = typer.Option(None, "--alias", help="Replaces the aliases."),
    add_alias: list[str] | None = typer.Option(None, "--add-alias"),
    remove_alias: list[str] | None = typer.Option(None, "--remove-alias"),
    born: str | None = typer.Option(None, "--born", help="'' clears it."),
    died: str | None = typer.Option(None, "--died", help="'' clears it."),
    nationality: str | None = typer.Option(None, "--nationality", help="'' clears it."),
    org: list[str] | None = typer.Option(None, "--org", help="Replaces the organizations."),
    add_org: list[str] | None = typer.Option(None, "--add-org"),
    remove_org: list[str] | None = typer.Option(None, "--remove-org"),
    notes: str | None = typer.Option(None, "--notes", help="'' clears it."),
    source: list[str] | None = typer.Option(None, "--source", help="Replaces the sources."),
    add_source: list[str] | None = typer.Option(None, "--add-source"),
    remove_source: list[str] | None = typer.Option(None, "--remove-source"),
    confidential: bool | None = typer.Option(None, "--confidential/--not-confidential"),
    as_json: bool = JSON,
) -> None:
    """Change a person. A repeated option replaces a list; --add-…/--remove-… change it.

    Example: dossier person edit vasiliy-aleksanyan --died 2011-10-03 --add-alias Alexanian
    """
    from dataclasses import replace

    from dossier.ops import require_person, update_person

    with edit(ctx, Scope(persons=[person])) as d:
        old = require_person(d, person)
        updated = update_person(
            d,
            replace(
                old,
                name=old.name if name is None else name,
                aliases=edit_list(old.aliases, alias, add_alias, remove_alias, "--remove-alias"),
                born=old.born if born is None else edtf(born or None, "--born"),
                died=old.died if died is None else edtf(died or None, "--died"),
                nationality=cleared(nationality, old.nationality),
                organizations=edit_list(
                    old.organizations, org, add_org, remove_org, "--remove-org"
                ),
                notes=cleared(notes, old.notes),
                sources=edit_list(
                    old.sources, source, add_source, remove_source, "--remove-source"
                ),
                confidential=old.confidential if confidential is None else confidential,
            ),
        )
        # A new name or alias that is someone else's: a name given where an id goes
        # matches two persons from now on (said, not refused: a namesake is real).
        new = [n for n in (updated.name, *updated.aliases) if n not in (old.name, *old.aliases)]
        others = [p for p in d.persons if p.id != updated.id] if new else []
        warn(
            f"{updated.id} now looks like {f.person.id} ({f.person.name}), known as"
            f" {f.matched!r}; where a name stands for a person, give the id to tell them apart"
            for f in _lookalikes(new, others).values()
        )
    if old.name not in (updated.name, *updated.aliases):
        # A rename drops the old spelling, which sources (and imports by name) may use.
        warn([
            f"{old.name!r} is no longer a name of {updated.id}; if sources spell them so,"
            f" keep it: dossier person edit {updated.id} --add-alias {shlex.quote(old.name)}"
        ])  # fmt: skip
    if as_json:
        print_json(updated.to_dict())
    else:
        say(
            f"Updated person {updated.id}."
            if updated != old
            else UNCHANGED.format(f"person {updated.id}")
        )


@app.command("link")
def link(
    ctx: typer.Context,
    person: str = PERSON,
    case: str = typer.Argument(..., help="The case id.", autocompletion=complete_case),
    role: str = typer.Option(..., "--role", autocompletion=complete_role),
    as_json: bool = JSON,
) -> None:
    """Give a person a role in a case (undo a wrong one with 'dossier person unlink').

    Example: dossier person link vadim-klyuvgant khodorkovsky --role lawyer
    """
    from dossier.ops import link_person, require_person

    with edit(ctx, Scope(cases=[case], persons=[person])) as d:
        old = require_person(d, person)
        updated = link_person(d, person, case, role)
    if as_json:
        print_json(updated.to_dict())
    elif updated == old:
        say(f"No change: {updated.id} already is {role} in {case}.")
    else:
        say(f"Linked {updated.id} to {case} as {role}.")


@app.command("unlink")
def unlink(
    ctx: typer.Context,
    person: str = PERSON,
    case: str = typer.Argument(..., help="The case id.", autocompletion=complete_case),
    role: str | None = typer.Option(
        None,
        "--role",
        help="Only this role (default: every role there).",
        autocompletion=complete_role,
    ),
    as_json: bool = JSON,
) -> None:
    """Take a role in a case away from a person (a role given by mistake).

    Example: dossier person unlink vadim-klyuvgant aleksanyan --role witness
    """
    from dossier.ops import require_person, unlink_person

    with edit(ctx, Scope(cases=[case], persons=[person])) as d:
        old = require_person(d, person)
        updated = unlink_person(d, person, case, role)
    if as_json:
        print_json(updated.to_dict())
    else:
        gone = ", ".join(r.role for r in old.roles if r not in updated.roles)
        say(f"Unlinked {updated.id} from {case} (was {gone}).")


@app.command("remove")
def remove(
    ctx: typer.Context,
    person: str = PERSON,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    cascade: bool = typer.Option(False, "--cascade", help="Also take them off their events."),
) -> None:
    """Remove a person (refused while events name them, unless --cascade).

    Example: dossier person remove vasily-alexanyan --yes
    """
    from dossier.ops import person_removal, remove_person

    if not yes:  # ask before taking the lock, so a prompt never blocks other writers
        found, _ = person_removal(load(ctx, persons=[person]), person, cascade=cascade)
        confirm(f"Remove person {found.id!r} ({found.name})?", yes)
    with edit(ctx, Scope(persons=[person])) as d:
        found, _ = person_removal(d, person, cascade=cascade)
        removal = remove_person(d, found.id, cascade=cascade)
    say(f"Removed person {found.id} (taken off {len(removal.events)} event(s)).")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., help="The person to keep.", autocompletion=complete_person),
    drop: str = typer.Argument(
        ..., help="The duplicate to fold into KEEP and remove.", autocompletion=complete_person
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JSON,
) -> None:
    """Merge a duplicate person into another (undo with 'dossier undo').

    Example: dossier person merge vasiliy-aleksanyan vasily-alexanyan --yes
    """
    from dossier.ops import merge_persons as merge_them
    from dossier.ops import mergeable, require_person

    if not yes:  # ask before taking the lock, so a prompt never blocks other writers
        d = load(ctx, persons=[keep, drop])
        kept, dropped = mergeable(d, keep, drop)  # a merge refused is refused unasked
        confirm(f"Merge {dropped.id} ({dropped.name}) into {kept.id} ({kept.name})?", yes)
    with edit(ctx, Scope(persons=[keep, drop])) as d:
        dropped = require_person(d, drop)
        merged, events = merge_them(d, keep, drop)
    if as_json:
        print_json(merged.to_dict())
    else:
        moved = f"{len(events)} event(s) that named {dropped.id} now name {merged.id}"
        say(f"Merged {dropped.id} into {merged.id}: {moved}.")
