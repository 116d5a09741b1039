"""dossier: case dossiers for politically motivated prosecutions and detention.

The Python API::

    from dossier import Dossier, Case, open_store, ops

    with Dossier.edit("yukos.json", command="my script") as d:   # locked, one write
        ops.add_case(d, Case(id="aleksanyan", title="Vasily Aleksanyan"))
    d = open_store("yukos.json")                                   # read-only, no lock

Names are imported on first use, so that `dossier --version` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dossier._version import __version__

if TYPE_CHECKING:
    from dossier import ops
    from dossier.dates import PartialDate, parse_date
    from dossier.errors import (
        AlteredFile,
        Conflict,
        CorruptDatabase,
        DatabaseBusy,
        DatabaseError,
        DossierError,
        Duplicate,
        InvalidDate,
        InvalidValue,
        NewerSchema,
        NotFound,
        NothingToDo,
        PassphraseError,
        ReadOnly,
    )
    from dossier.keys import Keys
    from dossier.model import Case, Event, Person, Role
    from dossier.store import Dossier, edit_store, open_store
    from dossier.store.server import ServerDossier

_WHERE = {
    "ops": "dossier.ops",
    "PartialDate": "dossier.dates",
    "parse_date": "dossier.dates",
    "Case": "dossier.model",
    "Event": "dossier.model",
    "Person": "dossier.model",
    "Role": "dossier.model",
    "Dossier": "dossier.store",
    "open_store": "dossier.store",
    "edit_store": "dossier.store",
    "ServerDossier": "dossier.store.server",
    "Keys": "dossier.keys",
    **dict.fromkeys(
        [
            "AlteredFile",
            "Conflict",
            "CorruptDatabase",
            "DatabaseBusy",
            "DatabaseError",
            "DossierError",
            "Duplicate",
            "InvalidDate",
            "InvalidValue",
            "NewerSchema",
            "NotFound",
            "NothingToDo",
            "PassphraseError",
            "ReadOnly",
        ],
        "dossier.errors",
    ),
}

__all__ = [
    "AlteredFile",
    "Case",
    "Conflict",
    "CorruptDatabase",
    "DatabaseBusy",
    "DatabaseError",
    "Dossier",
    "DossierError",
    "Duplicate",
    "Event",
    "InvalidDate",
    "InvalidValue",
    "Keys",
    "NewerSchema",
    "NotFound",
    "NothingToDo",
    "PartialDate",
    "PassphraseError",
    "Person",
    "ReadOnly",
    "Role",
    "ServerDossier",
    "__version__",
    "edit_store",
    "open_store",
    "ops",
    "parse_date",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'dossier' has no attribute {name!r}")
    module = importlib.import_module(_WHERE[name])
    return module if name == "ops" else getattr(module, name)
