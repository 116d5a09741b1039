"""Name folding on real name sets, search ranking, lookalikes and merging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Run, Snapshot, made, opened, where
from dossier import ops
from dossier.errors import NotFound
from dossier.model import Case, Person
from dossier.search import fold, lookalikes, resolve_person, search
from dossier.store import edit_store

FACTS = Path(__file__).resolve().parents[2] / "shared" / "facts" / "cases.json"
DATA = Path(__file__).parent.parent / "data"

SPELLINGS = {
    "Mikhail Khodorkovsky": [
        "Mikhail Khodorkovskii", "Michail Chodorkowski", "Ходорковский Михаил",
        "Михаил Ходорковский", "MIKHAIL KHODORKOVSKY", "Mikhail  Khodorkovskiy",
    ],
    "Vasily Aleksanyan": [
        "Vasily Alexanyan", "Vasily Aleksanian", "Vasily Alexanian", "Василий Алексанян",
        "Алексанян Василий", "Vasiliy Aleksanyan",
    ],
    "Andrei Kudoyarov": ["Andrey Kudoyarov", "Андрей Кудояров", "Kudoyarov Andrei"],
    "Yevgeny Baru": ["Evgeny Baru", "Евгений Бару"],
    # The soft and hard signs: anyascii's apostrophe split these names in two, and no
    # usual spelling matched them.
    "Olga Vasilyeva": ["Ольга Васильева", "Olga Vasilieva", "Ol'ga Vasil'yeva"],
    "Darya Trepova": ["Дарья Трепова", "Daria Trepova"],
    "Igor Ilyin": ["Игорь Ильин", "Igor Iliin"],
    "Natalya Grigoryeva": ["Наталья Григорьева", "Natalia Grigorieva"],
    "Aleksei Solovyev": ["Алексей Соловьёв", "Alexey Soloviev"],
    # Ё after a consonant: yo in English and German spellings, e in Russian passports.
    "Petr Shchukin": ["Пётр Щукин", "Pyotr Shchukin", "Pjotr Shchukin"],
    "Fedor Ivanov": ["Фёдор Иванов", "Fyodor Ivanov", "Fjodor Iwanow"],
    "Artem Loskutov": ["Артём Лоскутов", "Artyom Loskutov"],
    "Semen Petrov": ["Семён Петров", "Semyon Petrov"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "variant"), [(n, v) for n, variants in SPELLINGS.items() for v in variants]
)
def test_spellings_of_one_name_fold_alike(name: str, variant: str) -> None:
    assert fold(variant) == fold(name)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ivan Ivanov", "Pyotr Ivanov"),
        ("Platon Lebedev", "Vyacheslav Lebedev"),
        ("Andrei Kudoyarov", "Alexei Kudoyarov"),  # one source's other first name stays apart
        ("Vasily Aleksanyan", "Vasily Aleksandrov"),
    ],
)
def test_different_people_do_not_fold_alike(a: str, b: str) -> None:
    assert fold(a) != fold(b)


def test_the_facts_persons_are_found_by_their_cyrillic_names_and_aliases() -> None:
    if not FACTS.exists():
        pytest.skip(f"the shared facts are not beside the checkout ({FACTS})")
    facts = json.loads(FACTS.read_text(encoding="utf-8"))
    # As data/persons.csv records them: the Cyrillic name is one more alias.
    persons = [
        Person(id=f"p{n}", name=p["name"], aliases=(*p["aliases"], p["name_cyrillic"] or p["name"]))
        for n, p in enumerate(p for case in facts["cases"] for p in case["persons"])
    ]
    for case in facts["cases"]:
        for p in case["persons"]:
            expected = next(q.id for q in persons if q.name == p["name"])
            for spelling in [p["name"], *p["aliases"], p["name_cyrillic"] or p["name"]]:
                if "(" in spelling:  # "Алексей Кудояров (first name as given by ng.ru)"
                    continue
                assert resolve_person(spelling, persons) == expected, spelling


@given(st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=8), max_size=4))
def test_fold_ignores_word_order_and_case(words: list[str]) -> None:
    text = " ".join(words)
    assert fold(" ".join(reversed(words))) == fold(text)
    assert fold(text.upper()) == fold(text.lower()) or not text.isascii()


def test_a_near_miss_is_suggested_never_picked() -> None:
    people = [Person(id="vasiliy-aleksanyan", name="Vasily Aleksanyan")]
    with pytest.raises(NotFound, match=r"did you mean vasiliy-aleksanyan \(Vasily Aleksanyan\)"):
        resolve_person("Vasily Aleksanyn", people)


def test_two_ivanovs_are_never_merged_by_name() -> None:
    people = [
        Person(id="ivan-ivanov", name="Ivan Ivanov"),
        Person(id="ivan-ivanov-2", name="Иван Иванов"),
    ]
    with pytest.raises(NotFound, match="names several persons"):
        resolve_person("Ivan Ivanov", people)
    assert resolve_person("ivan-ivanov-2", people) == "ivan-ivanov-2"


@pytest.mark.parametrize(("stored", "typed"), [("Cell 1", "Cell 11"), ("Agent 007", "Agent 07")])
def test_numbers_in_names_are_never_folded(stored: str, typed: str) -> None:
    """Doubled letters fold (Vassily), digits did too: "Cell 11" named the person
    "Cell 1", and an import of "Person 0" to "Person 299" made 255 persons."""
    people = [Person(id="x", name=stored)]
    assert fold(typed) != fold(stored)
    with pytest.raises(NotFound):
        resolve_person(typed, people)


def test_lookalikes_find_spellings_but_not_namesakes() -> None:
    people = [Person(id="vasiliy-aleksanyan", name="Василий Алексанян",
                     aliases=("Vasily Aleksanyan",))]  # fmt: skip
    assert [f.person.id for f in lookalikes("Vasily Alexanyan", people)] == ["vasiliy-aleksanyan"]
    assert lookalikes("Ivan Ivanov", people) == []


def test_a_name_with_a_patronymic_looks_like_the_name_without() -> None:
    """An adversarial run: "Василий Станиславович Алексанян", as a ruling writes him, was
    added beside Василий Алексанян without a word (the ratio put them at 70)."""
    people = [Person(id="vasiliy-aleksanyan", name="Василий Алексанян",
                     aliases=("Vasily Aleksanyan",)),
              Person(id="ivan", name="Ivan")]  # fmt: skip
    found = lookalikes("Василий Станиславович Алексанян", people)
    assert [(f.person.id, f.matched) for f in found] == [
        ("vasiliy-aleksanyan", "Василий Алексанян")
    ]
    assert [f.person.id for f in lookalikes("Aleksanyan Vasily", people)] == ["vasiliy-aleksanyan"]
    # The other way round too; one word in common is not enough ("Ivan" is many people).
    wider = [Person(id="v", name="Vasily Stanislavovich Aleksanyan")]
    assert [f.person.id for f in lookalikes("Vasily Aleksanyan", wider)] == ["v"]
    assert lookalikes("Ivan Petrov", people) == []


@pytest.fixture
def sample(run: Run, db: Path) -> Run:
    made(db, "test_search: the sample", lambda: _imported(run))
    return run


def _imported(run: Run) -> None:
    files = [str(DATA / f) for f in ("cases.csv", "persons.csv", "events.csv")]
    assert run("import", *files).exit_code == 0


@pytest.mark.parametrize("query", ["Chodorkowski", "Ходорковский", "Khodorkovskii"])
def test_search_puts_khodorkovsky_first(sample: Run, query: str) -> None:
    hits = json.loads(sample("search", query, "--json").stdout)
    assert (hits[0]["kind"], hits[0]["id"]) == ("person", "mikhail-khodorkovsky")
    assert hits[0]["score"] >= 90
    assert set(hits[0]) == {"kind", "id", "score", "field", "text"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_ranks_literal_then_folded_then_fuzzy(db: Path) -> None:
    with edit_store(where(db), "setup") as d:
        ops.add_case(d, Case(id="c", title="Case"))
    d = opened(db)
    people = [Person(id="a", name="Vasily Aleksanyan"), Person(id="b", name="Vasily Alexanyan X"),
              Person(id="c", name="Vasilii Aleksanyants")]  # fmt: skip
    hits = search("Vasily Aleksanyan", d.cases, people, [])
    assert [(h.id, h.score) for h in hits][:2] == [("a", 100.0), ("b", 90.0)]
    assert hits[2].id == "c" and hits[2].score < 90


def test_a_text_shorter_than_the_query_matches_only_as_a_whole(run: Run) -> None:
    """An adversarial run: a note "n" and a case "k" scored 89 for "Ivan Kozlov" (a
    letter of the query is all of them), just below a real transliterated match."""
    for command in (["case", "add", "k", "--title", "K"],
                    ["log", "k", "other", "2010", "--note", "n"],
                    ["person", "add", "Ivan Kozlov", "--id", "kozlov"]):  # fmt: skip
        assert run(*command).exit_code == 0
    for query in ("Ivan Kozlov", "Ivan Kozlow", "Магнитский"):
        hits = json.loads(run("search", query, "--json").stdout)
        assert [h["id"] for h in hits] == (["kozlov"] if "Ivan" in query else []), query


def test_search_kind_and_limit(sample: Run) -> None:
    hits = json.loads(
        sample("search", "Moscow", "--kind", "event", "--limit", "3", "--json").stdout
    )
    assert len(hits) == 3 and {h["kind"] for h in hits} == {"event"}


def test_search_prints_user_text_literally(run: Run) -> None:
    assert run("person", "add", "[red]Ivan[/red] Ivanov").exit_code == 0
    assert "[red]Ivan[/red] Ivanov" in run("search", "Ivanov").stdout


def test_merge_moves_everything_and_undo_restores_it(run: Run, db: Path) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Vasily Aleksanyan", "--case", "c", "--role", "defendant",
               "--source", "s1").exit_code == 0  # fmt: skip
    dup = ("Vasily Alexanyan X", "--id", "dup", "--alias", "V. A.", "--case", "c")
    assert run("person", "add", *dup, "--role", "witness", "--source", "s2", "--yes").exit_code == 0
    logged = run("log", "c", "arrest", "2006-04-06", "--person", "dup", "--person",
                 "vasily-aleksanyan")  # fmt: skip
    event_id = logged.stdout.strip()
    before = opened(db).state_hash().all
    result = run("person", "merge", "vasily-aleksanyan", "dup", "--yes", "--json")
    assert result.exit_code == 0, result.output
    merged = json.loads(result.stdout)
    assert merged["aliases"] == ["Vasily Alexanyan X", "V. A."]
    assert merged["sources"] == ["s1", "s2"]
    assert merged["roles"] == [{"case": "c", "role": "defendant"}, {"case": "c", "role": "witness"}]
    event = json.loads(run("event", "show", event_id, "--json").stdout)
    assert event["persons"] == ["vasily-aleksanyan"]
    assert run("person", "show", "dup").exit_code == 1
    assert run("undo").exit_code == 0
    assert opened(db).state_hash().all == before
    assert run("verify").exit_code == 0


def test_merging_a_person_with_themselves_is_refused(run: Run) -> None:
    assert run("person", "add", "Ivan Ivanov").exit_code == 0
    result = run("person", "merge", "ivan-ivanov", "Ivan Ivanov", "--yes")
    assert result.exit_code == 1
    assert "same person" in result.stderr


def test_a_merge_of_persons_whose_dates_differ_is_refused(run: Run, db: Path) -> None:
    """The merge kept one date of death and dropped the other without a word: the
    sources' disagreement is for the user to settle first."""
    assert run("person", "add", "Иван Сидоров", "--born", "1970", "--died", "2011-10-03",
               "--nationality", "RU").exit_code == 0  # fmt: skip
    assert run("person", "add", "I. Sidorov", "--born", "1971-05-02", "--died", "2011-10-03",
               "--yes").exit_code == 0  # fmt: skip
    before = opened(db).state_hash().all
    refused = run("person", "merge", "ivan-sidorov", "i-sidorov", "--yes")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: ivan-sidorov and i-sidorov differ in born (1970 and 1971-05-02); make them"
        " agree first ('dossier person edit'), so that nothing a source gave is lost in the"
        " merge\n"
    )  # fmt: skip
    # Refused before the question, not after it is answered (nor with "pass --yes").
    unasked = run("person", "merge", "ivan-sidorov", "i-sidorov", input="y\n")
    assert (unasked.exit_code, unasked.stderr) == (refused.exit_code, refused.stderr)
    assert unasked.stdout == ""
    assert opened(db).state_hash().all == before
    assert run("person", "edit", "i-sidorov", "--born", "1970").exit_code == 0
    assert run("person", "merge", "ivan-sidorov", "i-sidorov", "--yes").exit_code == 0


