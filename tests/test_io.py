"""Import and export (docs/import.md): every format, every error located.

An import is all or nothing: every bad row is listed as `FILE:LINE: FIELD: message`
on stderr, then a count, exit 1, and the database file is left byte for byte as it
was (or still absent). Re-running an import changes nothing; rows without an id
match stored events as a multiset. An export imported into an empty database gives
back every record, ids and timestamps included.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from conftest import Run, Snapshot, contents, opened, where
from dossier import ops, storage
from dossier.cli.app import app
from dossier.io.importer import Source, import_sources
from dossier.io.read import COLUMNS, read
from dossier.model import Case, Event, Person, Role
from dossier.store import Dossier, edit_store
from dossier.store import file as store

EVENTS = "case,date,type,person,source\n"
BOM = b"\xef\xbb\xbf"
HEARIN = "type: unknown event type 'hearin' (did you mean 'hearing'?); see 'dossier vocab'"
AREST = "type: unknown event type 'arest' (did you mean 'arrest'?); see 'dossier vocab'"
UNSOURCED = "event(s) have no source (the first on this line); reports will mark them unsourced"

# Helpers ----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    """An input file; text is written as UTF-8 exactly as given (no newline translation)."""
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def cli(db: Path) -> Run:
    """Like the `run` fixture, for another database: a plain one, used without the
    passphrase the encrypted run of `run` gives (which would get a warning that the
    file is not encrypted)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(
            app, ["--db", str(db), *args], input=input, env={"DOSSIER_PASSPHRASE": None}
        )

    return invoke


def tally(cases: int = 0, persons: int = 0, events: int = 0) -> dict[str, int]:
    """Counts per kind, as in the import summary."""
    return {"cases": cases, "persons": persons, "events": events}


def imported(result: Result) -> dict[str, Any]:
    """The --json summary of an import that succeeded (no errors, nothing on stderr)."""
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    summary: dict[str, Any] = json.loads(result.stdout)
    assert summary["errors"] == []
    return summary


def assert_refused(result: Result, before: Snapshot, *errors: str, files: int = 1) -> None:
    """Exit 1; one `Error:` line per problem, then the count; the file as it was."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        *(f"Error: {error}" for error in errors),
        f"Error: {len(errors)} problem(s) in {files} file(s); nothing was imported",
    ]
    before.assert_unchanged()


def stored(db: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record in the database file, by kind and id."""
    d = opened(db)
    return {kind: dict(table.raw) for kind, table in d.tables().items()}


def events_of(db: Path, type_: str) -> list[dict[str, Any]]:
    """The stored events of one type, in the order recorded."""
    return [e for e in stored(db)["events"].values() if e["type"] == type_]


def exported(run: Run, *args: str) -> dict[str, Any]:
    """`export ARGS` parsed: JSON, or JSON Lines regrouped by kind (header under 'header')."""
    result = run("export", "--include-confidential", *args)
    assert result.exit_code == 0, result.output
    if "jsonl" not in args:
        export: dict[str, Any] = json.loads(result.stdout)
        return export
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    grouped: dict[str, Any] = {"header": lines[0], "cases": [], "persons": [], "events": []}
    for record in lines[1:]:
        grouped[record.pop("kind") + "s"].append(record)
    return grouped


def records_of(run: Run, fmt: str) -> dict[str, Any]:
    """An export's records (without the header, which holds the time of export)."""
    export = exported(run, "--format", fmt)
    header = export.pop("header") if fmt == "jsonl" else export
    assert (header.pop("format"), header.pop("version")) == ("dossier", 1)
    assert header.pop("exported").endswith("Z")
    assert list(export) == ["cases", "persons", "events"]
    return export


def csv_rows(data: bytes) -> list[list[str]]:
    """A CSV export read back as a spreadsheet would (BOM removed)."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode(), newline="")))


def unstamped(cases: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Cases without their timestamps."""
    return {
        i: {k: v for k, v in c.items() if k not in ("created", "updated")} for i, c in cases.items()
    }


def only_event(db: Path, type_: str) -> dict[str, Any]:
    """The one stored event of this type."""
    (event,) = events_of(db, type_)
    return event


# Formats ----------------------------------------------------------------------------


def test_csv_of_events_resolves_persons_and_fills_every_column(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "events.csv",
        "case,date,type,person,place,country,description,source,end,outcome,term,note\n"
        "aleksanyan,2008-02-08,transfer,Vasily Aleksanyan,City hospital,ru,Moved under guard,"
        "https://example.org/a|ECHR ruling,,,,\n"
        "aleksanyan,October 2007,hunger_strike,vasiliy-aleksanyan,,,,s,2007-11,,,as his lawyers"
        " said\n"
        "aleksanyan,c. 2009,verdict,,,,,s,,dismissed,,\n",
    )
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert summary["added"] == tally(events=3)
    transfer = only_event(db, "transfer")
    assert transfer == {
        "id": transfer["id"],
        "case": "aleksanyan",
        "type": "transfer",
        "date": "2008-02-08",
        "end": None,
        "persons": ["vasiliy-aleksanyan"],
        "place": "City hospital",
        "country": "RU",
        "description": "Moved under guard",
        "sources": ["https://example.org/a", "ECHR ruling"],
        "outcome": None,
        "term": None,
        "note": None,
        "confidential": False,
    }
    strike = only_event(db, "hunger_strike")
    assert (strike["date"], strike["end"], strike["note"]) == (
        "2007-10",
        "2007-11",
        "as his lawyers said",
    )
    verdict = only_event(db, "verdict")
    assert (verdict["date"], verdict["persons"], verdict["outcome"], verdict["term"]) == (
        "2009~",
        [],
        "dismissed",
        None,
    )


def test_csv_of_cases(run: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        "id,title,summary,jurisdiction,status,charges,tags,sources\n"
        "bakhmina,Svetlana Bakhmina,,ru,Convicted,Art. 160 CC RF|Art. 198 CC RF,yukos|women,"
        "https://example.org/bakhmina\n",
    )
    assert imported(run("import", str(path), "--json"))["added"] == tally(cases=1)
    case = stored(db)["cases"]["bakhmina"]
    assert case["created"] == case["updated"] != ""
    assert case == {
        "id": "bakhmina",
        "title": "Svetlana Bakhmina",
        "summary": None,
        "jurisdiction": "RU",
        "status": "convicted",
        "charges": ["Art. 160 CC RF", "Art. 198 CC RF"],
        "tags": ["yukos", "women"],
        "sources": ["https://example.org/bakhmina"],
        "created": case["created"],
        "updated": case["created"],
    }


