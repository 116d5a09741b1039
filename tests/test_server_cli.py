"""The same CLI on a PostgreSQL server: setting it up, who sees what, the same output as
a file, writes that never lose an update, history and verification per case.

Every test gets a new database made from a template (schema and users ready) on the
throwaway cluster of `pg_cluster`; alice and bob are dossier users, carol is a
PostgreSQL role that was never let in.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

import pgcluster
from conftest import ROOT, SAMPLE, Team, counts, made_on_server, ok, url_for
from dossier.cli.app import app
from dossier.dates import stored, today
from dossier.scope import Scope
from dossier.server.connect import where as where_of
from test_contract import build, dossiers

DOSSIER = str(Path(sys.executable).with_name("dossier"))


@pytest.fixture
def sample(team: Team) -> Team:
    """The sample dossier, imported by alice, who owns its three cases."""
    made_on_server(
        team.admin_url, team.name, "team sample", lambda: ok(team.run("alice", "import", *SAMPLE))
    )
    return team


# Setting up ---------------------------------------------------------------------------


def test_server_init_says_what_it_did_and_is_idempotent(pg_cluster: Any) -> None:
    import psycopg

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    url = url_for(pg_cluster.url, name)
    try:
        first = ok(CliRunner().invoke(app, ["server", "init", "--db", url]))
        assert first.stdout.splitlines()[:2] == [
            "Created schema dossier.",
            "Applied migration 1: tables, row-level security by case membership, append-only"
            " history.",
        ]
        again = ok(CliRunner().invoke(app, ["--db", url, "server", "init"]))
        assert again.stdout == (
            f"The dossier schema of database {name} on {pg_cluster.socket} is up to date;"
            " nothing to do.\n"
        )
        added = ok(CliRunner().invoke(app, ["--db", url, "server", "add-user", "dave", "--create"]))
        assert added.stdout.startswith("Created role dave and let it use dossier;")
        missing = CliRunner().invoke(app, ["--db", url, "server", "add-user", "nobody-here"])
        assert missing.exit_code == 1
        assert missing.stderr.startswith("Error: no PostgreSQL role 'nobody-here'; create it")
        empty = CliRunner().invoke(app, ["--db", url, "server", "add-user", "", "--create"])
        assert (empty.exit_code, empty.stderr) == (1, "Error: a role name must not be empty\n")
        # A role's name that needs quoting is said so that the command can be pasted.
        odd = ok(CliRunner().invoke(app, ["--db", url, "server", "add-user", "Bad Name",
                                          "--create"]))  # fmt: skip
        assert odd.stdout.endswith(": dossier access grant CASE 'Bad Name'\n")
        # Only the database owner lets roles in: said as such, not as the server's refusal
        # with a hint to run what was being run.
        dave_url = url_for(pg_cluster.url, name, "dave")
        for args in (("carol-x", "--create"), ("Bad Name",)):
            refused = CliRunner().invoke(app, ["--db", dave_url, "server", "add-user", *args])
            assert refused.exit_code == 1
            assert refused.stderr.startswith(
                "Error: only the database owner lets a role in (or a role that may create"
                " roles, for --create): the server refused: "
            ), refused.stderr
        # A new user's find: a dossier user's init said to run 'server add-user'.
        dave = url_for(pg_cluster.url, name, "dave")
        refused = CliRunner().invoke(app, ["--db", dave, "server", "init"])
        assert (refused.exit_code, refused.stderr) == (1, (
            f"Error: dave does not own the dossier schema of database {name}: its owner"
            " (postgres) runs 'dossier server init', which creates and upgrades the dossier"
            " schema\n"
        ))  # fmt: skip
        # Nor does a database's first init go past a role that may not create the schema.
        with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}_new".encode())
        first = CliRunner().invoke(app, ["--db", dave.replace(name, f"{name}_new"), "server",
                                         "init"])  # fmt: skip
        assert (first.exit_code, first.stderr) == (1, (
            f"Error: dave may not create a schema in database {name}_new: its owner (postgres)"
            " runs 'dossier server init', which creates and upgrades the dossier schema\n"
        ))  # fmt: skip
    finally:
        with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())
            admin.execute(f"DROP DATABASE IF EXISTS {name}_new WITH (FORCE)".encode())
            admin.execute("DROP ROLE IF EXISTS dave")


def test_a_database_without_the_schema_says_who_must_run_init(team: Team) -> None:
    team.sql("DROP SCHEMA dossier CASCADE")
    result = team.run("alice", "case", "list")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: database {team.name} on {team.url().split('host=')[1]} has no dossier schema;"
        f" its owner runs 'dossier server init --db {team.url().replace('alice@', '')}'"
        " first\n"
    )


def test_access_on_a_database_without_the_schema_or_with_an_old_one_says_so(
    team: Team,
) -> None:
    """A reviewer's find: `access list|grant|revoke` on a database where 'server init'
    never ran said "the server refused (UndefinedTable …)"; they say what the record
    commands say."""
    from dossier.server import schema

    init = f"'dossier server init --db {team.url().replace('alice@', '')}'"
    there = where_of(team.url())
    commands = (["access", "list"], ["access", "grant", "x", "bob"],
                ["access", "revoke", "x", "bob"])  # fmt: skip
    latest = schema.MIGRATIONS[-1][0]
    team.sql("DELETE FROM dossier.migrations WHERE version = %s", latest)
    for args in commands:
        result = team.run("alice", *args)
        assert (result.exit_code, result.stderr) == (1, (
            f"Error: {there} has dossier schema version {latest - 1}, older than this"
            f" dossier's {latest}; its owner runs {init} to upgrade it\n"
        )), args  # fmt: skip
    team.sql("DROP SCHEMA dossier CASCADE")
    for args in commands:
        result = team.run("alice", *args)
        assert (result.exit_code, result.stderr) == (
            1, f"Error: {there} has no dossier schema; its owner runs {init} first\n"
        ), args  # fmt: skip


def test_file_only_commands_refuse_a_server_in_one_line(team: Team) -> None:
    for args in (["encrypt"], ["decrypt", "-o", "x.json"], ["backup", "-o", "x"], ["unlock"],
                 ["passphrase", "change"]):  # fmt: skip
        result = team.run("alice", *args)
        assert result.exit_code == 1, args
        name = " ".join(a for a in args if not a.startswith("-") and a not in ("x", "x.json"))
        assert result.stderr == (
            f"Error: '{name}' works on a dossier file, not on a server ({team.url()})\n"
        )


def test_a_password_in_the_url_is_never_shown(team: Team, tmp_path: Path) -> None:
    url = f"postgresql://alice:s3cret-pw@/{team.name}?host={tmp_path}"  # no server there
    result = CliRunner().invoke(app, ["--db", url, "case", "list"])
    assert result.exit_code == 1
    assert "s3cret" not in result.output
    assert result.stderr.startswith(f"Error: cannot connect to database {team.name} on {tmp_path}")


SPLIT = (
    "Error: the server URL's user or password holds '/' or '@': percent-encode them (%2F,"
    " %40), or give the password in ~/.pgpass or PGPASSWORD\n"
)


@pytest.mark.parametrize("args", [["case", "list"], ["case", "add", "x", "--title", "X"],
                                  ["encrypt"], ["server", "init"]])  # fmt: skip
@pytest.mark.parametrize("url", ["postgresql://pw:Hunt/er2Secret@/defence?host=/sock",
                                 "postgresql://pw:Hunt@er2Secret@localhost/defence"])  # fmt: skip
def test_a_url_whose_password_libpq_would_split_is_refused_before_connecting(
    url: str, args: list[str]
) -> None:
    """A reviewer's find: libpq ends the password at its first '/' or '@' and reads the
    rest as port, host or database, which the refusal printed ("cannot connect to
    database er2Secret@/defence on /sock:Hunt")."""
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", SPLIT)


def test_the_parsed_host_port_and_database_never_show_a_piece_of_the_password() -> None:
    """Where libpq reads a password with a '?' ahead of its '/' as the host, what names
    the database in a message leaves them out."""
    url = "postgresql://u:abc?host=xxxx/yyyy@h/db"
    assert where_of(url) == "database (the default) on (not shown):(not shown)"


@pytest.mark.parametrize(
    ("db", "problem"),
    [
        ("postgresq://pw:Hunter2Secret@/defence?host=/sock", "unknown URL scheme 'postgresq'"),
        (
            "POSTGRESQL://pw:Hunter2Secret@/defence",
            "the URL scheme 'POSTGRESQL' is not in lowercase",
        ),
        ("postgres:/pw:Hunter2Secret@/defence", "'postgres:' without '//'"),
        ("mysql://pw:Hunter2Secret@db/defence", "unknown URL scheme 'mysql'"),
    ],
)
def test_a_mistyped_url_is_refused_and_not_taken_for_a_file(
    db: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's find: a URL with a mistyped scheme was taken for a file's path and
    printed whole, password and all ("no dossier at postgresq://pw:Hunter2Secret@…")."""
    said = " (a file is a path)\n"
    for args, named in (
        (["--db", db, "case", "list"], "--db"),
        (["--db", db, "case", "add", "x", "--title", "X"], "--db"),
        (["--db", db, "encrypt"], "--db"),
        (["--db", db, "server", "init"], "--db"),
        (["server", "init", "--db", db], "--db"),
        (["copy", str(tmp_path / "f.json"), db], "DST"),
        (["copy", db, str(tmp_path / "f.json")], "SRC"),
    ):
        result = CliRunner().invoke(app, args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
            f"Error: {problem} in {named}; a server URL starts with postgresql://{said}"
        )), args  # fmt: skip
    monkeypatch.setenv("DOSSIER_DB", db)
    result = CliRunner().invoke(app, ["case", "list"])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {problem} in $DOSSIER_DB; a server URL starts with postgresql://{said}"
    )  # fmt: skip
    assert not list(tmp_path.iterdir())  # and no file made by that name


def test_a_role_not_let_in_is_told_so(team: Team) -> None:
    result = team.run("carol", "case", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the server refused: permission denied for")
    assert "dossier server add-user" in result.stderr


def test_access_revoked_while_a_command_runs_is_not_said_as_a_role_left_out(
    team: Team,
) -> None:
    """A user's find: an import whose access was revoked while it ran was told to have
    the database owner run 'server add-user', which would change nothing."""
    from dossier import ops
    from dossier.errors import DatabaseError
    from dossier.model import Event
    from dossier.store.server import ServerDossier

    ok(team.run("alice", "case", "add", "x", "--title", "X"))
    ok(team.run("alice", "access", "grant", "x", "bob"))
    with (
        pytest.raises(DatabaseError) as raised,
        ServerDossier.edit(team.url("bob"), "log", Scope(cases=["x"])) as d,
    ):
        ops.add_event(d, Event(id="", case="x", type="statement", date="2010"))
        team.sql("DELETE FROM dossier.members WHERE case_id = 'x' AND role = 'bob'")
    assert str(raised.value) == (
        'the server refused: new row violates row-level security policy for table "events";'
        " nothing of this command was written (your access to a case it writes may have"
        " changed while it ran: see 'dossier access list')"
    )
    assert team.sql("SELECT count(*) FROM dossier.events") == [(0,)]


# Who sees what ------------------------------------------------------------------------


def test_a_member_sees_their_cases_only_and_read_only_means_read_only(
    sample: Team, tmp_path: Path
) -> None:
    alice = json.loads(ok(sample.run("alice", "case", "list", "--json")).stdout)
    assert sorted(c["id"] for c in alice) == ["aleksanyan", "khodorkovsky", "kudoyarov"]
    assert json.loads(ok(sample.run("bob", "case", "list", "--json")).stdout) == []
    assert json.loads(ok(sample.run("bob", "person", "list", "--json")).stdout) == []
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob", "--read-only"))
    seen = json.loads(ok(sample.run("bob", "case", "list", "--json")).stdout)
    assert [c["id"] for c in seen] == ["aleksanyan"]
    # The persons bob now sees: a role in that case, or named by one of its events.
    persons = json.loads(ok(sample.run("bob", "person", "list", "--json")).stdout)
    everyone = json.loads(ok(sample.run("alice", "person", "list", "--json")).stdout)
    events = json.loads(ok(sample.run("alice", "event", "list", "--case", "aleksanyan",
                                      "--json")).stdout)  # fmt: skip
    named = {p for e in events for p in e["persons"]}
    assert {p["id"] for p in persons} == {
        p["id"] for p in everyone
        if p["id"] in named or any(r["case"] == "aleksanyan" for r in p["roles"])
    }  # fmt: skip
    assert len(persons) < len(everyone)
    before = counts(sample)
    rows = tmp_path / "rows.csv"
    rows.write_text("case,date,type\naleksanyan,2011-01-01,statement\n")
    for args in (("log", "aleksanyan", "statement", "2011-01-01"),
                 ("case", "edit", "aleksanyan", "--status", "open"),
                 # Not first told to pass --cascade, which is refused too.
                 ("case", "remove", "aleksanyan", "--yes"),
                 # A user's find: the dry run said "added 1" and exit 0.
                 ("import", str(rows)), ("import", str(rows), "--dry-run")):  # fmt: skip
        refused = sample.run("bob", *args)
        assert refused.exit_code == 1, args
        assert refused.stderr == "Error: read-only access to case aleksanyan\n", args
    assert counts(sample) == before
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    ok(sample.run("bob", "log", "aleksanyan", "statement", "2011-01-01"))
    history = json.loads(ok(sample.run("alice", "history", "--json", "-n", "1")).stdout)
    assert (history[0]["case"], history[0]["role"]) == ("aleksanyan", "bob")
    ok(sample.run("alice", "access", "revoke", "aleksanyan", "bob"))
    assert json.loads(ok(sample.run("bob", "case", "list", "--json")).stdout) == []


def test_a_dry_run_refuses_a_person_of_a_case_one_may_not_change(
    sample: Team, tmp_path: Path
) -> None:
    """A review's find: a dry run of an edit of a person who also has a role in a case
    the caller cannot see said "updated 1"; the import was refused by the persons'
    policy. Both say the same now."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    ok(sample.run("alice", "case", "add", "witness-maria", "--title", "Secret"))
    ok(sample.run("alice", "person", "link", "andrei-kudoyarov", "witness-maria", "--role",
                  "witness"))  # fmt: skip
    rows = tmp_path / "persons.csv"
    rows.write_text("id,name,notes\nandrei-kudoyarov,Andrei Kudoyarov,new note\n")
    before = counts(sample)
    for dry in ((), ("--dry-run",)):
        refused = sample.run("bob", "import", str(rows), *dry)
        assert (refused.exit_code, refused.stderr) == (1, (
            "Error: person andrei-kudoyarov is in a case you may not change: changing a"
            " person takes every case they have a role in, and removing them every case that"
            " names them\n"
        )), dry  # fmt: skip
    assert counts(sample) == before


def test_a_dry_run_refuses_an_event_id_taken_by_a_record_one_cannot_see(
    sample: Team, tmp_path: Path
) -> None:
    """A second review's find: the dry run said "added 1" for an event id that an event
    of a case bob cannot see has; the import is refused, saying only that it is taken."""
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    hidden = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01")).stdout.strip()
    rows = tmp_path / "events.csv"
    rows.write_text(f"id,case,date,type\n{hidden},aleksanyan,2011-06-02,hearing\n")
    for dry in ((), ("--dry-run",)):
        refused = sample.run("bob", "import", str(rows), *dry)
        assert (refused.exit_code, refused.stderr) == (1, (
            f"Error: event id {hidden} is already taken on the server; choose another (an id"
            " made by dossier: run the command again)\n"
        )), dry  # fmt: skip


def test_new_event_ids_avoid_those_of_cases_the_command_did_not_read(
    sample: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's find: an import reads only the cases it names, so the ids it drew
    for its rows avoided only theirs; one an event of another case had (seen or not)
    made it fail, "run the command again", and on a million events a 1,000-row import
    failed two times in three. The server is asked which drawn ids are taken, and those
    are drawn again. Here the first draw is made to hit a hidden case's event."""
    import dossier.store.records as records

    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    hidden = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01")).stdout.strip()
    real = records.new_event_ids
    draws: list[list[str]] = []

    def first_hits(count: int, *taken: Collection[str]) -> list[str]:
        drawn = real(count, *taken)
        if not draws:
            drawn = sorted([hidden, *drawn[1:]])
        draws.append(drawn)
        return drawn

    monkeypatch.setattr(records, "new_event_ids", first_hits)
    rows = tmp_path / "events.csv"
    rows.write_text(
        "case,date,type\naleksanyan,2011-06-02,hearing\naleksanyan,2011-06-03,hearing\n"
    )
    for dry in (("--dry-run",), ()):
        draws.clear()
        done = json.loads(ok(sample.run("bob", "import", str(rows), "--json", *dry)).stdout)
        assert done["added"]["events"] == 2, dry
        assert hidden in draws[0] and len(draws) == 2, dry  # drawn again: once
    ids = [e["id"] for e in json.loads(ok(sample.run("bob", "event", "list", "--case",
                                                     "aleksanyan", "--json")).stdout)]  # fmt: skip
    assert hidden not in ids
    draws.clear()
    logged = ok(sample.run("bob", "log", "aleksanyan", "hearing", "2011-06-04")).stdout.strip()
    assert logged != hidden and len(draws) == 2
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")


def test_an_undo_that_would_name_a_person_one_no_longer_sees_says_why(sample: Team) -> None:
    """A new user's find: bob took a witness (of a case he cannot see) off an event of
    his case; he saw her only through that event, so his undo said "no person
    'wit-ness'", as if she did not exist. The server does not let him name someone he
    cannot see; the refusal now says so, and who can put her back."""
    ok(sample.run("alice", "case", "add", "h", "--title", "H"))
    ok(sample.run("alice", "person", "add", "Wit Ness", "--case", "h", "--role", "witness"))
    event = ok(sample.run("alice", "log", "aleksanyan", "hearing", "2011-07", "-p",
                          "wit-ness")).stdout.strip()  # fmt: skip
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    ok(sample.run("bob", "event", "edit", event, "--remove-person", "wit-ness"))
    before = counts(sample)
    refused = sample.run("bob", "undo")
    assert refused.exit_code == 1
    assert refused.stderr.endswith(
        f" would bring back event {event} naming wit-ness, whom you no longer see (that"
        " change took away the link you saw them by); nothing was changed: a member of a case"
        " they have a role in can add them to the event again\n"
    ), refused.stderr
    assert counts(sample) == before
    ok(sample.run("alice", "event", "edit", event, "--add-person", "wit-ness"))
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK:")


def test_a_dry_run_refuses_a_case_id_taken_by_a_case_one_cannot_see(
    sample: Team, tmp_path: Path
) -> None:
    """A dry run with --create-missing said "added 1 case" for the id of a case bob
    cannot see; the import is refused, saying only that the id is taken."""
    rows = tmp_path / "events.csv"
    rows.write_text("case,date,type\nkudoyarov,2011-06-02,hearing\n")
    before = counts(sample)
    for dry in ((), ("--dry-run",)):
        refused = sample.run("bob", "import", str(rows), "--create-missing", *dry)
        assert (refused.exit_code, refused.stderr) == (1, (
            "Error: case id kudoyarov is already taken on the server, by a case you cannot"
            " see; choose another\n"
        )), dry  # fmt: skip
    assert counts(sample) == before
    # A free one is added, and said so by the dry run first.
    rows.write_text("case,date,type\nbobs-own,2011-06-02,hearing\n")
    dry_run = ok(sample.run("bob", "import", str(rows), "--create-missing", "--dry-run", "--json"))
    assert json.loads(dry_run.stdout)["added"]["cases"] == 1
    ok(sample.run("bob", "import", str(rows), "--create-missing"))
    assert ok(sample.run("bob", "case", "show", "bobs-own")).stdout


def test_a_dry_run_refuses_a_person_id_taken_by_a_person_one_cannot_see(
    sample: Team, tmp_path: Path
) -> None:
    """The dry run said "added 1 person" and the import then failed without naming the
    id; both now refuse it, saying only that the id is taken, as for a case."""
    rows = tmp_path / "persons.csv"
    rows.write_text("id,name\nmikhail-khodorkovsky,MBK\n")
    before = counts(sample)
    for dry in ((), ("--dry-run",)):
        refused = sample.run("bob", "import", str(rows), *dry)
        assert (refused.exit_code, refused.stderr) == (1, (
            "Error: person id mikhail-khodorkovsky is already taken on the server, by a"
            " person you cannot see; choose another\n"
        )), dry  # fmt: skip
    refused = sample.run("bob", "person", "add", "MBK", "--id", "mikhail-khodorkovsky")
    assert refused.exit_code == 1 and "by a person you cannot see" in refused.stderr
    assert counts(sample) == before
    rows.write_text("id,name\nmbk,MBK\n")
    ok(sample.run("bob", "import", str(rows)))


def test_a_case_one_cannot_see_is_a_case_that_does_not_exist(sample: Team) -> None:
    for args in (("timeline", "{case}"), ("case", "show", "{case}"), ("report", "{case}"),
                 ("log", "{case}", "arrest", "2001-01-01"), ("access", "list", "{case}"),
                 ("access", "grant", "{case}", "bob"), ("stats", "--case", "{case}")):  # fmt: skip
        hidden = sample.run("bob", *(a.format(case="kudoyarov") for a in args))
        missing = sample.run("bob", *(a.format(case="no-such-case") for a in args))
        assert hidden.exit_code == missing.exit_code == 1, args
        assert hidden.stderr.replace("kudoyarov", "X") == missing.stderr.replace(
            "no-such-case", "X"
        ), args
    # What a stranger can learn: that the id is taken, by trying to create it.
    taken = sample.run("bob", "case", "add", "kudoyarov", "--title", "Mine")
    assert (taken.exit_code, taken.stderr) == (
        1, "Error: case id kudoyarov is already taken on the server, by a case you cannot see;"
        " choose another\n"
    )  # fmt: skip


def test_access_list_and_its_json(sample: Team) -> None:
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob", "--read-only"))
    listed = json.loads(ok(sample.run("alice", "access", "list", "--json")).stdout)
    assert listed[:2] == [
        {"case": "aleksanyan", "role": "alice", "read_only": False, "owner": True},
        {"case": "aleksanyan", "role": "bob", "read_only": True, "owner": False},
    ]
    assert [m["case"] for m in listed] == ["aleksanyan", "aleksanyan", "khodorkovsky", "kudoyarov"]
    # bob manages nothing; the case he may read, he is told who manages; one he cannot
    # see does not exist to him.
    assert json.loads(ok(sample.run("bob", "access", "list", "--json")).stdout) == []
    refused = sample.run("bob", "access", "grant", "aleksanyan", "bob")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: only the owner of case aleksanyan (alice) or the database owner may change"
        " who has access to it\n"
    )  # fmt: skip
    hidden = sample.run("bob", "access", "grant", "kudoyarov", "bob")
    assert (hidden.exit_code, hidden.stderr) == (
        1, "Error: no case 'kudoyarov'; see 'dossier case list'\n"
    )  # fmt: skip
    # The owner's own access is whole, always: neither narrowed nor taken away.
    for args in (
        ("grant", "aleksanyan", "alice", "--read-only"),
        ("revoke", "aleksanyan", "alice"),
    ):
        own = sample.run("alice", "access", *args)
        assert (own.exit_code, own.stderr) == (
            1, "Error: alice owns case aleksanyan: an owner always sees and changes it, and"
            " that access cannot be granted or taken away\n"
        )  # fmt: skip
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2012-01-01"))
    unknown = sample.run("alice", "access", "grant", "aleksanyan", "nobody-here")
    assert unknown.exit_code == 1 and "no PostgreSQL role 'nobody-here'" in unknown.stderr
    # Quoted for psql: CREATE ROLE Bob would have made the role bob.
    upper = sample.run("alice", "access", "grant", "aleksanyan", "Bob")
    assert (upper.exit_code, upper.stderr) == (1, (
        "Error: no PostgreSQL role 'Bob'; the database owner creates it ('CREATE ROLE \"Bob\""
        " LOGIN') and lets it in ('dossier server add-user')\n"
    ))  # fmt: skip
    # A new user's finds: a revoke of a mistyped name said the role "had no access" and
    # exited 0; a grant to PUBLIC said to run 'CREATE ROLE PUBLIC LOGIN'.
    typo = sample.run("alice", "access", "revoke", "aleksanyan", "nobody-here")
    assert (typo.exit_code, typo.stderr) == (1, (
        "Error: no PostgreSQL role 'nobody-here'; check the name ('dossier access list' shows"
        " who has access)\n"
    ))  # fmt: skip
    nobody = sample.run("alice", "access", "revoke", "aleksanyan", "carol")  # real: had none
    assert nobody.exit_code == 0 and "carol had no access to case aleksanyan" in nobody.stdout
    for word in ("PUBLIC", "public"):
        everyone = sample.run("alice", "access", "grant", "aleksanyan", word)
        assert (everyone.exit_code, everyone.stderr) == (1, (
            f"Error: {word} stands for every role, not one a person connects as: access is"
            " given to each person's own role\n"
        )), word  # fmt: skip
    # A user's finds: a grant that reaches no one said it worked. The policies compare
    # the role a person connects as: a group's members get nothing from its grant, and
    # a role not let in cannot use dossier at all.
    for role, said in (
        ("dossier_users", "Error: dossier_users is a group role, not one a person connects as:"
         " access is given to each person's own role, and a grant to a group reaches none of"
         " its members\n"),
        ("carol", "Error: carol is not let into dossier on this database; the database owner"
         " runs 'dossier server add-user carol' first\n"),
    ):  # fmt: skip
        before = sample.sql("SELECT * FROM dossier.members ORDER BY 1, 2")
        refused = sample.run("alice", "access", "grant", "aleksanyan", role)
        assert (refused.exit_code, refused.stderr) == (1, said), role
        assert sample.sql("SELECT * FROM dossier.members ORDER BY 1, 2") == before
    # A member who may not manage a case is told who does, as by grant and revoke (it
    # said "no case", of a case bob sees).
    told = sample.run("bob", "access", "list", "aleksanyan")
    assert (told.exit_code, told.stderr) == (
        1, "Error: only the owner of case aleksanyan (alice) or the database owner may see who"
        " has access to it\n"
    )  # fmt: skip
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("`access list --json`") :][:800]
    for key in listed[0]:
        assert f'"{key}"' in section, key


# The same output as a file -------------------------------------------------------------


def same_records(team: Team, tmp_path: Path) -> str:
    """A dossier file of the sample, and the same records (ids, times) on `team`'s
    server, imported by alice from its export; returns the file's path."""
    db = str(tmp_path / "file.json")
    runner = CliRunner()
    ok(runner.invoke(app, ["--db", db, "import", *SAMPLE]))
    exported = tmp_path / "export.json"
    ok(runner.invoke(app, ["--db", db, "export", "-o", str(exported)]))
    ok(team.run("alice", "import", str(exported)))
    return db


def test_the_same_commands_print_the_same_on_a_file_and_on_a_server(
    team: Team, tmp_path: Path
) -> None:
    db = same_records(team, tmp_path)
    sample, runner = team, CliRunner()
    for args in (
        ("case", "list", "--json"), ("case", "show", "aleksanyan", "--json"),
        ("person", "list", "--json"), ("person", "show", "vasiliy-aleksanyan", "--json"),
        ("event", "list", "--case", "kudoyarov", "--json"),
        ("timeline", "aleksanyan", "--json", "--as-of", "2020-01-01"),
        ("timeline", "aleksanyan", "--as-of", "2020-01-01"),
        ("timeline", "--person", "mikhail-khodorkovskiy", "--as-of", "2020-01-01"),
        ("stats", "--json", "--as-of", "2020-01-01"),
        ("stats", "--per-person", "--as-of", "2020-01-01"),
        ("chart", "--as-of", "2020-01-01"),
        ("search", "Алексанян", "--json"),
    ):  # fmt: skip
        on_file = runner.invoke(app, ["--db", db, *args])
        on_server = sample.run("alice", *args)
        assert (on_server.exit_code, on_server.stdout) == (on_file.exit_code, on_file.stdout), args
    report_file = ok(runner.invoke(app, ["--db", db, "report", "aleksanyan", "--format", "md",
                                         "--as-of", "2020-01-01"])).stdout  # fmt: skip
    report_server = ok(sample.run("alice", "report", "aleksanyan", "--format", "md",
                                  "--as-of", "2020-01-01")).stdout  # fmt: skip
    cut = report_file.index("Made 20")
    assert report_server[:cut] == report_file[:cut]
    export_file = json.loads(ok(runner.invoke(app, ["--db", db, "export"])).stdout)
    export_server = json.loads(ok(sample.run("alice", "export")).stdout)
    export_file.pop("exported"), export_server.pop("exported")
    assert export_server == export_file


# A server sends `stats` only the events its figures read and counts the rest itself
# (a Tally): these dates reach before, across and after each as-of day, so that some
# counted groups lie wholly before it, some wholly after, and some both sides.
AS_OF = ("1950-01-01", "1999-06-15", "2012-02-29", None)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(records=dossiers())
def test_stats_are_the_same_on_a_server_that_counts_what_it_does_not_send(
    team: Team, tmp_path_factory: pytest.TempPathFactory,
    records: tuple[list[Any], list[Any], list[Any]],
) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("tally")
    db, exported = folder / "file.json", folder / "export.json"
    build(db, records)
    runner = CliRunner()
    ok(runner.invoke(app, ["--db", str(db), "export", "--include-confidential", "-o",
                           str(exported)]))  # fmt: skip
    # The same database for every example: emptied (history is append-only and stays;
    # a case made again starts a chain of its own).
    team.sql(
        "TRUNCATE dossier.cases, dossier.members, dossier.persons, dossier.person_cases,"
        " dossier.events, dossier.event_persons, dossier.unsettled"
    )
    ok(team.run("alice", "import", "--allow-future", str(exported)))
    cases, _persons, events = records
    tags = [tag for case in cases for tag in case.tags]
    # And as of each event's first day (when not after today): its group straddles it.
    days = sorted({stored(e.date).first_day.isoformat() for e in events} - {"9999-12-31"})
    for as_of in (*AS_OF, *(day for day in days[:1] if day <= today().isoformat())):
        for extra in ([], ["--case", cases[0].id], ["--tag", tags[0]] if tags else []):
            args = ["stats", "--json", *extra, *(["--as-of", as_of] if as_of else [])]
            on_file = runner.invoke(app, ["--db", str(db), *args])
            on_server = team.run("alice", *args)
            assert (on_server.exit_code, on_server.stdout, on_server.stderr) == (
                on_file.exit_code, on_file.stdout, on_file.stderr
            ), args  # fmt: skip


def test_a_stats_read_counts_on_the_server_what_no_figure_reads(team: Team, tmp_path: Path) -> None:
    import datetime

    from dossier.stats import READ
    from dossier.store.server import ServerDossier

    db = same_records(team, tmp_path)
    as_of = datetime.date(2004, 1, 1)
    read = ServerDossier.load(team.url(), read_types=READ, as_of=as_of)
    assert {r["type"] for r in read.events.raw.values()} <= READ
    tally = read.tally()
    assert tally is not None and tally.groups and tally.named
    assert {t for _c, t, _n, _l in tally.groups}.isdisjoint(READ)
    # Groups with events after the as-of day come with their days, for stats to decide.
    assert tally.days and all(latest > "2004-01-01" for (_c, _t, _n, latest) in tally.groups
                              if (_c, _t) in tally.days)  # fmt: skip
    args = ["stats", "--json", "--as-of", "2004-01-01"]
    on_server = json.loads(ok(team.run("alice", *args)).stdout)
    assert on_server == json.loads(ok(CliRunner().invoke(app, ["--db", db, *args])).stdout)
    assert on_server["later_events_left_out"] > 0
    assert ServerDossier.load(team.url()).tally() is None  # any other read: all events


def test_a_person_named_only_by_counted_events_counts_as_of_when_they_are_known(
    team: Team, tmp_path: Path
) -> None:
    db = str(tmp_path / "file.json")
    for where in (db, team.url()):
        run = lambda *a, where=where: CliRunner().invoke(app, ["--db", where, *a])  # noqa: E731
        ok(run("case", "add", "x", "--title", "X"))
        ok(run("person", "add", "Ivan Witness"))
        ok(run("log", "x", "hearing", "2015-03-01", "--person", "ivan-witness"))
        ok(run("log", "x", "arrest", "2010-01-05"))
    for as_of in ("2012-01-01", "2016-01-01"):
        args = ["stats", "--json", "--as-of", as_of]
        on_file = json.loads(ok(CliRunner().invoke(app, ["--db", db, *args])).stdout)
        on_server = json.loads(ok(team.run("alice", *args)).stdout)
        assert on_server == on_file
        assert on_server["persons"] == (0 if as_of == "2012-01-01" else 1)
        assert on_server["later_events_left_out"] == (1 if as_of == "2012-01-01" else 0)


def test_stats_on_a_server_whatever_its_datestyle_and_with_one_connection(
    team: Team, tmp_path: Path
) -> None:
    db = same_records(team, tmp_path)
    args = ["stats", "--json", "--as-of", "2004-01-01"]
    expected = ok(CliRunner().invoke(app, ["--db", db, *args])).stdout
    # Dates as text follow the session's DateStyle; dossier sets ISO on connect.
    team.sql(f"ALTER ROLE alice IN DATABASE {team.name} SET DateStyle = 'SQL, DMY'")
    assert ok(team.run("alice", *args)).stdout == expected
    # A role allowed one connection cannot have the server count beside the read: it
    # reads every event, as from a file, with the same figures.
    role = f"dora_{uuid.uuid4().hex[:8]}"
    team.sql(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1; GRANT dossier_users TO {role}")
    try:
        for case in ("aleksanyan", "khodorkovsky", "kudoyarov"):
            ok(team.run("alice", "access", "grant", case, role))
        result = team.run(role, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    finally:
        team.sql(f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_errors_are_the_same_too(team: Team, tmp_path: Path) -> None:
    db = same_records(team, tmp_path)
    sample, runner = team, CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text("case,date,type\naleksanyan,31.02.2009,arrest\nnope,2009,arrest\n")
    for args in (("log", "aleksanyan", "arrest", "2009-02-31"), ("timeline", "aleksanyn"),
                 ("event", "show", "zzzzzz"), ("import", str(bad)),
                 ("person", "show", "Nobody At All")):  # fmt: skip
        on_file = runner.invoke(app, ["--db", db, *args])
        on_server = sample.run("alice", *args)
        assert (on_server.exit_code, on_server.stderr) == (on_file.exit_code, on_file.stderr), args


# History and verification ---------------------------------------------------------------


def test_history_is_per_case_names_the_role_and_verify_resolves_a_report(sample: Team) -> None:
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2010-01-01"))
    history = json.loads(ok(sample.run("alice", "history", "--json", "-n", "0")).stdout)
    assert [(e["case"], e["seq"]) for e in history][-1] == ("kudoyarov", 2)
    assert {e["role"] for e in history} == {"alice"}
    verified = json.loads(ok(sample.run("alice", "verify", "--json")).stdout)
    assert verified["ok"] is True and verified["problems"] == []
    report = ok(sample.run("alice", "report", "kudoyarov")).stdout
    state = report.split("State hash (check with 'dossier verify --hash'):")[1].split()[0]
    found = json.loads(ok(sample.run("alice", "verify", "--hash", state, "--json")).stdout)
    assert found["found"] is True and found["current"] is True
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2010-02-01"))
    later = json.loads(ok(sample.run("alice", "verify", "--hash", state, "--json")).stdout)
    assert later["current"] is False and len(later["changes_since"]) == 1
    # A change to another case does not make a kudoyarov report out of date.
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2010-02-01"))
    again = json.loads(ok(sample.run("alice", "verify", "--hash", state, "--json")).stdout)
    assert len(again["changes_since"]) == 1


def test_only_a_small_command_keeps_the_new_form_of_what_it_wrote(
    team: Team, tmp_path: Path
) -> None:
    """As in a file, a command that wrote more than AFTER_LIMIT records keeps only their
    ids, however few each case's part of it: the tables hold the records already."""
    from dossier.history import AFTER_LIMIT

    rows = ["case,date,type,description"] + [
        f"c{n % 3},2010-01-{1 + n % 28:02d},statement,statement {n}" for n in range(AFTER_LIMIT + 2)
    ]
    events = tmp_path / "events.csv"
    events.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ok(team.run("alice", "import", "--create-missing", str(events)))
    kept = team.sql("SELECT case_id, entry ? 'after' FROM dossier.history ORDER BY case_id")
    assert kept == [("c0", False), ("c1", False), ("c2", False)]
    # The states of a big command, hashed while the server inserted its rows, are those
    # of the records written.
    ok(team.run("alice", "verify"))
    ok(team.run("alice", "log", "c1", "statement", "2011-01-01"))
    ok(team.run("alice", "log", "c1", "statement", "2011-01-02"))
    last = team.sql(
        "SELECT entry->'after'->'events' FROM dossier.history WHERE case_id = 'c1' ORDER BY seq"
    )
    assert len(last[-1][0]) == 1
    # Undo reverts the two logs, then the import (the cases it created too).
    ok(team.run("alice", "undo"))
    ok(team.run("alice", "undo"))
    ok(team.run("alice", "undo"))
    assert counts(team) == (0, 0, 0)


def test_an_edit_with_sql_is_found_by_verify_and_warned_of(sample: Team) -> None:
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        " '\"Elsewhere\"')::json"
        " WHERE id = (SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1)"
    )
    result = sample.run("alice", "verify")
    assert result.exit_code == 1
    assert "case kudoyarov: event" in result.stderr and "changed" in result.stderr
    timeline = ok(sample.run("alice", "timeline", "kudoyarov"))
    assert timeline.stderr.startswith(
        "Warning: case kudoyarov differs from the state its last history entry records;"
    )
    # History stays append-only, even for the database owner.
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sample.sql("DELETE FROM dossier.history")


def test_a_write_over_an_sql_edit_keeps_it_named_until_accepted(sample: Team) -> None:
    """As on a file: the next write does not take an SQL edit in as its own; verify
    names it, reads warn, until a writer of the case accepts it (by their role)."""
    event = sample.sql("SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1")[0][0]
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        " '\"Elsewhere\"')::json WHERE id = %s",
        event,
    )
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-01-01"))
    finding = (
        "case kudoyarov: history entry 2 ('log kudoyarov statement 2011-01-01') was written"
        f" over records edited by hand: event {event} changed: place after history entry 1"
    )
    verified = sample.run("alice", "verify")
    assert verified.exit_code == 1
    assert verified.stderr == f"Error: {finding}\n"
    assert ok(sample.run("bob", "timeline", "kudoyarov")).stderr.startswith(
        f"Warning: {finding}; figures shown are not verified"
    )
    refused = sample.run("bob", "verify", "--accept")
    assert (refused.exit_code, refused.stderr) == (1, "Error: read-only access to case kudoyarov\n")
    accepted = json.loads(ok(sample.run("alice", "verify", "--accept", "--json")).stdout)
    assert (accepted["by"], accepted["problems"]) == ("alice", [finding])
    assert accepted["changes"] == []  # the write recorded the records as they are
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK: ")
    assert ok(sample.run("bob", "timeline", "kudoyarov")).stderr == ""
    again = sample.run("alice", "verify", "--accept")
    assert again.exit_code == 1
    assert again.stderr.startswith("Error: nothing to accept")
    # An SQL edit accepted before any write over it: the change is named field by field.
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        " '\"Moscow\"')::json WHERE id = %s",
        event,
    )
    accepted = json.loads(ok(sample.run("alice", "verify", "--accept", "--json")).stdout)
    assert accepted["changes"] == [
        {"kind": "event", "id": event, "how": "changed", "fields": ["place"]}
    ]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK: ")


def test_accept_takes_the_cases_the_role_writes_and_leaves_the_others(sample: Team) -> None:
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    for case in ("aleksanyan", "kudoyarov"):
        sample.sql(
            "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
            " '\"Elsewhere\"')::json"
            f" WHERE id = (SELECT id FROM dossier.events WHERE case_id = '{case}' LIMIT 1)"
        )
    accepted = json.loads(ok(sample.run("bob", "verify", "--accept", "--json")).stdout)
    assert accepted["by"] == "bob"
    assert [p.split(":")[0] for p in accepted["problems"]] == ["case aleksanyan"]
    left = sample.run("bob", "verify")
    assert left.exit_code == 1
    assert left.stderr.startswith("Error: case kudoyarov: event ")
    ok(sample.run("alice", "verify", "--accept"))
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK: ")
    chains = sample.sql(
        "SELECT case_id, role FROM dossier.history WHERE entry ? 'accepted' ORDER BY seq, case_id"
    )
    assert sorted(chains) == [("aleksanyan", "bob"), ("kudoyarov", "alice")]


def test_an_sql_edit_cannot_clear_its_own_mark(sample: Team) -> None:
    """A writer who edits with SQL and calls settle in the same transaction leaves the
    mark: only a transaction that adds to the case's history (naming its role) clears
    it, so the next write through dossier keeps the edit named."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    event = sample.sql("SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1")[0][0]
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        f" '\"Elsewhere\"')::json WHERE id = '{event}';"
        " SELECT dossier.settle(ARRAY['kudoyarov'], ARRAY[]::xid8[])",
        role="bob",
    )
    assert sample.sql("SELECT case_id FROM dossier.unsettled") == [("kudoyarov",)]
    warned = ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-01-01")).stderr
    assert warned.startswith("Warning: case kudoyarov differs from the state its last")
    verified = sample.run("alice", "verify")
    assert verified.exit_code == 1
    assert f"was written over records edited by hand: event {event} changed: place" in (
        verified.stderr
    )


def test_a_case_goes_only_through_dossier_never_by_sql(sample: Team) -> None:
    """Its owner deleting a case with SQL (its events first) took its members, its marks
    and the sight of its history with it: verify passed, and nobody could tell. The
    server now refuses to delete a case row that no entry of the transaction removes."""
    import psycopg

    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only through dossier"):
        sample.sql(
            "DELETE FROM dossier.event_persons WHERE case_id = 'kudoyarov';"
            " DELETE FROM dossier.events WHERE case_id = 'kudoyarov';"
            " DELETE FROM dossier.cases WHERE id = 'kudoyarov'",
            role="alice",
        )
    assert ok(sample.run("bob", "case", "show", "kudoyarov", "--json"))
    # Through dossier, as before: a new case's creation undone, a case removed.
    ok(sample.run("alice", "case", "add", "brief", "--title", "Brief"))
    ok(sample.run("alice", "undo"))
    ok(sample.run("alice", "case", "remove", "kudoyarov", "--cascade", "--yes"))
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")
    assert {row[0] for row in sample.sql("SELECT id FROM dossier.cases")} == {
        "aleksanyan", "khodorkovsky"
    }  # fmt: skip


def test_an_sql_edit_of_the_servers_columns_is_named_and_undone_by_the_next_write(
    sample: Team,
) -> None:
    """The state hash covers the records, yet stats counts by the type and date columns,
    and the policies decide by the case column: an SQL edit of those changed the figures
    while verify passed. Now every read warns of it, verify names it, and the next write
    into the case keeps it named and writes the columns again from the records."""
    event = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2012-02-01", "--source", "x"))
    event_id = event.stdout.strip()
    linked = sample.sql("SELECT id FROM dossier.events e WHERE case_id = 'kudoyarov' AND"
                        " EXISTS (SELECT 1 FROM dossier.event_persons p WHERE p.event_id = e.id)"
                        " ORDER BY n LIMIT 1")[0][0]  # fmt: skip
    sample.sql(
        "UPDATE dossier.events SET type = 'appeal', date_first = '2031-01-01'"
        f" WHERE id = '{event_id}';"
        f" DELETE FROM dossier.event_persons WHERE event_id = '{linked}'",
        role="alice",
    )
    said = (
        f"case kudoyarov: event {event_id}: the server's type column says appeal, its record"
        " hearing (changed with SQL)"
    )
    stats = ok(sample.run("alice", "stats", "--json"))
    assert stats.stderr.startswith("Warning: case kudoyarov: event ")
    assert " (and 2 more findings); figures shown are not verified" in stats.stderr
    verified = sample.run("alice", "verify")
    assert verified.exit_code == 1 and said in verified.stderr
    assert f"event {linked}: the server's links to persons says [], its record" in verified.stderr
    # The next write keeps the finding in its entry and puts the columns right.
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2012-03-01"))
    assert sample.sql(
        f"SELECT type, date_first::text FROM dossier.events WHERE id = '{event_id}'"
    ) == [("hearing", "2012-02-01")]
    assert sample.sql(f"SELECT count(*) FROM dossier.event_persons WHERE event_id = '{linked}'")[0][
        0
    ]
    verified = sample.run("alice", "verify")
    assert verified.exit_code == 1
    assert "was written over records edited by hand: event" in verified.stderr
    ok(sample.run("alice", "verify", "--accept"))
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_verify_accept_writes_the_columns_again_from_the_records(sample: Team) -> None:
    event_id = sample.sql("SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1")[0][0]
    sample.sql(f"UPDATE dossier.events SET type = 'other' WHERE id = '{event_id}'", role="alice")
    accepted = json.loads(ok(sample.run("alice", "verify", "--accept", "--json")).stdout)
    assert any("type column says other" in p for p in accepted["problems"])
    assert sample.sql(
        f"SELECT type = record->>'type' FROM dossier.events WHERE id = '{event_id}'"
    ) == [(True,)]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_a_writer_edits_the_one_event_through_which_they_see_a_person(team: Team) -> None:
    """bob sees Pia only through the event that names her: an edit of that event
    deleted its links and wrote them again, and the policy refused them back, since
    without the link bob could no longer see Pia."""
    ok(team.run("alice", "case", "add", "s", "--title", "S"))
    ok(team.run("alice", "access", "grant", "s", "bob"))
    ok(team.run("alice", "person", "add", "Pia Witness"))
    event = ok(team.run("alice", "log", "s", "arrest", "2019-01-01", "--person", "pia-witness",
                        "--source", "x")).stdout.strip()  # fmt: skip
    ok(team.run("bob", "event", "edit", event, "--place", "Kyiv"))
    shown = json.loads(ok(team.run("bob", "event", "show", event, "--json")).stdout)
    assert (shown["place"], shown["persons"]) == ("Kyiv", ["pia-witness"])
    assert ok(team.run("bob", "verify")).stdout.startswith("OK")


def test_a_reader_naming_a_person_elsewhere_does_not_lock_their_case_out(team: Team) -> None:
    """bob, who may only read case k, named its defendant in an event of his own case:
    alice, k's owner, could then no longer change her own defendant (and learned that
    some case she cannot see names him). The cases of a person's roles decide."""
    ok(team.run("alice", "case", "add", "k", "--title", "K"))
    ok(team.run("alice", "person", "add", "Andrei K", "--case", "k", "--role", "defendant"))
    ok(team.run("alice", "access", "grant", "k", "bob", "--read-only"))
    ok(team.run("bob", "case", "add", "b", "--title", "B"))
    ok(team.run("bob", "log", "b", "statement", "2012-01-01", "--person", "andrei-k"))
    ok(team.run("alice", "person", "edit", "andrei-k", "--born", "1960"))
    shown = json.loads(ok(team.run("bob", "person", "show", "andrei-k", "--json")).stdout)
    assert shown["born"] == "1960"
    refused = team.run("bob", "person", "edit", "andrei-k", "--born", "1961")
    assert (refused.exit_code, refused.stderr) == (1, "Error: read-only access to case k\n")
    # Removing him would leave bob's event naming no one: that still needs every case.
    removal = team.run("alice", "person", "remove", "andrei-k", "--yes")
    assert removal.exit_code == 1
    for role in ("alice", "bob"):
        assert ok(team.run(role, "verify")).stdout.startswith("OK")