def test_import_warns_about_a_lookalike(run: Run, tmp_path: Path) -> None:
    assert run("person", "add", "Василий Алексанян", "--alias", "Vasily Aleksanyan").exit_code == 0
    path = tmp_path / "persons.csv"
    path.write_text("name\nVasilii Aleksanyants\n", encoding="utf-8")
    summary = json.loads(run("import", str(path), "--json").stdout)
    assert summary["added"]["persons"] == 1
    (warning,) = summary["warnings"]
    assert warning["line"] == 2
    assert "looks like vasiliy-aleksanyan" in warning["message"]


def test_events_name_persons_in_any_script(run: Run) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Mikhail Khodorkovsky").exit_code == 0
    result = run("log", "c", "arrest", "2003-10-25", "--person", "Ходорковский Михаил", "--json")
    assert json.loads(result.stdout)["persons"] == ["mikhail-khodorkovsky"]


def test_an_id_from_a_name_with_a_soft_sign_is_one_word_per_name() -> None:
    from dossier.model import slugify

    assert slugify("Ольга Васильева") == "olga-vasilyeva"
    assert slugify("Дарья Трепова") == "darya-trepova"
    assert slugify("Подъячев") == "podyachev"


# A name written in Cyrillic has one spelling ---------------------------------------
#
# Folding makes transliterations alike (shch/sh, kh/ch/h, y/i, doubled letters); applied
# to Cyrillic text it made different letters alike, and attached events and imported
# facts to a different person: Пётр Шукин to Пётр Щукин, Анна Бикова to Анна Быкова.

