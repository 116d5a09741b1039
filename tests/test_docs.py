"""Every command has help, and every leaf command's help shows a working example.

Like sqlite-utils' test_docs.py: the help is the documentation, so it is tested
like code. An example is not run (it would need data), but it is parsed by the
command it names, so an example with a misspelt option or a missing argument
fails here.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from conftest import Run
from dossier.cli.app import app

ROOT: Any = typer.main.get_command(app)
README = Path(__file__).resolve().parent.parent / "README.md"


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) for the root, every group and every command, depth first."""
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


ALL = list(walk(ROOT))
GROUPS = [(path, cmd) for path, cmd in ALL if isinstance(cmd, TyperGroup)]
LEAVES = [(path, cmd) for path, cmd in ALL if not isinstance(cmd, TyperGroup)]


def name(path: tuple[str, ...]) -> str:
    return " ".join(("dossier", *path))


def example(help_text: str) -> str:
    """The paragraph that starts with 'Example:', its lines joined, without the label."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Example:"))
    paragraph: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            break
        paragraph.append(line.strip())
    return " ".join(paragraph).removeprefix("Example:").strip()


def parse_example(text: str) -> tuple[tuple[str, ...], Any]:
    """Parse an example the way the CLI would, without running it: (path, leaf context)."""
    words = shlex.split(text)
    assert words[0] == "dossier", text
    rest = words[1:]
    while rest and rest[0].startswith("-"):  # global options before the command
        option = next(p for p in ROOT.params if rest[0] in p.opts)
        rest = rest[1:] if option.is_flag else rest[2:]
    command: Any = ROOT
    path: tuple[str, ...] = ()
    while isinstance(command, TyperGroup):
        assert rest, f"{text!r} names no command"
        assert rest[0] in command.commands, f"{text!r}: no command {rest[0]!r} in {name(path)}"
        command, path, rest = command.commands[rest[0]], (*path, rest[0]), rest[1:]
    return path, command.make_context(name(path), rest)


def test_the_walk_finds_the_commands() -> None:
    """A guard for the tests below: they would pass vacuously on an empty app."""
    names = {name(path) for path, _ in LEAVES}
    assert {"dossier case add", "dossier log", "dossier event remove", "dossier vocab"} <= names
    assert {name(path) for path, _ in GROUPS} >= {"dossier", "dossier case", "dossier person"}


@pytest.mark.parametrize(("path", "command"), ALL, ids=[name(p) for p, _ in ALL])
def test_every_command_and_group_has_help(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"{name(path)} has no help text"
    assert command.get_short_help_str().strip()


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[name(p) for p, _ in LEAVES])
def test_every_command_has_an_example_of_itself(path: tuple[str, ...], command: Any) -> None:
    help_text = command.help or ""
    assert "Example: dossier " in help_text, f"{name(path)}: no 'Example: dossier …' line"
    text = example(help_text)
    assert text.startswith(name(path) + " ") or text == name(path), text
    parsed_path, _ = parse_example(text)
    assert parsed_path == path


def test_the_root_help_has_an_example_that_parses() -> None:
    text = example(ROOT.help or "")
    path, _ = parse_example(text)
    assert path in {p for p, _ in LEAVES}


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[name(p) for p, _ in LEAVES])
def test_help_runs_and_shows_the_example(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: {name(path)} " in result.stdout
    assert "Example: dossier" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize(("path", "command"), ALL, ids=[name(p) for p, _ in ALL])
def test_help_never_breaks_a_word_at_a_hyphen(
    path: tuple[str, ...], command: Any, width: int
) -> None:
    """Click's wrapping broke after hyphens: `--person vasiliy-` / `aleksanyan`, and
    `--add-` / `alias`, so an example copied from the help no longer ran. Lines break
    between words only, and the example reads as written."""
    # Click lays help out 2 short of COLUMNS; its test runner would force 80 columns.
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=width - 2)
    assert result.exit_code == 0, result.output
    written = " ".join(
        [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
    )
    words = {word.strip(".,;:()'") for word in written.split()}
    lines = result.stdout.splitlines()
    for line, after in pairwise(lines):
        if line.endswith("-") and line.split() and after.split():
            joined = (line.split()[-1] + after.split()[0]).strip(".,;:()'")
            assert joined not in words, f"{name(path)} at {width}: {line!r} / {after!r}"
    shown = example(command.help) if "Example:" in (command.help or "") else ""
    # A word longer than a line (verify's hash) is still folded by click: left aside.
    if shown and all(len(word) <= width - 4 for word in shown.split()):
        assert example(result.stdout) == " ".join(shown.split())


@pytest.mark.parametrize(("path", "command"), GROUPS, ids=[name(p) for p, _ in GROUPS])
def test_group_help_lists_its_commands(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    for sub in command.commands:
        assert sub in result.stdout


JSON_COMMANDS = [(path, cmd) for path, cmd in LEAVES if any("--json" in p.opts for p in cmd.params)]

# How to run each --json command on the `aleksanyan` dossier, in this order
# ({arrest} is the id of its arrest event). A new --json command needs a row.
JSON_RUNS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("case", "list"): (),
    ("case", "show"): ("aleksanyan",),
    ("case", "add"): ("magnitsky", "--title", "Sergei Magnitsky"),
    ("case", "edit"): ("magnitsky", "--status", "deceased"),
    ("person", "list"): (),
    ("person", "show"): ("vasiliy-aleksanyan",),
    ("person", "add"): ("Сергей Магнитский",),
    ("person", "edit"): ("sergey-magnitskiy", "--died", "2009-11-16"),
    ("person", "link"): ("sergey-magnitskiy", "magnitsky", "--role", "defendant"),
    ("person", "unlink"): ("sergey-magnitskiy", "magnitsky", "--role", "defendant"),
    ("log",): ("magnitsky", "death_in_custody", "2009-11-16", "--person", "sergey-magnitskiy"),
    ("event", "list"): (),
    ("event", "show"): ("{arrest}",),
    ("event", "edit"): ("{arrest}", "--place", "Moscow"),
    ("timeline",): ("aleksanyan",),
    ("stats",): (),
    ("chart",): (),
    ("history",): (),
    ("verify",): (),
    ("vocab",): (),
    ("undo",): (),
    ("redo",): (),
    ("import",): ("{csv}",),
    ("search",): ("Alexanyan",),
    ("person", "merge"): ("vasiliy-aleksanyan", "sergey-magnitskiy", "--yes"),
}
# Commands whose --json output the README does not describe yet (work in progress).
# Like a strict xfail: once the README documents one, this test says to drop it here.
NOT_YET_IN_README: set[tuple[str, ...]] = set()


def json_section() -> list[str]:
    """The paragraphs of the README's "JSON output" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## JSON output\n", 1)[1].split("\n## ", 1)[0]
    return re.split(r"\n(?=\*\*)", section)


