"""Partial dates: parsing what people type, EDTF round trips, bounds and order."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import Run
from dossier.dates import PartialDate, days_between, edtf_bounds, parse_date
from dossier.errors import InvalidDate


@pytest.mark.parametrize(
    ("text", "edtf"),
    [
        # EDTF and ISO, as is
        ("2006-04-06", "2006-04-06"),
        ("2009-01", "2009-01"),
        ("2008", "2008"),
        ("2008~", "2008~"),
        ("2008?", "2008?"),
        ("2003-10-25~", "2003-10-25~"),
        ("  2003-10-25 \n", "2003-10-25"),
        ("2003/10/25", "2003-10-25"),
        # dotted: always day-first
        ("06.04.2006", "2006-04-06"),
        ("6.4.2006", "2006-04-06"),
        ("10.2003", "2003-10"),
        ("06.04.2006 г.", "2006-04-06"),
        ("06.04.2006 г", "2006-04-06"),
        ("06.04.2006 года", "2006-04-06"),
        # English month names
        ("January 2009", "2009-01"),
        ("Jan 2009", "2009-01"),
        ("Jan. 2009", "2009-01"),
        ("JANUARY 2009", "2009-01"),
        ("Sept 2003", "2003-09"),
        ("25 October 2003", "2003-10-25"),
        ("October 25, 2003", "2003-10-25"),
        ("25 Oct 2003", "2003-10-25"),
        ("25th of October 2003", "2003-10-25"),
        ("29 February 2004", "2004-02-29"),
        # Russian month names
        ("25 октября 2003", "2003-10-25"),
        ("25 октября 2003 года", "2003-10-25"),
        ("в октябре 2003", "2003-10"),  # in October 2003
        ("в октябре 2003 года", "2003-10"),
        ("в 2003 году", "2003"),
        ("январь 2009", "2009-01"),
        ("Январь 2009", "2009-01"),
        ("октябрь 2003 г.", "2003-10"),
        ("октябрь 2003\u00a0г.", "2003-10"),
        ("1 мая 2003", "2003-05-01"),
        ("янв. 2009", "2009-01"),
        ("окт. 2003", "2003-10"),
        # approximate
        ("circa 2008", "2008~"),
        ("c. 2008", "2008~"),
        ("c.2008", "2008~"),
        ("ca. 2008", "2008~"),
        ("about 2008", "2008~"),
        ("~2008", "2008~"),
        ("около 2008", "2008~"),
        ("Circa October 2003", "2003-10~"),
        ("c. 25.10.2003", "2003-10-25~"),
        ("около 25 октября 2003", "2003-10-25~"),
        # uncertain
        ("October 2003?", "2003-10?"),
        ("25.10.2003?", "2003-10-25?"),
        # slash dates that are not ambiguous
        ("13/04/2005", "2005-04-13"),
        ("04/13/2005", "2005-04-13"),
        ("04/04/2005", "2005-04-04"),
        ("4/2005", "2005-04"),
    ],
)
def test_parse_date(text: str, edtf: str) -> None:
    assert parse_date(text).edtf == edtf


@pytest.mark.parametrize(
    ("dayfirst", "edtf"),
    [(True, "2005-04-03"), (False, "2005-03-04")],
)
def test_slash_dates_follow_dayfirst(dayfirst: bool, edtf: str) -> None:
    assert parse_date("03/04/2005", dayfirst=dayfirst).edtf == edtf


def test_ambiguous_slash_date_names_both_options() -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_date("03/04/2005")
    assert str(caught.value) == (
        "ambiguous date '03/04/2005': write 2005-04-03 (day first) or 2005-03-04 (month"
        " first), or pass --dayfirst or --monthfirst"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("log", "aleksanyan", "arrest", "03/04/2005"), "ambiguous date '03/04/2005': write"
         " 2005-04-03 (day first) or 2005-03-04 (month first), or pass --dayfirst or --monthfirst"),
        (("timeline", "aleksanyan", "--from", "03/04/2005"), "--from: ambiguous date"
         " '03/04/2005': write 2005-04-03 (day first) or 2005-03-04 (month first)"),
        (("stats", "--as-of", "03/04/2005"), "--as-of: ambiguous date '03/04/2005': write"
         " 2005-04-03 (day first) or 2005-03-04 (month first)"),
        (("person", "add", "X", "--born", "03/04/1970"), "--born: ambiguous date '03/04/1970':"
         " write 1970-04-03 (day first) or 1970-03-04 (month first)"),
    ],
)  # fmt: skip
def test_an_ambiguous_date_offers_only_the_options_its_command_has(
    aleksanyan: Run, args: tuple[str, ...], said: str
) -> None:
    # A timeline has no --dayfirst: its error offered one, which then was "No such option".
    result = aleksanyan(*args)
    assert (result.exit_code, result.stderr) == (1, f"Error: {said}\n")


def test_monthfirst_is_followed_even_when_it_makes_no_sense() -> None:
    with pytest.raises(InvalidDate, match="month 25 is out of range"):
        parse_date("25/04/2005", dayfirst=False)


def test_dotted_dates_ignore_dayfirst() -> None:
    assert parse_date("06.04.2006", dayfirst=False).edtf == "2006-04-06"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31.02.2003", "cannot read date '31.02.2003': day 31 is out of range for February 2003"),
        ("31 February 2003", "day 31 is out of range for February 2003"),
        ("", "no date given"),
        ("   ", "no date given"),
        ("~", "no date given"),
        ("05", "write the year with four digits"),
        ("Oct 03", "write the year with four digits"),
        ("03.04.05", "write the year with four digits"),
        ("2003-13", "month 13 is out of range"),
        ("0000", "year 0 is out of range"),
        ("yesterday", "unknown word 'yesterday'"),
        ("next week", "unknown word 'next'"),
        ("Monday", "unknown word 'monday'"),
        ("25 октобря 2003", "unknown month name 'октобря'"),
        ("garbage!", "use a form like"),
        ("-2003", "use a form like"),
        ("10:30 25 October 2003", "use a form like"),
        ("October November 2003", "use a form like"),
        ("October 2003 2004", "use a form like"),
        ("10 25 2003", "use a form like"),
        ("2003/2005", "a range is not one date"),
        ("2003..2005", "a range is not one date"),
        ("2003-2005", "a range is not one date"),
        ("~2008?", "both approximate (~) and uncertain (?)"),
        ("2008~?", "both approximate (~) and uncertain (?)"),
        ("2003-10?~", "both approximate (~) and uncertain (?)"),
        ("2008??", "use a form like"),  # a mark once, as EDTF has it
        ("10000", "year 10000 is out of range 1..9999"),
        ("10000-01-01", "year 10000 is out of range 1..9999"),
        ("October 10000", "year 10000 is out of range 1..9999"),
        ("в", "use a form like"),
        ("20031025", "write it with hyphens, 2003-10-25, if that is the day meant"),
        ("20031325", "year 20031325 is out of range"),
        ("\x00", "use a form like"),
        ("2008\x00", "use a form like"),
        ("😀", "use a form like"),
        ("2️⃣0️⃣0️⃣8️⃣", "use a form like"),
        ("٢٠٠٨", "use a form like"),  # Arabic-Indic digits: int() would take them
        ("x" * 10_000, "too long to be a date"),
        ("April 0005", "write it as 0005-04"),  # dateutil would read 2005
    ],
)
def test_invalid_dates(text: str, message: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_date(text)
    error = str(caught.value)
    assert message in error
    assert "\n" not in error
    assert len(error) < 200  # long input is cut in the message


@pytest.mark.parametrize(
    "text",
    ["", "2003-1", "2003-10-5", "03", "2003-10-25~?", "c. 2008", "2003/10/25", " 2003", "0000"],
)
def test_from_edtf_is_strict(text: str) -> None:
    with pytest.raises(InvalidDate):
        PartialDate.from_edtf(text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((2003, 2, 29), "day 29 is out of range for February 2003"),
        ((2003, None, 5), "a day needs a month"),
        ((2003, 0), "month 0 is out of range"),
        ((10_000,), "year 10000 is out of range"),
        ((0,), "year 0 is out of range"),
    ],
)
def test_constructor_validates(fields: tuple[int | None, ...], message: str) -> None:
    with pytest.raises(InvalidDate, match=message):
        PartialDate(*fields)  # type: ignore[arg-type]


def test_constructor_validates_qualifier() -> None:
    with pytest.raises(InvalidDate, match="qualifier"):
        PartialDate(2008, qualifier="%")


@pytest.mark.parametrize(
    ("edtf", "first", "last", "precision"),
    [
        ("2003-10", "2003-10-01", "2003-10-31", "month"),
        ("2004-02", "2004-02-01", "2004-02-29", "month"),
        ("2003-02", "2003-02-01", "2003-02-28", "month"),
        ("2003-12", "2003-12-01", "2003-12-31", "month"),
        ("2008~", "2008-01-01", "2008-12-31", "year"),
        ("2008?", "2008-01-01", "2008-12-31", "year"),
        ("2003-10-25", "2003-10-25", "2003-10-25", "day"),
        ("9999-12", "9999-12-01", "9999-12-31", "month"),
    ],
)
def test_bounds(edtf: str, first: str, last: str, precision: str) -> None:
    date = PartialDate.from_edtf(edtf)
    bounds = (datetime.date.fromisoformat(first), datetime.date.fromisoformat(last))
    assert (date.first_day, date.last_day) == bounds
    assert edtf_bounds(edtf) == bounds
    assert date.precision == precision


def test_sort_order() -> None:
    edtfs = ["2003-10-25", "2003-10-01", "2003-10", "2003", "2002-12-31"]
    dates = sorted((PartialDate.from_edtf(e) for e in edtfs), key=lambda d: d.sort_key)
    assert [d.edtf for d in dates] == ["2002-12-31", "2003", "2003-10", "2003-10-01", "2003-10-25"]


@pytest.mark.parametrize(
    ("edtf", "display", "long"),
    [
        ("2009-11-16", "2009-11-16", "16 November 2009"),
        ("2009-11-06", "2009-11-06", "6 November 2009"),
        ("2009-11", "2009-11", "November 2009"),
        ("2009", "2009", "2009"),
        ("2008~", "c. 2008", "c. 2008"),
        ("2003-10~", "c. 2003-10", "c. October 2003"),
        ("2008?", "2008?", "2008?"),
        ("2003-10-25?", "2003-10-25?", "25 October 2003?"),
    ],
)
def test_display_and_long(edtf: str, display: str, long: str) -> None:
    date = PartialDate.from_edtf(edtf)
    assert (str(date), date.display(), date.long()) == (edtf, display, long)


def test_qualifier_properties() -> None:
    assert PartialDate(2008, qualifier="~").approximate
    assert not PartialDate(2008, qualifier="~").uncertain
    assert PartialDate(2008, qualifier="?").uncertain
    assert not PartialDate(2008).approximate


def test_edtf_bounds_rejects_bad_input() -> None:
    with pytest.raises(InvalidDate):
        edtf_bounds("October 2003")


def test_days_between() -> None:
    assert days_between(datetime.date(2003, 10, 1), datetime.date(2003, 10, 31)) == 30


@st.composite
def partial_dates(draw: st.DrawFn, min_year: int = 1) -> PartialDate:
    day = draw(st.dates(min_value=datetime.date(min_year, 1, 1)))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    qualifier = draw(st.sampled_from(["", "~", "?"]))
    return PartialDate(
        day.year,
        None if precision == "year" else day.month,
        day.day if precision == "day" else None,
        qualifier,
    )


@given(partial_dates())
def test_edtf_round_trip(date: PartialDate) -> None:
    assert PartialDate.from_edtf(date.edtf) == date
    assert parse_date(date.edtf) == date
    assert date.first_day <= date.last_day
    assert edtf_bounds(date.edtf) == (date.first_day, date.last_day)


# dateutil reads years below 100 as this century's, so English forms need the
# years that dossiers actually hold.
@given(partial_dates(min_year=1000))
def test_long_round_trip(date: PartialDate) -> None:
    assert parse_date(date.long()) == date


@given(st.text(max_size=40))
def test_any_text_gives_a_date_or_invalid_date(text: str) -> None:
    try:
        date = parse_date(text)
    except InvalidDate as error:
        assert "\n" not in str(error)
    else:
        assert date.first_day <= date.last_day


# Random text rarely looks like a date; pieces of dates reach the deeper branches.
_PIECES = [*"0123456789./-~? ,", "2003", "Oct", "October", "of", "c. ", "октября", "г.", "th"]


@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_date_like_text_gives_a_date_or_invalid_date(text: str) -> None:
    try:
        date = parse_date(text)
    except InvalidDate as error:
        assert "\n" not in str(error)
    else:
        assert PartialDate.from_edtf(date.edtf) == date


def test_days_in_month_agrees_with_the_calendar() -> None:
    import calendar

    from dossier.dates import _days_in_month

    for year in range(1, 10000):
        for month in range(1, 13):
            assert _days_in_month(year, month) == calendar.monthrange(year, month)[1]


@example("2011-05-00")  # a day of 0 was read as May 2011
@example("00.05.2011")
@example("2011-00")
@given(
    st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
        st.dates().map(lambda d: d.isoformat()[:7]),
        st.from_regex(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}|[0-9]{4}(-[0-9]{2}){0,2}", fullmatch=True),
        st.text(max_size=12),
    )
)
def test_the_slicing_shortcut_agrees_with_the_full_reader(text: str) -> None:
    """Imports store common_edtf(text) when it has an answer, and parse_date takes the
    same shortcut: the same answer as the full reader's, and none where it refuses."""
    from dossier.dates import _full, common_edtf

    short = common_edtf(text)
    try:
        full = _full(text, None).edtf
    except InvalidDate:
        assert short is None
    else:
        assert short in (None, full)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (None, "cannot read date None: a date is read from text;"),
        (2008, "cannot read date 2008: a date is read from text (a year as '2008');"),
        (datetime.date(2003, 10, 25), "a date is read from text (for a day, '2003-10-25');"),
        (datetime.datetime(2003, 10, 25, 9), "(for a day, '2003-10-25');"),
    ],
)
def test_parse_date_refuses_what_is_not_text(given: Any, words: str) -> None:
    """An adversarial run of the Python API: parse_date(None) and parse_date(2008)
    raised AttributeError, not a DossierError."""
    with pytest.raises(InvalidDate) as raised:
        parse_date(given)
    assert words in str(raised.value)


@pytest.mark.parametrize("fields", [("2008",), (True,), (2008.0,), (None,), (2008, "10")])
def test_a_partial_date_is_made_of_whole_numbers(fields: tuple[Any, ...]) -> None:
    """PartialDate("2008") raised TypeError, and PartialDate(True) was the year 1."""
    with pytest.raises(InvalidDate, match="must be whole numbers"):
        PartialDate(*fields)
