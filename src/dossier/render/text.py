"""The report as plain text, 80 columns, for a terminal or a plain printer."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

from rich.cells import cell_len

from dossier.custody import HOUSE_ARREST, Problem
from dossier.dates import show
from dossier.errors import printable
from dossier.render import marks
from dossier.report import Report, Section
from dossier.stats import Stats

WIDTH = 80
INDENT = " " * 12


# Between two citation marks (`[17][18]`): a run of marks has no space, and was cut
# inside a number (`[1` / `8]`).
_BETWEEN_MARKS = r"(?<=\])(?=\[)"
_MARKS = re.compile(_BETWEEN_MARKS)


class _Wrapper(textwrap.TextWrapper):
    """Breaks at spaces, and between two citation marks."""

    wordsep_simple_re = re.compile(rf"(\s+|{_BETWEEN_MARKS})")


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    flat = " ".join(text.split())
    first = indent if first is None else first
    if not _one_cell_each(flat + first):  # wide (CJK) or zero-width characters
        return _wrap_cells(flat, indent, first)
    return _Wrapper(
        WIDTH,
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ).wrap(flat) or [indent.rstrip()]


def _wrap_cells(text: str, indent: str, first: str) -> list[str]:
    """_wrap for a text whose characters do not each take one cell (textwrap counts
    characters: a line of CJK text took 148 columns). Words are placed by the cells
    they take, breaking where textwrap does; a word wider than a line is cut by cells."""
    lines: list[str] = []
    line, used, fresh = first, cell_len(first), True  # fresh: nothing on the line yet
    for word in text.split(" "):
        for i, piece in enumerate(_MARKS.split(word)):
            glue = "" if fresh or i else " "
            if used + cell_len(glue + piece) <= WIDTH:
                line, used, fresh = line + glue + piece, used + cell_len(glue + piece), False
                continue
            if not fresh:
                lines.append(line)
                line, used = indent, cell_len(indent)
            while used + cell_len(piece) > WIDTH:
                room, cut = WIDTH - used, 1
                while cut < len(piece) and cell_len(piece[: cut + 1]) <= room:
                    cut += 1
                lines.append(line + piece[:cut])
                line, used, piece = indent, cell_len(indent), piece[cut:]
            line, used, fresh = line + piece, used + cell_len(piece), False
    lines.append(line)
    return [line.rstrip() for line in lines]


def _one_cell_each(text: str) -> bool:
    """Whether every character of `text` takes one cell, as textwrap counts them."""
    return text.isascii() or all(cell_len(char) == 1 for char in set(text))


def _pad(cell: str, width: int) -> str:
    """`cell` left-aligned in `width` terminal cells (a CJK character takes two)."""
    return cell + " " * (width - cell_len(cell))


def _heading(text: str, underline: str) -> list[str]:
    lines = _wrap(text)
    return [*lines, underline * min(WIDTH, max(cell_len(line) for line in lines)), ""]


def _cites(numbers: Iterable[int]) -> str:
    marks = "".join(f"[{n}]" for n in numbers)
    return marks or "(unsourced)"


def _head(row: list[str], widths: list[int]) -> str:
    """A row's cells but the last, padded to their columns (a name wider than its column
    takes a line of its own, so its cell is left blank here)."""
    if cell_len(row[0]) > widths[0]:
        row = ["", *row[1:]]
    return "".join(_pad(cell, w) + "  " for cell, w in zip(row[:-1], widths, strict=False))


def _under(rows: list[list[str]], widths: list[int]) -> bool:
    """Whether the last column goes on lines of its own under each row: when a word of it
    (a type, "acquittal") would be cut to fit the room wider columns left it in any row.
    Then under every row, so that a cell left empty in the column never reads as an end
    that none was: "release" went under its row while "bail" stayed in the column."""
    lead = sum(w + 2 for w in widths[:-1])
    return any(
        max(map(cell_len, row[-1].split()), default=0)
        > WIDTH - max(lead, cell_len(_head(row, widths)))
        for row in rows
    )


def _columns(
    rows: list[list[str]], widths: list[int], last: str = "", *, under: bool = False
) -> list[str]:
    """Rows in fixed-width columns; the last column wraps under itself, or with `under`
    goes on lines of its own under each row, said as `last: value` (a heading row gives
    "" as its last cell then).

    Nothing is ever cut: a long name gets a line of its own, and a figure
    wider than its column pushes the rest of its row to the right.
    """
    lines: list[str] = []
    lead = sum(w + 2 for w in widths[:-1])
    for row in rows:
        if cell_len(row[0]) > widths[0]:
            lines.extend(_wrap(row[0]))
        head = _head(row, widths)
        if under:
            said = f"{last}: {row[-1]}" if last else row[-1]
            lines += [head.rstrip(), *(_wrap(said, " " * 4) if row[-1] else [])]
            continue
        tail = _wrap(row[-1], " " * lead, first=head) if row[-1] else [head.rstrip()]
        lines.extend(line.rstrip() for line in tail)
    return lines


def _fit(widths: list[int], rows: list[list[str]]) -> list[int]:
    """`widths` grown so that every figure, date and id fits its column (the first, a
    name, takes a line of its own instead; the last wraps): one wider figure no longer
    pushes the rest of its row out of line with the others."""
    return [
        max([w, *(cell_len(row[i]) for row in rows)]) if 0 < i < len(widths) - 1 else w
        for i, w in enumerate(widths)
    ]


def _chart(report: Report) -> list[str]:
    """The terminal's custody chart (render/chart.py), 80 columns, without colour."""
    import io

    from rich.console import Console

    from dossier.render.chart import ChartView

    assert report.chart is not None
    out = io.StringIO()
    console = Console(file=out, width=WIDTH, color_system=None, soft_wrap=True)
    console.print(ChartView(report.chart))
    return [line.rstrip() for line in out.getvalue().splitlines()]


