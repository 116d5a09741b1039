"""How a custody figure and its marks read, the same in every rendering.

The terminal, the text, Markdown and HTML reports all write a period's days,
a comparison row's totals, the problem list and the as-of note through these
functions, so a figure a court reads in print is the figure the lawyer saw in
the terminal (tests/test_parity.py walks one dossier through all of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dossier.custody import Period, Problem

if TYPE_CHECKING:  # a timeline needs neither: importing them costs it 25 ms
    from dossier.report import Held
    from dossier.stats import PersonRow, Stats

RANGE = "–"  # between the least and the most days the dates allow: 0–19
APPROXIMATE = "~"
RUNNING = "+"
PROBLEM = "!"


def days(value: int, low: int, high: int, *, approximate: bool, running: bool = False) -> str:
    """A range where the dates allow one ('0-19', en dash), else '~970' or '141'; ' +' running."""
    shown = f"{low}{RANGE}{high}" if low != high else f"{APPROXIMATE * approximate}{value}"
    return f"{shown} {RUNNING}" if running else shown


def period_kind(p: Period) -> str:
    """A period's kind as tables name it: 'custody' or 'house arrest'."""
    return p.kind.replace("_", " ")


def period_days(p: Period) -> str:
    """A period's days as shown."""
    return days(p.days, p.days_min, p.days_max, approximate=p.approximate, running=p.ongoing)


def period_pretrial(p: Period) -> str:
    """A period's pretrial days as shown."""
    return days(
        p.pretrial_days,
        p.pretrial_days_min,
        p.pretrial_days_max,
        approximate=p.pretrial_approximate,
    )


def row_days(r: PersonRow) -> str:
    """A comparison row's days held as shown."""
    return days(r.custody_days, r.days_min, r.days_max, approximate=r.approximate,
                running=r.ongoing)  # fmt: skip


def row_pretrial(r: PersonRow) -> str:
    """A comparison row's pretrial days as shown."""
    return days(r.pretrial_days, r.pretrial_days_min, r.pretrial_days_max,
                approximate=r.pretrial_approximate)  # fmt: skip


def legend(
    *,
    approximate: bool = False,
    ranges: bool = False,
    running: bool = False,
    problems: bool = False,
) -> str:
    """What the marks in a table mean, only those it uses ('' when none)."""
    parts = [
        f"{APPROXIMATE} marks approximate figures" if approximate else "",
        f"a range (such as 0{RANGE}19) the fewest and most days the dates allow" if ranges else "",
        f"{RUNNING} a period still running" if running else "",
        f"{PROBLEM} a person with a problem listed below" if problems else "",
    ]
    said = ", ".join(p for p in parts if p)
    return said[:1].upper() + said[1:] + "." if said else ""


def _marked(figure: Period | PersonRow) -> bool:
    """Whether a figure of this row is shown with '~' (approximate, yet not a range)."""
    days = figure.approximate and figure.days_min == figure.days_max
    pretrial = figure.pretrial_approximate and (
        figure.pretrial_days_min == figure.pretrial_days_max
    )
    return days or pretrial


def figures_legend(figures: Iterable[Period | PersonRow], troubled: Iterable[bool]) -> str:
    """The legend under a table of periods or comparison rows; `troubled` says which
    rows are marked '!'."""
    figures = list(figures)
    return legend(
        approximate=any(_marked(f) for f in figures),
        ranges=any(f.days_min != f.days_max or f.pretrial_days_min != f.pretrial_days_max
                   for f in figures),
        running=any(f.ongoing for f in figures),
        problems=any(troubled),
    )  # fmt: skip


def period_legend(periods: Iterable[Period], troubled: Iterable[bool]) -> str:
    """The legend under a table of periods."""
    return figures_legend(periods, troubled)


def held_legend(held: Iterable[Held]) -> str:
    """The legend under a report's custody table."""
    held = list(held)
    return figures_legend([h.period for h in held], [h.troubled for h in held])


def row_legend(rows: Iterable[PersonRow]) -> str:
    """The legend under a comparison table."""
    rows = list(rows)
    return figures_legend(rows, [bool(r.problems) for r in rows])


