"""The `dossier` schema on a PostgreSQL server: numbered migrations, applied once.

Policies name the connected role, `session_user`: a member that switches to the
group role (`SET ROLE dossier_users`) is still itself. Functions that run with
their owner's rights search `pg_catalog` and then `pg_temp` (last, so that a
temporary table cannot stand in for a catalog) and name every table in full.

`init(conn)` creates or upgrades the schema in the connected database, run as
the database owner, and says what it did; run again it does nothing. Each
migration is recorded in `dossier.migrations`. The design is docs/server.md:

- every table of records is under row-level security by case membership, as a
  sub-select on `members` (not a per-row function: 28 ms against 778 ms for a
  count over 120,000 events, measured for the issue);
- `members` shows a role only its own memberships; access is granted, revoked
  and listed through three SECURITY DEFINER functions that check ownership, so
  no policy on `members` has to read `members` again;
- a new case's creator becomes its owner and first member (a trigger);
- history is append-only for everyone, its owner included (a trigger);
- the group role `dossier_users`, shared by the cluster, holds the privileges:
  letting a person in is `GRANT dossier_users TO alice` (`add_user`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dossier.errors import DatabaseError

if TYPE_CHECKING:
    from psycopg import Connection

GROUP = "dossier_users"

_MEMBER = "SELECT case_id FROM dossier.members WHERE role = session_user"
_WRITER = f"{_MEMBER} AND NOT read_only"
# The SQLSTATE of a refused link to a confidential person (class Z: not PostgreSQL's), so
# that dossier says it as its own error, not as a role left out of dossier_users.
CONFIDENTIAL = "ZD001"

# (version, what it does, SQL). Never edit one that has shipped: add the next.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "tables, row-level security by case membership, append-only history",
        f"""
CREATE TABLE dossier.cases (
    -- A case id as dossier makes them: never '~ROLE', the name of a role's own chain.
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
    n bigint GENERATED ALWAYS AS IDENTITY, -- the order records were added, as in a file
    owner name NOT NULL DEFAULT session_user,
    record json NOT NULL, -- json, not jsonb: the record as dossier wrote it, keys in order
    state text NOT NULL DEFAULT '', -- the case's state hash after its last entry
    digests json NOT NULL DEFAULT '{{}}' -- and its records' digests, to name what changed
);
CREATE TABLE dossier.members (
    case_id text NOT NULL REFERENCES dossier.cases (id) ON DELETE CASCADE,
    role name NOT NULL,
    read_only boolean NOT NULL DEFAULT false,
    PRIMARY KEY (case_id, role)
);
CREATE INDEX members_by_role ON dossier.members (role, case_id);
CREATE TABLE dossier.persons (
    id text PRIMARY KEY,
    n bigint GENERATED ALWAYS AS IDENTITY,
    created_by name NOT NULL DEFAULT session_user,
    -- The person without their roles ("roles": []): each role is a row of person_cases,
    -- seen only by the members of its case, so no one learns of a case they cannot see.
    record json NOT NULL
);
CREATE SEQUENCE dossier.role_order;
CREATE TABLE dossier.person_cases (
    person_id text NOT NULL REFERENCES dossier.persons (id) ON DELETE CASCADE,
    case_id text NOT NULL REFERENCES dossier.cases (id) ON DELETE CASCADE,
    role text NOT NULL,
    -- The order of a person's roles: from one sequence for all, so that a member
    -- learns nothing from the numbers of the roles it sees (not how many it does not).
    position bigint NOT NULL DEFAULT nextval('dossier.role_order'),
    PRIMARY KEY (person_id, case_id, role)
);
CREATE INDEX person_cases_by_case ON dossier.person_cases (case_id);
CREATE TABLE dossier.events (
    id text PRIMARY KEY,
    n bigint GENERATED ALWAYS AS IDENTITY,
    case_id text NOT NULL REFERENCES dossier.cases (id),
    type text NOT NULL,
    date_first date NOT NULL,
    date_last date NOT NULL,
    record json NOT NULL,
    UNIQUE (id, case_id)
);
CREATE INDEX events_by_case ON dossier.events (case_id, n);
CREATE INDEX events_by_date ON dossier.events (date_first);
CREATE TABLE dossier.event_persons (
    event_id text NOT NULL,
    person_id text NOT NULL,
    case_id text NOT NULL,
    PRIMARY KEY (event_id, person_id),
    -- Only an event of the case named: a link cannot reach into another case.
    FOREIGN KEY (event_id, case_id) REFERENCES dossier.events (id, case_id) ON DELETE CASCADE
);
CREATE INDEX event_persons_by_person ON dossier.event_persons (person_id);
CREATE INDEX event_persons_by_case ON dossier.event_persons (case_id);
CREATE TABLE dossier.history (
    case_id text NOT NULL,
    -- Which case of that id (its cases.n, set by the server; 0 in a role's own chain):
    -- a case removed and created again begins a new chain, and the old one stays
    -- hidden from everyone, the new case's members included.
    case_n bigint NOT NULL DEFAULT 0,
    seq integer NOT NULL,
    time timestamptz NOT NULL DEFAULT now(),
    role name NOT NULL DEFAULT session_user,
    command text NOT NULL,
    entry jsonb NOT NULL,
    prev text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (case_id, case_n, seq)
);

-- Whether the connected role may see a person (a case they have a role in, an event
-- that names them, or created them and they are in no case yet), and may change one:
-- every case they have a role in is one the role writes, since a person's record is
-- part of each such case. With the owner's rights, so that the answer counts cases the
-- role cannot see; a policy on persons, person_cases or event_persons calls these only
-- for rows being written. (unlinked: a person of the role's own making in no case, by
-- no role and no event; of anyone else's it says nothing.)
CREATE FUNCTION dossier.unlinked(person text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM dossier.persons WHERE id = person
                   AND created_by = session_user)
        AND NOT EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person)
        AND NOT EXISTS (SELECT 1 FROM dossier.event_persons WHERE person_id = person)
$$;
CREATE FUNCTION dossier.sees_person(person text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT (EXISTS (SELECT 1 FROM dossier.persons WHERE id = person
                    AND created_by = session_user) AND dossier.unlinked(person))
        OR EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person
                   AND case_id IN ({_MEMBER}))
        OR EXISTS (SELECT 1 FROM dossier.event_persons WHERE person_id = person
                   AND case_id IN ({_MEMBER}))
$$;
CREATE FUNCTION dossier.changes_person(person text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    -- Every case that has the person (by a role or an event) is one the role writes,
    -- and there is one, or the role created the person (who is in no case yet).
    SELECT NOT EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person
                       AND case_id NOT IN ({_WRITER}))
        AND NOT EXISTS (SELECT 1 FROM dossier.event_persons WHERE person_id = person
                        AND case_id NOT IN ({_WRITER}))
        AND (EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person)
             OR EXISTS (SELECT 1 FROM dossier.event_persons WHERE person_id = person)
             OR EXISTS (SELECT 1 FROM dossier.persons WHERE id = person
                        AND created_by = session_user))
