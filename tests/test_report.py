"""`dossier report`: what a printed dossier says, in HTML, Markdown and plain text.

README.md, "Printing a dossier": a heading per case, persons and roles, custody
periods, the timeline citing one numbered list of sources, statistics, and a footer with
the version, the as-of date and the state hash that `verify --hash` finds again.
Confidential records are redacted unless asked for; user text prints literally.

Each format is read back into the same `Read` (see the readers at the end), so
one set of expectations checks all three; what only one format does (links,
footnotes, columns) has its own test.
"""

from __future__ import annotations

import datetime
import html
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATABASES, Run, made, opened, rewrite, stored, url_for
from dossier import __version__
from dossier.report import Citations, build

AS_OF = "2022-01-01"
FORMATS = ("html", "md", "txt")
DATA = Path(__file__).parent.parent / "data"
SAMPLE = [str(DATA / name) for name in ("cases.csv", "persons.csv", "events.csv")]

CASE_SOURCE = "https://example.org/case"
ANNA_SOURCE = "https://example.org/anna"
ARREST_SOURCE = "https://example.org/arrest"
COURT_RECORD = "Court record 12"  # not a web address: printed as text, not as a link
SENTENCE_SOURCE = "https://example.org/sentence"
RELEASE_SOURCE = "https://example.org/release"

# Anna Smith: held 10 Aug 2020 to 30 Jun 2021 (324 days; 203 until her sentence).
# Boris Brown: held since January 2021, not precise to the day (~365 days to AS_OF).
# A confidential witness, and a confidential event that must not be shown or counted.
SMITH = [
    "case add smith --title 'State v. Smith' --jurisdiction BY --status open"
    f" --charge 'Art. 342 CC' --charge 'Art. 130 CC' --source {CASE_SOURCE}",
    "person add 'Anna Smith' --alias 'Ганна Сміт' --born 1980-02-03 --notes journalist"
    f" --source {ANNA_SOURCE} --case smith --role defendant",
    "person add 'Boris Brown' --case smith --role defendant",
    "person add 'Secret Witness' --alias 'SW alias' --notes 'secret notes'"
    " --source https://example.org/secret-source --case smith --role witness --confidential",
    "log smith arrest 2020-08-10 -p 'Anna Smith' --place Minsk --country BY"
    f" -d 'Arrested at a protest.' -s {ARREST_SOURCE} -s '{COURT_RECORD}'",
    f"log smith transfer 2020-09-15 -p 'Anna Smith' --place 'SIZO-1 Minsk' -s {CASE_SOURCE}",
    "log smith hearing 2020-10 -p 'Anna Smith' -d 'First hearing.' --note 'Date from a blog.'",
    f"log smith other 2020-10-01 -p 'Secret Witness' -d 'Witness statement.' -s '{COURT_RECORD}'",
    "log smith other 2020-10-02 -d 'Hidden meeting.' -s https://example.org/hidden --confidential",
    "log smith arrest 2021-01 -p 'Boris Brown' -d 'Brown detained.'",
    "log smith sentence 2021-03-01 -p 'Anna Smith' --outcome guilty --term '3 years'"
    f" -s {SENTENCE_SOURCE} -s {ARREST_SOURCE}",
    f"log smith release 2021-06-30 -p 'Anna Smith' -s {RELEASE_SOURCE}",
]
SMITH_SOURCES = [
    (1, CASE_SOURCE),
    (2, ANNA_SOURCE),
    (3, ARREST_SOURCE),
    (4, COURT_RECORD),
    (5, SENTENCE_SOURCE),
    (6, RELEASE_SOURCE),
]
# The confidential witness is also held in a second case, with a release that ends
# no custody (a problem line) and a row in the comparison table.
JONES = [
    "case add jones --title 'State v. Jones'",
    "log jones release 2020-12-01 -p 'Secret Witness' -s https://example.org/jones",
    "log jones arrest 2021-02-01 -p 'Secret Witness' --place 'Okrestina, Minsk'",
]
# Everything that would identify the confidential witness or the confidential event.
SECRETS = ("secret", "sw alias", "hidden")

SCRIPT = "<script>alert(1)</script>"
MARKUP = "[red]x[/red] **bold** | pipe"
HOSTILE = [
    "case add hostile --title 'Hostile input'",
    f"person add '{SCRIPT}' --case hostile --role defendant",
    f"log hostile hearing 2020-01-01 -p '{SCRIPT}' -d '{MARKUP}' -s https://example.org/h",
]

KHODORKOVSKY = "Yukos: Mikhail Khodorkovsky and Platon Lebedev (first and second trials)"


def setup(run: Run, commands: list[str]) -> Run:
    """Run these commands, as a user types them, on the test's dossier."""
    for command in commands:
        result = run(*shlex.split(command))
        assert result.exit_code == 0, f"{command}: {result.output}"
    return run


def built(run: Run, db: Path, commands: list[str]) -> Run:
    """A new dossier made by these commands: made once, then copied (history and all)."""
    made(db, "test_report: " + "\n".join(commands), lambda: setup(run, commands))
    return run


@pytest.fixture
def smith(run: Run, db: Path) -> Run:
    return built(run, db, SMITH)


@pytest.fixture
def hostile(run: Run, db: Path) -> Run:
    return built(run, db, HOSTILE)


@pytest.fixture
def sample(run: Run, db: Path) -> Run:
    """The sample dossier in data/: three real cases, 12 persons, 59 events."""
    return built(run, db, [shlex.join(["import", *SAMPLE])])


