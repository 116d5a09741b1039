"""Server URLs and connections: which `--db` names a server, what may be shown of
it, and one clear line when the connection fails.

A server URL is any libpq URI (`postgresql://…` or `postgres://…`, with
`?host=/socket/dir`, `sslmode` and the rest). Its password, if the URL holds
one, is never printed, logged or stored: `shown()` is what messages and
history name. Passwords belong in `~/.pgpass` or `PGPASSWORD`, which libpq
reads itself.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from dossier.errors import DatabaseError

if TYPE_CHECKING:
    from psycopg import Connection

SCHEMES = ("postgresql://", "postgres://")
# What reads as a URL of some scheme rather than a path (a drive letter, "C://", does not).
_SCHEME = re.compile(r"([A-Za-z0-9+.-]{2,})://")
_POSTGRES = re.compile(r"postgres(?:ql)?:", re.IGNORECASE)


def is_server(db: str) -> bool:
    """Whether `--db` names a PostgreSQL server rather than a file."""
    return db.startswith(SCHEMES)


def check(db: str, given: str = "--db") -> None:
    """Refuse a database (`given` says where it was named) that neither names a file nor
    reads as its writer meant: a URL of another scheme, or one whose user or password
    libpq would split elsewhere. Nothing of it but its scheme is said: taken for a file,
    a mistyped URL was printed whole, its password with it."""
    scheme = _SCHEME.match(db)
    if not is_server(db) and (scheme or _POSTGRES.match(db)):
        name = scheme.group(1) if scheme else db.split(":", 1)[0]
        if name.lower() not in ("postgresql", "postgres"):
            problem = f"unknown URL scheme '{name}'"
        elif scheme:  # libpq reads the scheme in lowercase only
            problem = f"the URL scheme '{name}' is not in lowercase"
        else:
            problem = f"'{name}:' without '//'"
        raise DatabaseError(
            f"{problem} in {given}; a server URL starts with postgresql:// (a file is a path)"
        )
    if is_server(db) and _credentials_split(db):
        raise DatabaseError(
            "the server URL's user or password holds '/' or '@': percent-encode them"
            " (%2F, %40), or give the password in ~/.pgpass or PGPASSWORD"
        )


def _credentials_split(url: str) -> bool:
    """Whether the URL's user or password holds a '/' or '@' that libpq would end them
    at, reading the rest as host, port or database: libpq takes the user and password
    up to the first '@' before the first '/'. So two '@' before that '/' (an '@' in the
    password), or none there but one in the path with a '/' after it (a '/' in the
    password: "pw:Hunt/er2@host/db"). A database named "team@2024" is neither."""
    rest = url.split("://", 1)[1]
    head, _slash, tail = rest.partition("/")
    if head.count("@") > 1:
        return True
    path = tail.partition("?")[0]
    _before, at, after = path.partition("@")
    return "@" not in head and bool(at) and "/" in after


def _secret_text(url: str) -> str:
    """What of the URL may be a password: after the user's ':' and up to the URL's last
    '@', wherever libpq reads it to end."""
    rest = url.split("://", 1)[-1]
    userinfo, at, _ = rest.rpartition("@")
    return userinfo.partition(":")[2] if at else ""


def _overlaps(value: str, secret: str) -> bool:
    """Whether `value` may show a piece of `secret`: held in it, or sharing 4 characters."""
    if not secret or not value:
        return False
    return value in secret or any(value[i : i + 4] in secret for i in range(len(value) - 3))


def shown(url: str) -> str:
    """The URL as messages may show it: a password in it replaced by `***`, and a URL
    that libpq cannot read shown only by its scheme."""
    from psycopg import ProgrammingError, conninfo

    try:
        params = conninfo.conninfo_to_dict(url)
    except ProgrammingError:
        return url.split("://", 1)[0] + "://…"
    if _credentials_split(url):  # libpq reads pieces of the password as the host, …
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
    secret, written = str(params.get("password") or ""), _secret_text(url)
    if (secret and secret in masked) or _overlaps(masked, written):
        # Written where the masking above does not look ("alice:pass?word@", a key
        # spelled with %-escapes): shown as libpq reads it, the password left out, and
        # so is what may hold a piece of it.
        kept = "&".join(
            f"{k}={v}"
            for k, v in params.items()
            if k != "password" and not _overlaps(str(v), written)
        )
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
    # What the URL leaves out, libpq takes from its environment variables: a message
    # named "database alice on the default socket" while PGHOST and PGDATABASE had
    # sent the command to database postgres in another folder.
    env = os.environ.get
    user = params.get("user") or env("PGUSER")
    # libpq may have read a piece of the password as any of them (a '/' or '@' in it,
    # unencoded): then that one is not named.
    secret = _secret_text(url)
    host, port, database = (
        "(not shown)" if _overlaps(text, secret) else text
        for text in (
            str(params.get("host") or env("PGHOST") or "the default socket"),
            str(params.get("port") or env("PGPORT") or ""),
            str(params.get("dbname") or env("PGDATABASE") or user or "(the default)"),
        )
    )
    return f"database {database} on {host}{':' if port else ''}{port}"


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
    check(url)
    try:
        params = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise DatabaseError(
            f"cannot read the server URL {shown(url)}; see 'dossier --help'"
        ) from None
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        secret = _secret_text(url)
        hidden = [str(v) for v in params.values() if _overlaps(str(v), secret)]
        raise DatabaseError(f"cannot connect to {where(url)}: {_reason(exc, hidden)}") from None
    # dossier's queries are short: compiling one (JIT, which the policies' estimates set
    # off on a large database) costs more than it saves: reading 3,000 persons of a
    # million-event dossier took 876 ms with it and 7.5 ms without.
    # Dates as text in ISO form, whatever the role's or the server's DateStyle: the
    # tally of `stats` compares days as ISO strings, as stored dates are.
    conn.execute("SET jit = off; SET DateStyle = 'ISO, YMD'")
    return conn


def _reason(exc: Exception, hidden: list[str]) -> str:
    """libpq's message, one line, without a password (libpq never quotes one, but a
    message may quote the URL it was given) or the `hidden` values (a host, port or
    database that may hold a piece of it)."""
    text = " ".join(str(exc).split())
    text = text.removeprefix("connection failed: ")
    for value in sorted(hidden, key=len, reverse=True):
        text = text.replace(value, "(not shown)")
    return text[:300]