$$;
-- The person ids that are `base` or `base-N`: a new person's id made from a name must
-- avoid those of persons the role cannot see too (a namesake gets -2, as in a file).
CREATE FUNCTION dossier.taken_person_ids(base text) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id FROM dossier.persons
    WHERE id = base OR (starts_with(id, base || '-') AND substr(id, length(base) + 2) ~ '^[0-9]+$')
$$;
-- Which of these event ids are taken, in any case: a new event's id must be free, and
-- a taken id is all a non-member learns (as for a case id, by trying to create it).
CREATE FUNCTION dossier.taken_event_ids(ids text[]) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id FROM dossier.events WHERE id = ANY(ids)
$$;

-- Who sees and changes what: a sub-select on members, never a function per row.
ALTER TABLE dossier.cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON dossier.cases FOR SELECT USING (id IN ({_MEMBER}));
CREATE POLICY anyone_creates ON dossier.cases FOR INSERT WITH CHECK (owner = session_user);
CREATE POLICY writers_change ON dossier.cases FOR UPDATE
    USING (id IN ({_WRITER})) WITH CHECK (id IN ({_WRITER}));
CREATE POLICY owner_removes ON dossier.cases FOR DELETE USING (owner = session_user);

ALTER TABLE dossier.members ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_memberships ON dossier.members FOR SELECT USING (role = session_user);

ALTER TABLE dossier.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON dossier.events FOR SELECT USING (case_id IN ({_MEMBER}));
CREATE POLICY writers_write ON dossier.events FOR ALL
    USING (case_id IN ({_WRITER})) WITH CHECK (case_id IN ({_WRITER}));

-- A link names a person the role can already see: it cannot reach a stranger's record.
ALTER TABLE dossier.event_persons ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON dossier.event_persons FOR SELECT USING (case_id IN ({_MEMBER}));
CREATE POLICY writers_write ON dossier.event_persons FOR ALL
    USING (case_id IN ({_WRITER}))
    WITH CHECK (case_id IN ({_WRITER}) AND (
        -- Most links name a person with a role in one's cases: one hashed sub-select
        -- answers them (130,000 links of an import: 0.5 s against 5.5 s for the call).
        person_id IN (SELECT person_id FROM dossier.person_cases WHERE case_id IN ({_MEMBER}))
        OR dossier.sees_person(person_id)));

ALTER TABLE dossier.person_cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON dossier.person_cases FOR SELECT USING (case_id IN ({_MEMBER}));
CREATE POLICY writers_write ON dossier.person_cases FOR ALL
    USING (case_id IN ({_WRITER}))
    WITH CHECK (case_id IN ({_WRITER}) AND dossier.sees_person(person_id));

-- A person is seen through a case they have a role in or an event that names them
-- (and by whoever created them while they are in no case: a creator who loses access
-- to the person's cases loses the person too).
ALTER TABLE dossier.persons ENABLE ROW LEVEL SECURITY;
CREATE POLICY seen_through_cases ON dossier.persons FOR SELECT USING (
    -- In this order: the hashed sub-selects answer for nearly every person, so the
    -- function (a call per row) runs only for the few in no visible case.
    id IN (SELECT person_id FROM dossier.person_cases WHERE case_id IN ({_MEMBER}))
    -- A person's own links by index: a million links would not hash in memory, and
    -- scanning them for each person is what the planner would do instead.
    OR EXISTS (SELECT 1 FROM dossier.event_persons ep WHERE ep.person_id = persons.id
               AND ep.case_id IN ({_MEMBER}))
    OR (created_by = session_user AND dossier.unlinked(id)));
CREATE POLICY anyone_creates ON dossier.persons FOR INSERT
    WITH CHECK (created_by = session_user);
CREATE POLICY writers_change ON dossier.persons FOR UPDATE
    USING (dossier.changes_person(id));
CREATE POLICY writers_remove ON dossier.persons FOR DELETE
    USING (dossier.changes_person(id));

ALTER TABLE dossier.history ENABLE ROW LEVEL SECURITY;
-- Each case has its chain; '~ROLE' is a role's own chain, of changes to persons that
-- have no case yet (a case id never begins with '~').
CREATE POLICY members_read ON dossier.history FOR SELECT
    USING (case_n IN (SELECT n FROM dossier.cases WHERE id IN ({_MEMBER}))
           OR case_id = '~' || session_user);
CREATE POLICY writers_append ON dossier.history FOR INSERT
    WITH CHECK ((case_id IN ({_WRITER}) OR case_id = '~' || session_user)
                AND role = session_user);

-- The creator of a case owns it and is its first member.
CREATE FUNCTION dossier.add_owner() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO dossier.members (case_id, role) VALUES (NEW.id, NEW.owner);
    RETURN NEW;
END $$;
CREATE TRIGGER add_owner AFTER INSERT ON dossier.cases
    FOR EACH ROW EXECUTE FUNCTION dossier.add_owner();

-- An entry's time is the server's clock when the command writes it (after it has its
-- locks; to the second, as dossier writes times): the client asks for it (entry_time)
-- before it hashes the entry. The trigger refuses a time before the transaction began,
-- after the moment of the insert, or before the chain's last entry, so no client can
-- date an entry ahead, back past its own transaction, or out of its chain's order.
CREATE FUNCTION dossier.entry_time() RETURNS text
    LANGUAGE sql VOLATILE AS $$
    SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
-- And it belongs to the case of its id that exists now.
CREATE FUNCTION dossier.stamp_entry() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    given text := NEW.entry->>'time';
    stamped timestamptz;
BEGIN
    NEW.case_n := coalesce((SELECT n FROM dossier.cases WHERE id = NEW.case_id), 0);
    IF given ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}Z$' THEN
        stamped := given::timestamptz;
    END IF;
    IF stamped IS NULL OR stamped < date_trunc('second', now())
            OR stamped > clock_timestamp()
            OR given < (SELECT max(entry->>'time') FROM dossier.history
                        WHERE case_id = NEW.case_id AND case_n = NEW.case_n) THEN
        RAISE EXCEPTION 'a history entry''s time is the server''s (%), not %',
            dossier.entry_time(), given USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stamp_entry BEFORE INSERT ON dossier.history
    FOR EACH ROW EXECUTE FUNCTION dossier.stamp_entry();

