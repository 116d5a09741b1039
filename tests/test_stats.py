"""Statistics against hand counts, then `timeline` and `stats` as a user runs them."""

from __future__ import annotations

import datetime
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, made
from dossier.custody import (
    FACILITY_TYPES,
    FREE_OR_DEAD,
    SHAPES_CUSTODY,
    acquittal,
    guilty_verdict,
)
from dossier.model import Case, Event, Person, Role
from dossier.stats import COLUMNS, PersonRow, compute, compute_stored, sort_rows
from dossier.vocab import EVENT_TYPES, Effect

AS_OF = datetime.date(2020, 1, 1)


def ev(event_id: str, case: str, type_: str, date: str, *persons: str, **fields: str) -> Event:
    return Event(id=event_id, case=case, type=type_, date=date, persons=persons, **fields)


def person(person_id: str, name: str, *roles: tuple[str, str]) -> Person:
    return Person(id=person_id, name=name, roles=tuple(Role(c, r) for c, r in roles))


def row(
    person: str,
    name: str,
    case: str,
    first_custody: str,
    custody_days: int,
    pretrial_days: int,
    *,
    approximate: bool = False,
    ongoing: bool = False,
    care_denied: int = 0,
    ill_treatment: int = 0,
    hunger_strikes: int = 0,
    ended_by: str | None = None,
    verdict: str | None = None,
    days_range: tuple[int, int] | None = None,
    pretrial_range: tuple[int, int] | None = None,
    problems: int = 0,
    pretrial_approximate: bool | None = None,
) -> PersonRow:
    """An expected row of the comparison table."""
    low, high = days_range or (custody_days, custody_days)
    pretrial_low, pretrial_high = pretrial_range or (pretrial_days, pretrial_days)
    return PersonRow(
        person=person,
        name=name,
        case=case,
        first_custody=first_custody,
        custody_days=custody_days,
        days_min=low,
        days_max=high,
        pretrial_days=pretrial_days,
        pretrial_days_min=pretrial_low,
        pretrial_days_max=pretrial_high,
        approximate=approximate,
        pretrial_approximate=approximate if pretrial_approximate is None else pretrial_approximate,
        ongoing=ongoing,
        medical_care_denied=care_denied,
        ill_treatment=ill_treatment,
        hunger_strikes=hunger_strikes,
        ended_by=ended_by,
        verdict=verdict,
        problems=problems,
    )


# A small dossier, counted by hand ------------------------------------------------------------
#
# alpha: ann and bob arrested together; ann convicted after 60 days (a guilty verdict and a
#   sentence on one day: one guilty), held 365 days, release known to the month; bob bailed
#   after 41 days and acquitted; a verdict without outcome for ann counts in neither.
# beta: cid remanded "in May 2011", arrested 20 May, died in custody after 141 days.
# gamma: dan, convicted in absentia in 2008, arrested abroad in December 2019 (still held:
#   31 days to AS_OF, none of them pretrial); extradition asked twice, refused, granted.
#   eve (a lawyer) has a role but no events; zed is in no selected case.

CASES = [
    Case(id="alpha", title="Alpha", status="convicted", tags=("yukos",)),
    Case(id="beta", title="Beta", status="deceased", tags=("death",)),
    Case(id="gamma", title="Gamma", status="open"),
]
PERSONS = [
    person("ann", "Mikhail", ("alpha", "defendant")),
    person("bob", "Andrei", ("alpha", "defendant")),
    person("cid", "Platon", ("beta", "defendant")),
    person("dan", "Vasily", ("gamma", "defendant")),
    person("eve", "Genrikh", ("gamma", "lawyer")),
    person("zed", "Nobody"),
]
EVENTS = [
    ev("a1", "alpha", "arrest", "2010-01-01", "ann", "bob", place="SIZO-1"),
    ev("a2", "alpha", "medical_care_denied", "2010-02-01", "ann"),
    ev("a3", "alpha", "bail", "2010-02-11", "bob"),
    ev("a4", "alpha", "hunger_strike", "2010-02-15", "ann"),
    ev("a5", "alpha", "verdict", "2010-03-02", "ann", outcome="guilty"),
    ev("a6", "alpha", "sentence", "2010-03-02", "ann", term="5 years"),
    ev("a7", "alpha", "verdict", "2010-06-01", "bob", outcome="acquitted"),
    ev("a8", "alpha", "verdict", "2010-06-01", "ann"),
    ev("a9", "alpha", "release", "2011-01", "ann"),
    ev("b1", "beta", "pretrial_detention", "2011-05", "cid", place="SIZO No. 3"),
    ev("b2", "beta", "arrest", "2011-05-20", "cid"),
    ev("b3", "beta", "medical_care_denied", "2011-08-01", "cid"),
    ev("b4", "beta", "medical_care_denied", "2011-09-01", "cid"),
    ev("b5", "beta", "ill_treatment", "2011-09-15", "cid"),
    ev("b6", "beta", "death_in_custody", "2011-10-08", "cid"),
    ev("g1", "gamma", "sentence", "2008-05-01", "dan"),
    ev("g2", "gamma", "arrest", "2019-12", "dan", country="DE"),
    ev("g3", "gamma", "extradition_request", "2019-12-05", "dan", country="DE"),
    ev("g4", "gamma", "extradition_request", "2019-12-10", "dan"),
    ev("g5", "gamma", "extradition_refused", "2019-12-20", "dan", country="DE"),
    ev("g6", "gamma", "extradition_granted", "2019-12-21", "dan", country="CY"),
    ev("g7", "gamma", "statement", "2019-12-22"),
]
ROWS = {
    "ann": row(
        "ann",
        "Mikhail",
        "alpha",
        "2010-01-01",
        365,
        60,
        days_range=(365, 395),  # released in January 2011: on the 1st or the 31st
        approximate=True,
        # Convicted after 60 days, known to the day: the release known to the month came
        # long after, so it does not make the pretrial days approximate.
        pretrial_approximate=False,
        care_denied=1,
        hunger_strikes=1,
        ended_by="release",
        verdict="guilty",
    ),
    "bob": row(
        "bob", "Andrei", "alpha", "2010-01-01", 41, 41, ended_by="bail", verdict="acquitted"
    ),
    "cid": row(
        "cid",
        "Platon",
        "beta",
        "2011-05-20",
        141,
        141,
        care_denied=2,
        ill_treatment=1,
        ended_by="death_in_custody",
    ),
    "dan": row(
        "dan",
        "Vasily",
        "gamma",
        "2019-12",
        31,
        0,
        days_range=(1, 31),  # arrested in December 2019, still held on AS_OF
        approximate=True,
        pretrial_approximate=False,  # convicted in 2008: none of the days, for certain
        ongoing=True,
        verdict="guilty",
    ),
}


def test_compute_matches_the_hand_counts() -> None:
    stats = compute(CASES, PERSONS, EVENTS, AS_OF)
    assert stats.to_dict() == {
        "as_of": "2020-01-01",
        "later_events_left_out": 0,
        "cases": {"total": 3, "by_status": {"convicted": 1, "deceased": 1, "open": 1}},
        "persons": 5,  # ann, bob, cid, dan, eve
        "events": {
            "total": 22,
            "by_type": {
                "arrest": 3,
                "medical_care_denied": 3,
                "verdict": 3,
                "sentence": 2,
                "extradition_request": 2,
                "bail": 1,
                "hunger_strike": 1,
                "release": 1,
                "pretrial_detention": 1,
                "ill_treatment": 1,
                "death_in_custody": 1,
                "extradition_refused": 1,
                "extradition_granted": 1,
                "statement": 1,
            },
        },
        "custody": {
            "persons_held": 4,
            "periods": 4,
            "total_days": 365 + 41 + 141 + 31,
            # ann's 365-395 days and dan's 1-31: each figure over the least and the most
            "total_days_min": 365 + 41 + 141 + 1,
            "total_days_max": 395 + 41 + 141 + 31,
            "median_pretrial_days": 50.5,  # of 0, 41, 60, 141
            "median_pretrial_days_min": 50.5,  # every pretrial part is known to the day
            "median_pretrial_days_max": 50.5,
            "max_pretrial_days": 141,
            "max_pretrial_days_min": 141,
            "max_pretrial_days_max": 141,
            "currently_held": 1,
            "deaths_in_custody": 1,
            "approximate": True,  # ann's release and dan's arrest are known to the month
            # but neither bounds a pretrial part: ann's ended at a verdict known to the
            # day, long before her release, and dan was convicted before his arrest
            "pretrial_approximate": False,
            "median_pretrial_approximate": False,
            "max_pretrial_approximate": False,
        },
        "verdicts": {"guilty": 2, "acquitted": 1, "conviction_rate": 0.6667},
        "extradition": {
            "requests": 2,
            "granted": 1,
            "refused": 1,
            "by_country": {
                "CY": {"requests": 0, "granted": 1, "refused": 0},
                "DE": {"requests": 1, "granted": 0, "refused": 1},
                "unknown": {"requests": 1, "granted": 0, "refused": 0},
            },
        },
        "per_person": [ROWS[p].to_dict() for p in ("ann", "bob", "cid", "dan")],
        "problems": [],
    }


