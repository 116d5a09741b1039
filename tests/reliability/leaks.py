"""Leaks: file modes, redaction of confidential records, tracebacks, terminal control codes."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any
from unittest import mock

import orjson

from .faults import TempFileFaults
from .harness import Outcome, Tally, cli, process_env, run_process, umask, write_csv
from .migrations import backups, simulated_upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# File modes ------------------------------------------------------------------------------


def file_modes(trials: int, workdir: Path) -> Outcome:
    """New database, lock, temp, backup, export and report files are 0600 under umask 000;
    a file that exists keeps its mode, and its lock file follows it."""
    tally = Tally("file modes under umask 000")
    for k in range(max(1, trials)):
        folder = workdir / f"round-{k}"
        folder.mkdir()
        with umask(0):
            _modes(tally, folder, real_process=k == 0)
    return tally.outcome()


def _modes(tally: Tally, folder: Path, real_process: bool) -> None:
    db = folder / "dossier.json"
    temp_modes: list[tuple[str, int]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if str(src).endswith(".tmp"):
            temp_modes.append((Path(src).name, _mode(Path(src))))
        real_replace(src, dst, *args, **kwargs)

    csv = write_csv(folder / "in.csv", ["case", "date", "type"], [["c", "2010", "search"]])
    commands = [
        ("case", "add", "c", "--title", "C"),
        ("log", "c", "arrest", "2009"),
        ("import", str(csv)),
        ("export", "-o", str(folder / "export.json")),
        ("report", "c", "-o", str(folder / "report.html")),
    ]
    with tally.trial("commands under umask 000") as t, mock.patch.object(os, "replace", spy):
        for args in commands:
            result = cli(db, *args)
            t.check(result.exit_code == 0, f"{args[0]}: {result.output!r}")
        upgraded = folder / "upgraded.json"
        shutil.copy(db, upgraded)
        with simulated_upgrade():
            result = cli(upgraded, "log", "c", "release", "2010")
            t.check(result.exit_code == 0, f"the upgrade write: {result.output!r}")
    files = {
        "database": db,
        "lock file": db.with_name(db.name + ".lock"),
        "export -o": folder / "export.json",
        "report -o": folder / "report.html",
    }
    for name, path in files.items():
        with tally.trial(name) as t:
            t.check(path.exists() and _mode(path) == 0o600, f"{path.name}: {_mode(path):o}")
    with tally.trial("backup") as t:
        saved = backups(folder / "upgraded.json")
        t.check(saved, "no backup was made")
        for path in saved:
            t.check(_mode(path) == 0o600, f"{path.name}: {_mode(path):o}")
    with tally.trial("temp files") as t:
        t.check(len(temp_modes) >= 7, f"only {len(temp_modes)} temp files seen")
        loose = [f"{name}: {mode:o}" for name, mode in temp_modes if mode != 0o600]
        t.check(not loose, f"temp files not 0600: {loose}")
    with tally.trial("a file's own mode is kept; its lock file follows it, never wider") as t:
        lock = files["lock file"]
        db.chmod(0o640)
        lock.chmod(0o666)
        result = cli(db, "log", "c", "hearing", "2011")
        t.check(result.exit_code == 0, f"log: {result.output!r}")
        t.check(_mode(db) == 0o640 and _mode(lock) == 0o640, f"{_mode(db):o}, {_mode(lock):o}")
    if real_process:
        with tally.trial("a real process under umask 000") as t:
            other = folder / "process.json"
            done = run_process(other, "case", "add", "c", "--title", "C")
            t.check(done.returncode == 0, f"case add: {done.stderr!r}")
            lock = other.with_name(other.name + ".lock")
            t.check(_mode(other) == 0o600 and _mode(lock) == 0o600, "not 0600")


# Confidential records ------------------------------------------------------------------------

# Every confidential text holds one of these (lower-cased), and nothing else does: each
# has a character no event id or hash has ("1", a space, a dot), so that a random id
# such as "aqz3bk" is never taken for a leak (it was, now and then, with plain "qz").
SECRETS = ("qz1", "qz2 ", "secret.example")


def secret_in(text: str) -> int:
    """Where the first confidential text is in `text` (lower-cased), or -1."""
    found = [at for at in (text.find(s) for s in SECRETS) if at >= 0]
    return min(found, default=-1)


def confidential_dossier(db: Path) -> None:
    """A protected witness, a confidential event, and ordinary records around them."""
    commands = [
        ("case", "add", "c", "--title=Case C"),
        ("case", "add", "d", "--title=Case D"),
        ("person", "add", "Secret Witness Qz1", "--confidential", "--alias=Qz1 Alias",
         "--notes=qz1 notes", "--born=1970", "--source=https://secret.example/qz3",
         "--case=c", "--role=witness", "--yes"),
        ("person", "add", "Open Person", "--id=open", "--case=c", "--role=defendant", "--yes"),
        ("log", "c", "arrest", "2009-01-01", "--person=secret-witness-qz1", "--person=open",
         "--source=https://ok.example/a"),
        ("log", "c", "release", "2009-05-01", "--person=secret-witness-qz1"),
        ("log", "c", "release", "2010-01-01", "--person=secret-witness-qz1"),  # a problem
        ("log", "c", "hearing", "2009-06-01", "--confidential", "--description=qz2 hidden",
         "--place=Qz2 place", "--source=https://secret.example/qz4", "--person=open"),
        ("log", "d", "arrest", "2010-02-01", "--person=secret-witness-qz1",
         "--description=held in d"),
        ("log", "d", "sentence", "2011-02-01", "--person=secret-witness-qz1"),
    ]  # fmt: skip
    for args in commands:
        result = cli(db, *args)
        if result.exit_code != 0:
            raise RuntimeError(f"setting up {args[:2]}: {result.output}")


def confidential_reports(trials: int, workdir: Path) -> Outcome:
    """Reports in every format, on one case and on two: nothing confidential shows
    unless --include-confidential, and the report says it is redacted."""
    tally = Tally("confidential records in reports")
    db = workdir / "dossier.json"
    confidential_dossier(db)
    combos = [(f, s, i) for f in ("txt", "md", "html") for s in ("c", "c d") for i in (0, 1)]
    for k in range(max(trials, len(combos))):
        fmt, selection, include = combos[k % len(combos)]
        flag = ("--include-confidential",) if include else ()
        with tally.trial(f"report {selection} --format {fmt} {' '.join(flag)}") as t:
            result = cli(db, "report", *selection.split(), f"--format={fmt}", *flag)
            t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
            text = result.stdout.lower()
            if include:
                t.check("qz1" in text and "qz2" in text, "confidential records are missing")
                t.check("includes confidential" in text, "the report does not say so")
            else:
                at = secret_in(text)
                context = result.stdout[max(0, at - 60) : at + 40]
                t.check(at < 0, f"confidential text shows: {context!r}")
                t.check("redacted" in text, "the report does not say it is redacted")
                t.check("person a" in text, "the witness has no pseudonym")
    return tally.outcome()


def confidential_exports(trials: int, workdir: Path) -> Outcome:
    """Exports leave confidential records out unless asked for (issue 7: "confidential
    records redacted in reports and exports unless asked for")."""
    tally = Tally("confidential records in exports")
    db = workdir / "dossier.json"
    confidential_dossier(db)
    forms = [("--format=json",), ("--format=jsonl",), ("--format=csv", "--kind=persons"),
             ("--format=csv", "--kind=events")]  # fmt: skip
    for k in range(max(trials, len(forms))):
        form = forms[k % len(forms)]
        with tally.trial(f"export {' '.join(form)}") as t:
            result = cli(db, "export", *form)
            t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
            t.check(secret_in(result.stdout.lower()) < 0, "confidential records are exported")
            asked = cli(db, "export", *form, "--include-confidential")
            t.check(asked.exit_code == 0, f"--include-confidential: {asked.output.strip()!r}")
            t.check(secret_in(asked.stdout.lower()) >= 0, "asked for, the records are missing")
    return tally.outcome()


# Tracebacks ---------------------------------------------------------------------------------

MARKER = "Qx9"  # in stored records only; no command below types it


def debug_dossier(db: Path) -> None:
    commands = [
        ("case", "add", "c", "--title=Case C"),
        ("person", "add", "Marta Qx9secret Example", "--id=marta", "--confidential", "--yes"),
        ("person", "add", "Olga Qx9alias", "--id=olga", "--alias=Shared Alias", "--yes"),
        ("person", "add", "Nina Qx9alias", "--id=nina", "--alias=Shared Alias", "--yes"),
        ("log", "c", "arrest", "2009", "--person=marta", "--description=Qx9 description"),
    ]
    for args in commands:
        result = cli(db, *args)
        if result.exit_code != 0:
            raise RuntimeError(f"setting up {args[:2]}: {result.output}")


def _traceback_part(output: str) -> str:
    """The traceback in an output (without `Error:` and `Warning:` lines), or ''."""
    at = output.find("Traceback (most recent call last)")
    if at < 0:
        return ""
    lines = output[at:].splitlines()
    return "\n".join(line for line in lines if not line.startswith(("Error: ", "Warning: ")))


def _debug_output(db: Path, args: tuple[str, ...]) -> str:
    """What `dossier --debug ARGS` prints, as a real process would (the CLI runner keeps
    an escaping exception instead of printing it, so it is formatted here as Python
    would)."""
    result = cli(db, "--debug", *args)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(result.exception))
    return output


