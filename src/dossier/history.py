"""The change log: compact, hash-chained entries, undo/redo, and verification.

An entry records what one write command did: the ids it added and removed,
and the earlier version of every record it changed or removed (the tables
already hold the after-state, so an import of 100,000 events adds a list of
ids, not copies). Each entry carries the hash of the entry before it and the
state hash after it, so a file edited by hand no longer verifies.

Undo applies the inverse of the newest change not yet undone; redo applies
the inverse of the newest undo. Both are entries like any other, so nothing
is ever lost.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from dossier.errors import InvalidValue

KINDS = ("cases", "persons", "events")
# An entry that changed at most this many records also keeps their new form
# (`after`), so that a later edit by hand can be shown field by field.
AFTER_LIMIT = 100
# The first key, in sorted order, of every record of a kind (the record contract's
# fields): what the canonical JSON of each record starts with.
_FIRST_KEY = {"cases": "charges", "persons": "aliases", "events": "case"}


def check_command(command: object) -> str:
    """The command a change is recorded under, if an entry can hold it: text, in UTF-8.

    Asked before a write begins: through the Python API, `edit_store(path, None)`
    wrote an entry that the next read refused as damaged ("edited outside dossier"),
    so that the dossier no longer opened.
    """
    if not isinstance(command, str):
        given = "None" if command is None else type(command).__name__
        raise InvalidValue(
            "the command a change is recorded under must be text (e.g. 'nightly import'),"
            f" not {given}",
            "command",
        )
    try:
        command.encode("utf-8")
    except UnicodeEncodeError:
        shown = command.encode("utf-8", "backslashreplace").decode()
        raise InvalidValue(f"the command {shown!r} is not valid UTF-8", "command") from None
    return command


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True, slots=True)
class StateHash:
    """SHA-256 of all records (`all`) and of each kind, for saying what differs; and a
    short digest of every record (`digests`: 8 hex digits a record, in id order), for
    saying which records differ."""

    all: str
    kinds: dict[str, str]
    digests: dict[str, str] = field(default_factory=dict)


def state_hash(tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> StateHash:
    """Hash the canonical JSON of {cases, events, persons}, each list sorted by id."""
    parts: dict[str, bytes] = {}
    digests: dict[str, str] = {}
    for kind in KINDS:
        records = tables[kind]
        ordered = [records[key] for key in sorted(records)]
        parts[kind] = canonical(ordered)
        digests[kind] = _digests(kind, parts[kind], ordered)
    whole = hashlib.sha256(b"{")
    for i, kind in enumerate(sorted(KINDS)):
        whole.update(b',"' if i else b'"')
        whole.update(kind.encode() + b'":')
        whole.update(parts[kind])  # not concatenated: that would copy the records once more
    whole.update(b"}")
    return StateHash(
        whole.hexdigest(),
        {kind: hashlib.sha256(parts[kind]).hexdigest() for kind in KINDS},
        digests,
    )


def _digests(kind: str, blob: bytes, ordered: Sequence[dict[str, Any]]) -> str:
    """A CRC-32 of each record's canonical JSON, in order, as hex.

    Not a security measure (the state hash is): a finger pointing at the records
    that an edit by hand changed. Cut out of the one canonical serialization the
    state hash makes anyway: between two records of a kind stands `},{"KEY":`
    with KEY the kind's first field, which no string can hold (its quote would
    be escaped) and no nested object has (roles start with "case"). If the cut
    does not give one piece a record (a damaged record), each is serialized alone.
    """
    if not ordered:
        return ""
    head = b'{"' + _FIRST_KEY[kind].encode() + b'":'
    pieces = blob[1 + len(head) : -2].split(b"}," + head) if blob.startswith(b"[" + head) else []
    if len(pieces) != len(ordered):
        pieces = [_piece(canonical(record), head) for record in ordered]
    crcs = list(map(zlib.crc32, pieces))
    return struct.pack(f">{len(crcs)}I", *crcs).hex()


def _piece(record: bytes, head: bytes) -> bytes:
    """What `_digests` cuts out of a list for one record: its JSON inside head and brace."""
    return record[len(head) : -1] if record.startswith(head) else record


def record_digests(state: StateHash, kind: str, ids: Sequence[str]) -> dict[str, str] | None:
    """Record id -> digest, for the sorted ids the digests were made from; None when
    they do not fit (an older file, or edited digests)."""
    text = state.digests.get(kind, "") if isinstance(state.digests, dict) else ""
    if not isinstance(text, str) or len(text) != 8 * len(ids):
        return None
    return {key: text[8 * n : 8 * n + 8] for n, key in enumerate(ids)}


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash of an entry: everything in it but its own hash."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def make_entry(
    history: Sequence[Mapping[str, Any]],
    *,
    time: str,
    command: str,
    added: dict[str, list[str]],
    removed: dict[str, list[str]],
    before: dict[str, dict[str, Any]],
    state: StateHash,
    undoes: int | None = None,
    redoes: int | None = None,
    tampered: Sequence[str] = (),
    after: dict[str, dict[str, Any]] | None = None,
    accepted: dict[str, Any] | None = None,
    places: dict[str, dict[str, int]] | None = None,
    copied: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new entry chained to the last one of `history`; `tampered` says what had been
    edited by hand before it was written; `after` holds the new form of the records
    of a small change; `accepted` makes it the record of changes made outside
    dossier, accepted by `verify --accept`; `places`, where the records it removed
    stood (an undo puts them back there); `copied`, the state of the source a copy's
    entry came from, as the source hashed it (see `find_copied`)."""
    entry: dict[str, Any] = {
        "seq": len(history) + 1 if not history else history[-1]["seq"] + 1,
        "time": time,
        "command": command,
        "added": added,
        "removed": removed,
        "before": before,
        "undoes": undoes,
        "redoes": redoes,
        "prev": history[-1]["hash"] if history else "",
        "state": state.all,
        "kinds": state.kinds,
    }
    if tampered:
        entry["tampered"] = list(tampered)
    if after:
        entry["after"] = after
    if accepted is not None:
        entry["accepted"] = accepted
    if places:
        entry["places"] = places
    if copied:
        entry["copied"] = copied
    entry["hash"] = entry_hash(entry)
    return entry


