"""Files changed outside dossier: damaged records, accepted edits, paths that are no files.

- damaged_files: a hand edit that gives a value the wrong type or shape makes every
  command stop with one located `Error:` line, exit 1, and no write builds on it;
  `verify --accept` never takes it in.
- accepted_edits: a hand edit of the right shape makes every read warn once, a report
  carry the "not verified" mark, `verify` name the record; after `verify --accept`,
  verify passes and nothing warns.
- odd_paths: a FIFO, a directory, a socket or a missing file given as --db is refused
  at once, nothing is created beside it; a group-shared file keeps its mode and group.
- damaged_ciphertext: an encrypted dossier with damaged bytes (magic, version, header,
  checksum, payload, tag; cut short, grown, or a header spliced from another write)
  makes every command say it "was altered or damaged" (exit 1) and leaves it untouched,
  nothing written beside it; a wrong passphrase exits 4 and changes nothing either.
"""

from __future__ import annotations

import os
import random
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from typer.testing import Result

from dossier.crypto import MAGIC, FileKey

from .encryption import Encryption
from .harness import Outcome, Tally, cli, error_lines, one_error_line
from .integrity import add_record, edit_record, sample_dossier, sample_plaintext

Data = dict[str, Any]
OUTSIDE = "(the file was edited outside dossier; see 'dossier verify')"
# Commands that read, and one that writes: every one must refuse a damaged file.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("timeline", "c"),
    ("stats",),
    ("stats", "--per-person"),
    ("report", "c"),
    ("case", "list"),
    ("event", "list"),
    ("export",),
    ("search", "Anna"),
    ("log", "c", "hearing", "2012"),
)


def _events(data: Data) -> list[dict[str, Any]]:
    return list(data["events"].values())


# Each damage changes one stored value and returns (kind, id, field) it broke.
def date_number(data: Data, rng: random.Random) -> tuple[str, str, str]:
    event = rng.choice(_events(data))
    event["date"] = 20081124
    return "event", event["id"], "date"


def persons_text(data: Data, rng: random.Random) -> tuple[str, str, str]:
    event = rng.choice(_events(data))
    event["persons"] = "sergei-magnitsky"
    return "event", event["id"], "persons"


def title_list(data: Data, rng: random.Random) -> tuple[str, str, str]:
    case = rng.choice(list(data["cases"].values()))
    case["title"] = ["Case", "C"]
    return "case", case["id"], "title"


def missing_key(data: Data, rng: random.Random) -> tuple[str, str, str]:
    person = rng.choice(list(data["persons"].values()))
    del person["roles"]
    return "person", person["id"], "roles"


def bad_date_text(data: Data, rng: random.Random) -> tuple[str, str, str]:
    event = rng.choice(_events(data))
    event["date"] = "2008-13-45"
    return "event", event["id"], "date"


def unknown_type(data: Data, rng: random.Random) -> tuple[str, str, str]:
    event = rng.choice(_events(data))
    event["type"] = "arest"
    return "event", event["id"], "type"


DAMAGES: tuple[Callable[[Data, random.Random], tuple[str, str, str]], ...] = (
    date_number, persons_text, title_list, missing_key, bad_date_text, unknown_type,
)  # fmt: skip


def damaged_files(trials: int, workdir: Path) -> Outcome:
    """Round robin over the damages and the commands: a located error, nothing written."""
    tally = Tally("damaged files")
    rng = random.Random()
    base = sample_dossier(workdir / "base.json").read_bytes()
    for k in range(trials):
        damage = DAMAGES[k % len(DAMAGES)]
        command = COMMANDS[k % len(COMMANDS)]
        with tally.trial(f"{damage.__name__}: {' '.join(command)} (trial {k})") as t:
            data = orjson.loads(base)
            kind, key, field = damage(data, rng)
            db = workdir / f"damaged-{k}.json"
            db.write_bytes(orjson.dumps(data))
            before = db.read_bytes()
            result = cli(db, *command)
            lines = error_lines(result.stderr)
            t.check(result.exit_code == 1, f"exit {result.exit_code}: {result.output!r}")
            t.check(len(lines) == 1, f"not one line: {lines}")
            prefix = f"Error: {db}: {kind} {key}: {field}: "
            t.check(
                lines and lines[0].startswith(prefix) and lines[0].endswith(OUTSIDE),
                f"not located as {prefix!r}…{OUTSIDE!r}: {lines}",
            )
            t.check(result.stdout == "", f"something was printed: {result.stdout!r}")
            verify = cli(db, "verify")
            t.check(verify.exit_code == 1, "verify passes a damaged file")
            t.check(
                any(f"{kind} {key}: {field}: " in line for line in error_lines(verify.stderr)),
                f"verify does not name it: {verify.stderr!r}",
            )
            accepted = cli(db, "verify", "--accept")
            t.check(accepted.exit_code == 1, "verify --accept took in a damaged record")
            t.check(db.read_bytes() == before, "the damaged file was written")
    return tally.outcome()


