"""Encryption at rest: the format, the commands, and what never reaches the disk.

Files made here use `FAST_KDF` (a key derivation that costs nothing); the golden
file and the CLI's `encrypt` default show that the real parameters work too.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from conftest import FAST_KDF, PASSPHRASE, Run, Snapshot, stored
from dossier import crypto, ops, vault
from dossier.cli.app import app
from dossier.crypto import MAGIC, FileKey, unseal
from dossier.errors import (
    CorruptDatabase,
    DatabaseError,
    InvalidValue,
    NewerSchema,
    PassphraseError,
)
from dossier.keys import Keys, passphrase_from_file
from dossier.model import Case
from dossier.store import Dossier, open_store

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN_PASSPHRASE = "dossier golden v1 — пароль"
GOLDEN_STATE = "f1ef418e86a84365d940aea79e9d5f3151e8ebe7f0d891962cde4dc1920b9ac4"
NEEDS = (
    "Error: {path} is encrypted: give the passphrase with --passphrase-file,"
    " --passphrase-fd or DOSSIER_PASSPHRASE_FILE\n"
)
# What must never be found in the dossier's folder: names in two scripts, dates, sources,
# text, as the JSON would hold them.
SECRETS = (
    "Василий Алексанян",
    "Vasily Aleksanyan",
    "2006-04-06",
    "2008-12-30",
    "https://example.org/arrest",
    "Matrosskaya Tishina",
    "protected witness",
)
ENV = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}


def dossier_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dossier", *args]


def dossier_process(
    *args: str, env: dict[str, str] = ENV, fds: tuple[int, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run dossier as its own process, with no terminal, passing it the descriptors `fds`."""
    return subprocess.run(
        dossier_cmd(*args),
        stdin=subprocess.DEVNULL,
        pass_fds=fds,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def plaintext_in(folder: Path) -> list[str]:
    """Every secret found in any file of `folder`, as 'FILE: SECRET'."""
    found = []
    for file in sorted(folder.rglob("*")):
        if file.is_file():
            data = file.read_bytes()
            for secret in SECRETS:
                for form in (secret.encode(), orjson.dumps(secret)[1:-1]):
                    if form in data:
                        found.append(f"{file.name}: {secret}")
    return found


@pytest.fixture
def storage() -> str:
    """This module makes its encrypted files itself: `run` starts on a missing file."""
    return "plain"


@pytest.fixture
def plain(run: Run, db: Path) -> Path:
    """A plain dossier with every kind of secret in it."""
    assert run("case", "add", "aleksanyan", "--title", "Vasily Aleksanyan").exit_code == 0
    assert run("person", "add", "Василий Алексанян", "--alias", "Vasily Aleksanyan",
               "--case", "aleksanyan", "--role", "defendant").exit_code == 0  # fmt: skip
    for args in (
        ("arrest", "2006-04-06", "--place", "Matrosskaya Tishina"),
        ("release", "2008-12-30", "--note", "protected witness"),
    ):
        result = run("log", "aleksanyan", *args, "--person", "vasiliy-aleksanyan",
                     "--source", "https://example.org/arrest")  # fmt: skip
        assert result.exit_code == 0, result.output
    assert plaintext_in(db.parent)  # the check finds what is there
    return db


@pytest.fixture
def encrypted(plain: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The `plain` dossier, encrypted with PASSPHRASE, given in $DOSSIER_PASSPHRASE."""
    vault.encrypt(plain, PASSPHRASE, FAST_KDF)
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    return plain


def state(run: Run) -> str:
    result = run("verify", "--json")
    assert result.exit_code == 0, result.output
    found: str = orjson.loads(result.stdout)["state_hash"]
    return found


# The round trip ------------------------------------------------------------------


def test_encrypt_then_decrypt_gives_back_the_same_bytes_and_state(
    plain: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before, hash_before = plain.read_bytes(), state(run)
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    result = run("encrypt", "--kdf-memory", "1", "--kdf-passes", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Encrypted {plain}.\n"
    assert plain.read_bytes().startswith(MAGIC)
    assert state(run) == hash_before
    assert run("verify", "--hash", hash_before).exit_code == 0
    copy = tmp_path / "copy.json"
    result = run("decrypt", "-o", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Warning: {copy} is not encrypted\n"
    assert copy.read_bytes() == before
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    result = run("decrypt", "--in-place", "--yes")
    assert result.exit_code == 0, result.output
    assert plain.read_bytes() == before


def test_encrypt_on_a_missing_file_makes_an_empty_encrypted_dossier(
    db: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    result = run("encrypt", "--kdf-memory", "1", "--kdf-passes", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Created an empty encrypted dossier at {db}.\n"
    assert db.read_bytes().startswith(MAGIC)
    assert orjson.loads(run("case", "list", "--json").stdout) == []
    assert run("case", "add", "x", "--title", "X").exit_code == 0
    assert db.read_bytes().startswith(MAGIC)
    assert run("verify").exit_code == 0


def test_encrypt_twice_and_decrypt_of_a_plain_file_are_refused(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    before = Snapshot.of(encrypted)
    result = run("encrypt")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {encrypted} is already encrypted; 'dossier passphrase change' gives it a new"
        " passphrase\n"
    )
    before.assert_unchanged()
    other = tmp_path / "plain.json"
    assert run("decrypt", "--in-place", "--yes").exit_code == 0
    result = run("decrypt", "-o", str(other), "--yes")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {encrypted} is not encrypted; 'dossier encrypt' encrypts it\n"
    assert not other.exists()
    result = run("passphrase", "change")  # said before any passphrase is asked for
    assert result.exit_code == 1
    assert result.stderr == f"Error: {encrypted} is not encrypted; 'dossier encrypt' encrypts it\n"
    assert sorted(p.name for p in encrypted.parent.iterdir()) == [
        encrypted.name,
        encrypted.name + ".lock",  # made by the writes before, not by the refusals
    ]


def test_the_python_api_opens_with_keys_and_writes_encrypted(encrypted: Path) -> None:
    keys = Keys(lambda _path: PASSPHRASE, session=None)
    with Dossier.edit(encrypted, "api", keys=keys) as d:
        assert d.key is not None
        ops.add_case(d, Case(id="magnitsky", title="Magnitsky"))
    assert encrypted.read_bytes().startswith(MAGIC)
    assert "magnitsky" in Dossier.load(encrypted, keys=keys).cases
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        Dossier.load(encrypted, keys=Keys(lambda _path: "not it"))


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (lambda _path: PASSPHRASE.encode(), "a passphrase must be text (str), not bytes"),
        (lambda _path: 1234, "a passphrase must be text (str), not int"),
        (lambda _path: "broken \udc80", "the passphrase is not valid UTF-8 text"),
    ],
)
def test_a_passphrase_that_is_not_text_is_a_passphrase_error(
    encrypted: Path, source: Any, words: str
) -> None:
    """An adversarial run of the Python API: a passphrase source that gave bytes, a
    number or a lone surrogate raised TypeError or UnicodeEncodeError."""
    before = encrypted.read_bytes()
    with pytest.raises(PassphraseError, match=re.escape(words)):
        Dossier.load(encrypted, keys=Keys(source))
    with (
        pytest.raises(PassphraseError, match=re.escape(words)),
        Dossier.edit(encrypted, "api", keys=Keys(source)) as d,
    ):
        ops.add_case(d, Case(id="magnitsky", title="Magnitsky"))
    assert encrypted.read_bytes() == before


@pytest.mark.parametrize("keys", [PASSPHRASE, lambda _path: PASSPHRASE])
def test_keys_that_are_not_keys_are_refused_by_name(encrypted: Path, keys: Any) -> None:
    """`keys="secret"` met an AttributeError deep in the reading of the file."""
    before = encrypted.read_bytes()
    calls = [
        lambda: Dossier.load(encrypted, keys=keys),
        lambda: open_store(encrypted, keys=keys),
        lambda: Dossier.edit(encrypted, "api", keys=keys).__enter__(),
        lambda: vault.decrypt(encrypted, keys, in_place=True),
        lambda: vault.unlock(encrypted, keys),
    ]
    for call in calls:
        with pytest.raises(InvalidValue, match=r"keys must be a dossier\.Keys"):
            call()
    assert encrypted.read_bytes() == before


def test_every_write_uses_a_fresh_salt_and_keeps_the_slot(encrypted: Path, run: Run) -> None:
    def header(path: Path) -> dict[str, object]:
        raw = path.read_bytes()
        size = int.from_bytes(raw[len(MAGIC) + 2 : len(MAGIC) + 6], "big")
        parsed: dict[str, object] = orjson.loads(raw[len(MAGIC) + 6 : len(MAGIC) + 6 + size])
        return parsed

    first = header(encrypted)
    assert run("case", "edit", "aleksanyan", "--summary", "one").exit_code == 0
    second = header(encrypted)
    assert second["salt"] != first["salt"]
    assert second["slots"] == first["slots"]  # a write derives no key
    key = FileKey.new(PASSPHRASE, FAST_KDF)
    assert key.seal(b"same") != key.seal(b"same")


def test_the_passphrase_is_normalised_so_both_forms_of_a_letter_open(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    vault.encrypt(path, "й", FAST_KDF)  # composed
    decomposed = "\u0438\u0306"
    assert Dossier.load(path, keys=Keys(lambda _p: decomposed)).key is not None


# The passphrase: where it comes from, and when it is wrong -----------------------------


def test_a_wrong_passphrase_exits_4_and_leaves_the_file(
    encrypted: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_PASSPHRASE", "wrong")
    before = Snapshot.of(encrypted)
    for args in (("case", "list"), ("log", "aleksanyan", "statement", "2009"), ("undo",)):
        result = run(*args)
        assert result.exit_code == 4, args
        assert result.stderr == f"Error: wrong passphrase for {encrypted}\n"
        before.assert_unchanged()
    assert sorted(p.name for p in encrypted.parent.iterdir()) == [
        encrypted.name,
        encrypted.name + ".lock",
    ]


def test_without_a_terminal_and_without_a_passphrase_nothing_is_asked(encrypted: Path) -> None:
    before = Snapshot.of(encrypted)
    result = dossier_process("--db", str(encrypted), "timeline", "aleksanyan")
    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr == NEEDS.format(path=encrypted)
    before.assert_unchanged()


def test_every_script_source_of_the_passphrase_opens_it(
    encrypted: Path, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOSSIER_PASSPHRASE")
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    assert run("--passphrase-file", str(secret), "case", "list").exit_code == 0
    monkeypatch.setenv("DOSSIER_PASSPHRASE_FILE", str(secret))
    assert run("case", "list").exit_code == 0
    monkeypatch.delenv("DOSSIER_PASSPHRASE_FILE")
    read, write = os.pipe()
    os.write(write, PASSPHRASE.encode())
    os.close(write)
    result = dossier_process(
        "--db", str(encrypted), "--passphrase-fd", str(read), "case", "list", fds=(read,)
    )
    os.close(read)
    assert result.returncode == 0, result.stderr
    assert "aleksanyan" in result.stdout
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = run("--passphrase-file", str(empty), "case", "list")
    assert result.exit_code == 4
    assert result.stderr == f"Error: the passphrase file {empty} holds an empty passphrase\n"


def test_the_options_come_before_the_environment(
    encrypted: Path, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_PASSPHRASE", "wrong")
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE)
    assert run("--passphrase-file", str(secret), "case", "list").exit_code == 0


def test_a_terminal_is_asked_once_and_a_new_passphrase_twice(tmp_path: Path) -> None:
    db = tmp_path / "t.json"
    typed = "typed on a terminal"
    out = in_a_terminal(
        ["--db", str(db), "encrypt", "--kdf-memory", "1", "--kdf-passes", "1"],
        [typed, typed],
    )
    assert f"New passphrase for {db}:" in out
    assert "Repeat for confirmation:" in out
    assert typed not in out  # not echoed
    assert Dossier.load(db, keys=Keys(lambda _p: typed)).key is not None
    out = in_a_terminal(["--db", str(db), "case", "add", "x", "--title", "X"], [typed])
    assert out.count("Passphrase for") == 1  # asked once, before the lock
    assert "x" in Dossier.load(db, keys=Keys(lambda _p: typed)).cases


def in_a_terminal(args: list[str], lines: list[str | bytes], code: int = 0) -> str:
    """Run dossier with a pseudo-terminal as its standard input and no controlling
    terminal (so the prompt reads it), typing `lines` (bytes as they are, with no line
    end); everything it wrote. It must exit with `code`."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        dossier_cmd(*args),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=ENV,
        start_new_session=True,
    )
    os.close(follower)
    output = b""
    pending = list(lines)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the follower side closed: the process is done
            break
        output += chunk
        # getpass turns echo off (dropping what was typed before), then writes its
        # prompt's last character, a space: only then is it listening.
        if pending and output.endswith(b": "):
            line = pending.pop(0)
            os.write(leader, line if isinstance(line, bytes) else line.encode() + b"\n")
            output += b"\n"
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.close(leader)
    assert proc.returncode == code, output.decode(errors="replace")
    return output.decode(errors="replace")


@pytest.mark.parametrize(
    ("typed", "said"),
    [(b"ab\xff\xfecd\n", "the passphrase typed is not UTF-8 text"),
     (b"\x04", "is encrypted: give the passphrase with --passphrase-file")],
    ids=["not-utf-8", "ctrl-d"],
)  # fmt: skip
def test_a_passphrase_typed_badly_or_not_at_all_is_exit_4(
    encrypted: Path, typed: bytes, said: str
) -> None:
    """Bytes that are no UTF-8 were an internal error; Ctrl-D was click's 'Aborted!'
    with exit 1, where the README promises 4 for no passphrase."""
    out = in_a_terminal(["--db", str(encrypted), "case", "list"], [typed], code=4)
    assert said in out and "internal error" not in out and "Aborted" not in out


# Altered, damaged, hostile --------------------------------------------------------


def parts(path: Path) -> dict[str, int]:
    """Where each part of an encrypted file begins."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[len(MAGIC) + 2 : len(MAGIC) + 6], "big")
    header = len(MAGIC) + 6
    return {
        "magic": 0,
        "version": len(MAGIC),
        "length": len(MAGIC) + 2,
        "header": header,
        "checksum": header + size,
        "ciphertext": header + size + 32,
        "tag": len(raw) - 16,
    }


@pytest.mark.parametrize("part", ["magic", "version", "length", "header", "checksum",
                                  "ciphertext", "tag"])  # fmt: skip
@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_flipped_byte_or_a_cut_anywhere_is_reported_as_altered(
    encrypted: Path, run: Run, part: str, damage: str
) -> None:
    where = parts(encrypted)[part] + 1
    raw = bytearray(encrypted.read_bytes())
    if damage == "flip":
        raw[where] ^= 0x01
    else:
        del raw[where:]
    encrypted.write_bytes(bytes(raw))
    before = Snapshot.of(encrypted)
    for args in (("case", "list"), ("case", "add", "m", "--title", "M")):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(f"Error: {encrypted} was altered or damaged (")
        assert result.stderr.endswith(
            "; it was left untouched: restore it from a backup ('dossier backup' makes one)\n"
        )
        before.assert_unchanged()


def hostile(path: Path, version: int = 1, slot: bool = False, **changes: object) -> None:
    """Rewrite the header (or, with `slot`, its first key slot) of an encrypted file with a
    valid checksum, as an attacker can."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[len(MAGIC) + 2 : len(MAGIC) + 6], "big")
    start = len(MAGIC) + 6
    header = orjson.loads(raw[start : start + size])
    (header["slots"][0] if slot else header).update(changes)
    body = orjson.dumps(header, option=orjson.OPT_SORT_KEYS)
    before = MAGIC + version.to_bytes(2, "big") + len(body).to_bytes(4, "big") + body
    payload = raw[start + size + 32 :]
    path.write_bytes(before + hashlib.sha256(before).digest() + payload)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"version": 2}, NewerSchema, "is encrypted in format version 2; this dossier reads"
                                      " version 1: upgrade dossier"),
        ({"cipher": "rot13"}, CorruptDatabase, "unknown cipher 'rot13'"),
        ({"slot": True, "kdf": "scrypt"}, CorruptDatabase, "unknown key derivation 'scrypt'"),
        ({"slot": True, "memory_kib": 100 * 1024 * 1024}, CorruptDatabase,
         "104857600 KiB of memory"),
        ({"slot": True, "iterations": 10**9}, CorruptDatabase, "1000000000 passes"),
        ({"slot": True, "lanes": 0}, CorruptDatabase, "0 lanes"),
        ({"slot": True, "memory_kib": True}, CorruptDatabase, "not whole numbers"),
        ({"salt": "AAAA"}, CorruptDatabase, "3 bytes where 32 belong"),
        ({"salt": "é" * 40}, CorruptDatabase, "a salt, nonce or key that is not base64"),
        ({"slot": True, "nonce": "ключ"}, CorruptDatabase, "a salt, nonce or key that is not"
                                                           " base64"),
        ({"slots": []}, CorruptDatabase, "key slots must be a list of 1 to 16"),
        ({"extra": 1}, CorruptDatabase, "unexpected fields"),
    ],
    ids=["version-2", "cipher", "kdf", "100-GiB", "passes", "lanes", "bool", "salt",
         "salt-not-ascii", "nonce-not-ascii", "no-slot", "field"],
)  # fmt: skip
def test_a_hostile_header_is_refused_before_any_key_derivation(
    encrypted: Path,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
    error: type[Exception],
    words: str,
) -> None:
    change = dict(change)
    version, slot = change.pop("version", 1), change.pop("slot", False)
    assert isinstance(version, int)
    hostile(encrypted, version, bool(slot), **change)
    derived: list[object] = []
    monkeypatch.setattr(crypto, "_derive", lambda *args: derived.append(args) or bytes(32))
    started = time.monotonic()
    with pytest.raises(error, match=re.escape(words)):
        Dossier.load(encrypted, keys=Keys(lambda _p: PASSPHRASE))
    assert time.monotonic() - started < 0.5  # the bound; a derivation is ruled out above
    assert derived == []
    result = run("case", "list")
    assert result.exit_code == 1
    assert words.split(":")[0] in result.stderr


