"""What an export to another tool (FtM, Uwazi) could not carry, counted by kind."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Losses:
    """What an export could not carry as structured data, by kind, with counts."""

    flags: int = 0  # dates marked ~ or ?: said in text
    as_text: dict[str, int] = field(default_factory=dict)  # fields kept only as text
    changed: dict[str, int] = field(default_factory=dict)  # values changed to fit
    history: int = 0  # history entries: never exported
    confidential: tuple[int, int] = (0, 0)  # persons, events left out
    periods: int = 0  # custody periods left out: a confidential event changes them
    elsewhere: int = 0  # custody periods left out: an event of a case not exported does
    doubtful: int = 0  # custody periods exported whose person's record has a problem

    def text(self, what: str, count: int = 1) -> None:
        """Count a field kept only as text."""
        self.as_text[what] = self.as_text.get(what, 0) + count

    def change(self, what: str, count: int = 1) -> None:
        """Count values changed to fit the target."""
        self.changed[what] = self.changed.get(what, 0) + count

    def lines(self, target: str) -> list[str]:
        """One line per kind of loss that happened (none when nothing was lost)."""
        lines = []
        if self.flags:
            lines.append(
                f"{self.flags} approximate (~) or uncertain (?) date(s): {target} has no"
                " such flag; each entity's notes say so, and the date keeps its precision"
            )
        if self.as_text:
            kept = ", ".join(f"{n} {what}" for what, n in sorted(self.as_text.items()))
            lines.append(f"kept as text in notes, not as {target} properties: {kept}")
        if self.changed:
            done = ", ".join(f"{n} {what}" for what, n in sorted(self.changed.items()))
            lines.append(f"changed to fit {target}: {done}")
        persons, events = self.confidential
        if persons or events:
            lines.append(
                f"{persons} person(s) (confidential, or named only by confidential events)"
                f" and {events} confidential event(s) left out; pass --include-confidential"
                " to export them"
            )
        if self.periods:
            lines.append(
                f"{self.periods} custody period(s) left out: a confidential event starts, ends"
                " or continues them, and without it they would be told wrong"
            )
        if self.elsewhere:
            lines.append(
                f"{self.elsewhere} custody period(s) left out: an event recorded under a case"
                " not exported starts, ends or continues them ('dossier timeline CASE' says"
                " which)"
            )
        if self.doubtful:
            lines.append(
                f"{self.doubtful} custody period(s) exported with a problem in the person's"
                " record (such as a death with no end of custody recorded), said in their"
                " notes; 'dossier timeline CASE' lists the problems"
            )
        if self.history:
            lines.append(
                f"the dossier's history ({self.history} entr"
                f"{'y' if self.history == 1 else 'ies'}) is not exported: {target} has no"
                " change history"
            )
        return lines