def _stats(stats: Stats) -> list[str]:
    return [f"  {label:<44}{value}" for label, value in marks.figures(stats)] + [""]


def _problems(problems: tuple[Problem, ...]) -> list[str]:
    """'N problems:', then each on its own wrapped lines (persons already named)."""
    if not problems:
        return []
    lines = ["", marks.problem_heading(problems)]
    for problem in problems:
        lines += _wrap(marks.problem_line(problem, str), "    ", first="  ")
    return lines


def _section(section: Section) -> list[str]:
    case = section.case
    lines = _heading(case.title, "=")
    facts = [("Case", f"{case.id} {_cites(section.citations)}")]
    facts += [("Jurisdiction", case.jurisdiction or ""), ("Status", case.status)]
    facts += [("Charges", "; ".join(case.charges))]
    for label, value in facts:
        if value:
            lines += _wrap(value, " " * 14, first=f"{label + ':':<14}")
    if case.summary:
        lines += ["", *_wrap(case.summary)]
    lines += ["", *_heading("Persons", "-")]
    for party in section.parties:
        head = f"{party.name} ({party.role})"
        extra = [
            f"born {party.born}" if party.born else "",
            f"died {party.died}" if party.died else "",
        ]
        extra += ["also " + "; ".join(party.aliases) if party.aliases else ""]
        lines += _wrap(head + "".join(f", {e}" for e in extra if e), "    ", first="  ")
        if party.notes:
            lines += _wrap(party.notes, "    ")
        if not party.redacted:
            lines += _wrap("Sources: " + _cites(party.citations), "    ")
    lines += ["", *_heading("Custody", "-")]
    if section.custody:
        # A Kind column where some period is house arrest, as in the other formats:
        # without it, a house arrest's days read as custody.
        house = any(held.period.kind == HOUSE_ARREST for held in section.custody)
        rows = []
        for held in section.custody:
            p = held.period
            kinds = [marks.period_kind(p)] if house else []
            end = show(p.end) if p.end else "still held"
            rows.append([marks.marked(held.name, held.troubled), *kinds, show(p.start), end,
                         marks.period_days(p), marks.period_pretrial(p),
                         (p.ended_by or "").replace("_", " ")])  # fmt: skip
        # 80 columns: with a Kind, the name gives way (a longer one takes its own line),
        # and "Ended by" is the width of its heading.
        widths = _fit([12, 12, 10, 10, 8, 8, 8] if house else [20, 10, 10, 10, 9, 11], rows)
        header = ["Person", *(["Kind"] if house else []), "Start", "End", "Days", "Pretrial"]
        under = _under(rows, widths)
        lines += _columns([[*header, "" if under else "Ended by"]], widths, under=under)
        for held, row in zip(section.custody, rows, strict=True):
            p = held.period
            lines += _columns([row], widths, "Ended by", under=under)
            if p.facilities:
                lines += _wrap("Held at: " + "; ".join(p.facilities), "      ", first="    ")
        legend = marks.held_legend(section.custody)
        lines += ["", *_wrap(legend)] if legend else []
    else:
        lines.append("No custody recorded.")
    lines += _problems(section.problems)
    lines += ["", *_heading("Timeline", "-")]
    for e in section.timeline:
        date = e.date + (f" – {e.end}" if e.end else "")  # as Markdown and HTML write it
        kind = e.type + (f" ({e.outcome})" if e.outcome else "") + (f", {e.term}" if e.term else "")
        # The id, as problems and `dossier event show` name the event.
        head = f"{kind}  {_cites(e.citations)}  (event {e.id})"
        lines += (
            _wrap(head, INDENT, first=f"{date:<11} ")
            if cell_len(head) > WIDTH - 12
            else [f"{date:<11} {head}"]
        )
        who = ", ".join(e.persons)
        where = " ".join(p for p in (e.place, f"({e.country})" if e.country else None) if p)
        if who or where:
            lines += _wrap(" - ".join(x for x in (who, where) if x), INDENT)
        if e.description:
            lines += _wrap(e.description, INDENT)
        if e.note:
            lines += _wrap("Note: " + e.note, INDENT)
    if not section.timeline:
        lines.append("No events recorded.")
    lines += ["", *_heading("Statistics", "-"), *_stats(section.stats)]
    return lines


