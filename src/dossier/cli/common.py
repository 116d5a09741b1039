"""What every command shares: the database path, output, prompts, completion.

Heavy modules (rich, the store) are imported inside the functions that use
them, so that `dossier --version` and `--help` stay fast.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dossier.errors import DossierError
from dossier.scope import Scope
from dossier.server.connect import check, is_server

if TYPE_CHECKING:
    from rich.console import RenderableType

    from dossier.dates import PartialDate
    from dossier.keys import Keys
    from dossier.store import Dossier
    from dossier.store.server import ServerDossier

    Store = Dossier | ServerDossier


ARGV_KEY = "dossier.argv"
KEYS_KEY = "dossier.keys"
PASSPHRASE_KEY = "dossier.passphrase"
WARNED_KEY = "dossier.warned"  # the warning about changes outside dossier was given


@dataclass(frozen=True, slots=True)
class Settings:
    """The global options, kept in the root context's `obj`."""

    db: str | None
    debug: bool
    passphrase_file: Path | None = None
    passphrase_fd: int | None = None


def settings(ctx: typer.Context) -> Settings:
    """The global options of this invocation."""
    root = ctx.find_root()
    if isinstance(root.obj, Settings):
        return root.obj
    if root.resilient_parsing:
        # Shell completion parses the line but runs no callback: the options typed are
        # only in the parameters, as typed. A descriptor number means nothing here.
        db, named = root.params.get("db"), root.params.get("passphrase_file")
        return Settings(db and str(db), False, Path(named) if named else None)
    return Settings(None, False)


def db_path(ctx: typer.Context) -> Path:
    """The dossier file: --db, else $DOSSIER_DB, else dossier.json in the user's app
    folder. For a command that works on a file only: a server URL is refused."""
    where = db_where(ctx)
    if is_server(where):
        from dossier.server.connect import shown

        command = ctx.command_path.removeprefix(ctx.find_root().info_name or "").strip()
        raise DossierError(f"'{command}' works on a dossier file, not on a server ({shown(where)})")
    return Path(where)


def db_where(ctx: typer.Context) -> str:
    """What --db (else $DOSSIER_DB, else the default file) names: a path or a server URL."""
    return _db(ctx)[0]


def db_named(ctx: typer.Context) -> bool:
    """Whether the database was named (--db, $DOSSIER_DB) rather than the default one."""
    return _db(ctx)[1]


def refuse_own_file(ctx: typer.Context, output: Path | None) -> None:
    """An output file (-o) must not be the dossier itself, or its lock: writing over it
    would destroy the dossier (and an encrypted one would be replaced by plaintext)."""
    if output is None:
        return
    from dossier.errors import DatabaseError
    from dossier.storage import lock_path

    if is_server(db_where(ctx)):
        return
    db = Path(os.path.realpath(db_path(ctx)))
    where = Path(os.path.realpath(output))
    same = where in (db, lock_path(db))
    if not same and where.exists() and db.exists():
        same = where.samefile(db)  # a hard link to it
    if same:
        raise DatabaseError(f"{output} is the dossier itself; write to another file")


def _db(ctx: typer.Context) -> tuple[str, bool]:
    """The database (a path or a server URL), and whether it was named (--db or
    $DOSSIER_DB) rather than the default location."""
    given = settings(ctx).db
    if given is not None:
        check(given, "--db")
        return given, True
    env = os.environ.get("DOSSIER_DB")
    if env:
        check(env, "$DOSSIER_DB")
        return env, True
    return str(Path(typer.get_app_dir("dossier")) / "dossier.json"), False


