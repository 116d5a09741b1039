"""The store: where a dossier's records live, behind one interface.

Two implementations: the file (store/file.py, the embedded default: one TinyDB
JSON file, plain or encrypted) and a PostgreSQL server (store/server.py, for a
team). Both read what a command needs into `Records` (store/records.py), let
`ops` change it in memory and commit once; analysis, reports and the record
contract never know which one they hold. `open_store` and `edit_store` pick the
implementation by what they are given: a path, or a `postgresql://` URL.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.scope import Scope
from dossier.server import connect
from dossier.store.records import Outside, Records, Table, paused_gc

if TYPE_CHECKING:
    from dossier.keys import Keys
    from dossier.store.file import Dossier, folder_for, real_path
    from dossier.store.server import ServerDossier


def __getattr__(name: str) -> Any:
    # The file store (TinyDB, the lock, the storage) is imported when first asked
    # for: a command on a server never needs it.
    if name in ("Dossier", "folder_for", "real_path"):
        from dossier.store import file

        return getattr(file, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Dossier",
    "Outside",
    "Records",
    "Scope",
    "Table",
    "edit_store",
    "folder_for",
    "is_server",
    "open_store",
    "paused_gc",
    "real_path",
]


def is_server(where: str | Path) -> bool:
    """Whether `where` names a PostgreSQL server (postgresql://, postgres://), not a file."""
    return isinstance(where, str) and connect.is_server(where)


def open_store(
    where: str | Path,
    *,
    cases: Collection[str] | None = None,
    keys: Keys | None = None,
    must_exist: bool = True,
    strict: bool = True,
    whole: bool = False,
    read_types: Collection[str] | None = None,
    as_of: datetime.date | None = None,
    persons: Collection[str] | None = None,
    events: Collection[str] | None = None,
    counts: bool = False,
    scope: Scope | None = None,
) -> Dossier | ServerDossier:
    """Read a dossier without locking: a file (encrypted ones with `keys`; a missing
    one is empty unless `must_exist`; one with damaged records refused if `strict`),
    or what the connected role sees on a server (only the events of `cases`, when
    given; its history too, in the same snapshot, if `whole`, as `verify` needs).

    `read_types`: the event types the command reads one by one; a server may count the
    others into `tally` (as of `as_of`) instead of sending them. Without `cases`, a
    server reads the events of the cases `persons` (ids, names or aliases) have a role
    in or are named in, or that hold `events`; with `counts`, it counts every case's
    events for `event_counts` (with `cases=[]`, reading none); with a `scope`, the cases
    a write of it would lock (`Scope`). A file reads them all."""
    if is_server(where):
        from dossier.store.server import ServerDossier

        return ServerDossier.load(
            str(where), cases, whole=whole, read_types=read_types, as_of=as_of,
            persons=persons, events=events, counts=counts, scope=scope, strict=strict,
        )  # fmt: skip
    from dossier.store.file import Dossier

    return Dossier.load(where, must_exist=must_exist, strict=strict, keys=keys)


@contextmanager
def edit_store(
    where: str | Path,
    command: str,
    *,
    scope: Scope | None = None,
    keys: Keys | None = None,
    create_folders: bool = True,
    must_exist: bool = False,
) -> Iterator[Dossier | ServerDossier]:
    """One locked change, committed when the block ends (nothing is written when it
    raises): a file, or a server's records (with a `scope`, only the cases the change
    may touch: see `Scope`). A new file's missing folders are made with
    `create_folders`, else they are an error; a missing file is one with `must_exist`."""
    if is_server(where):
        from dossier.store.server import ServerDossier

        with ServerDossier.edit(str(where), command, scope) as server:
            yield server
        return
    from dossier.store.file import Dossier

    with Dossier.edit(
        where, command, create_folders=create_folders, keys=keys, must_exist=must_exist
    ) as file:
        yield file
