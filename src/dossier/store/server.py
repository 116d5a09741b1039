"""The server store: a dossier in the `dossier` schema of a PostgreSQL database.

The same `Records` as a file, read for one command and committed once, in one
transaction; the server, not this module, decides what the connected role may
see and change (row-level security, docs/server.md). What this module adds:

- **Scope.** A command that names its cases (`timeline CASE`, `log CASE`)
  reads the events of those cases only, so that its cost does not grow with
  the database; cases and persons (those the role can see) are always read
  whole: they are few, and names and suggestions need them. Figures that say
  where a person's custody (or a guilty verdict) is also recorded under another
  case ask for those events alone (`outside_events`).
- **Statistics.** `stats` reads one by one only the events of the types its
  figures read (`read_types`); the rest comes as a `Tally`, counted by the
  server on a second connection that shares the command's snapshot, while the
  first one sends the events.
- **Marks.** Every write marks the cases it touched (`dossier.unsettled`, by
  triggers); dossier's commit clears the marks it has read once it has recorded
  the state that includes them. A read hashes only marked cases to warn of
  changes made with SQL.
- **Locks.** A command that changes named cases locks their rows first
  (`SELECT … FOR UPDATE`, in id order) under a shared advisory lock; a command
  that may change anything takes that advisory lock exclusively. So writers of
  one case are serialised, writers of different cases run side by side, and
  no update is ever lost. What a command names (its `Scope`: cases, events,
  persons, the command an undo reverts) gives its cases, found again once they
  are locked; the persons it changes are locked by row, and an undo or redo
  has its role to itself.
- **History per case.** A command appends one entry to the hash chain of each
  case it touched (a person belongs to the cases they have a role in; a person
  with none to the role's own chain, `~ROLE`), naming the role; each entry
  holds the state hash of its case afterwards, which `cases.state` keeps too.
"""

from __future__ import annotations

import datetime
import functools
import threading
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import orjson

from dossier import contract, dates
from dossier import history as hist
from dossier.errors import (
    Conflict,
    CorruptDatabase,
    DatabaseBusy,
    DatabaseError,
    DossierError,
    Duplicate,
    NotFound,
    NothingToDo,
    ReadOnly,
    first_of,
)
from dossier.history import combine
from dossier.model import Case, Event, Person, Tally
from dossier.scope import Scope
from dossier.server.connect import connect, shown, where
from dossier.server.schema import CONFIDENTIAL, GROUP, require_schema
from dossier.store.records import Outside, Records, Table, paused_gc

if TYPE_CHECKING:
    from psycopg import Connection, Cursor

# A history row of the chain of the case that exists now (or of a role's own chain):
# row-level security hides a removed case's old chain from members; this hides it from
# a role that bypasses the policies too (the database owner).
_CURRENT = "h.case_n = coalesce((SELECT c.n FROM dossier.cases c WHERE c.id = h.case_id), 0)"
# The advisory lock every writer takes: shared by a command that names its cases,
# exclusive by one that may change any record ('doss' in ASCII).
WRITERS = 0x646F7373
# The advisory locks of person ids that a command adds ('pers').
PERSON_IDS = 0x70657273
# The advisory locks of event ids that an import gives, new where not found ('evnt').
EVENT_IDS = 0x65766E74
# The advisory lock of a role's own commands: shared by each, exclusive by an undo or
# redo ('role').
ROLES = 0x726F6C65


