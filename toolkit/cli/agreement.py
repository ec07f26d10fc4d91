"""The agreement command."""

from __future__ import annotations

import click

from toolkit.cli.app import DATASET_DIR, handle_errors, out_dir_option


@click.command("agreement")
@DATASET_DIR
@out_dir_option("Folder for agreement.json, agreement.md and agreement.html.", required=True)
@click.option(
    "--annotators",
    default=None,
    help="Comma-separated layers to compare (default: all but gold, rules-*, model-*).",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples of documents for 95% intervals (0: none).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the resampling.")
@click.option(
    "--max-listed",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Disputed spans listed in the report (all go to --review-tasks).",
)
@click.option(
    "--review-tasks",
    "review_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write every disputed span as Label Studio review tasks (JSON) here.",
)
@handle_errors
def agreement_command(
    dataset_dir: str,
    out_dir: str,
    annotators: str | None,
    n_bootstrap: int,
    seed: int,
    max_listed: int,
    review_path: str | None,
) -> None:
    """Inter-annotator agreement of a built dataset: span F1, unitizing alpha, kappas, alphas.

    Compares every annotator layer (pass-a, pass-b, ls-*) on the documents they completed;
    95% intervals come from resampling documents. The report lists each disputed span with
    every annotator's version, grouped by kind (label, missed span, boundary, attribute).

    \b
    Example:
      toolkit agreement build/dataset --out build/reports --bootstrap 1000 --seed 0
      toolkit agreement build/dataset --out build/reports --annotators pass-a,pass-b \\
        --review-tasks build/reports/review_tasks.json
    """
    from toolkit.agreement import (
        compute_agreement,
        read_layers,
        review_tasks,
        write_agreement_report,
        write_review_tasks,
    )

    chosen = [a.strip() for a in annotators.split(",") if a.strip()] if annotators else None
    layers = read_layers(dataset_dir)
    result = compute_agreement(
        layers, annotators=chosen, n_bootstrap=n_bootstrap, seed=seed, max_listed=max_listed
    )
    paths = write_agreement_report(out_dir, result)
    overall = result.data["spans"]["ALL"]["f1_overlap"]
    shown = "n/a" if overall["value"] is None else f"{overall['value']:.3f}"
    click.echo(
        f"{len(result.data['annotators'])} annotator(s), "
        f"{result.data['documents']['compared']} document(s) compared; overlap F1 {shown}; "
        f"{result.data['disagreements']['total']} disputed span(s)."
    )
    click.echo(f"Wrote {paths['json']}, {paths['md']}, {paths['html']}.")
    if review_path:
        tasks = review_tasks(result)
        write_review_tasks(review_path, tasks)
        click.echo(f"Wrote {len(tasks)} review task(s) to {review_path}.")
