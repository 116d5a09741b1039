"""Name folding, matching and search, so that a person is found however typed.

Russian names reach a dossier in Cyrillic and in many transliterations
(Khodorkovsky, Khodorkovskii, Chodorkowski, Ходорковский). `fold` turns a
name into a comparison key: Latin letters (anyascii, the soft and hard signs as
usually spelled: `model.latin`), lower case, no
diacritics or punctuation, and the common transliteration variants made alike
(x/ks, kh/ch/h, w/v, j/y, yu/iu, ya/ia, a final -iy/-ii/-y), with the words
sorted so that "Алексанян Василий" and "Vasily Aleksanyan" agree.

An exact key match may name a person; fuzzy similarity (rapidfuzz) only ever
suggests: it never picks a person, because a dossier must not attach an event
to the wrong human being.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from dossier.errors import NotFound
from dossier.model import Case, Event, Person, latin

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Applied in order to each word; each line makes one family of spellings alike.
_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"x", "ks"),  # Alexanyan, Aleksanyan
        (r"shch|sch", "shch"),  # Shchedrin, Schedrin
        (r"kh|ch|h", "h"),  # Khodorkovsky, Chodorkowski, Hodorkovsky
        (r"w", "v"),  # Chodorkowski, Khodorkovski
        (r"ij$|iy$|yi$|ii$|y$", "i"),  # Vasiliy, Vasily, Vasilij; -skii, -skiy, -sky
        (r"^e|(?<=[aeiou])e", "ye"),  # Evgeny, Yevgeny (a leading or vowel-following e)
        (r"j", "y"),  # Jewgienij, Yevgeny
        (r"y(?=[aeiou])", "i"),  # Yakov/Iakov, Yuri/Iurii
        (r"y", "i"),
        (r"(.)\1", r"\1"),  # doubled letters: Lebedeff/Lebedev are not merged, but Vassily is
    )
)


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """One word's key."""
    for pattern, replacement in _VARIANTS:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """A comparison key: 'Алексанян Василий' and 'Vasily Aleksanyan' fold alike."""
    words = _NON_ALNUM.sub(" ", latin(text).lower()).split()
    return " ".join(sorted(fold_word(w) for w in words))


def person_keys(person: Person) -> set[str]:
    """The folded forms of a person's name and aliases."""
    return {fold(n) for n in (person.name, *person.aliases)} - {""}


def suggest(query: str, choices: Mapping[str, str], limit: int = 3) -> list[str]:
    """Keys of `choices` (key -> text) whose text is closest to `query`."""
    from rapidfuzz import fuzz, process

    hits = process.extract(
        fold(query),
        {key: fold(text) for key, text in choices.items()},
        scorer=fuzz.WRatio,
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


@dataclass(frozen=True, slots=True)
class Lookalike:
    """An existing person whose name or alias is the same as, or close to, a new name."""

    person: Person
    matched: str
    score: float


def lookalikes(name: str, persons: Iterable[Person], threshold: float = 88) -> list[Lookalike]:
    """Persons a new name may duplicate: the same key, or nearly the same name."""
    from rapidfuzz import fuzz, process

    people = list(persons)
    choices = [(person, n) for person in people for n in (person.name, *person.aliases)]
    hits = process.extract(
        fold(name),
        [fold(n) for _person, n in choices],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=threshold,
        limit=None,
    )
    best: dict[str, Lookalike] = {}
    for _text, score, index in hits:
        person, matched = choices[index]
        if person.id not in best or score > best[person.id].score:
            best[person.id] = Lookalike(person, matched, float(score))
    return sorted(best.values(), key=lambda found: -found.score)


# Search ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: which record, which field, how well it matched."""

    kind: str
    id: str
    score: float
    field: str
    text: str

    def to_dict(self) -> dict[str, object]:
        """The JSON form (search --json)."""
        return {"kind": self.kind, "id": self.id, "score": self.score, "field": self.field,
                "text": self.text}  # fmt: skip


def _fields(
    cases: Iterable[Case], persons: Iterable[Person], events: Iterable[Event]
) -> Iterable[tuple[str, str, str, str]]:
    """(kind, id, field, text) for every searchable text."""
    for case in cases:
        yield "case", case.id, "id", case.id
        yield "case", case.id, "title", case.title
        if case.summary:
            yield "case", case.id, "summary", case.summary
    for person in persons:
        yield "person", person.id, "name", person.name
        for alias in person.aliases:
            yield "person", person.id, "alias", alias
    for event in events:
        for field_name in ("description", "place", "note"):
            value = getattr(event, field_name)
            if value:
                yield "event", event.id, field_name, value


def search(
    query: str,
    cases: Iterable[Case],
    persons: Iterable[Person],
    events: Iterable[Event],
    *,
    kind: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Ranked hits: exact and folded matches first (100, 90), then fuzzy ones (< 90)."""
    from rapidfuzz import fuzz

    wanted = query.strip().lower()
    key = fold(query)
    key_words = set(key.split())
    best: dict[tuple[str, str], Hit] = {}
    for record_kind, record_id, field_name, text in _fields(cases, persons, events):
        if kind is not None and record_kind != kind:
            continue
        folded = fold(text)
        if wanted and wanted in text.lower():
            score = 100.0
        elif key and (folded == key or key_words <= set(folded.split())):
            score = 90.0
        elif len(key) >= 5:
            # Fuzzy only for queries long enough to mean something; always below exact.
            score = min(89.0, float(fuzz.partial_token_sort_ratio(key, folded)))
            if score < 80:
                continue
        else:
            continue
        hit = Hit(record_kind, record_id, round(score, 1), field_name, text)
        current = best.get((record_kind, record_id))
        if current is None or hit.score > current.score:
            best[(record_kind, record_id)] = hit
    order = {"person": 0, "case": 1, "event": 2}
    hits = sorted(best.values(), key=lambda h: (-h.score, order[h.kind], h.id))
    return hits[:limit] if limit > 0 else hits
