"""One figure, one reading: every mark the terminal shows for a custody period (`~`, `+`,
a range, `!`) is in the text, Markdown and HTML reports and in JSON (issue: "Custody
figures a court can rely on", item 7).

One dossier of four persons, each with one period of a different shape, is walked through
all five renderings; the expected figures are written out by hand below, not computed
with the code under test.
"""

from __future__ import annotations

import calendar
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
from dossier.render import marks

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
            # As a reader sees them: backslash escapes and the entities of & and < undone.
            rows.append([html.unescape(re.sub(r"\\(.)", r"\1", c.strip())) for c in cells])
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
# (starts, ends, house arrest, verdicts, deaths, transfers and medical events, at every
# precision with or without `~` and `?`, before 1970 and across leap days, some events
# under the other case, some naming two persons, some confidential, some scheduled after
# the as-of day, which may fall inside a period) are shown every way the figures are
# shown, and each way must say what the others say: the JSON of `timeline`, `stats` and
# `chart`; the terminal's custody, summary and per-person tables; the text, Markdown and
# HTML reports' tables, redacted and not; the FtM export's custody entities; and, on a
# server, the same JSON as the file's. Names and places hold markup and Cyrillic, which
# every rendering must print literally.

# Names as people type them: Rich markup, HTML, Markdown and Cyrillic must print literally.
PERSONS = {
    "a": ("Anna [red]Smith[/red]", "Василий Алексанян"),
    "b": ("Pyotr <b>Petrov</b>", "Olga *O'Brien* & Co"),
}
SLUGS = dict(
    zip(
        [name for names in PERSONS.values() for name in names],
        ("anna-smith", "vasily-aleksanyan", "pyotr-petrov", "olga-obrien"),
        strict=True,
    )
)
NAMES = {slug: name for name, slug in SLUGS.items()}
TYPES = (
    *("arrest", "pretrial_detention", "imprisonment"),
    *("release", "bail", "house_arrest", "pardon", "parole", "acquittal"),
    *("death_in_custody", "escape", "transfer", "medical_care_denied", "hunger_strike"),
    *("medical_care", "illness"),
    *("ill_treatment", "verdict", "sentence", "detention_extended", "death", "emigration"),
    *("hearing", "search"),  # figures count them only: a server tallies them
)
STARTS = TYPES[:3]
ENDS = TYPES[3:11]
# Every type that may carry a place: starts and medical events name facilities, a house
# arrest the home; courts (hearings, extensions, ends) never are one.
PLACED = {"arrest", "pretrial_detention", "imprisonment", "transfer", "medical_care_denied",
          "medical_care", "illness", "house_arrest", "detention_extended", "hearing",
          "release", "bail"}  # fmt: skip
PLACES = ("SIZO-1", "[bold]Butyrka[/bold]", "Матросская тишина", "<i>her flat</i>")
COURTS = ("Moscow City Court", "Tverskoi <Court>")  # never a facility
COURTLY = {"detention_extended", "hearing", "release", "bail"}
# Three stretches of about three years, each holding a 29 February: one before 1970.
BASES = (datetime.date(1966, 1, 1), datetime.date(1999, 1, 1), datetime.date(2010, 1, 1))
COUNTED = {"medical_care_denied": "medical_care_denied", "ill_treatment": "ill_treatment",
           "hunger_strike": "hunger_strikes"}  # fmt: skip


def _leap(base: datetime.date) -> list[datetime.date]:
    """The days around the first 29 February from `base` on."""
    year = next(y for y in range(base.year, base.year + 8) if calendar.isleap(y))
    return [datetime.date(year, 2, 28), datetime.date(year, 2, 29), datetime.date(year, 3, 1)]


