"""The court copy: `report -o x.pdf`, a PDF/A-3b typeset by WeasyPrint with the JSON export
of the reported cases embedded (issue "The court copy", item 2).

WeasyPrint is in the `test` extra, so `make test` installs it; without it (or without
Pango) these tests skip and say why, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import Run, opened

DATA = Path(__file__).parent.parent / "data"
SAMPLE = [str(DATA / name) for name in ("cases.csv", "persons.csv", "events.csv")]
CASES = ("khodorkovsky", "aleksanyan", "kudoyarov")


def weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        reason = f"WeasyPrint or Pango is not installed ({exc}): no PDF to make"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def court_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The sample dossier and its PDF report on all three cases: (db, pdf, stdout)."""
    weasyprint_or_skip()
    from typer.testing import CliRunner

    from dossier.cli.app import app

    folder = tmp_path_factory.mktemp("pdf")
    db, pdf = folder / "dossier.json", folder / "court.pdf"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "import", *SAMPLE]).exit_code == 0
    result = runner.invoke(
        app, ["--db", str(db), "report", *CASES, "-o", str(pdf), "--as-of", "2026-01-01"]
    )
    assert result.exit_code == 0, result.output
    return db, pdf, result.stdout


def pages(pdf: Path) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(pdf).pages]


def test_the_pdf_opens_with_page_numbers_title_and_state_hash(
    court_copy: tuple[Path, Path, str],
) -> None:
    _, pdf, said = court_copy
    assert pdf.read_bytes().startswith(b"%PDF-")
    texts = pages(pdf)
    assert len(texts) > 3
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {len(texts)}" in text
    assert "Dossier: Yukos: Mikhail Khodorkovsky" in " ".join(texts[0].split())
    state = re.search(r"state hash ([0-9a-f]{64})", said)
    assert state is not None
    assert state.group(1) in "".join(texts[-1].split())  # the hash may break across lines
    # Each case starts a page (the one after the chart and the first case's heading).
    starts = [" ".join(text.split())[:40] for text in texts]
    for title in ("Vasily Aleksanyan (ex-Yukos", "Andrei Kudoyarov (Moscow School"):
        assert any(start.startswith(title) for start in starts), title
    import pypdf

    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in pypdf.PdfReader(pdf).pages
        for annotation in page.get("/Annots", ()) or ()
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    ]
    assert any(str(link).startswith("http") for link in links)  # sources stay clickable


def test_every_name_is_text_in_the_pdf(court_copy: tuple[Path, Path, str]) -> None:
    db, pdf, _ = court_copy
    flat = " ".join(" ".join(pages(pdf)).split())

    for person in opened(db).persons:
        assert person.name in flat, person.name
    assert "Михаил Борисович Ходорковский" in flat  # Cyrillic, extractable
    assert "Andrei Kudoyarov" in " ".join(pages(pdf)[0].split())  # the chart's names too


@pytest.mark.plain_only("copies the plain sample dossier over the file")
def test_the_pdf_carries_the_export_and_declares_pdf_a_3b(
    court_copy: tuple[Path, Path, str], run: Run, db: Path
) -> None:
    import pypdf

    source, pdf, _ = court_copy
    reader = pypdf.PdfReader(pdf)
    (embedded,) = reader.attachments["dossier-export.json"]
    db.write_bytes(source.read_bytes())
    exported = run("export", "--format", "json", *(f"--case={c}" for c in CASES))
    assert exported.exit_code == 0, exported.output
    ours, theirs = json.loads(embedded), json.loads(exported.stdout)
    assert ours.pop("exported") and theirs.pop("exported")  # only the time differs
    assert ours == theirs
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]*3", xmp) and re.search(r"pdfaid:conformance[^A-Z]*B", xmp)
    meta = reader.metadata
    assert meta is not None and meta.title is not None and meta.title.startswith("Dossier: Yukos")
    assert "state hash" in (meta.keywords or "") and "dossier" in (meta.subject or "")


