"""Custody periods, derived from events and never stored.

The rules (docs/custody.md), in the order they are applied:

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dossier.dates import PartialDate, stored
from dossier.model import Event
from dossier.vocab import END_PRECEDENCE, EVENT_TYPES, Effect

CUSTODY = "custody"
HOUSE_ARREST = "house_arrest"
# Events inside a period whose place is a facility where the person was held.
FACILITY_TYPES = frozenset({"transfer", "detention_extended"})
# Every event type the rules read: starts and ends, the verdicts that end the
# pretrial part, and the facility events. Custody never looks at the others, so
# a caller with many events may build records for these alone (statistics do).
_TRANSITIONS = {t: e for t, e in EVENT_TYPES.items() if e in (Effect.START, Effect.END)}
SHAPES_CUSTODY = frozenset(_TRANSITIONS) | FACILITY_TYPES | {"verdict", "sentence"}


def guilty_verdict(type_: str, outcome: str | None) -> bool:
    """A guilty verdict: a `verdict` with outcome guilty, or a `sentence`."""
    return type_ == "sentence" or (type_ == "verdict" and outcome == "guilty")


def acquittal(type_: str, outcome: str | None) -> bool:
    """An acquittal: a `verdict` with outcome acquitted, or an `acquittal` event."""
    return type_ == "acquittal" or (type_ == "verdict" and outcome == "acquitted")


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


class _Fact(NamedTuple):
    """What the rules read of one event, its date parsed once.

    Custody runs on these rather than on records: a statistics run over
    100,000 stored events builds a small tuple per custody event instead of a
    full record, and no rule parses a date twice.
    """

    id: str
    type: str
    date: PartialDate
    rank: int  # the date's precision: 0 year, 1 month, 2 day
    place: str | None
    guilty: bool


def _fact(event_id: str, type_: str, date: str, place: str | None, outcome: str | None) -> _Fact:
    parsed = stored(date)
    return _Fact(event_id, type_, parsed, _rank(parsed), place, guilty_verdict(type_, outcome))


@dataclass(slots=True)
class _Moment:
    """One transition: events of one effect that are the same moment."""

    date: PartialDate
    effect: Effect
    events: list[_Fact] = field(default_factory=list)

    @property
    def types(self) -> set[str]:
        return {e.type for e in self.events}

    @property
    def first(self) -> _Fact:
        """The event that gives the moment its date: the most precise, then the first."""
        events = self.events
        return events[0] if len(events) == 1 else max(events, key=lambda e: e.rank)


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
    mine = [
        _fact(e.id, e.type, e.date, e.place, e.outcome)
        for e in events
        if person in e.persons and e.type in SHAPES_CUSTODY
    ]
    return _periods(person, sorted(mine, key=lambda f: f.date.sort_key), as_of)


def _periods(
    person: str, mine: list[_Fact], as_of: datetime.date
) -> tuple[list[Period], list[str]]:
    """periods_for() over the person's events, already in order (rule 1)."""
    guilty = [e.date for e in mine if e.guilty]
    facilities = [(e.date.first_day, e.place) for e in mine if e.type in FACILITY_TYPES and e.place]
    moments = _moments(mine)
    periods: list[Period] = []
    problems: list[str] = []
    current: _Open | None = None

    def close(end: _Moment | None, ended_by: str | None) -> None:
        assert current is not None
        periods.append(_period(person, current, end, ended_by, facilities, guilty, as_of))

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
            homes = _places([e for e in moment.events if e.type == HOUSE_ARREST])
            current = _Open(HOUSE_ARREST, moment, homes)
    if current is not None:
        close(None, None)
    return periods, problems


def custody(persons: Iterable[str], events: Iterable[Event], as_of: datetime.date) -> Custody:
    """Periods and problems for several persons, in the order given."""
    facts: list[tuple[_Fact, Sequence[str]]] = [
        (_fact(e.id, e.type, e.date, e.place, e.outcome), e.persons)
        for e in events
        if e.type in SHAPES_CUSTODY
    ]
    return _custody(persons, facts, as_of)


def custody_stored(
    persons: Iterable[str], events: Iterable[Mapping[str, Any]], as_of: datetime.date
) -> Custody:
    """custody() over events in their stored (JSON) form, as a dossier holds them."""
    facts: list[tuple[_Fact, Sequence[str]]] = [
        (_fact(r["id"], r["type"], r["date"], r.get("place"), r.get("outcome")), r["persons"])
        for r in events
        if r["type"] in SHAPES_CUSTODY
    ]
    return _custody(persons, facts, as_of)


