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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

KINDS = ("cases", "persons", "events")


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True, slots=True)
class StateHash:
    """SHA-256 of all records (`all`) and of each kind, for saying what differs."""

    all: str
    kinds: dict[str, str]


def state_hash(tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> StateHash:
    """Hash the canonical JSON of {cases, events, persons}, each list sorted by id."""
    parts: dict[str, bytes] = {}
    for kind in KINDS:
        records = tables[kind]
        parts[kind] = canonical([records[key] for key in sorted(records)])
    whole = hashlib.sha256(b"{")
    for i, kind in enumerate(sorted(KINDS)):
        whole.update(b',"' if i else b'"')
        whole.update(kind.encode() + b'":')
        whole.update(parts[kind])  # not concatenated: that would copy the records once more
    whole.update(b"}")
    return StateHash(
        whole.hexdigest(),
        {kind: hashlib.sha256(parts[kind]).hexdigest() for kind in KINDS},
    )


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
) -> dict[str, Any]:
    """A new entry chained to the last one of `history`; `tampered` says what had been
    edited by hand before it was written."""
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
        if entry.get("undoes") is not None:
            if done:
                done.pop()
            undone.append(entry["seq"])
        elif entry.get("redoes") is not None:
            if undone:
                undone.pop()
            done.append(entry["seq"])
        else:
            done.append(entry["seq"])
            undone.clear()
    return Stacks(tuple(done), tuple(undone))


def summary(entry: Mapping[str, Any]) -> str:
    """'+2 events, ~1 case, -1 person': what an entry changed, in counts."""
    parts: list[str] = []
    removed = {kind: set(ids) for kind, ids in entry.get("removed", {}).items()}
    for kind in KINDS:
        n_added = len(entry.get("added", {}).get(kind, ()))
        n_removed = len(removed.get(kind, ()))
        n_changed = len(entry.get("before", {}).get(kind, {})) - n_removed
        for sign, n in (("+", n_added), ("~", n_changed), ("-", n_removed)):
            if n:
                noun = kind if n != 1 else kind[:-1]
                parts.append(f"{sign}{n} {noun}")
    return ", ".join(parts) or "no change"


def verify_chain(
    history: Sequence[Mapping[str, Any]],
    current: StateHash,
    ids: Mapping[str, set[str]],
    head: str | None,
) -> list[str]:
    """Every problem with the log and the records, as one sentence each; [] when sound."""
    problems: list[str] = []
    prev = ""
    live: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for position, entry in enumerate(history, 1):
        seq = entry.get("seq")
        if seq != position:
            problems.append(f"history entry {position} has number {seq}: entries were removed")
        if entry.get("prev") != prev:
            if position == 1:
                problems.append("the history does not start at its first entry: it was truncated")
            else:
                problems.append(
                    f"history entry {seq} does not follow entry {position - 1}:"
                    " an entry was removed or changed"
                )
        if entry_hash(entry) != entry.get("hash"):
            problems.append(f"history entry {seq} ({entry.get('command')!r}) was edited by hand")
        for finding in entry.get("tampered", ()):
            problems.append(
                f"history entry {seq} ({entry.get('command')!r}) was written over records edited"
                f" by hand: {finding}"
            )
        prev = str(entry.get("hash"))
        for kind in KINDS:
            live[kind] -= set(entry.get("removed", {}).get(kind, ()))
            live[kind] |= set(entry.get("added", {}).get(kind, ()))
    if head is not None and head != prev:
        problems.append("the last history entries were removed (the log is truncated)")
    last = history[-1] if history else None
    expected = last["state"] if last else StateHash("", {}).all
    if last is None and any(ids.values()):
        problems.append("the file holds records but no history: it was written by hand")
    elif last is not None and expected != current.all:
        problems.extend(_state_problems(last, current, ids, live))
    return problems


def _state_problems(
    last: Mapping[str, Any],
    current: StateHash,
    ids: Mapping[str, set[str]],
    live: Mapping[str, set[str]],
) -> list[str]:
    problems: list[str] = []
    for kind in KINDS:
        noun = kind[:-1]
        extra, missing = sorted(ids[kind] - live[kind]), sorted(live[kind] - ids[kind])
        if extra:
            problems.append(f"{noun} {', '.join(extra)} added by hand (no history entry adds it)")
        if missing:
            problems.append(f"{noun} {', '.join(missing)} removed by hand")
        if not extra and not missing and last.get("kinds", {}).get(kind) != current.kinds[kind]:
            problems.append(
                f"{kind} were edited by hand after history entry {last['seq']}"
                f" ({last['command']!r})"
            )
    if not problems:
        problems.append(f"the records do not match the state after history entry {last['seq']}")
    return problems


@dataclass(frozen=True, slots=True)
class Sighting:
    """When the dossier was last in a given state, and what changed after."""

    entry: Mapping[str, Any]
    current: bool
    since: tuple[Mapping[str, Any], ...]


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
