"""Every bad input: one `Error: …` line on stderr, the right exit code, the file untouched.

Exit codes (README.md, "Commands"): 1 for errors about data, 2 for usage
errors (Typer's own format), 3 for a busy database. No traceback unless --debug.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from filelock import FileLock
from typer.testing import CliRunner, Result

from conftest import Run, Snapshot, rewrite, stored, where, within

# The reason of the tests about the file itself; test_server_cli.py covers the server's.
FILE_ITSELF = "about the file: its bytes, mode, lock or schema"


def assert_refused(result: Result, before: Snapshot | None, *words: str, code: int = 1) -> str:
    """One `Error:` line naming `words`, exit `code`, no traceback, the file as it was."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # nothing escaped
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr == lines[0] + "\n"
    assert lines[0].startswith("Error: "), lines[0]
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    if before is not None:
        before.assert_unchanged()
    return lines[0]


def event_ids(run: Run) -> dict[str, str]:
    """Event ids of the `aleksanyan` dossier by type."""
    result = run("event", "list", "--json")
    assert result.exit_code == 0, result.output
    return {e["type"]: e["id"] for e in json.loads(result.stdout)}


# Unknown cases, persons, events and vocabulary ----------------------------------

UNKNOWN_NAMES = [
    (("log", "nosuch", "arrest", "2006-04-06"), ["no case 'nosuch'", "case list"]),
    (("case", "show", "aleksanian"), ["no case 'aleksanian'", "did you mean 'aleksanyan'"]),
    (("case", "edit", "aleksanian", "--status", "deceased"), ["did you mean 'aleksanyan'"]),
    (("case", "remove", "aleksanian", "--yes"), ["did you mean 'aleksanyan'"]),
    (("person", "list", "--case", "nosuch"), ["no case 'nosuch'"]),
    (("event", "list", "--case", "aleksanian"), ["did you mean 'aleksanyan'"]),
    (
        ("log", "aleksanyan", "arrest", "2006-04-06", "--person", "Vasily Aleksanyn"),
        ["no person 'Vasily Aleksanyn'", "did you mean vasiliy-aleksanyan"],
    ),
    (("person", "show", "Aleksanian"), ["did you mean vasiliy-aleksanyan"]),
    (("person", "remove", "nosuch", "--yes"), ["no person 'nosuch'", "person list"]),
    (("person", "link", "nosuch", "aleksanyan", "--role", "lawyer"), ["no person 'nosuch'"]),
    (("person", "link", "vasiliy-aleksanyan", "nosuch", "--role", "lawyer"), ["no case 'nosuch'"]),
    (("event", "list", "--person", "nosuch"), ["no person 'nosuch'"]),
    (
        ("log", "aleksanyan", "arest", "2006-04-06"),
        ["unknown event type 'arest'", "did you mean 'arrest'", "dossier vocab"],
    ),
    (
        ("person", "link", "vasiliy-aleksanyan", "aleksanyan", "--role", "defendent"),
        ["unknown role 'defendent'", "did you mean 'defendant'"],
    ),
    (
        ("person", "add", "Mark Feygin", "--case", "aleksanyan", "--role", "advocat"),
        ["unknown role 'advocat'", "dossier vocab"],
    ),
    (
        ("case", "add", "magnitsky", "--title", "Sergei Magnitsky", "--status", "pretrail"),
        ["unknown status 'pretrail'", "did you mean 'pretrial'"],
    ),
    (
        ("case", "edit", "aleksanyan", "--status", "decesed"),
        ["unknown status 'decesed'", "did you mean 'deceased'"],
    ),
    (
        ("log", "aleksanyan", "verdict", "2008-12-30", "--outcome", "guilt"),
        ["unknown outcome 'guilt'", "did you mean 'guilty'"],
    ),
]


@pytest.mark.parametrize(
    ("args", "words"), UNKNOWN_NAMES, ids=[" ".join(a) for a, _ in UNKNOWN_NAMES]
)
def test_unknown_names_are_refused(
    aleksanyan: Run, db: Path, args: tuple[str, ...], words: list[str]
) -> None:
    before = Snapshot.of(db)
    assert_refused(aleksanyan(*args), before, *words)


@pytest.mark.plain_only("about a dossier file that does not exist yet")
def test_unknown_case_on_a_new_database_does_not_create_it(run: Run, db: Path) -> None:
    before = Snapshot.of(db)
    assert_refused(run("log", "nosuch", "arrest", "2006-04-06"), before, f"no dossier at {db}")
    assert_refused(run("case", "show", "nosuch"), before, f"no dossier at {db}")
    assert run("case", "add", "known", "--title", "Known").exit_code == 0
    before = Snapshot.of(db)
    assert_refused(run("log", "nosuch", "arrest", "2006-04-06"), before, "no case 'nosuch'")


