"""Custody periods, derived from events and never stored.

The rules (docs/custody.md), in the order they are applied:

1. Only events naming the person count. Events sort by earliest possible
   day, then less precise first, then the order recorded.
2. An event whose bounds contain a more precise event of the same effect is
   the same moment ("remanded in May 2011", "arrested 20 May 2011"): it merges
   into the precise one, which gives the period its date.
3. Starts (or ends) on one day are one transition, a start taken at its
   earliest possible day and an end at its latest ("bailed in February 2011"
   on the 28th, after "arrested 9 February 2011": it ends that custody). On
   one day an open period ends before the next starts. A start while a period
   is open continues it; an end with no open period is a *problem*, reported,
   not dropped (it often shows that sources disagree), and so is another
   order the dates allow (`_order_unsure`).
4. `house_arrest` ends custody and opens a house-arrest period, closed by the
   next custody end or by a custody start; also when another end of that day
   names the end (bail on condition of house arrest), unless a death in
   custody or an escape does.
5. Days run from the start to the end, or to `as_of` while the period is
   ongoing: `days_min` from the latest possible start to the earliest possible
   end, `days_max` from the earliest start to the latest end, and `days`, the
   estimate, from the earliest possible days of both, clamped into that range.
   The pretrial part ends at the person's first guilty verdict (a `verdict`
   with outcome guilty, or a `sentence`) on or after the start.
6. A period still open when a later record says the person was free or dead
   (a `death`, an `emigration`) is a problem too: its end is missing. So is a
   start after a recorded death, whether it opens a period or continues one.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, NamedTuple, TypeVar

from dossier.dates import PartialDate, begins_after, stored
from dossier.model import Event
from dossier.vocab import END_PRECEDENCE, EVENT_TYPES, Effect

CUSTODY = "custody"
HOUSE_ARREST = "house_arrest"
# Events inside a period whose place is a facility where the person was held:
# transfers and medical events. Never hearings, verdicts, appeals or
# `detention_extended`, whose place is the court that ordered it.
FACILITY_TYPES = frozenset({"transfer", "medical_care", "medical_care_denied", "illness"})
# Events that cannot happen to a person still held: after one, an open period
# has lost its end (rule 6).
FREE_OR_DEAD = frozenset({"death", "emigration"})
_DEATHS = frozenset({"death", "death_in_custody"})
# The types of which some events are guilty verdicts (guilty_verdict says which).
VERDICTS = frozenset({"verdict", "sentence"})
_PRECEDENCE = frozenset(END_PRECEDENCE)
_TRANSITIONS = {t: e for t, e in EVENT_TYPES.items() if e in (Effect.START, Effect.END)}
# Every event type the rules read: starts and ends, the verdicts that end the
# pretrial part, the facility events and the events that imply an end. Custody
# never looks at the others, so a caller with many events may build records for
# these alone (statistics do).
SHAPES_CUSTODY = frozenset(_TRANSITIONS) | FACILITY_TYPES | FREE_OR_DEAD | VERDICTS
# What elsewhere() reads of the events of other cases.
ELSEWHERE_TYPES = frozenset(_TRANSITIONS) | VERDICTS | FREE_OR_DEAD


def guilty_verdict(type_: str, outcome: str | None) -> bool:
    """A guilty verdict: a `verdict` with outcome guilty, or a `sentence`."""
    return type_ == "sentence" or (type_ == "verdict" and outcome == "guilty")


def changes_custody(type_: str, outcome: str | None) -> bool:
    """A custody start or end, or a guilty verdict: an event whose absence from a
    selection changes its figures (elsewhere(), a redacted report's withheld events)."""
    return type_ in _TRANSITIONS or guilty_verdict(type_, outcome)


def acquittal(type_: str, outcome: str | None) -> bool:
    """An acquittal: a `verdict` with outcome acquitted, or an `acquittal` event."""
    return type_ == "acquittal" or (type_ == "verdict" and outcome == "acquitted")


@dataclass(frozen=True, slots=True)
class Period:
    """One period of custody or house arrest of one person.

    `days` is the estimate (from the earliest possible days of both ends);
    `days_min` and `days_max` are what the dates allow, equal when both ends
    are known to the day. The same for the pretrial part.
    """

    person: str
    kind: str
    start: str
    end: str | None
    days: int
    days_min: int
    days_max: int
    pretrial_days: int
    pretrial_days_min: int
    pretrial_days_max: int
    approximate: bool  # the days: a start or an end not known to the day
    pretrial_approximate: bool  # the pretrial days: the same, or the verdict that ends them
    ended_by: str | None
    facilities: tuple[str, ...]
    start_event: str
    end_event: str | None

    @property
    def ongoing(self) -> bool:
        """Still open at the end of the record."""
        return self.end is None

    def holds(self, first: datetime.date, last: datetime.date) -> bool:
        """Whether an event whose possible days run from `first` to `last` may fall in
        this period (its start to its latest possible end), as an end meets a period:
        what happened in custody, as the chart draws it and the comparison table counts
        it (a hunger strike while free is neither; one "in 2008" of a man arrested on
        24 November 2008 is)."""
        start = stored(self.start).first_day
        return first <= start + datetime.timedelta(days=self.days_max) and last >= start

    def to_dict(self) -> dict[str, object]:
        """The JSON form (timeline --json)."""
        return {
            "person": self.person,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "ongoing": self.ongoing,
            "days": self.days,
            "days_min": self.days_min,
            "days_max": self.days_max,
            "pretrial_days": self.pretrial_days,
            "pretrial_days_min": self.pretrial_days_min,
            "pretrial_days_max": self.pretrial_days_max,
            "approximate": self.approximate,
            "pretrial_approximate": self.pretrial_approximate,
            "ended_by": self.ended_by,
            "facilities": list(self.facilities),
            "start_event": self.start_event,
            "end_event": self.end_event,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in one person's record that makes their custody figures doubtful."""

    person: str
    case: str
    event: str  # the event the problem is about
    message: str  # what is wrong, naming the event; the person is not in it

    def to_dict(self) -> dict[str, str]:
        """The JSON form: person, case, event, message."""
        return {"person": self.person, "case": self.case, "event": self.event,
                "message": self.message}  # fmt: skip

    def __str__(self) -> str:
        return f"{self.person}: {self.message}"


@dataclass(frozen=True, slots=True)
class Custody:
    """All periods of the persons asked about, and the problems found on the way."""

    periods: tuple[Period, ...]
    problems: tuple[Problem, ...]


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
    case: str


def _fact(
    event_id: str, type_: str, date: str, place: str | None, outcome: str | None, case: str
) -> _Fact:
    parsed = stored(date)
    return _Fact(
        event_id, type_, parsed, _rank(parsed), place, guilty_verdict(type_, outcome), case
    )


@dataclass(slots=True)
class _Moment:
    """One transition: events of one effect that are the same moment."""

    date: PartialDate
    effect: Effect
    events: list[_Fact] = field(default_factory=list)
    # Rough starts merged into a precise one although an end lies within their dates
    # after it: (the rough start, the precise one, the end). Said as problems.
    doubts: list[tuple[_Fact, _Fact, _Fact]] = field(default_factory=list)

    @property
    def types(self) -> set[str]:
        return {e.type for e in self.events}

    @property
    def first(self) -> _Fact:
        """The event that gives the moment its date: the most precise, then the most
        certain (2015-04-01 before 2015-04-01~, before 2015-04-01?), then the first;
        so that the figures do not depend on the order the events were recorded in."""
        events = self.events
        if len(events) == 1:
            return events[0]
        return max(events, key=lambda e: _certainty(e.date))


@dataclass(slots=True)
class _Open:
    kind: str
    moment: _Moment  # the moment that opened it
    facilities: list[str]
    starts: list[_Moment]  # the moments that opened and continued it
    floor: datetime.date | None = None  # it began no earlier: the period before ended then


# A date's qualifiers, the most certain first.
_DOUBT = ("", "~", "?")

_Stored = TypeVar("_Stored", bound=Mapping[str, Any])


def known_on(events: Collection[_Stored], as_of: datetime.date) -> tuple[list[_Stored], int]:
    """The stored events as the record stood on `as_of`, and how many later ones were left out.

    An event whose earliest possible day is after `as_of` had not happened
    yet: a period it would start does not exist, an end it would bring leaves
    the period open, a verdict it would give is not counted. As of today, that
    leaves out what is only scheduled (a hearing next month).
    """
    iso = as_of.isoformat()
    # A stored date that sorts at or before the ISO day cannot begin after it (see
    # dates.begins_after): one pass in C answers for a dossier with nothing later.
    if max((r["date"] for r in events), default="") <= iso:
        return list(events), 0
    kept = [r for r in events if r["date"] <= iso or not begins_after(r["date"], as_of)]
    return kept, len(events) - len(kept)


ELSEWHERE = "recorded under other cases"  # the words of elsewhere()'s problems


def elsewhere(
    persons: Collection[str],
    outside: Iterable[Mapping[str, Any]],
    as_of: datetime.date,
    running: Collection[str] = (),
) -> list[Problem]:
    """A problem for each of `persons` with custody starts or ends, or guilty verdicts,
    among `outside`, the stored events of cases not selected: figures for a selection do
    not count them, so a release recorded under another case would leave a period open
    here, and a verdict there would not end its pretrial part. For those of `running`
    (held here still), a death or emigration there too: here they are "still held"."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for raw in outside:
        type_ = raw["type"]
        if begins_after(raw["date"], as_of):
            continue
        if changes_custody(type_, raw.get("outcome")):
            named = [p for p in raw["persons"] if p in persons]
        elif type_ in FREE_OR_DEAD:
            named = [p for p in raw["persons"] if p in running]
        else:
            continue
        for person in named:
            found.setdefault(person, []).append(raw)
    problems = []
    for person, raws in found.items():
        cases = ", ".join(sorted({r["case"] for r in raws}))
        verdicts = sum(r["type"] in VERDICTS for r in raws)
        gone = sum(r["type"] in FREE_OR_DEAD for r in raws)
        what = [
            f"{n} {noun}"
            for n, noun in (
                (len(raws) - verdicts - gone, "custody start(s) or end(s)"),
                (verdicts, "guilty verdict(s)"),
                (gone, "death(s) or emigration(s)"),
            )
            if n
        ]
        problems.append(
            Problem(
                person,
                raws[0]["case"],
                raws[0]["id"],
                f"{' and '.join(what)} of this person are {ELSEWHERE} ({cases}) and not"
                " counted here; the person's own timeline counts them",
            )
        )
    return problems


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Events by earliest possible day, less precise first, then as recorded."""
    return sorted(events, key=lambda e: stored(e.date).sort_key)


def periods_for(
    person: str, events: Iterable[Event], as_of: datetime.date, died: str | None = None
) -> tuple[list[Period], list[Problem]]:
    """The custody and house-arrest periods of one person, and the problems found;
    `died`, the date of death their record gives, if any."""
    mine = [
        _fact(e.id, e.type, e.date, e.place, e.outcome, e.case)
        for e in events
        if person in e.persons and e.type in SHAPES_CUSTODY
    ]
    recorded = stored(died) if died else None
    return _periods(person, sorted(mine, key=lambda f: f.date.sort_key), as_of, recorded)


def _periods(
    person: str, mine: list[_Fact], as_of: datetime.date, recorded: PartialDate | None = None
) -> tuple[list[Period], list[Problem]]:
    """periods_for() over the person's events, already in order (rule 1); `recorded`,
    the date of death of their record."""
    guilty = _Verdicts([e.date for e in mine if e.guilty])
    facilities = _Places(
        [
            (e.date.first_day, e.date.last_day, e.place)
            for e in mine
            if e.type in FACILITY_TYPES and e.place
        ]
    )
    periods: list[Period] = []
    problems: list[Problem] = []
    current: _Open | None = None
    ended: datetime.date | None = None  # the earliest day the last closed period ended
    # The end of the last closed period and the start that opened it, where the end is
    # known only to the month or year and may have come before that start: an end that
    # finds nothing open may be one the other reading would have left it to.
    unsure: tuple[_Moment, _Moment] | None = None

    def close(end: _Moment | None, ended_by: str | None) -> None:
        nonlocal ended
        assert current is not None
        periods.append(_period(person, current, end, ended_by, facilities, guilty, as_of))
        if end is not None:  # what follows began after this period's start, and its end
            began = max(current.moment.date.first_day, current.floor or datetime.date.min)
            ended = max(end.date.first_day, began)

    # The earliest a recorded death can have been: nobody is arrested after it.
    deaths = [e for e in mine if e.type in _DEATHS]
    died = min(deaths, key=lambda e: e.date.last_day) if deaths else None
    moments = _moments(mine)
    for moment in moments:
        if moment.doubts:
            problems.extend(_merged_doubt(person, *doubt) for doubt in moment.doubts)
    for day, group in _by_position(moments, as_of):
        # On one day, an open period ends before a start opens the next (released and
        # re-arrested at the gate); with none open, a start comes first (arrested and
        # released the same day).
        if len(group) > 1:
            first = Effect.END if current is not None else Effect.START
            group.sort(key=lambda m: m.effect is not first)
        for moment in group:
            if moment.effect is Effect.START:
                unsure = None
                if current is not None and current.kind == CUSTODY:
                    current.facilities.extend(_places(moment.events))  # continues the period
                    current.starts.append(moment)
                    problems.extend(_after_death(person, current, died, continuing=moment))
                    continue
                if current is not None:  # a custody start ends house arrest
                    close(moment, _most_specific(moment, fallback=moment.first.type))
                current = _Open(CUSTODY, moment, _places(moment.events), [moment], ended)
                problems.extend(_after_death(person, current, died))
                continue
            ended_by = _most_specific(moment, fallback="release")
            # A house-arrest order opens house arrest whatever else ends custody that day
            # (bail on condition of house arrest: `ended_by` names the bail), unless the
            # person died or escaped.
            house = ended_by == HOUSE_ARREST or (
                len(moment.events) > 1
                and HOUSE_ARREST in moment.types
                and ended_by not in ("death_in_custody", "escape")
            )
            if current is None:
                if house:  # house arrest ordered without custody before it
                    current = _Open(HOUSE_ARREST, moment, _homes(moment), [moment], ended)
                    problems.extend(_after_death(person, current, died))
                else:
                    problems.append(_orphan(person, moment, unsure))
                continue
            if current.kind == HOUSE_ARREST and house:
                # A second house-arrest order continues the period.
                problems.extend(_after_death(person, current, died, continuing=moment))
                continue
            problems.extend(_order_unsure(person, current, moment, ended_by, day))
            close(moment, ended_by)
            opened = current.moment
            rough = _rank(moment.date) < _DAY and moment.date.first_day < opened.date.first_day
            unsure = (moment, opened) if rough and current.kind == CUSTODY else None
            current = None
            if house:
                current = _Open(HOUSE_ARREST, moment, _homes(moment), [moment], ended)
                problems.extend(_after_death(person, current, died))
    if current is not None:
        close(None, None)
        problems.extend(_lost_end(person, current, mine, recorded, as_of))
    return periods, problems


def _by_position(
    moments: list[_Moment], as_of: datetime.date
) -> list[tuple[datetime.date, list[_Moment]]]:
    """Moments grouped by the day they are taken at (rule 3): a start at its earliest
    possible day, an end at its latest (no later than as_of). An end known only to the
    month ("bailed in February 2011") may come after anything else that month; so it
    closes what is open by then, however its earliest day sorts."""
    placed: dict[datetime.date, list[_Moment]] = {}
    for moment in moments:
        day = moment.date.first_day if moment.effect is Effect.START else _until(moment.date, as_of)
        placed.setdefault(day, []).append(moment)
    # Each day is one key, so the pairs sort by it without comparing the groups.
    return [
        (day, group if len(group) == 1 else _one_end(group))
        for day, group in sorted(placed.items())
    ]


def _one_end(group: list[_Moment]) -> list[_Moment]:
    """The ends taken at one day as one transition (rule 3), else the first closed the
    period and the next ended nothing, although its dates reach what it could have ended
    (death "in January 2010" and "in 2010", both taken at the as-of day). Their dates
    nest, each holding that day: the most precise is where they overlap."""
    ends = [m for m in group if m.effect is Effect.END]
    if len(ends) < 2:
        return group
    date = max((m.date for m in ends), key=_certainty)
    # The most precise first: the event that dates the transition names it.
    events = sorted((e for m in ends for e in m.events), key=lambda e: -e.rank)
    # (Ends carry no doubts: those are of rough starts, said before this.)
    return [*(m for m in group if m.effect is not Effect.END), _Moment(date, Effect.END, events)]


def custody(
    persons: Iterable[str],
    events: Iterable[Event],
    as_of: datetime.date,
    died: Mapping[str, str | None] | None = None,
) -> Custody:
    """Periods and problems for several persons, in the order given; `died`, the dates
    of death their records give (person id -> EDTF), which no period outlasts unsaid."""
    facts: list[tuple[_Fact, Sequence[str]]] = [
        (_fact(e.id, e.type, e.date, e.place, e.outcome, e.case), e.persons)
        for e in events
        if e.type in SHAPES_CUSTODY
    ]
    return _custody(persons, facts, as_of, died or {})


def custody_stored(
    persons: Iterable[str],
    events: Iterable[Mapping[str, Any]],
    as_of: datetime.date,
    died: Mapping[str, str | None] | None = None,
) -> Custody:
    """custody() over events in their stored (JSON) form, as a dossier holds them."""
    facts: list[tuple[_Fact, Sequence[str]]] = [
        (
            _fact(r["id"], r["type"], r["date"], r.get("place"), r.get("outcome"), r["case"]),
            r["persons"],
        )
        for r in events
        if r["type"] in SHAPES_CUSTODY
    ]
    return _custody(persons, facts, as_of, died or {})


def _custody(
    persons: Iterable[str],
    facts: list[tuple[_Fact, Sequence[str]]],
    as_of: datetime.date,
    died: Mapping[str, str | None],
) -> Custody:
    # One sort for everyone: each person's events come out of it in order (rule 1).
    facts.sort(key=lambda pair: pair[0].date.sort_key)
    by_person: dict[str, list[_Fact]] = {}
    for fact, names in facts:
        for person in names:
            by_person.setdefault(person, []).append(fact)
    periods: list[Period] = []
    problems: list[Problem] = []
    for person in persons:
        death = died.get(person)
        recorded = stored(death) if death else None
        found, trouble = _periods(person, by_person.get(person, []), as_of, recorded)
        periods.extend(found)
        problems.extend(trouble)
    return Custody(tuple(periods), tuple(problems))


_DAY = 2  # the rank of a date known to the day


def _moments(events: list[_Fact]) -> list[_Moment]:
    """Custody starts and ends grouped into transitions (rules 2 and 3)."""
    relevant: list[tuple[_Fact, Effect]] = [
        (e, _TRANSITIONS[e.type]) for e in events if e.type in _TRANSITIONS
    ]
    days = [e.date.first_day for e, _ in relevant]  # in order: the events come sorted
    # Moments by effect and bounds: merging keeps the bounds, only the precision rises.
    moments: dict[tuple[Effect, datetime.date, datetime.date], _Moment] = {}
    for event, effect in relevant:
        date = event.date
        doubt: tuple[_Fact, _Fact, _Fact] | None = None
        if event.rank < _DAY:  # nothing is more precise than a day
            precise = _more_precise_within(event, effect, relevant, days)
            if precise is not None:
                date = precise.date
                end = _between(precise, event, relevant, days, Effect.END)
                if effect is Effect.START and end is None:
                    # Released on the day of the precise start: the rough one may be an
                    # earlier start, which that release ended (at the gate, re-arrested);
                    # unless a period was open already, which it would only continue.
                    at = bisect_left(days, event.date.first_day)
                    if _last_kind(relevant, at, precise) is not Effect.START:
                        end = _on_the_day(precise, relevant, days)
                if effect is Effect.START and end is not None:
                    doubt = (event, precise, end)
        key = (effect, date.first_day, date.last_day)
        same = moments.get(key)
        if same is None:
            same = moments[key] = _Moment(date, effect, [event])
        else:
            same.events.append(event)
            if _certainty(date) > _certainty(same.date):
                same.date = date
        if doubt is not None:
            same.doubts.append(doubt)
    return sorted(moments.values(), key=lambda m: m.date.sort_key)


def _rank(date: PartialDate) -> int:
    return date.sort_key[1]


def _certainty(date: PartialDate) -> tuple[int, int]:
    """How much a date says: its precision, then its qualifier (none, `~`, `?`). Of two
    dates of a moment the one that says more dates it, whatever order they came in."""
    return date.sort_key[1], -_DOUBT.index(date.qualifier)


def _more_precise_within(
    this: _Fact, effect: Effect, events: list[tuple[_Fact, Effect]], days: list[datetime.date]
) -> _Fact | None:
    """The most precise event of the same effect inside `this` one's bounds (earliest on a
    tie); none when an event of the other effect lies inside them too. `days`: the
    events' earliest days, in order, so that only the events inside are looked at."""
    first, last = this.date.first_day, this.date.last_day
    best: _Fact | None = None
    for other, other_effect in events[bisect_left(days, first) : bisect_right(days, last)]:
        if (
            other_effect is effect
            and other.rank > this.rank
            and (best is None or other.rank > best.rank)
        ):
            best = other
    if best is None:
        return None
    if effect is Effect.END and _between(best, this, events, days, Effect.START):
        # "Bailed in February" after a release on the 5th and a re-arrest on the 9th may
        # be either end: taken at its latest day, it ends what is open then.
        return None
    if effect is Effect.START and _ended_before(best, this, events, days):
        # The mirror: "arrested in March" before a release on the 10th and a re-arrest on
        # the 20th may be either start: taken at its earliest day, that release ends it.
        return None
    return best


def _ended_before(
    precise: _Fact, rough: _Fact, events: list[tuple[_Fact, Effect]], days: list[datetime.date]
) -> bool:
    """Whether, within the rough start's dates and certainly before the precise start, an
    end lies that would end nothing else: no start came since the end before it, so
    the start it ended may be the rough one."""
    last = precise.date.first_day
    for at in range(bisect_left(days, rough.date.first_day), bisect_left(days, last)):
        end, kind = events[at]
        if kind is not Effect.END or end.date.last_day >= last:
            continue
        if _last_kind(events, at, precise) is not Effect.START:
            return True
    return False


def _last_kind(events: list[tuple[_Fact, Effect]], at: int, precise: _Fact) -> Effect | None:
    """The effect of the last of `events` (in order) before index `at`, leaving out the
    rough starts that may be the same moment as the precise start (another source of
    the same arrest)."""
    day = precise.date.first_day
    for event, kind in (events[i] for i in range(at - 1, -1, -1)):
        rough_start = kind is Effect.START and event.rank < _DAY
        if not (rough_start and event.date.first_day <= day <= event.date.last_day):
            return kind
    return None


def _between(
    precise: _Fact,
    rough: _Fact,
    events: list[tuple[_Fact, Effect]],
    days: list[datetime.date],
    effect: Effect,
) -> _Fact | None:
    """An event of `effect` after the precise one and within the rough one's bounds."""
    low, high = precise.date.first_day, rough.date.last_day
    inside = events[bisect_right(days, low) : bisect_right(days, high)]
    return next((e for e, kind in inside if kind is effect), None)


def _most_specific(moment: _Moment, fallback: str) -> str:
    """The type that names the moment's end: the first of END_PRECEDENCE among its events."""
    if len(moment.events) == 1:  # most moments: no set to build
        type_ = moment.events[0].type
        return type_ if type_ in _PRECEDENCE else fallback
    types = moment.types
    return next((t for t in END_PRECEDENCE if t in types), fallback)


def _places(events: Sequence[_Fact]) -> list[str]:
    """Places of the events, the most precisely dated first (the day before the month)."""
    ordered = events if len(events) == 1 else sorted(events, key=lambda e: -e.rank)
    return [e.place for e in ordered if e.place]


def _homes(moment: _Moment) -> list[str]:
    """Where a house arrest that opens at this end began: the places of its `house_arrest`
    events alone. The other ends of that day say where custody ended (the release of
    the court that ordered the house arrest), never a place where the person was held."""
    return _places([e for e in moment.events if e.type == HOUSE_ARREST])


def _orphan(person: str, moment: _Moment, unsure: tuple[_Moment, _Moment] | None) -> Problem:
    """An end with nothing open; `unsure`: the end before it that may have come before
    the start it is counted after, which would have left that period open to this one."""
    kinds = " and ".join(sorted(moment.types))
    ids = ", ".join(e.id for e in moment.events)
    reading = ""
    if unsure is not None:
        end, start = unsure
        reading = (
            f" {' and '.join(sorted(end.types))} in {end.date.display()} (event"
            f" {end.first.id}) may be before {' and '.join(sorted(start.types))} on"
            f" {start.date.display()} (event {start.first.id}), which would leave that"
            " period open until this; counted as after"
        )
    return Problem(
        person,
        moment.first.case,
        moment.first.id,
        f"{kinds} on {moment.date.display()} (event {ids}) ends no open custody period;"
        f" do the sources disagree about an earlier end?{reading}",
    )


def _merged_doubt(person: str, rough: _Fact, precise: _Fact, end: _Fact) -> Problem:
    # An end on the precise start's own day: the rough start may have come before it.
    other = (
        f"an earlier start, ended by the {end.type} that day (event {end.id})"
        if end.date.sort_key == precise.date.sort_key
        else f"a later start, after the {end.type} on {end.date.display()} (event {end.id})"
    )
    return Problem(
        person,
        rough.case,
        rough.id,
        f"{rough.type} in {rough.date.display()} (event {rough.id}) is counted as the"
        f" {precise.type} on {precise.date.display()} (event {precise.id}), but may be {other}",
    )


def _on_the_day(
    precise: _Fact, events: list[tuple[_Fact, Effect]], days: list[datetime.date]
) -> _Fact | None:
    """An end known to the day that is the precise start's day."""
    day = precise.date.first_day
    inside = events[bisect_left(days, day) : bisect_right(days, day)]
    return next((e for e, kind in inside if kind is Effect.END and e.rank == _DAY), None)


def _lost_end(
    person: str,
    current: _Open,
    mine: list[_Fact],
    recorded: PartialDate | None,
    as_of: datetime.date,
) -> list[Problem]:
    """An open period that a later death or emigration says must have ended (rule 6),
    or the date of death the person's record gives (on or before the as-of day).

    "Later" as for ends: a death whose possible days reach the start (one known
    only to the year of the arrest) counts.
    """
    start = current.moment
    first = start.date.first_day
    later = next((e for e in mine if e.type in FREE_OR_DEAD and e.date.last_day >= first), None)
    opened, kind = _opening(current)
    if later is None and recorded is not None and recorded.first_day <= as_of:
        # Without it, a man whose record says he died in 2011 was "still held" today.
        death = f"the person's record gives their death on {recorded.display()}"
        message = (
            f"{kind} from {start.date.display()} (event {opened}) has no recorded end, but"
            f" {death}; the figures count it as still running"
            if recorded.last_day >= first
            else f"{kind} from {start.date.display()} (event {opened}) begins after {death},"
            " and has no recorded end; one of the two dates is wrong, and the figures count"
            " it as still running"
        )
        return [Problem(person, start.first.case, opened, message)]
    if later is None:
        return []
    return [
        Problem(
            person,
            start.first.case,
            opened,
            f"{kind} from {start.date.display()} (event {opened}) has no recorded end, but"
            f" {later.type} on {later.date.display()} (event {later.id}) implies one;"
            " the figures count it as still running",
        )
    ]


def _opening(current: _Open) -> tuple[str, str]:
    """The event that opened a period (for house arrest, its order) and the period's
    kind in words, as figures and problems name them."""
    if current.kind == HOUSE_ARREST:
        return _named(current.moment, HOUSE_ARREST), "house arrest"
    return _named(current.moment, None), "custody"


def _after_death(
    person: str, current: _Open, died: _Fact | None, continuing: _Moment | None = None
) -> list[Problem]:
    """A start after the person's recorded death, for certain (its earliest possible day
    after the death's latest): one of the two dates is wrong. The start is the one that
    opened `current`, or `continuing`, a later one that continues it. The figures count
    it as recorded (a continuing custody start's place among the facilities), and the
    problem says so."""
    start = current.moment if continuing is None else continuing
    if died is None or start.date.first_day <= died.date.last_day:
        return []
    opened, kind = _opening(current)
    death = f"{died.type} on {died.date.display()} (event {died.id}); one of the two dates is wrong"
    if continuing is None:
        event = opened
        message = (
            f"{kind} from {start.date.display()} (event {opened}) begins after {death},"
            f" and the figures count the {kind} as recorded"
        )
    else:
        # Of this start, so it names this start's event; the period it joined is named
        # in the words (that period's own missing end is a problem of its own).
        event = start.first.id
        message = (
            f"{' and '.join(sorted(start.types))} on {start.date.display()} (event"
            f" {', '.join(e.id for e in start.events)}) comes after {death}, and the"
            f" figures count it as recorded, continuing {kind} from"
            f" {current.moment.date.display()} (event {opened})"
        )
    return [Problem(person, start.first.case, event, message)]


def _order_unsure(
    person: str, current: _Open, end: _Moment, ended_by: str, day: datetime.date
) -> list[Problem]:
    """Where the dates allow an end and a start of this period in either order.

    The rules take an end known to the month at its latest possible day and a
    start at its earliest; when the other order would change the periods (a
    re-arrest inside the month of a bail, house arrest in the month of an arrest,
    a remand "in January" and a release on the 20th), the reading chosen is said.
    """
    rough_end = _rank(end.date) < _DAY
    if not rough_end and all(_rank(s.date) == _DAY for s in current.starts):
        return []  # every date known to the day: no other order to speak of
    said: list[Problem] = []
    kinds = " and ".join(sorted(end.types))
    if rough_end:
        earliest = end.date.first_day
        # A start of this period inside the end's dates, other than the one that
        # opened it (which an end cannot precede: nothing would have been open).
        inside = [s for s in current.starts[1:] if s.date.first_day > earliest]
        if ended_by == HOUSE_ARREST and current.moment.date.first_day > earliest:
            inside.insert(0, current.moment)  # house arrest may have come first
        if inside:
            for start in inside[:1]:
                said.append(
                    Problem(
                        person,
                        end.first.case,
                        end.first.id,
                        f"{kinds} in {end.date.display()} (event {end.first.id}) may be before"
                        f" or after {' and '.join(sorted(start.types))} on"
                        f" {start.date.display()} (event {start.first.id}); counted as after",
                    )
                )
    for start in current.starts:
        if _rank(start.date) < _DAY and start.date.first_day < day <= start.date.last_day:
            said.append(
                Problem(
                    person,
                    start.first.case,
                    start.first.id,
                    f"{' and '.join(sorted(start.types))} in {start.date.display()} (event"
                    f" {start.first.id}) may be before or after {kinds} on"
                    f" {end.date.display()} (event {end.first.id}); counted as before",
                )
            )
    return said


# No stored date spans more than a year: a verdict that may fall on or after a day
# begins no earlier than this before it.
_LONGEST = datetime.timedelta(days=366)


class _Verdicts:
    """A person's guilty verdicts in date order, indexed for each period's pretrial part:
    a statistics run asks this of tens of thousands of periods."""

    def __init__(self, dates: list[PartialDate]) -> None:
        self.dates = dates
        self.firsts = [d.first_day for d in dates]
        # The earliest last day from each verdict on: the first to be over for certain.
        self.least_last = list(accumulate((d.last_day for d in reversed(dates)), min))[::-1]
        # How many of the verdicts before each are not known to the day.
        self.rough_before = [0, *accumulate(_rough(d) for d in dates)]

    def after(
        self, first: datetime.date, latest_end: datetime.date
    ) -> tuple[datetime.date | None, datetime.date | None, bool]:
        """Of the verdicts that may fall on or after `first`: the earliest possible day of
        the earliest, the latest day of the first over for certain, and whether one of
        those that may fall before `latest_end` is not known to the day."""
        firsts, dates = self.firsts, self.dates
        earliest = first - _LONGEST if first.toordinal() > _LONGEST.days else datetime.date.min
        low = bisect_left(firsts, earliest)
        sure = bisect_left(firsts, first, low)  # from here on, every one begins on or after
        straddling = [d for d in dates[low:sure] if d.last_day >= first]
        if not straddling and sure == len(dates):
            return None, None, False
        early = straddling[0].first_day if straddling else firsts[sure]
        lasts = [d.last_day for d in straddling]
        if sure < len(dates):
            lasts.append(self.least_last[sure])
        within = bisect_right(firsts, latest_end, sure)  # those from `sure` to here
        rough = self.rough_before[within] > self.rough_before[sure] or any(
            _rough(d) for d in straddling if d.first_day <= latest_end
        )
        return early, min(lasts), rough


class _Places:
    """A person's facility events (earliest day, latest day, place) in date order."""

    def __init__(self, placed: list[tuple[datetime.date, datetime.date, str]]) -> None:
        self.days = [first for first, _, _ in placed]
        self.placed = placed

    def between(self, first: datetime.date, last: datetime.date) -> list[str]:
        """The places of the events whose possible days meet `first` to `last` (both
        included), as an end's meet a period it closes: a transfer "in January 2010"
        during custody from 10 January was in it, though its earliest day is not. (A
        date spans a year at most: the events that may reach `first` begin after the
        year before it.)"""
        since = bisect_left(self.days, first - _A_YEAR) if first > _YEAR_ONE else 0
        return [
            place
            for begins, ends, place in self.placed[since : bisect_right(self.days, last)]
            if ends >= first
        ]


_A_YEAR = datetime.timedelta(days=366)
_YEAR_ONE = datetime.date(2, 1, 1)  # before it, a year back is no date


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _period(
    person: str,
    current: _Open,
    end: _Moment | None,
    ended_by: str | None,
    facilities: _Places,
    guilty: _Verdicts,
    as_of: datetime.date,
) -> Period:
    start = current.moment.date
    # The possible days of each end: an event cannot have happened after as_of, nor a
    # period begun before the one it follows ended.
    first = max(start.first_day, current.floor or start.first_day)
    latest_start = max(first, _until(start, as_of))
    if end is None:
        earliest_end = latest_end = as_of
    else:
        # An end is read as after every start of the period it ends (rule 3: "bailed in
        # February" after a re-arrest on the 20th ended no earlier than the 20th).
        # (The starts come in order of their earliest days: the last is the latest.)
        earliest_end = max(end.date.first_day, current.starts[-1].date.first_day)
        latest_end = _until(end.date, as_of)
    days_min = max(0, (earliest_end - latest_start).days)
    days_max = max(0, (latest_end - first).days)
    days = _clamp((earliest_end - first).days, days_min, days_max)
    rough_end = end is not None and _rough(end.date)
    approximate = _rough(start) or rough_end
    # The pretrial part ends at the first guilty verdict on or after the start:
    # among the verdicts that can be, the earliest gives its earliest possible day
    # and the first to be over for certain its latest.
    early, late, rough_verdict = guilty.after(first, latest_end)
    if early is not None and late is not None:
        pretrial_min = max(0, (min(earliest_end, early) - latest_start).days)
        pretrial_max = max(0, (min(latest_end, late) - first).days)
        estimate = min(days, max(0, (early - first).days))
        pretrial = _clamp(estimate, pretrial_min, pretrial_max)
        # The period's end bounds the pretrial part only if it can come before the
        # verdict is over for certain: released "in March 2014" three years after a
        # sentence of 16 January 2011, the pretrial days are exact.
        pretrial_rough = _rough(start) or rough_verdict or (rough_end and late > earliest_end)
    elif guilty.dates:  # every guilty verdict came before: a period served after conviction
        pretrial = pretrial_min = pretrial_max = 0
        pretrial_rough = False  # every verdict was over before its earliest day: none
    else:
        pretrial, pretrial_min, pretrial_max = days, days_min, days_max
        pretrial_rough = approximate
    inside = facilities.between(first, latest_end)
    return Period(
        person=person,
        kind=current.kind,
        start=start.edtf,
        end=end.date.edtf if end is not None else None,
        days=days,
        days_min=days_min,
        days_max=days_max,
        pretrial_days=pretrial,
        pretrial_days_min=pretrial_min,
        pretrial_days_max=pretrial_max,
        approximate=approximate,
        pretrial_approximate=pretrial_rough,
        ended_by=ended_by,
        facilities=tuple(dict.fromkeys([*current.facilities, *inside])),
        start_event=_opening(current)[0],
        end_event=_named(end, ended_by) if end is not None else None,
    )


def _until(date: PartialDate, as_of: datetime.date) -> datetime.date:
    """The latest possible day of a date, no later than as_of (unless the date begins after it)."""
    return max(date.first_day, min(date.last_day, as_of))


def _named(moment: _Moment, kind: str | None) -> str:
    """The id of the event that names the moment: of that type if there is one."""
    if len(moment.events) == 1:
        return moment.events[0].id
    named = next((e.id for e in moment.events if e.type == kind), None)
    return moment.first.id if named is None else named


def _rough(date: PartialDate) -> bool:
    """Not a precise day: month or year precision, or approximate or uncertain (~ or ?)."""
    return _rank(date) < _DAY or date.qualifier != ""
