"""Commands that build and check the dataset: convert, schemas, validate, reanchor."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from toolkit.cli.app import ENGINE_OPTION, EXIT_OK, EXIT_PROBLEMS, handle_errors, out_dir_option
from toolkit.errors import ValidationError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""--max-bytes default (the same as toolkit.dataset's; not imported, to keep --help fast)."""


class _ProgressBar:
    """A tqdm bar on a terminal's stderr, made on the first progress call."""

    def __init__(self) -> None:
        self._bar: Any = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                file=sys.stderr,
                disable=not sys.stderr.isatty(),
            )
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _convert_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of `convert` that size and bound the build (kept apart: functions stay short)."""
    for option in reversed(
        [
            click.option(
                "--batch-size",
                type=click.IntRange(min=1),
                default=1000,
                show_default=True,
                help="Articles per batch (and per Parquet row group); memory grows with it.",
            ),
            click.option(
                "--workers",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="Processes parsing articles; the output is the same whatever the number.",
            ),
            click.option(
                "--max-seconds",
                type=click.FloatRange(min=0),
                default=30.0,
                show_default=True,
                help="Longest one file's parse may take; a slower file becomes a reject and the "
                "run goes on (0: no limit).",
            ),
            click.option(
                "--allow-empty",
                is_flag=True,
                help="Build an empty dataset when the inputs hold no files (refused otherwise).",
            ),
            click.option(
                "--max-bytes",
                type=click.IntRange(min=1),
                default=DEFAULT_MAX_BYTES,
                show_default=True,
                help="Largest article file, WARC record or JSON Lines line read, in bytes; "
                "larger ones are rejects (checked before reading).",
            ),
            click.option(
                "--manifest",
                "sidecar",
                type=click.Path(dir_okay=False, exists=True),
                help="Sidecar manifest (.csv with a header, or .jsonl) giving url, title, "
                "outlet, byline and date per plain file, named in its file column by the path "
                "inside the input folder (or in its sha256 column by the digest of its bytes).",
            ),
            click.option(
                "--language",
                metavar="CODE",
                help="Keep only articles detected in this language (ISO 639-1, e.g. en); the "
                'others become rejects with the reason, e.g. "language de (0.97), expected en".',
            ),
        ]
    ):
        command = option(command)
    return command


class _InputPath(click.Path):
    """An existing local path, or an object-store URI (s3://bucket/prefix), checked later."""

    def __init__(self) -> None:
        super().__init__(exists=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from toolkit.dataset.object_store import is_uri

        if isinstance(value, str) and is_uri(value):
            return value
        return super().convert(value, param, ctx)


@click.command("convert")
@click.argument("inputs", nargs=-1, required=True, type=_InputPath())
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
@_convert_options
@ENGINE_OPTION
@handle_errors
def convert_command(
    inputs: tuple[str, ...],
    out_dir: str,
    annotations_dir: str | None,
    batch_size: int,
    workers: int,
    max_seconds: float,
    engine: str,
    allow_empty: bool,
    max_bytes: int,
    sidecar: str | None,
    language: str | None,
) -> None:
    """Convert article files, WARC crawls or JSON Lines files into the Parquet dataset.

    Folders are read recursively. A .warc or .warc.gz file (Common Crawl, CC-NEWS) gives one
    article per HTTP 200 HTML response record (named file#record=N); a .jsonl or .jsonl.gz
    file one per line with "html" or "text" and optional "url", "title", "outlet", "byline",
    "date" (named file:LINE); any other file is one article (HTML or text). Hidden files and
    folders are skipped and counted. Writes documents.parquet, annotations.parquet,
    annotation_sets.parquet, rejects.parquet, manifest.json and README.md (dataset card).
    Inputs that cannot be converted (broken or looping links, FIFOs, unreadable or too-large
    files, non-HTML responses, bad lines), byte-identical duplicates and annotation
    files with problems are listed in rejects.parquet and the rest goes on; the exit code is
    then 1.

    \b
    Example:
      toolkit convert seeds/ --annotations annotations/ --out build/dataset
      toolkit convert crawl/2023-06/ --out build/june --batch-size 5000 --workers 2
      toolkit convert CC-NEWS-20240601.warc.gz scraped.jsonl --out build/news
      toolkit convert pages/ --manifest pages.csv --max-bytes 5000000 --out build/pages
      toolkit convert crawl/2023-06/ --out build/june-en --language en
      toolkit convert crawl/ --out build/crawl --max-seconds 10
      RAY_ADDRESS=ray://head:10001 toolkit convert /shared/crawl --out /shared/ds --engine ray
    """
    from toolkit.dataset import convert

    bar = _ProgressBar()
    try:
        result = convert(
            inputs,
            out_dir,
            annotations_dir=annotations_dir,
            batch_size=batch_size,
            workers=workers,
            progress=bar.update,
            allow_empty=allow_empty,
            max_bytes=max_bytes,
            sidecar=sidecar,
            language=language,
            max_seconds=max_seconds,
            engine=engine,
        )
    finally:
        bar.close()
    for reject in result.rejects:
        click.echo(f"Rejected {reject.input}: {reject.reason}", err=True)
    if result.skipped:
        click.echo(result.skipped_summary(), err=True)
    click.echo(f"{result.summary()}. Wrote {result.out_dir}.")
    if result.rejects:
        sys.exit(EXIT_PROBLEMS)


@click.command("schemas")
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


@click.command("validate")
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
        if texts is None:
            # Said even when problems follow: the list below is not the whole story.
            click.echo(
                "Note: without --dataset, offsets and quotes are not checked against the "
                "document texts; add --dataset build/dataset for that.",
                err=True,
            )
    if problems:
        raise ValidationError(problems)
    click.echo("No problems found.")


@click.command("reanchor")
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
