"""Tables laid out for a terminal of any width, measured in terminal cells.

Rich's own tables shrink every column evenly when a table is too wide, which
cuts ids and dates and breaks names in the middle of a word. These tables
follow the rules of docs/terminal.md instead (Taskwarrior and hledger lay out
their reports the same way):

- `FIXED` columns (ids, dates, numbers, event types, statuses) are never cut
  or wrapped: they always get their widest cell.
- `WORDS` columns (names, places) wrap only between words; a word longer than
  its column is shortened with `…`, never split. One that shows an id under
  each name (`ids_below`) is at least as wide as those ids.
- One `FLEX` column (a title, a description) takes the room that is left; when
  that would be narrower than its `below` width, or leave a name's first two
  words no room side by side, its text goes on its own wrapped lines under the
  row instead, across the whole width.
- `BAR` columns (bar charts) are cut to their width.
- A table that cannot fit drops its columns in `drop` order (1 first), never
  breaking the ones it keeps; headers wrap between their words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

FIXED, WORDS, FLEX, BAR = "fixed", "words", "flex", "bar"
GAP = 2  # cells between columns
WORD_CAP = 16  # a WORDS column asks at most this much before the flexible one has room
FLEX_MIN = 12
FLEX_WANTED = 30  # a title is squeezed narrower only when no column is left to drop


@dataclass(frozen=True, slots=True)
class Column:
    """How one column is laid out."""

    header: str
    kind: str = WORDS
    drop: int = 0  # 0: always kept; else dropped when the table does not fit, 1 first
    right: bool = False  # numbers: aligned to the right
    below: int = 0  # FLEX only: under this width, the text goes under the row
    ids_below: bool = False  # WORDS only: a cell's lines after its first are ids, never cut


Cell = str | Text


def as_text(cell: Cell) -> Text:
    """A cell as Rich Text (a plain string is taken literally, never as markup)."""
    return cell if isinstance(cell, Text) else Text(cell)


def width_of(text: Text | str) -> int:
    """The widest line of a cell, in terminal cells."""
    plain = text.plain if isinstance(text, Text) else text
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def longest_word(text: Text | str) -> int:
    """The widest word of a cell, in terminal cells; a name's problem mark counts with
    the word before it (`Titiev !`), since it never goes on a line of its own."""
    plain = text.plain if isinstance(text, Text) else text
    words = [cell_len(word) for line in plain.split("\n") for word in _marked_words(line)]
    return max(words, default=0)


def _marked_words(line: str) -> list[str]:
    """A line's words, a problem mark joined to the word before it."""
    from dossier.render.marks import PROBLEM

    words = line.split()
    if len(words) > 1 and words[-1] == PROBLEM:
        words[-2:] = [f"{words[-2]} {PROBLEM}"]
    return words


def wrap(
    console: Console, text: Text, width: int, *, shorten: bool = True, indent: str = ""
) -> list[Text]:
    """Lines of at most `width` cells, broken between words.

    A word longer than a line is shortened with `…` (`shorten`, for names and
    places) or folded across lines (long text, where nothing may be lost: a URL).
    """
    width = max(1, width)
    lines: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        if cell_len(line.plain) <= width:
            lines.append(line)
            continue
        if not shorten and any(
            cell_len(word) > width and "-" in word[:-1] for word in line.plain.split()
        ):
            lines.extend(_at_hyphens(line, width))
            continue
        wrapped = line.wrap(
            console, width, overflow="ellipsis" if shorten else "fold", no_wrap=False
        )
        lines.extend(_marked_whole(list(wrapped), width))
    for line in lines:
        line.rstrip()
    if indent:
        lines = [lines[0], *(Text(indent) + line for line in lines[1:])] if lines else lines
    return lines


def _at_hyphens(line: Text, width: int) -> list[Text]:
    """`line` broken between words and, in a word longer than a line, after a hyphen
    (`Константинопольского-` / `Верхнеудинского`) before anywhere else: Rich folds such a
    word wherever the line ends. Each piece keeps its styles; one still too long is cut
    by cells."""
    plain = line.plain
    pieces: list[tuple[int, int, bool]] = []  # start, end, whether a space comes before
    for match in re.finditer(r"\S+", plain):
        start, word = match.start(), match.group()
        parts = re.findall(r"[^-]*-+|[^-]+", word) if cell_len(word) > width else [word]
        for i, part in enumerate(parts):
            pieces.append((start, start + len(part), i == 0))
            start += len(part)
    lines: list[Text] = []
    current: Text | None = None
    for start, end, spaced in pieces:
        piece = line[start:end]
        if current is not None:
            joined = (Text(" ") if spaced else Text()) + piece
            if cell_len(current.plain) + cell_len(joined.plain) <= width:
                current += joined
                continue
            lines.append(current)
        while cell_len(piece.plain) > width:  # no hyphen left to break at: fold by cells
            cut = 1
            while cut < len(piece) and cell_len(piece.plain[: cut + 1]) <= width:
                cut += 1
            lines.append(piece[:cut])
            piece = piece[cut:]
        current = piece
    if current is not None:
        lines.append(current)
    return lines


