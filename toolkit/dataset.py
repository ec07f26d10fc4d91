"""`convert`: raw articles and annotation files to the Parquet dataset, built atomically.

Two streaming passes keep memory flat whatever the corpus size. Pass 1 parses articles batch by
batch into a partial Parquet file and keeps only small per-document state (doc id, MinHash
signature, 64-bit sentence-key hashes in numpy arrays). Between the passes come the
near-duplicate clusters, the shared sentences and the annotation checks. Pass 2 streams the
partial file back, adds cluster ids, shared sentences and gold spans, and writes
documents.parquet. Everything is built in a temporary folder next to the output and renamed into
place only after a complete success.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from toolkit import SCHEMA_VERSION, __version__
from toolkit.errors import InputError, Problem
from toolkit.records import (
    SHARED_SENTENCE_TYPE,
    AnnotationFile,
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    iter_annotation_paths,
    read_json_object,
    rejects_schema,
    schema_metadata,
    sha256_text,
    span_rows,
    write_text_atomic,
)
from toolkit.taxonomy import Taxonomy, read_taxonomy

GOLD_LAYER = "gold"
SHARED_SENTENCE_MAX_DOCS = 100
"""At most this many other documents are listed per shared sentence (the smallest doc ids):
a sentence repeated across thousands of articles is boilerplate, and listing every copy would
make the column quadratic in the corpus size."""
PARQUET_COMPRESSION = "zstd"
MANIFEST_NAME = "manifest.json"
CARD_NAME = "README.md"
TABLE_FILES = ("documents", "annotations", "annotation_sets", "rejects")

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each parsed chunk of inputs."""

# Columns pass 2 adds; pass 1 writes every other documents.parquet column.
_LATE_COLUMNS = ("cluster_id", "shared_sentences", "spans")


@dataclass(frozen=True)
class Reject:
    """An input (article or annotation file) left out of the dataset, and why."""

    input: str
    kind: str
    reason: str


@dataclass
class ConvertResult:
    """What `convert` built: where, how much, and what it left out."""

    out_dir: Path
    n_inputs: int
    n_documents: int
    n_clusters: int
    rejects: list[Reject]
    manifest: dict[str, Any] = field(repr=False)

    def summary(self) -> str:
        """One line for people: ``5 documents, 1 reject (see rejects.parquet)``."""
        docs = f"{self.n_documents} document{'' if self.n_documents == 1 else 's'}"
        n = len(self.rejects)
        if not n:
            return f"{docs}, no rejects"
        return f"{docs}, {n} reject{'' if n == 1 else 's'} (see rejects.parquet)"


# ---------------------------------------------------------------- inputs


def collect_inputs(inputs: Iterable[str | Path]) -> list[str]:
    """Every input file, folders walked recursively, as sorted POSIX paths.

    Hidden files and folders (names starting with a dot) inside a folder are skipped; a file
    named explicitly is always taken. Each path is the path as given, joined with the file's
    path inside a given folder; it is also how the file is named in the dataset.
    """
    found: dict[str, str] = {}  # path -> real path
    for item in inputs:
        root = Path(item)
        if root.is_file():
            found[root.as_posix()] = os.path.realpath(root)
        elif root.is_dir():
            found.update(_walk_files(str(root)))
        else:
            raise InputError("no such file or folder; give article files or folders", path=root)
    seen_real: set[str] = set()
    result: list[str] = []
    for path in sorted(found):
        real = found[path]
        if real not in seen_real:
            seen_real.add(real)
            result.append(path)
    return result


def _walk_files(top: str) -> Iterator[tuple[str, str]]:
    """(path, real path) of each file under ``top``, as os.walk finds them (no hidden names).

    Like os.walk, symlinked folders are listed but not entered. Only symlinks need
    os.path.realpath (slow: one lstat per path component); any other file's real path is its
    folder's real path joined with its name.
    """
    stack = [(top, os.path.realpath(top))]
    while stack:
        dirpath, real_dir = stack.pop()
        try:
            entries = list(os.scandir(dirpath))
        except OSError:
            continue  # os.walk skips folders it cannot list
        base = Path(dirpath).as_posix()
        prefix = "" if base == "." else base if base.endswith("/") else base + "/"
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    stack.append((os.path.join(dirpath, name), os.path.join(real_dir, name)))
            elif entry.is_file():
                real = (
                    os.path.realpath(entry.path)
                    if entry.is_symlink()
                    else os.path.join(real_dir, name)
                )
                yield prefix + name, real  # the same string as (Path(dirpath) / name).as_posix()


