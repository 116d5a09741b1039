"""The record contract (docs/data-model.md): one set of field rules for every path.

The generators are wide on purpose: any Unicode the contract allows, any date
from year 1 to 9999 at any precision, several roles in one case, text that a
spreadsheet would run as a formula. What the contract accepts must survive
export and import in every format; what it refuses, every path refuses.
"""

from __future__ import annotations

import calendar
import copy
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier import contract, ops
from dossier.dates import begins_after, today
from dossier.errors import InvalidValue
from dossier.io import export as ex
from dossier.io.importer import Source, import_sources
from dossier.model import Case, Event, Person, Role
from dossier.store import Dossier
from dossier.vocab import EVENT_TYPES, OUTCOMES, ROLES, STATUSES

TODAY = today()

# Characters the contract refuses in one-line text (docs/data-model.md, "Text").
REFUSED = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u2028", "\u2029"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=REFUSED)
# Prefixes a spreadsheet would run, and the apostrophes that escape them.
FORMULA = st.sampled_from(["", "", "", "=", "+", "-", "@", "'", "'=", "''-", "=|"])


LINE = st.builds(lambda p, t: (p + t).strip(), FORMULA, st.text(CHARS, max_size=12)).filter(bool)
# A name or title must show a character when written (contract.visible); other lines
# may be a soft hyphen alone, which the contract allows.
SEEN = LINE.filter(contract.visible)
LONG = st.builds(
    lambda p, t: (p + t).strip(),
    FORMULA,
    st.text(st.one_of(CHARS, st.sampled_from("\n\t")), max_size=30),
).filter(bool)
ITEM = LINE.map(lambda t: t.replace("|", "/").strip()).filter(bool)
ITEMS = st.lists(ITEM, max_size=3, unique=True)
SLUG = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)


@st.composite
def edtf(draw: st.DrawFn) -> str:
    """Any stored date: year 1..9999, day, month or year precision, maybe ~ or ?."""
    year = draw(st.integers(1, 9999))
    precision = draw(st.sampled_from(("day", "month", "year")))
    text = f"{year:04d}"
    if precision != "year":
        month = draw(st.integers(1, 12))
        text += f"-{month:02d}"
        if precision == "day":
            text += f"-{draw(st.integers(1, calendar.monthrange(year, month)[1])):02d}"
    return text + draw(st.sampled_from(("", "", "~", "?")))


def ordered(first: str, second: str) -> tuple[str, str]:
    """Two dates in an order the contract accepts (second not before first)."""
    from dossier.dates import stored

    if stored(second).last_day < stored(first).first_day:
        return second, first
    return first, second


@st.composite
def dossiers(draw: st.DrawFn) -> tuple[list[Case], list[Person], list[Event]]:
    """Cases, persons with any roles (several in one case), events naming them."""
    case_ids = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    cases = [
        Case(id=case_id, title=draw(SEEN), summary=draw(st.none() | LONG),
             jurisdiction=draw(st.none() | LINE.map(str.upper)),
             status=draw(st.sampled_from(STATUSES)), charges=tuple(draw(ITEMS)),
             tags=tuple(draw(ITEMS)), sources=tuple(draw(ITEMS)))
        for case_id in case_ids
    ]  # fmt: skip
    persons = []
    for person_id in draw(st.lists(SLUG, max_size=4, unique=True)):
        name = draw(SEEN)
        # A birth or death after today is a rule of writing (refused), not of the contract.
        lived = edtf().filter(lambda d: not begins_after(d, TODAY))
        born, died = draw(st.none() | lived), draw(st.none() | lived)
        if born and died:
            born, died = ordered(born, died)
        roles = draw(
            st.lists(
                st.builds(Role, st.sampled_from(case_ids), st.sampled_from(ROLES)),
                max_size=4,
                unique=True,
            )
        )
        persons.append(
            Person(id=person_id, name=name,
                   aliases=tuple(a for a in draw(ITEMS) if a != name), born=born, died=died,
                   nationality=draw(st.none() | LINE), organizations=tuple(draw(ITEMS)),
                   notes=draw(st.none() | LONG), sources=tuple(draw(ITEMS)),
                   confidential=draw(st.booleans()), roles=tuple(roles))
        )  # fmt: skip
    person_ids = [p.id for p in persons]
    events = []
    for _ in range(draw(st.integers(0, 5))):
        date, end = draw(edtf()), draw(st.none() | edtf())
        if end:
            date, end = ordered(date, end)
        named = (
            draw(st.lists(st.sampled_from(person_ids), max_size=3, unique=True)) if persons else []
        )
        events.append(
            Event(id="", case=draw(st.sampled_from(case_ids)),
                  type=draw(st.sampled_from(list(EVENT_TYPES))), date=date, end=end,
                  persons=tuple(named), place=draw(st.none() | LINE),
                  country=draw(st.none() | LINE.map(str.upper)),
                  description=draw(st.none() | LONG), sources=tuple(draw(ITEMS)),
                  outcome=draw(st.none() | st.sampled_from(OUTCOMES)), term=draw(st.none() | LINE),
                  note=draw(st.none() | LONG), confidential=draw(st.booleans()))
        )  # fmt: skip
    return cases, persons, events