def test_a_reader_cannot_give_a_person_without_roles_a_role_to_change_them(team: Team) -> None:
    """The review's reproduction: a witness named only by an event of case x, no role.
    bob, who may only read x, gave her a role in his own case, changed her by it, and
    took the role away; x's verify saw nothing. A first role is given only by whoever may
    change the person as they are."""
    import psycopg

    ok(team.run("alice", "case", "add", "x", "--title", "X"))
    ok(team.run("alice", "person", "add", "Secret Witness", "--confidential"))
    ok(team.run("alice", "log", "x", "arrest", "2020-01-01", "-p", "secret-witness"))
    ok(team.run("alice", "access", "grant", "x", "bob", "--read-only"))
    ok(team.run("bob", "case", "add", "m", "--title", "M"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        team.sql("INSERT INTO dossier.person_cases (person_id, case_id, role)"
                 " VALUES ('secret-witness', 'm', 'witness')", role="bob")  # fmt: skip
    linked = team.run("bob", "person", "link", "secret-witness", "m", "--role", "witness")
    assert linked.exit_code == 1
    # Persons bob creates get their first roles in one statement, checked as one set
    # (schema 6); the set does not carry her in with them.
    fresh = (
        "INSERT INTO dossier.persons (id, record) VALUES ('new-one', '{\"roles\": []}');"
        " INSERT INTO dossier.person_cases (person_id, case_id, role)"
        " VALUES ('new-one', 'm', 'witness')MORE"
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        team.sql(fresh.replace("MORE", ", ('secret-witness', 'm', 'witness')"), role="bob")
    team.sql(fresh.replace("MORE", ""), role="bob")
    assert team.sql("SELECT person_id FROM dossier.person_cases WHERE case_id = 'm'") == [
        ("new-one",)
    ]
    # alice, who may change her, gives her a first role as before.
    ok(team.run("alice", "person", "link", "secret-witness", "x", "--role", "witness"))


def test_a_reader_cannot_give_a_witness_with_a_role_another_one(team: Team) -> None:
    """A second review's reproduction: alice, who may only read bob's case, gave his
    witness a role in a case of her own with SQL; bob could no longer change or remove
    his own witness, and alice kept her after her access was revoked. A role is given
    by who may change the person (schema 7)."""
    import psycopg

    ok(team.run("bob", "case", "add", "wit-b", "--title", "B"))
    ok(team.run("bob", "person", "add", "Ivan Witness", "--case", "wit-b", "--role", "witness"))
    ok(team.run("bob", "access", "grant", "wit-b", "alice", "--read-only"))
    ok(team.run("alice", "case", "add", "alpha", "--title", "A"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        team.sql("INSERT INTO dossier.person_cases (person_id, case_id, role)"
                 " VALUES ('ivan-witness', 'alpha', 'witness')", role="alice")  # fmt: skip
    ok(team.run("bob", "person", "edit", "ivan-witness", "--notes", "still his"))
    ok(team.run("bob", "access", "revoke", "wit-b", "alice"))
    hidden = team.run("alice", "person", "show", "ivan-witness")
    assert (hidden.exit_code, hidden.stderr) == (
        1,
        "Error: no person 'ivan-witness'; see 'dossier person list'\n",
    )


def test_a_confidential_person_is_named_elsewhere_only_by_who_may_change_them(
    team: Team, tmp_path: Path
) -> None:
    """An adversary's find: alice, who may only read bob's case, named his protected
    witness in an event of a case of her own. Every member of her case read the witness's
    record, alice kept seeing her after bob revoked her access, and bob could no longer
    remove his own witness. A confidential person is named in another case only by one
    who may change them, or where they already are (schema 11); anyone else is named as
    before."""
    import psycopg

    ok(team.run("bob", "case", "add", "wit-b", "--title", "B"))
    ok(team.run("bob", "case", "add", "other-b", "--title", "B2"))
    ok(team.run("bob", "person", "add", "Ivan Witness", "--confidential", "--case", "wit-b",
                "--role", "witness"))  # fmt: skip
    ok(team.run("bob", "person", "add", "Petr Judge", "--case", "wit-b", "--role", "judge"))
    ok(team.run("bob", "access", "grant", "wit-b", "alice", "--read-only"))
    ok(team.run("alice", "case", "add", "alpha", "--title", "A"))
    before = team.sql("SELECT count(*) FROM dossier.events")
    said = (
        "Error: person ivan-witness is confidential and not in case alpha: only one who may"
        " change them (a writer of every case they are in) names them there; nothing was"
        " changed\n"
    )
    refused = team.run("alice", "log", "alpha", "hearing", "2020-01-01", "-p", "Ivan Witness")
    assert (refused.exit_code, refused.stderr) == (1, said)
    # An import says it the same way, and so does its dry run, which had said it would
    # import the row.
    rows = tmp_path / "e.csv"
    rows.write_text("case,date,type,person,source\nalpha,2020-01-05,hearing,Ivan Witness,x\n")
    for dry in ([], ["--dry-run"]):
        refused = team.run("alice", "import", str(rows), *dry)
        assert (refused.exit_code, refused.stderr) == (1, said), dry
    assert team.sql("SELECT count(*) FROM dossier.events") == before
    # The judge, not confidential, is named as before.
    judged = ok(team.run("alice", "log", "alpha", "hearing", "2020-01-02", "-p", "petr-judge"))
    other = ok(team.run("alice", "log", "alpha", "hearing", "2020-01-03")).stdout.strip()
    # Nor past dossier, with SQL: a link added, or one changed in place in the same
    # statement (each of the two triggers of an upsert took the other's link for one
    # that was there already).
    for query in (
        "INSERT INTO dossier.event_persons VALUES (%(e)s, 'ivan-witness', 'alpha')",
        "INSERT INTO dossier.event_persons VALUES (%(e)s, 'petr-judge', 'alpha'),"
        " (%(o)s, 'ivan-witness', 'alpha') ON CONFLICT (event_id, person_id)"
        " DO UPDATE SET person_id = 'ivan-witness'",
        "UPDATE dossier.event_persons SET person_id = 'ivan-witness' WHERE event_id = %(e)s",
    ):
        with (
            pytest.raises(psycopg.DatabaseError, match="is confidential") as raised,
            psycopg.connect(team.url("alice"), autocommit=True) as conn,
        ):
            conn.execute(query, {"e": judged.stdout.strip(), "o": other})
        assert raised.value.sqlstate == "ZD001", query
    # bob writes every case of his witness: he names her in his other case; once she is
    # there, its writers name her in its other events too.
    ok(team.run("bob", "log", "other-b", "hearing", "2020-01-03", "-p", "ivan-witness"))
    ok(team.run("bob", "access", "grant", "other-b", "alice"))
    ok(team.run("alice", "log", "other-b", "statement", "2020-01-04", "-p", "ivan-witness"))
    # Once her access is revoked, alice no longer sees her, and bob, whose witness she
    # is, still removes her.
    ok(team.run("bob", "access", "revoke", "other-b", "alice"))
    ok(team.run("bob", "access", "revoke", "wit-b", "alice"))
    gone = team.run("alice", "person", "show", "ivan-witness")
    assert (gone.exit_code, gone.stderr) == (
        1,
        "Error: no person 'ivan-witness'; see 'dossier person list'\n",
    )
    ok(team.run("bob", "person", "remove", "ivan-witness", "--cascade", "--yes"))
    for role in ("alice", "bob"):
        assert ok(team.run(role, "verify")).stdout.startswith("OK")


def test_a_person_named_elsewhere_is_made_confidential_only_by_who_writes_those_cases(
    team: Team, tmp_path: Path
) -> None:
    """The same adversary's second find: a person alice had named in her own case, when
    bob made them confidential (an edit, or a merge that brought his protected witness's
    record into theirs), showed the witness's aliases and notes to every member of
    alice's case, and bob could no longer remove them."""
    ok(team.run("bob", "case", "add", "wit-b", "--title", "B"))
    ok(team.run("bob", "person", "add", "Ivan Witness", "--confidential", "--case", "wit-b",
                "--role", "witness", "--notes", "lives at Lenina 5"))  # fmt: skip
    ok(team.run("bob", "person", "add", "Xenia Petrova", "--case", "wit-b", "--role", "witness"))
    ok(team.run("bob", "access", "grant", "wit-b", "alice", "--read-only"))
    ok(team.run("alice", "case", "add", "alpha", "--title", "A"))
    ok(team.run("alice", "log", "alpha", "statement", "2020-02-02", "-p", "xenia-petrova"))
    said = (
        "Error: person xenia-petrova is named in a case you may not change: making them"
        " confidential takes every case that names them; nothing was changed\n"
    )
    rows = tmp_path / "p.csv"
    rows.write_text("id,name,confidential\nxenia-petrova,Xenia Petrova,yes\n")
    for args in (
        ("person", "edit", "xenia-petrova", "--confidential"),
        ("person", "merge", "xenia-petrova", "ivan-witness", "--yes"),
        ("import", str(rows)),
        ("import", str(rows), "--dry-run"),  # says it as the import would
    ):
        refused = team.run("bob", *args)
        assert (refused.exit_code, refused.stderr) == (1, said), args
    # Another change to her is bob's to make, and his dry run says so: it had asked
    # whether he writes every case that names her, as for a removal.
    rows.write_text("id,name,notes\nxenia-petrova,Xenia Petrova,moved to Tver\n")
    for dry in (["--dry-run"], []):
        ok(team.run("bob", "import", str(rows), *dry))
    shown = json.loads(ok(team.run("alice", "person", "show", "xenia-petrova", "--json")).stdout)
    assert (shown["confidential"], shown["notes"], shown["aliases"]) == (
        False,
        "moved to Tver",
        [],
    )
    assert ok(team.run("bob", "person", "show", "ivan-witness")).exit_code == 0
    # Once alice's case no longer names her, bob makes her confidential.
    ok(team.run("alice", "case", "remove", "alpha", "--cascade", "--yes"))
    ok(team.run("bob", "person", "edit", "xenia-petrova", "--confidential"))


def test_a_person_made_confidential_waits_for_a_link_being_written_to_them(
    team: Team, tmp_path: Path
) -> None:
    """A third review's find: while alice's link to bob's witness was not yet committed,
    bob made the witness confidential (a big import, which locks no person first): his
    check did not see the link, and she was named in alice's case once both committed.
    Making a person confidential now waits for a link being written to them."""
    import threading

    import psycopg

    ok(team.run("bob", "case", "add", "wit-b", "--title", "B"))
    ok(team.run("bob", "person", "add", "Paula Witness", "--case", "wit-b", "--role", "witness"))
    ok(team.run("bob", "access", "grant", "wit-b", "alice", "--read-only"))
    ok(team.run("alice", "case", "add", "alpha", "--title", "A"))
    event = ok(team.run("alice", "log", "alpha", "hearing", "2020-01-01")).stdout.strip()
    outcome: dict[str, Any] = {}

    def make_her_confidential() -> None:
        try:
            with psycopg.connect(team.url("bob"), autocommit=True) as conn:
                conn.execute(
                    "UPDATE dossier.persons SET record = jsonb_set(record::jsonb,"
                    " '{confidential}', 'true')::json WHERE id = 'paula-witness'"
                )
        except psycopg.Error as exc:
            outcome["error"] = exc

    with psycopg.connect(team.url("alice")) as alice:
        alice.execute(
            "INSERT INTO dossier.event_persons VALUES (%s, 'paula-witness', 'alpha')", (event,)
        )
        bob = threading.Thread(target=make_her_confidential)
        bob.start()
        _waits_for_a_lock(team, "bob")
        alice.commit()
    bob.join(30)
    assert outcome["error"].sqlstate == "ZD001", outcome
    assert team.sql("SELECT confidential FROM dossier.persons WHERE id = 'paula-witness'") == [
        (False,)
    ]
    # A person this command creates is the role's to name in its own cases: the dry run
    # had refused what the import does.
    persons, events = tmp_path / "p.csv", tmp_path / "e.csv"
    persons.write_text("id,name,confidential\nzara,Zara Secret,yes\n")
    events.write_text("case,date,type,person,source\nalpha,2020-02-01,hearing,zara,x\n")
    for dry in (["--dry-run"], []):
        ok(team.run("alice", "import", str(persons), str(events), *dry))


def test_a_person_linked_to_nothing_stays_with_whoever_unlinked_them(team: Team) -> None:
    """A person in no case is seen by one role: the creator, until now, so that a creator
    whose access was revoked read the person again, with every later change, once the
    case's owner removed the case, and the owner lost them. The remover keeps them; and a
    person events name cannot be deleted with SQL, which left links to a missing id that
    reached whoever created a person with that id next (schema 7)."""
    import psycopg

    ok(team.run("bob", "case", "add", "shared", "--title", "S"))
    ok(team.run("bob", "access", "grant", "shared", "alice"))
    ok(team.run("alice", "person", "add", "Pavel Creator", "--case", "shared", "--role", "witness"))
    ok(team.run("bob", "access", "revoke", "shared", "alice"))
    ok(team.run("bob", "person", "edit", "pavel-creator", "--notes", "safehouse at X"))
    ok(team.run("bob", "case", "remove", "shared", "--cascade", "--yes"))
    assert (
        json.loads(ok(team.run("bob", "person", "show", "pavel-creator", "--json")).stdout)["notes"]
        == "safehouse at X"
    )
    gone = team.run("alice", "person", "show", "pavel-creator")
    assert (gone.exit_code, gone.stderr) == (
        1,
        "Error: no person 'pavel-creator'; see 'dossier person list'\n",
    )
    ok(team.run("alice", "case", "add", "alpha", "--title", "A"))
    ok(team.run("alice", "person", "add", "Olga Hidden"))
    ok(team.run("alice", "log", "alpha", "hearing", "2020-02-02", "-p", "olga-hidden"))
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="olga-hidden is named by"):
        team.sql("DELETE FROM dossier.persons WHERE id = 'olga-hidden'", role="alice")
    for role in ("alice", "bob"):
        assert ok(team.run(role, "verify")).stdout.startswith("OK")


def _waits_for_a_lock(team: Team, role: str) -> None:
    """Until a connection of `role` waits for a lock (30 s at most)."""
    deadline = time.monotonic() + 30
    while not team.sql(
        "SELECT 1 FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'", role
    ):
        assert time.monotonic() < deadline, f"{role} never waited"
        time.sleep(0.05)


def test_two_commands_that_take_a_persons_last_links_side_by_side_keep_them(
    team: Team,
) -> None:
    """A review's find: two transactions that each took one of a person's last two links
    (in two cases, which dossier writes side by side) each saw the other's link as still
    there, and neither kept the person, who went back to their creator. The second now
    waits for the first, then sees what it committed."""
    import threading

    import psycopg

    for case in ("shared", "other"):
        ok(team.run("alice", "case", "add", case, "--title", case))
        ok(team.run("alice", "access", "grant", case, "bob"))
    ok(team.run("alice", "person", "add", "Pavel One"))
    events = [
        ok(
            team.run("alice", "log", case, "hearing", "2020-01-01", "-p", "pavel-one")
        ).stdout.strip()
        for case in ("shared", "other")
    ]
    ok(team.run("alice", "access", "revoke", "shared", "bob"))  # bob keeps writing other
    ok(team.run("alice", "access", "grant", "shared", "bob"))
    with psycopg.connect(team.url("bob")) as first, psycopg.connect(team.url("bob")) as second:
        first.execute("DELETE FROM dossier.events WHERE id = %s", (events[0],))
        taking = threading.Thread(
            target=lambda: (
                second.execute("DELETE FROM dossier.events WHERE id = %s", (events[1],)),
                second.commit(),
            )
        )
        taking.start()
        _waits_for_a_lock(team, "bob")
        first.commit()
        taking.join(30)
    assert team.sql("SELECT id, created_by FROM dossier.persons") == [("pavel-one", "bob")]
    assert team.sql("SELECT id FROM dossier.persons", role="alice") == []


def test_a_link_pointed_at_someone_else_with_sql_leaves_its_person_to_the_pointer(
    team: Team,
) -> None:
    ok(team.run("alice", "case", "add", "a", "--title", "A"))
    ok(team.run("alice", "access", "grant", "a", "bob"))
    ok(team.run("alice", "person", "add", "Pavel One"))
    ok(team.run("alice", "log", "a", "hearing", "2020-01-01", "-p", "pavel-one"))
    ok(team.run("bob", "person", "add", "Pavel Two"))
    team.sql("UPDATE dossier.event_persons SET person_id = 'pavel-two'", role="bob")
    assert team.sql("SELECT id, created_by FROM dossier.persons ORDER BY id") == [
        ("pavel-one", "bob"),
        ("pavel-two", "bob"),
    ]


def test_a_person_removed_while_an_event_names_them_elsewhere_is_not_left_named(
    team: Team,
) -> None:
    """A review's find: alice removed her witness while bob, who reads her case, named
    the witness in an event of his own; each saw no reason to stop, and both committed,
    leaving a link to no one. A link now locks the person it names, as a key would."""
    import threading

    import psycopg

    ok(team.run("alice", "case", "add", "shared", "--title", "S"))
    ok(team.run("alice", "access", "grant", "shared", "bob", "--read-only"))
    ok(team.run("bob", "case", "add", "bobs", "--title", "B"))
    ok(team.run("alice", "person", "add", "Vera Witness", "--case", "shared", "--role", "witness"))
    event = ok(team.run("bob", "log", "bobs", "hearing", "2020-01-01")).stdout.strip()
    refused: list[BaseException] = []

    def link() -> None:
        try:
            linking.execute(
                "INSERT INTO dossier.event_persons (event_id, person_id, case_id)"
                " VALUES (%s, 'vera-witness', 'bobs')",
                (event,),
            )
            linking.commit()
        except psycopg.Error as error:
            refused.append(error)

    with (
        psycopg.connect(team.url("alice")) as removing,
        psycopg.connect(team.url("bob")) as linking,
    ):
        removing.execute("DELETE FROM dossier.persons WHERE id = 'vera-witness'")
        thread = threading.Thread(target=link)
        thread.start()
        _waits_for_a_lock(team, "bob")
        removing.commit()
        thread.join(30)
    assert [type(e) for e in refused] == [psycopg.errors.ForeignKeyViolation]
    assert "names person vera-witness, who is not there" in str(refused[0])
    assert team.sql("SELECT * FROM dossier.event_persons WHERE person_id = 'vera-witness'") == []


def test_a_removal_entry_forged_with_sql_is_named_by_its_chains_verify(team: Team) -> None:
    """A plain SQL delete of a case is refused (schema 4). An owner who appends an entry
    of their own that says so gets past that, as a forger of any entry can; their own
    chain's verify then names the entry (it failed on it with a KeyError)."""
    ok(team.run("alice", "case", "add", "x", "--title", "X"))
    team.sql(
        "INSERT INTO dossier.history (case_id, seq, command, entry, prev, hash)"
        " SELECT '~alice', 1, 'x', jsonb_build_object('time', dossier.entry_time(),"
        " 'removed', '{\"cases\": [\"x\"]}'::jsonb), '', '';"
        " DELETE FROM dossier.cases WHERE id = 'x'",
        role="alice",
    )
    verified = team.run("alice", "verify")
    assert verified.exit_code == 1
    assert "Error: case ~alice: history entry 1 (None) was edited by hand" in verified.stderr


def test_an_owner_keeps_their_own_access_even_through_sql(team: Team) -> None:
    import psycopg

    ok(team.run("alice", "case", "add", "x", "--title", "X"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="owns case x"):
        team.sql("SELECT dossier.grant_access('x', 'alice', true)", role="alice")
    ok(team.run("alice", "log", "x", "statement", "2012-01-01"))


def test_links_are_compared_in_pythons_order_whatever_the_collation(team: Team) -> None:
    """The review's reproduction: on a database whose collation ignores punctuation
    (ICU's alternate=shifted; glibc's en_US does too), the server's order of an event's
    links differed from Python's, and a person's edit made verify accuse the case of an
    SQL edit no one made."""
    import psycopg

    from dossier.server import schema

    name = f"icu_{team.name}"
    with psycopg.connect(team.admin_url, autocommit=True) as admin:
        admin.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu"
            " ICU_LOCALE 'en-US-u-ka-shifted' LOCALE 'C.utf8'".encode()
        )
    try:
        with psycopg.connect(url_for(team.admin_url, name)) as owner:
            schema.init(owner)
            schema.add_user(owner, "alice")
        other = Team(name, team.admin_url)
        ok(other.run("alice", "case", "add", "y", "--title", "Y"))
        ok(other.run("alice", "case", "add", "a", "--title", "A"))
        for person in ("Ivan Petrov", "Ivana K"):
            ok(other.run("alice", "person", "add", person))
        ok(other.run("alice", "log", "y", "hearing", "2012-01-01", "-p", "ivan-petrov",
                     "-p", "ivana-k", "--source", "x"))  # fmt: skip
        ok(other.run("alice", "person", "link", "ivan-petrov", "a", "--role", "witness"))
        ok(other.run("alice", "person", "edit", "ivan-petrov", "--born", "1960"))
        assert ok(other.run("alice", "verify")).stdout.startswith("OK")
    finally:
        with psycopg.connect(team.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


def test_an_edit_undone_stays_out_of_the_way_after_more_commands(team: Team) -> None:
    """bob logs an event; alice edits it, undoes her edit, then logs something else (her
    redo is gone, her edit still undone). bob's undo of his log goes through: the edit
    and its undo leave the event as he wrote it."""
    ok(team.run("alice", "case", "add", "k", "--title", "K"))
    ok(team.run("alice", "access", "grant", "k", "bob"))
    event = ok(team.run("bob", "log", "k", "hearing", "2012-01-01", "--source", "x")).stdout
    ok(team.run("alice", "event", "edit", event.strip(), "--place", "Kyiv"))
    ok(team.run("alice", "undo"))
    ok(team.run("alice", "log", "k", "statement", "2012-02-01"))
    ok(team.run("bob", "undo"))
    assert team.run("bob", "event", "show", event.strip()).exit_code == 1
    # A redo puts the edit back in the way: it counts again.
    ok(team.run("bob", "redo"))
    ok(team.run("alice", "event", "edit", event.strip(), "--place", "Tver"))
    ok(team.run("alice", "undo"))
    ok(team.run("alice", "redo"))
    refused = team.run("bob", "undo")
    assert refused.exit_code == 1 and "was changed since, by alice" in refused.stderr


def test_a_record_broken_with_sql_is_named_by_its_id(team: Team) -> None:
    team.sql("INSERT INTO dossier.cases (id, record) VALUES ('broken', '{}')", role="bob")
    result = team.run("bob", "case", "list")
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: {where_of(team.url('bob'))}: case broken: charges: is missing (and 9 more)"
        " (written outside dossier, with SQL; see 'dossier verify')\n"
    ))  # fmt: skip


def test_a_read_hashes_only_cases_written_since_dossier_recorded_them(sample: Team) -> None:
    """Every write marks its cases (dossier.unsettled); dossier clears the marks of the
    cases whose state it records, so a read has only SQL edits' cases left to hash."""
    import psycopg

    marks = "SELECT case_id FROM dossier.unsettled ORDER BY case_id"
    assert sample.sql(marks) == []  # the import's marks were settled by its own commit
    # An edit with SQL, by a member, leaves a mark that other roles cannot see.
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        " '\"Elsewhere\"')::json"
        " WHERE id = (SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1)",
        role="alice",
    )
    assert sample.sql(marks) == [("kudoyarov",)]
    assert sample.sql(marks, role="bob") == []
    # Settling needs a write to the case and the transactions one has read: bob has no
    # access, and alice without the mark's transaction leaves it.
    sample.sql("SELECT dossier.settle(ARRAY['kudoyarov'], ARRAY[]::xid8[])", role="bob")
    sample.sql("SELECT dossier.settle(ARRAY['kudoyarov'], ARRAY[]::xid8[])", role="alice")
    assert sample.sql(marks) == [("kudoyarov",)]
    listed = ok(sample.run("alice", "case", "list"))
    assert listed.stderr.startswith(
        "Warning: case kudoyarov differs from the state its last history entry records;"
    )
    # A write through dossier settles the mark; its entry keeps what the edit changed,
    # which reads name (without hashing) until a writer accepts it.
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2010-02-01"))
    assert sample.sql(marks) == []
    assert ok(sample.run("alice", "case", "list")).stderr.startswith(
        "Warning: case kudoyarov: history entry 2 ('log kudoyarov statement 2010-02-01') was"
        " written over records edited by hand: event"
    )
    ok(sample.run("alice", "verify", "--accept"))
    assert ok(sample.run("alice", "case", "list")).stderr == ""
    # A mark whose write changed nothing is hashed and found equal: no warning.
    sample.sql("UPDATE dossier.cases SET record = record WHERE id = 'aleksanyan'")
    assert sample.sql(marks) == [("aleksanyan",)]
    assert ok(sample.run("alice", "stats")).stderr == ""
    # A person's record is part of every case they are in: an edit marks each of them.
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2010-02-02"))
    assert sample.sql(marks) == []
    sample.sql(
        "UPDATE dossier.persons SET record = jsonb_set(record::jsonb, '{notes}',"
        " '\"edited\"')::json WHERE id = 'vasily-aleksanyan'"
    )
    assert sample.sql(marks) == [("aleksanyan",)]
    warned = ok(sample.run("alice", "stats", "--json")).stderr
    assert warned.startswith("Warning: case aleksanyan differs from the state its last")
    # A person removed with SQL leaves the events that name them: their case is marked.
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2010-02-03"))
    person = sample.sql("SELECT person_id FROM dossier.event_persons LIMIT 1")[0][0]
    # A person events name is not removed with SQL, even by the database owner: their
    # links would name no one, and a new person given the id would be reached by them.
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match=f"person {person} is named"):
        sample.sql("DELETE FROM dossier.persons WHERE id = %s", person)
    assert sample.sql(marks) == []
    # A person with a role and no event goes, and marks the case of the role.
    ok(
        sample.run(
            "alice", "person", "add", "Role Only", "--case", "aleksanyan", "--role", "witness"
        )
    )
    sample.sql("DELETE FROM dossier.persons WHERE id = 'role-only'")
    assert sample.sql(marks) == [("aleksanyan",)]
    assert ok(sample.run("alice", "case", "list")).stderr.startswith("Warning: case aleksanyan")


def _log_while_sql_edits(sample: Team, lock: str, event: str) -> subprocess.Popen[bytes]:
    """alice's `log` into kudoyarov, started while the owner holds `lock`; once it waits
    for that lock, the owner changes `event`'s place with SQL and commits."""
    import psycopg

    with psycopg.connect(sample.url("postgres")) as editing:
        editing.execute(lock.encode())
        writing = _spawn(sample.url(), "log", "kudoyarov", "statement", "2010-02-01")
        deadline = time.monotonic() + 30
        while not sample.sql(
            "SELECT 1 FROM pg_stat_activity WHERE usename = 'alice' AND wait_event_type = 'Lock'"
        ):  # fmt: skip
            assert writing.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        editing.execute(
            "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
            " '\"Elsewhere\"')::json WHERE id = %s",
            (event,),
        )
        editing.commit()
    return writing


def test_a_write_does_not_settle_an_sql_edit_made_while_it_ran(sample: Team) -> None:
    """An SQL edit committed after dossier read the case, before it recorded the state:
    that state cannot include the edit, so its mark stays and the next read warns."""

    marks = "SELECT case_id FROM dossier.unsettled ORDER BY case_id"
    event = sample.sql("SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1")[0][0]
    # Holding the marks' table: the command reads, then waits at its first write.
    writing = _log_while_sql_edits(sample, "LOCK TABLE dossier.unsettled IN EXCLUSIVE MODE", event)
    _out, err = writing.communicate(timeout=60)
    assert writing.returncode == 0, err
    assert sample.sql(marks) == [("kudoyarov",)]
    warned = ok(sample.run("alice", "timeline", "kudoyarov")).stderr
    assert warned.startswith("Warning: case kudoyarov differs from the state its last")


def test_a_write_names_an_sql_edit_committed_while_it_read(sample: Team) -> None:
    """An SQL edit committed after the command read the marks but before it read the
    records is in what it read, its mark not: the write still keeps it named."""

    event = sample.sql("SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1")[0][0]
    # Holding the persons' table: the command has read the marks, and waits to read the
    # persons, then the events.
    lock = "LOCK TABLE dossier.persons IN ACCESS EXCLUSIVE MODE"
    writing = _log_while_sql_edits(sample, lock, event)
    _out, err = writing.communicate(timeout=60)
    assert writing.returncode == 0, err
    verified = sample.run("alice", "verify")
    assert verified.exit_code == 1
    assert (
        "history entry 2 ('log kudoyarov statement 2010-02-01') was written over records"
        f" edited by hand: event {event} changed: place"
    ) in verified.stderr


def test_a_case_made_with_sql_is_named_until_accepted(sample: Team) -> None:
    sample.sql(
        "INSERT INTO dossier.cases (id, record) SELECT 'by-sql',"
        " jsonb_set(record::jsonb, '{id}', '\"by-sql\"')::json"
        " FROM dossier.cases WHERE id = 'kudoyarov'",
        role="alice",
    )
    listed = ok(sample.run("alice", "case", "list"))
    assert listed.stderr.startswith(
        "Warning: case by-sql has no history: it was made with SQL, outside dossier;"
    )
    ok(sample.run("alice", "log", "by-sql", "statement", "2010-02-01"))
    verified = sample.run("alice", "verify")
    assert verified.exit_code == 1
    assert verified.stderr == (
        "Error: case by-sql: history entry 1 ('log by-sql statement 2010-02-01') was written"
        " over records edited by hand: case by-sql held records but no history: written"
        " with SQL\n"
    )
    ok(sample.run("alice", "verify", "--accept"))
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK: ")
    # What was accepted stays: undo does not go back past it.
    refused = sample.run("alice", "undo")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "Error: changes made outside dossier to case by-sql were accepted since, by alice at "
    )