-- History is never changed or removed, not even by its owner.
CREATE FUNCTION dossier.append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dossier history is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON dossier.history
    FOR EACH ROW EXECUTE FUNCTION dossier.append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON dossier.history
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.append_only();

-- Access, by the case's owner (or the database owner, who owns these functions).
CREATE FUNCTION dossier.may_manage(case_name text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM dossier.cases WHERE id = case_name AND owner = session_user)
        OR pg_catalog.pg_has_role(session_user, (SELECT nspowner FROM pg_catalog.pg_namespace
                                                 WHERE nspname = 'dossier'), 'MEMBER')
$$;
CREATE FUNCTION dossier.grant_access(case_name text, member name, only_read boolean)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT dossier.may_manage(case_name) THEN
        RAISE EXCEPTION 'no case %', case_name USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO dossier.members (case_id, role, read_only)
        VALUES (case_name, member, only_read)
        ON CONFLICT (case_id, role) DO UPDATE SET read_only = EXCLUDED.read_only;
END $$;
CREATE FUNCTION dossier.revoke_access(case_name text, member name) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT dossier.may_manage(case_name) THEN
        RAISE EXCEPTION 'no case %', case_name USING ERRCODE = 'no_data_found';
    END IF;
    DELETE FROM dossier.members m USING dossier.cases c
        WHERE m.case_id = case_name AND m.role = member
          AND c.id = m.case_id AND c.owner <> member;
    RETURN FOUND;
