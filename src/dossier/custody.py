"""Custody periods, derived from events and never stored.

The rules (DESIGN.md, "Custody periods"), in the order they are applied:

1. Only events naming the person count. Events sort by earliest possible
   day, then less precise first, then the order recorded.
2. An event whose bounds contain a more precise event of the same effect is
   the same moment ("remanded in May 2011", "arrested 20 May 2011"): it merges
   into the precise one, which gives the period its date.
3. Starts (or ends) on one day are one transition. A start while a period is
   open continues it; an end with no open period is a *problem*, reported,
   not dropped (it often shows that sources disagree).
4. `house_arrest` ends custody and opens a house-arrest period, closed by the
   next custody end or by a custody start.
5. Days run from the earliest possible day of the start to that of the end,
   or to `as_of` while the period is ongoing. The pretrial part ends at the
   person's first guilty verdict (a `verdict` with outcome guilty, or a
   `sentence`) on or after the start.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dossier.dates import PartialDate, stored
from dossier.model import Event
from dossier.vocab import END_PRECEDENCE, EVENT_TYPES, Effect

CUSTODY = "custody"
HOUSE_ARREST = "house_arrest"
# Events inside a period whose place is a facility where the person was held.
FACILITY_TYPES = frozenset({"transfer", "detention_extended"})


def is_guilty(event: Event) -> bool:
    """A guilty verdict: a `verdict` with outcome guilty, or a `sentence`."""
    return event.type == "sentence" or (event.type == "verdict" and event.outcome == "guilty")


def is_acquittal(event: Event) -> bool:
    """An acquittal: a `verdict` with outcome acquitted, or an `acquittal` event."""
    return event.type == "acquittal" or (event.type == "verdict" and event.outcome == "acquitted")


@dataclass(frozen=True, slots=True)
class Period:
    """One period of custody or house arrest of one person."""

    person: str
    kind: str
    start: str
    end: str | None
    days: int
    pretrial_days: int
    approximate: bool
    ended_by: str | None
    facilities: tuple[str, ...]
    start_event: str
    end_event: str | None

    @property
    def ongoing(self) -> bool:
        """Still open at the end of the record."""
        return self.end is None

    def to_dict(self) -> dict[str, object]:
        """The JSON form (timeline --json)."""
        return {
            "person": self.person,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "ongoing": self.ongoing,
            "days": self.days,
            "pretrial_days": self.pretrial_days,
            "approximate": self.approximate,
            "ended_by": self.ended_by,
            "facilities": list(self.facilities),
            "start_event": self.start_event,
            "end_event": self.end_event,
        }


@dataclass(frozen=True, slots=True)
class Custody:
    """All periods of the persons asked about, and the problems found on the way."""

    periods: tuple[Period, ...]
    problems: tuple[str, ...]


@dataclass(slots=True)
class _Moment:
    """One transition: events of one effect that are the same moment."""

    date: PartialDate
    effect: Effect
    events: list[Event] = field(default_factory=list)

    @property
    def types(self) -> set[str]:
        return {e.type for e in self.events}

    @property
    def first(self) -> Event:
        """The event that gives the moment its date: the most precise, then the first."""
        return max(self.events, key=lambda e: _rank(stored(e.date)))


@dataclass(slots=True)
class _Open:
    kind: str
    moment: _Moment
    facilities: list[str]


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Events by earliest possible day, less precise first, then as recorded."""
    return sorted(events, key=lambda e: stored(e.date).sort_key)


def periods_for(
    person: str, events: Iterable[Event], as_of: datetime.date
) -> tuple[list[Period], list[str]]:
    """The custody and house-arrest periods of one person, and the problems found."""
    mine = sort_events(e for e in events if person in e.persons)
    guilty = [stored(e.date) for e in mine if is_guilty(e)]
    moments = _moments(mine)
    periods: list[Period] = []
    problems: list[str] = []
    current: _Open | None = None

    def close(end: _Moment | None, ended_by: str | None) -> None:
        assert current is not None
        periods.append(_period(person, current, end, ended_by, mine, guilty, as_of))

    for moment in moments:
        if moment.effect is Effect.START:
            if current is not None and current.kind == CUSTODY:
                current.facilities.extend(_places(moment.events))  # continues the period
                continue
            if current is not None:  # a custody start ends house arrest
                close(moment, _most_specific(moment.types, fallback=moment.first.type))
            current = _Open(CUSTODY, moment, _places(moment.events))
            continue
        ended_by = _most_specific(moment.types, fallback="release")
        if current is None:
            if ended_by == HOUSE_ARREST:  # house arrest ordered without custody before it
                current = _Open(HOUSE_ARREST, moment, _places(moment.events))
            else:
                problems.append(_orphan(person, moment))
            continue
        if current.kind == HOUSE_ARREST and ended_by == HOUSE_ARREST:
            continue  # a second house-arrest order continues the period
        close(moment, ended_by)
        current = None
        if ended_by == HOUSE_ARREST:
            homes = _places(e for e in moment.events if e.type == HOUSE_ARREST)
            current = _Open(HOUSE_ARREST, moment, homes)
    if current is not None:
        close(None, None)
    return periods, problems


