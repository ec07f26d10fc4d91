"""The plover commands: import PLOVER records as articles plus a layer, export a layer."""

from __future__ import annotations

import click

from toolkit.cli.app import handle_errors, out_dir_option


@click.group("plover")
def plover_group() -> None:
    """PLOVER event records in (articles + annotation layer) and out (JSON lines).

    \b
    Example:
      toolkit plover import tests/data/plover/PLOVER_GSR_CAMEO.txt --out build/plover
      toolkit plover export build/plover/annotations/plover-gold --dataset build/plover/dataset \\
          --index build/plover/plover-index.jsonl --out build/plover/export.jsonl
    """


@plover_group.command("import")
@click.argument("records_file", type=click.Path(exists=True, dir_okay=False))
@out_dir_option(
    "Output folder: articles/, annotations/plover-gold/, plover-index.jsonl and "
    "plover-import-report.json (the rejects and every value not kept).",
    required=True,
)
@handle_errors
def plover_import_command(records_file: str, out_dir: str) -> None:
    """Turn PLOVER records (the gold-standard file or JSON Lines) into articles and a layer.

    \b
    Example:
      toolkit plover import tests/data/plover/PLOVER_GSR_CAMEO.txt --out build/plover
      toolkit convert build/plover/articles --annotations build/plover/annotations \\
          --out build/plover/dataset
    """
    from toolkit.interchange import LAYER, REPORT_NAME, import_plover

    result = import_plover(records_file, out_dir)
    click.echo(
        f"{result.records} record(s): {result.events} event(s) in {result.documents} "
        f"document(s) of layer {LAYER}; {len(result.rejects)} rejected, "
        f"{len(result.not_kept)} with values not kept (see {out_dir}/{REPORT_NAME})."
    )


@plover_group.command("export")
@click.argument("layer_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(exists=True, file_okay=False),
    required=True,
    help="Built dataset holding the layer's documents (documents.parquet).",
)
@click.option(
    "--index",
    "index_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="plover-index.jsonl of an import: gives imported events their record id and date.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="JSON Lines file to write, one PLOVER record per EVENT span.",
)
@handle_errors
def plover_export_command(
    layer_dir: str, dataset_dir: str, index_file: str | None, out_file: str
) -> None:
    """Write PLOVER JSON lines from an annotation layer: each EVENT with its arguments.

    \b
    Example:
      toolkit plover export annotations/gold --dataset build/dataset --out build/gold.jsonl
    """
    from toolkit.interchange import export_plover

    written, missing = export_plover(layer_dir, dataset_dir, out_file, index_file=index_file)
    click.echo(f"{written} record(s) written to {out_file}.")
    if missing:
        click.echo(
            f"{len(missing)} annotation file(s) skipped: document not in the dataset "
            f"(first: {missing[0]}).",
            err=True,
        )
        raise SystemExit(1)
