"""Who may see and change a case on a server: `grant`, `revoke`, `members`.

Each goes through the schema's owner-checked functions (`dossier.grant_access`,
`revoke_access`, `access`), so the server decides: only a case's owner, or the
database owner, may manage it, and to anyone else the case does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dossier.errors import Conflict, InvalidValue, NotFound, ReadOnly
from dossier.server.connect import connect
from dossier.server.schema import GROUP, require_schema

if TYPE_CHECKING:
    from psycopg import Connection


@dataclass(frozen=True, slots=True)
class Member:
    """One role's access to one case."""

    case: str
    role: str
    read_only: bool
    owner: bool

    def to_dict(self) -> dict[str, Any]:
        """The JSON form `access list --json` prints."""
        return {"case": self.case, "role": self.role, "read_only": self.read_only,
                "owner": self.owner}  # fmt: skip


def grant(url: str, case: str, role: str, *, read_only: bool = False) -> None:
    """Let `role` see `case` (and change it, unless `read_only`); a second grant
    changes the first one's read_only. The owner's own access is not granted: it is
    whole, always."""
    with _managing(url, case, role) as conn:
        _require_role(conn, role)
        conn.execute("SELECT dossier.grant_access(%s, %s, %s)", (case, role, read_only))


def revoke(url: str, case: str, role: str) -> bool:
    """Take `role`'s access to `case` away; False when it had none (an owner's access
    cannot be taken away: refused)."""
    with _managing(url, case, role) as conn:
        row = conn.execute("SELECT dossier.revoke_access(%s, %s)", (case, role)).fetchone()
        if not (row and row[0]):  # a mistyped name is said, not taken for "had none"
            _require_role(conn, role, let_in=False)
    return bool(row and row[0])


def members(url: str, case: str | None = None) -> list[Member]:
    """Who may see `case`, or every case the caller manages (by case, then role)."""
    conn = connect(url)
    try:
        with conn.transaction():
            require_schema(conn, url)
            if case is None:
                names = [
                    str(row[0])
                    for row in conn.execute(
                        "SELECT id FROM dossier.cases WHERE dossier.may_manage(id) ORDER BY id"
                    )
                ]
            else:
                names = [case]
            found: list[Member] = []
            for name in names:
                if case is not None:
                    _may_manage(conn, name, "see who has access to it")
                with _no_case(name):
                    rows = conn.execute(
                        "SELECT case_id, role, read_only, owner FROM dossier.access(%s)", (name,)
                    ).fetchall()
                found.extend(Member(str(c), str(r), bool(ro), bool(o)) for c, r, ro, o in rows)
    finally:
        conn.close()
    return found


@contextmanager
def _managing(url: str, case: str, role: str) -> Iterator[Connection[Any]]:
    """A transaction in which the caller manages `case`'s access for `role`: refused
    when the caller may not (to a member, who sees the case, saying who may; to anyone
    else as a case that does not exist), or when `role` owns the case."""
    conn = connect(url)
    try:
        with conn.transaction(), _no_case(case):
            require_schema(conn, url)
            owner = _may_manage(conn, case, "change who has access to it")
            if owner == role:
                raise Conflict(
                    f"{role} owns case {case}: an owner always sees and changes it, and that"
                    " access cannot be granted or taken away"
                )
            yield conn
    finally:
        conn.close()


def _may_manage(conn: Connection[Any], case: str, to: str) -> str | None:
    """Refuse unless the caller manages `case` (to a member, who sees the case, saying
    who does; to anyone else as a case that does not exist); its owner, if seen."""
    with _no_case(case):
        row = conn.execute("SELECT dossier.may_manage(%s)", (case,)).fetchone()
        # Row-level security shows the owner to the case's members only.
        seen = conn.execute("SELECT owner FROM dossier.cases WHERE id = %s", (case,)).fetchone()
    if not (row and row[0]):
        if seen is None:
            raise NotFound(f"no case {case!r}; see 'dossier case list'", "case")
        raise ReadOnly(f"only the owner of case {case} ({seen[0]}) or the database owner may {to}")
    return None if seen is None else str(seen[0])


@contextmanager
def _no_case(case: str) -> Iterator[None]:
    """A case the caller may not manage is, to them, a case that does not exist."""
    from psycopg import errors

    try:
        yield
    except errors.NoDataFound:
        raise NotFound(f"no case {case!r}; see 'dossier case list'", "case") from None


def _require_role(conn: Connection[Any], role: str, *, let_in: bool = True) -> None:
    """Refuse a grant that would reach no one: to a role that does not exist, to a group
    (the policies compare the role a person connects as, so a grant to dossier_users or
    any other group gives none of its members access), or to a role not let in. With
    `let_in` False (a revoke), only a role that does not exist."""
    row = conn.execute(
        "SELECT rolcanlogin, pg_has_role(oid, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        (GROUP, role),
    ).fetchone()
    if row is None and role.lower() == "public":  # every role, and no role's own name
        raise InvalidValue(
            f"{role} stands for every role, not one a person connects as: access is given"
            " to each person's own role"
        )
    if row is None and not let_in:
        raise NotFound(
            f"no PostgreSQL role {role!r}; check the name ('dossier access list' shows who"
            " has access)",
            "role",
        )
    if row is None:
        from psycopg import sql

        # Quoted as psql needs it: CREATE ROLE Bob would make the role bob.
        quoted = sql.Identifier(role).as_string(conn)
        raise NotFound(
            f"no PostgreSQL role {role!r}; the database owner creates it ('CREATE ROLE"
            f" {quoted} LOGIN') and lets it in ('dossier server add-user')",
            "role",
        )
    can_login, is_member = row
    if not let_in:
        return
    if not can_login:
        raise InvalidValue(
            f"{role} is a group role, not one a person connects as: access is given to each"
            " person's own role, and a grant to a group reaches none of its members"
        )
    if not is_member:
        raise InvalidValue(
            f"{role} is not let into dossier on this database; the database owner runs"
            f" 'dossier server add-user {role}' first"
        )
