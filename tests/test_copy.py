"""`dossier copy SRC DST`: a whole dossier between files and servers, ids, times and
order kept, into an empty destination only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from conftest import FAST_KDF, PASSPHRASE, ROOT, SAMPLE, Team, counts, ok
from dossier import vault
from dossier.cli.app import app


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def export(where: str) -> dict[str, object]:
    """The JSON export of a dossier (confidential records included), without its time."""
    data = json.loads(ok(cli("--db", where, "export", "--include-confidential")).stdout)
    data.pop("exported")
    return data


def sample_file(tmp_path: Path) -> str:
    db = str(tmp_path / "sample.json")
    ok(cli("--db", db, "import", *SAMPLE))
    ok(cli("--db", db, "person", "add", "Protected Witness", "--confidential", "--case",
           "kudoyarov", "--role", "witness"))  # fmt: skip
    return db


def test_file_to_file_keeps_every_record_as_it_was(tmp_path: Path) -> None:
    source = sample_file(tmp_path)
    target = str(tmp_path / "copy.json")
    copied = json.loads(ok(cli("copy", source, target, "--json")).stdout)
    assert copied == {"cases": 3, "persons": 13, "events": 59, "from": source, "to": target}
    assert export(target) == export(source)
    assert ok(cli("--db", target, "verify")).stdout.startswith("OK: 1 history entry intact")
    history = json.loads(ok(cli("--db", target, "history", "--json")).stdout)
    assert history[0]["command"] == f"copy {source} {target}"
    readme = (ROOT / "README.md").read_text()
    documented = readme[readme.index("**`copy --json`**") :][:400]
    for key in copied:
        assert f'"{key}"' in documented, key


def test_only_into_an_empty_destination_and_never_onto_itself(tmp_path: Path) -> None:
    source = sample_file(tmp_path)
    target = tmp_path / "full.json"
    ok(cli("--db", str(target), "case", "add", "mine", "--title", "Mine"))
    before = target.read_bytes()
    refused = cli("copy", source, str(target))
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {target} is not empty (1 cases); copy into a new file or an empty database\n"
    )  # fmt: skip
    assert target.read_bytes() == before
    same = cli("copy", source, source)
    assert (same.exit_code, same.stderr) == (
        1, f"Error: {source} is both SRC and DST; copy into another file\n"
    )  # fmt: skip
    missing = cli("copy", str(tmp_path / "nothing.json"), str(tmp_path / "new.json"))
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no dossier at")
    assert not (tmp_path / "new.json").exists()
    folder = cli("copy", source, str(tmp_path / "no-such-folder" / "x.json"))
    assert folder.exit_code == 1 and "no folder" in folder.stderr


def test_file_to_server_and_back(team: Team, tmp_path: Path) -> None:
    source = sample_file(tmp_path)
    ok(cli("copy", source, team.url("alice")))
    assert counts(team) == (3, 13, 59)
    assert export(team.url("alice")) == export(source)
    assert ok(cli("--db", team.url("alice"), "verify")).stdout.startswith("OK:")
    back = str(tmp_path / "back.json")
    ok(cli("copy", team.url("alice"), back))
    assert export(back) == export(source)
    assert ok(cli("--db", back, "verify")).stdout.startswith("OK:")
    # Into a server that already holds records: refused, nothing written.
    refused = cli("copy", source, team.url("alice"))
    assert refused.exit_code == 1 and "is not empty (3 cases, 13 persons, 59 events)" in (
        refused.stderr
    )
    assert counts(team) == (3, 13, 59)


def test_from_a_server_it_copies_what_the_caller_sees(team: Team, tmp_path: Path) -> None:
    ok(cli("copy", sample_file(tmp_path), team.url("alice")))
    ok(team.run("alice", "access", "grant", "kudoyarov", "bob", "--read-only"))
    bobs = str(tmp_path / "bobs.json")
    copied = json.loads(ok(cli("copy", team.url("bob"), bobs, "--json")).stdout)
    assert (copied["cases"], copied["events"]) == (1, 5)
    assert [c["id"] for c in export(bobs)["cases"]] == ["kudoyarov"]  # type: ignore[index]


def test_encrypted_file_to_server_and_into_an_encrypted_file(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sample_file(tmp_path)
    vault.encrypt(Path(source), PASSPHRASE, FAST_KDF)
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    ok(cli("copy", source, team.url("alice")))
    plain = str(tmp_path / "plain.json")
    told = ok(cli("copy", source, plain))
    assert told.stderr == (
        f"Warning: {plain} is not encrypted; 'dossier --db {plain} encrypt' encrypts it\n"
    )
    sealed = tmp_path / "sealed.json"
    vault.encrypt(sealed, PASSPHRASE, FAST_KDF)  # a new, empty, encrypted dossier
    ok(cli("copy", team.url("alice"), str(sealed)))
    assert vault.is_encrypted(sealed)
    assert export(str(sealed)) == export(source) == export(plain)


def test_a_password_in_a_url_never_reaches_the_history(team: Team, tmp_path: Path) -> None:
    source = sample_file(tmp_path)
    url = team.url("alice").replace("alice@", "alice:not-used-by-trust@")
    told = ok(cli("copy", source, url))
    assert "not-used-by-trust" not in told.output
    rows = team.sql("SELECT command, entry::text FROM dossier.history")
    assert rows and all("not-used-by-trust" not in text for row in rows for text in row)
    # The copy wrote three cases: each keeps the command without the file's and the
    # server's names (a member of one may not see the others); the masked URL is in
    # what the command told.
    assert {row[0] for row in rows} == {"copy '(not shown)' '(not shown)'"}
    assert "postgresql://alice:***@" in told.output


def test_a_source_changed_outside_dossier_is_not_copied_until_accepted(
    team: Team, tmp_path: Path
) -> None:
    """A copy begins a new history from the records it copies: from a file edited by hand
    or a server edited with SQL, `verify` on the copy would pass, and a change nobody
    accepted would come out as sound evidence."""
    source = sample_file(tmp_path)
    data = json.loads(Path(source).read_text())
    first = next(iter(data["events"]))
    event = data["events"][first]["id"]
    data["events"][first]["place"] = "Forged"
    Path(source).write_text(json.dumps(data))
    target = tmp_path / "copy.json"
    refused = cli("copy", source, str(target))
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: {source}: event {event} changed: place outside dossier after history entry 2;"
        " nothing was copied (the copy's history would begin from the changed records)."
        " 'dossier verify' on it says more, and 'dossier verify --accept' records the change"
        " once it is known to be right\n"
    )
    assert not target.exists()
    ok(cli("--db", source, "verify", "--accept"))
    ok(cli("copy", source, str(target)))
    assert export(str(target)) == export(source)
    # A server's records edited with SQL: the same.
    ok(cli("copy", str(target), team.url("alice")))
    team.sql("UPDATE dossier.events SET record = jsonb_set(record::jsonb, '{place}',"
             " '\"Elsewhere\"')::json WHERE id = (SELECT min(id) FROM dossier.events)")  # fmt: skip
    back = tmp_path / "back.json"
    refused = cli("copy", team.url("alice"), str(back))
    assert refused.exit_code == 1 and "differs from the state its last history" in refused.stderr
    assert not back.exists()
    ok(cli("--db", team.url("alice"), "verify", "--accept"))
    ok(cli("copy", team.url("alice"), str(back)))


def test_a_copy_onto_ids_taken_by_records_one_cannot_see_says_so(
    team: Team, tmp_path: Path
) -> None:
    """bob's case kudoyarov is hidden from alice, so the database is empty to her; her
    copy cannot take its ids elsewhere, and is told so rather than to choose another."""
    ok(cli("--db", team.url("bob"), "case", "add", "kudoyarov", "--title", "Bob's"))
    source = sample_file(tmp_path)
    refused = cli("copy", source, team.url("alice"))
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {team.url('alice')}: case id kudoyarov is already taken on the server, by"
        " a case you cannot see; nothing was copied, since a copy keeps its ids: copy into a"
        " database of its own\n"
    )  # fmt: skip
    assert counts(team) == (1, 0, 0)


def test_a_file_that_held_records_once_is_not_empty(tmp_path: Path) -> None:
    """Its history keeps every removed record whole: a copy after it would not begin its
    own history (an undo past the copy brought the old records back), and would hand on
    what was removed to whoever is given the copy."""
    source = sample_file(tmp_path)
    target = tmp_path / "emptied.json"
    ok(cli("--db", str(target), "case", "add", "secret", "--title", "Removed"))
    ok(cli("--db", str(target), "case", "remove", "secret", "--yes"))
    before = target.read_bytes()
    refused = cli("copy", source, str(target))
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {target} is not empty (2 history entries); copy into a new file or an"
        " empty database\n"
    )  # fmt: skip
    assert target.read_bytes() == before


def test_a_source_without_records_is_not_copied_as_if_it_were(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing would be written (no file, no history entry), yet the copy said it had
    copied: 'verify' on the destination then found no dossier. From a server, the caller
    sees no case: most likely not granted one yet, which the refusal says."""
    ok(cli("--db", team.url("alice"), "case", "add", "mine", "--title", "Alice's"))
    target = tmp_path / "bobs.json"
    refused = cli("copy", team.url("bob"), str(target))
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {team.url('bob')} holds no record you can see; nothing was copied (a"
        " case's owner lets you see it: 'dossier access grant CASE ROLE')\n"
    )  # fmt: skip
    assert not target.exists()
    empty = tmp_path / "empty.json"
    vault.encrypt(empty, PASSPHRASE, FAST_KDF)
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    refused = cli("copy", str(empty), str(target))
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {empty} holds no record; nothing was copied\n"
    )  # fmt: skip


