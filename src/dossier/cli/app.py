"""The `dossier` command: global options and the one error boundary.

Every `DossierError` raised below becomes one `Error: …` line on stderr and
its exit code (1, or 3 for a busy database). Anything else is a bug: it is
reported by type only (never with record contents) unless `--debug`.
"""

import gc
import os
import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from dossier.cli import admin, cases, events, find, io, persons, reports, secure, team, views
from dossier.cli.common import ARGV_KEY, Settings, settings
from dossier.cli.help import wrap_help_between_words
from dossier.errors import DossierError, one_line


class DossierGroup(TyperGroup):
    """The root command group: maps errors to messages and exit codes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wrap_help_between_words(self)  # Typer builds the commands under it first

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        """Remember the arguments as typed, for the history entry."""
        typed = list(args)
        # No argv from a shell holds a NUL byte, but a call from Python may: Typer's
        # path options would fail on it with a traceback (os.stat's ValueError).
        if any("\x00" in arg for arg in typed):
            raise typer.BadParameter(
                "holds a NUL byte, which no path or value may", param_hint="an argument"
            )
        ctx = super().make_context(info_name, args, parent=parent, **extra)
        ctx.meta[ARGV_KEY] = typed
        return ctx

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; turn our errors into `Error:` lines and exit codes."""
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:
            _argument_not_option(exc)
            raise  # Typer's own handling of usage errors
        except (typer.Exit, typer.Abort, BrokenPipeError):
            raise  # Typer's own handling: exits, and a closed pipe (| head)
        except DossierError as exc:
            if settings(ctx).debug:
                typer.echo(_traceback(exc), err=True, nl=False)
            typer.echo(f"Error: {one_line(str(exc))}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:  # noqa: BLE001 - the one boundary for bugs
            if settings(ctx).debug:
                typer.echo(_traceback(exc), err=True, nl=False)
            typer.echo(
                f"Error: internal error ({type(exc).__name__}); run again with --debug"
                " for the traceback, and please report it",
                err=True,
            )
            raise typer.Exit(1) from None


def _argument_not_option(exc: Any) -> None:  # click's NoSuchOption, vendored by typer
    """`timeline --case X`, as `stats --case X` is written: say that the case is an
    argument here, not offer the option whose name is nearest (`--as-of`)."""
    ctx = getattr(exc, "ctx", None)
    if getattr(exc, "option_name", None) != "--case" or ctx is None:
        return
    arguments = [p for p in ctx.command.params if p.param_type_name == "argument"]
    if arguments and arguments[0].name in ("case", "cases"):
        usage = "CASE" + ("..." if arguments[0].nargs == -1 else "")
        usage += " ..." if len(arguments) > 1 else ""
        exc.message = (
            f"No such option: --case; the case is an argument here: {ctx.command_path} {usage}"
        )
        exc.possibilities = []


def _traceback(exc: BaseException) -> str:
    """The traceback for --debug: where it happened, but not the exception's message,
    which may quote records (a confidential person's name, say)."""
    import traceback

    frames = "".join(traceback.format_tb(exc.__traceback__))
    kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return f"Traceback (most recent call last):\n{frames}{kind} (message withheld)\n"


app = typer.Typer(
    cls=DossierGroup,
    name="dossier",
    help="Case dossiers for politically motivated prosecutions: cases, persons, events,"
    " custody, sources.\n\nExample: dossier case add aleksanyan --title 'Aleksanyan'",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help and usage errors: Rich's help boxes cost more start-up time than
    # `dossier --help` may take (see benchmarks/).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(cases.app, name="case")
app.add_typer(persons.app, name="person")
app.add_typer(events.app, name="event")
app.command("log")(events.log)
app.command("timeline")(views.timeline)
app.command("stats")(views.stats)
app.command("chart")(views.chart)
app.command("import")(io.import_)
app.command("export")(io.export)
app.command("copy")(io.copy)
app.command("report")(reports.report)
app.command("search")(find.search)
admin.register(app)
secure.register(app)
team.register(app)


def _version(value: bool) -> None:
    if value:
        from dossier._version import __version__

        typer.echo(f"dossier {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        help="The dossier file, or a PostgreSQL server as postgresql://… (default:"
        " $DOSSIER_DB, else dossier.json in the app folder).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    no_pager: bool = typer.Option(
        False, "--no-pager", help="Print long output at once instead of through the pager."
    ),
    passphrase_file: Path | None = typer.Option(
        None,
        "--passphrase-file",
        help="Read the passphrase of an encrypted dossier from this file (default:"
        " $DOSSIER_PASSPHRASE_FILE, $DOSSIER_PASSPHRASE, the unlock of this shell, else asked"
        " on a terminal).",
    ),
    passphrase_fd: int | None = typer.Option(
        None, "--passphrase-fd", help="Read the passphrase from this open file descriptor."
    ),
) -> None:
    """Case dossiers for politically motivated prosecutions.

    Example: dossier --db yukos.json timeline aleksanyan
    """
    ctx.obj = Settings(db, debug, passphrase_file, passphrase_fd)
    from dossier.cli import pager

    pager.DISABLED = no_pager


def main() -> None:
    """The console script."""
    # One command, then exit. The cyclic garbage collector would only walk the
    # records read, again and again: millions of objects on 100,000 events, none
    # in a cycle, 0.1-0.2 s a command (measured). What little cyclic garbage a
    # command makes is let go at exit.
    gc.disable()
    try:
        app(prog_name="dossier")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    # Leave without freeing every object one by one: after reading a dossier of
    # 100,000 events that alone takes a tenth of a second, and nothing is left to
    # do but flush what was printed (files and locks are closed by then).
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader that left (| head), a closed stream
            code = code or 1
    os._exit(code)