def test_a_database_at_an_older_schema_is_refused_until_init_upgrades_it(sample: Team) -> None:
    from dossier.server import schema
    from dossier.server.connect import where

    ok(sample.run("alice", "person", "add", "Anna Newcomer"))
    # A database as schema version 1 left it: migration 2's objects are not there.
    sample.sql(
        "DROP TABLE dossier.unsettled; DROP FUNCTION dossier.settle(text[], xid8[]);"
        " DROP FUNCTION dossier.mark_rows, dossier.mark_cases, dossier.mark_persons CASCADE;"
        " ALTER TABLE dossier.persons DROP CONSTRAINT roles_in_person_cases;"
        " DROP INDEX dossier.persons_by_id_bytes;"
        " DROP FUNCTION dossier.removal_recorded CASCADE;"
        " ALTER POLICY writers_change ON dossier.persons USING (dossier.changes_person(id));"
        " DROP FUNCTION dossier.edits_person;"
        " ALTER POLICY writers_write ON dossier.person_cases WITH CHECK (true);"
        " DROP FUNCTION dossier.gives_role; DROP FUNCTION dossier.fresh_persons;"
        " DROP FUNCTION dossier.no_links_left, dossier.keep_unlinked,"
        " dossier.links_name_persons CASCADE; DROP FUNCTION dossier.taken_case_ids;"
        f" {_BEFORE_10} DROP FUNCTION dossier.names_confidential, dossier.made_confidential"
        " CASCADE; ALTER TABLE dossier.persons DROP COLUMN confidential;"
        " ALTER FUNCTION dossier.stamp_entry() SECURITY DEFINER;"
        " DELETE FROM dossier.migrations WHERE version >= 2"
    )
    # Changed with SQL meanwhile: an event, and a role written into a person's record.
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}', '\"X\"')::json"
        " WHERE id = (SELECT id FROM dossier.events WHERE case_id = 'kudoyarov' LIMIT 1);"
        " UPDATE dossier.persons SET record = jsonb_set(record::jsonb, '{roles}',"
        ' \'[{"case": "aleksanyan", "role": "witness"}]\')::json'
        " WHERE id = 'anna-newcomer'"
    )
    result = sample.run("alice", "case", "list")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {where(sample.url())} has dossier schema version 1, older than this"
        f" dossier's {schema.MIGRATIONS[-1][0]}; its owner runs 'dossier server init --db"
        f" {sample.url().replace('alice@', '')}' to upgrade it\n"
    )
    upgraded = ok(CliRunner().invoke(app, ["server", "init", "--db", sample.url("postgres")]))
    assert upgraded.stdout.startswith(
        "Applied migration 2: marks of the cases written since dossier last recorded their"
        " state; persons' roles kept out of their records, their ids found by prefix.\n"
        "Applied migration 3: a case's marks cleared only by a transaction that adds to its"
        " history.\n"
        "Applied migration 4: a case removed only by a command that records its removal.\n"
        "Applied migration 5: a person with roles changed by the writers of the cases of those"
        " roles; an owner's own access left whole.\n"
        "Applied migration 6: the roles of persons a command has just created checked once for"
        " all of them.\n"
        "Applied migration 7: a role given only by who may change the person; no link left to"
        " a removed person; a person linked to nothing kept by whoever unlinked them.\n"
        "Applied migration 8: a dry run finds a case id taken by a case the role cannot see.\n"
        "Applied migration 9: an undo puts a person back where they stood in the order persons"
        " were added.\n"
        "Applied migration 10: an undo brings back a case its remover removed, with its history"
        " and members.\n"
        "Applied migration 11: a confidential person named in a case's events only by who may"
        " change them, or where they already are; made confidential only by who may change"
        " every case that names them.\n"
        "Applied migration 12: a history entry's time checked against its chain as the"
        " appending role sees it.\n"
        "Granted dossier_users the use of schema dossier.\n"
        "Hashed every case: 2 changed with SQL before this upgrade (aleksanyan, kudoyarov);"
        " every command warns of them.\n"
    )
    # The role went to person_cases, where the policies of its case keep it.
    anna = json.loads(ok(sample.run("alice", "person", "show", "anna-newcomer", "--json")).stdout)
    assert anna["roles"] == [{"case": "aleksanyan", "role": "witness"}]
    assert sample.sql("SELECT record->'roles' FROM dossier.persons WHERE id = 'anna-newcomer'") == [
        ([],)
    ]
    listed = ok(sample.run("alice", "case", "list"))
    assert listed.stderr.startswith(
        "Warning: case aleksanyan differs from the state its last history entry records (and 1"
        " more finding);"
    )
    again = ok(CliRunner().invoke(app, ["server", "init", "--db", sample.url("postgres")]))
    assert "Hashed" not in again.stdout
    assert sample.sql("SELECT prosecdef FROM pg_proc WHERE proname = 'stamp_entry'") == [(False,)]


