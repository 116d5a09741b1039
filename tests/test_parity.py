"""One figure, one reading: every mark the terminal shows for a custody period (`~`, `+`,
a range, `!`) is in the text, Markdown and HTML reports and in JSON (issue: "Custody
figures a court can rely on", item 7).

One dossier of four persons, each with one period of a different shape, is walked through
all five renderings; the expected figures are written out by hand below, not computed
with the code under test.
"""

from __future__ import annotations

import collections
import datetime
import html
import json
import operator
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import Run, Team, made, ok
from dossier.cli.app import app
from dossier.dates import show

AS_OF = "2022-01-01"
COMMANDS = [
    "case add a --title 'Case A'",
    "case add b --title 'Case B'",
    "person add 'Anna Smith' --case a --role defendant",
    "person add 'Ivan Maximov' --case a --role defendant",
    "person add 'Pyotr Petrov' --case b --role defendant",
    "person add 'Olga Orlova' --case b --role defendant",
    # Known to the day: 324 days, 203 of them before the sentence.
    "log a arrest 2020-08-10 -p 'Anna Smith'",
    "log a sentence 2021-03-01 -p 'Anna Smith'",
    "log a release 2021-06-30 -p 'Anna Smith'",
    # Bailed "in February 2011", after an arrest on the 9th: 0 to 19 days.
    "log a arrest 2011-02-09 -p 'Ivan Maximov'",
    "log a bail 2011-02 -p 'Ivan Maximov'",
    # An approximate day (~): 30 days, marked; and a release with no custody before it.
    "log b release 2014-01-10 -p 'Pyotr Petrov'",
    "log b arrest 2015-03-02~ -p 'Pyotr Petrov'",
    "log b release 2015-04-01 -p 'Pyotr Petrov'",
    # Still held on the as-of day: 334 days and running.
    "log b arrest 2021-02-01 -p 'Olga Orlova'",
]
# name: (days, pretrial days, marked with "!") as every rendering must show them.
SHOWN = {
    "Anna Smith": ("324", "203", False),
    "Ivan Maximov": ("0–19", "0–19", False),
    "Pyotr Petrov": ("~30", "~30", True),
    "Olga Orlova": ("334 +", "334", False),
}
# The same in JSON: (days, days_min, days_max, approximate, ongoing), pretrial (min, max).
JSON = {
    "anna-smith": ((324, 324, 324, False, False), (203, 203, 203)),
    "ivan-maximov": ((0, 0, 19, True, False), (0, 0, 19)),
    "pyotr-petrov": ((30, 30, 30, True, False), (30, 30, 30)),
    "olga-orlova": ((334, 334, 334, False, True), (334, 334, 334)),
}
PROBLEM = "Pyotr Petrov (b): release on 2014-01-10 (event {}) ends no open custody period"


@pytest.fixture
def dossier(run: Run, db: Path) -> Run:
    made(db, "test_parity: the commands", lambda: _commands(run))
    return run


def _commands(run: Run) -> None:
    for command in COMMANDS:
        result = run(*shlex.split(command))
        assert result.exit_code == 0, f"{command}: {result.output}"


