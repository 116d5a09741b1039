"""The custody chart: who was held, when, how long before a verdict, and what
happened to them in custody, as data for `dossier chart` (and its --json).

One row per person ever held in the selected cases, with their custody periods
(start, end or still running, where the pretrial part ends, the range an
imprecise end allows) and markers for hunger strikes, medical care denied,
ill-treatment and death in custody; and a row for whoever died in custody without
ever being held in it (under house arrest), with the death alone. The figures are
custody.py's; the chart only places them on a time axis (render/chart.py draws it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dossier.custody import CUSTODY, Custody, Period, known_on
from dossier.dates import stored
from dossier.stats import sort_rows

# Events drawn as markers on a person's bar, and the character each is drawn with, the
# least serious first: where several fall in one cell of the terminal, the most serious
# is drawn.
MARKERS: dict[str, str] = {
    "hunger_strike": "h",
    "medical_care_denied": "m",
    "ill_treatment": "x",
    "death_in_custody": "†",
}


@dataclass(frozen=True, slots=True)
class Bar:
    """One custody period on the time axis."""

    start: datetime.date  # earliest possible day
    end: datetime.date  # earliest possible end, or the as-of day while it runs
    latest_end: datetime.date  # the latest possible end (== end when it is known)
    pretrial_end: datetime.date  # where the pretrial part ends (== end if it never did)
    ongoing: bool
    period: Mapping[str, Any]  # the period's JSON form

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the period's own figures, and where the pretrial part ends."""
        return {**self.period, "pretrial_end": self.pretrial_end.isoformat()}


@dataclass(frozen=True, slots=True)
class Marker:
    """Something that happened in custody, drawn on the bar."""

    type: str
    day: datetime.date
    date: str  # as recorded
    event: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"type": self.type, "date": self.date, "event": self.event}


@dataclass(frozen=True, slots=True)
class Row:
    """One person ever held."""

    person: str
    name: str
    case: str
    bars: tuple[Bar, ...]
    markers: tuple[Marker, ...]
    problems: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (chart --json)."""
        return {
            "person": self.person,
            "name": self.name,
            "case": self.case,
            "periods": [b.to_dict() for b in self.bars],
            "markers": [m.to_dict() for m in self.markers],
            "problems": self.problems,
        }


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything `dossier chart` draws."""

    as_of: datetime.date
    rows: tuple[Row, ...]
    left_out: int

    def span(self) -> tuple[datetime.date, datetime.date]:
        """The first day drawn (a custody's start, or a death in custody of one never
        held otherwise) and the last (the latest possible end: the as-of day while
        someone is held). Not the as-of day itself: a case whose custody ended in 2011,
        drawn to today, was a sliver at the left of an empty axis."""
        bars = [b for row in self.rows for b in row.bars]
        deaths = [m.day for row in self.rows for m in row.markers]
        first = min([*(b.start for b in bars), *deaths], default=self.as_of)
        last = max([*(b.latest_end for b in bars), *deaths], default=self.as_of)
        return first, last

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (chart --json)."""
        return {
            "as_of": self.as_of.isoformat(),
            "later_events_left_out": self.left_out,
            "rows": [r.to_dict() for r in self.rows],
        }


def build(
    events: Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    as_of: datetime.date,
    *,
    person: str | None = None,
    sort: str = "first_custody",
    outside: Iterable[Mapping[str, Any]] = (),
    died: Mapping[str, str] | None = None,
) -> Chart:
    """The chart of these stored events (those of the selected cases) as of a day;
    `outside`, the other cases' events, only to mark whose figures they would change
    (custody.elsewhere), as stats does; `died`, the dates of death the persons'
    records give (a period open past one is a problem, as in stats)."""
    from dossier.stats import compute_stored

    known, left_out = known_on(events, as_of)
    if person is not None:
        known = [r for r in known if person in r["persons"]]
    # The statistics give the periods and problems, and their comparison rows the order.
    stats = compute_stored([], [], known, as_of, outside=outside, died=died)
    held = Custody(stats.periods, stats.problems)
    compared = [replace(r, name=names.get(r.person, r.person)) for r in stats.per_person]
    order = [r.person for r in sort_rows(compared, sort) if person in (None, r.person)]
    rows = _rows(held, known, names)
    by_person = {r.person: r for r in rows}
    # Who died in custody without ever being held in it (under house arrest) has no row
    # of the comparison table: after those who were held, by the day of the death.
    unheld = sorted((r for r in rows if not r.bars), key=lambda r: (r.markers[0].day, r.person))
    drawn = [by_person[p] for p in order if p in by_person]
    return Chart(as_of, (*drawn, *unheld), left_out)


def _rows(held: Custody, known: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[Row]:
    marks: dict[str, list[Marker]] = {}
    for raw in known:
        if raw["type"] in MARKERS:
            day = stored(raw["date"]).first_day
            for person in raw["persons"]:
                marker = Marker(raw["type"], day, raw["date"], raw["id"])
                marks.setdefault(person, []).append(marker)
    troubled: dict[str, int] = {}
    for problem in held.problems:
        troubled[problem.person] = troubled.get(problem.person, 0) + 1
    cases = {raw["id"]: raw["case"] for raw in known}
    bars: dict[str, list[Bar]] = {}
    periods: dict[str, list[Period]] = {}
    for p in held.periods:
        if p.kind != CUSTODY:
            continue
        periods.setdefault(p.person, []).append(p)
        start = stored(p.start).first_day
        end = start + datetime.timedelta(days=p.days)
        latest = start + datetime.timedelta(days=p.days_max)
        pretrial = start + datetime.timedelta(days=p.pretrial_days)
        bars.setdefault(p.person, []).append(
            Bar(start, end, max(end, latest), pretrial, p.ongoing, p.to_dict())
        )
    rows = []
    for person, drawn in bars.items():
        first = drawn[0].period["start_event"]
        placed = (_placed(m, periods[person]) for m in marks.get(person, ()))
        shown = [m for m in placed if m is not None]
        rows.append(
            Row(
                person=person,
                name=names.get(person, person),
                case=cases.get(first, ""),
                bars=tuple(drawn),
                markers=tuple(sorted(shown, key=lambda m: m.day)),
                problems=troubled.get(person, 0),
            )
        )
    for person, found in marks.items():
        deaths = sorted((m for m in found if m.type == "death_in_custody"), key=lambda m: m.day)
        # Died in custody never held in it: the death alone, for each person `stats`
        # counts among its deaths in custody. Under house arrest; or with no custody on
        # record, which the "!" of the row's problem says (a death in custody the record
        # gives no arrest before).
        if deaths and person not in bars:
            rows.append(
                Row(
                    person=person,
                    name=names.get(person, person),
                    case=cases.get(deaths[0].event, ""),
                    bars=(),
                    markers=tuple(deaths),
                    problems=troubled.get(person, 0),
                )
            )
    return rows


def _placed(marker: Marker, periods: Iterable[Period]) -> Marker | None:
    """A marker as a person's chart draws it, None if it does not: what happened in
    custody, on its bar (a hunger strike while free is not), from the bar's first day (a
    hunger strike "in 2008" of a man held from 24 November 2008, not in January before
    it); a death in custody wherever it falls (under house arrest, which has no bar, it
    is still a death in custody)."""
    date = stored(marker.date)
    for p in periods:
        if p.holds(date.first_day, date.last_day):
            return replace(marker, day=max(marker.day, stored(p.start).first_day))
    return marker if marker.type == "death_in_custody" else None