def build(path: Path, records: tuple[list[Case], list[Person], list[Event]]) -> None:
    cases, persons, events = records
    with Dossier.edit(path, "test") as d:
        for case in cases:
            ops.add_case(d, case)
        for person in persons:
            ops.add_person(d, person)
        for event in events:  # dates after today are a rule of writing, not of the contract
            ops.add_event(d, event, allow_future=True)


def exported(path: Path, fmt: str, kind: str = "events") -> bytes:
    records = ex.select(Dossier.load(path))
    if fmt == "csv":
        return b"".join(ex.to_csv(kind[:-1], records[kind]))
    chunks = ex.to_json(records) if fmt == "json" else ex.to_jsonl(records)
    # The header's export time is the only thing allowed to differ.
    return b"".join(chunks).split(b"\n", 1)[1]


def import_into(path: Path, files: list[tuple[str, bytes]]) -> None:
    with Dossier.edit(path, "test") as d:
        summary = import_sources(d, [Source(name, data) for name, data in files], allow_future=True)
        assert not summary.errors, [str(e) for e in summary.errors]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=dossiers())
def test_whatever_the_contract_accepts_round_trips(
    fmt: str, records: tuple[list[Case], list[Person], list[Event]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        one, two = Path(folder) / "one.json", Path(folder) / "two.json"
        build(one, records)
        if fmt == "csv":
            kinds = ("cases", "persons", "events")
            files = [(f"{k}.csv", exported(one, "csv", k)) for k in kinds]
            import_into(two, files)
            for kind, (_name, data) in zip(kinds, files, strict=True):
                assert exported(two, "csv", kind) == data, kind
        else:
            data = exported(one, fmt)
            import_into(two, [(f"export.{fmt}", b'{"format":"dossier","version":1,\n' + data)]
                        if fmt == "json" else [(f"export.{fmt}", data)])  # fmt: skip
            assert exported(two, fmt) == data
            for kind in contract.KINDS:
                assert Dossier.load(two).tables()[kind].raw == Dossier.load(one).tables()[kind].raw


# The bulk pre-filter and the per-record check: one verdict ------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
NASTY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6) | st.sampled_from(
    [
        "",
        " x",
        "x ",
        "a\nb",
        "a\tb",
        "a|b",
        "\u202ex",
        "\x85",
        "A",
        "ru",
        "Moscow\r",
        "-x",
        "x--",
        "2009\n2010",
        "2009-01-01\n2009",
        "2009-02-30",
        "0000",
    ]
)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    """Sound records of one kind, some of them broken in one field, one key or more."""
    kind = draw(st.sampled_from(contract.KINDS))
    cases, persons, events = draw(dossiers())
    pool = {"cases": cases, "persons": persons, "events": events}[kind]
    records = [r.to_dict() for r in pool]
    if kind == "events":
        for n, record in enumerate(records):
            record["id"] = f"e{n}"
    if kind == "cases":
        for record in records:
            record["created"] = record["updated"] = "2024-05-01T12:00:00Z"
    for record in records:
        for _ in range(draw(st.integers(0, 2))):
            how = draw(st.sampled_from(("value", "text", "drop", "add", "list")))
            name = draw(st.sampled_from(contract.FIELDS[kind]))
            if how == "value":
                record[name] = draw(JSON_VALUES)
            elif how == "text":
                record[name] = draw(NASTY_TEXT)
            elif how == "drop":
                record.pop(name, None)
            elif how == "add":
                record[draw(st.text(min_size=1, max_size=5))] = None
            else:
                record[name] = draw(st.lists(NASTY_TEXT | JSON_VALUES, max_size=3))
    return kind, records


@settings(max_examples=100, deadline=None)  # 23 s at 500, 11 s at 250: the suite keeps to 3 min
@given(case=damaged())
def test_the_bulk_check_gives_the_per_record_verdict(
    case: tuple[str, list[dict[str, Any]]],
) -> None:
    kind, records = case
    expected = all(not contract.faults(kind, r) for r in records)
    assert contract.check_many(kind, copy.deepcopy(records)) == expected


def test_a_fault_names_the_field_and_what_is_wrong() -> None:
    event = {
        "id": "e1", "case": "mx", "type": "arrest", "date": 20081124, "end": None,
        "persons": "sergei-magnitsky", "place": None, "country": None, "description": None,
        "sources": [], "outcome": None, "term": None, "note": None, "confidential": False,
        "descripton": "x",
    }  # fmt: skip
    assert [str(f) for f in contract.faults("events", event)] == [
        "descripton: unknown field (did you mean 'description'?)",
        "date: must be a date as text (EDTF, e.g. 2009-11-16), not a number",
        "persons: must be a list, not text",
    ]


CONTROLS = "must be one line of text, without control characters"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Ivan\x07", f"name: {CONTROLS} (found U+0007)"),
        ("name", "Ivan\nIvanov", f"name: {CONTROLS} (found U+000A)"),
        ("name", "\u202eIvan", f"name: {CONTROLS} (found U+202E)"),
        ("name", " Ivan", "name: has spaces or line breaks at its start or end"),
        ("notes", "first\nsecond\tthird", None),
        ("notes", "line\r\nline", "notes: must not contain control characters (found U+000D)"),
        ("aliases", ["A|B"],
         "aliases: item 'A|B' contains '|', which separates several values in a CSV cell"),
        ("aliases", ["A", "A"], "aliases: has the same item twice"),
        ("died", "1960", "died: died (1960) is before born (1971)"),
        ("born", "1971-02-30",
         "born: cannot read EDTF date '1971-02-30': day 30 is out of range for February 1971"),
        ("roles", [{"case": "x", "role": "defendant"}] * 2, "roles: has the same role twice"),
        ("roles", [{"case": "x", "role": "accused"}],
         "roles: unknown role 'accused'; see 'dossier vocab'"),
        ("confidential", "no", "confidential: must be true or false, not text"),
        ("nationality", "", "nationality: must not be empty (use null for no value)"),
    ],
)  # fmt: skip
def test_person_rules(field: str, value: Any, message: str | None) -> None:
    person = Person(id="vasiliy-aleksanyan", name="Vasily Aleksanyan", born="1971").to_dict()
    person[field] = value
    assert [str(f) for f in contract.faults("persons", person)] == ([message] if message else [])