def _custody(
    persons: Iterable[str], facts: list[tuple[_Fact, Sequence[str]]], as_of: datetime.date
) -> Custody:
    # One sort for everyone: each person's events come out of it in order (rule 1).
    facts.sort(key=lambda pair: pair[0].date.sort_key)
    by_person: dict[str, list[_Fact]] = {}
    for fact, names in facts:
        for person in names:
            by_person.setdefault(person, []).append(fact)
    periods: list[Period] = []
    problems: list[str] = []
    for person in persons:
        found, trouble = _periods(person, by_person.get(person, []), as_of)
        periods.extend(found)
        problems.extend(trouble)
    return Custody(tuple(periods), tuple(problems))


_DAY = 2  # the rank of a date known to the day


def _moments(events: list[_Fact]) -> list[_Moment]:
    """Custody starts and ends grouped into transitions (rules 2 and 3)."""
    relevant: list[tuple[_Fact, Effect]] = [
        (e, _TRANSITIONS[e.type]) for e in events if e.type in _TRANSITIONS
    ]
    # Moments by effect and bounds: merging keeps the bounds, only the precision rises.
    moments: dict[tuple[Effect, datetime.date, datetime.date], _Moment] = {}
    for event, effect in relevant:
        date = event.date
        if event.rank < _DAY:  # nothing is more precise than a day
            precise = _more_precise_within(event, effect, relevant)
            if precise is not None:
                date = precise.date
        key = (effect, date.first_day, date.last_day)
        same = moments.get(key)
        if same is None:
            moments[key] = _Moment(date, effect, [event])
        else:
            same.events.append(event)
            if _rank(date) > _rank(same.date):
                same.date = date
    return sorted(moments.values(), key=lambda m: m.date.sort_key)


def _rank(date: PartialDate) -> int:
    return date.sort_key[1]


def _more_precise_within(
    this: _Fact, effect: Effect, events: list[tuple[_Fact, Effect]]
) -> _Fact | None:
    """The most precise event of the same effect inside `this` one's bounds (earliest on a tie)."""
    first, last = this.date.first_day, this.date.last_day
    best: _Fact | None = None
    for other, other_effect in events:
        if (
            other_effect is effect
            and other.rank > this.rank
            and first <= other.date.first_day <= last
            and (best is None or other.rank > best.rank)
        ):
            best = other
    return best


def _most_specific(types: set[str], fallback: str) -> str:
    return next((t for t in END_PRECEDENCE if t in types), fallback)


def _places(events: Sequence[_Fact]) -> list[str]:
    """Places of the events, the most precisely dated first (the day before the month)."""
    ordered = events if len(events) == 1 else sorted(events, key=lambda e: -e.rank)
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
    facilities: list[tuple[datetime.date, str]],
    guilty: list[PartialDate],
    as_of: datetime.date,
) -> Period:
    start = current.moment.date
    first_day = start.first_day
    last_day = end.date.first_day if end is not None else as_of
    days = max(0, (last_day - first_day).days)
    approximate = _rough(start) or (end is not None and _rough(end.date))
    verdict = next((v for v in guilty if v.first_day >= first_day), None)
    if verdict is None:
        pretrial = 0 if guilty else days
    else:
        pretrial = min(days, (verdict.first_day - first_day).days)
        approximate = approximate or (verdict.first_day <= last_day and verdict.precision != "day")
    inside = [place for day, place in facilities if first_day <= day <= last_day]
    return Period(
        person=person,
        kind=current.kind,
        start=start.edtf,
        end=end.date.edtf if end is not None else None,
        days=days,
        pretrial_days=pretrial,
        approximate=approximate,
        ended_by=ended_by,
        facilities=tuple(dict.fromkeys([*current.facilities, *inside])),
        start_event=_named(current.moment, HOUSE_ARREST if current.kind == HOUSE_ARREST else None),
        end_event=_named(end, ended_by) if end is not None else None,
    )


def _named(moment: _Moment, kind: str | None) -> str:
    """The id of the event that names the moment: of that type if there is one."""
    if len(moment.events) == 1:
        return moment.events[0].id
    named = next((e.id for e in moment.events if e.type == kind), None)
    return moment.first.id if named is None else named


def _rough(date: PartialDate) -> bool:
    """Not a precise day: month or year precision, or approximate or uncertain (~ or ?)."""
    return _rank(date) < _DAY or date.qualifier != ""