@st.composite
def custody_dossiers(draw: st.DrawFn) -> tuple[str, str]:
    """A JSON Lines import of two cases and four defendants with random histories, and an
    as-of day (within the histories, often inside a period, or after them)."""
    base = draw(st.sampled_from(BASES))
    year = base.year
    secret = draw(st.sampled_from((None, None, *SLUGS.values())))  # a protected person
    lines: list[dict[str, Any]] = [{"format": "dossier", "version": 1}]
    lines += [{"kind": "case", "id": case, "title": f"Case {case}"} for case in PERSONS]
    lines += [
        {"kind": "person", "id": SLUGS[name], "name": name,
         "roles": [{"case": case, "role": "defendant"}],
         "confidential": SLUGS[name] == secret,
         # Now and then a date of death in the record, which no period may outlast unsaid.
         "died": draw(st.sampled_from(
             (None, None, None, f"{year + 1}", f"{year + 2}-06-30", f"{year}-03", f"{year + 2}~")
         ))}
        for case, names in PERSONS.items() for name in names
    ]  # fmt: skip
    days = st.one_of(
        st.integers(0, 1100).map(lambda n: base + datetime.timedelta(days=n)),
        st.sampled_from(_leap(base)),
    )
    drawn = []
    n = 0
    for case, names in PERSONS.items():
        for name in names:
            for _ in range(draw(st.integers(0, 8))):
                day = draw(days)
                drawn.append(day)
                precision = draw(st.sampled_from((10, 10, 10, 7, 4)))
                # A start or an end as often as any other type: periods to compare.
                type_ = draw(st.sampled_from(draw(st.sampled_from((STARTS, ENDS, TYPES)))))
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
                    "confidential": not draw(st.integers(0, 7)),
                }
                if type_ in PLACED and draw(st.integers(0, 4)):
                    event["place"] = draw(st.sampled_from(COURTS if type_ in COURTLY else PLACES))
                if type_ == "verdict":
                    event["outcome"] = draw(
                        st.sampled_from((None, "guilty", "acquitted", "returned"))
                    )
                lines.append(event)
                n += 1
    if drawn and draw(st.booleans()):  # a day inside the histories: periods still running
        as_of = draw(st.sampled_from(drawn)) + datetime.timedelta(days=draw(st.integers(0, 40)))
    else:
        as_of = base + datetime.timedelta(days=draw(st.integers(0, 1500)))
    return "".join(json.dumps(line) + "\n" for line in lines), as_of.isoformat()


def _stripped(lines: str) -> str:
    """The drawn history as a redacted report must tell it: without the confidential
    events, and without a confidential person's date of death."""
    kept = []
    for line in lines.splitlines():
        record = json.loads(line)
        if record.get("confidential") and record.get("kind") == "event":
            continue
        if record.get("confidential") and record.get("kind") == "person":
            record["died"] = None
        kept.append(json.dumps(record) + "\n")
    return "".join(kept)