class ServerDossier(Records):
    """The records of one command, read from a server; `commit` writes what changed."""

    path: str

    def __init__(
        self,
        conn: Connection[Any],
        url: str,
        cases: Collection[str] | None,
        read_types: Collection[str] | None = None,
    ) -> None:
        self.conn = conn
        self.url = url
        self.path = shown(url)  # what messages name: the URL without its password
        self.key = None  # never encrypted by dossier: the server is the safe place
        self.scope = None if cases is None else sorted(set(cases))
        row = conn.execute("SELECT session_user").fetchone()
        self.role = str(row[0]) if row else ""
        self.read_only = {
            str(case): bool(flag)
            for case, flag in conn.execute(
                "SELECT case_id, read_only FROM dossier.members WHERE role = session_user"
            )
        }
        # A list of cases or persons reads no events (an empty scope), yet warns of every
        # case changed with SQL, as a read of every case does: the cases it watches.
        listing = self.scope == []
        watched = None if listing else self.scope
        # Before the records: a mark read here is of a write those records include.
        self._unsettled: dict[str, list[str]] = {}
        for case, xid in conn.execute(
            "SELECT case_id, xid::text FROM dossier.unsettled"
            + ("" if watched is None else " WHERE case_id = ANY(%s)"),
            () if watched is None else (watched,),
        ):
            self._unsettled.setdefault(str(case), []).append(str(xid))
        self.read_types = None if read_types is None else sorted(read_types)
        # The other events of marked cases, when only some types (or none) are read:
        # hashed by `outside` with the rest, never shown.
        self._unread: dict[str, dict[str, Any]] = {}
        # Each person's row version as read, and the persons whose rows this command
        # locked before it read them (None: every writer waits for this one); see
        # _unchanged_persons.
        self._versions: dict[str, str] = {}
        self._locked_persons: set[str] | None = None
        self._vetted: set[str] = set()  # new event ids the server said were free
        self._restored: dict[str, dict[str, int]] = {}  # rows an undo puts back: their n
        self._bringing: dict[str, int] = {}  # cases an undo or redo brings back: their n
        with paused_gc():
            self.cases: Table[Case] = Table("cases", Case, self._read("cases"), self.path)
            self.persons: Table[Person] = Table("persons", Person, self._read("persons"), self.path)
            self.events: Table[Event] = Table("events", Event, self._read("events"), self.path)
            if (self.read_types is not None or listing) and self._unsettled:
                self._unread = self._read("events", unread=sorted(self._unsettled))
        watched = list(self.cases.raw) if watched is None else watched
        self._counting: _Counting | None = None
        self._counts: dict[str, int] | None = None  # see load(counts=…)
        self._history: list[dict[str, Any]] | None = None
        self._digests: dict[str, dict[str, str]] | None = None
        self._marker: dict[str, str] = {}
        self._role_held = False  # see edit()
        # The state each case read had after its last entry, for `outside`.
        self._recorded: dict[str, str] = dict(
            conn.execute(
                "SELECT DISTINCT ON (case_id) case_id, entry->>'state' FROM dossier.history h"
                f" WHERE case_id = ANY(%s) AND {_CURRENT} ORDER BY case_id, seq DESC",
                (watched,),
            ).fetchall()
        )
        # The writes made over records changed with SQL that no `verify --accept` settled,
        # by case: what `outside` says on every command, as a file says it (hist.pending).
        marked: dict[str, list[dict[str, Any]]] = {}
        for case, seq, command, tampered, accepted in conn.execute(
            "SELECT case_id, seq, command, entry->'tampered', entry->'accepted'"
            " FROM dossier.history h WHERE case_id = ANY(%s) AND"
            f" {_CURRENT} AND (entry ? 'tampered' OR entry ? 'accepted') ORDER BY case_id, seq",
            (watched,),
        ):
            entry = {"seq": seq, "command": command, "tampered": tampered or []}
            if accepted is not None:
                entry["accepted"] = accepted
            marked.setdefault(str(case), []).append(entry)
        self._pending = {case: hist.pending(entries) for case, entries in marked.items()}
        # What the server's own columns of marked cases' events say against the records,
        # read in the same snapshot (see _column_faults).
        self._columns: dict[str, list[tuple[str, str]]] = {}  # case -> (event, finding)
        # What the server held of those events whose columns differ: (case, linked persons).
        self._held: dict[str, tuple[str, list[str]]] = {}
        self._column_faults(self._unsettled)
        # Records of the wrong shape (a key left out, a list made a number), which only
        # SQL can write: refused by every command but `verify`, as a file's are, rather
        # than shown with what the model would fill in (a case's status "open").
        self.damage = self._shape_faults(self._unsettled)

    def _shape_faults(self, cases: Collection[str]) -> list[str]:
        """The record contract's shape faults, as 'event ID: field: message', of the
        records of `cases` (those marked: only a write can damage a case or an event, and
        every write marks the cases whose state holds what it wrote) and of every person
        read (an SQL edit of a person whom only events name left no mark a read found;
        a few thousand, checked in one columnar pass)."""
        marked = set(cases)
        own = [(k, r) for k, r in self.cases.raw.items() if k in marked]
        events = [(k, r) for k, r in self.events.raw.items() if marked and r.get("case") in marked]
        return [
            *contract.shape_report("cases", own),
            *contract.shape_report("events", events),
            *contract.shape_report("persons", self.persons.raw.items()),
        ]

    def refuse_damage(self) -> None:
        """Refuse a dossier whose records (of the cases read) break the record contract's
        shape, as a file's load does: a command but `verify` would show made-up values."""
        if self.damage:
            raise CorruptDatabase(
                f"{where(self.url)}: {first_of(self.damage)} (written outside dossier, with SQL;"
                " see 'dossier verify')"
            )

    def _column_faults(self, cases: Collection[str]) -> dict[str, list[str]]:
        """What the server's columns of the events of `cases` say against their records
        (the case, the type, the date's bounds, the persons linked), by case: dossier
        writes them from the record, so a difference was made with SQL. The hash covers
        only the records, yet `stats` counts by these columns and the policies decide by
        them. Asked of marked cases only: a change to a column marks its case."""
        asked = sorted(set(cases) - self._columns.keys())
        for key in asked:
            self._columns[key] = []
        if asked:
            # Against the records read (every event of a marked case is: by its case
            # column, as the check is), not read again.
            rows = self.conn.execute(
                "SELECT e.id, e.case_id, e.type, e.date_first, e.date_last,"
                " ARRAY(SELECT ep.person_id FROM dossier.event_persons ep"
                " WHERE ep.event_id = e.id)"
                " FROM dossier.events e WHERE e.case_id = ANY(%s) ORDER BY e.n",
                (asked,),
            ).fetchall()
            for key, case, type_, first, last, linked in rows:
                raw = self.events.raw.get(key) or self._unread.get(key)
                for finding in _columns_against(key, (case, type_, first, last, linked), raw):
                    self._columns[str(case)].append((str(key), finding))
                    self._held[str(key)] = (str(case), [str(p) for p in linked])
        return {
            key: [finding for _event, finding in self._columns[key]]
            for key in cases
            if self._columns.get(key)
        }

    def _miscolumned(self, cases: Collection[str]) -> list[str]:
        """The events of `cases` whose columns _column_faults found wrong: a write into
        those cases writes them again from their records."""
        return sorted({event for key in cases for event, _ in self._columns.get(key, ())})

    def _read(self, kind: str, unread: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """The records of one table this command reads, by id, in the order added (with
        `unread`, the events of those marked cases that the scope or `read_types` leaves
        out)."""
        # A person's row version too: see _unchanged_persons.
        query = f"SELECT id, record::text{', xmin::text' if kind == 'persons' else ''}" + (
            f" FROM dossier.{kind}"
        )
        conditions: list[str] = []
        params: list[Any] = []
        if kind == "events":
            if unread is not None:  # marked cases: in the scope, or every case's
                conditions.append("case_id = ANY(%s)")
                params.append(unread)
                if self.read_types is not None:
                    conditions.append("type <> ALL(%s)")
                    params.append(self.read_types)
            else:
                if self.scope is not None:
                    conditions.append("case_id = ANY(%s)")
                    params.append(self.scope)
                if self.read_types is not None:
                    conditions.append("type = ANY(%s)")
                    params.append(self.read_types)
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        loads = orjson.loads
        # fetchall: the rows built in C, not one Python call each (1 s for 440,000).
        rows = self.conn.execute((query + " ORDER BY n").encode(), tuple(params)).fetchall()
        if kind == "persons":
            self._versions = {str(key): str(version) for key, _text, version in rows}
            rows = [(key, text) for key, text, _version in rows]
        records = {key: loads(text) for key, text in rows}
        odd = next((key for key, raw in records.items() if not isinstance(raw, dict)), None)
        if odd is not None:  # written with SQL: nothing could read it, so nothing does
            raise DatabaseError(
                f"{where(self.url)}: {kind[:-1]} {odd} is not a record (a JSON object) but"
                f" {orjson.dumps(records[odd]).decode()[:40]}, written outside dossier;"
                " a member who may change its case can put it back with psql"
            )
        if kind == "persons":
            # Only the roles in cases the role can see come back (row-level security). The
            # record's own `roles`, always [] (a CHECK that SQL leaving the key out passes),
            # is where they go.
            for raw in records.values():
                raw.setdefault("roles", [])
            roles = self.conn.execute(
                "SELECT person_id, case_id, role FROM dossier.person_cases"
                " ORDER BY person_id, position"
            )
            for person, case, role in roles:
                if person in records:
                    records[person]["roles"].append({"case": case, "role": role})
        return records

    # Opening ------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        url: str,
        cases: Collection[str] | None = None,
        *,
        whole: bool = False,
        read_types: Collection[str] | None = None,
        as_of: datetime.date | None = None,
        persons: Collection[str] | None = None,
        events: Collection[str] | None = None,
        counts: bool = False,
        scope: Scope | None = None,
        strict: bool = True,
    ) -> ServerDossier:
        """Read what the role can see (of `cases`, when given) as one snapshot; with
        `whole`, the history and the record digests too (`verify`: records and history
        of one moment, however busy the server). With `read_types`, only events of those
        types are read one by one, the others counted into `tally` (for `stats` as of
        `as_of`, today by default).

        Without `cases`: with `persons` (ids, names or aliases), the events of the cases
        those persons have a role in or are named in; with `events`, of the cases that
        hold them (every case's when one is not found, for the suggestions). With
        `counts`, how many events each case holds is counted by the server, in the same
        snapshot, for `event_counts` (a `case list` reads no event). With a `scope`, the
        cases a write of that scope would lock (an import's dry run), none locked."""
        conn = connect(url)
        try:
            with server_errors(url), conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                require_schema(conn, url)
                if scope is not None:
                    found = _find(conn, scope)
                    cases = None if found is None else sorted(found)
                elif cases is None and (persons is not None or events is not None):
                    holding, complete = _holding(conn, events) if events else (set(), True)
                    if complete:
                        cases = holding | _persons_cases(conn, persons or ())
                counting: _Counting | None = None
                if read_types is not None:
                    row = conn.execute("SELECT pg_export_snapshot()").fetchone()
                    counting = _Counting(url, str(row[0]) if row else "", cases, read_types,
                                         as_of or dates.today())  # fmt: skip
                    counting.start()
                    counting.imported.wait()  # it has the snapshot, or could not connect
                    if not counting.ready:  # a role limited to one connection, say:
                        counting = None  # every event read one by one, as for a file
                        read_types = None
                try:
                    dossier = cls(conn, url, cases, read_types)
                    if strict:
                        dossier.refuse_damage()
                except BaseException:
                    if counting is not None:
                        counting.cancel()
                    raise
                if counting is not None:
                    # It counts once the events are read (two server processes at once
                    # slowed the read by a third), while they are computed.
                    counting.go.set()
                dossier._counting = counting
                if counts:
                    rows: list[tuple[Any, ...]] = conn.execute(
                        "SELECT case_id, count(*) FROM dossier.events GROUP BY case_id"
                    ).fetchall()
                    dossier._counts = {str(case): int(n) for case, n in rows}
                if whole:  # read now, in this snapshot
                    dossier.digests()
                    _ = dossier.history
        finally:
            conn.close()
        return dossier

    @classmethod
    @contextmanager
    def edit(
        cls,
        url: str,
        command: str,
        scope: Scope | None = None,
    ) -> Iterator[ServerDossier]:
        """Lock, read, yield the records to change, then commit them in the same
        transaction (nothing is written when the block raises). With a `scope`, only
        the cases and chains it finds are locked and their events read (see `Scope`);
        the rows of its persons are locked too, and the person ids it may add."""
        # Here, not at the top: storage is the file's (TinyDB), which a read never needs.
        from dossier.storage import lock_timeout

        hist.check_command(command)  # before a connection, as a file's before its lock
        conn = connect(url)
        try:
            with server_errors(url), _transaction(conn, url):
                # READ COMMITTED, whatever the role's default (ALTER ROLE … SET
                # default_transaction_isolation): a write reads what committed while it
                # waited for its locks; at REPEATABLE READ it failed instead, "could not
                # serialize access", beside any other writer.
                conn.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                require_schema(conn, url)
                # As long as a file's writer waits ($DOSSIER_LOCK_TIMEOUT, else 30 s); 0
                # would be no limit to PostgreSQL, so at least a millisecond.
                wait = max(1, round(lock_timeout() * 1000))
                conn.execute(f"SET LOCAL lock_timeout = {wait}".encode())
                wanted = scope or Scope()
                reverting = wanted.reverting
                found = _find(conn, wanted)
                locked: set[str] = set()
                with _waiting(url):
                    if found is None:
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITERS,))
                    else:
                        # An undo or redo acts on the role's newest command, which no
                        # other command of the role may add meanwhile (its entry would pop
                        # that one in the replay of the role's commands): it has the role
                        # to itself.
                        shared = "_shared" if reverting is None else ""
                        conn.execute(
                            "SELECT pg_advisory_xact_lock_shared(%s),"
                            f" pg_advisory_xact_lock{shared}(%s, hashtext(session_user))".encode(),
                            (WRITERS, ROLES),
                        )
                        # An event moved to another case (or a person given a role or
                        # named in one, or a newer command of the role's to revert) before
                        # its case was locked is in that one now (a mover locks the cases
                        # that hold it, as this command does): the locks go back and all
                        # are taken again, in id order, so that no two writers take two
                        # cases in crossed orders.
                        while moved := _lock_scope(conn, found, wanted, locked):
                            found |= moved
                dossier = cls(conn, url, None if found is None else sorted(found))
                dossier.refuse_damage()
                dossier._locked_persons = None if found is None else locked
                # Whether no other command of the role can commit meanwhile, as an undo
                # or redo needs (every writer waits for an unscoped one).
                dossier._role_held = found is None or reverting is not None
                with dossier._change(command):
                    yield dossier
        finally:
            conn.close()

    def event_counts(self) -> dict[str, int]:
        """How many events each case holds: every case's, as the server counted them
        (load with `counts`), else of the events read."""
        return dict(self._counts) if self._counts is not None else super().event_counts()

    def tally(self) -> Tally | None:
        """The events a `read_types` load counted instead of reading (waiting for the
        count, which runs on a connection of its own); None for any other load."""
        if self._counting is None:
            return None
        with server_errors(self.url):
            self._counting.join()
            return self._counting.result()

    def require_writable(self, case_id: str) -> None:
        """Refuse a change to a case the role may only read, as the commit would."""
        if self.read_only.get(case_id):
            raise ReadOnly(f"read-only access to case {case_id}")

    def require_committable(self) -> None:
        """Refuse what commit() would for access: a change to a case the role only reads,
        a case or event id taken by a record it cannot see, or a change to a person of a
        case it may not change (the persons' policy, asked of the server as it stands)."""
        added, removed, before = self.changes()
        self._writable(self._pieces(added, removed, before))
        # As the server asks: a person removed, or made confidential, by a writer of every
        # case that names them (changes_person); one changed, of every case of their
        # roles (edits_person: a dry run had asked the first, and refused an import the
        # server takes).
        now, then = self.persons.raw, before.get("persons", {})
        made = {k for k, old in then.items() if now.get(k, {}).get("confidential")
                and not old.get("confidential")}  # fmt: skip
        asked = {
            "changes_person": sorted(k for k in then if k not in now or k in made),
            "edits_person": sorted(k for k in then if k in now and k not in made),
        }
        unvetted = [key for key in added.get("events", ()) if key not in self._vetted]
        named = self._names_confidential(added, before)
        if not (added.get("cases") or added.get("persons") or unvetted or then or named):
            return
        refused = unnamed = None
        with self._reading() as conn:  # one connection: a dry run's load closed its own
            _check_free(conn.cursor(), added, self._vetted)
            for function, persons in asked.items():
                if persons and refused is None:
                    refused = conn.execute(
                        f"SELECT id FROM unnest(%s::text[]) id WHERE NOT dossier.{function}(id)"
                        " ORDER BY id".encode(),
                        (persons,),
                    ).fetchone()
            if named:  # as dossier.names_confidential will (the role writes these cases)
                unnamed = conn.execute(
                    "SELECT x.p, x.c FROM unnest(%s::text[], %s::text[]) x(p, c)"
                    " WHERE NOT EXISTS (SELECT 1 FROM dossier.person_cases pc"
                    " WHERE pc.person_id = x.p AND pc.case_id = x.c)"
                    " AND NOT EXISTS (SELECT 1 FROM dossier.event_persons ep"
                    " WHERE ep.person_id = x.p AND ep.case_id = x.c)"
                    " AND NOT dossier.edits_person(x.p) ORDER BY 1, 2 LIMIT 1",
                    ([p for p, _ in named], [c for _, c in named]),
                ).fetchone()
        if refused is not None and refused[0] in made:
            raise ReadOnly(
                f"person {refused[0]} is named in a case you may not change: making them"
                " confidential takes every case that names them; nothing was changed"
            )
        if refused is not None:
            raise ReadOnly(_PERSON_REFUSED.format(person=refused[0]))
        if unnamed is not None:
            raise ReadOnly(
                f"person {unnamed[0]} is confidential and not in case {unnamed[1]}: only one"
                " who may change them (a writer of every case they are in) names them there;"
                " nothing was changed"
            )

    def _names_confidential(
        self, added: Mapping[str, list[str]], before: Mapping[str, Mapping[str, Any]]
    ) -> list[tuple[str, str]]:
        """The (person, case) links to confidential persons that the events this command
        added or changed make anew (not to persons it adds: theirs to name, where it
        writes)."""
        events, persons = self.tables()["events"].raw, self.persons.raw
        fresh = set(added.get("persons", ()))
        pairs: set[tuple[str, str]] = set()
        for key in added.get("events", ()):
            pairs.update((p, events[key]["case"]) for p in events[key]["persons"])
        for key, old in before.get("events", {}).items():
            if (new := events.get(key)) is not None:
                had = old["persons"] if old["case"] == new["case"] else ()
                pairs.update((p, new["case"]) for p in new["persons"] if p not in had)
        return sorted(
            (person, case)
            for person, case in pairs
            if person not in fresh and persons.get(person, {}).get("confidential")
        )

    def _writable(self, pieces: Collection[str]) -> None:
        """Refuse a change to any case of `pieces` (its chains) the role only reads."""
        for key in sorted(pieces):
            self.require_writable(key)

    def hidden_person_ids(self, base: str) -> set[str]:
        """Ids of persons the role cannot see that are `base` or `base-N` (the server
        tells that an id is taken, and nothing else of the person)."""
        with self._reading() as conn:
            rows = conn.execute("SELECT dossier.taken_person_ids(%s)", (base,)).fetchall()
        return {str(key) for (key,) in rows} - self.persons.raw.keys()

    def _place(self, kind: str, back: dict[str, int]) -> None:
        """A server's places are the rows' numbers (`n`, the order records were added):
        the rows go back under them when written (`_upsert`)."""
        self._restored.setdefault(kind, {}).update(back)

    def unseen_persons(self, ids: Collection[str]) -> set[str]:
        """Of `ids` (persons this command's own history names), those the server has
        but the role cannot see."""
        if not ids:
            return set()
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT p FROM unnest(%s::text[]) p"
                " WHERE p IN (SELECT dossier.taken_person_ids(p))",
                (sorted(ids),),
            ).fetchall()
        return {str(key) for (key,) in rows} - self.persons.raw.keys()

    def new_event_ids(self, count: int, *taken: Collection[str]) -> list[str]:
        """As a file's, avoiding also the ids of the events this command did not read
        (other cases', seen or not): those the server says are taken are drawn again.
        Each draw is one question, however many ids."""
        fresh = super().new_event_ids(count, *taken)
        if not fresh:  # rows that all have ids: nothing to ask
            return fresh
        refused: set[str] = set()
        with self._reading() as conn:
            while True:
                rows = conn.execute("SELECT dossier.taken_event_ids(%s)", (fresh,)).fetchall()
                gone = {str(key) for (key,) in rows}
                if not gone:
                    self._vetted.update(fresh)
                    return fresh
                refused |= gone
                kept = [key for key in fresh if key not in gone]
                more = super().new_event_ids(len(gone), *taken, refused, kept)
                fresh = sorted([*kept, *more])

    def outside_events(
        self, cases: Collection[str], persons: Collection[str] | None = None
    ) -> Iterable[dict[str, Any]]:
        """The custody starts and ends, and verdicts, of other cases that name a person
        of `cases`' events (or one of `persons`, when the figures are theirs): for a
        read of some cases, asked of the server when a figure needs them (the rest of
        the other cases' events is never read)."""
        if self.scope is None:
            return super().outside_events(cases, persons)
        # What custody.elsewhere reads: custody starts and ends, and verdicts (imported
        # here: a write never needs custody).
        from dossier.custody import ELSEWHERE_TYPES

        # The persons of every event of these cases, those a `stats` read only counted
        # too: the server knows them all.
        with self._reading() as conn:
            if persons is None:
                persons = [
                    str(key)
                    for (key,) in conn.execute(
                        "SELECT DISTINCT person_id FROM dossier.event_persons"
                        " WHERE case_id = ANY(%s)",
                        (sorted(cases),),
                    )
                ]
            if not persons:
                return []
            # From the persons' links to their events, by index: asked as "events whose
            # id is among those links", the planner read all million events instead.
            # Each event once, though it names several of the persons: by its id, since
            # `n` (its place in the order events were added) is not unique, a writer may
            # give one event another's (undo puts rows back in place by it).
            rows = conn.execute(
                "SELECT DISTINCT ON (e.n, e.id) e.n, e.record::text"
                " FROM dossier.event_persons ep JOIN dossier.events e ON e.id = ep.event_id"
                " WHERE ep.person_id = ANY(%s) AND ep.case_id <> ALL(%s) AND e.type = ANY(%s)"
                " ORDER BY e.n, e.id",
                (sorted(persons), sorted(cases), sorted(ELSEWHERE_TYPES)),
            ).fetchall()
        return [orjson.loads(text) for (_n, text) in rows]

    # State --------------------------------------------------------------------

    def case_records(
        self, only: Collection[str] | None = None
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Each case's records (of the cases read, or `only` these) as
        `history.state_hash` reads them: the case, its events and the persons with a
        role in it."""
        cases = self.cases.raw
        chosen = only if only is not None else cases if self.scope is None else self.scope
        tables = {kind: table.raw for kind, table in self.tables().items()}
        return self._grouped(tables, chosen)

    def _grouped(
        self, tables: Mapping[str, Mapping[str, dict[str, Any]]], chosen: Iterable[str]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """case_records() of `tables` (the records now, or as read)."""
        cases = tables["cases"]
        grouped: dict[str, dict[str, dict[str, Any]]] = {
            key: {"cases": {key: cases[key]}, "persons": {}, "events": {}}
            for key in chosen
            if key in cases
        }
        for events in (tables["events"], self._unread):
            for key, raw in events.items():
                if raw["case"] in grouped:
                    grouped[raw["case"]]["events"][key] = raw
        for key, raw in tables["persons"].items():
            for role in raw["roles"]:
                if role["case"] in grouped:
                    # Only the person's roles in this case: every member of it sees the
                    # same record, whatever other cases they may or may not see.
                    mine = [r for r in raw["roles"] if r["case"] == role["case"]]
                    grouped[role["case"]]["persons"][key] = {**raw, "roles": mine}
        return grouped

    def case_states(self, only: Collection[str] | None = None) -> dict[str, hist.StateHash]:
        """The state hash of every case read (or `only` these), by id."""
        return {key: hist.state_hash(tables) for key, tables in self.case_records(only).items()}

    def copy_state(self) -> dict[str, Any]:
        """As a file's, and each case's own: a report may show some cases only."""
        cases = {key: state.all for key, state in self.case_states().items()}
        return {"state": combine(cases), "cases": cases}

    def state_hash(self) -> hist.StateHash:
        """The hash of the cases read: one SHA-256 over each case's id and state hash
        (`combine`), so a report shows one hash for the cases it shows."""
        states = self.case_states()
        return hist.StateHash(
            combine({key: state.all for key, state in states.items()}),
            {
                kind: combine({key: state.kinds[kind] for key, state in states.items()})
                for kind in hist.KINDS
            },
        )

    # History ------------------------------------------------------------------

    @property
    def history(self) -> list[dict[str, Any]]:
        """Every history entry the role can see, oldest first, each with its `case`."""
        if self._history is None:
            query = (
                f"SELECT case_id, seq, role, entry::text FROM dossier.history h WHERE {_CURRENT}"
            )
            params: tuple[Any, ...] = ()
            if self.scope is not None:
                query += " AND case_id = ANY(%s)"
                params = (self.scope,)
            with self._reading() as conn:
                rows = conn.execute((query + " ORDER BY time, case_id, seq").encode(), params)
                self._history = [
                    # The row's seq where an entry written with SQL lacks its own: verify
                    # then names the entry, rather than failing on it.
                    {"seq": seq, **_entry_object(entry), "case": case, "role": role}
                    for case, seq, role, entry in rows
                ]
        return self._history

    def history_count(self) -> int:
        """How many entries `history` holds, counted by the server (not read)."""
        if self._history is not None:
            return len(self._history)
        query = f"SELECT count(*) FROM dossier.history h WHERE {_CURRENT}"
        params: tuple[Any, ...] = ()
        if self.scope is not None:
            query += " AND case_id = ANY(%s)"
            params = (self.scope,)
        with self._reading() as conn:
            row = conn.execute(query.encode(), params).fetchone()
        return int(row[0]) if row else 0

    def chains(self) -> dict[str, list[dict[str, Any]]]:
        """The visible history by chain (a case id, or '~ROLE'), each in order."""
        chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in sorted(self.history, key=lambda e: (e["case"], e["seq"])):
            chains[entry["case"]].append(
                {k: v for k, v in entry.items() if k not in ("case", "role")}
            )
        return dict(chains)

    def digests(self) -> dict[str, dict[str, str]]:
        """Each case's record digests after its last entry (`StateHash.digests`), by case:
        they name the records changed since."""
        if self._digests is None:
            with self._reading() as conn:
                rows = conn.execute(
                    "SELECT id, digests::text FROM dossier.cases WHERE id = ANY(%s)",
                    (list(self.cases.raw),),
                ).fetchall()
            self._digests = {key: orjson.loads(text) for key, text in rows}
        return self._digests

    @contextmanager
    def _reading(self) -> Iterator[Connection[Any]]:
        """The open connection during a command's transaction, else a new one."""
        if not self.conn.closed:
            yield self.conn
            return
        conn = connect(self.url)
        try:
            with server_errors(self.url), conn.transaction():
                yield conn
        finally:
            conn.close()

    states_per_case = True  # each case's chain records its own state (see find_state)

    def state_cases(self) -> tuple[str, ...]:
        """The cases of a read of several (not every) case: their combined hash is found
        only among theirs. One case's, or every case's, is found without."""
        return tuple(self.scope) if self.scope is not None and len(self.scope) > 1 else ()

    def find_state(self, state: str, cases: Collection[str] = ()) -> hist.Sighting | None:
        """When the records were last in `state` (8+ hex digits will do): a state hash
        of one case, or one made by `combine` of one case, of every case seen or of
        `cases` (a report's, `state_cases`), as reports and `verify` show them; None if
        never."""
        wanted = state.strip().lower()
        if len(wanted) < 8:
            return None
        # By the entries' times (each the server's clock when its command wrote it, to the
        # second), and within a second as read: in the order the commands began (the
        # history's `time` column), then by chain. Sorted by case id within a second, a
        # state between two commands of one second was not found; two commands in two
        # cases that overlapped may still have committed in the other order.
        history = sorted(self.history, key=lambda e: e["time"])
        chosen = set(cases)
        now: dict[str, str] = {}
        found: tuple[int, Collection[str] | None, str] | None = None
        for position, entry in enumerate(history):
            case = entry["case"]
            if case.startswith("~"):
                continue
            now[case] = entry["state"]
            if case in entry.get("removed", {}).get("cases", ()):  # gone (maybe not for good)
                now.pop(case)
            # Every case seen first, so that one case's own hash names that case even
            # when it is the only case seen so far.
            candidates: dict[str, Collection[str] | None] = {combine(now): None}
            if case in chosen and chosen <= now.keys():
                candidates[combine({c: now[c] for c in chosen})] = chosen
            candidates.update({entry["state"]: {case}, combine({case: entry["state"]}): {case}})
            for candidate, which in candidates.items():
                if candidate.startswith(wanted):
                    found = (position, which, candidate)
        if found is None:
            return self._found_copied(history, wanted)
        position, which, matched = found
        # Not the rest of the command that made the state (its entry in the role's own
        # chain, written after): it is that state, not a change since.
        made = history[position].get("group")
        since = tuple(
            e
            for e in history[position + 1 :]
            if (which is None or e["case"] in which)
            and not (made is not None and e.get("group") == made and e["case"].startswith("~"))
        )
        entry = {**history[position], "state": matched}
        # Current only if no record of those cases changed with SQL since (no entry).
        cases = self.cases.raw.keys() if which is None else which
        changed = self._differing(sorted(set(cases) & self._unsettled.keys()))
        return hist.Sighting(entry, current=not since and not changed, since=since)

    def _found_copied(
        self, history: Sequence[Mapping[str, Any]], wanted: str
    ) -> hist.Sighting | None:
        """A state the source of a copy into these cases was in when it was copied, as
        the source hashed it (a file hashes the same records differently): the copy's
        entries hold it. Changes since are those of other commands."""
        found = hist.last_copied(history, wanted)
        if found is None:
            return None
        position, entry = found
        group = entry.get("group")
        since = tuple(e for e in history[position + 1 :] if e.get("group") != group)
        changed = self._differing(sorted(self.cases.raw.keys() & self._unsettled.keys()))
        # The source's state covers every chain the copy wrote: current only for a
        # reader of them all (a member of one case cannot see another one change).
        seen = {e["case"] for e in history if e.get("group") == group}
        partial = len(seen) < entry.get("parts", 0)
        current = not since and not changed and not partial
        return hist.Sighting(entry, current=current, since=since, partial=partial)

    def verify(self) -> list[str]:
        """Problems with each visible case's chain and records; [] when all are sound."""
        problems: list[str] = []
        chains = self.chains()
        states = self.case_states()
        records = self.case_records()
        columns = self._column_faults(self._unsettled)
        for key in sorted(set(chains) | set(states)):
            chain = chains.get(key, [])
            if key.startswith("~"):
                # A role's own chain has no records to hash: its last entry's word stands
                # for the state (an entry written with SQL may lack one: verify_chain says).
                last = chain[-1]
                state = hist.StateHash(str(last.get("state", "")), last.get("kinds") or {})
                found = hist.verify_chain(chain, state, _EMPTY, None)
            elif key not in states:
                continue  # a case removed: its chain ends with its removal
            else:
                written = self.digests().get(key)
                found = hist.verify_chain(chain, states[key], records[key], None, written)
                found += columns.get(key, [])
            problems.extend(f"case {key}: {problem}" for problem in found)
        # A record of the wrong shape stops every command but this: only SQL mends it.
        damaged = {fault.split(": ")[0] for fault in self.damage}
        return problems + [
            f"{fault} (fix it with {'SQL' if fault.split(': ')[0] in damaged else 'dossier'},"
            " or restore the server from a backup)"
            for fault in self.contract_faults()
        ]

    def outside(self) -> Outside | None:
        """Cases whose records differ from the state their last entry records: changed
        with SQL rather than through dossier."""
        # Only the cases written since dossier recorded their state (dossier.unsettled)
        # can differ from it.
        marked = [key for key in self.cases.raw if key in self._unsettled]  # in case order
        problems = [
            f"case {key} has no history: it was made with SQL, outside dossier"
            if key not in self._recorded
            else f"case {key} differs from the state its last history entry records"
            for key in self._differing(marked)
        ]
        problems += [
            f"case {key}: {finding}"
            for key in self.cases.raw
            for finding in self._pending.get(key, ())
        ]
        columns = self._column_faults(marked)
        problems += [f"case {key}: {finding}" for key in marked for finding in columns.get(key, ())]
        return Outside(None, tuple(problems)) if problems else None

    def _differing(self, cases: Collection[str]) -> list[str]:
        """Those of `cases` whose records hash to another state than their last entry's
        (a case with no entry at all among them: it was made with SQL)."""
        return [
            key
            for key, state in self.case_states(only=cases).items()
            if self._recorded.get(key) != state.all
        ]

    def undo(self) -> dict[str, Any]:
        """Revert the caller's own newest change not yet undone, if nobody changed the
        records it touched since; returns its entry (the pieces of all its cases in one)."""
        return self._revert("undoes")

    def redo(self) -> dict[str, Any]:
        """Re-apply what the caller's newest undo reverted, on the same condition."""
        return self._revert("redoes")

    def undone(self) -> set[str]:
        """The groups of the commands (anyone's) whose effect is taken back now."""
        return hist.taken_back(self._groups())[0]

    def _taken_back(self, after: str) -> set[str]:
        """The groups of the commands (anyone's) whose effect is taken back now, and of
        the undos and redos of them: together they leave the records as they were. So do
        the undos and redos of a command that is applied now as it was once the command
        `after` (a group) had run: as many of them undid it as redid it since."""
        groups = self._groups()
        back, original = hist.taken_back(groups)
        ran = next((i + 1 for i, (group, _u, _r) in enumerate(groups) if group == after), 0)
        then, _ = hist.taken_back(groups[:ran])
        applied_then = {original[group] for group, _u, _r in groups[:ran]} - then
        return {
            group
            for group, first in original.items()
            if first in back or (group != first and first in applied_then)
        }

    def _groups(self) -> list[tuple[str, str | None, str | None]]:
        """Every command seen in the history, once, in the order run: (group, the group
        it undoes, the group it redoes)."""
        found: dict[str, tuple[str, str | None, str | None]] = {}
        for entry in self.history:
            group = entry.get("group")
            if group and group not in found:
                found[group] = (group, entry.get("undoes"), entry.get("redoes"))
        return list(found.values())

    def _revert(self, marker: str) -> dict[str, Any]:
        self._may_revert()
        # The caller's commands in every chain it sees, whatever this command's scope
        # (which is the chains of the one it reverts).
        with self._reading() as conn:
            found = _next_to_revert(conn, self.role, marker)
        verb = "undo" if marker == "undoes" else "redo"
        if found is None:
            raise NothingToDo(f"nothing of yours to {verb} on this server")
        group, chains = found
        outside = sorted(chains - set(self.scope or chains))
        if outside:  # a caller's bug, never a user's: a part would be left undone
            raise DatabaseError(
                f"this {verb} may change only case(s) {', '.join(self.scope or ())}, not"
                f" {', '.join(outside)}, which the command it acts on wrote; open the server"
                f" with reverting={marker!r}; nothing was written"
            )
        if not self._role_held:  # a caller's bug too: the role's newest may change
            raise DatabaseError(
                f"this {verb} does not hold the role's commands; open the server with"
                f" reverting={marker!r}; nothing was written"
            )
        # Its entries, from the chains read (this command's scope holds them all).
        pieces = [
            e for e in self.history if e["case"] in chains and e.get("group") == group
            and e["role"] == self.role
        ]  # fmt: skip
        pieces += self._brought_back(group, pieces, verb)
        written = max(
            (e.get("parts", 0) for e in pieces), default=0
        )  # 0: written before parts were kept
        hidden = written - len({e["case"] for e in pieces})
        if hidden > 0:
            raise Conflict(
                f"this {verb} would take back only part of the command of"
                f" {pieces[0]['case']} #{pieces[0]['seq']}: it also changed {hidden} case(s)"
                " you cannot see now (access revoked, or the case removed by its owner);"
                " nothing was changed"
            )
        pieces.sort(key=lambda e: (e["time"], e["case"], e["seq"]))
        self._regiven(pieces, verb)
        self._unchanged_since(pieces)
        merged = _merged(pieces, self.persons.raw)
        self.put_back([merged], f"history entry {pieces[0]['case']} {pieces[0]['seq']}")
        self._marker = {marker: pieces[0]["group"]}
        self._reverting(
            f"{'undid' if verb == 'undo' else 'redid'} the command of"
            f" {pieces[0]['case']} #{pieces[0]['seq']}"
        )
        return merged

    def _brought_back(
        self, group: str, pieces: list[dict[str, Any]], verb: str
    ) -> list[dict[str, Any]]:
        """The entries of command `group` in the chains of the cases that its `pieces` (in
        the role's own chain) removed: an undo or redo brings each case back, under its
        number, with its chain. Refused for a case whose id is taken again, or removed
        before the server kept its number (schema 10)."""
        gone = sorted({
            key for piece in pieces if piece["case"].startswith("~")
            for key in piece.get("removed", {}).get("cases", ())
        })  # fmt: skip
        if not gone:
            return []
        with self._reading() as conn:
            hidden, self._bringing = _removed_entries(conn, group)
            taken = {str(key) for (key,) in conn.execute(
                "SELECT dossier.taken_case_ids(%s)", (gone,)
            )}  # fmt: skip
        kept = {entry["case"] for entry in hidden}
        for key in gone:
            if key in taken:
                raise Conflict(
                    f"case {key} was added again since by another command; nothing was changed"
                )
            if key not in kept:
                raise Conflict(
                    f"your last change removed case {key} before this server kept what {verb}"
                    " needs to bring it back (schema 10); import it again from an export"
                )
        return hidden

    def _regiven(self, pieces: list[dict[str, Any]], verb: str) -> None:
        """Refuse, saying why, to give a person back a role they lost in a case (`pieces`
        took them out of its chain) when the server would not let the role give it: the
        person has a role, too, in a case the role may not change (or cannot see, and so
        no longer sees the person)."""
        regiven = {}
        for piece in pieces:
            if piece["case"].startswith("~"):
                continue
            kept = piece.get("before", {}).get("persons", {})  # as the entry has it
            for key in piece.get("removed", {}).get("persons", ()):
                if any(r.get("case") == piece["case"] for r in kept.get(key, {}).get("roles", ())):
                    regiven[key] = piece["case"]
        # Of those still there (a person the command removed comes back new, as the
        # role's own, which it may link).
        there = {key for key in regiven if key in self.persons.raw}
        there |= self.unseen_persons(regiven.keys() - there)
        if not there:
            return
        with self._reading() as conn:
            refused = [
                str(key)
                for (key,) in conn.execute(
                    "SELECT id FROM unnest(%s::text[]) id WHERE NOT dossier.gives_role(id)"
                    " ORDER BY id",
                    (sorted(there),),
                )
            ]
        if refused:
            key = refused[0]
            why = (
                "a case you may not change has them, by a role or an event"
                if key in self.persons.raw
                else "you no longer see them"
            )
            raise Conflict(
                f"{verb} would give {key} back their role in case {regiven[key]}, which only"
                f" one who may change them can give ({why}); nothing was changed"
            )

    def _unchanged_since(self, pieces: list[dict[str, Any]]) -> None:
        """Refuse, naming what changed, when a later command (anyone's) touched a record
        that these entries wrote: by the later entries of the same chains, by what a case
        changed with SQL since dossier recorded it differs in (its marks and record
        digests), and by the record as it is now against the form the entries kept of
        it (`after`: a big command keeps none, but a role's own chain keeps it for the
        persons in no case, whom another role's edits reach through its own chain)."""
        # Commands whose effect is taken back, anyone's: they and their undos leave the
        # records as they were (a log, an edit, the edit undone: the log's undo goes
        # through, as on a file).
        reverted = self._taken_back(pieces[0]["group"])
        for piece in pieces:
            chain = [e for e in self.history if e["case"] == piece["case"]]
            touched = _touched(piece)
            # Reverting takes the case itself away (its creation, or its return by an
            # undo): so anything written into it since, not only what the piece wrote.
            takes_case = ("cases", piece["case"]) in _added(piece)
            for later in chain:
                if later["seq"] <= piece["seq"]:
                    continue
                if later.get("group") in reverted:
                    continue
                if "accepted" in later:  # as on a file: what was accepted stays
                    raise Conflict(
                        f"changes made outside dossier to case {piece['case']} were accepted"
                        f" since, by {later['role']} at {later['time']}; undo does not put back"
                        " what was there before them; nothing was changed"
                    )
                if takes_case:
                    raise Conflict(
                        f"case {piece['case']} was changed since, by {later['role']} at"
                        f" {later['time']} ({later['command']!r}); nothing was changed"
                    )
                for part in ("added", "removed", "before"):
                    for kind, keys in later.get(part, {}).items():
                        for key in keys:
                            if (kind, key) in touched:
                                raise Conflict(
                                    f"{kind[:-1]} {key} was changed since, by {later['role']}"
                                    f" at {later['time']} ({later['command']!r}); nothing was"
                                    " changed"
                                )
        differing = self._differing(sorted({p["case"] for p in pieces} & self._unsettled.keys()))
        if differing:
            chains, states = self.chains(), self.case_states(only=differing)
            records = self.case_records(only=differing)
            for piece in pieces:
                case = piece["case"]
                if case not in differing:
                    continue
                written, touched = self.digests().get(case), _touched(piece)
                changes = hist.outside_changes(chains[case], states[case], records[case], written)
                for change in changes:
                    if (change.kind, change.id) in touched:
                        raise Conflict(
                            f"{change.kind[:-1]} {change.id} was {change.how} with SQL since;"
                            " nothing was changed"
                        )
        # A record the command moved (removed from one case's chain, added to another's,
        # or changed in another that holds it still: a person merged away from a case,
        # who has a role elsewhere) is still there, which that chain answers for.
        moved = {pair for piece in pieces for pair in _added(piece)} | _stayed(pieces)
        for piece in pieces:
            removed = {
                (k, key) for k, keys in piece.get("removed", {}).items() for key in keys
            } - moved
            for kind, records in (piece.get("after") or {}).items():
                for key, written in records.items():
                    now = self.tables()[kind].raw.get(key)
                    if now is None or _seen_in(piece["case"], kind, now) != written:
                        raise Conflict(
                            f"{kind[:-1]} {key} was changed since by another command;"
                            " nothing was changed"
                        )
            for kind, key in removed:
                if key in self.tables()[kind].raw:
                    raise Conflict(
                        f"{kind[:-1]} {key} was added again since by another command;"
                        " nothing was changed"
                    )

    def accept(self, command: str, user: str) -> dict[str, Any]:
        """Record what was changed with SQL in the cases the role writes as known, one
        entry in each case's chain, so that `verify` passes there: by the PostgreSQL
        role (not `user`, which names the account on the client). Refused while a record
        breaks the record contract, or when every case with findings is read-only to the
        role; returns the entries as one (the first case's, the state of all cases)."""
        hist.check_command(command)
        self._require_writer()
        faults = self.contract_faults()
        if faults:
            raise DatabaseError(
                f"{first_of(faults)}; a record the record contract refuses cannot be"
                " accepted: fix it with dossier or SQL, then run 'dossier verify --accept'"
                " again"
            )
        chains, states, records = self.chains(), self.case_states(), self.case_records()
        found: dict[str, tuple[list[str], list[hist.Change]]] = {}
        for key, state in states.items():
            chain, written = chains.get(key, []), self.digests().get(key)
            problems = hist.verify_chain(chain, state, records[key], None, written)
            if problems:
                changes = hist.outside_changes(chain, state, records[key], written)
                found[key] = (problems, changes)
        for key, faults in self._column_faults(self._unsettled).items():
            if key in states:
                problems, changes = found.get(key, ([], []))
                found[key] = (problems + faults, changes)
        if not found:
            raise NothingToDo(
                "nothing to accept: 'dossier verify' finds no change made outside dossier"
            )
        keys = sorted(key for key in found if not self.read_only.get(key))
        if not keys:  # what the role may only read stays for a writer to accept
            raise ReadOnly(f"read-only access to case {sorted(found)[0]}")
        cur = self.conn.cursor()
        # Accepted are the records as they are: columns changed with SQL are written
        # again from them (else stats would go on counting by what the records deny).
        self._write(cur, {}, {}, {}, self._miscolumned(keys))
        last, time = _heads(cur, keys), _entry_time(cur)
        told = _Told(command, {key: ({}, {}, {}) for key in keys})
        entries = []
        for key in keys:
            problems, changes = found[key]
            entries.append((key, hist.make_entry(
                [last[key]] if key in last else [], time=time, command=told.in_(key), added={},
                removed={}, before={}, state=states[key],
                accepted={"by": self.role, "problems": problems,
                          "changes": [change.to_dict() for change in changes]},
            )))  # fmt: skip
        _record(cur, entries, {key: states[key] for key in keys}, self._unsettled)
        named = {(c.kind, c.id): c.to_dict() for k in keys for c in found[k][1]}
        return {
            **entries[0][1],
            # Of every case read, as verify shows it (state_hash, from the states in hand).
            "state": combine({key: state.all for key, state in states.items()}),
            "accepted": {
                "by": self.role,
                "problems": [f"case {k}: {p}" for k in keys for p in found[k][0]],
                "changes": list(named.values()),  # a person in two cases, once
            },
        }

    # Commit -------------------------------------------------------------------

    def commit(self, command: str) -> dict[str, Any] | None:
        """Write what changed and one history entry per case touched; None when nothing
        changed. Returns the entry of the first case touched."""
        hist.check_command(command)
        self._require_writer()
        self._revert_alone()
        added, removed, before = self.changes()
        if not (added or removed or before):
            return None
        pieces = self._pieces(added, removed, before)
        self._writable(pieces)
        if self.scope is not None:
            unlocked = sorted(set(pieces) - set(self.scope))
            if unlocked:
                # A name the command resolved came to name someone of those cases after it
                # took its locks (an alias added meanwhile); else a command's bug (its
                # scope must name what it changes). Refused whole either way.
                raise DatabaseError(
                    f"this command came to change case(s) {', '.join(unlocked)}, which it"
                    " had not locked (a name it matched may have come to name someone"
                    " there while it ran); nothing was written: run it again"
                )
        self._unchanged_persons(before.get("persons", {}))
        chains = sorted(pieces)
        tampered = self._tampered_before(chains)
        cur = self.conn.cursor()
        _check_free(cur, added, self._vetted)
        # Small as a file counts it: by the whole command, not each case's part of it (an
        # import of 100,000 events in 1,000 cases kept them all again, 14 MB, 0.5 s).
        # A role's own chain keeps its part whenever that is small: undo's only guard
        # against another role's edit of a person in no case (_unchanged_since).
        small = sum(map(len, self.written(added, before).values())) <= hist.AFTER_LIMIT
        # A write hashes the cases it touched. A big one on a thread, while the server
        # inserts its rows (the records in memory are final by now, and only read): for
        # the 100,000-event import, 0.6 s the command no longer waits.
        places = _places(cur, removed)  # where removed rows stood, read before they go
        hashing = _Hashing(self, chains)
        if not small:
            hashing.start()
        try:
            # Events whose columns were changed with SQL are written again from their
            # records, the change kept in the entry (`tampered`).
            self._write(cur, added, removed, before, self._miscolumned(chains))
        except BaseException:
            if hashing.ident is not None:  # nothing reads the records after the command
                hashing.join()
            raise
        states = hashing.states()
        last = _heads(cur, chains)
        time, group = _entry_time(cur), uuid.uuid4().hex
        entries: list[tuple[str, dict[str, Any]]] = []
        told = _Told(command, pieces)
        for key in chains:
            a, r, b = pieces[key]
            state = states.get(key) or hist.state_hash(_EMPTY)
            entry = hist.make_entry(
                [last[key]] if key in last else [], time=time, command=told.in_(key), added=a,
                removed=r, before=b, state=state, tampered=tampered.get(key, ()),
                after=self._after(key, a, b, r) if small or key.startswith("~") else None,
                places={kind: {k: places[kind][k] for k in ids if k in places.get(kind, {})}
                        for kind, ids in r.items() if places.get(kind)},
            )  # fmt: skip
            # How many chains the command wrote: an undo that finds fewer of them (a case
            # revoked since) would take back part of it, and is refused (_revert).
            entry["group"], entry["parts"] = group, len(chains)
            entry.update(self._marker)  # undoes or redoes: the group of the command reverted
            if self.copied:
                # The source's whole state only: its cases' ids are no chain's to tell.
                entry["copied"] = {"state": self.copied["state"]}
            entry["hash"] = hist.entry_hash(entry)
            entries.append((key, entry))
        _record(cur, entries, states, self._unsettled)
        first = entries[0][1]
        # Last: a removed case takes its memberships with it, and with them the right
        # to append to its chain.
        if removed.get("cases"):
            gone = sorted(removed["cases"])
            done = cur.execute(
                "DELETE FROM dossier.cases WHERE id = ANY(%s) RETURNING id", (gone,)
            ).fetchall()
            kept = sorted(set(gone) - {row[0] for row in done})
            if kept:  # the transaction is rolled back: its events come back too
                raise ReadOnly(f"only the owner of case {kept[0]} may remove it")
        for table in self.tables().values():
            table.committed()
        return first

    def _unchanged_persons(self, written: Mapping[str, Mapping[str, Any]]) -> None:
        """Refuse to write persons (`written`: as read) whose rows this command did not lock
        before it read them, if another command changed them since: a name the command
        resolved may have come to name one of them meanwhile (an alias added), and the
        write would undo what that command did. They are locked now, and compared."""
        if self._locked_persons is None:
            return
        rows = _rows_written(written, self.persons.raw)
        unlocked = sorted(key for key in rows if key not in self._locked_persons)
        if not unlocked:
            return
        now = {
            str(key): str(version)
            for key, version in self.conn.execute(
                # NO KEY: it stops every change of the rows, and not a link's lock of
                # them (FOR KEY SHARE), which a writer elsewhere may hold while it waits
                # for this command (a review's deadlock, with a case remove).
                "SELECT id, xmin::text FROM dossier.persons WHERE id = ANY(%s)"
                " ORDER BY id FOR NO KEY UPDATE",
                (unlocked,),
            )
        }
        roles: dict[str, list[tuple[str, str]]] = {}
        for person, case, role in self.conn.execute(
            "SELECT person_id, case_id, role FROM dossier.person_cases"
            " WHERE person_id = ANY(%s) ORDER BY person_id, position",
            (unlocked,),
        ):
            roles.setdefault(str(person), []).append((str(case), str(role)))
        for key in unlocked:
            was = [(r["case"], r["role"]) for r in written[key]["roles"]]
            if now.get(key) != self._versions.get(key) or roles.get(key, []) != was:
                raise DatabaseError(
                    f"person {key} was changed by another command while this one ran;"
                    " nothing was written: run it again"
                )

    def _tampered_before(self, chains: Collection[str]) -> dict[str, list[str]]:
        """What of each case of `chains` differed, before this change, from the state its
        last entry records (changed with SQL), as a file's entry keeps it (`tampered`):
        else this write would record the changed records as its own state, and the
        change would vanish from `verify`."""
        # The marks now as well as those read: an SQL edit committed between the read
        # of the marks and that of the records is in the records read, its mark not in
        # `_unsettled` (a write reads at READ COMMITTED, one moment a statement).
        now_marked = {
            str(row[0])
            for row in self.conn.execute(
                "SELECT DISTINCT case_id FROM dossier.unsettled WHERE case_id = ANY(%s)",
                (sorted(chains),),
            )
        }
        marked = [key for key in chains if key in self._unsettled or key in now_marked]
        if not marked:
            return {}
        found: dict[str, list[str]] = {}
        chains = self.chains()
        for key, records in self._grouped(self.as_read(), marked).items():
            if key not in self._recorded:  # a case with no history: made with SQL
                found[key] = [f"case {key} held records but no history: written with SQL"]
                continue
            state = hist.state_hash(records)
            if state.all != self._recorded[key]:
                found[key] = hist.differences(chains[key], state, records, self.digests().get(key))
        for key, faults in self._column_faults(marked).items():
            found.setdefault(key, []).extend(faults)
        return found

    def _pieces(
        self,
        added: dict[str, list[str]],
        removed: dict[str, list[str]],
        before: dict[str, dict[str, Any]],
    ) -> dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """Each change split by the chains it belongs to: chain -> (added, removed,
        before), as a history entry holds them."""
        tables = self.tables()
        pieces: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}

        def piece(key: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
            return pieces.setdefault(key, ({}, {}, {}))

        def chains(kind: str, records: list[dict[str, Any] | None]) -> set[str]:
            found: set[str] = set()
            for raw in records:
                if raw is None:
                    continue
                if kind == "cases":
                    found.add(raw["id"])
                elif kind == "events":
                    found.add(raw["case"])
                else:
                    found.update(role["case"] for role in raw["roles"])
            return found or {f"~{self.role}"}

        for kind in hist.KINDS:
            now = tables[kind].raw
            for key in added.get(kind, ()):
                for chain in chains(kind, [now.get(key)]):
                    piece(chain)[0].setdefault(kind, []).append(key)
            for key, old in before.get(kind, {}).items():
                new = now.get(key)
                was, lands = chains(kind, [old]), chains(kind, [new]) if new else set()
                # A record that joins a case (an event moved, a person given a role) is
                # added to that case's chain; one that leaves it, removed from it.
                for chain in was | lands:
                    if (
                        kind == "persons"
                        and new is not None
                        and chain in was & lands
                        and self.read_only.get(chain)
                        and _seen_in(chain, kind, old) == _seen_in(chain, kind, new)
                    ):
                        # As this case sees them, unchanged (a role elsewhere is), and its
                        # chain not the role's to write: a case it only reads says nothing.
                        continue
                    a, r, b = piece(chain)
                    if chain not in was:
                        a.setdefault(kind, []).append(key)
                        continue
                    b.setdefault(kind, {})[key] = _seen_in(chain, kind, old)
                    if chain not in lands:
                        r.setdefault(kind, []).append(key)
                if kind == "cases" and new is None:
                    # A removed case's chain is hidden from everyone with its members:
                    # the remover's own chain keeps the removal, so that undo sees it.
                    _, r, b = piece(f"~{self.role}")
                    r.setdefault(kind, []).append(key)
                    b.setdefault(kind, {})[key] = old
        return pieces

    def _after(
        self,
        chain: str,
        added: Mapping[str, list[str]],
        before: Mapping[str, Mapping[str, Any]],
        left: Mapping[str, list[str]],
    ) -> dict[str, dict[str, Any]] | None:
        """The new form of what a small change wrote (see `hist.AFTER_LIMIT`), as `chain`
        keeps it: not of the records that `left` it (an event moved to another case,
        whose new form names that case; the chain it went to keeps it)."""
        tables = self.tables()
        written = self.written(added, before)
        if sum(map(len, written.values())) > hist.AFTER_LIMIT:
            return None
        kept = {
            kind: [k for k in keys if k not in left.get(kind, ())] for kind, keys in written.items()
        }
        return {
            kind: {k: _seen_in(chain, kind, tables[kind].raw[k]) for k in keys}
            for kind, keys in kept.items()
            if keys
        }

    def _write(
        self,
        cur: Cursor[Any],
        added: dict[str, list[str]],
        removed: dict[str, list[str]],
        before: dict[str, dict[str, Any]],
        repair: Collection[str] = (),
    ) -> None:
        """The rows: new and changed ones through COPY into a temporary table, then
        inserted or updated from it; removed ones deleted; links rebuilt. `repair`:
        events whose columns are written again from their records."""
        gone = {kind: set(ids) for kind, ids in removed.items()}
        changed = {
            kind: [k for k in records if k not in gone.get(kind, ())]
            for kind, records in before.items()
        }
        writing = {*added.get("events", ()), *changed.get("events", ()), *gone.get("events", ())}
        again = [k for k in repair if k not in writing and k in self.events.raw]
        self._refuse_widening(cur, again, before.get("events", {}))
        if again:
            changed["events"] = [*changed.get("events", []), *again]
        # Events go before the cases and persons they leave, after those they join.
        self._upsert(cur, "cases", added.get("cases", []), changed.get("cases", []))
        now, was = self.persons.raw, before.get("persons", {})
        self._upsert(
            cur, "persons", added.get("persons", []), changed.get("persons", []),
            rows=_rows_written(was, now),
            roles_in=_roles_changed(added.get("persons", []), was, now),
        )  # fmt: skip
        if gone.get("events"):
            events = sorted(gone["events"])
            # Their links first, in one statement: the foreign key's cascade deletes them
            # event by event, each a statement whose trigger locks its persons (keep_unlinked),
            # so two removals in two cases could take the same persons in crossed orders.
            cur.execute("DELETE FROM dossier.event_persons WHERE event_id = ANY(%s)", (events,))
            cur.execute("DELETE FROM dossier.events WHERE id = ANY(%s)", (events,))
        self._upsert(cur, "events", added.get("events", []), changed.get("events", []))
        if gone.get("persons"):
            persons = sorted(gone["persons"])
            # Only in the cases this command holds: a link made in another meanwhile stays,
            # and the person's removal is refused (no_links_left) rather than leave that
            # event naming no one.
            within = "" if self.scope is None else " AND case_id = ANY(%s)"
            cur.execute(
                f"DELETE FROM dossier.event_persons WHERE person_id = ANY(%s){within}".encode(),
                (persons,) if self.scope is None else (persons, self.scope),
            )
            done = cur.execute(
                "DELETE FROM dossier.persons WHERE id = ANY(%s) RETURNING id", (persons,)
            ).fetchall()
            _refused("persons", persons, done)

    def _refuse_widening(
        self, cur: Cursor[Any], again: Collection[str], was: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Refuse to write from its record an event whose record was changed with SQL so
        that it names a person its case has nowhere else, or (written `again`, a repair
        of its columns) takes it into another case. Any writer of the event's case may
        edit its record with SQL, one who cannot see that person or that case too; the
        links or the move would be made by this command's role, which may, and would
        show a protected witness to the case's members, or put an event into a case its
        editor cannot see."""
        if not self._held:  # no event's columns differ from its record: nearly always
            return
        events = self.events.raw
        asked: list[tuple[str, str, str]] = []
        for key in sorted(self._held.keys() & {*again, *was}):
            if key not in events:
                continue
            case, linked = self._held[key]
            if key in again and events[key]["case"] != case:
                raise CorruptDatabase(
                    f"case {case}: event {key}: its record says case {events[key]['case']},"
                    f" the server's case column {case} (changed with SQL): written again from"
                    " its record it would move there; nothing was written. Move it with"
                    f" 'dossier event edit {key} --case …', or mend the record with SQL (see"
                    " 'dossier verify')"
                )
            # Persons the record as read named (not those this command names) without a link.
            read = (was.get(key) or events[key])["persons"]
            asked.extend(
                (key, person, events[key]["case"])
                for person in sorted(set(read) & set(events[key]["persons"]) - set(linked))
            )
        if not asked:
            return
        found = cur.execute(
            "SELECT x.e, x.p FROM unnest(%s::text[], %s::text[], %s::text[]) x(e, p, c)"
            " WHERE NOT EXISTS (SELECT 1 FROM dossier.person_cases pc"
            " WHERE pc.person_id = x.p AND pc.case_id = x.c)"
            " AND NOT EXISTS (SELECT 1 FROM dossier.event_persons ep"
            " WHERE ep.person_id = x.p AND ep.case_id = x.c AND ep.event_id <> x.e)"
            " ORDER BY 1, 2 LIMIT 1",
            ([e for e, _, _ in asked], [p for _, p, _ in asked], [c for _, _, c in asked]),
        ).fetchone()
        if found is not None:
            key, person = found
            raise CorruptDatabase(
                f"case {events[key]['case']}: event {key}: its record names person {person},"
                " whom its links do not name and the case has nowhere else (changed with"
                " SQL): written from its record it would show them to the case's members;"
                f" nothing was written. Take them off with 'dossier event edit {key}"
                f" --remove-person {person}' if you see them, or mend the record with SQL (see"
                " 'dossier verify')"
            )

    def _give_roles(self, cur: Cursor[Any], only_read: list[str], changed: list[str]) -> None:
        """Write the roles of the persons in `incoming` (not in the cases `only_read`).
        The server's policy gives a person a role only by one who may change them as they
        are; its refusal, which names nothing, is said as dossier says it for an edit."""
        from psycopg import errors

        query = (
            "INSERT INTO dossier.person_cases (person_id, case_id, role)"
            " SELECT i.id, r.value->>'case', r.value->>'role' FROM incoming i,"
            " json_array_elements(i.roles) WITH ORDINALITY r(value, o)"
            " WHERE r.value->>'case' <> ALL(%s) ORDER BY i.ord, r.o ON CONFLICT"
            " (person_id, case_id, role) DO UPDATE SET position = EXCLUDED.position"
        )
        if not changed:  # persons this command adds: theirs to give (dossier.fresh_persons)
            cur.execute(query, (only_read,))
            return
        try:
            with cur.connection.transaction():  # a savepoint: asked why, if refused
                cur.execute(query, (only_read,))
        except errors.InsufficientPrivilege:
            refused = cur.execute(
                "SELECT id FROM unnest(%s::text[]) id WHERE NOT dossier.gives_role(id) ORDER BY id",
                (sorted(changed),),
            ).fetchone()
            if refused is None:
                raise
            raise ReadOnly(_PERSON_REFUSED.format(person=refused[0])) from None

    def _upsert(
        self,
        cur: Cursor[Any],
        kind: str,
        new: list[str],
        changed: list[str],
        rows: Collection[str] | None = None,
        roles_in: Collection[tuple[str, str]] = (),
    ) -> None:
        """Insert the records `new`, update the `changed` ones (of those, only the `rows`
        given: a person whose roles alone changed keeps their row), and write their
        links (a person's roles go only from the cases where they changed: `roles_in`,
        (person, case) pairs)."""
        if not new and not changed:
            return
        raw = self.tables()[kind].raw
        columns = _COLUMNS[kind]
        # For the links below: a person's roles (person_cases), an event's persons
        # (event_persons; sent apart, since reading them out of the record is the
        # server parsing each event's JSON again: 0.5 s an import of 100,000).
        extra = {"persons": ", roles json", "events": ", persons text[]"}.get(kind, "")
        cur.execute(
            f"CREATE TEMP TABLE incoming ({columns}{extra}, is_new boolean, ord integer)".encode()
        )
        names = ", ".join(column.split()[0] for column in columns.split(", "))
        loaded = names + {"persons": ", roles", "events": ", persons"}.get(kind, "")
        with cur.copy(f"COPY incoming ({loaded}, is_new, ord) FROM STDIN".encode()) as copy:
            for ord_, (key, is_new) in enumerate(
                [*((k, True) for k in new), *((k, False) for k in changed)]
            ):
                copy.write_row((*_row(kind, raw[key]), is_new, ord_))
        # Links are rebuilt below: an event's before it moves (their key names its case),
        # a person's after the update (whose policy counts the person's cases). Of a
        # changed event, only the links that go: deleting one that stays would hide a
        # person seen only through it, and the policy would refuse it back.
        if kind == "events" and changed:
            cur.execute(
                "DELETE FROM dossier.event_persons ep USING incoming i"
                " WHERE ep.event_id = i.id AND NOT i.is_new"
                " AND (ep.case_id <> i.case_id OR ep.person_id <> ALL(i.persons))"
            )
        fresh = set(new)
        # Rows an undo puts back, under the numbers they had (a case by the server, which
        # lets only its remover, whatever its entries kept of where it stood).
        restored = self._bringing if kind == "cases" else self._restored.get(kind, {})
        back = {key: n for key, n in restored.items() if key in fresh}
        picked = ", ".join(f"i.{name}" for name in names.split(", "))
        if back and kind == "cases":
            keys, numbers = zip(*back.items(), strict=True)
            cur.execute(
                "SELECT dossier.restore_case(i.id, r.n, i.record) FROM incoming i"
                " JOIN unnest(%s::text[], %s::bigint[]) r(id, n) ON r.id = i.id"
                " WHERE i.is_new ORDER BY i.ord",
                (list(keys), list(numbers)),
            )
        elif back:
            keys, numbers = zip(*back.items(), strict=True)
            cur.execute(
                f"INSERT INTO dossier.{kind} (n, {names}) OVERRIDING SYSTEM VALUE"
                f" SELECT r.n, {picked} FROM incoming i"
                " JOIN unnest(%s::text[], %s::bigint[]) r(id, n) ON r.id = i.id"
                " WHERE i.is_new ORDER BY i.ord".encode(),
                (list(keys), list(numbers)),
            )
        if new and not back:
            cur.execute(
                f"INSERT INTO dossier.{kind} ({names}) SELECT {names} FROM incoming"
                " WHERE is_new ORDER BY ord".encode()
            )
        elif len(back) < len(new):  # the others, by an anti-join: not one list each row
            cur.execute(
                f"INSERT INTO dossier.{kind} ({names}) SELECT {picked} FROM incoming i"
                " LEFT JOIN unnest(%s::text[]) r(id) ON r.id = i.id"
                " WHERE i.is_new AND r.id IS NULL ORDER BY i.ord".encode(),
                (sorted(back),),
            )
        updated = changed if rows is None else [key for key in changed if key in rows]
        if updated:
            sets = ", ".join(f"{n} = incoming.{n}" for n in names.split(", ") if n != "id")
            done = cur.execute(
                f"UPDATE dossier.{kind} t SET {sets} FROM incoming WHERE t.id = incoming.id"
                " AND NOT incoming.is_new AND incoming.id = ANY(%s) RETURNING t.id".encode(),
                (updated,),
            ).fetchall()
            _refused(kind, updated, done)
        if kind == "events":
            cur.execute(
                "INSERT INTO dossier.event_persons (event_id, person_id, case_id)"
                " SELECT i.id, p, i.case_id FROM incoming i, unnest(i.persons) p"
                + (
                    " WHERE i.is_new OR NOT EXISTS (SELECT 1 FROM dossier.event_persons ep"
                    " WHERE ep.event_id = i.id AND ep.person_id = p)"
                    if changed
                    else ""
                )
            )
        elif kind == "persons":
            # The roles as written, in their order (a new position for each); then the
            # roles a changed person no longer has go. In this order: a writer who may
            # link the person only because of a role of theirs keeps that link meanwhile.
            # Not in a case the role only reads: its roles there are as they were (and
            # not the role's to write); those in cases it cannot see are not in the list.
            only_read = sorted(case for case, flag in self.read_only.items() if flag)
            self._give_roles(cur, only_read, changed)
            if changed:
                # Only where this command changed their roles: the person's row, which
                # guards the rest, is not locked when their roles alone change.
                pairs = sorted(roles_in)
                where = [[person for person, _ in pairs], [case for _, case in pairs]]
                cur.execute(
                    "DELETE FROM dossier.person_cases p USING incoming i"
                    " WHERE p.person_id = i.id AND NOT i.is_new AND (p.person_id, p.case_id)"
                    " IN (SELECT * FROM unnest(%s::text[], %s::text[])) AND NOT EXISTS"
                    " (SELECT 1 FROM json_array_elements(i.roles) r"
                    " WHERE r->>'case' = p.case_id AND r->>'role' = p.role)",
                    where,
                )
        cur.execute("DROP TABLE incoming")


class _Told:
    """A command as the history of each case it changed keeps it.

    Whoever reads a case's chain sees its entries, command lines included (with
    dossier or with psql). A command that also changed a case the reader may not see
    (`event edit E --case witness-maria`, `person link P witness-maria`) would tell
    them of it: by that case's id, by the ids and names of what it changed only there,
    and by the values it gave a record that went there. So in a case's entry:
    - the ids of what the case's part of the change holds, the command's own words
      and its options are always kept;
    - the ids of other cases, and of what the command changed only there, never are;
    - every other word (a value, a name, a file's name, a word of the vocabularies)
      is kept unless the command changed a record this chain does not hold, moved one
      away from it, or names another case: `--role witness` in `person link P
      witness-maria --role witness` would say what P became there.
    `HIDDEN` stands for each word not kept. The role's own chain, which only that role
    reads, keeps the command whole.
    """

    HIDDEN = "(not shown)"
    # Words a command line may hold that tell nothing of a record: the commands that write.
    WORDS = frozenset(
        {"case", "person", "event", "log", "import", "add", "edit", "remove", "link",
         "unlink", "merge", "undo", "redo", "verify", "copy"}
    )  # fmt: skip

    def __init__(
        self,
        command: str,
        pieces: Mapping[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]],
    ) -> None:
        self.command = command
        self.pieces = pieces
        # Once for the whole change (an import of 100,000 events into 1,000 cases): each
        # chain below looks at its own part only.
        self.touched: set[str] = set().union(*map(_ids, pieces.values())) if pieces else set()
        self.landed = {
            key for added, _r, _b in pieces.values() for keys in added.values() for key in keys
        }
        self.cases = {key for key in pieces if not key.startswith("~")}

    @functools.cached_property
    def words(self) -> list[str] | None:
        """The command's words: split once, not for each of 1,000 chains, and only for a
        change of several chains (shlex reads 0.1 M characters a second: a 280,000-character
        description took 3 s to split for a `log` into one case, which keeps it whole)."""
        import shlex

        try:
            return shlex.split(self.command)
        except ValueError:  # never: the command line is shlex.join's
            return None

    def in_(self, chain: str) -> str:
        """The command as the entry of `chain` keeps it."""
        if chain.startswith("~") or len(self.pieces) < 2:
            return self.command
        added, removed, _before = self.pieces[chain]
        seen = _ids(self.pieces[chain])
        left = {key for keys in removed.values() for key in keys} & self.landed
        left -= {key for keys in added.values() for key in keys}
        hidden = self.cases - {chain}  # the other cases' ids (`touched` has their records')
        mine = seen | {chain}
        words = self.words
        if words is None:
            return self.HIDDEN
        values = (
            len(self.touched) == len(seen)
            and not left
            and hidden.isdisjoint(_value(word) for word in words)
        )

        def value_told(word: str) -> str:
            if word in mine or word in self.WORDS:
                return word
            if word in hidden or word in self.touched or not values:
                return self.HIDDEN
            return word

        def told(word: str) -> str:
            value = _value(word)
            if value is None:
                return word
            shown = value_told(value)
            return word if shown == value else word[: len(word) - len(value)] + shown

        kept = [told(word) for word in words]
        import shlex

        return self.command if kept == words else shlex.join(kept)

    @classmethod
    def whole(cls, told: list[str]) -> str:
        """The command again from the forms each chain kept of it, for the role that ran
        it (an undo says what it undid): as a chain kept it whole, if one did, else each
        word as some chain kept it."""
        for command in told:
            if cls.HIDDEN not in command:
                return command
        import shlex

        try:
            forms = [shlex.split(command) for command in told]
        except ValueError:  # never: each is the command line, or shlex.join's
            return told[0]
        if len({len(words) for words in forms}) != 1:
            return told[0]
        words = [
            next((w for w in column if cls.HIDDEN not in w), column[0])
            for column in zip(*forms, strict=True)
        ]
        return shlex.join(words)


def _value(word: str) -> str | None:
    """The value a word of a command line gives: the word itself, what follows `=` in
    `--place=X` or the letter in `-dTEXT` (a short option with its value in one word, as
    click reads it); None for an option alone."""
    if word.startswith("--"):
        _option, equals, value = word.partition("=")
        return value if equals else None
    if word.startswith("-"):
        return word[2:] if len(word) > 2 else None
    return word


def _ids(piece: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> set[str]:
    """The ids of the records a chain's piece of a change names (added, removed, before)."""
    added, removed, before = piece
    return {
        *(key for keys in added.values() for key in keys),
        *(key for keys in removed.values() for key in keys),
        *(key for records in before.values() for key in records),
    }


_COLUMNS = {
    "cases": "id text, record json",
    "persons": "id text, record json",
    "events": "id text, case_id text, type text, date_first date, date_last date, record json",
}
_EMPTY: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in hist.KINDS}


class _Hashing(threading.Thread):
    """The state hashes of the cases a write touched, computed on a thread of their own
    when started, else where they are asked for."""

    def __init__(self, dossier: ServerDossier, chains: list[str]) -> None:
        super().__init__(name="dossier-hash", daemon=True)
        self.dossier, self.chains = dossier, chains
        self._result: dict[str, hist.StateHash] | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._result = self.dossier.case_states(only=self.chains)
        except BaseException as error:  # noqa: BLE001 - raised again in the writer
            self._error = error

    def states(self) -> dict[str, hist.StateHash]:
        """The hashes: waited for when started, computed now otherwise."""
        if self.ident is None:
            return self.dossier.case_states(only=self.chains)
        self.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None  # a run ends with one or the other
        return self._result


class _Counting(threading.Thread):
    """The tally of a `stats` read, asked on a connection of its own that shares the
    reading transaction's snapshot, while that one reads the events."""

    def __init__(
        self,
        url: str,
        snapshot: str,
        cases: Collection[str] | None,
        read_types: Collection[str],
        as_of: datetime.date,
    ) -> None:
        super().__init__(name="dossier-tally", daemon=True)
        self.url, self.snapshot, self.as_of = url, snapshot, as_of
        self.scope = None if cases is None else sorted(set(cases))
        self.read_types = sorted(read_types)
        self.imported = threading.Event()  # it has the snapshot (`ready`), or failed
        self.ready = False
        self.go = threading.Event()  # the reader has read: count now (unless cancelled)
        self._cancelled = False
        self._result: Tally | None = None
        self._error: BaseException | None = None

    def cancel(self) -> None:
        """The read failed: count nothing."""
        self._cancelled = True
        self.go.set()

    def run(self) -> None:
        from psycopg import sql

        try:
            conn = connect(self.url)
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    conn.execute(
                        sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(self.snapshot))
                    )
                    self.ready = True
                    self.imported.set()
                    self.go.wait()
                    if self._cancelled:
                        return
                    # One server process: the other core computes the figures meanwhile.
                    conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                    self._result = self._count(conn)
            finally:
                conn.close()
        except BaseException as error:  # noqa: BLE001 - whatever it is, raised in the reader
            self._error = error
        finally:
            self.imported.set()

    def _count(self, conn: Connection[Any]) -> Tally:
        scope = "" if self.scope is None else " AND {}.case_id = ANY(%(scope)s)"
        params = {"read": self.read_types, "scope": self.scope}
        groups = conn.execute(
            "SELECT e.case_id, e.type, count(*), max(e.date_first)::text FROM dossier.events e"
            f" WHERE e.type <> ALL(%(read)s){scope.format('e')} GROUP BY 1, 2".encode(),
            params,
        ).fetchall()
        # A pre-filter only: stats decides with dates.begins_after which days are later.
        reaching = [(c, t) for c, t, _n, latest in groups if latest > self.as_of.isoformat()]
        days: dict[tuple[str, str], list[tuple[str, int]]] = {}
        if reaching:
            for case, type_, day, n in conn.execute(
                "SELECT e.case_id, e.type, e.date_first::text, count(*) FROM dossier.events e"
                " JOIN unnest(%s::text[], %s::text[]) g(c, t) ON e.case_id = g.c"
                " AND e.type = g.t GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                ([c for c, _ in reaching], [t for _, t in reaching]),
            ):
                days.setdefault((case, type_), []).append((day, n))
        named = conn.execute(
            "SELECT ep.case_id, ep.person_id, min(e.date_first)::text"
            " FROM dossier.event_persons ep JOIN dossier.events e ON e.id = ep.event_id"
            f" WHERE e.type <> ALL(%(read)s){scope.format('ep')}"
            " GROUP BY 1, 2".encode(),
            params,
        ).fetchall()
        return Tally(
            tuple((str(c), str(t), int(n), str(latest)) for c, t, n, latest in groups),
            {key: tuple(pairs) for key, pairs in days.items()},
            tuple((str(c), str(p), str(first)) for c, p, first in named),
        )

    def result(self) -> Tally:
        """The tally, or what stopped it, raised here."""
        if self._error is not None:
            raise self._error
        if self._result is None:  # never: a run ends with one or the other
            raise DatabaseError("the server's count of the events was not made")
        return self._result


