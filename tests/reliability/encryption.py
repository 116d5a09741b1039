"""Scenarios on an encrypted dossier: the same code, with an `Encryption` passed in.

`encrypted(run)` turns a scenario `run(trials, workdir, encryption=None)` into
one on an encrypted dossier: it sets DOSSIER_PASSPHRASE in this process's
environment for the scenario's length (so the CLI run in this process, the
forked writers and every real `python -m dossier` process open the file with
it), and the scenario calls `encryption.seal(db)` where it builds its dossier.

`seal` encrypts the dossier in place and adds records written only ever
encrypted: names in Latin and Cyrillic, dates, places, sources, descriptions.
Those words and a sample of every other word of the dossier are the needles of
`check_folder`, which a scenario calls after each trial (after each kill): no
file in the dossier's folder (the dossier, its temp files, its lock file, any
backup) may hold one in plaintext, every file but the lock file is empty or
begins with the magic bytes, and the dossier opens with the passphrase.
`watching` looks at the folder over and over while writers run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from dossier import ops, vault
from dossier.crypto import MAGIC, FileKey, KdfParams, unseal
from dossier.errors import DossierError
from dossier.keys import Keys
from dossier.model import Case, Event, Person, Role
from dossier.storage import lock_path
from dossier.store import Dossier

from .harness import Outcome, Tally

PASSPHRASE = "reliability: correct horse battery staple"
# Fast key derivation: each process derives the key once, so the default (64 MiB,
# 3 passes) would cost every command ~0.15 s and say nothing more.
FAST_KDF = KdfParams(memory_kib=8, iterations=1, lanes=1)
# What the environment may hold that would open the file another way.
_OTHER_SOURCES = ("DOSSIER_PASSPHRASE_FILE", "DOSSIER_SESSION")

# Records added to every encrypted dossier: every word of them is a needle.
SECRET_CASE = Case(
    id="secret-case",
    title="Дело Потайной и Whitfield",
    summary="Closed proceedings, never to be read without the passphrase",
    jurisdiction="Свердловская область",
    sources=("https://secret.example.net/case-file-0042",),
)
SECRET_PERSONS = (
    Person(
        id="secret-latin",
        name="Anastasia Kovalenko-Whitfield",
        aliases=("Nastya Whitfield",),
        born="1968-02-29",
        notes="Lives at 14 Hidden Lane, flat 9",
        sources=("https://secret.example.net/whitfield-profile",),
        roles=(Role("secret-case", "defendant"),),
    ),
    Person(
        id="secret-cyrillic",
        name="Мария Ивановна Потайная",
        aliases=("Маша Тайная",),
        born="1971-07-19",
        notes="Адрес: улица Скрытная, дом 7",
        sources=("https://secret.example.net/потайная",),
        roles=(Role("secret-case", "witness"),),
    ),
)
SECRET_EVENTS = (
    Event(
        id="secret-arrest",
        case="secret-case",
        type="arrest",
        date="1987-03-14",
        persons=("secret-cyrillic",),
        place="Екатеринбург, подъезд 3",
        description="Задержана у подъезда на улице Скрытной",
        sources=("https://secret.example.net/протокол-задержания",),
    ),
    Event(
        id="secret-hearing",
        case="secret-case",
        type="hearing",
        date="1991-11-29",
        persons=("secret-latin",),
        place="Courtroom 12, Hidden City",
        description="Closed hearing; the witness statement was sealed",
        sources=("https://secret.example.net/hearing-1991-11-29",),
    ),
)
# JSON that only a plaintext dossier holds (never the header of an encrypted one).
STRUCTURE = ('"meta":', '"cases":', '"persons":', '"events":', '"history":', '"format":"dossier"')
MIN_NEEDLE = 6  # bytes: a shorter word may turn up in random ciphertext by chance
SAMPLE = 16  # records of each kind (and history commands) whose words are needles too
KINDS = ("cases", "persons", "events")


def _forms(text: str) -> set[bytes]:
    """The ways `text` may stand in a file in plaintext: UTF-8, and JSON's \\u escapes."""
    forms = {text.encode("utf-8")}
    if not text.isascii():
        forms.add(json.dumps(text)[1:-1].encode("ascii"))
    return {form for form in forms if len(form) >= MIN_NEEDLE}


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (its keys aside)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


SECRET_WORDS: frozenset[str] = frozenset(
    text
    for record in (SECRET_CASE, *SECRET_PERSONS, *SECRET_EVENTS)
    for text in _strings(orjson.loads(orjson.dumps(record.to_dict())))
    if not text.startswith("secret-") and len(text.encode()) >= MIN_NEEDLE
)