def accepted_edits(trials: int, workdir: Path) -> Outcome:
    """A hand edit of the right shape: warned about, marked, named; accepted, then quiet."""
    tally = Tally("edits outside dossier, accepted")
    rng = random.Random()
    base = sample_dossier(workdir / "base.json").read_bytes()
    tamperings = (edit_record, add_record, remove_event)
    for k in range(trials):
        tamper = tamperings[k % len(tamperings)]
        with tally.trial(f"{tamper.__name__} (trial {k})") as t:
            data = orjson.loads(base)
            words = tamper(data, rng)
            db = workdir / f"edited-{k}.json"
            db.write_bytes(orjson.dumps(data))
            timeline = cli(db, "stats")
            warnings = [w for w in error_lines(timeline.stderr) if w.startswith("Warning:")]
            t.check(timeline.exit_code == 0, f"stats failed: {timeline.output!r}")
            t.check(len(warnings) == 1, f"not one warning: {timeline.stderr!r}")
            report = cli(db, "report", "c", "--format", "md").stdout
            t.check(
                report.count("Not verified: changed outside dossier since entry") == 2,
                "the report lacks the mark in its heading and footer",
            )
            verify = cli(db, "verify")
            t.check(verify.exit_code == 1, "verify passes an edited file")
            t.check(
                all(any(w in line for line in error_lines(verify.stderr)) for w in words),
                f"verify does not say {words}: {verify.stderr!r}",
            )
            accepted = cli(db, "verify", "--accept")
            t.check(accepted.exit_code == 0, f"verify --accept: {accepted.output!r}")
            after = cli(db, "verify")
            t.check(after.exit_code == 0, f"verify after --accept: {after.output!r}")
            quiet = cli(db, "stats")
            t.check(quiet.stderr == "", f"a warning after --accept: {quiet.stderr!r}")
            clean = cli(db, "report", "c", "--format", "md").stdout
            t.check("Not verified" not in clean, "the mark stays after --accept")
    return tally.outcome()


def remove_event(data: Data, rng: random.Random) -> list[str]:
    """Remove an event (no record refers to one: a removed case or person would leave
    references that the record contract refuses, and `--accept` with them)."""
    key, event = rng.choice(list(data["events"].items()))
    del data["events"][key]
    return [f"event {event['id']} removed outside dossier"]


def _special(kind: str, path: Path) -> Callable[[], None]:
    def make() -> None:
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        elif kind == "socket":
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(path))
            server.close()

    return make


def odd_paths(trials: int, workdir: Path) -> Outcome:
    """What is no regular file is refused at once and nothing appears beside it."""
    tally = Tally("paths that are no dossier files")
    kinds = ("fifo", "directory", "socket", "missing")
    for k in range(trials):
        kind = kinds[k % len(kinds)]
        for args in (("case", "list"), ("case", "add", "x", "--title", "X")):
            with tally.trial(f"{kind}: {' '.join(args)} (trial {k})") as t:
                folder = workdir / f"odd-{k}-{len(args)}"
                folder.mkdir()
                path = folder / "d.json"
                _special(kind, path)()
                before = sorted(p.name for p in folder.iterdir())
                result = cli(path, *args)
                after = sorted(p.name for p in folder.iterdir())
                if kind == "missing" and args[1] == "add":
                    t.check(result.exit_code == 0, f"a write to a new file failed: {result.output}")
                    continue
                t.check(result.exit_code == 1, f"exit {result.exit_code}: {result.output!r}")
                t.check(after == before, f"left beside it: {sorted(set(after) - set(before))}")
    with tally.trial("a group-shared file keeps its mode and group") as t:
        db = workdir / "shared.json"
        t.check(cli(db, "case", "add", "c", "--title", "C").exit_code == 0, "setting up")
        db.chmod(0o660)
        group = 65534 if os.geteuid() == 0 else os.getegid()
        if os.geteuid() == 0:
            os.chown(db, -1, group)
        t.check(cli(db, "case", "add", "d", "--title", "D").exit_code == 0, "the write failed")
        status = db.stat()
        t.check(stat.S_IMODE(status.st_mode) == 0o660, f"mode {oct(status.st_mode)}")
        t.check(status.st_gid == group, f"group {status.st_gid}, not {group}")
    return tally.outcome()


# Damaged ciphertext -----------------------------------------------------------------

_FIXED = len(MAGIC) + 2 + 4  # magic, version, header length: then header, checksum


def _layout(raw: bytes) -> tuple[int, int]:
    """Where the header ends and where the payload begins in an encrypted file."""
    end = _FIXED + int.from_bytes(raw[len(MAGIC) + 2 : _FIXED], "big")
    return end, end + 32


def _flip(raw: bytes, start: int, stop: int, rng: random.Random) -> bytes:
    """`raw` with one byte in [start, stop) changed (one to eight of its bits)."""
    at = rng.randrange(start, stop)
    return raw[:at] + bytes([raw[at] ^ rng.randint(1, 255)]) + raw[at + 1 :]


