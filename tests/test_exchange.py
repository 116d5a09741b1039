"""Exchange with Aleph (FollowTheMoney entities) and Uwazi (CSV per template): every
entity valid for FtM, every reference resolved, no date more precise than the
dossier's, stable ids, and Uwazi ranges that cover exactly a date's possible days."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from conftest import ROOT, SAMPLE, Run, Snapshot, skip_or_fail, where
from dossier.cli.app import app
from dossier.dates import stored, today
from dossier.io import ftm, uwazi
from dossier.io.export import select
from dossier.store import Dossier
from test_contract import build, dossiers

FTM_PYTHON = Path(os.environ.get("DOSSIER_FTM_PYTHON", ROOT / ".venv" / "ftm" / "bin" / "python"))


def ftm_problems(lines: bytes) -> list[str]:
    """What the followthemoney package finds wrong with these entities (tests/ftm_check.py)."""
    if not FTM_PYTHON.exists():
        skip_or_fail(
            f"followthemoney is not installed at {FTM_PYTHON} (make test installs it there;"
            " it could not be installed on this machine)"
        )
    done = subprocess.run(
        [str(FTM_PYTHON), str(ROOT / "tests" / "ftm_check.py")],
        input=lines,
        capture_output=True,
        check=True,
    )
    problems: list[str] = json.loads(done.stdout)
    return problems


def entities_of(lines: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines.splitlines()]


def unresolved(entities: list[dict[str, Any]]) -> list[str]:
    """References (entity-valued properties) to ids not exported."""
    ids = {e["id"] for e in entities}
    refs = ("case", "party", "involved", "subject", "object")
    return [
        f"{e['id']}: {name} -> {value}"
        for e in entities
        for name in refs
        for value in e["properties"].get(name, [])
        if value not in ids
    ]


def at(edtf: str | None) -> list[str]:
    """What an FtM date property holds for a stored date: it at its precision, or
    nothing when its year is one FtM cannot hold (the notes say it then)."""
    return [ftm.ftm_date(edtf)] if edtf and int(edtf[:4]) in ftm.YEARS else []


def too_precise(entities: list[dict[str, Any]], records: dict[str, list[dict[str, Any]]]) -> list:
    """Dates of an entity that are not exactly a date the dossier holds, at its precision."""
    events = {r["id"]: r for r in records["events"]}
    persons = {ftm.entity_id("person", r["id"]): r for r in records["persons"]}
    recorded = {ftm.ftm_date(d) for r in records["events"] for d in (r["date"], r.get("end")) if d}
    wrong = []
    for e in entities:
        props = e["properties"]
        if e["schema"] == "Event" and e["id"].startswith("dossier.event."):
            raw = events[props["recordId"][0]]
            assert props.get("date", []) == at(raw["date"])
            assert props.get("endDate", []) == at(raw.get("end"))
            assert props.get("startDate", []) == (at(raw["date"]) if raw.get("end") else [])
        elif e["schema"] == "Person":
            raw = persons[e["id"]]
            assert props.get("birthDate", []) == at(raw["born"])
            assert props.get("deathDate", []) == at(raw["died"])
        for name in ("date", "startDate", "endDate"):
            for value in props.get(name, []):
                if e["schema"] == "Event" and value not in recorded:
                    wrong.append(f"{e['id']}: {name} {value} is no date of the dossier")
    return wrong


def sample_exported(db: Path, fmt: str, target: Path) -> Any:
    """The sample dossier imported into `db`, then exported as `fmt` to `target`."""
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "import", *SAMPLE]).exit_code == 0
    result = runner.invoke(app, ["--db", str(db), "export", "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    return result


# FtM -----------------------------------------------------------------------------------


def test_the_sample_dossier_as_ftm_entities(tmp_path: Path) -> None:
    db, out = tmp_path / "db.json", tmp_path / "sample.ftm"
    result = sample_exported(db, "ftm", out)
    lines = out.read_bytes()
    entities = entities_of(lines)
    assert result.stdout == f"Wrote {out} (ftm: {len(entities)} entities).\n"
    assert ftm_problems(lines) == []
    assert unresolved(entities) == []
    records = select(Dossier.load(db))
    assert too_precise(entities, records) == []
    schemas = {e["schema"] for e in entities}
    assert schemas == {"CourtCase", "Person", "CourtCaseParty", "Event", "UnknownLink"}
    assert len({e["id"] for e in entities}) == len(entities)
    by_id = {e["id"]: e for e in entities}
    case = by_id["dossier.case.aleksanyan"]["properties"]
    assert case["country"] == ["ru"]
    # Aleksanyan's custody: one period, from his arrest to his release on bail.
    custody = [e for e in entities if e["id"].startswith("dossier.custody.vasily-aleksanyan.")]
    assert len(custody) == 1
    assert custody[0]["properties"]["involved"] == ["dossier.person.vasily-aleksanyan"]
    # Two exports: the same ids, the same entities.
    again = CliRunner().invoke(app, ["--db", str(db), "export", "--format", "ftm"])
    assert again.stdout_bytes == lines


def test_a_partial_date_keeps_its_precision_and_its_flag_is_said(run: Run) -> None:
    for args in (
        ("case", "add", "aleksanyan", "--title", "Aleksanyan", "--jurisdiction", "SU"),
        ("person", "add", "Vasily Aleksanyan", "--born", "circa 1971", "--nationality",
         "Russian", "--case", "aleksanyan", "--role", "defendant"),
        ("log", "aleksanyan", "arrest", "April 2006", "--person", "vasily-aleksanyan",
         "--source", "Moscow City Court ruling of 7 April 2006"),
        ("log", "aleksanyan", "release", "2008-12-30", "--person", "vasily-aleksanyan",
         "--source", "https://example.org/bail"),
        ("log", "aleksanyan", "hearing", "2008?", "--person", "vasily-aleksanyan",
         "--confidential"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    result = run("export", "--format", "ftm")
    assert result.exit_code == 0, result.output
    entities = entities_of(result.stdout_bytes)
    events = [e for e in entities if e["id"].startswith("dossier.event.")]
    arrest = next(e for e in events if e["properties"]["name"][0].startswith("Arrest"))
    assert arrest["properties"]["date"] == ["2006-04"]  # never 2006-04-01
    assert arrest["properties"]["notes"] == ["Source: Moscow City Court ruling of 7 April 2006"]
    person = next(e for e in entities if e["schema"] == "Person")["properties"]
    assert person["birthDate"] == ["1971"]
    assert person["notes"] == [
        "Nationality: Russian.",
        "The birth date is approximate: recorded as c. 1971 (EDTF 1971~).",
    ]
    custody = next(e for e in entities if e["id"].startswith("dossier.custody."))["properties"]
    assert (custody["startDate"], custody["endDate"]) == (["2006-04"], ["2008-12-30"])
    assert result.stderr.splitlines() == [
        "Warning: 1 approximate (~) or uncertain (?) date(s): FtM has no such flag; each"
        " entity's notes say so, and the date keeps its precision",
        "Warning: kept as text in notes, not as FtM properties: 1 citation(s) that are not"
        " URLs, 1 jurisdiction value(s) that are not country codes, 1 nationality value(s)"
        " that are not country codes",
        "Warning: 0 person(s) (confidential, or named only by confidential events) and 1"
        " confidential event(s) left out; pass --include-confidential to export them",
        "Warning: the dossier's history (5 entries) is not exported: FtM has no change history",
    ]
    assert ftm_problems(result.stdout_bytes) == []
    everything = run("export", "--format", "ftm", "--include-confidential")
    assert len(entities_of(everything.stdout_bytes)) == len(entities) + 2  # event and link


def test_text_that_shows_nothing_is_left_out_of_ftm_and_said(run: Run, db: Path) -> None:
    """The contract allows a stored value made of invisible characters (a soft hyphen, a
    zero-width space, a code point Unicode has not assigned: hypothesis found FtM drops
    U+0A00; a name or title so is refused only when written, so older files still hold
    them); FtM would drop it, and a name it requires with it."""
    from dossier.keys import Keys
    from dossier.store import edit_store

    for args in (
        ("case", "add", "c1", "--title", "Seen", "--summary", "\u00ad", "--tag", "\u200b",
         "--tag", "kept"),
        ("person", "add", "Seen", "--id", "nobody-seen", "--case", "c1", "--role",
         "witness", "--alias", "Visible\u00ad"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    # As a file of before the writing rule holds them.
    with edit_store(where(db), "test", keys=Keys.from_environment()) as d:
        d.cases.put_raw("c1", {**d.cases.raw["c1"], "title": "\u200b\u0a00"})
        d.persons.put_raw("nobody-seen", {**d.persons.raw["nobody-seen"], "name": "\u00ad\u200b"})
    result = run("export", "--format", "ftm")
    assert result.exit_code == 0, result.output
    entities = {e["schema"]: e["properties"] for e in entities_of(result.stdout_bytes)}
    assert entities["CourtCase"] == {"name": ["c1"], "status": ["open"], "keywords": ["kept"]}
    assert entities["Person"] == {"name": ["nobody-seen"], "alias": ["Visible\u00ad"]}
    assert (
        "Warning: changed to fit FtM: 2 name(s) or title(s) without a visible character, given"
        " as the id, 2 value(s) without a visible character, left out"
    ) in result.stderr.splitlines()
    assert ftm_problems(result.stdout_bytes) == []


def test_generated_dossiers_as_ftm_entities(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Wide generated dossiers (odd names, every date form, roles in several cases):
    each export's references resolve and its dates are the dossier's; then every entity
    of every example goes to followthemoney in one run."""
    made: list[dict[str, Any]] = []
    as_of = stored("2026-12-05").first_day

    @settings(max_examples=40, deadline=None)
    @given(dossiers())
    def one(generated: Any) -> None:
        path = tmp_path_factory.mktemp("ftm") / "db.json"
        build(path, generated)
        records = select(Dossier.load(path))
        entities = list(ftm.entities(records, as_of, ftm.Losses()))
        assert unresolved(entities) == []
        assert too_precise(entities, records) == []
        assert len({e["id"] for e in entities}) == len(entities)
        assert list(ftm.entities(records, as_of, ftm.Losses())) == entities  # stable
        made.extend(entities)

    one()
    lines = b"".join(json.dumps(e).encode() + b"\n" for e in made)
    assert ftm_problems(lines) == []