def test_person_rows_are_in_order_of_first_custody() -> None:
    stats = compute(CASES, PERSONS, EVENTS, AS_OF)
    assert list(stats.per_person) == [ROWS["ann"], ROWS["bob"], ROWS["cid"], ROWS["dan"]]
    assert ROWS["ann"].to_dict() == {
        "person": "ann",
        "name": "Mikhail",
        "case": "alpha",
        "first_custody": "2010-01-01",
        "custody_days": 365,
        "days_min": 365,
        "days_max": 395,
        "pretrial_days": 60,
        "pretrial_days_min": 60,
        "pretrial_days_max": 60,
        "approximate": True,
        "pretrial_approximate": False,
        "ongoing": False,
        "medical_care_denied": 1,
        "ill_treatment": 0,
        "hunger_strikes": 1,
        "ended_by": "release",
        "verdict": "guilty",
        "problems": 0,
    }


def test_persons_held_from_the_same_day_are_in_id_order_whatever_the_event_order() -> None:
    for events in (EVENTS, EVENTS[::-1]):
        rows = compute(CASES, PERSONS, events, AS_OF).per_person
        assert [r.person for r in rows] == ["ann", "bob", "cid", "dan"]


def test_stored_events_give_the_same_statistics_as_records() -> None:
    stored = [e.to_dict() for e in EVENTS]
    assert compute_stored(CASES, PERSONS, stored, AS_OF) == compute(CASES, PERSONS, EVENTS, AS_OF)


def test_the_event_types_custody_reads_are_all_kept_for_it() -> None:
    """Custody and statistics skip event types outside SHAPES_CUSTODY: none the rules read."""
    read = {t for t, effect in EVENT_TYPES.items() if effect in (Effect.START, Effect.END)}
    read |= FACILITY_TYPES | FREE_OR_DEAD
    read |= {t for t in EVENT_TYPES if guilty_verdict(t, "guilty") or acquittal(t, "acquitted")}
    assert read == SHAPES_CUSTODY


def test_the_median_of_an_odd_count_is_a_whole_number() -> None:
    custody = compute(CASES[:2], PERSONS, EVENTS[:15], AS_OF).custody_summary()
    assert custody["median_pretrial_days"] == 60  # of 41, 60, 141
    assert isinstance(custody["median_pretrial_days"], int)


def test_the_median_of_two_even_numbers_is_a_whole_number() -> None:
    events = [
        ev("x1", "c", "arrest", "2010-01-01", "p", "q"),
        ev("x2", "c", "release", "2010-01-11", "p"),
        ev("x3", "c", "release", "2010-01-31", "q"),
    ]
    custody = compute([Case("c", "C")], [], events, AS_OF).custody_summary()
    assert custody["median_pretrial_days"] == 20  # of 10 and 30
    assert isinstance(custody["median_pretrial_days"], int)


def test_nothing_selected_gives_zeros_and_nulls() -> None:
    assert compute([], PERSONS, [], AS_OF).to_dict() == {
        "as_of": "2020-01-01",
        "later_events_left_out": 0,
        "cases": {"total": 0, "by_status": {}},
        "persons": 0,
        "events": {"total": 0, "by_type": {}},
        "custody": {
            "persons_held": 0,
            "periods": 0,
            "total_days": 0,
            "total_days_min": 0,
            "total_days_max": 0,
            "median_pretrial_days": None,
            "median_pretrial_days_min": None,
            "median_pretrial_days_max": None,
            "max_pretrial_days": None,
            "max_pretrial_days_min": None,
            "max_pretrial_days_max": None,
            "currently_held": 0,
            "deaths_in_custody": 0,
            "approximate": False,
            "pretrial_approximate": False,
            "median_pretrial_approximate": False,
            "max_pretrial_approximate": False,
        },
        "verdicts": {"guilty": 0, "acquitted": 0, "conviction_rate": None},
        "extradition": {"requests": 0, "granted": 0, "refused": 0, "by_country": {}},
        "per_person": [],
        "problems": [],
    }