def _holding(conn: Connection[Any], events: Collection[str]) -> tuple[set[str], bool]:
    """The cases that hold these events, as the role sees them: by the server's column
    and by the record (which differ after an SQL edit of the column, which the write
    repairs); and whether every one was found."""
    rows = conn.execute(
        "SELECT id, case_id, record->>'case' FROM dossier.events WHERE id = ANY(%s)",
        (sorted(set(events)),),
    ).fetchall()
    cases = {str(case) for _id, column, recorded in rows for case in (column, recorded) if case}
    return cases, len(rows) == len(set(events))


class _Moved(Exception):
    """An event is in a case not locked yet: these."""

    def __init__(self, cases: set[str]) -> None:
        super().__init__(", ".join(sorted(cases)))
        self.cases = cases


def _person_ids(conn: Connection[Any], refs: Collection[str]) -> list[str]:
    """The ids of the persons `refs` name, each resolved as the command will resolve it
    (an id, or a name or alias that names one person); one that names no one, or
    several, is left for the command to say so."""
    wanted = sorted(set(refs))
    if not wanted:
        return []
    ids = {
        str(key)
        for (key,) in conn.execute("SELECT id FROM dossier.persons WHERE id = ANY(%s)", (wanted,))
    }
    rest = [ref for ref in wanted if ref not in ids]
    if rest:
        from dossier.search import resolve_person

        people = [
            Person.from_dict(orjson.loads(text))
            for (text,) in conn.execute("SELECT record::text FROM dossier.persons")
        ]
        for ref in rest:
            with suppress(NotFound):
                ids.add(resolve_person(ref, people))
    return sorted(ids)