# Uwazi ---------------------------------------------------------------------------------


def read_folder(folder: Path) -> dict[str, list[dict[str, str]]]:
    return {
        name: list(csv.DictReader(io.StringIO((folder / f"{name}.csv").read_text("utf-8"))))
        for name in ("cases", "persons", "events")
    }


def check_uwazi(tables: dict[str, list[dict[str, str]]], records: dict[str, list[Any]]) -> None:
    for name, rows in tables.items():
        titles = [r["title"] for r in rows]
        assert len(set(titles)) == len(titles), name
        assert all(t and "|" not in t for t in titles)
        assert sorted(r["dossier_id"] for r in rows) == sorted(x["id"] for x in records[name])
    cases = {r["title"] for r in tables["cases"]}
    persons = {r["title"] for r in tables["persons"]}
    by_id = {r["id"]: r for r in records["events"]}
    for row in tables["events"]:
        raw = by_id[row["dossier_id"]]
        assert row["case"] in cases
        assert all(p in persons for p in row["persons"].split("|") if p)
        for column in ("date", "end"):
            covers(row[column], row[f"{column}_edtf"], raw.get(column))
    by_person = {r["id"]: r for r in records["persons"]}
    for row in tables["persons"]:
        raw = by_person[row["dossier_id"]]
        for column in ("born", "died"):
            covers(row[column], row[f"{column}_edtf"], raw.get(column))
        assert all(c in cases for c in row["cases"].split("|") if c)
        assert len([r for r in row["roles"].split("|") if r]) == len(raw["roles"])


