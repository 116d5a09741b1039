"""The core commands, as a user runs them."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from conftest import Run, Snapshot, contents, opened
from dossier._version import __version__
from dossier.cli import common
from dossier.contract import FIELDS


def test_version(run: Run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"dossier {__version__}\n"


def test_the_aleksanyan_session(aleksanyan: Run, db: Path, storage: str) -> None:
    cases = json.loads(aleksanyan("case", "list", "--json").stdout)
    assert cases == [
        {
            "id": "aleksanyan",
            "title": "Vasily Aleksanyan",
            "summary": None,
            "jurisdiction": "RU",
            "status": "open",
            "charges": ["Art. 160 CC RF"],
            "tags": [],
            "sources": [],
            "created": cases[0]["created"],
            "updated": cases[0]["created"],
        }
    ]
    persons = json.loads(aleksanyan("person", "list", "--json").stdout)
    assert [(p["id"], p["name"], p["aliases"]) for p in persons] == [
        ("vasiliy-aleksanyan", "Василий Алексанян", ["Vasily Aleksanyan"])
    ]
    assert persons[0]["roles"] == [{"case": "aleksanyan", "role": "defendant"}]
    events = json.loads(aleksanyan("event", "list", "--case", "aleksanyan", "--json").stdout)
    assert [(e["type"], e["date"], e["persons"], e["sources"]) for e in events] == [
        ("arrest", "2006-04-06", ["vasiliy-aleksanyan"], ["https://example.org/arrest"]),
        ("release", "2008-12-30", ["vasiliy-aleksanyan"], ["https://example.org/bail"]),
    ]

    mistake = aleksanyan("log", "aleksanyan", "death", "2001-10-03", "-p", "Vasily Aleksanyan")
    assert mistake.exit_code == 0
    undo = aleksanyan("undo")
    assert undo.exit_code == 0
    where = "aleksanyan #5" if storage == "server" else "#5"  # a server numbers per case
    assert (
        undo.stdout
        == f"Undid {where}: log aleksanyan death 2001-10-03 -p 'Vasily Aleksanyan' (+1 event).\n"
    )
    assert len(opened(db).events) == 2
    verify = aleksanyan("verify", "--json")
    assert verify.exit_code == 0
    report = json.loads(verify.stdout)
    assert report == {"ok": True, "state_hash": opened(db).state_hash().all, "problems": []}


def test_log_prints_the_new_id_and_reads_dates_as_typed(aleksanyan: Run) -> None:
    result = aleksanyan(
        "log",
        "aleksanyan",
        "illness",
        "октябрь 2006",
        "-p",
        "vasiliy-aleksanyan",
        "--end",
        "c. 2008",
        "--description",
        "AIDS diagnosed in detention",
    )
    assert result.exit_code == 0, result.output
    event_id = result.stdout.strip()
    shown = json.loads(aleksanyan("event", "show", event_id, "--json").stdout)
    assert (shown["date"], shown["end"]) == ("2006-10", "2008~")
    assert shown["place"] is None and shown["outcome"] is None and shown["sources"] == []


def test_persons_are_found_by_name_alias_or_id(aleksanyan: Run) -> None:
    for ref in (
        "vasiliy-aleksanyan",
        "Vasily Aleksanyan",
        "василий алексанян",
        "VASILIY ALEKSANYAN",
    ):
        result = aleksanyan("person", "show", ref, "--json")
        assert result.exit_code == 0, (ref, result.output)
        assert json.loads(result.stdout)["id"] == "vasiliy-aleksanyan"


def test_person_ids_clash_get_a_number(run: Run) -> None:
    assert run("person", "add", "Ivan Ivanov").stdout == "ivan-ivanov\n"
    # Two people may share a name; --yes says this is a second one.
    assert run("person", "add", "Иван Иванов", "--yes").stdout == "ivan-ivanov-2\n"


def test_adding_a_lookalike_warns_and_stops_without_yes(aleksanyan: Run, db: Path) -> None:
    before = contents(db)
    result = aleksanyan("person", "add", "Vasily Alexanyan")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Warning: 'Vasily Alexanyan' looks like vasiliy-aleksanyan (Василий Алексанян), known as"
        " 'Василий Алексанян'; to record more about them use"
        " 'dossier person edit vasiliy-aleksanyan'",
        "Error: not on a terminal, so cannot ask 'Add a new person anyway?': pass --yes to go"
        " ahead",
    ]
    assert contents(db) == before


def test_different_people_with_one_surname_are_not_lookalikes(run: Run) -> None:
    assert run("person", "add", "Ivan Ivanov").exit_code == 0
    result = run("person", "add", "Pyotr Ivanov")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("case", "edit", "aleksanyan", "--remove-charge", "Art. 160"),
         "--remove-charge: 'Art. 160' is not in the list ('Art. 160 CC RF')"),
        (("case", "edit", "aleksanyan", "--remove-tag", "yukos"),
         "--remove-tag: 'yukos' is not in the list (it is empty)"),
        (("person", "edit", "vasiliy-aleksanyan", "--remove-alias", "Vasili Aleksanyan"),
         "--remove-alias: 'Vasili Aleksanyan' is not in the list ('Vasily Aleksanyan')"),
        (("event", "edit", "EVENT", "--remove-source", "https://example.org/arest"),
         "--remove-source: 'https://example.org/arest' is not in the list"
         " ('https://example.org/arrest')"),
    ],
)  # fmt: skip
def test_removing_what_a_list_does_not_hold_is_refused(
    aleksanyan: Run, db: Path, args: tuple[str, ...], said: str
) -> None:
    """A mistyped --remove- value said "No change" and exit 0: the user believed the
    wrong source gone. Now nothing is written, and the error shows what the list holds."""
    (arrest,) = [e["id"] for e in json.loads(aleksanyan("event", "list", "--json").stdout)
                 if e["type"] == "arrest"]  # fmt: skip
    before = contents(db)
    result = aleksanyan(*(arrest if a == "EVENT" else a for a in args))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {said}"), result.stderr
    assert result.stderr.endswith("; nothing was changed\n")
    assert contents(db) == before


def test_a_role_given_by_mistake_is_taken_away_with_unlink(aleksanyan: Run, db: Path) -> None:
    """There was no way to take a wrong role back, and a repeated link said "Linked"."""
    assert aleksanyan("case", "add", "other", "--title", "Other").exit_code == 0
    linked = aleksanyan("person", "link", "vasiliy-aleksanyan", "other", "--role", "witness")
    assert linked.stdout == "Linked vasiliy-aleksanyan to other as witness.\n"
    before = contents(db)
    again = aleksanyan("person", "link", "vasiliy-aleksanyan", "other", "--role", "witness")
    assert again.stdout == "No change: vasiliy-aleksanyan already is witness in other.\n"
    assert contents(db) == before
    wrong = aleksanyan("person", "unlink", "vasiliy-aleksanyan", "other", "--role", "lawyer")
    assert (wrong.exit_code, wrong.stderr) == (
        1, "Error: vasiliy-aleksanyan has no role 'lawyer' in case 'other' (their roles:"
        " defendant in aleksanyan, witness in other)\n",
    )  # fmt: skip
    assert contents(db) == before
    gone = aleksanyan("person", "unlink", "vasiliy-aleksanyan", "other", "--json")
    assert json.loads(gone.stdout)["roles"] == [{"case": "aleksanyan", "role": "defendant"}]
    assert aleksanyan("undo").exit_code == 0
    assert json.loads(aleksanyan("person", "show", "vasiliy-aleksanyan", "--json").stdout)[
        "roles"
    ] == [
        {"case": "aleksanyan", "role": "defendant"},
        {"case": "other", "role": "witness"},
    ]
    said = aleksanyan("person", "unlink", "vasiliy-aleksanyan", "other")
    assert said.stdout == "Unlinked vasiliy-aleksanyan from other (was witness).\n"


def test_edit_lists_replace_add_and_remove(aleksanyan: Run) -> None:
    result = aleksanyan(
        "case",
        "edit",
        "aleksanyan",
        "--add-tag",
        "yukos",
        "--add-tag",
        "aids",
        "--status",
        "deceased",
        "--summary",
        "Former Yukos vice-president",
    )
    assert result.exit_code == 0, result.output
    result = aleksanyan("case", "edit", "aleksanyan", "--remove-tag", "aids", "--json")
    case = json.loads(result.stdout)
    assert (case["tags"], case["status"]) == (["yukos"], "deceased")
    assert case["updated"] >= case["created"]
    result = aleksanyan(
        "case", "edit", "aleksanyan", "--summary", "", "--charge", "Art. 199", "--json"
    )
    case = json.loads(result.stdout)
    assert (case["summary"], case["charges"]) == (None, ["Art. 199"])


def test_event_edit_changes_persons_by_name(aleksanyan: Run) -> None:
    assert (
        aleksanyan(
            "person", "add", "Yelena Lvova", "--case", "aleksanyan", "--role", "lawyer"
        ).exit_code
        == 0
    )
    event_id = json.loads(aleksanyan("event", "list", "--json").stdout)[0]["id"]
    edited = aleksanyan(
        "event",
        "edit",
        event_id,
        "--add-person",
        "Yelena Lvova",
        "--remove-person",
        "Vasily Aleksanyan",
        "--place",
        "Moscow",
        "--json",
    )
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.stdout)["persons"] == ["yelena-lvova"]
    assert json.loads(edited.stdout)["place"] == "Moscow"


@pytest.mark.parametrize("ref", ["yelena-lvova", "Yelena Lvova", "Елена Львова"])
def test_a_person_both_added_and_removed_is_removed_by_name_as_by_id(
    aleksanyan: Run, ref: str
) -> None:
    """As for every list option, --remove-person wins; a name did the opposite of an id."""
    added = aleksanyan("person", "add", "Yelena Lvova", "--alias", "Елена Львова")
    assert added.exit_code == 0, added.output
    event_id = json.loads(aleksanyan("event", "list", "--json").stdout)[0]["id"]
    edited = aleksanyan("event", "edit", event_id, "--add-person", ref, "--remove-person", ref)
    assert (edited.exit_code, edited.stdout) == (
        0,
        f"No change: event {event_id} already is as given.\n",
    )


def test_case_remove_with_cascade(aleksanyan: Run) -> None:
    result = aleksanyan("case", "remove", "aleksanyan", "--cascade", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Removed case aleksanyan (2 event(s) removed, 1 person(s) unlinked).\n"
    assert json.loads(aleksanyan("event", "list", "--json").stdout) == []
    assert json.loads(aleksanyan("person", "list", "--json").stdout)[0]["roles"] == []


def test_remove_asks_on_a_terminal_and_honours_no(
    aleksanyan: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = json.loads(aleksanyan("event", "list", "--json").stdout)[0]["id"]
    monkeypatch.setattr(common, "interactive", lambda: True)
    result = aleksanyan("event", "remove", event_id, input="n\n")
    assert "Remove event" in result.stderr and result.stdout.strip() == "n"  # the echo
    assert result.exit_code == 1
    assert len(json.loads(aleksanyan("event", "list", "--json").stdout)) == 2
    result = aleksanyan("event", "remove", event_id, input="y\n")
    assert result.exit_code == 0
    assert len(json.loads(aleksanyan("event", "list", "--json").stdout)) == 1


def test_user_text_is_printed_literally(run: Run) -> None:
    assert run("case", "add", "x", "--title", "[red]not red[/red] <script>").exit_code == 0
    assert (
        run("person", "add", "[bold]Ivan[/bold]", "--case", "x", "--role", "witness").exit_code == 0
    )
    listing = run("case", "list")
    assert "[red]not red[/red] <script>" in listing.stdout
    assert "[bold]Ivan[/bold]" in run("person", "list").stdout


@pytest.mark.plain_only("how text is printed: the store takes no part")
def test_names_print_with_the_invisible_characters_their_scripts_need(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """A Persian name's zero-width non-joiner, a soft hyphen and a non-breaking space
    are part of the text: printed as they are in the terminal, the text and the
    Markdown report (they were shown as \\u200c). What reorders text is escaped, also
    when a file written before the contract refused it still holds it, and so is the
    zero-width joiner, whose width Rich does not count as a terminal shows it."""
    persian = (
        "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627 \u0634\u062c\u0631\u06cc\u0627\u0646"
    )
    family = "Ivan\u00a0Ivanov Ab\u00addul"
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    for name, id_ in ((persian, "mr"), (family, "ii")):
        added = run("person", "add", name, "--id", id_, "--case", "c", "--role", "witness")
        assert added.exit_code == 0, added.output
    assert run("log", "c", "arrest", "2020-01-01", "-p", "mr", "-p", "ii").exit_code == 0
    out = tmp_path / "r.md"
    assert run("report", "c", "-o", str(out)).exit_code == 0
    for shown in (
        run("person", "show", "mr").stdout + run("person", "show", "ii").stdout,
        run("timeline", "c").stdout,
        run("report", "c").stdout,
    ):
        assert persian in shown and "Ivan\u00a0Ivanov" in shown and "\\u" not in shown
    markdown = out.read_text(encoding="utf-8")  # a cell's spaces are one line's spaces
    assert persian in markdown and "Ivan Ivanov" in markdown and "\\u" not in markdown
    # A bidirectional override stored before the contract refused it stays escaped.
    from dossier.store import edit_store

    with edit_store(db, "test") as d:
        d.persons.put_raw("mr", {**d.persons.raw["mr"], "name": "\u202eevil"})
    assert "\\u202eevil" in run("person", "show", "mr").stdout
    joined = "\u200d".join("Abdulrahman") + " " + "\u200d".join("Mohammadzadeh")
    assert run("person", "edit", "ii", "--name", joined).exit_code == 0
    assert "A\\u200db\\u200dd" in run("person", "show", "ii").stdout


def test_the_history_keeps_the_command_without_the_global_options(aleksanyan: Run) -> None:
    """`--no-pager` and `--debug` before the command are not part of it; the same words
    after it are the command's own."""
    logged = aleksanyan("--no-pager", "--debug", "log", "aleksanyan", "statement", "2001",
                        "--description", "--debug is not asked for")  # fmt: skip
    assert logged.exit_code == 0, logged.output
    entries = json.loads(aleksanyan("history", "--json").stdout)
    assert entries[-1]["command"] == (
        "log aleksanyan statement 2001 --description '--debug is not asked for'"
    )