def load(
    ctx: typer.Context,
    dry_run: bool = False,
    *,
    verifying: bool = False,
    cases: Sequence[str] | None = None,
    read_types: Collection[str] | None = None,
    as_of: datetime.date | None = None,
    persons: Sequence[str] | None = None,
    events: Sequence[str] | None = None,
    counts: bool = False,
    scope: Scope | None = None,
) -> Store:
    """Open the dossier for reading (no lock).

    A named file (--db, $DOSSIER_DB) must exist: a typo must not show an empty
    dossier. The default file may not exist yet: a new user's first read. For
    the `dry_run` of a write, a missing file is the new dossier the write would
    start. A file changed outside dossier gets one warning, except for `verify`
    (`verifying`), which also opens a damaged file to say what is wrong with it.
    On a server, only the events of `cases` are read, or without them those of the
    cases where `persons` have a role or are named, or that hold `events`; with
    `counts`, the server counts every case's events (`event_counts`); with a `scope`,
    those of the cases a write of it would lock (the dry run of that write).
    """
    from dossier.store import open_store

    path, named = _db(ctx)
    dossier = open_store(
        path,
        cases=cases,
        keys=keys(ctx),
        must_exist=named and not dry_run,
        strict=not verifying,
        whole=verifying,
        read_types=read_types,
        as_of=as_of,
        persons=persons,
        events=events,
        counts=counts,
        scope=scope,
    )
    if not verifying:
        warn_outside(ctx, dossier)
    return dossier


@contextmanager
def edit(
    ctx: typer.Context, scope: Scope | None = None, *, warn: bool = True, adds: bool = False
) -> Iterator[Store]:
    """Open the dossier for one locked change, committed when the block ends.

    A missing file is created by a command that `adds` records (case add, person add,
    import), and its missing folders only for the default location (a named file in a
    folder that does not exist is more likely a typo); any other change of a missing
    file is refused as one: it has nothing to edit, remove or undo. On a server,
    only the cases `scope` finds (the cases the command may change) are locked and
    read, not all (see `Scope`).
    """
    from dossier.store import edit_store

    path, named = _db(ctx)
    with edit_store(
        path,
        command_line(ctx),
        scope=scope,
        keys=keys(ctx),
        create_folders=not named,
        must_exist=not adds,
    ) as dossier:
        if warn:
            warn_outside(ctx, dossier)
        yield dossier
    if is_server(path):
        return
    if dossier.key is None and passphrase_given(ctx) and Path(dossier.path).exists():
        # A passphrase was given for this file, yet it is plain: a new file, or one cut to
        # nothing. Said, because the user may believe it encrypted.
        typer.echo(
            f"Warning: {dossier.path} is not encrypted although a passphrase or an unlock was"
            " given;"
            " 'dossier encrypt' encrypts it",
            err=True,
        )


def keys(ctx: typer.Context, session: bool = True, *, prompt: bool = True) -> Keys:
    """What opens an encrypted dossier in this command: the shell's unlock (unless not
    `session`), then the passphrase (`passphrase`), asked for only when needed (and
    `prompt`: completion never asks, which would take over the line being typed).

    One object a command, so that a passphrase is asked and derived once.
    """
    from dossier.keys import Keys, no_passphrase

    meta = ctx.find_root().meta
    key = f"{KEYS_KEY}.{session}.{prompt}"
    if key not in meta:
        unlocked = os.environ.get("DOSSIER_SESSION") if session else None
        ask = ask_passphrase if prompt else no_passphrase
        meta[key] = Keys(lambda _path: given_passphrase(ctx), unlocked or None, ask)
    found: Keys = meta[key]
    return found


def given_passphrase(ctx: typer.Context) -> str | None:
    """The passphrase a script gave: --passphrase-fd, --passphrase-file,
    $DOSSIER_PASSPHRASE_FILE or $DOSSIER_PASSPHRASE, in that order; None if none.
    Read once a command (a descriptor can be read only once)."""
    from dossier import keys as sources

    meta = ctx.find_root().meta
    if PASSPHRASE_KEY not in meta:
        options = settings(ctx)
        if options.passphrase_fd is not None:
            meta[PASSPHRASE_KEY] = sources.passphrase_from_fd(options.passphrase_fd)
        elif options.passphrase_file is not None:
            meta[PASSPHRASE_KEY] = sources.passphrase_from_file(
                options.passphrase_file, "--passphrase-file"
            )
        else:
            meta[PASSPHRASE_KEY] = sources.environment_passphrase()
    given: str | None = meta[PASSPHRASE_KEY]
    return given