# Writes -------------------------------------------------------------------------------


def test_the_python_api_on_a_server(sample: Team) -> None:
    from dossier import ops
    from dossier.model import Event
    from dossier.store.server import ServerDossier

    with ServerDossier.edit(sample.url(), "my script", Scope(cases=["kudoyarov"])) as d:
        assert set(d.cases.ids()) == {"aleksanyan", "khodorkovsky", "kudoyarov"}
        assert {e.case for e in d.events} == {"kudoyarov"}
        event = ops.add_event(d, Event(id="", case="kudoyarov", type="statement", date="2010"))
    read = ServerDossier.load(sample.url(), cases=["kudoyarov"])
    assert read.events.get(event.id) is not None
    assert read.history == [] or read.history  # read lazily: only whole reads keep it
    assert ServerDossier.load(sample.url()).history[-1]["command"] == "my script"


def test_a_failed_import_writes_nothing_and_reports_every_row(sample: Team, tmp_path: Path) -> None:
    before = counts(sample)
    bad = tmp_path / "bad.csv"
    bad.write_text("case,date,type\nkudoyarov,2009,arrest\nnope,2009,arrest\nkudoyarov,x,arrest\n")
    result = sample.run("alice", "import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.count("Error: ") == 3  # two rows and the count
    assert counts(sample) == before


def _spawn(url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DOSSIER_DB": url}
    return subprocess.Popen([DOSSIER, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip


def test_concurrent_writers_lose_nothing(sample: Team) -> None:
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    script = "; ".join(
        f"{DOSSIER} log {{case}} statement 2010-01-{day:02d} --description w{{n}}-{day}"
        for day in range(1, 4)  # the reliability suite runs 8 x 50 of these
    )
    procs = []
    for n, (role, case) in enumerate(
        [("alice", "kudoyarov"), ("bob", "kudoyarov"), ("alice", "kudoyarov"),
         ("alice", "aleksanyan")]
    ):  # fmt: skip
        env = {**os.environ, "DOSSIER_DB": sample.url(role)}
        procs.append(subprocess.Popen(["bash", "-ec", script.format(case=case, n=n)], env=env))
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    kept = sample.sql(
        "SELECT case_id, count(*) FROM dossier.events WHERE record->>'description' LIKE 'w%%'"
        " GROUP BY case_id ORDER BY case_id"
    )
    assert kept == [("aleksanyan", 3), ("kudoyarov", 9)]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")


def test_a_client_killed_mid_import_leaves_nothing_partial(sample: Team, tmp_path: Path) -> None:
    rows = "".join(
        f"kudoyarov,2009-01-{1 + n % 28:02d},statement,,,,row {n}\n" for n in range(30000)
    )
    big = tmp_path / "big.csv"
    big.write_text("case,date,type,person,place,country,description\n" + rows)
    before = counts(sample)
    proc = _spawn(sample.url(), "import", str(big))
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = counts(sample)
    assert after in (before, (before[0], before[1], before[2] + 30000))
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")


def test_a_restarted_server_gives_a_clear_error_and_keeps_what_was_committed(
    sample: Team, pg_cluster: Any
) -> None:
    from dossier import ops
    from dossier.errors import DatabaseError
    from dossier.model import Event
    from dossier.store.server import ServerDossier

    before = counts(sample)
    with (
        pytest.raises(DatabaseError) as raised,
        ServerDossier.edit(sample.url(), "cut off", Scope(cases=["kudoyarov"])) as d,
    ):
        ops.add_event(d, Event(id="", case="kudoyarov", type="statement", date="2010"))
        pg_cluster.restart()
    assert re.match(r"lost the connection to database t_\w+ on .*; nothing of this command",
                    str(raised.value))  # fmt: skip
    assert counts(sample) == before


def test_a_connection_lost_during_the_commit_says_the_outcome_is_unknown(
    sample: Team, pg_cluster: Any
) -> None:
    """A reviewer's find: a server restarted while a COMMIT waited (for a standby that
    never answers) had the command say "nothing of this command was written", yet the
    commit had landed, and running it again wrote the event twice."""
    import threading

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    before = counts(sample)

    def restart_once_the_commit_waits() -> None:
        for _ in range(600):  # then restarted anyway: the command would wait for ever
            waiting = sample.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"
            )
            if waiting[0][0]:
                break
            time.sleep(0.05)
        pg_cluster.restart()

    sample.sql("ALTER SYSTEM SET synchronous_standby_names = 'ghost'")
    sample.sql("SELECT pg_reload_conf()")
    try:
        restarter = threading.Thread(target=restart_once_the_commit_waits)
        restarter.start()
        result = sample.run("alice", "log", "kudoyarov", "statement", "2010")
        restarter.join()
    finally:
        sample.sql("ALTER SYSTEM RESET synchronous_standby_names")
        sample.sql("SELECT pg_reload_conf()")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        f"Error: lost the connection to {where_of(sample.url())} while committing; the"
        " command may or may not have been written: see 'dossier history' before running it"
        " again\n"
    ))  # fmt: skip
    # It was written: the server had committed it before it waited for the standby.
    assert counts(sample) == (before[0], before[1], before[2] + 1)


def test_undo_reverts_ones_own_change_only_while_nobody_changed_its_records(
    sample: Team,
) -> None:
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    mine = ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-10-12")).stdout.strip()
    theirs = ok(sample.run("bob", "log", "kudoyarov", "statement", "2011-10-13")).stdout.strip()
    # alice's undo is of her own change, not of bob's newer one.
    undone = json.loads(ok(sample.run("alice", "undo", "--json")).stdout)
    assert undone == {"reverted": 2, "command": "log kudoyarov statement 2011-10-12",
                      "case": "kudoyarov"}  # fmt: skip
    ids = {e["id"] for e in json.loads(ok(sample.run("alice", "event", "list", "--json")).stdout)}
    assert theirs in ids and mine not in ids
    ok(sample.run("alice", "redo"))
    # Once bob changes the event alice wrote, her undo is refused and says why.
    ok(sample.run("bob", "event", "edit", mine, "--place", "Moscow"))
    refused = sample.run("alice", "undo")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: event {mine} was changed since, by bob at ")
    history = json.loads(ok(sample.run("alice", "history", "--json", "-n", "0")).stdout)
    assert [e["role"] for e in history][-4:] == ["bob", "alice", "alice", "bob"]
    assert ok(sample.run("bob", "undo")).stdout.startswith("Undid kudoyarov #6: event edit")
    nothing = sample.run("carol", "undo")
    assert nothing.exit_code == 1


def test_a_case_held_by_another_writer_is_busy_after_the_lock_timeout(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dossier.store.server import ServerDossier

    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    before = counts(sample)
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["kudoyarov"])):
        busy = sample.run("alice", "log", "kudoyarov", "statement", "2011-10-12")
        other = sample.run("alice", "log", "aleksanyan", "statement", "2011-10-12")
        whole = sample.run("alice", "person", "edit", "andrei-kudoyarov", "--notes", "x")
    assert (busy.exit_code, whole.exit_code) == (3, 3)
    assert busy.stderr.startswith("Error: database is busy: another dossier command holds")
    assert "(waited 0.5 s, DOSSIER_LOCK_TIMEOUT)" in busy.stderr
    assert other.exit_code == 0  # another case's writer does not wait
    assert counts(sample) == (before[0], before[1], before[2] + 1)


def test_a_statement_timeout_of_the_role_is_busy_while_waiting_and_said_otherwise(
    sample: Team,
) -> None:
    """A reviewer's find: with 'ALTER ROLE bob SET statement_timeout', a write that
    waited for a case another command held said "lost the connection", which it had
    not. Waiting, it is busy (exit 3), as with dossier's own lock_timeout; cancelled in
    any other statement, it says the server cancelled it."""
    import psycopg

    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    sample.sql(f"ALTER ROLE bob IN DATABASE {sample.name} SET statement_timeout = '200ms'")
    before = counts(sample)
    with psycopg.connect(sample.url("postgres")) as holder:
        holder.execute("SELECT 1 FROM dossier.cases WHERE id = 'kudoyarov' FOR UPDATE")
        busy = sample.run("bob", "log", "kudoyarov", "statement", "2011-10-12")
    assert (busy.exit_code, busy.stderr) == (3, (
        f"Error: database is busy: another dossier command holds its cases on"
        f" {where_of(sample.url())} (the server's statement_timeout for your role ended the"
        " wait); try again\n"
    ))  # fmt: skip
    # A statement that runs too long (an SQL trigger that sleeps) is no wait for a lock.
    sample.sql(
        "CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$;"
        " CREATE TRIGGER slow BEFORE INSERT ON dossier.events"
        " FOR EACH ROW EXECUTE FUNCTION public.slow()"
    )
    slow = sample.run("bob", "log", "kudoyarov", "statement", "2011-10-12")
    assert (slow.exit_code, slow.stderr) == (1, (
        "Error: the server cancelled a statement of this command (canceling statement due to"
        " statement timeout); nothing of this command was written\n"
    ))  # fmt: skip
    assert counts(sample) == before


def test_a_write_reads_at_read_committed_whatever_the_roles_default(sample: Team) -> None:
    """A reviewer's find: with 'ALTER ROLE bob SET default_transaction_isolation =
    'repeatable read'', bob's write that waited for another writer of the case failed,
    "could not serialize access due to concurrent update"."""
    from dossier.store.server import ServerDossier

    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    sample.sql(
        f"ALTER ROLE bob IN DATABASE {sample.name}"
        " SET default_transaction_isolation = 'repeatable read'"
    )
    before = counts(sample)
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["kudoyarov"])) as held:
        from dossier import ops
        from dossier.model import Event

        ops.add_event(held, Event(id="", case="kudoyarov", type="statement", date="2010"))
        bob = _spawn(sample.url("bob"), "log", "kudoyarov", "statement", "2011-10-12")
        _waits_for_a_lock(sample, "bob")
    _out, err = bob.communicate(timeout=60)
    assert (bob.returncode, err.decode()) == (0, "")
    assert counts(sample) == (before[0], before[1], before[2] + 2)