def test_a_house_arrest_alone_is_not_custody() -> None:
    events = [
        ev("h1", "c", "house_arrest", "2010-01-01", "p"),
        ev("r1", "c", "release", "2010-01-31", "p"),
    ]
    custody = compute([Case("c", "C")], [], events, AS_OF).custody_summary()
    assert (custody["persons_held"], custody["periods"], custody["total_days"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("events", "counts"),
    [
        pytest.param(
            [
                ev("v1", "c", "verdict", "2010-01-01", "p", outcome="guilty"),
                ev("v2", "c", "sentence", "2010-01-01", "p"),
                ev("v3", "c", "verdict", "2010-01-01", "p", outcome="guilty"),
            ],
            (1, 0, 1.0),
            id="one person one day counts once",
        ),
        pytest.param(
            [ev("v1", "c", "sentence", "2010-01-01", "p", "q")],
            (2, 0, 1.0),
            id="a joint sentence counts per person",
        ),
        pytest.param(
            [
                ev("v1", "c", "sentence", "2010-01-01", "p"),
                ev("v2", "c", "sentence", "2011-01-01", "p"),
            ],
            (2, 0, 1.0),
            id="two days count twice",
        ),
        pytest.param(
            [
                ev("v1", "c", "verdict", "2010-01-01", "p"),
                ev("v2", "c", "verdict", "2010-01-02", "p", outcome="dismissed"),
                ev("v3", "c", "verdict", "2010-01-03", "p", outcome="returned"),
            ],
            (0, 0, None),
            id="no outcome, dismissed, returned count in neither",
        ),
        pytest.param(
            [
                ev("v1", "c", "verdict", "2010-01-01", "p", outcome="acquitted"),
                ev("v2", "c", "acquittal", "2010-01-01", "p"),
            ],
            (0, 1, 0.0),
            id="an acquittal and its verdict on one day count once",
        ),
        pytest.param(
            [
                ev("v1", "c", "acquittal", "2010-01-01", "p"),
                ev("v2", "c", "sentence", "2011-01-01", "p"),
                ev("v3", "c", "verdict", "2012-01-01", "q", outcome="guilty"),
            ],
            (2, 1, 0.6667),
            id="rate rounded to four places",
        ),
        pytest.param(
            [
                ev("v1", "c", "verdict", "2013-02-10", "p", outcome="guilty"),
                ev("v2", "c", "sentence", "2013-02-10~", "p"),
                ev("v3", "c", "verdict", "2013-02-10?", "p", outcome="guilty"),
            ],
            (1, 0, 1.0),
            id="a day marked ~ or ? is the same day",
        ),
        pytest.param(
            [
                ev("v1", "c", "verdict", "2010-12", "p", outcome="guilty"),
                ev("v2", "c", "sentence", "2010-12-30", "p"),
                ev("v3", "c", "sentence", "2010", "p"),
                ev("v4", "c", "verdict", "2011-05-24", "p", outcome="guilty"),  # the appeal's
            ],
            (2, 0, 1.0),
            # An adversary's find: "December 2010" and 30 December 2010 counted as two
            # guilty verdicts, where custody reads them as one moment.
            id="a month or year that holds a day is that day",
        ),
        pytest.param(
            [
                ev("v1", "c", "sentence", "2010-12", "p"),
                ev("v2", "c", "sentence", "2010-12-27", "p"),
                ev("v3", "c", "sentence", "2010-12-30", "p"),
            ],
            (2, 0, 1.0),
            id="a month that holds two days is neither",
        ),
    ],
)
def test_verdicts_count_per_person_and_day(
    events: list[Event], counts: tuple[int, int, float | None]
) -> None:
    """(guilty, acquitted, conviction rate) for these events."""
    verdicts = compute([Case("c", "C")], [], events, AS_OF).to_dict()["verdicts"]
    assert (verdicts["guilty"], verdicts["acquitted"], verdicts["conviction_rate"]) == counts


def test_verdicts_that_name_no_one_count_per_case_and_day() -> None:
    # Two cases' unnamed guilty verdicts on one day are two decisions; one case's verdict
    # and the sentence it implies, both naming no one, are one.
    events = [
        ev("v1", "c", "verdict", "2013-02-10", outcome="guilty"),
        ev("v2", "d", "verdict", "2013-02-10", outcome="guilty"),
        ev("v3", "c", "sentence", "2013-02-10"),
        ev("v4", "d", "verdict", "2013-02-10", outcome="acquitted"),
    ]
    verdicts = compute([Case("c", "C"), Case("d", "D")], [], events, AS_OF).to_dict()["verdicts"]
    assert (verdicts["guilty"], verdicts["acquitted"]) == (2, 1)


@pytest.mark.parametrize(
    ("column", "order"),
    [
        ("person", "ann bob cid dan"),
        ("name", "bob ann cid dan"),  # Andrei, Mikhail, Platon, Vasily
        ("case", "bob ann cid dan"),
        ("first_custody", "bob ann cid dan"),  # 2010-01-01 twice, 2011-05-20, 2019-12
        ("custody_days", "ann cid bob dan"),  # 365, 141, 41, 31: largest first
        ("pretrial_days", "cid ann bob dan"),  # 141, 60, 41, 0
        ("approximate", "dan ann cid bob"),  # yes first, as counts are largest first
        ("ongoing", "dan cid bob ann"),  # the one still held first
        ("medical_care_denied", "cid ann dan bob"),  # 2, 1, 0, 0
        ("ill_treatment", "cid dan bob ann"),  # 1, 0, 0, 0
        ("hunger_strikes", "ann dan cid bob"),  # 1, 0, 0, 0
        ("ended_by", "bob cid ann dan"),  # bail, death_in_custody, release, None last
        ("verdict", "bob dan ann cid"),  # acquitted, guilty, guilty, None last
    ],
)
def test_sort_rows(column: str, order: str) -> None:
    rows = [ROWS[p] for p in ("dan", "cid", "bob", "ann")]  # ties keep this order
    assert [r.person for r in sort_rows(rows, column)] == order.split()


def test_every_column_is_sortable_and_listed() -> None:
    assert COLUMNS == (
        "person",
        "name",
        "case",
        "first_custody",
        "custody_days",
        "days_min",
        "days_max",
        "pretrial_days",
        "pretrial_days_min",
        "pretrial_days_max",
        "approximate",
        "pretrial_approximate",
        "ongoing",
        "medical_care_denied",
        "ill_treatment",
        "hunger_strikes",
        "ended_by",
        "verdict",
        "problems",
    )


def test_first_custody_sorts_by_date_not_by_text() -> None:
    early = row("x", "X", "c", "2009", 1, 1)
    late = row("y", "Y", "c", "2009-01-02", 1, 1)
    month = row("z", "Z", "c", "2009-01", 1, 1)
    assert [r.person for r in sort_rows([late, month, early], "first_custody")] == ["x", "z", "y"]


# The command line ----------------------------------------------------------------------------

KUDOYAROV_SIZO = "SIZO No. 3 (11th Silikatny proezd), Moscow"
PROBLEM = (
    "release on 2009-01 (event {}) ends no open custody period;"
    " do the sources disagree about an earlier end?"
)


def problem(event: str) -> dict[str, str]:
    """Aleksanyan's release that ends nothing, as JSON lists it."""
    return {
        "person": "vasiliy-aleksanyan",
        "case": "aleksanyan",
        "event": event,
        "message": PROBLEM.format(event),
    }


def log(run: Run, *args: str) -> str:
    """Log an event and return its id."""
    result = run("log", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def ids(run: Run, db: Path) -> dict[str, str]:
    """Three cases built with the CLI; returns the event ids by name.

    kudoyarov: remanded May 2011, arrested 20 May, died in custody 8 October (141 days).
    aleksanyan: arrested 2006-04-06, bail "2008-12", release "2009-01" (a problem).
    other: a person named "[red]x[/red]", arrested 2019-12-01 and still held.
    """
    return made(db, "test_stats: ids", lambda: _ids(run))


def _ids(run: Run) -> dict[str, str]:
    for args in (
        ("kudoyarov", "--title", "Andrei Kudoyarov", "--status", "deceased", "--tag", "death"),
        ("aleksanyan", "--title", "Vasily Aleksanyan", "--status", "released", "--tag", "yukos"),
        ("other", "--title", "Other"),
    ):
        assert run("case", "add", *args).exit_code == 0
    for args in (
        ("Andrei Kudoyarov", "--case", "kudoyarov", "--role", "defendant"),
        ("Василий Алексанян", "--alias=Vasily Aleksanyan", "--case=aleksanyan", "--role=defendant"),
        ("[red]x[/red]", "--id", "red-x", "--case", "other", "--role", "defendant"),
    ):
        assert run("person", "add", *args).exit_code == 0
    k = "andrei-kudoyarov"
    a = "Vasily Aleksanyan"  # a name, resolved to vasiliy-aleksanyan
    return {
        "k_remand": log(
            run, "kudoyarov", "pretrial_detention", "May 2011", "-p", k, "--place", KUDOYAROV_SIZO
        ),
        "k_arrest": log(run, "kudoyarov", "arrest", "20.05.2011", "-p", "Andrei Kudoyarov"),
        "k_death": log(run, "kudoyarov", "death_in_custody", "2011-10-08", "-p", k),
        "a_arrest": log(run, "aleksanyan", "arrest", "2006-04-06", "-p", a, "--place", "Moscow"),
        "a_bail": log(run, "aleksanyan", "bail", "2008-12", "-p", a),
        "a_release": log(run, "aleksanyan", "release", "2009-01", "-p", a),
        "x_arrest": log(run, "other", "arrest", "2019-12-01", "-p", "red-x"),
    }


def squeezed(text: str) -> list[str]:
    """The lines of a table with each run of spaces made one, to compare rows as text."""
    return [" ".join(line.split()) for line in text.splitlines()]


def as_json(run: Run, *args: str) -> Any:
    """Run a read command with --json; its parsed output."""
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_timeline_json_of_a_case(run: Run, ids: dict[str, str]) -> None:
    data = as_json(run, "timeline", "kudoyarov", "--as-of", "2020-01-01")
    assert set(data) == {
        "case",
        "person",
        "as_of",
        "later_events_left_out",
        "later_events_listed",
        "events",
        "custody",
        "problems",
    }
    assert (data["case"], data["person"], data["as_of"]) == ("kudoyarov", None, "2020-01-01")
    assert [(e["type"], e["date"], e["id"]) for e in data["events"]] == [
        ("pretrial_detention", "2011-05", ids["k_remand"]),
        ("arrest", "2011-05-20", ids["k_arrest"]),
        ("death_in_custody", "2011-10-08", ids["k_death"]),
    ]
    assert data["custody"] == [
        {
            "person": "andrei-kudoyarov",
            "kind": "custody",
            "start": "2011-05-20",
            "end": "2011-10-08",
            "ongoing": False,
            "days": 141,
            "days_min": 141,
            "days_max": 141,
            "pretrial_days": 141,
            "pretrial_days_min": 141,
            "pretrial_days_max": 141,
            "approximate": False,
            "pretrial_approximate": False,
            "ended_by": "death_in_custody",
            "facilities": [KUDOYAROV_SIZO],
            "start_event": ids["k_arrest"],
            "end_event": ids["k_death"],
        }
    ]
    assert data["problems"] == []


def test_timeline_of_a_person_by_name_reports_the_problem(run: Run, ids: dict[str, str]) -> None:
    data = as_json(run, "timeline", "--person", "Vasily Aleksanyan", "--as-of", "2020-01-01")
    assert (data["case"], data["person"]) == (None, "vasiliy-aleksanyan")
    assert [e["id"] for e in data["events"]] == [ids["a_arrest"], ids["a_bail"], ids["a_release"]]
    assert [
        (p["start"], p["end"], p["days"], p["approximate"], p["ended_by"]) for p in data["custody"]
    ] == [("2006-04-06", "2008-12", 970, True, "bail")]
    assert data["problems"] == [problem(ids["a_release"])]
    shown = run("timeline", "--person", "Vasily Aleksanyan")
    assert shown.exit_code == 0, shown.output
    lines = squeezed(shown.stdout)
    assert lines[lines.index("1 problem:") + 1] == (
        "! Василий Алексанян (aleksanyan): " + PROBLEM.format(ids["a_release"])
    )
    # The custody row is marked, its days a range: bailed on 1 or on 31 December 2008.
    assert "Василий Алексанян ! 2006-04-06 2008-12 970–1000 970–1000 bail Moscow" in lines


def test_timeline_needs_a_case_or_a_person(run: Run) -> None:
    result = run("timeline")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "give a CASE, or --person, or both" in result.stderr


@pytest.mark.plain_only("an option refused before any record is read")
@pytest.mark.parametrize(("start", "end", "code"), [("2010", "2009", 2), ("2009-05", "2009", 0),
                                                   ("2009-12-31", "2009", 0)])  # fmt: skip
def test_a_from_after_the_to_is_refused_not_an_empty_timeline(
    aleksanyan: Run, start: str, end: str, code: int
) -> None:
    """`--from 2010 --to 2009` listed nothing and exited 0, as if nothing had happened."""
    result = aleksanyan("timeline", "aleksanyan", "--from", start, "--to", end)
    assert result.exit_code == code, result.output
    if code:
        assert result.stdout == ""
        assert "Invalid value for --from: 2010 is after --to 2009: no event could be shown" in (
            " ".join(result.stderr.replace("│", " ").split())
        )


@pytest.mark.plain_only("view options over records already read: the store takes no part")
@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ((), ["a_arrest", "a_bail", "a_release"]),
        (("--from", "2008-12-01"), ["a_bail", "a_release"]),  # "2008-12" starts on the 1st
        (("--from", "2008-12-02"), ["a_release"]),
        (("--from", "2008-12-01", "--to", "2009-01-01"), ["a_bail", "a_release"]),
        (("--to", "2008-12-31"), ["a_arrest", "a_bail"]),
        (("--to", "2008-11-30"), ["a_arrest"]),
        (("--from", "2006-04-06", "--to", "2006-04-06"), ["a_arrest"]),
        (("--from", "2008-12", "--to", "2008-12"), ["a_bail"]),  # the whole month
        (("--type", "bail", "--type", "release"), ["a_bail", "a_release"]),
        (("--type", "arrest", "--from", "2007"), []),
    ],
)
def test_timeline_from_to_and_type_narrow_the_rows_not_the_custody(
    run: Run, ids: dict[str, str], options: tuple[str, ...], shown: list[str]
) -> None:
    data = as_json(run, "timeline", "aleksanyan", *options, "--as-of", "2020-01-01")
    assert [e["id"] for e in data["events"]] == [ids[name] for name in shown]
    assert [(p["start"], p["end"], p["days"]) for p in data["custody"]] == [
        ("2006-04-06", "2008-12", 970)
    ]
    assert data["problems"] == [problem(ids["a_release"])]


