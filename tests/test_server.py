"""The throwaway PostgreSQL cluster the server backend is tested against.

The server backend itself (issue 17) is being built; these tests hold the
cluster the whole server suite will run on (started by the tests themselves,
reachable only through its Unix socket, able to restart under a client) and
the schema (`dossier.server.schema`), checked with raw SQL as each role.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import pgcluster


def url_of(cluster: pgcluster.Cluster | str) -> str:
    return cluster if isinstance(cluster, str) else cluster.url


def test_the_cluster_answers_on_its_unix_socket_only(pg_cluster: Any) -> None:
    import psycopg

    with psycopg.connect(url_of(pg_cluster)) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        assert version is not None and int(version[0]) >= 150000
        if isinstance(pg_cluster, pgcluster.Cluster):
            listen = conn.execute("SHOW listen_addresses").fetchone()
            assert listen == ("",)  # no TCP port at all


def test_a_cluster_whose_test_run_was_killed_is_swept_and_a_live_ones_kept(
    tmp_path: Path,
) -> None:
    """A run killed (SIGKILL, the OOM killer) cannot stop its cluster: in /dev/shm it
    would hold memory until a reboot. The next cluster started stops and deletes those
    whose owner is gone; a running run's, and one without an owner file, stay."""
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    folders = {name: tmp_path / f"dossier-pg-{name}" for name in ("dead", "alive", "unowned")}
    for folder in folders.values():
        (folder / "data").mkdir(parents=True)
    space = pgcluster._pid_space()
    (folders["dead"] / "owner").write_text(f"{gone.stdout.strip()} {space}")
    (folders["alive"] / "owner").write_text(f"{os.getppid()} {space}")
    # Another container's run, sharing the folder: its ids say nothing here.
    (tmp_path / "dossier-pg-elsewhere" / "data").mkdir(parents=True)
    (tmp_path / "dossier-pg-elsewhere" / "owner").write_text(f"{gone.stdout.strip()} pid:[1]")
    pgcluster._sweep(tmp_path, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dossier-pg-alive", "dossier-pg-elsewhere", "dossier-pg-unowned"
    ]  # fmt: skip


def test_a_restart_cuts_clients_off_and_the_server_comes_back(pg_cluster: Any) -> None:
    import psycopg

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    conn = psycopg.connect(pg_cluster.url, autocommit=True)
    pg_cluster.restart()
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    conn.close()
    with psycopg.connect(pg_cluster.url) as again:
        assert again.execute("SELECT 1").fetchone() == (1,)


# The schema: tables, row-level security, history, the group role --------------------------