@pytest.mark.parametrize(
    ("kind", "record", "message"),
    [
        ("cases", Case(id="c", title="C", tags="yukos"), "tags: must be a list, not text"),  # type: ignore[arg-type]
        ("cases", Case(id="c", title=None), "title: must be text, not null"),  # type: ignore[arg-type]
        ("cases", Case(id="c", title=123), "title: must be text, not a number"),  # type: ignore[arg-type]
        ("persons", Person(id="p", name="P", aliases="Petya"), "aliases: must be a list, not text"),  # type: ignore[arg-type]
        ("events", Event(id="", case="mx", type="arrest", date="2011", sources="https://x.org"),  # type: ignore[arg-type]
         "sources: must be a list, not text"),
        ("events", Event(id="", case="mx", type="arrest", date="2011", persons=None),  # type: ignore[arg-type]
         "persons: must be a list, not null"),
        ("persons", Person(id="p", name=None), "name: must be text, not null"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_the_api_refuses_a_field_of_the_wrong_type(
    tmp_path: Path, kind: str, record: Any, message: str
) -> None:
    """An adversarial run: Case(tags="yukos") through `ops` was stored as five tags of one
    letter each, and a title of None raised AttributeError."""
    db = tmp_path / "d.json"
    with Dossier.edit(db, "test") as d:
        ops.add_case(d, Case(id="mx", title="Maximov"))
    add = {"cases": ops.add_case, "persons": ops.add_person, "events": ops.add_event}[kind]
    with pytest.raises(InvalidValue) as raised, Dossier.edit(db, "test") as d:
        add(d, record)
    assert str(raised.value) == message


def test_the_api_takes_a_list_where_the_model_has_a_tuple(tmp_path: Path) -> None:
    db = tmp_path / "d.json"
    with Dossier.edit(db, "test") as d:
        ops.add_case(d, Case(id="mx", title="Maximov", tags=["yukos"]))  # type: ignore[arg-type]
        ops.add_person(d, Person(id="p", name="P", roles=[Role("mx", "defendant")]))  # type: ignore[arg-type]
    d = Dossier.load(db)
    assert d.persons.raw["p"]["roles"] == [{"case": "mx", "role": "defendant"}]
    assert d.cases.raw["mx"]["tags"] == ["yukos"]


def test_the_api_and_the_importer_refuse_alike(tmp_path: Path) -> None:
    """`ops` (the command line) and the importer reach the same verdict, in the same words."""
    db = tmp_path / "d.json"
    with Dossier.edit(db, "test") as d:
        ops.add_case(d, Case(id="mx", title="Maximov"))
    bad = {"name": "Ivan\x07 Maximov"}
    with pytest.raises(InvalidValue) as raised, Dossier.edit(db, "test") as d:
        ops.add_person(d, Person(id="ivan", name=bad["name"]))
    with Dossier.edit(db, "test") as d:
        summary = import_sources(
            d,
            [
                Source(
                    "p.jsonl", b'{"kind": "person", "id": "ivan", "name": "Ivan\\u0007 Maximov"}\n'
                )
            ],
        )
    assert [str(e) for e in summary.errors] == [f"p.jsonl:1: {raised.value}"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=dossiers())
def test_reimporting_an_export_changes_nothing(
    records: tuple[list[Case], list[Person], list[Event]],
) -> None:
    """The import into a dossier that holds the records: every row matched, unchanged."""
    with tempfile.TemporaryDirectory() as folder:
        one = Path(folder) / "one.json"
        build(one, records)
        files = [(f"{k}.csv", exported(one, "csv", k)) for k in ("cases", "persons", "events")]
        before = one.read_bytes()
        with Dossier.edit(one, "test") as d:
            summary = import_sources(d, [Source(name, data) for name, data in files])
        assert not summary.errors
        assert sum(summary.added.values()) == sum(summary.updated.values()) == 0
        assert one.read_bytes() == before


ROLE_DICT = {"case": "mx", "role": "lawyer"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: ops.add_case(d, {"id": "x", "title": "X"}),
         "expected a Case record, not dict"),
        (lambda d: ops.add_person(d, Case(id="x", title="X")),
         "expected a Person record, not Case"),
        (lambda d: ops.update_event(d, Person(id="p", name="P")),
         "expected an Event record, not Person"),
        (lambda d: ops.add_person(d, Person(id="x", name="X", roles=(ROLE_DICT,))),
         "roles: must be Role(case, role) records, not dict"),
        (lambda d: ops.add_person(d, Person(id="x", name="X", roles=(("mx", "lawyer"),))),
         "roles: must be Role(case, role) records, not tuple"),
        (lambda d: ops.add_event(d, Event(id=7, case="mx", type="arrest", date="2011")),
         "id: must be text, not a number"),
        (lambda d: ops.add_event(d, Event(id=None, case="mx", type="arrest", date="2011")),
         "id: must be text, not null"),
        (lambda d: ops.update_case(d, Case(id=None, title="X")), "id: must be text, not null"),
        (lambda d: ops.update_person(d, Person(id=["p"], name="X")),
         "id: must be text, not a list"),
        (lambda d: ops.remove_case(d, None), "a case id must be text, not None"),
        (lambda d: ops.remove_event(d, ["e1"]), "an event id must be text, not list"),
        (lambda d: ops.remove_person(d, 5), "a person (id, name or alias) must be text, not int"),
        (lambda d: ops.merge_persons(d, "p", None),
         "a person (id, name or alias) must be text, not None"),
        (lambda d: ops.require_tag(d, None), "a tag must be text, not None"),
    ],
)  # type: ignore[arg-type]  # fmt: skip
def test_the_api_refuses_what_is_not_a_record_or_an_id(
    tmp_path: Path, call: Any, message: str
) -> None:
    """An adversarial run: a dict for a Case or a Role, a Case for a Person, an id of None
    or a number raised TypeError, KeyError or AttributeError, and an event id of None
    was taken for "make one"."""
    db = tmp_path / "d.json"
    with Dossier.edit(db, "test") as d:
        ops.add_case(d, Case(id="mx", title="Maximov"))
        ops.add_person(d, Person(id="p", name="P"))
        ops.add_event(d, Event(id="e1", case="mx", type="arrest", date="2011", persons=("p",)))
    before = db.read_bytes()
    with pytest.raises(InvalidValue) as raised, Dossier.edit(db, "test") as d:
        call(d)
    assert str(raised.value).startswith(message)
    assert db.read_bytes() == before


def test_the_api_warns_as_log_does_of_custody_that_names_no_one(tmp_path: Path) -> None:
    """An adversarial run: `log` warned of an arrest that names no one (no custody figure
    counts it), but `ops.add_event(…, warn=…)` said nothing to a script."""
    db = tmp_path / "d.json"
    said: list[str] = []
    with Dossier.edit(db, "test") as d:
        ops.add_case(d, Case(id="mx", title="Maximov"))
        ops.add_person(d, Person(id="p", name="P"))
        arrest = ops.add_event(
            d, Event(id="", case="mx", type="arrest", date="2011"), warn=said.append
        )
        ops.add_event(d, Event(id="", case="mx", type="hearing", date="2011"), warn=said.append)
        ops.add_event(d, Event(id="", case="mx", type="release", date="2012", persons=("p",)),
                      warn=said.append)  # fmt: skip
        ops.update_event(d, replace(arrest, place="Moscow"), warn=said.append)
    assert said == [
        "this arrest names no one, so it is in no one's custody figures; name the person with"
        f" 'dossier event edit {arrest.id} --add-person P'"
    ]
