"""`dossier history | undo | redo | verify | vocab`."""

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dossier.cli.common import command_line, edit, load, print_json, say, show
from dossier.errors import one_line
from dossier.scope import Scope

if TYPE_CHECKING:
    from dossier.history import Sighting

JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def history(
    ctx: typer.Context,
    limit: int = typer.Option(
        20, "--limit", "-n", min=0, help="How many of the newest entries (0: all)."
    ),
    as_json: bool = JSON,
) -> None:
    """Show the change log, newest last.

    Example: dossier history --limit 5
    """
    from dossier import history as hist
    from dossier.render.terminal import history_table

    d = load(ctx)
    # Entries whose effect is currently reverted: those the pending undo entries undid
    # (on a server, by the group of entries one command wrote).
    undone: set[Any] = set(d.undone())
    rows: list[dict[str, Any]] = []
    for entry in d.history[-limit:] if limit > 0 else d.history:
        mark = "undone" if entry.get("group", entry["seq"]) in undone else ""
        rows.append(
            {
                "seq": entry["seq"],
                "time": entry["time"],
                "command": entry["command"],
                "summary": hist.summary(entry),
                "added": entry["added"],
                "removed": entry["removed"],
                "changed": {
                    kind: sorted(set(before) - set(entry["removed"].get(kind, ())))
                    for kind, before in entry["before"].items()
                },
                "undoes": entry.get("undoes"),
                "redoes": entry.get("redoes"),
                "state_hash": entry["state"],
                "mark": mark,
                # On a server: the case whose chain holds the entry, and who wrote it.
                **({"case": entry["case"], "role": entry["role"]} if "case" in entry else {}),
            }
        )
    if as_json:
        print_json([{k: v for k, v in row.items() if k not in ("summary", "mark")} for row in rows])
    elif not rows:
        say("No changes recorded yet.")
    else:
        show(history_table(rows))


def _report_revert(entry: dict[str, Any], as_json: bool, *, redo: bool = False) -> None:
    """'Undid #5: log … (+1 event).', or for a redo, of the undo entry it reverts,
    'Redid what #7 undid (+1 event).': the change as the redo makes it."""
    from dossier import history as hist

    case = entry.get("case")  # on a server: the first case of the command reverted
    if as_json:
        print_json(
            {
                "reverted": entry["seq"],
                "command": entry["command"],
                **({"case": case} if case else {}),
            }
        )
    elif redo:
        say(f"Redid what {_numbered(entry)} undid ({hist.summary(entry, inverse=True)}).")
    else:
        say(f"Undid {_numbered(entry)}: {entry['command']} ({hist.summary(entry)}).")


def _numbered(entry: Mapping[str, Any]) -> str:
    """How messages name a history entry: '#5', or 'aleksanyan #5' on a server, which
    numbers each case's entries."""
    case = entry.get("case")
    return f"{case} #{entry['seq']}" if case else f"#{entry['seq']}"


