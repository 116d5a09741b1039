"""Name folding, matching and search, so that a person is found however typed.

Russian names reach a dossier in Cyrillic and in many transliterations
(Khodorkovsky, Khodorkovskii, Chodorkowski, Ходорковский). `fold` turns a
name into a comparison key: Latin letters (anyascii, the soft and hard signs as
usually spelled: `model.latin`), lower case, no
diacritics or punctuation, and the common transliteration variants made alike
(x/ks, kh/ch/h, w/v, j/y, yu/iu, ya/ia, yo/e after a consonant, a final
-iy/-ii/-y), with the words
sorted so that "Алексанян Василий" and "Vasily Aleksanyan" agree.

Those variants are of transliterations: a name written in Cyrillic has one
spelling, and folding it would make different letters alike (Щукин and Шукин,
Быкова and Бикова, Алла and Ала). So text with Cyrillic letters names a person
by their Cyrillic names as written (`spelled`), and by folding only a person
who has none; `name_keys` and `text_keys` say this once, for every place that
matches a name to a person.

An exact key match may name a person; fuzzy similarity (rapidfuzz) only ever
suggests: it never picks a person, because a dossier must not attach an event
to the wrong human being.
"""

from __future__ import annotations

import re
import unicodedata
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
        # Shchedrin, Schedrin: one letter (Щ), kept apart from sh (Ш), which the next
        # line would make of it (s-h-h): Shchukin and Shukin are two names.
        (r"shch|sch", "shq"),
        (r"kh|ch|h", "h"),  # Khodorkovsky, Chodorkowski, Hodorkovsky
        (r"w", "v"),  # Chodorkowski, Khodorkovski
        (r"ij$|iy$|yi$|ii$|y$", "i"),  # Vasiliy, Vasily, Vasilij; -skii, -skiy, -sky
        (r"^e|(?<=[aeiou])e", "ye"),  # Evgeny, Yevgeny (a leading or vowel-following e)
        (r"j", "y"),  # Jewgienij, Yevgeny
        # Ё after a consonant, as English (Pyotr, Fyodor, Artyom) and German (Fjodor)
        # write it, and as e (Petr, Fedor, Artem): Cyrillic text already takes ё for е.
        (r"(?<=[bcdfghklmnpqrstvz])yo", "e"),
        (r"y(?=[aeiou])", "i"),  # Yakov/Iakov, Yuri/Iurii
        (r"y", "i"),
        # Doubled letters: Lebedeff/Lebedev are not merged, but Vassily is. Never digits:
        # "Cell 11" is not "Cell 1", nor "Agent 07" "Agent 007".
        (r"([a-z])\1", r"\1"),
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


_CYRILLIC = re.compile("[\u0400-\u0481\u048a-\u052f]")  # the letters, not the signs
# A stress mark on a vowel (Плато́н): help for a reader, not a letter; so is a grave
# accent made one with its vowel (ѐ, ѝ). Not the breve of й nor the dots of ё, which
# make letters (ё is е all the same), nor an accent that follows no vowel (ѓ, ќ).
_STRESS = re.compile("(?<=[аеёиоуыэюяієї])[\u0300\u0301]")
_PLAIN = str.maketrans({"ё": "е", "ѐ": "е", "ѝ": "и"})
_NON_WORD = re.compile(r"[\W_]+")
# Tags a key by which text with Cyrillic letters finds, by folding, a person who has
# no Cyrillic name. Folded keys are [a-z0-9 ] and spelled ones hold a Cyrillic
# letter, so no key of one kind equals a key of another.
_BY_FOLDING = "\0"


def cyrillic(text: str) -> bool:
    """Whether `text` has a Cyrillic letter (and names persons as `name_keys` says)."""
    return _CYRILLIC.search(text) is not None


@lru_cache(maxsize=65536)
def spelled(text: str) -> str:
    """A Cyrillic name's key: its letters as written, but for case, the dots of ё, stress
    marks, punctuation and the words' order: 'Щукин, Пётр' is 'петр щукин', 'Шукин' another."""
    text = _STRESS.sub("", unicodedata.normalize("NFC", text).lower()).translate(_PLAIN)
    return " ".join(sorted(_NON_WORD.sub(" ", text).split()))