def _json(runner: CliRunner, db: str, *args: str) -> Any:
    result = runner.invoke(app, ["--db", db, *args])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def _out(runner: CliRunner, db: str, *args: str) -> str:
    """A command's output on a terminal wide enough that no cell wraps."""
    result = runner.invoke(app, ["--db", db, *args], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


FIGURE = r"~?\d+(–\d+)?( \+)?"  # days as a table shows them: 30, ~30, 0–19, 334 +
SUMMED = ("days_min", "days_max", "pretrial_days", "pretrial_days_min", "pretrial_days_max")
SHOWN_NAMES = (*SLUGS, *(f"Person {c}" for c in "ABCD"))  # real names, and pseudonyms
# A custody table's row as cells: (person as shown, start, end, days, pretrial, ended by,
# facilities).
Row = tuple[str, str, str, str, str, str, tuple[str, ...]]


def _person_cell(cell: str) -> bool:
    return cell.removesuffix(" !") in SHOWN_NAMES


def _cells_row(cells: list[str]) -> Row | None:
    """A row of a custody table given as its cells (Markdown, HTML): Person, Kind, Start,
    End, Days, Pretrial, Ended by, Facilities; None for any other table's row."""
    if len(cells) != 8 or not _person_cell(cells[0]) or not re.fullmatch(DATE, cells[2]):
        return None
    facilities = tuple(cells[7].split("; ")) if cells[7] else ()
    return (cells[0], *cells[2:6], cells[6], facilities)


def _grid_row(cells: list[str]) -> Row | None:
    """A row of the terminal's custody table (one line, on a wide terminal): the end's
    type is left blank while a period runs, facilities when there are none."""
    if not cells or not _person_cell(cells[0]):
        return None
    at = next((i for i, c in enumerate(cells) if re.fullmatch(DATE, c)), None)
    if at is None or len(cells) < at + 4 or not re.fullmatch(FIGURE, cells[at + 2]):
        return None
    start, end, days, pretrial, *rest = cells[at:]
    ended = rest.pop(0).replace("_", " ") if rest and end != "still held" else ""
    return (cells[0], start, end, days, pretrial, ended, tuple(rest[0].split("; ")) if rest else ())


TEXT_ROW = re.compile(
    rf"(?P<name>.*?) *(?:(?:custody|house arrest)  +)?(?P<start>{DATE})  +"
    rf"(?P<end>{DATE}|still held)  +(?P<days>{FIGURE})  +(?P<pretrial>{FIGURE})"
    r"(?:  +(?P<ended>\S.*))?"
)


def _text_rows(doc: str) -> list[Row]:
    """The custody rows of a text report: a name too wide for its column on a line of its
    own, the end's type wrapped under itself or said under the row ("Ended by: …"), the
    facilities under it ("Held at: …", wrapped)."""
    found: list[list[Any]] = []
    previous = ""
    field = None  # what a continued line continues: "ended" or "facilities"
    for line in doc.splitlines():
        match = TEXT_ROW.fullmatch(line)
        if match and _person_cell(match["name"] or previous.strip()):
            name = match["name"] or previous.strip()
            found.append([name, *match.group("start", "end", "days", "pretrial"),
                          match["ended"] or "", ""])  # fmt: skip
            field = "ended"
        elif found and field and line.startswith("    Ended by: "):
            found[-1][5] = line.removeprefix("    Ended by: ")
        elif found and field and line.startswith("    Held at: "):
            found[-1][6] = line.removeprefix("    Held at: ")
            field = "facilities"
        elif found and field == "facilities" and re.match(r" {6}\S", line):
            found[-1][6] += " " + line.strip()
        elif found and field == "ended" and re.match(r" {14,}\S", line):
            found[-1][5] += " " + line.strip()
        else:
            field = None
        previous = line
    return [(*row[:6], tuple(row[6].split("; ")) if row[6] else ()) for row in found]


def _custody_tables(docs: dict[str, str]) -> dict[str, list[Row]]:
    """The custody rows of each rendering: the terminal's timeline and the three reports."""
    return {
        "terminal": [r for r in map(_grid_row, spaced_rows(docs["terminal"])) if r],
        "txt": _text_rows(docs["txt"]),
        "md": [r for r in map(_cells_row, markdown_rows(docs["md"])) if r],
        "html": [r for r in map(_cells_row, html_rows(docs["html"])) if r],
    }


def _days(value: int, low: int, high: int, rough: bool, running: bool = False) -> str:
    """Days as every table shows them (docs/custody.md, "How figures are shown"): a range
    where the least and the most differ, else `~` before an approximate estimate; ` +`
    while the period runs."""
    shown = f"{low}–{high}" if low != high else f"{'~' * rough}{value}"
    return f"{shown} +" if running else shown


def _expected(p: dict[str, Any], name: str) -> Row:
    """A period's row as every table must show it, from its JSON."""
    return (
        name,
        show(p["start"]),
        show(p["end"]) or "still held",
        _days(p["days"], p["days_min"], p["days_max"], p["approximate"], p["ongoing"]),
        _days(p["pretrial_days"], p["pretrial_days_min"], p["pretrial_days_max"],
              p["pretrial_approximate"]),
        (p["ended_by"] or "").replace("_", " "),
        tuple(p["facilities"]),
    )  # fmt: skip


def _compared(r: dict[str, Any]) -> tuple[str, ...]:
    """A row of `stats --json`'s per_person as comparison tables show it: person, first
    held, days, pretrial days, care denied, ill-treated, hunger strikes, how it ended,
    verdict."""
    return (
        marked_name(NAMES[r["person"]], bool(r["problems"])),
        show(r["first_custody"]),
        _days(r["custody_days"], r["days_min"], r["days_max"], r["approximate"], r["ongoing"]),
        _days(r["pretrial_days"], r["pretrial_days_min"], r["pretrial_days_max"],
              r["pretrial_approximate"]),
        str(r["medical_care_denied"]), str(r["ill_treatment"]), str(r["hunger_strikes"]),
        "still held" if r["ongoing"] else (r["ended_by"] or "").replace("_", " "),
        r["verdict"] or "—",
    )  # fmt: skip


def _total(custody: dict[str, Any], key: str, rough: bool) -> str:
    """A total, median or maximum as a summary must show it (docs/custody.md)."""
    if custody[key] is None:
        return "—"
    return _days(custody[key], custody[f"{key}_min"], custody[f"{key}_max"], rough)


def _reports(runner: CliRunner, db: str, case: str, *args: str) -> dict[str, str]:
    return {
        fmt: runner.invoke(app, ["--db", db, "report", case, "--format", fmt, *args]).stdout
        for fmt in ("txt", "md", "html")
    }


def _report_figures(doc: str, fmt: str) -> dict[str, str]:
    """A report's statistics table (the first, the case's): label -> value."""
    if fmt == "txt":
        return dict(re.findall(r"^  (\S.*?) {2,}(\S.*)$", doc.split("\nStatistics\n")[1], re.M))
    rows = markdown_rows(doc) if fmt == "md" else html_rows(doc)
    labels = {label for label, _ in FIGURES}
    found: dict[str, str] = {}
    for row in rows:
        for label, value in zip(row[::2], row[1::2], strict=False):
            if label in labels:
                found.setdefault(label, value)
    return found


FIGURES = (
    ("Events", lambda s: str(s["events"]["total"])),
    ("Persons held", lambda s: str(s["custody"]["persons_held"])),
    ("Days in custody (total)",
     lambda s: _total(s["custody"], "total_days", s["custody"]["approximate"])),
    ("Pretrial days, median",
     lambda s: _total(s["custody"], "median_pretrial_days",
                      s["custody"]["median_pretrial_approximate"])),
    ("Pretrial days, maximum",
     lambda s: _total(s["custody"], "max_pretrial_days",
                      s["custody"]["max_pretrial_approximate"])),
    ("Currently held", lambda s: str(s["custody"]["currently_held"])),
    ("Deaths in custody", lambda s: str(s["custody"]["deaths_in_custody"])),
    ("Guilty verdicts / acquittals",
     lambda s: f"{s['verdicts']['guilty']} / {s['verdicts']['acquitted']}"),
)  # fmt: skip


def _check_case(runner: CliRunner, db: str, case: str, as_of: str) -> None:
    at = ("--as-of", as_of)
    timeline = _json(runner, db, "timeline", case, "--json", *at)
    figures = _json(runner, db, "stats", "--case", case, "--json", *at)
    chart = _json(runner, db, "chart", case, "--json", *at)
    periods = timeline["custody"]
    assert not {f for p in periods for f in p["facilities"]} & set(COURTS), periods
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
    # A median or maximum is marked only by what may be it, so never without the mark
    # of some figure behind it.
    for flag in ("median_pretrial_approximate", "max_pretrial_approximate"):
        assert not custody[flag] or custody["pretrial_approximate"], custody

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

    # The tables: one row a period, in the terminal and in each report (with the
    # confidential records, as the JSON counts them), the same cells, and each what the
    # JSON says: names marked "!", dates, days, pretrial days, how it ended, facilities.
    docs = {
        "terminal": _out(runner, db, "timeline", case, *at),
        **_reports(runner, db, case, "--include-confidential", *at),
    }
    shown = _custody_tables(docs)
    expected = [
        _expected(p, marked_name(NAMES[p["person"]], p["person"] in troubled)) for p in periods
    ]
    for where, rows in shown.items():
        assert rows == expected, (where, rows, expected)
    # The report's statistics are those of `stats --case`.
    for fmt in ("txt", "md", "html"):
        said = _report_figures(docs[fmt], fmt)
        for label, value in FIGURES:
            assert said.get(label) == value(figures), (fmt, label, said, figures["custody"])


def marked_name(name: str, troubled: bool) -> str:
    return f"{name} !" if troubled else name


def _check_redacted(
    runner: CliRunner, db: str, bare: str, lines: str, case: str, as_of: str
) -> None:
    """A redacted report of `case` shows what the dossier without its confidential records
    (`bare`) shows, and nothing of what it hides: no confidential event, no protected
    person's name, none of it counted."""
    at = ("--as-of", as_of)
    docs = _reports(runner, db, case, *at)
    records = [json.loads(line) for line in lines.splitlines()]
    secret = [r for r in records if r.get("confidential")]
    for fmt, doc in docs.items():
        text = html.unescape(doc)
        for record in secret:
            if record["kind"] == "person":
                assert record["name"].split()[0] not in text, fmt
                assert record["id"] not in text, fmt
            else:
                assert not re.search(rf"\b{record['id']}\b", text), (fmt, record)
    timeline = _json(runner, bare, "timeline", case, "--json", *at)
    figures = _json(runner, bare, "stats", "--case", case, "--json", *at)
    hidden = {r["id"] for r in secret if r["kind"] == "person"}
    withheld = {
        p for r in secret if r["kind"] == "event" and r["case"] == case for p in r["persons"]
    }
    troubled = {p["person"] for p in timeline["problems"]}
    for where, rows in _custody_tables({"terminal": "", **docs}).items():
        if where == "terminal":
            continue
        periods = timeline["custody"]
        assert len(rows) == len(periods), (where, rows, periods)
        for row, p in zip(rows, periods, strict=True):
            who = p["person"]
            name = row[0].removesuffix(" !")
            if who in hidden:
                assert re.fullmatch(r"Person [A-Z]+", name), (where, row)
            else:
                assert name == NAMES[who], (where, row)
            assert row[1:] == _expected(p, "")[1:], (where, row, p)
            # Marked as the bare record's problems mark it, or for what was left out.
            if who in troubled:
                assert row[0].endswith(" !"), (where, row)
            elif row[0].endswith(" !"):
                assert who in withheld, (where, row, timeline["problems"])
        said = _report_figures(docs[where], where)
        for label, value in FIGURES:
            assert said.get(label) == value(figures), (where, label, said)
        # Later events left out: those the report would show, not confidential ones.
        note = marks.as_of_note(as_of, figures["later_events_left_out"], capital=False)
        assert note + "." in " ".join(html.unescape(docs[where]).split()), (where, note)


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


@settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=custody_dossiers())
def test_what_a_redacted_rendering_hides_it_does_not_count(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, str]
) -> None:
    lines, as_of = drawn
    runner = CliRunner()
    _source, db = _file_of(runner, tmp_path_factory, lines)
    _bare_source, bare = _file_of(runner, tmp_path_factory, _stripped(lines))
    for case in PERSONS:
        _check_redacted(runner, db, bare, lines, case, as_of)