def test_adding_or_editing_a_case_waits_for_no_other_case(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`case add` and `case edit` lock and read their own case, as `log` does: they read
    every case's events before (6 s on the million-event benchmark, against 0.3 s now)
    and waited for a writer of any other case. Two adds of one id still take turns."""
    from dossier.store.server import ServerDossier

    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["kudoyarov"])) as held:
        assert set(held.events.raw) and {e["case"] for e in held.events.raw.values()} == {
            "kudoyarov"
        }
        ok(sample.run("alice", "case", "add", "new-case", "--title", "New"))
        ok(sample.run("alice", "case", "edit", "aleksanyan", "--add-tag", "yukos"))
        busy = sample.run("alice", "case", "edit", "kudoyarov", "--add-tag", "x")
        with ServerDossier.edit(sample.url(), "adding", Scope(cases=["newer"])):
            twice = sample.run("alice", "case", "add", "newer", "--title", "Newer")
    assert busy.exit_code == 3
    assert twice.exit_code == 3  # the same id is one writer's at a time
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_editing_or_removing_an_event_waits_only_for_its_cases(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`event edit` and `event remove` lock and read the case that holds the event (and
    the one it moves to), found by its id: before, every case's events, under the lock
    that waits for every writer."""
    from dossier.store.server import ServerDossier

    events = json.loads(ok(sample.run("alice", "event", "list", "--json")).stdout)
    held = next(e["id"] for e in events if e["case"] == "kudoyarov")
    free = [e["id"] for e in events if e["case"] == "aleksanyan"]
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["kudoyarov"])):
        ok(sample.run("alice", "event", "edit", free[0], "--place", "Moscow"))
        ok(sample.run("alice", "event", "remove", free[1], "--yes"))
        busy = [
            sample.run("alice", "event", "edit", held, "--place", "Moscow"),
            sample.run("alice", "event", "edit", free[0], "--case", "kudoyarov"),
            sample.run("alice", "event", "remove", held, "--yes"),
        ]
    assert [r.exit_code for r in busy] == [3, 3, 3]
    moved = ok(sample.run("alice", "event", "edit", free[0], "--case", "kudoyarov", "--json"))
    assert json.loads(moved.stdout)["case"] == "kudoyarov"
    missing = sample.run("alice", "event", "remove", "nosuch", "--yes")
    assert (missing.exit_code, missing.stderr.startswith("Error: no event 'nosuch'")) == (1, True)
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_person_commands_wait_only_for_the_cases_of_their_persons(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`person add`, `edit`, `link`, `remove` and `merge` lock and read the cases their
    persons have a role in or are named in (and the role's own chain): before, every
    case's events, under the lock that waits for every writer (7 s on the million-event
    benchmark). A person is found by name as by id."""
    from dossier.store.server import ServerDossier

    for name in ("Anna Free", "Boris Free"):
        ok(sample.run("alice", "person", "add", name, "--case", "aleksanyan", "--role", "witness"))
    ok(sample.run("alice", "person", "add", "Fyodor Named"))
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2010", "--person", "boris-free"))
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2011", "--person", "fyodor-named"))
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["kudoyarov"])):
        for args in (
            ("person", "add", "Clara Free", "--case", "aleksanyan", "--role", "witness"),
            ("person", "add", "Dmitri Nocase"),
            ("person", "edit", "Anna Free", "--notes", "seen"),
            ("person", "link", "dmitri-nocase", "aleksanyan", "--role", "relative"),
            ("person", "merge", "anna-free", "Boris Free", "--yes"),
            ("person", "remove", "clara-free", "--yes"),
        ):
            ok(sample.run("alice", *args))
        busy = [
            sample.run("alice", *args)
            for args in (
                ("person", "edit", "andrei-kudoyarov", "--notes", "x"),
                ("person", "add", "Eva Held", "--case", "kudoyarov", "--role", "witness"),
                ("person", "link", "anna-free", "kudoyarov", "--role", "witness"),
                ("person", "remove", "Fyodor Named", "--cascade", "--yes"),
            )
        ]
    assert [r.exit_code for r in busy] == [3, 3, 3, 3], [r.output for r in busy]
    merged = json.loads(ok(sample.run("alice", "person", "show", "anna-free", "--json")).stdout)
    assert (merged["notes"], merged["aliases"]) == ("seen", ["Boris Free"])
    assert "boris-free" not in ok(sample.run("alice", "person", "list")).stdout
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")
    # A read of persons reads the events of their cases alone: the person's count and
    # timeline are whole, and stay within those cases.
    read = ServerDossier.load(sample.url(), persons=["Anna Free"])
    assert {e["case"] for e in read.events.raw.values()} == {"aleksanyan"}
    shown = ok(sample.run("alice", "person", "show", "Anna Free")).stdout
    assert re.search(r"events\s+1\n", shown), shown
    named = ok(sample.run("alice", "timeline", "--person", "fyodor-named", "--json")).stdout
    assert [e["case"] for e in json.loads(named)["events"]] == ["kudoyarov"]
    assert ServerDossier.load(sample.url(), cases=[]).events.raw == {}


def _held(
    team: Team, tmp_path: Path, role: str, *args: str, read: bool = False
) -> subprocess.Popen[str]:
    """The CLI as `role`, held once it has its locks (tests/held.py) until _release; with
    `read`, held again once it has read the records (says READ) until tmp_path/read is."""
    env = {**os.environ, "DOSSIER_TEST_RELEASE": str(tmp_path / "release")}
    if read:
        env["DOSSIER_TEST_READ_RELEASE"] = str(tmp_path / "read")
    held = subprocess.Popen([sys.executable, str(Path(__file__).with_name("held.py")),
                             "--db", team.url(role), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert held.stderr is not None
    line = held.stderr.readline()
    assert line == "LOCKED\n", line + held.stderr.read()
    return held


def _release(tmp_path: Path) -> None:
    (tmp_path / "release").touch()


def test_a_person_command_holds_its_persons_against_a_command_elsewhere(
    sample: Team, tmp_path: Path
) -> None:
    """A review's find: a merge (or removal) that held the cases of its persons let a
    `log` into another case name one of them meanwhile; the merge then took the new
    link away with the person, and the event named someone who no longer existed. The
    person's row is locked too now: the log waits, and then finds the person gone."""
    for name in ("Anna One", "Boris Two"):
        ok(sample.run("alice", "person", "add", name, "--case", "aleksanyan", "--role", "witness"))
    merge = _held(sample, tmp_path, "alice", "person", "merge", "anna-one", "boris-two", "--yes")
    log = _spawn(sample.url(), "log", "kudoyarov", "hearing", "2011-06-01", "-p", "boris-two")
    _waits_for_a_lock(sample, "alice")
    _release(tmp_path)
    assert merge.communicate(timeout=60) == (
        "Merged boris-two into anna-one: 0 event(s) that named boris-two now name anna-one.\n",
        "",
    )
    _out, err = log.communicate(timeout=60)
    assert (log.returncode, err.decode()) == (1, "Error: the server refused (ForeignKeyViolation:"
        " an event names person boris-two, who is not there); nothing of this command was"
        " written\n")  # fmt: skip
    named = "SELECT id FROM dossier.events WHERE (record->'persons')::jsonb ? 'boris-two'"
    assert sample.sql(named) == []
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_a_person_command_that_waits_for_a_command_naming_its_person_includes_it(
    sample: Team,
) -> None:
    """The other order: a transaction that names the person in another case has not
    committed yet (a `log` does so, its links locking the persons they name). The merge
    waits for it, then finds the event and changes it too (it had failed on the
    server's refusal to remove a person an event names)."""
    import psycopg

    for name in ("Anna One", "Boris Two"):
        ok(sample.run("alice", "person", "add", name, "--case", "aleksanyan", "--role", "witness"))
    with psycopg.connect(sample.url("postgres")) as naming:
        naming.execute("SELECT 1 FROM dossier.persons WHERE id = 'boris-two' FOR KEY SHARE")
        merge = _spawn(sample.url(), "person", "merge", "anna-one", "boris-two", "--yes")
        _waits_for_a_lock(sample, "alice")
        event = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01",
                              "-p", "boris-two")).stdout.strip()  # fmt: skip
        naming.rollback()
    out, err = merge.communicate(timeout=60)
    assert (out, err) == (
        b"Merged boris-two into anna-one: 1 event(s) that named boris-two now name anna-one.\n",
        b"",
    )
    shown = json.loads(ok(sample.run("alice", "event", "show", event, "--json")).stdout)
    assert shown["persons"] == ["anna-one"]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_two_roles_adding_one_name_take_turns(sample: Team) -> None:
    """The id a new person's name gives is locked: bob's add of the name alice is adding
    waits for hers and takes the next id, as it did when every person command waited
    for every writer (it had been told the id was taken)."""
    from dossier.model import Person
    from dossier.ops import add_person
    from dossier.store.server import ServerDossier

    with ServerDossier.edit(sample.url(), "add", Scope(persons=[], adding=["same-person"])) as d:
        add_person(d, Person(id="", name="Same Person"))
        bobs = _spawn(sample.url("bob"), "person", "add", "Same Person", "--yes")
        _waits_for_a_lock(sample, "bob")
    assert bobs.communicate(timeout=60) == (b"same-person-2\n", b"")


def test_person_commands_find_events_whose_links_were_changed_with_sql(sample: Team) -> None:
    """A person's cases come from the links, which SQL may change: a case written since
    dossier recorded it (marked) is read and locked as well, so that `person show`
    counts an event whose links were deleted, and a removal takes the person off it
    (it had left it naming a person removed), or off an event moved with SQL to a case
    the person is in nowhere else (it had failed as a command's bug)."""
    for name in ("Vera Gone", "Olga Moved"):
        ok(sample.run("alice", "person", "add", name, "--case", "aleksanyan", "--role", "witness"))
    unlinked = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01",
                             "-p", "vera-gone")).stdout.strip()  # fmt: skip
    sample.sql("DELETE FROM dossier.event_persons WHERE event_id = %s", unlinked, role="alice")
    shown = sample.run("alice", "person", "show", "vera-gone")
    assert re.search(r"events\s+1\n", shown.stdout), shown.stdout
    assert shown.stderr.startswith("Warning: case kudoyarov: event"), shown.stderr
    removed = ok(sample.run("alice", "person", "remove", "vera-gone", "--cascade", "--yes"))
    assert removed.stdout == "Removed person vera-gone (taken off 1 event(s)).\n"
    moved = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-02",
                          "-p", "olga-moved")).stdout.strip()  # fmt: skip
    sample.sql("WITH l AS (UPDATE dossier.event_persons SET case_id = 'khodorkovsky'"
               " WHERE event_id = %s) UPDATE dossier.events SET case_id = 'khodorkovsky'"
               " WHERE id = %s", moved, moved, role="alice")  # fmt: skip
    ok(sample.run("alice", "person", "remove", "olga-moved", "--cascade", "--yes"))
    for person in ("vera-gone", "olga-moved"):
        named = "SELECT id FROM dossier.events WHERE (record->'persons')::jsonb ? %s"
        assert sample.sql(named, person) == []
    ok(sample.run("alice", "verify", "--accept"))
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_case_list_has_the_server_count_events_instead_of_reading_them(sample: Team) -> None:
    """`case list` read every case's events to count them (6.6 s on the million-event
    benchmark, 0.9 s now): the server counts them, in the same snapshot, as the role
    sees them."""
    from dossier.store.server import ServerDossier

    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    counted = ServerDossier.load(sample.url(), cases=[], counts=True)
    assert counted.events.raw == {}
    whole = ServerDossier.load(sample.url()).event_counts()
    assert counted.event_counts() == whole and len(whole) == 3
    bobs = ServerDossier.load(sample.url("bob"), cases=[], counts=True).event_counts()
    assert bobs == {"kudoyarov": whole["kudoyarov"]}
    listed = ok(sample.run("bob", "case", "list")).stdout
    assert re.search(rf"^kudoyarov .* {whole['kudoyarov']}\b", listed, re.MULTILINE), listed
    assert "aleksanyan" not in listed
    # Reading no events, a list still warns of a case changed with SQL, as a read of
    # every case does: the events of marked cases are read to be hashed, never shown.
    sample.sql("UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
               " '\"Elsewhere\"')::json WHERE case_id = 'kudoyarov'")  # fmt: skip
    for args in (("person", "list"), ("case", "list")):
        warned = ok(sample.run("alice", *args)).stderr
        assert warned.startswith("Warning: case kudoyarov differs from the state"), warned


def test_persons_in_no_case_join_their_roles_chain_one_writer_at_a_time(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person in no case belongs to the role's own chain (`~alice`), which scoped
    person commands lock as they lock a case: several `person add` at once append to it
    in turn (they would fork it, or fail on its sequence), and another role's wait
    for nothing of alice's."""
    from dossier.store.server import ServerDossier

    script = "; ".join(f"{DOSSIER} person add 'Nomad {{n}}-{k}' --yes" for k in range(2))
    env = {**os.environ, "DOSSIER_DB": sample.url()}
    procs = [subprocess.Popen(["bash", "-ec", script.format(n=n)], env=env,
                              stderr=subprocess.PIPE) for n in range(3)]  # fmt: skip
    done = [(p.wait(timeout=120), p.stderr.read() if p.stderr else b"") for p in procs]
    assert [code for code, _ in done] == [0, 0, 0], done  # lookalike warnings only:
    assert not [err for _, err in done if b"Error" in err], done
    assert sample.sql("SELECT count(*) FROM dossier.history WHERE case_id = '~alice'") == [(6,)]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["~alice"])):
        busy = sample.run("alice", "person", "edit", "nomad-0-0", "--notes", "x")
        ok(sample.run("bob", "person", "add", "Nomad Bob"))
    assert busy.exit_code == 3


