"""The HTML report printed by a real browser: headless Chromium makes an A4 PDF of it.

Needs Chromium (`apt-get install chromium`) and pypdf (in the `test` extra); the
test is skipped, saying which is missing, without them. It takes a few seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import Run

DATA = Path(__file__).parent.parent / "data"
SAMPLE = [str(DATA / name) for name in ("cases.csv", "persons.csv", "events.csv")]
TIMEOUT = 60  # seconds; printing takes about 2


def chromium() -> str:
    """The Chromium executable; the test is skipped without one."""
    found = shutil.which("chromium")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.skip(
            "Chromium is not installed (apt-get install chromium): no browser to print"
            " the HTML report to PDF with"
        )
    return found


def print_to_pdf(browser: str, page: Path, pdf: Path, profile: Path) -> None:
    """Print `page` to `pdf` with headless Chromium, offline, in a throwaway profile."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    ]
    # Its own process group, so that a hung browser goes with all its helper processes.
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as browsing:
        try:
            _, errors = browsing.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(browsing.pid, signal.SIGKILL)
            browsing.communicate()
            pytest.fail(f"Chromium did not print {page.name} within {TIMEOUT} s")
    assert browsing.returncode == 0, errors[-2000:]
    assert pdf.exists(), errors[-2000:]


def test_chromium_prints_the_khodorkovsky_report_on_a4_pages(run: Run, tmp_path: Path) -> None:
    browser = chromium()
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the printed PDF (pip install pypdf)")
    assert run("import", *SAMPLE).exit_code == 0
    page, pdf = tmp_path / "k.html", tmp_path / "k.pdf"
    result = run("report", "khodorkovsky", "-o", str(page))
    assert result.exit_code == 0, result.output
    (tmp_path / "home").mkdir(exist_ok=True)  # the test's $HOME: the browser writes there

    print_to_pdf(browser, page, pdf, profile=tmp_path / "profile")

    pages = pypdf.PdfReader(pdf).pages
    assert 3 <= len(pages) <= 20, len(pages)  # 7 on A4 today
    assert "Khodorkovsky" in pages[0].extract_text()  # the title, on the first page
    assert "State hash" in pages[-1].extract_text()  # the footer, on the last