def documents(paragraph: str, path: tuple[str, ...]) -> bool:
    """Whether the paragraph names the command: `case show …`, or `person …` and `add`."""
    quoted = re.findall(r"`([^`]*)`", paragraph)
    full = " ".join(path)
    if any(q == full or q.startswith(full + " ") for q in quoted):
        return True
    return any(q.startswith(path[0] + " ") for q in quoted) and path[-1] in quoted


def keys(data: Any) -> set[str]:
    """The keys of a JSON output: of the object, or of the array's objects, one level down."""
    records = data if isinstance(data, list) else [data]
    found: set[str] = set()
    for record in records:
        found |= set(record)
        for value in record.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                found |= set(value[0])
    return found


# --json commands that need a server or two dossiers; test_server_cli.py and
# test_copy.py run them and check the README.
SERVER_JSON_RUNS = {("access", "list"), ("copy",)}


def test_every_json_command_has_a_run_below() -> None:
    assert {path for path, _ in JSON_COMMANDS} == set(JSON_RUNS) | SERVER_JSON_RUNS


def test_readme_documents_every_json_output(aleksanyan: Run, tmp_path: Path) -> None:
    events = json.loads(aleksanyan("event", "list", "--json").stdout)
    arrest = next(e["id"] for e in events if e["type"] == "arrest")
    csv = tmp_path / "events.csv"
    csv.write_text("case,date,type,person\naleksanyan,2008-02,transfer,vasiliy-aleksanyan\n")
    paragraphs = json_section()
    problems: list[str] = []
    for path, args in JSON_RUNS.items():
        result = aleksanyan(*path, *(a.format(arrest=arrest, csv=csv) for a in args), "--json")
        assert result.exit_code == 0, (path, result.output)
        documented = [p for p in paragraphs if documents(p, path)]
        if path in NOT_YET_IN_README:
            if documented:
                problems.append(f"{name(path)} is documented now: remove it from NOT_YET_IN_README")
            continue
        if not documented:
            problems.append(f"{name(path)} --json is not in the README's JSON section")
            continue
        for key in sorted(keys(json.loads(result.stdout))):
            if not any(re.search(rf"\b{re.escape(key)}\b", p) for p in documented):
                problems.append(f"{name(path)} --json: key {key!r} is not documented")
    assert problems == []