def debug_tracebacks(trials: int, workdir: Path) -> Outcome:
    """`--debug` tracebacks of failing commands never print record contents: a name,
    a date or a description stored in the dossier."""
    tally = Tally("--debug tracebacks")
    db = workdir / "dossier.json"
    debug_dossier(db)
    damaged = workdir / "damaged.json"
    data = orjson.loads(db.read_bytes())
    for doc in data["persons"].values():
        if doc["id"] == "marta":
            doc["born"] = "Qx9-not-a-date"
    damaged.write_bytes(orjson.dumps(data))

    def internal_error(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in rendering")

    cases: list[tuple[str, Path, tuple[str, ...], Any]] = [
        ("a name that is nearly a stored one", db,
         ("log", "c", "arrest", "2010", "--person", "Marta Example"), None),
        ("an alias two persons share", db,
         ("log", "c", "arrest", "2010", "--person", "Shared Alias"), None),
        ("a lookalike of a stored name", db, ("person", "add", "Marta Example"), None),
        ("a damaged record", damaged, ("person", "show", "marta"), None),
        ("a damaged record in a timeline", damaged, ("person", "list"), None),
        ("a bug while rendering", db, ("event", "list"),
         lambda: mock.patch("dossier.render.terminal.events_table", internal_error)),
        ("a full disk", db, ("log", "c", "release", "2011", "--person", "marta"),
         lambda: TempFileFaults("write", errno.ENOSPC)),
    ]  # fmt: skip
    for k in range(max(trials, len(cases))):
        label, path, args, inject = cases[k % len(cases)]
        real = k == 0
        with tally.trial(f"{label}{' (real process)' if real else ''}") as t:
            if real:
                output = _real_debug(path, args)
            elif inject is not None:
                with inject():
                    output = _debug_output(path, args)
            else:
                output = _debug_output(path, args)
            shown = _traceback_part(output)
            at = shown.find(MARKER)
            context = shown[max(0, at - 80) : at + 40]
            t.check(at < 0, f"the traceback shows record contents: {context!r}")
    return tally.outcome()


def _real_debug(db: Path, args: tuple[str, ...]) -> str:
    """What a real `dossier --debug` process prints."""
    done = subprocess.run(
        [sys.executable, "-m", "dossier", "--db", str(db), "--debug", *args],
        env=process_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout + done.stderr


# Terminal control codes -----------------------------------------------------------------------

CONTROL = {
    "description": "\x1b]0;mk-title\x07 \x1b[2J cleared",  # set the window title, clear
    "place": "\x1b[8mhidden\x1b[0m",  # invisible text
    "note": "fake\rreal",  # a carriage return overwrites what came before
    "sources": ["\x9b31mC1 CSI"],  # an 8-bit control sequence introducer
}


def control_characters(trials: int, workdir: Path) -> Outcome:
    """Text with terminal control codes (ESC sequences, CR, C1) is refused on the way in
    (the record contract), and never reaches the terminal raw from a table or the text
    report even when a file edited by hand holds it: it could retitle, clear or hide."""
    tally = Tally("terminal control codes")
    db = workdir / "dossier.json"
    result = cli(db, "case", "add", "c", "--title", "C")
    options = [
        f"--{field.rstrip('s')}={value}" for field, value in CONTROL.items() if field != "sources"
    ]
    refused = cli(db, "log", "c", "arrest", "2009", *options)
    logged = cli(db, "log", "c", "arrest", "2009")
    event = logged.stdout.strip()
    # The file as an older version or a hand edit may have left it.
    data = orjson.loads(db.read_bytes())
    for record in data["events"].values():
        record.update({k: v for k, v in CONTROL.items()})
    db.write_bytes(orjson.dumps(data))
    views = [("event", "list"), ("event", "show", event), ("timeline", "c"),
             ("report", "c", "--format=txt"), ("search", "cleared")]  # fmt: skip
    for k in range(max(trials, len(views))):
        args = views[k % len(views)]
        with tally.trial(" ".join(args)) as t:
            t.check(result.exit_code == 0 and logged.exit_code == 0, "setting up failed")
            t.check(refused.exit_code == 1, "control characters were accepted by log")
            out = cli(db, *args).stdout
            raw = sorted({repr(c) for c in out if c in "\x1b\x07\r\x9b"})
            t.check(not raw, f"control characters reach the terminal: {', '.join(raw)}")
    return tally.outcome()