def covers(cell: str, edtf_cell: str, stored_date: str | None) -> None:
    """The range covers exactly the date's possible days; the EDTF cell is the date."""
    assert edtf_cell == (stored_date or "")  # the date as recorded, round trip
    if not stored_date:
        assert cell == ""
        return
    date = stored(stored_date)
    first, last = date.first_day, date.last_day
    assert cell == (
        f"{first.year:04d}/{first.month:02d}/{first.day:02d}:"
        f"{last.year:04d}/{last.month:02d}/{last.day:02d}"
    )


def test_the_sample_dossier_as_uwazi_csvs(tmp_path: Path) -> None:
    db, folder = tmp_path / "db.json", tmp_path / "uwazi"
    result = sample_exported(db, "uwazi", folder)
    assert result.stdout == (
        f"Wrote {folder}/ (uwazi: cases.csv, persons.csv, events.csv, README.txt; 3 cases,"
        " 12 persons, 59 events).\n"
    )
    assert result.stderr == (
        "Warning: changed to fit Uwazi: 2 title(s) shared by several records, given their"
        " dossier id\n"
        "Warning: the dossier's history (1 entry) is not exported: Uwazi has no change history\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.txt", "cases.csv", "events.csv", "persons.csv"
    ]  # fmt: skip
    tables = read_folder(folder)
    check_uwazi(tables, select(Dossier.load(db)))
    readme = " ".join((folder / "README.txt").read_text("utf-8").split())
    for line in ('Template "Case" (cases.csv)', 'Template "Person" (persons.csv)',
                 'Template "Event" (events.csv)', "YYYY/MM/DD"):  # fmt: skip
        assert line in readme
    for column in uwazi.EVENTS[2:]:
        assert f"{column} (" in readme, column


