"""`convert`: raw articles and annotation files to the Parquet dataset, built atomically.

Two streaming passes keep memory flat whatever the corpus size. Pass 1 parses articles batch by
batch into a partial Parquet file; the per-document state it keeps in memory is a few dozen
bytes (doc id in an Arrow array, raw-bytes digest), while MinHash signatures and 64-bit
sentence-key hashes are spilled to files in the build folder. Between the passes come the
near-duplicate clusters (LSH read band by band from the spilled signatures through a memory map
whose pages are handed back), the shared sentences (found partition by partition of the key
space) and the annotation checks. Pass 2 streams the partial file back, adds cluster ids,
shared sentences and gold spans, and writes documents.parquet. Everything is built in a
temporary folder next to the output and swapped into place only after a complete success, in a
way a killed run cannot break (see dataset.swap)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from toolkit import SCHEMA_VERSION, __version__
from toolkit.core import check_engine, write_text_atomic
from toolkit.dataset.chunks import ParseLimits, partial_schema
from toolkit.dataset.clusters import compute_clusters
from toolkit.dataset.deadline import DEFAULT_MAX_SECONDS
from toolkit.dataset.events import EVENT_LABEL, event_rows, events_schema
from toolkit.dataset.heap import _trim_heap
from toolkit.dataset.inputs import DEFAULT_MAX_BYTES, Discovery, collect_inputs
from toolkit.dataset.layers import _Annotations, _wanted_doc_ids, load_annotations
from toolkit.dataset.manifest import MANIFEST_NAME, TABLE_FILES, _file_entry, _write_manifest
from toolkit.dataset.object_store import check_uri_output, is_uri, publish
from toolkit.dataset.parquet import write_table
from toolkit.dataset.pass1 import ProgressCallback, _run_pass1
from toolkit.dataset.pass2 import _DocStats, _run_pass2
from toolkit.dataset.rejects import Reject
from toolkit.dataset.shared_sentences import SHARED_SENTENCE_MAX_DOCS, SharedSentences
from toolkit.dataset.sidecar import Sidecar, read_sidecar
from toolkit.dataset.swap import build_dir_prefix, recover_interrupted, swap_in
from toolkit.dataset.tables import (
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    rejects_schema,
    schema_metadata,
)
from toolkit.dataset.work import work_items
from toolkit.errors import InputError
from toolkit.taxonomy import Taxonomy, read_taxonomy

CARD_NAME = "README.md"


@dataclass
class ConvertResult:
    """What `convert` built: where, how much, and what it left out."""

    out_dir: Path | str
    """The dataset folder, or the object-store URI it was uploaded to."""
    n_inputs: int
    n_documents: int
    n_clusters: int
    rejects: list[Reject]
    manifest: dict[str, Any] = field(repr=False)
    skipped: dict[str, int] = field(default_factory=dict)
    """What was left out on purpose without being an input (hidden files, WARC request records)."""

    def summary(self) -> str:
        """One line for people: ``5 documents, 1 reject (see rejects.parquet)``."""
        docs = f"{self.n_documents} document{'' if self.n_documents == 1 else 's'}"
        n = len(self.rejects)
        if not n:
            return f"{docs}, no rejects"
        return f"{docs}, {n} reject{'' if n == 1 else 's'} (see rejects.parquet)"

    def skipped_summary(self) -> str:
        """What was skipped on purpose, as one sentence (``Skipped (not inputs): ...``), or ''."""
        if not self.skipped:
            return ""
        return (
            "Skipped (not inputs): "
            + ", ".join(f"{what} {n}" for what, n in self.skipped.items())
            + "."
        )


def _check_out_dir(out: Path) -> None:
    """Refuse to replace a folder that is not a dataset (a typo must not delete someone's work)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("output exists and is not a folder; give a dataset folder", path=out)
    try:
        has_files = any(out.iterdir())
    except OSError as exc:
        raise InputError(
            f"cannot list the output folder: {exc.strerror}; give a folder you can read",
            path=out,
        ) from exc
    if has_files and not (out / MANIFEST_NAME).is_file():
        raise InputError(
            "output folder is not empty and holds no manifest.json, so it is not a dataset "
            "built by `toolkit convert`; refusing to replace it: give a new or empty folder",
            path=out,
        )


def _check_out_place(out: Path, given: Sequence[Path], ann_root: Path | None) -> None:
    """Refuse an output folder that is, holds or sits inside an input (it would read itself)."""
    real_out = Path(os.path.realpath(out))
    sources = [("input", src) for src in given]
    if ann_root is not None:
        sources.append(("annotation folder", ann_root))
    for kind, src in sources:
        real_src = Path(os.path.realpath(src))
        if real_out == real_src:
            raise InputError(
                f"output folder is the {kind} {src}, so the dataset would be converted into "
                "itself; give --out outside the inputs",
                path=out,
            )
        inside = real_out.is_relative_to(real_src) and real_src.is_dir()
        # Hidden folders are never read, so an output below one is safe.
        if inside and not any(p.startswith(".") for p in real_out.relative_to(real_src).parts):
            raise InputError(
                f"output folder is inside the {kind} {src}, so every rerun would read the "
                "dataset's own files back in; give --out outside the inputs",
                path=out,
            )
        if real_src.is_relative_to(real_out):
            raise InputError(
                f"the {kind} {src} is inside the output folder, which the build replaces; "
                "give --out outside the inputs",
                path=out,
            )


def _make_build_dir(out: Path) -> Path:
    """The temporary build folder next to ``out``, its parents made; OS errors said plainly."""
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(
            f"cannot make the output folder: {parent} is a file, not a folder; "
            "give --out below a folder",
            path=out,
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover_interrupted(out)
        return Path(tempfile.mkdtemp(prefix=build_dir_prefix(out), dir=out.parent))
    except OSError as exc:
        raise InputError(
            f"cannot make the output folder: {exc.strerror}; give --out in a folder you can "
            "write to",
            path=out,
        ) from exc


def convert(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    annotations_dir: str | Path | None = None,
    taxonomy: Taxonomy | None = None,
    batch_size: int = 1000,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    allow_empty: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sidecar: str | Path | None = None,
    language: str | None = None,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    engine: str = "local",
) -> ConvertResult:
    """Convert article files (and annotation files) into the Parquet dataset at ``out_dir``.

    Rejected inputs are listed in rejects.parquet and the rest goes on; the previous dataset
    at ``out_dir`` is replaced only after a complete success. With ``workers`` > 1 articles are
    parsed in spawned processes (the output is identical), so a calling script needs the usual
    ``if __name__ == "__main__":`` guard. Inputs holding no file at all are refused unless
    ``allow_empty`` (an empty folder must not silently replace a good dataset).

    Plain files are one article each; ``.warc``/``.warc.gz`` files give one article per HTML
    response record and ``.jsonl``/``.jsonl.gz`` files one per line. ``max_bytes`` limits each
    plain file, WARC record and JSON Lines line. ``sidecar`` names a CSV or JSON Lines manifest
    giving url, title, outlet, byline and date for plain files (dataset.sidecar). With
    ``language`` (ISO 639-1), articles detected in another language are rejected. An input whose
    parse takes longer than ``max_seconds`` (0: no limit) is rejected with that reason. ``engine``
    ``"ray"`` computes the same tables on Ray Data (see engine_ray). An input or ``out_dir``
    may be an object-store URI (``s3://bucket/prefix``, through pyarrow filesystems): the
    dataset is then built in a local staging folder and uploaded, manifest.json last.
    """
    check_engine(engine)
    if is_uri(out_dir):
        options = {k: v for k, v in locals().items() if k not in ("inputs", "out_dir")}  # params
        return _convert_to_uri(os.fspath(out_dir), lambda to: convert(inputs, to, **options))
    limits = ParseLimits(max_bytes, max_seconds, language)
    _check_sizes(batch_size, workers, limits)
    tax = taxonomy or read_taxonomy()
    out = Path(out_dir)
    ann_root = Path(annotations_dir) if annotations_dir is not None else None
    if ann_root is not None and not ann_root.is_dir():
        raise InputError("annotation folder not found; give annotations/", path=ann_root)
    given = [os.fspath(item) if is_uri(item) else Path(item) for item in inputs]
    _check_out_place(out, [g for g in given if isinstance(g, Path)], ann_root)
    side = read_sidecar(sidecar) if sidecar is not None else None
    found = collect_inputs(given, max_bytes=max_bytes, exclude=[sidecar] if sidecar else [])
    if not found.entries and not allow_empty:
        raise InputError(
            f"no article files found in {', '.join(str(g) for g in given)} (hidden files are "
            "skipped); refusing to build an empty dataset: give files or folders holding "
            "articles, or --allow-empty to build one on purpose"
        )
    _check_out_dir(out)
    tmp = _make_build_dir(out)
    try:
        build = _build_ray if engine == "ray" else _build
        result = build(found, side, tmp, tax, ann_root, (batch_size, workers), limits, progress)
        # mkdtemp makes the folder 0700; a published dataset gets the usual umask permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out_dir = out
    return result


def _convert_to_uri(target: str, build: Callable[[Path], ConvertResult]) -> ConvertResult:
    """``build`` into a local staging folder, then the dataset uploaded to ``target``."""
    check_uri_output(target)
    staging = Path(tempfile.mkdtemp(prefix="toolkit-publish-"))
    try:
        result = build(staging / "dataset")
        publish(staging / "dataset", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.out_dir = target
    return result


def _check_sizes(batch_size: int, workers: int, limits: ParseLimits) -> None:
    """InputError for a size or limit convert cannot work with."""
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {batch_size}")
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    if limits.max_bytes < 1:
        raise InputError(f"max bytes must be at least 1, got {limits.max_bytes}")
    if limits.language is not None and not re.fullmatch("[a-z]{2}", limits.language):
        raise InputError(f"language must be an ISO 639-1 code such as en, got {limits.language!r}")
    if limits.max_seconds < 0:
        raise InputError(f"max seconds must be 0 (no limit) or more, got {limits.max_seconds:g}")


def _build(
    found: Discovery,
    side: Sidecar | None,
    tmp: Path,
    tax: Taxonomy,
    ann_root: Path | None,
    sizes: tuple[int, int],
    limits: ParseLimits,
    progress: ProgressCallback | None,
) -> ConvertResult:
    """Everything `convert` writes, into the temporary folder ``tmp``.

    ``sizes`` is (batch size, workers).
    """
    batch_size, workers = sizes
    _trim_heap()  # listing the inputs left a large dict behind
    rejects: list[Reject] = []
    skipped: Counter[str] = Counter(found.skipped)
    partial = tmp / ".documents.partial.parquet"
    inputs_log = tmp / ".inputs.jsonl"
    pschema = partial_schema(tax)
    state = _run_pass1(
        work_items(found, side, max_bytes=limits.max_bytes, skipped=skipped),
        partial,
        inputs_log,
        schema=pschema,
        wanted_texts=_wanted_doc_ids(ann_root),
        rejects=rejects,
        batch_size=batch_size,
        workers=workers,
        limits=limits,
        total_bytes=found.total_bytes,
        progress=progress,
    )
    if side is not None:
        rejects += side.rejects
        rejects += side.unmatched(name for e in found.entries for name in (e.relative, e.display))
    doc_ids = state.doc_ids()
    by_id = np.asarray(pc.sort_indices(doc_ids), dtype=np.int64)
    _trim_heap()
    clusters = compute_clusters(state, by_id)
    state.signatures.unlink()
    _trim_heap()
    shared = SharedSentences.from_records(doc_ids, by_id, state.sentences)
    state.sentences.unlink()
    _trim_heap()
    annotations = (
        load_annotations(ann_root, texts=state.texts, taxonomy=tax, rejects=rejects)
        if ann_root is not None
        else _Annotations()
    )
    state.texts.clear()

    stats = _write_documents(
        partial, tmp, tax, doc_ids.take(pa.array(clusters)), shared, annotations
    )
    _write_small_tables(tmp, tax, annotations, rejects)
    _write_events(tmp, tax, annotations)

    cluster_sizes = np.unique(clusters, return_counts=True)[1]
    counts = (state.n_inputs, state.n_documents, shared.n_shared)
    head = _manifest_head(tmp, tax, counts, stats, annotations, rejects, cluster_sizes)
    head["counts"]["skipped"] = dict(sorted(skipped.items()))
    return _finish(tmp, tax, head, inputs_log, rejects, counts)


def _build_ray(
    found: Discovery,
    side: Sidecar | None,
    tmp: Path,
    tax: Taxonomy,
    ann_root: Path | None,
    sizes: tuple[int, int],
    limits: ParseLimits,
    progress: ProgressCallback | None,
) -> ConvertResult:
    """What _build writes, with documents.parquet computed on Ray Data (see engine_ray)."""
    from toolkit.dataset.engine_ray import build_with_ray

    got = build_with_ray(found, side, tmp, tax, ann_root, sizes, limits, progress)
    annotations, rejects = got["annotations"], got["rejects"]
    _write_small_tables(tmp, tax, annotations, rejects)
    _write_events(tmp, tax, annotations)
    counts = (got["n_inputs"], got["n_documents"], got["n_shared"])
    head = _manifest_head(
        tmp, tax, counts, got["stats"], annotations, rejects, got["cluster_sizes"]
    )
    head["counts"]["skipped"] = dict(sorted((Counter(found.skipped) + got["skipped"]).items()))
    return _finish(tmp, tax, head, got["inputs_log"], rejects, counts)


def _finish(
    tmp: Path,
    tax: Taxonomy,
    head: dict[str, Any],
    inputs_log: Path,
    rejects: list[Reject],
    counts: tuple[int, int, int],
) -> ConvertResult:
    """manifest.json and the card, once the tables are written."""
    _write_manifest(tmp / MANIFEST_NAME, head, inputs_log)
    inputs_log.unlink()
    _write_card(tmp, head, tax)
    return ConvertResult(
        out_dir=tmp,
        n_inputs=counts[0],
        n_documents=counts[1],
        n_clusters=head["counts"]["clusters"],
        rejects=rejects,
        manifest=head,
        skipped=head["counts"]["skipped"],
    )


def _write_documents(
    partial: Path,
    tmp: Path,
    tax: Taxonomy,
    cluster_ids: pa.StringArray,
    shared: SharedSentences,
    annotations: _Annotations,
) -> _DocStats:
    """Pass 2: documents.parquet from the partial file, which is removed afterwards."""
    doc_schema = documents_schema(tax).with_metadata(schema_metadata(tax, "documents"))
    try:
        stats = _run_pass2(
            partial,
            tmp / "documents.parquet",
            schema=doc_schema,
            cluster_ids=cluster_ids,
            shared=shared,
            gold=annotations.gold,
            span_list_type=doc_schema.field("spans").type,
        )
    finally:
        shared.close()
    partial.unlink()
    return stats


def _write_small_tables(
    tmp: Path, tax: Taxonomy, annotations: _Annotations, rejects: list[Reject]
) -> None:
    """annotations.parquet, annotation_sets.parquet and rejects.parquet."""
    write_table(
        tmp / "annotations.parquet",
        annotations.span_rows,
        annotations_schema(tax).with_metadata(schema_metadata(tax, "annotations")),
    )
    write_table(
        tmp / "annotation_sets.parquet",
        annotations.set_rows,
        annotation_sets_schema().with_metadata(schema_metadata(tax, "annotation_sets")),
    )
    write_table(
        tmp / "rejects.parquet",
        [{"input": r.input, "kind": r.kind, "reason": r.reason} for r in rejects],
        rejects_schema().with_metadata(schema_metadata(tax, "rejects")),
    )


def _write_events(tmp: Path, tax: Taxonomy, annotations: _Annotations) -> None:
    """events.parquet: the event records of every layer, dated from documents.parquet."""
    from toolkit.taxonomy import default_gazetteer

    schema = events_schema().with_metadata(schema_metadata(tax, "events"))
    if not any(row["label"] == EVENT_LABEL for row in annotations.span_rows):
        # No event record to write: no dates to read, no gazetteer to build (about 1 s).
        write_table(tmp / "events.parquet", [], schema)
        return
    dates = pq.read_table(tmp / "documents.parquet", columns=["doc_id", "published_date"])
    published = dict(
        zip(dates["doc_id"].to_pylist(), dates["published_date"].to_pylist(), strict=True)
    )
    rows = event_rows(
        annotations.span_rows,
        published_dates=published,
        gazetteer=default_gazetteer(),
        taxonomy=tax,
    )
    write_table(tmp / "events.parquet", rows, schema)


def _manifest_head(
    tmp: Path,
    tax: Taxonomy,
    counts: tuple[int, int, int],
    stats: _DocStats,
    annotations: _Annotations,
    rejects: list[Reject],
    cluster_sizes: np.ndarray,
) -> dict[str, Any]:
    """Every manifest.json entry but the inputs (which are streamed from the inputs log).

    ``counts`` are the numbers of inputs, documents and shared (document, sentence) pairs.
    """
    from toolkit.ingest import CONVERTER_VERSION

    spans: dict[str, dict[str, int]] = {}
    for row in annotations.span_rows:
        layer = spans.setdefault(row["annotator_id"], {})
        layer[row["label"]] = layer.get(row["label"], 0) + 1
    n_inputs, n_documents, n_shared = counts
    files_per_layer = Counter(r["annotator_id"] for r in annotations.set_rows)
    return {
        "schema_version": SCHEMA_VERSION,
        "converter_version": CONVERTER_VERSION,
        "toolkit_version": __version__,
        "taxonomy": {
            "sha256": tax.sha256,
            "taxonomy_version": tax.taxonomy_version,
            "codebook_version": tax.codebook_version,
        },
        "counts": {
            "inputs": n_inputs,
            "documents": n_documents,
            "rejects": len(rejects),
            "rejects_by_kind": dict(sorted(Counter(r.kind for r in rejects).items())),
            "clusters": len(cluster_sizes),
            "clusters_with_several_documents": int(np.count_nonzero(cluster_sizes > 1)),
            "largest_cluster": int(cluster_sizes.max(initial=0)),
            "sentences": stats.n_sentences,
            "shared_sentences": n_shared,
            "characters": stats.n_characters,
            "annotation_files": len(annotations.set_rows),
            "annotation_files_per_layer": dict(sorted(files_per_layer.items())),
            "spans": {k: dict(sorted(v.items())) for k, v in sorted(spans.items())},
        },
        "outlets": dict(sorted(stats.outlets.items())),
        "published_dates": {
            "first": stats.first_date.isoformat() if stats.first_date else None,
            "last": stats.last_date.isoformat() if stats.last_date else None,
        },
        "shared_sentence_max_docs": SHARED_SENTENCE_MAX_DOCS,
        "annotation_inputs": annotations.files,
        "files": {f"{name}.parquet": _file_entry(tmp / f"{name}.parquet") for name in TABLE_FILES},
    }


def _write_card(tmp: Path, head: dict[str, Any], tax: Taxonomy) -> None:
    """README.md, the dataset card, from the manifest and the table schemas."""
    from toolkit.dataset.card import render_card

    schemas = {
        "documents": documents_schema(tax),
        "annotations": annotations_schema(tax),
        "annotation_sets": annotation_sets_schema(),
        "rejects": rejects_schema(),
        "events": events_schema(),
    }
    write_text_atomic(tmp / CARD_NAME, render_card(head, schemas=schemas, taxonomy=tax))