class Encryption:
    """What runs a scenario on an encrypted dossier: the passphrase, the words no file
    may show in plaintext, and the checks of the dossier's folder."""

    def __init__(self, passphrase: str = PASSPHRASE, kdf: KdfParams = FAST_KDF) -> None:
        self.passphrase = passphrase
        self.kdf = kdf
        self.rng = random.Random()
        self.needles: set[bytes] = {form for text in SECRET_WORDS for form in _forms(text)}
        self.needles |= {token.encode() for token in STRUCTURE}
        self._keys = self.keys()  # one object: the key is derived once

    def keys(self) -> Keys:
        """Keys with this passphrase (and no shell unlock)."""
        return Keys(lambda _path: self.passphrase)

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        """DOSSIER_PASSPHRASE set (and nothing else that opens files) in this process and
        every process it starts; the environment as it was afterwards."""
        saved = {name: os.environ.get(name) for name in ("DOSSIER_PASSPHRASE", *_OTHER_SOURCES)}
        os.environ["DOSSIER_PASSPHRASE"] = self.passphrase
        for name in _OTHER_SOURCES:
            os.environ.pop(name, None)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # Building --------------------------------------------------------------------

    def seal(self, db: Path) -> Path:
        """Encrypt the dossier at `db` in place (a missing one becomes an empty encrypted
        dossier), then add the secret records: they are only ever written encrypted."""
        db.parent.mkdir(parents=True, exist_ok=True)
        vault.encrypt(db, self.passphrase, self.kdf)
        with Dossier.edit(db, "setup: secret records", keys=self.keys()) as d:
            ops.add_case(d, SECRET_CASE)
            for person in SECRET_PERSONS:
                ops.add_person(d, person)
            for event in SECRET_EVENTS:
                ops.add_event(d, event)
        self.learn(db)
        return db

    def open(self, db: Path) -> tuple[bytes, FileKey]:
        """The plaintext of the encrypted dossier at `db` and the key that seals it
        again, as someone with the passphrase has them."""
        plaintext, key = unseal(db.read_bytes(), db, self._keys)
        if key is None:
            raise AssertionError(f"{db} is not encrypted")
        return plaintext, key

    def learn(self, *sources: Path | str) -> None:
        """Add needles: words given, and the words of a sample of a dossier's records and
        history commands (of every one in a small dossier)."""
        words: set[str] = set()
        for source in sources:
            if isinstance(source, str):
                words.add(source)
                continue
            data = orjson.loads(self.open(source)[0])
            history = [e.get("command") for e in (data.get("history") or {}).values()]
            for values in (*(data.get(k) or {} for k in KINDS), dict(enumerate(history))):
                chosen = list(values.values())
                if len(chosen) > SAMPLE:
                    chosen = self.rng.sample(chosen, SAMPLE)
                words |= set(_strings(chosen))
        self.needles |= {form for text in words for form in _forms(text)}

    # Checking --------------------------------------------------------------------

    def leak(self, path: Path, raw: bytes, db: Path) -> str | None:
        """What shows plaintext in a file beside the dossier `db`, or None."""
        if path != lock_path(db) and raw[: len(MAGIC)] != MAGIC[: len(raw)]:
            return f"{path.name} is not encrypted: it begins {raw[:24]!r}"
        for needle in self.needles:
            if needle in raw:
                return f"{path.name} holds {needle.decode(errors='replace')!r} in plaintext"
        return None

    def opens(self, db: Path, raw: bytes) -> str | None:
        """None when `raw` is an encrypted file that opens with the passphrase (whole: the
        cipher checks every byte; what it holds, the scenario checks)."""
        try:
            _plaintext, key = unseal(raw, db, self._keys)
        except DossierError as exc:
            return f"the dossier does not open with the passphrase: {exc}"
        return None if key is not None else "the dossier is not encrypted"

    def check_folder(self, t: Tally, db: Path, when: str) -> None:
        """Fail the trial if any file in the folder of `db` shows plaintext, or the dossier
        is not encrypted or does not open with the passphrase."""
        for path in sorted(db.parent.iterdir()):
            if path.is_file():
                problem = self.leak(path, path.read_bytes(), db)
                t.check(problem is None, f"{when}: {problem}")
        if t.check(db.is_file(), f"{when}: the dossier is gone"):
            problem = self.opens(db, db.read_bytes())
            t.check(problem is None, f"{when}: {problem}")

    @contextlib.contextmanager
    def watching(self, tally: Tally, db: Path) -> Iterator[None]:
        """Look at every file in the folder of `db` over and over while the block runs (a
        temp file lives only while a write runs); then one trial for what was seen."""
        stop = threading.Event()
        problems: list[str] = []
        seen = {"looks": 0, "temp files": 0, "dossier states": 0}
        states: set[bytes] = set()

        def look() -> None:
            while not stop.is_set():
                seen["looks"] += 1
                for path in _files(db.parent):
                    try:
                        raw = path.read_bytes()
                    except (FileNotFoundError, IsADirectoryError):
                        continue  # a temp file renamed or removed meanwhile
                    seen["temp files"] += path.suffix == ".tmp"
                    problem = self.leak(path, raw, db)
                    digest = hashlib.sha256(raw).digest()
                    if path == db and digest not in states:
                        states.add(digest)
                        problem = problem or self.opens(db, raw)
                    if problem:
                        problems.append(problem)
                stop.wait(0.003)

        thread = threading.Thread(target=look, name="plaintext watcher", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(30)
        with tally.trial("no plaintext in the folder while writing") as t:
            t.check(not problems, f"{len(problems)} times, first: {problems[:1]}")
        seen["dossier states"] = len(states)
        tally.notes.append(
            "folder watched while writing: " + ", ".join(f"{k} {v}" for k, v in seen.items())
        )


def _files(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except FileNotFoundError:
        return []


def title(name: str, encryption: Encryption | None) -> str:
    """A scenario's name in the table, marked when it runs encrypted."""
    return name if encryption is None else f"{name} (encrypted)"


def encrypted(run: Callable[..., Outcome]) -> Callable[[int, Path], Outcome]:
    """The scenario `run(trials, workdir, encryption=…)` on an encrypted dossier, with
    DOSSIER_PASSPHRASE set for every command it runs (and restored afterwards)."""

    def scenario(trials: int, workdir: Path) -> Outcome:
        encryption = Encryption()
        with encryption.environment():
            return run(trials, workdir, encryption=encryption)

    scenario.__name__ = scenario.__qualname__ = f"{run.__name__}_encrypted"
    scenario.__doc__ = f"{run.__name__} on an encrypted dossier:\n\n{run.__doc__}"
    return scenario
