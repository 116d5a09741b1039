"""Partial dates: read what people type, store EDTF, compare by bounds.

A date in a dossier is often known only to the month or the year ("October
2003"), or only roughly ("circa 2008"). `PartialDate` keeps exactly the
precision that was given and is stored as a small subset of EDTF: `YYYY`,
`YYYY-MM` or `YYYY-MM-DD`, optionally followed by `~` (approximate) or `?`
(uncertain). Its bounds are its first and last possible day.

`parse_date` reads the forms people actually type. ISO, dotted (always
day-first) and slash dates take a regex fast path; Russian month names are
looked up in a table; English month names are handed to dateutil, imported
only then because it is slow to import. dateutil fills missing fields from its
`default`, so we parse twice with two different defaults: a field that changes
was not given, and is left out rather than invented. Anything that would need a
guess (two-digit years, `03/04/2005` without --dayfirst/--monthfirst) is refused
with an `InvalidDate` that says how to fix it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

from dossier.errors import AmbiguousDate, InvalidDate

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# The same names and abbreviations dateutil knows; our own table lets us refuse
# words dateutil would skip or guess at, and name the month in messages.
_EN_MONTHS = (
    {name.lower(): n for n, name in enumerate(_MONTHS, 1)}
    | {name[:3].lower(): n for n, name in enumerate(_MONTHS, 1)}
    | {"sept": 9}
)
# Words dateutil skips between the parts of a date ("25th of October 2003").
_EN_FILLERS = frozenset({"st", "nd", "rd", "th", "of"})
# Nominative, genitive ("25 октября") and prepositional ("в октябре") forms, then
# the usual abbreviations.
_RU_MONTH_FORMS = (
    "январь января январе янв",
    "февраль февраля феврале фев февр",
    "март марта марте мар",
    "апрель апреля апреле апр",
    "май мая мае",
    "июнь июня июне июн",
    "июль июля июле июл",
    "август августа августе авг",
    "сентябрь сентября сентябре сен сент",
    "октябрь октября октябре окт",
    "ноябрь ноября ноябре ноя нояб",
    "декабрь декабря декабре дек",
)
_RU_MONTHS = {form: n for n, forms in enumerate(_RU_MONTH_FORMS, 1) for form in forms.split()}

# [0-9] rather than \d: \d also matches other scripts' digits, which int() accepts.
_EDTF = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([~?])?")
_ISO = re.compile(r"([0-9]{4})(?:([-/])([0-9]{1,2})(?:\2([0-9]{1,2}))?)?")
_DOTTED = re.compile(r"(?:([0-9]{1,2})\.)?([0-9]{1,2})\.([0-9]{4})")
_SLASHED = re.compile(r"(?:([0-9]{1,2})/)?([0-9]{1,2})/([0-9]{4})")
_RUSSIAN = re.compile(r"(?:([0-9]{1,2}) )?([а-яё]+)\.? ?([0-9]{4})")
_ENGLISH = re.compile(r"[a-z0-9 ,.-]+")
_INTERVAL = re.compile(
    r"[0-9]{4}(?:-[0-9]{1,2}){0,2} ?(?:/|\.\.|[-–—]) ?[0-9]{4}(?:-[0-9]{1,2}){0,2}"
)
_SHORT_YEAR = re.compile(r"(?:[0-9]{1,2}[./-]){0,2}[0-9]{1,2}")
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")  # 20031025: ISO's basic form
_LONG_YEAR = re.compile(r"0*([1-9][0-9]{4,})(?:-[0-9]{1,2}){0,2}")
_APPROXIMATE = re.compile(r"~ ?|(?:circa|about|around|approx|около|примерно|ca|c)(?:\. ?| )")
# "в октябре 2003 года", "в 2003 году" (in October 2003, in 2003): the words around it.
_RU_YEAR_WORD = re.compile(r"^в (?=[0-9а-яё])| ?(?:г\.?|года|году|год)$")

_FORMS = "use a form like 2003-10-25, 25.10.2003, October 2003 or 2003"
_MAX_LENGTH = 80  # far longer than any date; spares the parsers pathological input
# Two defaults that differ in every field: see the module docstring.
_DEFAULTS = (datetime.datetime(2000, 1, 1), datetime.datetime(2001, 2, 2))


@dataclass(frozen=True, slots=True, order=False)
class PartialDate:
    """A date known to the day, the month or the year, possibly approximate or uncertain."""

    year: int
    month: int | None = None
    day: int | None = None
    qualifier: str = ""  # "", "~" (approximate) or "?" (uncertain)
    # Bounds, sort key and stored form, computed once: custody and statistics
    # ask for them millions of times on a large dossier.
    _first: datetime.date = field(init=False, repr=False, compare=False)
    _last: datetime.date = field(init=False, repr=False, compare=False)
    _key: tuple[int, int] = field(init=False, repr=False, compare=False)
    _edtf: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (
            type(self.year) is int
            and (self.month is None or type(self.month) is int)
            and (self.day is None or type(self.day) is int)
        ):  # PartialDate("2008") raised TypeError; PartialDate(True) was the year 1
            raise InvalidDate(
                "invalid date: year, month and day must be whole numbers (month and day"
                f" may be None), not {self.year!r}, {self.month!r}, {self.day!r};"
                " dossier.parse_date reads a date from text"
            )
        problem = _problem(self.year, self.month, self.day, self.qualifier)
        if problem:
            raise InvalidDate(f"invalid date: {problem}")
        first = datetime.date(self.year, self.month or 1, self.day or 1)
        if self.month is None:
            last = datetime.date(self.year, 12, 31)
        else:
            last = first if self.day else first.replace(day=_days_in_month(self.year, self.month))
        rank = 2 if self.day is not None else (0 if self.month is None else 1)
        object.__setattr__(self, "_first", first)
        object.__setattr__(self, "_last", last)
        object.__setattr__(self, "_key", (first.toordinal(), rank))
        object.__setattr__(self, "_edtf", self._plain() + self.qualifier)

    @classmethod
    def from_edtf(cls, text: str) -> PartialDate:
        """Read a stored EDTF string strictly: YYYY, YYYY-MM or YYYY-MM-DD, then ~ or ?."""
        match = _EDTF.fullmatch(text)
        if match is None:
            raise InvalidDate(
                f"cannot read EDTF date {_quote(text)}: "
                "expected YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~ or ?"
            )
        year, month, day = int(match[1]), _int(match[2]), _int(match[3])
        qualifier = match[4] or ""
        try:
            return cls(year, month, day, qualifier)
        except InvalidDate:
            problem = _problem(year, month, day, qualifier)
            raise InvalidDate(f"cannot read EDTF date {_quote(text)}: {problem}") from None

    @property
    def edtf(self) -> str:
        """The stored form: '2003-10-25', '2003-10', '2003', '2008~', '2008?'."""
        return self._edtf

    def __str__(self) -> str:
        return self.edtf

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year'."""
        if self.day is not None:
            return "day"
        return "year" if self.month is None else "month"

    @property
    def approximate(self) -> bool:
        """True for '~' (circa)."""
        return self.qualifier == "~"

    @property
    def uncertain(self) -> bool:
        """True for '?' (possibly wrong)."""
        return self.qualifier == "?"

    @property
    def first_day(self) -> datetime.date:
        """The earliest day the date can mean."""
        return self._first

    @property
    def last_day(self) -> datetime.date:
        """The latest day the date can mean; '~' and '?' do not widen it."""
        return self._last

    @property
    def sort_key(self) -> tuple[int, int]:
        """Earliest possible day, then less precise first."""
        return self._key

    def display(self) -> str:
        """Short form for the terminal: '2003-10-25', 'c. 2008', '2003-10?'."""
        if self.approximate:
            return "c. " + self._plain()
        return self.edtf

    def long(self) -> str:
        """Long form for reports: '16 November 2009', 'c. November 2009', '2009?'."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text = f"{_MONTHS[self.month - 1]} {text}"
        if self.day is not None:
            text = f"{self.day} {text}"
        if self.approximate:
            return "c. " + text
        return text + ("?" if self.uncertain else "")

    def _plain(self) -> str:
        return _edtf_text(self.year, self.month, self.day)


def parse_date(text: str, *, dayfirst: bool | None = None) -> PartialDate:
    """Read a date as people type it; never invent precision."""
    if not isinstance(text, str):  # None or 2008 raised AttributeError
        hint = (
            f" (for a day, {datetime.date(text.year, text.month, text.day).isoformat()!r})"
            if isinstance(text, datetime.date)
            else " (a year as '2008')"
            if type(text) is int
            else ""
        )
        raise InvalidDate(f"cannot read date {text!r}: a date is read from text{hint}; {_FORMS}")
    return _parse(text, dayfirst)


# Imports read the same dates over and over; a PartialDate is immutable, so the
# answer can be shared (errors are not cached: they are raised anew each time).
@lru_cache(maxsize=1 << 16)
def _parse(text: str, dayfirst: bool | None) -> PartialDate:
    common = _common_form(text)
    return common if common is not None else _full(text, dayfirst)


def _full(text: str, dayfirst: bool | None) -> PartialDate:
    """The full reader, for every form (the common ones take _common_form first)."""
    text = text.strip()
    shown = _quote(text)
    if len(text) > _MAX_LENGTH:
        raise InvalidDate(f"cannot read date {shown}: too long to be a date; {_FORMS}")
    # Collapsing whitespace also turns the no-break spaces of "2003 г." into spaces.
    body, qualifier = _split_qualifier(" ".join(text.split()).lower(), shown)
    body = _RU_YEAR_WORD.sub("", body)
    if not body:
        raise InvalidDate(f"cannot read date {shown}: no date given; {_FORMS}")
    year, month, day = _read_fields(body, shown, dayfirst)
    problem = _problem(year, month, day, qualifier)
    if problem:
        raise InvalidDate(f"cannot read date {shown}: {problem}")
    return PartialDate(year, month, day, qualifier)


def _common_form(text: str) -> PartialDate | None:
    """2003-10-25, 25.10.2003, 2003-10 and 2003 by slicing: most of what imports read.

    None for anything else, or anything invalid: the full reader then decides, and
    words the error.
    """
    fields = _common_fields(text)
    return None if fields is None else PartialDate(*fields)


def common_edtf(text: str) -> str | None:
    """The EDTF form of a date in a common form (see _common_form), or None.

    What an import stores, without building a PartialDate: an import of
    100,000 events meets some 20,000 different dates.
    """
    fields = _common_fields(text)
    return None if fields is None else _edtf_text(*fields)


def _common_fields(text: str) -> tuple[int, int | None, int | None] | None:
    if not text.isascii():
        return None
    n = len(text)
    if n == 10 and text[4] == "-" and text[7] == "-":
        y, m, d = text[:4], text[5:7], text[8:]
    elif n == 10 and text[2] == "." and text[5] == ".":
        y, m, d = text[6:], text[3:5], text[:2]
    elif n == 7 and text[4] == "-":
        y, m, d = text[:4], text[5:], ""
    elif n == 4:
        y, m, d = text, "", ""
    else:
        return None
    if not (y.isdigit() and (not m or m.isdigit()) and (not d or d.isdigit())):
        return None
    year, month, day = int(y), int(m or 0), int(d or 0)
    # A day given is a day: "2011-05-00" is not May 2011 (the full reader says why).
    if year == 0 or (
        n > 4 and not (1 <= month <= 12 and (1 if d else 0) <= day <= _days_in_month(year, month))
    ):
        return None
    return year, month or None, day or None


@lru_cache(maxsize=1 << 16)
def stored(edtf: str) -> PartialDate:
    """The PartialDate of a stored EDTF string (cached: dates repeat across many events)."""
    return PartialDate.from_edtf(edtf)


def show(edtf: str | None) -> str:
    """A stored date as people read it (ISO at its precision, 'c. 2008'); '' for None."""
    return stored(edtf).display() if edtf else ""


def edtf_bounds(edtf: str) -> tuple[datetime.date, datetime.date]:
    """First and last possible day of a stored EDTF date."""
    date = stored(edtf)
    return date.first_day, date.last_day


def today() -> datetime.date:
    """Today in UTC: the default as-of date, and the day after which a date is in the future."""
    return datetime.datetime.now(datetime.UTC).date()


def begins_after(edtf: str, day: datetime.date) -> bool:
    """Whether a stored date's earliest possible day is after `day`.

    The string comparison first answers most calls without parsing: a stored
    date that sorts at or before the ISO day cannot begin after it (a qualifier
    only makes the string larger, and a shorter prefix sorts first).
    """
    return edtf > day.isoformat() and stored(edtf).first_day > day


def days_between(a: datetime.date, b: datetime.date) -> int:
    """Days from a to b (negative if b is earlier)."""
    return (b - a).days


def _read_fields(
    body: str, shown: str, dayfirst: bool | None
) -> tuple[int, int | None, int | None]:
    """Year, month and day from a lower-cased date without qualifiers."""
    if match := _ISO.fullmatch(body):
        return int(match[1]), _int(match[3]), _int(match[4])
    if match := _DOTTED.fullmatch(body):
        return int(match[3]), int(match[2]), _int(match[1])
    if match := _SLASHED.fullmatch(body):
        return _read_slashed(match, shown, dayfirst)
    if match := _RUSSIAN.fullmatch(body):
        month = _RU_MONTHS.get(match[2])
        if month is None:
            raise InvalidDate(f"cannot read date {shown}: unknown month name {match[2]!r}")
        return int(match[3]), month, _int(match[1])
    if _INTERVAL.fullmatch(body):
        raise InvalidDate(
            f"cannot read date {shown}: a range is not one date; give its start here "
            "and record the end separately"
        )
    if _SHORT_YEAR.fullmatch(body):
        raise InvalidDate(f"cannot read date {shown}: write the year with four digits")
    if (match := _COMPACT.fullmatch(body)) and 1 <= int(match[2]) <= 12:
        # Not guessed: eight digits may be a reference number as well as a day.
        raise InvalidDate(
            f"cannot read date {shown}: write it with hyphens,"
            f" {match[1]}-{match[2]}-{match[3]}, if that is the day meant"
        )
    if match := _LONG_YEAR.fullmatch(body):  # 10000, 10000-01-01: four digits too many
        raise InvalidDate(f"cannot read date {shown}: {_problem(int(match[1]), None, None, '')}")
    if re.search("[a-z]", body):
        return _read_english(body, shown)
    raise InvalidDate(f"cannot read date {shown}: {_FORMS}")


def _read_slashed(
    match: re.Match[str], shown: str, dayfirst: bool | None
) -> tuple[int, int | None, int | None]:
    first, second, year = _int(match[1]), int(match[2]), int(match[3])
    if first is None:  # "4/2005" can only be month/year
        return year, second, None
    if dayfirst is None:
        if first <= 12 and second <= 12 and first != second:
            raise AmbiguousDate(
                shown,
                f"{year:04d}-{second:02d}-{first:02d}",
                f"{year:04d}-{first:02d}-{second:02d}",
            )
        # Unambiguous: a part over 12 must be the day (or both are equal).
        dayfirst = first > 12
    day, month = (first, second) if dayfirst else (second, first)
    return year, month, day


def _read_english(body: str, shown: str) -> tuple[int, int | None, int | None]:
    # Check the words first: without fuzzy parsing dateutil still skips some words,
    # reads two-digit years and guesses numeric orders, all of which we refuse.
    if not _ENGLISH.fullmatch(body):
        raise InvalidDate(f"cannot read date {shown}: {_FORMS}")
    words = re.findall("[a-z]+", body)
    for word in words:
        if word not in _EN_MONTHS and word not in _EN_FILLERS:
            raise InvalidDate(f"cannot read date {shown}: unknown word {word!r}; {_FORMS}")
    months = [_EN_MONTHS[word] for word in words if word in _EN_MONTHS]
    numbers = re.findall("[0-9]+", body)
    years = [int(n) for n in numbers if len(n) == 4]
    days = [int(n) for n in numbers if len(n) <= 2]
    if longer := [n for n in numbers if len(n) > 4]:
        raise InvalidDate(f"cannot read date {shown}: {_problem(int(longer[0]), None, None, '')}")
    if not years:
        raise InvalidDate(f"cannot read date {shown}: write the year with four digits")
    if len(months) != 1 or len(years) != 1 or len(days) > 1 or len(days) + 1 != len(numbers):
        raise InvalidDate(f"cannot read date {shown}: {_FORMS}")
    expected = (years[0], months[0], days[0] if days else None)
    # Checked here so that the message matches the other forms' messages.
    problem = _problem(*expected, "")
    if problem:
        raise InvalidDate(f"cannot read date {shown}: {problem}")

    from dateutil import parser

    try:
        a, b = (parser.parse(body, default=default) for default in _DEFAULTS)
    except (parser.ParserError, OverflowError, ValueError) as error:
        raise InvalidDate(f"cannot read date {shown}: {_FORMS}") from error
    read = (
        a.year if a.year == b.year else None,
        a.month if a.month == b.month else None,
        a.day if a.day == b.day else None,
    )
    # dateutil's reading must agree with the words: it turns years below 100
    # into this century, for one.
    if read != expected:
        hint = PartialDate(*expected).edtf
        raise InvalidDate(f"cannot read date {shown}: write it as {hint}")
    return expected


def _split_qualifier(body: str, shown: str) -> tuple[str, str]:
    """Take '~', 'circa', 'c.'... and a trailing '?' or '~' off a date."""
    qualifiers: set[str] = set()
    if match := _APPROXIMATE.match(body):
        qualifiers.add("~")
        body = body[match.end() :]
    trailing: set[str] = set()
    while body.endswith(("~", "?")) and body[-1] not in trailing:  # "2008~?": both, said
        trailing.add(body[-1])
        body = body[:-1].rstrip()
    qualifiers |= trailing
    if len(qualifiers) > 1:
        raise InvalidDate(
            f"cannot read date {shown}: it cannot be both approximate (~) and uncertain (?); "
            "keep one"
        )
    return body, qualifiers.pop() if qualifiers else ""


def _problem(year: int, month: int | None, day: int | None, qualifier: str) -> str | None:
    """What is wrong with these fields, or None."""
    if not 1 <= year <= 9999:
        return f"year {year} is out of range 1..9999"
    if month is None:
        if day is not None:
            return "a day needs a month"
    elif not 1 <= month <= 12:
        return f"month {month} is out of range 1..12"
    elif day is not None and not 1 <= day <= _days_in_month(year, month):
        return f"day {day} is out of range for {_MONTHS[month - 1]} {year}"
    if qualifier not in ("", "~", "?"):
        return f"qualifier {qualifier!r} must be '', '~' or '?'"
    return None


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    # Not calendar.monthrange: importing calendar imports locale, which costs start-up time.
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month]


def _edtf_text(year: int, month: int | None, day: int | None) -> str:
    """'2003-10-25', '2003-10' or '2003': the EDTF of a date without qualifier."""
    if day is not None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}" if month is not None else f"{year:04d}"


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


def _quote(text: str) -> str:
    # repr escapes control characters and newlines; cutting keeps the message one line.
    return repr(text if len(text) <= 40 else text[:40] + "…")
