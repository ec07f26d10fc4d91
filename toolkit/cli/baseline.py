"""The baseline commands: train, evaluate, predict."""

from __future__ import annotations

import sys
from typing import Any

import click

from toolkit.cli.app import (
    DATASET_DIR,
    ENGINE_OPTION,
    EXIT_PROBLEMS,
    handle_errors,
    out_dir_option,
)

# Declarations several commands share (click builds a fresh parameter per command).
BASELINE_BOOTSTRAP = click.option(
    "--bootstrap",
    "n_boot",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Bootstrap resamples (over documents) for the CIs.",
)
BASELINE_SEED = click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed for model fitting and bootstrap resampling (same seed, same bytes).",
)


@click.group("baseline")
def baseline_group() -> None:
    """Train, evaluate and apply the scikit-learn baselines (stance, span tagger, event category).

    \b
    Example:
      toolkit baseline evaluate build/dataset --agreement build/reports/agreement.json \\
          --out build/reports
      toolkit baseline train build/dataset --out build/models/baseline
      toolkit baseline predict build/models/baseline build/dataset --out build/predictions
    """


def _fractions(value: str) -> tuple[float, ...]:
    try:
        out = tuple(sorted({float(v) for v in value.split(",") if v.strip()}))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give comma-separated numbers in (0, 1]") from None
    if not out or any(not 0 < f <= 1 for f in out):
        raise click.BadParameter(f"{value!r}: every fraction must be in (0, 1]")
    return out


@baseline_group.command("train")
@DATASET_DIR
@out_dir_option("Model folder: <name>.skops files, model_card.json, model_card.md.", required=True)
@click.option(
    "--name",
    default="baseline",
    show_default=True,
    help="Model name; predictions go to the layer model-<name>.",
)
@BASELINE_SEED
@click.option(
    "--folds",
    type=click.IntRange(2, 100),
    default=5,
    show_default=True,
    help="Cross-validation folds for the card's scores (grouped by cluster).",
)
@BASELINE_BOOTSTRAP
@click.option("--no-cv", is_flag=True, help="Skip cross-validation (the card then has no scores).")
@handle_errors
def baseline_train_command(
    dataset_dir: str, out_dir: str, name: str, seed: int, folds: int, n_boot: int, no_cv: bool
) -> None:
    """Train the three baselines on every gold document and write them with a model card.

    Models are saved with skops (no pickle), byte-identical for the same data and seed. A model
    whose data is degenerate (one class only) is skipped with its reason; exit code 1 then.

    \b
    Example:
      toolkit baseline train build/dataset --out build/models/baseline --seed 0
    """
    from toolkit.baseline import evaluate_corpus, read_corpus, save_models, train_models
    from toolkit.errors import ModelError

    corpus = read_corpus(dataset_dir)
    evaluation: dict[str, Any] | None = None
    if not no_cv:
        try:
            evaluation = evaluate_corpus(
                corpus, folds=folds, seed=seed, n_boot=n_boot, fractions=(1.0,), repeats=1
            )
        except ModelError as exc:
            evaluation = {"unavailable": f"cross-validation not possible: {exc.message}"}
            click.echo(f"Warning: {evaluation['unavailable']}", err=True)
    models, blobs = train_models(corpus, name=name, seed=seed, evaluation=evaluation)
    save_models(out_dir, models, blobs)
    for model_name, reason in sorted(models.card["skipped"].items()):
        click.echo(f"Not trained: {model_name}: {reason}", err=True)
    click.echo(
        f"{models.card['model_version']}: {len(blobs)} model(s) trained on "
        f"{models.card['n_documents']} document(s); written to {out_dir}."
    )
    if models.card["skipped"]:
        sys.exit(EXIT_PROBLEMS)


