"""`python -m dossier`."""

from dossier.cli.app import main

main()
