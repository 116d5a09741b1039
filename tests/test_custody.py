"""Custody periods derived from hand-built histories, one test per rule in docs/custody.md."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.custody import Custody, Period, Problem, custody, periods_for
from dossier.dates import stored
from dossier.model import Event

AS_OF = datetime.date(2020, 1, 1)
# docs/custody.md, "Periods": the most specific end of a day names it.
PRECEDENCE = (
    "death_in_custody",
    "escape",
    "pardon",
    "parole",
    "acquittal",
    "bail",
    "house_arrest",
    "release",
)


def ev(
    event_id: str, type_: str, date: str, *, persons: tuple[str, ...] = ("p",), **fields: str
) -> Event:
    """An event of case "c" naming `persons` (person "p" by default)."""
    return Event(id=event_id, case="c", type=type_, date=date, persons=persons, **fields)


def held(*events: Event, as_of: datetime.date = AS_OF) -> tuple[list[Period], list[str]]:
    """Periods and problems of person "p" (each problem as "person: message")."""
    periods, problems = periods_for("p", events, as_of)
    return periods, [str(p) for p in problems]


def period(
    start: str,
    end: str | None,
    days: int,
    *,
    start_event: str,
    end_event: str | None,
    pretrial_days: int | None = None,
    approximate: bool = False,
    ended_by: str | None = "release",
    facilities: tuple[str, ...] = (),
    kind: str = "custody",
    person: str = "p",
    days_range: tuple[int, int] | None = None,
    pretrial_range: tuple[int, int] | None = None,
    pretrial_approximate: bool | None = None,
) -> Period:
    """The expected Period; the pretrial part is all of it unless given, and the days
    have no range (both ends known to the day) unless given."""
    pretrial = days if pretrial_days is None else pretrial_days
    low, high = days_range or (days, days)
    if pretrial_range is None:
        pretrial_range = (low, high) if pretrial_days is None else (pretrial, pretrial)
    return Period(
        person=person,
        kind=kind,
        start=start,
        end=end,
        days=days,
        days_min=low,
        days_max=high,
        pretrial_days=pretrial,
        pretrial_days_min=pretrial_range[0],
        pretrial_days_max=pretrial_range[1],
        approximate=approximate,
        pretrial_approximate=approximate if pretrial_approximate is None else pretrial_approximate,
        ended_by=ended_by if end is not None else None,
        facilities=facilities,
        start_event=start_event,
        end_event=end_event,
    )


# A period opens at a start and closes at the next end ---------------------------------------


def test_arrest_then_release_is_one_period_counting_days_between() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2006-04-06", place="SIZO-1"),
        ev("r1", "release", "2008-12-30"),
    )
    assert periods == [
        period(
            "2006-04-06",
            "2008-12-30",
            999,
            start_event="a1",
            end_event="r1",
            facilities=("SIZO-1",),
        ),
    ]
    assert problems == []
    assert not periods[0].ongoing


def test_the_first_years_of_the_calendar_have_a_pretrial_part_too() -> None:
    """Dates of year 1 are valid: looking for a verdict that may fall in the period must
    not reach before the first day there is (found by the exchange tests' generator)."""
    periods, problems = held(
        ev("a", "arrest", "0001-01"), ev("s", "sentence", "0001-03-02"), ev("r", "release", "0002")
    )
    assert problems == []
    assert [(p.start, p.end, p.pretrial_days) for p in periods] == [("0001-01", "0002", 60)]


def test_one_day_apart_is_one_day_and_the_same_day_is_zero() -> None:
    periods, _ = held(
        ev("a1", "arrest", "2010-01-01"),
        ev("r1", "release", "2010-01-02"),
        ev("a2", "arrest", "2010-02-01"),
        ev("r2", "release", "2010-02-01"),
    )
    assert periods == [
        period("2010-01-01", "2010-01-02", 1, start_event="a1", end_event="r1"),
        period("2010-02-01", "2010-02-01", 0, start_event="a2", end_event="r2"),
    ]


HISTORY = (
    ev("a1", "arrest", "2003-10-25", place="Novosibirsk airport"),
    ev("s1", "sentence", "2005-05-31"),
    ev("t1", "transfer", "2005-10-15", place="Krasnokamensk"),
    ev("r1", "parole", "2008-02-01"),
    ev("a2", "arrest", "2009-03-01", place="Moscow"),
)
HISTORY_PERIODS = [
    period(
        "2003-10-25",
        "2008-02-01",
        1560,
        pretrial_days=584,
        ended_by="parole",
        start_event="a1",
        end_event="r1",
        facilities=("Novosibirsk airport", "Krasnokamensk"),
    ),
    period(
        "2009-03-01",
        None,
        3958,
        pretrial_days=0,
        start_event="a2",
        end_event=None,
        facilities=("Moscow",),
    ),
]


def test_a_history_in_order() -> None:
    assert held(*HISTORY) == (HISTORY_PERIODS, [])


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(HISTORY)))))
def test_events_out_of_order_give_the_same_periods(order: tuple[int, ...]) -> None:
    assert held(*(HISTORY[i] for i in order)) == (HISTORY_PERIODS, [])


# Several starts or ends on one day are one transition ---------------------------------------


def test_arrest_and_pretrial_detention_on_one_day_are_one_start() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2010-01-01", place="Street"),
        ev("d1", "pretrial_detention", "2010-01-01", place="SIZO-1"),
        ev("r1", "release", "2010-01-31"),
    )
    assert periods == [
        period(
            "2010-01-01",
            "2010-01-31",
            30,
            start_event="a1",
            end_event="r1",
            facilities=("Street", "SIZO-1"),
        ),
    ]
    assert problems == []


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(PRECEDENCE, 2)))
def test_of_two_ends_on_one_day_the_more_specific_names_the_end(first: str, second: str) -> None:
    arrest = ev("a1", "arrest", "2010-01-01")
    for ends in (
        [ev("e1", second, "2010-01-31"), ev("e2", first, "2010-01-31")],
        [ev("e1", first, "2010-01-31"), ev("e2", second, "2010-01-31")],
    ):
        periods, problems = held(arrest, *ends)
        assert (periods[0].end, periods[0].days, periods[0].ended_by) == ("2010-01-31", 30, first)
        # Both ends are one transition: neither is left over as an orphan end.
        assert problems == []
        # A house-arrest period follows when house arrest is one of the ends (bail on
        # condition of house arrest), unless the person died or escaped that day.
        opens = "house_arrest" in (first, second) and first not in ("death_in_custody", "escape")
        assert [p.kind for p in periods[1:]] == (["house_arrest"] if opens else [])


def test_all_ends_on_one_day_are_one_end_named_by_death_in_custody() -> None:
    ends = [ev(f"e{i}", t, "2010-01-31") for i, t in enumerate(reversed(PRECEDENCE))]
    periods, problems = held(ev("a1", "arrest", "2010-01-01"), *ends)
    assert periods == [
        period(
            "2010-01-01",
            "2010-01-31",
            30,
            ended_by="death_in_custody",
            start_event="a1",
            end_event="e7",  # the event that names the end, not the first recorded
        ),
    ]
    assert problems == []


def test_a_start_while_a_period_is_open_continues_it() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2003-10-25", place="Novosibirsk airport"),
        ev("d1", "pretrial_detention", "2003-10-27", place="Matrosskaya Tishina"),
        ev("i1", "imprisonment", "2005-10-15", place="Krasnokamensk"),
        ev("r1", "release", "2013-12-20"),
    )
    assert periods == [
        period(
            "2003-10-25",
            "2013-12-20",
            3709,
            start_event="a1",
            end_event="r1",
            facilities=("Novosibirsk airport", "Matrosskaya Tishina", "Krasnokamensk"),
        ),
    ]
    assert problems == []


