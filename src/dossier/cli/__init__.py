"""The `dossier` command line. `main` is the console script."""

import sys


def main() -> None:
    """Run the command line; `dossier --version` answers before anything is imported."""
    if sys.argv[1:] == ["--version"]:
        # What the eager --version callback prints, without importing Typer or building
        # every command: the call scripts make to check an install costs next to nothing.
        from dossier._version import __version__

        print(f"dossier {__version__}")
        return
    from dossier.cli.app import main as run

    run()
