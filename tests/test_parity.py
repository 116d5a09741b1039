"""One figure, one reading: every mark the terminal shows for a custody period (`~`, `+`,
a range, `!`) is in the text, Markdown and HTML reports and in JSON (issue: "Custody
figures a court can rely on", item 7).

One dossier of four persons, each with one period of a different shape, is walked through
all five renderings; the expected figures are written out by hand below, not computed
with the code under test.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from pathlib import Path

import pytest

from conftest import Run, made

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