# Each damage takes an encrypted file's bytes (and the key that sealed them, as a
# damage may splice in parts of another write) and returns the damaged bytes.
def magic_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return _flip(raw, 0, len(MAGIC), rng)


def version_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return _flip(raw, len(MAGIC), len(MAGIC) + 2, rng)


def length_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return _flip(raw, len(MAGIC) + 2, _FIXED, rng)


def header_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return _flip(raw, _FIXED, _layout(raw)[0], rng)


def checksum_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    end, payload = _layout(raw)
    return _flip(raw, end, payload, rng)


def payload_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return _flip(raw, _layout(raw)[1], len(raw) - 16, rng)


def tag_byte(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return _flip(raw, len(raw) - 16, len(raw), rng)


def cut_short(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    """Cut anywhere, down to its first byte (an empty file is an empty dossier)."""
    return raw[: rng.randrange(1, len(raw))]


def grown(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    return raw + rng.randbytes(rng.randint(1, 64))


def spliced_header(raw: bytes, key: FileKey, rng: random.Random) -> bytes:
    """The header (salt, checksum) of another write of the same key, whole and valid,
    before this payload: the payload key differs, so its tag must fail."""
    other = key.seal(b'{"meta":{}}')
    return other[: _layout(other)[1]] + raw[_layout(raw)[1] :]


CIPHER_DAMAGES: tuple[Callable[[bytes, FileKey, random.Random], bytes], ...] = (
    magic_byte, version_byte, length_byte, header_byte, checksum_byte, payload_byte,
    tag_byte, cut_short, grown, spliced_header,
)  # fmt: skip
ALTERED = "was altered or damaged"


def _commands(folder: Path, new_passphrase: Path) -> tuple[tuple[str, ...], ...]:
    """The commands of COMMANDS, and those that write a copy (into `folder`) or give the
    file a new passphrase."""
    return (
        *COMMANDS,
        ("verify",),
        ("undo",),
        ("backup", "-o", str(folder / "copy.dossier")),
        ("decrypt", "-o", str(folder / "plain.json"), "--yes"),
        ("passphrase", "change", "--new-passphrase-file", str(new_passphrase)),
    )


def _run_on(t: Tally, folder: Path, raw: bytes, command: tuple[str, ...], **env: str) -> Result:
    """Run `command` on a file of these bytes alone in a new folder: the file must stay
    as it is, and nothing may be left beside it (no copy, no temp file, no lock file)."""
    folder.mkdir()
    db = folder / "dossier.json"
    db.write_bytes(raw)
    result = cli(db, *command, env=dict(env))
    t.check(db.read_bytes() == raw, "the file was changed")
    left = sorted(p.name for p in folder.iterdir() if p != db)
    t.check(not left, f"left beside it: {left}")
    return result


def damaged_ciphertext(trials: int, workdir: Path, encryption: Encryption) -> Outcome:
    """Round robin over the damages and the commands, each on a fresh copy: exit 1 with
    one error line saying the file "was altered or damaged", the file untouched and
    nothing beside it. First, each command with a wrong passphrase: exit 4, no change.
    """
    tally = Tally("damaged ciphertext (encrypted)")
    rng = random.Random()
    sample = workdir / "base" / "dossier.json"
    _plaintext, key = sample_plaintext(sample, encryption)
    if key is None:
        raise AssertionError("the sample is not encrypted")
    base = sample.read_bytes()
    new_passphrase = workdir / "new-passphrase"
    new_passphrase.write_text("another passphrase\n")
    count = len(_commands(workdir, new_passphrase))
    for n in range(count):
        folder = workdir / f"wrong-{n}"
        command = _commands(folder, new_passphrase)[n]
        with tally.trial(f"wrong passphrase: {' '.join(command)}") as t:
            result = _run_on(t, folder, base, command, DOSSIER_PASSPHRASE="not the passphrase")
            t.check(result.exit_code == 4, f"exit {result.exit_code}: {result.output!r}")
            t.check("wrong passphrase" in result.stderr, f"stderr {result.stderr!r}")
    for k in range(trials):
        damage = CIPHER_DAMAGES[k % len(CIPHER_DAMAGES)]
        folder = workdir / f"damaged-{k}"
        # Every pair of damage and command in len(CIPHER_DAMAGES) * count trials.
        command = _commands(folder, new_passphrase)[(k + k // len(CIPHER_DAMAGES)) % count]
        with tally.trial(f"{damage.__name__}: {' '.join(command)} (trial {k})") as t:
            damaged = damage(base, key, rng)
            t.check(damaged != base, "the damage changed nothing")
            result = _run_on(t, folder, damaged, command)
            problem = one_error_line(result)
            t.check(problem is None, str(problem))
            t.check(ALTERED in result.stderr, f"does not say {ALTERED!r}: {result.stderr!r}")
            t.check(result.stdout == "", f"something was printed: {result.stdout!r}")
    return tally.outcome()
