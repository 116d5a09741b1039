"""The PostgreSQL backend (issue 17, being built; see docs/server.md).

Imported only for a server URL, so that the file backend's start-up does not pay
for psycopg. Today it holds the schema (`schema.py`): tables, row-level security
by case membership, the append-only history and the `dossier_users` group role.
"""