def test_csv_of_persons_with_roles_and_aliases(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    cases = write(tmp_path, "cases.csv", "id,title\nbakhmina,Svetlana Bakhmina\n")
    persons = write(
        tmp_path,
        "persons.csv",
        "Name,Aliases,Born,Case,Role,Notes\n"
        "Светлана Бахмина,Svetlana Bakhmina|Бахмина С. В.,1968,bakhmina,defendant,"
        "Yukos in-house lawyer\n"
        "Ivan Petrov,,c. 1960,aleksanyan|bakhmina,lawyer,\n",
    )
    summary = imported(aleksanyan("import", str(cases), str(persons), "--json"))
    assert summary["added"] == tally(cases=1, persons=2)
    people = stored(db)["persons"]
    assert people["svetlana-bakhmina"] == {
        "id": "svetlana-bakhmina",
        "name": "Светлана Бахмина",
        "aliases": ["Svetlana Bakhmina", "Бахмина С. В."],
        "born": "1968",
        "died": None,
        "nationality": None,
        "organizations": [],
        "notes": "Yukos in-house lawyer",
        "sources": [],
        "confidential": False,
        "roles": [{"case": "bakhmina", "role": "defendant"}],
    }
    petrov = people["ivan-petrov"]
    assert (petrov["born"], petrov["aliases"], petrov["notes"]) == ("1960~", [], None)
    assert petrov["roles"] == [
        {"case": "aleksanyan", "role": "lawyer"},
        {"case": "bakhmina", "role": "lawyer"},
    ]


def test_native_json_as_export_writes_it(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    export = aleksanyan("export", "--include-confidential", "--format", "json")
    assert export.stdout.startswith('{"format":"dossier","version":1,"exported":"')
    path = write(tmp_path, "yukos.json", export.stdout)
    other = tmp_path / "other.json"
    summary = imported(cli(other)("import", str(path), "--json"))
    assert summary["added"] == tally(cases=1, persons=1, events=2)
    assert stored(other) == stored(db)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_with_a_byte_order_mark_is_read(
    aleksanyan: Run, db: Path, tmp_path: Path, fmt: str
) -> None:
    """An export saved again by Notepad or PowerShell starts with a UTF-8 byte-order mark,
    which CSV import takes and JSON import refused as invalid JSON."""
    export = aleksanyan("export", "--include-confidential", "--format", fmt).stdout
    before = Snapshot.of(db)
    # Named as the format, and (a review's find) without a suffix, found by its content.
    for name in (f"yukos.{fmt}", f"yukos-{fmt}"):
        path = write(tmp_path, name, BOM + export.encode())
        assert imported(aleksanyan("import", str(path), "--json"))["unchanged"] == tally(1, 1, 2)
    before.assert_unchanged()


def test_jsonl_header_and_kind_lines(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "more.jsonl",
        '{"format": "dossier", "version": 1}\n'
        '{"kind": "case", "id": "bakhmina", "title": "Svetlana Bakhmina", "status": "convicted"}\n'
        "\n"
        '{"kind": "person", "id": "svetlana-bakhmina", "name": "Светлана Бахмина",'
        ' "roles": [{"case": "bakhmina", "role": "defendant"}]}\n'
        '{"kind": "event", "case": "bakhmina", "type": "arrest", "date": "07.12.2004",'
        ' "persons": ["Светлана Бахмина"], "sources": ["Kommersant"], "confidential": true}\n',
    )
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert summary["added"] == tally(cases=1, persons=1, events=1)
    arrest = events_of(db, "arrest")[-1]
    assert arrest["case"] == "bakhmina"
    assert (arrest["date"], arrest["persons"], arrest["confidential"]) == (
        "2004-12-07",
        ["svetlana-bakhmina"],
        True,
    )
    assert stored(db)["persons"]["svetlana-bakhmina"]["roles"] == [
        {"case": "bakhmina", "role": "defendant"}
    ]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_dash_reads_standard_input(aleksanyan: Run, db: Path, fmt: str) -> None:
    if fmt == "csv":
        data = EVENTS + "aleksanyan,2007-06-01,hearing,Vasily Aleksanyan,s\n"
    else:
        data = aleksanyan("export", "--include-confidential", "--format", fmt).stdout
    before = Snapshot.of(db)
    summary = imported(aleksanyan("import", "-", "--json", input=data))
    if fmt == "csv":
        assert summary["added"] == tally(events=1)
        assert only_event(db, "hearing")["persons"] == ["vasiliy-aleksanyan"]
    else:  # the format is told from the content; importing an export of itself changes nothing
        assert summary["unchanged"] == tally(cases=1, persons=1, events=2)
        before.assert_unchanged()


def test_an_export_on_one_line_is_read_as_json_not_as_a_header(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """An adversarial run: an export written on one line (jq -c, json.dump) read from
    standard input was taken for a JSON Lines header, whose other keys were never looked
    at: "added 0 0 0", exit 0, every record dropped."""
    export = json.loads(aleksanyan("export", "--include-confidential").stdout)
    compact = json.dumps(export, ensure_ascii=False) + "\n"
    other = cli(tmp_path / "other.json")
    summary = imported(other("import", "-", "--json", input=compact))
    assert summary["added"] == tally(cases=1, persons=1, events=2)
    assert stored(tmp_path / "other.json") == stored(db)
    # Named .jsonl, it is refused, and says what it is.
    before = Snapshot.of(db)
    path = write(tmp_path, "compact.jsonl", compact)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        *(
            f"{path}:1: {key}: unknown field '{key}' in the header line: this is an export"
            " on one line; import it as a .json file"
            for key in ("cases", "persons", "events")
        ),
    )


def test_a_jsonl_header_has_its_own_keys_once(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    before = Snapshot.of(db)
    path = write(
        tmp_path,
        "h.jsonl",
        '{"format": "dossier", "version": 1}\n'
        '{"kind": "case", "id": "a", "title": "A"}\n'
        '{"format": "dossier", "comment": "x", "persons": [{"name": "Ivan"}]}\n'
        '{"format": "dossier", "version": true, "exported": 5}\n',
    )
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:3: format: a second header line: a JSON Lines file has one, on its first line",
        f"{path}:3: comment: unknown field 'comment' in the header line",
        f"{path}:3: persons: unknown field 'persons' in the header line: this is an export on"
        " one line; import it as a .json file",
        f"{path}:4: format: a second header line: a JSON Lines file has one, on its first line",
        f"{path}:4: version: must be a whole number such as 1, not true",
        f"{path}:4: exported: must be a time as text",
    )


def test_a_cell_that_folds_to_nothing_names_no_one(run: Run, db: Path, tmp_path: Path) -> None:
    """An adversarial run: with a person named "?", every "—", "***" or soft-hyphen cell
    of an import named them (arrested, then died in custody), where `log` refused;
    with --create-missing, such a cell made a person of them, and a persons row named
    "***" added one more on every run of its file."""
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "?", "--id", "q").exit_code == 0
    before = Snapshot.of(db)
    path = write(
        tmp_path, "unknown.csv",
        "case,date,type,person,source\nc,2007-03-02,arrest,—,s1\n"
        "c,2008-04-01,death_in_custody,***,s2\nc,2009-01-01,statement,\u00ad,s3\n",
    )  # fmt: skip
    said = [
        f"{path}:{line}: person: {cell!r} names no one (it has no letter or digit); leave it"
        " out, or give an id"
        for line, cell in ((2, "—"), (3, "***"), (4, "\u00ad"))
    ]
    assert_refused(run("import", str(path)), before, *said)
    assert_refused(run("import", str(path), "--create-missing"), before, *said)
    logged = run("log", "c", "arrest", "2007-03-02", "-p", "—")
    assert logged.stderr == (
        "Error: '—' names no one (it has no letter or digit); leave it out, or give an id\n"
    )
    rows = write(tmp_path, "persons.csv", "name,case,role\n***,c,witness\n")
    assert_refused(
        run("import", str(rows)), before,
        f"{rows}:2: name: '***' names no one (it has no letter or digit); leave it out, or"
        " give an id",
    )  # fmt: skip
    # With an id, such a row is a person, and a re-import changes nothing.
    rows = write(tmp_path, "persons.csv", "id,name,case,role\nredacted-1,***,c,witness\n")
    assert imported(run("import", str(rows), "--json"))["added"] == tally(persons=1)
    assert imported(run("import", str(rows), "--json"))["unchanged"] == tally(persons=1)


def test_a_role_object_is_case_and_role_as_text(run: Run, db: Path, tmp_path: Path) -> None:
    """An adversarial run: a role's other keys were dropped without a word, and a case
    given as a number was taken as its text."""
    for case in ("c", "2005"):
        assert run("case", "add", case, "--title", f"Case {case}").exit_code == 0
    before = Snapshot.of(db)
    roles = [
        {"case": "c", "role": "lawyer", "detail": "lead trial lawyer"},
        {"case": 2005, "role": "witness"},
        {"case": "c", "role": None},
        {"case": "c", "rol": "witness"},
    ]
    path = write(
        tmp_path, "roles.jsonl",
        "".join(json.dumps({"kind": "person", "name": f"P {n}", "roles": [role]}) + "\n"
                for n, role in enumerate(roles)),
    )  # fmt: skip
    assert_refused(
        run("import", str(path)),
        before,
        f"{path}:1: roles: role 1: unknown key 'detail' (a role is {{case, role}}; say more"
        " in the person's notes)",
        f"{path}:2: roles: role 1: case must be text, not 2005",
        f"{path}:3: roles: role 1: role must be text, not null",
        f"{path}:4: roles: role 1: unknown key 'rol' (did you mean 'role'?)",
    )


def test_a_name_of_two_persons_is_said_as_the_command_line_says_it(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """An adversarial run: the import said "names several persons (a, b)", the command
    line "names several persons: a (Name), b (Name)"."""
    for command in (["case", "add", "c", "--title", "C"], ["person", "add", "Ivan Petrov"],
                    ["person", "add", "Ivan Petrov", "--id", "ivan2", "--yes"]):  # fmt: skip
        assert run(*command).exit_code == 0
    before = Snapshot.of(db)
    said = "'Ivan Petrov' names several persons: ivan-petrov (Ivan Petrov), ivan2 (Ivan Petrov);"
    logged = run("log", "c", "arrest", "2005", "-p", "Ivan Petrov")
    assert logged.stderr == f"Error: {said} give the id\n"
    path = write(tmp_path, "amb.csv", "case,date,type,person\nc,2005,arrest,Ivan Petrov\n")
    assert_refused(run("import", str(path)), before, f"{path}:2: person: {said} give the id")


def test_a_date_made_less_precise_by_an_import_is_warned_about(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """An adversarial run: a persons row "Platon Lebedev;1956" turned his stored birth
    day, 29 November 1956, into the year alone, "updated 1" and not a word."""
    assert run("person", "add", "Platon Lebedev", "--born", "29.11.1956").exit_code == 0
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    event = run("log", "c", "hearing", "2011-05-20", "-s", "s").stdout.strip()
    people = write(tmp_path, "p.csv", "\ufeffname;born\r\nPlaton Lebedev;1956\r\n")
    events = write(tmp_path, "e.jsonl", json.dumps(
        {"kind": "event", "id": event, "case": "c", "type": "hearing", "date": "2011-05"}
    ) + "\n")  # fmt: skip
    result = run("import", str(people), str(events), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["updated"] == tally(persons=1, events=1)  # allowed: the file says so
    assert result.stderr.splitlines() == [
        f"Warning: {people}:2: born: '1956' replaces '1956-11-29', which says more; leave the"
        " cell empty to keep the stored date",
        f"Warning: {events}:1: date: '2011-05' replaces '2011-05-20', which says more; leave"
        " the cell empty to keep the stored date",
    ]


def test_standard_input_is_named_in_errors(aleksanyan: Run, db: Path) -> None:
    before = Snapshot.of(db)
    result = aleksanyan("import", "-", input=EVENTS + "aleksanyan,someday,arrest,,s\n")
    assert_refused(
        result,
        before,
        "<stdin>:2: date: cannot read date 'someday': unknown word 'someday'; use a form like"
        " 2003-10-25, 25.10.2003, October 2003 or 2003",
    )


# Spreadsheets -----------------------------------------------------------------------

# As LibreOffice and Excel save "CSV" in a Russian locale: `;`, CRLF between rows,
# a line feed inside a quoted cell, dotted dates, names in Cyrillic and in any case.
SPREADSHEET = (
    "Case;Date;Type;Person;Place;Description;Source\r\n"
    'aleksanyan;08.02.2008;transfer;ВАСИЛИЙ АЛЕКСАНЯН;Moscow;"Moved to a city hospital;'
    ' under guard\nchained to the bed";ECHR, Aleksanyan v. Russia, no. 46468/06\r\n'
    "aleksanyan;25.10.2003;statement;vasily aleksanyan;;Statement to the press;"
    "Kommersant|https://example.org/statement\r\n"
)


def assert_spreadsheet_rows_stored(db: Path) -> None:
    transfer = only_event(db, "transfer")
    assert transfer["date"] == "2008-02-08"
    assert transfer["persons"] == ["vasiliy-aleksanyan"]  # by its name, folded
    assert transfer["description"] == "Moved to a city hospital; under guard\nchained to the bed"
    assert transfer["sources"] == ["ECHR, Aleksanyan v. Russia, no. 46468/06"]
    statement = only_event(db, "statement")
    assert statement["date"] == "2003-10-25"
    assert statement["persons"] == ["vasiliy-aleksanyan"]  # by its alias, folded
    assert statement["sources"] == ["Kommersant", "https://example.org/statement"]


def test_spreadsheet_csv_with_bom_semicolons_crlf_and_cyrillic(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "export.csv", BOM + SPREADSHEET.encode())
    assert imported(aleksanyan("import", str(path), "--json"))["added"] == tally(events=2)
    assert_spreadsheet_rows_stored(db)


def test_line_numbers_count_the_lines_of_a_multiline_cell(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "export.csv", BOM + (SPREADSHEET + "aleksanyan;31.13.2008;bail;;;;s\r\n").encode()
    )
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:5: date: cannot read date '31.13.2008': month 13 is out of range 1..12",
    )


def test_tab_delimited(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.tsv",
        "case\tdate\ttype\tperson\tdescription\tsource\n"
        "aleksanyan\t2008-02-08\ttransfer\tVasily Aleksanyan\tMoved, under guard; at night\ts\n",
    )
    assert imported(aleksanyan("import", str(path), "--json"))["added"] == tally(events=1)
    assert only_event(db, "transfer")["description"] == "Moved, under guard; at night"


def test_cp1251_needs_encoding_and_reads_with_it(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "windows.csv", SPREADSHEET.encode("cp1251"))
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:2: the file is not utf-8 (byte 0xc2 cannot be read); pass --encoding,"
        " e.g. --encoding cp1251 (Cyrillic Windows) or cp1252",
    )
    summary = imported(aleksanyan("import", str(path), "--encoding", "cp1251", "--json"))
    assert summary["added"] == tally(events=2)
    assert_spreadsheet_rows_stored(db)


# Errors -----------------------------------------------------------------------------

ROW_ERRORS = [
    (
        "too many cells",
        "aleksanyan,2006-04-06,arrest,,s,extra",
        "the row has 6 cells, the header 5",
    ),
    ("too few cells", "aleksanyan,2006-04-06,arrest", "the row has 3 cells, the header 5"),
    (
        "bad date",
        "aleksanyan,2006-02-30,arrest,,s",
        "date: cannot read date '2006-02-30': day 30 is out of range for February 2006",
    ),
    (
        "unknown type",
        "aleksanyan,2006-04-06,arest,,s",
        AREST,
    ),
    (
        "unknown case",
        "aleksanian,2006-04-06,arrest,,s",
        "case: no case 'aleksanian' (did you mean 'aleksanyan'?); add it first, or pass"
        " --create-missing",
    ),
    (
        "unknown person",
        "aleksanyan,2006-04-06,arrest,Vasily Aleksanyn,s",
        "person: no person 'Vasily Aleksanyn' (did you mean vasiliy-aleksanyan (Василий"
        " Алексанян)?); add them first, or pass --create-missing",
    ),
    (
        "ambiguous slash date",
        "aleksanyan,03/04/2005,arrest,,s",
        "date: ambiguous date '03/04/2005': write 2005-04-03 (day first) or 2005-03-04"
        " (month first), or pass --dayfirst or --monthfirst",
    ),
]


@pytest.mark.parametrize(
    ("row", "message"), [e[1:] for e in ROW_ERRORS], ids=[e[0] for e in ROW_ERRORS]
)
def test_a_bad_row_is_located_and_nothing_is_written(
    aleksanyan: Run, db: Path, tmp_path: Path, row: str, message: str
) -> None:
    # The bad row sits between good ones, which are not imported either.
    path = write(
        tmp_path,
        "events.csv",
        EVENTS + "aleksanyan,2007,hearing,,s\n" + row + "\n" + "aleksanyan,2008,hearing,,s\n",
    )
    before = Snapshot.of(db)
    assert_refused(aleksanyan("import", str(path)), before, f"{path}:3: {message}")


def test_an_unknown_column_lists_the_known_ones_on_line_1(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "events.csv", "case,date,type,persn,source\naleksanyan,2007,hearing,,s\n"
    )
    before = Snapshot.of(db)
    result = aleksanyan("import", str(path))
    assert result.exit_code == 1
    error, count = result.stderr.splitlines()
    assert error.startswith(
        f"Error: {path}:1: persn: unknown column 'persn' (did you mean 'person'?) in an events"
    )
    assert error.endswith("; the columns are " + ", ".join(COLUMNS["event"]))
    assert count == "Error: 1 problem(s) in 1 file(s); nothing was imported"
    before.assert_unchanged()


def test_rows_naming_a_record_whose_row_failed_point_to_that_row(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """One mistyped status: the case's row failed, and every row naming the case or its
    person said "no case 'magnitsky'; add it first" (or "did you mean lebedev"), sending
    the user to add what the file holds. Now they point to the row to fix."""
    cases = write(tmp_path, "cc.csv", "id,title,status\nmagnitsky,Magnitsky,Closedd\n")
    persons = write(tmp_path, "cp.csv", "name,id,case,role\nSergei M,sergei,magnitsky,defendant\n")
    rows = "magnitsky,24.11.2008,arrest,sergei,x\nmagnitsky,2009,death,Sergei M,x\n"
    events = write(tmp_path, "ce.csv", "case,date,type,person,source\n" + rows)
    before = Snapshot.of(db)
    result = run("import", str(cases), str(persons), str(events))
    assert result.exit_code == 1

    def failed(kind: str, key: str, at: str) -> str:
        return f"{kind} {key!r} is on a row of this import that has errors ({at}); fix that row"

    assert result.stderr.splitlines()[1:] == [
        f"Error: {persons}:2: case: {failed('case', 'magnitsky', f'{cases}:2')}",
        f"Error: {events}:2: case: {failed('case', 'magnitsky', f'{cases}:2')}",
        f"Error: {events}:2: person: {failed('person', 'sergei', f'{persons}:2')}",
        f"Error: {events}:3: case: {failed('case', 'magnitsky', f'{cases}:2')}",
        f"Error: {events}:3: person: {failed('person', 'Sergei M', f'{persons}:2')}",
        "Error: 6 problem(s) in 3 file(s); nothing was imported",
    ]
    before.assert_unchanged()


@pytest.mark.plain_only("reading a CSV header: the same before any store is opened")
def test_unnamed_columns_a_spreadsheet_leaves_are_one_line_each(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """A header ending in ";;": two "unknown column ''" lines and "the column appears
    twice", which named no column, became one line per column that has no name."""
    path = write(tmp_path, "events.csv", "case;date;type;;\naleksanyan;2007;hearing;;\n")
    before = Snapshot.of(db)
    result = aleksanyan("import", str(path))
    assert result.exit_code == 1
    known = ", ".join(COLUMNS["event"])
    assert result.stderr.splitlines() == [
        f"Error: {path}:1: (empty): column {n} has no name; remove the column, or name it as"
        f" one of {known}"
        for n in (4, 5)
    ] + ["Error: 2 problem(s) in 1 file(s); nothing was imported"]
    before.assert_unchanged()


def test_a_duplicate_id_inside_the_file(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.csv",
        "id,case,date,type,source\nh1,aleksanyan,2007,hearing,s\nh2,aleksanyan,2008,hearing,s\n"
        "h1,aleksanyan,2009,hearing,s\n",
    )
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:4: id: event 'h1' appears twice in the import (first at {path}:2)",
    )


def test_persons_and_cases_rows_are_checked_too(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    persons = write(
        tmp_path,
        "persons.csv",
        "name,case,role\nIvan Petrov,aleksanyan,lawer\nAnna Petrova,aleksanyan,lawyer\n"
        "Anna Petrova,aleksanyan,lawyer\n",
    )
    cases = write(tmp_path, "cases.csv", "id,title,status\nbakhmina,Svetlana Bakhmina,convicte\n")
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(persons), str(cases)),
        before,
        f"{persons}:2: role: unknown role 'lawer' (did you mean 'lawyer'?); see 'dossier vocab'",
        f"{persons}:4: name: person 'Anna Petrova' appears twice in the import (first at"
        f" {persons}:3); give each row an id",
        f"{cases}:2: status: unknown status 'convicte' (did you mean 'convicted'?);"
        " see 'dossier vocab'",
        files=2,
    )


@pytest.mark.parametrize(
    ("option", "date"), [("--dayfirst", "2005-04-03"), ("--monthfirst", "2005-03-04")]
)
def test_dayfirst_or_monthfirst_reads_slash_dates(
    aleksanyan: Run, db: Path, tmp_path: Path, option: str, date: str
) -> None:
    path = write(tmp_path, "events.csv", EVENTS + "aleksanyan,03/04/2005,search,,s\n")
    assert imported(aleksanyan("import", str(path), option, "--json"))["added"] == tally(events=1)
    assert only_event(db, "search")["date"] == date


def test_every_bad_row_is_listed_once_then_a_count(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "events.csv",
        "id,case,date,type,person,source\n"
        ",aleksanyan,2007,hearing,,s\n"
        ",aleksanyan,2006-13-01,hearing,,s\n"
        ",aleksanyan,2007,hearing,,s,extra\n"
        ",aleksanyan,2007,hearin,,s\n"
        "\n"
        "e1,aleksanyan,2007,hearing,,s\n"
        "e1,aleksanyan,2008,hearing,,s\n"
        ",nosuch,2007,hearing,Nobody At All,s\n",
    )
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:3: date: cannot read date '2006-13-01': month 13 is out of range 1..12",
        f"{path}:4: the row has 7 cells, the header 6",
        f"{path}:5: {HEARIN}",
        f"{path}:8: id: event 'e1' appears twice in the import (first at {path}:7)",
        f"{path}:9: case: no case 'nosuch'; add it first, or pass --create-missing",
        f"{path}:9: person: no person 'Nobody At All'; add them first, or pass --create-missing",
    )


def test_rows_the_contract_refuses_are_listed_with_rows_that_could_not_be_read(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """A user's find: a date after today and an end before its date are the record
    contract's to refuse, once the rows are read; while another row could not be read
    (31 September), they were not looked at, and came up only in the next round."""
    path = write(
        tmp_path,
        "events.csv",
        "case;date;type;person;end;source\n"
        "aleksanyan;2099;arrest;vasiliy-aleksanyan;;s\n"
        "aleksanyan;05.05.2012;hunger_strike;vasiliy-aleksanyan;01.05.2012;s\n"
        "aleksanyan;31.09.2012;hearing;vasiliy-aleksanyan;;s\n",
    )
    before = Snapshot.of(db)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:2: date: 2099 is after today ({today}): arrest events must already have"
        " happened; correct the date, or pass --allow-future to record it anyway",
        f"{path}:3: end: end (2012-05-01) is before the date (2012-05-05)",
        f"{path}:4: date: cannot read date '31.09.2012': day 31 is out of range for September 2012",
    )


def test_every_bad_field_of_one_row_on_its_own_line(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "events.csv",
        "case,date,type,person,source,outcome,end\n"
        "aleksanian,2006-13-01,arest,Vasily Aleksanyn,s,guilt,2005\n",
    )
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:2: case: no case 'aleksanian' (did you mean 'aleksanyan'?); add it first, or"
        " pass --create-missing",
        f"{path}:2: {AREST}",
        f"{path}:2: date: cannot read date '2006-13-01': month 13 is out of range 1..12",
        f"{path}:2: person: no person 'Vasily Aleksanyn' (did you mean vasiliy-aleksanyan"
        " (Василий Алексанян)?); add them first, or pass --create-missing",
        f"{path}:2: outcome: unknown outcome 'guilt' (did you mean 'guilty'?); see 'dossier vocab'",
    )