def test_a_hostile_header_cannot_pass_as_a_wrong_passphrase_or_a_good_file(
    encrypted: Path, run: Run
) -> None:
    raw = encrypted.read_bytes()
    size = int.from_bytes(raw[len(MAGIC) + 2 : len(MAGIC) + 6], "big")
    header = orjson.loads(raw[len(MAGIC) + 6 : len(MAGIC) + 6 + size])
    # Another salt for this write: the payload key changes, the tag fails.
    hostile(encrypted, salt=base64.b64encode(bytes(32)).decode())
    result = run("case", "list")
    assert result.exit_code == 1
    assert "was altered or damaged (its contents fail their integrity check)" in result.stderr
    assert header["salt"] != base64.b64encode(bytes(32)).decode()


def test_the_golden_version_1_file_opens_with_its_passphrase(tmp_path: Path) -> None:
    golden = tmp_path / "golden.dossier"
    golden.write_bytes((FIXTURES / "encrypted-v1.dossier").read_bytes())
    d = Dossier.load(golden, keys=Keys(lambda _p: GOLDEN_PASSPHRASE))
    assert d.state_hash().all == GOLDEN_STATE
    assert d.verify() == []
    assert d.persons.get("vasiliy-aleksanyan").name == "Василий Алексанян"  # type: ignore[union-attr]
    assert sorted(e.type for e in d.events) == ["arrest", "release"]
    with pytest.raises(PassphraseError):
        Dossier.load(golden, keys=Keys(lambda _p: "dossier golden v1"))


