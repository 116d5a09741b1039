"""The report as a PDF/A-3b for a court: the HTML report typeset by WeasyPrint.

A4 with page numbers, table headers repeated, rows unsplit and each case on a
new page (the HTML report's print styles), links kept. PDF/A-3b by default,
carrying the JSON export of the reported cases as an embedded file, so that the
court copy holds its own machine-readable data; the document information has
the title, and the tool version and the state hash in its subject and keywords.

WeasyPrint (the `pdf` extra) is imported here only: without it, or without the
Pango library it draws text with, `PdfUnavailable` says what to install.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from typing import NamedTuple

from dossier.errors import DossierError
from dossier.report import Report

ATTACHMENT = "dossier-export.json"
INSTALL = (
    "a PDF report needs WeasyPrint and Pango: pip install 'dossier[pdf]', and on Debian"
    " apt-get install libpango-1.0-0 libpangoft2-1.0-0; the HTML report (-o report.html)"
    " works without them"
)


class PdfUnavailable(DossierError):
    """WeasyPrint or the Pango library it needs is not installed."""


class Typeset(NamedTuple):
    """A PDF, and what the reader should know of it."""

    data: bytes
    warnings: list[str]


def render(report: Report, export: bytes) -> Typeset:
    """The PDF/A-3b of `report`, with `export` (a JSON export) embedded.

    A character no installed font has would print as a blank box, the glyph PDF/A
    forbids, and left WeasyPrint's text of the whole font unreadable to a PDF reader: it
    is printed as its code point (`[U+1F680]`) instead, and a warning says so; the
    embedded export keeps it as it is."""
    try:
        from weasyprint import HTML, Attachment
    except (ImportError, OSError) as exc:  # OSError: Pango's library is missing
        raise PdfUnavailable(f"{INSTALL} ({type(exc).__name__})") from None
    from dossier.render.html import render as html

    page = html(report)
    head, body = page.split("<body", 1)
    missing = unprintable("".join(_TEXT.findall(body)))  # the text, which is drawn
    warnings = []
    if missing:
        # In the text only: a link's address, and the title the PDF's metadata takes from
        # the head, need no font and stay as they are.
        table = {ord(c): _code_point(c) for c in missing}
        body = _TEXT.sub(lambda m: m.group().translate(table), body)
        page = f"{head}<body{body}"
        shown = ", ".join(f"{c} as {_code_point(c)}" for c in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        warnings.append(
            f"{len(missing)} character(s) of this report have no font on this machine and"
            f" are printed as their code point ({shown}{more}); the embedded export keeps"
            " them as they are. Install a font that has them (Debian: fonts-noto-cjk,"
            " fonts-noto-color-emoji) and make the report again"
        )

    attachment = Attachment(
        string=export.decode("utf-8"),
        name=ATTACHMENT,
        description=f"The records of this report, as 'dossier export' writes them; state"
        f" hash {report.state_hash}",
        relationship="Data",
    )
    document = HTML(string=page, base_url=None)
    pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])
    return Typeset(pdf, warnings)


def _code_point(char: str) -> str:
    """How a character no font has is printed: its code point, `[U+1F680]`."""
    return f"[U+{ord(char):04X}]"


_TEXT = re.compile(r"(?<=>)[^<]+")  # the text between two tags (the report escapes < and >)


# Characters drawn with no glyph of their own: controls, format characters (joiners),
# separators. No font needs to have them.
_NO_GLYPH = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def unprintable(text: str) -> list[str]:
    """The characters of `text` that no installed font has (fontconfig's fonts, among
    which Pango finds one for each character), in order of code point; none when
    fontconfig cannot be asked."""
    covered = _covered()
    if covered is None:
        return []
    starts, ends = covered
    found = []
    for char in sorted(set(text)):
        code = ord(char)
        if code < 0x7F or unicodedata.category(char) in _NO_GLYPH:
            continue
        at = bisect.bisect_right(starts, code) - 1
        if at < 0 or code > ends[at]:
            found.append(char)
    return found


@functools.lru_cache(maxsize=1)
def _covered() -> tuple[list[int], list[int]] | None:
    """The code points some installed font has, as sorted ranges (starts, ends), from
    `fc-list`; None when it is not there to ask (the text is then printed as it is)."""
    import shutil
    import subprocess

    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        listed = subprocess.run(
            [program, "--format", "%{charset}\n"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    ranges = []
    for token in listed.split():
        first, _, last = token.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    starts: list[int] = []
    ends: list[int] = []
    for low, high in sorted(ranges):
        if ends and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return starts, ends