@pytest.mark.parametrize(
    ("name", "text", "messages"),
    [
        (
            "cases.csv",
            "id,title,status\nYukos Case,Yukos,convicte\n",
            [
                "id: 'Yukos Case' is not a valid id: use lower-case letters, digits and hyphens,"
                " starting with a letter or digit",
                "status: unknown status 'convicte' (did you mean 'convicted'?); see 'dossier"
                " vocab'",
            ],
        ),
        (
            "persons.csv",
            "name,born\n,someday\n",
            [
                "name: is required and empty",
                "born: cannot read date 'someday': unknown word 'someday'; use a form like"
                " 2003-10-25, 25.10.2003, October 2003 or 2003",
            ],
        ),
    ],
    ids=["case with a bad id", "person without a name"],
)
def test_every_bad_field_of_a_case_or_person_row(
    aleksanyan: Run, db: Path, tmp_path: Path, name: str, text: str, messages: list[str]
) -> None:
    path = write(tmp_path, name, text)
    before = Snapshot.of(db)
    result = aleksanyan("import", str(path))
    assert_refused(result, before, *(f"{path}:2: {m}" for m in messages))


@pytest.mark.plain_only("about a dossier file that does not exist yet")
def test_a_refused_import_does_not_create_the_database(run: Run, db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "events.csv", EVENTS + "yukos,2003-10-25,arrest,,s\n")
    absent = Snapshot.of(db)
    assert_refused(
        run("import", str(path)),
        absent,
        f"{path}:2: case: no case 'yukos'; add it first, or pass --create-missing",
    )
    assert absent.data is None
    assert not db.exists()


def test_invalid_json_is_located_by_line_and_column(run: Run, db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "events": [\n    {"case": "x",}\n  ]\n}\n')
    absent = Snapshot.of(db)
    assert_refused(
        run("import", str(path)),
        absent,
        f"{path}:3:17: invalid JSON: trailing comma is not allowed",
    )
    # --json keeps the column that the stderr line gives.
    (error,) = json.loads(run("import", str(path), "--json").stdout)["errors"]
    assert error == {"file": str(path), "line": 3, "column": 17, "field": None,
                     "message": "invalid JSON: trailing comma is not allowed"}  # fmt: skip


def test_invalid_json_lines_are_located_by_line_and_column(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "bad.jsonl",
        '{"format": "dossier", "version": 1}\n'
        '{"kind": "event", "case": "aleksanyan", "type": "hearing", "date": "2007",'
        ' "sources": ["s"]}\n'
        '{"kind": "event", oops}\n'
        '{"kind": "thing"}\n'
        '{"case": "aleksanyan", "type": "hearing", "date": "2008"}\n',
    )
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:3:19: invalid JSON: unexpected character, expected a string key",
        f'{path}:4: kind: must be case, person or event; it is "thing"',
        f"{path}:5: kind: must be case, person or event; it is missing",
    )


GOOD = {"case": "aleksanyan", "type": "hearing", "date": "2007", "persons": [], "sources": ["s"]}
BAD = {**GOOD, "type": "hearin", "date": "2007-13", "persons": ["Nobody"]}


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ({"format": "dossier", "version": 1, "cases": [], "events": [GOOD, GOOD, BAD]}, 24),
        ([{"kind": "event", **GOOD}, {"kind": "event", **BAD}], 12),
    ],
    ids=["export", "array"],
)
def test_a_json_record_error_names_the_line_where_the_record_starts(
    aleksanyan: Run, db: Path, tmp_path: Path, value: Any, line: int
) -> None:
    text = json.dumps(value, indent=2)
    lines = text.splitlines()
    assert lines[line - 1].strip() == "{"  # where the bad record starts
    assert '"type": "hearin"' in "".join(lines[line : line + 3])
    path = write(tmp_path, "pretty.json", text)
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:{line}: {HEARIN}",
        f"{path}:{line}: date: cannot read date '2007-13': month 13 is out of range 1..12",
        f"{path}:{line}: persons: no person 'Nobody'; add them first, or pass --create-missing",
    )


def test_a_json_item_that_is_not_an_object_does_not_move_the_records_after_it(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """A reviewer's find: records were located by the lines where objects open, so a
    `null` in the list moved every later record's error one record down, and the
    last to line 1."""
    path = write(
        tmp_path,
        "loc.json",
        '{"format": "dossier", "version": 1,\n'
        ' "events": [\n'
        "  null,\n"
        '  {"case": "aleksanyan", "type": "arrest", "date": "2005", "sources": ["s"],\n'
        '   "descripton": "typo"},\n'
        '  {"case": "aleksanyan", "type": "arest", "date": "2005", "sources": ["s"]}\n'
        " ]}\n",
    )
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:3: a record must be a JSON object",
        f"{path}:4: descripton: unknown field 'descripton' (did you mean 'description'?)",
        f"{path}:6: {AREST}",
    )


# Any JSON value but an object, with the characters that open, close and separate.
_NOT_RECORDS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{},:"\\\n ab'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{},:"ab', max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
).filter(lambda value: not isinstance(value, dict))
_JSON_SPACE = st.sampled_from(["", " ", "\n", "\r\n", "\t", "\n \n  "])


@given(st.data())
def test_every_item_of_a_json_list_is_located_where_it_starts(data: st.DataObject) -> None:
    """Whatever the items of a list are (records, nulls, texts, nested arrays), and
    however the file is laid out, each item's problem is on the line where it starts."""
    exported = data.draw(st.booleans())
    text = '{"format": "dossier", "version": 1' if exported else ""
    starts: list[int] = []
    for section in ("cases", "persons", "events") if exported else (None,):
        if section:
            text += f',{data.draw(_JSON_SPACE)}"{section}":'
        text += data.draw(_JSON_SPACE) + "["
        items = data.draw(st.lists(st.tuples(st.booleans(), _NOT_RECORDS), max_size=4))
        for at, (record, value) in enumerate(items):
            text += data.draw(_JSON_SPACE) + ("," if at else "") + data.draw(_JSON_SPACE)
            starts.append(text.count("\n") + 1)
            # A record with one unknown key, holding any value: one problem, like a non-record.
            item = ({} if section else {"kind": "case"}) | {"zz": value} if record else value
            text += json.dumps(item, indent=data.draw(st.sampled_from([None, 1])))
        text += data.draw(_JSON_SPACE) + "]"
    text += "}" if exported else ""
    parsed = read("f.json", text.encode(), "json")
    assert len(parsed.problems) == len(starts), parsed.problems
    assert [problem.line for problem in parsed.problems] == starts, text


@pytest.mark.parametrize("key", ["source", "sources"])
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_json_record_contract_error_names_the_key_as_the_file_does(
    aleksanyan: Run, db: Path, tmp_path: Path, key: str, fmt: str
) -> None:
    """A reviewer's find: the record contract's faults were named by the stored field
    ('sources') in JSON, where the file's key may be the CSV name ('source')."""
    record = {"kind": "event", "case": "aleksanyan", "type": "arrest", "date": "2005",
              key: ["a|b"]}  # fmt: skip
    text = json.dumps([record] if fmt == "json" else record) + "\n"
    path = write(tmp_path, f"s.{fmt}", text)
    before = Snapshot.of(db)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:1: {key}: item 'a|b' contains '|', which separates several values in a CSV cell",
    )


def test_json_errors_go_to_stdout_and_stderr(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path, "events.csv", EVENTS + "aleksanyan,2007,hearing,,\naleksanyan,2007,hearin,,s\n"
    )
    before = Snapshot.of(db)
    result = aleksanyan("import", str(path), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "added": tally(),
        "updated": tally(),
        "unchanged": tally(),
        "created_missing": {"cases": [], "persons": []},
        "warnings": [{"file": str(path), "line": 2, "message": f"1 {UNSOURCED}"}],
        "errors": [
            {
                "file": str(path),
                "line": 3,
                "column": None,
                "field": "type",
                "message": HEARIN.split(": ", 1)[1],
            }
        ],
    }
    assert result.stderr.splitlines() == [
        f"Warning: {path}:2: source: 1 {UNSOURCED}",
        f"Error: {path}:3: {HEARIN}",
        "Error: 1 problem(s) in 1 file(s); nothing was imported",
    ]
    before.assert_unchanged()


def test_the_library_leaves_the_dossier_untouched_when_a_row_is_bad() -> None:
    d = Dossier(Path("unused.json"), None)  # an empty dossier in memory
    data = b"id,title\nbakhmina,Svetlana Bakhmina\nBad,Bad\n"
    summary = import_sources(d, [Source("cases.csv", data)])
    assert [str(e) for e in summary.errors] == [
        "cases.csv:3: id: 'Bad' is not a valid id: use lower-case letters, digits and"
        " hyphens, starting with a letter or digit"
    ]
    assert not d.changed()
    assert summary.to_dict()["added"] == tally()