@pytest.mark.parametrize(("as_of", "days"), [("2020-01-01", 31), ("2022-01-01", 762)])
def test_timeline_as_of_counts_ongoing_custody(
    run: Run, ids: dict[str, str], as_of: str, days: int
) -> None:
    data = as_json(run, "timeline", "other", "--as-of", as_of)
    assert data["as_of"] == as_of
    assert [
        (p["person"], p["end"], p["ongoing"], p["days"], p["pretrial_days"])
        for p in data["custody"]
    ] == [("red-x", None, True, days, days)]


def test_timeline_table_shows_the_figures_and_names_literally(
    run: Run, ids: dict[str, str]
) -> None:
    result = run("timeline", "kudoyarov", "--as-of", "2020-01-01")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = squeezed(result.stdout)
    # Records: the date, the type, the persons, the sources and the id on one line; the
    # place under it; the days since the event before in the gutter.
    assert lines[:2] == [
        f"2011-05 pretrial_detention Andrei Kudoyarov unsourced {ids['k_remand']}",
        KUDOYAROV_SIZO,
    ]
    assert f"2011-10-08 death_in_custody Andrei Kudoyarov unsourced {ids['k_death']}" in lines
    assert "+141 d" in lines  # days since the previous row
    custody_row = "Andrei Kudoyarov 2011-05-20 2011-10-08 141 141 death_in_custody"
    assert f"{custody_row} {KUDOYAROV_SIZO}" in lines
    assert lines[-1] == "As of 2020-01-01."
    other = squeezed(run("timeline", "other", "--as-of", "2020-01-01").stdout)
    assert f"2019-12-01 arrest [red]x[/red] unsourced {ids['x_arrest']}" in other
    assert "[red]x[/red] 2019-12-01 still held 31 + 31" in other
    assert other[-1] == "As of 2020-01-01. + a period still running."


STATS_KEYS = {
    "as_of": None,
    "later_events_left_out": None,
    "cases": {"total", "by_status"},
    "persons": None,
    "events": {"total", "by_type"},
    "custody": {
        "persons_held",
        "periods",
        "total_days",
        "total_days_min",
        "total_days_max",
        "median_pretrial_days",
        "median_pretrial_days_min",
        "median_pretrial_days_max",
        "max_pretrial_days",
        "max_pretrial_days_min",
        "max_pretrial_days_max",
        "currently_held",
        "deaths_in_custody",
        "approximate",
        "pretrial_approximate",
        "median_pretrial_approximate",
        "max_pretrial_approximate",
    },
    "verdicts": {"guilty", "acquitted", "conviction_rate"},
    "extradition": {"requests", "granted", "refused", "by_country"},
    "per_person": None,
    "problems": None,
}