def test_history_json(aleksanyan: Run, storage: str) -> None:
    entries = json.loads(aleksanyan("history", "--json").stdout)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["command"] == (
        "case add aleksanyan --title 'Vasily Aleksanyan' --jurisdiction RU"
        " --charge 'Art. 160 CC RF'"
    )
    assert entries[0]["added"] == {"cases": ["aleksanyan"]}
    assert set(entries[0]) == {
        "seq",
        "time",
        "command",
        "added",
        "removed",
        "changed",
        "undoes",
        "redoes",
        "state_hash",
    } | ({"case", "role"} if storage == "server" else set())
    if storage == "server":
        assert {(e["case"], e["role"]) for e in entries} == {("aleksanyan", "alice")}


def test_vocab_json(run: Run) -> None:
    vocab = json.loads(run("vocab", "--json").stdout)
    types = {t["type"]: t["effect"] for t in vocab["event_types"]}
    assert types["arrest"] == "custody starts"
    assert types["death_in_custody"] == "custody ends"
    assert "defendant" in vocab["roles"] and "deceased" in vocab["statuses"]
    assert vocab["outcomes"] == ["guilty", "acquitted", "dismissed", "returned"]


@pytest.mark.plain_only("about a dossier file that does not exist yet")
def test_reads_of_a_missing_named_database_are_refused_and_create_nothing(
    run: Run, db: Path
) -> None:
    for args in (("case", "list", "--json"), ("verify",)):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"Error: no dossier at {db}")
    assert list(db.parent.iterdir()) == []