def output(run: Run, *args: str) -> str:
    result = run(*args, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return result.stdout


def release_id(run: Run) -> str:
    events = json.loads(run("event", "list", "--case", "b", "--json").stdout)
    return next(e["id"] for e in events if e["date"] == "2014-01-10")


def spaced_rows(doc: str) -> list[list[str]]:
    """Rows of a column layout (terminal, text): cells are separated by two spaces or more."""
    return [re.split(r" {2,}", line.strip()) for line in doc.splitlines() if line.strip()]


def markdown_rows(doc: str) -> list[list[str]]:
    rows = []
    for line in doc.splitlines():
        if line.startswith("| "):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            rows.append([re.sub(r"\\(.)", r"\1", c.strip()) for c in cells])
    return rows


def html_rows(doc: str) -> list[list[str]]:
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", doc, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


DATE = r"(c\. )?\d{4}(-\d\d)*\??"  # a date as shown: 2011-02, c. 2015-03-02, 2009?


def rows_of(rows: list[list[str]], name: str) -> list[list[str]]:
    """The rows of figures whose first cell is this person, marked or not."""
    return [
        row
        for row in rows
        if row and row[0] in (name, name + " !") and any(re.fullmatch(DATE, cell) for cell in row)
    ]


def check(rows: list[list[str]], tables: int, where: str) -> None:
    """Each person's rows (one per table that lists them) show the figures and the mark."""
    for name, (days, pretrial, marked) in SHOWN.items():
        found = rows_of(rows, name)
        assert len(found) == tables, (where, name, found)
        for row in found:
            assert row[0] == (name + " !" if marked else name), (where, row)
            at = next(i for i, cell in enumerate(row) if re.fullmatch(DATE, cell))  # the start
            figures = [cell for cell in row[at:] if re.fullmatch(r"[~\d][\d–]* ?\+?", cell)]
            assert figures[:2] == [days, pretrial], (where, row)


def test_the_terminal_shows_the_figures(dossier: Run) -> None:
    timelines = output(dossier, "timeline", "a") + output(dossier, "timeline", "b")
    check(spaced_rows(timelines), 1, "timeline")
    check(spaced_rows(output(dossier, "stats", "--per-person")), 1, "stats --per-person")


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
def test_every_report_shows_the_same_figures_and_marks(dossier: Run, fmt: str) -> None:
    doc = output(dossier, "report", "a", "b", "--format", fmt)
    rows = {"txt": spaced_rows, "md": markdown_rows, "html": html_rows}[fmt](doc)
    check(rows, 2, fmt)  # the custody table of its case, and the comparison of both cases
    text = " ".join(html.unescape(re.sub(r"<[^>]+>|\\", " ", doc)).split())
    problem = PROBLEM.format(release_id(dossier))
    assert text.count(problem) == 2, fmt  # under case b, and under the figures of both
    assert "1 problem:" in text
    # The event a problem names can be found in the report's timeline.
    assert re.search(rf"\b{release_id(dossier)}\b", text.replace(problem, ""))


def test_json_holds_what_the_marks_say(dossier: Run) -> None:
    periods = [
        p
        for case in ("a", "b")
        for p in json.loads(output(dossier, "timeline", case, "--json"))["custody"]
    ]
    for p in periods:
        days, pretrial = JSON[p["person"]]
        assert (p["days"], p["days_min"], p["days_max"], p["approximate"], p["ongoing"]) == days
        assert (p["pretrial_days"], p["pretrial_days_min"], p["pretrial_days_max"]) == pretrial
    stats = json.loads(output(dossier, "stats", "--json"))
    for row in stats["per_person"]:
        days, pretrial = JSON[row["person"]]
        shown = (row["custody_days"], row["days_min"], row["days_max"], row["approximate"])
        assert (*shown, row["ongoing"]) == days
        assert (
            row["pretrial_days"],
            row["pretrial_days_min"],
            row["pretrial_days_max"],
        ) == pretrial
        assert row["problems"] == (1 if row["person"] == "pyotr-petrov" else 0)
    event = release_id(dossier)
    assert stats["problems"] == [
        {
            "person": "pyotr-petrov",
            "case": "b",
            "event": event,
            "message": f"release on 2014-01-10 (event {event}) ends no open custody period;"
            " do the sources disagree about an earlier end?",
        }
    ]
    assert stats["custody"]["approximate"] is True


# Property: any history of custody, every rendering ------------------------------------------
#
# The hand-made dossier above fixes what each mark means. Below, histories drawn at random
# (starts, ends, house arrest, verdicts, deaths, transfers, at every precision, some
# events under the other case, some naming two persons, some scheduled after the as-of
# day) are shown every way the figures are shown, and each way must say what the others
# say: the JSON of `timeline`, `stats` and `chart`; the terminal's custody table and the
# text, Markdown and HTML reports' tables; and, on a server, the same JSON as the file's.

PERSONS = {"a": ("Anna Smith", "Ivan Maximov"), "b": ("Pyotr Petrov", "Olga Orlova")}
SLUGS = {name: name.lower().replace(" ", "-") for names in PERSONS.values() for name in names}
TYPES = (
    *("arrest", "pretrial_detention", "imprisonment"),
    *("release", "bail", "house_arrest", "pardon", "parole", "acquittal"),
    *("death_in_custody", "escape", "transfer", "medical_care_denied", "hunger_strike"),
    *("ill_treatment", "verdict", "sentence", "detention_extended", "death", "emigration"),
    *("hearing", "search"),  # figures count them only: a server tallies them
)
PLACED = {"arrest", "pretrial_detention", "transfer", "medical_care_denied", "detention_extended"}
START = datetime.date(2010, 1, 1)
COUNTED = {"medical_care_denied": "medical_care_denied", "ill_treatment": "ill_treatment",
           "hunger_strike": "hunger_strikes"}  # fmt: skip


@st.composite
def custody_dossiers(draw: st.DrawFn) -> tuple[str, str]:
    """A JSON Lines import of two cases and four defendants with random histories, and an
    as-of day (within the histories or after them)."""
    lines = [{"format": "dossier", "version": 1}]
    lines += [{"kind": "case", "id": case, "title": f"Case {case}"} for case in PERSONS]
    lines += [
        {"kind": "person", "id": SLUGS[name], "name": name,
         "roles": [{"case": case, "role": "defendant"}],
         # Now and then a date of death in the record, which no period may outlast unsaid.
         "died": draw(st.sampled_from((None, None, None, "2011", "2012-06-30", "2010-03")))}
        for case, names in PERSONS.items() for name in names
    ]  # fmt: skip
    n = 0
    for case, names in PERSONS.items():
        for name in names:
            for _ in range(draw(st.integers(0, 8))):
                day = START + datetime.timedelta(days=draw(st.integers(0, 1100)))
                precision = draw(st.sampled_from((10, 10, 10, 7, 4)))
                type_ = draw(st.sampled_from(TYPES))
                other = draw(st.sampled_from((None, None, None, None, *SLUGS.values())))
                event = {
                    "kind": "event",
                    "id": f"e{n}",
                    # Now and then under the other case: custody that continues elsewhere.
                    "case": case if draw(st.integers(0, 5)) else "ab".replace(case, ""),
                    "type": type_,
                    "date": day.isoformat()[:precision] + draw(st.sampled_from("  ~?")).strip(),
                    "persons": list(dict.fromkeys([SLUGS[name], *([other] if other else [])])),
                    "sources": ["Kommersant"],
                }
                if type_ in PLACED:
                    event["place"] = draw(
                        st.sampled_from(("SIZO-1", "Butyrka", "Moscow City Court"))
                    )
                if type_ == "verdict":
                    event["outcome"] = draw(
                        st.sampled_from((None, "guilty", "acquitted", "returned"))
                    )
                lines.append(event)
                n += 1
    as_of = START + datetime.timedelta(days=draw(st.integers(0, 1500)))
    return "".join(json.dumps(line) + "\n" for line in lines), as_of.isoformat()


def _json(runner: CliRunner, db: str, *args: str) -> Any:
    result = runner.invoke(app, ["--db", db, *args])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def _figure(shown: str) -> tuple[list[int], bool]:
    """The numbers a cell shows ('55-85' with its dash, '~30 +': [55, 85], [30]) and whether it
    runs on."""
    return [int(n) for n in re.findall(r"\d+", shown)], shown.endswith("+")


def _custody_rows(rows: list[list[str]]) -> list[tuple[str, ...]]:
    """(person as shown, start, end, days, pretrial) of a custody table's rows."""
    names = [n for name in SLUGS for n in (name, name + " !")]
    found = []
    for row, after in zip(rows, [*rows[1:], []], strict=True):
        if row in ([n] for n in names) and after and after[0] not in names:
            row = row + after  # the text report's name, wrapped onto a line of its own
        if row and row[0] in names:
            at = next((i for i, c in enumerate(row) if re.fullmatch(DATE, c)), None)
            cells = row[at : at + 4] if at is not None else []
            if len(cells) == 4 and re.fullmatch(FIGURE, cells[2]):
                found.append((row[0], *cells))
    return found


def _check_case(runner: CliRunner, db: str, case: str, as_of: str) -> None:
    at = ("--as-of", as_of)
    timeline = _json(runner, db, "timeline", case, "--json", *at)
    figures = _json(runner, db, "stats", "--case", case, "--json", *at)
    chart = _json(runner, db, "chart", case, "--json", *at)
    periods = timeline["custody"]
    troubled = {p["person"] for p in timeline["problems"]}
    key = operator.itemgetter("person", "case", "event", "message")
    assert sorted(map(key, figures["problems"])) == sorted(map(key, timeline["problems"]))

    # stats: a row per person held, the sums of that person's custody periods.
    held: dict[str, list[dict[str, Any]]] = {}
    for period in periods:
        if period["kind"] == "custody":
            held.setdefault(period["person"], []).append(period)
    assert {row["person"] for row in figures["per_person"]} == held.keys()
    for row in figures["per_person"]:
        mine = held[row["person"]]
        for total, each in (("custody_days", "days"), *((k, k) for k in SUMMED)):
            assert row[total] == sum(p[each] for p in mine), (row, mine)
        assert row["approximate"] == any(p["approximate"] for p in mine)
        assert row["pretrial_approximate"] == any(p["pretrial_approximate"] for p in mine)
        assert (row["ongoing"], row["ended_by"]) == (mine[-1]["ongoing"], mine[-1]["ended_by"])
        assert row["first_custody"] == mine[0]["start"]
        assert row["problems"] == sum(p["person"] == row["person"] for p in timeline["problems"])
    custody = figures["custody"]
    assert custody["periods"] == sum(map(len, held.values()))
    assert custody["total_days"] == sum(p["days"] for ps in held.values() for p in ps)
    assert custody["currently_held"] == sum(ps[-1]["ongoing"] for ps in held.values())
    every = [p for ps in held.values() for p in ps]
    assert custody["approximate"] == any(p["approximate"] for p in every)
    assert custody["pretrial_approximate"] == any(p["pretrial_approximate"] for p in every)

    # chart: the same custody periods, person by person (it draws no house arrest).
    drawn = {row["person"]: row["periods"] for row in chart["rows"]}
    for person, mine in drawn.items():
        assert [{k: v for k, v in p.items() if k != "pretrial_end"} for p in mine] == held.get(
            person, []
        )
    assert drawn.keys() >= held.keys()
    # What happened in custody: the table counts what the chart marks (while free, neither).
    marked = {
        (row["person"], column): sum(m["type"] == type_ for m in row["markers"])
        for row in chart["rows"]
        for type_, column in COUNTED.items()
    }
    for row in figures["per_person"]:
        for column in COUNTED.values():
            assert row[column] == marked[(row["person"], column)], (row, chart)

    # The tables: one row a period, in the terminal and in each report, the same cells,
    # and the numbers and marks those of the JSON.
    tables = {
        "terminal": spaced_rows(runner.invoke(app, ["--db", db, "timeline", case, *at]).stdout),
        **{
            fmt: parse(
                runner.invoke(app, ["--db", db, "report", case, "--format", fmt, *at]).stdout
            )
            for fmt, parse in (("txt", spaced_rows), ("md", markdown_rows), ("html", html_rows))
        },
    }
    shown = {where: _custody_rows(rows) for where, rows in tables.items()}
    assert shown["txt"] == shown["md"] == shown["html"] == shown["terminal"], shown
    by_person: dict[str, list[tuple[str, ...]]] = {}
    for row in shown["terminal"]:
        by_person.setdefault(SLUGS[row[0].removesuffix(" !")], []).append(row)
    assert {p: len(rows) for p, rows in by_person.items()} == dict(
        collections.Counter(p["person"] for p in periods)
    )
    for person, rows in by_person.items():
        for (name, start, end, days, pretrial), p in zip(
            rows, [p for p in periods if p["person"] == person], strict=True
        ):
            assert name.endswith(" !") == (person in troubled), (name, timeline["problems"])
            assert (start, end) == (show(p["start"]), show(p["end"]) or "still held"), p
            assert _figure(days) == (_range(p, "days"), p["ongoing"]), (days, p)
            assert _figure(pretrial) == (_range(p, "pretrial_days"), False), (pretrial, p)
            # "~": an estimate from rough dates, where no range shows it.
            assert days.startswith("~") == (p["approximate"] and len(_range(p, "days")) == 1)
            rough = p["pretrial_approximate"] and len(_range(p, "pretrial_days")) == 1
            assert pretrial.startswith("~") == rough, (pretrial, p)


def _range(period: dict[str, Any], figure: str) -> list[int]:
    """What a cell must show of a figure: its fewest and most days, or the one number."""
    low, high = period[figure + "_min"], period[figure + "_max"]
    return [low, high] if low != high else [period[figure]]


FIGURE = r"~?\d+(–\d+)?( \+)?"  # days as a table shows them: 30, ~30, 0–19, 334 +
SUMMED = ("days_min", "days_max", "pretrial_days", "pretrial_days_min", "pretrial_days_max")


def _file_of(
    runner: CliRunner, tmp_path_factory: pytest.TempPathFactory, lines: str
) -> tuple[str, str]:
    """A drawn history written as a JSON Lines file and imported into a new dossier file:
    (the file's path, the dossier's)."""
    folder = tmp_path_factory.mktemp("drawn")
    source = folder / "d.jsonl"
    source.write_text(lines)
    db = str(folder / "dossier.json")
    ok(runner.invoke(app, ["--db", db, "import", "--allow-future", str(source)]))
    return str(source), db


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=custody_dossiers())
def test_every_rendering_of_a_drawn_history_says_the_same(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, str]
) -> None:
    lines, as_of = drawn
    runner = CliRunner()
    _source, db = _file_of(runner, tmp_path_factory, lines)
    for case in PERSONS:
        _check_case(runner, db, case, as_of)


