"""The records: frozen dataclasses, converted explicitly at the storage boundary.

Lists are tuples in memory and lists in JSON; absent optional values are None
(`null` in JSON). Dates are EDTF strings (see `dates.py`).
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dossier.contract import SLUG
from dossier.errors import InvalidValue

# Event ids: short, easy to read aloud and to type (no 0/o, 1/l/i); 31 letters.
_EVENT_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
EVENT_ID_LENGTH = 6


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601 with a Z."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_slug(value: str, what: str) -> str:
    """Return `value` if it is a valid id, else raise InvalidValue saying why."""
    if not SLUG.match(value):
        raise InvalidValue(
            f"{what} {value!r} is not a valid id: use lower-case letters, digits and"
            " hyphens, starting with a letter or digit (e.g. 'aleksanyan')"
        )
    return value


# The soft and hard signs: anyascii writes them as an apostrophe, which split a name in
# two ("Ol'ga", "Vasil'eva"), so that no usual spelling of it matched. Before е, ё or и
# they are said as й (Васильева: Vasilyeva, Соловьёв: Solovyev, Ильин: Ilyin); before
# я, ю and elsewhere they are dropped (Дарья: Darya, Ольга: Olga, Игорь: Igor).
_SIGN_SAID = re.compile("[ьъЬЪ](?=[еёиЕЁИ])")
_SIGN = re.compile("[ьъЬЪ]")


def latin(text: str) -> str:
    """Text in Latin letters, as ids and name matching read it (anyascii, signs said as
    their spellings usually have them, and apostrophes dropped: in "Vasil'eva" or
    "O'Brien" one marks a sound, not the end of a word)."""
    from anyascii import anyascii

    return anyascii(_SIGN.sub("", _SIGN_SAID.sub("й", text))).replace("'", "")


def slugify(name: str) -> str:
    """An id from a name in any script: 'Василий Алексанян' -> 'vasiliy-aleksanyan'."""
    slug = re.sub(r"[^a-z0-9]+", "-", latin(name).lower()).strip("-")
    return slug or "person"


# Ids need to be unique, not secret: a fast generator seeded from the OS is enough,
# and an import of 100,000 events makes 100,000 of them.
_ids = random.Random(secrets.randbits(128))
# Random bytes to id letters in one C call (bytes.translate), as `b % 31` would.
_LETTERS = bytes(ord(_EVENT_ID_ALPHABET[b % 31]) for b in range(256))


def new_event_ids(count: int, *taken: Collection[str]) -> list[str]:
    """`count` short random event ids, in none of `taken` nor repeated, in ascending order.

    Ascending, so that the records of one import, made in the order they are
    given ids, lie in memory in the order the state hash reads them, sorted by
    id (measured: the hash of a 100,000-event import in half the time).
    """
    fresh: set[str] = set()
    while len(fresh) < count:
        text = _ids.randbytes((count - len(fresh)) * EVENT_ID_LENGTH).translate(_LETTERS).decode()
        batch = {text[at : at + EVENT_ID_LENGTH] for at in range(0, len(text), EVENT_ID_LENGTH)}
        for ids in taken:
            if ids:
                batch = {candidate for candidate in batch if candidate not in ids}
        fresh |= batch
    return sorted(fresh)


def new_event_id(*taken: Collection[str]) -> str:
    """A short random event id in none of `taken`."""
    return new_event_ids(1, *taken)[0]


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(value) if value else ()


@dataclass(frozen=True, slots=True)
class Case:
    """A prosecution or detention case."""

    id: str
    title: str
    summary: str | None = None
    jurisdiction: str | None = None
    status: str = "open"
    charges: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    created: str = ""
    updated: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "jurisdiction": self.jurisdiction,
            "status": self.status,
            "charges": list(self.charges),
            "tags": list(self.tags),
            "sources": list(self.sources),
            "created": self.created,
            "updated": self.updated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        """Build from the JSON form."""
        return cls(
            id=data["id"],
            title=data["title"],
            summary=data.get("summary"),
            jurisdiction=data.get("jurisdiction"),
            status=data.get("status") or "open",
            charges=_tuple(data.get("charges")),
            tags=_tuple(data.get("tags")),
            sources=_tuple(data.get("sources")),
            created=data.get("created") or "",
            updated=data.get("updated") or "",
        )


@dataclass(frozen=True, slots=True)
class Role:
    """A person's part in one case."""

    case: str
    role: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"case": self.case, "role": self.role}


@dataclass(frozen=True, slots=True)
class Person:
    """A human being who appears in one or more cases."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    born: str | None = None
    died: str | None = None
    nationality: str | None = None
    organizations: tuple[str, ...] = ()
    notes: str | None = None
    sources: tuple[str, ...] = ()
    confidential: bool = False
    roles: tuple[Role, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "born": self.born,
            "died": self.died,
            "nationality": self.nationality,
            "organizations": list(self.organizations),
            "notes": self.notes,
            "sources": list(self.sources),
            "confidential": self.confidential,
            "roles": [r.to_dict() for r in self.roles],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Person:
        """Build from the JSON form."""
        return cls(
            id=data["id"],
            name=data["name"],
            aliases=_tuple(data.get("aliases")),
            born=data.get("born"),
            died=data.get("died"),
            nationality=data.get("nationality"),
            organizations=_tuple(data.get("organizations")),
            notes=data.get("notes"),
            sources=_tuple(data.get("sources")),
            confidential=bool(data.get("confidential", False)),
            roles=tuple(Role(r["case"], r["role"]) for r in data.get("roles") or ()),
        )

    def cases(self) -> tuple[str, ...]:
        """The ids of the cases this person has a role in, without repeats."""
        return tuple(dict.fromkeys(r.case for r in self.roles))


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in a case, on a (partial) date."""

    id: str
    case: str
    type: str
    date: str
    end: str | None = None
    persons: tuple[str, ...] = ()
    place: str | None = None
    country: str | None = None
    description: str | None = None
    sources: tuple[str, ...] = ()
    outcome: str | None = None
    term: str | None = None
    note: str | None = None
    confidential: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "case": self.case,
            "type": self.type,
            "date": self.date,
            "end": self.end,
            "persons": list(self.persons),
            "place": self.place,
            "country": self.country,
            "description": self.description,
            "sources": list(self.sources),
            "outcome": self.outcome,
            "term": self.term,
            "note": self.note,
            "confidential": self.confidential,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Build from the JSON form."""
        # Positional and with one lookup per field: statistics build 100,000 of these.
        get = data.get
        return cls(
            data["id"],
            data["case"],
            data["type"],
            data["date"],
            get("end"),
            tuple(get("persons") or ()),
            get("place"),
            get("country"),
            get("description"),
            tuple(get("sources") or ()),
            get("outcome"),
            get("term"),
            get("note"),
            bool(get("confidential", False)),
        )


Record = Case | Person | Event


@dataclass(frozen=True, slots=True)
class Tally:
    """Events counted, not read one by one: what a server sends for `stats` in place of
    the events of types that no figure reads (docs/server.md).

    `groups`: (case, type, how many, the latest earliest day among them); `days`: for
    each group whose latest earliest day the store found after the as-of date, its
    (earliest day, how many) pairs; `named`: (case, person, the earliest earliest day of
    those events that name the person). Days are ISO strings, as stored dates are.
    """

    groups: tuple[tuple[str, str, int, str], ...] = ()
    days: Mapping[tuple[str, str], tuple[tuple[str, int], ...]] = field(default_factory=dict)
    named: tuple[tuple[str, str, str], ...] = ()


__all__ = ["Case", "Event", "Person", "Record", "Role", "Tally", "replace"]