def name_keys(known: Iterable[str]) -> set[str]:
    """The keys of one person, `known` by these names (their name and aliases): a text names
    them when one of its `text_keys` is among these.

    Latin text names them when it folds as one of their names does. Text with Cyrillic
    letters names them when it is one of their Cyrillic names as written (`spelled`);
    only if they have none, when it folds as one of their names does: a Cyrillic name
    has one spelling, and its near misses (Шукин for Щукин) are other people's names.
    """
    known = tuple(known)
    keys = {fold(n) for n in known}
    written = [spelled(n) for n in known if cyrillic(n)]
    keys.update(written or [_BY_FOLDING + key for key in keys])
    return keys


@lru_cache(maxsize=65536)
def text_keys(text: str) -> tuple[str, ...]:
    """The keys by which `text` looks for the persons it names (see `name_keys`)."""
    if cyrillic(text):
        return spelled(text), _BY_FOLDING + fold(text)
    return (fold(text),)


def text_names(text: str, known: Iterable[str]) -> bool:
    """Whether `text` names the person known by `known` (their name and aliases)."""
    known = tuple(known)
    if text in known:  # as the keys would say, without making them
        return True
    keys = name_keys(known)
    return any(key in keys for key in text_keys(text))


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


def placeholder(text: str) -> bool:
    """Text that folds to nothing ("—", "***", "?", a soft hyphen): a spreadsheet's "no
    one" or a redaction, never a name to look a person up by (two persons called "***"
    are two people)."""
    return not fold(text)


def named_no_one(ref: str) -> str:
    """What is said of a placeholder given where a person is."""
    return f"{ref!r} names no one (it has no letter or digit); leave it out, or give an id"


def several_persons(ref: str, named: Iterable[tuple[str, str]]) -> str:
    """What is said of a name that names several persons, (id, name) each."""
    listed = ", ".join(f"{key} ({name})" for key, name in named)
    return f"{ref!r} names several persons: {listed}; give the id"


def resolve_person(ref: str, persons: Iterable[Person]) -> str:
    """The id of the one person `ref` names (an id, or a name or alias after folding)."""
    people = list(persons)
    for person in people:
        if person.id == ref:
            return ref
    if placeholder(ref):
        raise NotFound(named_no_one(ref))
    matches = [p for p in people if text_names(ref, (p.name, *p.aliases))]
    if len(matches) == 1:
        return matches[0].id
    if matches:
        raise NotFound(several_persons(ref, ((p.id, p.name) for p in matches)))
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
    return Lookalikes(persons, threshold).of(name)


class Lookalikes:
    """The persons' names folded once, for the names of many new persons (an import's
    rows): folding 3,000 persons' names again for each of 3,000 rows took a minute."""

    def __init__(self, persons: Iterable[Person], threshold: float = 88) -> None:
        self.threshold = threshold
        self.choices = [(p, n) for p in persons for n in (p.name, *p.aliases)]
        # Folded names have their words in order already: their ratio is the
        # token_sort_ratio of the names, without sorting 3,000 of them for each new one.
        self.folded = [fold(n) for _person, n in self.choices]
        # Word -> the names that hold it, for the names a new one's words are all in.
        self.holding: dict[str, set[int]] = {}
        for index, text in enumerate(self.folded):
            for word in text.split():
                self.holding.setdefault(word, set()).add(index)

    def of(self, name: str) -> list[Lookalike]:
        """The persons `name` may duplicate, closest first."""
        from rapidfuzz import fuzz, process

        if placeholder(name):  # "—" is like "?" to the scorer: no name, no lookalike
            return []
        key = fold(name)
        hits = process.extract(
            key, self.folded, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=None
        )
        # One name's words all among the other's, two words at least: a patronymic added
        # or left out, as court rulings write names ("Василий Станиславович Алексанян"
        # beside "Василий Алексанян"), which the ratio above puts at 70.
        words = set(key.split())
        sharing = set().union(*(self.holding.get(w, set()) for w in words)) if words else set()
        for index in sorted(sharing):
            other = set(self.folded[index].split())
            fewer, more = sorted((words, other), key=len)
            if len(fewer) >= 2 and fewer < more:
                hits.append((self.folded[index], max(self.threshold, 90.0), index))
        best: dict[str, Lookalike] = {}
        for _text, score, index in hits:
            person, matched = self.choices[index]
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
            # The query as part of a longer text; a text shorter than the query as a
            # whole (partly, a note "n" matched "Ivan Kozlov" at 89).
            scorer = (
                fuzz.partial_token_sort_ratio if len(folded) >= len(key) else fuzz.token_sort_ratio
            )
            score = min(89.0, float(scorer(key, folded)))
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
