"""`dossier log` and `dossier event …`: record, list, show, edit, remove events."""

import typer

from dossier.cli.common import (
    DAYFIRST,
    UNCHANGED,
    check_words,
    cleared,
    complete_case,
    complete_event,
    complete_person,
    complete_type,
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

app = typer.Typer(
    help="List, show, edit and remove events.", no_args_is_help=True, rich_markup_mode=None
)

EVENT_ID = typer.Argument(..., metavar="ID", help="The event id.", autocompletion=complete_event)
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
ALLOW_FUTURE = typer.Option(
    False,
    "--allow-future",
    help="Record a date after today for a type that must already have happened (an arrest).",
)


def log(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case id.", autocompletion=complete_case),
    event_type: str = typer.Argument(
        ..., metavar="TYPE", help="See 'dossier vocab'.", autocompletion=complete_type
    ),
    date: str = typer.Argument(..., help="2003-10-25, 25.10.2003, October 2003, c. 2008 …"),
    end: str | None = typer.Option(None, "--end", help="End of a span (a hunger strike)."),
    person: list[str] | None = typer.Option(
        None,
        "--person",
        "-p",
        help="Person id or name (repeatable).",
        autocompletion=complete_person,
    ),
    place: str | None = typer.Option(None, "--place"),
    country: str | None = typer.Option(None, "--country", help="Country code, e.g. RU."),
    description: str | None = typer.Option(None, "--description", "-d"),
    source: list[str] | None = typer.Option(
        None, "--source", "-s", help="URL or citation (repeatable)."
    ),
    outcome: str | None = typer.Option(None, "--outcome", help="guilty, acquitted, …"),
    term: str | None = typer.Option(None, "--term", help="A sentence, e.g. '8 years'."),
    note: str | None = typer.Option(None, "--note", help="E.g. a conflicting account."),
    confidential: bool = typer.Option(False, "--confidential", help="Redacted in reports."),
    dayfirst: bool | None = DAYFIRST,
    allow_future: bool = ALLOW_FUTURE,
    as_json: bool = JSON,
) -> None:
    """Record an event and print its id. A date after today is refused for what must
    already have happened (an arrest) unless --allow-future; a hearing is recorded as
    scheduled, with a warning.

    Example: dossier log aleksanyan arrest 2006-04-06 --person vasiliy-aleksanyan
    --place Moscow --source https://example.org/report
    """
    from dossier.model import Event
    from dossier.ops import add_event

    event = Event(
        id="",
        case=case,
        type=event_type,
        date=edtf(date, "DATE", dayfirst, flags=True) or "",
        end=edtf(end, "--end", dayfirst, flags=True),
        persons=tuple(person or ()),
        place=place,
        country=country,
        description=description,
        sources=tuple(source or ()),
        outcome=outcome,
        term=term,
        note=note,
        confidential=confidential,
    )
    warnings: list[str] = []
    with edit(ctx, Scope(cases=[case])) as d:
        event = add_event(d, event, allow_future=allow_future, warn=warnings.append)
    warn(warnings)
    if as_json:
        print_json(event.to_dict())
    else:
        say(event.id)


@app.command("list")
def list_(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case", autocompletion=complete_case),
    person: str | None = typer.Option(None, "--person", autocompletion=complete_person),
    event_type: list[str] | None = typer.Option(
        None, "--type", help="Only these types (repeatable).", autocompletion=complete_type
    ),
    as_json: bool = JSON,
) -> None:
    """List events in date order.

    Example: dossier event list --case aleksanyan --type arrest --type release
    """
    from dossier.dates import stored
    from dossier.ops import require_case, require_person
    from dossier.render.terminal import events_table
    from dossier.vocab import EVENT_TYPES

    check_words(event_type or (), EVENT_TYPES, "event type")
    d = load(ctx, cases=[case] if case else None)
    if case is not None:
        require_case(d, case)
    person_id = require_person(d, person).id if person is not None else None
    types = set(event_type or ())
    rows = [
        e
        for e in d.events.raw.values()
        if (case is None or e["case"] == case)
        and (person_id is None or person_id in e["persons"])
        and (not types or e["type"] in types)
    ]
    rows.sort(key=lambda e: stored(e["date"]).sort_key)  # stable: recorded order breaks ties
    if as_json:
        print_json(rows)
        return
    events = [d.events.record(e) for e in rows]
    show(events_table(events, d.names(), with_case=case is None))


@app.command("show")
def show_(ctx: typer.Context, event_id: str = EVENT_ID, as_json: bool = JSON) -> None:
    """Show one event.

    Example: dossier event show k3f9q2
    """
    from dossier.ops import require_event
    from dossier.render.terminal import event_detail

    d = load(ctx, events=[event_id])
    event = require_event(d, event_id)
    if as_json:
        print_json(event.to_dict())
    else:
        show(event_detail(event, d.names()))


@app.command("edit")
def edit_(
    ctx: typer.Context,
    event_id: str = EVENT_ID,
    case: str | None = typer.Option(None, "--case", autocompletion=complete_case),
    event_type: str | None = typer.Option(None, "--type", autocompletion=complete_type),
    date: str | None = typer.Option(None, "--date"),
    end: str | None = typer.Option(None, "--end", help="'' clears it."),
    person: list[str] | None = typer.Option(None, "--person", help="Replaces the persons."),
    add_person: list[str] | None = typer.Option(None, "--add-person"),
    remove_person: list[str] | None = typer.Option(None, "--remove-person"),
    place: str | None = typer.Option(None, "--place", help="'' clears it."),
    country: str | None = typer.Option(None, "--country", help="'' clears it."),
    description: str | None = typer.Option(None, "--description", "-d", help="'' clears it."),
    source: list[str] | None = typer.Option(None, "--source", help="Replaces the sources."),
    add_source: list[str] | None = typer.Option(None, "--add-source"),
    remove_source: list[str] | None = typer.Option(None, "--remove-source"),
    outcome: str | None = typer.Option(None, "--outcome", help="'' clears it."),
    term: str | None = typer.Option(None, "--term", help="'' clears it."),
    note: str | None = typer.Option(None, "--note", help="'' clears it."),
    confidential: bool | None = typer.Option(None, "--confidential/--not-confidential"),
    dayfirst: bool | None = DAYFIRST,
    allow_future: bool = ALLOW_FUTURE,
    as_json: bool = JSON,
) -> None:
    """Change an event. A repeated option replaces a list; --add-…/--remove-… change it.

    Example: dossier event edit k3f9q2 --date "May 2011" --add-source "Kommersant, 21 May 2011"
    """
    from dataclasses import replace

    from dossier.ops import require_event, require_person, update_event

    warnings: list[str] = []
    # On a server, the event's case (and the one it moves to) only.
    with edit(ctx, Scope(cases=[case] if case else [], events=[event_id])) as d:
        old = require_event(d, event_id)
        # Names are resolved before comparing, so that a name and an id do the same:
        # --remove-person of one given to --add-person too wins, as for every list.
        given, added, removed = (
            None if refs is None else [require_person(d, p).id for p in refs]
            for refs in (person, add_person, remove_person)
        )
        event = update_event(
            d,
            replace(
                old,
                # An empty value is given, and refused by the checks, not "no change".
                case=old.case if case is None else case,
                type=old.type if event_type is None else event_type,
                date=old.date
                if date is None
                else edtf(date, "--date", dayfirst, flags=True) or old.date,
                end=old.end if end is None else edtf(end or None, "--end", dayfirst, flags=True),
                persons=edit_list(old.persons, given, added, removed, "--remove-person"),
                place=cleared(place, old.place),
                country=cleared(country, old.country),
                description=cleared(description, old.description),
                sources=edit_list(
                    old.sources, source, add_source, remove_source, "--remove-source"
                ),
                outcome=cleared(outcome, old.outcome),
                term=cleared(term, old.term),
                note=cleared(note, old.note),
                confidential=old.confidential if confidential is None else confidential,
            ),
            allow_future=allow_future,
            warn=warnings.append,
        )
    warn(warnings)
    if as_json:
        print_json(event.to_dict())
    else:
        say(f"Updated event {event.id}." if event != old else UNCHANGED.format(f"event {event.id}"))


@app.command("remove")
def remove(
    ctx: typer.Context,
    event_id: str = EVENT_ID,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove an event.

    Example: dossier event remove k3f9q2 --yes
    """
    from dossier.ops import remove_event, require_event

    if not yes:  # ask before taking the lock, so a prompt never blocks other writers
        event = require_event(load(ctx, events=[event_id]), event_id)
        confirm(f"Remove event {event.id} ({event.type} on {event.date} in {event.case})?", yes)
    with edit(ctx, Scope(events=[event_id])) as d:
        remove_event(d, event_id)
    say(f"Removed event {event_id}.")