END $$;
CREATE FUNCTION dossier.access(case_name text)
    RETURNS TABLE (case_id text, role name, read_only boolean, owner boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT dossier.may_manage(case_name) THEN
        RAISE EXCEPTION 'no case %', case_name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY SELECT m.case_id, m.role, m.read_only, m.role = c.owner
        FROM dossier.members m JOIN dossier.cases c ON c.id = m.case_id
        WHERE m.case_id = case_name ORDER BY m.role;
END $$;
REVOKE ALL ON FUNCTION dossier.grant_access(text, name, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.revoke_access(text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.access(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.may_manage(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.sees_person(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.unlinked(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.changes_person(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.taken_event_ids(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.taken_person_ids(text) FROM PUBLIC;
""",
    ),
    (
        2,
        "marks of the cases written since dossier last recorded their state; persons'"
        " roles kept out of their records, their ids found by prefix",
        f"""
-- A person's roles are rows of person_cases, each under its case's policy; in the record
-- a role would be read by every member of any of the person's cases. Roles written into
-- a record with SQL before become rows of person_cases (of cases that exist) first.
INSERT INTO dossier.person_cases (person_id, case_id, role)
    SELECT p.id, r->>'case', r->>'role' FROM dossier.persons p,
        json_array_elements(CASE WHEN json_typeof(p.record->'roles') = 'array'
                            THEN p.record->'roles' ELSE '[]' END) r
    WHERE r->>'case' IN (SELECT id FROM dossier.cases) AND r->>'role' IS NOT NULL
    ON CONFLICT DO NOTHING;
UPDATE dossier.persons SET record = (record::jsonb || '{{"roles": []}}')::json
    WHERE NOT (json_typeof(record->'roles') = 'array'
               AND json_array_length(record->'roles') = 0);
ALTER TABLE dossier.persons ADD CONSTRAINT roles_in_person_cases
    CHECK (json_typeof(record->'roles') = 'array' AND json_array_length(record->'roles') = 0);
-- taken_person_ids by index, not a scan of every person for each new one an import names
-- (the byte order of "C": '-' then '.' bound the ids that begin with 'base-').
CREATE INDEX persons_by_id_bytes ON dossier.persons (id COLLATE "C");
CREATE OR REPLACE FUNCTION dossier.taken_person_ids(base text) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id FROM dossier.persons
    WHERE id COLLATE "C" >= base AND id COLLATE "C" < base || '.'
      AND (id = base OR (starts_with(id, base || '-')
                         AND substr(id, length(base) + 2) ~ '^[0-9]+$'))
$$;

-- A case whose rows nobody wrote since dossier recorded its state cannot differ from
-- it: a read hashes only the marked cases to warn of changes made with SQL (hashing
-- every case on every read cost 3.7 s on a million events). Any write marks, through
-- these triggers, whoever makes it; dossier's commit clears the marks it has seen once
-- it has recorded the state that includes them. (Like the history, this finds
-- mistakes, not a writer set on forging: `dossier verify` hashes everything.)
CREATE TABLE dossier.unsettled (
    case_id text NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(), -- the transaction that wrote
    PRIMARY KEY (case_id, xid)
);
ALTER TABLE dossier.unsettled ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON dossier.unsettled FOR SELECT USING (case_id IN ({_MEMBER}));

-- Statement triggers: one insert of the cases a statement wrote, however many rows.
CREATE FUNCTION dossier.mark_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO dossier.unsettled (case_id)
            SELECT DISTINCT case_id FROM new_rows ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dossier.unsettled (case_id)
            SELECT DISTINCT case_id FROM old_rows ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION dossier.mark_cases() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO dossier.unsettled (case_id)
        SELECT id FROM new_rows ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- A person's record is part of every case they have a role or an event in (a person
-- removed: their roles went with them, and marked their cases; their events stay).
CREATE FUNCTION dossier.mark_persons() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO dossier.unsettled (case_id)
            SELECT case_id FROM dossier.person_cases
                WHERE person_id IN (SELECT id FROM new_rows)
            UNION
            SELECT case_id FROM dossier.event_persons
                WHERE person_id IN (SELECT id FROM new_rows)
            ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO dossier.unsettled (case_id)
            SELECT DISTINCT case_id FROM dossier.event_persons
                WHERE person_id IN (SELECT id FROM old_rows)
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER mark_update AFTER UPDATE ON dossier.cases
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_cases();
CREATE TRIGGER mark_insert AFTER INSERT ON dossier.cases
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_cases();
CREATE TRIGGER mark_update AFTER UPDATE ON dossier.persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_persons();
CREATE TRIGGER mark_delete AFTER DELETE ON dossier.persons
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_persons();
CREATE TRIGGER mark_insert AFTER INSERT ON dossier.events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_update AFTER UPDATE ON dossier.events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_delete AFTER DELETE ON dossier.events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_insert AFTER INSERT ON dossier.event_persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_update AFTER UPDATE ON dossier.event_persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_delete AFTER DELETE ON dossier.event_persons
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_insert AFTER INSERT ON dossier.person_cases
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_update AFTER UPDATE ON dossier.person_cases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();
CREATE TRIGGER mark_delete AFTER DELETE ON dossier.person_cases
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.mark_rows();

-- Clears the marks of `cases` that the caller's command had seen when it read them
-- (`seen`) or made itself: a mark made meanwhile by another transaction stays, since
-- the state this command records may not include that write.
CREATE FUNCTION dossier.settle(cases text[], seen xid8[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM dossier.unsettled WHERE case_id = ANY(cases) AND case_id IN ({_WRITER})
        AND (xid = ANY(seen) OR xid = pg_current_xact_id())
$$;
REVOKE ALL ON FUNCTION dossier.settle(text[], xid8[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.mark_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.mark_cases() FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.mark_persons() FROM PUBLIC;
""",
    ),
    (
        3,
        "a case's marks cleared only by a transaction that adds to its history",
        f"""
-- A writer could clear the mark of their own SQL edit by calling settle in the same
-- transaction: the next write through dossier would then take the edit in as its own,
-- unwarned, and verify would pass. Now only a transaction that has appended an entry
-- to the case's history (which names its role) clears that case's marks.
CREATE OR REPLACE FUNCTION dossier.settle(cases text[], seen xid8[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM dossier.unsettled u WHERE case_id = ANY(cases) AND case_id IN ({_WRITER})
        AND (xid = ANY(seen) OR xid = pg_current_xact_id())
        -- xmin alone could, after 2^32 transactions, match a frozen row: the time (the
        -- transaction's start, which no client sets) pins it to this one.
        AND EXISTS (SELECT 1 FROM dossier.history h WHERE h.case_id = u.case_id
                    AND h.xmin = pg_current_xact_id()::xid AND h.time = now())
$$;
""",
    ),
    (
        4,
        "a case removed only by a command that records its removal",
        """
-- A case's owner could delete it with SQL (its events first): its members, its marks
-- and the sight of its history went with it, and nothing was left for verify to find.
-- Now a case row goes only in a transaction that has appended to the remover's own
-- chain an entry naming its removal, as 'dossier case remove' (and undo) do.
CREATE FUNCTION dossier.removal_recorded() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM dossier.history h WHERE h.case_id = '~' || session_user
                   AND h.xmin = pg_current_xact_id()::xid AND h.time = now()
                   AND h.entry->'removed'->'cases' ? OLD.id) THEN
        RAISE EXCEPTION 'case % may be removed only through dossier, which records it', OLD.id
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'dossier case remove ' || OLD.id;
    END IF;
    RETURN OLD;
END $$;
REVOKE ALL ON FUNCTION dossier.removal_recorded() FROM PUBLIC;
CREATE TRIGGER removal_recorded BEFORE DELETE ON dossier.cases
    FOR EACH ROW EXECUTE FUNCTION dossier.removal_recorded();
""",
    ),
    (
        5,
        "a person with roles changed by the writers of the cases of those roles; an"
        " owner's own access left whole",
        f"""
-- To change a person, a role had to write every case that has them, by a role or by an
-- event: so a read-only member of a case could stop its writers from changing a person
-- of it by naming the person in an event of a case of their own. A person's record is
-- part of the state of the cases of their roles only; events elsewhere only name them.
-- A person with no role is changed as before, and removing anyone still needs every
-- case that names them (its events would name no one).
CREATE FUNCTION dossier.edits_person(person text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person)
        THEN NOT EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person
                         AND case_id NOT IN ({_WRITER}))
        ELSE dossier.changes_person(person) END
$$;
REVOKE ALL ON FUNCTION dossier.edits_person(text) FROM PUBLIC;
ALTER POLICY writers_change ON dossier.persons USING (dossier.edits_person(id));
-- So a person's first role is theirs to give who may change the person as they are:
-- else anyone who sees a person without roles (whom events name) could give them one in
-- a case of their own, and change them by it.
CREATE FUNCTION dossier.gives_role(person text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM dossier.person_cases WHERE person_id = person)
        OR dossier.changes_person(person)
$$;
REVOKE ALL ON FUNCTION dossier.gives_role(text) FROM PUBLIC;
ALTER POLICY writers_write ON dossier.person_cases
    USING (case_id IN ({_WRITER}))
    WITH CHECK (case_id IN ({_WRITER}) AND dossier.sees_person(person_id)
                AND dossier.gives_role(person_id));
-- A change to a person marks the cases of their roles, whose state holds them; the
-- cases whose events only name them held marks that no write into those cases' own
-- chains would clear until the next one, and every read hashed them meanwhile.
CREATE OR REPLACE FUNCTION dossier.mark_persons() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO dossier.unsettled (case_id)
            SELECT DISTINCT case_id FROM dossier.person_cases
                WHERE person_id IN (SELECT id FROM new_rows)
            ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO dossier.unsettled (case_id)
            SELECT DISTINCT case_id FROM dossier.event_persons
                WHERE person_id IN (SELECT id FROM old_rows)
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- The owner's own access is whole: not narrowed to reading, not taken away.
CREATE OR REPLACE FUNCTION dossier.grant_access(case_name text, member name, only_read boolean)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT dossier.may_manage(case_name) THEN
        RAISE EXCEPTION 'no case %', case_name USING ERRCODE = 'no_data_found';
    END IF;
    IF EXISTS (SELECT 1 FROM dossier.cases WHERE id = case_name AND owner = member) THEN
        RAISE EXCEPTION '% owns case %: an owner''s access is whole', member, case_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO dossier.members (case_id, role, read_only)
        VALUES (case_name, member, only_read)
        ON CONFLICT (case_id, role) DO UPDATE SET read_only = EXCLUDED.read_only;
END $$;
""",
    ),
    (
        6,
        "the roles of persons a command has just created checked once for all of them",
        f"""
-- The policy's two functions cost 0.4 ms a row: 1.0 s of an import that creates 3,000
-- persons with their roles. For a person the role created, that nothing links yet, both
-- are true (sees_person by the first of its branches, gives_role as changes_person
-- does); one set of such persons, those this transaction wrote, answers all of those
-- rows at once. The transaction id only narrows the search: what makes a person one
-- of the set is that they are the role's own and linked to nothing.
CREATE FUNCTION dossier.fresh_persons() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.id FROM dossier.persons p
    WHERE p.xmin = pg_current_xact_id()::xid AND p.created_by = session_user
      AND NOT EXISTS (SELECT 1 FROM dossier.person_cases pc WHERE pc.person_id = p.id)
      AND NOT EXISTS (SELECT 1 FROM dossier.event_persons ep WHERE ep.person_id = p.id)
$$;
REVOKE ALL ON FUNCTION dossier.fresh_persons() FROM PUBLIC;
ALTER POLICY writers_write ON dossier.person_cases
    USING (case_id IN ({_WRITER}))
    WITH CHECK (case_id IN ({_WRITER}) AND (
        person_id IN (SELECT dossier.fresh_persons())
        OR (dossier.sees_person(person_id) AND dossier.gives_role(person_id))));
""",
    ),
    (
        7,
        "a role given only by who may change the person; no link left to a removed person;"
        " a person linked to nothing kept by whoever unlinked them",
        """
-- Any role after the first was anyone's to give who saw the person: a read-only member of
-- a case could give its witness a role in a case of their own, and so lock the case's
-- writers out of their own witness, and keep seeing her once their access was revoked.
-- A role makes the person part of another case's state: it is given by who may change
-- the person as they are, as dossier itself asks.
CREATE OR REPLACE FUNCTION dossier.gives_role(person text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT dossier.edits_person(person)
$$;
-- A person deleted with SQL left the links of the events that named them: an id that
-- every rule still counted as linked, and a new person given that id by someone else
-- was seen, changed and linked by the writers of those events. A person goes only once
-- nothing links them (dossier removes a person's links first).
CREATE FUNCTION dossier.no_links_left() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    named text;
BEGIN
    SELECT o.id INTO named FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM dossier.event_persons ep WHERE ep.person_id = o.id)
        LIMIT 1;
    IF named IS NOT NULL THEN
        RAISE EXCEPTION 'person % is named by events: remove them from those first', named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION dossier.no_links_left() FROM PUBLIC;
CREATE TRIGGER no_links_left AFTER DELETE ON dossier.persons
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.no_links_left();
-- And a link names a person who is there, and stays while the link's transaction runs:
-- as a foreign key would, but once a statement instead of once a link (a key to persons
-- would cost each of an import's 133,000 links a lookup). Without the lock, a removal
-- and a new link committed side by side: the removal saw no link, the link its person.
CREATE FUNCTION dossier.links_name_persons() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    named text[];
    there text[];
BEGIN
    SELECT array_agg(DISTINCT person_id) INTO named FROM new_rows;
    SELECT array_agg(id) INTO there FROM (SELECT id FROM dossier.persons
        WHERE id = ANY(named) ORDER BY id FOR KEY SHARE) locked;
    IF cardinality(named) > coalesce(cardinality(there), 0) THEN
        RAISE EXCEPTION 'an event names person %, who is not there',
            (SELECT min(p) FROM unnest(named) p WHERE p <> ALL(coalesce(there, '{}')))
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION dossier.links_name_persons() FROM PUBLIC;
CREATE TRIGGER links_name_persons AFTER INSERT ON dossier.event_persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.links_name_persons();
CREATE TRIGGER links_name_persons_update AFTER UPDATE ON dossier.event_persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.links_name_persons();
-- A person linked to nothing is seen by the role that created them: once the writer of
-- their last case removed it (or their last role or event), its creator, whose access
-- may have been revoked long before, read them again with every later change, and the
-- remover lost them. Whoever takes a person's last link now keeps them.
CREATE FUNCTION dossier.keep_unlinked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- One taker at a time: two commands that each take one of a person's last two links
    -- (in two cases, which run side by side) saw each other's as still there, and neither
    -- kept the person. The second waits here, then sees what the first committed.
    PERFORM 1 FROM dossier.persons WHERE id IN (SELECT person_id FROM old_rows)
        ORDER BY id FOR NO KEY UPDATE;
    UPDATE dossier.persons p SET created_by = session_user
        WHERE p.id IN (SELECT person_id FROM old_rows) AND p.created_by <> session_user
          AND NOT EXISTS (SELECT 1 FROM dossier.person_cases pc WHERE pc.person_id = p.id)
          AND NOT EXISTS (SELECT 1 FROM dossier.event_persons ep WHERE ep.person_id = p.id);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION dossier.keep_unlinked() FROM PUBLIC;
CREATE TRIGGER keep_unlinked AFTER DELETE ON dossier.person_cases
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.keep_unlinked();
CREATE TRIGGER keep_unlinked AFTER DELETE ON dossier.event_persons
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.keep_unlinked();
-- A link pointed at someone else with SQL takes it from its person too.
CREATE TRIGGER keep_unlinked_update AFTER UPDATE ON dossier.person_cases
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.keep_unlinked();
CREATE TRIGGER keep_unlinked_update AFTER UPDATE ON dossier.event_persons
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.keep_unlinked();
""",
    ),
    (
        8,
        "a dry run finds a case id taken by a case the role cannot see",
        """
-- Which of these case ids are taken, by any case: `import --dry-run --create-missing`
-- says what the import would. That an id is taken is all a non-member learns of a case,
-- as by trying to create it.
CREATE FUNCTION dossier.taken_case_ids(ids text[]) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id FROM dossier.cases WHERE id = ANY(ids)
$$;
REVOKE ALL ON FUNCTION dossier.taken_case_ids(text[]) FROM PUBLIC;
""",
    ),
    (
        9,
        "an undo puts a person back where they stood in the order persons were added",
        """
-- The order records were added breaks ties of a day in every timeline and figure, and
-- the state hash does not cover it: an undo puts a removed person (a merge, a removal)
-- back under the number they had, as it does an event. The privilege is in _PRIVILEGES,
-- granted again by every init that applies a migration.
COMMENT ON COLUMN dossier.persons.n IS
    'the order persons were added; an undo puts a removed person back under theirs';
COMMENT ON COLUMN dossier.events.n IS
    'the order events were added; an undo puts a removed event back under theirs';
""",
    ),
    (
        10,
        "an undo brings back a case its remover removed, with its history and members",
        """
-- A case removed by mistake came back on a file (undo) and never on a server: its chain,
-- hidden with its members, held what an undo needs, and no one could read it. The server
-- now keeps, for each case removed, the number its chain is under, who removed it, its
-- owner and who else had access. The remover's undo (or redo) gives the case back under
-- that number (restore_case): its chain, its owner and its members come back with it.
CREATE TABLE dossier.removed_cases (
    n bigint PRIMARY KEY,
    id text NOT NULL,
    owner name,
    removed_by name, -- NULL: removed before this migration, which no undo brings back
    members jsonb NOT NULL DEFAULT '[]'
);
-- Read and written only by the functions below, as the schema's owner.
ALTER TABLE dossier.removed_cases ENABLE ROW LEVEL SECURITY;
INSERT INTO dossier.removed_cases (n, id)
    SELECT DISTINCT h.case_n, h.case_id FROM dossier.history h
    WHERE h.case_n <> 0 AND NOT EXISTS (SELECT 1 FROM dossier.cases c WHERE c.n = h.case_n);
CREATE UNIQUE INDEX cases_by_n ON dossier.cases (n);

-- Beside removal_recorded (which refuses a removal no entry records; if it does, this
-- row goes with the transaction), before the members go (a cascade, after the delete).
CREATE FUNCTION dossier.keep_removed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO dossier.removed_cases (n, id, owner, removed_by, members)
        SELECT OLD.n, OLD.id, OLD.owner, session_user, coalesce(jsonb_agg(
            jsonb_build_object('role', m.role, 'read_only', m.read_only) ORDER BY m.role),
            '[]')
        FROM dossier.members m WHERE m.case_id = OLD.id AND m.role <> OLD.owner;
    RETURN OLD;
END $$;
REVOKE ALL ON FUNCTION dossier.keep_removed() FROM PUBLIC;
CREATE TRIGGER keep_removed BEFORE DELETE ON dossier.cases
    FOR EACH ROW EXECUTE FUNCTION dossier.keep_removed();

-- The one way a case takes an earlier number: its remover's undo or redo gives it back,
-- under its id, with the owner and the members it had (those whose roles still exist;
-- by name, as every membership is). No role writes a case's number itself: with a number
-- it could take a removed case's while the removal commits, and read its chain.
CREATE FUNCTION dossier.restore_case(case_name text, number bigint, case_record json)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    removed dossier.removed_cases;
BEGIN
    SELECT * INTO removed FROM dossier.removed_cases r
        WHERE r.n = number AND r.id = case_name AND r.removed_by = session_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % is not one you removed', case_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO dossier.cases (n, id, owner, record) OVERRIDING SYSTEM VALUE
        VALUES (number, case_name, removed.owner, case_record);
    INSERT INTO dossier.members (case_id, role, read_only)
        SELECT case_name, m->>'role', (m->>'read_only')::boolean
        FROM jsonb_array_elements(removed.members) m
        WHERE m->>'role' IN (SELECT rolname FROM pg_catalog.pg_roles)
        ON CONFLICT DO NOTHING;
    DELETE FROM dossier.removed_cases r WHERE r.n = number;
END $$;
REVOKE ALL ON FUNCTION dossier.restore_case(text, bigint, json) FROM PUBLIC;

-- The entries of one command (`command_group`) of the caller in the chains of the cases
-- the caller removed (each with the case's number): what its undo or redo needs, hidden
-- until the case is back. And only which cases those are, without the entries (an
-- undone import's are big), for the locks.
CREATE FUNCTION dossier.removed_entries(command_group text)
    RETURNS TABLE (case_id text, case_n bigint, seq integer, role name, entry text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT h.case_id, h.case_n, h.seq, h.role, h.entry::text FROM dossier.history h
        JOIN dossier.removed_cases r ON r.n = h.case_n AND r.id = h.case_id
    WHERE r.removed_by = session_user AND h.role = session_user
        AND h.entry->>'group' = command_group
    ORDER BY h.time, h.case_id, h.seq
$$;
CREATE FUNCTION dossier.removed_chains(command_group text) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT h.case_id FROM dossier.history h
        JOIN dossier.removed_cases r ON r.n = h.case_n AND r.id = h.case_id
    WHERE r.removed_by = session_user AND h.role = session_user
        AND h.entry->>'group' = command_group
$$;
REVOKE ALL ON FUNCTION dossier.removed_chains(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dossier.removed_entries(text) FROM PUBLIC;
""",
    ),
    (
        11,
        "a confidential person named in a case's events only by who may change them, or"
        " where they already are; made confidential only by who may change every case that"
        " names them",
        f"""
-- Anyone who saw a person could name them in an event of a case of their own: a
-- read-only member of a protected witness's case showed her to every member of another
-- case, and kept seeing her once their access was revoked, as schema 7 had stopped a
-- role from doing. A confidential person is named in a case only by a role that may
-- change them as they are (edits_person), or in a case that already has them, by a role
-- or by another event. Not for a link changed in place (dossier never does; only SQL):
-- an INSERT … ON CONFLICT DO UPDATE, or a MERGE, fires an insert and an update trigger,
-- and each took the other's new link for one already there. Statement-level, as
-- links_name_persons, and by a column of the person's own, indexed for the few who are
-- confidential: an import's 133,000 links are looked up in that set, not joined with
-- their persons' JSON (a plan made for a transition table of unknown size: 45 s).
ALTER TABLE dossier.persons ADD COLUMN confidential boolean NOT NULL
    GENERATED ALWAYS AS (coalesce((record->>'confidential')::boolean, false)) STORED;
CREATE INDEX persons_confidential ON dossier.persons (id) WHERE confidential;
CREATE FUNCTION dossier.names_confidential() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    refused record;
BEGIN
    -- Most statements name no confidential person: one look decides it.
    IF NOT EXISTS (SELECT 1 FROM new_rows WHERE person_id IN
                   (SELECT id FROM dossier.persons WHERE confidential)) THEN
        RETURN NULL;
    END IF;
    -- The function last, for the few links left (else the planner called it for each of
    -- an import's links: 41 s).
    WITH n AS MATERIALIZED (
        SELECT DISTINCT person_id, case_id FROM new_rows WHERE person_id IN
            (SELECT id FROM dossier.persons WHERE confidential)),
    unexcused AS MATERIALIZED (
        SELECT n.person_id, n.case_id FROM n
        WHERE NOT EXISTS (SELECT 1 FROM dossier.person_cases pc
                          WHERE pc.person_id = n.person_id AND pc.case_id = n.case_id)
          AND (TG_OP = 'UPDATE' OR NOT EXISTS (
                SELECT 1 FROM dossier.event_persons ep
                WHERE ep.person_id = n.person_id AND ep.case_id = n.case_id
                  AND NOT EXISTS (SELECT 1 FROM new_rows r
                                  WHERE r.event_id = ep.event_id
                                    AND r.person_id = ep.person_id))))
    SELECT u.person_id, u.case_id INTO refused FROM unexcused u
        WHERE NOT dossier.edits_person(u.person_id)
        ORDER BY u.person_id, u.case_id LIMIT 1;
    IF FOUND THEN
        -- Said alike whatever the reason: whether they have a role in a case the role
        -- cannot see is not for it to learn.
        RAISE EXCEPTION 'person % is confidential and not in case %: only one who may'
            ' change them (a writer of every case they are in) names them there',
            refused.person_id, refused.case_id USING ERRCODE = '{CONFIDENTIAL}';
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION dossier.names_confidential() FROM PUBLIC;
CREATE TRIGGER names_confidential AFTER INSERT ON dossier.event_persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.names_confidential();
CREATE TRIGGER names_confidential_update AFTER UPDATE ON dossier.event_persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.names_confidential();
-- And a person already named elsewhere becomes confidential (an edit, or a merge that
-- brings a witness's record into theirs) only by a role that may change every case that
-- names them: else a writer of the witness's case showed her aliases and notes to the
-- members of a case where a reader had named a namesake.
CREATE FUNCTION dossier.made_confidential() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    made text[];
    refused text;
BEGIN
    -- The function only for those made confidential (not one call a row updated); once
    -- they are locked FOR UPDATE, which waits for a link being written to them (its
    -- statement holds them FOR KEY SHARE, which the update's own lock does not wait
    -- for): else a link not yet committed escaped the check, and one written after it
    -- found them not yet confidential. (The next statement sees what that one committed.)
    SELECT array_agg(n.id ORDER BY n.id) INTO made FROM new_rows n WHERE n.confidential
        AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND o.confidential);
    IF made IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM dossier.persons p WHERE p.id = ANY(made) ORDER BY p.id FOR UPDATE;
    SELECT m INTO refused FROM unnest(made) m WHERE NOT dossier.changes_person(m)
        ORDER BY m LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'person % is named in a case you may not change: making them'
            ' confidential takes every case that names them', refused
            USING ERRCODE = '{CONFIDENTIAL}';
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION dossier.made_confidential() FROM PUBLIC;
CREATE TRIGGER made_confidential AFTER UPDATE ON dossier.persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dossier.made_confidential();
""",
    ),
    (
        12,
        "a history entry's time checked against its chain as the appending role sees it",
        """
-- stamp_entry, with its owner's rights, ran before the policy that refuses an entry the
-- role may not append: a role that is no member of a case learned, from which of two
-- errors it got, whether anyone had written into the case since its own transaction
-- began (and so that the case exists). With the appending role's rights it finds the
-- case and its chain only where that role reads them (a writer reads its case's whole
-- chain, a role its own), and anyone else's entry is refused by the policy alone.
ALTER FUNCTION dossier.stamp_entry() SECURITY INVOKER;
""",
    ),
)

# What the group role may do; members' rows only through the functions above.
_PRIVILEGES = f"""
GRANT USAGE ON SCHEMA dossier TO {GROUP};
GRANT SELECT, DELETE ON dossier.cases, dossier.persons TO {GROUP};
-- Owners, creators, times and roles are the server's to write, never a client's.
GRANT INSERT (id, record), UPDATE (record, state, digests) ON dossier.cases TO {GROUP};
GRANT INSERT (id, record, n), UPDATE (record) ON dossier.persons TO {GROUP};
GRANT SELECT, INSERT, UPDATE, DELETE
    ON dossier.person_cases, dossier.events, dossier.event_persons TO {GROUP};
GRANT USAGE ON SEQUENCE dossier.role_order TO {GROUP};
GRANT SELECT, INSERT (case_id, seq, command, entry, prev, hash) ON dossier.history TO {GROUP};
GRANT SELECT ON dossier.members, dossier.migrations, dossier.unsettled TO {GROUP};
GRANT EXECUTE ON FUNCTION dossier.grant_access(text, name, boolean),
    dossier.revoke_access(text, name), dossier.access(text), dossier.may_manage(text),
    dossier.sees_person(text), dossier.changes_person(text), dossier.taken_event_ids(text[]),
    dossier.taken_case_ids(text[]), dossier.taken_person_ids(text), dossier.entry_time(),
    dossier.unlinked(text), dossier.settle(text[], xid8[]), dossier.edits_person(text),
    dossier.gives_role(text), dossier.fresh_persons(), dossier.removed_entries(text),
    dossier.removed_chains(text), dossier.restore_case(text, bigint, json) TO {GROUP};
"""


def init(conn: Connection[tuple[object, ...]]) -> list[str]:
    """Create or upgrade the schema in the connected database, in one transaction;
    what was done, one line each ([] when it was up to date)."""
    done: list[str] = []
    with conn.transaction():
        # Who may: to upgrade, the schema's owner (or a role that uses its privileges, or
        # a superuser), since its tables and functions are theirs; to create it, a role
        # that may create a schema in the database. Said first, rather than by the first
        # statement refused ("permission denied for schema dossier").
        row = conn.execute(
            "SELECT current_user, current_database(), n.nspowner IS NOT NULL, CASE WHEN"
            " n.nspowner IS NOT NULL THEN pg_has_role(current_user, n.nspowner, 'USAGE')"
            " ELSE has_database_privilege(current_database(), 'CREATE') END,"
            " pg_get_userbyid(coalesce(n.nspowner, d.datdba))"
            " FROM pg_database d LEFT JOIN pg_namespace n ON n.nspname = 'dossier'"
            " WHERE d.datname = current_database()"
        ).fetchone()
        if row is not None and not row[3]:
            user, database, exists, _may, owner = row
            cannot = (
                f"does not own the dossier schema of database {database}"
                if exists
                else f"may not create a schema in database {database}"
            )
            raise DatabaseError(
                f"{user} {cannot}: its owner ({owner}) runs 'dossier server init', which"
                " creates and upgrades the dossier schema"
            )
        # One initialiser at a time: a second waits here, then finds the work done.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('dossier schema'))")
        if not _exists(conn, "SELECT 1 FROM pg_namespace WHERE nspname = 'dossier'"):
            conn.execute("CREATE SCHEMA dossier")
            done.append("created schema dossier")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS dossier.migrations (version integer PRIMARY KEY,"
            " description text NOT NULL, applied timestamptz NOT NULL DEFAULT now(),"
            " applied_by name NOT NULL DEFAULT session_user)"
        )
        applied = {row[0] for row in conn.execute("SELECT version FROM dossier.migrations")}
        for version, description, sql in MIGRATIONS:
            if version in applied:
                continue
            conn.execute(sql.encode())
            conn.execute(
                "INSERT INTO dossier.migrations (version, description) VALUES (%s, %s)",
                (version, description),
            )
            done.append(f"applied migration {version}: {description}")
        if not _exists(conn, f"SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}'"):
            conn.execute(f"CREATE ROLE {GROUP} NOLOGIN")
            done.append(f"created group role {GROUP}")
        if done:
            conn.execute(_PRIVILEGES.encode())
            done.append(f"granted {GROUP} the use of schema dossier")
    return done


MARKS = 2  # the migration that adds dossier.unsettled


def require_schema(conn: Connection[Any], url: str) -> None:
    """Refuse a database without the dossier schema, or with an older version of it,
    saying what its owner runs."""
    from dossier.server.connect import where, without_user

    row = conn.execute("SELECT to_regclass('dossier.cases') IS NOT NULL").fetchone()
    if not row or not row[0]:
        raise DatabaseError(
            f"{where(url)} has no dossier schema; its owner runs 'dossier server init"
            f" --db {without_user(url)}' first"
        )
    row = conn.execute("SELECT max(version) FROM dossier.migrations").fetchone()
    if row is None or (row[0] or 0) < MIGRATIONS[-1][0]:
        raise DatabaseError(
            f"{where(url)} has dossier schema version {row[0] if row else 0}, older than this"
            f" dossier's {MIGRATIONS[-1][0]}; its owner runs 'dossier server init --db"
            f" {without_user(url)}' to upgrade it"
        )


def added_marks(done: list[str]) -> bool:
    """Whether an init (what it did: `done`) has just added the marks to a database that
    had records before: the cases changed with SQL until then are marked by hashing
    every case once (`store.server.mark_changed`)."""
    now = {line.split(":")[0] for line in done}
    return f"applied migration {MARKS}" in now and "applied migration 1" not in now


def add_user(conn: Connection[tuple[object, ...]], role: str, *, create: bool = False) -> bool:
    """Let a PostgreSQL role use dossier: GRANT dossier_users TO role. With `create`, a
    missing role is created first (LOGIN, no password); returns whether it was."""
    from psycopg import errors, sql

    from dossier.errors import DossierError, InvalidValue, NotFound

    if not role.strip():
        raise InvalidValue("a role name must not be empty", "role")
    quoted = sql.Identifier(role).as_string(conn)
    try:
        with conn.transaction():
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists and not create:
                raise NotFound(
                    f"no PostgreSQL role {role!r}; create it with --create (or 'CREATE ROLE"
                    f" {quoted} LOGIN' in psql)",
                    "role",
                )
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP), sql.Identifier(role))
            )
    except errors.InsufficientPrivilege as exc:
        raise DossierError(
            f"only the database owner lets a role in (or a role that may create roles, for"
            f" --create): the server refused: {exc.diag.message_primary}"
        ) from None
    return not exists


def _exists(conn: Connection[tuple[object, ...]], query: str) -> bool:
    return conn.execute(query.encode()).fetchone() is not None