def test_stats_json_over_all_cases(run: Run, ids: dict[str, str]) -> None:
    data = as_json(run, "stats", "--as-of", "2022-01-01")
    assert set(data) == set(STATS_KEYS)
    for key, inner in STATS_KEYS.items():
        if inner is not None:
            assert set(data[key]) == inner, key
    assert {k: v for k, v in data.items() if k != "per_person"} == {
        "as_of": "2022-01-01",
        "later_events_left_out": 0,
        "cases": {"total": 3, "by_status": {"deceased": 1, "released": 1, "open": 1}},
        "persons": 3,
        "events": {
            "total": 7,
            "by_type": {
                "arrest": 3,
                "pretrial_detention": 1,
                "death_in_custody": 1,
                "bail": 1,
                "release": 1,
            },
        },
        "custody": {
            "persons_held": 3,
            "periods": 3,
            "total_days": 141 + 970 + 762,
            "total_days_min": 141 + 970 + 762,  # Aleksanyan's 970 to 1000 days
            "total_days_max": 141 + 1000 + 762,
            "median_pretrial_days": 762,
            "median_pretrial_days_min": 762,
            "median_pretrial_days_max": 762,
            "max_pretrial_days": 970,
            "max_pretrial_days_min": 970,
            "max_pretrial_days_max": 1000,
            "currently_held": 1,
            "deaths_in_custody": 1,
            "approximate": True,  # Aleksanyan's bail is known to the month
            "pretrial_approximate": True,
            # His 970 to 1000 days are the maximum, and above the median (762) either way.
            "median_pretrial_approximate": False,
            "max_pretrial_approximate": True,
        },
        "verdicts": {"guilty": 0, "acquitted": 0, "conviction_rate": None},
        "extradition": {"requests": 0, "granted": 0, "refused": 0, "by_country": {}},
        "problems": [problem(ids["a_release"])],
    }
    assert [(r["person"], r["custody_days"], r["ended_by"]) for r in data["per_person"]] == [
        ("vasiliy-aleksanyan", 970, "bail"),
        ("andrei-kudoyarov", 141, "death_in_custody"),
        ("red-x", 762, None),
    ]
    assert set(data["per_person"][0]) == set(COLUMNS)


@pytest.mark.parametrize(
    ("options", "cases", "held"),
    [
        (("--case", "kudoyarov"), 1, ["andrei-kudoyarov"]),
        (("--case", "kudoyarov", "--case", "other"), 2, ["andrei-kudoyarov", "red-x"]),
        (("--tag", "yukos"), 1, ["vasiliy-aleksanyan"]),
        (("--tag", "death", "--case", "aleksanyan"), 0, []),
    ],
)
def test_stats_selects_cases_by_id_and_tag(
    run: Run, ids: dict[str, str], options: tuple[str, ...], cases: int, held: list[str]
) -> None:
    data = as_json(run, "stats", *options, "--as-of", "2022-01-01")
    assert data["cases"]["total"] == cases
    assert data["persons"] == len(held)
    assert [r["person"] for r in data["per_person"]] == held


@pytest.mark.parametrize("command", ["stats", "chart", "case list"])
def test_a_tag_no_case_has_is_an_error_not_zeros(
    run: Run, ids: dict[str, str], command: str
) -> None:
    """`stats --tag Yukos` (the tag is `yukos`) printed figures of zero, as if no case had
    anything to show, where a mistyped case id gets "did you mean"."""
    result = run(*command.split(), "--tag", "Yukos")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: no case has the tag 'Yukos' (did you mean 'yukos'?); see 'dossier case"
        " list'\n",
    )  # fmt: skip


def test_stats_of_kudoyarov(run: Run, ids: dict[str, str]) -> None:
    data = as_json(run, "stats", "--case", "kudoyarov", "--as-of", "2022-01-01")
    assert data["custody"] == {
        "persons_held": 1,
        "periods": 1,
        "total_days": 141,
        "total_days_min": 141,
        "total_days_max": 141,
        "median_pretrial_days": 141,
        "median_pretrial_days_min": 141,
        "median_pretrial_days_max": 141,
        "max_pretrial_days": 141,
        "max_pretrial_days_min": 141,
        "max_pretrial_days_max": 141,
        "currently_held": 0,
        "deaths_in_custody": 1,
        "approximate": False,
        "pretrial_approximate": False,
        "median_pretrial_approximate": False,
        "max_pretrial_approximate": False,
    }
    summary = run("stats", "--case", "kudoyarov", "--as-of", "2022-01-01")
    assert summary.exit_code == 0, summary.output
    lines = squeezed(summary.stdout)
    for line in (
        "days in custody (total) 141",
        "pretrial days, median 141",
        "pretrial days, maximum 141",
        "currently held 0",
        "deaths in custody 1",
        "conviction rate —",
        "death_in_custody 1 ████████████████████████",
        "As of 2022-01-01.",
    ):
        assert line in lines, line
    table = run("stats", "--case", "kudoyarov", "--per-person", "--as-of", "2022-01-01")
    assert table.exit_code == 0, table.output
    assert "Andrei Kudoyarov 2011-05-20 141 141 ████████ 0 0 0 death in custody —" in squeezed(
        table.stdout
    )