def report(run: Run, *args: str) -> str:
    """A report on standard output (plain text unless --format)."""
    result = run("report", *args, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def state_hash(run: Run) -> str:
    result = run("verify", "--json")
    assert result.exit_code == 0, result.output
    value: str = json.loads(result.stdout)["state_hash"]
    return value


# The library ------------------------------------------------------------------


def test_citations_number_each_source_once_in_first_citation_order() -> None:
    citations = Citations()
    assert citations.cite(["b", "a"]) == (1, 2)
    assert citations.cite(["c", "a", "c"]) == (2, 3)  # ascending, each number once
    assert citations.cite([]) == ()
    assert citations.listing() == [(1, "b"), (2, "a"), (3, "c")]


def test_build_gathers_the_case(smith: Run, db: Path) -> None:
    built = build(opened(db), ["smith"], as_of=datetime.date(2022, 1, 1))
    (section,) = built.sections
    assert section.case.title == "State v. Smith"
    assert section.citations == (1,)
    assert [(p.name, p.role, p.citations) for p in section.parties] == [
        ("Anna Smith", "defendant", (2,)),
        ("Boris Brown", "defendant", ()),
        ("Person A", "witness", ()),
    ]
    assert [
        (h.name, h.period.start, h.period.end, h.period.days, h.period.pretrial_days)
        for h in section.custody
    ] == [
        ("Anna Smith", "2020-08-10", "2021-06-30", 324, 203),
        ("Boris Brown", "2021-01", None, 365, 365),
    ]
    assert [(h.period.days_min, h.period.days_max, h.troubled) for h in section.custody] == [
        (324, 324, False),
        (335, 365, False),  # arrested in January 2021: on the 31st, or on the 1st
    ]
    # One number per distinct source: the case's source is [1] again on the transfer,
    # the arrest's [3] again on the sentence; a new source there gets [5], shown after it.
    assert [(e.date, e.type, e.persons, e.citations) for e in section.timeline] == [
        ("2020-08-10", "arrest", ("Anna Smith",), (3, 4)),
        ("2020-09-15", "transfer", ("Anna Smith",), (1,)),
        ("2020-10", "hearing", ("Anna Smith",), ()),
        ("2020-10-01", "other", ("Person A",), (4,)),
        ("2021-01", "arrest", ("Boris Brown",), ()),
        ("2021-03-01", "sentence", ("Anna Smith",), (3, 5)),
        ("2021-06-30", "release", ("Anna Smith",), (6,)),
    ]
    assert list(built.sources) == SMITH_SOURCES
    assert (built.redacted_persons, built.redacted_events, built.redacted) == (1, 1, True)
    assert built.combined is None
    assert built.as_of == datetime.date(2022, 1, 1)
    assert built.version == __version__
    assert built.state_hash == opened(db).state_hash().all


def test_build_with_confidential_records(smith: Run, db: Path) -> None:
    built = build(opened(db), ["smith"], as_of=datetime.date(2022, 1, 1), include_confidential=True)
    (section,) = built.sections
    assert [p.name for p in section.parties] == ["Anna Smith", "Boris Brown", "Secret Witness"]
    assert "Hidden meeting." in [e.description for e in section.timeline]
    assert (built.redacted_persons, built.redacted_events, built.redacted) == (0, 0, False)
    assert built.include_confidential


# What every format says ---------------------------------------------------------

SMITH_STATS = {
    "Events": "7",  # the confidential event is not counted
    "Persons held": "2",
    # Boris Brown's arrest is known to the month: 335 to 365 days, Anna Smith's 324.
    "Days in custody (total)": "659–689",
    "Pretrial days, median": "269–284",  # of 203 and 335-365
    "Pretrial days, maximum": "335–365",
    "Currently held": "1",
    "Deaths in custody": "0",
    "Guilty verdicts / acquittals": "1 / 0",
    "Conviction rate": "100%",
    "Extradition requests / granted / refused": "0 / 0 / 0",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_says_everything(smith: Run, fmt: str) -> None:
    doc = report(smith, "smith", "--format", fmt)
    read = READERS[fmt](doc)
    assert read.title == "Dossier: State v. Smith"
    assert read.sections == ["State v. Smith"]
    assert read.facts == [
        {"Jurisdiction": "BY", "Status": "open", "Charges": "Art. 342 CC; Art. 130 CC"}
    ]
    assert read.parties == [
        ("Anna Smith", "defendant"),
        ("Boris Brown", "defendant"),
        ("Person A", "witness"),
    ]
    assert "3 February 1980" in doc
    assert "Ганна Сміт" in doc
    assert "journalist" in doc
    assert read.custody == [
        ("Anna Smith", "2020-08-10", "2021-06-30", "324", "203", "release", "Minsk; SIZO-1 Minsk"),
        ("Boris Brown", "2021-01", "still held", "335–365 +", "335–365", "", ""),
    ]
    assert read.problems == []
    assert read.timeline == [
        ("2020-08-10", "arrest"),
        ("2020-09-15", "transfer"),
        ("2020-10", "hearing"),
        ("2020-10-01", "other"),
        ("2021-01", "arrest"),
        ("2021-03-01", "sentence"),
        ("2021-06-30", "release"),
    ]
    assert read.stats == [SMITH_STATS]
    assert read.sources == SMITH_SOURCES
    # Citations in document order: the case, Anna, then the timeline rows.
    assert read.cited == [(1,), (2,), (3, 4), (1,), (4,), (3, 5), (6,)]
    # The hearing and Brown's arrest; HTML and text also mark a person with no source
    # (the Markdown reader counts the timeline only).
    assert read.unsourced == (2 if fmt == "md" else 3)
    assert read.redacted


def test_html_lays_out_rows_links_and_notes(smith: Run) -> None:
    doc = report(smith, "smith", "--format", "html")
    page = Page(doc)
    ids = re.findall(r'<div class="muted event-id">event (\w+)</div>', doc)
    assert len(ids) == 7  # each row names its event, as problems cite it
    rows = [[re.sub(r" event \w+$", "", row[0]), *row[1:]] for row in page.rows("Timeline")]
    assert rows == [
        ["Date", "Event", "Persons", "Place", "What happened", "Sources"],
        ["2020-08-10", "arrest", "Anna Smith", "Minsk (BY)", "Arrested at a protest.", "[3] [4]"],
        ["2020-09-15", "transfer", "Anna Smith", "SIZO-1 Minsk", "", "[1]"],
        ["2020-10", "hearing", "Anna Smith", "", "First hearing. Note: Date from a blog.",
         "unsourced"],
        ["2020-10-01", "other", "Person A", "", "Witness statement.", "[4]"],
        ["2021-01", "arrest", "Boris Brown", "", "Brown detained.", "unsourced"],
        ["2021-03-01", "sentence guilty 3 years", "Anna Smith", "", "", "[3] [5]"],
        ["2021-06-30", "release", "Anna Smith", "", "", "[6]"],
    ]  # fmt: skip
    assert page.rows("Custody")[0] == [
        "Person", "Kind", "Start", "End", "Days", "Pretrial days", "Ended by", "Facilities",
    ]  # fmt: skip
    assert page.rows("Persons")[1] == [
        "Anna Smith Ганна Сміт", "defendant", "3 February 1980", "", "journalist", "[2]",
    ]  # fmt: skip
    assert '<div class="note">Note: Date from a blog.</div>' in doc  # under its event
    assert '<span class="unsourced">unsourced</span>' in doc
    assert '<a href="#src-3">[3]</a>' in doc  # a citation jumps to its source
    for number, source in SMITH_SOURCES:
        shown = f'<a href="{source}">{source}</a>' if source.startswith("https") else source
        assert f'<li id="src-{number}" value="{number}">{shown}</li>' in doc
    assert "This report is redacted: 1 confidential person(s)" in page.text


def test_markdown_lays_out_tables_and_footnotes(smith: Run) -> None:
    doc = report(smith, "smith", "--format", "md")
    assert doc.startswith("# Dossier: State v. Smith\n")
    assert "**Case:** smith [^1] · **Jurisdiction:** BY · **Status:** open" in doc
    assert "| 2020-08-10 | arrest | Anna Smith | Minsk (BY) | Arrested at a protest. |" in doc
    assert "| First hearing. *Note: Date from a blog.* | *unsourced* |" in doc
    assert "| 2021-03-01 | sentence (guilty), 3 years | Anna Smith |  |  | [^3][^5] |" in doc
    definitions = [line for line in doc.splitlines() if line.startswith("[^")]
    assert definitions == [
        f"[^1]: <{CASE_SOURCE}>",
        f"[^2]: <{ANNA_SOURCE}>",
        f"[^3]: <{ARREST_SOURCE}>",
        "[^4]: Court record 12",
        f"[^5]: <{SENTENCE_SOURCE}>",
        f"[^6]: <{RELEASE_SOURCE}>",
    ]
    for heading, rows in md_tables(doc):
        assert {len(row) for row in rows} == {len(rows[0])}, heading


def test_text_lays_out_the_timeline_with_notes_under_their_event(smith: Run) -> None:
    doc = report(smith, "smith")
    assert doc.startswith("Dossier: State v. Smith\n#######################\n")
    doc = re.sub(r"  \(event \w+\)$", "", doc, flags=re.M)  # each event's id, at the end
    assert (
        "2020-10     hearing  (unsourced)\n"
        "            Anna Smith\n"
        "            First hearing.\n"
        "            Note: Date from a blog.\n"
        "2020-10-01  other  [4]\n"
        "            Person A\n"
        "            Witness statement.\n"
    ) in doc
    assert "2021-03-01  sentence (guilty), 3 years  [3][5]\n" in doc
    assert (
        "Person                Start       End         Days        Pretrial   Ended by\n"
        "Anna Smith            2020-08-10  2021-06-30  324         203        release\n"
        "    Held at: Minsk; SIZO-1 Minsk\n"
        "Boris Brown           2021-01     still held  335–365 +   335–365\n"
        "\n"
        "A range (such as 0–19) the fewest and most days the dates allow, + a period\n"
        "still running.\n"
    ) in doc
    assert "[4]   Court record 12\n" in doc
    assert all(len(line) <= 80 for line in doc.splitlines())


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_footer_has_the_version_the_as_of_day_and_the_state_hash(smith: Run, fmt: str) -> None:
    doc = report(smith, "smith", "--format", fmt)
    footer = doc[doc.rindex("Made ") :]
    assert re.match(r"Made \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ with dossier ", footer)
    assert f"dossier {__version__}, as of {AS_OF}." in footer
    assert "Redacted." in footer
    hash_ = state_hash(smith)
    assert "State hash" in footer
    assert footer.index("State hash") < footer.index(hash_)
    body = doc[doc.find("<body>") :] if fmt == "html" else doc  # HTML's head names it too
    assert body.count(hash_) == 1


# Choosing the format ------------------------------------------------------------

FIRST_LINE = {
    "html": "<!DOCTYPE html>",
    "md": "# Dossier: State v. Smith",
    "txt": "Dossier: State v. Smith",
}


@pytest.mark.plain_only("view options over records already read: the store takes no part")
@pytest.mark.parametrize(
    ("name", "options", "fmt"),
    [
        ("smith.html", [], "html"),
        ("smith.HTM", [], "html"),
        ("smith.md", [], "md"),
        ("smith.markdown", [], "md"),
        ("smith.txt", [], "txt"),
        ("smith.html", ["--format", "md"], "md"),
        ("smith.txt", ["--format", "html"], "html"),
    ],
)
def test_the_format_comes_from_the_extension_unless_given(
    smith: Run, tmp_path: Path, name: str, options: list[str], fmt: str
) -> None:
    target = tmp_path / name
    result = smith("report", "smith", "-o", str(target), *options, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {target} (redacted); state hash {state_hash(smith)}\n"
    assert target.read_text(encoding="utf-8").splitlines()[0] == FIRST_LINE[fmt]


def test_text_columns_stay_in_line_when_a_figure_is_wide(run: Run) -> None:
    """A range of days still running (6971 to 7001, then "+") was wider than its column
    and pushed the rest of its row one character right of the header and the others."""
    for args in (
        ("case", "add", "c", "--title", "C"), ("case", "add", "d", "--title", "D"),
        ("person", "add", "Leyla Aliyeva", "--case", "c", "--role", "defendant"),
        ("person", "add", "Ivan Ivanov", "--case", "d", "--role", "defendant"),
        ("log", "c", "arrest", "c. 2005", "-p", "leyla-aliyeva"),
        ("log", "c", "release", "2006?", "-p", "leyla-aliyeva"),
        ("log", "c", "arrest", "2007-10?", "-p", "leyla-aliyeva"),
        ("log", "c", "sentence", "2008", "-p", "leyla-aliyeva"),
        ("log", "d", "arrest", "2020-01-01", "-p", "ivan-ivanov"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    out = run("report", "c", "d", "--as-of", "2026-12-01").stdout.splitlines()
    for header in ("Person                Start", "Person                First held"):
        at = next(i for i, line in enumerate(out) if line.startswith(header))
        rows = [
            out[at],
            *(line for line in out[at + 1 : at + 8] if line.startswith(("Leyla", "Ivan"))),
        ]
        column = _columns(rows[0]).index(rows[0].index("Pretrial"))
        assert len(rows) > 2 and len({_columns(row)[column] for row in rows}) == 1, rows


@pytest.mark.plain_only("text layout: the same records laid out the same from any store")
def test_a_text_report_never_cuts_a_citation_mark(run: Run) -> None:
    """25 sources on one event: the marks ran on as one word and were cut inside a
    number ("[16][17][1" / "8][19]"). They break between two marks."""
    sources = [arg for i in range(1, 26) for arg in ("--source", f"https://a.example/{i}")]
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("log", "c", "arrest", "2010-01-01", *sources).exit_code == 0
    doc = report(run, "c")
    marks = "".join(line.strip() for line in doc.splitlines() if "][" in line or "[25]" in line)
    assert "".join(f"[{n}]" for n in range(1, 26)) in marks
    for line in doc.splitlines():
        assert len(line) <= 80
        if "][" in line:
            assert re.fullmatch(r"[^\[\]]*(\[\d+\])+[^\[\]]*", line.strip()), line


@pytest.mark.plain_only("text layout: the same records laid out the same from any store")
def test_a_text_report_measures_wide_characters_in_cells(run: Run) -> None:
    """CJK characters take two cells each: the text report counted characters, so a
    description ran to 148 columns and a name pushed its row's dates out of line."""
    from rich.cells import cell_len

    assert run("case", "add", "c", "--title", "中文案件").exit_code == 0
    assert run("person", "add", "王小明", "--id", "wang", "--yes", "--case", "c", "--role",
               "defendant").exit_code == 0  # fmt: skip
    text = "中文字符宽度测试" * 10 + " [x] and a few words"
    assert run("log", "c", "arrest", "2010-01-01", "-p", "wang", "-d", text).exit_code == 0
    # A wide character and a combining mark (decomposed Cyrillic): as many characters as
    # cells, so counting characters took the text for narrow and its first line, full to
    # the character, ran to 81 cells. And a wide name before the custody table's last
    # column ("death_in_custody"): its row ran to 85.
    mixed = "李 " + "a" * 66 + " later in Бий\u0306ск"
    assert run("person", "add", "李明华王伟", "--id", "li", "--yes", "--case", "c", "--role",
               "defendant").exit_code == 0  # fmt: skip
    for args in (("arrest", "2005-01-10", "-p", "li"),
                 ("death_in_custody", "2009-11-16", "-p", "li", "-d", mixed)):  # fmt: skip
        assert run("log", "c", *args).exit_code == 0
    doc = report(run, "c")
    lines = doc.splitlines()
    assert max(map(cell_len, lines)) <= 80
    assert "Dossier: 中文案件\n" + "#" * 17 + "\n" in doc  # the underline as wide as it
    header = next(line for line in lines if line.startswith("Person ") and "Start" in line)
    row = next(line for line in lines if line.startswith("王小明 ") and "2010-01-01" in line)
    assert cell_len(row[: row.index("2010-01-01")]) == header.index("Start")
    said = "".join(line.strip() for line in lines if "中文字符" in line or "测试" in line)
    assert said.startswith("中文字符宽度测试" * 10)  # nothing lost in the wrapping


def test_a_text_report_says_which_period_is_house_arrest(run: Run) -> None:
    """A new user's find: the text report had no Kind column, so a house arrest read
    as custody ("still held 2466 +", "Held at: her flat"); only "(house arrest)",
    wrapped into "Ended by", hinted otherwise. It has the column the other formats
    have, where some period is house arrest, and fits 80 columns."""
    for args in (
        ("case", "add", "ha", "--title", "House arrest"),
        ("person", "add", "Anna Orlova", "--case", "ha", "--role", "defendant"),
        ("log", "ha", "arrest", "2020-01-10", "-p", "anna-orlova", "--place", "SIZO-6"),
        ("log", "ha", "house_arrest", "2020-03-01", "-p", "anna-orlova", "--place", "her flat"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    doc = report(run, "ha")  # as of AS_OF
    custody = doc[doc.index("Custody\n-------") : doc.index("Timeline\n")]
    assert custody.splitlines()[3:9] == [
        "Person        Kind          Start       End         Days      Pretrial  Ended by",
        "Anna Orlova   custody       2020-01-10  2020-03-01  51        51        house",
        "                                                                        arrest",
        "    Held at: SIZO-6",
        "Anna Orlova   house arrest  2020-03-01  still held  671 +     671",
        "    Held at: her flat",
    ]
    assert all(len(line) <= 80 for line in doc.splitlines())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_house_arrest_is_held_at_home_not_at_the_court_that_released_him(
    run: Run, fmt: str
) -> None:
    """A tester's find: house arrest and a release from the court that ordered it on one
    day, nothing open before. Every report said "Held at: his flat; Basmanny District
    Court"; a court is never a place of custody."""
    setup(
        run,
        [
            "case add r --title R",
            "person add 'Oleg Q' --id oq --case r --role defendant",
            "log r house_arrest 2015-09-15 -p oq --place 'his flat'",
            "log r release 2015-09-15 -p oq --place 'Basmanny District Court'",
            "log r release 2016-01-10 -p oq",
        ],
    )
    read = READERS[fmt](report(run, "r", "--format", fmt))
    assert [(row[0], row[-1]) for row in read.custody] == [("Oleg Q", "his flat")]
    assert read.problems == []


def test_a_text_table_puts_every_end_in_one_place(run: Run) -> None:
    """An adversary's find: where one row's "Ended by" did not fit its column, that row
    said it on a line of its own while the others kept theirs in the column, so a column
    left empty read as "still held" for a man released; and the comparison table's
    heading went under itself as "Ended / verdict: Ended / verdict"."""
    for command in (
        "case add p --title P",
        "case add q --title Q",
        "person add 'Ivan Petrov' --id ivan --case p --role defendant",
        "person add 'Anna Orlova' --id anna --case p --role defendant",
        "person add 'Oleg Popov' --id oleg --case q --role defendant",
        "log p arrest 2012-05-03~ -p ivan",
        "log p release 2012-09-01 -p ivan",
        "log p arrest 2014-01-01 -p anna",
        "log p bail 2014-02-15 -p anna",
        "log p house_arrest 2014-02-15 -p anna",
        "log p release 2015-06-01 -p anna",
        "log q arrest 2016-01-01 -p oleg",
        "log q release 2016-02-01 -p oleg",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    doc = report(run, "p", "q")
    custody = doc[doc.index("Custody\n-------") : doc.index("Timeline\n")]
    assert custody.splitlines()[3:10] == [
        "Person        Kind          Start          End         Days      Pretrial",
        "Ivan Petrov   custody       c. 2012-05-03  2012-09-01  ~121      ~121",
        "    Ended by: release",
        "Anna Orlova   custody       2014-01-01     2014-02-15  45        45",
        "    Ended by: bail",
        "Anna Orlova   house arrest  2014-02-15     2015-06-01  471       471",
        "    Ended by: release",
    ]
    compared = doc[doc.index("Persons held: comparison") :].splitlines()
    assert compared[3:6] == [
        "Person                First held     Days        Pretrial   Care denied",
        "Ivan Petrov           c. 2012-05-03  ~121        ~121       0",
        "    Ended / verdict: release; -",
    ]
    assert "Ended / verdict: Ended / verdict" not in doc


def test_a_text_report_of_cases_where_no_one_was_held(run: Run) -> None:
    """A review's find: the comparison table's widths, taken from its rows, had none to
    take and the report stopped with an internal error."""
    for args in (
        ("case", "add", "a1", "--title", "A"), ("case", "add", "b1", "--title", "B"),
        ("person", "add", "Ivan Petrov", "--case", "a1", "--role", "defendant"),
        ("log", "a1", "hearing", "2020-01-01", "-p", "ivan-petrov"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    result = run("report", "a1", "b1", "--format", "txt")
    assert result.exit_code == 0, result.output
    assert "No custody recorded." in result.stdout


def _columns(line: str) -> list[int]:
    """Where the columns of a text table's row start (after two spaces or more)."""
    return [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", line)]


def test_plain_text_never_cuts_a_word_of_the_last_column(run: Run) -> None:
    """A user's find: an approximate start ("c. 2013-02-02") widens its column, and the
    words of the last one were cut to fit what was left: "acquitt" / "al", "in cust" /
    "ody". Such a row puts that column on lines of its own, words whole."""
    for command in (
        "case add g --title G",
        "case add h --title H",
        "person add 'Gleb Pyatov' --case g --role defendant",
        "person add 'Ivan Ivanov' --case h --role defendant",
        "log g arrest 'c. 02.02.2013' -p 'Gleb Pyatov'",
        "log g acquittal 10.10.2013 -p 'Gleb Pyatov'",
        "log h arrest '2010-06-01?' -p 'Ivan Ivanov'",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    for cases in (["g"], ["g", "h"]):
        doc = report(run, *cases)
        assert all(len(line) <= 80 for line in doc.splitlines())
        words = {w for line in doc.splitlines() for w in line.replace(";", " ").split()}
        assert {"acquittal", "held"} & words
        assert not {"acquitt", "al", "acquitta", "l", "cust", "ody"} & words, cases


def test_plain_text_on_standard_output_by_default(smith: Run) -> None:
    assert report(smith, "smith").splitlines()[0] == FIRST_LINE["txt"]
    assert report(smith, "smith", "--format", "md").splitlines()[0] == FIRST_LINE["md"]


# The sample dossier ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_sample_case_in_every_format(sample: Run, fmt: str) -> None:
    read = READERS[fmt](report(sample, "khodorkovsky", "--format", fmt))
    assert read.sections == [KHODORKOVSKY]
    assert read.facts == [
        {
            "Jurisdiction": "RU",
            "Status": "released",
            "Charges": "fraud; tax evasion; embezzlement; money laundering",
        }
    ]
    assert read.parties == [
        ("Mikhail Khodorkovsky", "defendant"),
        ("Platon Lebedev", "defendant"),
        ("Vadim Klyuvgant", "lawyer"),
        ("Genrikh Padva", "lawyer"),
        ("Yevgeny Baru", "lawyer"),
        ("Viktor Danilkin", "judge"),
        ("Irina Kolesnikova", "judge"),
    ]
    assert [row[:6] for row in read.custody] == [
        ("Platon Lebedev", "2003-07-02", "2014-01-24", "3859", "699", "release"),
        ("Mikhail Khodorkovsky", "2003-10-25", "2013-12-20", "3709", "584", "pardon"),
    ]
    assert read.custody[0][6].startswith("Moscow (hospital); Lefortovo pretrial detention")
    assert len(read.timeline) == 38
    assert ("2007-02", "charge") in read.timeline  # a month stays a month
    assert read.timeline[-1] == ("2014-01-24", "release")
    assert read.stats == [
        {
            "Events": "38",
            "Persons held": "2",
            "Days in custody (total)": str(3859 + 3709),
            "Pretrial days, median": "641.5",
            "Pretrial days, maximum": "699",
            "Currently held": "0",
            "Deaths in custody": "0",
            "Guilty verdicts / acquittals": "6 / 0",
            "Conviction rate": "100%",
            "Extradition requests / granted / refused": "0 / 0 / 0",
        }
    ]
    assert [n for n, _ in read.sources] == list(range(1, 49))
    assert len({s for _, s in read.sources}) == 48
    assert read.unsourced == 0
    assert not read.redacted
    assert_first_citation_order(read)


def assert_first_citation_order(read: Read) -> None:
    """Each number is first cited after the one before it; every listed source is cited."""
    first = list(dict.fromkeys(n for group in read.cited for n in group))
    assert first == [n for n, _ in read.sources]
    assert all(list(group) == sorted(set(group)) for group in read.cited)


COMPARISON = [
    ["Platon Lebedev", "khodorkovsky", "2003-07-02", "3859", "699", "0", "0", "0", "release",
     "guilty"],
    ["Mikhail Khodorkovsky", "khodorkovsky", "2003-10-25", "3709", "584", "0", "0", "3",
     "pardon", "guilty"],
    ["Vasily Aleksanyan !", "aleksanyan", "2006-04-06", "970–1000", "970–1000", "1", "0", "0",
     "bail", "—"],
    ["Andrei Kudoyarov", "kudoyarov", "2011-05-20", "141", "141", "0", "0", "0",
     "death in custody", "—"],
]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_cases_make_one_report(sample: Run, fmt: str) -> None:
    doc = report(sample, "khodorkovsky", "aleksanyan", "kudoyarov", "--format", fmt)
    read = READERS[fmt](doc)
    assert read.sections == [
        KHODORKOVSKY,
        "Vasily Aleksanyan (ex-Yukos executive vice president)",
        "Andrei Kudoyarov (Moscow School No. 1308 principal, died in pretrial detention)",
    ]
    assert [facts["Status"] for facts in read.facts] == ["released", "closed", "deceased"]
    assert [row[:6] for row in read.custody[2:]] == [
        ("Vasily Aleksanyan !", "2006-04-06", "2008-12", "970–1000", "970–1000", "bail"),
        ("Andrei Kudoyarov", "2011-05-20", "2011-10-08", "141", "141", "death in custody"),
    ]
    # Listed under its case, and again under the figures of all cases.
    assert len(read.problems) == 2 and read.problems[0] == read.problems[1]
    assert read.problems[0].startswith("Vasily Aleksanyan (aleksanyan): release on 2009-01 (event ")
    assert len(read.timeline) == 59
    *per_case, combined = read.stats
    assert [s["Events"] for s in per_case] == ["38", "16", "5"]
    assert combined == {
        "Events": "59",
        "Persons held": "4",
        # Aleksanyan's 970 to 1000 days, as his row shows them: not "~8679" and "~970".
        "Days in custody (total)": f"{3859 + 3709 + 970 + 141}–{3859 + 3709 + 1000 + 141}",
        # Aleksanyan's is not the median either way: it was "~641.5".
        "Pretrial days, median": "641.5",
        "Pretrial days, maximum": "970–1000",
        "Currently held": "0",
        "Deaths in custody": "1",
        "Guilty verdicts / acquittals": "6 / 0",
        "Conviction rate": "100%",
        "Extradition requests / granted / refused": "0 / 0 / 0",
    }
    assert_first_citation_order(read)
    assert len(read.sources) == 71
    if fmt == "html":
        assert Page(doc).rows("Persons held: comparison")[1:] == COMPARISON
    elif fmt == "md":
        assert md_rows(doc, "Persons held: comparison") == COMPARISON
    else:
        comparison = doc[doc.index("Persons held: comparison\n") :]
        for person, _, first, days, pretrial, care, *_ in COMPARISON:
            assert re.search(rf"^{person} +{first}  {days} +{pretrial} +{care} ", comparison, re.M)
        row = "Vasily Aleksanyan !   2006-04-06  970–1000    970–1000   1            bail; -\n"
        assert row in doc


def test_a_case_named_twice_is_reported_once(smith: Run) -> None:
    read = read_text(report(smith, "smith", "smith"))
    assert read.sections == ["State v. Smith"]


# Redaction --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_confidential_records_are_redacted_everywhere(smith: Run, fmt: str) -> None:
    setup(smith, JONES)
    doc = report(smith, "smith", "jones", "--format", fmt)
    for secret in SECRETS:
        assert secret not in doc.lower()
    read = READERS[fmt](doc)
    assert ("Person A", "witness") in read.parties
    assert ("Person A", "named in events") in read.parties  # in the second case
    assert ("Person A !", "2021-02-01", "still held") in [row[:3] for row in read.custody]
    # Under the smith case, where the witness is named: custody recorded under jones.
    # A pseudonymised person's other cases are not named (a case id is often a name).
    assert read.problems[0] == (
        "Person A (smith): custody of this person is also recorded under another case, not"
        " counted here"
    )
    # Under the jones case, and under the figures of both cases.
    assert len(read.problems) == 3 and read.problems[1] == read.problems[2]
    assert read.problems[1].startswith("Person A (jones): release on 2020-12-01 (event ")
    assert ("2020-10-02", "other") not in read.timeline
    assert read.stats[0]["Events"] == "7"
    assert "https://example.org/hidden" not in [source for _, source in read.sources]
    assert read.redacted
    assert "1 confidential person(s) appear under a pseudonym" in " ".join(doc.split())
    assert "1 confidential event(s) are left out" in " ".join(doc.split())
    comparison = doc[doc.index("Persons held: comparison") :]
    assert "Person A" in comparison


@pytest.mark.parametrize("fmt", FORMATS)
def test_include_confidential_shows_them_and_says_so(smith: Run, fmt: str) -> None:
    setup(smith, JONES)
    doc = report(smith, "smith", "jones", "--format", fmt, "--include-confidential")
    read = READERS[fmt](doc)
    assert ("Secret Witness", "witness") in read.parties
    assert "SW alias" in doc
    assert "Hidden meeting." in doc
    assert ("2020-10-02", "other") in read.timeline
    assert read.stats[0]["Events"] == "8"
    assert "Person A" not in doc
    assert not read.redacted
    assert "includes confidential persons and events" in doc


# User text prints literally -----------------------------------------------------------


def test_html_escapes_user_text(hostile: Run) -> None:
    doc = report(hostile, "hostile", "--format", "html")
    assert "<script" not in doc.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    page = Page(doc)
    assert SCRIPT in page.text
    assert MARKUP in page.text
    assert [tag for tag, _ in page.tags if tag == "script"] == []


def test_markdown_escapes_user_text_and_keeps_the_columns(hostile: Run) -> None:
    doc = report(hostile, "hostile", "--format", "md")
    assert "<script" not in doc.lower()
    assert "**bold**" not in doc  # it would print bold
    for heading, rows in md_tables(doc):
        assert {len(row) for row in rows} == {len(rows[0])}, heading
    assert md_rows(doc, "Timeline")[0][:6] == [
        "2020-01-01", "hearing", SCRIPT, "", MARKUP, "[^1]",
    ]  # fmt: skip
    assert [row[0] for row in md_rows(doc, "Persons")] == [SCRIPT]


def test_text_prints_user_text_as_it_is(hostile: Run) -> None:
    doc = report(hostile, "hostile")
    assert f"  {SCRIPT} (defendant)\n" in doc
    assert f"            {SCRIPT}\n            {MARKUP}\n" in doc


def test_markdown_escapes_a_web_address_source_with_a_less_than_sign(run: Run) -> None:
    setup(
        run,
        [
            "case add c --title C",
            "log c arrest 2020-01-01 -s 'https://example.org/?q=<script'",
        ],
    )
    doc = report(run, "c", "--format", "md")
    assert "<script" not in doc


# The state hash and verify --hash --------------------------------------------------


def test_the_reports_hash_is_the_dossiers(smith: Run) -> None:
    doc = report(smith, "smith")
    assert doc.splitlines()[-1] == f"  {state_hash(smith)}"


def test_verify_finds_an_old_reports_state_and_the_changes_since(
    smith: Run, tmp_path: Path, storage: str
) -> None:
    target = tmp_path / "smith.html"
    wrote = smith("report", "smith", "-o", str(target))
    old = wrote.stdout.rsplit(" ", 1)[-1].strip()
    assert f"<code>{old}</code>" in target.read_text(encoding="utf-8")
    assert smith("case", "edit", "smith", "--status", "closed").exit_code == 0

    result = smith("verify", "--hash", old)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    case = "smith " if storage == "server" else ""  # a server numbers each case's entries
    assert f"the dossier was in state {old} after {case}#12 (log smith release" in result.stdout
    assert "1 change(s) since:" in result.stdout
    assert re.search(
        rf"^  {case}#13 \S+ case edit smith --status closed \(~1 case\)$", result.stdout, re.M
    )

    data = json.loads(smith("verify", "--hash", old, "--json").stdout)
    assert (data["found"], data["current"], data["hash"], data["entry"]) == (True, False, old, 12)
    assert [(c["seq"], c["command"], c["summary"]) for c in data["changes_since"]] == [
        (13, "case edit smith --status closed", "~1 case")
    ]
    assert data["state_hash"] != old


def test_verify_says_when_the_hash_is_the_current_state(smith: Run) -> None:
    current = state_hash(smith)
    result = smith("verify", "--hash", current)
    assert result.exit_code == 0, result.output
    assert f"Found: the dossier is in state {current} now" in result.stdout
    data = json.loads(smith("verify", "--hash", current, "--json").stdout)
    assert (data["found"], data["current"], data["changes_since"]) == (True, True, [])


def test_verify_never_says_current_of_records_changed_outside_dossier(
    smith: Run, db: Path, storage: str
) -> None:
    """A report's state, then the case's title changed by hand (a file edited, or SQL on a
    server): no history entry since, yet the dossier is no longer in that state."""
    current = state_hash(smith)
    if storage == "server":
        import psycopg

        admin, name = DATABASES[db]
        with psycopg.connect(url_for(admin, name), autocommit=True) as conn:
            conn.execute(
                "UPDATE dossier.cases"
                " SET record = jsonb_set(record::jsonb, '{title}', '\"Forged\"')::json"
                " WHERE id = 'smith'"
            )
    else:
        data = stored(db)
        data["cases"]["1"]["title"] = "Forged"
        rewrite(db, orjson.dumps(data))
    result = smith("verify", "--hash", current)
    assert result.exit_code == 1
    assert "now" not in result.stdout
    assert f"Found: the dossier was in state {current} after " in result.stdout
    assert "its records have been changed outside dossier since (see the errors)." in (
        " ".join(result.stdout.split())
    )
    assert "Error: " in result.stderr and "outside dossier" in result.stderr
    data = json.loads(smith("verify", "--hash", current, "--json").stdout)
    assert (data["found"], data["current"], data["changes_since"]) == (True, False, [])
    assert data["state_hash"] != current or storage == "server"


def test_verify_accepts_a_prefix_of_12_hex_digits(smith: Run) -> None:
    current = state_hash(smith)
    result = smith("verify", "--hash", current[:12], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hash"] == current


def test_verify_refuses_a_hash_the_dossier_never_had(smith: Run, storage: str) -> None:
    wanted = "0" * 64
    result = smith("verify", "--hash", wanted)
    assert result.exit_code == 1
    # A server keeps a state per case: a report of several is found with them.
    several = (
        ", as a whole or as any one case; a report of several cases is found with them, as its"
        f" footer says (dossier verify --case A --case B --hash {wanted})"
    )
    said = several if storage == "server" else ""
    assert result.stderr == f"Error: the dossier was never in state {wanted}{said}\n"
    data = json.loads(smith("verify", "--hash", wanted, "--json").stdout)
    assert (data["found"], data["entry"], data["changes_since"]) == (False, None, [])


@pytest.mark.parametrize("wanted", ["current[:7]", "not-a-hash!", "0" * 65])
def test_verify_says_what_is_not_a_state_hash(smith: Run, wanted: str) -> None:
    """A real state copied a digit short was "never in state": read as a forged report."""
    if wanted == "current[:7]":
        wanted = state_hash(smith)[:7]
    result = smith("verify", "--hash", wanted)
    assert result.exit_code == 2
    assert "is not a state hash: give the 64 hex digits a report prints" in result.stderr


# The HTML is one self-contained, printable file ---------------------------------------


def test_the_html_is_self_contained_and_prints_on_a4(sample: Run, tmp_path: Path) -> None:
    target = tmp_path / "k.html"
    result = sample("report", "khodorkovsky", "aleksanyan", "-o", str(target))
    assert result.exit_code == 0, result.output
    doc = target.read_text(encoding="utf-8")
    for fetches in ("<script", "src=", "<link", "@import", "url(", "<img", "<iframe"):
        assert fetches not in doc.lower(), fetches
    page = Page(doc)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed", "base")
        assert "src" not in attrs
        assert tag != "a" or str(attrs["href"]).startswith(("#src-", "http://", "https://"))
    style = doc[doc.index("<style>") : doc.index("</style>")]
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", style)
    assert "thead { display: table-header-group" in style
    assert re.search(r"\btr\b[^{}]*\{[^}]*break-inside:\s*avoid", style)


# Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["smiht"], 1, "Error: no case 'smiht' (did you mean 'smith'?); see 'dossier case list'"),
        (["smith", "nope"], 1, "Error: no case 'nope'"),
        (
            ["smith", "--format", "doc"],
            2,
            "Invalid value for --format: must be html, md, txt or pdf",
        ),
        (["smith", "--as-of", "2011"], 1, "Error: --as-of needs a day, not 2011"),
        (["smith", "--as-of", "2011-05-01?"], 1, "Error: --as-of needs a day, not 2011-05-01?"),
        (["smith", "--as-of", "soon"], 1, "Error: --as-of: cannot read date 'soon'"),
    ],
    ids=[
        "unknown case",
        "one of two unknown",
        "bad format",
        "as-of a year",
        "as-of uncertain",
        "as-of unreadable",
    ],
)
def test_bad_input_writes_nothing(
    smith: Run, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    fresh, existing = tmp_path / "new.html", tmp_path / "old.html"
    existing.write_text("the earlier report", encoding="utf-8")
    for target in (fresh, existing):
        result = smith("report", *args, "-o", str(target))
        assert result.exit_code == code, result.output
        assert result.stdout == ""
        assert message in result.stderr
        if code == 1:
            assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not fresh.exists()
    assert existing.read_text(encoding="utf-8") == "the earlier report"
    written = {p.name for p in tmp_path.iterdir() if not p.name.startswith("dossier.json")}
    assert written == {"old.html"}  # no temp file left either


def test_an_unwritable_report_is_called_a_report(smith: Run, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "smith.html"
    result = smith("report", "smith", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and str(target) in result.stderr
    assert "database" not in result.stderr


# Reading a report back ------------------------------------------------------------------


@dataclass
class Read:
    """What a report says, read back from one of its formats."""

    title: str = ""
    sections: list[str] = field(default_factory=list)
    facts: list[dict[str, str]] = field(default_factory=list)  # Jurisdiction, Status, Charges
    parties: list[tuple[str, str]] = field(default_factory=list)  # (name, role)
    # (person, start, end or "still held", days, pretrial days, ended by, facilities)
    custody: list[tuple[str, ...]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (date, type)
    stats: list[dict[str, str]] = field(default_factory=list)  # per case, then all cases
    sources: list[tuple[int, str]] = field(default_factory=list)
    cited: list[tuple[int, ...]] = field(default_factory=list)  # each row's, in order
    unsourced: int = 0
    redacted: bool = False


STATS_HEADINGS = ("Statistics", "All cases in this report")
FACTS = ("Jurisdiction", "Status", "Charges")


class Page(HTMLParser):
    """An HTML document's text, tags, and table rows under their headings."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: list[tuple[str, list[list[list[str]]]]] = []  # heading, rows of cells
        self.headings: list[tuple[str, str]] = []  # (tag, text)
        self._text: list[str] = []
        self._heading: list[str] | None = None
        self._cell: list[str] | None = None
        self._style = False
        self.feed(document)
        self.close()

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def rows(self, heading: str) -> list[list[str]]:
        """Rows of the tables under this heading, each cell's text on one line."""
        return [
            [" ".join(cell) for cell in row]
            for above, rows in self.tables
            if above == heading
            for row in rows
        ]

    def cells(self, heading: str) -> list[list[list[str]]]:
        """Like rows, keeping each cell's separate pieces of text (name, then aliases)."""
        return [row for above, rows in self.tables if above == heading for row in rows[1:]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "table":
            self.tables.append((self.headings[-1][1] if self.headings else "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "style":
            self._style = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append((tag, " ".join("".join(self._heading).split())))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append([" ".join(c.split()) for c in self._cell if c.strip()])
            self._cell = None
        elif tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            return
        self._text.append(data)
        for part in (self._heading, self._cell):
            if part is not None:
                part.append(data)


def read_html(doc: str) -> Read:
    page = Page(doc)
    body, _, listing = doc.partition('<section id="sources">')
    read = Read(title=page.headings[0][1])
    not_cases = ("Sources", *STATS_HEADINGS)
    read.sections = [text for tag, text in page.headings if tag == "h2" and text not in not_cases]
    for facts in re.findall(r'<dl class="facts">(.*?)</dl>', doc, re.S):
        pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", facts)
        read.facts.append({k: html.unescape(v) for k, v in pairs if k in FACTS})
    read.parties = [(row[0][0], row[1][0]) for row in page.cells("Persons")]
    for row in page.cells("Custody"):
        person, _, start, end, days, pretrial, ended, places = (" ".join(c) for c in row)
        read.custody.append((person, start, end, days, pretrial, ended, places))
    read.problems = [html.unescape(p) for p in re.findall(r'<li class="problem">! (.*?)</li>', doc)]
    read.timeline = [(row[0][0], row[1][0]) for row in page.cells("Timeline")]
    for heading, rows in page.tables:
        if heading not in STATS_HEADINGS:
            continue
        stats = {}
        for row in rows:  # two figures a row
            for label, value in (row[0:2], row[2:4]):
                stats[" ".join(label)] = " ".join(value)
        read.stats.append(stats)
    for number, inner in re.findall(r'<li id="src-(\d+)" value="\1">(.*?)</li>', listing):
        link = re.fullmatch(r'<a href="([^"]*)">\1</a>', inner)
        read.sources.append((int(number), html.unescape(link[1] if link else inner)))
    read.cited = [
        tuple(int(n) for n in re.findall(r'href="#src-(\d+)"', cite))
        for cite in re.findall(r'<span class="cite">(.*?)</span>', body)
    ]
    read.unsourced = body.count('<span class="unsourced">unsourced</span>')
    read.redacted = '<p class="notice">This report is redacted' in doc
    return read


def md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("&lt;", "<").replace("&amp;", "&")


def md_tables(doc: str) -> list[tuple[str, list[list[str]]]]:
    """(heading above, rows) of each table, cells as written (the delimiter row included)."""
    tables: list[tuple[str, list[list[str]]]] = []
    heading = ""
    rows: list[list[str]] | None = None
    for line in doc.splitlines():
        if line.startswith("#"):
            heading = md_unescape(line.lstrip("#").strip())
        if not line.startswith("|"):
            rows = None
            continue
        if rows is None:
            rows = []
            tables.append((heading, rows))
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return tables


def md_rows(doc: str, heading: str) -> list[list[str]]:
    """Body rows of the tables under this heading, cells unescaped."""
    return [
        [md_unescape(cell) for cell in row]
        for above, rows in md_tables(doc)
        if above == heading
        for row in rows[2:]
    ]


def read_markdown(doc: str) -> Read:
    body, _, listing = doc.partition("\n## Sources\n")
    lines = doc.splitlines()
    read = Read(title=md_unescape(lines[0].removeprefix("# ")))
    read.sections = [
        md_unescape(line[3:])
        for line in lines
        if line.startswith("## ") and line[3:] not in ("Sources", *STATS_HEADINGS)
    ]
    for line in lines:
        if line.startswith("**Case:**"):
            pairs = (re.fullmatch(r"\*\*(\w+):\*\* (.*)", part) for part in line.split(" · "))
            read.facts.append({m[1]: md_unescape(m[2]) for m in pairs if m and m[1] in FACTS})
    read.parties = [(row[0], row[1]) for row in md_rows(doc, "Persons")]
    read.custody = [(r[0], r[2], r[3], r[4], r[5], r[6], r[7]) for r in md_rows(doc, "Custody")]
    read.problems = [md_unescape(line[2:])[2:] for line in lines if line.startswith("- \\! ")]
    for row in md_rows(doc, "Timeline"):
        kind = re.match(r"[a-z_]+", row[1])
        read.timeline.append((row[0], kind[0] if kind else row[1]))
    for heading, rows in md_tables(doc):
        if heading in STATS_HEADINGS:
            read.stats.append({md_unescape(k): md_unescape(v) for k, v in rows[2:]})
    for number, source in re.findall(r"^\[\^(\d+)\]: (.*)$", listing, re.M):
        autolink = re.fullmatch(r"<(https?://[^>]*)>", source)
        read.sources.append((int(number), autolink[1] if autolink else md_unescape(source)))
    read.cited = [
        tuple(int(n) for n in re.findall(r"\d+", group))
        for group in re.findall(r"(?:\[\^\d+\])+", body)
    ]
    read.unsourced = body.count("*unsourced*")
    read.redacted = "**This report is redacted:**" in doc
    return read


def read_text(doc: str) -> Read:
    lines = doc.splitlines()
    body, _, listing = doc.partition("\nSources\n=======\n")
    not_cases = ("Sources", "Custody chart", *STATS_HEADINGS)
    read = Read(title=" ".join(doc[: doc.index("\n#")].split()))
    section = ""
    rows: list[list[str]] = []
    places: list[list[str]] = []  # each custody row's "Held at:" lines
    problems: list[list[str]] = []
    wrapped: list[str] | None = None  # what an indented line continues
    for i, line in enumerate(lines):
        below = lines[i + 1] if i + 1 < len(lines) else ""
        if re.fullmatch(r"[=#-]+", line):
            continue
        if line and re.fullmatch(r"[=#-]+", below):  # a heading, perhaps wrapped
            first = i
            while first > 0 and lines[first - 1]:
                first -= 1
            section = " ".join(lines[first : i + 1])
            if below[0] == "=" and section not in not_cases:
                read.sections.append(section)
                read.facts.append({})
            elif section in STATS_HEADINGS:
                read.stats.append({})
            continue
        fact = re.fullmatch(r"(\w+): +(.*)", line)
        if section in read.sections and fact and fact[1] in FACTS:
            read.facts[-1][fact[1]] = fact[2]
        elif section == "Persons":
            party = re.match(r"  (\S.*?) \(([a-z ;]+)\)(?:,|$)", line)
            if party:
                read.parties.append((party[1], party[2]))
        elif line.startswith("  ! "):  # a problem, under a case's custody or all the figures
            problems.append([line.removeprefix("  ! ")])
            wrapped = problems[-1]
        elif section == "Custody":
            row = re.match(r"\S.*? {2,}\d{4}", line)
            if re.match(" {20}", line) and rows:  # the last column, wrapped under itself
                rows[-1][-1] += " " + line.strip()
            elif row:
                rows.append(re.split(r" {2,}", line.strip()))
                places.append([])
                wrapped = None
            elif line.startswith("    Held at: "):
                places[-1].append(line.removeprefix("    Held at: "))
                wrapped = places[-1]
            elif line.startswith("    ") and wrapped is not None:
                wrapped.append(line.strip())
        elif section == "Persons held: comparison" and re.match(" {4}\\S", line) and wrapped:
            wrapped.append(line.strip())
        elif section == "Timeline":
            entry = re.match(r"(\d{4}\S*) +([a-z_]+)", line)
            if entry:
                read.timeline.append((entry[1], entry[2]))
        elif section in STATS_HEADINGS and line.startswith("  "):
            label, value = re.split(r" {2,}", line.strip())
            read.stats[-1][label] = "—" if value == "-" else value
    read.custody = [
        (*row, *[""] * (6 - len(row)), " ".join(held))
        for row, held in zip(rows, places, strict=True)
    ]
    read.problems = [" ".join(problem) for problem in problems]
    listed = listing.lstrip("\n").split("\n\n")[0]
    for item in re.split(r"\n(?=\[\d+\] )", "" if listed.startswith("No ") else listed):
        if not item:
            continue
        number, source = item.split(maxsplit=1)
        unwrapped = "".join(part.strip() for part in source.splitlines())  # a URL breaks anywhere
        read.sources.append((int(number.strip("[]")), unwrapped))
    read.cited = [
        tuple(int(n) for n in re.findall(r"\d+", group))
        for group in re.findall(r"(?:\[\d+\])+", body)
    ]
    read.unsourced = body.count("(unsourced)")
    read.redacted = "THIS REPORT IS REDACTED" in doc
    return read


READERS: dict[str, Callable[[str], Read]] = {
    "html": read_html,
    "md": read_markdown,
    "txt": read_text,
}


# One person, one row; the record as it stood on the as-of day -------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_person_with_several_roles_has_one_row_with_all_of_them(smith: Run, fmt: str) -> None:
    setup(
        smith,
        [
            "person link 'Anna Smith' smith --role witness",
            "person link 'Anna Smith' smith --role relative",
        ],
    )
    doc = report(smith, "smith", "--format", fmt)
    read = READERS[fmt](doc)
    assert read.parties[0] == ("Anna Smith", "defendant; witness; relative")
    assert [name for name, _ in read.parties].count("Anna Smith") == 1
    assert " ".join(doc.split()).count("Ганна Сміт") == 1  # her alias, once


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_as_of_a_day_leaves_out_later_events_and_says_so(smith: Run, fmt: str) -> None:
    result = smith("report", "smith", "--format", fmt, "--as-of", "2020-12-31")
    assert result.exit_code == 0, result.output
    read = READERS[fmt](result.stdout)
    # Brown's arrest (January 2021), the sentence and the release are not yet in the record.
    assert read.timeline[-1] == ("2020-10-01", "other")
    assert [row[:5] for row in read.custody] == [
        ("Anna Smith", "2020-08-10", "still held", "143 +", "143"),
    ]
    assert read.stats[0]["Events"] == "4"
    text = " ".join(re.sub(r"<[^>]+>", " ", result.stdout).split())
    assert "as of 2020-12-31: 3 later events left out" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_redacted_report_never_names_a_pseudonymised_persons_other_cases(
    run: Run, fmt: str
) -> None:
    """The second review's reproduction: a confidential witness held in case x, released
    under a case whose id is a defendant's name, the release confidential too."""
    setup(
        run,
        [
            "case add x --title X",
            "case add sidorov-treason --title 'State v. Sidorov'",
            "person add 'Secret Witness' --case x --role witness --confidential",
            "log x arrest 2019-01-10 -p 'Secret Witness'",
            "log sidorov-treason release 2019-03-01 -p 'Secret Witness' --confidential",
            "log sidorov-treason arrest 2019-05-01 -p 'Secret Witness'",
        ],
    )
    doc = report(run, "x", "--format", fmt)
    assert "sidorov" not in doc.lower()
    assert "secret" not in doc.lower()
    read = READERS[fmt](doc)
    assert read.problems == [
        "Person A (x): custody of this person is also recorded under another case, not counted here"
    ]


# The custody chart in every report -------------------------------------------------------


def test_the_chart_svg_is_the_same_bytes_every_run_and_places_bars_by_date(
    sample: Run, db: Path
) -> None:
    from dossier.chart import build as chart_of
    from dossier.render import svgchart

    d = opened(db)
    day = datetime.date(2022, 1, 1)
    chart = chart_of(list(d.events.raw.values()), d.names(), day)
    first, second = svgchart.render(chart), svgchart.render(chart)
    assert first == second
    assert "Andrei Kudoyarov" in first and "Vasily Aleksanyan !" in first  # text, findable

    # By hand: the axis runs from x=150 to x=672, 2003-01-01 .. 2015-01-01 (4383 days):
    # to the year after the last release (Lebedev's, 2014-01-24), not to the as-of day.
    def x(when: datetime.date) -> str:
        return f"{150 + (when - datetime.date(2003, 1, 1)).days * 522 / 4383:.2f}".rstrip("0")

    arrest, death = datetime.date(2011, 5, 20), datetime.date(2011, 10, 8)
    width = f"{(death - arrest).days * 522 / 4383:.2f}".rstrip("0")
    assert f'<rect class="pretrial" x="{x(arrest)}" y="43" width="{width}" height="10"/>' in first
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")


def test_the_chart_svg_draws_no_pretrial_part_after_a_verdict_that_came_first() -> None:
    """An adversary's find: a person sentenced before the arrest (pretrial days 0) had
    a 0.8-wide pretrial sliver in the SVG chart, where the terminal chart draws none; a
    period of no days still shows."""
    from dossier.chart import build as chart_of
    from dossier.render import svgchart

    def raw(key: str, kind: str, date: str, person: str) -> dict[str, object]:
        return {"id": key, "case": "c", "type": kind, "date": date, "persons": [person],
                "place": None, "outcome": None}  # fmt: skip

    events = [
        raw("s1", "sentence", "2008-05-01", "dan"),
        raw("a1", "arrest", "2010-01-01", "dan"),
        raw("r1", "release", "2012-01-01", "dan"),
        raw("a2", "arrest", "2011-01-01", "eve"),
        raw("r2", "release", "2011-01-01", "eve"),
    ]
    drawn = svgchart.render(chart_of(events, {}, datetime.date(2013, 1, 1)))
    # Rows 14 apart, each bar 1 below its row's top: dan's at y=1, eve's at y=15.
    pretrial = re.findall(r'<rect class="pretrial" x="[^"]*" y="(\d+)"', drawn)
    after = re.findall(r'<rect class="after" x="[^"]*" y="(\d+)"', drawn)
    assert "1" in after and "1" not in pretrial  # dan: all of it after the sentence
    assert re.search(r'<rect class="pretrial" x="[^"]*" y="15" width="0.8"', drawn)  # eve


def held_in_2020(names: dict[str, str], troubled: set[str]) -> str:
    """The SVG chart of these persons (id: name), each held through 2020, with a "!" for
    those `troubled`."""
    from dataclasses import replace

    from dossier.chart import build as chart_of
    from dossier.render import svgchart

    events = [
        {"id": f"{kind}-{person}", "case": "c", "type": kind, "date": date,
         "persons": [person], "place": None, "outcome": None}
        for person in names
        for kind, date in (("arrest", "2020-01-01"), ("release", "2021-01-01"))
    ]  # fmt: skip
    chart = chart_of(events, names, datetime.date(2022, 1, 1))
    rows = tuple(replace(row, problems=int(row.person in troubled)) for row in chart.rows)
    return svgchart.render(replace(chart, rows=rows))


def labels(svg: str) -> dict[str, str]:
    """The names' labels of an SVG chart, each with the attributes that fit it."""
    return {text: fit for fit, text in re.findall(r'<text x="0" y="\d+"([^>]*)>([^<]*)<', svg)}


CONDENSED = ' textLength="144" lengthAdjust="spacingAndGlyphs"'


def test_a_long_name_in_the_chart_svg_is_condensed_to_the_name_column_whole() -> None:
    """A user's find: the PDF cut Vladimir Kara-Murza's name in Cyrillic (with its "!")
    mid-glyph at the name column, which a nested <svg> clipped to 144 px, and the "!" with
    it; two other names lost letters. A label wider than the column is condensed to it,
    whole; a short one is drawn as it is."""
    names = {
        "km": "Владимир Владимирович Кара-Мурза",
        "mk": "Михаил Борисович Ходорковский",
        "an": "Алексей Анатольевич Навальный",
        "ao": "Anna Orlova",
    }
    drawn = held_in_2020(names, {"km", "ao"})
    assert drawn == held_in_2020(names, {"km", "ao"})  # the same bytes every run
    assert labels(drawn) == {
        "Владимир Владимирович Кара-Мурза !": CONDENSED,
        "Михаил Борисович Ходорковский": CONDENSED,
        "Алексей Анатольевич Навальный": CONDENSED,
        "Anna Orlova !": "",
    }
    assert "<title>" not in drawn.split("</title>", 1)[1]  # no name is shortened


def test_a_name_too_long_to_condense_is_shortened_with_an_ellipsis_and_keeps_its_mark() -> None:
    """Condensed below 70% a label is hard to read: the name is cut, as the terminal
    chart cuts it, to what fits condensed to 70%, its "!" kept; the row's title has the
    whole name."""
    from dossier.render.svgchart import label_width

    name = " ".join(["Константин Константинопольский-Верхнеудинский"] * 3)
    drawn = held_in_2020({"kk": name, "ab": "Ab"}, {"kk"})
    kept = "Константин Константинопольский-Ве"
    assert labels(drawn) == {f"{kept}… !": CONDENSED, "Ab": ""}
    assert label_width(f"{kept}… !") * 0.7 <= 144 < label_width(f"{kept}р… !") * 0.7
    assert f"<title>{name}</title>" in drawn


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=80), mark=st.sampled_from(["", " !"]))
def test_a_chart_label_fits_condensed_to_70_percent_and_keeps_its_mark(
    name: str, mark: str
) -> None:
    from dossier.render.svgchart import label, label_width

    text, condensed = label(name, mark)
    assert text.endswith(mark) and condensed == (label_width(text) > 144)
    assert label_width(text) * 0.7 <= 144 + 1e-9
    if text != name + mark:  # shortened: a start of the name, "…", the mark
        assert name.startswith(text.removesuffix("…" + mark))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_has_the_custody_chart(sample: Run, fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"r.{fmt}"
    result = sample("report", "khodorkovsky", "kudoyarov", "-o", str(target), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    doc = target.read_text(encoding="utf-8")
    if fmt == "html":
        assert '<figure class="chart" id="custody-chart">' in doc
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="custody-chart"' in doc
    elif fmt == "md":
        svg = tmp_path / "r-custody.svg"  # written beside it, and linked
        assert "![The custody chart of this report](r-custody.svg)" in doc
        assert svg.read_text(encoding="utf-8").startswith("<svg")
        assert "Mikhail Khodorkovsky" in svg.read_text(encoding="utf-8")
    else:
        chart = doc[doc.index("Custody chart\n") :]
        row = next(line for line in chart.splitlines() if line.startswith("Andrei Kudoyarov"))
        assert "†" in row and "█" in row
        assert all(len(line) <= 80 for line in doc.splitlines())


@pytest.mark.parametrize("shape", ["released under another case", "release confidential"])
def test_the_reports_chart_marks_whom_its_problems_are_about(
    run: Run, db: Path, shape: str
) -> None:
    """A user's find: Lebedev arrested under the first trial's case and released under the
    second's. The report on the first listed the problem and marked his custody row, but
    its chart, on the first page, drew him still held with no `!`; the same when the
    release is confidential and left out. The chart's rows now carry the report's marks."""
    import datetime

    from dossier.report import build

    for command in (
        "case add first --title 'First trial'",
        "case add second --title 'Second trial'",
        "person add 'Platon Lebedev' --case first --role defendant",
        "log first arrest 2003-07-02 -p platon-lebedev",
        "log second release 2014-01-24 -p platon-lebedev"
        if shape == "released under another case"
        else "log first release 2014-01-24 -p platon-lebedev --confidential",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    made = build(opened(db), ["first"], as_of=datetime.date(2026, 1, 1))
    assert [(r.person, r.problems) for r in made.chart.rows] == [("platon-lebedev", 1)]
    assert [(r.person, r.problems) for r in made.comparison] == [("platon-lebedev", 1)]
    text = report(run, "first")
    chart = text[text.index("Custody chart\n") :]
    assert next(line for line in chart.splitlines() if "Platon Lebedev" in line).startswith(
        "Platon Lebedev !"
    )


def test_markdown_on_standard_output_says_where_the_chart_is(sample: Run) -> None:
    doc = report(sample, "kudoyarov", "--format", "md")
    assert "*The custody chart is in the HTML and PDF reports" in doc


@pytest.mark.parametrize(
    ("guilty", "acquitted", "shown"),
    [
        (2, 1, "67%"),
        (5, 0, "100%"),
        (0, 5, "0%"),
        (0, 0, "—"),
        (199, 1, "99.5%"),  # never "100%"
        (19_999, 1, ">99.9%"),  # the JSON's rate, rounded to four places, is 1.0
        (1, 249, "0.4%"),
        (1, 29_999, "<0.1%"),
    ],
)
def test_a_conviction_rate_is_never_rounded_to_all_or_none(
    guilty: int, acquitted: int, shown: str
) -> None:
    from dossier.render.marks import percent

    assert percent(guilty, acquitted) == shown


@pytest.mark.plain_only("rendering: the same records render the same from any store")
def test_every_report_format_says_the_same_of_later_events_spans_and_ends(run: Run) -> None:
    """The as-of note (with the later events left out) in the Markdown footer and under the
    text report's chart as in the other formats; a span written with an en dash everywhere; and an
    "Ended by" too wide for its column labelled on its own line, not taken for a place."""
    for command in (
        "case add r --title R",
        "person add 'Anna Orlova' --id ao --case r --role defendant",
        "log r arrest 2015-01-10 -p ao",
        "log r house_arrest 2015-09-15 -p ao --place flat",
        "log r pretrial_detention 2016-01-10 -p ao",
        "log r hunger_strike 2016-02-01 --end 2016-03 -p ao",
        "log r release 2017-01-01 -p ao",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    note = "as of 2016-06-01: 1 later event left out"
    text = run("report", "r", "--as-of", "2016-06-01").stdout
    markdown = run("report", "r", "--format", "md", "--as-of", "2016-06-01").stdout
    assert f"A{note[1:]}; one cell is" in text
    assert re.search(rf"^Made \S+ with dossier \S+, {note}\.$", markdown, re.M), markdown
    assert "2016-02-01 – 2016-03 hunger_strike" in text
    assert "2016-02-01 – 2016-03" in markdown
    house = text.split("house arrest  2015-09-15")[1].splitlines()
    assert house[1:3] == ["    Ended by: pretrial detention", "    Held at: flat"]
