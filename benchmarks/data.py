"""Deterministic benchmark data: ~1,000 cases, ~3,000 persons, N events.

Realistic enough to exercise the real code paths: Cyrillic names with Latin
aliases, partial dates (day, month and year precision; ISO and dotted forms),
several persons on some events, custody starts and ends, verdicts, sources.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import orjson

from dossier import vault

FIRST = [
    "Иван",
    "Пётр",
    "Алексей",
    "Андрей",
    "Михаил",
    "Сергей",
    "Василий",
    "Платон",
    "Елена",
    "Ольга",
    "Светлана",
    "Наталья",
    "Дмитрий",
    "Юрий",
    "Павел",
    "Анна",
]
LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
    "Соколов",
    "Попов",
    "Фёдоров",
    "Орлов",
    "Алексанян",
    "Кудояров",
]
PLACES = [
    "Moscow",
    "SIZO No. 3, Moscow",
    "Matrosskaya Tishina, Moscow",
    "Lefortovo, Moscow",
    "Penal colony IK-7, Segezha",
    "Krasnokamensk",
    "Novosibirsk",
    "St Petersburg",
]
TYPES = (
    ["arrest"] * 6
    + ["pretrial_detention"] * 5
    + ["detention_extended"] * 8
    + ["hearing"] * 20
    + ["transfer"] * 6
    + ["medical_care_denied"] * 4
    + ["illness"] * 3
    + ["hunger_strike"] * 2
    + ["verdict"] * 4
    + ["sentence"] * 4
    + ["appeal"] * 6
    + ["release"] * 4
    + ["bail"] * 2
    + ["charge"] * 6
    + ["search"] * 3
    + ["statement"] * 5
    + ["other"] * 8
    + ["extradition_request", "extradition_refused", "death_in_custody", "house_arrest"]
)
STATUSES = ["open", "investigation", "pretrial", "trial", "convicted", "appeal", "released"]


def _date(rng: random.Random) -> tuple[str, str]:
    """(typed form for CSV, EDTF) with mixed precision and notation."""
    year, month, day = rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28)
    roll = rng.random()
    if roll < 0.1:
        return str(year), str(year)
    if roll < 0.3:
        return f"{year}-{month:02d}", f"{year}-{month:02d}"
    edtf = f"{year}-{month:02d}-{day:02d}"
    return (f"{day:02d}.{month:02d}.{year}" if roll < 0.6 else edtf), edtf


def generate(folder: Path, events: int, cases: int = 1000, persons: int = 3000) -> dict[str, Path]:
    """Write cases.csv, persons.csv, events.csv and the floor's records.json."""
    rng = random.Random(2003_10_25)
    folder.mkdir(parents=True, exist_ok=True)
    case_rows = [
        {
            "id": f"case-{n:04d}",
            "title": f"Case {n}: {rng.choice(LAST)} and others",
            "summary": "Prosecution documented from court records and press reports.",
            "jurisdiction": "RU",
            "status": rng.choice(STATUSES),
            "charges": "Art. 160 CC RF",
            "tags": rng.choice(["yukos", "business", "journalist", "activist"]),
            "sources": f"https://example.org/cases/{n}",
        }
        for n in range(cases)
    ]
    person_rows = []
    case_persons: dict[str, list[str]] = {c["id"]: [] for c in case_rows}
    for n in range(persons):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}"
        case = case_rows[n % cases]["id"]
        pid = f"person-{n:04d}"
        case_persons[case].append(pid)
        person_rows.append(
            {
                "id": pid,
                "name": name,
                "aliases": f"P. {n}",
                "born": "",
                "case": case,
                "role": "defendant" if n % 3 else "lawyer",
                "sources": f"https://example.org/persons/{n}",
            }
        )
    event_rows = []
    for n in range(events):
        case = case_rows[rng.randrange(cases)]["id"]
        typed, _edtf = _date(rng)
        kind = rng.choice(TYPES)
        people = rng.sample(
            case_persons[case], k=min(len(case_persons[case]), rng.choice((1, 1, 2)))
        )
        event_rows.append(
            {
                "case": case,
                "date": typed,
                "type": kind,
                "person": "|".join(people),
                "place": rng.choice(PLACES),
                "country": "RU" if kind.startswith("extradition") else "",
                "description": f"Event {n}: {kind.replace('_', ' ')} reported by counsel.",
                "source": f"https://example.org/events/{n}",
                "outcome": "guilty" if kind == "verdict" else "",
                "term": "",
            }
        )
    paths = {}
    for name, rows in (("cases", case_rows), ("persons", person_rows), ("events", event_rows)):
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths[name] = path
    return paths


def floor_json(db: Path, out: Path) -> Path:
    """The floor: the dossier's cases, persons and events alone, as compact JSON."""
    data = orjson.loads(db.read_bytes())
    records = {kind: list(data.get(kind, {}).values()) for kind in ("cases", "persons", "events")}
    out.write_bytes(orjson.dumps(records))
    return out


def encrypted_copy(db: Path, out: Path, passphrase: str) -> Path:
    """`db` encrypted as `dossier encrypt` does it (the default key derivation), as `out`.

    Encrypted beside `out` and then moved there, so that an interrupted build leaves
    no plain file under the encrypted name.
    """
    new = out.with_name(f"{out.name}.new")
    shutil.copyfile(db, new)
    vault.encrypt(new, passphrase)
    new.replace(out)
    return out