def test_the_comparison_table_counts_what_happened_in_custody_only(run: Run) -> None:
    """An adversarial run: care denied before the arrest and a hunger strike and
    ill-treatment after the release counted 1, 1 and 1 in "Persons held", while the chart
    marked none of them."""
    for command in (
        "case add h --title H", "person add 'Ivan Petrov' --id ivan --case h --role defendant",
        "log h medical_care_denied 2022-01-01 -p ivan", "log h arrest 2023-05-04 -p ivan",
        "log h hunger_strike 2023-05-10 -p ivan", "log h medical_care_denied 2023-05-20 -p ivan",
        # Known to the month of the arrest: it may have been in custody, as an end may.
        "log h ill_treatment 2023-05 -p ivan",
        "log h release 2023-06-01 -p ivan", "log h hunger_strike 2024-01-01 -p ivan",
        "log h ill_treatment 2024-02-01 -p ivan",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    row = json.loads(run("stats", "--json").stdout)["per_person"][0]
    counted = (row["medical_care_denied"], row["ill_treatment"], row["hunger_strikes"])
    assert counted == (1, 1, 1)
    markers = json.loads(run("chart", "--json").stdout)["rows"][0]["markers"]
    assert sorted(m["type"] for m in markers) == [
        "hunger_strike", "ill_treatment", "medical_care_denied"
    ]  # fmt: skip
    # Drawn on the bar, from its first day, not at 1 May before it.
    assert "x" in run("chart", "--as-of", "2023-06-30").stdout.splitlines()[0]


DIED_BUT_HELD = (
    "custody from 2006-04-06 (event {event}) has no recorded end, but the person's record"
    " gives their death on 2011-10-03; the figures count it as still running"
)


def test_a_period_open_past_the_death_the_record_gives_is_a_problem_everywhere(
    run: Run,
) -> None:
    """An adversarial run: a man whose record says he died in 2011, arrested in 2006 with
    no end recorded, was "still held, 7549 +" with no "!" and no problem; a report said
    "died 3 October 2011" above it."""
    for command in (
        "case add a --title A",
        "person add 'Vasily Aleksanyan' --id va --died 03.10.2011 --case a --role defendant",
        "log a arrest 06.04.2006 -p va",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    event = json.loads(run("event", "list", "--json").stdout)[0]["id"]
    problem = {"person": "va", "case": "a", "event": event,
               "message": DIED_BUT_HELD.format(event=event)}  # fmt: skip
    at = ("--as-of", "2026-01-01")
    assert json.loads(run("timeline", "a", "--json", *at).stdout)["problems"] == [problem]
    figures = json.loads(run("stats", "--json", *at).stdout)
    assert figures["problems"] == [problem]
    assert figures["per_person"][0]["problems"] == 1
    assert json.loads(run("chart", "--json", *at).stdout)["rows"][0]["problems"] == 1
    report = " ".join(run("report", "a", *at).stdout.split())
    assert f"Vasily Aleksanyan (a): {problem['message']}" in report
    ftm = [json.loads(line) for line in run("export", "--format", "ftm").stdout.splitlines()]
    notes = [n for entity in ftm for n in entity["properties"].get("notes", [])]
    assert f"Problem: {problem['message']}." in notes
    # As of a day before the death, nothing is wrong yet.
    assert json.loads(run("stats", "--json", "--as-of", "2011-01-01").stdout)["problems"] == []


def test_a_custody_begun_after_the_recorded_death_says_one_date_is_wrong(run: Run) -> None:
    for command in (
        "case add a --title A",
        "person add 'Ivan Petrov' --id ivan --died 2005 --case a --role defendant",
        "log a arrest 2010-01-10 -p ivan",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    [problem] = json.loads(run("stats", "--json").stdout)["problems"]
    assert problem["message"] == (
        f"custody from 2010-01-10 (event {problem['event']}) begins after the person's record"
        " gives their death on 2005, and has no recorded end; one of the two dates is wrong,"
        " and the figures count it as still running"
    )


def test_a_redacted_report_does_not_say_when_a_hidden_person_died(run: Run) -> None:
    for command in (
        "case add a --title A",
        "person add 'Olga Witness' --id olga --died 2011-10-03 --confidential --case a"
        " --role defendant",
        "log a arrest 2006-04-06 -p olga",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    assert "2011-10-03" not in run("report", "a").stdout
    assert "2011-10-03" in run("report", "a", "--include-confidential").stdout


def test_stats_per_person_sorted_by_pretrial_days(run: Run, ids: dict[str, str]) -> None:
    def order(*options: str) -> list[str]:
        result = run("stats", "--per-person", "--as-of", "2022-01-01", *options)
        assert result.exit_code == 0, result.output
        names = ("Василий Алексанян", "Andrei Kudoyarov", "[red]x[/red]")
        return sorted(names, key=result.stdout.index)

    # 970, 141 and 762 days before trial, first held in 2006, 2011 and 2019.
    assert order() == ["Василий Алексанян", "Andrei Kudoyarov", "[red]x[/red]"]
    assert order("--sort", "pretrial_days") == [
        "Василий Алексанян",
        "[red]x[/red]",
        "Andrei Kudoyarov",
    ]
    json_order = as_json(run, "stats", "--sort", "pretrial_days", "--as-of", "2022-01-01")
    assert [r["pretrial_days"] for r in json_order["per_person"]] == [970, 762, 141]
    # A new user's find: sorted by ongoing, the persons still held came last.
    held = as_json(run, "stats", "--sort", "ongoing", "--as-of", "2022-01-01")["per_person"]
    assert [r["ongoing"] for r in held] == sorted((r["ongoing"] for r in held), reverse=True)
    assert held[0]["ongoing"] and not held[-1]["ongoing"]


def test_stats_per_person_prints_names_literally(run: Run, ids: dict[str, str]) -> None:
    result = run("stats", "--per-person", "--case", "other", "--as-of", "2020-01-01")
    assert result.exit_code == 0, result.output
    lines = squeezed(result.stdout)
    assert "[red]x[/red] 2019-12-01 31 + 31 ████████ 0 0 0 still held —" in lines
    assert "(other)" in lines


def test_stats_sort_by_an_unknown_column_lists_the_columns(run: Run, ids: dict[str, str]) -> None:
    result = run("stats", "--per-person", "--sort", "nosuch")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: cannot sort by 'nosuch'; columns: " + ", ".join(COLUMNS) + "\n"
    )


# --as-of: the record as it stood that day (docs/custody.md, "As of a date") --------------


@pytest.fixture
def later(run: Run, db: Path) -> Run:
    """Ivan Maximov: arrested 2004-08-15, released in April 2009, re-arrested 2011-02-09 and
    bailed in February 2011 (the source gives the month); a sentence in 2008."""
    made(db, "test_stats: later", lambda: _later(run))
    return run


def _later(run: Run) -> None:
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    added = run("person", "add", "Ivan Maximov", "--case", "mx", "--role", "defendant")
    assert added.exit_code == 0
    for type_, date in (
        ("arrest", "2004-08-15"),
        ("sentence", "2008-06-02"),
        ("release", "2009-04"),
        ("arrest", "2011-02-09"),
        ("bail", "2011-02"),
    ):
        log(run, "mx", type_, date, "-p", "Ivan Maximov")


def test_as_of_leaves_out_what_happened_later(later: Run) -> None:
    data = as_json(later, "stats", "--per-person", "--as-of", "2009-01-01")
    assert data["later_events_left_out"] == 3  # the release in April, the second arrest, bail
    (row,) = data["per_person"]
    # Held from 2004-08-15 to the as-of day: 1600 days, still held then; the pretrial part
    # ends at the sentence of 2008-06-02 (1387 days).
    assert (row["custody_days"], row["ongoing"], row["ended_by"]) == (1600, True, None)
    assert (row["pretrial_days"], row["verdict"]) == (1387, "guilty")
    table = later("stats", "--per-person", "--as-of", "2009-01-01")
    assert table.exit_code == 0, table.output
    lines = squeezed(table.stdout)
    assert "Ivan Maximov 2004-08-15 1600 + 1387 ████████ 0 0 0 still held guilty" in lines
    assert lines[-1].startswith("As of 2009-01-01: 3 later events left out. ")


def test_as_of_before_a_verdict_keeps_all_of_the_period_pretrial(later: Run) -> None:
    data = as_json(later, "timeline", "mx", "--as-of", "2008-06-01")
    (period,) = data["custody"]
    assert (period["days"], period["pretrial_days"], period["ongoing"]) == (1386, 1386, True)
    assert [e["type"] for e in data["events"]] == ["arrest"]
    assert data["later_events_left_out"] == 4


def test_a_timeline_as_of_a_day_shows_no_period_that_began_later(later: Run) -> None:
    data = as_json(later, "timeline", "mx", "--as-of", "2011-02-01")
    assert [(p["start"], p["end"]) for p in data["custody"]] == [("2004-08-15", "2009-04")]
    # The bail "in February" may already have happened on the 1st: it stays, and with the
    # arrest of the 9th left out it ends nothing, which is said.
    dates = ["2004-08-15", "2008-06-02", "2009-04", "2011-02"]
    assert [e["date"] for e in data["events"]] == dates
    assert [p["message"][:18] for p in data["problems"]] == ["bail on 2011-02 (e"]
    shown = later("timeline", "mx", "--as-of", "2011-02-01")
    assert squeezed(shown.stdout)[-1].startswith("As of 2011-02-01: 1 later event left out.")


def test_a_month_precise_end_is_known_from_its_first_day(later: Run) -> None:
    # On 2 February 2011 the bail "in February" may have happened: it is not left out, and
    # it closes the period opened on the 9th (the record cannot say more).
    data = as_json(later, "timeline", "mx", "--as-of", "2011-02-10")
    assert data["later_events_left_out"] == 0
    assert [(p["start"], p["end"], p["days_min"], p["days_max"]) for p in data["custody"]][-1] == (
        "2011-02-09",
        "2011-02",
        0,
        1,  # bailed on the 9th or the 10th at the latest: the record as it stood then
    )


def test_maximov_bailed_in_february_is_held_0_to_19_days_everywhere(later: Run) -> None:
    """The issue's reproduction: never "5774 +, still held"."""
    data = as_json(later, "stats", "--per-person", "--as-of", "2026-01-01")
    (row,) = data["per_person"]
    assert (row["ongoing"], row["ended_by"]) == (False, "bail")
    assert data["custody"]["currently_held"] == 0
    assert data["problems"] == []
    periods = as_json(later, "timeline", "mx", "--as-of", "2026-01-01")["custody"]
    assert [(p["days"], p["days_min"], p["days_max"], p["ended_by"]) for p in periods] == [
        (1690, 1690, 1719, "release"),  # 2004-08-15 to 1 or 30 April 2009
        (0, 0, 19, "bail"),
    ]
    shown = squeezed(later("stats", "--per-person", "--as-of", "2026-01-01").stdout)
    # The pretrial days run from one known day to the sentence, another: exact, not
    # "~1387" as they were when the release "in April 2009" marked them too.
    assert "Ivan Maximov 2004-08-15 1690–1738 1387 ████████ 0 0 0 bail guilty" in shown


def test_without_as_of_nothing_past_is_left_out(later: Run) -> None:
    data = as_json(later, "stats")
    assert data["later_events_left_out"] == 0
    assert data["events"]["total"] == 5


def test_scheduled_events_are_listed_but_never_counted(later: Run) -> None:
    """A verdict or an extradition set for next month is not yet a fact: as of today it
    is in no figure, and the timeline lists it as scheduled."""
    soon = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=40)).isoformat()
    for type_, extra in (("verdict", ("--outcome", "guilty")), ("extradition_granted", ())):
        result = later("log", "mx", type_, soon, "-p", "Ivan Maximov", *extra)
        assert result.exit_code == 0, result.output
        assert "recorded as scheduled" in result.stderr
    data = as_json(later, "stats")
    assert data["later_events_left_out"] == 2
    assert (data["verdicts"]["guilty"], data["extradition"]["granted"]) == (1, 0)  # 2008 only
    timeline = as_json(later, "timeline", "mx")
    assert [e["date"] for e in timeline["events"]][-2:] == [soon, soon]
    assert (timeline["later_events_left_out"], timeline["later_events_listed"]) == (2, 2)
    shown = squeezed(later("timeline", "mx").stdout)
    today = timeline["as_of"]
    # A new user's find: nothing in the rows said which were not counted.
    assert sum(line.endswith(f"Scheduled: after {today}, not counted") for line in shown) == 2
    assert shown[-1].startswith(f"As of {today}: 2 later events listed, not counted.")
    # As of a day, the record as it stood then: later events are neither listed nor counted.
    past = as_json(later, "timeline", "mx", "--as-of", "2026-01-01")
    assert soon not in [e["date"] for e in past["events"]]
    assert (past["later_events_left_out"], past["later_events_listed"]) == (2, 0)
    # A review's finds: one line each marked them too, and a --type that lists neither
    # no longer said they were listed.
    oneline = squeezed(later("timeline", "mx", "--oneline").stdout)
    assert sum("(scheduled" in line for line in oneline) == 2
    verdicts = as_json(later, "timeline", "mx", "--type", "verdict")
    assert (verdicts["later_events_left_out"], verdicts["later_events_listed"]) == (2, 1)
    arrests = later("timeline", "mx", "--type", "arrest").stdout
    assert f"As of {today}: 2 later events left out." in " ".join(arrests.split())
    shown = " ".join(later("timeline", "mx", "--type", "verdict").stdout.split())
    assert f"As of {today}: 2 later events not counted, 1 of them listed." in shown


@pytest.mark.parametrize("command", [("stats",), ("timeline", "mx"), ("report", "mx")])
def test_as_of_after_today_is_refused(later: Run, command: tuple[str, ...]) -> None:
    # Far enough ahead that the test cannot straddle midnight UTC.
    result = later(*command, "--as-of", "2999-01-01")
    assert result.exit_code == 1
    assert re.fullmatch(
        r"Error: --as-of 2999-01-01 is after today \(\d{4}-\d\d-\d\d\); give a day up to today\n",
        result.stderr,
    )
    assert result.stdout == ""


def test_custody_recorded_under_another_case_is_said_where_it_is_not_counted(run: Run) -> None:
    """The review's reproduction: arrested in one case, released in another."""
    for case in ("a", "b"):
        assert run("case", "add", case, "--title", case.upper()).exit_code == 0
    assert run("person", "add", "Ivan Petrov").exit_code == 0
    log(run, "a", "arrest", "2010-01-10", "-p", "ivan-petrov")
    release = log(run, "b", "release", "2011-01-10", "-p", "ivan-petrov")
    message = (
        "1 custody start(s) or end(s) of this person are recorded under other cases (b) and"
        " not counted here; the person's own timeline counts them"
    )
    expected = {"person": "ivan-petrov", "case": "b", "event": release, "message": message}
    timeline = as_json(run, "timeline", "a", "--as-of", "2020-01-01")
    assert [p["ongoing"] for p in timeline["custody"]] == [True]
    assert timeline["problems"] == [expected]
    stats = as_json(run, "stats", "--case", "a", "--as-of", "2020-01-01")
    assert stats["problems"] == [expected]
    assert stats["per_person"][0]["problems"] == 1
    # The person's own timeline, and stats over all cases, count the release.
    own = as_json(run, "timeline", "--person", "ivan-petrov", "--as-of", "2020-01-01")
    assert [p["end"] for p in own["custody"]] == ["2011-01-10"]
    assert own["problems"] == []
    assert as_json(run, "stats", "--as-of", "2020-01-01")["problems"] == []


def test_a_death_under_another_case_is_said_where_custody_still_runs(run: Run) -> None:
    """A review's reproduction: arrested under case a, dead under case b; `timeline a` and
    `stats --case a` said "still held 3652 +" and nothing else. A person not held here,
    or no longer, gets no such problem."""
    for case in ("a", "b"):
        assert run("case", "add", case, "--title", case.upper()).exit_code == 0
    for name in ("Ivan Petrov", "Olga Orlova"):
        assert run("person", "add", name).exit_code == 0
    log(run, "a", "arrest", "2010-01-01", "-p", "ivan-petrov")
    death = log(run, "b", "death", "2011-01-01", "-p", "ivan-petrov")
    log(run, "b", "emigration", "2011-02-01", "-p", "olga-orlova")  # never held here
    log(run, "a", "hearing", "2010-06-01", "-p", "olga-orlova")
    message = (
        "1 death(s) or emigration(s) of this person are recorded under other cases (b) and"
        " not counted here; the person's own timeline counts them"
    )
    expected = [{"person": "ivan-petrov", "case": "b", "event": death, "message": message}]
    assert as_json(run, "timeline", "a", "--as-of", "2020-01-01")["problems"] == expected
    stats = as_json(run, "stats", "--case", "a", "--as-of", "2020-01-01")
    assert stats["problems"] == expected
    own = as_json(run, "timeline", "--person", "ivan-petrov", "--as-of", "2020-01-01")
    assert [p["message"].split(" (")[0] for p in own["problems"]] == [
        "custody from 2010-01-01"
    ]  # the end the death implies, said where both are counted


def test_a_case_timeline_of_one_person_says_their_custody_under_another_case(run: Run) -> None:
    """A witness in case a, held in case b: `timeline a --person` showed it on a file
    and not on a server, which looked only at the persons a's events name."""
    for case in ("a", "b"):
        assert run("case", "add", case, "--title", case.upper()).exit_code == 0
    assert run("person", "add", "Ivan Petrov", "--case", "a", "--role", "witness").exit_code == 0
    arrest = log(run, "b", "arrest", "2010-01-10", "-p", "ivan-petrov")
    shown = as_json(run, "timeline", "a", "--person", "ivan-petrov", "--as-of", "2020-01-01")
    assert (shown["events"], shown["custody"]) == ([], [])
    assert shown["problems"] == [{
        "person": "ivan-petrov", "case": "b", "event": arrest,
        "message": "1 custody start(s) or end(s) of this person are recorded under other cases"
        " (b) and not counted here; the person's own timeline counts them",
    }]  # fmt: skip


def test_a_guilty_verdict_recorded_under_another_case_is_said_where_it_is_not_counted(
    run: Run,
) -> None:
    """Held in case a, found guilty in case b: a's figures count all of it as pretrial,
    the figures over both cases only the part before the verdict. Said, not silent."""
    for case in ("a", "b"):
        assert run("case", "add", case, "--title", case.upper()).exit_code == 0
    assert run("person", "add", "Ivan Petrov").exit_code == 0
    log(run, "a", "arrest", "2010-01-01", "-p", "ivan-petrov")
    log(run, "a", "release", "2010-09-01", "-p", "ivan-petrov")
    verdict = log(run, "b", "verdict", "2010-03-01", "-p", "ivan-petrov", "--outcome", "guilty")
    alone = as_json(run, "stats", "--case", "a", "--as-of", "2020-01-01")
    assert alone["per_person"][0]["pretrial_days"] == 243
    assert alone["problems"] == [{
        "person": "ivan-petrov", "case": "b", "event": verdict,
        "message": "1 guilty verdict(s) of this person are recorded under other cases (b) and"
        " not counted here; the person's own timeline counts them",
    }]  # fmt: skip
    both = as_json(run, "stats", "--as-of", "2020-01-01")
    assert (both["per_person"][0]["pretrial_days"], both["problems"]) == (59, [])
    report = run("report", "a", "--as-of", "2020-01-01")
    said = (
        "1 guilty verdict(s) of this person are recorded under other cases (b) and not counted"
        " here; the person's own timeline counts them"
    )
    alone_report = " ".join(report.stdout.split())
    assert said in alone_report and "figures of all its cases" not in alone_report
    # A report of both cases: its figures of all cases count it, and the case's section
    # says so (an adversary's read: "not counted here" beside figures that looked final,
    # for a case the same report shows).
    both_report = " ".join(run("report", "a", "b", "--as-of", "2020-01-01").stdout.split())
    assert f"{said}, and so do this report's figures of all its cases" in both_report
    # Of a case that is not in the report, it says nothing more.
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    lone = " ".join(run("report", "a", "c", "--as-of", "2020-01-01").stdout.split())
    assert f"{said} " in lone and "figures of all its cases" not in lone


def test_a_redacted_report_says_a_confidential_release_is_left_out(run: Run) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Ivan Petrov").exit_code == 0
    log(run, "c", "arrest", "2010-01-10", "-p", "ivan-petrov")
    log(run, "c", "release", "2011-01-10", "-p", "ivan-petrov", "--confidential")
    doc = run("report", "c", "--as-of", "2020-01-01")
    assert doc.exit_code == 0, doc.output
    text = " ".join(doc.stdout.split())
    assert "Ivan Petrov ! 2010-01-10 still held" in text
    assert (
        "! Ivan Petrov (c): custody events or verdicts of this person marked confidential are"
        " left out of this report, and its figures do not count them"
    ) in text
    shown = run("report", "c", "--as-of", "2020-01-01", "--include-confidential")
    assert "marked confidential" not in shown.stdout


def test_a_redacted_report_says_a_confidential_verdict_is_left_out_and_counts_none_later(
    run: Run,
) -> None:
    """The review's reproduction: a confidential guilty verdict left out of a redacted
    report made all 365 days pretrial (31 with it) without a word; and an --as-of count
    of the later events left out told how many confidential ones there were."""
    assert run("case", "add", "k", "--title", "K").exit_code == 0
    assert (
        run("person", "add", "Dmitri Defendant", "--case", "k", "--role", "defendant").exit_code
        == 0
    )
    log(run, "k", "arrest", "2015-01-01", "-p", "dmitri-defendant")
    log(run, "k", "verdict", "2015-02-01", "--outcome", "guilty", "-p", "dmitri-defendant",
        "--confidential")  # fmt: skip
    log(run, "k", "release", "2016-01-01", "-p", "dmitri-defendant")
    text = " ".join(run("report", "k", "--as-of", "2020-01-01").stdout.split())
    assert "Dmitri Defendant ! 2015-01-01 2016-01-01 365 365" in text
    assert "custody events or verdicts of this person marked confidential" in text
    later = " ".join(run("report", "k", "--as-of", "2015-01-05").stdout.split())
    assert "As of 2015-01-05: 1 later event left out." in later
    full = " ".join(
        run("report", "k", "--as-of", "2015-01-05", "--include-confidential").stdout.split()
    )
    assert "As of 2015-01-05: 2 later events left out." in full


def test_the_days_and_the_pretrial_days_are_marked_approximate_each_by_their_own_dates(
    run: Run,
) -> None:
    """Custody known to the day, its pretrial part cut by a sentence "in 2010": the total
    days are exact (610, unmarked), the pretrial median and maximum are not."""
    for command in (
        ["case", "add", "r", "--title", "R"],
        ["person", "add", "Igor Lev", "--id", "il", "--case", "r", "--role", "defendant"],
        ["log", "r", "arrest", "2010-05-01", "-p", "il"],
        ["log", "r", "sentence", "2010", "-p", "il"],
        ["log", "r", "release", "2012-01-01", "-p", "il"],
    ):
        assert run(*command).exit_code == 0
    custody = json.loads(run("stats", "--json").stdout)["custody"]
    assert (custody["total_days"], custody["approximate"]) == (610, False)
    assert (custody["max_pretrial_days"], custody["pretrial_approximate"]) == (0, True)
    shown = run("stats").stdout
    assert re.search(r"days in custody \(total\) +610\n", shown), shown
    # The sentence of 2010 may have come before the arrest of 1 May or on 31 December:
    # shown as the range, not "~0" (an adversary's find: the total, median and maximum
    # hid the ranges every period and person row shows).
    assert (custody["max_pretrial_days_min"], custody["max_pretrial_days_max"]) == (0, 244)
    assert re.search(r"pretrial days, maximum +0–244\n", shown), shown
    report = run("report", "r").stdout
    assert re.search(r"Days in custody \(total\) +610\n", report), report
    assert re.search(r"Pretrial days, median +0–244\n", report), report


def test_a_median_or_maximum_is_marked_approximate_only_by_the_figures_it_may_be(
    run: Run,
) -> None:
    """`make demo` printed "pretrial days, median ~641.5" although Aleksanyan's 970 to
    1000 days lie above the median however his dates fall; only a person whose
    approximate days may be the median, or the maximum, marks it."""
    assert run("case", "add", "m", "--title", "M").exit_code == 0
    for person, arrest, verdict in (
        ("ann", "2010-01-01", "2010-01-31"),  # 30 days
        ("bob", "2010-01-01", "2010-03-02"),  # 60 days
        ("cid", "2010-01-01", "2010-03-12"),  # 70 days
        ("dan", "2010-01-01~", "2010-04-11"),  # ~100 days: a circa start, no range
    ):
        run("person", "add", person.title(), "--id", person, "--case", "m", "--role", "defendant")
        log(run, "m", "arrest", arrest, "-p", person)
        log(run, "m", "sentence", verdict, "-p", person)
    custody = as_json(run, "stats")["custody"]
    assert (custody["median_pretrial_days"], custody["max_pretrial_days"]) == (65, 100)
    assert custody["pretrial_approximate"]
    assert (custody["median_pretrial_approximate"], custody["max_pretrial_approximate"]) == (
        False,
        True,
    )
    shown = squeezed(run("stats").stdout)
    assert "pretrial days, median 65" in shown
    assert "pretrial days, maximum ~100" in shown
    assert shown[-1].endswith("~ marks approximate figures.")
    report = squeezed(run("report", "m").stdout)
    assert "Pretrial days, median 65" in report
    assert "Pretrial days, maximum ~100" in report
    # A fifth, whose ~65 days are the median now: it marks the median too.
    run("person", "add", "Eve", "--id", "eve", "--case", "m", "--role", "defendant")
    log(run, "m", "arrest", "2010-01-01~", "-p", "eve")
    log(run, "m", "sentence", "2010-03-07", "-p", "eve")
    custody = as_json(run, "stats")["custody"]
    assert (custody["median_pretrial_approximate"], custody["max_pretrial_approximate"]) == (
        True,
        True,
    )
    assert "pretrial days, median ~65" in squeezed(run("stats").stdout)


def test_a_circa_figure_below_the_maximum_leaves_it_exact(run: Run) -> None:
    """~ and ? mark the figures computed from such a date and widen no range
    (docs/custody.md): an exact 100 days beside a "~99" is a maximum of 100, known to
    the day, and the median of the two marked, since "~99" is one it is taken from."""
    assert run("case", "add", "m", "--title", "M").exit_code == 0
    for person, arrest, verdict in (
        ("ann", "2010-01-01", "2010-04-11"),  # 100 days
        ("bob", "2010-01-02~", "2010-04-11"),  # ~99 days
    ):
        run("person", "add", person.title(), "--id", person, "--case", "m", "--role", "defendant")
        log(run, "m", "arrest", arrest, "-p", person)
        log(run, "m", "sentence", verdict, "-p", person)
    custody = as_json(run, "stats")["custody"]
    assert (custody["max_pretrial_days"], custody["max_pretrial_approximate"]) == (100, False)
    assert (custody["median_pretrial_days"], custody["median_pretrial_approximate"]) == (
        99.5,
        True,
    )
    shown = squeezed(run("stats").stdout)
    assert "pretrial days, maximum 100" in shown
    assert "pretrial days, median ~99.5" in shown
