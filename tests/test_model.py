"""Records: JSON round trips, slugs, ids."""

from __future__ import annotations

import re

import orjson
from hypothesis import given
from hypothesis import strategies as st

from dossier.model import Case, Event, Person, Role, new_event_id, new_event_ids, slugify
from dossier.vocab import EVENT_TYPES, ROLES, STATUSES

texts = st.text(max_size=30)
opt_texts = st.none() | texts
slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
lists = st.lists(texts, max_size=4).map(tuple)
dates = st.none() | st.sampled_from(["2003", "2003-10", "2003-10-25", "2008~", "2009?"])

cases = st.builds(
    Case, id=slugs, title=texts, summary=opt_texts, jurisdiction=opt_texts,
    status=st.sampled_from(STATUSES), charges=lists, tags=lists, sources=lists,
    created=texts, updated=texts,
)  # fmt: skip
persons = st.builds(
    Person, id=slugs, name=texts, aliases=lists, born=dates, died=dates, nationality=opt_texts,
    organizations=lists, notes=opt_texts, sources=lists, confidential=st.booleans(),
    roles=st.lists(st.builds(Role, case=slugs, role=st.sampled_from(ROLES)), max_size=3).map(tuple),
)  # fmt: skip
events = st.builds(
    Event, id=slugs, case=slugs, type=st.sampled_from(list(EVENT_TYPES)), date=st.sampled_from(
        ["2003", "2003-10", "2003-10-25"]), end=dates, persons=lists, place=opt_texts,
    country=opt_texts, description=opt_texts, sources=lists, outcome=opt_texts, term=opt_texts,
    note=opt_texts, confidential=st.booleans(),
)  # fmt: skip


@given(st.one_of(cases, persons, events))
def test_json_round_trip(record: Case | Person | Event) -> None:
    data = orjson.loads(orjson.dumps(record.to_dict()))
    assert type(record).from_dict(data) == record


def test_event_json_keys_are_the_documented_ones() -> None:
    event = Event(id="k3f9q2", case="aleksanyan", type="arrest", date="2006-04-06")
    assert list(event.to_dict()) == [
        "id", "case", "type", "date", "end", "persons", "place", "country", "description",
        "sources", "outcome", "term", "note", "confidential",
    ]  # fmt: skip
    assert event.to_dict()["persons"] == [] and event.to_dict()["end"] is None


def test_person_ids_are_transliterated_from_any_script() -> None:
    assert slugify("Василий Алексанян") == "vasiliy-aleksanyan"
    assert slugify("Михаил Борисович Ходорковский") == "mikhail-borisovich-khodorkovskiy"
    assert slugify("Płaton Lebiediew") == "platon-lebiediew"
    assert slugify("!!!") == "person"


@given(st.text(max_size=40))
def test_slugify_always_gives_a_valid_id(name: str) -> None:
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slugify(name))


def test_event_ids_are_short_and_unique() -> None:
    taken: set[str] = set()
    for _ in range(2000):
        new = new_event_id(taken)
        assert re.fullmatch(r"[2-9a-z]{6}", new) and new not in taken
        taken.add(new)


def test_many_event_ids_come_sorted_unique_and_untaken() -> None:
    taken = set(new_event_ids(5000))
    also_taken = {"222222": {}}
    fresh = new_event_ids(20_000, taken, also_taken)
    assert len(fresh) == len(set(fresh)) == 20_000
    assert fresh == sorted(fresh)
    assert not taken.intersection(fresh) and "222222" not in fresh
    assert all(re.fullmatch(r"[2-9a-hjkmnp-z]{6}", i) for i in fresh)
    assert new_event_ids(0) == []