# A less precise event containing a precise one of the same effect is the same moment --------


def test_remanded_in_may_and_arrested_on_20_may_start_one_period_on_20_may() -> None:
    periods, problems = held(
        ev("d1", "pretrial_detention", "2011-05", place="SIZO No. 3"),
        ev("a1", "arrest", "2011-05-20"),
        ev("r1", "release", "2011-10-08"),
    )
    assert periods == [
        period(
            "2011-05-20",
            "2011-10-08",
            141,
            start_event="a1",
            end_event="r1",
            facilities=("SIZO No. 3",),
        ),
    ]
    assert problems == []


def test_a_year_precise_start_containing_a_precise_one_is_the_same_moment() -> None:
    periods, problems = held(
        ev("i1", "imprisonment", "2011"),
        ev("a1", "arrest", "2011-05-20"),
        ev("r1", "release", "2011-10-08"),
    )
    assert periods == [
        period("2011-05-20", "2011-10-08", 141, start_event="a1", end_event="r1"),
    ]
    # The year holds the release too: the imprisonment may have come after it.
    assert problems == [
        "p: imprisonment in 2011 (event i1) is counted as the arrest on 2011-05-20 (event a1),"
        " but may be a later start, after the release on 2011-10-08 (event r1)"
    ]


def test_year_month_and_day_precise_starts_are_one_moment_with_the_day() -> None:
    periods, problems = held(
        ev("i1", "imprisonment", "2011"),
        ev("d1", "pretrial_detention", "2011-05"),
        ev("a1", "arrest", "2011-05-20"),
        ev("r1", "release", "2011-10-08"),
    )
    assert periods == [
        period("2011-05-20", "2011-10-08", 141, start_event="a1", end_event="r1"),
    ]
    assert problems == [
        "p: imprisonment in 2011 (event i1) is counted as the arrest on 2011-05-20 (event a1),"
        " but may be a later start, after the release on 2011-10-08 (event r1)"
    ]


def test_bail_in_december_and_release_on_30_december_end_it_by_bail_on_the_30th() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2006-04-06"),
        ev("b1", "bail", "2008-12"),
        ev("r1", "release", "2008-12-30"),
    )
    assert periods == [
        period("2006-04-06", "2008-12-30", 999, ended_by="bail", start_event="a1", end_event="b1"),
    ]
    assert problems == []


def test_a_month_precise_start_with_nothing_precise_inside_keeps_its_month() -> None:
    periods, _ = held(
        ev("d1", "pretrial_detention", "2011-05"),
        ev("a1", "arrest", "2011-06-03"),  # outside May: continues the period
        ev("r1", "release", "2011-10-08"),
    )
    assert periods == [
        period(
            "2011-05",
            "2011-10-08",
            160,
            days_range=(130, 160),  # from 31 or from 1 May
            approximate=True,
            start_event="d1",
            end_event="r1",
        ),
    ]


# An end with no open period is a problem -----------------------------------------------------


def test_aleksanyan_bail_in_december_then_release_in_january_is_a_problem() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2006-04-06"),
        ev("b1", "bail", "2008-12"),
        ev("r1", "release", "2009-01"),
    )
    assert periods == [
        period(
            "2006-04-06",
            "2008-12",
            970,
            days_range=(970, 1000),  # bailed on 1 or on 31 December
            approximate=True,
            ended_by="bail",
            start_event="a1",
            end_event="b1",
        ),
    ]
    assert problems == [
        "p: release on 2009-01 (event r1) ends no open custody period;"
        " do the sources disagree about an earlier end?"
    ]


def test_an_end_without_any_custody_is_reported_not_dropped() -> None:
    periods, problems = held(
        ev("r1", "release", "2009-01-15"),
        ev("b1", "bail", "2009-01-15"),
    )
    assert periods == []
    assert problems == [
        "p: bail and release on 2009-01-15 (event r1, b1) ends no open custody period;"
        " do the sources disagree about an earlier end?"
    ]


# House arrest --------------------------------------------------------------------------------


def test_house_arrest_ends_custody_and_opens_a_house_arrest_period() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2010-01-01", place="SIZO-1"),
        ev("h1", "house_arrest", "2010-01-31", place="Home"),
        ev("r1", "release", "2010-03-02"),
    )
    assert periods == [
        period(
            "2010-01-01",
            "2010-01-31",
            30,
            ended_by="house_arrest",
            start_event="a1",
            end_event="h1",
            facilities=("SIZO-1",),
        ),
        period(
            "2010-01-31",
            "2010-03-02",
            30,
            kind="house_arrest",
            start_event="h1",
            end_event="r1",
            facilities=("Home",),
        ),
    ]
    assert problems == []


@pytest.mark.parametrize("other", ["bail", "parole", "pardon", "acquittal", "release"])
def test_house_arrest_opens_whatever_else_ends_custody_that_day(other: str) -> None:
    """An adversary's find: bailed on condition of house arrest (both recorded on one
    day), the house arrest vanished, and the release that ended it months later was
    reported as ending nothing. The end is named by the more specific event, as ever."""
    periods, problems = held(
        ev("a1", "arrest", "2016-01-01", place="SIZO-1"),
        ev("h1", "house_arrest", "2016-05-01", place="Home"),
        ev("b1", other, "2016-05-01"),
        ev("r1", "release", "2016-09-01"),
    )
    named = other if other != "release" else "house_arrest"
    assert [(p.kind, p.start, p.end, p.ended_by) for p in periods] == [
        ("custody", "2016-01-01", "2016-05-01", named),
        ("house_arrest", "2016-05-01", "2016-09-01", "release"),
    ]
    assert periods[1].facilities == ("Home",)
    assert problems == []


@pytest.mark.parametrize("other", ["death_in_custody", "escape"])
def test_a_death_or_escape_on_the_day_of_a_house_arrest_order_opens_none(other: str) -> None:
    periods, _problems = held(
        ev("a1", "arrest", "2016-01-01"),
        ev("h1", "house_arrest", "2016-05-01"),
        ev("d1", other, "2016-05-01"),
    )
    assert [(p.kind, p.end, p.ended_by) for p in periods] == [("custody", "2016-05-01", other)]


def test_a_custody_start_closes_house_arrest() -> None:
    periods, problems = held(
        ev("h1", "house_arrest", "2010-01-01", place="Home"),
        ev("a1", "arrest", "2010-01-31", place="SIZO-1"),
        ev("r1", "bail", "2010-03-02"),
    )
    assert periods == [
        period(
            "2010-01-01",
            "2010-01-31",
            30,
            kind="house_arrest",
            ended_by="arrest",
            start_event="h1",
            end_event="a1",
            facilities=("Home",),
        ),
        period(
            "2010-01-31",
            "2010-03-02",
            30,
            ended_by="bail",
            start_event="a1",
            end_event="r1",
            facilities=("SIZO-1",),
        ),
    ]
    assert problems == []


def test_house_arrest_without_custody_before_it_is_no_problem() -> None:
    periods, problems = held(ev("h1", "house_arrest", "2010-01-01", place="Home"))
    assert periods == [
        period(
            "2010-01-01",
            None,
            3652,
            kind="house_arrest",
            start_event="h1",
            end_event=None,
            facilities=("Home",),
        ),
    ]
    assert periods[0].ongoing
    assert problems == []