def test_uwazi_ranges_for_every_precision() -> None:
    assert uwazi.date_range("2021-03") == "2021/03/01:2021/03/31"
    assert uwazi.date_range("2024-02~") == "2024/02/01:2024/02/29"
    assert uwazi.date_range("2008?") == "2008/01/01:2008/12/31"
    assert uwazi.date_range("2009-11-16") == "2009/11/16:2009/11/16"
    assert uwazi.date_range("0001-01") == "0001/01/01:0001/01/31"
    assert uwazi.date_range("0999?") == "0999/01/01:0999/12/31"
    assert uwazi.date_range(None) == ""


@settings(max_examples=40, deadline=None)
@given(dossiers())
def test_a_generated_dossier_as_uwazi_csvs(generated: Any) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.json"
        build(path, generated)
        records = select(Dossier.load(path))
        files = uwazi.files(records, ftm.Losses())
        tables = {
            name: list(csv.DictReader(io.StringIO(files[f"{name}.csv"].decode())))
            for name in ("cases", "persons", "events")
        }
        check_uwazi(tables, records)


def test_uwazi_needs_a_folder(tmp_path: Path, run: Run) -> None:
    assert run("case", "add", "aleksanyan", "--title", "A").exit_code == 0
    missing = run("export", "--format", "uwazi")
    assert missing.exit_code == 2
    assert "give the folder to write: -o FOLDER" in missing.stderr
    file = tmp_path / "taken.txt"
    file.write_text("x")
    refused = run("export", "--format", "uwazi", "-o", str(file))
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {file} is a file; for uwazi, -o names the folder to write\n"
    )  # fmt: skip
    unknown = run("export", "--format", "aleph")
    assert unknown.exit_code == 2
    assert "must be json, jsonl, csv, ftm, uwazi" in unknown.stderr