def test_a_name_shared_by_two_persons_asks_for_the_id(aleksanyan: Run, db: Path) -> None:
    added = aleksanyan("person", "add", "Vasily Aleksanyan", "--id", "namesake", "--yes")
    assert added.exit_code == 0
    before = Snapshot.of(db)
    result = aleksanyan(
        "log", "aleksanyan", "arrest", "2006-04-06", "--person", "Vasily Aleksanyan"
    )
    assert_refused(
        result, before, "names several persons", "vasiliy-aleksanyan", "namesake", "give the id"
    )


EVENT_COMMANDS = [("show",), ("edit", "--place", "Moscow"), ("remove", "--yes")]


@pytest.mark.parametrize("command", EVENT_COMMANDS, ids=[c[0] for c in EVENT_COMMANDS])
def test_unknown_event_id(aleksanyan: Run, db: Path, command: tuple[str, ...]) -> None:
    before = Snapshot.of(db)
    verb, *options = command
    result = aleksanyan("event", verb, "zzzzzz", *options)
    assert_refused(result, before, "no event 'zzzzzz'", "event list")


@pytest.mark.parametrize(
    ("option", "error"),
    [("--type", "type: unknown event type ''"), ("--case", "no case ''"),
     ("--date", "--date: cannot read date ''")],
)  # fmt: skip
def test_an_empty_value_is_refused_not_taken_for_no_change(
    aleksanyan: Run, db: Path, option: str, error: str
) -> None:
    """An adversarial run: `event edit ID --type ''` said "No change", exit 0."""
    arrest = event_ids(aleksanyan)["arrest"]
    before = Snapshot.of(db)
    assert_refused(aleksanyan("event", "edit", arrest, option, ""), before, error)
    assert_refused(
        aleksanyan("case", "edit", "aleksanyan", "--status", ""), before, "status: unknown status"
    )


@pytest.mark.parametrize("command", EVENT_COMMANDS, ids=[c[0] for c in EVENT_COMMANDS])
def test_a_mistyped_event_id_gets_a_suggestion(
    aleksanyan: Run, db: Path, command: tuple[str, ...]
) -> None:
    arrest = event_ids(aleksanyan)["arrest"]
    before = Snapshot.of(db)
    verb, *options = command
    result = aleksanyan("event", verb, arrest[:-1], *options)
    assert_refused(result, before, f"no event {arrest[:-1]!r}", "did you mean", repr(arrest))


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("event", "list", "--type", "arest"), "did you mean 'arrest'"),
        (("case", "list", "--status", "pretrail"), "did you mean 'pretrial'"),
    ],
    ids=["event list --type", "case list --status"],
)
def test_an_unknown_vocabulary_word_in_a_filter(
    aleksanyan: Run, db: Path, args: tuple[str, ...], word: str
) -> None:
    before = Snapshot.of(db)
    assert_refused(aleksanyan(*args), before, word)


# Dates ------------------------------------------------------------------------

BAD_DATES = [
    ("31.02.2003", ["'31.02.2003'", "day 31", "February 2003"]),
    ("yesterday", ["'yesterday'", "2003-10-25"]),
    ("05", ["'05'", "four digits"]),
    ("2006-13-01", ["'2006-13-01'", "month 13"]),
    ("", ["no date given"]),
    ("03/04/2005", ["ambiguous", "'03/04/2005'", "--dayfirst", "--monthfirst"]),
]


@pytest.mark.parametrize(("date", "words"), BAD_DATES, ids=[d or "empty" for d, _ in BAD_DATES])
def test_invalid_dates(aleksanyan: Run, db: Path, date: str, words: list[str]) -> None:
    before = Snapshot.of(db)
    assert_refused(aleksanyan("log", "aleksanyan", "arrest", date), before, *words)


DATE_OPTIONS = [
    (("log", "aleksanyan", "hunger_strike", "2008-02-01", "--end", "yesterday"), ["--end"]),
    (("person", "add", "Svetlana Bakhmina", "--born", "31.02.1969"), ["--born", "day 31"]),
    (("person", "edit", "vasiliy-aleksanyan", "--died", "sometime"), ["--died", "'sometime'"]),
    (("event", "edit", "{arrest}", "--date", "03/04/2005"), ["--date", "ambiguous", "--dayfirst"]),
]


@pytest.mark.parametrize(("args", "words"), DATE_OPTIONS, ids=[a[-2] for a, _ in DATE_OPTIONS])
def test_invalid_dates_in_options_name_the_option(
    aleksanyan: Run, db: Path, args: tuple[str, ...], words: list[str]
) -> None:
    ids = event_ids(aleksanyan)
    before = Snapshot.of(db)
    assert_refused(aleksanyan(*(a.format(**ids) for a in args)), before, *words)