# ---------------------------------------------------------------- pass 1 (worker side)


def partial_schema(taxonomy: Taxonomy) -> pa.Schema:
    """documents.parquet without the columns that need the whole corpus (written by pass 2)."""
    full = documents_schema(taxonomy)
    return pa.schema([f for f in full if f.name not in _LATE_COLUMNS])


def sentence_key_hash(key: str) -> int:
    """64-bit hash of a sentence key (stable across runs and processes, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class _Chunk:
    """Pass-1 result for a run of consecutive inputs, built in a worker process."""

    displays: list[str]
    shas: list[str]
    errors: list[str | None]
    rows: pa.RecordBatch
    """One row per input whose error is None, in input order."""
    signatures: np.ndarray
    """uint64, one row per parsed input."""
    sentence_row: np.ndarray
    """int32 row (into ``rows``) of each sentence key."""
    sentence_index: np.ndarray
    """int32 sentence index of each key within its document."""
    sentence_hash: np.ndarray
    """uint64 hash of each sentence key."""


def _reason(exc: InputError) -> str:
    return f"line {exc.line}: {exc.message}" if exc.line is not None else exc.message


def _parse_chunk(paths: Sequence[str], schema: pa.Schema) -> _Chunk:
    """Read and parse a run of inputs; failures become reasons, not exceptions."""
    from toolkit.ingest import CONVERTER_VERSION, Article, parse_article
    from toolkit.normalize import minhash_signature, sentence_keys

    displays: list[str] = []
    shas: list[str] = []
    errors: list[str | None] = []
    articles: list[Article] = []
    signatures: list[np.ndarray] = []
    s_row: list[int] = []
    s_index: list[int] = []
    s_hash: list[int] = []
    for display in paths:
        displays.append(display)
        try:
            data = Path(display).read_bytes()
        except OSError as exc:
            shas.append("")
            errors.append(f"cannot read: {exc.strerror}")
            continue
        shas.append(hashlib.sha256(data).hexdigest())
        try:
            article = parse_article(data, source_path=display)
        except InputError as exc:
            errors.append(_reason(exc))
            continue
        errors.append(None)
        row = len(articles)
        for k, key in enumerate(sentence_keys(article.text, article.sentences)):
            if key:
                s_row.append(row)
                s_index.append(k)
                s_hash.append(sentence_key_hash(key))
        signatures.append(minhash_signature(article.text))
        articles.append(article)
    width = signatures[0].shape[0] if signatures else 0
    return _Chunk(
        displays=displays,
        shas=shas,
        errors=errors,
        rows=_article_rows(articles, schema, CONVERTER_VERSION),
        signatures=np.vstack(signatures) if signatures else np.empty((0, width), np.uint64),
        sentence_row=np.asarray(s_row, dtype=np.int32),
        sentence_index=np.asarray(s_index, dtype=np.int32),
        sentence_hash=np.asarray(s_hash, dtype=np.uint64),
    )


def _list_column(
    field_type: pa.DataType, counts: list[int], children: list[pa.Array]
) -> pa.ListArray:
    """A list<struct> column from per-row item counts and the flattened struct fields."""
    item_type = field_type.value_type
    values = pa.StructArray.from_arrays(children, fields=list(item_type))
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=field_type)


def _article_rows(articles: Sequence[Any], schema: pa.Schema, version: str) -> pa.RecordBatch:
    """The partial documents rows of parsed articles, built column by column (no row dicts)."""
    string = pa.string()
    links = [ln for a in articles for ln in a.links]
    removed = [r for a in articles for r in a.removed]
    bounds = np.array([b for a in articles for span in a.sentences for b in span], np.int32)
    texts = [a.text for a in articles]
    columns: dict[str, pa.Array] = {
        "doc_id": pa.array([a.doc_id for a in articles], string),
        "outlet": pa.array([a.outlet for a in articles], string),
        "title": pa.array([a.title for a in articles], string),
        "byline": pa.array([a.byline for a in articles], string),
        "published_date": pa.array([a.published_date for a in articles], pa.date32()),
        "source_urls": pa.array([a.source_urls for a in articles], pa.list_(string)),
        "links": _list_column(
            schema.field("links").type,
            [len(a.links) for a in articles],
            [
                pa.array([ln.text for ln in links], string),
                pa.array([ln.href for ln in links], string),
                pa.array([ln.start for ln in links], pa.int32()),
                pa.array([ln.end for ln in links], pa.int32()),
            ],
        ),
        "text": pa.array(texts, string),
        "text_sha256": pa.array([sha256_text(t) for t in texts], string),
        "sentences": _list_column(
            schema.field("sentences").type,
            [len(a.sentences) for a in articles],
            [pa.array(bounds[0::2], pa.int32()), pa.array(bounds[1::2], pa.int32())],
        ),
        "removed": _list_column(
            schema.field("removed").type,
            [len(a.removed) for a in articles],
            [
                pa.array([r.reason for r in removed], string),
                pa.array([r.text for r in removed], string),
            ],
        ),
        "source_path": pa.array([a.source_path for a in articles], string),
        "source_sha256": pa.array([a.source_sha256 for a in articles], string),
        "source_encoding": pa.array([a.source_encoding for a in articles], string),
        "converter_version": pa.array([version] * len(articles), string),
    }
    return pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)


# ---------------------------------------------------------------- pass 1 (main side)


class _Pieces:
    """Numpy arrays appended chunk by chunk and joined once (no per-item Python objects)."""

    def __init__(self, dtype: Any) -> None:
        self._dtype = dtype
        self._parts: list[np.ndarray] = []

    def extend(self, values: np.ndarray) -> None:
        if len(values):
            self._parts.append(np.asarray(values, dtype=self._dtype))

    def array(self) -> np.ndarray:
        """All values in one array; the pieces are released."""
        joined = np.concatenate(self._parts) if self._parts else np.empty(0, self._dtype)
        self._parts = [joined]
        return joined


@dataclass
class _Pass1:
    """Small per-document state kept between the passes."""

    doc_ids: list[str] = field(default_factory=list)
    signatures: np.ndarray | None = None
    """One row per document; allocated once for every input (untouched rows cost no memory)."""
    sentence_doc: _Pieces = field(default_factory=lambda: _Pieces(np.int32))
    sentence_index: _Pieces = field(default_factory=lambda: _Pieces(np.int32))
    sentence_hash: _Pieces = field(default_factory=lambda: _Pieces(np.uint64))
    first_seen: dict[str, int] = field(default_factory=dict)
    """sha256 of the raw bytes -> position (in the inputs) of the first input with those bytes."""
    texts: dict[str, str] = field(default_factory=dict)
    """Texts of the documents that have annotation files (for the annotation checks)."""
    n_inputs: int = 0


def _iter_chunks(
    items: Sequence[str], schema: pa.Schema, chunk_size: int, workers: int
) -> Iterator[_Chunk]:
    """Parsed chunks in input order; with workers > 1, a few chunks are parsed ahead."""
    pieces = (list(items[i : i + chunk_size]) for i in range(0, len(items), chunk_size))
    if workers <= 1:
        for piece in pieces:
            yield _parse_chunk(piece, schema)
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # fork is unsafe with Arrow/polars threads
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        pending: deque[Future[_Chunk]] = deque()
        queue = iter(pieces)
        for piece in queue:
            pending.append(executor.submit(_parse_chunk, piece, schema))
            if len(pending) >= 2 * workers:
                break
        while pending:
            chunk = pending.popleft().result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(executor.submit(_parse_chunk, nxt, schema))
            yield chunk
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _run_pass1(
    items: Sequence[str],
    partial_path: Path,
    inputs_log: Path,
    *,
    schema: pa.Schema,
    wanted_texts: set[str],
    rejects: list[Reject],
    batch_size: int,
    workers: int,
    progress: ProgressCallback | None,
) -> _Pass1:
    """Parse every input into the partial Parquet file; returns the per-document state."""
    state = _Pass1()
    chunk_size = max(1, min(batch_size, 250))
    buffered: list[pa.RecordBatch] = []
    n_buffered = 0
    with (
        pq.ParquetWriter(partial_path, schema, compression="lz4") as writer,
        inputs_log.open("w", encoding="utf-8", newline="\n") as log,
    ):

        def flush(final: bool) -> None:
            nonlocal buffered, n_buffered
            while n_buffered >= batch_size or (final and n_buffered):
                table = pa.Table.from_batches(buffered, schema=schema).combine_chunks()
                take = min(batch_size, n_buffered)
                writer.write_table(table.slice(0, take), row_group_size=batch_size)
                rest = table.slice(take)
                buffered = rest.to_batches() if rest.num_rows else []
                n_buffered = rest.num_rows

        for chunk in _iter_chunks(items, schema, chunk_size, workers):
            keep: list[bool] = []
            row = 0
            for display, sha, error in zip(chunk.displays, chunk.shas, chunk.errors, strict=True):
                state.n_inputs += 1
                doc_id: str | None = None
                if error is not None:
                    rejects.append(Reject(display, "article", error))
                elif sha in state.first_seen:
                    rejects.append(
                        Reject(display, "article", f"duplicate of {items[state.first_seen[sha]]}")
                    )
                    keep.append(False)
                    row += 1
                else:
                    state.first_seen[sha] = state.n_inputs - 1
                    keep.append(True)
                    doc_id = chunk.rows.column(0)[row].as_py()
                    row += 1
                entry = {"path": display, "sha256": sha or None, "doc_id": doc_id}
                log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            mask = np.asarray(keep, dtype=bool)
            kept = chunk.rows.filter(pa.array(mask)) if not mask.all() else chunk.rows
            base = len(state.doc_ids)
            # Renumber the kept rows into global document indices.
            new_index = np.cumsum(mask, dtype=np.int64) - 1 + base
            in_kept = mask[chunk.sentence_row] if len(chunk.sentence_row) else mask[:0]
            state.sentence_doc.extend(new_index[chunk.sentence_row[in_kept]].astype(np.int32))
            state.sentence_index.extend(chunk.sentence_index[in_kept])
            state.sentence_hash.extend(chunk.sentence_hash[in_kept])
            if state.signatures is None and len(chunk.signatures):
                width = chunk.signatures.shape[1]
                state.signatures = np.empty((len(items), width), dtype=np.uint64)
            if state.signatures is not None:
                state.signatures[base : base + kept.num_rows] = chunk.signatures[mask]
            ids = kept.column(0).to_pylist()
            state.doc_ids.extend(ids)
            if wanted_texts:
                texts = kept.column(schema.get_field_index("text"))
                for i, doc_id in enumerate(ids):
                    if doc_id in wanted_texts:
                        state.texts[doc_id] = texts[i].as_py()
            if kept.num_rows:
                buffered.append(kept)
                n_buffered += kept.num_rows
                flush(final=False)
            if progress is not None:
                progress(state.n_inputs, len(items))
        flush(final=True)
    return state


# ---------------------------------------------------------------- between the passes


class _SignatureRows(Mapping[str, np.ndarray]):
    """doc_id -> MinHash signature, as views into one 2-D array (no per-document copies)."""

    def __init__(self, doc_ids: Sequence[str], matrix: np.ndarray) -> None:
        self._ids = doc_ids
        self._index = {d: i for i, d in enumerate(doc_ids)}
        self._matrix = matrix

    def __getitem__(self, key: str) -> np.ndarray:
        return self._matrix[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def compute_clusters(doc_ids: Sequence[str], signatures: np.ndarray) -> list[str]:
    """Cluster id of each document (the smallest doc id of its near-duplicate cluster)."""
    from toolkit.normalize import cluster_near_duplicates

    if not doc_ids:
        return []
    found = cluster_near_duplicates(_SignatureRows(doc_ids, signatures))
    return [found.get(d, d) for d in doc_ids]


def _group_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    if not len(sorted_values):
        return np.empty(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


class SharedSentences:
    """Which sentences of each document also occur (same sentence key) in other documents.

    Built once, with numpy sorts only, from three parallel arrays (document index, sentence
    index, key hash): a compressed table key -> member documents (at most ``max_docs + 1`` per
    key) and the shared (document, sentence) rows in document order. `for_range` answers one
    pass-2 batch at a time, so the expanded lists never exist for the whole corpus at once.
    """

    def __init__(
        self,
        doc_ids: Sequence[str],
        sentence_doc: np.ndarray,
        sentence_index: np.ndarray,
        sentence_hash: np.ndarray,
        *,
        max_docs: int = SHARED_SENTENCE_MAX_DOCS,
    ) -> None:
        self.max_docs = max_docs
        ids = np.asarray(doc_ids, dtype=object)
        by_id = np.argsort(ids, kind="stable") if len(ids) else np.empty(0, np.int64)
        rank = np.empty(len(ids), dtype=np.int32)
        rank[by_id] = np.arange(len(ids), dtype=np.int32)
        # rank -> doc_id, so "the smallest doc ids" is "the smallest ranks".
        self._ids_by_rank = pa.array(ids[by_id].tolist() if len(ids) else [], pa.string())
        doc = np.asarray(sentence_doc, dtype=np.int32)
        sent = np.asarray(sentence_index, dtype=np.int32)
        key = np.asarray(sentence_hash, dtype=np.uint64)
        if len(key):
            # Most keys occur once: keep only the rows of repeated keys before the real work.
            order = np.argsort(key, kind="stable")
            same = key[order[1:]] == key[order[:-1]]
            candidates = np.sort(order[np.r_[same, False] | np.r_[False, same]])
            del order, same
            doc, sent, key = doc[candidates], sent[candidates], key[candidates]
        own = rank[doc]

        # Distinct (key, rank) pairs, sorted by key then rank.
        order = np.lexsort((own, key))
        pk, pr = key[order], own[order]
        distinct = np.r_[True, (pk[1:] != pk[:-1]) | (pr[1:] != pr[:-1])] if len(pk) else []
        pk, pr = pk[distinct], pr[distinct]
        starts = _group_starts(pk)
        sizes = np.diff(np.r_[starts, len(pk)])
        shared_groups = sizes > 1
        # Members of each shared key: its first max_docs + 1 ranks, so max_docs remain once the
        # document itself is left out.
        group_of = np.repeat(np.arange(len(starts)), sizes)
        position = np.arange(len(pk)) - starts[group_of]
        keep = shared_groups[group_of] & (position <= max_docs)
        self._member_key = pk[starts[shared_groups]]
        self._member_rank = pr[keep]
        kept_sizes = np.minimum(sizes[shared_groups], max_docs + 1)
        self._member_offsets = np.r_[0, np.cumsum(kept_sizes)].astype(np.int64)

        # Sentence rows whose key is shared, in (document, sentence) order.
        slot = np.searchsorted(self._member_key, key)
        found = slot < len(self._member_key)
        found[found] = self._member_key[slot[found]] == key[found]
        rows = np.flatnonzero(found)
        rows = rows[np.lexsort((sent[rows], doc[rows]))]
        self._doc = doc[rows]
        self._sent = sent[rows]
        self._own = own[rows]
        self._slot = slot[rows]

    @property
    def n_shared(self) -> int:
        """Number of (document, sentence) pairs whose sentence occurs in another document."""
        return len(self._doc)

    def for_range(self, lo: int, hi: int) -> pa.ListArray:
        """``shared_sentences`` of documents ``lo`` to ``hi - 1`` (empty lists when none)."""
        a, b = (int(x) for x in np.searchsorted(self._doc, [lo, hi]))
        slot = self._slot[a:b]
        first = self._member_offsets[slot]
        lengths = self._member_offsets[slot + 1] - first
        row = np.repeat(np.arange(b - a), lengths)
        within = np.arange(len(row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        ranks = self._member_rank[first[row] + within]
        others = ranks != self._own[a:b][row]
        row, ranks = row[others], ranks[others]
        counts = np.bincount(row, minlength=b - a)
        # A row keeps max_docs + 1 members when the document was not among them: drop the last.
        within = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
        capped = within < self.max_docs
        ranks = ranks[capped]
        counts = np.minimum(counts, self.max_docs)
        doc_ids = pa.ListArray.from_arrays(
            pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32), pa.int32()),
            self._ids_by_rank.take(pa.array(ranks, pa.int32())),
        )
        values = pa.StructArray.from_arrays(
            [pa.array(self._sent[a:b], pa.int32()), doc_ids], fields=list(SHARED_SENTENCE_TYPE)
        )
        offsets = np.searchsorted(self._doc[a:b], np.arange(lo, hi + 1)).astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values).cast(
            pa.list_(SHARED_SENTENCE_TYPE)
        )


@dataclass
class _Annotations:
    """Checked annotation layers: rows of annotations.parquet and annotation_sets.parquet."""

    span_rows: list[dict[str, Any]] = field(default_factory=list)
    set_rows: list[dict[str, Any]] = field(default_factory=list)
    gold: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: list[dict[str, str]] = field(default_factory=list)


def _problem_reason(problems: Sequence[Problem]) -> str:
    """The problems of one file as one reject reason (the file itself is the reject's input)."""
    parts = []
    for p in problems:
        where = " ".join(
            x for x in (f"line {p.line}" if p.line else "", p.pointer, p.record_id or "") if x
        )
        parts.append(f"{where}: {p.message}" if where else p.message)
    return "; ".join(parts)


def _display_annotation_path(path: Path, root: Path, root_display: str) -> str:
    return f"{root_display.rstrip('/')}/{path.relative_to(root).as_posix()}"


def load_annotations(
    root: Path,
    *,
    texts: Mapping[str, str],
    taxonomy: Taxonomy,
    rejects: list[Reject],
) -> _Annotations:
    """Check every annotation file against the converted texts; bad files become rejects."""
    from toolkit.validate import check_annotation_file

    result = _Annotations()
    root_display = root.as_posix()
    for path in iter_annotation_paths(root):
        display = _display_annotation_path(path, root, root_display)
        annotation, problems = check_annotation_file(path, texts=texts, taxonomy=taxonomy)
        if problems or annotation is None:
            reason = _problem_reason(problems) or "could not be parsed"
            rejects.append(Reject(display, "annotation", reason))
            continue
        result.files.append(
            {"path": display, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        )
        _add_layer(result, annotation, taxonomy)
    result.span_rows.sort(
        key=lambda r: (
            r["doc_id"],
            r["annotator_id"],
            r["start"],
            r["end"],
            r["label"],
            r["span_id"],
        )
    )
    result.set_rows.sort(key=lambda r: (r["doc_id"], r["annotator_id"]))
    return result


def _add_layer(result: _Annotations, annotation: AnnotationFile, taxonomy: Taxonomy) -> None:
    rows = list(span_rows(annotation, taxonomy))
    for row in rows:
        result.span_rows.append(
            {
                "doc_id": annotation.doc_id,
                "annotator_id": annotation.annotator_id,
                **row,
                "codebook_version": annotation.codebook_version,
            }
        )
    result.set_rows.append(
        {
            "doc_id": annotation.doc_id,
            "annotator_id": annotation.annotator_id,
            "status": annotation.status,
            "source_kind": annotation.source.get("kind"),
            "n_spans": len(rows),
            "text_sha256": annotation.text_sha256,
            "codebook_version": annotation.codebook_version,
        }
    )
    if annotation.annotator_id == GOLD_LAYER:
        result.gold[annotation.doc_id] = rows


def _wanted_doc_ids(root: Path | None) -> set[str]:
    """Doc ids named by annotation file names: only their texts are kept for the checks."""
    if root is None:
        return set()
    return {p.stem for p in iter_annotation_paths(root)}


# ---------------------------------------------------------------- pass 2 and the other tables


@dataclass
class _DocStats:
    """Figures about documents.parquet gathered while it is written (for manifest and card)."""

    outlets: Counter[str] = field(default_factory=Counter)
    first_date: date | None = None
    last_date: date | None = None
    n_sentences: int = 0
    n_characters: int = 0


def _run_pass2(
    partial_path: Path,
    out_path: Path,
    *,
    schema: pa.Schema,
    clusters: Sequence[str],
    shared: SharedSentences,
    gold: Mapping[str, list[dict[str, Any]]],
    span_list_type: pa.DataType,
) -> _DocStats:
    """Stream the partial file back, add the corpus-wide columns, write documents.parquet."""
    stats = _DocStats()
    source = pq.ParquetFile(partial_path)
    lo = 0
    with pq.ParquetWriter(out_path, schema, compression=PARQUET_COMPRESSION) as writer:
        for group in range(source.num_row_groups):
            part = source.read_row_group(group)
            hi = lo + part.num_rows
            doc_ids = part.column("doc_id").to_pylist()
            columns: dict[str, pa.Array | pa.ChunkedArray] = {
                name: part.column(name) for name in part.column_names
            }
            columns["cluster_id"] = pa.array(clusters[lo:hi], pa.string())
            columns["shared_sentences"] = shared.for_range(lo, hi)
            columns["spans"] = pa.array([gold.get(d) for d in doc_ids], span_list_type)
            table = pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)
            writer.write_table(table, row_group_size=max(1, part.num_rows))
            _gather_stats(stats, part)
            lo = hi
    return stats


def _gather_stats(stats: _DocStats, part: pa.Table) -> None:
    outlets = part.column("outlet").to_pylist()
    stats.outlets.update(o for o in outlets if o)
    dates = [d for d in part.column("published_date").to_pylist() if d is not None]
    if dates:
        lo, hi = min(dates), max(dates)
        stats.first_date = lo if stats.first_date is None else min(stats.first_date, lo)
        stats.last_date = hi if stats.last_date is None else max(stats.last_date, hi)
    lengths = pa.compute.list_value_length(part.column("sentences")).to_pylist()
    stats.n_sentences += sum(n or 0 for n in lengths)
    stats.n_characters += sum(pa.compute.utf8_length(part.column("text")).to_pylist())


def write_table(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Write a small table (annotations, annotation sets, rejects) as one Parquet file."""
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression=PARQUET_COMPRESSION)


def _file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {
        "sha256": digest.hexdigest(),
        "bytes": path.stat().st_size,
        "rows": pq.ParquetFile(path).metadata.num_rows,
    }


def _write_manifest(path: Path, head: dict[str, Any], inputs_log: Path) -> None:
    """manifest.json: sorted keys, one input per line, no timestamps (reruns are identical)."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("{\n")
        for key in sorted(head):
            value = json.dumps(head[key], ensure_ascii=False, indent=2, sort_keys=True)
            out.write(f"  {json.dumps(key)}: {value.replace(chr(10), chr(10) + '  ')},\n")
        out.write('  "inputs": [')
        with inputs_log.open(encoding="utf-8") as log:
            first = True
            for line in log:
                out.write(("\n    " if first else ",\n    ") + line.rstrip("\n"))
                first = False
        out.write("\n  ]\n}\n" if not first else "]\n}\n")


def read_manifest(dataset_dir: str | Path) -> dict[str, Any]:
    """The manifest of a built dataset; raises InputError when it is missing or malformed."""
    return read_json_object(
        Path(dataset_dir) / MANIFEST_NAME,
        missing="no manifest.json; build the dataset with `toolkit convert`",
    )


# ---------------------------------------------------------------- the atomic build


def _check_out_dir(out: Path) -> None:
    """Refuse to replace a folder that is not a dataset (a typo must not delete someone's work)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("output exists and is not a folder; give a dataset folder", path=out)
    if any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
        raise InputError(
            "output folder is not empty and holds no manifest.json, so it is not a dataset "
            "built by `toolkit convert`; refusing to replace it: give a new or empty folder",
            path=out,
        )


def _swap_in(tmp: Path, out: Path) -> None:
    """Move the finished build into place; the old dataset goes only after the new one is in."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def convert(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    annotations_dir: str | Path | None = None,
    taxonomy: Taxonomy | None = None,
    batch_size: int = 1000,
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> ConvertResult:
    """Convert article files (and annotation files) into the Parquet dataset at ``out_dir``.

    Rejected inputs are listed in rejects.parquet and the rest goes on; the previous dataset
    at ``out_dir`` is replaced only after a complete success. With ``workers`` > 1 articles are
    parsed in spawned processes (the output is identical), so a calling script needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {batch_size}")
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    tax = taxonomy or read_taxonomy()
    out = Path(out_dir)
    ann_root = Path(annotations_dir) if annotations_dir is not None else None
    if ann_root is not None and not ann_root.is_dir():
        raise InputError("annotation folder not found; give annotations/", path=ann_root)
    items = collect_inputs(inputs)
    _check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        result = _build(items, tmp, tax, ann_root, batch_size, workers, progress)
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out_dir = out
    return result


def _build(
    items: Sequence[str],
    tmp: Path,
    tax: Taxonomy,
    ann_root: Path | None,
    batch_size: int,
    workers: int,
    progress: ProgressCallback | None,
) -> ConvertResult:
    """Everything `convert` writes, into the temporary folder ``tmp``."""
    from toolkit.card import render_card
    from toolkit.ingest import CONVERTER_VERSION

    rejects: list[Reject] = []
    partial = tmp / ".documents.partial.parquet"
    inputs_log = tmp / ".inputs.jsonl"
    pschema = partial_schema(tax)
    state = _run_pass1(
        items,
        partial,
        inputs_log,
        schema=pschema,
        wanted_texts=_wanted_doc_ids(ann_root),
        rejects=rejects,
        batch_size=batch_size,
        workers=workers,
        progress=progress,
    )
    state.first_seen.clear()  # only pass 1 needs it
    signatures = (
        state.signatures[: len(state.doc_ids)]
        if state.signatures is not None
        else np.empty((0, 0), np.uint64)
    )
    clusters = compute_clusters(state.doc_ids, signatures)
    del signatures
    state.signatures = None
    shared = SharedSentences(
        state.doc_ids,
        state.sentence_doc.array(),
        state.sentence_index.array(),
        state.sentence_hash.array(),
    )
    # SharedSentences keeps only the shared rows; the full arrays are not needed in pass 2.
    state.sentence_doc = _Pieces(np.int32)
    state.sentence_index = _Pieces(np.int32)
    state.sentence_hash = _Pieces(np.uint64)
    annotations = (
        load_annotations(ann_root, texts=state.texts, taxonomy=tax, rejects=rejects)
        if ann_root is not None
        else _Annotations()
    )
    state.texts.clear()

    doc_schema = documents_schema(tax).with_metadata(schema_metadata(tax, "documents"))
    stats = _run_pass2(
        partial,
        tmp / "documents.parquet",
        schema=doc_schema,
        clusters=clusters,
        shared=shared,
        gold=annotations.gold,
        span_list_type=doc_schema.field("spans").type,
    )
    partial.unlink()
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

    cluster_sizes = Counter(clusters)
    spans: dict[str, dict[str, int]] = {}
    for row in annotations.span_rows:
        layer = spans.setdefault(row["annotator_id"], {})
        layer[row["label"]] = layer.get(row["label"], 0) + 1
    files_per_layer = Counter(r["annotator_id"] for r in annotations.set_rows)
    head: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "converter_version": CONVERTER_VERSION,
        "toolkit_version": __version__,
        "taxonomy": {
            "sha256": tax.sha256,
            "taxonomy_version": tax.taxonomy_version,
            "codebook_version": tax.codebook_version,
        },
        "counts": {
            "inputs": state.n_inputs,
            "documents": len(state.doc_ids),
            "rejects": len(rejects),
            "rejects_by_kind": dict(sorted(Counter(r.kind for r in rejects).items())),
            "clusters": len(cluster_sizes),
            "clusters_with_several_documents": sum(1 for n in cluster_sizes.values() if n > 1),
            "largest_cluster": max(cluster_sizes.values(), default=0),
            "sentences": stats.n_sentences,
            "shared_sentences": shared.n_shared,
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
    _write_manifest(tmp / MANIFEST_NAME, head, inputs_log)
    inputs_log.unlink()
    schemas = {
        "documents": documents_schema(tax),
        "annotations": annotations_schema(tax),
        "annotation_sets": annotation_sets_schema(),
        "rejects": rejects_schema(),
    }
    write_text_atomic(tmp / CARD_NAME, render_card(head, schemas=schemas, taxonomy=tax))
    return ConvertResult(
        out_dir=tmp,
        n_inputs=state.n_inputs,
        n_documents=len(state.doc_ids),
        n_clusters=len(cluster_sizes),
        rejects=rejects,
        manifest=head,
    )