@baseline_group.command("evaluate")
@DATASET_DIR
@out_dir_option("Report folder: evaluation.json, evaluation.md, evaluation.html.", required=True)
@click.option(
    "--agreement",
    "agreement_path",
    type=click.Path(dir_okay=False),
    help="agreement.json from `toolkit agreement`: the human ceiling.",
)
@BASELINE_SEED
@click.option(
    "--folds",
    type=click.IntRange(2, 100),
    default=5,
    show_default=True,
    help="Cross-validation folds, grouped by near-duplicate cluster.",
)
@BASELINE_BOOTSTRAP
@click.option(
    "--fractions",
    default="0.25,0.5,0.75,1",
    show_default=True,
    help="Training fractions of the learning curves.",
)
@click.option(
    "--repeats",
    type=click.IntRange(1, 50),
    default=3,
    show_default=True,
    help="Random subsamples per learning-curve fraction below 1.",
)
@handle_errors
def baseline_evaluate_command(
    dataset_dir: str,
    out_dir: str,
    agreement_path: str | None,
    seed: int,
    folds: int,
    n_boot: int,
    fractions: str,
    repeats: int,
) -> None:
    """Cross-validate the baselines (grouped by near-duplicate cluster) and write a report.

    Compares each model with a majority-class baseline, the rules-v1 pre-annotator (when the
    dataset has that layer) and human agreement; spans in the SemEval-2013 schemes (strict,
    exact, partial, type), stance as SemEval-2016 F_avg and macro F1; 95% bootstrap CIs over
    documents; learning curves.

    \b
    Example:
      toolkit baseline evaluate build/dataset --agreement build/reports/agreement.json \\
          --out build/reports --seed 0
    """
    from toolkit.baseline import (
        RULES_LAYER,
        evaluate_corpus,
        read_agreement,
        read_corpus,
        read_layer_spans,
        write_evaluation,
    )

    corpus = read_corpus(dataset_dir)
    data = evaluate_corpus(
        corpus,
        folds=folds,
        seed=seed,
        n_boot=n_boot,
        fractions=_fractions(fractions),
        repeats=repeats,
        rules=read_layer_spans(dataset_dir, RULES_LAYER),
        agreement=read_agreement(agreement_path) if agreement_path else None,
    )
    paths = write_evaluation(out_dir, data)
    for warning in data["warnings"]:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Report written: {paths['md']}, {paths['html']}, {paths['json']}.")


@baseline_group.command("predict")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@DATASET_DIR
@out_dir_option(
    "Annotation folder; files go to <out>/model-<name>/.", default="annotations", show_default=True
)
@ENGINE_OPTION
@handle_errors
def baseline_predict_command(model_dir: str, dataset_dir: str, out_dir: str, engine: str) -> None:
    """Write the models' predictions for every document as annotation files (layer model-<name>).

    Source {"kind": "model", "model_version": ...}: push them to Label Studio as pre-annotations
    under their own model_version. Attributes the models do not predict come from the gold
    attributes of the same quote in the training data; spans that stay incomplete are left out
    (counted), so every written file validates.

    \b
    Example:
      toolkit baseline predict build/models/baseline build/dataset --out build/predictions
      toolkit baseline predict build/models/baseline /shared/ds --out /shared/pred --engine ray
    """
    from toolkit.baseline import load_models, predict_to_annotations, read_prediction_corpus

    models = load_models(model_dir)
    if engine == "ray":
        from toolkit.baseline.engine_ray import predict_with_ray

        result = predict_with_ray(models, dataset_dir, out_dir)
    else:
        result = predict_to_annotations(models, read_prediction_corpus(dataset_dir), out_dir)
    left_out = ", ".join(f"{n} {label}" for label, n in result.left_out.items())
    click.echo(
        f"{result.layer} ({result.model_version}): {len(result.written)} file(s) written, "
        f"{len(result.unchanged)} unchanged; {result.n_spans} span(s)"
        + (
            f"; left out (required attributes unknown, or no holder): {left_out}."
            if left_out
            else "."
        )
    )
