"""The store: where a dossier's records live, behind one interface.

Two implementations: the file (store/file.py, the embedded default: one TinyDB
JSON file, plain or encrypted) and a PostgreSQL server (store/server.py, for a
team). Both read what a command needs into `Records` (store/records.py), let
`ops` change it in memory and commit once; analysis, reports and the record
contract never know which one they hold. `open_store` and `edit_store` pick
the implementation by what `--db` names.
"""

from dossier.store.file import Dossier, folder_for, real_path
from dossier.store.records import Outside, Records, Table, paused_gc

__all__ = ["Dossier", "Outside", "Records", "Table", "folder_for", "paused_gc", "real_path"]
