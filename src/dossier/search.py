"""Name folding and matching, so a person can be named however it was typed.

`fold` turns a name in any script into a comparison key: lower case, no
diacritics, transliterated to Latin, punctuation and spacing normalised.
Fuzzy similarity only ever *suggests*; it never picks a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from dossier.errors import NotFound
from dossier.model import Person

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """A comparison key: 'Алексанян' and 'Aleksanyan' fold alike."""
    from anyascii import anyascii

    return _NON_ALNUM.sub(" ", anyascii(text).lower()).strip()


def person_keys(person: Person) -> set[str]:
    """The folded forms of a person's name and aliases."""
    return {fold(n) for n in (person.name, *person.aliases)} - {""}


def suggest(query: str, choices: Mapping[str, str], limit: int = 3) -> list[str]:
    """Keys of `choices` (key -> text) whose text is closest to `query`."""
    from rapidfuzz import fuzz, process, utils

    hits = process.extract(
        fold(query),
        {key: fold(text) for key, text in choices.items()},
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit * 3,
        score_cutoff=70,
    )
    ordered = dict.fromkeys(key for _text, _score, key in hits)
    return list(ordered)[:limit]


def resolve_person(ref: str, persons: Iterable[Person]) -> str:
    """The id of the one person `ref` names (an id, or a name or alias after folding)."""
    people = list(persons)
    for person in people:
        if person.id == ref:
            return ref
    key = fold(ref)
    matches = [p for p in people if key and key in person_keys(p)]
    if len(matches) == 1:
        return matches[0].id
    if matches:
        names = ", ".join(f"{p.id} ({p.name})" for p in matches)
        raise NotFound(f"{ref!r} names several persons: {names}; give the id")
    choices = {p.id: p.name for p in people}
    choices.update({f"{p.id}\0{a}": a for p in people for a in p.aliases})
    close = dict.fromkeys(key.split("\0")[0] for key in suggest(ref, choices))
    by_id = {p.id: p for p in people}
    hint = ""
    if close:
        hint = " (did you mean " + " or ".join(f"{i} ({by_id[i].name})" for i in close) + "?)"
    raise NotFound(f"no person {ref!r}{hint}; see 'dossier person list'")