def passphrase_given(ctx: typer.Context) -> bool:
    """Whether a passphrase or an unlock was given (without reading it): whoever gave
    one believes the dossier encrypted."""
    options = settings(ctx)
    return (
        options.passphrase_fd is not None
        or options.passphrase_file is not None
        or any(os.environ.get(name) for name in PASSPHRASE_VARIABLES)
    )


PASSPHRASE_VARIABLES = ("DOSSIER_PASSPHRASE_FILE", "DOSSIER_PASSPHRASE", "DOSSIER_SESSION")


def ask_passphrase(path: Path) -> str | None:
    """The passphrase of the encrypted dossier at `path`, asked on a terminal; None
    without one."""
    if not interactive():
        return None
    return _typed(f"Passphrase for {path}")


def _typed(prompt: str, twice: bool = False) -> str | None:
    """A passphrase typed at `prompt` (`twice` for a new one); None when none was typed
    (Ctrl-D or Ctrl-C: exit 4, as for no passphrase, not click's 'Aborted!')."""
    from dossier.errors import PassphraseError

    try:
        text: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=twice, err=True)
        text.encode()  # bytes that are no UTF-8 come back as surrogates
    except UnicodeError:
        raise PassphraseError("the passphrase typed is not UTF-8 text") from None
    except typer.Abort:
        return None
    return text


def new_passphrase(
    path: Path,
    file: Path | None = None,
    fd: int | None = None,
    options: str = "--new-passphrase-file or --new-passphrase-fd",
) -> str:
    """A new passphrase for `path`: read from `file` or `fd` when given, else asked
    twice on a terminal; PassphraseError (naming `options`) without either."""
    from dossier import keys as sources
    from dossier.errors import PassphraseError

    if fd is not None:
        return sources.passphrase_from_fd(fd)
    if file is not None:
        return sources.passphrase_from_file(file, "--new-passphrase-file")
    if interactive():
        typed = _typed(f"New passphrase for {path}", twice=True)
        if typed is None:
            raise PassphraseError(f"no new passphrase typed for {path}; nothing was changed")
        return typed
    raise PassphraseError(
        f"not on a terminal, so cannot ask for the new passphrase of {path}: give it with {options}"
    )


def warn_outside(ctx: typer.Context, dossier: Store) -> None:
    """One line on stderr when the dossier was changed outside dossier and not accepted;
    once a command, even one that reads the file twice (to ask, then to write)."""
    meta = ctx.find_root().meta
    if meta.get(WARNED_KEY):
        return
    outside = dossier.outside()
    if outside is None:
        return
    meta[WARNED_KEY] = True
    from dossier.errors import one_line

    first = outside.problems[0]
    n = len(outside.problems) - 1
    more = f" (and {n} more finding{'s' if n > 1 else ''})" if n else ""
    typer.echo(
        f"Warning: {one_line(first)}{more}; figures shown are {outside.mark}."
        " See 'dossier verify'; 'dossier verify --accept' records the change once it is known"
        " to be right",
        err=True,
    )


GLOBAL_WITH_VALUE = ("--db", "--passphrase-file", "--passphrase-fd")
GLOBAL_FLAGS = ("--debug", "--no-pager")


