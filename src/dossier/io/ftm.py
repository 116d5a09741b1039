"""Export as FollowTheMoney (FtM) entities, the data model of Aleph: JSON lines of
`{"id", "schema", "properties": {name: [values]}}`.

Mapping (docs/interop.md): a case is a `CourtCase`, a person a `Person`, a role a
`CourtCaseParty`, an event an `Event` (linked to its case by an `UnknownLink`,
since FtM's `Event.courtCase` points at a party, not a case), and each custody
or house-arrest period an `Event` of its own.

Dates keep exactly their precision: FtM reads `2011-05` as a month, and a
dossier never writes `2011-05-01` for it. FtM has no flag for an approximate
(`~`) or uncertain (`?`) date, so the entity's `notes` say so, and the loss is
counted. Entity ids are made from dossier ids (`dossier.case.aleksanyan`), so
the same record gets the same id in every export and Aleph updates it rather
than adding a copy.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from dossier import contract
from dossier.custody import SHAPES_CUSTODY, Custody, Period, Problem, custody_stored, known_on
from dossier.dates import show
from dossier.io.losses import Losses

_URL = re.compile(r"https?://\S+\Z")
# The two-letter codes FtM's country type knows (ISO 3166-1 and a few of its own, such
# as xk for Kosovo): a code outside them is kept as text, since FtM would drop it.
_COUNTRY_CODES = """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn
    bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cp cq cr cu cv cw cx cy
    cz dd de dg dj dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg
    gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu ic id ie il im in io ip iq ir
    is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma
    mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl
    no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc
    sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz ta tc td tf tg th tj tk tl tm tn
    to tr tt tv tw tz ua ug um un us uy uz va vc ve vg vi vn vu wf ws xk ye yt za zm zr zw
    zz