def test_a_second_house_arrest_order_continues_the_house_arrest() -> None:
    periods, problems = held(
        ev("h1", "house_arrest", "2010-01-01"),
        ev("h2", "house_arrest", "2010-02-01"),
        ev("r1", "release", "2010-03-02"),
    )
    assert periods == [
        period(
            "2010-01-01", "2010-03-02", 60, kind="house_arrest", start_event="h1", end_event="r1"
        ),
    ]
    assert problems == []


@pytest.mark.parametrize("before", ["nothing open", "custody"])
def test_house_arrest_is_held_at_home_never_at_the_court_that_ends_custody_that_day(
    before: str,
) -> None:
    """A tester's find: house arrest ordered, and a release from the court that ordered
    it, on one day. After an arrest the house arrest was held at "his flat"; with nothing
    open before it, at "his flat; Basmanny District Court", the place of every end of
    that day. Only the `house_arrest` event says where it began."""
    arrest = [ev("a1", "arrest", "2015-03-02", place="SIZO-6")] if before == "custody" else []
    periods, problems = held(
        *arrest,
        ev("h1", "house_arrest", "2015-09-15", place="his flat"),
        ev("r1", "release", "2015-09-15", place="Basmanny District Court"),
        ev("r2", "release", "2016-01-10", place="Basmanny District Court"),
    )
    assert [(p.kind, p.start, p.facilities) for p in periods] == [
        *([("custody", "2015-03-02", ("SIZO-6",))] if arrest else []),
        ("house_arrest", "2015-09-15", ("his flat",)),
    ]
    assert problems == []


# Ongoing periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "days"),
    [
        (datetime.date(2019, 12, 1), 0),
        (datetime.date(2019, 12, 2), 1),
        (datetime.date(2020, 1, 1), 31),
        (datetime.date(2019, 11, 1), 0),  # as-of before the arrest: nothing negative
    ],
)
def test_an_open_period_is_ongoing_and_counted_to_as_of(as_of: datetime.date, days: int) -> None:
    periods, problems = held(ev("a1", "arrest", "2019-12-01"), as_of=as_of)
    assert periods == [period("2019-12-01", None, days, start_event="a1", end_event=None)]
    assert periods[0].ongoing
    assert periods[0].to_dict()["ongoing"] is True
    assert problems == []


def test_only_the_last_period_can_be_ongoing() -> None:
    periods, _ = held(
        ev("a1", "arrest", "2019-01-01"),
        ev("r1", "release", "2019-01-11"),
        ev("a2", "arrest", "2019-12-22"),
    )
    assert periods == [
        period("2019-01-01", "2019-01-11", 10, start_event="a1", end_event="r1"),
        period("2019-12-22", None, 10, start_event="a2", end_event=None),
    ]
    assert [p.ongoing for p in periods] == [False, True]


# The pretrial part ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "pretrial_days"),
    [
        (None, 365),
        (ev("v1", "sentence", "2010-03-02", term="8 years"), 60),
        (ev("v1", "verdict", "2010-03-02", outcome="guilty"), 60),
        (ev("v1", "verdict", "2010-01-01", outcome="guilty"), 0),  # on the day of the arrest
        (ev("v1", "verdict", "2010-03-02"), 365),  # no outcome
        (ev("v1", "verdict", "2010-03-02", outcome="acquitted"), 365),
        (ev("v1", "verdict", "2010-03-02", outcome="dismissed"), 365),
        (ev("v1", "verdict", "2010-03-02", outcome="returned"), 365),
        (ev("v1", "sentence", "2009-06-01"), 0),  # convicted before this period began
        (ev("v1", "sentence", "2011-06-01"), 365),  # convicted after release
        (ev("v1", "sentence", "2010-03-02", persons=("q",)), 365),  # someone else's
    ],
)
def test_pretrial_part_ends_at_the_first_guilty_verdict(
    verdict: Event | None, pretrial_days: int
) -> None:
    events = [ev("a1", "arrest", "2010-01-01"), ev("r1", "release", "2011-01-01")]
    periods, _ = held(*events, *([verdict] if verdict else []))
    assert periods == [
        period(
            "2010-01-01",
            "2011-01-01",
            365,
            pretrial_days=pretrial_days,
            start_event="a1",
            end_event="r1",
        ),
    ]


def test_pretrial_part_uses_the_first_guilty_verdict_on_or_after_each_start() -> None:
    periods, _ = held(
        ev("a1", "arrest", "2010-01-01"),
        ev("v0", "verdict", "2010-01-21"),  # no outcome: not the end of the pretrial part
        ev("v1", "verdict", "2010-01-31", outcome="guilty"),
        ev("s1", "sentence", "2010-02-10"),
        ev("r1", "release", "2010-03-02"),
        ev("a2", "arrest", "2010-04-01"),
        ev("s2", "sentence", "2010-04-11"),
    )
    assert periods == [
        period("2010-01-01", "2010-03-02", 60, pretrial_days=30, start_event="a1", end_event="r1"),
        period("2010-04-01", None, 3562, pretrial_days=10, start_event="a2", end_event=None),
    ]


def test_pretrial_part_of_an_ongoing_period_runs_to_as_of_or_to_the_verdict() -> None:
    periods, _ = held(ev("a1", "arrest", "2019-12-01"), ev("v1", "verdict", "2019-12-20"))
    assert periods == [period("2019-12-01", None, 31, start_event="a1", end_event=None)]
    periods, _ = held(ev("a1", "arrest", "2019-12-01"), ev("s1", "sentence", "2019-12-20"))
    assert periods == [
        period("2019-12-01", None, 31, pretrial_days=19, start_event="a1", end_event=None)
    ]


# Approximate figures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days", "days_range", "approximate"),
    [
        ("2010-01-11", "2010-02-10", 30, (30, 30), False),
        ("2010-01", "2010-02-10", 40, (10, 40), True),  # from 1 January, or from the 31st
        ("2010", "2010-02-10", 40, (0, 40), True),  # from 1 January, or after the release
        ("2010-01-11", "2010-02", 21, (21, 48), True),  # to 1 February, or to the 28th
        ("2010-01-11", "2011", 355, (355, 719), True),
        # ~ and ? say a day may be wrong, not how far: no range, only the mark.
        ("2010-01-11~", "2010-02-10", 30, (30, 30), True),
        ("2010-01-11?", "2010-02-10", 30, (30, 30), True),
        ("2010-01-11", "2010-02-10~", 30, (30, 30), True),
        pytest.param("2010-01-11", "2010-02-10?", 30, (30, 30), True),
    ],
)
def test_approximate_when_an_end_is_not_day_precise_or_qualified(
    start: str, end: str, days: int, days_range: tuple[int, int], approximate: bool
) -> None:
    periods, _ = held(ev("a1", "arrest", start), ev("r1", "release", end))
    assert periods == [
        period(
            start,
            end,
            days,
            days_range=days_range,
            approximate=approximate,
            start_event="a1",
            end_event="r1",
        ),
    ]


def test_an_ongoing_period_from_a_month_is_approximate() -> None:
    periods, _ = held(ev("a1", "arrest", "2019-12"))
    assert periods == [
        period(
            "2019-12",
            None,
            31,
            days_range=(1, 31),  # to AS_OF, 1 January 2020, from the 31st or the 1st
            approximate=True,
            start_event="a1",
            end_event=None,
        ),
    ]


# Facilities ----------------------------------------------------------------------------------


