"""The preannotate commands: run (the default) and score."""

from __future__ import annotations

import click

from toolkit.cli.app import DATASET_DIR, ENGINE_OPTION, handle_errors, out_dir_option


class _DefaultCommandGroup(click.Group):
    """A group that runs its default command when the first argument is not a subcommand."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


ANNOTATIONS_DIR = click.option(
    "--annotations",
    "annotations_dir",
    type=click.Path(exists=True, file_okay=False),
    required=True,
    help="Annotation folder holding the rules-v1 layer and the gold layer.",
)


@click.group("preannotate", cls=_DefaultCommandGroup)
def preannotate_group() -> None:
    """Rule-based pre-annotation (layer rules-v1) and its scores against gold.

    \b
    Example:
      toolkit preannotate build/dataset --out annotations/
      toolkit preannotate score build/dataset --annotations annotations/
    """


@preannotate_group.command("run")
@DATASET_DIR
@out_dir_option("Annotation folder; files go to OUT/rules-v1/<doc_id>.json.", required=True)
@ENGINE_OPTION
@handle_errors
def preannotate_run_command(dataset_dir: str, out_dir: str, engine: str) -> None:
    """Pre-annotate every document of a built dataset with the rule set (the default command).

    \b
    Example:
      toolkit preannotate build/dataset --out annotations/
      toolkit preannotate run /shared/ds --out /shared/annotations --engine ray
    """
    from toolkit.preannotate import LAYER, preannotate

    written, unchanged = preannotate(dataset_dir, out_dir, engine=engine)
    click.echo(f"{LAYER}: {written} file(s) written, {unchanged} unchanged.")


@preannotate_group.command("score")
@DATASET_DIR
@ANNOTATIONS_DIR
@click.option("--gold", "gold_layer", default="gold", show_default=True, help="Gold layer name.")
@out_dir_option("Where preannotation_scores.json/.md go (default: DATASET_DIR).", default=None)
@handle_errors
def preannotate_score_command(
    dataset_dir: str, annotations_dir: str, gold_layer: str, out_dir: str | None
) -> None:
    """Score the rules-v1 layer against gold: per-label precision, recall, F1 (exact, overlap).

    \b
    Example:
      toolkit preannotate score build/dataset --annotations annotations/ --out build/reports
    """
    from toolkit.preannotate import score_layers, write_scores

    scores = score_layers(annotations_dir, gold_layer=gold_layer)
    json_path, md_path = write_scores(scores, out_dir or dataset_dir)
    click.echo(f"{scores['n_documents']} gold document(s) scored; wrote {json_path} and {md_path}.")


@preannotate_group.command("arguments")
@DATASET_DIR
@ANNOTATIONS_DIR
@click.option(
    "--gold",
    "gold_layer",
    default="gold",
    show_default=True,
    help="Gold layer with source/target/location relations (e.g. plover-gold).",
)
@click.option(
    "--given-gold-spans/--rules-spans",
    default=False,
    show_default=True,
    help="Also score the heuristic on the gold layer's own EVENT/ACTOR/LOCATION spans "
    "(written as layer <gold>-args), apart from the rules' span finding.",
)
@out_dir_option("Where argument_scores.json/.md go (default: DATASET_DIR).", default=None)
@handle_errors
def preannotate_arguments_command(
    dataset_dir: str,
    annotations_dir: str,
    gold_layer: str,
    given_gold_spans: bool,
    out_dir: str | None,
) -> None:
    """Score the suggested source, target and location relations per role against gold.

    \b
    Example:
      toolkit preannotate arguments build/plover/dataset \\
          --annotations build/plover/annotations --gold plover-gold --given-gold-spans
    """
    import json
    from pathlib import Path

    from toolkit.core import write_text_atomic
    from toolkit.preannotate import render_argument_scores, score_arguments, suggest_on_gold_spans

    results = {"rules-v1": score_arguments(annotations_dir, gold_layer=gold_layer)}
    if given_gold_spans:
        layer = suggest_on_gold_spans(annotations_dir, dataset_dir, gold_layer=gold_layer)
        results[layer] = score_arguments(annotations_dir, gold_layer=gold_layer, layer=layer)
    out = Path(out_dir or dataset_dir)
    markdown = "\n".join(render_argument_scores(s) for s in results.values())
    write_text_atomic(out / "argument_scores.json", json.dumps(results, indent=2) + "\n")
    write_text_atomic(out / "argument_scores.md", "# Argument suggestions\n\n" + markdown)
    click.echo(markdown, nl=False)