def test_database_from_environment(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dossier.cli.app import app

    path = tmp_path / "env.json"
    result = CliRunner().invoke(
        app, ["case", "add", "x", "--title", "X"], env={"DOSSIER_DB": str(path)}
    )
    assert result.exit_code == 0 and path.exists()


def test_start_up_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from dossier.cli.app import app; "
        "heavy = ['rich.console', 'tinydb', 'dateutil.parser', 'orjson', 'dossier.store', "
        "'anyascii', 'rapidfuzz', 'jinja2']; print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"


def test_a_lookalike_is_asked_about_on_a_terminal(
    aleksanyan: Run, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "interactive", lambda: True)
    before = contents(db)
    refused = aleksanyan("person", "add", "Vasily Alexanyan", input="n\n")
    assert refused.exit_code == 1 and "Add a new person anyway?" in refused.output
    assert contents(db) == before
    accepted = aleksanyan("person", "add", "Vasily Alexanyan", "--json", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    # The question goes where errors go: stdout, redirected to a file, stays JSON. (The
    # runner echoes the answer to stdout, as a terminal would show it typed.)
    assert accepted.stderr.endswith("Add a new person anyway? [y/N]:")
    echoed, printed = accepted.stdout.split("\n", 1)
    assert echoed.strip() == "y"
    assert json.loads(printed)["id"] == "vasily-alexanyan"


def test_a_lookalike_that_cannot_be_added_is_refused_before_any_question(
    aleksanyan: Run, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "interactive", lambda: True)
    before = contents(db)
    refused = aleksanyan("person", "add", "Vasily Alexanyan", "--case", "nosuch", "--role",
                         "witness", input="y\n")  # fmt: skip
    assert refused.exit_code == 1
    assert "anyway?" not in refused.stderr and refused.stderr.startswith("Error: ")
    assert "nosuch" in refused.stderr
    assert contents(db) == before


def test_undo_steps_back_through_a_record_edited_then_through_a_move(aleksanyan: Run) -> None:
    """Undo goes back one command at a time on both stores: an edit undone, then the log
    that made the event; a move to another case undone. A server refused the second
    undo (the edit it had just undone counted as a change since) and the move's undo
    (the event 'added again' in the case it had moved to)."""
    logged = aleksanyan("log", "aleksanyan", "hearing", "2007-01-10", "--source", "x")
    event = logged.stdout.strip()
    assert aleksanyan("event", "edit", event, "--place", "Kyiv").exit_code == 0
    assert aleksanyan("undo").exit_code == 0
    second = aleksanyan("undo")
    assert second.exit_code == 0, second.stderr
    assert aleksanyan("event", "show", event).exit_code == 1
    assert aleksanyan("case", "add", "other", "--title", "Other").exit_code == 0
    moving = aleksanyan("log", "aleksanyan", "hearing", "2007-02-10", "--source", "x")
    moved = moving.stdout.strip()
    assert aleksanyan("event", "edit", moved, "--case", "other").exit_code == 0
    back = aleksanyan("undo")
    assert back.exit_code == 0, back.stderr
    shown = json.loads(aleksanyan("event", "show", moved, "--json").stdout)
    assert shown["case"] == "aleksanyan"
    assert aleksanyan("verify").exit_code == 0
    # Put back in the record's key order (a server's history is jsonb, in its own): the
    # export reads as a file's.
    exported = json.loads(aleksanyan("export").stdout)
    assert {tuple(e) for e in exported["events"]} == {FIELDS["events"]}


def test_an_undo_across_cases_counts_as_a_files_does(run: Run) -> None:
    """A user's find: a server counted the undo of a merge across two cases as "+1
    person, ~1 person, -1 person", each case's part of the person added up; a file says
    "~1 person, -1 person". A record changed is counted once, whatever its cases."""
    for command in (
        "case add a --title A", "case add b --title B",
        "person add 'Anna One' --case a --role witness",
        "person add 'Boris Two' --case b --role witness",
        "log b hearing 2010-01-01 -p boris-two",
        "person merge anna-one boris-two --yes",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    undone = run("undo")
    assert undone.exit_code == 0, undone.output
    told = undone.stdout.split(": ", 1)[1]
    assert told == "person merge anna-one boris-two --yes (~1 person, -1 person, ~1 event).\n"
    # A review's find: a server refused this redo ("person anna-one was added again since
    # by another command"): she left case b's chain and stayed in a's.
    redone = run("redo")
    assert redone.exit_code == 0, redone.output
    # Said as the redo changes it (as the merge did), not as the undo it reverts did:
    # "Redid what was undone by #7: undo (+1 person, …)" read as if it added a person.
    said, number = redone.stdout, undone.stdout.split(": ", 1)[0].removeprefix("Undid ")
    assert said.startswith("Redid what "), said
    assert said.endswith(" undid (~1 person, -1 person, ~1 event).\n"), said
    assert number not in said  # the undo's entry is named, not the merge's
    assert run("undo").exit_code == 0
    event = run("log", "a", "hearing", "2011-01-01", "-p", "anna-one").stdout.strip()
    assert run("event", "edit", event, "--case", "b").exit_code == 0
    moved = run("undo")
    assert moved.stdout.split(": ", 1)[1] == f"event edit {event} --case b (~1 event).\n"
    assert run("verify").exit_code == 0


def test_an_undo_puts_removed_records_back_where_they_stood(run: Run) -> None:
    """A new user's find: an undo of `case remove --cascade` (or of a merge) put the
    records back at the end of their tables. The order they were added breaks ties of
    a day (the timeline's rows, which event a period names) and the state hash does not
    cover it: two reports of one state hash differed. They go back where they stood."""
    for command in (
        "case add cx --title X", "case add cy --title Y",
        "person add 'Lev Ponomarev' --case cx --role defendant",
        "person add 'Lev Ponomaryov' --case cy --role defendant --yes",
        "person add 'Zed Last' --case cy --role witness",
        "log cx statement 2020-01-01 -p lev-ponomarev -d first",
        "log cy statement 2020-01-01 -p lev-ponomarev -d second",
        "log cy arrest 2020-02-01 -p lev-ponomaryov",
        "log cx arrest 2020-02-01 -p lev-ponomaryov",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command

    def exported() -> dict[str, list[str]]:
        data = json.loads(run("export").stdout)
        return {kind: [r["id"] for r in data[kind]] for kind in ("cases", "persons", "events")}

    def rows() -> list[str]:
        return run("timeline", "--person", "lev-ponomarev", "--oneline").stdout.splitlines()

    first, shown = exported(), rows()
    for removal in ("person merge lev-ponomarev lev-ponomaryov --yes", "event remove {e} --yes"):
        event = first["events"][0]
        assert run(*shlex.split(removal.format(e=event))).exit_code == 0, removal
        assert run("undo").exit_code == 0, removal
        assert (exported(), rows()) == (first, shown), removal
    if run("case", "remove", "cx", "--cascade", "--yes").exit_code == 0:
        undone = run("undo")
        if undone.exit_code == 0:  # a file; a server does not undo a case's removal
            assert (exported(), rows()) == (first, shown)
    assert run("verify").exit_code == 0


def test_an_edit_that_changes_nothing_says_so(run: Run) -> None:
    """A new user's find: `person edit P --alias NAME` (an alias equal to the name,
    which the record contract drops) and `event edit E --add-source ""` said "Updated",
    though nothing changed and no history entry was written."""
    for command in (
        "case add cx --title X",
        "person add 'Lev Ponomarev' --case cx --role defendant",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    event = run("log", "cx", "statement", "2020-01-01", "-p", "lev-ponomarev").stdout.strip()
    entries = len(json.loads(run("history", "--json").stdout))
    for command, said in (
        ("case edit cx", "No change: case cx already is as given.\n"),
        ("case edit cx --title X", "No change: case cx already is as given.\n"),
        ("person edit lev-ponomarev --alias 'Lev Ponomarev'",
         "No change: person lev-ponomarev already is as given.\n"),
        (f"event edit {event} --add-source ''", f"No change: event {event} already is as given.\n"),
        ("case edit cx --title Y", "Updated case cx.\n"),
    ):  # fmt: skip
        result = run(*shlex.split(command))
        assert (result.exit_code, result.stdout) == (0, said), command
    assert len(json.loads(run("history", "--json").stdout)) == entries + 1


def test_a_rename_to_someone_elses_name_warns(run: Run) -> None:
    """A new user's find: `person add` warns of a name like someone's, `person edit
    --name` said nothing, and a name given where an id goes then matched two persons."""
    for command in (
        "case add cx --title X",
        "person add 'Andrei Kudoyarov' --case cx --role defendant",
        "person add 'Alexander Manov' --case cx --role witness",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    renamed = run("person", "edit", "alexander-manov", "--name", "Andrei Kudoyarov")
    assert renamed.exit_code == 0 and renamed.stdout == "Updated person alexander-manov.\n"
    assert renamed.stderr == (
        "Warning: alexander-manov now looks like andrei-kudoyarov (Andrei Kudoyarov), known"
        " as 'Andrei Kudoyarov'; where a name stands for a person, give the id to tell them"
        " apart\n"
        "Warning: 'Alexander Manov' is no longer a name of alexander-manov; if sources spell"
        " them so, keep it: dossier person edit alexander-manov --add-alias 'Alexander Manov'\n"
    )
    again = run("person", "edit", "alexander-manov", "--notes", "renamed")  # the name stays
    assert again.exit_code == 0 and again.stderr == ""


def test_history_marks_an_undone_change_after_later_commands_too(run: Run) -> None:
    """The mark read the redo stack, which any later command clears: the arrest undone
    then read as standing in the audit log, though the dossier no longer held it."""
    assert run("case", "add", "a", "--title", "A").exit_code == 0
    assert run("log", "a", "arrest", "2010-01-01", "--source", "x").exit_code == 0
    assert run("undo").exit_code == 0
    assert run("log", "a", "hearing", "2010-02-01", "--source", "x").exit_code == 0
    lines = run("--no-pager", "history").stdout.splitlines()
    arrest = next(line for line in lines if "log a arrest" in line)
    hearing = next(line for line in lines if "log a hearing" in line)
    assert arrest.rstrip().endswith("undone") and "undone" not in hearing
    assert run("redo").exit_code == 1  # the redo went with the later command, as before


def test_an_arrest_after_a_recorded_death_is_said_where_it_continues_custody(run: Run) -> None:
    """A tester's find: held from 2010, dead in 2011, arrested again in 2012. The timeline
    said "still held 3652 +" at "SIZO; SIZO-2" and only that the death implies an end;
    that the second arrest comes after the death, when it only continued the custody,
    went unsaid. It is counted as recorded, and said, in the text and in JSON."""
    for command in (
        "case add r --title R", "person add 'Gleb Dead' --id gd --case r --role defendant",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    ids = []
    for command in (
        "log r arrest 2010-01-01 -p gd --place SIZO", "log r death 2011-01-01 -p gd",
        "log r arrest 2012-01-01 -p gd --place SIZO-2",
    ):  # fmt: skip
        result = run(*shlex.split(command))
        assert result.exit_code == 0, result.output
        ids.append(result.stdout.strip())
    first, death, second = ids
    said = (
        f"arrest on 2012-01-01 (event {second}) comes after death on 2011-01-01 (event"
        f" {death}); one of the two dates is wrong, and the figures count it as recorded,"
        f" continuing custody from 2010-01-01 (event {first})"
    )
    doc = json.loads(run("timeline", "r", "--as-of", "2020-01-01", "--json").stdout)
    assert [(p["days"], p["ongoing"], p["facilities"]) for p in doc["custody"]] == [
        (3652, True, ["SIZO", "SIZO-2"])
    ]
    assert doc["problems"][0] == {"person": "gd", "case": "r", "event": second, "message": said}
    assert [p["message"].split(";")[0] for p in doc["problems"][1:]] == [
        f"custody from 2010-01-01 (event {first}) has no recorded end, but death on"
        f" 2011-01-01 (event {death}) implies one"
    ]
    text = run("timeline", "r", "--as-of", "2020-01-01")
    assert text.exit_code == 0, text.output
    assert f"2 problems: ! Gleb Dead (r): {said} ! " in " ".join(text.stdout.split())


OUTCOME_NOT_COUNTED = (
    "Warning: only a verdict's outcome is counted: this {kind} shows {outcome!r} but no"
    " figure counts it; record the court's decision as a verdict\n"
)


def test_an_outcome_no_figure_counts_is_warned_about(aleksanyan: Run) -> None:
    """An adversarial run: `log k appeal … --outcome acquitted`, as a lawyer records an
    acquittal on appeal, was shown "(acquitted)" and counted nowhere, without a word; an
    arrest took "--outcome guilty" too."""
    person = ("-p", "vasiliy-aleksanyan")
    appeal = aleksanyan("log", "aleksanyan", "appeal", "2009-06-10", *person, "--outcome",
                        "acquitted")  # fmt: skip
    assert (appeal.exit_code, appeal.stderr) == (
        0, OUTCOME_NOT_COUNTED.format(kind="appeal", outcome="acquitted")
    )  # fmt: skip
    verdict = aleksanyan("log", "aleksanyan", "verdict", "2009-06-11", *person, "--outcome",
                         "guilty")  # fmt: skip
    assert (verdict.exit_code, verdict.stderr) == (0, "")
    moved = aleksanyan("event", "edit", verdict.stdout.strip(), "--type", "release")
    assert (moved.exit_code, moved.stderr) == (
        0, OUTCOME_NOT_COUNTED.format(kind="release", outcome="guilty")
    )  # fmt: skip
    # A sentence is guilty by its type: an outcome that agrees says nothing more, and
    # one that does not is a contradiction to check.
    agrees = aleksanyan("log", "aleksanyan", "sentence", "2009-06-12", *person, "--outcome",
                        "guilty")  # fmt: skip
    assert (agrees.exit_code, agrees.stderr) == (0, "")
    odd = aleksanyan("log", "aleksanyan", "sentence", "2009-06-13", *person, "--outcome",
                     "acquitted")  # fmt: skip
    assert (odd.exit_code, odd.stderr) == (0, (
        "Warning: a sentence counts as guilty, and this one says 'acquitted'; check the"
        " source: the figures count it as guilty\n"
    ))  # fmt: skip


def test_a_verdict_without_an_outcome_is_warned_about(aleksanyan: Run) -> None:
    """A new user's run: `log k verdict 2007-06-01 -p P` without --outcome counted in
    no figure, and the pretrial part ran on to the release (366 days for 152), without
    a word."""
    person = ("-p", "vasiliy-aleksanyan")
    said = (
        "Warning: this verdict has no outcome, so no figure counts it: not a guilty"
        " verdict, nor the end of the pretrial part; give it with --outcome (see 'dossier"
        " vocab')\n"
    )
    verdict = aleksanyan("log", "aleksanyan", "verdict", "2007-06-01", *person)
    assert (verdict.exit_code, verdict.stderr) == (0, said)
    given = aleksanyan("event", "edit", verdict.stdout.strip(), "--outcome", "guilty")
    assert (given.exit_code, given.stderr) == (0, "")
    dismissed = aleksanyan("log", "aleksanyan", "verdict", "2007-07-01", *person,
                           "--outcome", "dismissed")  # fmt: skip
    assert (dismissed.exit_code, dismissed.stderr) == (0, "")
    hearing = aleksanyan("log", "aleksanyan", "hearing", "2007-08-01", *person)
    assert (hearing.exit_code, hearing.stderr) == (0, "")
    moved = aleksanyan("event", "edit", hearing.stdout.strip(), "--type", "verdict")
    assert (moved.exit_code, moved.stderr) == (0, said)


def test_person_add_takes_every_case_and_role_given(aleksanyan: Run, db: Path) -> None:
    """An adversary's find: `person add X --case a --role defendant --case b --role
    witness` kept only the last pair, without a word."""
    assert aleksanyan("case", "add", "b", "--title", "B").exit_code == 0
    added = aleksanyan("person", "add", "Ivan Petrov", "--case", "aleksanyan", "--role",
                       "defendant", "--case", "b", "--role", "witness", "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["roles"] == [
        {"case": "aleksanyan", "role": "defendant"},
        {"case": "b", "role": "witness"},
    ]
    before = Snapshot.of(db)
    odd = aleksanyan("person", "add", "Olga Y", "--case", "aleksanyan", "--role", "witness",
                     "--case", "b")  # fmt: skip
    assert (odd.exit_code, odd.stderr) == (
        1,
        "Error: --case and --role go together, one --role for each --case: 2 --case and 1"
        " --role given\n",
    )
    before.assert_unchanged()


def test_an_end_on_a_custody_event_is_warned_about(aleksanyan: Run) -> None:
    """A new user's run: `log k pretrial_detention 2020-01-10 --end 2020-03-01` showed
    "until 2020-03-01" in the timeline while custody read "still held, 2522 +" without a
    word; the end of a custody start or end is in no figure."""
    person = ("-p", "vasiliy-aleksanyan")
    said = (
        "Warning: the end of this {kind} ({end}) is in no custody figure: custody and house"
        " arrest end only at an event of their own; record the end as one ('dossier log"
        " aleksanyan release {end} --person P')\n"
    )
    held = aleksanyan("log", "aleksanyan", "pretrial_detention", "2009-02-01", *person,
                      "--end", "2009-03-01")  # fmt: skip
    assert (held.exit_code, held.stderr) == (
        0, said.format(kind="pretrial_detention", end="2009-03-01")
    )  # fmt: skip
    doc = json.loads(aleksanyan("timeline", "aleksanyan", "--as-of", "2010-01-01",
                                "--json").stdout)  # fmt: skip
    assert doc["custody"][-1]["ongoing"] is True  # as recorded, and now said
    house = aleksanyan("event", "edit", held.stdout.strip(), "--type", "house_arrest")
    assert (house.exit_code, house.stderr) == (
        0, said.format(kind="house_arrest", end="2009-03-01")
    )  # fmt: skip
    # A span that changes no custody says nothing; nor does an edit that keeps the end.
    strike = aleksanyan("log", "aleksanyan", "hunger_strike", "2007-01-01", *person,
                        "--end", "2007-02-01")  # fmt: skip
    assert (strike.exit_code, strike.stderr) == (0, "")
    noted = aleksanyan("event", "edit", held.stdout.strip(), "--note", "as the source has it")
    assert (noted.exit_code, noted.stderr) == (0, "")
    # Nor a release with an end, which told the user to log a release to end a release (a
    # review's find): an end of custody is a moment, its end nothing custody reads.
    freed = aleksanyan("log", "aleksanyan", "release", "2009-04-01", *person,
                       "--end", "2009-04-02")  # fmt: skip
    assert (freed.exit_code, freed.stderr) == (0, "")


def test_logging_an_event_twice_is_warned_about(aleksanyan: Run) -> None:
    """An adversarial run: the same arrest logged twice became two arrests without a word,
    where an import warns of a row like a stored event."""
    args = ("log", "aleksanyan", "hearing", "2009-06-10", "-p", "vasiliy-aleksanyan")
    first = aleksanyan(*args)
    assert (first.exit_code, first.stderr) == (0, "")
    again = aleksanyan(*args)
    assert (again.exit_code, again.stderr) == (0, (
        f"Warning: looks like event {first.stdout.strip()} (same case, type, date and"
        " persons): recorded as another event; 'dossier undo' takes it back if it is the"
        " same\n"
    ))  # fmt: skip
    other = aleksanyan("log", "aleksanyan", "hearing", "2009-06-10")  # names no one: another
    assert (other.exit_code, other.stderr) == (0, "")


@pytest.mark.parametrize(
    ("kind", "warned"), [("arrest", True), ("release", True), ("hearing", False)]
)
def test_a_custody_event_that_names_no_one_is_warned_about(
    aleksanyan: Run, kind: str, warned: bool
) -> None:
    """`log kudoyarov arrest 25.10.2003` without --person recorded an arrest of no one,
    which no custody figure counts, without a word."""
    result = aleksanyan("log", "aleksanyan", kind, "2010-01-01")
    assert result.exit_code == 0, result.output
    event = result.stdout.strip()
    said = (
        f"Warning: this {kind} names no one, so it is in no one's custody figures; name the"
        f" person with 'dossier event edit {event} --add-person P'\n"
    )
    assert result.stderr == (said if warned else "")


def test_a_rename_that_drops_the_old_spelling_says_how_to_keep_it(run: Run) -> None:
    """An adversarial run: `person edit --name` threw the Cyrillic spelling away without
    a word, while `person merge` keeps a dropped name as an alias."""
    assert run("person", "add", "Василий Алексанян", "--id", "va").exit_code == 0
    renamed = run("person", "edit", "va", "--name", "Vasily S. Aleksanyan")
    assert (renamed.exit_code, renamed.stderr) == (0, (
        "Warning: 'Василий Алексанян' is no longer a name of va; if sources spell them so,"
        " keep it: dossier person edit va --add-alias 'Василий Алексанян'\n"
    ))  # fmt: skip
    kept = run("person", "edit", "va", "--name", "Vasily Aleksanyan", "--add-alias",
               "Vasily S. Aleksanyan")  # fmt: skip
    assert (kept.exit_code, kept.stderr) == (0, "")