NAMESAKES_BUT_FOR_A_LETTER = [
    ("Пётр Щукин", "Пётр Шукин"),  # Щ, Ш: shch, sh
    ("Анна Быкова", "Анна Бикова"),  # Ы, И: y, i
    ("Иван Чайкин", "Иван Хайкин"),  # Ч, Х: ch, kh
    ("Алла Иванова", "Ала Иванова"),  # a doubled letter
    ("Анна Петрова", "Ана Петрова"),
    ("Олег Кириллов", "Олег Кирилов"),
]


@pytest.mark.parametrize(("stored", "given"), NAMESAKES_BUT_FOR_A_LETTER)
def test_a_cyrillic_name_differing_in_a_letter_is_suggested_not_picked(
    stored: str, given: str
) -> None:
    for one, other in ((stored, given), (given, stored)):
        people = [Person(id="p", name=one)]
        with pytest.raises(NotFound, match=rf"no person '{other}' \(did you mean p \({one}\)\?\)"):
            resolve_person(other, people)


@pytest.mark.parametrize(
    "spelling",
    ["Пётр Щукин", "Петр Щукин", "ПЁТР ЩУКИН", "петр щукин", "Щукин Пётр", "Щукин, Пётр",
     "Пётр  Щукин."],
)  # fmt: skip
def test_a_cyrillic_name_matches_whatever_its_case_yo_punctuation_and_word_order(
    spelling: str,
) -> None:
    assert resolve_person(spelling, [Person(id="p", name="Пётр Щукин")]) == "p"