def undo(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Undo the most recent change not yet undone (one step per call).

    Example: dossier undo
    """
    with edit(ctx, Scope(reverting="undoes")) as d:  # on a server, the cases it undoes in
        entry = d.undo()
    _report_revert(entry, as_json)


def redo(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Redo the most recently undone change.

    Example: dossier redo
    """
    with edit(ctx, Scope(reverting="redoes")) as d:
        entry = d.redo()
    _report_revert(entry, as_json, redo=True)


def verify(
    ctx: typer.Context,
    state: str | None = typer.Option(
        None, "--hash", help="Also say whether the dossier was ever in this state (a report's)."
    ),
    file: Path | None = typer.Option(
        None,
        "--file",
        help="A PDF report: was the dossier in its state, and which of its records changed since.",
    ),
    cases: list[str] | None = typer.Option(
        None,
        "--case",
        help="With --hash: the cases of a server's report of several cases (as its footer says).",
    ),
    accept: bool = typer.Option(
        False,
        "--accept",
        help="Record the changes made outside dossier as known and right (who, when, what),"
        " after which verify passes.",
    ),
    as_json: bool = JSON,
) -> None:
    """Check the history chain and that the records match it (exit 1 if not).

    Names every record added, removed or changed outside dossier. After checking
    such a change, --accept records it in the history, so that verify passes again.

    Example: dossier verify --hash 4ee250e5eca3fbff9d3d030ee6db8234ad3b4fbc76a2b754c2e141b490ecb4dc
    """

    if accept:
        if state is not None or file is not None or cases:
            # --case too: it would be taken for "only these cases", and every case's
            # changes be accepted.
            raise typer.BadParameter(
                "give --accept alone, not with --hash, --file or --case", param_hint="--accept"
            )
        _accept(ctx, as_json)
        return
    if file is not None and state is not None:
        raise typer.BadParameter("give --hash or --file, not both", param_hint="--file")
    if cases and state is None and file is None:
        raise typer.BadParameter("goes with --hash (a report's cases)", param_hint="--case")
    if state is not None and not re.fullmatch(r"[0-9a-fA-F]{8,64}", state.strip()):
        # Else "never in that state": read as a forged report, of a hash copied short.
        raise typer.BadParameter(
            f"{state!r} is not a state hash: give the 64 hex digits a report prints (8 or"
            " more of them will do)",
            param_hint="--hash",
        )
    copy = None
    if file is not None:
        from dossier import courtcopy

        copy = courtcopy.read(file)
        state = copy.state_hash
    d = load(ctx, verifying=True)
    # A PDF says which cases it shows; a server finds their combined hash among those.
    shown = cases or (copy.cases if copy is not None else [])
    if d.states_per_case:  # a server's report names its cases: each one the caller sees
        from dossier.ops import require_case

        for case_id in shown:
            require_case(d, case_id)
    problems = d.verify()
    current = d.state_hash().all
    sighting = d.find_state(state, shown) if state is not None else None
    changed = courtcopy.changes(d, copy) if copy is not None else []
    if as_json:
        data: dict[str, Any] = {"ok": not problems, "state_hash": current, "problems": problems}
        if state is not None:
            data.update(_sighting_json(state, sighting))
        if copy is not None:
            data["records_changed"] = [c.to_dict() for c in changed]
        print_json(data)
    else:
        if not problems:
            entries = f"{len(d.history)} history entr{'y' if len(d.history) == 1 else 'ies'}"
            say(f"OK: {entries} intact; state hash {current}")
        for problem in problems:
            typer.echo(f"Error: {one_line(problem)}", err=True)
        if state is not None:
            # A hash not found on a server may be a report's of several cases: said, where
            # no --case (or PDF) named them.
            several = d.states_per_case and file is None
            # A file's one state covers every record: cases name nothing there.
            _say_sighting(state, sighting, shown if d.states_per_case else (), several=several)
            if sighting is None:
                _say_copied(d.history)
        if copy is not None:
            _say_changes(changed)
    if problems or (state is not None and sighting is None):
        raise typer.Exit(1)


def _say_changes(changed: list[Any]) -> None:
    """Which records of a PDF report the dossier no longer holds as they were."""
    if not changed:
        say("The records in the report are as the dossier holds them now.")
        return
    say(f"{len(changed)} record(s) of the report differ now:")
    for change in changed:
        say(f"  {change.kind} {change.id}: {change.how}")


def _accept(ctx: typer.Context, as_json: bool) -> None:
    with edit(ctx, warn=False) as d:
        entry = d.accept(command_line(ctx), _os_user())
    accepted = entry["accepted"]
    if as_json:
        # A kind as every other --json names one ("event"); the history keeps its table.
        changes = [{**c, "kind": c["kind"].removesuffix("s")} for c in accepted["changes"]]
        print_json(
            {"accepted": entry["seq"], "by": accepted["by"], "time": entry["time"],
             "problems": accepted["problems"], "changes": changes,
             "state_hash": entry["state"]}
        )  # fmt: skip
        return
    say(
        f"Accepted as history entry #{entry['seq']} by {accepted['by']} at {entry['time']}:"
        f" {len(accepted['problems'])} finding(s):"
    )
    for problem in accepted["problems"]:
        say(f"  {one_line(problem)}")


def _os_user() -> str:
    """Who accepts: the operating-system user running the command."""
    import pwd

    # The account, not $USER or $LOGNAME, which anyone can set to another name.
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # no password-database entry (a container's numeric user)
        return f"uid {os.geteuid()}"


def _sighting_json(state: str, sighting: "Sighting | None") -> dict[str, Any]:
    from dossier import history as hist

    if sighting is None:
        return {"hash": state, "found": False, "entry": None, "time": None, "current": False,
                "changes_since": []}  # fmt: skip
    return {
        "hash": sighting.entry["state"],
        "found": True,
        "entry": sighting.entry["seq"],
        "time": sighting.entry["time"],
        "current": sighting.current,
        "changes_since": [
            {
                "seq": e["seq"],
                **({"case": e["case"]} if e.get("case") else {}),
                "time": e["time"],
                "command": e["command"],
                "summary": hist.summary(e),
            }
            for e in sighting.since
        ],
    }


def _say_copied(history: Sequence[Mapping[str, Any]]) -> None:
    """Where a state was not found: that the history begins with a copy, when it does.
    A state the source was in before it (a report filed in court, then the dossier moved
    to the team's server) is in the source's history, and a file and a server hash the
    same records differently: "never" alone would read as a forged report."""
    copied = next(
        (
            e
            for e in history
            # Or, of a copy made before entries kept `copied`, the first of its chain.
            if "copied" in e or (e.get("seq") == 1 and str(e.get("command")).startswith("copy "))
        ),
        None,
    )
    if copied is None:
        return
    typer.echo(
        f"Error: this dossier's history begins with its copy from elsewhere"
        f" ({_numbered(copied)}, {copied['command']}, {copied['time']}): a state the source"
        " was in is found in the source's history (a file and a server hash the same records"
        " differently); a PDF report is checked by the records it embeds (dossier verify"
        " --file REPORT.pdf)",
        err=True,
    )


def _say_sighting(
    state: str, sighting: "Sighting | None", cases: Sequence[str], *, several: bool
) -> None:
    """`cases`: those given (--case, or a PDF's); `several`: a hash not found may be of
    a report of several cases, which is found only with them (a server's)."""
    from dossier import history as hist

    if sighting is None:
        if len(cases) == 1:
            typer.echo(f"Error: case {cases[0]} was never in state {state}", err=True)
        elif cases:
            typer.echo(
                f"Error: cases {', '.join(cases)} were never together in state {state}",
                err=True,
            )
        elif several:
            typer.echo(
                f"Error: the dossier was never in state {state}, as a whole or as any one"
                " case; a report of several cases is found with them, as its footer says"
                f" (dossier verify --case A --case B --hash {state})",
                err=True,
            )
        else:
            typer.echo(f"Error: the dossier was never in state {state}", err=True)
        return
    entry = sighting.entry
    when = f"after {_numbered(entry)} ({entry['command']}) of {entry['time']}"
    if sighting.current:
        say(f"Found: the dossier is in state {entry['state']} now, as it has been {when}.")
        return
    if sighting.partial:
        say(
            f"Found: the records were copied here from a dossier in state {entry['state']}"
            f" ({_numbered(entry)}, {entry['command']}, {entry['time']}); it covers cases you"
            " cannot see, so whether they are in it still is not told here."
        )
        return
    if not sighting.since:
        say(
            f"Found: the dossier was in state {entry['state']} {when}; its records have been"
            " changed outside dossier since (see the errors)."
        )
        return
    say(
        f"Found: the dossier was in state {entry['state']} {when};"
        f" {len(sighting.since)} change(s) since:"
    )
    for e in sighting.since:
        say(f"  {_numbered(e)} {e['time']} {e['command']} ({hist.summary(e)})")


def vocab(as_json: bool = JSON) -> None:
    """List event types with their custody effect, roles, statuses and outcomes.

    Example: dossier vocab --json
    """
    from dossier.vocab import EVENT_TYPES, OUTCOMES, ROLES, STATUSES, TYPE_NOTES

    types = [(name, str(effect), TYPE_NOTES.get(name, "")) for name, effect in EVENT_TYPES.items()]
    lists = {"roles": list(ROLES), "statuses": list(STATUSES), "outcomes": list(OUTCOMES)}
    if as_json:
        print_json(
            {
                "event_types": [{"type": t, "effect": e, "note": n or None} for t, e, n in types],
                **lists,
            }
        )
        return
    from dossier.render.terminal import vocab_tables

    show(vocab_tables(types, lists))


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    for command in (history, undo, redo, verify, vocab):
        app.command(command.__name__)(command)
