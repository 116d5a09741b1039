"""What a write names, from which a server finds the cases it locks and reads.

Here, apart from the stores, so that a command can say what it will change
without importing them at start-up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """What one write names, from which a server finds the cases it locks and reads
    (a file is locked and read whole, whatever the scope): `cases`; the cases that hold
    `events` (ids); those where `persons` (ids, names or aliases) have a role or are
    named, with the role's own chain `~ROLE` (a person in no case); for an undo or redo
    (`reverting`: "undoes" or "redoes"), the chains of the command it acts on; with
    `members`, the other cases of the persons with a role in `cases` (a case removed
    takes their roles there). `adding`: person ids the command may add (an id, or the id
    a name gives), locked so that two adds of one name take turns. An event of `events`
    that is not found reads every case (what the command is told names the ids it may
    have meant), unless `new_events`: ids an import brings, new where not found (they
    are locked, so that two imports of one new id take turns). `names`: names of persons
    the write may change (an import's person rows without an id), each locking every
    person it names as a name or alias (`search.name_keys`), whoever else has it as an
    id. A scope that
    names nothing is every case."""

    cases: Collection[str] | None = None
    events: Collection[str] | None = None
    persons: Collection[str] | None = None
    reverting: str | None = None
    members: bool = False
    adding: Collection[str] = ()
    new_events: bool = False
    names: Collection[str] = ()

    @property
    def whole(self) -> bool:
        """Every case: the scope names no case, event, person or command."""
        return (self.cases, self.events, self.persons, self.reverting) == (None, None, None, None)