def test_removing_a_case_waits_only_for_it_and_the_other_cases_of_its_persons(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`case remove` locks and reads the case and the other cases its persons have a
    role in (their records change there too) with the role's own chain: before, every
    case's events, under the lock that waits for every writer."""
    from dossier.store.server import ServerDossier

    for case in ("gone", "gone-too"):
        ok(sample.run("alice", "case", "add", case, "--title", case))
    ok(
        sample.run(
            "alice", "person", "add", "Shared Witness", "--case", "gone", "--role", "witness"
        )
    )
    ok(sample.run("alice", "person", "link", "shared-witness", "kudoyarov", "--role", "witness"))
    ok(sample.run("alice", "person", "add", "Lone Witness", "--case", "gone-too",
                  "--role", "witness"))  # fmt: skip
    ok(sample.run("alice", "log", "gone-too", "statement", "2010", "--person", "lone-witness"))
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    with ServerDossier.edit(sample.url(), "holding", Scope(cases=["kudoyarov"])):
        ok(sample.run("alice", "case", "remove", "gone-too", "--cascade", "--yes"))
        busy = sample.run("alice", "case", "remove", "gone", "--cascade", "--yes")
    assert busy.exit_code == 3
    lone = json.loads(ok(sample.run("alice", "person", "show", "lone-witness", "--json")).stdout)
    assert lone["roles"] == []
    ok(sample.run("alice", "case", "remove", "gone", "--cascade", "--yes"))
    shared = json.loads(
        ok(sample.run("alice", "person", "show", "shared-witness", "--json")).stdout
    )
    assert shared["roles"] == [{"case": "kudoyarov", "role": "witness"}]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_undo_and_redo_wait_only_for_the_cases_of_the_command_they_revert(
    sample: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`undo` and `redo` lock and read the chains of the command they act on, found in
    the role's history: before, every case's events, under the lock that waits for
    every writer (6.7 s on the million-event benchmark)."""
    from dossier.errors import DatabaseError
    from dossier.store.server import ServerDossier

    ok(sample.run("alice", "log", "aleksanyan", "statement", "2011-10-12"))
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.5")
    # Held by bob: alice's own commands wait for her undo, and it for them.
    with ServerDossier.edit(sample.url("bob"), "holding", Scope(cases=["kudoyarov"])):
        undone = json.loads(ok(sample.run("alice", "undo", "--json")).stdout)
        ok(sample.run("alice", "redo"))
    assert (undone["case"], undone["command"]) == (
        "aleksanyan",
        "log aleksanyan statement 2011-10-12",
    )
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-10-13"))
    with ServerDossier.edit(sample.url("bob"), "holding", Scope(cases=["kudoyarov"])):
        busy = sample.run("alice", "undo")
    assert busy.exit_code == 3
    # Through the API, an undo opened on other cases than its command's is refused
    # whole: it would revert part of that command.
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2011-10-14"))
    with (
        pytest.raises(DatabaseError, match="not aleksanyan, which the command it acts on"),
        ServerDossier.edit(sample.url(), "undo", Scope(cases=["kudoyarov"])) as d,
    ):
        d.undo()
    with (  # its cases, but not the role's other commands held off
        pytest.raises(DatabaseError, match="does not hold the role's commands"),
        ServerDossier.edit(sample.url(), "undo", Scope(cases=["aleksanyan", "~alice"])) as d,
    ):
        d.undo()
    with ServerDossier.edit(sample.url(), "undo", Scope(reverting="undoes")) as d:
        assert d.undo()["command"] == "log aleksanyan statement 2011-10-14"
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_an_undo_that_waits_follows_a_newer_command_of_its_role(sample: Team) -> None:
    """The undo found alice's newest command in kudoyarov, then waited for alice's log
    into aleksanyan, running already (a role's commands wait for its undo, and it for
    them). Once it has the role, it finds the newer command, takes both cases in id
    order, and undoes that one (it had failed as a command's bug: a change outside the
    cases it had locked)."""
    from dossier import ops
    from dossier.model import Event
    from dossier.store.server import ServerDossier

    ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-10-13"))
    with ServerDossier.edit(sample.url(), "log aleksanyan", Scope(cases=["aleksanyan"])) as d:
        ops.add_event(d, Event(id="", case="aleksanyan", type="statement", date="2011-10-14"))
        undo = _spawn(sample.url(), "undo", "--json")
        _waits_for_a_lock(sample, "alice")
    out, err = undo.communicate(timeout=60)
    assert (undo.returncode, err) == (0, b""), err
    assert json.loads(out)["command"] == "log aleksanyan"
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_an_undo_holds_the_persons_it_puts_back(sample: Team, tmp_path: Path) -> None:
    """A review's find: alice's undo of her edit of a person in no case (seen by bob
    through an event of a case they share) locked only her own chain; bob's edit of the
    person, committed meanwhile, was lost to the undo, which `verify` could not tell.
    The undo locks the person's row and cases now: bob's edit waits, and comes after."""
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    ok(sample.run("alice", "person", "add", "Zed Person"))
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2011-01-01", "-p", "zed-person"))
    ok(sample.run("alice", "person", "edit", "zed-person", "--notes", "alice's"))
    undo = _held(sample, tmp_path, "alice", "undo")
    edit = _spawn(sample.url("bob"), "person", "edit", "zed-person", "--notes", "bob's")
    _waits_for_a_lock(sample, "bob")
    _release(tmp_path)
    assert undo.communicate(timeout=60)[0].startswith("Undid ~alice #2: person edit")
    assert edit.communicate(timeout=60) == (b"Updated person zed-person.\n", b"")
    shown = json.loads(ok(sample.run("alice", "person", "show", "zed-person", "--json")).stdout)
    assert shown["notes"] == "bob's"
    for role in ("alice", "bob"):
        assert ok(sample.run(role, "verify")).stdout.startswith("OK")


def test_an_undo_has_its_role_to_itself(sample: Team, tmp_path: Path) -> None:
    """A review's find: alice logged into kudoyarov while her undo of a log into
    aleksanyan held that case; the undo then found the newer command to undo, outside
    the cases it held, and failed. An undo waits for the role's other commands and they
    for it (they still run beside one another, and beside other roles')."""
    ok(sample.run("alice", "log", "aleksanyan", "statement", "2011-01-01"))
    undo = _held(sample, tmp_path, "alice", "undo", "--json")
    log = _spawn(sample.url(), "log", "kudoyarov", "statement", "2011-01-02")
    _waits_for_a_lock(sample, "alice")
    ok(sample.run("bob", "person", "add", "Not Waiting"))
    _release(tmp_path)
    out, err = undo.communicate(timeout=60)
    assert (json.loads(out)["command"], err) == ("log aleksanyan statement 2011-01-01", "")
    _out, logged = log.communicate(timeout=60)
    assert (log.returncode, logged) == (0, b"")
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_an_undo_that_adds_a_person_again_takes_the_id_in_turn(
    sample: Team, tmp_path: Path
) -> None:
    """The undo of a person's removal adds the id again: it locks the id as `person
    add` does, so bob's add of the same name waits and takes the next id (the undo had
    been refused, the id taken meanwhile)."""
    ok(sample.run("alice", "person", "add", "Zed Person"))
    ok(sample.run("alice", "person", "remove", "zed-person", "--yes"))
    undo = _held(sample, tmp_path, "alice", "undo")
    add = _spawn(sample.url("bob"), "person", "add", "Zed Person", "--yes")
    _waits_for_a_lock(sample, "bob")
    _release(tmp_path)
    assert undo.communicate(timeout=60)[0].startswith("Undid ~alice #2: person remove")
    assert add.communicate(timeout=60) == (b"zed-person-2\n", b"")


def test_an_event_moved_while_its_editor_waits_is_followed_to_its_new_case(
    sample: Team,
) -> None:
    """The editor found the event in kudoyarov and waited for that case; meanwhile it
    was moved to aleksanyan. Once it has kudoyarov, it finds it elsewhere, lets every
    lock go and takes both again in id order (taking the new one after the old had let
    two writers deadlock, a review found), then edits it there."""
    from dataclasses import replace

    from dossier.ops import update_event
    from dossier.store.server import ServerDossier

    events = json.loads(ok(sample.run("alice", "event", "list", "--json")).stdout)
    moving = next(e["id"] for e in events if e["case"] == "kudoyarov")
    with ServerDossier.edit(sample.url(), "move", Scope(cases=["kudoyarov", "aleksanyan"])) as d:
        editing = _spawn(sample.url(), "event", "edit", moving, "--note", "kept")
        _waits_for_a_lock(sample, "alice")
        old = d.events.get(moving)
        assert old is not None
        update_event(d, replace(old, case="aleksanyan"))
    _out, err = editing.communicate(timeout=60)
    assert (editing.returncode, err) == (0, b""), err
    edited = json.loads(ok(sample.run("alice", "event", "show", moving, "--json")).stdout)
    assert (edited["case"], edited["note"]) == ("aleksanyan", "kept")
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_editors_that_follow_moved_events_take_their_cases_in_order(sample: Team) -> None:
    """A review's reproduction of a deadlock: p2 moves event e from kudoyarov to
    aleksanyan and is held at its commit; p1, editing e, waits for kudoyarov; p3, moving
    e3 from aleksanyan to kudoyarov, waits for aleksanyan. When p2 commits, p3 takes
    aleksanyan and waits for kudoyarov, while p1 takes kudoyarov, finds e in aleksanyan,
    and took that one too, out of id order: a deadlock, and p3 told "busy". p1 now lets
    its locks go and takes both again in order."""
    import psycopg

    events = json.loads(ok(sample.run("alice", "event", "list", "--json")).stdout)
    e = next(x["id"] for x in events if x["case"] == "kudoyarov")
    e3 = next(x["id"] for x in events if x["case"] == "aleksanyan")

    def waiting(n: int) -> None:
        deadline = time.monotonic() + 30
        while len(sample.sql("SELECT 1 FROM pg_stat_activity WHERE usename = 'alice'"
                             " AND wait_event_type = 'Lock'")) < n:  # fmt: skip
            assert time.monotonic() < deadline, f"never {n} waiting"
            time.sleep(0.05)

    with psycopg.connect(sample.url("postgres")) as holding:
        holding.execute("SELECT 1 FROM dossier.events WHERE id = %s FOR UPDATE", (e,))
        p2 = _spawn(sample.url(), "event", "edit", e, "--case", "aleksanyan")
        waiting(1)
        p1 = _spawn(sample.url(), "event", "edit", e, "--note", "p1")
        waiting(2)
        p3 = _spawn(sample.url(), "event", "edit", e3, "--case", "kudoyarov")
        waiting(3)
        holding.rollback()
    results = [(p.communicate(timeout=60)[1], p.returncode) for p in (p2, p1, p3)]
    assert results == [(b"", 0)] * 3, results
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


def test_an_event_whose_case_column_was_changed_with_sql_is_edited_and_repaired(
    sample: Team,
) -> None:
    """The server's column said one case and the record another: the edit locked and
    read the column's case, and its commit refused to touch the record's ("a command's
    bug"). Both are in its scope now, and the write repairs the column, as before."""
    event = ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-10-12")).stdout.strip()
    sample.sql("UPDATE dossier.events SET case_id = 'aleksanyan' WHERE id = %s", event)
    edited = sample.run("alice", "event", "edit", event, "--note", "t")
    assert edited.exit_code == 0, edited.output
    assert sample.sql("SELECT case_id FROM dossier.events WHERE id = %s", event) == [("kudoyarov",)]
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")


# Found by a review, each once a hole ------------------------------------------------


def test_a_write_shows_no_one_and_moves_nothing_for_an_event_record_edited_with_sql(
    team: Team,
) -> None:
    """bob, who writes case b, put the id of alice's protected witness into his event's
    record with SQL, and alice's case into another's: alice's next write into b, which
    writes the events whose columns differ again from their records, linked the witness
    there (bob then read her record) and moved the other event into her case. Refused."""
    ok(team.run("alice", "case", "add", "s", "--title", "S"))
    ok(team.run("alice", "person", "add", "Wanda Witness", "--case", "s", "--role", "witness",
                "--confidential", "--notes", "lives at 5 Hidden St"))  # fmt: skip
    ok(team.run("bob", "case", "add", "b", "--title", "B"))
    ok(team.run("bob", "access", "grant", "b", "alice"))
    plant = "UPDATE dossier.events SET record = (record::jsonb || %s::jsonb)::json WHERE id = %s"
    named = ok(team.run("bob", "log", "b", "hearing", "2021-03-03")).stdout.strip()
    team.sql(plant, '{"persons": ["wanda-witness"]}', named, role="bob")
    refused = team.run("alice", "log", "b", "statement", "2021-04-04")
    assert refused.exit_code == 1, refused.output
    assert f"event {named}: its record names person wanda-witness, whom" in refused.stderr
    assert team.sql("SELECT count(*) FROM dossier.event_persons") == [(0,)]
    assert team.run("bob", "person", "show", "wanda-witness").exit_code == 1
    # Who sees her takes her off; the case is written as before.
    ok(team.run("alice", "event", "edit", named, "--remove-person", "wanda-witness"))
    ok(team.run("alice", "log", "b", "statement", "2021-04-04"))
    moved = ok(team.run("bob", "log", "b", "hearing", "2021-05-05")).stdout.strip()
    team.sql(plant, '{"case": "s"}', moved, role="bob")
    for command in (("log", "b", "statement", "2021-06-06"), ("verify", "--accept")):
        refused = team.run("alice", *command)
        assert refused.exit_code == 1, refused.output
        assert f"event {moved}: its record says case s, the server's" in refused.stderr
    assert team.sql("SELECT case_id FROM dossier.events WHERE id = %s", moved) == [("b",)]


def test_no_case_can_be_named_as_a_roles_own_chain(sample: Team) -> None:
    import psycopg

    ok(sample.run("bob", "person", "add", "Bob Private Source", "--notes", "lives at 12 Hidden"))
    with psycopg.connect(sample.url("alice"), autocommit=True) as alice:
        with pytest.raises(psycopg.errors.CheckViolation):
            alice.execute("INSERT INTO dossier.cases (id, record) VALUES ('~bob', '{}')")
        assert alice.execute(
            "SELECT count(*) FROM dossier.history WHERE case_id = '~bob'"
        ).fetchone() == (0,)


def test_a_writer_of_a_case_edits_and_links_its_persons(sample: Team) -> None:
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    ok(sample.run("bob", "person", "edit", "andrei-kudoyarov", "--notes", "checked by bob"))
    shown = json.loads(ok(sample.run("alice", "person", "show", "andrei-kudoyarov",
                                     "--json")).stdout)  # fmt: skip
    assert shown["notes"] == "checked by bob"
    ok(sample.run("bob", "person", "add", "New Witness", "--case", "kudoyarov", "--role",
                  "witness"))  # fmt: skip
    ok(sample.run("bob", "person", "link", "new-witness", "kudoyarov", "--role", "relative"))
    ok(sample.run("bob", "person", "unlink", "new-witness", "kudoyarov", "--role", "witness"))
    roles = json.loads(ok(sample.run("alice", "person", "show", "new-witness", "--json")).stdout)
    assert roles["roles"] == [{"case": "kudoyarov", "role": "relative"}]
    # But not a person who is also in a case bob may not change.
    refused = sample.run("bob", "person", "edit", "vasiliy-aleksanyan", "--notes", "x")
    assert refused.exit_code == 1


def test_a_person_named_in_another_members_case_is_theirs_too(sample: Team) -> None:
    ok(sample.run("bob", "case", "add", "secret", "--title", "Secret"))
    ok(sample.run("alice", "person", "add", "Max Free"))
    ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01", "--person", "max-free"))
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    ok(sample.run("bob", "log", "secret", "arrest", "2012-01-01", "--person", "max-free"))
    before = counts(sample)
    removed = sample.run("alice", "person", "remove", "max-free", "--cascade", "--yes")
    assert removed.exit_code == 1
    assert counts(sample) == before
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK:")


def test_undo_puts_a_persons_roles_back_in_their_order(team: Team) -> None:
    for case in ("zeta", "alpha"):
        ok(team.run("alice", "case", "add", case, "--title", case.title()))
    ok(team.run("alice", "person", "add", "Olga Two Cases", "--case", "zeta", "--role", "witness"))
    ok(team.run("alice", "person", "link", "olga-two-cases", "alpha", "--role", "lawyer"))
    order = [{"case": "zeta", "role": "witness"}, {"case": "alpha", "role": "lawyer"}]

    def roles() -> list[dict[str, str]]:
        shown = ok(team.run("alice", "person", "show", "olga-two-cases", "--json")).stdout
        return list(json.loads(shown)["roles"])

    assert roles() == order
    # The edit touches both cases' chains, each of which keeps its own role only.
    ok(team.run("alice", "person", "edit", "olga-two-cases", "--notes", "renamed"))
    ok(team.run("alice", "undo"))
    assert roles() == order
    ok(team.run("alice", "redo"))
    assert roles() == order


def _records(team: Team, role: str = "alice") -> dict[str, Any]:
    """The records `role` sees, as an export gives them (without its time)."""
    exported = json.loads(ok(team.run(role, "export", "--include-confidential")).stdout)
    exported.pop("exported")
    return dict(exported)


def test_undo_brings_back_a_removed_case_with_its_history_and_members(sample: Team) -> None:
    """A case removed by mistake came back on a file and not on a server: its history
    went with it, and so did the undo (and `import`, `undo`, `redo` failed at the redo,
    the undo having removed the cases the import made). Now the server keeps who removed
    which case, under which number, and who had access: the remover's undo puts it back
    whole, its chain continues, and its members see it again."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    ok(sample.run("alice", "person", "add", "Olga Only", "--case", "kudoyarov",
                  "--role", "witness"))  # fmt: skip
    before, listed = _records(sample), ok(sample.run("alice", "case", "list")).stdout
    history = json.loads(ok(sample.run("alice", "history", "--json", "-n", "0")).stdout)
    ok(sample.run("alice", "case", "remove", "kudoyarov", "--cascade", "--yes"))
    assert "kudoyarov" not in ok(sample.run("alice", "case", "list")).stdout
    undone = ok(sample.run("alice", "undo"))
    assert undone.stdout.startswith("Undid kudoyarov #")
    assert _records(sample) == before
    assert ok(sample.run("alice", "case", "list")).stdout == listed  # in its place
    now = json.loads(ok(sample.run("alice", "history", "--json", "-n", "0")).stdout)
    assert now[: len(history)] == history  # its chain goes on from where it was
    assert [e["command"] for e in now[len(history) :]] == [
        "case remove kudoyarov --cascade --yes", "case remove kudoyarov --cascade --yes",
        "undo", "undo"]  # the role's own chain, and the case's  # fmt: skip
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")
    # Bob reads it again, and only reads it.
    assert ok(sample.run("bob", "case", "show", "kudoyarov", "--json"))
    refused = sample.run("bob", "log", "kudoyarov", "hearing", "2011-06-01")
    assert refused.stderr == "Error: read-only access to case kudoyarov\n"
    # Redo removes it again, and undo brings it back again.
    ok(sample.run("alice", "redo"))
    assert "kudoyarov" not in ok(sample.run("alice", "case", "list")).stdout
    ok(sample.run("alice", "undo"))
    assert _records(sample) == before
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK")


def test_redo_brings_back_the_cases_an_undone_import_had_made(team: Team) -> None:
    ok(team.run("alice", "import", *SAMPLE))
    before = _records(team)
    ok(team.run("alice", "undo"))
    assert counts(team) == (0, 0, 0)
    redone = ok(team.run("alice", "redo"))
    assert redone.stdout.startswith("Redid ")
    assert _records(team) == before
    assert ok(team.run("alice", "verify")).stdout.startswith("OK")
    ok(team.run("alice", "undo"))
    ok(team.run("alice", "redo"))
    assert _records(team) == before


def test_a_removed_case_comes_back_only_to_its_remover_and_under_its_own_id(
    team: Team,
) -> None:
    import psycopg

    ok(team.run("alice", "case", "add", "c0", "--title", "C0"))
    ok(team.run("alice", "case", "add", "c1", "--title", "C1"))
    ok(team.run("alice", "log", "c1", "hearing", "2020-01-01"))
    ok(team.run("alice", "access", "grant", "c1", "bob"))
    number = team.sql("SELECT n FROM dossier.cases WHERE id = 'c1'")[0][0]
    ok(team.run("alice", "case", "remove", "c1", "--cascade", "--yes"))
    # No one else, with psql, takes its number to read its old chain, not even its member;
    # no role writes a case's number (one could take a removal's while it commits).
    for role in ("bob", "alice"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            team.sql(
                "INSERT INTO dossier.cases (n, id, record) OVERRIDING SYSTEM VALUE"
                " VALUES (%s, 'other', '{}')", number + 100, role=role
            )  # fmt: skip
    for role, case in (("bob", "c1"), ("alice", "other")):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not one you removed"):
            team.sql("SELECT dossier.restore_case(%s, %s, '{}')", case, number, role=role)
    assert team.run("bob", "undo").stderr == "Error: nothing of yours to undo on this server\n"
    # Its id taken again since: the undo says so, as of any record added again.
    ok(team.run("bob", "case", "add", "c1", "--title", "Own"))
    refused = team.run("alice", "undo")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: case c1 was added again since by another command; nothing was changed\n"
    )
    assert [c["id"] for c in json.loads(ok(team.run("alice", "case", "list", "--json")).stdout)
            ] == ["c0"]  # fmt: skip
    theirs = json.loads(ok(team.run("bob", "history", "--json", "-n", "0")).stdout)
    assert [e["command"] for e in theirs] == ["case add c1 --title Own"]  # a chain of its own


def test_undo_of_a_case_anyone_wrote_into_since_is_refused(sample: Team) -> None:
    """Reverting a case's creation, or its return by an undo, takes the case away with
    whatever another member wrote into it since: refused, naming that change (the
    server's foreign key had refused it with its own words)."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    ok(sample.run("alice", "case", "remove", "kudoyarov", "--cascade", "--yes"))
    ok(sample.run("alice", "undo"))
    ok(sample.run("bob", "log", "kudoyarov", "hearing", "2011-06-02"))
    refused = sample.run("alice", "redo")
    assert refused.exit_code == 1
    assert re.fullmatch(
        r"Error: case kudoyarov was changed since, by bob at \S+Z \('log kudoyarov hearing"
        r" 2011-06-02'\); nothing was changed\n",
        refused.stderr,
    )
    ok(sample.run("alice", "case", "add", "brief", "--title", "Brief"))
    ok(sample.run("alice", "access", "grant", "brief", "bob"))
    ok(sample.run("bob", "log", "brief", "hearing", "2011-06-03"))
    refused = sample.run("alice", "undo")
    assert refused.stderr.startswith("Error: case brief was changed since, by bob at ")
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK")


def test_a_state_from_while_a_case_was_removed_is_found_after_it_came_back(
    sample: Team,
) -> None:
    ok(sample.run("alice", "case", "remove", "kudoyarov", "--cascade", "--yes"))
    ok(sample.run("alice", "log", "aleksanyan", "hearing", "2011-06-01"))
    during = ok(sample.run("alice", "verify")).stdout.split("state hash ")[1].strip()
    assert ok(sample.run("alice", "undo")).stdout.startswith("Undid aleksanyan")
    assert ok(sample.run("alice", "undo")).stdout.startswith("Undid kudoyarov")
    found = ok(sample.run("alice", "verify", "--hash", during))
    assert f"\nFound: the dossier was in state {during} after aleksanyan #" in found.stdout


def test_a_case_whose_events_alone_showed_a_person_comes_back_once_they_are_seen(
    team: Team,
) -> None:
    ok(team.run("alice", "case", "add", "x", "--title", "X"))
    ok(team.run("bob", "case", "add", "y", "--title", "Y"))
    ok(team.run("bob", "person", "add", "Maria Hidden", "--case", "y", "--role", "witness"))
    ok(team.run("bob", "access", "grant", "y", "alice", "--read-only"))
    ok(team.run("alice", "log", "x", "hearing", "2020-01-01", "-p", "maria-hidden"))
    ok(team.run("bob", "access", "revoke", "y", "alice"))
    ok(team.run("alice", "case", "remove", "x", "--cascade", "--yes"))
    refused = team.run("alice", "undo")
    assert refused.exit_code == 1
    assert re.fullmatch(
        r"Error: reverting history entry x \d+ would bring back case x with event \w+ naming"
        r" maria-hidden, whom you no longer see \(through its events\); nothing was changed:"
        r" once you see them again \(access to a case they have a role or an event in\), it"
        r" can be reverted\n",
        refused.stderr,
    )
    ok(team.run("bob", "access", "grant", "y", "alice", "--read-only"))
    ok(team.run("alice", "undo"))
    assert ok(team.run("alice", "verify")).stdout.startswith("OK")


@pytest.mark.parametrize(
    "second",
    [
        ("case", "remove", "kudoyarov", "--cascade", "--yes"),
        ("person", "edit", "anna-one", "--name", "Anna Renamed"),
        ("log", "kudoyarov", "release", "2011-06-02", "-p", "anna-one"),
    ],
)
def test_two_undos_then_two_redos_put_every_record_back_as_on_a_file(
    sample: Team, second: tuple[str, ...]
) -> None:
    """The second redo was refused: the first command's undo and redo, run after the
    command the second redo acts on, had "changed" the records it wrote, though
    together they changed nothing (as on a file, where the redo goes through)."""
    ok(sample.run("alice", "person", "add", "Anna One", "--case", "aleksanyan", "--role",
                  "witness"))  # fmt: skip
    ok(sample.run("alice", "person", "add", "Anna Uno", "--case", "kudoyarov", "--role",
                  "witness"))  # fmt: skip
    ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01", "-p", "anna-uno"))
    ok(sample.run("alice", "person", "merge", "anna-one", "anna-uno", "--yes"))
    ok(sample.run("alice", *second))
    before = _records(sample)
    for verb in ("undo", "undo", "redo", "redo"):
        ok(sample.run("alice", verb))
    assert _records(sample) == before
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK")
    assert sample.run("alice", "redo").stderr == "Error: nothing of yours to redo on this server\n"


@pytest.mark.parametrize("access", ["read-only", ""])
def test_a_case_is_removed_though_its_person_has_a_role_in_a_case_the_remover_cannot_write(
    team: Team, access: str
) -> None:
    """Bob linked alice's witness into his own case. Alice's `case remove` then said
    "person pavel-shared was changed by another command while this one ran ... run it
    again", every time (the person's row, which the command never changes, could not be
    locked past bob's case's policy), or "read-only access to case y" (bob's case, which
    the removal does not change)."""
    ok(team.run("alice", "case", "add", "x", "--title", "X"))
    ok(team.run("bob", "case", "add", "y", "--title", "Y"))
    ok(team.run("alice", "person", "add", "Pavel Shared", "--case", "x", "--role", "witness"))
    ok(team.run("alice", "access", "grant", "x", "bob"))
    ok(team.run("bob", "person", "link", "pavel-shared", "y", "--role", "lawyer"))
    ok(team.run("alice", "access", "revoke", "x", "bob"))
    if access:
        ok(team.run("bob", "access", "grant", "y", "alice", f"--{access}"))
    ok(team.run("alice", "log", "x", "hearing", "2020-01-01", "-p", "pavel-shared"))
    bobs = ok(team.run("bob", "person", "show", "pavel-shared", "--json")).stdout
    removed = ok(team.run("alice", "case", "remove", "x", "--cascade", "--yes"))
    assert removed.stdout == "Removed case x (1 event(s) removed, 1 person(s) unlinked).\n"
    assert ok(team.run("bob", "person", "show", "pavel-shared", "--json")).stdout == bobs
    for role in ("alice", "bob"):
        assert ok(team.run(role, "verify")).stdout.startswith("OK")
    assert team.sql("SELECT case_id FROM dossier.unsettled") == []  # bob's case untouched
    # Their role in x is given back only by one who may change them, which bob's case
    # (read-only to alice, or not hers to see) says alice may not.
    why = (
        "a case you may not change has them, by a role or an event"
        if access
        else "you no longer see them"
    )
    refused = team.run("alice", "undo")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: undo would give pavel-shared back their role in case x, which only one who"
        f" may change them can give ({why}); nothing was changed\n"
    )
    assert [c["id"] for c in json.loads(ok(team.run("bob", "case", "list", "--json")).stdout)
            ] == ["y"]  # fmt: skip


# What schema 10 added, dropped: a database as schema 9 left it.
_BEFORE_10 = (
    "DROP TABLE dossier.removed_cases; DROP FUNCTION dossier.restore_case;"
    " DROP FUNCTION dossier.keep_removed CASCADE;"
    " DROP FUNCTION dossier.removed_entries, dossier.removed_chains;"
    " DROP INDEX dossier.cases_by_n;"
)


def test_undo_of_a_removal_from_before_the_server_kept_its_number_is_refused(
    team: Team,
) -> None:
    ok(team.run("alice", "case", "add", "c0", "--title", "C0"))
    ok(team.run("alice", "case", "add", "c1", "--title", "C1"))
    number = team.sql("SELECT n FROM dossier.cases WHERE id = 'c1'")[0][0]
    ok(team.run("alice", "case", "remove", "c1", "--cascade", "--yes"))
    team.sql(f"{_BEFORE_10} DELETE FROM dossier.migrations WHERE version = 10")
    ok(CliRunner().invoke(app, ["server", "init", "--db", team.url("postgres")]))
    # The upgrade finds the removed case by its chain; who removed it, it cannot tell.
    assert team.sql("SELECT n, id, removed_by FROM dossier.removed_cases") == [(number, "c1", None)]
    refused = team.run("alice", "undo")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "Error: your last change removed case c1 before this server kept what undo needs"
    )
    assert [c["id"] for c in json.loads(ok(team.run("alice", "case", "list", "--json")).stdout)
            ] == ["c0"]  # fmt: skip


def test_undo_refuses_when_another_role_changed_a_person_since(sample: Team) -> None:
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    ok(sample.run("alice", "person", "add", "Xavier Roleless"))
    ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-01", "-p", "xavier-roleless"))
    ok(sample.run("bob", "person", "edit", "xavier-roleless", "--notes", "bob's note"))
    ok(sample.run("alice", "undo"))  # her log: the event is hers alone
    refused = sample.run("alice", "undo")  # her person add: bob changed the person since
    assert refused.exit_code == 1
    assert "person xavier-roleless was changed since" in refused.stderr
    shown = json.loads(ok(sample.run("alice", "person", "show", "xavier-roleless",
                                     "--json")).stdout)  # fmt: skip
    assert shown["notes"] == "bob's note"


def _big_import(team: Team, tmp_path: Path, *extra: str) -> list[str]:
    """alice imports more records than a history entry keeps the form of (AFTER_LIMIT)
    into kudoyarov, with `extra` JSON lines; the ids of the events."""
    from dossier.history import AFTER_LIMIT

    lines = [
        json.dumps({"kind": "event", "id": f"big{n}", "case": "kudoyarov", "type": "statement",
                    "date": "2011-06-01", "description": f"statement {n}"})
        for n in range(AFTER_LIMIT + 1)
    ]  # fmt: skip
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    ok(team.run("alice", "import", str(path)))
    return [f"big{n}" for n in range(AFTER_LIMIT + 1)]


def test_undo_of_a_big_import_refuses_when_sql_changed_its_records(
    sample: Team, tmp_path: Path
) -> None:
    """A big command keeps no form of what it wrote; the marks and the record digests
    tell undo what SQL changed since."""
    events = _big_import(sample, tmp_path)
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        " '\"Elsewhere\"')::json WHERE id = %s",
        events[7],
    )
    refused = sample.run("alice", "undo")
    assert refused.exit_code == 1
    assert refused.stderr.endswith(
        "\nError: event big7 was changed with SQL since; nothing was changed\n"
    )
    # An SQL change to a record the import did not write does not stop its undo.
    sample.sql("UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
               " 'null')::json WHERE id = %s", events[7])  # fmt: skip
    other = sample.sql("SELECT id FROM dossier.events WHERE case_id = 'kudoyarov'"
                       " AND id NOT LIKE 'big%%' LIMIT 1")[0][0]  # fmt: skip
    sample.sql(
        "UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
        " '\"Elsewhere\"')::json WHERE id = %s",
        other,
    )
    ok(sample.run("alice", "undo"))
    assert sample.sql("SELECT count(*) FROM dossier.events WHERE id LIKE 'big%%'") == [(0,)]


def test_undo_of_a_big_import_refuses_when_another_role_changed_its_person_in_no_case(
    sample: Team, tmp_path: Path
) -> None:
    """The person goes to alice's own chain, which keeps its form however big the import:
    bob's edit goes to his own chain, and only that form tells alice's undo of it."""
    person = {"kind": "person", "id": "xavier-roleless", "name": "Xavier Roleless"}
    _big_import(sample, tmp_path, json.dumps(person))
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-02", "-p", "xavier-roleless"))
    ok(sample.run("bob", "person", "edit", "xavier-roleless", "--notes", "bob's note"))
    ok(sample.run("alice", "undo"))  # her log
    refused = sample.run("alice", "undo")  # her import: bob changed its person since
    assert refused.exit_code == 1
    assert "person xavier-roleless was changed since" in refused.stderr


def test_a_case_created_again_does_not_show_the_removed_ones_history(team: Team) -> None:
    ok(team.run("alice", "case", "add", "gone", "--title", "Gone"))
    ok(team.run("alice", "log", "gone", "statement", "2011-10-12", "--description", "secret"))
    ok(team.run("alice", "case", "remove", "gone", "--cascade", "--yes"))
    ok(team.run("bob", "case", "add", "gone", "--title", "Bobs own"))
    entries = json.loads(ok(team.run("bob", "history", "--json", "-n", "0")).stdout)
    assert [(e["case"], e["seq"], e["command"]) for e in entries] == [
        ("gone", 1, "case add gone --title 'Bobs own'")
    ]
    rows = team.sql("SELECT case_id, seq, command FROM dossier.history", role="bob")
    assert rows == [("gone", 1, "case add gone --title 'Bobs own'")]
    assert ok(team.run("bob", "verify")).stdout.startswith("OK:")
    # Alice still has her removal in her own chain, and nothing else of the old case.
    mine = json.loads(ok(team.run("alice", "history", "--json")).stdout)
    assert [(e["case"], e["seq"]) for e in mine] == [("~alice", 1)]
    # Nor does the database owner, whom row-level security does not filter: the old
    # chain is not the case's, and a write to the new case continues the new chain.
    ok(team.run("postgres", "log", "gone", "hearing", "2012-01-10"))
    assert ok(team.run("postgres", "case", "list")).stderr == ""  # no old state compared
    everyone = json.loads(ok(team.run("postgres", "history", "--json")).stdout)
    assert sorted((e["case"], e["seq"], e["role"]) for e in everyone) == [
        ("gone", 1, "bob"), ("gone", 2, "postgres"), ("~alice", 1, "alice")
    ]  # fmt: skip
    assert ok(team.run("postgres", "verify")).stdout.startswith("OK:")
    assert ok(team.run("bob", "verify")).stdout.startswith("OK:")


def test_a_cases_history_does_not_name_what_its_members_may_not_see(
    sample: Team, tmp_path: Path
) -> None:
    """A review's find: a command that changed a case bob reads and one he may not see
    (a person of his case linked to a protected witness's case, an event moved there,
    that case removed, a person only it held merged away) kept its whole command line
    in his case's history: `history` and psql showed him the hidden case's id and the
    hidden person's id or name. His case's entries now keep the command with those
    replaced; the hidden case's own entries, which alice reads, keep it whole."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    ok(sample.run("alice", "case", "add", "witness-maria", "--title", "Protected witness M."))
    ok(sample.run("alice", "person", "add", "Maria Ivanova", "--alias", "Мария Иванова",
                  "--case", "witness-maria", "--role", "witness"))  # fmt: skip
    ok(sample.run("alice", "person", "link", "andrei-kudoyarov", "witness-maria", "--role",
                  "witness"))  # fmt: skip
    moved = ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-10-12", "-p",
                          "andrei-kudoyarov")).stdout.strip()  # fmt: skip
    ok(sample.run("alice", "event", "edit", moved, "--case=witness-maria"))
    # A review's finds: what a moved event became (the persons, the words, the place it
    # was given as it went), and a file named after the hidden case.
    second = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-10-13", "-p",
                           "andrei-kudoyarov")).stdout.strip()  # fmt: skip
    ok(sample.run("alice", "event", "edit", second, "--case", "witness-maria", "--add-person",
                  "maria-ivanova", "-d", "Maria Ivanova testified at the safe house",
                  "--place", "Safe house, Rua X 12"))  # fmt: skip
    # A second review's find: a short option with its value in one word (-dTEXT).
    third = ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-10-13", "-p",
                          "andrei-kudoyarov")).stdout.strip()  # fmt: skip
    ok(sample.run("alice", "event", "edit", third, "--case", "witness-maria",
                  "-dShe hides at the safe house", "--place=-Safe house"))  # fmt: skip
    rows = tmp_path / "witness-maria-hearing.csv"
    rows.write_text("case,date,type,person\nkudoyarov,2011-10-14,hearing,andrei-kudoyarov\n"
                    "witness-maria,2011-10-14,hearing,maria-ivanova\n")  # fmt: skip
    ok(sample.run("alice", "import", str(rows)))
    ok(sample.run("alice", "person", "merge", "andrei-kudoyarov", "Мария Иванова", "--yes"))
    # The hidden case's own entries, which alice reads, keep the commands whole.
    mine = json.loads(ok(sample.run("alice", "history", "--json", "-n", "0")).stdout)
    assert [e["command"] for e in mine if e["case"] == "witness-maria"][-4:] == [
        f"event edit {second} --case witness-maria --add-person maria-ivanova -d 'Maria"
        " Ivanova testified at the safe house' --place 'Safe house, Rua X 12'",
        f"event edit {third} --case witness-maria '-dShe hides at the safe house'"
        " '--place=-Safe house'",
        "import '(not shown)'",  # it wrote into kudoyarov too: the file's name may say so
        "person merge andrei-kudoyarov 'Мария Иванова' --yes",
    ]
    ok(sample.run("alice", "case", "remove", "witness-maria", "--cascade", "--yes"))
    # The merge makes her names Kudoyarov's aliases (the same human being): his record
    # shows them. Her id and her case's are nowhere; her names in no command line.
    ids = ("witness-maria", "maria-ivanova", "safe house", "Safe house", "hides")
    names = ("Мария Иванова", "Maria Ivanova")
    entries = json.loads(ok(sample.run("bob", "history", "--json")).stdout)
    assert not [w for w in ids if w in json.dumps(entries, ensure_ascii=False)]
    assert not [w for e in entries for w in names if w in e["command"]]
    rows = sample.sql("SELECT command, entry::text FROM dossier.history", role="bob")
    assert not [w for command, entry in rows for w in ids if w in command or w in entry]
    assert not [w for command, _entry in rows for w in names if w in command]
    verbs = ("person link", "event edit", "import", "person merge", "case remove")
    commands = [e["command"] for e in entries if e["command"].startswith(verbs)]
    assert commands == [
        # The sample's import wrote three cases: bob, in one, is not told its files' names.
        "import '(not shown)' '(not shown)' '(not shown)'",
        # Not what he became there either: a word of the vocabularies is a value too.
        "person link andrei-kudoyarov '(not shown)' --role '(not shown)'",
        f"event edit {moved} '--case=(not shown)'",
        f"event edit {second} --case '(not shown)' --add-person '(not shown)' -d '(not shown)'"
        " --place '(not shown)'",
        f"event edit {third} --case '(not shown)' '-d(not shown)' '--place=(not shown)'",
        "import '(not shown)'",
        "person merge andrei-kudoyarov '(not shown)' --yes",
        "case remove '(not shown)' --cascade --yes",
    ]
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK:")
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")


def test_a_person_unlinked_from_another_case_is_told_by_the_verb_unlink(
    sample: Team,
) -> None:
    """A reviewer's find: `person unlink` was told in the other case's chain as "person
    '(not shown)' …": the verb itself, missing from the words that tell nothing, was
    hidden as a value."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    for verb in ("link", "unlink"):
        ok(sample.run("alice", "person", verb, "andrei-kudoyarov", "aleksanyan", "--role",
                      "witness"))  # fmt: skip
    entries = json.loads(ok(sample.run("bob", "history", "--json", "-n", "0")).stdout)
    assert [e["command"] for e in entries][-2:] == [
        "person link andrei-kudoyarov '(not shown)' --role '(not shown)'",
        "person unlink andrei-kudoyarov '(not shown)' --role '(not shown)'",
    ]


def test_only_the_owner_removes_a_case_and_a_refusal_keeps_its_events(sample: Team) -> None:
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    before = counts(sample)
    refused = sample.run("bob", "case", "remove", "kudoyarov", "--cascade", "--yes")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: only the owner of case kudoyarov may remove it\n"
    )  # fmt: skip
    assert counts(sample) == before
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")