def _named_ids(conn: Connection[Any], names: Collection[str]) -> set[str]:
    """The ids of every person one of `names` names as a name or an alias
    (`search.name_keys`), as an import matches a person row's name (each person an
    ambiguous name may mean, and a name folded to nothing, such as "***", among them)."""
    if not names:
        return set()
    from dossier.search import name_keys, text_keys

    keys = {key for name in names for key in text_keys(name)}
    found: set[str] = set()
    for key, text in conn.execute("SELECT id, record::text FROM dossier.persons"):
        raw = orjson.loads(text)
        if not keys.isdisjoint(name_keys((raw["name"], *raw.get("aliases", ())))):
            found.add(str(key))
    return found


def _persons_cases(conn: Connection[Any], refs: Collection[str]) -> set[str]:
    """The cases (of those the role sees) that the persons `refs` name (see _person_ids)
    have a role in or are named in by an event, and every case marked as written since
    dossier recorded it: a link changed with SQL (an event's persons, or its case) is
    there, which the links may no longer show."""
    return _cases_of(conn, _person_ids(conn, refs))


def _cases_of(conn: Connection[Any], ids: Collection[str]) -> set[str]:
    """_persons_cases() of persons by id."""
    if not ids:
        return set()
    rows = conn.execute(
        "SELECT case_id FROM dossier.person_cases WHERE person_id = ANY(%(ids)s) UNION"
        " SELECT case_id FROM dossier.event_persons WHERE person_id = ANY(%(ids)s) UNION"
        " SELECT case_id FROM dossier.unsettled",
        {"ids": sorted(ids)},
    )
    return {str(case) for (case,) in rows}