def custody(persons: Iterable[str], events: Sequence[Event], as_of: datetime.date) -> Custody:
    """Periods and problems for several persons, in the order given."""
    by_person: dict[str, list[Event]] = {}
    for event in events:
        for person in event.persons:
            by_person.setdefault(person, []).append(event)
    periods: list[Period] = []
    problems: list[str] = []
    for person in persons:
        found, trouble = periods_for(person, by_person.get(person, ()), as_of)
        periods.extend(found)
        problems.extend(trouble)
    return Custody(tuple(periods), tuple(problems))


def _moments(events: list[Event]) -> list[_Moment]:
    """Custody starts and ends grouped into transitions (rules 2 and 3)."""
    relevant = [e for e in events if EVENT_TYPES.get(e.type) in (Effect.START, Effect.END)]
    moments: list[_Moment] = []
    for event in relevant:
        effect = EVENT_TYPES[event.type]
        date = stored(event.date)
        precise = _more_precise_within(date, effect, relevant, event)
        if precise is not None:
            date = stored(precise.date)
        same = next((m for m in moments if m.effect is effect and _same_moment(m.date, date)), None)
        if same is None:
            moments.append(_Moment(date, effect, [event]))
        else:
            same.events.append(event)
            if _rank(date) > _rank(same.date):
                same.date = date
    moments.sort(key=lambda m: m.date.sort_key)
    return moments


def _rank(date: PartialDate) -> int:
    return date.sort_key[1]


def _same_moment(a: PartialDate, b: PartialDate) -> bool:
    return a.first_day == b.first_day and a.last_day == b.last_day


def _more_precise_within(
    date: PartialDate, effect: Effect, events: list[Event], this: Event
) -> Event | None:
    """The most precise event of the same effect inside `date`'s bounds (earliest on a tie)."""
    best: Event | None = None
    for other in events:
        if other is this or EVENT_TYPES[other.type] is not effect:
            continue
        candidate = stored(other.date)
        if (
            _rank(candidate) > _rank(date)
            and date.first_day <= candidate.first_day <= date.last_day
            and (best is None or _rank(candidate) > _rank(stored(best.date)))
        ):
            best = other
    return best


def _most_specific(types: set[str], fallback: str) -> str:
    return next((t for t in END_PRECEDENCE if t in types), fallback)


def _places(events: Iterable[Event]) -> list[str]:
    """Places of the events, the most precisely dated first (the day before the month)."""
    ordered = sorted(events, key=lambda e: -_rank(stored(e.date)))
    return [e.place for e in ordered if e.place]


def _orphan(person: str, moment: _Moment) -> str:
    kinds = " and ".join(sorted(moment.types))
    ids = ", ".join(e.id for e in moment.events)
    return (
        f"{person}: {kinds} on {moment.date.display()} (event {ids}) ends no open custody"
        " period; do the sources disagree about an earlier end?"
    )


def _period(
    person: str,
    current: _Open,
    end: _Moment | None,
    ended_by: str | None,
    events: list[Event],
    guilty: list[PartialDate],
    as_of: datetime.date,
) -> Period:
    start = current.moment.date
    last_day = end.date.first_day if end is not None else as_of
    days = max(0, (last_day - start.first_day).days)
    approximate = _rough(start)
    if end is not None:
        approximate = approximate or _rough(end.date)
    verdict = next((v for v in guilty if v.first_day >= start.first_day), None)
    if verdict is None:
        pretrial = 0 if guilty else days
    else:
        pretrial = min(days, (verdict.first_day - start.first_day).days)
        approximate = approximate or (verdict.first_day <= last_day and verdict.precision != "day")
    facilities = [*current.facilities, *_inside(events, start.first_day, last_day)]
    return Period(
        person=person,
        kind=current.kind,
        start=start.edtf,
        end=end.date.edtf if end is not None else None,
        days=days,
        pretrial_days=pretrial,
        approximate=approximate,
        ended_by=ended_by,
        facilities=tuple(dict.fromkeys(facilities)),
        start_event=_named(current.moment, HOUSE_ARREST if current.kind == HOUSE_ARREST else None),
        end_event=_named(end, ended_by) if end is not None else None,
    )


def _named(moment: _Moment, kind: str | None) -> str:
    """The id of the event that names the moment: of that type if there is one."""
    return next((e.id for e in moment.events if e.type == kind), moment.first.id)


def _rough(date: PartialDate) -> bool:
    """Not a precise day: month or year precision, or approximate or uncertain."""
    return date.precision != "day" or date.approximate or date.uncertain


def _inside(events: list[Event], first: datetime.date, last: datetime.date) -> list[str]:
    """Places of transfers and extensions of detention within the period."""
    return [
        e.place
        for e in events
        if e.type in FACILITY_TYPES and e.place and first <= stored(e.date).first_day <= last
    ]