def _marked_whole(lines: list[Text], width: int) -> list[Text]:
    """A name's problem mark (`Vasily Aleksanyan !`) never on a line of its own: it goes
    back after the word before it, or takes that word down with it."""
    from dossier.render.marks import PROBLEM

    for i in range(len(lines) - 1, 0, -1):
        if lines[i].plain.strip() != PROBLEM:
            continue
        before = lines[i - 1]
        before.rstrip()
        if cell_len(before.plain) + 1 + len(PROBLEM) <= width:
            lines[i - 1] = before + Text(" ") + lines[i]
            lines[i - 1].rstrip()
            del lines[i]
            continue
        cut = before.plain.rfind(" ")
        if cut > 0:
            moved = before[cut + 1 :]
            lines[i - 1] = before[:cut]
            lines[i] = moved + Text(" ") + lines[i]
            lines[i].rstrip()
        elif width > len(PROBLEM) + 2:  # one word as wide as the line: shortened for it
            before.truncate(width - len(PROBLEM) - 2)
            lines[i - 1] = before + Text("… ") + lines[i]
            lines[i - 1].rstrip()
            del lines[i]
    return lines


def _two_words(text: Text) -> int:
    """The widest first two words of a cell's lines side by side, in terminal cells."""
    return max(
        (cell_len(" ".join(_marked_words(line)[:2])) for line in text.plain.split("\n")), default=0
    )


def _below_first(text: Text) -> int:
    """The widest line of a cell after its first, in terminal cells."""
    return max((cell_len(line) for line in text.plain.split("\n")[1:]), default=0)


def pad(text: Text, width: int, right: bool = False) -> Text:
    """A line padded with spaces to `width` cells (on the left when `right`)."""
    room = width - cell_len(text.plain)
    if room <= 0:
        return text
    return Text(" " * room) + text if right else text + Text(" " * room)


class Wrapped:
    """Text wrapped between words at the width it is rendered (a word longer than a
    line folded), each line printed as it is: output goes out with Rich's own
    wrapping off, so that no line of a laid-out table is folded a second time."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from wrap(console, self.text, options.max_width, shorten=False)


@dataclass(frozen=True, slots=True)
class Layout:
    """How a table's columns share the width (Grid.widths)."""

    sizes: list[int | None]  # each column's width; None: not in the row
    under: int | None  # the width of the flexible column's text under its row, if there
    stacked: list[int]  # columns printed under the row as "header: value"