def test_stress_marks_are_not_part_of_a_cyrillic_spelling() -> None:
    # As data/persons.csv records Platon Lebedev's name, and й stays й.
    people = [Person(id="p", name="Platon Lebedev", aliases=("Плато́н Леони́дович Ле́бедев",)),
              Person(id="q", name="Иван Чайкин")]  # fmt: skip
    assert resolve_person("Лебедев Платон Леонидович", people) == "p"
    with pytest.raises(NotFound):
        resolve_person("Иван Чаикин", people)


def test_a_cyrillic_name_names_a_person_known_only_in_latin_letters_by_folding() -> None:
    people = [Person(id="mbk", name="Michail Chodorkowski")]
    assert resolve_person("Ходорковский Михаил", people) == "mbk"
    known_in_cyrillic = [Person(id="mbk", name="Ходорковский Михаил")]
    assert resolve_person("Michail Chodorkowski", known_in_cyrillic) == "mbk"
    assert resolve_person("Khodorkovskii Mikhail", known_in_cyrillic) == "mbk"


def test_a_person_with_a_cyrillic_name_is_named_in_cyrillic_only_by_it() -> None:
    """A Latin alias does not let a Cyrillic near miss through by folding."""
    people = [Person(id="p", name="Пётр Щукин", aliases=("Petr Shchukin",))]
    with pytest.raises(NotFound, match=r"did you mean p \(Пётр Щукин\)"):
        resolve_person("Пётр Шукин", people)
    assert resolve_person("Petr Shchukin", people) == "p"
    assert resolve_person("Петр Щукин", people) == "p"


def test_a_cyrillic_name_folding_as_a_latin_only_persons_name_may_be_theirs() -> None:
    """Пётр Щукин is the person so written, and may be Petr Shchukin, known only in
    Latin letters, whose name it folds as: which one is for the user to say."""
    people = [Person(id="latin", name="Petr Shchukin"), Person(id="p", name="Пётр Щукин")]
    with pytest.raises(NotFound, match=r"names several persons: latin \(Petr Shchukin\), p"):
        resolve_person("Пётр Щукин", people)
    assert resolve_person("Пётр Щукин", people[1:]) == "p"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Пётр Шукин", "Petr Shchukin"), ("Petr Shukin", "Пётр Щукин"), ("Shukin", "Shchukin")],
)
def test_shch_and_sh_are_two_letters_in_every_script(typed: str, stored: str) -> None:
    """Щ (shch, sch) and Ш (sh) folded alike: shch became s-h-h, then sh. Across scripts
    the names were one, and an event went to the wrong man."""
    assert fold(typed) != fold(stored)
    with pytest.raises(NotFound, match="did you mean"):
        resolve_person(typed, [Person(id="p", name=stored)])
    assert fold("Shchedrin") == fold("Schedrin") == fold("Щедрин")  # still one letter's spellings