PER_PERSON = re.compile(
    rf"(?P<name>.*?)  +(?P<first>{DATE})  +(?P<days>{FIGURE})  +(?P<pretrial>{FIGURE})"
    r"(?:  +[█▏]+)?  +(?P<care>\d+)  +(?P<ill>\d+)  +(?P<hunger>\d+)  +(?P<ended>\S.*?)"
    r"  +(?P<verdict>\S+)"
)


def _check_whole(runner: CliRunner, db: str, as_of: str) -> None:
    """`stats` over all cases: its terminal summary and per-person table say what its
    JSON says."""
    at = ("--as-of", as_of)
    figures = _json(runner, db, "stats", "--json", *at)
    rows = []
    lines = _out(runner, db, "stats", "--per-person", *at).splitlines()
    for line, below in zip(lines, [*lines[1:], ""], strict=True):
        if (match := PER_PERSON.fullmatch(line.strip())) and _person_cell(match["name"]):
            cells = ("name", "first", "days", "pretrial", "care", "ill", "hunger", "ended")
            rows.append((*match.group(*cells, "verdict"), below.strip()))
    expected = [(*_compared(r), f"({r['case']})") for r in figures["per_person"]]
    assert rows == expected
    # The comparison of a report of both cases (the text report's, abridged, aside).
    for fmt, parse in (("md", markdown_rows), ("html", html_rows)):
        doc = runner.invoke(
            app, ["--db", db, "report", "a", "b", "--format", fmt, "--include-confidential", *at]
        ).stdout
        compared = [
            (row[0], *row[2:]) for row in parse(doc) if len(row) == 10 and _person_cell(row[0])
        ]
        assert compared == [_compared(r) for r in figures["per_person"]], fmt
    summary = dict(re.findall(r"^(\S.*?) {2,}(\S+)$", _out(runner, db, "stats", *at), re.M))
    custody = figures["custody"]
    for label, value in (
        ("days in custody (total)", _total(custody, "total_days", custody["approximate"])),
        ("pretrial days, median",
         _total(custody, "median_pretrial_days", custody["median_pretrial_approximate"])),
        ("pretrial days, maximum",
         _total(custody, "max_pretrial_days", custody["max_pretrial_approximate"])),
        ("persons held", str(custody["persons_held"])),
        ("custody periods", str(custody["periods"])),
        ("currently held", str(custody["currently_held"])),
        ("deaths in custody", str(custody["deaths_in_custody"])),
    ):  # fmt: skip
        assert summary.get(label) == value, (label, summary, custody)


