"""A dossier report: what the printed document says, before it is rendered.

`build` gathers one or more cases into a `Report`: headings, persons and
roles, custody periods, the timeline with citation numbers, statistics, and
one numbered list of sources, every distinct source once, numbered in the
order the document first cites it. Confidential persons and events are
redacted unless asked for: a confidential event is left out (and not counted),
a confidential person appears as "Person A", "Person B"… everywhere. The
renderers (`render/html.py`, `markdown.py`, `text.py`) only lay this out.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dossier import dates
from dossier._version import __version__
from dossier.chart import Chart
from dossier.chart import build as chart_of
from dossier.custody import (
    ELSEWHERE,
    Period,
    Problem,
    changes_custody,
    custody,
    elsewhere,
    known_on,
    sort_events,
)
from dossier.dates import stored
from dossier.model import Case, Event, Person, now_iso
from dossier.stats import PersonRow, Stats, compute
from dossier.store.records import Records

REDACTED = "[redacted]"


class Citations:
    """Numbers sources in the order they are first cited."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def cite(self, sources: Sequence[str]) -> tuple[int, ...]:
        """The numbers of these sources (ascending), giving new ones the next numbers."""
        for source in sources:
            self.numbers.setdefault(source, len(self.numbers) + 1)
        return tuple(sorted({self.numbers[s] for s in sources}))

    def listing(self) -> list[tuple[int, str]]:
        """(number, source) in number order."""
        return [(n, s) for s, n in self.numbers.items()]


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of a report's timeline."""

    id: str
    date: str  # ISO at its precision, as the terminal shows it
    date_long: str  # "16 November 2009"
    end: str | None
    type: str
    persons: tuple[str, ...]  # names, or pseudonyms when redacted
    place: str | None
    country: str | None
    description: str | None
    outcome: str | None
    term: str | None
    note: str | None
    citations: tuple[int, ...]  # empty: unsourced


@dataclass(frozen=True, slots=True)
class Party:
    """A person as the report names them, with their roles in the case ("defendant; witness")."""

    name: str
    role: str
    aliases: tuple[str, ...]
    born: str | None
    died: str | None
    notes: str | None
    citations: tuple[int, ...]  # empty: unsourced (unless redacted)
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class Held:
    """A custody or house-arrest period, with the person's report name."""

    name: str
    period: Period
    troubled: bool = False  # the person's record has a problem: marked "!"


@dataclass(frozen=True, slots=True)
class Section:
    """Everything the report says about one case."""

    case: Case
    citations: tuple[int, ...]
    parties: tuple[Party, ...]
    custody: tuple[Held, ...]
    problems: tuple[Problem, ...]  # persons named as the report names them
    timeline: tuple[Entry, ...]
    stats: Stats


@dataclass(frozen=True, slots=True)
class Report:
    """A whole report, ready to render."""

    sections: tuple[Section, ...]
    combined: Stats | None  # across cases, when there are several
    comparison: tuple[PersonRow, ...]
    problems: tuple[Problem, ...]  # behind the combined figures, when there are several cases
    sources: tuple[tuple[int, str], ...]
    made: str
    as_of: datetime.date
    version: str
    state_hash: str
    redacted_persons: int
    redacted_events: int
    include_confidential: bool = field(default=False)
    left_out: int = 0  # events after the as-of day, left out
    # "not verified: changed outside dossier since entry N", or None for a dossier
    # that verifies: shown in the heading and the footer.
    unverified: str | None = None
    chart: Chart | None = None  # the custody chart of every reported case, as named here
    # The cases `verify --hash` must be told to find state_hash (a server's report of
    # several cases); none for a file's.
    state_cases: tuple[str, ...] = ()

    @property
    def redacted(self) -> bool:
        """Whether anything confidential was left out or pseudonymised."""
        return bool(self.redacted_persons or self.redacted_events)

    @property
    def title(self) -> str:
        """The document title."""
        return "Dossier: " + "; ".join(s.case.title for s in self.sections)

    @property
    def verify_command(self) -> str:
        """The command that checks the state hash, but for the hash that follows it:
        'dossier verify --hash' ('dossier verify --case A --case B --hash' for a server's
        report of several cases: `--hash` last, so that the hash pasted after it is its
        value)."""
        return "dossier verify" + "".join(f" --case {c}" for c in self.state_cases) + " --hash"


class _Names:
    """How the report names a person: the real name, or a pseudonym for a confidential
    person, given in the order the report first mentions them (so that the letter says
    nothing about anyone else in the dossier)."""

    def __init__(self, persons: dict[str, Person], hidden: set[str]) -> None:
        self.persons = persons
        self.hidden = hidden
        self.pseudonyms: dict[str, str] = {}

    def __call__(self, person_id: str) -> str:
        if person_id in self.hidden:
            if person_id not in self.pseudonyms:
                self.pseudonyms[person_id] = _pseudonym(len(self.pseudonyms))
            return self.pseudonyms[person_id]
        person = self.persons.get(person_id)
        return person.name if person else person_id