def _find(conn: Connection[Any], scope: Scope, locked: bool = False) -> set[str] | None:
    """The cases and chains a write of `scope` may change; None for every case (a scope
    that names nothing, or, before the locks, an event not found that may be anywhere:
    it is looked for in every case)."""
    if scope.whole:
        return None
    found = set(scope.cases or ())
    if scope.members and found:
        # Whoever has a role in these cases has one there only while a writer holds
        # them: once locked, the list is whole.
        rows = conn.execute(
            "SELECT DISTINCT theirs.case_id FROM dossier.person_cases here"
            " JOIN dossier.person_cases theirs ON theirs.person_id = here.person_id"
            " WHERE here.case_id = ANY(%s)",
            (sorted(found),),
        ).fetchall()
        found |= {str(case) for (case,) in rows} | {f"~{_session_user(conn)}"}
    if scope.events:
        holding, complete = _holding(conn, scope.events)
        if not (complete or locked or scope.new_events):
            return None
        found |= holding
    if scope.persons is not None or scope.names:
        found |= _cases_of(
            conn, {*_person_ids(conn, scope.persons or ()), *_named_ids(conn, scope.names)}
        )
    if scope.persons is not None:
        # A person in no case is in the role's own chain, whose entries one writer at
        # a time appends.
        found.add(f"~{_session_user(conn)}")
    if scope.reverting is not None:
        # With the role's own chain, which keeps the removal of a case the reverted
        # command had added.
        role = _session_user(conn)
        found.add(f"~{role}")
        command = _next_to_revert(conn, role, scope.reverting)
        if command is not None:
            # And the cases of the persons it wrote, who may be in others now.
            group, chains = command
            found |= chains | _cases_of(conn, _persons_written(conn, role, group))
    return found


