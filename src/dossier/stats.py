"""Summary statistics over selected cases, and the per-person comparison table.

Counting rules (docs/custody.md): custody comes from `custody.py`; verdicts are
counted per person and day (guilty: a `verdict` with outcome guilty or a
`sentence`; acquitted: a `verdict` with outcome acquitted or an `acquittal`);
the conviction rate is guilty / (guilty + acquitted), None when both are zero.
"""

from __future__ import annotations

import datetime
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dossier import dates
from dossier.custody import (
    SHAPES_CUSTODY,
    Custody,
    Period,
    Problem,
    acquittal,
    custody_stored,
    elsewhere,
    guilty_verdict,
    known_on,
)
from dossier.dates import begins_after, edtf_bounds, stored
from dossier.errors import DatabaseError
from dossier.model import Case, Event, Person, Tally
from dossier.vocab import EVENT_TYPES, Effect

EXTRADITION = {
    "extradition_request": "requests",
    "extradition_granted": "granted",
    "extradition_refused": "refused",
}
UNKNOWN_COUNTRY = "unknown"


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One row of the comparison table: a person who was ever held.

    Days are sums over the person's custody periods: the estimate, and the
    least and most the dates allow (docs/custody.md).
    """

    person: str
    name: str
    case: str
    first_custody: str
    custody_days: int
    days_min: int
    days_max: int
    pretrial_days: int
    pretrial_days_min: int
    pretrial_days_max: int
    approximate: bool
    pretrial_approximate: bool
    ongoing: bool
    medical_care_denied: int
    ill_treatment: int
    hunger_strikes: int
    ended_by: str | None
    verdict: str | None
    problems: int  # problems in the person's record, listed with the table

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: keys named after the columns."""
        # Not dataclasses.asdict: it deep-copies every value, 0.3 s on 3,000 rows.
        return {name: getattr(self, name) for name in COLUMNS}