# Matching and re-imports ------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    cases = write(tmp_path, "cases.csv", "id,title,tags\nbakhmina,Svetlana Bakhmina,yukos\n")
    persons = write(
        tmp_path,
        "persons.csv",
        "name,aliases,case,role\nСветлана Бахмина,Svetlana Bakhmina,bakhmina,defendant\n"
        "Василий Алексанян,Vasily Aleksanyan,bakhmina,witness\n",
    )
    events = write(tmp_path, "events.csv", BOM + SPREADSHEET.encode())
    files = [str(cases), str(persons), str(events)]
    first = imported(aleksanyan("import", *files, "--json"))
    assert first["added"] == tally(cases=1, persons=1, events=2)
    assert first["updated"] == tally(persons=1)
    before, records = Snapshot.of(db), stored(db)
    second = imported(aleksanyan("import", *files, "--json"))
    assert (second["added"], second["updated"]) == (tally(), tally())
    assert second["unchanged"] == tally(cases=1, persons=2, events=2)
    assert stored(db) == records
    before.assert_unchanged()  # not even a history entry


def test_identical_rows_are_a_multiset(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    row = "aleksanyan,2007-06-01,hearing,Vasily Aleksanyan,Moscow City Court"
    path = write(tmp_path, "hearings.csv", EVENTS + f"{row}\n" * 2)
    # Two hearings for one person on one day are two events.
    assert imported(aleksanyan("import", str(path), "--json"))["added"] == tally(events=2)
    ids = [e["id"] for e in events_of(db, "hearing")]
    assert len(ids) == 2
    # Re-importing matches them one to one: nothing lost, nothing doubled.
    before = Snapshot.of(db)
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert (summary["added"], summary["unchanged"]) == (tally(), tally(events=2))
    before.assert_unchanged()
    # A third identical row is one more event.
    path.write_text(EVENTS + f"{row}\n" * 3)
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert (summary["added"], summary["unchanged"]) == (tally(events=1), tally(events=2))
    ids = [e["id"] for e in events_of(db, "hearing")]
    assert len(ids) == 3
    # An id-less row that differs (here: in description) never changes a stored event:
    # it is a new event, and the warning names the event it looks like.
    path.write_text(
        "case,date,type,person,source,description\n" + f"{row},\n" * 3 + f"{row},Adjourned\n"
    )
    before, records = Snapshot.of(db), {e["id"]: e for e in events_of(db, "hearing")}
    result = aleksanyan("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["updated"], summary["unchanged"]) == (
        tally(events=1),
        tally(),
        tally(events=3),
    )
    [warning] = summary["warnings"]
    assert warning["line"] == 5
    assert warning["message"].startswith("looks like event ")
    assert warning["message"].endswith(
        " (same case, type, date and persons) but differs in description: added as a new"
        " event; put its id in an id column to update it"
    )
    assert warning["message"].split()[3] in records
    assert result.stderr == f"Warning: {path}:5: {warning['message']}\n"
    hearings = {e["id"]: e for e in events_of(db, "hearing")}
    assert {k: v for k, v in hearings.items() if k in records} == records  # none changed
    [new] = [e for k, e in hearings.items() if k not in records]
    assert new["description"] == "Adjourned"
    entry = opened(db).history[-1]
    assert entry["added"] == {"events": [new["id"]]}
    assert entry["before"] == {}
    assert before.data != contents(db)


def test_a_record_with_an_id_updates_that_record(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    arrest = only_event(db, "arrest")
    events = write(
        tmp_path,
        "events.csv",
        f"id,case,date,type,person,place,source\n{arrest['id']},aleksanyan,2006-04-07,arrest,"
        "Vasily Aleksanyan,Moscow,Kommersant\n",
    )
    cases = write(tmp_path, "cases.csv", "id,title\naleksanyan,Aleksanyan v. Russia\n")
    persons = write(tmp_path, "persons.csv", "id,name\nvasiliy-aleksanyan,Vasily Aleksanyan\n")
    summary = imported(aleksanyan("import", str(events), str(cases), str(persons), "--json"))
    assert summary["updated"] == tally(cases=1, persons=1, events=1)
    # Only the columns the file has change the record.
    assert only_event(db, "arrest") == {
        **arrest,
        "date": "2006-04-07",
        "place": "Moscow",
        "sources": ["Kommersant"],
    }
    case = stored(db)["cases"]["aleksanyan"]
    assert (case["title"], case["charges"]) == ("Aleksanyan v. Russia", ["Art. 160 CC RF"])
    person = stored(db)["persons"]["vasiliy-aleksanyan"]
    # The new name is no longer an alias: a name is never its own alias (as on edit).
    assert (person["name"], person["aliases"]) == ("Vasily Aleksanyan", [])


def test_an_update_by_id_keeps_the_persons_when_the_file_has_no_person_column(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    arrest = only_event(db, "arrest")
    path = write(
        tmp_path,
        "events.csv",
        f"id,case,date,type,place,source\n{arrest['id']},"
        "aleksanyan,2006-04-06,arrest,Moscow,https://example.org/arrest\n",
    )
    assert imported(aleksanyan("import", str(path), "--json"))["updated"] == tally(events=1)
    assert only_event(db, "arrest") == {**arrest, "place": "Moscow"}


def test_an_empty_cell_keeps_what_a_stored_record_has(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    # A spreadsheet's blank says nothing: a batch that lacks a death date must not erase
    # the one a source gave, nor a protected person's flag, nor a case's status.
    assert aleksanyan("person", "edit", "vasiliy-aleksanyan", "--born", "1971-09-23",
                      "--died", "2011-10-03", "--nationality", "RU",
                      "--confidential").exit_code == 0  # fmt: skip
    assert aleksanyan("case", "edit", "aleksanyan", "--status", "released",
                      "--summary", "Former Yukos vice-president").exit_code == 0  # fmt: skip
    arrest = only_event(db, "arrest")
    assert aleksanyan("event", "edit", arrest["id"], "--place", "Moscow", "--note",
                      "as reported", "--confidential").exit_code == 0  # fmt: skip
    before = stored(db)
    arrest = only_event(db, "arrest")
    cases = write(tmp_path, "cases.csv", "id;title;summary;status;charges\naleksanyan;;;;\n")
    persons = write(
        tmp_path,
        "persons.csv",
        "name,aliases,born,died,nationality,confidential,case,role\n"
        "Vasily Aleksanyan,,,,,,aleksanyan,defendant\n",
    )
    events = write(
        tmp_path,
        "events.csv",
        "id,case,date,type,person,place,source,note,confidential\n"
        f"{arrest['id']},aleksanyan,2006-04-06,arrest,,,,,\n",
    )
    snapshot = Snapshot.of(db)
    result = aleksanyan("import", str(cases), str(persons), str(events), "--json")
    summary = imported(result)
    assert summary["unchanged"] == tally(cases=1, persons=1, events=1)
    assert summary["warnings"] == []  # the event keeps its source: not "unsourced"
    assert stored(db) == before
    snapshot.assert_unchanged()
    # A cell that says something still changes the record.
    persons.write_text("name,died,confidential\nVasily Aleksanyan,3.10.2011,no\n")
    events.write_text(
        f"id,case,date,type,place\n{arrest['id']},aleksanyan,2006-04-06,arrest,Khimki\n"
    )
    result = aleksanyan("import", str(persons), str(events), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["updated"] == tally(persons=1, events=1)
    # The row names him without an id: lifting his protection is said (see
    # test_an_id_less_person_row_that_replaces_stored_facts_is_warned_about).
    assert result.stderr.startswith(
        f"Warning: {persons}:2: name: 'Vasily Aleksanyan' updates vasiliy-aleksanyan"
        " (Василий Алексанян), whose name it gives without an id, replacing confidential yes"
        " by no;"
    )
    person = stored(db)["persons"]["vasiliy-aleksanyan"]
    assert (person["born"], person["died"], person["confidential"]) == (
        "1971-09-23", "2011-10-03", False
    )  # fmt: skip
    assert only_event(db, "arrest") == {**arrest, "place": "Khimki"}


def test_an_event_row_with_an_unknown_id_that_looks_like_a_stored_event_is_warned_about(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """An adversarial run: an id mistyped in an edited export (one letter off) added a
    copy of the event with the correction, left the event itself as it was, and said
    "added 1" and nothing else."""
    arrest = only_event(db, "arrest")
    # Named by its own id in the same import, the stored event is another one: no warning.
    path = write(
        tmp_path,
        "e.csv",
        "id,case,date,type,person,source\n"
        f"{arrest['id']},aleksanyan,2006-04-06,arrest,vasiliy-aleksanyan,s\n"
        "newone,aleksanyan,2006-04-06,arrest,vasiliy-aleksanyan,s\n",
    )
    summary = imported(aleksanyan("import", str(path), "--dry-run", "--json"))
    assert (summary["added"], summary["updated"]) == (tally(events=1), tally(events=1))
    typo = arrest["id"][:-1] + ("x" if arrest["id"][-1] != "x" else "y")
    row = f"{typo},aleksanyan,2006-04-06,arrest,vasiliy-aleksanyan,Khimki,s\n"
    path.write_text("id,case,date,type,person,place,source\n" + row)
    result = aleksanyan("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == tally(events=1)  # the id says so
    assert result.stderr == (
        f"Warning: {path}:2: id: event {typo!r} is not in the dossier and is added, but looks"
        f" like event {arrest['id']} (same case, type, date and persons); if it is that"
        f" event, put {arrest['id']} in the id column\n"
    )


def test_an_id_less_person_row_that_replaces_stored_facts_is_warned_about(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """An adversarial run: a persons row for another Ivan Ivanov, without an id, matched
    the stored one by name and replaced his birth date, nationality, notes, organizations
    and protection with "updated 1" and not a word."""
    assert run("person", "add", "Ivan Ivanov", "--born", "1965-03-02", "--nationality", "RU",
               "--notes", "the Tver one", "--org", "Memorial",
               "--confidential").exit_code == 0  # fmt: skip
    path = write(
        tmp_path,
        "p.csv",
        "name;born;nationality;notes;organizations;confidential\n"
        "Иван Иванов;1970;UA;Kyiv journalist;Memorial|Zona;no\n",
    )
    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["updated"] == tally(persons=1)  # as the file says
    assert result.stderr.splitlines() == [
        f"Warning: {path}:2: name: 'Иван Иванов' updates ivan-ivanov (Ivan Ivanov), whose name"
        " it gives without an id, replacing born '1965-03-02' by '1970', nationality 'RU' by"
        " 'UA', notes 'the Tver one' by 'Kyiv journalist', confidential yes by no; if the"
        " row is another person, give it an id (an empty cell keeps the stored value)"
    ]  # organizations: one added, none lost
    # Filling what was empty, or giving what is stored, replaces nothing.
    path.write_text("name;born;died;nationality\nIvan Ivanov;1970;2020;UA\n")
    assert imported(run("import", str(path), "--json"))["updated"] == tally(persons=1)


def test_a_list_cell_of_bars_only_keeps_the_stored_list_too(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """`|` alone is a list of empty values, which are dropped: it says nothing either, and
    wiped an event's persons and sources, a person's aliases, a case's charges."""
    arrest = only_event(db, "arrest")
    before = stored(db)
    cases = write(
        tmp_path, "cases.csv", "id,title,charges,tags\naleksanyan,Vasily Aleksanyan,|,| |\n"
    )
    persons = write(
        tmp_path, "persons.csv", "id,name,aliases\nvasiliy-aleksanyan,Василий Алексанян,|\n"
    )
    events = write(
        tmp_path, "events.csv",
        f"id,case,date,type,person,source\n{arrest['id']},aleksanyan,2006-04-06,arrest,|,|\n",
    )  # fmt: skip
    summary = imported(aleksanyan("import", str(cases), str(persons), str(events), "--json"))
    assert summary["unchanged"] == tally(cases=1, persons=1, events=1)
    assert (summary["updated"], summary["warnings"]) == (tally(), [])
    assert stored(db) == before


def test_a_blank_name_keeps_the_name_of_a_person_updated_by_id(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """As a blank title keeps a case's: it was refused as "name: is required and empty"."""
    rows = write(tmp_path, "persons.csv", "id,name,died\nvasiliy-aleksanyan,,3.10.2011\n")
    assert imported(aleksanyan("import", str(rows), "--json"))["updated"] == tally(persons=1)
    person = stored(db)["persons"]["vasiliy-aleksanyan"]
    assert (person["name"], person["died"]) == ("Василий Алексанян", "2011-10-03")
    new = write(tmp_path, "new.csv", "id,name\nsomeone-new,\n")  # a new person needs one
    refused = aleksanyan("import", str(new))
    assert (refused.exit_code, refused.stderr.splitlines()[0]) == (
        1, f"Error: {new}:2: name: is required and empty"
    )  # fmt: skip


def test_a_row_matched_to_a_stored_event_with_sources_is_not_said_unsourced(
    aleksanyan: Run, tmp_path: Path
) -> None:
    """A file without a source column matched the stored arrest, which keeps its source;
    the warning still counted the row."""
    rows = write(
        tmp_path, "events.csv",
        "case,date,type,person\naleksanyan,2006-04-06,arrest,vasiliy-aleksanyan\n"
        "aleksanyan,2007-01-01,hearing,vasiliy-aleksanyan\n",
    )  # fmt: skip
    result = aleksanyan("import", str(rows), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["unchanged"]) == (tally(events=1), tally(events=1))
    assert summary["warnings"] == [{"file": str(rows), "line": 3, "message": f"1 {UNSOURCED}"}]


def test_an_id_less_row_with_a_blank_flag_is_the_protected_event_not_a_public_copy(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """A spreadsheet row that is a confidential event but for its blank confidential cell
    was added as a second event, public, with a warning: the protected fact in every
    report. A blank flag is not compared; `no` still is."""
    arrest = only_event(db, "arrest")
    assert aleksanyan("event", "edit", arrest["id"], "--confidential").exit_code == 0
    before = stored(db)
    head = "case,date,type,person,source,confidential\n"
    row = "aleksanyan,2006-04-06,arrest,vasiliy-aleksanyan,https://example.org/arrest,"
    rows = write(tmp_path, "events.csv", head + row + "\n")
    summary = imported(aleksanyan("import", str(rows), "--json"))
    assert (summary["added"], summary["unchanged"]) == (tally(), tally(events=1))
    assert stored(db) == before
    rows.write_text(head + row + "no\n")  # said: a public event of its own, and warned
    result = aleksanyan("import", str(rows), "--json")
    assert json.loads(result.stdout)["added"] == tally(events=1)
    assert "differs in confidential" in result.stderr


def test_the_look_alike_warning_names_what_was_compared(aleksanyan: Run, tmp_path: Path) -> None:
    """Without a person column, persons are not compared: the warning said they were."""
    rows = write(
        tmp_path, "events.csv", "case,date,type,place\naleksanyan,2006-04-06,arrest,Khimki\n"
    )
    result = aleksanyan("import", str(rows))
    assert result.exit_code == 0, result.output
    assert "looks like event " in result.stderr
    assert "(same case, type and date) but differs in place" in result.stderr


def test_an_explicit_null_in_json_clears_a_stored_value(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    arrest = only_event(db, "arrest")
    assert aleksanyan("event", "edit", arrest["id"], "--place", "Moscow").exit_code == 0
    path = write(
        tmp_path,
        "events.json",
        json.dumps(
            {
                "events": [
                    {
                        "id": arrest["id"],
                        "case": "aleksanyan",
                        "type": "arrest",
                        "date": "2006-04-06",
                        "place": None,
                    }
                ]
            }
        ),
    )
    assert imported(aleksanyan("import", str(path), "--json"))["updated"] == tally(events=1)
    assert only_event(db, "arrest") == arrest


def test_a_persons_row_matched_by_alias_updates_never_renames_and_adds_roles(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    cases = write(tmp_path, "cases.csv", "id,title\nbakhmina,Svetlana Bakhmina\n")
    persons = write(
        tmp_path,
        "persons.csv",
        "name,nationality,case,role\nvasily aleksanyan,RU,bakhmina,witness\n",
    )
    original = stored(db)["persons"]["vasiliy-aleksanyan"]
    summary = imported(aleksanyan("import", str(cases), str(persons), "--json"))
    assert (summary["added"], summary["updated"]) == (tally(cases=1), tally(persons=1))
    assert stored(db)["persons"] == {
        "vasiliy-aleksanyan": {
            **original,
            "nationality": "RU",
            "roles": [
                {"case": "aleksanyan", "role": "defendant"},
                {"case": "bakhmina", "role": "witness"},
            ],
        }
    }


def test_reimporting_a_persons_row_matched_by_alias_changes_nothing(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "persons.csv", "name,aliases\nVasily Aleksanyan,Aleksanyan V. A.\n")
    assert imported(aleksanyan("import", str(path), "--json"))["updated"] == tally(persons=1)
    before = Snapshot.of(db)
    second = imported(aleksanyan("import", str(path), "--json"))
    assert second["added"] == tally()
    assert list(stored(db)["persons"]) == ["vasiliy-aleksanyan"]
    before.assert_unchanged()


def test_create_missing_creates_cases_and_persons(run: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.csv",
        EVENTS + "bakhmina,07.12.2004,arrest,Светлана Бахмина,Kommersant\n"
        "bakhmina,2006-04-19,sentence,svetlana bakhmina|Ivan Petrov,Kommersant\n",
    )
    absent = Snapshot.of(db)
    assert_refused(
        run("import", str(path)),
        absent,
        f"{path}:2: case: no case 'bakhmina'; add it first, or pass --create-missing",
        f"{path}:2: person: no person 'Светлана Бахмина'; add them first, or pass --create-missing",
        f"{path}:3: case: no case 'bakhmina'; add it first, or pass --create-missing",
        f"{path}:3: person: no person 'svetlana bakhmina'; add them first, or pass"
        " --create-missing",
        f"{path}:3: person: no person 'Ivan Petrov'; add them first, or pass --create-missing",
    )
    trial = run("import", str(path), "--create-missing", "--dry-run")
    assert "Would create missing persons: svetlana-bakhmina, ivan-petrov" in trial.stdout
    absent.assert_unchanged()
    summary = imported(run("import", str(path), "--create-missing", "--json"))
    assert summary["added"] == tally(cases=1, persons=2, events=2)
    assert summary["created_missing"] == {
        "cases": ["bakhmina"],
        "persons": ["svetlana-bakhmina", "ivan-petrov"],
    }
    records = stored(db)
    assert records["cases"]["bakhmina"]["title"] == "bakhmina"
    assert {p: r["name"] for p, r in records["persons"].items()} == {
        "svetlana-bakhmina": "Светлана Бахмина",
        "ivan-petrov": "Ivan Petrov",
    }
    sentence = only_event(db, "sentence")
    assert sentence["persons"] == ["svetlana-bakhmina", "ivan-petrov"]
    human = run("import", str(path), "--create-missing")
    assert human.exit_code == 0, human.output
    assert "Created missing" not in human.stdout  # the second time nothing was missing


def test_create_missing_warns_of_a_person_who_looks_like_a_stored_one(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """A person made by --create-missing from an event row is warned of as a persons
    row and `person add` warn: "Sergii Magnitsky" is probably the stored Sergey."""
    assert run("case", "add", "mag", "--title", "Magnitsky").exit_code == 0
    assert run("person", "add", "Sergey Magnitskiy").exit_code == 0
    path = write(tmp_path, "e.csv", "case;date;type;person;source\n"
                                    "mag;16.11.2009;other;Sergii Magnitsky;s\n")  # fmt: skip
    result = run("import", str(path), "--create-missing", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["created_missing"]["persons"] == ["sergii-magnitsky"]
    assert summary["warnings"] == [
        {
            "file": str(path),
            "line": 2,
            "message": "'Sergii Magnitsky' is added as a new person but looks like"
            " sergey-magnitskiy (Sergey Magnitskiy); if it is them, give the id or merge them"
            " with 'dossier person merge'",
        }
    ]
    assert result.stderr == f"Warning: {path}:2: person: {summary['warnings'][0]['message']}\n"


def test_a_persons_row_with_an_unknown_id_and_a_stored_name_is_warned_about(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """An adversarial run: an id mistyped in an edited persons export (ivan-ivanvo) made
    a second Ivan Ivanov without a word, and every row naming him was ambiguous after."""
    assert run("person", "add", "Ivan Ivanov").exit_code == 0
    path = write(tmp_path, "p.csv", "id;name;born\nivan-ivanvo;Ivan Ivanov;1970\n")
    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == tally(persons=1)  # the id says so
    assert result.stderr == (
        f"Warning: {path}:2: name: 'Ivan Ivanov' is added as a new person (ivan-ivanvo) but"
        " looks like ivan-ivanov (Ivan Ivanov); if it is them, put ivan-ivanov in the id"
        " column or merge them with 'dossier person merge'\n"
    )
    # A stored id is that person: nothing to warn of.
    path.write_text("id;name;born\nivan-ivanvo;Ivan Ivanov;1971\n")
    assert imported(run("import", str(path), "--json"))["updated"] == tally(persons=1)


def test_cyrillic_names_one_letter_apart_are_two_persons_in_an_import(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """Id-less person rows, and --create-missing, tell Cyrillic names apart by their
    letters (Щ/Ш, Ы/И), where folding made them one; Пётр is Петр, and the words' order free."""
    persons = write(tmp_path, "p.csv", "name\nПётр Щукин\nПётр Шукин\nАнна Быкова\n"
                                        "Анна Бикова\n")  # fmt: skip
    assert imported(run("import", str(persons), "--json"))["added"] == tally(persons=4)
    assert imported(run("import", str(persons), "--json"))["unchanged"] == tally(persons=4)
    twice = write(tmp_path, "twice.csv", "name\nПётр Щукин\nЩукин Петр\n")
    refused = run("import", str(twice))
    assert f"{twice}:3: name: person 'Щукин Петр' appears twice in the import" in refused.stderr
    events = write(tmp_path, "e.csv", EVENTS + "c,2010,arrest,Иван Чайкин|Иван Хайкин,x\n"
                                              "c,2011,release,Чайкин Иван,x\n")  # fmt: skip
    summary = imported(run("import", str(events), "--create-missing", "--json"))
    assert summary["created_missing"]["persons"] == ["ivan-chaykin", "ivan-khaykin"]
    assert only_event(db, "release")["persons"] == ["ivan-chaykin"]


def test_a_name_matched_across_scripts_stays_a_name_of_the_person(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """A Cyrillic row name that matched a person by folding is kept as an alias when
    the row's aliases would no longer let it name them, so a re-import changes nothing."""
    assert run("person", "add", "Petr Shchukin").exit_code == 0
    # Щуккин folds as Shchukin does (doubled letters are a spelling's), not as Щукин reads.
    path = write(tmp_path, "p.csv", "name,aliases\nПётр Щуккин,Пётр Щукин\n")
    assert imported(run("import", str(path), "--json"))["updated"] == tally(persons=1)
    record = stored(db)["persons"]["petr-shchukin"]
    assert (record["name"], record["aliases"]) == ("Petr Shchukin", ["Пётр Щукин", "Пётр Щуккин"])
    before = Snapshot.of(db)
    assert imported(run("import", str(path), "--json"))["unchanged"] == tally(persons=1)
    before.assert_unchanged()


def test_dry_run_reports_and_writes_nothing(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.csv",
        EVENTS + "aleksanyan,2007,hearing,,s\n"
        "aleksanyan,2006-04-06,arrest,vasiliy-aleksanyan,https://example.org/arrest\n",
    )
    before = Snapshot.of(db)
    summary = imported(aleksanyan("import", str(path), "--dry-run", "--json"))
    assert (summary["added"], summary["unchanged"]) == (tally(events=1), tally(events=1))
    human = aleksanyan("import", str(path), "--dry-run")
    assert human.exit_code == 0, human.output
    assert f"Would import (dry run, nothing written): {path}" in human.stdout
    before.assert_unchanged()


@pytest.mark.plain_only("about a dossier file that does not exist yet")
def test_dry_run_on_a_new_database_creates_no_file(run: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path, "events.csv", EVENTS + "yukos,2003-10-25,arrest,Mikhail Khodorkovsky,s\n"
    )
    summary = imported(run("import", str(path), "--dry-run", "--create-missing", "--json"))
    assert summary["added"] == tally(cases=1, persons=1, events=1)
    assert summary["created_missing"] == {"cases": ["yukos"], "persons": ["mikhail-khodorkovsky"]}
    assert not db.exists()


def test_json_summary_keys(aleksanyan: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "events.csv", EVENTS + "aleksanyan,2007,hearing,,s\n")
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert summary == {
        "added": tally(events=1),
        "updated": tally(),
        "unchanged": tally(),
        "created_missing": {"cases": [], "persons": []},
        "warnings": [],
        "errors": [],
    }


def test_unsourced_events_are_a_warning(aleksanyan: Run, db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.csv",
        EVENTS + "aleksanyan,2007,hearing,,s\n"
        "aleksanyan,2008,hearing,,\naleksanyan,2009,hearing,, \n",
    )
    result = aleksanyan("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == [
        {"file": str(path), "line": 3, "message": f"2 {UNSOURCED}"}
    ]
    assert result.stderr == f"Warning: {path}:3: source: 2 {UNSOURCED}\n"
    assert len(events_of(db, "hearing")) == 3


@pytest.mark.file_only("counts writes of the file")
def test_one_write_and_one_small_history_entry(
    aleksanyan: Run, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(
        f"aleksanyan,{2000 + n % 20}-{n % 12 + 1:02d},hearing,,Court record {n}\n"
        for n in range(500)
    )
    path = write(tmp_path, "hearings.csv", EVENTS + rows)
    writes: list[Path] = []
    real = storage.write_atomic

    def counted(target: Path, data: bytes) -> None:
        writes.append(target)
        real(target, data)

    monkeypatch.setattr(store, "write_atomic", counted)
    entries = len(opened(db).history)
    assert imported(aleksanyan("import", str(path), "--json"))["added"] == tally(events=500)
    assert writes == [db]
    d = opened(db)
    assert len(d.history) == entries + 1
    entry = d.history[-1]
    assert entry["command"] == f"import {path} --json"
    assert list(entry["added"]) == ["events"]
    assert sorted(entry["added"]["events"]) == sorted(
        e["id"] for e in d.events.raw.values() if e["type"] == "hearing"
    )
    assert (entry["removed"], entry["before"]) == ({}, {})
    assert len(orjson.dumps(entry)) < 10 * 500 + 1000  # ids only, not 500 copies of events


# Export -----------------------------------------------------------------------------


def build(db: Path) -> None:
    """Two cases with most fields filled, through the library."""
    aleksanyan = Case(id="aleksanyan", title="Vasily Aleksanyan", jurisdiction="RU",
                      status="released", charges=("Art. 160 CC RF",), tags=("yukos",),
                      sources=("https://example.org/a",), summary="Yukos VP")  # fmt: skip
    vasily = Person(id="", name="Василий Алексанян", aliases=("Vasily Aleksanyan",), born="1971",
                    nationality="RU", organizations=("Yukos",), notes="Lawyer",
                    roles=(Role("aleksanyan", "defendant"),))  # fmt: skip
    svetlana = Person(id="", name="Светлана Бахмина", born="1968~", confidential=True,
                      sources=("s",), roles=(Role("bakhmina", "defendant"),))  # fmt: skip
    strike = Event(id="", case="aleksanyan", type="hunger_strike", date="2008-01", end="2008-02",
                   persons=("vasiliy-aleksanyan",), place="SIZO", country="RU",
                   description="Line one\nline two; with, commas", sources=("a", "b"),
                   note="=SUM(A1:A2)", confidential=True)  # fmt: skip
    sentence = Event(id="", case="bakhmina", type="sentence", date="2006-04-19",
                     persons=("svetlana-bakhmina",), outcome="guilty", term="6.5 years",
                     sources=("Kommersant",))  # fmt: skip
    with edit_store(where(db), "test") as d:
        ops.add_case(d, aleksanyan)
        ops.add_case(d, Case(id="bakhmina", title="Svetlana Bakhmina", status="convicted"))
        ops.add_person(d, vasily)
        ops.add_person(d, svetlana)
        ops.add_event(d, strike)
        ops.add_event(d, sentence)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_import_export_gives_the_same_records(
    run: Run, db: Path, tmp_path: Path, fmt: str
) -> None:
    build(db)
    path = write(
        tmp_path, f"export.{fmt}", run("export", "--include-confidential", "--format", fmt).stdout
    )
    other = cli(tmp_path / "other.json")
    summary = imported(other("import", str(path), "--json"))
    assert summary["added"] == tally(cases=2, persons=2, events=2)
    assert stored(tmp_path / "other.json") == stored(db)  # ids and timestamps included
    first, second = records_of(run, fmt), records_of(other, fmt)
    assert second == first
    assert [len(first[kind]) for kind in ("cases", "persons", "events")] == [2, 2, 2]


# The round trip of every record the contract accepts, in every format: test_contract.py.


def test_csv_export_columns_are_the_import_columns(run: Run, db: Path) -> None:
    build(db)
    for kind in ("events", "persons", "cases"):
        result = run("export", "--include-confidential", "--format", "csv", "--kind", kind)
        assert result.exit_code == 0, result.output
        data = result.stdout_bytes
        assert data.startswith(BOM + ",".join(COLUMNS[kind[:-1]]).encode() + b"\r\n")
        rows = csv_rows(data)
        assert len(rows) == 1 + 2
    persons = csv_rows(
        run("export", "--include-confidential", "--format", "csv", "--kind", "persons").stdout_bytes
    )
    record = dict(zip(persons[0], persons[1], strict=True))
    assert record == {
        "id": "vasiliy-aleksanyan",
        "name": "Василий Алексанян",
        "aliases": "Vasily Aleksanyan",
        "born": "1971",
        "died": "",
        "nationality": "RU",
        "organizations": "Yukos",
        "notes": "Lawyer",
        "case": "aleksanyan",
        "role": "defendant",
        "sources": "",
        "confidential": "no",
    }


def test_csv_export_imports_back_unchanged(run: Run, db: Path, tmp_path: Path) -> None:
    build(db)
    paths = []
    for kind in ("cases", "persons", "events"):
        data = run(
            "export", "--include-confidential", "--format", "csv", "--kind", kind
        ).stdout_bytes
        paths.append(str(write(tmp_path, f"{kind}.csv", data)))
    before = Snapshot.of(db)
    summary = imported(run("import", *paths, "--json"))
    assert summary["unchanged"] == tally(cases=2, persons=2, events=2)
    before.assert_unchanged()
    # Into an empty database: the same persons and events; cases get new timestamps.
    other = tmp_path / "other.json"
    assert imported(cli(other)("import", *paths, "--json"))["added"] == tally(2, 2, 2)
    ours, theirs = stored(db), stored(other)
    assert (theirs["persons"], theirs["events"]) == (ours["persons"], ours["events"])
    assert unstamped(theirs["cases"]) == unstamped(ours["cases"])


FORMULAS = ['=HYPERLINK("http://evil")', "+7 495 123-45-67", "-1", "@SUM(A1)"]


def test_csv_export_neutralises_formulas_and_import_restores_them(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    event = {"kind": "event", "case": "aleksanyan", "type": "statement", "date": "2009"}
    lines = [
        json.dumps({**event, "description": text, "place": text, "sources": [text, "plain"]})
        for text in FORMULAS
    ]
    path = write(tmp_path, "formulas.jsonl", "\n".join(lines))
    assert imported(aleksanyan("import", str(path), "--json"))["added"] == tally(events=4)
    data = aleksanyan(
        "export", "--include-confidential", "--format", "csv", "--kind", "events"
    ).stdout_bytes
    rows = csv_rows(data)
    cells = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    statements = [c for c in cells if c["type"] == "statement"]
    assert [(c["description"], c["place"], c["source"]) for c in statements] == [
        (f"'{text}", f"'{text}", f"'{text}|plain") for text in FORMULAS
    ]
    # Back in: the original text (into the same database, nothing changes).
    before = Snapshot.of(db)
    csv_path = write(tmp_path, "events.csv", data)
    summary = imported(aleksanyan("import", str(csv_path), "--json"))
    assert summary["unchanged"] == tally(events=6)
    before.assert_unchanged()
    other = tmp_path / "other.json"
    assert cli(other)("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    result = cli(other)("import", str(csv_path), "--create-missing", "--json")
    assert imported(result)["added"] == tally(persons=1, events=6)
    assert sorted(e["description"] for e in events_of(other, "statement")) == sorted(FORMULAS)
    assert all(e["sources"] == [e["place"], "plain"] for e in events_of(other, "statement"))


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_text_starting_with_an_apostrophe_survives_a_round_trip(
    aleksanyan: Run, db: Path, tmp_path: Path, fmt: str
) -> None:
    note = "'-' marks an illegible word in the court record"
    with edit_store(where(db), "test") as d:
        ops.add_event(d, Event("", "aleksanyan", "statement", "2009", note=note, sources=("s",)))
    args = ("--format", fmt) + (("--kind", "events") if fmt == "csv" else ())
    path = write(
        tmp_path,
        f"export.{fmt}",
        aleksanyan("export", "--include-confidential", *args).stdout_bytes,
    )
    other = cli(tmp_path / "other.json")
    assert other("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    imported(other("import", str(path), "--create-missing", "--json"))
    assert only_event(tmp_path / "other.json", "statement")["note"] == note


def test_export_of_some_cases(run: Run, db: Path) -> None:
    build(db)
    only = exported(run, "--format", "json", "--case", "bakhmina")
    assert [c["id"] for c in only["cases"]] == ["bakhmina"]
    assert [p["id"] for p in only["persons"]] == ["svetlana-bakhmina"]
    assert [e["type"] for e in only["events"]] == ["sentence"]
    rows = csv_rows(
        run(
            "export",
            "--include-confidential",
            "--format",
            "csv",
            "--kind",
            "events",
            "--case",
            "aleksanyan",
        ).stdout_bytes
    )
    assert [row[:3] for row in rows[1:]] == [["aleksanyan", "2008-01", "hunger_strike"]]
    result = run("export", "--include-confidential", "--case", "bakhmin")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no case 'bakhmin' (did you mean 'bakhmina'?); see 'dossier case list'\n"
    )


@pytest.mark.parametrize(
    ("name", "args", "kind"),
    [
        ("yukos.json", (), "json"),
        ("yukos.jsonl", (), "jsonl"),
        ("persons.csv", ("--kind", "persons"), "csv"),
        ("dump.txt", ("--format", "json"), "json"),
    ],
)
def test_export_to_a_file_is_private(
    run: Run, db: Path, tmp_path: Path, name: str, args: tuple[str, ...], kind: str
) -> None:
    build(db)
    path = tmp_path / name
    result = run("export", "--include-confidential", "-o", str(path), *args)
    assert result.exit_code == 0, result.output
    counts = "2 persons" if kind == "csv" else "2 cases, 2 persons, 2 events"
    assert result.stdout == f"Wrote {path} ({kind}: {counts}).\n"
    assert path.stat().st_mode & 0o777 == 0o600
    data = path.read_bytes()
    assert data.startswith(BOM) if kind == "csv" else data.startswith(b'{"format":"dossier"')


@given(st.text(alphabet="'=+-@\t\rab", max_size=8))
def test_formula_escaping_is_undone_exactly(text: str) -> None:
    from dossier.io.read import escape_formula, unescape_formula

    cell = escape_formula(text)
    assert not cell or cell[0] not in "=+-@\t\r"
    assert unescape_formula(cell) == text


def test_export_leaves_confidential_records_out_unless_asked(run: Run) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Protected Witness", "--id", "pw", "--confidential").exit_code == 0
    assert run("person", "add", "Open Defendant", "--id", "od").exit_code == 0
    assert run("log", "c", "arrest", "2010", "-p", "od", "-p", "pw", "-s", "s").exit_code == 0
    assert run("log", "c", "statement", "2011", "--confidential", "-s", "s").exit_code == 0
    redacted = run("export", "--format", "json")
    assert redacted.stderr == (
        "Warning: 1 person(s) (confidential, or named only by confidential events) and 1"
        " confidential event(s) left out; pass --include-confidential for a complete export\n"
    )
    data = json.loads(redacted.stdout)
    assert [p["id"] for p in data["persons"]] == ["od"]
    assert [(e["type"], e["persons"]) for e in data["events"]] == [("arrest", ["od"])]
    assert "Protected Witness" not in redacted.stdout
    full = json.loads(run("export", "--format", "json", "--include-confidential").stdout)
    assert len(full["persons"]) == 2 and len(full["events"]) == 2


# The record contract on the way in (issue: nothing enters unchecked) --------------------


def test_an_unknown_json_key_is_an_error_with_a_suggestion(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    before = Snapshot.of(db)
    path = write(
        tmp_path,
        "events.json",
        '[\n  {"kind": "event", "case": "aleksanyan", "type": "hearing", "date": "2007-06-01",\n'
        '   "descripton": "Adjourned", "sources": ["x"]}\n]\n',
    )
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:2: descripton: unknown field 'descripton' (did you mean 'description'?)",
    )
    lines = write(
        tmp_path,
        "events.jsonl",
        '{"format": "dossier"}\n{"kind": "event", "case": "aleksanyan", "type": "hearing",'
        ' "date": "2007-06-01", "descripton": "Adjourned", "plase": "Moscow", "source": "x"}\n',
    )
    assert_refused(
        aleksanyan("import", str(lines)),
        before,
        f"{lines}:2: descripton: unknown field 'descripton' (did you mean 'description'?)",
        f"{lines}:2: plase: unknown field 'plase' (did you mean 'place' or 'case'?)",
    )


def test_a_case_with_nested_persons_and_events_says_where_they_go(
    run: Run, db: Path, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "nested.json",
        '{"cases": [{"id": "mx", "title": "Maximov",\n'
        '  "persons": [{"name": "Ivan Maximov"}], "events": []}]}\n',
    )
    before = Snapshot.of(db)
    result = run("import", str(path))
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith(
        f"Error: {path}:1: persons: unknown field 'persons': a case record does not hold"
        " persons; in a dossier JSON file persons are a list of their own beside the cases"
    )
    assert errors[1].startswith(f"Error: {path}:1: events: unknown field 'events'")
    assert errors[2] == "Error: 2 problem(s) in 1 file(s); nothing was imported"
    before.assert_unchanged()


def test_an_id_less_row_never_overwrites_a_different_event(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """The reproduction: a different `other` event of the same person on the same day."""
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    assert run("person", "add", "Ivan Maximov").exit_code == 0
    logged = run("log", "mx", "other", "2011-03-01", "--person", "Ivan Maximov", "--place",
                 "Moscow", "--description", "Lawyer filed complaint A", "--source", "x",
                 "--json")  # fmt: skip
    first = json.loads(logged.stdout)
    path = write(tmp_path, "b.csv", "case,date,type,person,description,source\n"
                 "mx,2011-03-01,other,Ivan Maximov,Court hearing B postponed,x\n")  # fmt: skip
    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["updated"]) == (tally(events=1), tally())
    message = (
        f"looks like event {first['id']} (same case, type, date and persons) but differs in"
        " description: added as a new event; put its id in an id column to update it"
    )
    assert summary["warnings"] == [{"file": str(path), "line": 2, "message": message}]
    assert result.stderr == f"Warning: {path}:2: {message}\n"
    events = stored(db)["events"]
    assert events[first["id"]] == first  # A untouched: no hybrid
    [new] = [e for k, e in events.items() if k != first["id"]]
    assert (new["description"], new["place"]) == ("Court hearing B postponed", None)
    # With the id, the row does update the event.
    update = write(tmp_path, "c.csv", f"id,case,date,type,description,source\n{first['id']},"
                   "mx,2011-03-01,other,Lawyer filed complaint A (amended),x\n")  # fmt: skip
    assert imported(run("import", str(update), "--json"))["updated"] == tally(events=1)
    assert stored(db)["events"][first["id"]]["place"] == "Moscow"


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("p.csv", "name,born,died\nIvan Maximov,1970,1960\n",
         "p.csv:2: died: died (1960) is before born (1970)"),
        ("p.json", '[{"kind": "person", "name": "Ivan\\u0007 Maximov"}]',
         "p.json:1: name: must be one line of text, without control characters (found U+0007)"),
        ("c.json", '{"cases": [{"id": "mx", "title": "Maximov\\nv. Russia"}]}',
         "c.json:1: title: must be one line of text, without control characters (found U+000A)"),
        ("e.jsonl", '{"kind": "event", "case": "mx", "type": "other", "date": "2011",'
         ' "description": "\\u001b[2Jcleared", "sources": ["x"]}',
         "e.jsonl:1: description: must not contain control characters (found U+001B)"),
        ("e.csv", "case,date,type,source\nmx,2011,other,https://x.org/a|b|c\n", None),
    ],
)  # fmt: skip
def test_the_importer_holds_records_to_the_contract(
    run: Run, db: Path, tmp_path: Path, name: str, data: str, error: str | None
) -> None:
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    before = Snapshot.of(db)
    path = write(tmp_path, name, data)
    result = run("import", str(path))
    if error is None:  # three sources, as a spreadsheet cell writes them
        assert result.exit_code == 0, result.output
        [event] = stored(db)["events"].values()
        assert event["sources"] == ["https://x.org/a", "b", "c"]
        return
    assert_refused(result, before, str(tmp_path / error))


def test_several_roles_in_one_case_survive_a_csv_round_trip(
    run: Run, db: Path, tmp_path: Path
) -> None:
    assert run("case", "add", "bakhmina", "--title", "Bakhmina").exit_code == 0
    assert run("person", "add", "Svetlana Bakhmina", "--case", "bakhmina", "--role",
               "defendant").exit_code == 0  # fmt: skip
    for role in ("lawyer", "other"):
        assert run("person", "link", "svetlana-bakhmina", "bakhmina", "--role", role).exit_code == 0
    logged = run("log", "bakhmina", "arrest", "2004-12-07", "--person", "svetlana-bakhmina",
                 "--source", "x")  # fmt: skip
    assert logged.exit_code == 0
    files = []
    for kind in ("cases", "persons", "events"):
        result = run("export", "--format", "csv", "--kind", kind)
        files.append(write(tmp_path, f"{kind}.csv", result.stdout_bytes))
    assert b"bakhmina|bakhmina|bakhmina,defendant|lawyer|other" in files[1].read_bytes()
    other = cli(tmp_path / "other.json")
    summary = imported(other("import", *map(str, files), "--json"))
    assert summary["added"] == tally(cases=1, persons=1, events=1)
    assert stored(tmp_path / "other.json")["persons"] == stored(db)["persons"]


def test_a_description_over_the_csv_modules_limit_round_trips(
    run: Run, db: Path, tmp_path: Path
) -> None:
    text = "Решение суда. " * 20_000  # 280,000 characters: over csv's 128 KiB default
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    logged = run("log", "mx", "verdict", "2012", "--description", text.strip(), "--source", "x")
    assert logged.exit_code == 0
    files = []
    for kind in ("cases", "events"):
        result = run("export", "--format", "csv", "--kind", kind)
        files.append(write(tmp_path, f"{kind}.csv", result.stdout_bytes))
    other = cli(tmp_path / "other.json")
    imported(other("import", *map(str, files), "--json"))
    assert stored(tmp_path / "other.json")["events"] == stored(db)["events"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_utf8_and_utf16_with_a_bom_are_read_without_encoding(
    aleksanyan: Run, db: Path, tmp_path: Path, codec: str
) -> None:
    text = (
        "case\tdate\ttype\tperson\tsource\r\n"
        "aleksanyan\t25.10.2003\thearing\tВасилий Алексанян\tx\r\n"
    )
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):  # as Excel writes "Unicode text": with a BOM
        data = ("\ufeff" + text).encode(codec)
    path = write(tmp_path, "unicode.txt", data)
    summary = imported(aleksanyan("import", str(path), "--format", "csv", "--json"))
    assert summary["added"] == tally(events=1)
    assert events_of(db, "hearing")[0]["date"] == "2003-10-25"


def test_utf16_without_a_bom_is_refused_with_a_hint(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "u.csv", "case,date,type\naleksanyan,2003,hearing\n".encode("utf-16-le"))
    result = aleksanyan("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: {path}:1: the file looks like UTF-16 without a byte-order mark:"
        " pass --encoding utf-16-le (or utf-16-be)"
    )


def test_an_id_less_file_without_a_person_column_reimports_unchanged(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """Matching compares the fields the row gives: no person column, no persons compared."""
    path = write(tmp_path, "h.csv", "case,date,type,place,source\n"
                 "aleksanyan,2007-06-01,hearing,Moscow City Court,x\n")  # fmt: skip
    assert imported(aleksanyan("import", str(path), "--json"))["added"] == tally(events=1)
    before = Snapshot.of(db)
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert (summary["added"], summary["unchanged"]) == (tally(), tally(events=1))
    before.assert_unchanged()


def test_a_role_in_capitals_is_read_as_the_word(run: Run, db: Path, tmp_path: Path) -> None:
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    path = write(tmp_path, "p.csv", "name,case,role,sources\nIvan Maximov,mx,Witness,x\n")
    imported(run("import", str(path), "--json"))
    [person] = stored(db)["persons"].values()
    assert person["roles"] == [{"case": "mx", "role": "witness"}]


def test_a_role_without_its_case_or_a_case_without_its_role_says_which(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """A new user's find: a persons file with a role column and no case column was told
    "0 case(s) but 1 role(s); give one role, or one for each case"."""
    before = Snapshot.of(db)
    no_case = write(tmp_path, "p.csv", "name,role\nIvan Test,witness\n")
    assert_refused(
        aleksanyan("import", str(no_case)),
        before,
        f"{no_case}:2: role: a role (witness) needs the case it is in: give it in a case"
        " column, which this file lacks",
    )
    blanks = write(tmp_path, "q.csv", "name,case,role\nIvan Test,,witness\nPetr Test,aleksanyan,\n")
    assert_refused(
        aleksanyan("import", str(blanks)),
        before,
        f"{blanks}:2: role: a role (witness) needs the case it is in: give it in the case column",
        f"{blanks}:3: case: aleksanyan: the person's role in the case is missing: give it in the"
        " role column (defendant, witness, lawyer…)",
    )
    keyed = write(tmp_path, "p.jsonl", '{"kind": "person", "name": "X Y", "case": "aleksanyan"}\n')
    assert_refused(
        aleksanyan("import", str(keyed)),
        before,
        f"{keyed}:1: case: aleksanyan: the person's role in the case is missing: give it in a"
        " 'role' key (defendant, witness, lawyer…)",
    )


def test_an_empty_case_or_role_among_several_shifts_no_pair(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """An adversary's find: empty values were dropped before cases and roles were paired,
    so "khodorkovsky|aleksanyan|" with "|witness|lawyer" made a witness in khodorkovsky
    and a lawyer in aleksanyan, without a word."""
    for case in ("khodorkovsky", "aleksanyan"):
        assert run("case", "add", case, "--title", case.title()).exit_code == 0
    before = Snapshot.of(db)
    shifted = write(
        tmp_path,
        "p.csv",
        "id;name;case;role\nx1;X One;khodorkovsky|aleksanyan|;|witness|lawyer\n"
        "x2;X Two;|khodorkovsky|aleksanyan;witness|lawyer\n",
    )
    assert_refused(
        run("import", str(shifted)),
        before,
        f"{shifted}:2: role: role 1 of 3 is empty (khodorkovsky|aleksanyan| with"
        " |witness|lawyer): each case takes the role at its place; fill it in, or take out"
        " the pair",
        f"{shifted}:3: case: case 1 of 3 is empty (|khodorkovsky|aleksanyan with"
        " witness|lawyer): each case takes the role at its place; fill it in, or take out"
        " the pair",
    )
    # Nor a role left empty at the end, which gave the one before it to both cases (a
    # review's find).
    lone = write(
        tmp_path, "r.csv", "id;name;case;role\nx3;X Three;khodorkovsky|aleksanyan;lawyer|\n"
    )
    assert_refused(
        run("import", str(lone)),
        before,
        f"{lone}:2: role: role 2 of 2 is empty (khodorkovsky|aleksanyan with lawyer|): each"
        " case takes the role at its place; fill it in, or take out the pair",
    )
    # A `|` at the end of both shifts nothing, nor an empty case where one role is for all.
    fine = write(
        tmp_path,
        "q.csv",
        "id;name;case;role\nx1;X One;khodorkovsky|aleksanyan|;witness|lawyer|\n"
        "x2;X Two;khodorkovsky||aleksanyan;defendant\n",
    )
    imported(run("import", str(fine), "--json"))
    persons = stored(db)["persons"]
    roles = {p["id"]: p["roles"] for p in persons.values()}
    assert roles == {
        "x1": [
            {"case": "khodorkovsky", "role": "witness"},
            {"case": "aleksanyan", "role": "lawyer"},
        ],
        "x2": [
            {"case": "khodorkovsky", "role": "defendant"},
            {"case": "aleksanyan", "role": "defendant"},
        ],
    }


def test_json_keys_in_csv_spellings_are_errors_not_dropped(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    before = Snapshot.of(db)
    path = write(
        tmp_path,
        "e.jsonl",
        '{"kind": "event", "case": "aleksanyan", "type": "hearing", "date": "2009",'
        ' "notes": "hello", "person": "vasiliy-aleksanyan", "persons": [], "source": "x"}\n',
    )
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        f"{path}:1: notes: unknown field 'notes' (did you mean 'note'?)",
        f"{path}:1: persons: given twice, as 'person' and 'persons': keep one",
    )


def test_an_explicit_utf16_encoding_drops_the_byte_order_mark(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    text = "\ufeffcase,date,type,source\r\naleksanyan,2003,hearing,x\r\n"
    path = write(tmp_path, "u.csv", text.encode("utf-16-le"))
    summary = imported(aleksanyan("import", str(path), "--encoding", "utf-16-le", "--json"))
    assert summary["added"] == tally(events=1)


def test_the_fast_path_holds_a_new_dossier_to_the_contract(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """Into a dossier without events the contract checks the fast path's own columns:
    a control character it does not look for is still refused, and located."""
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    before = Snapshot.of(db)
    path = write(tmp_path, "e.csv", "case,date,type,description,source\n"
                 "mx,2011,other,fine,x\nmx,2012,other,bell\x07,x\n")  # fmt: skip
    assert_refused(
        run("import", str(path)),
        before,
        f"{path}:3: description: must not contain control characters (found U+0007)",
    )


def test_an_id_less_row_naming_the_same_persons_in_another_order_is_the_same_event(
    run: Run, db: Path, tmp_path: Path
) -> None:
    assert run("case", "add", "yukos", "--title", "Yukos").exit_code == 0
    for name in ("Mikhail Khodorkovsky", "Platon Lebedev"):
        assert run("person", "add", name).exit_code == 0
    first = write(tmp_path, "a.csv", "case,date,type,person,source\n"
                  "yukos,2005-05-31,verdict,mikhail-khodorkovsky|platon-lebedev,x\n")  # fmt: skip
    imported(run("import", str(first), "--json"))
    again = write(tmp_path, "b.csv", "case,date,type,person,source\n"
                  "yukos,2005-05-31,verdict,platon-lebedev|mikhail-khodorkovsky,x\n")  # fmt: skip
    before = Snapshot.of(db)
    summary = imported(run("import", str(again), "--json"))
    assert (summary["added"], summary["unchanged"]) == (tally(), tally(events=1))
    before.assert_unchanged()


def test_a_key_given_twice_in_json_is_an_error_not_the_last_one_kept(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """orjson keeps the last of a repeated key without a word: an arrest on 1 July
    became a release on 9 July."""
    before = Snapshot.of(db)
    lines = write(tmp_path, "d.jsonl",
                  '{"format": "dossier", "version": 1, "version": 1}\n'
                  '{"kind": "event", "case": "aleksanyan", "type": "arrest", "type": "release",'
                  ' "date": "2011-07-01", "sources": ["x"]}\n'
                  '{"kind": "person", "name": "Ivan Ivanov", "roles": [{"case": "aleksanyan",'
                  ' "role": "witness", "role": "judge"}]}\n')  # fmt: skip
    assert_refused(
        aleksanyan("import", str(lines)),
        before,
        f"{lines}:1: version: given twice in one header: keep one",
        f"{lines}:2: type: given twice in one record: keep one",
        f"{lines}:3: roles: 'role' given twice in one of its objects: keep one",
    )
    whole = write(tmp_path, "d.json",
                  '{"format": "dossier", "version": 1,\n "events": [\n'
                  '  {"case": "aleksanyan", "type": "hearing", "date": "2011", "sources": ["x"]},\n'
                  '  {"case": "aleksanyan", "type": "hearing", "date": "2011",\n'
                  '   "place": "Moscow", "place": "Tver", "sources": ["x"]}],\n'
                  ' "cases": [], "cases": []}\n')  # fmt: skip
    assert_refused(
        aleksanyan("import", str(whole)),
        before,
        f"{whole}:1: cases: given twice in the file's object: keep one",
        f"{whole}:4: place: given twice in one record: keep one",
    )


def test_a_person_named_only_by_confidential_events_is_not_in_a_redacted_case_export(
    run: Run,
) -> None:
    """The review's reproduction: an informant named only by a confidential statement in
    case k went out with every `export --case k` (and the PDF's embedded export), though
    the report left him out: that he is tied to the case is what was kept confidential."""
    assert run("case", "add", "k", "--title", "K").exit_code == 0
    assert run("person", "add", "Ivan Informant").exit_code == 0
    assert run("log", "k", "statement", "2015-01-10", "-p", "ivan-informant", "--source", "x",
               "--confidential").exit_code == 0  # fmt: skip
    redacted = json.loads(run("export", "--case", "k").stdout)
    assert redacted["persons"] == [] and redacted["events"] == []
    full = json.loads(run("export", "--case", "k", "--include-confidential").stdout)
    assert [p["id"] for p in full["persons"]] == ["ivan-informant"]


@pytest.mark.plain_only("what an export selects: one rule (io/export.select) over any store")
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "ftm"])
def test_a_person_named_only_by_confidential_events_is_not_in_a_redacted_whole_export(
    run: Run, fmt: str
) -> None:
    """The same informant, in an export of the whole dossier: left out as from the case's
    (an adversarial run found him in every format, the case's export differing from the
    whole one only by him). A person with no role and no event at all is still exported."""
    assert run("case", "add", "k", "--title", "K").exit_code == 0
    assert run("person", "add", "Ivan Informant").exit_code == 0
    assert run("person", "add", "Olga Unlinked").exit_code == 0
    assert run("log", "k", "statement", "2015-01-10", "-p", "ivan-informant", "--source", "x",
               "--confidential").exit_code == 0  # fmt: skip
    kind = ["--kind", "persons"] if fmt == "csv" else []
    redacted = run("export", "--format", fmt, *kind)
    assert redacted.exit_code == 0, redacted.output
    assert "Informant" not in redacted.stdout and "Olga Unlinked" in redacted.stdout
    assert redacted.stderr.startswith(
        "Warning: 1 person(s) (confidential, or named only by confidential events) and 1"
        " confidential event(s) left out;"
    )  # the informant is not confidential himself: he is not called so
    full = run("export", "--format", fmt, *kind, "--include-confidential")
    assert "Ivan Informant" in full.stdout


def test_a_redacted_export_imported_back_keeps_the_confidential_persons_of_events(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """An export without --include-confidential takes a protected witness off the events
    it writes: sent to a colleague and imported back, it must not take them off the
    dossier's events (their custody would vanish)."""
    ok = [
        aleksanyan("person", "add", "Secret Witness", "--case", "aleksanyan",
                   "--role", "witness", "--confidential"),
        aleksanyan("person", "add", "Open Witness", "--case", "aleksanyan", "--role", "witness"),
    ]  # fmt: skip
    event = aleksanyan(
        "log", "aleksanyan", "arrest", "2008-01-20", "--person", "secret-witness",
        "--person", "vasiliy-aleksanyan", "--source", "x",
    ).stdout.strip()  # fmt: skip
    assert [r.exit_code for r in ok] == [0, 0] and event
    for fmt in ("json", "jsonl"):
        path = write(tmp_path, f"pub.{fmt}", aleksanyan("export", "--format", fmt).stdout_bytes)
        before = Snapshot.of(db)
        result = aleksanyan("import", str(path), "--json")
        assert result.exit_code == 0
        assert json.loads(result.stdout)["updated"] == tally()
        assert "1 event(s) keep confidential person(s) whom the file does not name" in result.stderr
        before.assert_unchanged()
    # Edited in a spreadsheet and imported back: the edit lands, the witness stays.
    rows = aleksanyan("export", "--format", "csv", "--kind", "events").stdout
    edited = write(tmp_path, "pub.csv", rows.replace("2008-01-20", "2008-01-21"))
    result = aleksanyan("import", str(edited), "--json")
    assert json.loads(result.stdout)["updated"] == tally(events=1)
    shown = json.loads(aleksanyan("event", "show", event, "--json").stdout)
    assert (shown["date"], shown["persons"]) == (
        "2008-01-21",
        ["secret-witness", "vasiliy-aleksanyan"],
    )
    # A file that names the witness elsewhere takes them off this event: it was meant.
    full = rows.replace("2008-01-20", "2008-01-21") + (
        "aleksanyan,2009,hearing,secret-witness,,,,x,,,,,,no\r\n"
    )
    aleksanyan("import", str(write(tmp_path, "full.csv", full)))
    shown = json.loads(aleksanyan("event", "show", event, "--json").stdout)
    assert shown["persons"] == ["vasiliy-aleksanyan"]


def test_a_redacted_export_without_its_ids_imported_back_adds_no_public_copy(
    aleksanyan: Run, db: Path, tmp_path: Path
) -> None:
    """The same export, its id column taken out in a spreadsheet: each row was compared
    with the witness still on the stored event, so it was "new" and the import added a
    public copy of the event, without even the look-alike warning."""
    witness = aleksanyan("person", "add", "Secret Witness", "--case", "aleksanyan",
                         "--role", "witness", "--confidential")  # fmt: skip
    assert witness.exit_code == 0
    assert aleksanyan("log", "aleksanyan", "statement", "2008-01-20", "--person", "secret-witness",
                      "--person", "vasiliy-aleksanyan", "--source", "x").exit_code == 0  # fmt: skip
    rows = list(csv.reader(io.StringIO(aleksanyan("export", "--format", "csv").stdout)))
    at = rows[0].index("id")
    text = io.StringIO()
    csv.writer(text).writerows(row[:at] + row[at + 1 :] for row in rows)
    path = write(tmp_path, "no-ids.csv", text.getvalue())
    before = Snapshot.of(db)
    result = aleksanyan("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == tally()
    assert "1 event(s) keep confidential person(s) whom the file does not name" in result.stderr
    before.assert_unchanged()


def test_blank_lines_above_the_header_are_skipped(aleksanyan: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path, "b.csv", "\r\n;;;\r\ncase;date;type;source\r\naleksanyan;2011;hearing;x\r\n"
    )
    summary = imported(aleksanyan("import", str(path), "--json"))
    assert summary["added"] == tally(events=1)


# Files refused at their line, nothing imported: (name, content, errors after "FILE:").
REFUSED_FILES = {
    # A quote left open in the last column would take in every row after it: one event
    # where the file has three, and custody figures from the one.
    "quote never closed": ("open.csv", "case,date,type,source,description\n"
                           'aleksanyan,2011-06-20,arrest,x,"He said ""no\n'
                           "aleksanyan,2011-06-21,release,x,Released\n"
                           "aleksanyan,2011-06-22,arrest,x,Again\n",
                           ['2: a quoted cell of this row is never closed (a missing "?): every'
                            " line after it would be read into it"]),
    "text after a quote": ("after.csv", "case,date,type,source,place\n"
                           "aleksanyan,2011,hearing,x,Moscow\n"
                           'aleksanyan,2012,hearing,x,"Basmanny" court\n',
                           ["3: cannot read this row: ',' expected after '\"'"]),
    # The csv module stops at a row it cannot read; the rows after it went unchecked
    # until that one was fixed and the file imported again.
    "rows after a bad quote": ("many.csv", "case,date,type,place\n"
                               "aleksanyan,2005,arest,x\n"
                               'aleksanyan,2005,statement,"Basmanny" court\n'
                               "aleksanyan,31.04.2010,statement,x\n"
                               'aleksanyan,2005,statement,"not\nclosed\n',
                               [f"2: {AREST}", "3: cannot read this row: ',' expected after '\"'",
                                "4: date: cannot read date '31.04.2010': day 31 is out of range"
                                " for April 2010",
                                '5: a quoted cell of this row is never closed (a missing "?):'
                                " every line after it would be read into it"]),
    # Spreadsheets leave blank lines above the header; its problems were put on line 1.
    "header after blank lines": ("blank.csv", "\r\n;;\r\ncase;date;type;;source\r\n",
                                 ["3: (empty): column 4 has no name; remove the column, or name"
                                  f" it as one of {', '.join(COLUMNS['event'])}"]),
    # Two id-less rows whose names fold alike made two persons, and the file could
    # never be imported again (the name then matched both).
    "names folding alike": ("p.csv", "name,case,role\nIvan Ivanov,aleksanyan,witness\n"
                            "Иван Иванов,aleksanyan,witness\nivan  IVANOV,aleksanyan,witness\n",
                            ["3: name: person 'Иван Иванов' appears twice in the import (first"
                             " at FILE:2, as 'Ivan Ivanov'); give each row an id",
                             "4: name: person 'ivan  IVANOV' appears twice in the import (first"
                             " at FILE:2, as 'Ivan Ivanov'); give each row an id"]),
    "kind not its list's": ("k.json", '{"format": "dossier", "version": 1, "events": [\n'
                            '{"kind": "person", "case": "aleksanyan", "type": "hearing",'
                            ' "date": "2011", "sources": ["x"]}]}\n',
                            ["2: kind: a 'person' record in the list of events"]),
    "column as spelled": ("c.csv", "Name,Case,Role,Person Name\nIvan,aleksanyan,witness,x\n",
                          ["1: Person Name: unknown column 'Person Name' in a persons file;"
                           " the columns are id, name, aliases, born, died, nationality,"
                           " organizations, notes, case, role, sources, confidential"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSED_FILES))
def test_a_malformed_file_is_refused_at_its_line(
    aleksanyan: Run, db: Path, tmp_path: Path, case: str
) -> None:
    name, content, errors = REFUSED_FILES[case]
    before = Snapshot.of(db)
    path = write(tmp_path, name, content)
    assert_refused(
        aleksanyan("import", str(path)),
        before,
        *(f"{path}:{error}".replace("FILE", str(path)) for error in errors),
    )


# A file with lone CR line ends (Excel for Mac) refused at the line of its bad byte.
LONE_CR_FILES = {
    "not utf-8": (b"case,date,type\rc,2005,arrest\rc,2005,\xff\r",
                  "3: the file is not utf-8 (byte 0xff cannot be read); pass --encoding, e.g."
                  " --encoding cp1251 (Cyrillic Windows) or cp1252"),
    "a NUL byte": (b"case,date,type\rc,2005,arrest\r\nc,2005,\x00\r",
                   "3: the file contains a NUL byte; is it CSV?"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(LONE_CR_FILES))
def test_a_file_is_refused_at_its_line_when_lines_end_in_a_lone_cr(
    aleksanyan: Run, db: Path, tmp_path: Path, case: str
) -> None:
    data, error = LONE_CR_FILES[case]
    before = Snapshot.of(db)
    path = write(tmp_path, "cr.csv", data)
    assert_refused(aleksanyan("import", str(path)), before, f"{path}:{error}")


def _scope(create_missing: bool = False, **files: str) -> Any:
    from dossier.io.importer import read_sources
    from dossier.io.scope import import_scope

    sources = [
        Source(name.replace("_", "."), text.encode(), "auto") for name, text in files.items()
    ]
    return import_scope(read_sources(sources), create_missing)


def test_an_import_scope_names_what_its_rows_reach() -> None:
    """On a server an import locks and reads only these (docs/server.md, Writes): the
    cases of its case rows, of its event rows and of its person rows' roles; the events
    it gives ids (the cases that hold them, which it may move them out of); the persons
    it writes, by id or by name (their other cases, found by the server), and the ids it
    may add."""
    from dossier.scope import Scope

    scope = _scope(
        cases_csv="id,title\nnew-case,New\n",
        events_csv="id,case,date,type,person\nev-1,kudoyarov,2009-01-01,hearing,Ivan Petrov|p-2\n"
        ",aleksanyan,2010-01-01,statement,\n",
        persons_json='{"persons": [{"name": "Anna Ivanova", "roles": [{"case": "lebedev",'
        ' "role": "witness"}]}, {"id": "p-9", "name": "Petr"}]}',
    )
    assert scope == Scope(cases=["aleksanyan", "kudoyarov", "lebedev", "new-case"],
                          events=["ev-1"], persons=["p-9"], names=["Anna Ivanova"],
                          adding=["anna-ivanova", "p-9"], new_events=True)  # fmt: skip
    # Persons an event names are not changed by it, unless --create-missing adds them.
    events = "case,date,type,person\nkudoyarov,2009-01-01,hearing,Ivan Petrov|p-2\n"
    assert _scope(events_csv=events).persons is None
    added = _scope(True, events_csv=events)
    assert (added.persons, added.adding) == ([], ["ivan-petrov", "p-2"])
    # A CSV person row's roles, one case a role or several: the cases it names.
    persons = "name,case,role\nOlga,kudoyarov|lebedev,witness\n"
    assert _scope(persons_csv=persons).cases == ["kudoyarov", "lebedev"]


def test_an_import_that_names_many_cases_takes_the_whole_server() -> None:
    """Each name is a lock the server holds until the import commits: past MOST_NAMES,
    every case (None), as a big import always did; and a row too bad to read names
    nothing (the import refuses it anyway)."""
    from dossier.io.scope import MOST_NAMES

    many = "".join(f"case-{n},2009-01-01,hearing\n" for n in range(MOST_NAMES + 1))
    assert _scope(events_csv="case,date,type\n" + many) is None
    bad = '{"persons": [{"name": "Olga", "roles": "kudoyarov"}]}'
    assert _scope(persons_json=bad).cases == []


@pytest.mark.plain_only("a file name's bytes, as the operating system gives them")
def test_a_file_name_that_is_not_utf8_is_imported_and_recorded(db: Path, tmp_path: Path) -> None:
    """A review's find: a Latin-1 file name (café.csv from an old disk) reached the
    history as surrogates, which no entry can hold: every such import was refused."""
    import subprocess
    import sys

    name = os.fsencode(tmp_path) + b"/caf\xe9.csv"
    Path(os.fsdecode(name)).write_text("id,title\nnu1,Nu\n")
    command = [sys.executable, "-m", "dossier", "--db", str(db), "import"]
    done = subprocess.run([*command, name], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [entry] = opened(db).history
    assert entry["command"].endswith("caf\\xe9.csv'")


def test_a_lone_surrogate_in_an_argument_is_a_located_error(run: Run) -> None:
    """A review's find: text no file can hold, from the Python API or Windows, ended in
    "internal error (UnicodeEncodeError)" while the command was being recorded."""
    result = run("case", "add", "s1", "--title", "T\ud800")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "internal error" not in result.stderr
