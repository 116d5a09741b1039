"""Validated changes to an open dossier: add, edit, remove, link.

Every function tidies what it was given (the same tidying as the importer's),
then checks the whole stored record against the record contract
(`contract.py`: fields, vocabularies, dates, references) and raises an
`InvalidValue` naming the field before it touches a table, so a refused change
leaves nothing behind. An event written with a date after today is refused, or
written with a warning, by `contract.future_date`.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from dossier import contract, dates
from dossier.custody import acquittal, guilty_verdict
from dossier.errors import (
    Conflict,
    Duplicate,
    InvalidDate,
    InvalidValue,
    NotFound,
    did_you_mean,
    one_line,
)
from dossier.model import (
    Case,
    Event,
    Person,
    Role,
    check_slug,
    now_iso,
    slugify,
)
from dossier.search import resolve_person
from dossier.store.records import Records
from dossier.vocab import EVENT_TYPES, Effect


def _utf8(value: str) -> str:
    """The text, if it can be stored; arguments that were not UTF-8 cannot."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "backslashreplace").decode()
        raise InvalidValue(
            f"text is not valid UTF-8 ({shown}); check the terminal's encoding"
        ) from None
    return value


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    """Stripped, non-empty, without repeats, in order."""
    return tuple(contract.tidy_list(_utf8(v) for v in values))


def _opt(value: str | None) -> str | None:
    return contract.tidy_line(_utf8(value)) if value is not None else None


def _long(value: str | None) -> str | None:
    return contract.tidy_long(_utf8(value)) if value is not None else None


def _required(value: str, what: str) -> str:
    text = contract.tidy_line(_utf8(value))
    if text is None:
        raise InvalidValue(f"{what} must not be empty", what)
    if not contract.visible(text):  # a zero-width space: a person no one could read
        raise InvalidValue(f"{what} has no visible character ({one_line(text)})", what)
    return text


_CLASSES: dict[str, type[Case | Person | Event]] = {
    "cases": Case,
    "persons": Person,
    "events": Event,
}


