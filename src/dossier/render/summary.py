"""The summary of an import, as plain text: what it added, updated and left unchanged.

Not a Rich table: an import of 100,000 events should not wait a tenth of a
second for a terminal library to print five lines (measured by `make bench`).
The layout is the house style of the terminal tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.errors import printable

if TYPE_CHECKING:
    from dossier.io.importer import Summary


def import_summary(summary: Summary, title: str, *, dry_run: bool = False) -> str:
    """Counts per kind, and the cases and persons --create-missing made (or, in a dry
    run, would make)."""
    kinds = ("cases", "persons", "events")
    rows = [["", *kinds]] + [
        [label, *(str(counts[k]) for k in kinds)]
        for label, counts in (
            ("added", summary.added),
            ("updated", summary.updated),
            ("unchanged", summary.unchanged),
        )
    ]
    widths = [max(len(row[at]) for row in rows) for at in range(len(kinds) + 1)]
    lines = [printable(title)]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if n == 0:
            lines.append("─" * (sum(widths) + 2 * len(kinds)))
    lines += [
        printable(f"{'Would create' if dry_run else 'Created'} missing {kind}: " + ", ".join(ids))
        for kind, ids in summary.created_missing.items()
        if ids
    ]
    return "\n".join(lines) + "\n"
