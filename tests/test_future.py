"""Dates after today (issue 13, item 5): checked when an event is written, never on load.

A date whose earliest possible day is after today (UTC) is refused for an event that
must already have happened (an arrest, a death, ill-treatment) unless
`--allow-future`, and written with a warning for one that may be scheduled (a
hearing, an extradition request, a statement). The one rule is
`contract.future_date`; `ops` (log, event edit) and the importer (both of its paths)
call it, the loader never does.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import Result

from conftest import Run, Snapshot, made, opened
from dossier import contract, dates, ops
from dossier.dates import PartialDate
from dossier.errors import InvalidValue
from dossier.io import importer
from dossier.model import Case, Event, Person
from dossier.store import Dossier
from dossier.vocab import EVENT_TYPES, SCHEDULABLE, Effect


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Today in UTC, held for the test: a test that runs over midnight still compares
    against the day it computed its dates from."""
    day = dates.today()
    monkeypatch.setattr(dates, "today", lambda: day)
    return day


@pytest.fixture
def kozlov(run: Run, db: Path, today: datetime.date) -> Run:
    """A dossier with the case `kozlov`, one person and an arrest in the past."""
    made(db, "test_future: kozlov", lambda: _kozlov(run))
    return run


def _kozlov(run: Run) -> None:
    assert run("case", "add", "kozlov", "--title", "Kozlov").exit_code == 0
    result = run("person", "add", "Aleksei Kozlov", "--case", "kozlov", "--role", "defendant")
    assert result.exit_code == 0, result.output
    assert run("log", "kozlov", "arrest", "2008-05-20", "-p", "aleksei-kozlov").exit_code == 0


