"""The Dossier: what makes a TinyDB file a dossier, read once and committed once.

A command opens the file with `Dossier.load` (no lock: the file is replaced
atomically, so a reader always sees a whole state) or with `Dossier.edit`,
which holds the writer's lock from the read to the write. Either way the file
is read once; tables are plain dicts in memory, converted to records only when
asked for, and `edit` writes at most once, with one history entry, when
something changed.

File layout (a valid TinyDB database): tables `meta` (one document:
format, schema version, `head` (the last entry's hash) and `tail` (the SHA-256
of the file's bytes after meta)), `cases`, `persons`, `events` and `history`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from dossier import contract
from dossier import history as hist
from dossier.errors import (
    AlteredFile,
    CorruptDatabase,
    DatabaseError,
    NewerSchema,
    NothingToDo,
    PassphraseError,
    first_of,
)
from dossier.keys import check_keys
from dossier.model import Case, Event, Person, now_iso
from dossier.storage import check_path, parse_json, read_raw, write_atomic, write_lock
from dossier.store.records import Outside, Records, Table, paused_gc

if TYPE_CHECKING:
    from dossier.crypto import FileKey
    from dossier.keys import Keys

FORMAT_NAME = "dossier"
SCHEMA_VERSION = 1
# MIGRATIONS[n] turns a raw file of schema n into schema n + 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
KINDS = hist.KINDS


class Dossier(Records):
    """One dossier file, in memory. Records live in `cases`, `persons`, `events`."""

    path: Path

    def __init__(
        self, path: Path, data: Any, raw: bytes | None = None, strict: bool = True
    ) -> None:
        """`raw`: the file's bytes, to tell whether dossier wrote them as they are;
        `strict`: refuse records of the wrong shape (else list them in `damage`)."""
        self.path = path
        self.migrated_from: int | None = None
        new = data is None
        data = self._check(data)
        self.meta: dict[str, Any] = _first_doc(data.get("meta")) or {}
        self.cases: Table[Case] = Table("cases", Case, _by_id(path, data, "cases"), path)
        self.persons: Table[Person] = Table("persons", Person, _by_id(path, data, "persons"), path)
        self.events: Table[Event] = Table("events", Event, _by_id(path, data, "events"), path)
        self.history: list[dict[str, Any]] = _history(path, data.get("history") or {})
        self._marker: dict[str, int] = {}
        # Whether the records and history are byte for byte as dossier last wrote them
        # (true of a new file). If so, every record passed the record contract when it
        # was written, and the records are those the last entry hashed; if not, both
        # are looked at.
        self._as_written = new or (
            raw is not None and self.migrated_from is None and _as_written(raw, self.meta)
        )
        self._outside: list[str] | None = None
        # The key of an encrypted file (see crypto.py): a write seals with it again.
        self.key: FileKey | None = None
        self.damage: list[str] = [] if self._as_written else self._shape_faults()
        if self.damage and strict:
            raise CorruptDatabase(
                f"{path}: {first_of(self.damage)} (the file was edited outside dossier;"
                " see 'dossier verify')"
            )

    @classmethod
    def load(
        cls,
        path: str | Path,
        must_exist: bool = False,
        strict: bool = True,
        keys: Keys | None = None,
    ) -> Dossier:
        """Read a dossier without locking. A missing file is an empty dossier, or with
        `must_exist` an error; what is not a regular file is refused unopened; a record
        of the wrong shape is an error, unless not `strict` (for `verify`). An encrypted
        file is opened with `keys` (default: `Keys.from_environment()`)."""
        check_keys(keys)
        real = real_path(path)
        if check_path(real) is None:
            if must_exist:
                raise _no_dossier(path)
            return cls(real, None)
        return cls._read(real, keys, strict)

    @classmethod
    def _read(cls, path: Path, keys: Keys | None, strict: bool = True) -> Dossier:
        """The dossier in the file at `path` (decrypted with `keys` when encrypted)."""
        raw, key = read_raw(path), None
        if not raw.strip() and keys is not None and path.exists() and keys.offered(path):
            # Opened with a passphrase or an unlock: an encrypted dossier cut to nothing (a
            # sync gone wrong, say), not an empty one to begin, whose next write is plain.
            raise AlteredFile(
                f"{path} is empty, though a passphrase or an unlock was given: an encrypted"
                " dossier cut to nothing? Nothing was read or written; restore it from a"
                " backup, or remove the empty file to begin a new dossier there"
            )
        from dossier.crypto import is_encrypted, unseal

        # A plain dossier begins with "{"; an encrypted one with its magic, which names it
        # even with its first byte damaged to "{" (then said to be damaged, not bad JSON).
        if not raw.startswith(b"{") or is_encrypted(raw):
            raw, key = unseal(raw, path, keys)
        with paused_gc():
            dossier = cls(path, parse_json(raw, path), raw, strict)
        dossier.key = key
        return dossier

    @classmethod
    @contextmanager
    def edit(
        cls,
        path: str | Path,
        command: str,
        create_folders: bool = True,
        keys: Keys | None = None,
        must_exist: bool = False,
    ) -> Iterator[Dossier]:
        """Lock, read, yield the dossier to change, then commit once (if anything changed).

        A missing file is created by the commit, and its missing folders with
        `create_folders` (else they are an error), unless `must_exist` (a change that
        only edits or removes records, which a new dossier has none of). What is not
        a regular file is refused before anything is created beside it. An encrypted
        file is opened with `keys` and written encrypted again.
        """
        hist.check_command(command)
        check_keys(keys)
        given, path = path, real_path(path)
        missing = check_path(path) is None
        if missing:
            if must_exist:
                raise _no_dossier(given)
            folder_for(path, create_folders)
        elif not _plain(path):
            from dossier import crypto
            from dossier.keys import Keys

            keys = keys or Keys.from_environment()
            crypto.prepare(path, keys)  # a passphrase is typed before the lock is taken
        with write_lock(path) as lock:
            try:
                dossier = cls._read(path, keys)
            except (DatabaseError, PassphraseError):
                # Nothing is left beside a refused file. The type of the path was checked
                # before the lock was taken (a stat costs nothing), but its content is
                # only read under the lock: reading a large file twice on every write
                # would cost time. So a lock file made for a file refused here is
                # removed again (only if this hold made it: see HeldLock.discard).
                lock.discard()
                raise
            try:
                with dossier._change(command):
                    yield dossier
            finally:
                if missing and check_path(path) is None:
                    # A write that wrote nothing where no dossier was (a mistyped --db
                    # with 'undo' or 'case edit') leaves no lock file behind either.
                    lock.discard()

    def _shape_faults(self) -> list[str]:
        """Records of the wrong shape, as 'event ID: field: message' (the record contract's
        shape: keys, types, dates, words), for a file that dossier did not write as it is."""
        return [
            fault
            for kind, table in self.tables().items()
            for fault in contract.shape_report(kind, table.raw.items())
        ]

    def _check(self, data: Any) -> dict[str, Any]:
        """Refuse what is not a dossier; migrate an older schema in memory."""
        if data is None:
            return {"meta": {"1": {"format": FORMAT_NAME, "schema": SCHEMA_VERSION}}}
        meta = _first_doc(data.get("meta")) if isinstance(data, dict) else None
        if not meta or meta.get("format") != FORMAT_NAME:
            raise CorruptDatabase(
                f"{self.path} is not a dossier database; it was left untouched"
                " (choose another file with --db)"
            )
        schema = meta.get("schema")
        if not isinstance(schema, int) or schema < 1:
            raise CorruptDatabase(f"{self.path} has an invalid schema version {schema!r}")
        if schema > SCHEMA_VERSION:
            raise NewerSchema(
                f"{self.path} was written by a newer version of dossier (schema {schema};"
                f" this one reads up to {SCHEMA_VERSION}): upgrade dossier to open it"
            )
        if schema < SCHEMA_VERSION:
            self.migrated_from = schema
            for version in range(schema, SCHEMA_VERSION):
                data = MIGRATIONS[version](data)
            _first_doc(data["meta"])["schema"] = SCHEMA_VERSION  # type: ignore[index]
        return data  # type: ignore[no-any-return]

    def history_count(self) -> int:
        """How many history entries the file holds."""
        return len(self.history)

    def history_before_copy(self) -> int:
        """Every entry: a file's history is one chain, and a file whose records were all
        removed still holds them there (a removed one's every field): a copy after them
        would not begin its own history, and would hand on what was removed."""
        return self.history_count()

    def state_hash(self) -> hist.StateHash:
        """The hash of every record now in memory."""
        return hist.state_hash({kind: t.raw for kind, t in self.tables().items()})

    def commit(self, command: str) -> dict[str, Any] | None:
        """Write the file once with a new history entry; None when nothing changed."""
        hist.check_command(command)
        self._revert_alone()
        added, removed, before = self.changes()
        if not (added or removed or before):
            return None
        tampered = self._tampered_before()
        state = self.state_hash()
        entry = hist.make_entry(
            self.history,
            time=now_iso(),
            command=command,
            added=added,
            removed=removed,
            before=before,
            state=state,
            undoes=self._marker.get("undoes"),
            redoes=self._marker.get("redoes"),
            tampered=tampered,
            after=self._after(added, before, removed),
            places=self.places(removed),
            copied=self.copied,
        )
        return self._append(entry, state)

    def _after(
        self,
        added: dict[str, list[str]],
        before: dict[str, dict[str, Any]],
        removed: dict[str, list[str]],
    ) -> dict[str, dict[str, Any]] | None:
        """The new form of what a small change wrote (see `hist.AFTER_LIMIT`)."""
        written = self.written(added, before)
        if sum(map(len, written.values())) > hist.AFTER_LIMIT:
            return None
        tables = self.tables()
        return {
            kind: {k: tables[kind].raw[k] for k in keys} for kind, keys in written.items() if keys
        }

    def _append(self, entry: dict[str, Any], state: hist.StateHash) -> dict[str, Any]:
        """Add an entry to the history and write the file."""
        self._require_writer()
        self.history.append(entry)
        self.meta.update(format=FORMAT_NAME, schema=SCHEMA_VERSION, head=entry["hash"])
        self.meta["digests"] = state.digests
        if self.migrated_from is not None and self.path.exists():
            stamp = entry["time"].replace(":", "").replace("-", "")
            write_atomic(
                self.path.with_name(f"{self.path.name}.bak-{stamp}"), self.path.read_bytes()
            )
        parts = self._file_parts()
        write_atomic(self.path, parts if self.key is None else self.key.seal(parts))
        for table in self.tables().values():
            table.committed()
        return entry

    def _tampered_before(self) -> list[str]:
        """What differed, before this change, from the state the last entry records.

        A file edited by hand no longer verifies; without this, the next write would
        hash the edited records into a fresh entry and the edit would vanish. The
        entry keeps the finding instead, so `verify` still reports it.
        """
        if not self.history:
            if self._as_written:  # a new file: nothing was there to edit
                return []
            held = any(self.as_read().values())
            return ["the file held records but no history: written by hand"] if held else []
        last = self.history[-1]
        findings = []
        if self.meta.get("head") not in (None, last.get("hash")):
            findings.append(f"the history had been cut after entry {last.get('seq')}")
        if self._as_written:  # so the records are those the last entry hashed
            return findings
        tables = self.as_read()
        previous = hist.state_hash(tables)
        if previous.all == last.get("state"):
            return findings
        return findings + hist.differences(self.history, previous, tables, self.meta.get("digests"))

    def file_bytes(self) -> bytes:
        """The file as dossier writes it, in plaintext."""
        return b"".join(self._file_parts())

    def _file_parts(self) -> tuple[bytes, memoryview]:
        """The file: meta first, then records and history, whose digest meta keeps.

        The digest lets the next write see in one pass over the bytes that
        nobody edited the file since (see `_as_written`); only when they differ
        does it hash every record to find out what was edited.
        """
        rest: dict[str, Any] = {}
        for kind, table in self.tables().items():
            rest[kind] = _documents(table.raw.values())
        rest["history"] = _documents(self.history)
        tail = memoryview(orjson.dumps(rest))[1:]  # '"cases":{…},…,"history":{…}}'
        self.meta[TAIL] = hashlib.sha256(tail).hexdigest()
        return _meta_prefix(self.meta), tail

    # History ----------------------------------------------------------------

    def undo(self) -> dict[str, Any]:
        """Revert the newest change not yet undone; returns the entry it reverts."""
        self._may_revert()
        done = hist.stacks(self.history).done
        if not done:
            accepted = [e["seq"] for e in self.history if "accepted" in e]
            raise NothingToDo(
                f"nothing to undo since entry #{accepted[-1]}, which accepted changes made"
                " outside dossier: undo does not go back past it"
                if accepted
                else "nothing to undo"
            )
        return self._revert(done[-1], "undoes")

    def redo(self) -> dict[str, Any]:
        """Re-apply the newest undone change; returns the undo entry it reverts."""
        self._may_revert()
        undone = hist.stacks(self.history).undone
        if not undone:
            raise NothingToDo("nothing to redo")
        return self._revert(undone[-1], "redoes")

    def _revert(self, seq: int, marker: str) -> dict[str, Any]:
        entry = next(e for e in self.history if e["seq"] == seq)
        if entry_problems(entry):
            raise CorruptDatabase(
                f"{self.path}: history entry {seq} was edited outside dossier, so it cannot be"
                " reverted; see 'dossier verify'"
            )
        self.put_back([entry], f"history entry {seq}")
        self._marker = {marker: seq}
        self._reverting(f"{'undid' if marker == 'undoes' else 'redid'} history entry {seq}")
        return entry

    def undone(self) -> set[int]:
        """The seqs of the entries whose effect is taken back now (undone, not redone)."""
        commands = [(e["seq"], e.get("undoes"), e.get("redoes")) for e in self.history]
        return hist.taken_back(commands)[0]

    def find_state(self, state: str, cases: Collection[str] = ()) -> hist.Sighting | None:
        """When the records were last in `state` (see `history.find_state`); the hash of
        a file covers every record, whatever `cases` a report showed. Current only if
        the records hash to it now: an edit by hand writes no entry."""
        # Else the state of the source it was copied from, as the source hashed it.
        sighting = hist.find_state(self.history, state) or hist.find_copied(
            self.history, state, cases
        )
        # A file as dossier wrote it holds the records its last entry hashed (as verify
        # knows too): hashed again only when it was edited since.
        if sighting is not None and sighting.current and not self._as_written:
            recorded = self.history[-1]["state"]  # current: the last entry's
            return dataclasses.replace(sighting, current=self.state_hash().all == recorded)
        return sighting

    def verify(self) -> list[str]:
        """Problems with the history chain and the records; [] when the file is sound.

        Records of the wrong shape (`damage`) and records the record contract
        refuses are problems too: `accept` never takes them in.
        """
        tables = {kind: t.raw for kind, t in self.tables().items()}
        if self.damage:
            return [f"{problem} (fix it by hand, or restore a backup)" for problem in self.damage]
        problems = hist.verify_chain(
            self.history, self.state_hash(), tables, self.meta.get("head"), self.meta.get("digests")
        )
        return problems + [
            f"{fault} (fix it by hand, or restore a backup: 'verify --accept' will not take it)"
            for fault in self.contract_faults()
        ]

    def outside(self) -> Outside | None:
        """What was changed outside dossier and not yet accepted; None when nothing was.

        Cheap for a file as dossier wrote it (a walk over the history for writes
        made over an edit that no `accept` settled); otherwise a full `verify`.
        """
        if self._outside is None:
            self._outside = self.verify() if not self._as_written else hist.pending(self.history)
            if (
                self._as_written
                and self.history
                and self.meta.get("head")
                not in (
                    None,
                    self.history[-1].get("hash"),
                )
            ):
                self._outside.append(hist.TRUNCATED)
        if not self._outside:
            return None
        return Outside(self._since(), tuple(self._outside))

    def _since(self) -> int:
        """The last history entry that the dossier is known to have matched."""
        seqs = [int(e["seq"]) - 1 for e in self.history if e.get("tampered")]
        for entry in self.history:
            if "accepted" in entry and not entry_problems(entry):
                seqs = [n for n in seqs if n >= entry["seq"]]
        last = int(self.history[-1]["seq"]) if self.history else 0
        return min(seqs, default=last)

    def accept(self, command: str, user: str) -> dict[str, Any]:
        """Record the changes made outside dossier as known, so that `verify` passes.

        Refused while a record breaks the record contract (fix it first); the
        entry lists what was accepted, by whom and when.
        """
        hist.check_command(command)
        faults = self.contract_faults()
        if faults:
            raise DatabaseError(
                f"{self.path}: {first_of(faults)}; a record the record contract refuses cannot"
                " be accepted: fix it by hand, or restore a backup, then run"
                " 'dossier verify --accept' again"
            )
        problems = self.verify()
        if not problems:
            raise NothingToDo(
                "nothing to accept: 'dossier verify' finds no change made outside dossier"
            )
        tables = {kind: t.raw for kind, t in self.tables().items()}
        state = self.state_hash()
        # Always: after a write over the change, the state matches the last entry, but
        # records added or removed outside dossier are still unaccounted for.
        changes = hist.outside_changes(self.history, state, tables, self.meta.get("digests"))
        entry = hist.make_entry(
            self.history,
            time=now_iso(),
            command=command,
            added={},
            removed={},
            before={},
            state=state,
            accepted={
                "by": user,
                "problems": problems,
                "changes": [change.to_dict() for change in changes],
            },
        )
        return self._append(entry, state)


def entry_problems(entry: dict[str, Any]) -> bool:
    """Whether an entry's own hash is wrong (it was edited outside dossier)."""
    return hist.entry_hash(entry) != entry.get("hash")


TAIL = "tail"  # the meta key of the digest of everything after meta


def _documents(records: Collection[Any]) -> dict[str, Any]:
    """A TinyDB table: the records as documents "1", "2", … (built in C: 100,000 of them)."""
    return dict(zip(map(str, range(1, len(records) + 1)), records, strict=True))


def _meta_prefix(meta: dict[str, Any]) -> bytes:
    """'{"meta":{"1":{…}},': how a file written by dossier begins."""
    return b'{"meta":' + orjson.dumps({"1": meta}) + b","


def _as_written(raw: bytes, meta: dict[str, Any]) -> bool:
    """Whether everything after meta is byte for byte what the last write produced.

    One SHA-256 over the bytes, against hashing every record: a hand edit,
    or a rewrite by another program, makes it False, never a false True.
    """
    digest = meta.get(TAIL)
    prefix = _meta_prefix(meta)
    if not isinstance(digest, str) or not raw.startswith(prefix):
        return False
    return hashlib.sha256(memoryview(raw)[len(prefix) :]).hexdigest() == digest


# What every history entry holds, and of which JSON type: checked on load, so that
# undo, verify and history meet no entry they cannot read.
_ENTRY = {"seq": int, "time": str, "command": str, "added": dict, "removed": dict,
          "before": dict, "prev": str, "state": str, "hash": str}  # fmt: skip


def _history(path: Path, docs: Any) -> list[dict[str, Any]]:
    """The history entries in order; CorruptDatabase naming the first damaged one."""
    if not isinstance(docs, dict) or not all(str(k).isdigit() for k in docs):
        raise CorruptDatabase(
            f"{path}: the history table is damaged (its documents are not numbered);"
            " the file was edited outside dossier and was left untouched"
        )
    entries = [docs[k] for k in sorted(docs, key=int)]
    for position, entry in enumerate(entries, 1):
        wrong = (
            [f for f, kind in _ENTRY.items() if not isinstance(entry.get(f), kind)]
            if isinstance(entry, dict)
            else ["the whole entry"]
        )
        if wrong:
            raise CorruptDatabase(
                f"{path}: history entry {position} is damaged ({', '.join(wrong)});"
                " the file was edited outside dossier and was left untouched"
            )
    return entries


def _plain(path: Path) -> bool:
    """Whether the file at `path` begins as dossier writes a plain file ('{'): one byte
    read, so that a plain dossier never loads the encryption code."""
    try:
        with path.open("rb") as file:
            return file.read(1) == b"{"
    except OSError:
        return True  # the read under the lock says what is wrong


def real_path(path: str | Path) -> Path:
    """The file a path names, through symbolic links: a link to a dossier must lock and
    replace the dossier itself, not the link."""
    return Path(os.path.realpath(path))


def folder_for(path: Path, create: bool) -> None:
    """The folder of a new dossier file: made (with its parents) when `create`, else it
    must exist, so that a mistyped folder is an error rather than a new dossier."""
    folder = path.parent
    if folder.is_dir():
        return
    if not create:
        raise DatabaseError(
            f"no folder {folder} for the database {path}; create the folder first,"
            " or check the path"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create folder {folder}: {exc.strerror}") from None


def _first_doc(table: Any) -> dict[str, Any] | None:
    if isinstance(table, dict):
        for doc in table.values():
            if isinstance(doc, dict):
                return doc
    return None


# What every stored record must have to be found by its id; the rest of its shape is
# the record contract's (`Dossier._shape_faults`).
REQUIRED = {kind: frozenset({"id"}) for kind in ("cases", "persons", "events")}


def _by_id(path: Path, data: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    docs = data.get(kind) or {}
    if not isinstance(docs, dict):
        raise CorruptDatabase(f"{path}: table {kind!r} is not a JSON object")
    required = REQUIRED[kind]
    records: dict[str, dict[str, Any]] = {}
    try:
        # Only a JSON object has an "id" to give, REQUIRED's one key: what passes is a
        # record with one. The ids' type is checked in C (map, set): cheap on 1,000,000.
        records = {doc["id"]: doc for doc in docs.values()}
        sound = len(records) == len(docs) and set(map(type, records)) <= {str}
    except (KeyError, TypeError, AttributeError):
        sound = False
    if not sound:
        _damage(path, kind, docs.values(), required)
    return records


def _damage(path: Path, kind: str, docs: Iterable[Any], required: frozenset[str]) -> None:
    """Raise CorruptDatabase naming the first damaged record of a table."""
    seen: set[str] = set()
    for doc in docs:
        ident = doc.get("id") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or not doc.keys() >= required:
            missing = sorted(k for k in required if not isinstance(doc, dict) or k not in doc)
            problem = f"lacks {', '.join(missing)}"
        elif not isinstance(ident, str):
            problem = "has an id that is not text"
        elif ident in seen:
            problem = "has the same id as another record"
        else:
            seen.add(ident)
            continue
        raise CorruptDatabase(
            f"{path}: a record in table {kind!r} ({ident!r}) {problem}; the file was edited by"
            " hand and was left untouched"
        )


def _no_dossier(path: str | Path) -> DatabaseError:
    """The error for a dossier file that is not there (a mistyped --db, most often)."""
    return DatabaseError(
        f"no dossier at {path}; check the path, or start one there with a write"
        " command such as 'dossier case add'"
    )