_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"  # ё is е, as a spelling goes
_word = st.text(st.sampled_from(_LETTERS), min_size=2, max_size=10).map(str.capitalize)


@st.composite
def _one_letter_apart(draw: st.DrawFn) -> tuple[str, str]:
    """Two Cyrillic names, the second with one letter changed, added or taken away."""
    name = " ".join(draw(st.lists(_word, min_size=1, max_size=3)))
    at = draw(st.sampled_from([i for i, c in enumerate(name) if c != " "]))
    letter = draw(st.sampled_from(_LETTERS.replace(name[at].lower(), "")))
    if name[at].isupper():
        letter = letter.upper()
    edit = draw(st.sampled_from(["change", "add", "remove"]))
    if edit == "change":
        other = name[:at] + letter + name[at + 1 :]
    elif edit == "add":
        other = name[:at] + letter + name[at:]
    else:
        other = name[:at] + name[at + 1 :]
    return name, other


@given(_one_letter_apart())
def test_cyrillic_names_one_letter_apart_never_resolve_to_each_other(
    names: tuple[str, str],
) -> None:
    one, other = names
    with pytest.raises(NotFound):
        resolve_person(other, [Person(id="p", name=one)])
    with pytest.raises(NotFound):
        resolve_person(one, [Person(id="p", name=other, aliases=("Some Latin Alias",))])


def test_lookalikes_still_warn_about_a_cyrillic_near_miss() -> None:
    people = [Person(id="petr-shchukin", name="Пётр Щукин")]
    assert [f.person.id for f in lookalikes("Пётр Шукин", people)] == ["petr-shchukin"]


def test_an_event_is_not_attached_to_a_person_one_letter_apart(run: Run, db: Path) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Пётр Щукин").exit_code == 0
    assert run("person", "add", "Анна Быкова").exit_code == 0
    before = Snapshot.of(db)
    for typed, meant in (("Пётр Шукин", "petr-shchukin (Пётр Щукин)"),
                         ("Анна Бикова", "anna-bykova (Анна Быкова)")):  # fmt: skip
        refused = run("log", "c", "arrest", "2010-05-01", "--person", typed)
        assert (refused.exit_code, refused.stderr) == (
            1, f"Error: no person {typed!r} (did you mean {meant}?); see 'dossier person list'\n"
        )  # fmt: skip
    before.assert_unchanged()
    logged = run("log", "c", "arrest", "2010-05-01", "--person", "Щукин Петр", "--json")
    assert json.loads(logged.stdout)["persons"] == ["petr-shchukin"]


def test_an_import_row_one_letter_apart_is_another_person(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """A persons row is a new person, as a name unknown to the dossier is, with the
    lookalike warning; an event row naming them is refused with a suggestion."""
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    assert run("person", "add", "Пётр Щукин", "--born", "1940").exit_code == 0
    events = tmp_path / "e.csv"
    events.write_text("case,date,type,person,source\nc,2010-05-01,arrest,Пётр Шукин,x\n")
    before = Snapshot.of(db)
    refused = run("import", str(events))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"Error: {events}:2: person: no person 'Пётр Шукин' (did you mean petr-shchukin"
        " (Пётр Щукин)?); add them first, or pass --create-missing\n"
    )
    before.assert_unchanged()
    persons = tmp_path / "p.csv"
    persons.write_text("name,born\nПётр Шукин,1950\n")
    summary = json.loads(run("import", str(persons), "--json").stdout)
    assert (summary["added"]["persons"], summary["updated"]["persons"]) == (1, 0)
    (warning,) = summary["warnings"]
    assert warning["message"] == (
        "'Пётр Шукин' is added as a new person but looks like petr-shchukin (Пётр Щукин); if"
        " it is them, give the id or merge them with 'dossier person merge'"
    )
    assert json.loads(run("person", "show", "petr-shchukin", "--json").stdout)["born"] == "1940"
    assert json.loads(run("person", "show", "petr-shukin", "--json").stdout)["born"] == "1950"
    again = json.loads(run("import", str(persons), "--json").stdout)
    assert (again["added"]["persons"], again["unchanged"]["persons"]) == (0, 1)