def test_facilities_are_start_transfer_and_medical_places_inside_the_period() -> None:
    periods, _ = held(
        ev("t0", "transfer", "2009-12-01", place="Before"),
        ev("a1", "arrest", "2010-01-01", place="SIZO-1"),
        ev("t1", "transfer", "2010-02-01", place="SIZO-2"),
        # The court that extended the detention, tried him, heard his appeal: not facilities.
        ev("x1", "detention_extended", "2010-03-01", place="Tverskoi District Court"),
        ev("h1", "hearing", "2010-03-02", place="Moscow City Court"),
        ev("v1", "verdict", "2010-03-03", place="Meshchansky Court", outcome="dismissed"),
        ev("p1", "appeal", "2010-03-04", place="Supreme Court"),
        ev("t2", "transfer", "2010-04-01", place="SIZO-1"),  # back: not repeated
        ev("t3", "transfer", "2010-05-01"),  # no place
        ev("m1", "medical_care_denied", "2010-05-15", place="Hospital"),
        ev("m2", "medical_care", "2010-05-20", place="Prison hospital No. 20"),
        ev("i1", "illness", "2010-05-25", place="SIZO-2 infirmary"),
        ev("s1", "hunger_strike", "2010-05-26", place="Moscow"),  # where, not where held
        ev("t4", "transfer", "2010-06-01", place="Colony", persons=("q",)),  # someone else
        ev("r1", "release", "2010-07-01", place="Gate"),
        ev("t5", "transfer", "2010-08-01", place="After"),
    )
    assert periods == [
        period(
            "2010-01-01",
            "2010-07-01",
            181,
            start_event="a1",
            end_event="r1",
            facilities=(
                "SIZO-1",
                "SIZO-2",
                "Hospital",
                "Prison hospital No. 20",
                "SIZO-2 infirmary",
            ),
        ),
    ]


# Persons -------------------------------------------------------------------------------------


def test_only_events_naming_the_person_count() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2010-01-01"),
        ev("r9", "release", "2010-01-11", persons=("q",)),
        ev("a9", "arrest", "2010-01-21", persons=("q",)),
        ev("r1", "release", "2010-01-31"),
    )
    assert periods == [period("2010-01-01", "2010-01-31", 30, start_event="a1", end_event="r1")]
    assert problems == []


def test_a_joint_arrest_gives_each_person_a_period_in_the_order_asked() -> None:
    events = [
        ev("a1", "arrest", "2003-07-02", persons=("p", "q"), place="Moscow"),
        ev("r1", "release", "2003-07-12", persons=("q",)),
        ev("r2", "release", "2003-08-01", persons=("p",)),
        ev("r3", "bail", "2003-09-01", persons=("q",)),
    ]
    found = custody(["q", "p", "nobody"], events, AS_OF)
    assert found == Custody(
        periods=(
            period(
                "2003-07-02",
                "2003-07-12",
                10,
                person="q",
                start_event="a1",
                end_event="r1",
                facilities=("Moscow",),
            ),
            period(
                "2003-07-02",
                "2003-08-01",
                30,
                person="p",
                start_event="a1",
                end_event="r2",
                facilities=("Moscow",),
            ),
        ),
        problems=(
            Problem(
                person="q",
                case="c",
                event="r3",
                message="bail on 2003-09-01 (event r3) ends no open custody period;"
                " do the sources disagree about an earlier end?",
            ),
        ),
    )
    assert found.problems[0].to_dict() == {
        "person": "q",
        "case": "c",
        "event": "r3",
        "message": "bail on 2003-09-01 (event r3) ends no open custody period;"
        " do the sources disagree about an earlier end?",
    }


# Property: whatever the history, periods are well formed -------------------------------------