def _unstamped(data: Any) -> Any:
    """JSON without the times records were written (an import's own moment)."""
    if isinstance(data, dict):
        return {k: _unstamped(v) for k, v in data.items() if k not in ("created", "updated")}
    if isinstance(data, list):
        return [_unstamped(v) for v in data]
    return data


@settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(drawn=custody_dossiers())
def test_a_server_shows_a_drawn_history_as_a_file_does(
    team: Team, tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, str]
) -> None:
    lines, as_of = drawn
    runner = CliRunner()
    source, db = _file_of(runner, tmp_path_factory, lines)
    # The same database for every example, emptied (history is append-only and stays).
    team.sql(
        "TRUNCATE dossier.cases, dossier.members, dossier.persons, dossier.person_cases,"
        " dossier.events, dossier.event_persons, dossier.unsettled"
    )
    ok(team.run("alice", "import", "--allow-future", source))
    for args in (
        ("timeline", "a"), ("timeline", "b"), ("timeline", "--person", "pyotr-petrov"),
        ("stats",), ("stats", "--case", "b"), ("chart",), ("chart", "a"),
    ):  # fmt: skip
        for extra in (("--json", "--as-of", as_of), ("--json",)):
            on_file = runner.invoke(app, ["--db", db, *args, *extra])
            on_server = team.run("alice", *args, *extra)
            assert (on_server.exit_code, on_server.stderr) == (on_file.exit_code, on_file.stderr)
            assert _unstamped(json.loads(on_server.stdout)) == _unstamped(
                json.loads(on_file.stdout)
            ), args
