"""A timeline: the events of a case or a person in date order, with custody.

Custody is derived from every event of the selection (the case, or the
person), not only from the rows shown, so `--from`, `--to` and `--type`
narrow the table without cutting periods short. A timeline as of a date is
the record as it stood then: later events are left out of it altogether.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from dossier import dates
from dossier.custody import Custody, Problem, custody, elsewhere, known_on, sort_events
from dossier.dates import PartialDate, begins_after, stored
from dossier.model import Event
from dossier.store.records import Records


@dataclass(frozen=True, slots=True)
class Timeline:
    """What `dossier timeline` shows."""

    case: str | None
    person: str | None
    as_of: datetime.date
    events: tuple[Event, ...]
    custody: Custody
    left_out: int = 0  # events after the as-of day, not counted (nor listed, with --as-of)
    later_listed: int = 0  # of those, how many `events` lists: scheduled, after today

    @property
    def problems(self) -> tuple[Problem, ...]:
        """What makes the custody figures doubtful."""
        return self.custody.problems

    def to_dict(self) -> dict[str, object]:
        """The JSON form (timeline --json)."""
        return {
            "case": self.case,
            "person": self.person,
            "as_of": self.as_of.isoformat(),
            "events": [e.to_dict() for e in self.events],
            "later_events_left_out": self.left_out,
            "later_events_listed": self.later_listed,
            "custody": [p.to_dict() for p in self.custody.periods],
            "problems": [p.to_dict() for p in self.custody.problems],
        }


def build(
    d: Records,
    *,
    case: str | None = None,
    person: str | None = None,
    start: PartialDate | None = None,
    end: PartialDate | None = None,
    types: Collection[str] = (),
    as_of: datetime.date | None = None,
) -> Timeline:
    """Select, order and derive: events of `case` and/or `person` (ids, already resolved).

    Custody is the record as it stood on `as_of` (today by default): later events
    are not counted. With an explicit `as_of` they are not listed either; without
    one, events scheduled after today are listed, and counted as left out.
    """
    chosen = [
        raw
        for raw in d.events.raw.values()
        if (case is None or raw["case"] == case) and (person is None or person in raw["persons"])
    ]
    day = as_of or dates.today()
    known, left_out = known_on(chosen, day)
    counted = sort_events(d.events.record(raw) for raw in known)
    listed = (
        counted
        if as_of is not None or not left_out
        else sort_events(d.events.record(raw) for raw in chosen)
    )
    if person is not None:
        persons = [person]
    else:
        persons = list(dict.fromkeys(p for e in listed for p in e.persons))
    held = custody(persons, counted, day, d.deaths())
    if case is not None:  # custody recorded under another case
        outside = d.outside_events([case], persons if person is not None else None)
        found = elsewhere(persons, outside, day, {p.person for p in held.periods if p.ongoing})
        if found:
            held = Custody(held.periods, (*held.problems, *found))
    selected = listed
    as_of = day
    low = start.first_day if start else datetime.date.min
    high = end.last_day if end else datetime.date.max
    shown = tuple(
        e
        for e in selected
        if low <= stored(e.date).first_day <= high and (not types or e.type in types)
    )
    later = sum(begins_after(e.date, day) for e in shown) if listed is not counted else 0
    return Timeline(case, person, as_of, shown, held, left_out, later)