def test_psql_shows_no_role_in_a_case_one_cannot_see(sample: Team) -> None:
    """Bypassing dossier does not help: a person's roles are rows of their cases, and a
    shared case's history keeps only the person's roles in that case."""
    ok(sample.run("bob", "case", "add", "secret", "--title", "Secret"))
    ok(sample.run("bob", "case", "add", "shared", "--title", "Shared"))
    ok(sample.run("bob", "access", "grant", "shared", "alice"))
    ok(sample.run("bob", "person", "add", "Olga Secret", "--case", "secret", "--role", "witness"))
    ok(sample.run("bob", "person", "link", "olga-secret", "shared", "--role", "relative"))
    ok(sample.run("bob", "person", "edit", "olga-secret", "--notes", "moved to Riga"))
    tables = ("persons", "person_cases", "history", "events", "event_persons", "cases")
    for table in tables:
        rows = sample.sql(f"SELECT * FROM dossier.{table}", role="alice")
        assert "secret'" not in repr(rows).replace("olga-secret", ""), table
    assert sample.sql(
        "SELECT case_id, role FROM dossier.person_cases WHERE person_id = 'olga-secret'",
        role="alice",
    ) == [("shared", "relative")]
    # Bob sees both roles, and undo of his edit brings back both.
    ok(sample.run("bob", "undo"))
    shown = json.loads(ok(sample.run("bob", "person", "show", "olga-secret", "--json")).stdout)
    assert shown["roles"] == [
        {"case": "secret", "role": "witness"},
        {"case": "shared", "role": "relative"},
    ]
    assert shown["notes"] is None
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK:")


def test_a_namesake_of_a_person_one_cannot_see_gets_the_next_id(
    sample: Team, tmp_path: Path
) -> None:
    ok(sample.run("bob", "case", "add", "secret", "--title", "Secret"))
    ok(sample.run("bob", "person", "add", "Olga Secret", "--case", "secret", "--role", "witness"))
    added = json.loads(ok(sample.run("alice", "person", "add", "Olga Secret", "--json")).stdout)
    assert added["id"] == "olga-secret-2"
    # The importer too; a name alice sees is the person she sees (not a new one).
    ok(sample.run("bob", "person", "add", "Ivan Hidden", "--case", "secret", "--role", "witness"))
    rows = tmp_path / "persons.csv"
    rows.write_text(
        "name,case,role\nIvan Hidden,kudoyarov,witness\nOlga Secret,kudoyarov,witness\n",
        encoding="utf-8",
    )
    ok(sample.run("alice", "import", str(rows)))
    seen = sample.sql("SELECT id FROM dossier.persons WHERE id ~ '(olga-secret|ivan-hidden)'"
                      " ORDER BY id", role="alice")  # fmt: skip
    assert seen == [("ivan-hidden-2",), ("olga-secret-2",)]


def test_whoever_loses_a_case_loses_the_persons_they_added_to_it(sample: Team) -> None:
    ok(sample.run("bob", "case", "add", "theirs", "--title", "Bob's"))
    ok(sample.run("bob", "access", "grant", "theirs", "alice"))
    ok(sample.run("alice", "person", "add", "Zed Witness", "--case", "theirs", "--role", "witness"))
    ok(sample.run("alice", "person", "add", "Nobody Yet"))  # in no case: still hers
    ok(sample.run("bob", "access", "revoke", "theirs", "alice"))
    seen = json.loads(ok(sample.run("alice", "person", "list", "--json")).stdout)
    assert "zed-witness" not in {p["id"] for p in seen}
    assert "nobody-yet" in {p["id"] for p in seen}
    assert sample.sql("SELECT id FROM dossier.persons WHERE id = 'zed-witness'", role="alice") == []
    missing = sample.run("alice", "person", "show", "zed-witness")
    assert (missing.exit_code, missing.stderr.startswith("Error: no person 'zed-witness'")) == (
        1, True
    )  # fmt: skip


def test_a_report_of_several_cases_names_them_and_verify_finds_its_hash(sample: Team) -> None:
    report = " ".join(ok(sample.run("alice", "report", "aleksanyan", "kudoyarov")).stdout.split())
    # A new user's find: the footer said 'dossier verify --hash --case A --case B', which,
    # the hash pasted after it, gave "--case" to --hash. The hash goes last now.
    footer = "State hash (check with 'dossier verify --case aleksanyan --case kudoyarov --hash'):"
    state = report.split(footer)[1].split()[0]
    pasted = [*footer.split("'")[1].split()[1:], state]
    assert "Found: " in ok(sample.run("alice", *pasted)).stdout
    check = ["verify", "--hash", state, "--case", "aleksanyan", "--case", "kudoyarov", "--json"]
    found = json.loads(ok(sample.run("alice", *check)).stdout)
    assert (found["found"], found["current"], found["changes_since"]) == (True, True, [])
    ok(sample.run("alice", "log", "khodorkovsky", "statement", "2011-10-12"))  # not reported
    ok(sample.run("alice", "log", "kudoyarov", "statement", "2011-10-13"))
    found = json.loads(ok(sample.run("alice", *check)).stdout)
    assert (found["found"], found["current"]) == (True, False)
    assert [c["command"] for c in found["changes_since"]] == ["log kudoyarov statement 2011-10-13"]
    # Each case numbers its own entries: the case names the change.
    assert found["changes_since"][0]["case"] == "kudoyarov"
    said = ok(sample.run("alice", *check[:-1])).stdout.splitlines()
    assert said[-1].startswith(f"  kudoyarov #{found['changes_since'][0]['seq']} ")
    # Without the cases, the combined hash of two of three cases is not found: said so,
    # not as if no report had ever been made from the dossier.
    alone = sample.run("alice", "verify", "--hash", state, "--json")
    assert json.loads(alone.stdout)["found"] is False
    alone = sample.run("alice", "verify", "--hash", state)
    assert (alone.exit_code, alone.stderr) == (1, (
        f"Error: the dossier was never in state {state}, as a whole or as any one case; a"
        " report of several cases is found with them, as its footer says (dossier verify"
        f" --case A --case B --hash {state})\n"
    ))  # fmt: skip
    other = sample.run("alice", "verify", "--hash", state, "--case", "khodorkovsky")
    assert (other.exit_code, other.stderr) == (
        1, f"Error: case khodorkovsky was never in state {state}\n"
    )  # fmt: skip
    others = sample.run("alice", "verify", "--hash", state, "--case", "khodorkovsky", "--case",
                        "aleksanyan")  # fmt: skip
    assert (others.exit_code, others.stderr) == (
        1, f"Error: cases khodorkovsky, aleksanyan were never together in state {state}\n"
    )  # fmt: skip
    # A case one cannot see, or that does not exist, is named as any command names it.
    ok(sample.run("alice", "access", "grant", "aleksanyan", "bob"))
    for case in ("nosuch", "kudoyarov"):
        unknown = sample.run("bob", "verify", "--hash", state, "--case", case)
        assert (unknown.exit_code, unknown.stderr.replace(case, "X")) == (
            1, "Error: no case 'X'; see 'dossier case list'\n"
        ), unknown.stderr  # fmt: skip


def test_a_writer_of_a_shared_case_edits_and_links_a_person_someone_else_added(
    sample: Team,
) -> None:
    ok(sample.run("alice", "case", "add", "shared", "--title", "Shared"))
    ok(sample.run("alice", "access", "grant", "shared", "bob"))
    ok(sample.run("alice", "person", "add", "Ivan Lawyer", "--case", "shared", "--role", "lawyer"))
    ok(sample.run("bob", "person", "edit", "ivan-lawyer", "--notes", "lead counsel"))
    ok(sample.run("bob", "person", "link", "ivan-lawyer", "shared", "--role", "witness"))
    shown = json.loads(ok(sample.run("alice", "person", "show", "ivan-lawyer", "--json")).stdout)
    assert (shown["notes"], shown["roles"]) == ("lead counsel", [
        {"case": "shared", "role": "lawyer"}, {"case": "shared", "role": "witness"}
    ])  # fmt: skip
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK:")


def test_no_function_tells_a_member_of_a_person_it_cannot_see(sample: Team) -> None:
    ok(sample.run("bob", "person", "add", "Nobody Yet"))  # bob's, in no case
    for person in ("nobody-yet", "no-such-person", "andrei-kudoyarov"):
        assert sample.sql("SELECT dossier.unlinked(%s)", person, role="alice") == [(False,)]


def test_a_one_case_report_after_a_copy_is_found_unchanged(team: Team, tmp_path: Path) -> None:
    db = str(tmp_path / "file.json")
    ok(CliRunner().invoke(app, ["--db", db, "import", *SAMPLE]))
    ok(CliRunner().invoke(app, ["copy", db, team.url("alice")]))
    report = ok(team.run("alice", "report", "aleksanyan")).stdout
    state = report.split("State hash (check with 'dossier verify --hash'):")[1].split()[0]
    found = json.loads(ok(team.run("alice", "verify", "--hash", state, "--json")).stdout)
    assert (found["found"], found["current"], found["changes_since"]) == (True, True, [])


def test_a_persons_roles_in_cases_one_cannot_see_are_not_shown(sample: Team) -> None:
    ok(sample.run("bob", "case", "add", "secret", "--title", "Secret"))
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    ok(sample.run("bob", "case", "add", "shared", "--title", "Shared"))
    ok(sample.run("bob", "access", "grant", "shared", "alice"))
    ok(sample.run("bob", "person", "add", "Olga Secret", "--case", "secret", "--role", "witness"))
    ok(sample.run("bob", "person", "link", "olga-secret", "shared", "--role", "relative"))
    for args in (("person", "show", "olga-secret", "--json"), ("export",)):
        seen = ok(sample.run("alice", *args)).stdout
        assert "secret" not in seen.replace("olga-secret", "").replace("Olga Secret", ""), args
    shown = json.loads(ok(sample.run("alice", "person", "show", "olga-secret", "--json")).stdout)
    assert shown["roles"] == [{"case": "shared", "role": "relative"}]
    # Nor by the refusal to change her: alice may not, and is told so without the case.
    refused = sample.run("alice", "person", "edit", "olga-secret", "--notes", "x")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: person olga-secret is in a case you may not change: changing a person"
        " takes every case they have a role in, and removing them every case that names"
        " them\n"
    )  # fmt: skip
    # Every member computes the same state for the case they share.
    assert ok(sample.run("alice", "verify")).stdout.startswith("OK:")
    assert ok(sample.run("bob", "verify")).stdout.startswith("OK:")
    report = ok(sample.run("alice", "report", "shared")).stdout
    state = report.split("State hash (check with 'dossier verify --hash'):")[1].split()[0]
    assert json.loads(ok(sample.run("bob", "verify", "--hash", state, "--json")).stdout)["found"]