FTM_DAYS = re.compile(r"(~?)(\d+) days(?: \(between (\d+) and (\d+)\))?")


def _ftm_periods(runner: CliRunner, db: str, *args: str) -> tuple[dict[str, Any], str]:
    """The custody and house-arrest `Event` entities of an FtM export, by record id, and
    the whole export."""
    result = runner.invoke(app, ["--db", db, "export", "--format", "ftm", *args])
    assert result.exit_code == 0, result.output
    entities = [json.loads(line) for line in result.stdout.splitlines()]
    return {
        record: e["properties"]
        for e in entities
        if re.match(r"(custody|house_arrest):", record := e["properties"].get("recordId", [""])[0])
    }, result.stdout


def _check_ftm(runner: CliRunner, db: str, lines: str) -> None:
    """The FtM export's custody entities tell each period as a person's own timeline (all
    their cases, as of today) does: start, end, days with their range and `~`, how it
    ended or that it runs, facilities, its problems and rough dates in notes. A redacted
    export, or one of a single case, tells no confidential record and no period other
    than as the whole record tells it."""
    records = [json.loads(line) for line in lines.splitlines()]
    persons = {r["id"]: r for r in records if r.get("kind") == "person"}
    timelines = {p: _json(runner, db, "timeline", "--person", p, "--json") for p in persons}
    periods = {
        f"{p['kind']}:{p['person']}:{p['start_event']}": (p, t["problems"], t["as_of"])
        for t in timelines.values()
        for p in t["custody"]
    }
    whole, _ = _ftm_periods(runner, db, "--include-confidential")
    assert whole.keys() == periods.keys()
    for record, entity in whole.items():
        p, problems, as_of = periods[record]
        (summary,) = entity["summary"]
        kind = "House arrest" if p["kind"] == "house_arrest" else "Custody"
        assert summary.startswith(f"{kind} from {show(p['start'])}: "), (summary, p)
        match = FTM_DAYS.search(summary)
        assert match, summary
        rough, days, low, high = match.groups()
        assert int(days) == p["days"], (summary, p)
        ranged = p["days_min"] != p["days_max"]
        assert (low, high) == ((str(p["days_min"]), str(p["days_max"])) if ranged else (None, None))
        assert bool(rough) == (p["approximate"] and not ranged), (summary, p)
        if p["ongoing"]:
            assert f"ongoing as of {as_of}" in summary, (summary, p)
        else:
            assert f"ended by {p['ended_by'].replace('_', ' ')}" in summary, (summary, p)
        assert entity.get("startDate") == [p["start"].rstrip("~?")], (entity, p)
        assert entity.get("endDate", [None]) == [p["end"] and p["end"].rstrip("~?")]
        assert entity.get("location", []) == p["facilities"], (entity, p)
        notes = entity.get("notes", [])
        mine = [x for x in problems if x["person"] == p["person"]]
        assert len([n for n in notes if n.startswith("Problem: ")]) == len(mine), (notes, mine)
        assert ("has a problem" in summary) == bool(mine), (summary, mine)
        for what, date in (("start", p["start"]), ("end", p["end"])):
            said = any(n.startswith(f"The {what} is ") for n in notes)
            assert said == bool(date and date[-1] in "~?"), (what, notes, p)
    for args in ((), ("--case", "a", "--include-confidential"), ("--case", "b")):
        part, text = _ftm_periods(runner, db, *args)
        for record, entity in part.items():
            # Exported only as the whole record tells it (its problems aside, and places
            # that only a confidential event names).
            assert _untroubled(entity["summary"][0]) == _untroubled(whole[record]["summary"][0])
            assert set(entity.get("location", [])) <= set(whole[record].get("location", []))
        if "--include-confidential" in args:
            continue
        for record in records:
            if not record.get("confidential"):
                continue
            if record["kind"] == "person":
                assert record["name"] not in text and record["id"] not in text, (args, record)
            else:
                assert f'"recordId":["{record["id"]}"]' not in text.replace(" ", ""), record


def _untroubled(summary: str) -> str:
    """An FtM summary without the clause that says the record has a problem."""
    return re.sub(r"(; the person's custody record has a problem, said in notes)?\.$", "", summary)


@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=custody_dossiers())
def test_stats_tables_and_the_ftm_export_say_what_the_json_says(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, str]
) -> None:
    lines, as_of = drawn
    runner = CliRunner()
    _source, db = _file_of(runner, tmp_path_factory, lines)
    _check_whole(runner, db, as_of)
    _check_ftm(runner, db, lines)


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