@pytest.fixture
def database(pg_cluster: Any) -> Iterator[Callable[[str], Any]]:
    """A new database with the dossier schema; connect(role) opens it as that role."""
    import psycopg
    from psycopg import conninfo, sql

    from dossier.server import schema

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        for role in ("alice", "bob", "carol"):
            admin.execute(
                "DO $$ BEGIN CREATE ROLE " + role + " LOGIN;"
                " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
    url = conninfo.make_conninfo(pg_cluster.url, dbname=name)
    with psycopg.connect(url) as owner:
        schema.init(owner)
        for role in ("alice", "bob"):  # carol is never let in
            schema.add_user(owner, role)
    opened: list[Any] = []

    def connect(role: str) -> Any:
        conn = psycopg.connect(conninfo.make_conninfo(url, user=role), autocommit=True)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()
    with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_init_says_what_it_did_and_then_that_nothing_was_left(
    pg_cluster: Any, database: Callable[[str], Any]
) -> None:
    from dossier.server import schema

    owner = database("postgres")
    assert schema.init(owner) == []
    versions = owner.execute("SELECT version FROM dossier.migrations").fetchall()
    assert versions == [(v,) for v, _d, _s in schema.MIGRATIONS]


def add_case(conn: Any, case: str) -> None:
    conn.execute(
        "INSERT INTO dossier.cases (id, record) VALUES (%s, %s)",
        (case, f'{{"id": "{case}", "title": "{case}"}}'),
    )
    conn.execute(
        "INSERT INTO dossier.events (id, case_id, type, date_first, date_last, record)"
        " VALUES (%s, %s, 'arrest', '2006-04-06', '2006-04-06', '{}')",
        (f"{case}-e1", case),
    )


def test_a_case_is_seen_by_its_members_only_even_in_raw_sql(
    database: Callable[[str], Any],
) -> None:
    import psycopg

    alice, bob, carol = database("alice"), database("bob"), database("carol")
    add_case(alice, "aleksanyan")
    add_case(bob, "magnitsky")
    count = "SELECT count(*) FROM dossier.events"
    assert alice.execute(count).fetchone() == (1,)
    assert bob.execute("SELECT id FROM dossier.cases").fetchall() == [("magnitsky",)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        carol.execute(count)  # not let in: no use of the schema at all
    # Bob cannot write into alice's case; creating its id says only that it is taken.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute(
            "INSERT INTO dossier.events (id, case_id, type, date_first, date_last, record)"
            " VALUES ('x', 'aleksanyan', 'release', '2008-12-30', '2008-12-30', '{}')"
        )
    with pytest.raises(psycopg.errors.UniqueViolation):
        add_case(bob, "aleksanyan")
    assert bob.execute("UPDATE dossier.cases SET state = 'x' WHERE id = 'aleksanyan'").rowcount == 0


def test_access_is_granted_read_only_listed_and_revoked_by_the_owner(
    database: Callable[[str], Any],
) -> None:
    import psycopg

    alice, bob = database("alice"), database("bob")
    add_case(alice, "aleksanyan")
    with pytest.raises(psycopg.errors.NoDataFound):
        bob.execute("SELECT dossier.grant_access('aleksanyan', 'bob', false)")
    alice.execute("SELECT dossier.grant_access('aleksanyan', 'bob', true)")
    assert bob.execute("SELECT count(*) FROM dossier.events").fetchone() == (1,)
    # Rows a role may not change are, for UPDATE and DELETE, rows it does not see.
    assert bob.execute("UPDATE dossier.events SET type = 'release'").rowcount == 0
    assert bob.execute("DELETE FROM dossier.events").rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute(
            "INSERT INTO dossier.events (id, case_id, type, date_first, date_last, record)"
            " VALUES ('x', 'aleksanyan', 'release', '2008-12-30', '2008-12-30', '{}')"
        )
    assert bob.execute("SELECT type FROM dossier.events").fetchone() == ("arrest",)
    assert alice.execute("SELECT role, read_only, owner FROM dossier.access('aleksanyan')"
                         ).fetchall() == [("alice", False, True), ("bob", True, False)]  # fmt: skip
    assert alice.execute("SELECT dossier.revoke_access('aleksanyan', 'alice')").fetchone() == (
        False,  # the owner stays
    )
    alice.execute("SELECT dossier.revoke_access('aleksanyan', 'bob')")
    assert bob.execute("SELECT count(*) FROM dossier.events").fetchone() == (0,)


def test_history_is_append_only_even_for_the_database_owner(
    database: Callable[[str], Any],
) -> None:
    import psycopg

    alice, owner = database("alice"), database("postgres")
    add_case(alice, "aleksanyan")
    alice.execute(
        "INSERT INTO dossier.history (case_id, seq, command, entry, prev, hash) VALUES"
        " ('aleksanyan', 1, 'case add', jsonb_build_object('time', dossier.entry_time()),"
        " '', 'h1')"
    )
    for conn in (alice, owner):
        for statement in (
            "UPDATE dossier.history SET command = 'forged'",
            "DELETE FROM dossier.history",
            "TRUNCATE dossier.history",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert owner.execute("SELECT command FROM dossier.history").fetchall() == [("case add",)]


def test_a_history_entry_carries_the_servers_time(database: Callable[[str], Any]) -> None:
    import psycopg

    alice = database("alice")
    add_case(alice, "aleksanyan")
    for forged in ("2001-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "yesterday", None):
        entry = {"time": forged} if forged else {}
        with pytest.raises(psycopg.errors.CheckViolation, match="time is the server's"):
            alice.execute(
                "INSERT INTO dossier.history (case_id, seq, command, entry, prev, hash)"
                " VALUES ('aleksanyan', 1, 'case add', %s, '', 'h1')",
                (json.dumps(entry),),
            )
        alice.rollback()


def test_a_person_is_seen_through_a_case_or_an_event_that_names_them(
    database: Callable[[str], Any],
) -> None:
    alice, bob = database("alice"), database("bob")
    add_case(alice, "aleksanyan")
    add_case(bob, "magnitsky")
    for conn, person in ((alice, "vasiliy-aleksanyan"), (alice, "witness-x"),
                         (bob, "sergei-magnitsky")):  # fmt: skip
        conn.execute("INSERT INTO dossier.persons (id, record) VALUES (%s, '{}')", (person,))
    alice.execute("INSERT INTO dossier.person_cases VALUES ('vasiliy-aleksanyan', 'aleksanyan',"
                  " 'defendant', 1)")  # fmt: skip
    alice.execute("INSERT INTO dossier.event_persons VALUES ('aleksanyan-e1', 'witness-x',"
                  " 'aleksanyan')")  # fmt: skip
    seen = "SELECT id FROM dossier.persons ORDER BY id"
    assert bob.execute(seen).fetchall() == [("sergei-magnitsky",)]
    alice.execute("SELECT dossier.grant_access('aleksanyan', 'bob', true)")
    assert bob.execute(seen).fetchall() == [
        ("sergei-magnitsky",),
        ("vasiliy-aleksanyan",),
        ("witness-x",),
    ]
    # Read-only: bob sees alice's persons but cannot change them.
    assert (
        bob.execute("UPDATE dossier.persons SET record = '{}' WHERE id = 'witness-x'").rowcount == 0
    )


def test_a_persons_record_holds_no_roles_and_taken_ids_are_found_by_prefix(
    database: Callable[[str], Any],
) -> None:
    import psycopg

    alice = database("alice")
    add_case(alice, "aleksanyan")
    # A role in the record would be read by every member of any of the person's cases.
    with pytest.raises(psycopg.errors.CheckViolation, match="roles_in_person_cases"):
        alice.execute(
            "INSERT INTO dossier.persons (id, record) VALUES ('x', %s)",
            ('{"id": "x", "roles": [{"case": "aleksanyan", "role": "witness"}]}',),
        )
    ids = ["ivan-petrov", "ivan-petrov-2", "ivan-petrov-10", "ivan-petrov-x", "ivan-petrova",
           "ivan-petro", "ivan-petrov-2-3", "ivan"]  # fmt: skip
    for person in ids:
        alice.execute(
            "INSERT INTO dossier.persons (id, record) VALUES (%s, '{\"roles\": []}')", (person,)
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        alice.execute("UPDATE dossier.persons SET record = '{\"roles\": [1]}' WHERE id = 'ivan'")
    owner = database("postgres")
    taken = owner.execute("SELECT dossier.taken_person_ids('ivan-petrov')").fetchall()
    assert sorted(taken) == [("ivan-petrov",), ("ivan-petrov-10",), ("ivan-petrov-2",)]
    plan = owner.execute(
        "EXPLAIN SELECT id FROM dossier.persons WHERE id COLLATE \"C\" >= 'ivan-petrov'"
        " AND id COLLATE \"C\" < 'ivan-petrov.'"
    ).fetchall()
    assert "persons_by_id_bytes" in " ".join(row[0] for row in plan)


# Server URLs and connections -------------------------------------------------------------


def test_a_server_url_is_told_from_a_file_and_shown_without_its_password() -> None:
    from dossier.server.connect import is_server, shown, without_user

    assert is_server("postgresql:///dossier?host=/run/pg")
    assert is_server("postgres://alice@db.example.org/dossier")
    assert not is_server("postgresql.json") and not is_server("/home/a/dossier.json")
    assert shown("postgresql://alice:s3cret@db.example.org:5433/dossier?sslmode=verify-full") == (
        "postgresql://alice:***@db.example.org:5433/dossier?sslmode=verify-full"
    )
    assert shown("postgresql:///dossier?host=/run/pg&password=s3cret&user=alice") == (
        "postgresql:///dossier?host=/run/pg&password=***&user=alice"
    )
    assert shown("postgresql:///dossier?host=/run/pg") == "postgresql:///dossier?host=/run/pg"
    assert "s3cret" not in shown("postgresql://alice:s3cret@[bad")
    # What the database owner would type: the URL without the user (or password).
    assert without_user("postgresql://alice:s3cret@db.example.org:5433/d?sslmode=require") == (
        "postgresql://db.example.org:5433/d?sslmode=require"
    )
    assert without_user("postgresql:///d?user=alice&host=/run/pg&password=x") == (
        "postgresql:///d?host=/run/pg"
    )
    assert without_user("postgres:///d?user=alice") == "postgres:///d"


def test_a_refused_connection_is_one_line_naming_host_and_database(tmp_path: Any) -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    from dossier.errors import DatabaseError
    from dossier.server.connect import connect

    url = f"postgresql://alice:s3cret@/dossier?host={tmp_path}"
    with pytest.raises(DatabaseError) as caught:
        connect(url)
    message = str(caught.value)
    assert message.startswith(f"cannot connect to database dossier on {tmp_path}: ")
    assert "\n" not in message and "s3cret" not in message


def test_what_psycopg_logs_while_cleaning_up_is_not_printed(pg_cluster: Any) -> None:
    """A new user's find: a server restarted under an import printed "error ignored
    terminating <psycopg.Copy …>: the connection is lost" (psycopg's log, through
    Python's last-resort handler) before the command's one Error line. In a process of
    its own, as a command runs: nothing but what dossier prints."""
    import subprocess
    import sys

    script = (
        "import logging, sys; from dossier.server.connect import connect;"
        " connect(sys.argv[1]).close();"
        " logging.getLogger('psycopg').warning('error ignored terminating <psycopg.Copy>')"
    )
    done = subprocess.run([sys.executable, "-c", script, url_of(pg_cluster)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stderr == ""


def test_an_unknown_database_is_said_and_a_good_url_connects(pg_cluster: Any) -> None:
    from psycopg import conninfo

    from dossier.errors import DatabaseError
    from dossier.server.connect import connect

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    with pytest.raises(DatabaseError, match='database "nope" does not exist'):
        connect(conninfo.make_conninfo(pg_cluster.url, dbname="nope"))
    with connect(pg_cluster.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@given(
    user=st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    # "?" too: "alice:Hunter2?x@" was shown whole, the masking having split at the "?".
    # "/" and "@": libpq ends the password at either and read the rest as the port, host
    # or database, which messages named ("database er2Secret@/defence on /sock:Hunt").
    password=st.from_regex(r"[A-Za-z0-9!$()*+,;=~?/@-]{8,20}", fullmatch=True),
    in_query=st.booleans(),
    # The key with %-escapes, as libpq decodes it: it was not masked at all.
    key=st.sampled_from(["password", "pass%77ord", "%70assword"]),
    extra=st.sampled_from(["", "sslmode=verify-full", "host=/run/pg", "connect_timeout=5"]),
)
def test_no_password_ever_shows_whatever_the_url(
    user: str, password: str, in_query: bool, key: str, extra: str
) -> None:
    from psycopg import ProgrammingError

    from dossier.errors import DatabaseError
    from dossier.server.connect import check, shown, where, without_user

    pieces = {password[i : i + 4] for i in range(len(password) - 3)}
    known = (user, extra, "postgresql://db.example.org/dossier?", "***", "(not shown)")
    assume(not any(piece in text for piece in pieces for text in known))
    query = "&".join(p for p in (f"{key}={password}" if in_query else "", extra) if p)
    netloc = f"{user}@db.example.org" if in_query else f"{user}:{password}@db.example.org"
    url = f"postgresql://{netloc}/dossier" + (f"?{query}" if query else "")
    messages = [shown(url), without_user(url)]
    try:
        check(url)
    except DatabaseError as refused:  # a '/' or '@' where libpq would split the password
        messages.append(str(refused))
    try:
        messages.append(where(url))
    except ProgrammingError:  # libpq cannot read it: shown by its scheme, never connected
        assert shown(url) == "postgresql://…"
    for message in messages:
        assert not [piece for piece in pieces if piece in message], message


def test_the_attacks_a_review_found_are_refused(database: Callable[[str], Any]) -> None:
    import psycopg

    alice, bob = database("alice"), database("bob")
    add_case(alice, "secret")
    add_case(bob, "mine")
    # A temporary table standing in for the catalog does not make bob a manager.
    bob.execute("CREATE TEMP TABLE pg_namespace (nspname name, nspowner oid)")
    bob.execute("INSERT INTO pg_temp.pg_namespace SELECT 'dossier', oid FROM pg_roles"
                " WHERE rolname = 'bob'")  # fmt: skip
    with pytest.raises(psycopg.errors.NoDataFound):
        bob.execute("SELECT dossier.grant_access('secret', 'bob', false)")
    # A writer cannot make itself the owner, nor forge who wrote history or when.
    alice.execute("SELECT dossier.grant_access('secret', 'bob', false)")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute("UPDATE dossier.cases SET owner = 'bob' WHERE id = 'secret'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute(
            "INSERT INTO dossier.history (case_id, seq, time, command, entry, prev, hash)"
            " VALUES ('secret', 1, '1999-01-01', 'forged', '{}', '', 'h')"
        )
    alice.execute("SELECT dossier.revoke_access('secret', 'bob')")
    # Switching to the group role changes nothing of who one is.
    bob.execute("SET ROLE dossier_users")
    assert bob.execute("SELECT id FROM dossier.cases").fetchall() == [("mine",)]
    add_case(bob, "made-as-group")
    assert bob.execute("SELECT owner FROM dossier.cases WHERE id = 'made-as-group'"
                       ).fetchone() == ("bob",)  # fmt: skip
    bob.execute("RESET ROLE")
    # A link from bob's case to an event of alice's case is refused, whether or not
    # that event exists: the same error either way.
    bob.execute("INSERT INTO dossier.persons (id, record) VALUES ('bobs', '{}')")
    for event in ("secret-e1", "no-such-event"):
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            bob.execute("INSERT INTO dossier.event_persons VALUES (%s, 'bobs', 'mine')", (event,))
    # Nor can bob reach alice's witness by linking her id into his own case, by a role
    # or by an event; nor change her, as a member of one of her two cases.
    alice.execute("INSERT INTO dossier.persons (id, record) VALUES ('witness', '{}')")
    alice.execute("INSERT INTO dossier.person_cases VALUES ('witness', 'secret', 'witness', 1)")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute("INSERT INTO dossier.person_cases VALUES ('witness', 'mine', 'witness', 2)")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute("INSERT INTO dossier.event_persons VALUES ('mine-e1', 'witness', 'mine')")
    assert bob.execute("SELECT id FROM dossier.persons").fetchall() == [("bobs",)]
    add_case(alice, "shared")
    alice.execute("SELECT dossier.grant_access('shared', 'bob', false)")
    alice.execute("INSERT INTO dossier.person_cases VALUES ('witness', 'shared', 'witness', 3)")
    assert bob.execute("UPDATE dossier.persons SET record = '{}' WHERE id = 'witness'"
                       ).rowcount == 0  # fmt: skip
    assert alice.execute("UPDATE dossier.persons SET record = '{}' WHERE id = 'witness'"
                         ).rowcount == 1  # fmt: skip
    # Taken event ids are all a stranger learns.
    assert bob.execute("SELECT dossier.taken_event_ids(ARRAY['secret-e1', 'free'])"
                       ).fetchall() == [("secret-e1",)]  # fmt: skip


def test_an_entry_the_policy_refuses_tells_nothing_of_the_cases_chain(
    database: Callable[[str], Any],
) -> None:
    """stamp_entry ran with its owner's rights before the policy: bob, who is no member
    of case secret, learned from the error his insert got (an entry's time, not the
    policy) that alice had written into it since his transaction began. Now the policy
    refuses him alone, as for a case that does not exist."""
    import time

    import psycopg

    alice, bob = database("alice"), database("bob")
    add_case(alice, "secret")
    insert = (
        "INSERT INTO dossier.history (case_id, seq, command, entry, prev, hash)"
        " VALUES (%s, %s, 'x', jsonb_build_object('time', {}), '', 'h')"
    )
    with pytest.raises(psycopg.Error) as refused, bob.transaction():
        began = bob.execute("SELECT dossier.entry_time()").fetchone()[0]
        time.sleep(1.05 - time.time() % 1)  # alice writes in a later second
        alice.execute(insert.format("dossier.entry_time()"), ("secret", 1))
        bob.execute(insert.format("%s::text"), ("secret", 2, began))
    assert isinstance(refused.value, psycopg.errors.InsufficientPrivilege), refused.value
    assert "row-level security" in str(refused.value)


def test_a_message_names_the_server_and_database_libpq_takes_from_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An adversarial run: with PGHOST and PGDATABASE set, `--db postgresql://alice@`
    connected to database postgres on PGHOST, and the message named "database alice on
    the default socket"."""
    pytest.importorskip("psycopg", reason="psycopg is the server extra")
    from dossier.server.connect import where

    for name in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER"):
        monkeypatch.delenv(name, raising=False)
    assert where("postgresql://alice@") == "database alice on the default socket"
    monkeypatch.setenv("PGHOST", "/srv/pg")
    monkeypatch.setenv("PGDATABASE", "postgres")
    assert where("postgresql://alice@") == "database postgres on /srv/pg"
    assert where("postgresql://alice@db.example.org/defence") == (
        "database defence on db.example.org"
    )
    monkeypatch.delenv("PGDATABASE")
    monkeypatch.setenv("PGUSER", "bob")
    monkeypatch.setenv("PGPORT", "5433")
    assert where("postgresql://") == "database bob on /srv/pg:5433"


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("postgresql://host/a@b", False),  # a database named a@b: libpq reads it so
        ("postgresql://alice@host/team@2024", False),
        ("postgresql://alice@/db?host=/run/postgresql", False),
        ("postgresql://pw:Hunt/er2Secret@/defence?host=/sock", True),
        ("postgresql://pw:Hunt@er2Secret@localhost/defence", True),
        ("postgresql://alice:ab?cd@SECRETPART@host/db", True),  # a '?' before its '@'
    ],
)
def test_a_url_is_refused_only_where_libpq_would_split_its_password(
    url: str, refused: bool
) -> None:
    """A review's find: an '@' in a database's name was refused as one in a password,
    and a password with a '?' before its '@' was let through."""
    from dossier.errors import DatabaseError
    from dossier.server.connect import check

    if refused:
        with pytest.raises(DatabaseError, match="user or password holds '/' or '@'"):
            check(url)
    else:
        check(url)