class Grid:
    """A table laid out by the rules above at whatever width it is rendered."""

    def __init__(self, *columns: Column, title: str | None = None, header: bool = True) -> None:
        self.columns = columns
        self.title = title
        self.header = header
        self.rows: list[list[Text]] = []

    def add_row(self, *cells: Cell) -> None:
        """A row: one cell per column."""
        self.rows.append([as_text(cell) for cell in cells])

    def widths(self, width: int) -> Layout:
        """How the columns share `width`: each kept column's width, whether the flexible
        column goes under its row, and which columns go under it as "header: value"
        because even the ones never dropped do not fit side by side."""
        columns = self.columns
        header_word = [longest_word(c.header) if self.header else 0 for c in columns]
        # A fixed column is as wide as its widest value, its header wrapping between
        # words over it ("pretrial" over "days"); the others may also take the header's.
        natural = [
            max(
                header_word[i] if c.kind == FIXED else width_of(c.header) if self.header else 0,
                *(width_of(r[i]) for r in self.rows),
                0,
            )
            for i, c in enumerate(columns)
        ]
        floor: list[int] = []
        for i, c in enumerate(columns):
            if c.kind == FIXED:
                floor.append(max(natural[i], header_word[i]))
            elif c.kind == FLEX:
                # Its text is read in no less than `below` cells (else under the row);
                # a title, which has nowhere else to go, asks for FLEX_WANTED first.
                floor.append(min(natural[i], c.below or FLEX_WANTED))
            elif c.kind == BAR:
                floor.append(min(natural[i], 4))
            else:
                longest = max((longest_word(r[i]) for r in self.rows), default=0)
                ids = max((_below_first(r[i]) for r in self.rows), default=0) if c.ids_below else 0
                floor.append(max(header_word[i], min(natural[i], longest, WORD_CAP), ids))
        kept = [True] * len(columns)
        flex = next((i for i, c in enumerate(columns) if c.kind == FLEX), None)
        below = False

        def total(sizes: Sequence[int] = floor) -> int:
            shown = [sizes[i] for i in range(len(columns)) if kept[i] and not (i == flex and below)]
            return sum(shown) + GAP * max(0, len(shown) - 1)

        # The flexible column goes under the row before anything is dropped, and before
        # a name's first two words are parted ("Oyub" over "Titiev !" beside a column
        # of facilities: a name crushed to make room for text that has room below).
        wanted = [
            max(floor[i], min(max((_two_words(r[i]) for r in self.rows), default=0), width // 3))
            if c.kind == WORDS
            else floor[i]
            for i, c in enumerate(columns)
        ]
        if flex is not None and total(wanted) > width and columns[flex].below:
            below = True
        for i in sorted(
            (i for i, c in enumerate(columns) if c.drop), key=lambda i: columns[i].drop
        ):
            if total() <= width:
                break
            kept[i] = False
        if flex is not None and not columns[flex].below and total() > width:
            floor[flex] = min(natural[flex], FLEX_MIN)
        # Still too wide (a narrow terminal): the rightmost columns go under the row.
        stacked: list[int] = []
        while total() > width and sum(kept) > 1:
            last = max(i for i in range(len(columns)) if kept[i])
            kept[last] = False
            stacked.insert(0, last)
        sizes: list[int | None] = [
            floor[i] if kept[i] and not (i == flex and below) else None for i in range(len(columns))
        ]
        spare = width - total()
        # Grow: names and bars up to a line's worth, then the flexible column, then the
        # names and bars to their full width.
        for limit, kinds in ((WORD_CAP + 8, (WORDS, BAR)), (0, (FLEX,)), (0, (WORDS, BAR))):
            for i, c in enumerate(columns):
                size = sizes[i]
                if size is None or c.kind not in kinds or spare <= 0:
                    continue
                target = min(natural[i], max(size, limit)) if limit else natural[i]
                grow = max(0, min(spare, target - size))
                sizes[i] = size + grow
                spare -= grow
        # Room to spare: a fixed column's header on one line ("ended by", not "ended" over
        # "by").
        for i, c in enumerate(columns):
            size = sizes[i]
            if size is not None and c.kind == FIXED and self.header and spare > 0:
                grow = max(0, min(spare, width_of(c.header) - size))
                sizes[i] = size + grow
                spare -= grow
        under = width if below and flex is not None and (kept[flex] or flex in stacked) else None
        if below and flex in stacked:
            stacked.remove(flex)  # it goes under the row anyway
        return Layout(sizes, under, stacked)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        layout = self.widths(width)
        sizes, under = layout.sizes, layout.under
        shown = [i for i, size in enumerate(sizes) if size is not None]
        flex = next((i for i, c in enumerate(self.columns) if c.kind == FLEX), None)
        if self.title:
            yield Text(self.title, style="bold")
        if self.header:
            cells = [
                wrap(console, Text(self.columns[i].header, style="bold"), sizes[i] or 1)
                for i in shown
            ]
            yield from self._lines(cells, shown, sizes)
            used = sum(size or 0 for size in sizes) + GAP * max(0, len(shown) - 1)
            yield Text("─" * min(width, max(used, width_of(self.title or ""))), style="dim")
        for row in self.rows:
            cells = []
            for i in shown:
                column, size = self.columns[i], sizes[i] or 1
                if column.kind == FIXED:
                    cells.append(list(row[i].split("\n")))
                elif column.kind == BAR:
                    cells.append([row[i][:size]])
                else:
                    cells.append(wrap(console, row[i], size, shorten=column.kind == WORDS))
            yield from self._lines(cells, shown, sizes)
            for i in layout.stacked:  # "header: value" under the row, never cut or split
                if row[i].plain:
                    pair = Text(f"{self.columns[i].header}: ", style="dim") + row[i]
                    shorten = self.columns[i].kind == WORDS
                    for line in wrap(console, pair, width - 2, shorten=shorten):
                        yield Text("  ") + line
            if under is not None and flex is not None and row[flex].plain.strip():
                for line in wrap(console, row[flex], under - 2, shorten=False):
                    yield Text("  ") + line

    def _lines(
        self, cells: Sequence[Sequence[Text]], shown: Sequence[int], sizes: Sequence[int | None]
    ) -> Iterable[Text]:
        last = len(shown) - 1
        for parts in zip_longest(*cells, fillvalue=Text("")):
            line = Text()
            for at, (i, part) in enumerate(zip(shown, parts, strict=True)):
                size = sizes[i] or 0
                right = self.columns[i].right
                line += part if at == last and not right else pad(part, size, right)
                if at != last:
                    line += Text(" " * GAP)
            line.rstrip()
            yield line