@pytest.mark.parametrize(
    ("flag", "stored"), [("--dayfirst", "2005-04-03"), ("--monthfirst", "2005-03-04")]
)
def test_a_slash_date_is_read_as_told(aleksanyan: Run, flag: str, stored: str) -> None:
    result = aleksanyan("log", "aleksanyan", "hearing", "03/04/2005", flag, "--json")
    assert result.exit_code == 0, result.output
    event_id = json.loads(result.stdout)["id"]
    shown = aleksanyan("event", "show", event_id, "--json")
    assert json.loads(shown.stdout)["date"] == stored


@pytest.mark.parametrize(
    "args",
    [
        ("log", "aleksanyan", "hearing", "03/04/2005", "--dayfirst", "--monthfirst"),
        ("event", "edit", "{arrest}", "--date", "03/04/2005", "--monthfirst", "--dayfirst"),
        ("import", "{csv}", "--dayfirst", "--monthfirst"),
    ],
)
def test_dayfirst_and_monthfirst_together_are_a_usage_error(
    aleksanyan: Run, db: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """A user's find: both were taken, the last one winning, where a slash date is the
    one thing dossier will not guess."""
    rows = tmp_path / "rows.csv"
    rows.write_text("case,date,type\naleksanyan,03/04/2005,hearing\n")
    names = {"arrest": event_ids(aleksanyan)["arrest"], "csv": str(rows)}
    before = Snapshot.of(db)
    result = aleksanyan(*(a.format(**names) for a in args))
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(
        "Error: Invalid value for '--dayfirst' / '--monthfirst': give one of them: a slash"
        " date is read day first or month first, not both\n"
    ), result.stderr
    before.assert_unchanged()


END_BEFORE_DATE = [
    ("log", "aleksanyan", "hunger_strike", "2008-02-01", "--end", "2008-01-01"),
    ("log", "aleksanyan", "hunger_strike", "2008-02", "--end", "2008-01-31"),
    ("event", "edit", "{release}", "--end", "2008-12-29"),
    ("person", "add", "Svetlana Bakhmina", "--born", "2000", "--died", "1990"),
]


@pytest.mark.parametrize("args", END_BEFORE_DATE, ids=[" ".join(a) for a in END_BEFORE_DATE])
def test_an_end_before_its_start(aleksanyan: Run, db: Path, args: tuple[str, ...]) -> None:
    ids = event_ids(aleksanyan)
    before = Snapshot.of(db)
    assert_refused(aleksanyan(*(a.format(**ids) for a in args)), before, "before")


VIEW_ERRORS = [
    (("timeline", "aleksanian"), ["no case 'aleksanian'", "did you mean 'aleksanyan'"]),
    (("timeline", "--person", "nosuch"), ["no person 'nosuch'"]),
    (("timeline", "aleksanyan", "--type", "arest"), ["did you mean 'arrest'"]),
    (
        ("timeline", "aleksanyan", "--from", "03/04/2005"),
        ["--from", "2005-04-03 (day first) or 2005-03-04 (month first)"],
    ),
    (("timeline", "aleksanyan", "--as-of", "yesterday"), ["--as-of", "'yesterday'"]),
    (("stats", "--case", "aleksanian"), ["did you mean 'aleksanyan'"]),
    (("stats", "--as-of", "31.02.2011"), ["--as-of", "day 31"]),
]


@pytest.mark.parametrize(("args", "words"), VIEW_ERRORS, ids=[" ".join(a) for a, _ in VIEW_ERRORS])
def test_timeline_and_stats_errors(
    aleksanyan: Run, db: Path, args: tuple[str, ...], words: list[str]
) -> None:
    before = Snapshot.of(db)
    assert_refused(aleksanyan(*args), before, *words)


# Values ----------------------------------------------------------------------

BAD_VALUES = [
    (("person", "add", ""), ["name must not be empty"]),
    (("person", "add", "   "), ["name must not be empty"]),
    (("person", "edit", "vasiliy-aleksanyan", "--name", ""), ["name must not be empty"]),
    (("case", "add", "x", "--title", ""), ["title must not be empty"]),
    (("case", "edit", "aleksanyan", "--title", " "), ["title must not be empty"]),
    (("case", "add", "Bad Id", "--title", "T"), ["case id 'Bad Id'", "not a valid id"]),
    (("case", "add", "дело", "--title", "T"), ["case id 'дело'", "not a valid id"]),
    (("person", "add", "X", "--id", "Bad Id"), ["person id 'Bad Id'", "not a valid id"]),
    (
        ("case", "add", "aleksanyan", "--title", "T"),
        ["case 'aleksanyan' already exists", "dossier case edit"],
    ),
    (
        ("person", "add", "X", "--id", "vasiliy-aleksanyan"),
        ["person 'vasiliy-aleksanyan' already exists", "dossier person edit"],
    ),
    (("person", "add", "X", "--case", "aleksanyan"), ["--case and --role"]),
]


@pytest.mark.parametrize(("args", "words"), BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_bad_values(aleksanyan: Run, db: Path, args: tuple[str, ...], words: list[str]) -> None:
    before = Snapshot.of(db)
    assert_refused(aleksanyan(*args), before, *words)


def test_a_refused_first_write_creates_no_file(run: Run, db: Path) -> None:
    before = Snapshot.of(db)
    assert_refused(run("case", "add", "Bad Id", "--title", "T"), before, "not a valid id")
    assert_refused(run("person", "add", ""), before, "name must not be empty")


def test_a_name_with_a_newline_never_breaks_the_one_line_error(aleksanyan: Run, db: Path) -> None:
    before = Snapshot.of(db)
    added = aleksanyan("person", "add", "Pavel\nIvlev")
    if added.exit_code != 0:  # refusing such a name is a fine fix too
        assert_refused(added, before, "name")
        return
    before = Snapshot.of(db)
    assert_refused(aleksanyan("person", "show", "Pavel Ivlew"), before, "no person")


# Database files that are not (usable) dossiers ----------------------------------

READ_COMMANDS = [("case", "list"), ("event", "list", "--json"), ("verify",)]
WRITE_COMMANDS = [
    ("case", "add", "magnitsky", "--title", "Sergei Magnitsky"),
    ("log", "aleksanyan", "arrest", "2006-04-06"),
    ("undo",),
]
COMMANDS = READ_COMMANDS + WRITE_COMMANDS
COMMAND_IDS = [" ".join(c) for c in COMMANDS]

NOT_DOSSIERS = {
    "not-json": (b"{not json", ["is not valid JSON", "line 1, column 2", "left untouched"]),
    "tinydb": (b'{"_default": {"1": {"a": 1}}}', ["is not a dossier database", "--db"]),
    "list": (b"[1,2]", ["is not a dossier database"]),
    "empty-object": (b"{}", ["is not a dossier database"]),
    "string": (b'"dossier"', ["is not a dossier database"]),
    "not-utf8": (b"\xff\xfe{", ["is not valid JSON"]),
    "bad-schema": (
        b'{"meta": {"1": {"format": "dossier", "schema": "1"}}}',
        ["invalid schema version"],
    ),
    "bad-table": (
        b'{"meta": {"1": {"format": "dossier", "schema": 1}}, "cases": [1]}',
        ["table 'cases'"],
    ),
}


@pytest.mark.plain_only("writes a plain file that is not a dossier over it")
@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
@pytest.mark.parametrize("kind", list(NOT_DOSSIERS))
def test_a_file_that_is_not_a_dossier_is_refused_and_kept(
    run: Run, db: Path, kind: str, args: tuple[str, ...]
) -> None:
    content, words = NOT_DOSSIERS[kind]
    db.write_bytes(content)
    before = Snapshot.of(db)
    assert_refused(run(*args), before, str(db), *words)
    assert list(db.parent.iterdir()) == [db]  # no lock file left beside it


@pytest.mark.plain_only("writes a plain file that is not a dossier over it")
@pytest.mark.parametrize("args", [READ_COMMANDS[0], WRITE_COMMANDS[0]], ids=["read", "write"])
def test_a_file_holding_json_null_is_not_a_dossier(
    run: Run, db: Path, args: tuple[str, ...]
) -> None:
    db.write_bytes(b"null")
    before = Snapshot.of(db)
    assert_refused(run(*args), before, str(db))


@pytest.mark.file_only(FILE_ITSELF)
def test_a_damaged_record_is_reported_as_a_damaged_file(run: Run, db: Path) -> None:
    rewrite(
        db,
        b'{"meta": {"1": {"format": "dossier", "schema": 1}},'
        b' "cases": {"1": {"id": "aleksanyan"}}}',
    )
    before = Snapshot.of(db)
    message = assert_refused(run("case", "list"), before, str(db))
    assert "internal error" not in message


@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
@pytest.mark.file_only(FILE_ITSELF)
def test_a_newer_schema_is_refused_and_kept(run: Run, db: Path, args: tuple[str, ...]) -> None:
    assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    data = stored(db)
    assert data["meta"]["1"]["schema"] == 1
    data["meta"]["1"]["schema"] = 999
    rewrite(db, json.dumps(data).encode())
    before = Snapshot.of(db)
    assert_refused(run(*args), before, str(db), "newer version", "schema 999", "upgrade")


@pytest.mark.plain_only("about a path that is not a dossier file at all")
@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
def test_a_directory_as_database(run: Run, db: Path, args: tuple[str, ...]) -> None:
    db.mkdir()
    assert_refused(run(*args), None, str(db), "is a directory", "give a file name")
    assert list(db.iterdir()) == []
    assert not db.with_name(db.name + ".lock").exists()
    assert list(db.parent.glob("*.tmp")) == []


# What --db may name -------------------------------------------------------------


def app() -> typer.Typer:
    from dossier.cli.app import app

    return app


def test_a_device_is_refused_and_left_alone() -> None:
    null = Path("/dev/null")
    lock = Path("/dev/null.lock")
    assert stat.S_ISCHR(null.stat().st_mode) and not lock.exists()
    for args in (WRITE_COMMANDS[0], READ_COMMANDS[0]):
        result = CliRunner().invoke(app(), ["--db", str(null), *args])
        assert_refused(result, None, "/dev/null is a character device, not a file", "file name")
    assert stat.S_ISCHR(null.stat().st_mode)
    assert not lock.exists()
    assert not list(Path("/dev").glob("null.*.tmp"))


@pytest.mark.plain_only("about a path that is not a dossier file at all")
@pytest.mark.parametrize("args", [READ_COMMANDS[0], WRITE_COMMANDS[0]], ids=["read", "write"])
def test_a_fifo_is_refused_at_once(run: Run, db: Path, args: tuple[str, ...]) -> None:
    os.mkfifo(db)
    with within(10):  # opening a FIFO would block until a writer comes
        result = run(*args)
    assert_refused(result, None, str(db), "is a FIFO (named pipe), not a file", "give a file name")
    assert stat.S_ISFIFO(db.stat().st_mode)
    assert list(db.parent.iterdir()) == [db]


def owned_by_nobody(db: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another owner needs root")
    db.chmod(0o660)
    os.chown(db, 65534, 65534)


@pytest.mark.file_only(FILE_ITSELF)
def test_a_write_keeps_a_shared_dossiers_mode_owner_and_group(run: Run, db: Path) -> None:
    assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    owned_by_nobody(db)
    lock = db.with_name(db.name + ".lock")
    lock.unlink()
    result = run("case", "add", "magnitsky", "--title", "Sergei Magnitsky")
    assert result.exit_code == 0, result.output
    after = db.stat()
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (0o660, 65534, 65534)
    assert (stat.S_IMODE(lock.stat().st_mode), lock.stat().st_gid) == (0o660, 65534)
    assert json.loads(run("case", "list", "--json").stdout)[1]["id"] == "magnitsky"


@pytest.mark.file_only(FILE_ITSELF)
def test_an_existing_lock_file_follows_the_dossier(run: Run, db: Path) -> None:
    assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    owned_by_nobody(db)
    lock = db.with_name(db.name + ".lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert run("case", "add", "magnitsky", "--title", "Sergei Magnitsky").exit_code == 0
    assert (stat.S_IMODE(lock.stat().st_mode), lock.stat().st_gid) == (0o660, 65534)


@pytest.mark.file_only(FILE_ITSELF)
def test_a_new_dossier_is_0600_whatever_the_umask(run: Run, db: Path) -> None:
    old = os.umask(0)
    try:
        assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.with_name(db.name + ".lock").stat().st_mode) == 0o600


@pytest.mark.plain_only("about a dossier file that does not exist yet")
@pytest.mark.parametrize("args", READ_COMMANDS, ids=[" ".join(a) for a in READ_COMMANDS])
def test_a_named_file_that_does_not_exist_is_an_error_for_reads(
    run: Run, db: Path, args: tuple[str, ...]
) -> None:
    assert_refused(run(*args), Snapshot.of(db), f"no dossier at {db}", "check the path")
    assert list(db.parent.iterdir()) == []


CHANGES_OF_RECORDS = [
    ("undo",),
    ("redo",),
    ("verify", "--accept"),
    ("case", "edit", "aleksanyan", "--title", "Aleksanyan"),
    ("case", "remove", "aleksanyan", "--yes"),
    ("person", "edit", "vasiliy-aleksanyan", "--name", "Vasily Aleksanyan"),
    ("person", "link", "vasiliy-aleksanyan", "aleksanyan", "--role", "defendant"),
    ("person", "merge", "a", "b", "--yes"),
    ("log", "aleksanyan", "arrest", "2006-04-06"),
    ("event", "edit", "e1", "--place", "Moscow"),
    ("event", "remove", "e1", "--yes"),
]


@pytest.mark.plain_only("about a dossier file that does not exist yet")
@pytest.mark.parametrize("args", CHANGES_OF_RECORDS, ids=[" ".join(a) for a in CHANGES_OF_RECORDS])
def test_a_named_file_that_does_not_exist_is_an_error_for_changes(
    run: Run, db: Path, args: tuple[str, ...]
) -> None:
    # A mistyped --db: "no dossier at", not "nothing to undo" or "no case 'aleksanyan'",
    # and no lock file left beside the path.
    assert_refused(run(*args), Snapshot.of(db), f"no dossier at {db}", "check the path")
    assert list(db.parent.iterdir()) == []


@pytest.mark.plain_only("about a dossier file that does not exist yet")
def test_a_refused_import_into_a_missing_file_leaves_nothing(
    run: Run, db: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "in" / "events.csv"
    bad.parent.mkdir()
    bad.write_text("case,date,type\nnosuch,2006-04-06,arrest\n", encoding="utf-8")
    result = run("import", str(bad))
    assert result.exit_code == 1 and "no case 'nosuch'" in result.stderr, result.output
    assert list(db.parent.iterdir()) == [bad.parent]


def test_dossier_db_naming_a_missing_file_is_an_error_for_reads(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_DB", str(db))
    result = CliRunner().invoke(app(), ["case", "list"])
    assert_refused(result, Snapshot.of(db), f"no dossier at {db}")
    added = CliRunner().invoke(app(), ["case", "add", "x", "--title", "X"])
    assert added.exit_code == 0, added.output
    assert CliRunner().invoke(app(), ["case", "list"]).exit_code == 0


@pytest.mark.plain_only("about a dossier file that does not exist yet")
def test_a_dangling_link_is_a_missing_file(run: Run, db: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.json"
    db.symlink_to(target)
    assert_refused(run("case", "list"), None, f"no dossier at {db}")
    assert run("case", "add", "x", "--title", "X").exit_code == 0
    assert db.is_symlink() and target.is_file()


@pytest.mark.file_only(FILE_ITSELF)
def test_a_write_to_a_named_missing_file_creates_it(run: Run, db: Path) -> None:
    assert run("case", "add", "x", "--title", "X").exit_code == 0
    assert run("case", "list", "--json").exit_code == 0
    assert db.is_file()


def test_a_named_file_in_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "typo" / "dossier.json"
    result = CliRunner().invoke(app(), ["--db", str(db), "case", "add", "x", "--title", "X"])
    assert_refused(result, None, f"no folder {db.parent}", "create the folder first")
    assert not db.parent.exists()


def test_the_default_location_is_made_on_the_first_write() -> None:
    default = Path(typer.get_app_dir("dossier")) / "dossier.json"
    assert not default.parent.exists()
    shown = CliRunner().invoke(app(), ["case", "list", "--json"])
    assert (shown.exit_code, shown.stdout) == (0, "[]\n")
    assert not default.parent.exists()
    added = CliRunner().invoke(app(), ["case", "add", "x", "--title", "X"])
    assert added.exit_code == 0, added.output
    assert default.is_file()
    assert stat.S_IMODE(default.stat().st_mode) == 0o600


# The lock ---------------------------------------------------------------------

LOCKED_WRITES = [
    *WRITE_COMMANDS,
    ("case", "remove", "aleksanyan", "--yes", "--cascade"),
    ("event", "remove", "{arrest}", "--yes"),
]


@pytest.mark.parametrize("args", LOCKED_WRITES, ids=[" ".join(a) for a in LOCKED_WRITES])
@pytest.mark.file_only(FILE_ITSELF)
def test_a_locked_database_is_busy(
    aleksanyan: Run, db: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    ids = event_ids(aleksanyan)
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.2")
    before = Snapshot.of(db)
    with FileLock(str(db) + ".lock"):
        result = aleksanyan(*(a.format(**ids) for a in args))
        # Readers take no lock: the file is replaced atomically.
        assert aleksanyan("case", "show", "aleksanyan", "--json").exit_code == 0
    line = assert_refused(result, before, "database is busy", f"{db}.lock", "try again", code=3)
    assert line.startswith("Error: database is busy")


@pytest.mark.file_only(FILE_ITSELF)
def test_a_bad_lock_timeout_is_an_error(
    aleksanyan: Run, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "soon")
    before = Snapshot.of(db)
    result = aleksanyan("case", "add", "magnitsky", "--title", "Sergei Magnitsky")
    assert_refused(result, before, "DOSSIER_LOCK_TIMEOUT", "'soon'")


# Confirmation and refused removals ---------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("event", "remove", "{arrest}"),
        ("person", "remove", "svetlana-bakhmina"),
        ("case", "remove", "magnitsky"),
        ("case", "remove", "aleksanyan", "--cascade"),
    ],
    ids=["event", "person", "case", "case --cascade"],
)
def test_removals_need_yes_without_a_terminal(
    aleksanyan: Run, db: Path, args: tuple[str, ...]
) -> None:
    assert aleksanyan("person", "add", "Svetlana Bakhmina").exit_code == 0
    assert aleksanyan("case", "add", "magnitsky", "--title", "Sergei Magnitsky").exit_code == 0
    ids = event_ids(aleksanyan)
    before = Snapshot.of(db)
    # An answer on stdin does not count: stdin is not a terminal.
    result = aleksanyan(*(a.format(**ids) for a in args), input="y\n")
    assert_refused(result, before, "Remove", "on a terminal", "--yes")


@pytest.mark.parametrize("yes", [(), ("--yes",)], ids=["", "--yes"])
def test_removing_a_case_with_events_needs_cascade(
    aleksanyan: Run, db: Path, yes: tuple[str, ...]
) -> None:
    before = Snapshot.of(db)
    result = aleksanyan("case", "remove", "aleksanyan", *yes)
    assert_refused(result, before, "case 'aleksanyan'", "2 event(s)", "1 person(s)", "--cascade")


def test_removing_a_person_named_in_events_needs_cascade(aleksanyan: Run, db: Path) -> None:
    before = Snapshot.of(db)
    result = aleksanyan("person", "remove", "vasiliy-aleksanyan", "--yes")
    assert_refused(result, before, "'vasiliy-aleksanyan'", "2 event(s)", "--cascade")


# --debug, and what a real process prints ------------------------------------


def test_debug_shows_where_but_never_the_message_in_the_traceback(
    aleksanyan: Run, db: Path
) -> None:
    before = Snapshot.of(db)
    result = aleksanyan("--debug", "case", "show", "aleksanian")
    assert result.exit_code == 1
    traceback, error = result.stderr.rstrip("\n").rsplit("\n", 1)
    assert traceback.startswith("Traceback (most recent call last):")
    assert traceback.endswith("dossier.errors.NotFound (message withheld)")
    assert "aleksanyan" not in traceback.split("File ")[-1].splitlines()[-1]
    assert (
        error == "Error: no case 'aleksanian' (did you mean 'aleksanyan'?); see 'dossier case list'"
    )
    before.assert_unchanged()


def test_without_debug_the_exception_is_caught(aleksanyan: Run, db: Path) -> None:
    before = Snapshot.of(db)
    result = aleksanyan("case", "show", "aleksanian")
    assert_refused(result, before, "did you mean 'aleksanyan'")
    assert result.exc_info is not None
    assert result.exc_info[0] is SystemExit


NO_DOSSIER_HINT = (
    "check the path, or start one there with a write command such as 'dossier case add'"
)


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "--debug"])
def test_a_real_process_prints_a_traceback_only_with_debug(db: Path, debug: bool) -> None:
    args = ["--db", str(db), *(["--debug"] if debug else []), "log", "nosuch", "arrest", "2006"]
    proc = subprocess.run(
        [sys.executable, "-m", "dossier", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    if debug:
        assert "Traceback (most recent call last)" in proc.stderr
        assert proc.stderr.endswith(
            "dossier.errors.DatabaseError (message withheld)\n"
            f"Error: no dossier at {db}; {NO_DOSSIER_HINT}\n"
        )
    else:
        assert proc.stderr == f"Error: no dossier at {db}; {NO_DOSSIER_HINT}\n"
    assert not db.exists()


# Usage errors keep Typer's format --------------------------------------------

USAGE_ERRORS = [
    (("log", "aleksanyan"), "Missing"),
    (("case", "add", "magnitsky"), "Missing"),
    (("case", "add", "magnitsky", "--title", "T", "--bogus"), "No such option"),
    (("person", "frobnicate"), "No such command"),
    (("--debug", "log", "aleksanyan", "arrest"), "Missing"),
    # A JSON export of "persons" only wrote everything, without a word.
    (("export", "--kind", "persons", "--format", "json"), "is for CSV only: a json export"),
    (("export", "--kind", "cases", "--format", "ftm"), "is for CSV only: a ftm export"),
    # `stats --case X` and `event list --case X`, but `timeline X`: the nearest option
    # offered ("Possible options: --as-of") was no help.
    (
        ("timeline", "--case", "aleksanyan"),
        "No such option: --case; the case is an argument here: dossier timeline CASE\n",
    ),
    (
        ("report", "--case", "aleksanyan"),
        "No such option: --case; the case is an argument here: dossier report CASE...\n",
    ),
    (
        ("log", "--case", "aleksanyan", "arrest", "2009"),
        "No such option: --case; the case is an argument here: dossier log CASE ...\n",
    ),
]


@pytest.mark.parametrize(("args", "word"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_exit_2(run: Run, db: Path, args: tuple[str, ...], word: str) -> None:
    assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    before = Snapshot.of(db)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr
    assert word in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    before.assert_unchanged()


def test_verify_case_goes_with_a_hash(run: Run) -> None:
    result = run("verify", "--case", "aleksanyan")
    assert result.exit_code == 2
    assert "goes with --hash" in result.stderr


@pytest.mark.parametrize(
    "args", [("--passphrase-file", "\x00", "case", "list"), ("import", "events\x00.csv")]
)
def test_an_argument_with_a_nul_byte_is_a_usage_error(
    aleksanyan: Run, db: Path, args: tuple[str, ...]
) -> None:
    """Only a call from Python can pass one; Typer's path options raised on it."""
    before = Snapshot.of(db)
    result = aleksanyan(*args)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Invalid value for an argument: holds a NUL byte, which no path or value may\n"
    )
    assert Snapshot.of(db) == before


def test_a_birth_or_death_after_today_is_refused(run: Run, db: Path, tmp_path: Path) -> None:
    """Events dated after today were refused; a person's birth in 2030 went in."""
    assert run("person", "add", "Test Zero").exit_code == 0
    before = Snapshot.of(db)
    for args in (("person", "add", "Test One", "--born", "2999"),
                 ("person", "add", "Test Two", "--died", "9999")):  # fmt: skip
        refused = run(*args)
        assert refused.exit_code == 1
        assert "must already have happened" in refused.stderr
    rows = tmp_path / "p.csv"
    rows.write_text("name,born\nTest Three,2999\n", encoding="utf-8")
    refused = run("import", str(rows))
    assert refused.exit_code == 1
    assert f"{rows}:2: born: 2999 is after today" in refused.stderr
    before.assert_unchanged()


@pytest.mark.parametrize("command", ["search x", "history"])
def test_a_negative_limit_is_a_usage_error(run: Run, command: str) -> None:
    """`search --limit -1` gave every hit, as if 0 (all) had been asked for."""
    result = run(*command.split(), "--limit", "-1")
    assert result.exit_code == 2
    assert "-1 is not in the range x>=0" in result.stderr


def test_a_name_or_title_with_no_visible_character_is_refused(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """A zero-width space as a name made a person no report could show ("person")."""
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    before = Snapshot.of(db)
    for args, what in (
        (("person", "add", "\u200b"), "name"),
        (("person", "add", "\u200f\u200e"), "name"),
        (("case", "add", "x", "--title", "\u2060"), "title"),
    ):
        refused = run(*args)
        assert refused.exit_code == 1
        assert refused.stderr.startswith(f"Error: {what} has no visible character (\\u")
    rows = tmp_path / "p.csv"
    rows.write_text("name\n\u200b\n", encoding="utf-8")
    refused = run("import", str(rows))
    assert f"{rows}:2: name: has no visible character (\\u200b)" in refused.stderr
    before.assert_unchanged()


def test_a_birth_after_today_stored_before_the_rule_does_not_block_other_edits(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """As for an event's date: a value as stored is not looked at again, so a person
    written before the rule can still be edited, and the dossier's export imported back."""
    from dossier.keys import Keys
    from dossier.store import edit_store

    assert run("person", "add", "Test One").exit_code == 0
    with edit_store(where(db), "test", keys=Keys.from_environment()) as d:
        d.persons.put_raw("test-one", {**d.persons.raw["test-one"], "born": "2999"})
    assert run("person", "edit", "test-one", "--notes", "kept").exit_code == 0
    exported = tmp_path / "all.json"
    assert run("export", "-o", str(exported)).exit_code == 0
    assert run("import", str(exported)).exit_code == 0
    assert run("person", "edit", "test-one", "--born", "2998").exit_code == 1


def test_completion_with_a_mistyped_database_url_completes_to_nothing(tmp_path: Path) -> None:
    """A review's find: a $DOSSIER_DB refused as a mistyped URL printed a traceback into
    the shell on every Tab."""
    script = Path(sys.executable).parent / "dossier"
    env = {**os.environ, "DOSSIER_DB": "Postgresql://alice:pw@h/db",
           "_DOSSIER_COMPLETE": "complete_bash", "COMP_WORDS": "dossier timeline ",
           "COMP_CWORD": "2"}  # fmt: skip
    proc = subprocess.run([str(script)], capture_output=True, text=True, env=env, timeout=60,
                          cwd=tmp_path)  # fmt: skip
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, "", "")
