"""`dossier timeline` and `dossier stats`: what happened, and how it compares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import typer

from dossier.cli.common import (
    AS_OF,
    as_of_day,
    check_words,
    complete_case,
    complete_person,
    complete_type,
    load,
    parse_date_option,
    print_json,
    show,
)

if TYPE_CHECKING:
    from dossier.model import Case
    from dossier.store.records import Records

JSON = typer.Option(False, "--json", help="Print JSON instead of tables.")


def timeline(
    ctx: typer.Context,
    case: str | None = typer.Argument(None, help="The case id.", autocompletion=complete_case),
    person: str | None = typer.Option(
        None,
        "--person",
        "-p",
        help="Only events naming this person.",
        autocompletion=complete_person,
    ),
    date_from: str | None = typer.Option(None, "--from", help="First date shown (included)."),
    date_to: str | None = typer.Option(None, "--to", help="Last date shown (included)."),
    event_type: list[str] | None = typer.Option(
        None, "--type", help="Only these types (repeatable).", autocompletion=complete_type
    ),
    as_of: str | None = AS_OF,
    oneline: bool = typer.Option(
        False, "--oneline", help="One line per event, the description shortened."
    ),
    as_json: bool = JSON,
) -> None:
    """Show the events of a case or a person in date order, with custody periods.

    Example: dossier timeline kudoyarov --as-of 2011-12-31
    """
    from dossier import timeline as tl
    from dossier.ops import require_case, require_person
    from dossier.vocab import EVENT_TYPES

    if case is None and person is None:
        raise typer.BadParameter("give a CASE, or --person, or both", param_hint="CASE")
    d = load(ctx, cases=[case] if case else None, persons=[person] if person else None)
    if case is not None:
        require_case(d, case)
    person_id = require_person(d, person).id if person is not None else None
    types = set(event_type or ())
    check_words(types, EVENT_TYPES, "event type")
    start, end = parse_date_option(date_from, "--from"), parse_date_option(date_to, "--to")
    if start is not None and end is not None and start.first_day > end.last_day:
        raise typer.BadParameter(
            f"{date_from} is after --to {date_to}: no event could be shown", param_hint="--from"
        )
    result = tl.build(
        d,
        case=case,
        person=person_id,
        start=start,
        end=end,
        types=types,
        as_of=as_of_day(as_of),
    )
    if as_json:
        print_json(result.to_dict())
        return
    from dossier.render.analysis import timeline_view

    show(timeline_view(result, d.names(), oneline=oneline))


def stats(
    ctx: typer.Context,
    case: list[str] | None = typer.Option(
        None, "--case", help="Only these cases (repeatable).", autocompletion=complete_case
    ),
    tag: str | None = typer.Option(None, "--tag", help="Only cases with this tag."),
    per_person: bool = typer.Option(
        False, "--per-person", help="The comparison table: one row per person ever held."
    ),
    sort: str = typer.Option("first_custody", "--sort", help="Column for --per-person."),
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
) -> None:
    """Sum up custody, verdicts and extradition over cases (all by default).

    Example: dossier stats --per-person --sort pretrial_days
    """
    from dossier import stats as st
    from dossier.errors import InvalidValue, did_you_mean

    if sort not in st.COLUMNS:
        raise InvalidValue(
            f"cannot sort by {sort!r}{did_you_mean(sort, st.COLUMNS)};"
            f" columns: {', '.join(st.COLUMNS)}"
        )
    day = as_of_day(as_of)
    # Only the events some figure reads, one by one; a server counts the rest itself.
    d = load(ctx, cases=case or None, read_types=st.READ, as_of=day)
    cases, stored, outside = _selection(d, case, tag)
    result = st.compute_stored(cases, d.persons, stored, day, outside=outside, tally=d.tally)
    rows = st.sort_rows(result.per_person, sort)
    if as_json:
        data = result.to_dict()
        data["per_person"] = [r.to_dict() for r in rows]
        print_json(data)
        return
    from dossier.render.analysis import per_person_view, stats_view

    if per_person:
        show(per_person_view(result, rows, d.names()))
    else:
        show(stats_view(result, d.names()))


def chart(
    ctx: typer.Context,
    cases: list[str] | None = typer.Argument(
        None, metavar="[CASE]...", help="The cases (default: all).", autocompletion=complete_case
    ),
    tag: str | None = typer.Option(None, "--tag", help="Only cases with this tag."),
    person: str | None = typer.Option(
        None, "--person", "-p", help="Only this person.", autocompletion=complete_person
    ),
    sort: str = typer.Option("first_custody", "--sort", help="Row order, as for stats."),
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
) -> None:
    """Draw custody across the years: a bar per person held, pretrial and after a verdict.

    Example: dossier chart --tag yukos
    """
    from dossier import chart as ch
    from dossier.dates import today
    from dossier.errors import InvalidValue, did_you_mean
    from dossier.ops import require_person
    from dossier.stats import COLUMNS

    if sort not in COLUMNS:
        raise InvalidValue(
            f"cannot sort by {sort!r}{did_you_mean(sort, COLUMNS)}; columns: {', '.join(COLUMNS)}"
        )
    d = load(ctx, cases=cases or None)
    _chosen, events, outside = _selection(d, cases, tag)
    person_id = require_person(d, person).id if person is not None else None
    result = ch.build(
        events, d.names(), as_of_day(as_of) or today(), person=person_id, sort=sort,
        outside=outside, died=d.deaths(),
    )  # fmt: skip
    if as_json:
        print_json(result.to_dict())
        return
    from dossier.render.chart import ChartView

    show(ChartView(result))


def _selection(
    d: Records, cases: list[str] | None, tag: str | None
) -> tuple[list[Case], list[dict[str, Any]], Iterable[dict[str, Any]]]:
    """The cases `--case` and `--tag` choose (all by default, each named one required),
    their stored events, and the other cases' events their figures look at
    (custody.elsewhere; none when every case is chosen)."""
    from dossier.ops import require_case, require_tag

    wanted = set(cases or ())
    for case_id in wanted:
        require_case(d, case_id)
    if tag is not None:
        require_tag(d, tag)
    chosen = [
        c for c in d.cases if (not wanted or c.id in wanted) and (tag is None or tag in c.tags)
    ]
    ids = {c.id for c in chosen}
    events = [e for e in d.events.raw.values() if e["case"] in ids]
    return chosen, events, (d.outside_events(ids) if wanted or tag else ())
