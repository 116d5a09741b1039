"""Server URLs and connections: which `--db` names a server, what may be shown of
it, and one clear line when the connection fails.

A server URL is any libpq URI (`postgresql://…` or `postgres://…`, with
`?host=/socket/dir`, `sslmode` and the rest). Its password, if the URL holds
one, is never printed, logged or stored: `shown()` is what messages and
history name. Passwords belong in `~/.pgpass` or `PGPASSWORD`, which libpq
reads itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.errors import DatabaseError

if TYPE_CHECKING:
    from psycopg import Connection

SCHEMES = ("postgresql://", "postgres://")


def is_server(db: str) -> bool:
    """Whether `--db` names a PostgreSQL server rather than a file."""
    return db.startswith(SCHEMES)


def shown(url: str) -> str:
    """The URL as messages may show it: a password in it replaced by `***`, and a URL
    that libpq cannot read shown only by its scheme."""
    from psycopg import ProgrammingError, conninfo

    try:
        params = conninfo.conninfo_to_dict(url)
    except ProgrammingError:
        return url.split("://", 1)[0] + "://…"
    scheme, rest = url.split("://", 1)
    rest, mark, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    parts = ["password=***" if p.startswith("password=") else p for p in query.split("&")]
    masked = f"{scheme}://{netloc}{slash}{path}{mark}{'&'.join(parts)}"
    secret = str(params.get("password") or "")
    if secret and secret in masked:
        # Written where the masking above does not look ("alice:pass?word@", a key
        # spelled with %-escapes): shown as libpq reads it, the password left out.
        kept = "&".join(f"{k}={v}" for k, v in params.items() if k != "password")
        return f"{scheme}://?{kept}&password=***"
    return masked


def without_user(url: str) -> str:
    """The URL as another role would give it: without the user (and password) it names,
    as a message shows the command the database owner runs."""
    url = shown(url)
    scheme, sep, rest = url.partition("://")
    rest, mark, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    kept = [p for p in query.split("&") if not p.startswith(("user=", "password="))]
    mark = mark if any(kept) else ""
    return f"{scheme}{sep}{netloc.rsplit('@', 1)[-1]}{slash}{path}{mark}{'&'.join(kept)}"


def where(url: str) -> str:
    """'database D on HOST' for messages: the socket folder or host, and the database."""
    from psycopg import conninfo

    params = conninfo.conninfo_to_dict(url)
    host = str(params.get("host") or "the default socket")
    port = f":{params['port']}" if params.get("port") else ""
    database = params.get("dbname") or params.get("user") or "(the default)"
    return f"database {database} on {host}{port}"


def connect(url: str) -> Connection[tuple[object, ...]]:
    """A connection to the server `url` names; DatabaseError in one line when it fails
    (refused, unknown database or role, wrong password), never showing a password."""
    import logging  # psycopg's own import has loaded it

    import psycopg
    from psycopg import conninfo

    # psycopg logs what it ignores while cleaning up after a lost connection ("error
    # ignored terminating <psycopg.Copy …>"); with no handler, Python's last resort
    # printed it before the command's one Error line, which says what happened.
    quiet = logging.getLogger("psycopg")
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    try:
        conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise DatabaseError(
            f"cannot read the server URL {shown(url)}; see 'dossier --help'"
        ) from None
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"cannot connect to {where(url)}: {_reason(exc)}") from None
    # dossier's queries are short: compiling one (JIT, which the policies' estimates set
    # off on a large database) costs more than it saves: reading 3,000 persons of a
    # million-event dossier took 876 ms with it and 7.5 ms without.
    # Dates as text in ISO form, whatever the role's or the server's DateStyle: the
    # tally of `stats` compares days as ISO strings, as stored dates are.
    conn.execute("SET jit = off; SET DateStyle = 'ISO, YMD'")
    return conn


def _reason(exc: Exception) -> str:
    """libpq's message, one line, without a password (libpq never quotes one, but a
    message may quote the URL it was given)."""
    text = " ".join(str(exc).split())
    text = text.removeprefix("connection failed: ")
    return text[:300]
