"""What a PDF report carries, read back: `dossier verify --file REPORT.pdf`.

A PDF that `report -o x.pdf` wrote names the state hash of the dossier it was
made from (its keywords) and carries the JSON export of the reported cases
(render/pdf.py). Read back, the hash says whether and when the dossier was in
that state (as `verify --hash`), and the export says which of its records have
changed since, record by record. pypdf (the `pdf` extra) is imported here only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.errors import DossierError
from dossier.io import export
from dossier.store.records import Records

ATTACHMENT = "dossier-export.json"
KINDS = ("cases", "persons", "events")


class NotACourtCopy(DossierError):
    """The file is not a PDF report that dossier wrote, or it cannot be read."""


@dataclass(frozen=True, slots=True)
class CourtCopy:
    """What a PDF report says of itself."""

    state_hash: str
    records: dict[str, list[dict[str, Any]]]  # the embedded export's records by kind

    @property
    def cases(self) -> list[str]:
        """The reported cases."""
        return [c["id"] for c in self.records["cases"]]


@dataclass(frozen=True, slots=True)
class Change:
    """A record of the report that the dossier no longer holds as it was."""

    kind: str  # "case", "person" or "event"
    id: str
    how: str  # "changed", "removed", or "added" (new in the reported cases)

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"kind": self.kind, "id": self.id, "how": self.how}


def read(path: Path) -> CourtCopy:
    """The state hash and the records a PDF report carries."""
    try:
        import pypdf
    except ImportError:
        raise NotACourtCopy(
            "reading a PDF report needs pypdf: pip install 'dossier[pdf]'"
        ) from None
    import orjson

    try:
        reader = pypdf.PdfReader(path)
        keywords = (reader.metadata.keywords if reader.metadata else None) or ""
        attached = reader.attachments.get(ATTACHMENT)
    except (OSError, pypdf.errors.PyPdfError) as exc:
        raise NotACourtCopy(f"{path}: cannot read it as a PDF ({exc})") from None
    state = re.search(r"state hash ([0-9a-f]{64})", keywords)
    if state is None or not attached:
        raise NotACourtCopy(
            f"{path}: not a PDF report that dossier wrote (no state hash or no embedded"
            f" {ATTACHMENT})"
        )
    try:
        data = orjson.loads(attached[0])
        records = {kind: list(data[kind]) for kind in KINDS}
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise NotACourtCopy(f"{path}: its embedded {ATTACHMENT} is damaged ({exc})") from None
    return CourtCopy(state.group(1), records)


def changes(d: Records, copy: CourtCopy) -> list[Change]:
    """The records of the report's cases that differ now, in kind and id order.

    The report left confidential records out unless asked for them: the dossier's
    records are selected the same way before they are compared.
    """
    confidential = any(r.get("confidential") for kind in KINDS for r in copy.records[kind])
    known = [c for c in copy.cases if c in d.cases]
    now = (
        export.select(d, known, include_confidential=confidential)
        if known
        else {kind: [] for kind in KINDS}
    )
    found: list[Change] = []
    for kind in KINDS:
        then = {r["id"]: r for r in copy.records[kind]}
        current = {r["id"]: r for r in now[kind]}
        for key in sorted(then.keys() | current.keys()):
            if key not in current:
                found.append(Change(kind[:-1], key, "removed"))
            elif key not in then:
                found.append(Change(kind[:-1], key, "added"))
            elif then[key] != current[key]:
                found.append(Change(kind[:-1], key, "changed"))
    return found