def render(report: Report) -> str:
    """The plain-text document (control characters in user text escaped)."""
    return printable(_render(report))


def _render(report: Report) -> str:
    lines = _heading(report.title, "#")
    lines.append(f"Made {report.made}, as of {report.as_of.isoformat()}, dossier {report.version}")
    if report.left_out:
        lines.append(marks.as_of_note(report.as_of.isoformat(), report.left_out) + ".")
    if report.unverified:
        lines += _wrap(f"{report.unverified.upper()}: see 'dossier verify'.")
    if report.redacted:
        lines += _wrap(
            f"THIS REPORT IS REDACTED: {report.redacted_persons} confidential person(s) appear"
            f" under a pseudonym and {report.redacted_events} confidential event(s) are left out."
        )
    elif report.include_confidential:
        lines.append("This report includes confidential persons and events.")
    lines.append("")
    if report.chart is not None and report.chart.rows:
        lines += [*_heading("Custody chart", "="), *_chart(report), ""]
    for section in report.sections:
        lines += _section(section)
    if report.combined is not None:
        lines += [*_heading("All cases in this report", "="), *_stats(report.combined)]
        header = ["Person", "First held", "Days", "Pretrial", "Care denied", "Ended / verdict"]
        rows = []
        for r in report.comparison:
            ended = "still held" if r.ongoing else (r.ended_by or "").replace("_", " ")
            rows.append([marks.marked(r.name, bool(r.problems)), show(r.first_custody),
                         marks.row_days(r), marks.row_pretrial(r), str(r.medical_care_denied),
                         f"{ended}; {r.verdict or '-'}"])  # fmt: skip
        widths = _fit([20, 10, 10, 9, 11, 10], rows)
        under = _under(rows, widths)
        lines += [
            *_heading("Persons held: comparison", "-"),
            # The heading laid out apart from the rows: among them, its last cell went
            # under it as "Ended / verdict: Ended / verdict".
            *_columns([[*header[:-1], "" if under else header[-1]]], widths, under=under),
            *_columns(rows, widths, header[-1], under=under),
            *(["", *_wrap(legend)] if (legend := marks.row_legend(report.comparison)) else []),
            *_problems(report.problems),
        ]
        lines.append("")
    lines += _heading("Sources", "=")
    for number, source in report.sources:
        lines += _wrap(source, " " * 6, first=f"{f'[{number}]':<6}")
    if not report.sources:
        lines.append("No sources recorded.")
    lines += ["", "-" * WIDTH]
    lines += _wrap(
        f"Made {report.made} with dossier {report.version},"
        f" {marks.as_of_note(report.as_of.isoformat(), report.left_out, capital=False)}."
        + (" Redacted." if report.redacted else "")
    )
    if report.unverified:
        lines += _wrap(f"{report.unverified.upper()}.")
    lines += _wrap(f"State hash (check with '{report.verify_command}'):", "  ", first="")
    lines += [f"  {report.state_hash}", ""]
    return "\n".join(lines)