def test_a_report_made_on_the_source_is_found_on_its_copy_either_way(
    team: Team, tmp_path: Path
) -> None:
    """An adversary's find: a report filed from a file, the dossier then copied to the
    team's server, and `verify --hash` there said "never in state H", as of a forged
    report, though the records had not changed: a file and a server hash the same
    records differently. A copy's entry keeps the state its source was in."""
    source = sample_file(tmp_path)

    def hash_of(where: str, *cases: str) -> str:
        report = ok(cli("--db", where, "report", *cases)).stdout
        after = report.split("State hash (check with 'dossier verify")[1]
        return next(w for w in after.split() if len(w) == 64)

    filed = hash_of(source, "kudoyarov")
    ok(cli("copy", source, team.url("alice")))
    found = ok(cli("--db", team.url("alice"), "verify", "--hash", filed)).stdout
    assert f"Found: the dossier is in state {filed} now, as it has been after " in found
    assert " #1 (copy " in found
    # A member of one case cannot see the others change (a review's find: it was told
    # "current" while another case had changed): found, never current.
    ok(cli("--db", team.url("alice"), "access", "grant", "kudoyarov", "bob"))
    ok(cli("--db", team.url("alice"), "log", "aleksanyan", "hearing", "2012-01-01"))
    seen = ok(cli("--db", team.url("bob"), "verify", "--hash", filed)).stdout
    assert f"Found: the records were copied here from a dossier in state {filed}" in seen
    assert "it covers cases you cannot see" in seen
    told = json.loads(ok(cli("--db", team.url("bob"), "verify", "--hash", filed, "--json")).stdout)
    assert (told["found"], told["current"]) == (True, False)
    later = json.loads(
        ok(cli("--db", team.url("alice"), "verify", "--hash", filed, "--json")).stdout
    )
    assert (later["current"], len(later["changes_since"])) == (False, 1)
    # From the server, a report of one case and of two, found on a file copied from it.
    one, two = (
        hash_of(team.url("alice"), "kudoyarov"),
        hash_of(team.url("alice"), "kudoyarov", "aleksanyan"),
    )
    back = str(tmp_path / "back.json")
    ok(cli("copy", team.url("alice"), back))
    for state, cases in ((one, ["kudoyarov"]), (two, ["kudoyarov", "aleksanyan"])):
        args = [a for c in cases for a in ("--case", c)] if len(cases) > 1 else []
        checked = ok(cli("--db", back, "verify", "--hash", state, *args)).stdout
        assert f"Found: the dossier is in state {state} now, as it has been after #1" in checked
    # A change after the copy is said, and the state is no longer current.
    ok(cli("--db", back, "log", "kudoyarov", "hearing", "2012-01-01"))
    later = ok(cli("--db", back, "verify", "--hash", one, "--json")).stdout
    assert (json.loads(later)["found"], json.loads(later)["current"]) == (True, False)
    # A state the source never showed in a report is still never found, and said so.
    never = cli("--db", back, "verify", "--hash", "0" * 64)
    assert never.exit_code == 1
    assert "history begins with its copy from elsewhere (#1, copy " in never.stderr