def _rows(conn: Connection[Any], scope: Scope) -> tuple[list[str], list[str]]:
    """The persons whose rows a write of `scope` locks (those it names, those the
    command it reverts wrote), and the person ids it locks (those it adds, and those)."""
    named = {*_person_ids(conn, scope.persons or ()), *_named_ids(conn, scope.names)}
    written: list[str] = []
    if scope.reverting is not None:
        role = _session_user(conn)
        command = _next_to_revert(conn, role, scope.reverting)
        written = _persons_written(conn, role, command[0]) if command else []
    return sorted({*named, *written}), sorted({*scope.adding, *written})


def _session_user(conn: Connection[Any]) -> str:
    row = conn.execute("SELECT session_user").fetchone()
    return str(row[0]) if row else ""


def _lock_scope(
    conn: Connection[Any], scope: set[str], wanted: Scope, locked: set[str] | None = None
) -> set[str]:
    """Lock the cases of `scope`, in id order, in a savepoint, then the person and event
    ids the command adds and the persons it names (their ids put in `locked`); the cases
    and chains `wanted` finds now that are not in it, after which nothing stays locked
    (empty: all locked)."""
    if locked is not None:
        locked.clear()
    try:
        with conn.transaction():  # a savepoint: what it locks is let go when rolled back
            _lock_cases(conn, scope)
            rows, ids = _rows(conn, wanted)
            if ids:
                # Two adds of one name (or id) take turns: the second finds the id taken
                # and takes the next one (-2), as it would after the first.
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(p)) FROM unnest(%s::text[]) p",
                    (PERSON_IDS, ids),
                ).fetchall()
            if wanted.new_events and wanted.events:
                # Two imports that give one new event id take turns: the second finds it
                # where the first put it (a case found below), as it would after it.
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(e)) FROM unnest(%s::text[]) e",
                    (EVENT_IDS, sorted(set(wanted.events))),
                ).fetchall()
            if rows:
                # The persons' rows too: a command that names one of them in another case
                # (a `log`, whose links lock the persons they name), or reaches one in no
                # case through its own chain, commits first and is found below, or waits
                # and then finds them changed or gone.
                conn.execute(
                    "SELECT id FROM dossier.persons WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    (rows,),
                ).fetchall()
                if locked is not None:
                    locked.update(rows)
            moved = (_find(conn, wanted, locked=True) or set()) - scope
            if moved:
                raise _Moved(moved)
    except _Moved as outside:
        return outside.cases
    return set()