@dataclass(frozen=True, slots=True)
class Stacks:
    """Seqs of entries that undo would revert (done) and redo would revert (undone)."""

    done: tuple[int, ...]
    undone: tuple[int, ...]


def stacks(history: Sequence[Mapping[str, Any]]) -> Stacks:
    """Replay the log to find what undo and redo would act on next."""
    done: list[int] = []
    undone: list[int] = []
    for entry in history:
        if "accepted" in entry:
            # A new starting point: the records are as accepted, and undo or redo must
            # not put back an older form over a change a person accepted.
            done.clear()
            undone.clear()
            continue
        # An undo takes back the command it names, and a redo the undo it names: on a
        # file always the newest, but a server shows a role the chains of the cases it
        # sees now, so a command written to a case revoked since and granted again
        # comes back into the list below an undo that did not take it back.
        if (undoes := entry.get("undoes")) is not None:
            if undoes in done:
                done.remove(undoes)
            undone.append(entry["seq"])
        elif (redoes := entry.get("redoes")) is not None:
            if redoes in undone:
                undone.remove(redoes)
            done.append(entry["seq"])
        else:
            done.append(entry["seq"])
            undone.clear()
    return Stacks(tuple(done), tuple(undone))


def taken_back(commands: Sequence[tuple[Any, Any, Any]]) -> tuple[set[Any], dict[Any, Any]]:
    """Of `commands` (key, undoes, redoes), in the order run: the keys of the commands
    whose effect is taken back now (undone, and not redone since), and for every key the
    original command it acts on (itself, or what its undo or redo goes back to).

    Replayed from all the commands, not read off the redo stack, which a new command
    clears while what was undone stays undone."""
    marks = {key: (undoes, redoes) for key, undoes, redoes in commands}

    def original(key: Any) -> Any:
        seen: set[Any] = set()
        while key in marks and key not in seen:
            seen.add(key)
            undoes, redoes = marks[key]
            if undoes is None and redoes is None:
                break
            key = undoes if undoes is not None else redoes
        return key

    applied: dict[Any, bool] = {}
    for key, (undoes, redoes) in marks.items():
        if undoes is not None:
            applied[original(undoes)] = False
        elif redoes is not None:
            applied[original(redoes)] = True
        else:
            applied[key] = True
    return {key for key, on in applied.items() if not on}, {key: original(key) for key in marks}


