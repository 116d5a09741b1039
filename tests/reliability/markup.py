"""User text is never markup: not Rich markup on the terminal, not HTML in reports,
not Markdown syntax, not a formula in a spreadsheet.

Every hostile text carries a marker (mk01…) so its output can be found: where
the marker shows, the whole text must show literally (a `[red]mk[/red]` that
Rich interpreted would leave only `mk`).
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

from dossier.store import Dossier

from .harness import Outcome, Tally, cli

HOSTILE = {
    "mk01": "[bold red]mk01[/bold red]",  # case title
    "mk02": "<script>alert('mk02')</script>",  # case summary
    "mk03": "[link=https://evil.example]mk03[/link]",  # charge
    "mk04": "[red]mk04[/red] <b>Ivanov</b>",  # person name
    "mk05": "**mk05** _x_ `y`",  # alias
    "mk06": "<img src=x onerror=alert('mk06')>",  # notes
    "mk07": "[mk07](javascript:alert(1))",  # person source (a citation, not a URL)
    "mk08": "[blink]mk08[/blink] &lt;i&gt; &amp;",  # description
    "mk09": '=HYPERLINK("http://evil.example","mk09")',  # place
    "mk10": "@SUM(1+1)*cmd|' /C calc'!A0 mk10",  # note
    "mk11": "https://ok.example/mk11<img src=x onerror=alert(2)",  # event source (a URL)
    "mk12": "-2+3 mk12 | pipe # hash",  # second description
    "mk13": "+1 mk13",  # term
    "mk15": 'https://ok.example/"><script>mk15</script>',  # case source
    "mk16": "[i]mk16[/i]",  # tag
}
URLS = {HOSTILE["mk11"], HOSTILE["mk15"]}
IN_REPORTS = [m for m in HOSTILE if m != "mk16"]  # reports do not show tags


def hostile_dossier(db: Path) -> dict[str, str]:
    """A dossier whose every text is hostile; returns the ids of its two events."""
    h = HOSTILE
    commands = [
        ("case", "add", "c", f"--title={h['mk01']}", f"--summary={h['mk02']}",
         f"--charge={h['mk03']}", f"--tag={h['mk16']}", f"--source={h['mk15']}",
         "--jurisdiction=RU"),
        ("case", "add", "d", "--title=Plain case"),
        ("person", "add", "--id=p-hostile", f"--alias={h['mk05']}", f"--notes={h['mk06']}",
         f"--source={h['mk07']}", "--case=c", "--role=defendant", "--yes", "--", h["mk04"]),
        ("log", "c", "arrest", "2009-01-01", "--person=p-hostile", f"--description={h['mk08']}",
         f"--place={h['mk09']}", f"--note={h['mk10']}", f"--source={h['mk11']}"),
        ("log", "c", "sentence", "2009-06-01", "--person=p-hostile",
         f"--description={h['mk12']}", f"--term={h['mk13']}"),
        ("log", "d", "arrest", "2010-01-01", "--person=p-hostile"),
    ]  # fmt: skip
    for args in commands:
        result = cli(db, *args)
        if result.exit_code != 0:
            raise RuntimeError(f"setting up {args[:2]}: {result.output}")
    events = Dossier.load(db).events
    by_type = {e.type: e.id for e in events if e.case == "c"}
    return {"arrest": by_type["arrest"], "sentence": by_type["sentence"]}


def _literal(t: Tally, where: str, output: str, markers: list[str], every: bool = True) -> None:
    """Each marker shows, and (`every`) only ever as part of its whole hostile text."""
    flat = " ".join(output.split())
    for marker in markers:
        text = " ".join(HOSTILE[marker].split())
        t.check(marker in flat, f"{where}: {marker} is not shown at all")
        shown = flat.count(text)
        t.check(
            shown == flat.count(marker) if every else shown > 0,
            f"{where}: {HOSTILE[marker]!r} is not shown literally",
        )


def terminal_views(events: dict[str, str]) -> list[tuple[tuple[str, ...], list[str]]]:
    """(command, markers it must show) for every terminal view of user text."""
    return [
        (("case", "list"), ["mk01", "mk16"]),
        (("case", "show", "c"), ["mk01", "mk02", "mk03", "mk04", "mk15", "mk16"]),
        (("person", "list"), ["mk04", "mk05"]),
        (("person", "show", "p-hostile"), ["mk04", "mk05", "mk06", "mk07"]),
        (("event", "list"), ["mk04", "mk08", "mk09", "mk12"]),
        (("event", "show", events["arrest"]), ["mk04", "mk08", "mk09", "mk10", "mk11"]),
        (("event", "show", events["sentence"]), ["mk12", "mk13"]),
        (("timeline", "c"), ["mk04", "mk08", "mk09", "mk10", "mk12"]),
        (("search", "Ivanov"), ["mk04"]),
        (("history", "--limit", "0"), ["mk01", "mk04"]),
        (("stats", "--per-person"), ["mk04"]),
    ]


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(t: Tally, document: str) -> None:
    """No tag or attribute from user text, links only to sources, every text literal."""
    parser = _Html()
    parser.feed(document)
    for tag, attrs in parser.tags:
        t.check(tag not in {"script", "img", "b", "i", "blink", "iframe"}, f"HTML: a <{tag}>")
        for name, value in attrs:
            t.check(not name.startswith("on"), f"HTML: an attribute {name}={value!r}")
            if tag == "a" and name == "href":
                ok = value in URLS or (value or "").startswith("#src-")
                t.check(ok, f"HTML: a link to {value!r}")
    _literal(t, "HTML report", "".join(parser.text), IN_REPORTS)


def check_markdown(t: Tally, document: str) -> None:
    """Parsed as CommonMark (with tables): no HTML, links only to sources, text literal."""
    from markdown_it import MarkdownIt

    # CommonMark has no footnotes: it would read `[^1]: text` as a link reference
    # definition. Read each definition's text as a paragraph, as a footnote renders it.
    document = re.sub(r"(?m)^\[\^(\d+)\]: ", r"Source \1: ", document)
    texts: list[str] = []
    for token in MarkdownIt("commonmark").enable("table").parse(document):
        t.check(token.type != "html_block", f"Markdown: an HTML block {token.content!r}")
        for child in token.children or ():
            t.check(child.type != "html_inline", f"Markdown: inline HTML {child.content!r}")
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                t.check(href in URLS, f"Markdown: a link to {href!r}")
            if child.type in ("text", "code_inline"):
                texts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                texts.append(" ")
        texts.append(" ")
    _literal(t, "Markdown report", "".join(texts), IN_REPORTS)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def check_csv_export(t: Tally, db: Path, workdir: Path) -> None:
    """No cell a spreadsheet would run; importing the export gives every text back."""
    files = []
    for kind in ("cases", "persons", "events"):
        result = cli(db, "export", "--format=csv", f"--kind={kind}")
        t.check(result.exit_code == 0, f"export {kind}: {result.output!r}")
        text = result.stdout.lstrip("\ufeff")
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                t.check(not cell.startswith(FORMULA_STARTS), f"CSV {kind}: a formula {cell!r}")
        path = workdir / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    copy = workdir / "reimported.json"
    result = cli(copy, "import", *files)
    t.check(result.exit_code == 0, f"importing the CSV export: {result.output!r}")
    old, new = Dossier.load(db), Dossier.load(copy)
    for kind, table in old.tables().items():
        for key, record in table.raw.items():
            back = new.tables()[kind].raw.get(key, {})
            for field, value in record.items():
                if any(m in str(value) for m in HOSTILE):
                    t.check(back.get(field) == value, f"CSV round trip: {kind} {key} {field}")


def markup(trials: int, workdir: Path) -> Outcome:
    """Hostile text through every terminal view, the HTML, Markdown and text reports, and
    CSV export.

    Trials: each view or document, `trials` rounds (the views are deterministic,
    so more rounds only repeat them).
    """
    tally = Tally("no markup: terminal, reports, CSV")
    for k in range(max(1, trials)):
        folder = workdir / f"round-{k}"
        folder.mkdir()
        db = folder / "dossier.json"
        events = hostile_dossier(db)
        for args, markers in terminal_views(events):
            with tally.trial(" ".join(args)) as t:
                result = cli(db, *args)
                t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
                _literal(t, " ".join(args), result.stdout, markers)
        with tally.trial("import summary titled by the file name") as t:
            named = folder / "[red]mk20.csv"
            named.write_text("case,date,type\nc,2011,search\n", encoding="utf-8")
            result = cli(db, "import", str(named))
            t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
            t.check("[red]mk20.csv" in result.stdout, f"title: {result.stdout!r}")
        for selection in (["c"], ["c", "d"]):
            with tally.trial(f"HTML report {' '.join(selection)}") as t:
                result = cli(db, "report", *selection, "--format=html")
                t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
                check_html(t, result.stdout)
            with tally.trial(f"Markdown report {' '.join(selection)}") as t:
                result = cli(db, "report", *selection, "--format=md")
                t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
                check_markdown(t, result.stdout)
            with tally.trial(f"text report {' '.join(selection)}") as t:
                result = cli(db, "report", *selection, "--format=txt")
                t.check(result.exit_code == 0, f"exit {result.exit_code}: {result.output!r}")
                # Plain text cannot be interpreted; only look that each text is there
                # whole (the custody table cuts long names to its column).
                _literal(t, "text report", result.stdout, IN_REPORTS, every=False)
        with tally.trial("CSV export") as t:
            check_csv_export(t, db, folder)
    return tally.outcome()