@pytest.mark.parametrize("fmt", ["ftm", "uwazi"])
def test_exports_leave_the_dossier_alone(run: Run, db: Path, fmt: str, tmp_path: Path) -> None:
    assert run("case", "add", "aleksanyan", "--title", "A").exit_code == 0
    before = Snapshot.of(db)
    result = run("export", "--format", fmt, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    before.assert_unchanged()


def test_uwazi_titles_stay_unique_whatever_the_names() -> None:
    """Namesakes get their ids, and a name that looks like a namesake's new title does
    not meet it; `|` in a title becomes `/`. Both are said."""
    records: dict[str, list[dict[str, Any]]] = {
        "cases": [{"id": "c", "title": "C|D", "summary": None, "jurisdiction": None,
                   "status": "open", "charges": [], "tags": [], "sources": []}],
        "persons": [
            {"id": key, "name": name, "aliases": [], "born": None, "died": None,
             "nationality": None, "organizations": [], "notes": None, "sources": [],
             "confidential": False, "roles": [{"case": "c", "role": "witness"}]}
            for key, name in (("a", "A"), ("a-2", "A"), ("a-a", "A (a)"))
        ],
        "events": [],
    }  # fmt: skip
    losses = ftm.Losses()
    files = uwazi.files(records, losses)
    rows = list(csv.DictReader(io.StringIO(files["persons.csv"].decode())))
    titles = [r["title"] for r in rows]
    assert len(set(titles)) == 3, titles
    assert titles == ["A (a) (a)", "A (a-2)", "A (a) (a-a)"]
    assert rows[0]["roles"] == "C/D: witness"
    assert losses.lines("Uwazi") == [
        "changed to fit Uwazi: 3 title(s) shared by several records, given their dossier"
        " id, 1 title(s) with | written as /"
    ]


def test_a_confidential_release_leaves_no_false_custody_in_ftm(run: Run, tmp_path: Path) -> None:
    """Without the (confidential) release, the period would be told as still running:
    it is left out, said, and nothing of the release or its person shows."""
    for args in (
        ("case", "add", "c", "--title", "C"),
        ("person", "add", "Ivan Open", "--case", "c", "--role", "defendant"),
        ("person", "add", "Olga Secret", "--case", "c", "--role", "witness", "--confidential"),
        ("log", "c", "arrest", "2007-01-10", "--person", "ivan-open"),
        ("log", "c", "release", "2007-03-01", "--person", "ivan-open", "--place", "Hidden Gate",
         "--confidential"),
        ("log", "c", "hearing", "2007-02-01", "--person", "ivan-open", "--person",
         "olga-secret"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    result = run("export", "--format", "ftm")
    assert result.exit_code == 0, result.output
    assert "custody" not in result.stdout
    for secret in ("Olga", "olga-secret", "Hidden Gate", "2007-03-01"):
        assert secret not in result.stdout, secret
    assert (
        "Warning: 1 custody period(s) left out: a confidential event starts, ends or continues"
        " them, and without it they would be told wrong"
    ) in result.stderr.splitlines()
    folder = run("export", "--format", "uwazi", "-o", str(tmp_path / "uwazi-out"))
    assert folder.exit_code == 0, folder.output
    written = "".join(p.read_text("utf-8") for p in (tmp_path / "uwazi-out").glob("*.csv"))
    for secret in ("Olga", "olga-secret", "Hidden Gate", "2007-03-01"):
        assert secret not in written, secret
    everything = run("export", "--format", "ftm", "--include-confidential")
    assert "dossier.custody.ivan-open." in everything.stdout
    assert "Olga Secret" in everything.stdout
    # FtM has no mark for it: the notes say so, first, and a warning counts it.
    olga = next(
        e for e in entities_of(everything.stdout.encode()) if e["id"].endswith("olga-secret")
    )
    notes = olga["properties"]["notes"]
    assert notes[0] == "CONFIDENTIAL in the dossier: this person is not to be disclosed."
    assert (
        "Warning: kept as text in notes, not as FtM properties: 1 confidential mark(s) of events,"
        " 1 confidential mark(s) of persons"
    ) in everything.stderr.splitlines()


def test_a_case_exported_alone_tells_no_custody_another_case_ends(run: Run) -> None:
    """An adversarial run: arrested under case a, released under case b; `export --case a`
    told "ongoing as of today: 5679 days", which timeline a and stats say is not so."""
    for command in (
        "case add a --title A", "case add b --title B", "person add 'Ivan Petrov' --id ivan",
        "log a arrest 2011-05-20 -p ivan", "log b release 2013-12-20 -p ivan",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    alone = run("export", "--format", "ftm", "--case", "a")
    assert alone.exit_code == 0, alone.output
    assert "Custody" not in alone.stdout and "2013-12-20" not in alone.stdout
    assert (
        "Warning: 1 custody period(s) left out: an event recorded under a case not exported"
        " starts, ends or continues them ('dossier timeline CASE' says which)"
    ) in alone.stderr.splitlines()
    both = run("export", "--format", "ftm")
    assert "Custody from 2011-05-20: 945 days, ended by release." in both.stdout
    assert "custody period(s) left out" not in both.stderr
    # A verdict under case b changes the pretrial days, which FtM does not tell: the
    # period of case a's own arrest and release is told as it is.
    for command in ("log a release 2012-01-01 -p ivan", "log b sentence 2011-06-01 -p ivan"):
        assert run(*shlex.split(command)).exit_code == 0, command
    alone = run("export", "--format", "ftm", "--case", "a")
    assert "Custody from 2011-05-20: 226 days, ended by release." in alone.stdout
    assert "custody period(s) left out" not in alone.stderr


def test_a_case_exported_alone_gives_a_period_the_id_of_every_export(run: Run) -> None:
    """Arrested on one day under case b (recorded first) and under case a: the period is
    named by the first recorded arrest, in the timeline and in an export of every case.
    `export --case a` named it by case a's arrest, a second entity for one period that
    Aleph would add beside the first; told as the whole record tells it, it is the
    period of an arrest under another case, left out and said."""
    for command in (
        "case add a --title A", "case add b --title B", "person add 'Ivan Petrov' --id ivan",
        "log b arrest 2010-01-01 -p ivan", "log a arrest 2010-01-01 -p ivan",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    first = next(e["id"] for e in json.loads(run("event", "list", "--json").stdout)
                 if e["case"] == "b")  # fmt: skip
    timeline = json.loads(run("timeline", "--person", "ivan", "--json").stdout)
    assert [p["start_event"] for p in timeline["custody"]] == [first]

    def periods(*args: str) -> list[str]:
        result = run("export", "--format", "ftm", *args)
        assert result.exit_code == 0, result.output
        return [e["id"] for e in entities_of(result.stdout_bytes)
                if e["id"].startswith("dossier.custody.")]  # fmt: skip

    assert periods() == [ftm.entity_id("custody", "ivan", first)]
    assert periods("--case", "a") == []


def test_a_case_exported_alone_gives_a_period_no_place_of_the_next(run: Run) -> None:
    """Arrested in 2010, remanded to SIZO-1 "in March 2012" (case a); released on 28 March
    and re-arrested that day under case b: the remand is that re-arrest, and SIZO-1 the
    second period's facility. `export --case a` gave it to the first period, told
    otherwise as the whole record tells it."""
    for command in (
        "case add a --title A", "case add b --title B", "person add 'Ivan Petrov' --id ivan",
        "log a arrest 2010-01-01 -p ivan", "log a pretrial_detention 2012-03 -p ivan"
        " --place SIZO-1", "log a release 2012-03-28 -p ivan", "log b arrest 2012-03-28 -p ivan",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    timeline = json.loads(run("timeline", "--person", "ivan", "--json").stdout)
    assert [p["facilities"] for p in timeline["custody"]] == [[], ["SIZO-1"]]
    result = run("export", "--format", "ftm", "--case", "a")
    assert result.exit_code == 0, result.output
    (period,) = [e for e in entities_of(result.stdout_bytes)
                 if e["id"].startswith("dossier.custody.")]  # fmt: skip
    (summary,) = period["properties"]["summary"]
    assert summary.startswith("Custody from 2010-01-01: 817 days, ended by release")
    assert "location" not in period["properties"]


def test_a_long_id_is_cut_to_what_ftm_takes_and_stays_unique() -> None:
    long = "-".join(["konstantin"] * 30)
    ids = {ftm.entity_id("person", long + suffix) for suffix in ("", "-2", "-3")}
    assert len(ids) == 3
    assert all(len(i) <= ftm.ID_LENGTH and i[-1].isalnum() for i in ids)
    assert ftm.entity_id("case", "a-") == "dossier.case.a-.0"
    # With its ".0", an id that ends in "-" may not pass the length either.
    assert len(ftm.entity_id("person", "a" * 184 + "-")) <= ftm.ID_LENGTH
    lines = b"".join(
        json.dumps({"id": i, "schema": "Person", "properties": {"name": ["K"]}}).encode() + b"\n"
        for i in sorted(ids)
    )
    assert ftm_problems(lines) == []


def test_a_custody_period_with_a_problem_says_so_in_ftm(run: Run) -> None:
    """An adversarial run: died with no end of custody recorded; the FtM entity said
    "ongoing as of today: 6586 days" while timeline and stats flag the period."""
    for command in (
        "case add m --title M",
        "person add 'Sergei Magnitsky' --id sergei --case m --role defendant",
        "log m arrest 2008-11-24 -p sergei", "log m death 2009-11-16 -p sergei",
        "person add 'Ivan Petrov' --id ivan --case m --role defendant",
        "log m arrest 2010-01-01 -p ivan", "log m release 2010-02-01 -p ivan",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    result = run("export", "--format", "ftm")
    assert result.exit_code == 0, result.output
    day = today()
    periods = {
        e["properties"]["involved"][0]: e["properties"]
        for e in entities_of(result.stdout_bytes)
        if e["id"].startswith("dossier.custody.")
    }
    problem = run("stats", "--json").stdout
    message = json.loads(problem)["problems"][0]["message"]
    assert message.startswith("custody from 2008-11-24 (event ")
    assert "has no recorded end, but death on 2009-11-16" in message
    assert periods["dossier.person.sergei"]["summary"] == [
        f"Custody from 2008-11-24: ongoing as of {day}: {(day - date(2008, 11, 24)).days}"
        " days; the person's custody record has a problem, said in notes."
    ]
    assert periods["dossier.person.sergei"]["notes"] == [f"Problem: {message}."]
    # Ivan's record has none: his period is told as it is.
    assert periods["dossier.person.ivan"]["summary"] == [
        "Custody from 2010-01-01: 31 days, ended by release."
    ]
    assert "notes" not in periods["dossier.person.ivan"]
    assert (
        "Warning: 1 custody period(s) exported with a problem in the person's record (such as"
        " a death with no end of custody recorded), said in their notes; 'dossier timeline"
        " CASE' lists the problems"
    ) in result.stderr.splitlines()


def test_an_approximate_custody_figure_reads_as_in_the_tables_in_ftm(run: Run) -> None:
    """An adversary's find: arrested "c. 3 May 2012", released 1 September 2012 is "~121"
    in every custody table, and was a bare "121 days" in the FtM summary, which Aleph
    shows as exact; the end marked "?" alike, and a period still running."""
    for command in (
        "case add f --title F",
        "person add 'Ivan Petrov' --id ivan --case f --role defendant",
        "log f arrest 2012-05-03~ -p ivan", "log f release 2012-09-01 -p ivan",
        "log f arrest 2013-01-10 -p ivan", "log f release 2013-02-10? -p ivan",
        "person add 'Anna Orlova' --id anna --case f --role defendant",
        "log f arrest 2020-01-01? -p anna",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    result = run("export", "--format", "ftm")
    assert result.exit_code == 0, result.output
    summaries = sorted(
        e["properties"]["summary"][0]
        for e in entities_of(result.stdout_bytes)
        if e["id"].startswith("dossier.custody.")
    )
    day = today()
    assert summaries == [
        "Custody from 2013-01-10: ~31 days, ended by release.",
        f"Custody from 2020-01-01?: ongoing as of {day}: ~{(day - date(2020, 1, 1)).days} days.",
        "Custody from c. 2012-05-03: ~121 days, ended by release.",
    ]
    shown = run("timeline", "f").stdout
    assert "~121" in shown and "~31" in shown


def test_ftm_custody_leaves_out_what_has_not_happened_yet(run: Run) -> None:
    """An adversary's find: a release dated next month ended the period in the FtM export
    ("ended by release") while every other figure said still held, and an arrest and a
    release both still to come made a period of 31 days there and none anywhere else."""
    day = today()
    later = day + timedelta(days=14)
    for command in (
        "case add r --title R",
        "person add 'Elena Held' --id elena --case r --role defendant",
        "log r arrest 2019-01-01 -p elena",
        f"log r release {later.isoformat()} -p elena --allow-future",
        "person add 'Olga Soon' --id olga --case r --role defendant",
        f"log r arrest {(later + timedelta(days=1)).isoformat()} -p olga --allow-future",
        f"log r release {(later + timedelta(days=32)).isoformat()} -p olga --allow-future",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    result = run("export", "--format", "ftm")
    assert result.exit_code == 0, result.output
    periods = [
        e["properties"] for e in entities_of(result.stdout_bytes)
        if e["id"].startswith("dossier.custody.")
    ]  # fmt: skip
    assert [p["involved"] for p in periods] == [["dossier.person.elena"]]
    assert periods[0]["summary"] == [
        f"Custody from 2019-01-01: ongoing as of {day}: {(day - date(2019, 1, 1)).days} days."
    ]
    assert "endDate" not in periods[0]
    figures = json.loads(run("stats", "--per-person", "--json").stdout)
    assert [(p["person"], p["ongoing"]) for p in figures["per_person"]] == [("elena", True)]
