"""Tampering: `dossier verify` finds every kind of hand edit and says which.

The messages matched are those of `dossier.history.verify_chain`. On an encrypted
dossier the hand edit is made as someone with the passphrase would make it:
decrypt, edit the JSON, seal again with the file's key; so what finds it is the
hash chain, not the cipher (`outside.damaged_ciphertext` damages the ciphertext).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from dossier import history as hist
from dossier.crypto import FileKey

from .encryption import Encryption, title
from .harness import Outcome, Tally, cli, error_lines

Data = dict[str, Any]
NOUN = {"cases": "case", "persons": "person", "events": "event"}


def sample_dossier(db: Path) -> Path:
    """A dossier with a dozen history entries of every kind (adds, edits, removals, undo)."""
    commands = [
        ("case", "add", "c", "--title", "Case C"),
        ("case", "add", "d", "--title", "Case D"),
        ("person", "add", "Anna Example", "--id", "anna", "--case", "c", "--role", "defendant"),
        ("person", "add", "Boris Example", "--id", "boris", "--case", "d", "--role", "lawyer"),
        ("log", "c", "arrest", "2009-01-02", "--person", "anna", "--source", "https://a.example"),
        ("log", "c", "release", "2009-06-01", "--person", "anna"),
        ("log", "d", "hearing", "2010", "--person", "boris"),
        ("case", "edit", "c", "--summary", "edited"),
        ("person", "edit", "boris", "--notes", "a note"),
        ("log", "d", "search", "2011-03"),
        ("undo",),
        ("redo",),
    ]
    for args in commands:
        result = cli(db, *args)
        if result.exit_code != 0:
            raise RuntimeError(f"setting up {args}: {result.output}")
    return db


def sample_plaintext(
    db: Path, encryption: Encryption | None = None
) -> tuple[bytes, FileKey | None]:
    """The sample dossier, built at `db`: its plaintext, and when encrypted (the commands
    that build it then run on the encrypted file) the key that seals it again."""
    db.parent.mkdir(parents=True, exist_ok=True)
    if encryption is None:
        return sample_dossier(db).read_bytes(), None
    sample_dossier(encryption.seal(db))
    encryption.learn(db)
    return encryption.open(db)


def store(db: Path, data: Data, key: FileKey | None) -> Path:
    """Write `data` as the file `db` (in a new folder of its own), sealed with `key` when
    given: a hand edit as someone with the passphrase makes it."""
    db.parent.mkdir(parents=True, exist_ok=True)
    plaintext = orjson.dumps(data)
    db.write_bytes(plaintext if key is None else key.seal(plaintext))
    return db


def _records(data: Data, kind: str) -> list[tuple[str, dict[str, Any]]]:
    return list(data[kind].items())


def _history(data: Data) -> list[dict[str, Any]]:
    return [data["history"][k] for k in sorted(data["history"], key=int)]


def _set_history(data: Data, entries: list[dict[str, Any]]) -> None:
    data["history"] = {str(i): e for i, e in enumerate(entries, 1)}


# Each tampering changes `data` in place and returns the words verify must say.


def edit_record(data: Data, rng: random.Random) -> list[str]:
    kind = rng.choice(list(NOUN))
    _key, record = rng.choice(_records(data, kind))
    field = {"cases": "title", "persons": "name", "events": "date"}[kind]
    record[field] = "2001" if kind == "events" else "Edited by hand"
    last = _history(data)[-1]["seq"]
    # Located: which record, and (the sample's entries keep what they wrote) which field.
    return [
        f"{NOUN[kind]} {record['id']} changed: {field} outside dossier after history entry {last}"
    ]


def add_record(data: Data, rng: random.Random) -> list[str]:
    kind = rng.choice(list(NOUN))
    _key, record = rng.choice(_records(data, kind))
    data[kind][str(len(data[kind]) + 1)] = {**record, "id": "added-by-hand"}
    return [f"{NOUN[kind]} added-by-hand added outside dossier"]


def remove_record(data: Data, rng: random.Random) -> list[str]:
    kind = rng.choice(list(NOUN))
    key, record = rng.choice(_records(data, kind))
    del data[kind][key]
    return [f"{NOUN[kind]} {record['id']} removed outside dossier"]


def change_entry(data: Data, rng: random.Random) -> list[str]:
    entries = _history(data)
    entry = rng.choice(entries)
    entry[rng.choice(["command", "time"])] += " (changed)"
    return [f"history entry {entry['seq']} ({entry['command']!r}) was edited by hand"]


def forge_entry(data: Data, rng: random.Random) -> list[str]:
    """Change an entry and recompute its own hash: the next link breaks."""
    entries = _history(data)
    position = rng.randrange(len(entries) - 1)
    entry = entries[position]
    entry["command"] += " (changed)"
    entry["hash"] = hist.entry_hash(entry)
    return [f"history entry {position + 2} does not follow entry {position + 1}"]


def remove_entry(data: Data, rng: random.Random) -> list[str]:
    entries = _history(data)
    position = rng.randrange(1, len(entries) - 1)
    del entries[position]
    _set_history(data, entries)
    return [f"history entry {position + 1} has number {position + 2}: entries were removed"]


def truncate_end(data: Data, rng: random.Random) -> list[str]:
    entries = _history(data)
    _set_history(data, entries[: -rng.randint(1, len(entries) - 1)])
    return ["the last history entries were removed (the log is truncated)"]


def truncate_start(data: Data, rng: random.Random) -> list[str]:
    entries = _history(data)
    _set_history(data, entries[rng.randint(1, len(entries) - 1) :])
    return ["the history does not start at its first entry: it was truncated"]


def drop_history(data: Data, rng: random.Random) -> list[str]:
    data["history"] = {}
    data["meta"]["1"].pop("head", None)
    return ["the file holds records but no history: it was written by hand"]


TAMPERINGS: tuple[Callable[[Data, random.Random], list[str]], ...] = (
    edit_record, add_record, remove_record, change_entry, forge_entry, remove_entry,
    truncate_end, truncate_start, drop_history,
)  # fmt: skip


def _verify_says(t: Tally, db: Path, words: list[str]) -> None:
    before = db.read_bytes()
    result = cli(db, "verify")
    lines = error_lines(result.stderr)
    t.check(result.exit_code == 1, f"verify exited {result.exit_code}: {result.output.strip()!r}")
    t.check(lines and all(line.startswith("Error: ") for line in lines), f"{result.stderr!r}")
    for word in words:
        t.check(any(word in line for line in lines), f"verify does not say {word!r}: {lines}")
    t.check(db.read_bytes() == before, "verify changed the file")


def tampering(trials: int, workdir: Path, encryption: Encryption | None = None) -> Outcome:
    """Each trial tampers with a fresh copy in one way (round robin), at random places."""
    tally = Tally(title("tampering", encryption))
    rng = random.Random()
    sample = workdir / "base" / "dossier.json"
    base, key = sample_plaintext(sample, encryption)
    with tally.trial("untouched") as t:
        t.check(cli(sample, "verify").exit_code == 0, "the sample does not verify")
    for k in range(trials):
        tamper = TAMPERINGS[k % len(TAMPERINGS)]
        with tally.trial(f"{tamper.__name__} (trial {k})") as t:
            data = orjson.loads(base)
            words = tamper(data, rng)
            db = store(workdir / f"tampered-{k}" / "dossier.json", data, key)
            _verify_says(t, db, words)
            if encryption is not None:
                encryption.check_folder(t, db, "after verify")
    return tally.outcome()


def tampering_then_write(
    trials: int, workdir: Path, encryption: Encryption | None = None
) -> Outcome:
    """A record edited, added or removed by hand, then an ordinary write: verify must
    still see the hand edit (the new entry must not launder it)."""
    tally = Tally(title("tampering, then a write", encryption))
    rng = random.Random()
    base, key = sample_plaintext(workdir / "base" / "dossier.json", encryption)
    kinds = (edit_record, add_record, remove_record)
    for k in range(trials):
        tamper = kinds[k % len(kinds)]
        with tally.trial(f"{tamper.__name__}, then log (trial {k})") as t:
            data = orjson.loads(base)
            tamper(data, rng)
            db = store(workdir / f"laundered-{k}" / "dossier.json", data, key)
            # A case the tampering removed cannot take an event: add one that exists.
            cases = {r["id"] for r in data["cases"].values()}
            case = "c" if "c" in cases else "laundry"
            if case != "c":
                cli(db, "case", "add", case, "--title", "After the edit")
            logged = cli(db, "log", case, "hearing", "2012")
            t.check(logged.exit_code == 0, f"log: {logged.output.strip()!r}")
            result = cli(db, "verify")
            t.check(
                result.exit_code == 1,
                f"verify passes after {tamper.__name__} and a write: {result.stdout.strip()!r}",
            )
            if encryption is not None:
                encryption.check_folder(t, db, "after the write")
    return tally.outcome()