def summary(entry: Mapping[str, Any], *, inverse: bool = False) -> str:
    """'+2 events, ~1 case, -1 person': what an entry changed, in counts; `inverse`:
    what reverting it changes (a redo of an undo: what was removed comes back)."""
    if "accepted" in entry:
        found = entry["accepted"].get("problems", [])
        return f"accepted {len(found)} finding(s) of changes made outside dossier"
    parts: list[str] = []
    removed = {kind: set(ids) for kind, ids in entry.get("removed", {}).items()}
    for kind in KINDS:
        n_added = len(entry.get("added", {}).get(kind, ()))
        n_removed = len(removed.get(kind, ()))
        n_changed = len(entry.get("before", {}).get(kind, {})) - n_removed
        if inverse:
            n_added, n_removed = n_removed, n_added
        for sign, n in (("+", n_added), ("~", n_changed), ("-", n_removed)):
            if n:
                noun = kind if n != 1 else kind[:-1]
                parts.append(f"{sign}{n} {noun}")
    return ", ".join(parts) or "no change"


@dataclass(frozen=True, slots=True)
class Change:
    """A record added, removed or changed outside dossier."""

    kind: str
    id: str
    how: str  # "added", "removed" or "changed"
    fields: tuple[str, ...] | None = None  # what changed, where the history knows

    def __str__(self) -> str:
        noun = self.kind[:-1]
        if self.how == "changed" and self.fields:
            return f"{noun} {self.id} changed: {', '.join(self.fields)}"
        return f"{noun} {self.id} {self.how}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (verify --json)."""
        return {"kind": self.kind, "id": self.id, "how": self.how,
                "fields": list(self.fields) if self.fields is not None else None}  # fmt: skip


