"""What an import may change, read from its rows before the dossier is opened.

A server locks and reads only the cases a write names (`dossier.scope.Scope`),
so that a small import into one case neither waits for nor stops the writers of
the others, nor reads the whole server. The rows name those cases: a case row
its id, an event row its case (and, by its id, the case that holds the event
now, which it may move), a person row the cases of its roles, and the person
itself (id or name), whose other cases the server finds. Persons an event row
names are not changed by it; those `--create-missing` may add are person ids to
lock. A row too bad to read here is refused by the import anyway, so it names
nothing. An import that names many cases or persons takes the whole server, as
it did before: each name is a lock held until the import commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress

from dossier.io.importer import role_pairs
from dossier.io.read import Parsed, Row
from dossier.io.values import RowError, Values
from dossier.model import slugify
from dossier.scope import Scope

# Names (cases, events, persons, ids added) beyond which an import takes the whole
# server: a lock each, in a lock table that PostgreSQL sizes at 64 a connection.
MOST_NAMES = 256


def import_scope(parsed: Sequence[Parsed], create_missing: bool) -> Scope | None:
    """The Scope of an import of these rows; None (every case) when it names more than
    MOST_NAMES cases, events and persons."""
    cases: set[str] = set()
    events: set[str] = set()
    persons: set[str] = set()
    names: set[str] = set()
    adding: set[str] = set()
    for one in parsed:
        for row in one.rows:
            with suppress(RowError):
                _named(row, create_missing, cases, events, persons, names, adding)
            if len(cases) + len(events) + len(persons) + len(names) + len(adding) > MOST_NAMES:
                return None
    return Scope(
        cases=sorted(cases),
        events=sorted(events),
        # A person named is changed: their cases too, and the role's own chain (a person
        # in no case, as those --create-missing adds are).
        persons=sorted(persons) if persons or names or adding else None,
        names=sorted(names),
        adding=sorted(adding),
        new_events=True,
    )


def _named(
    row: Row,
    create_missing: bool,
    cases: set[str],
    events: set[str],
    persons: set[str],
    names: set[str],
    adding: set[str],
) -> None:
    """Add what one row names to the sets."""
    v = Values(row, None)
    if row.kind == "case":
        _add(cases, [v.text("id")])
    elif row.kind == "event":
        _add(cases, [v.text("case")])
        _add(events, [v.text("id")])
        if create_missing:
            _add(adding, [slugify(ref) for ref in v.list("persons")])
    elif row.kind == "person":
        # By id, or by name: the importer matches a name to the person it names or
        # aliases, never to one whose id it is.
        given, name = v.text("id"), v.text("name")
        _add(persons, [given])
        _add(names, [None if given else name])
        _add(adding, [given or (slugify(name) if name else None)])
        _add(cases, [case for case, _role in role_pairs(v)])


def _add(names: set[str], values: Iterable[str | None]) -> None:
    names.update(value for value in values if value)
