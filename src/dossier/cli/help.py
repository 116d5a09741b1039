"""Help wrapped between words only, so that an example copied from it still runs.

Click wraps help with `textwrap`, which also breaks after a hyphen: `dossier log --help`
printed `--person vasiliy-` / `aleksanyan`, and `--add-` / `alias`. The formatter holds
every hyphen as a non-breaking one (U+2011, one cell too) while the text is wrapped and
gives the hyphens back when the help is printed.
"""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from typer._click import HelpFormatter
else:
    # The formatter of the click Typer runs on (its own copy in newer releases, click
    # itself in older ones, which pyproject allows), found through its context.
    HelpFormatter = typer.Context.formatter_class

_HELD = "\u2011"  # a non-breaking hyphen: textwrap breaks only at "-"


def _hold(text: str) -> str:
    return text.replace("-", _HELD)


class WordHelpFormatter(HelpFormatter):
    """Click's help formatter, never breaking a line inside a word at a hyphen."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(_hold(prog), _hold(args), prefix)

    def write_text(self, text: str) -> None:
        super().write_text(_hold(text))

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        held = [(first, _hold(second)) for first, second in rows]
        super().write_dl(held, col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(_HELD, "-")


class HelpContext(typer.Context):
    """A context whose help is laid out by WordHelpFormatter."""

    formatter_class = WordHelpFormatter


def _tree(command: Any) -> Iterator[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _tree(sub)


def wrap_help_between_words(root: Any) -> None:
    """Give `root` and every command under it contexts that wrap help between words."""
    for command in _tree(root):
        command.context_class = HelpContext