def _lock_cases(conn: Connection[Any], cases: Collection[str]) -> None:
    """Lock these case ids for this transaction: their rows, and the ids themselves (a
    case not there yet has no row to lock, and two `case add` of one id would both find
    it free, the second then told it was "taken by a record you cannot see")."""
    ids = sorted(set(cases))
    conn.execute(
        "SELECT pg_advisory_xact_lock(%s, hashtext(c)) FROM unnest(%s::text[]) c", (WRITERS, ids)
    ).fetchall()
    conn.execute(
        "SELECT id FROM dossier.cases WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (ids,)
    ).fetchall()


def _heads(cur: Cursor[Any], chains: list[str]) -> dict[str, dict[str, Any]]:
    """The last entry (seq and hash) of each of these chains, as the next one follows it."""
    return {
        key: {"seq": seq, "hash": digest}
        for key, seq, digest in cur.execute(
            "SELECT DISTINCT ON (case_id) case_id, seq, hash FROM dossier.history h"
            f" WHERE case_id = ANY(%s) AND {_CURRENT} ORDER BY case_id, seq DESC",
            (chains,),
        )
    }


def _entry_time(cur: Cursor[Any]) -> str:
    """The server's time, which its trigger checks: no client dates an entry."""
    row = cur.execute("SELECT dossier.entry_time()").fetchone()
    return str(row[0]) if row else ""


def _places(cur: Cursor[Any], removed: Mapping[str, list[str]]) -> dict[str, dict[str, int]]:
    """Where the records a command removes stand (their `n`, the order they were added),
    for its entries: an undo puts them back there (a case, under the number its chain is
    kept under: the server lets only its remover give it back)."""
    found: dict[str, dict[str, int]] = {}
    for kind in hist.KINDS:
        if removed.get(kind):
            rows = cur.execute(
                f"SELECT id, n FROM dossier.{kind} WHERE id = ANY(%s)".encode(),
                (sorted(removed[kind]),),
            ).fetchall()
            found[kind] = {str(key): int(n) for key, n in rows}
    return found


def _record(
    cur: Cursor[Any],
    entries: list[tuple[str, dict[str, Any]]],
    states: Mapping[str, hist.StateHash],
    unsettled: Mapping[str, list[str]],
) -> None:
    """Append `entries` (chain, entry) to the history, record the cases' `states`, and
    clear the marks of those chains that the command read (`unsettled`) or made."""
    chains = [key for key, _entry in entries]
    # One statement each for every case (an import touches every case it names; a
    # statement a case cost an import of 1,000 cases 1.5 s, mostly policies and
    # triggers), the rows as one JSON document (arrays of text took psycopg 4 s to
    # escape, element by element).
    cur.execute(
        "INSERT INTO dossier.history (case_id, seq, command, entry, prev, hash)"
        " SELECT case_id, seq, command, entry, prev, hash FROM json_to_recordset(%s::json)"
        " AS x(case_id text, seq integer, command text, entry jsonb, prev text, hash text)",
        (orjson.dumps([
            {"case_id": key, "seq": e["seq"], "command": e["command"], "entry": e,
             "prev": e["prev"], "hash": e["hash"]}
            for key, e in entries
        ]).decode(),),
    )  # fmt: skip
    if states:
        cur.execute(
            "UPDATE dossier.cases c SET state = x.state, digests = x.digests"
            " FROM json_to_recordset(%s::json) AS x(id text, state text, digests json)"
            " WHERE c.id = x.id",
            (orjson.dumps([
                {"id": key, "state": state.all, "digests": state.digests}
                for key, state in states.items()
            ]).decode(),),
        )  # fmt: skip
    # The states just recorded include every write this command read: their marks go.
    cur.execute(
        "SELECT dossier.settle(%s, %s::xid8[])",
        (chains, sorted({x for key in chains for x in unsettled.get(key, ())})),
    )


# What dossier writes beside an event's record, from it: its case, type and date bounds
# (columns) and its links to persons (rows of event_persons).
_COLUMN_NAMES = ("case column", "type column", "first-day column", "last-day column",
                 "links to persons")  # fmt: skip


def _columns_against(
    key: str, columns: tuple[Any, ...], raw: Mapping[str, Any] | None
) -> list[str]:
    """What an event's columns say that its record `raw` does not."""
    if raw is None:  # never: every event of a marked case is read
        return []
    try:
        first, last = dates.edtf_bounds(raw["date"])
        wanted = (raw["case"], raw["type"], first, last, sorted(set(raw["persons"])))
    except (KeyError, TypeError, DossierError):
        return []  # a broken record: the record contract names it
    # In Python's order: the server's would follow the database's collation.
    have = (*columns[:4], sorted(columns[4]))
    return [
        f"event {key}: the server's {name} says {value}, its record {want} (changed with SQL)"
        for name, value, want in zip(_COLUMN_NAMES, have, wanted, strict=True)
        if value != want
    ]


def _next_to_revert(conn: Connection[Any], role: str, marker: str) -> tuple[str, set[str]] | None:
    """The command of `role` that undo (`marker` "undoes") or redo ("redoes") acts on
    next, found in the role's entries in every chain it sees: its group and the chains
    it wrote; None when there is none. A role's commands are found by group, as a
    file's are by entry (only the marks are read: a big command's entries are big)."""
    groups: dict[Any, tuple[str | None, str | None]] = {}  # group -> (undoes, redoes)
    chains: dict[Any, set[str]] = {}
    for case, group, undoes, redoes in conn.execute(
        "SELECT case_id, entry->>'group', entry->>'undoes', entry->>'redoes'"
        f" FROM dossier.history h WHERE role = %s AND {_CURRENT} AND entry ? 'group'"
        " ORDER BY time, case_id, seq".encode(),
        (role,),
    ):
        groups.setdefault(group, (undoes, redoes))
        chains.setdefault(group, set()).add(str(case))
    stacks = hist.stacks(
        [{"seq": group, "undoes": u, "redoes": r} for group, (u, r) in groups.items()]
    )
    pending = stacks.done if marker == "undoes" else stacks.undone
    if not pending:
        return None
    group = str(pending[-1])
    # With the chains of the cases it removed (hidden from everyone until it comes back).
    removed = conn.execute("SELECT dossier.removed_chains(%s)", (group,)).fetchall()
    return group, chains[pending[-1]] | {str(case) for (case,) in removed}