"""
_COUNTRIES = frozenset(_COUNTRY_CODES.split())


ID_LENGTH = 200  # FtM's longest entity id


def entity_id(kind: str, *parts: str) -> str:
    """The FtM id of a dossier record: the same in every export. Parts are joined by
    ".", which no dossier id holds, so no two clash; FtM ids end in a letter or digit,
    so an id ending in "-" (a slug may) gets ".0"; one longer than FtM takes is cut
    and ends in a digest of the whole."""
    joined = ".".join(("dossier", kind, *parts))
    whole = joined + ".0" if joined.endswith("-") else joined
    if len(whole) > ID_LENGTH:  # the ".0" counted: 199 characters and a "-" were 202
        digest = hashlib.sha256(joined.encode()).hexdigest()[:32]
        return f"{joined[: ID_LENGTH - 33].rstrip('.-')}.{digest}"
    return whole


# The years FtM's date type holds; a date outside them would be dropped by it.
YEARS = range(1000, 3000)


def ftm_date(edtf: str) -> str:
    """A stored date as an FtM prefix date at exactly its precision ('2011-05')."""
    return edtf.rstrip("~?")


def _date(edtf: str | None, what: str, losses: Losses) -> tuple[list[str], list[str]]:
    """The FtM value of a date, and the notes it needs: its ~ or ? said, or the whole
    date when its year is one FtM cannot hold."""
    if not edtf:
        return [], []
    notes = _flag(edtf, what, losses)
    if int(edtf[:4]) in YEARS:
        return [ftm_date(edtf)], notes
    losses.text("date(s) outside the years FtM holds (1000-2999)")
    return [], [*notes, f"The {what} is {show(edtf)} (EDTF {edtf})."]


def _flag(edtf: str | None, what: str, losses: Losses) -> list[str]:
    """A note saying that `what` is approximate or uncertain, counted as a loss."""
    if not edtf or edtf[-1] not in "~?":
        return []
    losses.flags += 1
    kind = "approximate" if edtf.endswith("~") else "uncertain"
    return [f"The {what} is {kind}: recorded as {show(edtf)} (EDTF {edtf})."]


def _sources(sources: list[str], losses: Losses) -> tuple[list[str], list[str]]:
    """URLs for `sourceUrl`, and notes for citations that are not URLs."""
    urls = [s for s in sources if _URL.match(s)]
    cited = [f"Source: {s}" for s in sources if not _URL.match(s)]
    if cited:
        losses.text("citation(s) that are not URLs", len(cited))
    return urls, cited


def _country(code: str | None, what: str, losses: Losses) -> tuple[list[str], list[str]]:
    """A code FtM knows for its country property, or a note saying the value."""
    if not code:
        return [], []
    if code.lower() in _COUNTRIES:
        return [code.lower()], []
    losses.text(f"{what} value(s) that are not country codes")
    return [], [f"{what.capitalize()}: {code}."]


def _named(name: str, id_: str, losses: Losses | None = None) -> str:
    """A name or title, or the record's id when no character of it shows: FtM requires
    a name, and would drop this one (counted in `losses`, when given)."""
    if contract.visible(name):  # the contract allows a stored one without
        return name
    if losses is not None:
        losses.change("name(s) or title(s) without a visible character, given as the id")
    return id_


def _entity(
    id_: str, schema: str, properties: Mapping[str, list[str]], losses: Losses | None = None
) -> dict[str, Any]:
    kept = {k: [v for v in values if contract.visible(v)] for k, values in properties.items()}
    dropped = sum(map(len, properties.values())) - sum(map(len, kept.values()))
    if dropped and losses is not None:
        losses.change("value(s) without a visible character, left out", dropped)
    return {"id": id_, "schema": schema, "properties": {k: v for k, v in kept.items() if v}}


def _case(raw: Mapping[str, Any], losses: Losses) -> dict[str, Any]:
    urls, cited = _sources(raw["sources"], losses)
    country, said = _country(raw.get("jurisdiction"), "jurisdiction", losses)
    return _entity(
        entity_id("case", raw["id"]),
        "CourtCase",
        {
            "name": [_named(raw["title"], raw["id"], losses)],
            "summary": [raw["summary"]] if raw.get("summary") else [],
            "country": country,
            "status": [raw["status"]] if raw.get("status") else [],
            "category": list(raw["charges"]),
            "keywords": list(raw["tags"]),
            "sourceUrl": urls,
            "notes": [*said, *cited],
        },
        losses,
    )


def _person(raw: Mapping[str, Any], losses: Losses) -> dict[str, Any]:
    urls, cited = _sources(raw["sources"], losses)
    notes = [raw["notes"]] if raw.get("notes") else []
    codes, said = _country(raw.get("nationality"), "nationality", losses)
    notes += said
    if raw["organizations"]:
        notes.append(f"Organizations: {'; '.join(raw['organizations'])}.")
        losses.text("list(s) of organizations")
    born, said_born = _date(raw.get("born"), "birth date", losses)
    died, said_died = _date(raw.get("died"), "death date", losses)
    notes = _confidential(raw, "person", losses) + notes + said_born + said_died
    return _entity(
        entity_id("person", raw["id"]),
        "Person",
        {
            "name": [_named(raw["name"], raw["id"], losses)],
            "alias": list(raw["aliases"]),
            "birthDate": born,
            "deathDate": died,
            "nationality": codes,
            "sourceUrl": urls,
            "notes": [*notes, *cited],
        },
        losses,
    )


def _confidential(raw: Mapping[str, Any], kind: str, losses: Losses) -> list[str]:
    """FtM has no mark for a record kept confidential (a protected witness): `notes` say
    it, first thing, and the loss is counted (exported only with --include-confidential)."""
    if not raw.get("confidential"):
        return []
    losses.text(f"confidential mark(s) of {kind}s")
    return [f"CONFIDENTIAL in the dossier: this {kind} is not to be disclosed."]


def _parties(raw: Mapping[str, Any], cases: set[str]) -> Iterator[dict[str, Any]]:
    for role in raw["roles"]:
        if role["case"] in cases:
            yield _entity(
                entity_id("party", role["case"], raw["id"], role["role"]),
                "CourtCaseParty",
                {
                    "case": [entity_id("case", role["case"])],
                    "party": [entity_id("person", raw["id"])],
                    "role": [role["role"]],
                },
            )


def _title(type_: str, date: str, who: list[str]) -> str:
    named = f" of {', '.join(who)}" if who else ""
    return f"{type_.replace('_', ' ').capitalize()}{named}, {show(date)}"


def _event(
    raw: Mapping[str, Any], names: Mapping[str, str], losses: Losses
) -> Iterator[dict[str, Any]]:
    urls, cited = _sources(raw["sources"], losses)
    country, said = _country(raw.get("country"), "country", losses)
    date, said_date = _date(raw["date"], "date", losses)
    end, said_end = _date(raw.get("end"), "end date", losses)
    notes = [*said_date, *said_end, *said]
    for what, label in (("outcome", "Outcome"), ("term", "Term")):
        if raw.get(what):
            notes.append(f"{label}: {raw[what]}.")
            losses.text(f"{what}(s)")
    if raw.get("note"):
        notes.append(raw["note"])
    notes = _confidential(raw, "event", losses) + notes
    span = raw.get("end")
    event_id = entity_id("event", raw["id"])
    yield _entity(
        event_id,
        "Event",
        {
            "name": [_title(raw["type"], raw["date"], [names[p] for p in raw["persons"]])],
            "date": date,
            "startDate": date if span else [],
            "endDate": end,
            "location": [raw["place"]] if raw.get("place") else [],
            "country": country,
            "involved": [entity_id("person", p) for p in raw["persons"]],
            "description": [raw["description"]] if raw.get("description") else [],
            "sourceUrl": urls,
            "recordId": [raw["id"]],
            "notes": [*notes, *cited],
        },
        losses,
    )
    yield _entity(
        entity_id("event-case", raw["id"]),
        "UnknownLink",
        {"subject": [event_id], "object": [entity_id("case", raw["case"])], "role": ["case"]},
    )


def _period(
    period: Period, name: str, as_of: datetime.date, problems: Sequence[Problem] = ()
) -> dict[str, Any]:
    kind = "house arrest" if period.kind == "house_arrest" else "custody"
    # Read as the custody tables read it: a range where the dates allow one, else "~"
    # before an estimate from a date marked ~ or ? (c. 2012-05-03 to 1 September: "~121",
    # not a bare "121 days" that another tool takes as exact).
    days = (
        f"{'~' * period.approximate}{period.days} days"
        if period.days_min == period.days_max
        else f"{period.days} days (between {period.days_min} and {period.days_max})"
    )
    if period.end is None:
        told = f"ongoing as of {as_of.isoformat()}: {days}"
    else:
        told = f"{days}, ended by {(period.ended_by or 'release').replace('_', ' ')}"
    if problems:
        told += "; the person's custody record has a problem, said in notes"
    # The dates are its events': their flags were counted with them.
    start, said_start = _date(period.start, "start", Losses())
    end, said_end = _date(period.end, "end", Losses())
    return _entity(
        entity_id(kind.replace(" ", "-"), period.person, period.start_event),
        "Event",
        {
            "name": [f"{kind.capitalize()} of {name}"],
            "startDate": start,
            "endDate": end,
            "location": list(period.facilities),
            "involved": [entity_id("person", period.person)],
            "summary": [f"{kind.capitalize()} from {show(period.start)}: {told}."],
            "recordId": [f"{period.kind}:{period.person}:{period.start_event}"],
            "notes": [
                *said_start,
                *said_end,
                *(f"Problem: {_sentence(p.message)}" for p in problems),
            ],
        },
    )


def entities(
    records: Mapping[str, list[dict[str, Any]]],
    as_of: datetime.date,
    losses: Losses,
    everything: Mapping[str, list[dict[str, Any]]] | None = None,
    outside: Iterable[Mapping[str, Any]] = (),
    recorded: Mapping[str, int] | None = None,
) -> Iterator[dict[str, Any]]:
    """The FtM entities of `records` (as export.select gives them), custody periods
    counted as of `as_of`; what cannot be carried is counted in `losses`.

    `everything`: the same selection with its confidential records, when some were
    left out; `outside`: the events of the cases not exported (an export of some
    cases). A custody period is exported only as the whole record tells it: one that
    a withheld event, or one under another case, would start, end or change (a release
    there would leave it "ongoing") is left out and counted, and nothing of that event
    is told.

    `recorded`: each event's place in the dossier (the order recorded), by id, which
    the whole record's events are taken in when `outside` adds to them: of two starts
    of one day the first recorded names the period, and so its entity id, as in an
    export of every case and in the timeline.
    """
    cases = {c["id"] for c in records["cases"]}
    # As the Person entities name them (an invisible name by the id), in event titles.
    names = {p["id"]: _named(p["name"], p["id"]) for p in records["persons"]}
    died = {p["id"]: p.get("died") for p in records["persons"]}
    for raw in records["cases"]:
        yield _case(raw, losses)
    for raw in records["persons"]:
        yield _person(raw, losses)
        yield from _parties(raw, cases)
    for raw in records["events"]:
        yield from _event(raw, names, losses)

    def periods(events: Sequence[Mapping[str, Any]]) -> Custody:
        """Custody as the record stood on `as_of`, as every other figure counts it: a
        release dated next week does not end a period today."""
        return custody_stored(list(names), known_on(events, as_of)[0], as_of, died)

    held = periods(records["events"])
    withheld = held
    if everything is not None and len(everything["events"]) != len(records["events"]):
        withheld = periods(everything["events"])
    whole = withheld
    if others := [raw for raw in outside if raw["type"] in SHAPES_CUSTODY]:
        combined = [*(everything or records)["events"], *others]
        if recorded:
            combined.sort(key=lambda raw: recorded.get(raw["id"], len(recorded)))
        whole = periods(combined)
    told = {_told(p): p for p in whole.periods}
    unwithheld = {_told(p) for p in withheld.periods}
    # A person's problems go with each of their periods, as the "!" of the custody
    # tables marks the person: a death with no end recorded leaves a period "ongoing",
    # which another tool must not read as fact.
    problems: dict[str, list[Problem]] = {}
    for problem in held.problems:
        problems.setdefault(problem.person, []).append(problem)
    for period in held.periods:
        if (same := told.get(_told(period))) is not None:
            doubts = problems.get(period.person, ())
            losses.doubtful += bool(doubts)
            # Only the places the whole record gives this period: a start under another
            # case may take one to the next period (re-arrested at the gate "in March").
            places = tuple(f for f in period.facilities if f in same.facilities)
            yield _period(replace(period, facilities=places), names[period.person], as_of, doubts)
        elif _told(period) in unwithheld:
            losses.elsewhere += 1
        else:
            losses.periods += 1


def _sentence(text: str) -> str:
    """`text` ending as a sentence does (a problem's message may end with a question)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def _told(period: Period) -> tuple[Any, ...]:
    """What a period's entity says: not its facilities (a withheld transfer may add
    one), nor its pretrial days, which it does not tell (a verdict elsewhere changes
    them, not the period)."""
    return (period.person, period.kind, period.start, period.end, period.start_event,
            period.end_event, period.days, period.days_min, period.days_max,
            period.ended_by)  # fmt: skip


def to_ftm(entities: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """JSON lines, one entity a line, as `ftm` and Aleph read them."""
    for entity in entities:
        yield orjson.dumps(entity) + b"\n"