def test_a_redacted_pdf_embeds_no_confidential_record(run: Run, tmp_path: Path) -> None:
    weasyprint_or_skip()
    import pypdf

    for args in (
        ("case", "add", "c", "--title", "C"),
        ("person", "add", "Secret Witness", "--case", "c", "--role", "witness", "--confidential"),
        ("log", "c", "arrest", "2019-01-10", "-p", "Secret Witness"),
    ):
        assert run(*args).exit_code == 0
    target = tmp_path / "c.pdf"
    result = run("report", "c", "-o", str(target), "--as-of", "2020-01-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {target} (redacted); state hash ")
    reader = pypdf.PdfReader(target)
    (embedded,) = reader.attachments["dossier-export.json"]
    assert b"Secret" not in embedded
    assert "Secret" not in " ".join(page.extract_text() for page in reader.pages)


@pytest.mark.plain_only("typesetting: the same records typeset the same from any store")
def test_a_character_no_font_has_is_printed_as_its_code_point_and_said(
    run: Run, tmp_path: Path
) -> None:
    """A private-use character (no font has one) printed as a blank box, the glyph PDF/A
    forbids, and made every Cyrillic word of the PDF unreadable to a PDF reader. It is
    printed as its code point, the rest of the text stays readable, and the embedded
    export keeps the character as it is."""
    weasyprint_or_skip()
    import pypdf

    title = "Дело Ходорковского \ue000 и других"
    assert run("case", "add", "c", "--title", title).exit_code == 0
    link = "https://example.org/news/\ue000"  # a link's address needs no font: kept
    assert run("log", "c", "arrest", "2010-01-01", "--source", link).exit_code == 0
    target = tmp_path / "c.pdf"
    result = run("report", "c", "-o", str(target), "--as-of", "2020-01-01")
    assert result.exit_code == 0, result.output
    assert re.match(  # (an encrypted dossier's report also says the PDF is not encrypted)
        r"Warning: (\d+) character\(s\) of this report have no font on this machine and are"
        r" printed as their code point \(.*\\ue000 as \[U\+E000\].*\); the embedded export keeps"
        r" them as they are\. Install a font that has them \(Debian: fonts-noto-cjk,"
        r" fonts-noto-color-emoji\) and make the report again\n",
        result.stderr,
    ), result.stderr
    reader = pypdf.PdfReader(target)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Дело Ходорковского [U+E000] и других" in text
    (embedded,) = reader.attachments["dossier-export.json"]
    assert json.loads(embedded)["cases"][0]["title"] == title
    assert reader.metadata is not None and reader.metadata.title == f"Dossier: {title}"
    links = [a.get_object()["/A"]["/URI"] for page in reader.pages
             for a in page.get("/Annots", ()) if "/A" in a.get_object()]  # fmt: skip
    assert quote(link, safe=":/") in links  # as a URI is written: %EE%80%80
    verified = run("verify", "--file", str(target))
    assert verified.exit_code == 0, verified.output


