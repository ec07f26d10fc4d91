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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="toolkit")


@cli.command("convert")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Dataset folder to build; a previous dataset there is replaced only on success.",
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
    from toolkit.schema import stale_schemas, write_schemas

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
    from toolkit.errors import ValidationError
    from toolkit.validate import check_annotations, check_dataset, read_texts

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
    from toolkit.anchor import reanchor
    from toolkit.records import iter_annotation_paths, read_annotation_file, write_annotation_file
    from toolkit.validate import read_texts

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
    from toolkit.labelstudio import make_client
    from toolkit.lsserver import resolve_connection

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
    import time

    from toolkit import lsserver

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
        click.echo(f"Installing Label Studio {lsserver.LS_VERSION} into {layout.venv} ...", err=True)
        lsserver.install_server(layout)
    click.echo(f"Starting Label Studio (data {layout.data_dir}, log {layout.log_path}) ...", err=True)
    server = lsserver.start_server(layout, credentials, port=port)
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

    from toolkit.labelstudio import make_label_config
    from toolkit.records import write_text_atomic
    from toolkit.taxonomy import read_taxonomy

    config = make_label_config(read_taxonomy())
    if out_path:
        write_text_atomic(Path(out_path), config)
    else:
        click.echo(config, nl=False)


@labelstudio_group.command("push")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--project", "project_title", default="geoevent", show_default=True)
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
@click.option("--project", "project_title", default="geoevent", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="annotations",
    show_default=True,
    help="Annotation folder; files go to <out>/ls-<pseudonym>/<doc_id>.json.",
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
    from toolkit.labelstudio import pull_annotations
    from toolkit.lsserver import resolve_salt
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