RANDOM_TYPES = (
    "arrest",
    "pretrial_detention",
    "imprisonment",
    *PRECEDENCE,
    "sentence",
    "transfer",
)
FIRST_DAY = datetime.date(2010, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """Random starts, ends, sentences and transfers of person "p" on random days."""
    events = []
    for i in range(draw(st.integers(0, 12))):
        day = FIRST_DAY + datetime.timedelta(days=draw(st.integers(0, 800)))
        precision = draw(st.sampled_from((10, 10, 10, 7, 4)))  # day, month or year
        qualifier = draw(st.sampled_from(("", "", "~", "?")))
        type_ = draw(st.sampled_from(RANDOM_TYPES))
        events.append(ev(f"e{i}", type_, day.isoformat()[:precision] + qualifier))
    return events


@settings(max_examples=300, deadline=None)
@given(histories())
def test_periods_never_overlap_and_have_sane_days(events: list[Event]) -> None:
    periods, _ = held(*events, as_of=datetime.date(2013, 1, 1))
    for earlier, later in itertools.pairwise(periods):
        assert earlier.end is not None
        assert stored(earlier.end).first_day <= stored(later.start).last_day
    for p in periods:
        assert p.days >= 0
        assert 0 <= p.pretrial_days <= p.days
    assert [p.ongoing for p in periods][:-1] == [False] * (len(periods) - 1)


ENDS = frozenset(PRECEDENCE)


@st.composite
def imprecise_histories(draw: st.DrawFn) -> list[Event]:
    """Starts and ends of person "p" only, at any precision, close together in time."""
    events = []
    for i in range(draw(st.integers(1, 10))):
        day = FIRST_DAY + datetime.timedelta(days=draw(st.integers(0, 500)))
        precision = draw(st.sampled_from((10, 7, 4)))
        qualifier = draw(st.sampled_from(("", "", "~", "?")))
        type_ = draw(st.sampled_from(("arrest", "imprisonment", *PRECEDENCE, "sentence")))
        events.append(ev(f"e{i}", type_, day.isoformat()[:precision] + qualifier))
    return events


@settings(max_examples=500, deadline=None)
@given(imprecise_histories(), st.integers(0, 1200))
def test_no_period_stays_open_when_an_end_reaches_it_and_ranges_hold(
    events: list[Event], offset: int
) -> None:
    as_of = FIRST_DAY + datetime.timedelta(days=offset)
    known = [e for e in events if stored(e.date).first_day <= as_of]  # as --as-of leaves them
    periods, problems = periods_for("p", known, as_of)
    for p in periods:
        assert 0 <= p.days_min <= p.days <= p.days_max
        assert 0 <= p.pretrial_days_min <= p.pretrial_days <= p.pretrial_days_max
        assert p.pretrial_days <= p.days
        assert p.pretrial_days_min <= p.days_min and p.pretrial_days_max <= p.days_max
        assert p.approximate or p.days_min == p.days_max
    open_custody = [p for p in periods if p.ongoing and p.kind == "custody"]
    if not open_custody:
        return
    (last,) = open_custody
    assert last is periods[-1]
    start = stored(last.start).first_day
    by_id = {e.id: stored(e.date) for e in known}
    # Ends that were used: they closed a period, or were reported as a problem because
    # they end before the open period began.
    used = [stored(p.end) for p in periods if p.end is not None]
    orphans = [p for p in problems if "ends no open custody period" in p.message]
    reported = [by_id[problem.event] for problem in orphans]
    assert all(date.last_day < start for date in reported), (problems, periods)
    used += reported
    for event in known:
        date = stored(event.date)
        if event.type in ENDS and date.last_day >= start:
            # The end reaches the open period: it must be the same moment as (merged into)
            # an end that closed another period or was reported, never left aside.
            assert any(
                date.first_day <= end.first_day and end.last_day <= date.last_day for end in used
            ), (event, periods)


# Ends whose days reach a start (docs/custody.md, "Overlapping ends") ------------------------


@pytest.mark.parametrize("bail_first", [True, False])
def test_maximov_bailed_in_the_month_of_his_arrest_was_held_0_to_19_days(
    bail_first: bool,
) -> None:
    arrest = ev("a1", "arrest", "2011-02-09")
    bail = ev("b1", "bail", "2011-02")
    periods, problems = held(*((bail, arrest) if bail_first else (arrest, bail)))
    assert periods == [
        period(
            "2011-02-09",
            "2011-02",
            0,  # the estimate, from the earliest possible days (1 Feb) clamped into the range
            days_range=(0, 19),  # bailed on the 9th at the soonest, on the 28th at the latest
            approximate=True,
            ended_by="bail",
            start_event="a1",
            end_event="b1",
        )
    ]
    assert problems == []


def test_as_of_inside_the_month_narrows_the_range() -> None:
    periods, _ = held(
        ev("a1", "arrest", "2011-02-09"),
        ev("b1", "bail", "2011-02"),
        as_of=datetime.date(2011, 2, 15),
    )
    assert (periods[0].days_min, periods[0].days_max) == (0, 6)


def test_a_release_on_the_day_of_the_arrest_recorded_first_closes_it() -> None:
    periods, problems = held(ev("r1", "release", "2010-03-01"), ev("a1", "arrest", "2010-03-01"))
    assert periods == [period("2010-03-01", "2010-03-01", 0, start_event="a1", end_event="r1")]
    assert problems == []


def test_an_end_that_cannot_reach_the_next_start_is_still_a_problem() -> None:
    periods, problems = held(ev("r1", "release", "2010"), ev("a1", "arrest", "2011-02-09"))
    assert [p.end for p in periods] == [None]
    assert problems == [
        "p: release on 2010 (event r1) ends no open custody period;"
        " do the sources disagree about an earlier end?"
    ]


def test_an_end_with_nothing_open_names_the_rough_end_that_may_have_left_it_open() -> None:
    """An adversarial run's find: released "in June" after an arrest on 10 June, paroled
    the next May. Counted after the arrest, the release ends its period (0-20 days) and
    the parole ends nothing; had the release come first, the period would run to the
    parole. The parole's problem now says which reading was taken."""
    periods, problems = held(
        ev("a1", "arrest", "2011-06-10"),
        ev("r1", "release", "2011-06"),
        ev("p1", "parole", "2012-05-15"),
    )
    assert [(p.start, p.end, p.days_min, p.days_max) for p in periods] == [
        ("2011-06-10", "2011-06", 0, 20)
    ]
    assert problems == [
        "p: parole on 2012-05-15 (event p1) ends no open custody period; do the sources"
        " disagree about an earlier end? release in 2011-06 (event r1) may be before arrest"
        " on 2011-06-10 (event a1), which would leave that period open until this; counted"
        " as after"
    ]
    # A later start ends the doubt: what it opens, the parole ends.
    _periods, problems = held(
        ev("a1", "arrest", "2011-06-10"), ev("r1", "release", "2011"),
        ev("a2", "arrest", "2012-01-01"), ev("p1", "parole", "2012-05-15"),
        ev("p2", "pardon", "2013-01-01"),
    )  # fmt: skip
    assert problems == [
        "p: pardon on 2013-01-01 (event p2) ends no open custody period; do the sources"
        " disagree about an earlier end?"
    ]


def test_a_rough_end_around_a_new_start_is_taken_last_and_the_doubt_said() -> None:
    # Bailed "in February": before or after the re-detention order of the 9th? Taken at
    # its latest day, it ends the custody open then; the other reading is said.
    periods, problems = held(
        ev("a1", "arrest", "2011-01-10"),
        ev("b1", "bail", "2011-02"),
        ev("a2", "pretrial_detention", "2011-02-09"),
    )
    assert [(p.start, p.end, p.ended_by) for p in periods] == [("2011-01-10", "2011-02", "bail")]
    assert problems == [
        "p: bail in 2011-02 (event b1) may be before or after pretrial_detention on"
        " 2011-02-09 (event a2); counted as after"
    ]


def test_a_rough_end_counted_after_a_new_start_ends_no_earlier_than_it() -> None:
    """The reading said is the reading counted: a bail "in February" counted as after
    the re-arrest of the 20th ended on the 20th at the earliest, so the period of an
    arrest on 10 January is 41-49 days, never the 22 that the bail's first day gives
    and neither reading allows."""
    periods, _problems = held(
        ev("a1", "arrest", "2011-01-10"),
        ev("b1", "bail", "2011-02"),
        ev("a2", "arrest", "2011-02-20"),
        ev("r1", "release", "2011-03-05"),
    )
    assert periods == [
        period("2011-01-10", "2011-02", 41, start_event="a1", end_event="b1", ended_by="bail",
               days_range=(41, 49), approximate=True)
    ]  # fmt: skip


def test_a_rough_end_is_not_merged_with_an_end_before_a_re_arrest() -> None:
    """The review's reproduction: released on the 5th, re-arrested on the 9th, bailed
    "in February". The bail is not the release of the 5th: never "still held"."""
    periods, problems = held(
        ev("a1", "arrest", "2011-02-01"),
        ev("r1", "release", "2011-02-05"),
        ev("a2", "arrest", "2011-02-09"),
        ev("b1", "bail", "2011-02"),
    )
    assert [(p.start, p.end, p.ended_by) for p in periods] == [
        ("2011-02-01", "2011-02-05", "release"),
        ("2011-02-09", "2011-02", "bail"),
    ]
    assert problems == []


def test_a_rough_start_is_not_merged_with_a_re_arrest_after_a_release_within_it() -> None:
    """A user's find, the mirror of the one above: arrested "in March 2012", released
    on the 10th, re-arrested on the 20th. The rough arrest was taken as the one of the
    20th: the first detention vanished, the release "ended nothing", and the days were
    12, exact. It is the start that release ended; the reading is said."""
    periods, problems = held(
        ev("a1", "arrest", "2012-03"),
        ev("r1", "release", "2012-03-10"),
        ev("a2", "arrest", "2012-03-20"),
        ev("r2", "release", "2012-04-01"),
    )
    assert periods == [
        period("2012-03", "2012-03-10", 9, start_event="a1", end_event="r1",
               days_range=(0, 9), approximate=True),
        period("2012-03-20", "2012-04-01", 12, start_event="a2", end_event="r2"),
    ]  # fmt: skip
    assert problems == [
        "p: arrest in 2012-03 (event a1) may be before or after release on 2012-03-10"
        " (event r1); counted as before"
    ]


def test_a_rough_start_is_merged_when_the_end_within_it_closed_an_earlier_period() -> None:
    """A review's find in the rule above: the release of 2 March ends the period of 5
    January, so "remanded in March" is the re-arrest of the 20th (its place goes there),
    as before that rule, and nothing is said."""
    periods, problems = held(
        ev("a1", "arrest", "2011-01-05", place="Police station 5"),
        ev("r1", "release", "2011-03-02"),
        ev("d1", "pretrial_detention", "2011-03", place="SIZO-2 Butyrka"),
        ev("a2", "arrest", "2011-03-20", place="Police station 9"),
    )
    assert [(p.start, p.end, p.facilities) for p in periods] == [
        ("2011-01-05", "2011-03-02", ("Police station 5",)),
        ("2011-03-20", None, ("Police station 9", "SIZO-2 Butyrka")),
    ]
    assert problems == []


@pytest.mark.parametrize(
    "rough",
    [
        (("arrest", "2024-03"), ("pretrial_detention", "2024-03")),
        (("arrest", "2024-03"), ("arrest", "2024-03")),
        (("arrest", "2024"), ("pretrial_detention", "2024-03")),
    ],
)
def test_a_second_source_of_a_rough_start_keeps_the_first_detention(
    rough: tuple[tuple[str, str], ...],
) -> None:
    """A review's find: with two sources of the rough start (an arrest and a remand in
    March, the same arrest twice, an arrest in 2024 and a remand in March), each took
    the other for a start since the release, and both were merged into the re-arrest:
    the first detention vanished again, and the release "ended nothing"."""
    periods, problems = held(
        *(ev(f"s{n}", type_, date) for n, (type_, date) in enumerate(rough)),
        ev("r1", "release", "2024-03-10"),
        ev("a2", "arrest", "2024-03-20"),
    )
    assert [(p.end, p.start_event) for p in periods] == [("2024-03-10", "s0"), (None, "a2")]
    assert not [p for p in problems if "ends no open custody period" in p]


@pytest.mark.parametrize("order", ["before", "after"])
def test_no_other_reading_is_said_of_a_start_that_would_only_continue_a_period(order: str) -> None:
    """A review's find: held since 5 January, released and re-arrested on 20 March, a
    remand "in March" is counted as the re-arrest; taken earlier it would only continue
    the period open since January, so there is no other reading to say."""
    rough = ev("d1", "pretrial_detention", "2024-03")
    gate = [ev("r1", "release", "2024-03-20"), ev("a2", "arrest", "2024-03-20")]
    periods, problems = held(
        ev("a1", "arrest", "2024-01-05"), *([rough, *gate] if order == "before" else [*gate, rough])
    )
    assert [(p.start, p.end) for p in periods] == [
        ("2024-01-05", "2024-03-20"),
        ("2024-03-20", None),
    ]
    assert problems == []


def test_a_rough_end_does_not_keep_a_rough_start_apart() -> None:
    """A review's find in the rule above: a release "in March" may come after the arrest
    of the 20th; it is no end certainly before it, and the rough arrest is that one."""
    periods, _problems = held(
        ev("a1", "arrest", "2011-03"),
        ev("r1", "release", "2011-03"),
        ev("a2", "arrest", "2011-03-20"),
    )
    assert [(p.start, p.end, p.days_min, p.days_max) for p in periods] == [
        ("2011-03-20", "2011-03", 0, 11)
    ]


def test_a_rough_start_merged_with_an_arrest_released_that_day_says_so() -> None:
    """Remanded "in May 2011", arrested on 20 May and released the same day: one start
    (no end lies certainly before the arrest), a period of 0 days. A review's find: the
    other reading (remanded earlier, released on the 20th at the gate and re-arrested)
    was not said; it is now."""
    periods, problems = held(
        ev("d1", "pretrial_detention", "2011-05"),
        ev("a1", "arrest", "2011-05-20"),
        ev("r1", "release", "2011-05-20"),
    )
    assert [(p.start, p.end, p.days) for p in periods] == [("2011-05-20", "2011-05-20", 0)]
    assert problems == [
        "p: pretrial_detention in 2011-05 (event d1) is counted as the arrest on 2011-05-20"
        " (event a1), but may be an earlier start, ended by the release that day (event r1)"
    ]


@pytest.mark.parametrize("release_first", [True, False])
def test_released_and_re_arrested_on_one_day_whatever_the_order_recorded(
    release_first: bool,
) -> None:
    gate = [ev("r1", "release", "2011-02-09"), ev("a2", "arrest", "2011-02-09")]
    periods, problems = held(
        ev("a1", "arrest", "2010-01-10"), *(gate if release_first else gate[::-1])
    )
    assert [(p.start, p.end) for p in periods] == [
        ("2010-01-10", "2011-02-09"),
        ("2011-02-09", None),
    ]
    assert problems == []


def test_a_rough_start_merged_with_an_arrest_says_it_may_be_a_later_one() -> None:
    periods, problems = held(
        ev("a1", "arrest", "2011-01-10"),
        ev("r1", "release", "2011-01-20"),
        ev("d1", "pretrial_detention", "2011-01"),
    )
    assert [(p.start, p.end) for p in periods] == [("2011-01-10", "2011-01-20")]
    assert problems == [
        "p: pretrial_detention in 2011-01 (event d1) is counted as the arrest on 2011-01-10"
        " (event a1), but may be a later start, after the release on 2011-01-20 (event r1)"
    ]


def test_house_arrest_in_the_month_of_the_arrest_follows_it() -> None:
    periods, problems = held(
        ev("h1", "house_arrest", "2011-02", place="Home"),
        ev("a1", "arrest", "2011-02-09", place="SIZO-1"),
    )
    assert [(p.kind, p.start, p.end, p.ended_by, p.facilities) for p in periods] == [
        ("custody", "2011-02-09", "2011-02", "house_arrest", ("SIZO-1",)),
        ("house_arrest", "2011-02", None, None, ("Home",)),
    ]
    # House arrest first, then custody, is as likely: the reading taken is said.
    assert problems == [
        "p: house_arrest in 2011-02 (event h1) may be before or after arrest on 2011-02-09"
        " (event a1); counted as after"
    ]
    # The house-arrest period begins no earlier than the custody it follows.
    assert (periods[1].days, periods[1].days_max) == (
        (AS_OF - datetime.date(2011, 2, 9)).days,
        (AS_OF - datetime.date(2011, 2, 9)).days,
    )


def test_a_verdict_that_may_precede_the_start_gives_the_pretrial_part_a_range() -> None:
    periods, _ = held(
        ev("a1", "arrest", "2010-05-01"),
        ev("s1", "sentence", "2010"),  # before or after the arrest: the source gives the year
        ev("r1", "release", "2012-05-01"),
    )
    (p,) = periods
    assert (p.pretrial_days, p.pretrial_days_min, p.pretrial_days_max) == (0, 0, 244)
    # Only the pretrial part is approximate: the days run between two known days.
    assert (p.approximate, p.pretrial_approximate) == (False, True)


@pytest.mark.parametrize(
    ("release", "approximate"),
    [
        # Released in March 2014, three years after the sentence: the pretrial part ended
        # at the sentence, between two known days, whatever day in March the release was.
        ("2014-03", False),
        ("2014", False),
        # Released "in January 2011": the sentence of the 16th is over for certain only
        # after the release may have come, so the pretrial days rest on the release too.
        ("2011-01", True),
        ("2010-01-10~", True),
        # "c. 17 January 2011": ~ marks the figures computed from that day and widens
        # nothing (docs/custody.md), so the release comes after the sentence of the
        # 16th and the pretrial days, between two known days, are exact.
        ("2011-01-17~", False),
    ],
)
def test_the_pretrial_days_are_approximate_only_by_the_dates_that_bound_them(
    release: str, approximate: bool
) -> None:
    """A new user's find: "~371" for pretrial days counted between two known days."""
    periods, _ = held(
        ev("a1", "arrest", "2010-01-10"),
        ev("s1", "sentence", "2011-01-16"),
        ev("r1", "release", release),
    )
    (p,) = periods
    assert p.approximate
    assert p.pretrial_approximate is approximate
    if not approximate:
        assert (p.pretrial_days, p.pretrial_days_min, p.pretrial_days_max) == (371, 371, 371)


def test_pretrial_days_after_a_conviction_before_a_rough_start_are_none_for_certain() -> None:
    """Convicted in absentia in 2008, arrested abroad "in December 2019": none of the days
    is pretrial, whichever day of December it was; an arrest "in 2008" is another matter."""
    (p,), _ = held(ev("s1", "sentence", "2008-05-01"), ev("a1", "arrest", "2019-12"))
    assert (p.approximate, p.pretrial_days, p.pretrial_approximate) == (True, 0, False)
    (q,), _ = held(ev("s1", "sentence", "2008-05-01"), ev("a1", "arrest", "2008"))
    assert (q.pretrial_days_min, q.pretrial_days_max, q.pretrial_approximate) == (0, 121, True)


# A start with no end where a later record implies one ---------------------------------------


@pytest.mark.parametrize("later", ["death", "emigration"])
def test_an_open_period_before_a_death_or_emigration_is_a_problem(later: str) -> None:
    periods, problems = held(ev("a1", "arrest", "2010-01-01"), ev("x1", later, "2012"))
    assert [p.ongoing for p in periods] == [True]  # counted as still running, and said so
    assert problems == [
        "p: custody from 2010-01-01 (event a1) has no recorded end, but"
        f" {later} on 2012 (event x1) implies one; the figures count it as still running"
    ]


def test_a_death_before_the_arrest_implies_no_end_but_is_said() -> None:
    _, problems = held(ev("x1", "death", "2009-01-01"), ev("a1", "arrest", "2010-01-01"))
    assert not any("implies one" in p for p in problems)
    assert [p.split(" begins after ")[0] for p in problems] == [
        "p: custody from 2010-01-01 (event a1)"
    ]


# The real facts (as data/events.csv records them) -------------------------------------------


def test_kudoyarov_died_in_custody_after_141_days() -> None:
    person = "andrei-kudoyarov"
    events = [
        Event(
            id="k1",
            case="kudoyarov",
            type="arrest",
            date="2011-05-20",
            persons=(person,),
            place="Moscow (his office at School No. 1308)",
        ),
        Event(
            id="k2",
            case="kudoyarov",
            type="pretrial_detention",
            date="2011-05",
            persons=(person,),
            place="SIZO No. 3 (11th Silikatny proezd), Moscow",
        ),
        Event(
            id="k3",
            case="kudoyarov",
            type="death_in_custody",
            date="2011-10-08",
            persons=(person,),
            place="SIZO No. 3, Moscow",
        ),
        Event(
            id="k4",
            case="kudoyarov",
            type="other",
            date="2011-10-11",
            persons=(person,),
            place="Moscow",
        ),
    ]
    assert custody([person], events, AS_OF) == Custody(
        periods=(
            period(
                "2011-05-20",
                "2011-10-08",
                141,
                person=person,
                ended_by="death_in_custody",
                start_event="k1",
                end_event="k3",
                facilities=(  # the day-precise arrest before the month-precise remand
                    "Moscow (his office at School No. 1308)",
                    "SIZO No. 3 (11th Silikatny proezd), Moscow",
                ),
            ),
        ),
        problems=(),
    )


def test_khodorkovsky_pardoned_after_ten_years_of_which_584_days_before_the_verdict() -> None:
    person = "mikhail-khodorkovsky"
    events = [
        Event(
            id="m1",
            case="yukos",
            type="arrest",
            date="2003-10-25",
            persons=(person,),
            place="Novosibirsk airport",
        ),
        Event(
            id="m2",
            case="yukos",
            type="sentence",
            date="2005-05-31",
            persons=(person, "platon-lebedev"),
            place="Meshchansky District Court, Moscow",
        ),
        Event(
            id="m3",
            case="yukos",
            type="transfer",
            date="2005-10-15",
            persons=(person,),
            place="Penal colony YaG-14/10, Krasnokamensk (Chita region)",
        ),
        Event(
            id="m4",
            case="yukos",
            type="pardon",
            date="2013-12-20",
            persons=(person,),
            place="Moscow",
        ),
        Event(
            id="m5",
            case="yukos",
            type="release",
            date="2013-12-20",
            persons=(person,),
            place="Penal colony IK-7, Segezha (Karelia)",
        ),
    ]
    assert custody([person], events, AS_OF) == Custody(
        periods=(
            period(
                "2003-10-25",
                "2013-12-20",
                3709,
                pretrial_days=584,
                person=person,
                ended_by="pardon",
                start_event="m1",
                end_event="m4",
                facilities=(
                    "Novosibirsk airport",
                    "Penal colony YaG-14/10, Krasnokamensk (Chita region)",
                ),
            ),
        ),
        problems=(),
    )


@pytest.mark.parametrize("when", ["2011", "2011-05", "2011-05-20"])
def test_a_death_whose_dates_reach_the_start_implies_an_end(when: str) -> None:
    _, problems = held(ev("a1", "arrest", "2011-05-20"), ev("x1", "death", when))
    assert problems == [
        "p: custody from 2011-05-20 (event a1) has no recorded end, but"
        f" death on {when} (event x1) implies one; the figures count it as still running"
    ]


def test_a_house_arrest_still_open_at_a_death_is_a_problem() -> None:
    _, problems = held(ev("h1", "house_arrest", "2012-01-01"), ev("x1", "death", "2013-03-01"))
    assert problems == [
        "p: house arrest from 2012-01-01 (event h1) has no recorded end, but"
        " death on 2013-03-01 (event x1) implies one; the figures count it as still running"
    ]


@pytest.mark.parametrize("death", ["death", "death_in_custody"])
def test_custody_that_begins_after_a_recorded_death_is_a_problem(death: str) -> None:
    """A dead man arrested five months later was counted "still held" for years, with
    nothing said: one of the two dates is wrong, and the figures say so."""
    periods, problems = held(ev("x1", death, "2009-11-16"), ev("a1", "arrest", "2010-05-01"))
    assert [(p.start, p.ongoing) for p in periods] == [("2010-05-01", True)]  # as recorded
    assert problems[-1] == (
        f"p: custody from 2010-05-01 (event a1) begins after {death} on 2009-11-16"
        f" (event x1); one of the two dates is wrong, and the figures count the custody"
        " as recorded"
    )


def test_house_arrest_that_begins_after_a_recorded_death_is_a_problem() -> None:
    _, problems = held(ev("x1", "death", "2009-11"), ev("h1", "house_arrest", "2010-01-10"))
    assert problems == [
        "p: house arrest from 2010-01-10 (event h1) begins after death on 2009-11 (event x1);"
        " one of the two dates is wrong, and the figures count the house arrest as recorded"
    ]


def test_a_start_after_a_recorded_death_that_continues_custody_is_a_problem() -> None:
    """A tester's find: held from 2010, dead in 2011, arrested again in 2012. The second
    arrest only continued the open period, where the check was never made: "still held
    3652 +", held at "SIZO; SIZO-2", and only the missing end said. The period and its
    facilities are counted as recorded (either date may be the wrong one); the arrest
    after the death is said, once, beside the end the death implies."""
    periods, problems = held(
        ev("a1", "arrest", "2010-01-01", place="SIZO"),
        ev("x1", "death", "2011-01-01"),
        ev("a2", "arrest", "2012-01-01", place="SIZO-2"),
    )
    assert periods == [
        period(
            "2010-01-01",
            None,
            3652,
            start_event="a1",
            end_event=None,
            facilities=("SIZO", "SIZO-2"),
        ),
    ]
    assert problems == [
        "p: arrest on 2012-01-01 (event a2) comes after death on 2011-01-01 (event x1);"
        " one of the two dates is wrong, and the figures count it as recorded, continuing"
        " custody from 2010-01-01 (event a1)",
        "p: custody from 2010-01-01 (event a1) has no recorded end, but death on 2011-01-01"
        " (event x1) implies one; the figures count it as still running",
    ]


@pytest.mark.parametrize("death", ["death", "death_in_custody"])
def test_each_start_after_a_recorded_death_is_said_once(death: str) -> None:
    """One problem for each start: the one that opens the period, and each that continues
    it (two events of one day are one start)."""
    _, problems = held(
        ev("x1", death, "2009-11-16"),
        ev("a1", "arrest", "2010-01-01"),
        ev("a2", "arrest", "2010-02-01"),
        ev("d2", "pretrial_detention", "2010-02-01"),
        ev("a3", "pretrial_detention", "2010-03"),
    )
    assert [p for p in problems if " after " in p] == [
        f"p: custody from 2010-01-01 (event a1) begins after {death} on 2009-11-16"
        " (event x1); one of the two dates is wrong, and the figures count the custody"
        " as recorded",
        f"p: arrest and pretrial_detention on 2010-02-01 (event a2, d2) comes after {death}"
        " on 2009-11-16 (event x1); one of the two dates is wrong, and the figures count it"
        " as recorded, continuing custody from 2010-01-01 (event a1)",
        f"p: pretrial_detention on 2010-03 (event a3) comes after {death} on 2009-11-16"
        " (event x1); one of the two dates is wrong, and the figures count it as recorded,"
        " continuing custody from 2010-01-01 (event a1)",
    ]


def test_a_house_arrest_order_after_a_recorded_death_that_continues_one_is_a_problem() -> None:
    _, problems = held(
        ev("h1", "house_arrest", "2010-01-01", place="her flat"),
        ev("x1", "death", "2011-01-01"),
        ev("h2", "house_arrest", "2012-01-01"),
    )
    assert problems[0] == (
        "p: house_arrest on 2012-01-01 (event h2) comes after death on 2011-01-01 (event x1);"
        " one of the two dates is wrong, and the figures count it as recorded, continuing"
        " house arrest from 2010-01-01 (event h1)"
    )
    assert len(problems) == 2 and "implies one" in problems[1]


@pytest.mark.parametrize("start", ["2011", "2011-01", "2011-01-01", "2010-12-31"])
def test_a_continuing_start_the_dates_allow_before_the_death_is_no_such_problem(
    start: str,
) -> None:
    _, problems = held(
        ev("a1", "arrest", "2010-01-01"),
        ev("x1", "death", "2011-01-01"),
        ev("a2", "pretrial_detention", start),
    )
    assert not any("comes after" in p for p in problems)


@pytest.mark.parametrize("arrest", ["2009-11", "2009", "2009-11-16", "2009-10-01"])
def test_a_start_the_dates_allow_before_the_death_is_no_such_problem(arrest: str) -> None:
    """Only a start certainly after the death (its earliest day after the death's latest)."""
    _, problems = held(ev("x1", "death", "2009-11-16"), ev("a1", "arrest", arrest))
    assert not any("begins after" in p for p in problems)
    _, problems = held(ev("x1", "death", "2009"), ev("a1", "arrest", "2009-12-31"))
    assert not any("begins after" in p for p in problems)


def test_a_re_arrest_inside_the_month_of_a_bail_is_never_lost_silently() -> None:
    """The second review's reproduction: arrested on the 3rd, bailed "in February",
    arrested again on the 20th. Taken last, the bail ends the custody; that the second
    arrest may have come after it (still held) is said."""
    periods, problems = held(
        ev("a1", "arrest", "2011-02-03"),
        ev("b1", "bail", "2011-02"),
        ev("a2", "arrest", "2011-02-20"),
    )
    assert [(p.start, p.end, p.ended_by) for p in periods] == [("2011-02-03", "2011-02", "bail")]
    assert problems == [
        "p: bail in 2011-02 (event b1) may be before or after arrest on 2011-02-20"
        " (event a2); counted as after"
    ]


def test_ends_taken_at_one_day_are_one_transition_not_an_end_of_nothing() -> None:
    """Two sources date one release "in December 2010" and "in 2010", with a remand on
    10 December between them: both are taken at 31 December, and the first closed the
    period while the second was said to end nothing. Ends taken at one day are one
    transition, dated where they overlap. (Found by the property test below, with two
    deaths in custody taken at the as-of day.)"""
    periods, problems = held(
        ev("a", "arrest", "2010-01-15"),
        ev("b", "pretrial_detention", "2010-12-10"),
        ev("r1", "release", "2010-12"),
        ev("r2", "release", "2010"),
    )
    assert [(p.start, p.end, p.ended_by, p.end_event) for p in periods] == [
        ("2010-01-15", "2010-12", "release", "r1")
    ]
    assert not [p for p in problems if "ends no open custody period" in p]
    periods, problems = held(
        ev("e0", "death_in_custody", "2010"),
        ev("e1", "arrest", "2010-01-01"),
        ev("e5", "arrest", "2010-01-02"),
        ev("e6", "death_in_custody", "2010-01"),
        as_of=datetime.date(2010, 1, 2),
    )
    assert [(p.start, p.end, p.ended_by) for p in periods] == [
        ("2010-01-01", "2010-01", "death_in_custody"),
        ("2010-01-02", None, None),
    ]
    assert problems == []


@pytest.mark.parametrize(
    "events",
    [
        # An end: release "c. 1 April", pardon "1 April".
        (("a1", "arrest", "2015-03-02"), ("r1", "release", "2015-04-01~"),
         ("p1", "pardon", "2015-04-01")),
        # A start: arrested "2 March?", remanded "2 March".
        (("a1", "arrest", "2015-03-02?"), ("d1", "pretrial_detention", "2015-03-02"),
         ("r1", "release", "2015-04-01")),
        (("a1", "arrest", "2015-03-02?"), ("d1", "pretrial_detention", "2015-03-02~"),
         ("r1", "release", "2015-04-01")),
    ],
)  # fmt: skip
def test_the_figures_do_not_depend_on_the_order_events_were_recorded(
    events: tuple[tuple[str, str, str], ...],
) -> None:
    """An adversary's find: the same events recorded in another order gave an end of
    "c. 2015-04-01" and "~30" days, or "2015-04-01" and 30: of two dates of one day, the
    first recorded gave the moment its date. The most certain does now."""
    seen = set()
    for order in itertools.permutations(events):
        periods, problems = held(*(ev(*e) for e in order))
        seen.add(
            tuple(
                (p.start, p.end, p.days, p.days_min, p.days_max, p.approximate, p.ended_by)
                for p in periods
            )
        )
        assert problems == []
    assert len(seen) == 1, seen
    ((first,),) = seen
    # The most certain date of the day: the unqualified one where there is one.
    assert (first[0], first[1]) == ("2015-03-02", "2015-04-01") or events[1][2].endswith("~")


def test_a_facility_known_to_the_month_belongs_to_the_custody_its_days_meet() -> None:
    """An adversary's find: a transfer "in January 2010" during custody from 10 January
    was left out of the period's facilities (its earliest day came before the arrest),
    while one "in June 2010" was kept for custody that ended on 1 June. Each is now
    taken as an end is: by whether its possible days meet the period's."""
    periods, _ = held(
        ev("a1", "arrest", "2010-01-10", place="IVS"),
        ev("t1", "transfer", "2010-01", place="SIZO-2"),
        ev("r1", "release", "2010-06-01"),
        ev("t2", "transfer", "2010-06", place="IK-9"),
        ev("t3", "transfer", "2010-07", place="Elsewhere"),  # after the release
        ev("t4", "transfer", "2009", place="Before"),  # the year before the arrest
    )
    assert [p.facilities for p in periods] == [("IVS", "SIZO-2", "IK-9")]
