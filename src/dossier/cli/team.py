"""`dossier server init | add-user` and `dossier access grant | revoke | list`: a
dossier on a PostgreSQL server, shared by a team (docs/server.md)."""

import shlex
from contextlib import AbstractContextManager

import typer

from dossier.cli.common import db_where, print_json, say, show
from dossier.errors import DossierError
from dossier.server.connect import check, is_server

server_app = typer.Typer(
    help="Set up a PostgreSQL database for a team's dossier.", no_args_is_help=True
)
access_app = typer.Typer(help="Who may see and change a case on a server.", no_args_is_help=True)

DB = typer.Option(
    None, "--db", help="The server, postgresql://… (default: the global --db, else $DOSSIER_DB)."
)
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _server(ctx: typer.Context, db: str | None = None) -> str:
    """The server URL: this command's --db, else the global one, else $DOSSIER_DB."""
    if db:
        check(db, "--db")
    where = db or db_where(ctx)
    if not is_server(where):
        raise DossierError(
            f"'{ctx.command_path.split(' ', 1)[-1]}' needs a PostgreSQL server as --db"
            " (postgresql://…), not a file"
        )
    return where


@server_app.command("init")
def init(ctx: typer.Context, db: str | None = DB) -> None:
    """Create or upgrade the dossier schema in a database, as its owner.

    Run again, it does nothing. Then let people in with 'dossier server add-user'.

    Example: dossier server init --db postgresql:///defence
    """
    from dossier.server import schema
    from dossier.server.connect import connect, shown, where

    url = _server(ctx, db)
    conn = connect(url)
    try:
        with _refused(url):
            done = schema.init(conn)
    finally:
        conn.close()
    for line in done:
        say(line[:1].upper() + line[1:] + ".")
    if schema.added_marks(done):
        from dossier.store.server import mark_changed

        changed = mark_changed(url)
        say(
            f"Hashed every case: {len(changed)} changed with SQL before this upgrade"
            + (f" ({', '.join(changed)}); every command warns of them." if changed else ".")
        )
    if not done:
        say(f"The dossier schema of {where(url)} is up to date; nothing to do.")
    else:
        say(f"Ready: {shown(url)}")


@server_app.command("add-user")
def add_user(
    ctx: typer.Context,
    role: str = typer.Argument(..., help="The PostgreSQL role of the person to let in."),
    create: bool = typer.Option(
        False, "--create", help="Create the role first (a login role without a password)."
    ),
    db: str | None = DB,
) -> None:
    """Let a PostgreSQL role use dossier on this server (GRANT dossier_users TO ROLE).

    They see no case until its owner grants it: 'dossier access grant CASE ROLE'.

    Example: dossier server add-user alice --create
    """
    from dossier.server import schema
    from dossier.server.connect import connect

    url = _server(ctx, db)
    conn = connect(url)
    try:
        with _refused(url):
            created = schema.add_user(conn, role, create=create)
    finally:
        conn.close()
    say(
        f"{'Created role ' + role + ' and let it' if created else 'Let ' + role} use dossier;"
        f" it sees the cases granted to it: dossier access grant CASE {shlex.quote(role)}"
    )


@access_app.command("grant")
def grant(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case id."),
    role: str = typer.Argument(..., help="The PostgreSQL role to let in."),
    read_only: bool = typer.Option(False, "--read-only", help="May see the case, not change it."),
) -> None:
    """Let a role see a case, and change it unless --read-only (owner only).

    Example: dossier access grant aleksanyan bob --read-only
    """
    from dossier.server import access

    url = _server(ctx)
    with _refused(url):
        access.grant(url, case, role, read_only=read_only)
    say(f"{role} may now {'read' if read_only else 'read and change'} case {case}.")


@access_app.command("revoke")
def revoke(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case id."),
    role: str = typer.Argument(..., help="The PostgreSQL role."),
) -> None:
    """Take a role's access to a case away (owner only; the owner keeps theirs).

    Example: dossier access revoke aleksanyan bob
    """
    from dossier.server import access

    url = _server(ctx)
    with _refused(url):
        taken = access.revoke(url, case, role)
    if taken:
        say(f"{role} may no longer see case {case}.")
    else:
        say(f"{role} had no access to case {case} to take away (an owner's cannot be).")


@access_app.command("list")
def list_(
    ctx: typer.Context,
    case: str | None = typer.Argument(None, help="Only this case."),
    as_json: bool = JSON,
) -> None:
    """Who may see each case you own (or one case), and who may change it.

    Example: dossier access list aleksanyan
    """
    from dossier.render.terminal import access_table
    from dossier.server import access

    url = _server(ctx)
    with _refused(url):
        found = access.members(url, case)
    if as_json:
        print_json([member.to_dict() for member in found])
    elif not found:
        say("You manage no case on this server.")
    else:
        show(access_table(found))


def _refused(url: str) -> AbstractContextManager[None]:
    """The server's refusals and failures as one `Error:` line each."""
    from dossier.store.server import server_errors

    return server_errors(url)


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(server_app, name="server")
    app.add_typer(access_app, name="access")