def _python_type(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _shaped(kind: str, record: Case | Person | Event) -> None:
    """InvalidValue for a record of the wrong class or a field of the wrong type, as the
    contract words it: through the Python API, Case(tags="yukos") was stored as five
    tags of one letter each, a title of None raised AttributeError, and a dict given
    for a Case (or a role) a TypeError or an AttributeError."""
    wanted = _CLASSES[kind]
    if not isinstance(record, wanted):
        raise InvalidValue(
            f"expected {'an' if kind == 'events' else 'a'} {wanted.__name__} record,"
            f" not {_python_type(record)}"
            f" (build one with dossier.{wanted.__name__}(…), or"
            f" {wanted.__name__}.from_dict(…) from its JSON form)"
        )
    for field in fields(record):
        value = getattr(record, field.name)
        if field.name == "roles" and isinstance(value, (tuple, list)):
            for role in value:
                if not isinstance(role, Role):
                    raise InvalidValue(
                        f"roles: must be Role(case, role) records, not {_python_type(role)}",
                        "roles",
                    )
            value = [role.to_dict() for role in value]  # as stored, for the contract
        elif isinstance(value, (tuple, list)):  # the model's lists
            value = list(value)
        contract.check_shape(kind, field.name, value)


def _key(value: object, field: str, what: str) -> str:
    """An id (or a name, or a tag) a caller looks a record up by: text, else
    InvalidValue (through the Python API, None raised a TypeError)."""
    if not isinstance(value, str):
        raise InvalidValue(f"{what} must be text, not {_python_type(value)}", field)
    return value


def _store(d: Records, kind: str, record: Case | Person | Event) -> None:
    """Check a record against the contract and the dossier's ids, then put it."""
    raw = record.to_dict()
    contract.check(kind, raw, d.cases.raw, d.persons.raw)
    d.tables()[kind].put_raw(record.id, raw)


def require_tag(d: Records, tag: str) -> None:
    """NotFound, with a suggestion, unless some case has `tag`: a mistyped tag must not
    read as a selection of no case (figures of zero)."""
    _key(tag, "tag", "a tag")
    tags = {t for c in d.cases for t in c.tags}
    if tag not in tags:
        hint = did_you_mean(tag, sorted(tags))
        raise NotFound(f"no case has the tag {tag!r}{hint}; see 'dossier case list'", "tag")


def require_case(d: Records, case_id: str) -> Case:
    """The case with this id, or NotFound with a suggestion."""
    case = d.cases.get(_key(case_id, "case", "a case id"))
    if case is None:
        hint = did_you_mean(case_id, d.cases.ids())
        raise NotFound(f"no case {case_id!r}{hint}; see 'dossier case list'", "case")
    return case


def require_person(d: Records, ref: str) -> Person:
    """The one person `ref` names (id, name or alias), or NotFound with suggestions."""
    ref = _key(ref, "person", "a person (id, name or alias)")
    person = d.persons.get(resolve_person(ref, d.persons))
    assert person is not None
    return person


def require_event(d: Records, event_id: str) -> Event:
    """The event with this id, or NotFound with a suggestion."""
    event = d.events.get(_key(event_id, "id", "an event id"))
    if event is None:
        hint = did_you_mean(event_id, d.events.ids())
        raise NotFound(f"no event {event_id!r}{hint}; see 'dossier event list'", "id")
    return event


# Cases ------------------------------------------------------------------------


def _clean_case(d: Records, case: Case) -> Case:
    # Its shape checked already, by the caller's _shaped (once: it walks every field).
    check_slug(case.id, "case id")
    contract.check_field("cases", "status", case.status)
    return replace(
        case,
        title=_required(case.title, "title"),
        summary=_long(case.summary),
        jurisdiction=contract.tidy_code(_utf8(case.jurisdiction or "")),
        charges=_texts(case.charges),
        tags=_texts(case.tags),
        sources=_texts(case.sources),
    )


def add_case(d: Records, case: Case) -> Case:
    """Add a new case; its id must be free."""
    _shaped("cases", case)
    case = _clean_case(d, case)
    if case.id in d.cases:
        raise Duplicate(f"case {case.id!r} already exists; use 'dossier case edit'", "id")
    stamp = now_iso()
    case = replace(case, created=case.created or stamp, updated=case.updated or stamp)
    _store(d, "cases", case)
    return case


def update_case(d: Records, case: Case) -> Case:
    """Replace an existing case (same id); `updated` is set when anything changed."""
    _shaped("cases", case)
    old = require_case(d, case.id)
    case = replace(_clean_case(d, case), created=old.created, updated=old.updated)
    if case != old:
        case = replace(case, updated=now_iso())
        _store(d, "cases", case)
    return case


@dataclass(frozen=True, slots=True)
class Removal:
    """What a removal took with it."""

    events: tuple[str, ...] = ()
    unlinked: tuple[str, ...] = ()


def case_removal(d: Records, case_id: str, *, cascade: bool = False) -> Removal:
    """What removing a case would take with it; Conflict if refused without `cascade`."""
    require_case(d, case_id)
    d.require_writable(case_id)  # not "pass --cascade" to a reader, who may do neither
    events = tuple(k for k, e in d.events.raw.items() if e["case"] == case_id)
    persons = tuple(
        k for k, p in d.persons.raw.items() if any(r["case"] == case_id for r in p["roles"])
    )
    if (events or persons) and not cascade:
        raise Conflict(
            f"case {case_id!r} still has {len(events)} event(s) and {len(persons)} person(s)"
            " linked to it; remove them first, or pass --cascade to remove its events and"
            " unlink its persons"
        )
    return Removal(events, persons)


def remove_case(d: Records, case_id: str, *, cascade: bool = False) -> Removal:
    """Remove a case; with `cascade`, also its events and its persons' roles in it."""
    refs = case_removal(d, case_id, cascade=cascade)
    for event_id in refs.events:
        d.events.delete(event_id)
    for person_id in refs.unlinked:
        person = d.persons.get(person_id)
        assert person is not None
        roles = tuple(r for r in person.roles if r.case != case_id)
        _store(d, "persons", replace(person, roles=roles))
    d.cases.delete(case_id)
    return refs


# Persons ----------------------------------------------------------------------


def _clean_person(d: Records, person: Person) -> Person:
    # Its shape checked already, by the caller's _shaped (once: it walks every field).
    check_slug(person.id, "person id")
    contract.check_field("persons", "born", person.born)
    contract.check_field("persons", "died", person.died)
    contract.check_order(person.born, person.died, "died", "born")
    for field, value in (("born", person.born), ("died", person.died)):
        future = contract.future_life_date(
            field, value, dates.today(), d.persons.raw.get(person.id)
        )
        if future:
            raise InvalidDate(f"{field}: {future}", field)
    for role in person.roles:
        require_case(d, role.case)
        contract.check_field("persons", "roles", [role.to_dict()])
    name = _required(person.name, "name")
    return replace(
        person,
        name=name,
        aliases=tuple(a for a in _texts(person.aliases) if a != name),
        nationality=_opt(person.nationality),
        organizations=_texts(person.organizations),
        notes=_long(person.notes),
        sources=_texts(person.sources),
        roles=tuple(dict.fromkeys(person.roles)),
    )


def free_person_id(d: Records, name: str, also: Container[str] = ()) -> str:
    """An id from the name, with -2, -3 … when it is taken: by a stored person (one the
    reader cannot see included) or one of `also` (persons about to be added)."""
    base = slugify(name)
    hidden = d.hidden_person_ids(base)
    candidate, n = base, 1
    while candidate in d.persons.raw or candidate in hidden or candidate in also:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def add_person(d: Records, person: Person) -> Person:
    """Add a person; an empty id is made from the name."""
    _shaped("persons", person)
    _required(person.name, "name")
    if not person.id:
        person = replace(person, id=free_person_id(d, person.name))
    elif person.id in d.persons:
        raise Duplicate(f"person {person.id!r} already exists; use 'dossier person edit'", "id")
    person = _clean_person(d, person)
    _store(d, "persons", person)
    return person


def update_person(d: Records, person: Person) -> Person:
    """Replace an existing person (same id)."""
    _shaped("persons", person)
    if person.id not in d.persons:
        raise NotFound(f"no person {person.id!r}; see 'dossier person list'", "id")
    person = _clean_person(d, person)
    _store(d, "persons", person)
    return person


def link_person(d: Records, ref: str, case_id: str, role: str) -> Person:
    """Give a person a role in a case (idempotent)."""
    person = require_person(d, ref)
    return update_person(d, replace(person, roles=(*person.roles, Role(case_id, role))))


def unlink_person(d: Records, ref: str, case_id: str, role: str | None = None) -> Person:
    """Take a person's roles in a case away (only `role`, when given); a role the person
    does not have is NotFound, saying which they have."""
    person = require_person(d, ref)
    kept = tuple(r for r in person.roles if r.case != case_id or role not in (None, r.role))
    if len(kept) == len(person.roles):
        held = ", ".join(f"{r.role} in {r.case}" for r in person.roles) or "none"
        raise NotFound(
            f"{person.id} has no role{f' {role!r}' if role else ''} in case {case_id!r}"
            f" (their roles: {held})",
            "role",
        )
    return update_person(d, replace(person, roles=kept))


def person_removal(d: Records, ref: str, *, cascade: bool = False) -> tuple[Person, Removal]:
    """The person `ref` names and the events removing them would change."""
    person = require_person(d, ref)
    events = tuple(k for k, e in d.events.raw.items() if person.id in e["persons"])
    if events and not cascade:
        shown = ", ".join(events[:5]) + (" …" if len(events) > 5 else "")
        raise Conflict(
            f"person {person.id!r} is named in {len(events)} event(s) ({shown});"
            " pass --cascade to take them off those events"
        )
    return person, Removal(events=events)


def remove_person(d: Records, ref: str, *, cascade: bool = False) -> Removal:
    """Remove a person; with `cascade`, also take them off the events that name them."""
    person, removal = person_removal(d, ref, cascade=cascade)
    events = removal.events
    for event_id in events:
        event = require_event(d, event_id)
        _store(
            d, "events", replace(event, persons=tuple(p for p in event.persons if p != person.id))
        )
    d.persons.delete(person.id)
    return Removal(events=events)


# Events -----------------------------------------------------------------------


def _clean_event(d: Records, event: Event) -> Event:
    # Its shape checked already, by the caller's _shaped (once: it walks every field).
    require_case(d, event.case)
    contract.check_field("events", "type", event.type)
    contract.check_field("events", "date", event.date)
    contract.check_field("events", "end", event.end)
    contract.check_order(event.date, event.end, "end", "the date")
    contract.check_field("events", "outcome", event.outcome)
    persons = tuple(dict.fromkeys(resolve_person(p, d.persons) for p in event.persons))
    return replace(
        event,
        persons=persons,
        place=_opt(event.place),
        country=contract.tidy_code(_utf8(event.country or "")),
        description=_long(event.description),
        sources=_texts(event.sources),
        term=_opt(event.term),
        note=_long(event.note),
    )


Warn = Callable[[str], None]


def _store_event(
    d: Records, event: Event, old: Event | None, allow_future: bool, warn: Warn | None
) -> None:
    """`_store`, and the date after today rule (`contract.future_date`) between the check
    and the put: refused, or passed to `warn`, with what else the event deserves a word
    about (`_said`)."""
    if warn is not None:
        _said(d, event, old, warn)
    raw = event.to_dict()
    contract.check("events", raw, d.cases.raw, d.persons.raw)
    found = contract.future_date(
        raw, dates.today(), allow_future=allow_future, old=old.to_dict() if old else None
    )
    if found is not None and found.refused:
        raise InvalidValue(str(found), found.field)
    d.events.put_raw(event.id, raw)
    if found is not None and warn is not None:
        warn(str(found))
    if old is None and warn is not None and not event.persons:
        _names_no_one(event, warn)


def _names_no_one(event: Event, warn: Warn) -> None:
    """A new custody start or end that names no one: no custody figure counts it. Said
    here, not by `log` alone, so that a script's `warn` hears what the command line says."""
    if EVENT_TYPES[event.type] in (Effect.START, Effect.END):
        warn(
            f"this {event.type} names no one, so it is in no one's custody figures; name the"
            f" person with 'dossier event edit {event.id} --add-person P'"
        )


def add_event(
    d: Records, event: Event, *, allow_future: bool = False, warn: Warn | None = None
) -> Event:
    """Add an event; an empty id gets a new short one.

    A date (or end) after today is refused for an event that must already have
    happened (an arrest), unless `allow_future`; a scheduled one (a hearing) is
    written, and `warn` is given the warning (see `contract.future_date`).
    """
    _shaped("events", event)  # an id of None or 5: refused, not taken for "make one"
    if not event.id:
        event = replace(event, id=d.new_event_ids(1)[0])
    elif event.id in d.events:
        raise Duplicate(f"event {event.id!r} already exists; use 'dossier event edit'", "id")
    else:
        check_slug(event.id, "event id")
    event = _clean_event(d, event)
    _store_event(d, event, None, allow_future, warn)
    return event


def update_event(
    d: Records, event: Event, *, allow_future: bool = False, warn: Warn | None = None
) -> Event:
    """Replace an existing event (same id). A date after today is treated as by
    `add_event` when the date, end or type changes."""
    _shaped("events", event)
    old = require_event(d, event.id)
    event = _clean_event(d, event)
    _store_event(d, event, old, allow_future, warn)
    return event


def likeness(raw: Mapping[str, Any]) -> tuple[str, str, str]:
    """What makes a new event look like a stored one, before their persons are compared:
    case, type and date (an import's rows and `log` both warn of such a twin)."""
    return raw["case"], raw["type"], raw["date"]


def _said(d: Records, event: Event, old: Event | None, warn: Warn) -> None:
    """What a new or changed event deserves a word about, though it is sound: an outcome
    that no figure counts (only a verdict's is), and a new event like a stored one (an
    import says the same of its rows)."""
    changed = old is None or old.outcome != event.outcome or old.type != event.type
    if event.outcome and event.type != "verdict" and changed:
        # A sentence counts as guilty and an acquittal as acquitted by their type: an
        # outcome that agrees says nothing more, one that does not is a contradiction.
        implied = (
            "guilty"
            if guilty_verdict(event.type, None)
            else "acquitted"
            if acquittal(event.type, None)
            else None
        )
        if implied is None:
            warn(
                f"only a verdict's outcome is counted: this {event.type} shows"
                f" {event.outcome!r} but no figure counts it; record the court's decision"
                " as a verdict"
            )
        elif event.outcome != implied:
            warn(
                f"a {event.type} counts as {implied}, and this one says {event.outcome!r};"
                f" check the source: the figures count it as {implied}"
            )
    scheduled = dates.begins_after(event.date, dates.today())  # its outcome not known yet
    if event.type == "verdict" and not event.outcome and changed and not scheduled:
        # The --outcome forgotten: no verdict count has it, and the pretrial part runs on
        # past it to the release, as if the person had never been convicted.
        warn(
            "this verdict has no outcome, so no figure counts it: not a guilty verdict, nor"
            " the end of the pretrial part; give it with --outcome (see 'dossier vocab')"
        )
    spans = old is None or old.end != event.end or old.type != event.type
    # Starts, and house arrest, which a person is under for a time; the other ends are
    # moments, and their end is nothing a reader could take for one of custody.
    holds = EVENT_TYPES[event.type] is Effect.START or event.type == "house_arrest"
    if event.end and holds and spans:
        # "Held from 10 January until 1 March" typed as one arrest with an end: the end
        # is shown ("until 2020-03-01") while custody runs on, "still held", to today.
        warn(
            f"the end of this {event.type} ({event.end}) is in no custody figure: custody"
            " and house arrest end only at an event of their own; record the end as one"
            f" ('dossier log {event.case} release {event.end} --person P')"
        )
    if old is not None:
        return
    persons, key = sorted(event.persons), likeness(event.to_dict())
    twin = next(
        (i for i, raw in d.events.raw.items()
         if likeness(raw) == key and sorted(raw["persons"]) == persons),
        None,
    )  # fmt: skip
    if twin is not None:
        same = "case, type, date and persons" if persons else "case, type and date"
        warn(
            f"looks like event {twin} (same {same}): recorded as another event;"
            " 'dossier undo' takes it back if it is the same"
        )


def remove_event(d: Records, event_id: str) -> Event:
    """Remove an event."""
    event = require_event(d, event_id)
    d.events.delete(event_id)
    return event


# Merging ----------------------------------------------------------------------


def mergeable(d: Records, keep_ref: str, drop_ref: str) -> tuple[Person, Person]:
    """The two persons `person merge` would fold into one, or the reason it cannot:
    asked before the CLI's question, so that a merge confirmed is a merge done."""
    keep, drop = require_person(d, keep_ref), require_person(d, drop_ref)
    if keep.id == drop.id:
        raise InvalidValue(f"{keep_ref!r} and {drop_ref!r} are the same person ({keep.id})")
    # One value each, and a date of death is evidence: never keep one and drop the other.
    differ = [
        f"{field} ({a} and {b})"
        for field, a, b in (
            ("born", keep.born, drop.born),
            ("died", keep.died, drop.died),
            ("nationality", keep.nationality, drop.nationality),
        )
        if a and b and a != b
    ]
    if differ:
        raise Conflict(
            f"{keep.id} and {drop.id} differ in {', '.join(differ)}; make them agree first"
            f" ('dossier person edit'), so that nothing a source gave is lost in the merge"
        )
    return keep, drop


def merge_persons(d: Records, keep_ref: str, drop_ref: str) -> tuple[Person, tuple[str, ...]]:
    """Fold one person into another: roles, aliases, sources and event references move to
    KEEP, DROP's name becomes an alias, and DROP is removed. Returns KEEP and the events
    that changed."""
    keep, drop = mergeable(d, keep_ref, drop_ref)
    names = {keep.name}
    merged = replace(
        keep,
        aliases=tuple(
            a for a in dict.fromkeys((*keep.aliases, drop.name, *drop.aliases)) if a not in names
        ),
        born=keep.born or drop.born,
        died=keep.died or drop.died,
        nationality=keep.nationality or drop.nationality,
        organizations=tuple(dict.fromkeys((*keep.organizations, *drop.organizations))),
        notes="\n".join(n for n in (keep.notes, drop.notes) if n) or None,
        sources=tuple(dict.fromkeys((*keep.sources, *drop.sources))),
        confidential=keep.confidential or drop.confidential,
        roles=tuple(dict.fromkeys((*keep.roles, *drop.roles))),
    )
    changed = []
    for event_id, raw in list(d.events.raw.items()):
        if drop.id in raw["persons"]:
            event = d.events.record(raw)
            persons = tuple(dict.fromkeys(keep.id if p == drop.id else p for p in event.persons))
            _store(d, "events", replace(event, persons=persons))
            changed.append(event_id)
    d.persons.delete(drop.id)
    _store(d, "persons", merged)
    return merged, tuple(changed)
