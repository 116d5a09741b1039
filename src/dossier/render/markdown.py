"""The report as Markdown: tables, footnote-style citations, user text escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dossier.custody import Problem
from dossier.dates import show
from dossier.errors import printable
from dossier.render import marks
from dossier.render.html import is_url
from dossier.report import Report, Section
from dossier.stats import Stats

# Characters that Markdown (CommonMark, GitHub) reads as syntax anywhere in a line.
_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~!>])")
# What starts a list or a heading at the start of a line.
_LEADING_MARK = re.compile(r"^([-+=])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")


def escape(text: object) -> str:
    """User text as literal Markdown, on one line (safe inside a table cell)."""
    plain = printable(" ".join(str(text).split()))
    plain = plain.replace("&", "&amp;").replace("<", "&lt;")
    plain = _SPECIAL.sub(r"\\\1", plain)
    plain = _LEADING_MARK.sub(r"\\\1", plain)
    return _LEADING_NUMBER.sub(r"\1\\\2", plain)


def cites(numbers: Iterable[int]) -> str:
    """Footnote references, or 'unsourced'."""
    marks = "".join(f"[^{n}]" for n in numbers)
    return marks or "*unsourced*"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = [_row(*header), _row(*("---" for _ in header))]
    lines.extend(_row(*row) for row in rows)
    return [*lines, ""]


def _stats(stats: Stats) -> list[str]:
    # Figures are ours, not user text: only the approximate mark needs escaping.
    rows: list[list[object]] = [
        [label, value.replace("~", r"\~")] for label, value in marks.figures(stats)
    ]
    return _table(["Figure", "Value"], rows)


def _problems(problems: tuple[Problem, ...]) -> list[str]:
    """'**N problems:**', then a list item each (persons already named)."""
    if not problems:
        return []
    lines = [f"**{marks.problem_heading(problems)}**", ""]
    lines += [f"- {escape(marks.problem_line(p, str))}" for p in problems]
    return [*lines, ""]


def _section(section: Section) -> list[str]:
    case = section.case
    lines = [f"## {escape(case.title)}", ""]
    facts = [f"**Case:** {escape(case.id)} {cites(section.citations)}"]
    if case.jurisdiction:
        facts.append(f"**Jurisdiction:** {escape(case.jurisdiction)}")
    facts.append(f"**Status:** {escape(case.status)}")
    if case.charges:
        facts.append("**Charges:** " + "; ".join(escape(c) for c in case.charges))
    lines += [" · ".join(facts), ""]
    if case.summary:
        lines += [escape(case.summary), ""]
    lines += ["### Persons", ""]
    lines += _table(
        ["Name", "Role", "Born", "Died", "Also known as", "Notes", "Sources"],
        [
            [
                escape(p.name),
                escape(p.role),
                escape(p.born or ""),
                escape(p.died or ""),
                "; ".join(escape(a) for a in p.aliases),
                escape(p.notes or ""),
                cites(p.citations) if p.citations else "",
            ]
            for p in section.parties
        ],
    )
    lines += ["### Custody", ""]
    if section.custody:
        rows: list[list[object]] = []
        for held in section.custody:
            p = held.period
            rows.append([
                escape(marks.marked(held.name, held.troubled)),
                marks.period_kind(p),
                show(p.start), show(p.end) if p.end else "still held",
                escape(marks.period_days(p)), escape(marks.period_pretrial(p)),
                escape((p.ended_by or "").replace("_", " ")),
                "; ".join(escape(f) for f in p.facilities),
            ])  # fmt: skip
        lines += _table(
            ["Person", "Kind", "Start", "End", "Days", "Pretrial days", "Ended by", "Facilities"],
            rows,
        )
        if legend := marks.held_legend(section.custody):
            lines += [escape(legend), ""]
    else:
        lines += ["No custody recorded.", ""]
    lines += _problems(section.problems)
    lines += ["### Timeline", ""]
    rows = []
    for e in section.timeline:
        what = escape(e.description or "")
        if e.note:
            what += f" *Note: {escape(e.note)}*"
        kind = escape(e.type) + (f" ({escape(e.outcome)})" if e.outcome else "")
        kind += f", {escape(e.term)}" if e.term else ""
        date = e.date + (f" – {e.end}" if e.end else "")
        place = escape(e.place or "") + (f" ({escape(e.country)})" if e.country else "")
        rows.append([date, kind, ", ".join(escape(p) for p in e.persons), place, what,
                     cites(e.citations), f"`{e.id}`"])  # fmt: skip
    lines += _table(["Date", "Event", "Persons", "Place", "What happened", "Sources", "Id"], rows)
    lines += ["### Statistics", "", *_stats(section.stats)]
    return lines


def render(report: Report, chart_file: str | None = None) -> str:
    """The Markdown document; `chart_file` is the custody chart's SVG, written beside it."""
    lines = [f"# {escape(report.title)}", ""]
    lines += [
        f"Made {report.made} ·"
        f" {marks.as_of_note(report.as_of.isoformat(), report.left_out, capital=False)} ·"
        f" dossier {report.version}",
        "",
    ]
    if report.unverified:
        lines += [f"**{escape(report.unverified.capitalize())}:** see `dossier verify`.", ""]
    if report.redacted:
        lines += [
            f"**This report is redacted:** {report.redacted_persons} confidential person(s)"
            f" appear under a pseudonym and {report.redacted_events} confidential event(s)"
            " are left out.",
            "",
        ]
    elif report.include_confidential:
        lines += ["**This report includes confidential persons and events.**", ""]
    if report.chart is not None and report.chart.rows:
        if chart_file:
            lines += [f"![The custody chart of this report]({chart_file})", ""]
        else:
            lines += ["*The custody chart is in the HTML and PDF reports, and beside a Markdown"
                      " report written with `-o`.*", ""]  # fmt: skip
    for section in report.sections:
        lines += _section(section)
    if report.combined is not None:
        lines += ["## All cases in this report", "", *_stats(report.combined)]
        lines += ["### Persons held: comparison", ""]
        lines += _table(
            [
                "Person",
                "Case",
                "First held",
                "Days held",
                "Pretrial days",
                "Medical care denied",
                "Ill-treatment",
                "Hunger strikes",
                "Ended by",
                "Verdict",
            ],
            [
                [
                    escape(marks.marked(r.name, bool(r.problems))),
                    escape(r.case),
                    show(r.first_custody),
                    escape(marks.row_days(r)),
                    escape(marks.row_pretrial(r)),
                    r.medical_care_denied,
                    r.ill_treatment,
                    r.hunger_strikes,
                    "still held" if r.ongoing else escape((r.ended_by or "").replace("_", " ")),
                    escape(r.verdict or "—"),
                ]
                for r in report.comparison
            ],
        )
        if legend := marks.row_legend(report.comparison):
            lines += [escape(legend), ""]
        lines += _problems(report.problems)
    lines += ["## Sources", ""]
    for number, source in report.sources:
        # An autolink may hold no spaces or angle brackets; anything else is escaped text.
        autolink = is_url(source) and not re.search(r"[\s<>]", source)
        shown = f"<{source}>" if autolink else escape(source)
        lines.append(f"[^{number}]: {shown}")
    if not report.sources:
        lines.append("No sources recorded.")
    lines += [
        "",
        "---",
        "",
        f"Made {report.made} with dossier {report.version},"
        f" {marks.as_of_note(report.as_of.isoformat(), report.left_out, capital=False)}."
        + (" Redacted." if report.redacted else ""),
        "",
        *([f"**{escape(report.unverified.capitalize())}.**", ""] if report.unverified else []),
        f"State hash (check with `{report.verify_command}`): `{report.state_hash}`",
        "",
    ]
    return "\n".join(lines)