def live_ids(history: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    """The ids of the records the history says are there, by kind."""
    live: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for entry in history:
        for kind in KINDS:
            live[kind] -= set(entry.get("removed", {}).get(kind, ()))
            live[kind] |= set(entry.get("added", {}).get(kind, ()))
        for change in entry.get("accepted", {}).get("changes", ()):
            kind, key, how = change["kind"], change["id"], change["how"]
            if how == "added":
                live[kind].add(key)
            elif how == "removed":
                live[kind].discard(key)
    return live


def outside_changes(
    history: Sequence[Mapping[str, Any]],
    current: StateHash,
    tables: Mapping[str, Mapping[str, dict[str, Any]]],
    written: Mapping[str, str] | None,
) -> list[Change]:
    """The records that differ from what the last entry recorded, by kind and id.

    Added and removed records come from the ids the history accounts for;
    changed ones from the per-record digests of the last write (`written`, kept
    in meta); the fields, from the record's last written form where an entry
    holds it (`after`).
    """
    live = live_ids(history)
    found: list[Change] = []
    for kind in KINDS:
        ids = set(tables[kind])
        found.extend(Change(kind, key, "added") for key in sorted(ids - live[kind]))
        found.extend(Change(kind, key, "removed") for key in sorted(live[kind] - ids))
        before = record_digests(StateHash("", {}, dict(written or {})), kind, sorted(live[kind]))
        now = record_digests(current, kind, sorted(ids))
        if before is None or now is None:
            continue
        for key in sorted(ids & live[kind]):
            if before[key] != now[key]:
                last = last_written(history, kind, key)
                record = tables[kind][key]
                fields = None
                if last is not None:
                    fields = tuple(
                        k for k in dict.fromkeys([*last, *record]) if last.get(k) != record.get(k)
                    )
                found.append(Change(kind, key, "changed", fields))
    return found


def last_written(
    history: Sequence[Mapping[str, Any]], kind: str, key: str
) -> dict[str, Any] | None:
    """The form in which dossier last wrote a record, if an entry holds it."""
    for entry in reversed(history):
        accepted = entry.get("accepted", {}).get("changes", ())
        if any(c["kind"] == kind and c["id"] == key for c in accepted):
            return None  # last written outside dossier, then accepted: its form is unknown
        after = entry.get("after", {}).get(kind, {})
        if key in after:
            return after[key]  # type: ignore[no-any-return]
        if key in entry.get("added", {}).get(kind, ()) or key in entry.get("before", {}).get(
            kind, {}
        ):
            return None  # written by this entry, which did not keep its form
    return None


def verify_chain(
    history: Sequence[Mapping[str, Any]],
    current: StateHash,
    tables: Mapping[str, Mapping[str, dict[str, Any]]],
    head: str | None,
    written: Mapping[str, str] | None = None,
) -> list[str]:
    """Every problem with the log and the records, as one sentence each; [] when sound.

    An entry made by `verify --accept` settles the problems it lists: they were
    looked at and accepted by a person, whose name and time the entry keeps.
    """
    problems: list[str] = []
    prev = ""
    for position, entry in enumerate(history, 1):
        seq = entry.get("seq")
        own: list[str] = []
        if seq != position:
            own.append(f"history entry {position} has number {seq}: entries were removed")
        if entry.get("prev") != prev:
            if position == 1:
                own.append("the history does not start at its first entry: it was truncated")
            else:
                own.append(
                    f"history entry {seq} does not follow entry {position - 1}:"
                    " an entry was removed or changed"
                )
        if entry_hash(entry) != entry.get("hash"):
            own.append(f"history entry {seq} ({entry.get('command')!r}) was edited by hand")
        for finding in entry.get("tampered", ()):
            own.append(written_over(entry, finding))
        prev = str(entry.get("hash"))
        if not own and "accepted" in entry:
            settled = set(entry["accepted"].get("problems", ()))
            problems = [p for p in problems if p not in settled]
        problems.extend(own)
    if head is not None and head != prev:
        problems.append(TRUNCATED)
    last = history[-1] if history else None
    if last is None and any(tables[kind] for kind in KINDS):
        problems.append("the file holds records but no history: it was written by hand")
    elif last is not None and last.get("state") != current.all:
        changes = outside_changes(history, current, tables, written)
        problems.extend(
            f"{change} outside dossier after history entry {last['seq']}" for change in changes
        )
        if not changes:
            problems.append(
                f"the records do not match the state after history entry {last['seq']}"
                f" ({last.get('command')!r}); which ones cannot be told"
            )
    return problems


def differences(
    history: Sequence[Mapping[str, Any]],
    state: StateHash,
    tables: Mapping[str, Mapping[str, dict[str, Any]]],
    written: Mapping[str, str] | None,
) -> list[str]:
    """How a write words what differed, before it, from the state its chain's last
    entry records (the entry keeps these as `tampered`): each record, else each kind."""
    last = history[-1]
    seq = last.get("seq")
    changes = outside_changes(history, state, tables, written)
    return (
        [f"{change} after history entry {seq}" for change in changes]
        or [
            f"{kind} differed from history entry {seq}"
            for kind in KINDS
            if last.get("kinds", {}).get(kind) != state.kinds[kind]
        ]
        or [f"the records differed from history entry {seq}"]
    )


TRUNCATED = "the last history entries were removed (the log is truncated)"


def written_over(entry: Mapping[str, Any], finding: str) -> str:
    """How verify words a write made over records edited by hand; `accept` settles a
    finding by this exact text, so there is one place that words it."""
    return (
        f"history entry {entry.get('seq')} ({entry.get('command')!r}) was written over records"
        f" edited by hand: {finding}"
    )


def pending(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """Findings of writes made over an edit by hand that no `verify --accept` settled.

    The cheap part of verification, for every command: a walk over the entries,
    no hashing.
    """
    found: list[str] = []
    for entry in history:
        if "accepted" in entry:
            settled = set(entry["accepted"].get("problems", ()))
            found = [f for f in found if f not in settled]
        for finding in entry.get("tampered", ()):
            found.append(written_over(entry, finding))
    return found


@dataclass(frozen=True, slots=True)
class Sighting:
    """When the dossier was last in a given state, and what changed after."""

    entry: Mapping[str, Any]
    current: bool
    since: tuple[Mapping[str, Any], ...]
    # Found in a copy's entry, of a state covering cases the reader cannot see: whether
    # the records are in it still cannot be told (`current` is False).
    partial: bool = False


def copied_state(entry: Mapping[str, Any], wanted: str, cases: Collection[str] = ()) -> str | None:
    """The source's state hash a copy's entry holds that begins with `wanted` (8+ hex
    digits): the source's whole state, or of a server source, one case's, or that of
    `cases` (a report's) combined. A file and a server hash the same records
    differently, so a report made on the source before the copy is found by this."""
    copied = entry.get("copied") or {}
    candidates = [str(copied.get("state", ""))]
    per_case: Mapping[str, str] = copied.get("cases") or {}
    if cases and set(cases) <= per_case.keys():
        candidates.append(combine({c: per_case[c] for c in cases}))
    for case, state in per_case.items():  # a report of one case shows either
        candidates += [state, combine({case: state})]
    return next((c for c in candidates if c and c.startswith(wanted)), None)


def combine(states: Mapping[str, str]) -> str:
    """One hash for several cases of a server: SHA-256 of the canonical JSON of
    [[id, state], …]."""
    return hashlib.sha256(canonical(sorted(states.items()))).hexdigest()


def find_copied(
    history: Sequence[Mapping[str, Any]], state: str, cases: Collection[str] = ()
) -> Sighting | None:
    """find_state() for a state the source of a copy was in when it was copied (its
    entry shows it as `state`); None if no copy's entry holds it."""
    found = last_copied(history, state, cases)
    if found is None:
        return None
    position, entry = found
    since = tuple(history[position + 1 :])
    return Sighting(entry, not since, since)


def last_copied(
    history: Sequence[Mapping[str, Any]], state: str, cases: Collection[str] = ()
) -> tuple[int, dict[str, Any]] | None:
    """The newest copy's entry that holds `state` (8+ hex digits) as its source's (see
    `copied_state`): its position, and the entry showing that state as its own."""
    wanted = state.strip().lower()
    if len(wanted) < 8:
        return None
    for position in range(len(history) - 1, -1, -1):
        matched = copied_state(history[position], wanted, cases)
        if matched is not None:
            return position, {**history[position], "state": matched}
    return None


def find_state(history: Sequence[Mapping[str, Any]], state: str) -> Sighting | None:
    """The newest entry after which the records had this state hash (a prefix of 8+ hex
    digits will do), or None if they never had it."""
    wanted = state.strip().lower()
    if len(wanted) < 8:
        return None
    for position in range(len(history) - 1, -1, -1):
        entry = history[position]
        if str(entry.get("state", "")).startswith(wanted):
            since = tuple(history[position + 1 :])
            return Sighting(entry, current=not since, since=since)
    return None