def _removed_entries(
    conn: Connection[Any], group: str
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The entries of the command `group` (the caller's) in the chains of cases the
    caller removed since, hidden from everyone until an undo or redo brings them back,
    and the numbers of those cases, by id."""
    entries, numbers = [], {}
    for case, n, seq, role, entry in conn.execute(
        "SELECT case_id, case_n, seq, role, entry FROM dossier.removed_entries(%s)", (group,)
    ):
        entries.append({"seq": seq, **_entry_object(entry), "case": case, "role": role})
        numbers[str(case)] = int(n)
    return entries, numbers


def _persons_written(conn: Connection[Any], role: str, group: str) -> list[str]:
    """The ids of the persons that the command `group` of `role` added, removed or
    changed, by its entries (one written with SQL may hold anything: what is not a list
    or an object of them is no one)."""
    rows = conn.execute(
        "SELECT DISTINCT x.p FROM dossier.history h CROSS JOIN LATERAL ("
        " SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(h.entry->'added'->'persons')"
        " = 'array' THEN h.entry->'added'->'persons' ELSE '[]' END) UNION"
        " SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(h.entry->'removed'->'persons')"
        " = 'array' THEN h.entry->'removed'->'persons' ELSE '[]' END) UNION"
        " SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(h.entry->'before'->'persons')"
        " = 'object' THEN h.entry->'before'->'persons' ELSE '{}' END)) x(p)"
        f" WHERE h.role = %s AND h.entry->>'group' = %s AND {_CURRENT} ORDER BY 1".encode(),
        (role, group),
    )
    return [str(person) for (person,) in rows]


def _entry_object(text: str) -> dict[str, Any]:
    """A history entry's JSON as an object (one written with SQL may be anything)."""
    value = orjson.loads(text)
    return value if isinstance(value, dict) else {"entry": value}


def _added(piece: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The records a history entry added, as (kind, id)."""
    return {(kind, key) for kind, keys in piece.get("added", {}).items() for key in keys}


def _touched(piece: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The records a history entry added, removed or changed, as (kind, id)."""
    return {
        (kind, key)
        for part in ("added", "removed", "before")
        for kind, keys in piece.get(part, {}).items()
        for key in keys
    }


def _row(kind: str, raw: dict[str, Any]) -> tuple[Any, ...]:
    if kind == "persons":  # the roles go to person_cases
        return (raw["id"], orjson.dumps({**raw, "roles": []}).decode(), _roles(raw))
    text = orjson.dumps(raw).decode()
    if kind != "events":
        return (raw["id"], text)
    first, last = dates.edtf_bounds(raw["date"])
    # Each person once (a link is one row, whatever the record repeats), as an array
    # literal: person ids are slugs, quoted so that "null" is one too (a list would be
    # formatted element by element, 0.8 s an import of 100,000 events).
    persons = ",".join(f'"{p}"' for p in dict.fromkeys(raw["persons"]))
    return (raw["id"], raw["case"], raw["type"], first, last, text, f"{{{persons}}}")


def _stayed(pieces: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The records some chain of a command changed and kept (kind, id): one another
    chain lost (a person merged away from a case, who has a role elsewhere) is still
    there."""
    return {
        (kind, key)
        for piece in pieces
        for kind, records in piece.get("before", {}).items()
        for key in records
        if key not in piece.get("removed", {}).get(kind, ())
    }


def _merged(
    pieces: list[dict[str, Any]], current: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """One command's entries in every chain as one entry: what each added, removed and
    kept, a person whole again from the roles each chain kept of them, in the order the
    person's `current` record has them (each chain keeps only its own role, so their
    order across cases is that one), roles it no longer has last."""
    first = pieces[0]
    merged: dict[str, Any] = {
        "seq": first["seq"], "case": first["case"],
        "command": _Told.whole([p["command"] for p in pieces]),
        "time": first["time"], "added": {}, "removed": {}, "before": {},
    }  # fmt: skip
    # Ids in the order first met, each once (dicts: a list's `in` made an undo of a
    # 40,000-event import take 11 s).
    ids: dict[str, dict[str, dict[str, None]]] = {"added": {}, "removed": {}}
    for piece in pieces:
        for part in ("added", "removed"):
            for kind, keys in piece.get(part, {}).items():
                ids[part].setdefault(kind, {}).update(dict.fromkeys(keys))
        for kind, placed in (piece.get("places") or {}).items():  # where removed rows stood
            merged.setdefault("places", {}).setdefault(kind, {}).update(placed)
        for kind, records in piece.get("before", {}).items():
            kept = merged["before"].setdefault(kind, {})
            for key, raw in records.items():
                # The history is jsonb, which keeps keys in its own order: put back in the
                # record's, so that exports read as a file's do.
                raw = contract.in_field_order(kind, raw)
                if kind == "persons" and key in kept:
                    roles = kept[key]["roles"]
                    raw = {**raw, "roles": [*roles, *(r for r in raw["roles"] if r not in roles)]}
                kept[key] = raw
    for part in ("added", "removed"):
        merged[part] = {kind: list(keys) for kind, keys in ids[part].items()}
    persons = merged["before"].get("persons", {})
    written = {piece["case"] for piece in pieces}
    for key, raw in persons.items():
        # Their roles in the cases whose chains the command did not write: unchanged by it.
        now = current.get(key, {})
        kept = [r for r in now.get("roles", ()) if r["case"] not in written]
        persons[key] = {**raw, "roles": _in_order([*raw["roles"], *kept], now)}
    # As one entry, as a file's: a record that was there before was changed, though it
    # joined one chain (added there) or moved between two (removed from one), or left
    # one chain and stayed in another.
    stayed = _stayed(pieces)
    for kind, records in merged["before"].items():
        joined = set(merged["added"].get(kind, ())) & records.keys()
        if joined:
            moved = joined & set(merged["removed"].get(kind, ()))
            merged["added"][kind] = [k for k in merged["added"][kind] if k not in joined]
            merged["removed"][kind] = [k for k in merged["removed"].get(kind, ()) if k not in moved]
        merged["removed"][kind] = [
            k for k in merged["removed"].get(kind, ()) if (kind, k) not in stayed
        ]
    for part in ("added", "removed"):
        merged[part] = {kind: keys for kind, keys in merged[part].items() if keys}
    return merged


def _in_order(roles: list[dict[str, str]], now: Mapping[str, Any]) -> list[dict[str, str]]:
    """`roles` in the order the record `now` has them; those it has not, last."""
    order = {(r["case"], r["role"]): n for n, r in enumerate(now.get("roles", ()))}
    return sorted(roles, key=lambda r: order.get((r["case"], r["role"]), len(order)))


def _rows_written(
    before: Mapping[str, Mapping[str, Any]], now: Mapping[str, Mapping[str, Any]]
) -> set[str]:
    """Of the persons changed (`before`: as read), those whose row changes (removed, or
    their record beyond its roles: a role is a row of person_cases, its case's)."""
    return {
        key
        for key, old in before.items()
        if key not in now or {**old, "roles": []} != {**now[key], "roles": []}
    }


def _roles_changed(
    new: Collection[str],
    before: Mapping[str, Mapping[str, Any]],
    now: Mapping[str, Mapping[str, Any]],
) -> set[tuple[str, str]]:
    """(person, case): the cases in which the persons `new`, or those changed (`before`:
    as read), have roles now that they had not, or had roles they have not now."""
    found = {(key, role["case"]) for key in new for role in now[key]["roles"]}
    for key, old in before.items():
        was = {(r["case"], r["role"]) for r in old["roles"]}
        is_ = {(r["case"], r["role"]) for r in now[key]["roles"]} if key in now else set()
        found.update((key, case) for case, _role in was ^ is_)
    return found


def _seen_in(chain: str, kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """A record as a case's chain keeps it: a person with their roles in that case only,
    as every member of the case sees them (a role's own chain, '~ROLE', keeps them all);
    any other record whole."""
    if kind != "persons" or chain.startswith("~"):
        return raw
    return {**raw, "roles": [r for r in raw["roles"] if r["case"] == chain]}


def _roles(raw: Mapping[str, Any]) -> str:
    return orjson.dumps(raw["roles"]).decode()


_PERSON_REFUSED = (
    "person {person} is in a case you may not change: changing a person takes every case"
    " they have a role in, and removing them every case that names them"
)


def _refused(kind: str, wanted: list[str], done: list[tuple[Any, ...]]) -> None:
    """An update or delete the server's policies left undone: said, never silent."""
    missing = sorted(set(wanted) - {row[0] for row in done})
    if not missing:
        return
    if kind == "persons":
        raise ReadOnly(_PERSON_REFUSED.format(person=missing[0]))
    raise ReadOnly(f"{kind[:-1]} {missing[0]} may not be changed by you")


def _check_free(
    cur: Cursor[Any], added: dict[str, list[str]], vetted: Collection[str] = ()
) -> None:
    """New ids must be free, also of records the role cannot see (only that an id is
    taken is ever learned of them); `vetted`: event ids the server said were free in
    this command (one taken meanwhile is refused by the insert)."""
    asked = (
        # The role sees no case with these ids: any taken is another's.
        ("taken_case_ids", added.get("cases", []),
         "case id {} is already taken on the server, by a case you cannot see; choose"
         " another"),
        ("taken_event_ids", [key for key in added.get("events", ()) if key not in vetted],
         "event id {} is already taken on the server; choose another (an id made by"
         " dossier: run the command again)"),
    )  # fmt: skip
    for function, ids, said in asked:
        if ids:
            taken = cur.execute(f"SELECT dossier.{function}(%s)".encode(), (ids,)).fetchone()
            if taken is not None:
                raise Duplicate(said.format(taken[0]), "id")
    persons = added.get("persons", [])
    if persons:  # the role sees none of them (else they would not be added): as for cases
        taken = cur.execute(
            "SELECT p FROM unnest(%s::text[]) WITH ORDINALITY AS a(p, o)"
            " WHERE p IN (SELECT dossier.taken_person_ids(p)) ORDER BY o LIMIT 1",
            (persons,),
        ).fetchone()
        if taken is not None:
            raise Duplicate(
                f"person id {taken[0]} is already taken on the server, by a person you cannot"
                " see; choose another",
                "id",
            )


def mark_changed(url: str) -> list[str]:
    """As the database owner, right after an upgrade adds the marks: hash every case
    once and mark those whose records differ from their last entry's state (changed
    with SQL before there were marks, which a read would otherwise not hash); their ids."""
    dossier = ServerDossier.load(url)
    changed = dossier._differing(list(dossier.cases.raw))
    if changed:
        conn = connect(url)
        try:
            with server_errors(url), conn.transaction():
                conn.execute(
                    "INSERT INTO dossier.unsettled (case_id) SELECT unnest(%s::text[])"
                    " ON CONFLICT DO NOTHING",
                    (changed,),
                )
        finally:
            conn.close()
    return changed


def _lets_in(url: str) -> bool:
    """Whether the role `url` connects as is a dossier user (False when that cannot be
    asked: the server is no longer there)."""
    import psycopg

    try:
        with connect(url) as conn:
            row = conn.execute(
                "SELECT pg_has_role(session_user, %s, 'MEMBER')", (GROUP,)
            ).fetchone()
    except (DatabaseError, psycopg.Error):
        return False
    return bool(row and row[0])


@contextmanager
def _transaction(conn: Connection[Any], url: str) -> Iterator[None]:
    """A write's transaction. A connection lost during its COMMIT leaves the outcome
    unknown, and is said so: the server may have committed it (it had, in a review,
    when restarted while the COMMIT waited for a standby), and a command run again
    would then be written twice."""
    import psycopg

    committing = False
    try:
        with conn.transaction():
            yield
            committing = True
    except psycopg.Error:
        if not committing or not conn.broken:
            raise  # before the COMMIT, or refused by the server: nothing was written
        raise DatabaseError(
            f"lost the connection to {where(url)} while committing; the command may or may"
            " not have been written: see 'dossier history' before running it again"
        ) from None


@contextmanager
def _waiting(url: str) -> Iterator[None]:
    """Where a write waits for the locks of its cases: a statement cancelled there by
    the role's statement_timeout ended a wait for another command, as dossier's own
    lock_timeout does."""
    from psycopg import errors

    try:
        yield
    except errors.QueryCanceled:
        raise _busy(url) from None


def _busy(url: str) -> DatabaseBusy:
    """A wait for another command that the server's statement_timeout ended."""
    return DatabaseBusy(
        f"database is busy: another dossier command holds its cases on {where(url)} (the"
        " server's statement_timeout for your role ended the wait); try again"
    )


@contextmanager
def server_errors(url: str) -> Iterator[None]:
    """The server's errors as one line each: busy (exit 3), refused, lost."""
    import psycopg
    from psycopg import errors

    try:
        yield
    except errors.LockNotAvailable:
        from dossier.storage import lock_timeout

        raise DatabaseBusy(
            f"database is busy: another dossier command holds its cases on {where(url)}"
            f" (waited {lock_timeout():g} s, DOSSIER_LOCK_TIMEOUT); try again"
        ) from None
    except errors.QueryCanceled as exc:
        # The role's statement_timeout (ALTER ROLE … SET), not a lost connection.
        if any(line.startswith("while ") for line in (exc.diag.context or "").splitlines()):
            raise _busy(url) from None  # waiting for a row another command holds
        raise DatabaseError(
            f"the server cancelled a statement of this command ({exc.diag.message_primary});"
            " nothing of this command was written"
        ) from None
    except errors.DeadlockDetected:
        raise DatabaseBusy(
            f"database is busy: this command and another on {where(url)} each waited for"
            " what the other held, and the server stopped this one; try again"
        ) from None
    except errors.UniqueViolation as exc:
        # The server leaves out which key (its detail) from a table under row-level
        # security: the id is another's, one the role cannot see. The table says its kind.
        detail = (exc.diag.message_detail or "").replace("Key (id)=", "")
        kind = {"cases": "a case ", "persons": "a person ", "events": "an event "}.get(
            exc.diag.table_name or "", "an "
        )
        raise Duplicate(
            f"{kind}id this command adds is already taken on the server {detail}".rstrip()
            + ("" if detail else ", by a record you cannot see")
            # An event id dossier drew was free when drawn: another command took it since.
            + (
                "; choose another (an id made by dossier: run the command again)"
                if kind == "an event "
                else "; choose another"
            ),
            "id",
        ) from None
    except errors.InsufficientPrivilege as exc:
        # Not always a role left out: a policy refuses a dossier user's row the same way
        # (access revoked while the command ran). Which one, the server says apart.
        hint = (
            "your access to a case it writes may have changed while it ran: see 'dossier"
            " access list'"
            if _lets_in(url)
            else "a role that is not a dossier user yet needs 'dossier server add-user ROLE',"
            " run by the database owner"
        )
        raise DatabaseError(
            f"the server refused: {exc.diag.message_primary}; nothing of this command was"
            f" written ({hint})"
        ) from None
    except psycopg.Error as exc:
        # A lost connection has no SQLSTATE (the client saw it go), a connection class
        # one (08), or the server's shutdown's (57P); any other OperationalError (a
        # serialization failure, a full disk) is the server refusing, on a connection
        # that still works.
        state = exc.sqlstate or ""
        if isinstance(exc, psycopg.OperationalError) and state[:2] in ("", "08", "57"):
            raise DatabaseError(
                f"lost the connection to {where(url)} ({' '.join(str(exc).split())[:200]});"
                " nothing of this command was written"
            ) from None
        if exc.sqlstate == CONFIDENTIAL:  # a policy of dossier's: said as its own
            raise ReadOnly(f"{exc.diag.message_primary}; nothing was changed") from None
        raise DatabaseError(
            f"the server refused ({type(exc).__name__}: {exc.diag.message_primary});"
            " nothing of this command was written"
        ) from None