def _pseudonym(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"Person {letters}"


def build(
    d: Records,
    case_ids: Sequence[str],
    *,
    as_of: datetime.date | None = None,
    include_confidential: bool = False,
) -> Report:
    """The report on these cases (ids already checked).

    The record as it stood on `as_of` (today by default): later events, scheduled
    ones among them, are left out and counted.
    """
    persons = {p.id: p for p in d.persons}
    hidden = {p for p, person in persons.items() if person.confidential}
    if include_confidential:
        hidden = set()
    names = _Names(persons, hidden)
    # The dates of death records give, a problem where a period outlasts one: not of
    # a person the report hides (the problem would say when a protected witness died).
    counted = [replace(p, died=None) if p.id in hidden else p for p in persons.values()]
    died = {p.id: p.died for p in counted if p.died}
    wanted = set(case_ids)
    as_of = as_of or dates.today()
    chosen = [r for r in d.events.raw.values() if r["case"] in wanted]
    known, left_out = known_on(chosen, as_of)
    if not include_confidential:
        # Counted of the events the report shows: a redacted one says nothing of how
        # many confidential events there are, later ones neither.
        left_out -= sum(bool(r.get("confidential")) for r in chosen) - sum(
            bool(r.get("confidential")) for r in known
        )
    by_case: dict[str, list[Event]] = {}
    for raw in known:
        by_case.setdefault(raw["case"], []).append(d.events.record(raw))
    citations = Citations()
    sections = []
    shown_persons: set[str] = set()
    redacted_events = 0
    all_events: list[Event] = []
    all_withheld: list[Event] = []
    found: list[Problem] = []  # every case's problems, each said with its case
    cases = []
    for case_id in case_ids:
        case = d.cases.get(case_id)
        assert case is not None
        cases.append(case)
        events = sort_events(by_case.get(case_id, ()))
        withheld: list[Event] = []
        if not include_confidential:
            withheld = [e for e in events if e.confidential]
            redacted_events += len(withheld)
            events = [e for e in events if not e.confidential]
        all_withheld.extend(withheld)
        all_events.extend(events)
        section_citations = citations.cite(case.sources)
        parties = _parties(case, persons, events, names, hidden, citations)
        shown_persons.update(p for e in events for p in e.persons)
        shown_persons.update(p.id for p in persons.values() if case_id in p.cases())
        involved = list(dict.fromkeys(p for e in events for p in e.persons))
        held = custody(involved, events, as_of, died)
        # Custody under other cases: confidential events there are not looked at in a
        # redacted report, and a pseudonymised person's other cases are not named.
        others = [
            r
            for r in d.outside_events([case_id])
            if include_confidential or not r.get("confidential")
        ]
        running = {p.person for p in held.periods if p.ongoing}
        there = elsewhere(involved, others, as_of, running)
        if there and len(case_ids) > 1:
            there = _counted_below(there, involved, others, wanted, as_of, running)
        problems = [*held.problems, *_unnamed(there, hidden, case_id)]
        problems += _withheld(involved, withheld, case_id)
        found.extend(problems)
        troubled = {p.person for p in problems}
        timeline = tuple(_entry(e, names, citations) for e in events)
        sections.append(
            Section(
                case=case,
                citations=section_citations,
                parties=parties,
                custody=tuple(Held(names(p.person), p, p.person in troubled) for p in held.periods),
                problems=tuple(replace(p, person=names(p.person)) for p in problems),
                timeline=timeline,
                stats=compute([case], counted, events, as_of),
            )
        )
    combined = None
    if len(cases) > 1:
        unreported = (
            r for r in d.outside_events(wanted) if include_confidential or not r.get("confidential")
        )
        combined = compute(cases, counted, all_events, as_of, outside=unreported)
        combined = replace(
            combined,
            problems=tuple(_unnamed(list(combined.problems), hidden, cases[0].id)),
        )
        involved = list(dict.fromkeys(p for e in all_events for p in e.persons))
        extra = _withheld(involved, all_withheld, "")
        if extra:
            combined = replace(combined, problems=(*combined.problems, *extra))
    comparison = (combined or sections[0].stats).per_person if sections else ()
    # The rows of persons with a problem are marked, in the comparison and the chart:
    # by the report's problems, those of custody under other cases and of confidential
    # events left out among them (the figures alone know neither).
    marked = Counter(p.person for p in (combined.problems if combined else found))
    comparison = tuple(replace(r, problems=marked[r.person]) for r in comparison)
    shown = {p for e in all_events for p in e.persons}
    chart = chart_of(
        [e.to_dict() for e in all_events], {p: names(p) for p in sorted(shown)}, as_of, died=died
    )
    # Its note says what the report's does: the events after the as-of day, left out.
    chart = replace(
        chart,
        rows=tuple(replace(r, problems=marked[r.person]) for r in chart.rows),
        left_out=left_out,
    )
    return Report(
        chart=chart,
        sections=tuple(sections),
        combined=combined,
        comparison=tuple(_renamed_row(r, names) for r in comparison),
        problems=tuple(replace(p, person=names(p.person)) for p in combined.problems)
        if combined is not None
        else (),
        sources=tuple(citations.listing()),
        made=now_iso(),
        as_of=as_of,
        version=__version__,
        state_hash=d.state_hash().all,
        state_cases=d.state_cases(),
        redacted_persons=len(hidden & shown_persons),
        redacted_events=redacted_events,
        include_confidential=include_confidential,
        left_out=left_out,
        unverified=outside.mark if (outside := d.outside()) is not None else None,
    )


def _counted_below(
    there: list[Problem],
    involved: list[str],
    others: list[dict[str, Any]],
    wanted: set[str],
    as_of: datetime.date,
    running: set[str],
) -> list[Problem]:
    """Problems of custody under other cases, where all those cases are in the report:
    said to be counted by its figures of all cases (an adversary's read: "not counted
    here" for a release under a case the same report shows, beside "still held")."""
    beyond = [r for r in others if r["case"] not in wanted]
    unreported = {p.person for p in elsewhere(involved, beyond, as_of, running)}
    return [
        p
        if p.person in unreported
        else replace(p, message=f"{p.message}, and so do this report's figures of all its cases")
        for p in there
    ]


def _unnamed(problems: list[Problem], hidden: set[str], case: str) -> list[Problem]:
    """Problems about custody under other cases, for a pseudonymised person worded
    without those cases (a case's id is often a defendant's name)."""
    return [
        replace(
            p,
            case=case,
            event="",
            message="custody of this person is also recorded under another case, not counted here",
        )
        if p.person in hidden and ELSEWHERE in p.message
        else p
        for p in problems
    ]


def _withheld(persons: Sequence[str], withheld: Sequence[Event], case: str) -> list[Problem]:
    """A problem for each person whose confidential custody starts or ends, or guilty
    verdicts, are left out of a redacted report: without them its figures may show a
    period still running, or count as pretrial what followed a conviction. The events
    are not named (they are confidential); --include-confidential shows them."""
    named = {p for e in withheld if changes_custody(e.type, e.outcome) for p in e.persons}
    return [
        Problem(
            person,
            case or next(e.case for e in withheld if person in e.persons),
            "",
            "custody events or verdicts of this person marked confidential are left out of"
            " this report, and its figures do not count them",
        )
        for person in persons
        if person in named
    ]


def _parties(
    case: Case,
    persons: dict[str, Person],
    events: Sequence[Event],
    names: _Names,
    hidden: set[str],
    citations: Citations,
) -> tuple[Party, ...]:
    """Persons with a role in the case (one row each, all their roles), then others named in
    its events."""
    roles = [
        (p, "; ".join(dict.fromkeys(r.role for r in p.roles if r.case == case.id)))
        for p in persons.values()
        if any(r.case == case.id for r in p.roles)
    ]
    named = {p for e in events for p in e.persons} - {p.id for p, _ in roles}
    roles += [(persons[p], "named in events") for p in sorted(named) if p in persons]
    parties = []
    for person, role in roles:
        if person.id in hidden:
            parties.append(Party(names(person.id), role, (), None, None, REDACTED, (), True))
            continue
        parties.append(
            Party(
                name=person.name,
                role=role,
                aliases=person.aliases,
                born=_long(person.born),
                died=_long(person.died),
                notes=person.notes,
                citations=citations.cite(person.sources),
            )
        )
    return tuple(parties)


def _long(edtf: str | None) -> str | None:
    return stored(edtf).long() if edtf else None


def _entry(event: Event, names: _Names, citations: Citations) -> Entry:
    date = stored(event.date)
    return Entry(
        id=event.id,
        date=date.display(),
        date_long=date.long(),
        end=stored(event.end).display() if event.end else None,
        type=event.type,
        persons=tuple(names(p) for p in event.persons),
        place=event.place,
        country=event.country,
        description=event.description,
        outcome=event.outcome,
        term=event.term,
        note=event.note,
        citations=citations.cite(event.sources),
    )


def _renamed_row(row: PersonRow, names: _Names) -> PersonRow:
    """A comparison row with a confidential person's id and name replaced."""
    if row.person not in names.hidden:
        return row
    alias = names(row.person)
    return replace(row, person=alias, name=alias)
