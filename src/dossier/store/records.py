"""What both stores hold in memory: tables of records by id, and the records'
common questions (names, state hash, what changed).

A command reads its records once, into `Table`s of plain JSON dicts, changes
them in memory through `ops`, and the store commits what changed once: the
file store by writing the file (store/file.py), the server store by one
transaction (store/server.py). Analysis, reports and the record contract see
only what is here, so they do not know which store they hold.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Generic, TypeVar

from dossier import contract
from dossier import history as hist
from dossier.errors import Conflict, CorruptDatabase, DatabaseError
from dossier.model import Case, Event, Person, Tally, new_event_ids

R = TypeVar("R", Case, Person, Event)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk work.

    Loading or importing 100,000 records allocates millions of containers and
    none of them form cycles; without this the collector would scan them again
    and again (measured: about a third of an import's time). For library callers:
    the command line runs with the collector off altogether (`cli/app.py`).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Table(Generic[R]):
    """Records of one kind by id, kept as JSON dicts and converted on access.

    Remembers the original of every record it changes, so the commit can say
    what was added, changed and removed without comparing whole tables.
    """

    def __init__(
        self, kind: str, cls: type[R], raw: dict[str, dict[str, Any]], path: Path | str
    ) -> None:
        self.kind = kind
        self.cls: type[R] = cls
        self.raw = raw
        self.path = path
        self.originals: dict[str, dict[str, Any] | None] = {}
        # How many times records were put or removed: what a store compares to tell
        # whether anything changed since a moment (after an undo, say).
        self.writes = 0
        # The ids in order before this command's first removal (see `places`): taken
        # then, once, since records are added only at the end.
        self._order: list[str] | None = None

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __len__(self) -> int:
        return len(self.raw)

    def __iter__(self) -> Iterator[R]:
        return (self.record(r, key) for key, r in self.raw.items())

    def get(self, key: str) -> R | None:
        """The record with this id, or None."""
        raw = self.raw.get(key)
        return None if raw is None else self.record(raw, key)

    def record(self, raw: dict[str, Any], key: str | None = None) -> R:
        """The record for a JSON dict of this table (stored under `key`, if known); a
        damaged one is a CorruptDatabase."""
        try:
            return self.cls.from_dict(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # Named by the key it is stored under, where known: its own id may be damaged.
            name = key if key is not None else raw.get("id") if isinstance(raw, dict) else None
            raise CorruptDatabase(
                f"{self.path}: {self.kind[:-1]} {name!r} is damaged"
                f" ({type(exc).__name__} {exc}); it was changed outside dossier (by hand, or"
                " with SQL on a server), see 'dossier verify'"
            ) from None

    def ids(self) -> list[str]:
        """All ids, in the order they were added."""
        return list(self.raw)

    def put(self, record: R) -> None:
        """Add or replace a record."""
        self.put_raw(record.id, record.to_dict())

    def put_raw(self, key: str, raw: dict[str, Any]) -> None:
        """Add or replace a record given in its JSON form."""
        self.originals.setdefault(key, self.raw.get(key))
        self.raw[key] = raw
        self.writes += 1

    def put_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """`put_raw` for many records: an import of 100,000 events into a new table
        remembers their originals (none) and stores them in two C-level updates."""
        items = list(items)
        self.writes += 1
        if not self.raw and not self.originals:
            self.originals.update(dict.fromkeys(key for key, _record in items))
            self.raw.update(items)
            return
        for key, record in items:
            self.put_raw(key, record)

    def delete(self, key: str) -> None:
        """Remove a record if it is there."""
        self.writes += 1
        if key in self.raw:
            if self._order is None:  # a list: one removal of a million pays no dict
                self._order = list(self.raw)
            self.originals.setdefault(key, self.raw[key])
            del self.raw[key]

    def committed(self) -> None:
        """What this command changed is written: the next starts afresh."""
        self.originals.clear()
        self._order = None

    def places(self, removed: Iterable[str]) -> dict[str, int]:
        """Where records this command removed stood in the table (0 first), so that an
        undo puts them back there: the order records were added breaks ties of a day
        in every timeline and figure, and the state hash does not cover it."""
        gone = set(removed)
        if not gone or self._order is None:
            return {}
        return {key: at for at, key in enumerate(self._order) if key in gone}

    def put_at(self, placed: Mapping[str, int]) -> None:
        """Move the records of `placed` (ids) to their places, from the first: the
        table as it was before they were removed, when nothing else moved since. One
        pass, however many (a redo of an undone import puts 100,000 back)."""
        others = iter([(key, raw) for key, raw in self.raw.items() if key not in placed])
        rows: list[tuple[str, dict[str, Any]]] = []
        for key, at in sorted(placed.items(), key=lambda pair: pair[1]):
            rows.extend(islice(others, max(0, at - len(rows))))
            if key in self.raw:
                rows.append((key, self.raw[key]))
        rows.extend(others)
        self.raw.clear()
        self.raw.update(rows)

    def changes(self) -> tuple[list[str], list[str], dict[str, Any]]:
        """(added ids, removed ids, earlier versions of changed and removed records)."""
        added: list[str] = []
        removed: list[str] = []
        before: dict[str, Any] = {}
        originals = self.originals
        if set(map(type, originals.values())) == {type(None)}:  # only additions: an import
            raw = self.raw
            return [key for key in originals if key in raw], removed, before
        for key, original in originals.items():
            now = self.raw.get(key)
            if original is None and now is not None:
                added.append(key)
            elif original is not None and now is None:
                removed.append(key)
                before[key] = original
            elif original is not None and original != now:
                before[key] = original
        return added, removed, before


@dataclass(frozen=True, slots=True)
class Outside:
    """Changes made outside dossier that no `verify --accept` settled."""

    # The last history entry the dossier is known to have matched; None on a server,
    # where each case has its own history.
    since: int | None
    problems: tuple[str, ...]

    @property
    def mark(self) -> str:
        """What a report made from such a file says in its heading and footer."""
        if self.since is None:
            return "not verified: changed outside dossier"
        return f"not verified: changed outside dossier since entry {self.since}"


class Records:
    """The records a store read for one command, in `cases`, `persons`, `events`."""

    cases: Table[Case]
    persons: Table[Person]
    events: Table[Event]
    path: Path | str  # what messages name: the file, or the server's URL without a password

    def names(self) -> dict[str, str]:
        """Person id -> name, straight from the table (no records built)."""
        return {key: raw["name"] for key, raw in self.persons.raw.items()}

    def deaths(self) -> dict[str, str]:
        """Person id -> the date of death their record gives, for those it gives one."""
        return {key: raw["died"] for key, raw in self.persons.raw.items() if raw.get("died")}

    def tables(self) -> dict[str, Table[Any]]:
        """The record tables by kind."""
        return {"cases": self.cases, "persons": self.persons, "events": self.events}

    def event_order(self) -> dict[str, int]:
        """Each event's place in the order recorded (ties of a day sort by it), by id."""
        return {event: n for n, event in enumerate(self.events.raw)}

    # One undo or redo per change, and nothing else in it: its entry is marked as the
    # revert of one command, and the next undo or redo reverts that entry as a whole.
    # Through the Python API, a second undo in one block reverted the same entry again,
    # and an addition beside an undo was taken away by the next redo.
    # True only inside a store's `edit`, which holds the lock (a file's) or the open
    # transaction (a server's): what `load` gave, or `edit` gave once its block ended,
    # is never written (a file's commit there took no lock; a server's met a closed
    # connection and escaped as a psycopg error).
    _writer = False

    @contextmanager
    def _change(self, command: str) -> Iterator[None]:
        """The block of a store's `edit`: written to (`_writer`) inside it only, and
        committed under `command` when it ends without an exception."""
        self._writer = True
        try:
            yield
            self.commit(command)
        finally:
            self._writer = False

    def commit(self, command: str) -> dict[str, Any] | None:
        """Write what changed, with one history entry (per case, on a server)."""
        raise NotImplementedError

    def _require_writer(self) -> None:
        if not self._writer:
            raise DatabaseError(
                f"{self.path} was opened for reading (open_store, Dossier.load), or its"
                " change has ended, so it is not locked: nothing was written. Make the"
                " change inside 'with edit_store(path, command) as d:'"
            )

    _reverted = ""  # what this change undid or redid, as messages name it ("undid …")
    _reverted_at = 0  # the tables' writes when it did

    def _writes(self) -> int:
        return sum(table.writes for table in self.tables().values())

    def _reverting(self, done: str) -> None:
        """Say that this change undid or redid `done` ("undid history entry 3")."""
        self._reverted, self._reverted_at = done, self._writes()

    def _may_revert(self) -> None:
        """Conflict unless this change has done nothing yet."""
        if self._reverted:
            raise Conflict(
                f"this change already {self._reverted}: one undo or redo per change; end"
                " this one (it is then written) before the next"
            )
        if self._writes():
            raise Conflict(
                "this change has already changed records: undo or redo in a change of its"
                " own, after this one is written"
            )

    def _revert_alone(self) -> None:
        """Conflict if records changed after this change's undo or redo (at its commit)."""
        if self._reverted and self._writes() != self._reverted_at:
            raise Conflict(
                "records were changed after an undo or redo in the same change; its entry"
                " would record them as part of the undo (a redo would take them away):"
                " nothing was written. Undo or redo in a change of its own"
            )

    def changed(self) -> bool:
        """Whether anything differs from what was read."""
        return any(any(t.changes()) for t in self.tables().values())

    def written(
        self, added: Mapping[str, list[str]], before: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, list[str]]:
        """The ids a change wrote, by kind: added, or changed and still there."""
        return {
            kind: [*added.get(kind, ()), *(k for k in before.get(kind, {}) if k in table.raw)]
            for kind, table in self.tables().items()
        }

    def as_read(self) -> dict[str, dict[str, Any]]:
        """The records by kind as they were read, before this command changed them."""
        tables: dict[str, dict[str, Any]] = {}
        for kind, table in self.tables().items():
            raw = table.raw
            if table.originals:
                raw = dict(raw)
                for key, original in table.originals.items():
                    if original is None:
                        raw.pop(key, None)
                    else:
                        raw[key] = original
            tables[kind] = raw
        return tables

    def changes(
        self,
    ) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, dict[str, Any]]]:
        """(added ids, removed ids, earlier versions of what changed) by kind, for the
        history entry of this command; kinds without any are left out."""
        added: dict[str, list[str]] = {}
        removed: dict[str, list[str]] = {}
        before: dict[str, dict[str, Any]] = {}
        for kind, table in self.tables().items():
            a, r, b = table.changes()
            if a:
                added[kind] = a
            if r:
                removed[kind] = r
            if b:
                before[kind] = b
        return added, removed, before

    def contract_faults(self) -> list[str]:
        """Every record the record contract refuses, as 'event ID: field: message'."""
        found: list[str] = []
        cases, persons = self.cases.raw, self.persons.raw
        for kind, table in self.tables().items():
            records = list(table.raw.values())
            if contract.check_many(kind, records) and contract.references_ok(
                kind, records, cases, persons
            ):
                continue
            for key, record in table.raw.items():
                faults = contract.faults(kind, record) or contract.reference_faults(
                    kind, record, cases, persons
                )
                found.extend(f"{kind[:-1]} {key}: {fault}" for fault in faults)
        return found

    def put_back(self, entries: Sequence[Mapping[str, Any]], label: str) -> None:
        """Undo in memory what `entries` (one command's history) did: remove what they
        added, put back the earlier form of what they changed or removed. What comes
        back passes the record contract like any other write; `label` names the entry
        in messages ('history entry 4')."""
        tables = self.tables()
        for entry in entries:
            for kind, ids in entry.get("added", {}).items():
                for key in ids:
                    tables[kind].delete(key)
        for entry in entries:
            for kind, records in entry.get("before", {}).items():
                for key, raw in records.items():
                    faults = contract.faults(kind, raw)
                    if faults:
                        raise CorruptDatabase(
                            f"{self.path}: {label} holds a damaged {kind[:-1]} {key}:"
                            f" {faults[0]}; it cannot be reverted"
                        )
                    tables[kind].put_raw(key, raw)
            self._put_in_place(entry)
        cases, persons = self.cases.raw, self.persons.raw
        for entry in entries:
            for kind, records in entry.get("before", {}).items():
                for key in records:
                    raw = tables[kind].raw[key]
                    found = contract.reference_faults(kind, raw, cases, persons)
                    unseen = sorted(self.unseen_persons(
                        [p for p in raw.get("persons", ()) if p not in persons]
                    )) if found and kind == "events" else []  # fmt: skip
                    if unseen:
                        # An event that comes back with its case: no one can name them
                        # in it until the reverting role sees them again.
                        with_case = raw["case"] in entry.get("removed", {}).get("cases", ())
                        what, how, then = (
                            (f"case {raw['case']} with event {key}", "through its events",
                             "once you see them again (access to a case they have a role or"
                             " an event in), it can be reverted")
                            if with_case else
                            (f"event {key}", "that change took away the link you saw them by",
                             "a member of a case they have a role in can add them to the"
                             " event again")
                        )  # fmt: skip
                        raise DatabaseError(
                            f"reverting {label} would bring back {what} naming"
                            f" {', '.join(unseen)}, whom you no longer see ({how}); nothing"
                            f" was changed: {then}"
                        )
                    if found:
                        raise DatabaseError(
                            f"reverting {label} would bring back {kind[:-1]} {key}, whose"
                            f" {found[0]}; nothing was changed"
                        )

    def _put_in_place(self, entry: Mapping[str, Any]) -> None:
        """The records an entry removed, back where they stood (`places`: entries
        written before places were kept have none, and theirs stay at the end)."""
        for kind, placed in (entry.get("places") or {}).items():
            removed = set(entry.get("removed", {}).get(kind, ()))
            back = {key: at for key, at in placed.items() if type(at) is int and key in removed}
            if back and kind in self.tables():
                self._place(kind, back)

    def _place(self, kind: str, back: dict[str, int]) -> None:
        """Put the records of `back` at their places (a file's: their index)."""
        self.tables()[kind].put_at(back)

    def places(self, removed: Mapping[str, list[str]]) -> dict[str, dict[str, int]]:
        """Where the records this command removed stood, by kind (see Table.places)."""
        tables = self.tables()
        found = {kind: tables[kind].places(keys) for kind, keys in removed.items()}
        return {kind: placed for kind, placed in found.items() if placed}

    def history_count(self) -> int:
        """How many history entries the reader can see."""
        raise NotImplementedError

    def history_before_copy(self) -> int:
        """How many history entries a copy into this store would come after: none on a
        server, where a copy begins each case's chain and a database is empty when the
        caller sees no record (see the file's)."""
        return 0

    def event_counts(self) -> dict[str, int]:
        """How many events each case holds (of the events read), by case id."""
        return dict(Counter(r["case"] for r in self.events.raw.values()))

    def tally(self) -> Tally | None:
        """Events counted instead of read (see `open_store`'s `read_types`): a file
        reads them all, so None."""
        return None

    def require_writable(self, case_id: str) -> None:
        """Refuse (ReadOnly) a change to a case this reader may only read: before a
        command weighs what the change would take with it. A file's are all writable."""

    def require_committable(self) -> None:
        """Refuse (ReadOnly) what a commit of the changes made so far would refuse for
        access, without writing: a dry run tells what the real command would. A file
        refuses nothing."""

    def hidden_person_ids(self, base: str) -> set[str]:
        """Ids of persons this reader cannot see that are `base` or `base-N`: a new
        person's id avoids them too. A file hides none."""
        return set()

    def unseen_persons(self, ids: Collection[str]) -> set[str]:
        """Of `ids`, persons this reader cannot see who are there all the same (an
        undo tells why it cannot name them again). A file hides none."""
        return set()

    def new_event_ids(self, count: int, *taken: Collection[str]) -> list[str]:
        """`count` new event ids, in ascending order: none an event has, nor in `taken`.
        A file holds every event it has."""
        return new_event_ids(count, self.events.raw, *taken)

    def outside_events(
        self, cases: Collection[str], persons: Collection[str] | None = None
    ) -> Iterable[dict[str, Any]]:
        """Stored events of the other cases that custody figures for `cases` look at:
        where a person of theirs (of `persons`, when the figures are of those only) is
        also held, let go or found guilty (custody.elsewhere). Of a file: every event
        of the other cases."""
        return (r for r in self.events.raw.values() if r["case"] not in cases)

    # Whether each case has a state of its own, found by `verify --hash` (a server's); a
    # file's one state covers every record.
    states_per_case = False

    def state_cases(self) -> tuple[str, ...]:
        """The cases `verify --hash` must be told (`--case`) to find the state hash of
        what was read: none for a file, whose hash covers every record."""
        return ()

    def state_hash(self) -> hist.StateHash:
        """The hash of the records (see `history.state_hash`)."""
        raise NotImplementedError

    # What a copy's entry keeps of its source's state (see `copy_state`), set by the copy.
    copied: dict[str, Any] | None = None

    def copy_state(self) -> dict[str, Any]:
        """The state hashes a report of these records carries, for a copy of them to
        keep (`history.copied_state`): a file and a server hash the same records
        differently, and the source's history stays with the source."""
        return {"state": self.state_hash().all}

    def outside(self) -> Outside | None:
        """What was changed outside dossier and not yet accepted; None when nothing was."""
        raise NotImplementedError