def total(custody: Mapping[str, Any], key: str, approximate: bool) -> str:
    """A total, median or maximum of `stats --json`'s custody: a range where the dates
    allow one ('0-19', as for a period), else '~5649' when any figure behind it is
    approximate; '—' when there is none."""
    value, low, high = custody[key], custody[f"{key}_min"], custody[f"{key}_max"]
    if value is None:
        return "—"
    if low != high:
        return f"{low}{RANGE}{high}"
    return f"{APPROXIMATE if approximate else ''}{value}"


# The custody summary's totals, each with the flag of `stats --json` that says whether
# an approximate figure is behind it.
SUMMARY = {
    "total_days": "approximate",
    "median_pretrial_days": "median_pretrial_approximate",
    "max_pretrial_days": "max_pretrial_approximate",
}


def summary(custody: Mapping[str, Any], missing: str = "—") -> dict[str, str]:
    """The custody summary's total, pretrial median and maximum as shown (see total)."""
    return {
        key: missing if custody[key] is None else total(custody, key, custody[flag])
        for key, flag in SUMMARY.items()
    }


def summary_legend(shown: Iterable[str]) -> str:
    """The legend of the marks the summary's figures, as `summary` shows them, use."""
    shown = list(shown)
    return legend(
        approximate=any(s.startswith(APPROXIMATE) for s in shown),
        ranges=any(RANGE in s for s in shown),
    )


def percent(guilty: int, acquitted: int) -> str:
    """The conviction rate as people read it ('67%'), from the counts (the JSON's rate is
    rounded), never rounded to 0% or 100% when it is not: 199 guilty and 1 acquitted is
    '99.5%', 19,999 and 1 '>99.9%'; '—' when there is neither."""
    if not guilty + acquitted:
        return "—"
    rate = guilty / (guilty + acquitted)
    shown = f"{rate:.0%}"
    if shown not in ("0%", "100%") or rate in (0, 1):
        return shown
    shown = f"{rate:.1%}"
    if shown == "0.0%":
        return "<0.1%"
    if shown == "100.0%":
        return ">99.9%"
    return shown


def marked(name: str, troubled: bool) -> str:
    """A person's name, with the problem mark when their record has a problem."""
    return f"{name} {PROBLEM}" if troubled else name


def count(n: int, noun: str) -> str:
    """'1 problem', '3 problems'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def problem_heading(problems: Sequence[Problem]) -> str:
    """The line before the list: '2 problems:'."""
    return count(len(problems), "problem") + ":"


def problem_line(problem: Problem, name: Callable[[str], str]) -> str:
    """One problem: the person (by name), the case, then what is wrong and which event."""
    return f"{PROBLEM} {name(problem.person)} ({problem.case}): {problem.message}"


def as_of_note(as_of: str, left_out: int, *, capital: bool = True, listed: int = 0) -> str:
    """'As of 2011-02-01: 3 later events left out' (the record as it stood that day);
    `listed`: how many of them are shown all the same (scheduled after today), not
    counted."""
    note = f"{'A' if capital else 'a'}s of {as_of}"
    if not left_out:
        return note
    later = count(left_out, "later event")
    if not listed:
        return f"{note}: {later} left out"
    if listed == left_out:
        return f"{note}: {later} listed, not counted"
    return f"{note}: {later} not counted, {listed} of them listed"


def figures(stats: Stats, missing: str = "—") -> list[tuple[str, str]]:
    """The statistics a report prints, as (label, value) in reading order."""
    s = stats.to_dict()
    custody, verdicts, ex = s["custody"], s["verdicts"], s["extradition"]
    guilty, acquitted = verdicts["guilty"], verdicts["acquitted"]

    def value(v: object) -> str:
        return missing if v is None else str(v)

    shown = summary(custody, missing)
    return [
        ("Events", value(s["events"]["total"])),
        ("Persons held", value(custody["persons_held"])),
        ("Days in custody (total)", shown["total_days"]),
        ("Pretrial days, median", shown["median_pretrial_days"]),
        ("Pretrial days, maximum", shown["max_pretrial_days"]),
        ("Currently held", value(custody["currently_held"])),
        ("Deaths in custody", value(custody["deaths_in_custody"])),
        ("Guilty verdicts / acquittals", f"{guilty} / {acquitted}"),
        ("Conviction rate", percent(guilty, acquitted) if guilty + acquitted else missing),
        (
            "Extradition requests / granted / refused",
            f"{ex['requests']} / {ex['granted']} / {ex['refused']}",
        ),
    ]