# Never plaintext on disk ----------------------------------------------------------------


def test_no_plaintext_in_the_folder_after_encrypt_and_writes(encrypted: Path, run: Run) -> None:
    assert plaintext_in(encrypted.parent) == []
    for args in (
        ("person", "add", "Сергей Магнитский", "--case", "aleksanyan", "--role", "witness"),
        ("log", "aleksanyan", "hearing", "2007-01-05", "--note", "protected witness"),
        ("undo",),
        ("redo",),
        ("case", "edit", "aleksanyan", "--summary", "Matrosskaya Tishina"),
    ):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert plaintext_in(encrypted.parent) == []
    assert "Магнитский" in str(stored(encrypted))


def test_a_failed_replace_leaves_no_plaintext_and_the_old_file(
    encrypted: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = Snapshot.of(encrypted)

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    result = run("log", "aleksanyan", "hearing", "2007-01-05", "--note", "protected witness")
    assert result.exit_code == 1
    assert "No space left on device; the previous file is intact" in result.stderr
    before.assert_unchanged()
    assert sorted(p.name for p in encrypted.parent.iterdir()) == [
        encrypted.name,
        encrypted.name + ".lock",
    ]
    assert plaintext_in(encrypted.parent) == []


def big_import(folder: Path, rows: int) -> Path:
    lines = ["case,date,type,person,place,description,source"]
    for n in range(rows):
        lines.append(
            f"aleksanyan,2007-{n % 12 + 1:02d}-{n % 28 + 1:02d},hearing,vasiliy-aleksanyan,"
            f"Matrosskaya Tishina,protected witness {n},https://example.org/arrest"
        )
    path = folder / "hearings.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_import_killed_at_any_moment_leaves_no_plaintext(
    encrypted: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = big_import(tmp_path_factory.mktemp("input"), 20000)
    original = encrypted.read_bytes()
    env = {**ENV, "DOSSIER_PASSPHRASE": PASSPHRASE}
    for delay in (0.05, 0.2, 0.4, 0.6, 0.8, 1.1):
        proc = subprocess.Popen(
            dossier_cmd("--db", str(encrypted), "import", str(source)),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert plaintext_in(encrypted.parent) == [], delay
        raw = encrypted.read_bytes()
        plaintext, _key = unseal(raw, encrypted, Keys(lambda _p: PASSPHRASE))
        assert len(orjson.loads(plaintext)["events"]) in (2, 20002)  # the old or the new
        encrypted.write_bytes(original)


# The other commands ---------------------------------------------------------------------


def test_decrypt_never_overwrites_and_asks_without_yes(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    taken = tmp_path / "taken.json"
    taken.write_text("mine")
    result = run("decrypt", "-o", str(taken), "--yes")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {taken} exists; choose a new file name (nothing is overwritten)\n"
    )
    assert taken.read_text() == "mine"
    result = run("decrypt", "-o", str(tmp_path / "new.json"))
    assert result.exit_code == 1
    assert "pass --yes to go ahead" in result.stderr
    assert not (tmp_path / "new.json").exists()
    result = run("decrypt")
    assert result.exit_code == 2
    assert "give either -o FILE or --in-place" in result.stderr


# dossier in a process of its own, killed (SIGKILL) as it syncs the file it writes: after
# the bytes are written, before anything names them.
KILLED_AT_SYNC = """
import os, sys
def kill(frame, event, arg):
    if event == "c_call" and arg is os.fsync and frame.f_code.co_name in ("link_new",
                                                                         "write_atomic"):
        os.kill(os.getpid(), 9)
sys.setprofile(kill)
sys.argv[0] = "dossier"
from dossier.cli import main
main()
"""


def test_a_copy_killed_mid_write_leaves_nothing_beside_it(encrypted: Path, tmp_path: Path) -> None:
    """An adversary's find: `decrypt -o` killed mid-write left a temp file of plaintext
    beside the copy (`plain.json.3ca87318.tmp.d57d2fda.tmp`), which nothing removes and
    its owner does not know of. The copy has no name now until it is whole."""
    folder = tmp_path / "copies"
    folder.mkdir()
    for command in (("decrypt", "--yes", "-o"), ("backup", "-o")):
        killed = subprocess.run(
            [sys.executable, "-c", KILLED_AT_SYNC, "--db", str(encrypted), *command,
             str(folder / "copy.json")],
            env={**ENV, "DOSSIER_PASSPHRASE": PASSPHRASE},
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert list(folder.iterdir()) == []
    # Unkilled, the copy is whole.
    assert dossier_process(
        "--db", str(encrypted), "decrypt", "--yes", "-o", str(folder / "copy.json"),
        env={**ENV, "DOSSIER_PASSPHRASE": PASSPHRASE},
    ).returncode == 0  # fmt: skip
    assert [p.name for p in folder.iterdir()] == ["copy.json"]
    assert plaintext_in(folder)


@pytest.mark.parametrize("unnamed", [True, False])
def test_a_new_copy_is_written_whole_or_refused_with_or_without_unnamed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    """Where the system has no O_TMPFILE (not Linux), a named temp file is linked."""
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    copy = tmp_path / "copy.json"
    vault.write_new(copy, b"records", "backup")
    assert (copy.read_bytes(), copy.stat().st_mode & 0o777) == (b"records", 0o600)
    with pytest.raises(DatabaseError, match="exists; choose a new file name"):
        vault.write_new(copy, b"other", "backup")
    assert [p.name for p in tmp_path.iterdir()] == ["copy.json"]
    assert copy.read_bytes() == b"records"


def test_passphrase_change_keeps_the_state_and_retires_the_old_one(
    encrypted: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hash_before = state(run)
    secret = tmp_path / "new"
    secret.write_text("a new passphrase\n")
    result = run("passphrase", "change", "--new-passphrase-file", str(secret),
                 "--kdf-memory", "1", "--kdf-passes", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Changed the passphrase of {encrypted}; unlocked shells must unlock again.\n"
    )
    result = run("case", "list")
    assert result.exit_code == 4
    assert result.stderr == f"Error: wrong passphrase for {encrypted}\n"
    monkeypatch.setenv("DOSSIER_PASSPHRASE", "a new passphrase")
    assert state(run) == hash_before
    result = run("passphrase", "change")
    assert result.exit_code == 4
    assert "give it with --new-passphrase-file or --new-passphrase-fd" in result.stderr


def test_backup_is_the_encrypted_file_and_never_overwrites(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    copy = tmp_path / "backup.dossier"
    result = run("backup", "-o", str(copy))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {copy} (encrypted).\n"
    assert copy.read_bytes() == encrypted.read_bytes()
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    result = run("backup", "-o", str(copy))
    assert result.exit_code == 1
    assert "exists; choose a new file name" in result.stderr


def test_a_backup_of_a_damaged_file_is_refused(encrypted: Path, run: Run, tmp_path: Path) -> None:
    raw = bytearray(encrypted.read_bytes())
    raw[-1] ^= 1
    encrypted.write_bytes(bytes(raw))
    result = run("backup", "-o", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "was altered or damaged" in result.stderr
    assert not (tmp_path / "b").exists()


def test_export_and_report_say_that_their_files_are_not_encrypted(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "x.json"
    result = run("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Warning: {out} is not encrypted\n"
    page = tmp_path / "r.md"
    result = run("report", "aleksanyan", "-o", str(page))
    assert result.exit_code == 0, result.output
    assert f"Warning: {page} is not encrypted\n" in result.stderr
    assert run("export").stderr == ""  # standard output: where the user sends it
    for fmt, name in (("ftm", "x.ftm"), ("uwazi", "uwazi")):
        written = tmp_path / name
        result = run("export", "--format", fmt, "-o", str(written))
        assert result.exit_code == 0, result.output
        assert f"Warning: {written} is not encrypted\n" in result.stderr
    assert "not encrypted" not in run("export", "--format", "ftm").stderr


@pytest.fixture
def session_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield {**ENV, "XDG_RUNTIME_DIR": str(runtime)}


def test_unlock_opens_this_dossier_for_this_shell_until_lock(
    encrypted: Path, tmp_path: Path, session_env: dict[str, str]
) -> None:
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE)
    other = tmp_path / "other.json"
    vault.encrypt(other, PASSPHRASE, FAST_KDF)
    script = f"""
        set -e
        eval "$(dossier --db {encrypted} --passphrase-file {secret} unlock)"
        dossier --db {encrypted} case list --json | tr -d ' \\n'; echo
        dossier --db {encrypted} case add magnitsky --title Magnitsky
        dossier --db {other} case list 2>&1 || echo "other: $?"
        saved=$DOSSIER_SESSION
        eval "$(dossier lock)"
        echo "after lock: [$DOSSIER_SESSION]"
        DOSSIER_SESSION=$saved dossier --db {encrypted} case list 2>&1 || echo "locked: $?"
    """
    bindir = Path(sys.executable).parent
    env = {**session_env, "PATH": f"{bindir}:{session_env['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('[{"id":"aleksanyan"')
    assert NEEDS.format(path=other).strip() in lines
    assert "other: 4" in lines
    assert "after lock: []" in lines
    assert "locked: 4" in lines
    assert "Locked." in result.stderr
    assert list((Path(session_env["XDG_RUNTIME_DIR"]) / "dossier").iterdir()) == []
    assert PASSPHRASE not in result.stdout + result.stderr


def test_unlock_refuses_to_write_its_secret_into_a_file(
    encrypted: Path, tmp_path: Path, session_env: dict[str, str]
) -> None:
    """`dossier unlock > FILE` put the secret on the disk beside the session file: the
    two together open the dossier from a copy of the disk."""
    saved = tmp_path / "unlock.sh"
    with saved.open("w") as out:
        result = subprocess.run(
            dossier_cmd("--db", str(encrypted), "unlock"),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env={**session_env, "DOSSIER_PASSPHRASE": PASSPHRASE},
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: unlock prints a secret for the shell to keep, not"
                                    " for a file")  # fmt: skip
    assert saved.read_bytes() == b""
    assert not (Path(session_env["XDG_RUNTIME_DIR"]) / "dossier").exists()
    piped = dossier_process(
        "--db", str(encrypted), "unlock", env={**session_env, "DOSSIER_PASSPHRASE": PASSPHRASE}
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("export DOSSIER_SESSION=")


def test_completion_opens_the_dossier_typed_and_never_asks(encrypted: Path, tmp_path: Path) -> None:
    """Completion ignored the global options typed before the command (its callback does
    not run), so `--db FILE` completed from the default dossier, and a passphrase file
    typed was not used. Without a passphrase it completes nothing, even on a terminal."""
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    home = {**ENV, "HOME": str(tmp_path / "home"), "_DOSSIER_COMPLETE": "complete_bash"}

    def complete(*words: str, env: dict[str, str] = home, stdin: int | None = None) -> str:
        line = ["dossier", *words, "timeline", "a"]
        proc = subprocess.run(
            dossier_cmd(),
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            capture_output=True,
            text=True,
            timeout=30,
            env={**env, "COMP_WORDS": " ".join(line), "COMP_CWORD": str(len(line) - 1)},
        )
        assert (proc.returncode, proc.stderr) == (0, "")
        return proc.stdout.strip()

    given = {**home, "DOSSIER_PASSPHRASE": PASSPHRASE}
    assert complete("--db", str(encrypted), env=given) == "aleksanyan"
    assert complete("--db", str(encrypted), "--passphrase-file", str(secret)) == "aleksanyan"
    leader, follower = pty.openpty()
    try:
        assert complete("--db", str(encrypted), stdin=follower) == ""
    finally:
        os.close(leader)
        os.close(follower)


def test_a_dossier_that_cannot_be_read_is_said_so_by_every_file_command(
    encrypted: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not readable (a group's file without the read bit, a failing disk): encrypt,
    decrypt, backup and unlock ended in 'internal error (PermissionError)'."""
    encrypted.with_name(encrypted.name + ".lock").unlink()
    opening = Path.open

    def refused(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == encrypted:
            raise PermissionError(13, "Permission denied")
        return opening(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refused)
    for command in (
        ("case", "list"),
        ("encrypt",),
        ("decrypt", "--yes", "-o", str(tmp_path / "plain.json")),
        ("backup", "-o", str(tmp_path / "copy.dossier")),
        ("unlock",),
        ("passphrase", "change"),
    ):
        result = run(*command)
        assert (result.exit_code, result.stderr) == (
            1, f"Error: cannot read database {encrypted}: Permission denied\n"
        ), command  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [encrypted.name]


def test_an_unlock_holds_no_key_in_the_clear(
    encrypted: Path, run: Run, session_env: dict[str, str]
) -> None:
    result = run("unlock")
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert line.startswith("export DOSSIER_SESSION=")
    keys = Keys(lambda _p: PASSPHRASE)
    Dossier.load(encrypted, keys=keys)
    data_key = next(iter(keys._found.values()))
    sessions = list((Path(session_env["XDG_RUNTIME_DIR"]) / "dossier").iterdir())
    assert len(sessions) == 1
    assert oct(sessions[0].stat().st_mode & 0o777) == "0o600"
    held = sessions[0].read_bytes()
    for form in (data_key, base64.b64encode(data_key), data_key.hex().encode()):
        assert form not in held
        assert form.decode("latin-1") not in line


def test_secrets_never_reach_output_history_or_a_debug_traceback(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    keys = Keys(lambda _p: PASSPHRASE)
    Dossier.load(encrypted, keys=keys)
    data_key = next(iter(keys._found.values()))
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE)
    outputs = [
        run("--passphrase-file", str(secret), "log", "aleksanyan", "statement", "2009"),
        run("--debug", "passphrase", "change"),  # fails: no terminal for the new one
        run("history", "--json"),
    ]
    raw = bytearray(encrypted.read_bytes())
    raw[-1] ^= 1
    encrypted.write_bytes(bytes(raw))
    outputs.append(run("--debug", "case", "list"))
    text = "".join(r.stdout + r.stderr for r in outputs)
    assert "Traceback" in text and "(message withheld)" in text
    for form in (PASSPHRASE, data_key.hex(), base64.b64encode(data_key).decode()):
        assert form not in text
    assert str(secret) not in outputs[2].stdout  # the history leaves the global options out


# Found by review ------------------------------------------------------------------------


def test_an_uwazi_folder_never_writes_over_the_dossier_in_it(
    db: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The dossier kept as FOLDER/events.csv was replaced by the export's plaintext CSV."""
    folder = tmp_path / "exchange"
    folder.mkdir()
    inside = folder / "events.csv"
    vault.encrypt(db, PASSPHRASE, FAST_KDF)
    inside.write_bytes(db.read_bytes())
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    before = Snapshot.of(inside)
    result = CliRunner().invoke(
        app, ["--db", str(inside), "export", "--format", "uwazi", "-o", str(folder)]
    )
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {inside} is the dossier itself; write to another file\n"
    )  # fmt: skip
    before.assert_unchanged()
    assert sorted(p.name for p in folder.iterdir()) == ["events.csv"]


@pytest.mark.parametrize("command", [("export",), ("report", "aleksanyan")])
def test_an_output_file_is_never_the_dossier_itself(
    encrypted: Path, run: Run, command: tuple[str, ...]
) -> None:
    before = Snapshot.of(encrypted)
    link = encrypted.with_name("link.json")
    link.symlink_to(encrypted)
    for target in (encrypted, link, encrypted.with_name(encrypted.name + ".lock")):
        result = run(*command, "--format", "json" if command[0] == "export" else "txt",
                     "-o", str(target))  # fmt: skip
        assert result.exit_code == 1, result.output
        assert result.stderr == f"Error: {target} is the dossier itself; write to another file\n"
        before.assert_unchanged()


def test_a_header_asking_too_much_work_over_all_its_slots_is_refused(
    encrypted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = encrypted.read_bytes()
    size = int.from_bytes(raw[len(MAGIC) + 2 : len(MAGIC) + 6], "big")
    header = orjson.loads(raw[len(MAGIC) + 6 : len(MAGIC) + 6 + size])
    heavy = {**header["slots"][0], "memory_kib": 1024 * 1024, "iterations": 5}  # each allowed
    hostile(encrypted, slots=[heavy] * 2)
    monkeypatch.setattr(crypto, "_derive", lambda *args: pytest.fail("a key was derived"))
    with pytest.raises(CorruptDatabase, match="over all slots of 10240 MiB-passes"):
        Dossier.load(encrypted, keys=Keys(lambda _p: PASSPHRASE))


def test_a_write_to_a_plain_file_says_so_when_a_passphrase_was_given(
    db: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("case", "add", "a", "--title", "A").exit_code == 0  # a plain dossier
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    result = run("case", "add", "x", "--title", "Protected witness")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Warning: {db} is not encrypted although a passphrase or an unlock was given;"
        " 'dossier encrypt' encrypts it\n"
    )


@pytest.mark.parametrize("left", [b"", b"\n", b"  \r\n"])
def test_an_encrypted_dossier_cut_to_nothing_is_refused_not_begun_again_in_plaintext(
    db: Path, run: Run, monkeypatch: pytest.MonkeyPatch, left: bytes
) -> None:
    """Cut to nothing (a sync gone wrong), it read as an empty dossier: `verify` said OK,
    and the next write of an unlocked shell put a protected witness in plaintext."""
    vault.encrypt(db, PASSPHRASE, FAST_KDF)
    db.write_bytes(left)
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    for args in (("person", "list"), ("verify",), ("person", "add", "Second Witness", "-y")):
        result = run(*args)
        assert (result.exit_code, result.stdout) == (1, ""), args
        assert result.stderr == (
            f"Error: {db} is empty, though a passphrase or an unlock was given: an encrypted"
            " dossier cut to nothing? Nothing was read or written; restore it from a backup,"
            " or remove the empty file to begin a new dossier there\n"
        ), args
        assert db.read_bytes() == left
    monkeypatch.delenv("DOSSIER_PASSPHRASE")  # without one, an empty file is a new dossier
    assert run("person", "list").exit_code == 0


def test_a_passphrase_given_comes_before_the_shells_unlock(
    encrypted: Path, run: Run, monkeypatch: pytest.MonkeyPatch, session_env: dict[str, str]
) -> None:
    secret = run("unlock").stdout.strip().split("=", 1)[1]
    monkeypatch.setenv("DOSSIER_SESSION", secret)
    monkeypatch.delenv("DOSSIER_PASSPHRASE")
    assert run("case", "list").exit_code == 0  # the unlock opens it
    monkeypatch.setenv("DOSSIER_PASSPHRASE", "wrong")
    result = run("case", "list")
    assert result.exit_code == 4
    assert result.stderr == f"Error: wrong passphrase for {encrypted}\n"
    assert "session=" not in repr(Keys(session=secret)) and secret not in repr(Keys(session=secret))


def test_an_unusable_session_is_passed_over_for_the_passphrase(
    encrypted: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runtime = tmp_path / "elsewhere"
    runtime.mkdir()
    (runtime / "dossier").symlink_to(tmp_path)  # not a folder of this user's own
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("DOSSIER_SESSION", "0" * 32 + "." + "A" * 43)
    assert run("case", "list").exit_code == 0
    monkeypatch.setenv("DOSSIER_SESSION", "garbage")
    assert run("case", "list").exit_code == 0


def test_encrypt_at_the_default_location_makes_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    result = CliRunner().invoke(app, ["encrypt", "--kdf-memory", "1", "--kdf-passes", "1"])
    assert result.exit_code == 0, result.output
    made = tmp_path / "home" / ".config" / "dossier" / "dossier.json"
    assert made.read_bytes().startswith(MAGIC)
    assert "cheaper than the default (64 MiB, 3 passes)" in result.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"a": 1}', "is not a dossier database"),
        (b"not json", "is not valid JSON"),
        (b"\x89DOS", "was altered or damaged (it ends inside its first bytes)"),
    ],
)
def test_encrypt_refuses_what_is_no_dossier_and_leaves_nothing_beside_it(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    result = CliRunner().invoke(
        app, ["--db", str(path), "encrypt"], env={"DOSSIER_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 1
    assert words in result.stderr
    assert path.read_bytes() == content
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("at", [0, 3])
def test_an_encrypted_file_with_a_damaged_first_byte_is_said_to_be_damaged(
    encrypted: Path, run: Run, at: int
) -> None:
    """Damaged to '{', the first byte made the file read as plain JSON: "is not valid
    JSON". Any one or two damaged bytes of the magic are damage to an encrypted file."""
    raw = bytearray(encrypted.read_bytes())
    raw[at] = ord("{")
    encrypted.write_bytes(bytes(raw))
    result = run("case", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {encrypted} was altered or damaged (its first bytes are damaged)"
    ), result.stderr


def test_passphrases_that_are_no_text_are_refused_cleanly(encrypted: Path, tmp_path: Path) -> None:
    result = dossier_process(
        "--db", str(encrypted), "case", "list",
        env={**ENV, "DOSSIER_PASSPHRASE": os.fsdecode(b"\xff")},
    )  # fmt: skip
    assert result.returncode == 4
    assert result.stderr == "Error: DOSSIER_PASSPHRASE is not UTF-8 text\n"
    bom = tmp_path / "bom"
    bom.write_bytes("\ufeff".encode() + PASSPHRASE.encode() + b"\r\n")  # Notepad's
    assert passphrase_from_file(bom, "test") == PASSPHRASE
    with pytest.raises(PassphraseError, match="an empty passphrase protects nothing"):
        vault.encrypt(tmp_path / "new.json", "", FAST_KDF)
    leader, follower = pty.openpty()
    result = dossier_process(
        "--db", str(encrypted), "--passphrase-fd", str(follower), "case", "list", fds=(follower,)
    )
    os.close(leader)
    os.close(follower)
    assert result.returncode == 4
    assert "is a terminal, which would show the passphrase" in result.stderr


def test_an_encrypted_dossier_given_to_import_says_what_it_is(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.dossier"
    copy.write_bytes(encrypted.read_bytes())
    result = run("import", str(copy), "--format", "csv")
    assert result.exit_code == 1
    assert f"{copy}:1: is an encrypted dossier, not a file to import" in result.stderr


def test_encrypt_refuses_a_key_derivation_the_reader_would_refuse(
    plain: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    before = Snapshot.of(plain)
    result = run("encrypt", "--kdf-memory", "1024", "--kdf-passes", "9")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cannot use key derivation with 9216 MiB-passes of memory times passes"
        " (at most 8192)\n"
    )
    before.assert_unchanged()


def test_a_key_derivation_out_of_bounds_is_refused_before_a_passphrase_is_typed(
    tmp_path: Path,
) -> None:
    """The new passphrase was asked twice, and only then the parameters refused."""
    db = tmp_path / "k.json"
    out = in_a_terminal(["--db", str(db), "encrypt", "--kdf-memory", "2048", "--kdf-passes",
                         "5"], [], code=1)  # fmt: skip
    assert "cannot use key derivation with 10240 MiB-passes" in out
    assert "passphrase" not in out.lower().split("error")[0]  # nothing asked before it
    assert not db.exists()


def test_an_unlocked_shell_writes_nothing_into_its_dossier_cut_to_nothing(
    db: Path, run: Run, monkeypatch: pytest.MonkeyPatch, session_env: dict[str, str]
) -> None:
    """It wrote the protected witness in plaintext, and said so only afterwards."""
    vault.encrypt(db, PASSPHRASE, FAST_KDF)
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    secret = run("unlock").stdout.strip().split("=", 1)[1]
    monkeypatch.delenv("DOSSIER_PASSPHRASE")
    monkeypatch.setenv("DOSSIER_SESSION", secret)
    db.write_bytes(b"")
    result = run("case", "add", "x", "--title", "Protected witness")
    assert result.exit_code == 1
    assert "is empty, though a passphrase or an unlock was given" in result.stderr
    assert db.read_bytes() == b""


def test_passphrase_change_checks_the_current_one_before_asking_the_new(
    encrypted: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_PASSPHRASE", "not the current one")
    result = run("passphrase", "change", "--new-passphrase-file", str(tmp_path / "missing"))
    assert result.exit_code == 4
    assert result.stderr == f"Error: wrong passphrase for {encrypted}\n"


def test_a_copy_into_a_missing_folder_is_refused_before_anything_is_made(
    encrypted: Path, run: Run, tmp_path: Path
) -> None:
    lock = encrypted.with_name(encrypted.name + ".lock")
    lock.unlink()
    for command in (("decrypt", "--yes", "-o"), ("backup", "-o")):
        target = tmp_path / "nowhere" / "copy.json"
        result = run(*command, str(target))
        assert result.exit_code == 1
        assert result.stderr == f"Error: no folder {target.parent} for {target}; create it first\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["dossier.json"]


def test_importing_an_encrypted_dossier_says_what_it_is(encrypted: Path, tmp_path: Path) -> None:
    """It said 'invalid JSON: str is not valid UTF-8: surrogates not allowed'."""
    other = tmp_path / "other.json"
    result = CliRunner().invoke(app, ["--db", str(other), "import", str(encrypted)])
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: {encrypted}:1: is an encrypted dossier, not a file to import: export its"
        " records with 'dossier --db FILE export -o PLAIN.json' and import that, or 'dossier"
        " copy' it into an empty dossier\nError: 1 problem(s) in 1 file(s); nothing was"
        " imported\n"
    ))  # fmt: skip
    assert not other.exists()


def test_copy_into_an_encrypted_dossier_cut_to_nothing_is_refused(
    plain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """copy opens its target itself: the check lives in the store's read, not the CLI."""
    target = tmp_path / "target.json"
    target.write_bytes(b"")
    monkeypatch.setenv("DOSSIER_PASSPHRASE", PASSPHRASE)
    result = CliRunner().invoke(app, ["copy", str(plain), str(target)])
    assert result.exit_code == 1
    assert "is empty, though a passphrase or an unlock was given" in result.stderr
    assert target.read_bytes() == b""


def test_the_vault_takes_paths_as_text_and_refuses_a_decrypt_to_nowhere(
    encrypted: Path, tmp_path: Path
) -> None:
    """An adversarial run of the Python API: vault.backup(db, "copy.json") raised
    AttributeError (the output had to be a Path, where every other path may be text),
    and vault.decrypt(db) without an output a ValueError, not a DossierError."""
    before = encrypted.read_bytes()
    assert vault.backup(encrypted, str(tmp_path / "copy.json")) is True
    assert (tmp_path / "copy.json").read_bytes() == before
    vault.decrypt(encrypted, output=str(tmp_path / "plain.json"))
    assert (tmp_path / "plain.json").read_bytes().startswith(b"{")
    with pytest.raises(InvalidValue, match="an output file or in_place=True"):
        vault.decrypt(encrypted)
    assert encrypted.read_bytes() == before