COLUMNS = tuple(PersonRow.__dataclass_fields__)
# Sorting: counts and days largest first, yes before no (the persons still held first,
# by `ongoing`), text and dates in their natural order.
DESCENDING = {"custody_days", "days_min", "days_max", "pretrial_days", "pretrial_days_min",
              "pretrial_days_max", "medical_care_denied", "ill_treatment", "hunger_strikes",
              "problems", "approximate", "pretrial_approximate", "ongoing"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Stats:
    """Everything `dossier stats` reports."""

    as_of: datetime.date
    cases_by_status: dict[str, int]
    persons: int
    events_by_type: dict[str, int]
    periods: tuple[Period, ...]
    per_person: tuple[PersonRow, ...]
    guilty: int
    acquitted: int
    deaths_in_custody: int
    extradition: dict[str, dict[str, int]]
    problems: tuple[Problem, ...] = ()
    left_out: int = 0  # events after the as-of day, left out

    @property
    def conviction_rate(self) -> float | None:
        """guilty / (guilty + acquitted), None when there are neither."""
        total = self.guilty + self.acquitted
        return round(self.guilty / total, 4) if total else None

    def custody_summary(self) -> dict[str, Any]:
        """Persons held, periods, days, pretrial median and maximum, currently held, deaths.

        Totals, the median and the maximum add up the estimates; `approximate`
        says whether any period behind the days has a date not precise to the day,
        `pretrial_approximate` the same of the pretrial days (a verdict's date too), and
        `median_pretrial_approximate` and `max_pretrial_approximate` whether such a
        person's pretrial days may be among those the median is taken from, or be the
        maximum (an approximate figure far below both leaves them exact).
        Each has a `_min` and `_max`: the same figure over the least and the most days
        the dates allow (a sum, a median and a maximum grow with what they count, so
        those are its bounds), as each period and person row has them.
        """
        custodial = [p for p in self.periods if p.kind == "custody"]
        rows = self.per_person

        def median(values: list[int]) -> float | int | None:
            found = statistics.median(values) if values else None
            return int(found) if found == int(found or 0) else found

        return {
            "persons_held": len(rows),
            "periods": len(custodial),
            "total_days": sum(p.days for p in custodial),
            "total_days_min": sum(p.days_min for p in custodial),
            "total_days_max": sum(p.days_max for p in custodial),
            "median_pretrial_days": median([r.pretrial_days for r in rows]),
            "median_pretrial_days_min": median([r.pretrial_days_min for r in rows]),
            "median_pretrial_days_max": median([r.pretrial_days_max for r in rows]),
            "max_pretrial_days": max((r.pretrial_days for r in rows), default=None),
            "max_pretrial_days_min": max((r.pretrial_days_min for r in rows), default=None),
            "max_pretrial_days_max": max((r.pretrial_days_max for r in rows), default=None),
            "currently_held": len({p.person for p in custodial if p.ongoing}),
            "deaths_in_custody": self.deaths_in_custody,
            "approximate": any(p.approximate for p in custodial),
            "pretrial_approximate": any(p.pretrial_approximate for p in custodial),
            "median_pretrial_approximate": _rough_within(rows, *_middle(rows)),
            "max_pretrial_approximate": _rough_within(
                rows, max((r.pretrial_days_min for r in rows), default=0), None
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (stats --json)."""
        by_country = self.extradition
        totals = {k: sum(c[k] for c in by_country.values()) for k in EXTRADITION.values()}
        return {
            "as_of": self.as_of.isoformat(),
            "later_events_left_out": self.left_out,
            "cases": {
                "total": sum(self.cases_by_status.values()),
                "by_status": self.cases_by_status,
            },
            "persons": self.persons,
            "events": {"total": sum(self.events_by_type.values()), "by_type": self.events_by_type},
            "custody": self.custody_summary(),
            "verdicts": {
                "guilty": self.guilty,
                "acquitted": self.acquitted,
                "conviction_rate": self.conviction_rate,
            },
            "extradition": {**totals, "by_country": by_country},
            "per_person": [row.to_dict() for row in self.per_person],
            "problems": [p.to_dict() for p in self.problems],
        }


def compute(
    cases: Sequence[Case],
    persons: Iterable[Person],
    events: Iterable[Event],
    as_of: datetime.date | None = None,
    *,
    outside: Iterable[Mapping[str, Any]] = (),
) -> Stats:
    """Statistics over `cases` and their `events`; `persons` supplies names.

    The record as it stood on `as_of` (today by default): later events, scheduled
    ones among them, are left out and counted.
    """
    return compute_stored(cases, persons, [e.to_dict() for e in events], as_of, outside=outside)


def compute_stored(
    cases: Sequence[Case],
    persons: Iterable[Person],
    events: Sequence[Mapping[str, Any]],
    as_of: datetime.date | None = None,
    *,
    outside: Iterable[Mapping[str, Any]] = (),
    tally: Callable[[], Tally | None] | None = None,
    died: Mapping[str, str] | None = None,
) -> Stats:
    """compute() over events in their stored (JSON) form, as a dossier holds them.

    `outside`: the events of the cases not selected, looked at only to say when a
    person's custody continues or ends under another case (custody.elsewhere).
    `tally`: gives the events of the types outside READ, counted by a server instead
    of sent (`events` then holds the others only); asked for once custody is
    computed, since the server counts them meanwhile. `died`: the dates of death of
    the persons' records, when `persons` is not given (else taken from them).

    `dossier stats` reads a whole dossier: counting straight from the dicts
    spares it 100,000 records it would build only to read five fields of each.
    """
    as_of = as_of or dates.today()
    events, left_out = known_on(events, as_of)
    persons = list(persons)
    names = {p.id: p.name for p in persons}
    case_ids = {c.id for c in cases}
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for raw in events:
        by_type.setdefault(raw["type"], []).append(raw)
    # Custody's persons (and so its problems) in the order the events that figures read
    # first name them: the same order whether the other events were read or tallied.
    named = dict.fromkeys(p for r in events if r["type"] in READ for p in r["persons"])
    recorded = died if died is not None else {p.id: p.died for p in persons if p.died}
    held = custody_stored(named, events, as_of, recorded)
    counts = tally() if tally is not None else None
    counted, later, seen = _tallied(counts, case_ids, as_of) if counts else (Counter(), 0, set())
    seen.update(p for r in events for p in r["persons"])  # everyone a known event names
    involved = seen | {p.id for p in persons if any(r.case in case_ids for r in p.roles)}
    running = {p.person for p in held.periods if p.ongoing}
    found = (*held.problems, *elsewhere(seen, outside, as_of, running))
    held = Custody(held.periods, found)
    decided = [r for r in events if r["type"] in DECIDING]  # as recorded: ties keep this order
    guilty = _decisions(r for r in decided if _guilty(r))
    acquitted = _decisions(r for r in decided if _acquitted(r))
    deaths = {
        p or r["id"] for r in by_type.get("death_in_custody", ()) for p in r["persons"] or ("",)
    }
    return Stats(
        as_of=as_of,
        cases_by_status=dict(Counter(c.status for c in cases).most_common()),
        persons=len(involved),
        # Most first; a tie by name, however the events came (read, or tallied).
        events_by_type=dict(
            sorted(
                (Counter({t: len(raws) for t, raws in by_type.items()}) + counted).items(),
                key=lambda pair: (-pair[1], pair[0]),
            )
        ),
        periods=held.periods,
        per_person=tuple(_rows(held, by_type, decided, names)),
        guilty=len(guilty),
        acquitted=len(acquitted),
        deaths_in_custody=len(deaths),
        extradition=_extradition(by_type),
        problems=held.problems,
        left_out=left_out + later,
    )


def _middle(rows: Sequence[PersonRow]) -> tuple[int, int]:
    """The least and the most the pretrial days a median is taken from may be: the lower
    middle of the rows' least days, the upper middle of their most. A row whose days
    cannot meet that span is below or above the middle however its dates fall."""
    if not rows:
        return 0, 0
    least = sorted(r.pretrial_days_min for r in rows)
    most = sorted(r.pretrial_days_max for r in rows)
    return least[(len(rows) - 1) // 2], most[len(rows) // 2]


def _rough_within(rows: Sequence[PersonRow], low: int, high: int | None) -> bool:
    """Whether a row with approximate pretrial days may have them between `low` and
    `high` (no limit for None)."""
    return any(
        r.pretrial_approximate
        and r.pretrial_days_max >= low
        and (high is None or r.pretrial_days_min <= high)
        for r in rows
    )


def _decisions(
    raws: Iterable[Mapping[str, Any]],
) -> set[tuple[str, str, tuple[datetime.date, datetime.date]]]:
    """One per person and day: a verdict and the sentence it implies, "2013-02-10" and
    "2013-02-10~", are one decision (a date's bounds, not its text), and so are a
    verdict "in December 2010" and a sentence of 30 December 2010 (a date whose bounds
    hold a more precise one's is that moment, as custody reads it). A decision that
    names no one is one per case and day: two cases' are two."""
    found = {
        ("person", p, edtf_bounds(r["date"])) if p else ("case", r["case"], edtf_bounds(r["date"]))
        for r in raws
        for p in r["persons"] or ("",)
    }
    by_whom: dict[tuple[str, str], list[tuple[datetime.date, datetime.date]]] = {}
    for kind, whom, bounds in found:
        by_whom.setdefault((kind, whom), []).append(bounds)
    for (kind, whom), spans in by_whom.items():
        if len(spans) < 2:
            continue
        spans.sort()
        for span in spans:
            if span[0] == span[1]:
                continue  # a day holds no other day
            # The spans that begin inside this one, by their first day.
            for inner in spans[bisect_left(spans, (span[0],)) :]:
                if inner[0] > span[1]:
                    break
                if inner[1] <= span[1] and inner != span:
                    found.discard((kind, whom, span))
                    break
    return found


# Verdicts, sentences and acquittals: what the verdict counts and column read.
DECIDING = frozenset({"verdict", "sentence", "acquittal"})
# The columns of the comparison table that count events of one type.
COUNTED = {
    "medical_care_denied": "medical_care_denied",
    "ill_treatment": "ill_treatment",
    "hunger_strike": "hunger_strikes",
}


# The event types some figure reads one by one (custody, verdicts, the counted columns,
# deaths in custody, extradition); of the others, `stats` needs only how many there are
# and whom they name, which a server sends as a Tally.
READ = frozenset(
    SHAPES_CUSTODY | DECIDING | COUNTED.keys() | {"death_in_custody"} | EXTRADITION.keys()
)


def _tallied(
    tally: Tally, cases: Collection[str], as_of: datetime.date
) -> tuple[Counter[str], int, set[str]]:
    """What a tally adds to the figures of `cases`: the events known on `as_of` by type,
    how many began later (custody.known_on's rule, on each group's days), and the
    persons the known ones name."""
    counted: Counter[str] = Counter()
    later = 0
    for case, type_, count, latest in tally.groups:
        if case not in cases:
            continue
        if not begins_after(latest, as_of):
            counted[type_] += count
            continue
        days = tally.days.get((case, type_))
        if days is None:  # the store's pre-filter and this rule disagree: a bug, said
            raise DatabaseError(f"the tally of {type_} events in case {case} lacks their days")
        for day, n in days:
            if begins_after(day, as_of):
                later += n
            else:
                counted[type_] += n
    seen = {
        person
        for case, person, first in tally.named
        if case in cases and not begins_after(first, as_of)
    }
    return counted, later, seen


def _guilty(raw: Mapping[str, Any]) -> bool:
    return guilty_verdict(raw["type"], raw.get("outcome"))


def _acquitted(raw: Mapping[str, Any]) -> bool:
    return acquittal(raw["type"], raw.get("outcome"))


def _rows(
    held: Custody,
    by_type: Mapping[str, list[Mapping[str, Any]]],
    decided: Sequence[Mapping[str, Any]],
    names: dict[str, str],
) -> list[PersonRow]:
    """One row per person held."""
    by_person: dict[str, list[Period]] = {}
    for period in held.periods:
        if period.kind == "custody":
            by_person.setdefault(period.person, []).append(period)
    case_of = {
        r["id"]: r["case"]
        for type_, effect in EVENT_TYPES.items()
        if effect is Effect.START
        for r in by_type.get(type_, ())
    }
    counts: dict[str, Counter[str]] = {person: Counter() for person in by_person}
    for type_, column in COUNTED.items():
        for raw in by_type.get(type_, ()):
            when = stored(raw["date"])
            for person in raw["persons"]:
                # In custody only, as the chart marks them: the table is of persons held.
                if person in counts and any(
                    p.holds(when.first_day, when.last_day) for p in by_person[person]
                ):
                    counts[person][column] += 1
    verdict: dict[str, str] = {}  # the last outcome in date order (as recorded on a tie)
    for raw in sorted(decided, key=lambda r: stored(r["date"]).sort_key):
        outcome = "guilty" if _guilty(raw) else "acquitted" if _acquitted(raw) else None
        if outcome:
            verdict.update(dict.fromkeys(raw["persons"], outcome))
    troubled = Counter(p.person for p in held.problems)
    rows = []
    for person, mine in by_person.items():
        last = mine[-1]
        rows.append(
            PersonRow(
                person=person,
                name=names.get(person, person),
                case=case_of[mine[0].start_event],
                first_custody=mine[0].start,
                custody_days=sum(p.days for p in mine),
                days_min=sum(p.days_min for p in mine),
                days_max=sum(p.days_max for p in mine),
                pretrial_days=sum(p.pretrial_days for p in mine),
                pretrial_days_min=sum(p.pretrial_days_min for p in mine),
                pretrial_days_max=sum(p.pretrial_days_max for p in mine),
                approximate=any(p.approximate for p in mine),
                pretrial_approximate=any(p.pretrial_approximate for p in mine),
                ongoing=last.ongoing,
                medical_care_denied=counts[person]["medical_care_denied"],
                ill_treatment=counts[person]["ill_treatment"],
                hunger_strikes=counts[person]["hunger_strikes"],
                ended_by=last.ended_by,
                verdict=verdict.get(person),
                problems=troubled[person],
            )
        )
    # Persons held from the same day stay in id order, whatever order the events are in.
    return sort_rows(sorted(rows, key=lambda row: row.person), "first_custody")


def sort_rows(rows: Iterable[PersonRow], column: str) -> list[PersonRow]:
    """Rows sorted by a column: days and counts largest first, yes before no, the rest
    ascending, blanks last."""

    def key(row: PersonRow) -> tuple[int, Any]:
        value = getattr(row, column)
        if value is None:
            return (1, 0)
        if column == "first_custody":
            return (0, stored(value).sort_key)
        return (0, -value if column in DESCENDING else value)

    return sorted(rows, key=key)


def _extradition(by_type: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, dict[str, int]]:
    by_country: dict[str, dict[str, int]] = {}
    for type_, kind in EXTRADITION.items():
        for raw in by_type.get(type_, ()):
            country = by_country.setdefault(
                raw.get("country") or UNKNOWN_COUNTRY, dict.fromkeys(EXTRADITION.values(), 0)
            )
            country[kind] += 1
    return dict(sorted(by_country.items()))