def test_an_import_locks_only_the_cases_its_rows_name(
    sample: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import took every writer's lock and read every case: five rows into one case
    of a million-event server took 7 s, and no one could write anywhere meanwhile. It
    locks the cases its rows name now: a log into another case goes ahead while the
    import holds its own."""
    rows = tmp_path / "events.csv"
    rows.write_text("case,date,type,description,source\nkudoyarov,2011-06-01,hearing,imported,s\n")
    held = _held(sample, tmp_path, "alice", "import", str(rows))
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "5")  # as busy (exit 3) if it had to wait
    ok(sample.run("alice", "log", "aleksanyan", "hearing", "2011-06-02"))
    _release(tmp_path)
    out, err = held.communicate(timeout=60)
    assert (held.returncode, err) == (0, "")
    assert out.startswith(f"Imported: {rows}")
    assert sample.sql(
        "SELECT case_id FROM dossier.events WHERE record->>'description' = 'imported'"
    ) == [("kudoyarov",)]
    ok(sample.run("alice", "verify"))


def test_an_import_waits_for_a_writer_of_a_case_it_names(sample: Team, tmp_path: Path) -> None:
    """The other side: an import into a case a log holds waits for the log, then reads
    what it wrote (an id-less row equal to the logged event is that event, unchanged)."""
    log = _held(sample, tmp_path, "alice", "log", "kudoyarov", "hearing", "2011-06-01",
                "--description", "logged", "--source", "s")  # fmt: skip
    rows = tmp_path / "events.csv"
    rows.write_text("case,date,type,description,source\nkudoyarov,2011-06-01,hearing,logged,s\n")
    importing = _spawn(sample.url(), "import", str(rows), "--json")
    _waits_for_a_lock(sample, "alice")
    _release(tmp_path)
    assert log.communicate(timeout=60)[1] == ""
    out, err = importing.communicate(timeout=60)
    assert (importing.returncode, err) == (0, b"")
    summary = json.loads(out)
    assert (summary["added"]["events"], summary["unchanged"]["events"]) == (0, 1)
    assert (
        len(sample.sql("SELECT 1 FROM dossier.events WHERE record->>'description' = 'logged'")) == 1
    )


def test_an_import_changes_every_case_its_rows_reach(sample: Team, tmp_path: Path) -> None:
    """What an import's rows reach beyond the cases they name is locked and read too:
    the case an event is moved out of (by its id), the other cases of a person it
    updates, the role's own chain for the persons --create-missing adds. Each went
    through, and the chains of every case still verify."""
    moved = sample.sql(
        "SELECT id FROM dossier.events WHERE case_id = 'aleksanyan' ORDER BY n LIMIT 1"
    )[0][0]
    person = sample.sql("SELECT person_id FROM dossier.person_cases WHERE case_id = 'aleksanyan'"
                        " ORDER BY position LIMIT 1")[0][0]  # fmt: skip
    ok(sample.run("alice", "person", "link", person, "kudoyarov", "--role", "witness"))
    events = tmp_path / "events.csv"
    events.write_text(
        "id,case,date,type,person,source\n"
        f"{moved},kudoyarov,2009-01-01,hearing,,s\n"
        ",brand-new,2012-03-04,statement,Someone Quite New,s\n"
    )
    persons = tmp_path / "persons.json"
    roles = [{"case": "kudoyarov", "role": "witness"}]
    persons.write_text(
        json.dumps({"persons": [{"id": person, "name": "Renamed Person", "roles": roles}]})
    )
    ok(sample.run("alice", "import", str(events), str(persons), "--create-missing"))
    assert sample.sql("SELECT case_id FROM dossier.events WHERE id = %s", moved) == [("kudoyarov",)]
    assert sample.sql("SELECT record->>'name' FROM dossier.persons WHERE id = %s", person) == [
        ("Renamed Person",)
    ]
    assert sample.sql("SELECT id FROM dossier.persons WHERE record->>'name' = 'Someone Quite New'")
    assert sample.sql("SELECT id FROM dossier.cases WHERE id = 'brand-new'") == [("brand-new",)]
    verified = ok(sample.run("alice", "verify"))
    assert "OK" in verified.stdout, verified.stdout


def test_an_import_matches_a_person_rows_name_as_a_file_does(sample: Team, tmp_path: Path) -> None:
    """A review's finds: a person row's name was locked as an id first (a name that is
    another person's id locked that person, not the one the importer then matched by
    alias), and a name of punctuation alone ("***", as a redacted judgment gives it)
    locked no one: both imports were refused where a file's went through."""
    for args in (
        ["case", "add", "a", "--title", "A"],
        ["case", "add", "b", "--title", "B"],
        ["person", "add", "Ivan Petrov", "--alias", "ivan", "--case", "a", "--role", "witness"],
        ["person", "add", "***", "--case", "a", "--role", "witness"],
    ):
        ok(sample.run("alice", *args))
    first = tmp_path / "first.csv"
    first.write_text("id,name,case,role\nivan,Ivan Sidorov,b,witness\n")
    ok(sample.run("alice", "import", str(first)))
    rows = tmp_path / "rows.csv"
    rows.write_text("name,notes\nivan,updated notes\n")
    ok(sample.run("alice", "import", str(rows)))
    notes = "SELECT id, record->>'notes' FROM dossier.persons WHERE id IN ('ivan-petrov', 'ivan')"
    assert dict(sample.sql(notes)) == {"ivan-petrov": "updated notes", "ivan": None}
    # "***" names no one (it folds to nothing, as "—" does): a row without an id is
    # refused, as a file refuses it, rather than taken for one whom another redacted
    # judgment called so, or added again on each run.
    rows.write_text("name,notes\n***,redacted\n")
    refused = sample.run("alice", "import", str(rows))
    assert (refused.exit_code, refused.stderr.splitlines()[0]) == (1, (
        f"Error: {rows}:2: name: '***' names no one (it has no letter or digit); leave it"
        " out, or give an id"
    ))  # fmt: skip


def test_an_import_holds_no_one_a_cyrillic_name_only_folds_like(
    sample: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person row's name locks the persons it names as the importer matches it
    (`search.name_keys`): "Пётр Шукин", a new person, does not name Пётр Щукин, whom it
    only folds like, so his case is not held meanwhile."""
    ok(sample.run("alice", "person", "add", "Пётр Щукин", "--case", "aleksanyan",
                  "--role", "witness"))  # fmt: skip
    rows = tmp_path / "persons.csv"
    rows.write_text("name,case,role\nПётр Шукин,kudoyarov,witness\n")
    held = _held(sample, tmp_path, "alice", "import", str(rows))
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "5")  # as busy (exit 3) if it had to wait
    ok(sample.run("alice", "log", "aleksanyan", "hearing", "2011-06-02", "-p", "petr-shchukin"))
    _release(tmp_path)
    out, _err = held.communicate(timeout=60)
    assert held.returncode == 0
    assert out.startswith(f"Imported: {rows}")
    names = "SELECT id, record->>'name' FROM dossier.persons WHERE id = ANY(%s)"
    assert dict(sample.sql(names, ["petr-shchukin", "petr-shukin"])) == {
        "petr-shchukin": "Пётр Щукин", "petr-shukin": "Пётр Шукин"
    }  # fmt: skip


def test_a_person_a_name_came_to_name_meanwhile_is_not_written_over(
    sample: Team, tmp_path: Path
) -> None:
    """A review's find: "Olga" named no one when the import took its locks; bob gave Olga
    Petrova that alias before the import read, so it matched and wrote her, her row not
    locked: bob's next change of her, made after that read, was lost, and `verify` saw
    nothing wrong. A person written whose row was not locked before the read is locked
    at the commit and compared with what was read: changed meanwhile, the command is
    refused whole."""
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    ok(sample.run("alice", "person", "add", "Olga Petrova"))
    ok(sample.run("alice", "log", "kudoyarov", "hearing", "2010-01-01", "-p", "olga-petrova",
                  "--source", "s"))  # fmt: skip
    rows = tmp_path / "rows.csv"
    rows.write_text("name,notes\nOlga,alice notes\n")
    held = _held(sample, tmp_path, "alice", "import", str(rows), read=True)
    ok(sample.run("bob", "person", "edit", "olga-petrova", "--add-alias", "Olga"))
    _release(tmp_path)
    assert held.stderr is not None and held.stderr.readline() == "READ\n"
    ok(sample.run("bob", "person", "edit", "olga-petrova", "--nationality", "RU"))
    (tmp_path / "read").touch()
    _out, err = held.communicate(timeout=60)
    assert held.returncode == 1
    assert err.startswith(
        "Error: person olga-petrova was changed by another command while this one ran;"
        " nothing was written: run it again"
    ), err
    person = "SELECT record->>'nationality', record->>'notes' FROM dossier.persons"
    assert sample.sql(person + " WHERE id = 'olga-petrova'") == [("RU", None)]
    ok(sample.run("alice", "verify"))


def test_a_name_that_came_to_name_someone_of_other_cases_meanwhile_is_refused(
    sample: Team, tmp_path: Path
) -> None:
    """As above, with a person who has roles: "Olga" named no one when bob's import took
    its locks, and then came to name a person of two cases it had not locked. Refused
    whole, with what happened and what to do (it said "may change only case(s) ~bob",
    as if dossier had a bug)."""
    for case in ("kudoyarov", "aleksanyan"):
        ok(sample.run("alice", "access", "grant", case, "bob"))
    ok(sample.run("alice", "person", "add", "Olga Petrova", "--case", "kudoyarov",
                  "--role", "witness"))  # fmt: skip
    ok(sample.run("alice", "person", "link", "olga-petrova", "aleksanyan", "--role", "witness"))
    rows = tmp_path / "rows.csv"
    rows.write_text("name,notes\nOlga,bob notes\n")
    held = _held(sample, tmp_path, "bob", "import", str(rows))
    ok(sample.run("alice", "person", "edit", "olga-petrova", "--add-alias", "Olga"))
    _release(tmp_path)
    _out, err = held.communicate(timeout=60)
    assert (held.returncode, err) == (1, (
        "Error: this command came to change case(s) aleksanyan, kudoyarov, which it had not"
        " locked (a name it matched may have come to name someone there while it ran);"
        " nothing was written: run it again\n"
    ))  # fmt: skip
    notes = "SELECT record->>'notes' FROM dossier.persons WHERE id = 'olga-petrova'"
    assert sample.sql(notes) == [(None,)]
    ok(sample.run("bob", "import", str(rows)))  # run again: it locks her case now
    assert sample.sql(notes) == [("bob notes",)]
    ok(sample.run("alice", "verify"))


def test_two_imports_that_give_one_new_event_id_take_turns(sample: Team, tmp_path: Path) -> None:
    """A review's find: the ids an import gives are new where not found, and were not
    locked: a second import of one new id into another case went ahead, and the first
    was then refused as giving a taken id. Now the second waits for the first, then
    moves the event, as it does when the two run one after the other."""
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("id,case,date,type,source\nev-1,kudoyarov,2010-01-01,hearing,s\n")
    two.write_text("id,case,date,type,source\nev-1,aleksanyan,2010-01-01,hearing,s\n")
    held = _held(sample, tmp_path, "alice", "import", str(one))
    second = _spawn(sample.url(), "import", str(two), "--json")
    _waits_for_a_lock(sample, "alice")
    _release(tmp_path)
    assert held.communicate(timeout=60)[1] == ""
    out, err = second.communicate(timeout=60)
    assert (second.returncode, err) == (0, b"")
    assert json.loads(out)["updated"]["events"] == 1
    assert sample.sql("SELECT case_id FROM dossier.events WHERE id = 'ev-1'") == [("aleksanyan",)]
    ok(sample.run("alice", "verify"))


def test_a_case_remove_and_a_link_elsewhere_to_its_persons_do_not_deadlock(
    team: Team, tmp_path: Path
) -> None:
    """A review's find: `case remove` compares, at its commit, the persons it unlinks
    (their rows were not locked before it read); it locked them FOR UPDATE, which waits
    for the lock a link takes of its person (FOR KEY SHARE), held by a writer of another
    case that was itself waiting for one of those persons: a deadlock, which the command
    then called a lock it had waited 30 s for. It locks them as an update that leaves
    their key alone does now, which every change of them still waits for."""
    import psycopg

    for args in (
        ["case", "add", "a", "--title", "A"],
        ["case", "add", "c", "--title", "C"],
        ["person", "add", "Anna One", "--case", "a", "--role", "witness"],
        ["person", "add", "Boris Two", "--case", "a", "--role", "witness"],
        ["access", "grant", "c", "bob"],
        ["log", "c", "hearing", "2010-01-01", "-p", "anna-one", "--source", "s"],
        ["log", "c", "hearing", "2010-01-02", "-p", "boris-two", "--source", "s"],
    ):
        ok(team.run("alice", *args))
    second = team.sql("SELECT id FROM dossier.events WHERE case_id = 'c' ORDER BY n")[1][0]
    held = _held(team, tmp_path, "alice", "case", "remove", "a", "--cascade", "--yes", read=True)
    _release(tmp_path)
    assert held.stderr is not None and held.stderr.readline() == "READ\n"
    # What bob's `event edit` of the second event (boris-two for anna-one) writes, in order.
    with psycopg.connect(team.url("bob")) as bob:
        bob.execute("DELETE FROM dossier.event_persons WHERE event_id = %s", (second,))
        (tmp_path / "read").touch()
        _waits_for_a_lock(team, "alice")
        bob.execute(
            "INSERT INTO dossier.event_persons (event_id, person_id, case_id)"
            " VALUES (%s, 'anna-one', 'c')",
            (second,),
        )
    out, err = held.communicate(timeout=60)
    assert (held.returncode, err) == (0, ""), err
    assert out.startswith("Removed case a")
    linked = "SELECT person_id FROM dossier.event_persons WHERE event_id = %s"
    assert team.sql(linked, second) == [("anna-one",)]


def test_a_deadlock_is_told_as_one_not_as_a_lock_waited_for() -> None:
    """The server stops one of two commands that wait for each other at once; it was
    told it had waited 30 s for a lock. Busy either way (exit 3: run it again)."""
    from psycopg import errors

    from dossier.errors import DatabaseBusy
    from dossier.store.server import server_errors

    url = "postgresql://alice@/defence?host=/run/pg"
    with pytest.raises(DatabaseBusy) as caught, server_errors(url):
        raise errors.DeadlockDetected("deadlock detected")
    assert str(caught.value) == (
        "database is busy: this command and another on database defence on /run/pg each"
        " waited for what the other held, and the server stopped this one; try again"
    )


@pytest.mark.parametrize(
    "record",
    ["(record::jsonb - 'roles')::json", "'[]'", "'1'"],
    ids=["no-roles", "array", "number"],
)
def test_a_person_record_of_the_wrong_shape_written_with_sql_is_an_error_not_a_crash(
    sample: Team, record: str
) -> None:
    """A person's record without its (empty) roles list passed the server's check, and
    every read by every member of its cases then stopped on 'internal error (KeyError)'.
    A record that is not a JSON object is an error naming it; one without `roles` is read
    as it is meant (the roles are rows of their own)."""
    sample.sql(f"UPDATE dossier.persons SET record = {record} WHERE id = 'yelena-lvova'")
    for args in (("timeline", "aleksanyan"), ("verify",), ("person", "show", "yelena-lvova")):
        result = sample.run("alice", *args)
        assert "internal error" not in result.output and "Traceback" not in result.output
        if record.startswith("'"):
            assert (result.exit_code, result.stderr) == (1, (
                f"Error: {where_of(sample.url())}: person yelena-lvova is not a record (a JSON"
                f" object) but {record.strip(chr(39))}, written outside dossier; a member who"
                " may change its case can put it back with psql\n"
            )), args  # fmt: skip
        else:
            assert result.exit_code == 0, (args, result.output)


def test_a_role_the_policy_refuses_to_give_is_said_as_for_an_edit(sample: Team) -> None:
    """Bob may change kudoyarov, not khodorkovsky, where Lebedev also has a role: the
    server refuses him a role to give, and said so in its own words ("new row violates
    row-level security policy …", with a hint to add a user who is one already)."""
    ok(sample.run("alice", "person", "link", "platon-lebedev", "kudoyarov", "--role", "witness"))
    ok(sample.run("alice", "access", "grant", "kudoyarov", "bob"))
    before = counts(sample), sample.sql("SELECT count(*) FROM dossier.person_cases")
    refused = sample.run("bob", "person", "link", "platon-lebedev", "kudoyarov", "--role",
                         "relative")  # fmt: skip
    assert (refused.exit_code, refused.stderr) == (1, (
        "Error: person platon-lebedev is in a case you may not change: changing a person takes"
        " every case they have a role in, and removing them every case that names them\n"
    ))  # fmt: skip
    assert (counts(sample), sample.sql("SELECT count(*) FROM dossier.person_cases")) == before


def test_a_record_of_the_wrong_shape_written_with_sql_stops_a_read_as_on_a_file(
    sample: Team,
) -> None:
    """A case inserted with psql without most of its keys was listed, with a warning, as
    status "open", which its record never said; a file's damaged record stops every
    command but `verify`. So does the server's now, and `verify` says to mend it with SQL."""
    sample.sql(
        'INSERT INTO dossier.cases (id, record) VALUES (\'bobs\', \'{"id": "bobs", "title":'
        ' "B"}\')',
        role="bob",
    )
    where = where_of(sample.url("bob"))
    for args in (("case", "list"), ("case", "show", "bobs"), ("timeline", "bobs"),
                 ("log", "bobs", "arrest", "2001-01-01")):  # fmt: skip
        refused = sample.run("bob", *args)
        assert (refused.exit_code, refused.stderr) == (1, (
            f"Error: {where}: case bobs: charges: is missing (and 7 more) (written outside"
            " dossier, with SQL; see 'dossier verify')\n"
        )), args  # fmt: skip
    found = sample.run("bob", "verify")
    assert found.exit_code == 1
    assert "case bobs: charges: is missing (fix it with SQL, or restore the server from a" \
        " backup)" in " ".join(found.output.split())  # fmt: skip
    ok(sample.run("alice", "case", "list"))  # whom it does not concern reads on
    whole = {"id": "bobs", "title": "B", "summary": None, "jurisdiction": None,
             "status": "open", "charges": [], "tags": [], "sources": [],
             "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}  # fmt: skip
    sample.sql("UPDATE dossier.cases SET record = %s WHERE id = 'bobs'", json.dumps(whole),
               role="bob")  # fmt: skip
    assert "bobs" in ok(sample.run("bob", "case", "list")).stdout  # mended with SQL


def test_verify_hash_of_now_counts_no_part_of_the_command_that_made_it(
    sample: Team, tmp_path: Path
) -> None:
    """An import that wrote a case and a person in no case (the role's own chain) made the
    state verify --hash finds, and its own second entry was listed as "1 change since"."""
    persons = tmp_path / "persons.csv"
    persons.write_text("name\nLone Person\n")
    events = tmp_path / "events.csv"
    events.write_text("case,date,type\nkudoyarov,2011-06-02,hearing\n")
    ok(sample.run("alice", "import", str(persons), str(events)))
    now = json.loads(ok(sample.run("alice", "verify", "--json")).stdout)["state_hash"]
    found = json.loads(ok(sample.run("alice", "verify", "--hash", now, "--json")).stdout)
    assert (found["found"], found["current"], found["changes_since"]) == (True, True, [])


def test_verify_file_of_a_report_on_cases_one_cannot_see_says_no_such_case(
    sample: Team, tmp_path: Path
) -> None:
    """Bob, who cannot see khodorkovsky, was told that 46 records of alice's report of it
    had been removed and the case never was in its state: a false claim of tampering.
    (Shown here on the smallest case: typesetting khodorkovsky's took 10 s.)"""
    from test_pdf import weasyprint_or_skip

    weasyprint_or_skip()
    pdf = tmp_path / "ku.pdf"
    ok(sample.run("alice", "report", "kudoyarov", "-o", str(pdf)))
    refused = sample.run("bob", "verify", "--file", str(pdf))
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        1, "", "Error: no case 'kudoyarov'; see 'dossier case list'\n"
    )  # fmt: skip
    assert (
        "Found: the dossier is in state"
        in ok(sample.run("alice", "verify", "--file", str(pdf))).stdout
    )


def test_a_person_in_no_role_damaged_with_sql_stops_a_read_too(sample: Team) -> None:
    """An SQL edit of a person whom only events name marks no case, so the check of the
    marked cases' records did not see it: reads showed what the model filled in."""
    ok(sample.run("alice", "person", "add", "Zed Zedov", "--id", "zed", "--yes"))
    ok(sample.run("alice", "log", "kudoyarov", "hearing", "2011-06-02", "-p", "zed"))
    sample.sql(
        "UPDATE dossier.persons SET record = (record::jsonb - 'aliases')::json WHERE id = 'zed'",
        role="alice",
    )
    for args in (("timeline", "kudoyarov"), ("person", "show", "zed")):
        refused = sample.run("alice", *args)
        assert (refused.exit_code, refused.stderr) == (1, (
            f"Error: {where_of(sample.url())}: person zed: aliases: is missing (written outside"
            " dossier, with SQL; see 'dossier verify')\n"
        )), args  # fmt: skip


def test_undo_after_a_revoke_and_a_grant_takes_back_the_command_it_had_left(team: Team) -> None:
    """An adversarial run: bob logged E1 into his case and E2 into alice's; revoked, his
    undo took back E1 (E2 hidden); granted again, every undo failed for good, "event E1
    was changed since by another command", since the replay took E2 for undone."""
    ok(team.run("alice", "case", "add", "ca", "--title", "A"))
    ok(team.run("alice", "access", "grant", "ca", "bob"))
    ok(team.run("bob", "case", "add", "cb", "--title", "B"))
    ok(team.run("bob", "log", "cb", "statement", "2012-01-01"))
    second = ok(team.run("bob", "log", "ca", "statement", "2012-01-02")).stdout.strip()
    ok(team.run("alice", "access", "revoke", "ca", "bob"))
    assert ok(team.run("bob", "undo")).stdout.startswith("Undid cb #2: log cb statement")
    ok(team.run("alice", "access", "grant", "ca", "bob"))
    undone = ok(team.run("bob", "undo"))
    assert undone.stdout.startswith("Undid ca #2: log ca statement 2012-01-02"), undone.stdout
    assert second not in ok(team.run("alice", "event", "list")).stdout
    assert ok(team.run("bob", "undo")).stdout.startswith("Undid cb #1: case add cb")
    assert ok(team.run("bob", "verify")).stdout.startswith("OK:")


def test_undo_of_a_command_in_a_case_revoked_since_is_refused_whole(
    team: Team, tmp_path: Path
) -> None:
    """An adversarial run: bob imported into alice's case and his own; revoked from hers,
    his undo took back his case's half and left the other for good."""
    ok(team.run("alice", "case", "add", "ca", "--title", "A"))
    ok(team.run("alice", "access", "grant", "ca", "bob"))
    ok(team.run("bob", "case", "add", "cb", "--title", "B"))
    rows = tmp_path / "two.csv"
    rows.write_text("case,date,type,description\nca,2020-01-01,statement,in ca\n"
                    "cb,2020-01-02,statement,in cb\n")  # fmt: skip
    ok(team.run("bob", "import", str(rows)))
    ok(team.run("alice", "access", "revoke", "ca", "bob"))
    before = counts(team)
    refused = team.run("bob", "undo")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: this undo would take back only part of the command of cb #2: it also"
        " changed 1 case(s) you cannot see now (access revoked, or the case removed by its"
        " owner); nothing was changed\n",
    )  # fmt: skip
    assert counts(team) == before
    ok(team.run("alice", "access", "grant", "ca", "bob"))
    assert ok(team.run("bob", "undo")).stdout.startswith("Undid ")
    assert counts(team)[2] == before[2] - 2  # both events gone, together


def test_an_event_numbered_as_another_hides_nothing_recorded_under_other_cases(
    team: Team,
) -> None:
    """A helper's find: a writer may set an event's `n` (undo keeps it, to put rows back
    in order) to that of another case's event; the custody of the other cases was read
    one event per `n`, so that custody start went missing from the problems."""
    for case in ("a", "b", "c"):
        ok(team.run("alice", "case", "add", case, "--title", case.upper()))
    ok(team.run("alice", "person", "add", "Ivan Petrov"))
    ok(team.run("alice", "log", "a", "hearing", "2009-01-10", "-p", "ivan-petrov"))
    for case, type_, date in (("b", "arrest", "2010-01-10"), ("c", "release", "2011-01-10")):
        ok(team.run("alice", "log", case, type_, date, "-p", "ivan-petrov"))
    # Any writer can, inserting with OVERRIDING SYSTEM VALUE; here the shorter way.
    team.sql("ALTER TABLE dossier.events ALTER COLUMN n SET GENERATED BY DEFAULT")
    team.sql(
        "UPDATE dossier.events SET n = (SELECT n FROM dossier.events WHERE case_id = 'b')"
        " WHERE case_id = 'c'"
    )
    stats = json.loads(ok(team.run("alice", "stats", "--case", "a", "--json")).stdout)
    assert [p["message"].split(" of this")[0] for p in stats["problems"]] == [
        "2 custody start(s) or end(s)"
    ]


def test_an_undo_on_the_server_is_a_change_of_its_own(team: Team) -> None:
    """As on a file (test_store): through the Python API, an undo and an addition in one
    change made an entry marked as the undo that also held the addition."""
    from dossier import Case, ops
    from dossier.errors import Conflict
    from dossier.store import edit_store

    ok(team.run("alice", "case", "add", "a", "--title", "A"))
    ok(team.run("alice", "case", "edit", "a", "--title", "A2"))
    before = team.sql("SELECT count(*) FROM dossier.history")
    with (
        pytest.raises(Conflict, match="changed after an undo"),
        edit_store(team.url(), "mixed", scope=Scope(reverting="undoes")) as d,
    ):
        d.undo()
        ops.add_case(d, Case(id="b", title="B"))
    with (
        pytest.raises(Conflict, match="already undid the command of a #2"),
        edit_store(team.url(), "twice", scope=Scope(reverting="undoes")) as d,
    ):
        d.undo()
        d.undo()
    assert team.sql("SELECT count(*) FROM dossier.history") == before
    assert json.loads(ok(team.run("alice", "case", "list", "--json")).stdout)[0]["title"] == "A2"
    ok(team.run("alice", "undo"))
    ok(team.run("alice", "verify"))


def test_records_read_from_the_server_are_never_written(team: Team) -> None:
    """As a file's (test_store): a commit of what open_store read, or of an edit whose
    block had ended, met a closed connection and escaped as a psycopg error; a command
    that is not text is refused before a connection is made."""
    from dossier import Case, ops
    from dossier.errors import DatabaseError, InvalidValue
    from dossier.store import edit_store, open_store

    ok(team.run("alice", "case", "add", "a", "--title", "A"))
    before = team.sql("SELECT count(*) FROM dossier.history")
    d = open_store(team.url())
    ops.add_case(d, Case(id="b", title="B"))
    with pytest.raises(DatabaseError, match="opened for reading"):
        d.commit("sneaked")
    with edit_store(team.url(), "nothing") as e:
        pass
    with pytest.raises(DatabaseError, match="not locked"):
        e.commit("late")
    with pytest.raises(InvalidValue, match="must be text"), edit_store(team.url(), None) as f:  # type: ignore[arg-type]
        ops.add_case(f, Case(id="c", title="C"))
    assert team.sql("SELECT count(*) FROM dossier.history") == before
