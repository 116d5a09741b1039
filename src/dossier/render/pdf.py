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


def render(report: Report, export: bytes) -> bytes:
    """The PDF/A-3b of `report`, with `export` (a JSON export) embedded."""
    try:
        from weasyprint import HTML, Attachment
    except (ImportError, OSError) as exc:  # OSError: Pango's library is missing
        raise PdfUnavailable(f"{INSTALL} ({type(exc).__name__})") from None
    from dossier.render.html import render as html

    attachment = Attachment(
        string=export.decode("utf-8"),
        name=ATTACHMENT,
        description=f"The records of this report, as 'dossier export' writes them; state"
        f" hash {report.state_hash}",
        relationship="Data",
    )
    document = HTML(string=html(report), base_url=None)
    pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])
    return pdf
