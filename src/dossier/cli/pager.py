"""Output for people: rendered once at the terminal's width, paged like git.

On a terminal, the output is rendered to text (with its colours) at the
terminal's width; if it is taller than the screen, that text goes to the pager
(`DOSSIER_PAGER`, else `PAGER`, else `less`) as it is, never through Rich a
second time. `LESS` defaults to `FRX`, as git sets it: colours pass (`R`),
output shorter than the screen is printed and left (`F`), and the screen is
not cleared afterwards (`X`). `--no-pager`, or a pager of `cat` or nothing,
turns paging off. Piped output is the same layout without colour, 80 columns
wide unless `COLUMNS` says otherwise, and never paged.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

# Set by the global --no-pager option.
DISABLED = False


def console(stderr: bool = False) -> Console:
    """A Rich console; honours NO_COLOR, and plain output when piped."""
    from rich.console import Console

    # Every view lays itself out for the width (render/layout.py): Rich must not fold
    # or crop its lines again, so a line too long is left for the terminal to wrap.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def pager_command() -> list[str] | None:
    """The pager to run, as words; None when paging is off."""
    if DISABLED:
        return None
    chosen = os.environ.get("DOSSIER_PAGER")
    if chosen is None:
        chosen = os.environ.get("PAGER", "less")
    try:
        words = shlex.split(chosen)
    except ValueError:  # an unbalanced quote: run it as one word, as the shell would fail
        words = [chosen]
    if not words or words[0] == "cat":
        return None
    return words


def show(*renderables: RenderableType) -> None:
    """Print Rich renderables; page output taller than the screen on a terminal."""
    out = console()
    if not out.is_terminal:
        for renderable in renderables:
            out.print(renderable)
        return
    with out.capture() as capture:
        for renderable in renderables:
            out.print(renderable)
    text = capture.get()
    command = pager_command()
    if command is None or text.count("\n") < out.size.height:
        out.file.write(text)
        out.file.flush()
        return
    page(text, command)


def page(text: str, command: list[str]) -> None:
    """Hand rendered text to the pager; print it ourselves if the pager cannot start."""
    import signal
    import subprocess

    # The pager needs no passphrase: it is not handed one.
    secret = ("DOSSIER_PASSPHRASE", "DOSSIER_SESSION")
    env = {k: v for k, v in os.environ.items() if not k.startswith(secret)}
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")  # lv, another common pager, passes colours with -c
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    assert process.stdin is not None
    # While the pager runs, Ctrl-C is the pager's (less stops reading), as with git:
    # dossier waits for it rather than leaving it behind on the terminal.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process.stdin.write(text.encode(sys.stdout.encoding or "utf-8", "replace"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit before the end: that is fine
        pass
    finally:
        process.wait()
        signal.signal(signal.SIGINT, previous)