def command_line(ctx: typer.Context) -> str:
    """The command as typed, without the global options, for the history."""
    args: list[str] = list(ctx.find_root().meta.get(ARGV_KEY, ()))
    # They come before the command; after it, the same words are the command's own (a
    # description that reads "--debug").
    at = 0
    while at < len(args):
        if args[at] in GLOBAL_WITH_VALUE:
            at += 2
        elif args[at] in GLOBAL_FLAGS or args[at].startswith(
            tuple(f"{o}=" for o in GLOBAL_WITH_VALUE)
        ):
            at += 1
        else:
            break
    import shlex

    # An argument that is not UTF-8 (a Latin-1 file name) comes as surrogates, which no
    # entry can hold: its bytes are kept as \x escapes, so the command is still written.
    return shlex.join(map(_recordable, args[at:]))


def _recordable(arg: str) -> str:
    """An argument as an entry can hold it: the bytes of one that is not UTF-8 (a Latin-1
    file name, given as surrogates) as \\x escapes, any other lone surrogate (from the
    Python API) as \\u."""
    try:
        return arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return arg.encode("utf-8", "backslashreplace").decode("utf-8")


def one_reading(ctx: typer.Context, _param: typer.CallbackParam, value: bool | None) -> bool | None:
    """--dayfirst and --monthfirst together are a usage error: as a flag pair the last
    would win, and a slash date is the one thing dossier will not guess."""
    args = ctx.find_root().meta.get(ARGV_KEY, ())
    if "--dayfirst" in args and "--monthfirst" in args:
        raise typer.BadParameter(
            "give one of them: a slash date is read day first or month first, not both",
            param_hint="'--dayfirst' / '--monthfirst'",
        )
    return value


DAYFIRST = typer.Option(
    None,
    "--dayfirst/--monthfirst",
    help="How to read slash dates such as 03/04/2005.",
    callback=one_reading,
)


AS_OF = typer.Option(
    None,
    "--as-of",
    help="The record as it stood on this day: later events left out, ongoing custody"
    " counted to it (default: today, nothing left out).",
)


def as_of_day(text: str | None) -> datetime.date | None:
    """The day of an --as-of option: a whole day, not after today; None when not given."""
    date = parse_date_option(text, "--as-of")
    if date is None:
        return None
    from dossier.dates import today
    from dossier.errors import InvalidDate

    if date.precision != "day" or date.qualifier:  # the record as it stood on one day
        raise InvalidDate(f"--as-of needs a day, not {date.display()}", "as-of")
    if date.first_day > (now := today()):
        raise InvalidDate(
            f"--as-of {date.display()} is after today ({now.isoformat()}); give a day up to today",
            "as-of",
        )
    return date.first_day


def parse_date_option(
    text: str | None, option: str, dayfirst: bool | None = None, *, flags: bool = False
) -> PartialDate | None:
    """Parse a date given on the command line; errors name the option. Only a command
    with --dayfirst and --monthfirst (`flags`) offers them for an ambiguous date."""
    if text is None:
        return None
    from dossier.dates import parse_date
    from dossier.errors import AmbiguousDate, InvalidDate

    try:
        return parse_date(text, dayfirst=dayfirst)
    except InvalidDate as exc:
        said = exc.without_flags() if isinstance(exc, AmbiguousDate) and not flags else str(exc)
        if not option.startswith("-"):  # an argument: the message already quotes the date
            raise InvalidDate(said, exc.field) from None
        raise InvalidDate(f"{option}: {said}", option.lstrip("-")) from None


def edtf(
    text: str | None, option: str, dayfirst: bool | None = None, *, flags: bool = False
) -> str | None:
    """The EDTF form of a date typed on the command line (`flags`: parse_date_option)."""
    date = parse_date_option(text, option, dayfirst, flags=flags)
    return None if date is None else date.edtf


def edit_list(
    current: Sequence[str],
    replace: list[str] | None,
    add: list[str] | None,
    remove: list[str] | None,
    option: str,
) -> tuple[str, ...]:
    """A list option on `edit`: repeated replaces it, --add-/--remove- change it.

    Removing a value the list does not hold is an error (`option` names the
    --remove- option): a mistyped URL must not pass as "No change"."""
    from dossier.errors import InvalidValue

    values = list(current if replace is None else replace)
    values.extend(add or ())
    for value in dict.fromkeys(remove or ()):
        if value not in values:
            held = ", ".join(repr(v) for v in dict.fromkeys(values)) or "it is empty"
            raise InvalidValue(
                f"{option}: {value!r} is not in the list ({held}); nothing was changed",
                option.lstrip("-"),
            )
    dropped = set(remove or ())
    return tuple(v for v in values if v not in dropped)


