"""`dossier search`: find cases, persons and events however a name was spelt."""

import typer

from dossier.cli.common import load, print_json, show

KINDS = ("case", "person", "event")


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="A name, a word, a place; any script."),
    kind: str | None = typer.Option(None, "--kind", help="Only case, person or event hits."),
    limit: int = typer.Option(20, "--limit", "-n", min=0, help="At most this many hits (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Search case ids, titles and summaries, person names and aliases, event texts.

    Example: dossier search Chodorkowski
    """
    from dossier.search import search as find

    if kind is not None and kind not in KINDS:
        raise typer.BadParameter("must be case, person or event", param_hint="--kind")
    d = load(ctx)
    hits = find(query, d.cases, d.persons, d.events, kind=kind, limit=limit)
    if as_json:
        print_json([h.to_dict() for h in hits])
        return
    from dossier.render.terminal import search_table

    show(search_table(hits, query))
