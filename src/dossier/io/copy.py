"""`dossier copy SRC DST`: a whole dossier from one store into another, as it is.

Any two stores: a file (plain or encrypted) or a server, either way. The
records keep their ids, their timestamps and the order they were added, so
that the JSON exports of both are equal apart from the export time. The
destination must hold no record (none the caller can see, on a server), and a
file no history either (a file whose records were all removed keeps them there); it
gets one history entry for the copy (in each case's chain, on a server),
since the source's history belongs to the source's store.
"""

from __future__ import annotations

from dossier.errors import DatabaseError, first_of, one_line
from dossier.history import KINDS
from dossier.store.records import Records


def copy_records(
    source: Records, target: Records, *, source_name: str, target_name: str
) -> dict[str, int]:
    """Put every record of `source` into the empty `target`; the counts by kind.

    Refused, with nothing changed, when `target` holds records (or, a file, history),
    or `source` holds none (none the caller can see, on a server), or one the record
    contract refuses or was changed outside dossier and not accepted (a file edited by
    hand, a server's records edited with SQL: 'dossier verify' says more).
    """
    held = [f"{n} {kind}" for kind in KINDS if (n := len(target.tables()[kind]))]
    entries = 0 if held else target.history_before_copy()  # named when all it holds
    if entries:
        held.append(f"{entries} history {'entry' if entries == 1 else 'entries'}")
    if held:
        raise DatabaseError(
            f"{target_name} is not empty ({', '.join(held)}); copy into a new file or an"
            " empty database"
        )
    if not any(len(source.tables()[kind]) for kind in KINDS):
        # Nothing would be written: no file, no history; the command said it copied.
        raise DatabaseError(
            f"{source_name} holds no record"
            + (
                " you can see; nothing was copied (a case's owner lets you see it:"
                " 'dossier access grant CASE ROLE')"
                if source.states_per_case  # a server's
                else "; nothing was copied"
            )
        )
    faults = source.contract_faults()
    if faults:
        raise DatabaseError(
            f"{source_name}: {first_of(faults)}; nothing was copied (see 'dossier verify')"
        )
    outside = source.outside()
    if outside is not None:
        # The copy's history would begin from the changed records, and `verify` on the
        # copy pass: a change nobody accepted would come out as sound evidence.
        raise DatabaseError(
            f"{source_name}: {one_line(first_of(outside.problems))}; nothing was copied (the"
            " copy's history would begin from the changed records). 'dossier verify' on it"
            " says more, and 'dossier verify --accept' records the change once it is known"
            " to be right"
        )
    # A report made on the source is found on the copy by this (history.copied_state).
    target.copied = source.copy_state()
    counts: dict[str, int] = {}
    for kind in KINDS:
        records = source.tables()[kind].raw
        target.tables()[kind].put_many(records.items())
        counts[kind] = len(records)
    return counts