def test_without_weasyprint_one_line_says_what_to_install(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    target = tmp_path / "c.pdf"
    result = run("report", "c", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: a PDF report needs WeasyPrint and Pango: pip install")
    assert result.stderr.count("\n") == 1
    assert not target.exists()
    assert run("report", "c", "-o", str(tmp_path / "c.html")).exit_code == 0  # HTML still works


def test_a_pdf_needs_a_file(run: Run) -> None:
    assert run("case", "add", "c", "--title", "C").exit_code == 0
    result = run("report", "c", "--format", "pdf")
    assert result.exit_code == 2
    assert "a PDF goes to a file" in result.stderr


# verify --file -------------------------------------------------------------------------


@pytest.mark.plain_only("copies the plain sample dossier over the file")
def test_verify_a_pdf_report_against_the_dossier(
    court_copy: tuple[Path, Path, str], run: Run, db: Path
) -> None:
    source, pdf, said = court_copy
    db.write_bytes(source.read_bytes())
    state = re.search(r"state hash ([0-9a-f]{64})", said)
    assert state is not None
    result = run("verify", "--file", str(pdf))
    assert result.exit_code == 0, result.output
    assert f"Found: the dossier is in state {state.group(1)} now" in result.stdout
    assert "The records in the report are as the dossier holds them now." in result.stdout
    events = json.loads(run("event", "list", "--case", "kudoyarov", "--json").stdout)
    first = events[0]["id"]
    assert run("event", "edit", first, "--place", "Elsewhere").exit_code == 0
    assert run("case", "add", "other", "--title", "Not in the report").exit_code == 0
    result = run("verify", "--file", str(pdf))
    assert result.exit_code == 0, result.output
    assert f"Found: the dossier was in state {state.group(1)} after #1" in result.stdout
    assert f"1 record(s) of the report differ now:\n  event {first}: changed\n" in result.stdout
    data = json.loads(run("verify", "--file", str(pdf), "--json").stdout)
    assert (data["found"], data["current"], data["hash"]) == (True, False, state.group(1))
    assert data["records_changed"] == [{"kind": "event", "id": first, "how": "changed"}]


def test_verify_refuses_what_is_not_a_dossier_pdf(run: Run, tmp_path: Path) -> None:
    weasyprint_or_skip()
    from weasyprint import HTML

    assert run("case", "add", "c", "--title", "C").exit_code == 0
    other = tmp_path / "other.pdf"
    HTML(string="<p>Not a report</p>").write_pdf(other)
    result = run("verify", "--file", str(other))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other}: not a PDF report that dossier wrote (no state hash or no embedded"
        " dossier-export.json)\n"
    )
    text = tmp_path / "notes.pdf"
    text.write_text("hello", encoding="utf-8")
    result = run("verify", "--file", str(text))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {text}: cannot read it as a PDF")
    assert run("verify", "--file", str(other), "--hash", "0" * 64).exit_code == 2


# Everything fits the page --------------------------------------------------------------


def typeset(html: str) -> list[Any]:
    """The pages of WeasyPrint's own layout of `html`."""
    from weasyprint import HTML

    return list(HTML(string=html).render().pages)


def overflowing(html: str | list[Any]) -> list[tuple[float, str, str]]:
    """Boxes of WeasyPrint's own layout (of `html`, or of pages typeset) that reach past
    the page's content area."""
    found = []
    for page in typeset(html) if isinstance(html, str) else html:
        box = page._page_box
        right = box.content_box_x() + box.width
        stack = list(box.children)
        while stack:
            child = stack.pop()
            stack.extend(getattr(child, "children", ()) or ())
            reach = child.position_x + child.margin_width()
            if reach > right + 0.5:
                found.append((reach - right, type(child).__name__, child.element_tag))
    return found


def broken_words(html: str | list[Any], words: set[str]) -> list[list[str]]:
    """The lines of the table cells that hold one of `words` (ids, words of the
    vocabularies) that WeasyPrint broke inside a word: a line may end only where a space
    was, or after a hyphen."""

    found = []
    for page in typeset(html) if isinstance(html, str) else html:
        stack = list(page._page_box.children)
        while stack:
            box = stack.pop()
            children = list(getattr(box, "children", ()) or ())
            if type(box).__name__ == "TableCellBox":
                lines = ["".join(t.text for t in _texts(line)).strip() for line in children]
                squeezed = "".join(lines).replace(" ", "")
                for word in (w for w in words if w.replace(" ", "") == squeezed):
                    at = 0
                    for line in lines[:-1]:
                        at = word.index(line, at) + len(line)
                        if not line.endswith("-") and word[at : at + 1] != " ":
                            found.append(lines)
                            break
                continue
            stack.extend(children)
    return found


def _texts(box: Any) -> list[Any]:
    if type(box).__name__ == "TextBox":
        return [box]
    return [t for child in getattr(box, "children", ()) or () for t in _texts(child)]


def thirty_persons(run: Run, db: Path, tmp_path: Path) -> str:
    """The HTML report of two cases with 30 persons held, long Cyrillic names among them."""
    import datetime

    from dossier.render.html import render
    from dossier.report import build

    cases = tmp_path / "cases.csv"
    # Ids as long as people make them, and words of the vocabularies in narrow columns:
    # broken only where a word may be ("homepris|on" was).
    a, b = LONG_ID, "homeprison"
    cases.write_text(f"id,title\n{a},Case A\n{b},Case B\n", encoding="utf-8")
    persons = ["id,name,case,role"]
    events = ["case,date,type,person,place"]
    for i in range(30):
        name = (
            f"Александр Владимирович Константинопольский-{i}"
            if i % 2
            else f"Maximilian Alexandrovich Konstantinopolsky {i}"
        )
        case = a if i < 15 else b
        persons.append(f"p{i},{name},{case},defendant")
        place = "Matrosskaya Tishina pretrial detention centre No. 1, Moscow"
        events.append(f'{case},20{10 + i % 10}-0{1 + i % 9}-1{i % 9},arrest,p{i},"{place}"')
        if i % 3:
            events.append(f"{case},20{11 + i % 10}-0{1 + i % 9},sentence,p{i},")
        if i % 4:
            events.append(f"{case},20{12 + i % 10},release,p{i},")
        else:
            events.append(f"{case},20{12 + i % 10},acquittal,p{i},")
    (tmp_path / "persons.csv").write_text("\n".join(persons) + "\n", encoding="utf-8")
    (tmp_path / "events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")
    result = run("import", str(cases), str(tmp_path / "persons.csv"), str(tmp_path / "events.csv"))
    assert result.exit_code == 0, result.output
    report = build(opened(db), [a, b], as_of=datetime.date(2026, 1, 1))
    assert len(report.comparison) == 30
    return render(report)


LONG_ID = "a-very-long-case-identifier-of-the-prosecution"


@pytest.mark.plain_only("page layout: the same records typeset the same from any store")
def test_thirty_persons_with_long_cyrillic_names_fit_the_page(
    run: Run, db: Path, tmp_path: Path
) -> None:
    weasyprint_or_skip()
    pages = typeset(thirty_persons(run, db, tmp_path))
    assert overflowing(pages) == []
    words = {LONG_ID, "homeprison", "still held", "acquitted", "guilty", "release", "acquittal"}
    assert broken_words(pages, words | {"custody"}) == []


# A machine without Liberation Serif, the report's first font: fontconfig gives what it
# has, DejaVu Serif on Debian, whose glyphs are wider ("unsourced" went 4 mm past a fixed
# column of the persons' table).
WITHOUT_LIBERATION = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="no">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>*Liberation*</glob></rejectfont></selectfont>
</fontconfig>
"""


@pytest.mark.plain_only("page layout: the same records typeset the same from any store")
def test_the_reports_fit_the_page_in_the_font_a_machine_falls_back_to(
    run: Run, db: Path, tmp_path: Path
) -> None:
    weasyprint_or_skip()
    if not Path("/etc/fonts/fonts.conf").is_file():
        pytest.skip("no /etc/fonts/fonts.conf to build a machine without Liberation Serif on")
    config = tmp_path / "fonts.conf"
    config.write_text(WITHOUT_LIBERATION, encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    fallback = subprocess.run(["fc-match", "-f", "%{family}", "Liberation Serif"], env=env,
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Liberation" not in fallback
    # The thirty persons' page only: the sample's typesetting took 7 of this test's 14 s,
    # and its tables are those of the thirty persons' page, which has the widest.
    pages = (tmp_path / "thirty.html",)
    pages[0].write_text(thirty_persons(run, db, tmp_path), encoding="utf-8")
    # Fontconfig is read once a process: the layout is measured in a new one.
    measure = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from test_pdf import overflowing;"
        " print(json.dumps([overflowing(open(p, encoding='utf-8').read()) for p in sys.argv[2:]]))"
    )
    argv = [sys.executable, "-c", measure, str(Path(__file__).parent), *map(str, pages)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[]], fallback


@pytest.mark.plain_only("page layout: the same records typeset the same from any store")
def test_ids_and_vocabulary_words_are_not_broken_inside_a_word(run: Run, db: Path) -> None:
    """An adversarial run's report: in the comparison table of two short cases the case
    column printed "homepris" over "on" and the verdict "acquitte" over "d"."""
    weasyprint_or_skip()
    import datetime

    from dossier.render.html import render
    from dossier.report import build

    for command in (
        "case add homeprison --title A", "case add deathday --title B",
        "person add 'Anna Orlova' --case homeprison --role defendant",
        "person add 'Sergei Nikitin' --case deathday --role defendant",
        "log homeprison arrest 2020-01-01 -p anna-orlova",
        "log homeprison verdict 2020-06-01 --outcome acquitted -p anna-orlova",
        "log deathday arrest 2020-03-03 -p sergei-nikitin",
        "log deathday death_in_custody 2020-03-03 -p sergei-nikitin",
    ):  # fmt: skip
        assert run(*shlex.split(command)).exit_code == 0, command
    html = render(build(opened(db), ["homeprison", "deathday"], as_of=datetime.date(2026, 12, 1)))
    words = {"homeprison", "deathday", "acquitted", "still held", "death in custody"}
    assert broken_words(html, words) == []


@pytest.mark.plain_only("page layout: the same records typeset the same from any store")
def test_names_and_places_in_the_timeline_break_between_words(run: Run, db: Path) -> None:
    """An adversarial run's report: beside a fixed "What happened", the timeline squeezed
    its persons and places to a few letters a line ("Tversk" over "oi Court"), and the
    custody table a long name. A URL in a description still wraps within the page."""
    weasyprint_or_skip()
    import datetime

    from dossier.render.html import render
    from dossier.report import build

    name = "Константин Константинопольский-Верхнеудинский"
    url = "https://example.org/" + "a-very-long-path/" * 12 + "ruling.pdf"
    for command in (
        "case add r --title R",
        f"person add '{name}' --id kk --case r --role defendant",
        "person add 'Ivan Petrov' --id ip --case r --role defendant",
        "log r arrest 2010-01-01 -p kk -p ip --place 'Tverskoi Court'",
        "log r transfer 2010-02-01 -p kk --place SIZO-2",
        f"log r hearing 2010-03-01 -p kk --place 'Moscow City Court' -d {url}",
        "log r medical_care_denied 2010-04-01 -p kk -p ip --place 'Matrosskaya Tishina'",
        "log r extradition_request 2010-05-01 -p kk --place 'Tverskoi Court'",
    ):
        assert run(*shlex.split(command)).exit_code == 0, command
    pages = typeset(render(build(opened(db), ["r"], as_of=datetime.date(2026, 1, 1))))
    places = {"Tverskoi Court", "SIZO-2", "Moscow City Court", "Matrosskaya Tishina"}
    assert broken_words(pages, {name, f"{name} !", f"{name}, Ivan Petrov", *places}) == []
    assert overflowing(pages) == []


def test_the_sample_report_fits_the_page(court_copy: tuple[Path, Path, str]) -> None:
    import datetime

    from dossier.render.html import render
    from dossier.report import build

    db, _, _ = court_copy
    report = build(opened(db), list(CASES), as_of=datetime.date(2026, 1, 1))
    assert overflowing(render(report)) == []


# The custody chart's names -------------------------------------------------------------


def svg_texts(html: str) -> dict[str, tuple[float, float]]:
    """The texts of the SVG images of `html` as WeasyPrint draws them in a PDF: where each
    starts and ends, in the SVG's own units. (WeasyPrint lays out an SVG's text only as it
    draws it, so it is not among the boxes of the page: its SVG nodes keep the box.)"""
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.write_pdf()
    found = {}
    stack = [page._page_box for page in document.pages]
    while stack:
        box = stack.pop()
        stack.extend(getattr(box, "children", ()) or ())
        svg = getattr(getattr(box, "replacement", None), "_svg", None)
        nodes = [svg.tree] if svg is not None else []
        while nodes:
            node = nodes.pop()
            nodes.extend(node)
            if node.tag == "text" and node.text:
                left, _, width, _ = node.text_bounding_box
                found[node.text] = (left, left + width)
    return found


@pytest.mark.plain_only("page layout: the same records typeset the same from any store")
def test_the_charts_names_are_drawn_whole_within_their_column(run: Run, db: Path) -> None:
    """A user's find: the PDF's chart cut long names mid-glyph at the name column (a
    nested <svg> clipped them), the "!" of a person with a problem with them. Each is
    drawn whole, condensed or shortened with "…", and ends before the column does."""
    weasyprint_or_skip()
    import datetime

    from dossier.render.html import render
    from dossier.render.svgchart import NAME_WIDTH
    from dossier.report import build

    absurd = " ".join(["Константин Константинопольский-Верхнеудинский"] * 3)
    persons = {
        "km": "Владимир Владимирович Кара-Мурза",
        "mk": "Михаил Борисович Ходорковский",
        "an": "Алексей Анатольевич Навальный",
        "kk": absurd,
        "ao": "Anna Orlova",
    }
    commands = [("case", "add", "c", "--title", "C")]
    for key, name in persons.items():
        commands += [
            ("person", "add", name, "--id", key, "--case", "c", "--role", "defendant"),
            ("log", "c", "arrest", "11.04.2022", "-p", key),
            ("log", "c", "sentence", "17.04.2023", "-p", key),
            # A pardon known to the month before the release: a problem, and a "!".
            *([("log", "c", "pardon", "July 2024", "-p", key)] if key in ("km", "kk") else []),
            ("log", "c", "release", "01.08.2024", "-p", key),
        ]
    for command in commands:
        result = run(*command)
        assert result.exit_code == 0, (command, result.output)
    html = render(build(opened(db), ["c"], as_of=datetime.date(2026, 1, 1)))
    drawn = svg_texts(html)
    labels = {
        "Владимир Владимирович Кара-Мурза !",
        "Михаил Борисович Ходорковский",
        "Алексей Анатольевич Навальный",
        "Константин Константинопольский-Ве… !",
        "Anna Orlova",
    }
    room = NAME_WIDTH - 6  # the labels' column, 6 px before the bars
    reach = {label: drawn[label] for label in labels if label in drawn}
    assert {label: (left, right) for label, (left, right) in reach.items()
            if left < 0 or right > room + 0.01} == {}  # fmt: skip
    assert reach.keys() == labels
    assert reach["Владимир Владимирович Кара-Мурза !"][1] > room - 0.01  # condensed to it
    assert reach["Anna Orlova"][1] < 60  # not stretched


def test_the_chart_measures_no_character_narrower_than_its_fonts_draw_it() -> None:
    """The chart's labels are measured, not laid out: a Latin, Greek or Cyrillic letter,
    digit, space or punctuation mark measured narrower than DejaVu Sans or Liberation
    Sans (Arial's metrics) draw it could make a label reach into the bars."""
    weasyprint_or_skip()
    from fontTools.ttLib import TTFont  # WeasyPrint's

    from dossier.render.svgchart import FONT_SIZE, label_width

    blocks = [(0x20, 0x7F), (0xA0, 0x250), (0x370, 0x530), (0x1E00, 0x1F00), (0x2000, 0x2070)]
    chars = [chr(code) for first, end in blocks for code in range(first, end)]
    # Marks are drawn over the letter before them; controls and separators not at all.
    chars = [c for c in chars if unicodedata.category(c) not in ("Mn", "Me", "Zl", "Zp")
             and not unicodedata.category(c).startswith("C")]  # fmt: skip
    if shutil.which("fc-match") is None:
        pytest.skip("no fc-match to find the fonts with")
    measured = []
    for family in ("DejaVu Sans", "Liberation Sans"):
        found = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", family],
                               capture_output=True, text=True)  # fmt: skip
        if found.returncode != 0 or not found.stdout.startswith(family):
            continue  # not installed
        measured.append(family)
        font = TTFont(found.stdout.split("\n", 1)[1])
        glyphs, advances = font.getBestCmap(), font["hmtx"]
        em = font["head"].unitsPerEm
        narrow = [
            (c, label_width(c), advances[glyphs[ord(c)]][0] / em * FONT_SIZE)
            for c in chars
            if ord(c) in glyphs and label_width(c) < advances[glyphs[ord(c)]][0] / em * FONT_SIZE
        ]
        assert narrow == [], family
    if not measured:
        pytest.skip("neither DejaVu Sans nor Liberation Sans is installed")