def check_words(values: Iterable[str], vocab: Iterable[str], what: str) -> None:
    """Refuse a filter word that is not in the vocabulary, suggesting the closest."""
    from dossier.errors import InvalidValue, unknown_word

    words = set(vocab)
    for value in values:
        if value not in words:
            raise InvalidValue(unknown_word(what, value, words))


def cleared(value: str | None, current: str | None) -> str | None:
    """An optional text on `edit`: not given keeps it, an empty string clears it."""
    if value is None:
        return current
    return value or None


# Output -----------------------------------------------------------------------


def print_json(data: Any) -> None:
    """Write JSON to stdout: stable keys, indented, UTF-8."""
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def show(*renderables: RenderableType) -> None:
    """Print Rich renderables; page output taller than the screen (cli/pager.py)."""
    from dossier.cli import pager

    pager.show(*renderables)


def warn(messages: Iterable[str]) -> None:
    """Each message as one `Warning: …` line on stderr."""
    from dossier.errors import one_line

    for message in messages:
        typer.echo(f"Warning: {one_line(message)}", err=True)


# What an edit that changes nothing says (an option given the value the record has, an
# alias equal to the name, which the record contract drops): not "Updated".
UNCHANGED = "No change: {} already is as given."


def say(message: str) -> None:
    """One line of plain text to stdout, printed literally."""
    typer.echo(message)


def interactive() -> bool:
    """Whether a person can answer a prompt (standard input is a terminal)."""
    return sys.stdin.isatty()


def confirm(question: str, yes: bool) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given."""
    if yes:
        return
    if not interactive():
        raise DossierError(f"not on a terminal, so cannot ask {question!r}: pass --yes to go ahead")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


# Completion -------------------------------------------------------------------


def _completion_dossier(ctx: typer.Context) -> Store | None:
    from dossier.store import Dossier

    try:  # a --db refused (a mistyped URL) completes to nothing, as a bad file does
        if is_server(db_where(ctx)):
            return None  # no connection for a key press
        return Dossier.load(db_path(ctx), keys=keys(ctx, prompt=False))
    except DossierError:
        return None


def complete_case(ctx: typer.Context, incomplete: str) -> list[str]:
    """Case ids starting with what was typed."""
    dossier = _completion_dossier(ctx)
    return [] if dossier is None else [i for i in dossier.cases.ids() if i.startswith(incomplete)]


def complete_person(ctx: typer.Context, incomplete: str) -> list[str]:
    """Person ids starting with what was typed."""
    dossier = _completion_dossier(ctx)
    if dossier is None:
        return []
    return [i for i in dossier.persons.ids() if i.startswith(incomplete)]


def complete_event(ctx: typer.Context, incomplete: str) -> list[str]:
    """Event ids starting with what was typed."""
    dossier = _completion_dossier(ctx)
    return [] if dossier is None else [i for i in dossier.events.ids() if i.startswith(incomplete)]


def complete_type(incomplete: str) -> list[str]:
    """Event types starting with what was typed."""
    from dossier.vocab import EVENT_TYPES

    return [t for t in EVENT_TYPES if t.startswith(incomplete)]


def complete_role(incomplete: str) -> list[str]:
    """Roles starting with what was typed."""
    from dossier.vocab import ROLES

    return [r for r in ROLES if r.startswith(incomplete)]


def complete_status(incomplete: str) -> list[str]:
    """Case statuses starting with what was typed."""
    from dossier.vocab import STATUSES

    return [s for s in STATUSES if s.startswith(incomplete)]
