"""Changes made outside dossier (docs/file-format.md): damaged records stop every
command; edits of the right shape are named, warned about, marked in reports, and
settled by `verify --accept`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, Snapshot, opened, rewrite, stored

# Edits of the file itself; on a server, SQL edits are test_server_cli.py's.
pytestmark = pytest.mark.file_only("edits the dossier file by hand")

OUTSIDE = "(the file was edited outside dossier; see 'dossier verify')"


def edit_file(db: Path, change: Any) -> None:
    """Change the stored JSON as a person with a text editor would."""
    data = stored(db)
    change(data)
    rewrite(db, json.dumps(data, ensure_ascii=False, indent=1).encode())


def event_of(data: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(e for e in data["events"].values() if e["type"] == type_)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (20081124, "date: must be a date as text (EDTF, e.g. 2009-11-16), not a number"),
        ("2008-13-45", "date: cannot read EDTF date '2008-13-45': month 13 is out of range 1..12"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [("timeline", "aleksanyan"), ("stats",), ("report", "aleksanyan"), ("case", "list"),
     ("log", "aleksanyan", "hearing", "2009"), ("export",)],
)  # fmt: skip
def test_a_damaged_record_stops_every_command_with_a_located_error(
    aleksanyan: Run, db: Path, command: tuple[str, ...], value: Any, message: str
) -> None:
    arrest = event_of(stored(db), "arrest")["id"]
    edit_file(db, lambda data: event_of(data, "arrest").update(date=value))
    before = Snapshot.of(db)
    result = aleksanyan(*command)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {db}: event {arrest}: {message} {OUTSIDE}\n"
    before.assert_unchanged()


def test_persons_as_text_is_damage_not_one_letter_per_line(aleksanyan: Run, db: Path) -> None:
    edit_file(db, lambda data: event_of(data, "arrest").update(persons="vasiliy-aleksanyan"))
    result = aleksanyan("timeline", "aleksanyan")
    assert result.exit_code == 1
    assert ": persons: must be a list, not text " in result.stderr


def test_verify_lists_every_damaged_record_and_accept_refuses(aleksanyan: Run, db: Path) -> None:
    def damage(data: dict[str, Any]) -> None:
        event_of(data, "arrest")["date"] = 20081124
        event_of(data, "release")["persons"] = "vasiliy-aleksanyan"

    edit_file(db, damage)
    before = Snapshot.of(db)
    result = aleksanyan("verify")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert all(line.endswith("(fix it by hand, or restore a backup)") for line in lines)
    assert aleksanyan("verify", "--accept").exit_code == 1
    before.assert_unchanged()


def test_accept_json_names_each_change_as_every_json_names_a_kind(
    aleksanyan: Run, db: Path
) -> None:
    """It said "kind": "events" where `verify --file`, `search` and the exports say
    "event"."""
    arrest = event_of(stored(db), "arrest")["id"]
    edit_file(db, lambda data: event_of(data, "arrest").update(place="Butyrka"))
    accepted = aleksanyan("verify", "--accept", "--json")
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["changes"] == [
        {"kind": "event", "id": arrest, "how": "changed", "fields": ["place"]}
    ]


@pytest.mark.parametrize(
    "extra", [("--case", "aleksanyan"), ("--hash", "0" * 64), ("--file", "x.pdf")]
)
def test_accept_goes_alone(aleksanyan: Run, db: Path, extra: tuple[str, str]) -> None:
    """A review's find: `verify --accept --case X` accepted every case's changes, X
    silently ignored (and a server wrote X into every case's history)."""
    before = Snapshot.of(db)
    result = aleksanyan("verify", "--accept", *extra)
    assert result.exit_code == 2, result.output
    assert "give --accept alone, not with --hash, --file or --case" in result.stderr
    before.assert_unchanged()


def test_an_edit_is_named_warned_about_marked_and_accepted(aleksanyan: Run, db: Path) -> None:
    arrest = event_of(stored(db), "arrest")["id"]
    edit_file(db, lambda data: event_of(data, "arrest").update(place="Butyrka", date="2006-04-07"))
    last = opened(db).history[-1]["seq"]
    finding = f"event {arrest} changed: date, place outside dossier after history entry {last}"

    verify = aleksanyan("verify", "--json")
    assert verify.exit_code == 1
    assert json.loads(verify.stdout)["problems"] == [finding]

    timeline = aleksanyan("timeline", "aleksanyan")
    assert timeline.exit_code == 0
    mark = f"not verified: changed outside dossier since entry {last}"
    assert timeline.stderr == (
        f"Warning: {finding}; figures shown are {mark}. See 'dossier verify';"
        " 'dossier verify --accept' records the change once it is known to be right\n"
    )
    text = aleksanyan("report", "aleksanyan").stdout
    assert text.count(mark.upper()) == 2  # heading and footer
    html = aleksanyan("report", "aleksanyan", "--format", "html").stdout
    assert html.count(mark.capitalize()) == 2

    # A write before accepting warns too, and keeps the finding on record.
    assert aleksanyan("log", "aleksanyan", "hearing", "2008-01-01").stderr.startswith("Warning: ")
    assert aleksanyan("verify").exit_code == 1

    accepted = aleksanyan("verify", "--accept", "--json")
    assert accepted.exit_code == 0, accepted.output
    entry = json.loads(accepted.stdout)
    assert entry["by"]
    assert len(entry["problems"]) == 1 and finding.split(" outside")[0] in entry["problems"][0]
    assert aleksanyan("verify").exit_code == 0
    assert aleksanyan("timeline", "aleksanyan").stderr == ""
    assert mark.upper() not in aleksanyan("report", "aleksanyan").stdout
    # The accepting entry is on record, and a new starting point: undo does not reach
    # past it (it would put an older form back over the accepted change).
    history = json.loads(aleksanyan("history", "--json").stdout)
    assert history[-1]["command"] == "verify --accept --json"
    undone = aleksanyan("undo")
    assert (undone.exit_code, undone.stderr) == (
        1,
        f"Error: nothing to undo since entry #{history[-1]['seq']}, which accepted changes made"
        " outside dossier: undo does not go back past it\n",
    )


def test_added_and_removed_records_are_named(aleksanyan: Run, db: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        release = event_of(data, "release")
        key = next(k for k, e in data["events"].items() if e is release)
        del data["events"][key]
        data["cases"]["9"] = {**data["cases"]["1"], "id": "by-hand"}

    release = event_of(stored(db), "release")["id"]
    edit_file(db, change)
    last = opened(db).history[-1]["seq"]
    assert json.loads(aleksanyan("verify", "--json").stdout)["problems"] == [
        f"case by-hand added outside dossier after history entry {last}",
        f"event {release} removed outside dossier after history entry {last}",
    ]


def test_nothing_to_accept(aleksanyan: Run, db: Path) -> None:
    before = Snapshot.of(db)
    result = aleksanyan("verify", "--accept")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: nothing to accept: 'dossier verify' finds no change made outside dossier\n"
    )
    before.assert_unchanged()


def test_a_reformatted_file_is_no_change(aleksanyan: Run, db: Path) -> None:
    edit_file(db, lambda data: None)  # indented, keys as they were: the records are the same
    assert aleksanyan("verify").exit_code == 0
    assert aleksanyan("stats").stderr == ""


def test_accept_after_a_write_still_accounts_for_an_added_record(aleksanyan: Run, db: Path) -> None:
    edit_file(db, lambda data: data["cases"].update({"9": {**data["cases"]["1"], "id": "by-hand"}}))
    assert aleksanyan("log", "aleksanyan", "hearing", "2008").exit_code == 0  # warns, writes
    assert aleksanyan("verify", "--accept").exit_code == 0
    assert aleksanyan("verify").exit_code == 0
    # A later edit is named as itself, not as the accepted addition.
    edit_file(db, lambda data: data["cases"]["1"].update(title="Edited"))
    problems = json.loads(aleksanyan("verify", "--json").stdout)["problems"]
    assert len(problems) == 1
    assert problems[0].startswith("case aleksanyan changed")


def test_accept_on_a_file_without_history(run: Run, db: Path) -> None:
    assert run("case", "add", "mx", "--title", "Maximov").exit_code == 0
    edit_file(db, lambda data: data.update(history={}) or data["meta"]["1"].pop("head"))
    assert run("verify").exit_code == 1
    assert run("verify", "--accept").exit_code == 0
    assert run("verify").exit_code == 0
    edit_file(db, lambda data: data["cases"]["1"].update(title="Edited"))
    problems = json.loads(run("verify", "--json").stdout)["problems"]
    assert [p.split(" outside")[0] for p in problems] == ["case mx changed"]


def test_undo_of_an_entry_edited_outside_dossier_is_refused(aleksanyan: Run, db: Path) -> None:
    def damage(data: dict[str, Any]) -> None:
        last = data["history"][str(len(data["history"]))]
        last["added"] = {}
        last["before"] = {"events": {"x": {"id": "x", "date": 2009}}}

    edit_file(db, damage)
    before = Snapshot.of(db)
    result = aleksanyan("undo")
    assert result.exit_code == 1
    assert "was edited outside dossier, so it cannot be reverted" in result.stderr
    before.assert_unchanged()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda h: h["1"].update(seq="one"), "history entry 1 is damaged (seq)"),
        (lambda h: h.update({"x": {}}), "the history table is damaged"),
        (lambda h: h.update({"1": "an entry"}), "history entry 1 is damaged (the whole entry)"),
    ],
)
def test_a_damaged_history_is_a_located_error(
    aleksanyan: Run, db: Path, damage: Any, words: str
) -> None:
    edit_file(db, lambda data: damage(data["history"]))
    for command in (("timeline", "aleksanyan"), ("verify",), ("undo",)):
        result = aleksanyan(*command)
        assert result.exit_code == 1
        assert words in result.stderr
        assert "internal error" not in result.stderr