def refused(result: Result, before: Snapshot, message: str) -> None:
    """Exit 1, exactly this one `Error:` line on stderr, nothing on stdout, the file as it was."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"
    before.assert_unchanged()


def written(result: Result, warning: str | None = None) -> str:
    """Exit 0, with this warning (or none) on stderr; the printed event id."""
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"Warning: {warning}\n" if warning else "")
    return result.stdout.strip()


def must_have_happened(value: str, today: datetime.date, kind: str, field: str = "date") -> str:
    return (
        f"{field}: {value} is after today ({today}): {kind} events must already have"
        f" happened; correct the {field}, or pass --allow-future to record it anyway"
    )


def scheduled(value: str, today: datetime.date, kind: str, field: str = "date") -> str:
    word = "on" if field == "date" else "ending"
    return f"{field}: {kind} {word} {value} is after today ({today}): recorded as scheduled"


def allowed(value: str, today: datetime.date, kind: str, field: str = "date") -> str:
    word = "on" if field == "date" else "ending"
    return (
        f"{field}: {kind} {word} {value} is after today ({today}): recorded anyway (--allow-future)"
    )


def stored_events(db: Path) -> dict[str, dict[str, Any]]:
    return dict(opened(db).events.raw)


def next_month(today: datetime.date) -> str:
    return f"{today.year + 1}-01" if today.month == 12 else f"{today.year}-{today.month + 1:02d}"


# The rule ---------------------------------------------------------------------


def test_which_types_may_be_scheduled() -> None:
    assert "hearing" in SCHEDULABLE and "extradition_request" in SCHEDULABLE
    assert {"statement", "other"} <= SCHEDULABLE
    must = {t for t in EVENT_TYPES if t not in SCHEDULABLE}
    assert "death" in must and "ill_treatment" in must and "death_in_custody" in must
    for kind in must - {"death"}:
        assert EVENT_TYPES[kind] in (Effect.START, Effect.END, Effect.DURING)


DAY = datetime.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("date", "end", "future"),
    [
        ("2026-12-04", None, None),  # today is not after today
        ("2026-12-05", None, "date"),
        ("2026-12-05?", None, "date"),
        ("2026-12-05~", None, "date"),
        ("2026-12", None, None),  # its earliest day, 1 December, has passed
        ("2026-12~", None, None),
        ("2026", None, None),
        ("2026~", None, None),  # sorts after '2026-12-04' as text; not after today
        ("2026?", None, None),
        ("2027-01", None, "date"),
        ("2027", None, "date"),
        ("9999", None, "date"),
        ("2026-11-30", "2026-12-04", None),
        ("2026-11-30", "2026-12-05", "end"),
        ("2026-11-30", "2027?", "end"),
        ("2026-11-30", "2026~", None),
        ("2027", "2028", "date"),  # the date first: one fault a record
    ],
)
def test_after_today_means_the_earliest_possible_day_is_after_it(
    date: str, end: str | None, future: str | None
) -> None:
    raw = {**contract.blank("events"), "type": "arrest", "date": date, "end": end}
    found = contract.future_date(raw, DAY)
    assert (found.field if found else None) == future
    if found is not None:
        assert found.refused
        value = raw[found.field]
        assert str(found) == must_have_happened(value, DAY, "arrest", found.field)


def test_a_scheduled_type_is_a_warning_and_allow_future_turns_a_refusal_into_one() -> None:
    hearing = {**contract.blank("events"), "type": "hearing", "date": "2027-01-15"}
    found = contract.future_date(hearing, DAY)
    assert found is not None and not found.refused
    assert str(found) == scheduled("2027-01-15", DAY, "hearing")
    # Allowing does not make a scheduled date quieter.
    assert contract.future_date(hearing, DAY, allow_future=True) == found
    death = {**contract.blank("events"), "type": "death", "date": "2026-11", "end": "2027"}
    found = contract.future_date(death, DAY, allow_future=True)
    assert found is not None and not found.refused
    assert str(found) == allowed("2027", DAY, "death", "end")


def test_an_event_is_looked_at_again_only_when_its_date_end_or_type_change() -> None:
    old = {**contract.blank("events"), "type": "arrest", "date": "2027", "note": None}
    assert contract.future_date({**old, "note": "moved"}, DAY, old=old) is None
    for change in ({"date": "2028"}, {"end": "2029"}, {"type": "pretrial_detention"}):
        found = contract.future_date({**old, **change}, DAY, old=old)
        assert found is not None and found.refused, change
    hearing = {**old, "type": "hearing"}
    found = contract.future_date({**hearing, "type": "arrest"}, DAY, old=hearing)
    assert found is not None and found.refused


edtf_dates = st.builds(
    lambda day, precision, qualifier: PartialDate(
        day.year,
        day.month if precision != "year" else None,
        day.day if precision == "day" else None,
        qualifier,
    ),
    st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    st.sampled_from(["day", "month", "year"]),
    st.sampled_from(["", "~", "?"]),
)


@given(
    events=st.lists(st.tuples(edtf_dates, st.none() | edtf_dates), min_size=1, max_size=8),
    today=st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
)
def test_the_pre_filter_never_misses_a_date_after_today(
    events: list[tuple[PartialDate, PartialDate | None]], today: datetime.date
) -> None:
    records = [
        {**contract.blank("events"), "type": "arrest", "date": d.edtf, "end": e and e.edtf}
        for d, e in events
    ]
    candidates = contract.future_candidates(
        [r["date"] for r in records], [r["end"] for r in records], today
    )
    for at, (date, end) in enumerate(events):
        later = date.first_day > today or (end is not None and end.first_day > today)
        if later:
            assert at in candidates
        assert (contract.future_date(records[at], today) is not None) == later


# log ----------------------------------------------------------------------------


def test_the_reproduction_an_arrest_in_9999_is_refused(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    before = Snapshot.of(db)
    result = kozlov("log", "kozlov", "arrest", "9999")
    refused(result, before, must_have_happened("9999", today, "arrest"))


def test_tomorrow_is_refused_for_an_arrest_and_scheduled_for_a_hearing(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    before = Snapshot.of(db)
    refused(
        kozlov("log", "kozlov", "arrest", tomorrow), before,
        must_have_happened(tomorrow, today, "arrest"),
    )  # fmt: skip
    event_id = written(
        kozlov("log", "kozlov", "hearing", tomorrow), scheduled(tomorrow, today, "hearing")
    )
    assert stored_events(db)[event_id]["date"] == tomorrow
    # Today itself is not in the future.
    written(kozlov("log", "kozlov", "release", today.isoformat(), "-p", "aleksei-kozlov"))


@pytest.mark.parametrize("kind", ["death", "ill_treatment", "pretrial_detention", "bail"])
def test_what_must_have_happened_is_refused(
    kozlov: Run, db: Path, today: datetime.date, kind: str
) -> None:
    before = Snapshot.of(db)
    refused(
        kozlov("log", "kozlov", kind, next_month(today)), before,
        must_have_happened(next_month(today), today, kind),
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["extradition_request", "statement", "other", "verdict"])
def test_what_may_be_scheduled_is_written_with_a_warning(
    kozlov: Run, today: datetime.date, kind: str
) -> None:
    month = next_month(today)
    written(kozlov("log", "kozlov", kind, month), scheduled(month, today, kind))


def test_this_month_and_this_year_are_not_in_the_future(kozlov: Run, today: datetime.date) -> None:
    for typed in (f"{today:%Y-%m}", f"{today:%Y}", f"c. {today:%Y}", f"{today:%Y}?"):
        written(kozlov("log", "kozlov", "ill_treatment", typed))


def test_qualifiers_do_not_hide_a_date_after_today(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    before = Snapshot.of(db)
    year = today.year + 1
    for typed, value in ((f"c. {year}", f"{year}~"), (f"{year}?", f"{year}?")):
        result = kozlov("log", "kozlov", "arrest", typed)
        refused(result, before, must_have_happened(value, today, "arrest"))


def test_an_end_after_today(kozlov: Run, db: Path, today: datetime.date) -> None:
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    before = Snapshot.of(db)
    refused(
        kozlov("log", "kozlov", "hunger_strike", yesterday, "--end", tomorrow), before,
        must_have_happened(tomorrow, today, "hunger_strike", "end"),
    )  # fmt: skip
    written(
        kozlov("log", "kozlov", "hearing", yesterday, "--end", tomorrow),
        scheduled(tomorrow, today, "hearing", "end"),
    )


def test_allow_future_records_it_with_a_warning(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    event_id = written(
        kozlov("log", "kozlov", "arrest", "9999", "--allow-future", "-p", "aleksei-kozlov"),
        allowed("9999", today, "arrest"),
    )
    assert stored_events(db)[event_id]["date"] == "9999"


def test_json_output_is_the_record_and_the_warning_goes_to_stderr(
    kozlov: Run, today: datetime.date
) -> None:
    result = kozlov("log", "kozlov", "hearing", "9999", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["date"] == "9999"
    assert result.stderr == f"Warning: {scheduled('9999', today, 'hearing')}\n"


# event edit -------------------------------------------------------------------------


def event_id(run: Run, kind: str) -> str:
    result = run("event", "list", "--type", kind, "--json")
    assert result.exit_code == 0, result.output
    [event] = json.loads(result.stdout)
    return str(event["id"])


def test_edit_to_a_date_after_today_is_refused_unless_allowed(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    arrest = event_id(kozlov, "arrest")
    before = Snapshot.of(db)
    refused(
        kozlov("event", "edit", arrest, "--date", "9999"), before,
        must_have_happened("9999", today, "arrest"),
    )  # fmt: skip
    refused(
        kozlov("event", "edit", arrest, "--end", "9999"), before,
        must_have_happened("9999", today, "arrest", "end"),
    )  # fmt: skip
    result = kozlov("event", "edit", arrest, "--date", "9999", "--allow-future")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Updated event {arrest}.\n"
    assert result.stderr == f"Warning: {allowed('9999', today, 'arrest')}\n"
    # Its date, end and type unchanged, the event is not looked at again.
    result = kozlov("event", "edit", arrest, "--note", "surrender agreed")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert stored_events(db)[arrest]["note"] == "surrender agreed"


def test_edit_of_the_type_of_a_scheduled_event_is_checked(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    written(kozlov("log", "kozlov", "hearing", "9999"), scheduled("9999", today, "hearing"))
    hearing = event_id(kozlov, "hearing")
    result = kozlov("event", "edit", hearing, "--place", "Moscow City Court")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    before = Snapshot.of(db)
    refused(
        kozlov("event", "edit", hearing, "--type", "death"), before,
        must_have_happened("9999", today, "death"),
    )  # fmt: skip


def test_the_python_api(tmp_path: Path, today: datetime.date) -> None:
    path = tmp_path / "api.json"
    with Dossier.edit(path, command="test") as d:
        ops.add_case(d, Case(id="kozlov", title="Kozlov"))
        with pytest.raises(InvalidValue) as refusal:
            ops.add_event(d, Event(id="", case="kozlov", type="arrest", date="9999"))
        assert refusal.value.field == "date"
        assert str(refusal.value) == must_have_happened("9999", today, "arrest")
        assert not d.events.raw
        warnings: list[str] = []
        event = ops.add_event(
            d, Event(id="", case="kozlov", type="hearing", date="9999"), warn=warnings.append
        )
        assert warnings == [scheduled("9999", today, "hearing")]
        ops.add_event(
            d, Event(id="a1", case="kozlov", type="arrest", date="9999"), allow_future=True
        )
        ops.update_event(d, Event(id=event.id, case="kozlov", type="hearing", date="9998"))
    assert set(Dossier.load(path).events.raw) == {event.id, "a1"}


# The loader never checks --------------------------------------------------------


def test_a_dossier_with_an_arrest_after_today_loads_and_shows(
    kozlov: Run, db: Path, today: datetime.date
) -> None:
    assert kozlov("log", "kozlov", "arrest", "9999", "--allow-future").exit_code == 0
    for args in (("event", "list"), ("timeline", "kozlov", "--json"), ("timeline", "kozlov")):
        result = kozlov(*args)
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        assert "9999" in result.stdout
    assert kozlov("verify").exit_code == 0


# import -----------------------------------------------------------------------------

HEADER = "case,date,type,person,source\n"


def rows(today: datetime.date) -> tuple[str, list[tuple[int, str]], list[tuple[int, str]]]:
    """Event rows in the import's CSV form; the errors and the warnings they give, by line."""
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    year = str(today.year + 1)
    text = (
        f"kozlov,2009-01-01,arrest,aleksei-kozlov,s\n"  # 2
        f"kozlov,{tomorrow},arrest,aleksei-kozlov,s\n"  # 3
        f"kozlov,{year},hearing,aleksei-kozlov,s\n"  # 4
        f"kozlov,{today:%Y},death,aleksei-kozlov,s\n"  # 5: this year, not after today
        f"kozlov,{year},ill_treatment,aleksei-kozlov,s\n"  # 6
    )
    errors = [
        (3, must_have_happened(tomorrow, today, "arrest")),
        (6, must_have_happened(year, today, "ill_treatment")),
    ]
    warnings = [(4, scheduled(year, today, "hearing"))]
    return text, errors, warnings


