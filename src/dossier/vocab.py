"""Vocabularies: event types with their custody effect, roles, statuses, outcomes.

Everything that knows what an event type *means* reads it from here, so the
timeline, the statistics and the importer can never disagree.
"""

from __future__ import annotations

from enum import StrEnum


class Effect(StrEnum):
    """What an event type does to a person's custody."""

    START = "custody starts"
    END = "custody ends"
    DURING = "during custody"
    PROCEEDINGS = "proceedings"
    CROSS_BORDER = "cross-border"
    OTHER = "other"


EVENT_TYPES: dict[str, Effect] = {
    "arrest": Effect.START,
    "pretrial_detention": Effect.START,
    "imprisonment": Effect.START,
    "release": Effect.END,
    "bail": Effect.END,
    "house_arrest": Effect.END,
    "pardon": Effect.END,
    "parole": Effect.END,
    "acquittal": Effect.END,
    "death_in_custody": Effect.END,
    "escape": Effect.END,
    "detention_extended": Effect.DURING,
    "transfer": Effect.DURING,
    "hunger_strike": Effect.DURING,
    "medical_care_denied": Effect.DURING,
    "medical_care": Effect.DURING,
    "ill_treatment": Effect.DURING,
    "illness": Effect.DURING,
    "search": Effect.PROCEEDINGS,
    "charge": Effect.PROCEEDINGS,
    "indictment": Effect.PROCEEDINGS,
    "hearing": Effect.PROCEEDINGS,
    "verdict": Effect.PROCEEDINGS,
    "sentence": Effect.PROCEEDINGS,
    "appeal": Effect.PROCEEDINGS,
    "extradition_request": Effect.CROSS_BORDER,
    "extradition_granted": Effect.CROSS_BORDER,
    "extradition_refused": Effect.CROSS_BORDER,
    "asylum_granted": Effect.CROSS_BORDER,
    "interpol_notice": Effect.CROSS_BORDER,
    "emigration": Effect.CROSS_BORDER,
    "death": Effect.OTHER,
    "statement": Effect.OTHER,
    "other": Effect.OTHER,
}

# Types that may be recorded before they happen: a hearing set for next month, an
# extradition request about to be filed, a statement announced. A date after today
# is accepted for them, with a warning; every other type (custody starts and ends,
# what happens in custody, a death) must already have happened, and a date after
# today is refused unless --allow-future (contract.future_date).
SCHEDULABLE: frozenset[str] = frozenset(
    {t for t, e in EVENT_TYPES.items() if e in (Effect.PROCEEDINGS, Effect.CROSS_BORDER)}
    | {"statement", "other"}
)

# Notes shown by `dossier vocab` where a type does more than its group says.
TYPE_NOTES: dict[str, str] = {
    "house_arrest": "ends custody and starts house arrest",
    "death_in_custody": "ends custody; also counts as a death",
    "sentence": "implies a guilty verdict",
    "acquittal": "ends custody; counts as an acquittal",
}

# When several custody ends fall on one day, the most specific one names the end.
END_PRECEDENCE: tuple[str, ...] = (
    "death_in_custody",
    "escape",
    "pardon",
    "parole",
    "acquittal",
    "bail",
    "house_arrest",
    "release",
)

ROLES: tuple[str, ...] = (
    "defendant",
    "lawyer",
    "judge",
    "prosecutor",
    "investigator",
    "witness",
    "relative",
    "journalist",
    "official",
    "other",
)

STATUSES: tuple[str, ...] = (
    "open",
    "investigation",
    "pretrial",
    "trial",
    "convicted",
    "acquitted",
    "appeal",
    "released",
    "deceased",
    "closed",
)

OUTCOMES: tuple[str, ...] = ("guilty", "acquitted", "dismissed", "returned")
