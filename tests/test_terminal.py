"""The terminal at any width: every table and view of the sample dossier at 40, 60, 80, 122
and 200 columns, odd data, the custody chart, and paging like git (docs/terminal.md).

Output goes out with Rich's own wrapping off (a line too long is left whole for the
terminal to wrap), so a line wider than the width here is one the layout made.

At every width: no line is wider than the terminal; every id and date of what is shown
appears whole; no word of a name or a place is split across lines (a name too long for
its column is shortened with "…", never broken).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from conftest import Run
from dossier import Dossier
from dossier.chart import build as build_chart
from dossier.render.chart import axis, name_width

DATA = Path(__file__).parent.parent / "data"
SAMPLE = [str(DATA / name) for name in ("cases.csv", "persons.csv", "events.csv")]
WIDTHS = (40, 60, 80, 122, 200)  # the four, a narrow one, one between
AS_OF = "2026-01-01"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample dossier, imported once for the module (the tests only read it)."""
    from typer.testing import CliRunner

    from dossier.cli.app import app

    db = tmp_path_factory.mktemp("sample") / "dossier.json"
    result = CliRunner().invoke(app, ["--db", str(db), "import", *SAMPLE])
    assert result.exit_code == 0, result.output
    return db


class Sample:
    """Runs the CLI on a copy of the sample dossier at a width: at(width, *args) -> stdout."""

    def __init__(self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from typer.testing import CliRunner

        self.db = db
        self.runner = CliRunner()
        self.monkeypatch = monkeypatch

    def __call__(self, width: int, *args: str) -> str:
        from dossier.cli.app import app

        self.monkeypatch.setenv("COLUMNS", str(width))
        result = self.runner.invoke(app, ["--db", str(self.db), *args])
        assert result.exit_code == 0, result.output
        return result.stdout


@pytest.fixture
def at(sample_db: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> Sample:
    """A copy of the sample dossier to run commands on at a width."""
    shutil.copyfile(sample_db, db)
    return Sample(db, monkeypatch)


def records(run: Sample, *args: str) -> list[dict[str, object]]:
    value: list[dict[str, object]] = json.loads(run(200, *args, "--json"))
    return value


def words_of(texts: list[str]) -> set[str]:
    return {word.strip(",;()") for text in texts for word in text.split()}


def assert_laid_out(out: str, width: int, whole: list[str], names: list[str]) -> None:
    """The three rules of every view (the module's docstring)."""
    lines = out.splitlines()
    # An id longer than the whole terminal cannot be shown whole inside it: never cut,
    # it is the one thing left for the terminal to wrap.
    wide = [line for line in lines if cell_len(line) > width and not _one_long_word(line, width)]
    assert wide == [], f"wider than {width}: {wide[:3]}"
    tokens = {token.strip(",;:()[]") for line in lines for token in line.split()}
    text = " ".join(lines)
    for value in whole:
        assert re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text), (width, value)
    name_words = {w for w in words_of(names) if len(w) > 3}
    for token in tokens:
        for word in name_words:
            if (
                len(token) >= 3
                and word != token
                and word.startswith(token)
                and token not in name_words
            ):
                # A piece of a word: only as the start of a shortened name ("Khodorko…").
                raise AssertionError(f"{word!r} split as {token!r} at {width} columns")


def _one_long_word(line: str, width: int) -> bool:
    return any(cell_len(word) > width - 2 for word in line.split())


@pytest.mark.parametrize("width", WIDTHS)
def test_lists_at_every_width(at: Sample, width: int) -> None:
    cases = records(at, "case", "list")
    persons = records(at, "person", "list")
    events = records(at, "event", "list", "--case", "kudoyarov")
    names = [str(p["name"]) for p in persons]
    places = [str(e["place"]) for e in events if e["place"]]
    assert_laid_out(at(width, "case", "list"), width, [str(c["id"]) for c in cases], names)
    assert_laid_out(at(width, "person", "list"), width, [str(p["id"]) for p in persons], names)
    listed = at(width, "event", "list", "--case", "kudoyarov")
    whole = [str(e["id"]) for e in events] + [str(e["date"]) for e in events]
    assert_laid_out(listed, width, whole, names + places)
    assert_laid_out(at(width, "history"), width, [], [])
    assert_laid_out(at(width, "vocab"), width, ["death_in_custody", "medical_care_denied"], [])


@pytest.mark.parametrize("width", WIDTHS)
def test_shows_print_everything_at_every_width(at: Sample, width: int) -> None:
    case = json.loads(at(200, "case", "show", "aleksanyan", "--json"))
    shown = at(width, "case", "show", "aleksanyan")
    assert_laid_out(shown, width, [case["id"]], [])
    lines = [line.strip() for line in shown.splitlines()]
    folded = "".join(lines)  # a URL longer than the terminal is folded, never cut
    for source in case["sources"]:
        assert source in folded, source
        if len(source) <= width - 14:  # fits beside its label: whole on one line
            assert any(source in line for line in lines), source
    assert " ".join(case["summary"].split()) in " ".join(" ".join(lines).split())
    person = json.loads(at(200, "person", "show", "mikhail-khodorkovsky", "--json"))
    shown = at(width, "person", "show", "mikhail-khodorkovsky")
    assert_laid_out(shown, width, [person["id"]], [person["name"]])
    flat = " ".join(" ".join(line.split()) for line in shown.splitlines())
    assert " ".join(person["notes"].split()) in flat
    event = records(at, "event", "list", "--case", "khodorkovsky")[0]
    shown = at(width, "event", "show", str(event["id"]))
    assert_laid_out(shown, width, [str(event["id"]), str(event["date"])], [])
    for source in event["sources"]:  # type: ignore[attr-defined]
        folded = "".join(line.strip() for line in shown.splitlines())
        assert source in folded, source


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", ["khodorkovsky", "aleksanyan", "kudoyarov"])
def test_timelines_at_every_width(at: Sample, width: int, case: str) -> None:
    data = json.loads(at(200, "timeline", case, "--as-of", AS_OF, "--json"))
    persons = records(at, "person", "list")
    names = [str(p["name"]) for p in persons]
    whole = [e["id"] for e in data["events"]] + [e["date"] for e in data["events"]]
    whole += [p["start"] for p in data["custody"]]
    places = [e["place"] for e in data["events"] if e["place"]]
    out = at(width, "timeline", case, "--as-of", AS_OF)
    assert_laid_out(out, width, whole, names + places)
    oneline = at(width, "timeline", case, "--as-of", AS_OF, "--oneline")
    assert_laid_out(oneline, width, whole[: len(data["events"]) * 2], names)
    # --oneline: one line per event, each starting with its date.
    body = oneline.splitlines()[: len(data["events"])]
    assert [line.split()[0] for line in body] == [
        e["date"] if not e["date"].endswith("~") else "c." for e in data["events"]
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_statistics_at_every_width(at: Sample, width: int) -> None:
    persons = records(at, "person", "list")
    names = [str(p["name"]) for p in persons]
    rows = json.loads(at(200, "stats", "--as-of", AS_OF, "--json"))["per_person"]
    whole = [r["first_custody"] for r in rows]
    assert_laid_out(at(width, "stats", "--as-of", AS_OF), width, [], names)
    table = at(width, "stats", "--per-person", "--as-of", AS_OF)
    assert_laid_out(table, width, whole, names)
    for r in rows:  # the figures are never cut, whatever columns are dropped
        assert re.search(rf"(?<![\d–]){r['custody_days']}(?![\d])", table) or (
            f"{r['days_min']}–{r['days_max']}" in table
        )
    assert_laid_out(at(width, "chart", "--as-of", AS_OF), width, [], names)


# The chart ---------------------------------------------------------------------------


def test_chart_bars_start_and_end_at_the_columns_of_their_dates(at: Run) -> None:
    data = json.loads(at(200, "chart", "--as-of", AS_OF, "--json"))
    assert [r["person"] for r in data["rows"]] == [
        "platon-lebedev",
        "mikhail-khodorkovsky",
        "vasily-aleksanyan",
        "andrei-kudoyarov",
    ]
    kudoyarov = data["rows"][3]
    (period,) = kudoyarov["periods"]
    assert (period["start"], period["end"], period["pretrial_end"]) == (
        "2011-05-20",
        "2011-10-08",
        "2011-10-08",
    )
    assert [m["type"] for m in kudoyarov["markers"]] == ["death_in_custody"]
    # By hand, at 80 columns: names take 20 cells and a space; the axis runs from
    # 2003-01-01 to 2015-01-01, the year after the last release (Lebedev's, 2014-01-24),
    # not to the as-of day: 4383 days over 59 cells, 74.3 days a cell. Kudoyarov,
    # arrested on day 3061 (2011-05-20), starts in cell 41; he died on day 3202, cell 43.
    row = next(line for line in at(80, "chart", "--as-of", AS_OF).splitlines()
               if line.startswith("Andrei Kudoyarov"))  # fmt: skip
    assert row[21:].rstrip() == " " * 41 + "██†"
    for width in (80, 200):
        lines = at(width, "chart", "--as-of", AS_OF).splitlines()
        # The same axis the chart drew: rebuild it from the same events.
        d = Dossier.load(at.db)
        chart = build_chart(list(d.events.raw.values()), d.names(), datetime.date(2026, 1, 1))
        scale = axis(chart, width)
        left = name_width(chart.rows, width) + 1
        row = next(line for line in lines if line.startswith("Andrei Kudoyarov"))
        first = int(scale.cell(datetime.date(2011, 5, 20)))
        death = int(scale.cell(datetime.date(2011, 10, 8)))
        assert row[left + first] == "█", (width, row)
        assert row[left + death] == "†", (width, row)  # the marker where he died
        assert row[left + death + 1 :].strip() == ""  # and nothing after
        assert row[left : left + first].strip() == ""  # nothing before the arrest
        # Khodorkovsky: pretrial until the sentence of 2005-05-31, then after a verdict.
        row = next(line for line in lines if line.startswith("Mikhail Khodorkovsky"))
        assert row[left + int(scale.cell(datetime.date(2004, 6, 1)))] == "█"
        assert row[left + int(scale.cell(datetime.date(2008, 1, 1)))] in "▒h"
        axis_line = next(line for line in lines if re.match(r"^\s+\d{4}\s", line))
        labels = list(re.finditer(r"\d{4}", axis_line))
        assert len(labels) >= 5
        for label in labels:  # each year's label starts at the column of its 1 January
            at_day = left + int(scale.cell(datetime.date(int(label.group()), 1, 1)))
            assert label.start() == at_day, (width, label.group())


@pytest.mark.plain_only("layout: the same records laid out the same from any store")
def test_a_title_longer_than_its_column_breaks_after_a_hyphen_not_inside_a_word(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's find: 'Константинопольского-Верхнеуд' / 'инского' at 80 columns."""
    title = "Дело Константинопольского-Верхнеудинского и других"
    case = "a-case-id-that-is-forty-characters-long-x"
    assert run("case", "add", case, "--title", title).exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    out = run("case", "list").stdout
    lines = [line[len(case) + 2 :].split("  ")[0].strip() for line in out.splitlines()[2:]]
    assert lines == ["Дело Константинопольского-", "Верхнеудинского и других"]
    assert max(map(len, out.splitlines())) <= 80


def test_chart_draws_an_end_not_known_to_the_day_when_it_spans_a_cell() -> None:
    """An adversary's find: arrested 3 February 1965, released "in 1966" (332 to 696
    days), at 333 days a cell: the bar's last eighth took the one cell the unsure year
    was drawn in, and the bar read "█▏" with no `░`, as if the end were known."""
    from dossier.chart import Bar, Row
    from dossier.render.chart import Axis, _cells

    day = datetime.date
    bar = Bar(day(1965, 2, 3), day(1966, 1, 1), day(1966, 12, 31), day(1966, 1, 1), False, {})
    scale = Axis(day(1965, 1, 1), day(1965, 1, 1) + datetime.timedelta(days=3330), 10)
    cells = "".join(_cells(Row("p", "P", "c", (bar,), (), 0), scale))
    assert cells.rstrip() == "█▏░"
    # Unsure days that end inside the cell of the bar's end: still no cell of their own.
    short = Bar(day(1965, 2, 3), day(1966, 1, 1), day(1966, 1, 31), day(1966, 1, 1), False, {})
    assert "".join(_cells(Row("p", "P", "c", (short,), (), 0), scale)).rstrip() == "█▏"


def test_chart_without_colour_tells_the_parts_apart(at: Run) -> None:
    out = at(120, "chart", "--as-of", AS_OF)
    row = next(line for line in out.splitlines() if line.startswith("Mikhail Khodorkovsky"))
    assert "█" in row and "▒" in row and "h" in row
    assert "█ pretrial" in out and "▒ after a verdict" in out
    assert "\x1b" not in out


def test_chart_of_a_person_still_held_ends_in_an_arrow(run: Run) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Ivan Petrov").exit_code == 0
    assert run("log", "c", "arrest", "2020-02-01", "-p", "ivan-petrov").exit_code == 0
    out = run("chart", "--as-of", "2022-01-01")
    assert out.exit_code == 0, out.output
    row = next(line for line in out.stdout.splitlines() if line.startswith("Ivan Petrov"))
    assert row.rstrip().endswith("→")
    data = json.loads(run("chart", "--as-of", "2022-01-01", "--json").stdout)
    (period,) = data["rows"][0]["periods"]
    assert (period["ongoing"], period["days"]) == (True, 700)


def test_chart_draws_a_death_in_custody_after_house_arrest_and_lists_what_it_draws(
    run: Run,
) -> None:
    """House arrest has no bar, so a death in custody under it was listed by chart --json
    and drawn nowhere; a hunger strike while free is neither drawn nor listed."""
    assert run("case", "add", "h", "--title", "H").exit_code == 0
    assert run("person", "add", "Oleg Popov").exit_code == 0
    for args in (("hunger_strike", "2015-01-10"), ("arrest", "2015-03-02"),
                 ("house_arrest", "2015-09-15"), ("death_in_custody", "2016-01-10")):  # fmt: skip
        assert run("log", "h", *args, "-p", "oleg-popov", "--source", "x").exit_code == 0
    out = run("chart", "--as-of", "2016-02-01")
    row = next(line for line in out.stdout.splitlines() if line.startswith("Oleg Popov"))
    assert "†" in row and "h" not in row.removeprefix("Oleg Popov")
    data = json.loads(run("chart", "--as-of", "2016-02-01", "--json").stdout)
    assert [m["type"] for m in data["rows"][0]["markers"]] == ["death_in_custody"]


@pytest.mark.plain_only("drawing: the same records drawn the same from any store")
def test_chart_draws_a_death_in_custody_of_one_never_held_but_under_house_arrest(
    run: Run,
) -> None:
    """Under house arrest from the start, he has no row in the comparison table; the chart
    left him out, and with him the death in custody its legend promises to mark."""
    assert run("case", "add", "h", "--title", "H").exit_code == 0
    for name in ("Oleg Popov", "Ivan Petrov"):
        assert run("person", "add", name, "--case", "h", "--role", "defendant").exit_code == 0
    assert run("person", "add", "Dmitry Kratov", "--case", "h", "--role", "official").exit_code == 0
    for args in (("house_arrest", "2013-02-01", "-p", "oleg-popov"),
                 ("death_in_custody", "2013-06-01", "-p", "oleg-popov"),
                 ("death_in_custody", "2013-07-01", "-p", "dmitry-kratov"),
                 ("arrest", "2014-05-01", "-p", "ivan-petrov")):  # fmt: skip
        assert run("log", "h", *args, "--source", "x").exit_code == 0
    out = run("chart", "--as-of", "2016-01-01")
    assert out.exit_code == 0, out.output
    held, died, unheld = out.stdout.splitlines()[:3]
    assert held.startswith("Ivan Petrov") and "█" in held
    assert died.startswith("Oleg Popov") and died.split()[-1] == "†"
    assert out.stdout.splitlines()[3].split()[0] == "2013"  # the axis reaches the death
    # A death in custody of one never held nor confined is a problem (it ends nothing):
    # drawn too, with the "!" of a problem, since stats counts it among the deaths in
    # custody (an adversary's find: the chart showed one death where stats said two).
    assert unheld.startswith("Dmitry Kratov !") and unheld.split()[-1] == "†"
    data = json.loads(run("chart", "--as-of", "2016-01-01", "--json").stdout)
    assert [(r["person"], r["periods"]) for r in data["rows"]][1] == ("oleg-popov", [])
    assert data["rows"][1]["markers"] == [
        {
            "type": "death_in_custody",
            "date": "2013-06-01",
            "event": data["rows"][1]["markers"][0]["event"],
        }
    ]
    assert data["rows"][1]["case"] == "h"
    # Not a person held: the comparison table is unchanged, the summary counts the death.
    stats = json.loads(run("stats", "--as-of", "2016-01-01", "--json").stdout)
    assert [r["person"] for r in stats["per_person"]] == ["ivan-petrov"]
    assert stats["custody"]["deaths_in_custody"] == 2  # the persons such events name
    assert [p["person"] for p in stats["problems"]] == ["dmitry-kratov"]


def test_chart_of_one_case_marks_a_person_whose_figures_other_cases_change(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As timeline and stats --case do: released under case b, Ivan's bar in case a's
    chart runs on, and the `!` says why."""
    for case in ("a", "b"):
        assert run("case", "add", case, "--title", case.upper()).exit_code == 0
    assert run("person", "add", "Ivan Petrov").exit_code == 0
    assert run("log", "a", "arrest", "2010-01-10", "-p", "ivan-petrov").exit_code == 0
    assert run("log", "b", "release", "2011-01-10", "-p", "ivan-petrov").exit_code == 0
    data = json.loads(run("chart", "a", "--as-of", "2012-01-01", "--json").stdout)
    assert data["rows"][0]["problems"] == 1
    out = run("chart", "a", "--as-of", "2012-01-01").stdout
    assert next(line for line in out.splitlines() if line.startswith("Ivan Petrov !"))
    every = json.loads(run("chart", "--as-of", "2012-01-01", "--json").stdout)
    assert every["rows"][0]["problems"] == 0
    # Where the name must be shortened, the mark stays (it was cut with the name), and
    # as much of the surname as fits.
    monkeypatch.setenv("COLUMNS", "30")
    narrow = run("chart", "a", "--as-of", "2012-01-01").stdout
    assert narrow.splitlines()[0].startswith("I. Petr… !")


def test_chart_gives_a_long_names_middle_names_as_initials_before_cutting_it(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's chart at 80 columns: "Алексей Владимирови…" and "Владимир
    Владимиров…" were cut before the surname, so no one could tell who was held. The
    patronymic goes to an initial first, then the first name; a name still too long is
    cut so, keeping as much of the surname as fits."""
    monkeypatch.setenv("COLUMNS", "80")
    assert run("case", "add", "a", "--title", "A").exit_code == 0
    names = (
        "Алексей Владимирович Пичугин",
        "Владимир Владимирович Кара-Мурза",
        "Константин Константинопольский-Верхнеудинский",
    )
    for name in names:
        assert run("person", "add", name, "--yes").exit_code == 0
        assert run("log", "a", "arrest", "2010-01-10", "-p", name).exit_code == 0
    lines = run("chart", "a", "--as-of", "2012-01-01").stdout.splitlines()
    assert [line[:21] for line in lines[:3]] == [  # in id order: held from one day
        "Алексей В. Пичугин   ",
        "К. Константинопольс… ",
        "В. В. Кара-Мурза     ",
    ]


def test_chart_initials_never_make_two_persons_one(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review's find: sisters Aleksandra and Anastasiya Konstantinovna Kuznetsova both
    came out "A. K. Kuznetsova"; such names are cut instead, each still its own."""
    monkeypatch.setenv("COLUMNS", "80")
    assert run("case", "add", "a", "--title", "A").exit_code == 0
    for name in (
        "Aleksandra Konstantinovna Kuznetsova",
        "Anastasiya Konstantinovna Kuznetsova",
    ):
        assert run("person", "add", name, "--yes").exit_code == 0
        assert run("log", "a", "arrest", "2010-01-10", "-p", name).exit_code == 0
    lines = run("chart", "a", "--as-of", "2012-01-01").stdout.splitlines()
    shown = sorted(line[:21].rstrip() for line in lines[:2])
    assert len(set(shown)) == 2, shown
    assert all(label.endswith("…") for label in shown), shown


def test_markers_in_one_cell_draw_the_most_serious(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ill-treatment on 1 March, a hunger strike on the 5th: one cell of a chart 60
    columns wide. The later one was drawn over the other; the most serious is kept."""
    for args in (
        ("case", "add", "c", "--title", "C"),
        ("person", "add", "Ivan Ivanov", "--case", "c", "--role", "defendant"),
        ("log", "c", "arrest", "2010-01-01", "-p", "ivan-ivanov"),
        ("log", "c", "ill_treatment", "2015-03-01", "-p", "ivan-ivanov"),
        ("log", "c", "hunger_strike", "2015-03-05", "-p", "ivan-ivanov"),
    ):
        assert run(*args).exit_code == 0, args
    monkeypatch.setenv("COLUMNS", "60")
    bar = run("chart", "--as-of", AS_OF).stdout.splitlines()[0]
    assert bar.count("x") == 1 and "h" not in bar.replace("Ivan Ivanov", "")


def test_a_narrow_custody_table_keeps_the_kind_that_tells_house_arrest_apart(
    at: Sample,
) -> None:
    """Without its kind, a house arrest still running reads "still held 3761 +" as if in
    a cell: the kind is the last column a narrow table drops."""
    assert at(64, "log", "kudoyarov", "house_arrest", "2015-09-15", "-p", "andrei-kudoyarov",
              "--source", "x")  # fmt: skip
    table = at(64, "timeline", "--person", "andrei-kudoyarov", "--as-of", "2016-01-01")
    header = next(line for line in table.splitlines() if line.startswith("person"))
    assert "kind" in header.split() and "ended" not in header.split()
    assert "house arrest  2015-09-15  still held" in table


@pytest.mark.parametrize("width", [60, 80])
def test_a_bar_still_running_late_in_the_year_keeps_its_arrow(
    run: Run, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In late November the as-of day fell in the last cell: no room for the arrow, and
    a person still held looked like one released that month."""
    monkeypatch.setenv("COLUMNS", str(width))
    assert run("case", "add", "k", "--title", "K").exit_code == 0
    for person in ("Ivan Held", "Petr Freed"):
        assert run("person", "add", person).exit_code == 0
        assert run("log", "k", "arrest", "2020-01-10", "-p", person).exit_code == 0
    assert run("log", "k", "release", "2026-11-20", "-p", "Petr Freed").exit_code == 0
    out = run("chart", "--as-of", "2026-11-30").stdout
    held = next(line for line in out.splitlines() if line.startswith("Ivan Held"))
    freed = next(line for line in out.splitlines() if line.startswith("Petr Freed"))
    assert held.rstrip().endswith("→") and "→" not in freed


def test_chart_refuses_an_unknown_sort_column(run: Run) -> None:
    result = run("chart", "--sort", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot sort by 'nope'")


# Paging ------------------------------------------------------------------------------


def test_no_paging_when_piped(at: Run) -> None:
    out = at(80, "timeline", "khodorkovsky", "--as-of", AS_OF)
    assert "\x1b" not in out
    assert len(out.splitlines()) > 24  # all of it, at once


def test_the_pager_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from dossier.cli import pager

    monkeypatch.delenv("DOSSIER_PAGER", raising=False)
    monkeypatch.delenv("PAGER", raising=False)
    monkeypatch.setattr(pager, "DISABLED", False)
    assert pager.pager_command() == ["less"]
    monkeypatch.setenv("PAGER", "most -s")
    assert pager.pager_command() == ["most", "-s"]
    monkeypatch.setenv("DOSSIER_PAGER", "less -S")
    assert pager.pager_command() == ["less", "-S"]
    monkeypatch.setenv("DOSSIER_PAGER", "cat")
    assert pager.pager_command() is None
    monkeypatch.setenv("DOSSIER_PAGER", "")
    assert pager.pager_command() is None
    monkeypatch.delenv("DOSSIER_PAGER")
    monkeypatch.setattr(pager, "DISABLED", True)
    assert pager.pager_command() is None


TMUX = shutil.which("tmux")


def _tmux(*args: str) -> str:
    assert TMUX is not None
    done = subprocess.run([TMUX, *args], capture_output=True, text=True, timeout=20, check=True)
    return done.stdout


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux): no"
                    " terminal to page in")  # fmt: skip
def test_paged_in_a_real_terminal_like_git(sample_db: Path, tmp_path: Path) -> None:
    """80x24, LESS and PAGER unset: less shows colours, not escape codes, and its first
    screen is the first 23 lines of the same output piped."""
    if shutil.which("less") is None:
        pytest.skip("less is not installed: the default pager")
    db = tmp_path / "d.json"
    shutil.copyfile(sample_db, db)
    command = [sys.executable, "-m", "dossier", "--db", str(db), "timeline", "khodorkovsky",
               "--as-of", AS_OF]  # fmt: skip
    unset = ("LESS", "PAGER", "DOSSIER_PAGER", "COLUMNS", "NO_COLOR", "LINES")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    piped = subprocess.run(
        command, capture_output=True, text=True, env={**env, "COLUMNS": "80"}, check=True
    ).stdout.splitlines()
    session = f"dossier-test-{os.getpid()}"
    script = tmp_path / "run.sh"
    exports = " ".join(f"{k}={_quote(v)}" for k, v in env.items() if re.fullmatch(r"\w+", k))
    script.write_text(f"env -i {exports} TERM=xterm-256color {' '.join(map(_quote, command))}\n")
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", "bash", str(script))
    try:
        screen = ""
        for _ in range(100):  # the first screen, once less has drawn it and waits (":")
            screen = _tmux("capture-pane", "-p", "-t", session)
            lines = screen.splitlines()
            if len(lines) >= 24 and lines[23].startswith(":"):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"less did not show a first screen:\n{screen}")
        lines = screen.splitlines()
        assert "ESC[" not in screen and "\x1b" not in screen
        assert [line.rstrip() for line in lines[:23]] == [line.rstrip() for line in piped[:23]]
        coloured = _tmux("capture-pane", "-p", "-e", "-t", session)
        assert "\x1b[" in coloured  # the colours pass through less (LESS=FRX)
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True, check=False)


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


# Odd data -----------------------------------------------------------------------------

LONG_URL = "https://example.org/" + "a" * 280
ODD_CASE = "odd-shapes-of-a-prosecution-2010"  # an id under each name, never cut
ODD = [
    f"case add {ODD_CASE} --title 'Odd shapes'",
    "person add 'Ivanovichpetrovsidorovkuznetsovsmirnovpopovvasilyevsokolov'"
    f" --case {ODD_CASE} --role defendant",
    f"person add 'Иван Петрович Сидоров-Кузнецов' --case {ODD_CASE} --role defendant",
    f"person add '李小龍 王' --case {ODD_CASE} --role witness",
    f"person add 'Zoë Ågren-Ñúñez' --case {ODD_CASE} --role witness",
    f"log {ODD_CASE} arrest 2010-01-10"
    " -p Ivanovichpetrovsidorovkuznetsovsmirnovpopovvasilyevsokolov"
    " -p 'Иван Петрович Сидоров-Кузнецов' -p '李小龍 王' -p 'Zoë Ågren-Ñúñez'"
    f" --place 'Matrosskaya Tishina pretrial detention centre No. 1, Moscow' -s {LONG_URL}"
    " -d 'First line.\nSecond line of a description that goes on for a while and then some.'",
    f"log {ODD_CASE} medical_care_denied 2010-06 --end 2010-08-15"
    " -p 'Иван Петрович Сидоров-Кузнецов'",
    f"log {ODD_CASE} release 2011 -p 'Zoë Ågren-Ñúñez'",
]


@pytest.mark.plain_only("view options over records already read: the store takes no part")
def test_a_timeline_says_a_verdicts_outcome_and_a_sentences_term(run: Run) -> None:
    """As the reports do ("verdict (guilty)", "sentence, 8 years"): the terminal's
    timeline had shown only "verdict" and "sentence"."""
    for args in (
        ("case", "add", "c", "--title", "C"),
        ("person", "add", "Ivan Ivanov", "--case", "c", "--role", "defendant"),
        ("log", "c", "verdict", "2021-01-01", "--outcome", "acquitted", "-p", "ivan-ivanov"),
        ("log", "c", "sentence", "2021-01-05", "--term", "8 years", "-p", "ivan-ivanov"),
    ):
        assert run(*args).exit_code == 0, args
    records = run("timeline", "c", "--as-of", AS_OF).stdout.splitlines()
    assert records[0].startswith("2021-01-01  verdict (acquitted)  Ivan Ivanov")
    assert records[2].split() == ["+4", "d", "Term:", "8", "years"]
    oneline = run("timeline", "c", "--as-of", AS_OF, "--oneline").stdout.splitlines()
    assert "Ivan Ivanov: (acquitted)" in oneline[0] and "Ivan Ivanov: (8 years)" in oneline[1]


@pytest.mark.plain_only("view options over records already read: the store takes no part")
@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_timeline_shortens_a_long_name_rather_than_hide_it(
    run: Run, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An adversarial run's find: a name longer than the room left on a timeline's line
    gave way to a bare "+1", so the row named no one."""
    name = "Abd al-Rahman ibn Muhammad ibn Abd al-Aziz al-Hashimi al-Qurashi"
    for args in (
        ("case", "add", "c", "--title", "C"),
        ("person", "add", name, "--id", "ar", "--case", "c", "--role", "defendant"),
        ("person", "add", "Ivan Ivanov", "--case", "c", "--role", "defendant"),
        ("log", "c", "arrest", "2020-01-01", "-p", "ar"),
        ("log", "c", "medical_care_denied", "2020-02-01", "-p", "ar", "-p", "ivan-ivanov"),
    ):
        assert run(*args).exit_code == 0, args
    monkeypatch.setenv("COLUMNS", str(width))
    out = run("timeline", "c", "--as-of", AS_OF).stdout
    lines = out[: out.index("Custody")].splitlines()  # the events, before the periods
    named = [line for line in lines if "Abd al-" in line]
    assert len(named) == 2, lines  # each event names him, shortened where it must be
    assert "… +1" in named[1] or f"{name} +1" in named[1]
    assert_laid_out(out, width, [], [name, "Ivan Ivanov"])


ODD_NAMES = [
    "Oyub Titiev",
    "Владимир Владимирович Кара-Мурза",
    "Jean-Pierre Dupont-Aignan",
    "Ivanovichpetrovsidorovkuznetsovsmirnovpopovvasilyevsokolov",
]


@pytest.mark.plain_only("layout: the same records laid out the same from any store")
@pytest.mark.parametrize("width", [60, 80, 100])
def test_a_custody_table_puts_the_facilities_under_the_row_before_crushing_a_name(
    run: Run, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's find: at 80 columns the custody table kept "facilities" beside the
    row and gave the person six cells, "Oyub" / "Titiev" / "!", the mark alone on a
    line. The facilities go under the row first; a name's first two words stay side by
    side where a third of the width holds them, and the mark is never alone."""
    assert run("case", "add", "t", "--title", "T").exit_code == 0
    for name in ODD_NAMES:
        for args in (
            ("person", "add", name, "--case", "t", "--role", "defendant"),
            ("log", "t", "arrest", "2018-01-09", "-p", name, "--place",
             "Kurchaloi district, Chechnya"),
            ("log", "t", "parole", "2019-06-10", "-p", name),
            ("log", "t", "release", "2019-06-21", "-p", name),  # no custody to end: "!"
        ):  # fmt: skip
            assert run(*args).exit_code == 0, args
    monkeypatch.setenv("COLUMNS", str(width))
    out = run("timeline", "t", "--as-of", AS_OF).stdout
    table = out[out.index("Custody") : out.index("problems:")].splitlines()
    assert "!" not in [line.strip() for line in table], table
    assert "facilities" not in table[1].split(), table
    assert table.count("  Kurchaloi district, Chechnya") == len(ODD_NAMES), table
    rows = [line for line in table if re.search(r"\d{4}-\d\d-\d\d", line)]
    assert rows[0].startswith("Oyub Titiev !  "), table
    if width >= 80:
        assert rows[2].startswith("Jean-Pierre Dupont-Aignan !  "), table
    assert_laid_out(out, width, [], ODD_NAMES)


@pytest.mark.plain_only("layout: the same records laid out the same from any store")
@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_person_list_too_narrow_for_its_roles_prints_them_under_the_row(
    run: Run, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where even the id and the name left no room beside them, the roles (the list's
    flexible column, never dropped) went missing: at 60 columns for the sample, at 80
    beside a long id. They go under the row, as a stacked column does."""
    assert run("case", "add", "t", "--title", "T").exit_code == 0
    roles = ("defendant", "witness", "lawyer", "judge")
    for name, role in zip(ODD_NAMES, roles, strict=True):
        assert run("person", "add", name, "--case", "t", "--role", role).exit_code == 0
    persons = json.loads(run("person", "list", "--json").stdout)
    monkeypatch.setenv("COLUMNS", str(width))
    out = run("person", "list").stdout
    for role in roles:
        assert f"roles: {role} in t" in out or f" {role} in t" in out, (role, out)
    assert_laid_out(out, width, [p["id"] for p in persons], ODD_NAMES)


def test_a_marked_name_longer_than_its_column_keeps_its_mark_on_its_line() -> None:
    """A word as wide as the column left the mark to a line of its own; it is shortened
    for the mark instead (the column is never narrower than a word and its mark)."""
    from rich.console import Console
    from rich.text import Text

    from dossier.render.layout import wrap

    lines = wrap(Console(width=100), Text("Ivanovichpetrovsidorovkuznetsovsmirnov !"), 16)
    assert [line.plain for line in lines] == ["Ivanovichpetr… !"]


@pytest.mark.plain_only("view options over records already read: the store takes no part")
@pytest.mark.parametrize("width", WIDTHS)
def test_odd_data_at_every_width(run: Run, width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    for command in ODD:
        result = run(*shlex.split(command))
        assert result.exit_code == 0, f"{command}: {result.output}"
    events = json.loads(run("event", "list", "--json").stdout)
    persons = json.loads(run("person", "list", "--json").stdout)
    names = [p["name"] for p in persons]
    whole = [e["id"] for e in events]
    monkeypatch.setenv("COLUMNS", str(width))
    for args in (
        ("timeline", ODD_CASE, "--as-of", AS_OF),
        ("timeline", ODD_CASE, "--as-of", AS_OF, "--oneline"),
        ("event", "list"),
        ("person", "list"),
        ("stats", "--per-person", "--as-of", AS_OF),
        ("stats", "--as-of", AS_OF),
        ("chart", "--as-of", AS_OF),
        ("event", "show", events[0]["id"]),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output
        shown = whole if args[0] in ("timeline", "event") and args[1] != "show" else []
        if args[:2] == ("person", "list"):
            shown = [p["id"] for p in persons]
        if args[:2] == ("stats", "--per-person"):
            shown = [ODD_CASE]
        # A show view prints everything: a name longer than the terminal is folded there.
        assert_laid_out(result.stdout, width, shown, [] if args[1] == "show" else names)
    oneline = run("timeline", ODD_CASE, "--as-of", AS_OF, "--oneline").stdout.splitlines()
    assert len([line for line in oneline if re.match(r"\d{4}", line)]) == len(events)
    url = "".join(
        line.strip() for line in run("event", "show", events[0]["id"]).stdout.splitlines()
    )
    assert LONG_URL in url  # folded only where longer than the terminal, never cut


@settings(max_examples=400)
@given(
    words=st.lists(st.text(alphabet="ab,()é~-界", max_size=30), min_size=1, max_size=40),
    spaces=st.lists(st.integers(1, 3), max_size=40),
    width=st.integers(20, 90),
    indent=st.sampled_from(["", "  ", "    "]),
)
def test_a_problem_line_wraps_the_same_on_its_fast_path(
    words: list[str], spaces: list[int], width: int, indent: str
) -> None:
    """A problem line wraps as word by word, measured in cells, whichever path it takes
    (one cell a character and every word fitting: a line at a time)."""
    from dossier.render.analysis import _wrap, _wrap_words

    line = "".join(w + " " * (spaces[i] if i < len(spaces) else 1) for i, w in enumerate(words))
    lines = _wrap(line, width, indent)
    fits = cell_len(line) <= width
    assert lines == ([line] if fits else _wrap_words(line, width, indent, cell_len))
    assert all(cell_len(shown) <= width for shown in lines)


@settings(max_examples=300)
@given(
    name=st.lists(st.text(alphabet="abéЖ界-", min_size=1, max_size=12), min_size=1, max_size=5),
    width=st.integers(1, 40),
)
def test_a_names_problem_mark_never_wraps_onto_a_line_of_its_own(
    name: list[str], width: int
) -> None:
    """A new user's find: at 80 columns `stats --per-person` showed "Vasily" /
    "Aleksanyan" / "!", the mark alone beside the figures. It stays with the last word
    (taking it down a line if need be, or a word as wide as the column shortened for
    it), and no line grows past the width."""
    from rich.console import Console
    from rich.text import Text

    from dossier.render.layout import wrap

    console = Console(width=100)
    marked = " ".join(name) + " !"
    lines = [line.plain for line in wrap(console, Text(marked), width)]
    assert all(cell_len(line) <= width for line in lines), lines
    if width > 3:  # room for a letter, "…" and the mark
        assert "!" not in lines[:-1] and lines[-1].endswith(" !"), lines
    if cell_len(marked) <= width:
        assert lines == [marked]


def test_a_country_without_a_place_stands_in_line_with_the_text(run: Run) -> None:
    """A new user's `log k emigration 2024-08-01 -p P --country DE` printed " (DE)" a
    cell out of line under the event, and "P -  (DE)" in the text report."""
    assert run("case", "add", "k", "--title", "K").exit_code == 0
    assert run("person", "add", "Vladimir Kara-Murza").exit_code == 0
    logged = run("log", "k", "emigration", "2024-08-01", "-p", "vladimir-kara-murza",
                 "--country", "DE")  # fmt: skip
    assert logged.exit_code == 0, logged.output
    lines = run("timeline", "k", "--as-of", "2025-01-01").stdout.splitlines()
    assert lines[1] == " " * 12 + "(DE)"
    report = run("report", "k", "--format", "txt", "--as-of", "2025-01-01").stdout
    assert " " * 12 + "Vladimir Kara-Murza - (DE)\n" in report