def import_refused(
    result: Result, before: Snapshot, path: Path, errors: list[tuple[int, str]]
) -> None:
    """Exit 1; these errors, located, then the count; the file as it was."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert [x for x in lines if x.startswith("Error: ")] == [
        *(f"Error: {path}:{line}: {message}" for line, message in errors),
        f"Error: {len(errors)} problem(s) in 1 file(s); nothing was imported",
    ]
    before.assert_unchanged()


def test_an_import_refuses_each_row_after_today_and_writes_nothing(
    kozlov: Run, db: Path, tmp_path: Path, today: datetime.date
) -> None:
    text, errors, warnings = rows(today)
    path = tmp_path / "events.csv"
    path.write_text(HEADER + text)
    before = Snapshot.of(db)
    result = kozlov("import", str(path))
    import_refused(result, before, path, errors)
    assert [x for x in result.stderr.splitlines() if x.startswith("Warning: ")] == [
        f"Warning: {path}:{line}: {message}" for line, message in warnings
    ]
    # The --json summary holds the same errors and warnings.
    result = kozlov("import", str(path), "--json")
    import_refused(result, before, path, errors)
    summary = json.loads(result.stdout)
    assert [(e["line"], f"{e['field']}: {e['message']}") for e in summary["errors"]] == errors
    assert [(w["line"], f"date: {w['message']}") for w in summary["warnings"]] == warnings


def test_an_import_with_allow_future_writes_and_warns(
    kozlov: Run, db: Path, tmp_path: Path, today: datetime.date
) -> None:
    text, _errors, warnings = rows(today)
    path = tmp_path / "events.csv"
    path.write_text(HEADER + text)
    result = kozlov("import", str(path), "--allow-future", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"]["events"] == 5
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    expected = [
        (3, allowed(tomorrow, today, "arrest")),
        *warnings,
        (6, allowed(str(today.year + 1), today, "ill_treatment")),
    ]
    assert [(w["line"], f"date: {w['message']}") for w in summary["warnings"]] == expected
    assert result.stderr.splitlines() == [f"Warning: {path}:{n}: {m}" for n, m in expected]
    # Re-importing the same file writes nothing, so nothing is checked again.
    again = kozlov("import", str(path), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["unchanged"]["events"] == 5
    assert again.stderr == ""


def test_an_updated_row_is_checked_only_when_its_date_end_or_type_change(
    kozlov: Run, db: Path, tmp_path: Path, today: datetime.date
) -> None:
    future = written(
        kozlov("log", "kozlov", "arrest", "9999", "--allow-future", "-p", "aleksei-kozlov"),
        allowed("9999", today, "arrest"),
    )
    path = tmp_path / "update.csv"
    header = "id,case,date,type,note,source\n"
    path.write_text(f"{header}{future},kozlov,9999,arrest,surrender agreed,s\n")
    result = kozlov("import", str(path))
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert stored_events(db)[future]["note"] == "surrender agreed"
    path.write_text(f"{header}{future},kozlov,9998,arrest,surrender agreed,s\n")
    before = Snapshot.of(db)
    error = must_have_happened("9998", today, "arrest")
    import_refused(kozlov("import", str(path)), before, path, [(2, error)])


# The same rows as a CSV file the fast path reads whole, as one whose arrest rows the
# fast path declines (a type in capitals), and as JSON Lines, which only the checked
# path reads; into a dossier without events (the fast path's columns are checked as
# they are) and into one with events.
def _jsonl(text: str) -> str:
    keys = ["case", "date", "type", "person", "source"]
    lines = [dict(zip(keys, line.split(","), strict=True)) for line in text.splitlines()]
    return "".join(json.dumps({"kind": "event", **line}) + "\n" for line in lines)


SHAPES: dict[str, tuple[str, Callable[[str], str], int]] = {
    "csv": ("e.csv", lambda text: HEADER + text, 0),
    "csv-declined": ("e.csv", lambda text: HEADER + text.replace(",arrest,", ",Arrest,"), 0),
    "jsonl": ("e.jsonl", _jsonl, 1),
}


@pytest.mark.parametrize("fresh", [True, False], ids=["fresh", "with-events"])
@pytest.mark.parametrize("shape", SHAPES)
def test_the_fast_path_and_the_checked_path_agree(
    tmp_path: Path, today: datetime.date, monkeypatch: pytest.MonkeyPatch, shape: str, fresh: bool
) -> None:
    checked: list[int] = []
    full = importer._Planner._event_checked

    def counted(self: importer._Planner, row: Any) -> dict[str, Any]:
        checked.append(row.line)
        return full(self, row)

    monkeypatch.setattr(importer._Planner, "_event_checked", counted)
    with Dossier.edit(tmp_path / "d.json", command="test") as d:
        ops.add_case(d, Case(id="kozlov", title="Kozlov"))
        ops.add_person(d, Person(id="aleksei-kozlov", name="Aleksei Kozlov"))
        if not fresh:
            ops.add_event(d, Event(id="", case="kozlov", type="release", date="2010"))
    name, make, offset = SHAPES[shape]
    text, errors, warnings = rows(today)
    for allow_future in (False, True):
        checked.clear()
        d = Dossier.load(tmp_path / "d.json")
        summary = importer.import_sources(
            d, [importer.Source(name, make(text).encode())], allow_future=allow_future
        )
        assert checked == {"csv": [], "csv-declined": [2, 3], "jsonl": [1, 2, 3, 4, 5]}[shape]
        found_warnings = [(w.line + offset, f"{w.field}: {w.message}") for w in summary.warnings]
        if not allow_future:
            found = [(e.line + offset, f"{e.field}: {e.message}") for e in summary.errors]
            assert found == errors
            assert found_warnings == warnings
            assert len(d.events.raw) == (0 if fresh else 1)
        else:
            assert summary.errors == []
            assert [line for line, _m in found_warnings] == [3, 4, 6]
            assert len(d.events.raw) == (5 if fresh else 6)
