"""`convert`: raw articles and annotation files to the Parquet dataset, built atomically.

Two streaming passes keep memory flat whatever the corpus size. Pass 1 parses articles batch by
batch into a partial Parquet file; the per-document state it keeps in memory is a few dozen
bytes (doc id in an Arrow array, raw-bytes digest), while MinHash signatures and 64-bit
sentence-key hashes are spilled to files in the build folder. Between the passes come the
near-duplicate clusters (LSH read band by band from the spilled signatures through a memory map
whose pages are handed back), the shared sentences (found partition by partition of the key
space) and the annotation checks. Pass 2 streams the partial file back, adds cluster ids,
shared sentences and gold spans, and writes documents.parquet. Everything is built in a
temporary folder next to the output and renamed into place only after a complete success."""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
import os
import shutil
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from toolkit import SCHEMA_VERSION
from toolkit import __version__
from toolkit.errors import InputError, Problem
from toolkit.dataset.tables import SHARED_SENTENCE_TYPE, annotation_sets_schema, annotations_schema, documents_schema, rejects_schema, schema_metadata, span_rows
from toolkit.annotations import AnnotationFile, iter_annotation_paths
from toolkit.core import read_json_object, sha256_text, write_text_atomic
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

_SPILL_BLOCK_ROWS = 8192
"""Rows of a spilled file read at once (8192 signatures are 4 MB)."""
_TAKE_ROWS = 1024
"""Scattered signature rows read between two hand-backs of the mapped pages (at most 4 MB)."""
_PARTITION_ROWS = 1 << 20
"""Sentence records (16 bytes each) per partition when shared sentences are found."""

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


def _trim_heap() -> None:
    """Give the heap's free pages back to the OS (glibc; elsewhere nothing happens).

    Freed numpy and Arrow temporaries of a few MB stay in the C heap, so without this the peak
    of one phase would carry into the next and memory would seem to grow with the corpus.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    import ctypes

    try:
        return cast(Callable[[int], int], ctypes.CDLL(None).malloc_trim)
    except (OSError, AttributeError):
        return None


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


def sentence_key_hashes(keys: Iterable[str]) -> np.ndarray:
    """64-bit hash of each sentence key (stable across runs and processes, unlike ``hash``).

    The hash is the 8-byte blake2b digest of the key's UTF-8 bytes read as a little-endian
    integer; the digests are joined and read by numpy at once.
    """
    digest = functools.partial(hashlib.blake2b, digest_size=8)
    return np.frombuffer(b"".join([digest(key.encode()).digest() for key in keys]), dtype="<u8")


_SENTENCE_RECORD = np.dtype([("doc", "<i4"), ("sent", "<i4"), ("key", "<u8")])
"""A sentence key's document, sentence index and 64-bit hash."""


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
    sentences: np.ndarray
    """One _SENTENCE_RECORD per non-empty sentence key; ``doc`` is the row in ``rows``."""


def _reason(exc: InputError) -> str:
    return f"line {exc.line}: {exc.message}" if exc.line is not None else exc.message


def _parse_chunk(paths: Sequence[str], schema: pa.Schema) -> _Chunk:
    """Read and parse a run of inputs; failures become reasons, not exceptions."""
    from toolkit.ingest import CONVERTER_VERSION, Article, parse_article
    from toolkit.ingest import minhash_signatures, sentence_keys

    displays: list[str] = []
    shas: list[str] = []
    errors: list[str | None] = []
    articles: list[Article] = []
    keys: list[str] = []
    key_counts: list[int] = []
    for display in paths:
        displays.append(display)
        try:
            data = Path(display).read_bytes()
        except OSError as exc:
            shas.append("")
            errors.append(f"cannot read: {exc.strerror}")
            continue
        try:
            article = parse_article(data, source_path=display)
        except InputError as exc:
            shas.append(hashlib.sha256(data).hexdigest())
            errors.append(_reason(exc))
            continue
        shas.append(article.source_sha256)  # the same digest of the same bytes
        errors.append(None)
        article_keys = sentence_keys(article.text, article.sentences)
        keys += article_keys
        key_counts.append(len(article_keys))
        articles.append(article)
    # Row and sentence index of every key, then only the non-empty keys are kept and hashed.
    counts = np.asarray(key_counts, dtype=np.int64)
    rows = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    index = np.arange(len(rows), dtype=np.int32) - np.repeat(
        (np.cumsum(counts) - counts).astype(np.int32), counts
    )
    present = np.fromiter(map(bool, keys), dtype=bool, count=len(keys))
    sentences = np.empty(int(present.sum()), dtype=_SENTENCE_RECORD)
    sentences["doc"] = rows[present]
    sentences["sent"] = index[present]
    sentences["key"] = sentence_key_hashes(key for key in keys if key)
    return _Chunk(
        displays=displays,
        shas=shas,
        errors=errors,
        rows=_article_rows(articles, schema, CONVERTER_VERSION),
        signatures=minhash_signatures([a.text for a in articles]),
        sentences=sentences,
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


class _SpillFile:
    """Fixed-size numpy records appended to a file in the build folder and read back in blocks.

    Per-document state that grows with the corpus (MinHash signatures, sentence-key hashes)
    waits here between the passes instead of in memory.
    """

    def __init__(self, path: Path, dtype: Any) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.count = 0
        self._fh = path.open("wb")

    def append(self, values: np.ndarray) -> None:
        if len(values):
            self._fh.write(np.ascontiguousarray(values, dtype=self.dtype).tobytes())
            self.count += len(values)

    def close(self) -> None:
        self._fh.close()

    def blocks(self, rows: int = _SPILL_BLOCK_ROWS) -> Iterator[np.ndarray]:
        """The records in file order, at most ``rows`` at a time."""
        self.close()
        with self.path.open("rb") as fh:
            while block := fh.read(rows * self.dtype.itemsize):
                yield np.frombuffer(block, dtype=self.dtype)

    def unlink(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class _SeenInputs:
    """sha256 (hex) of raw bytes -> position of the first input with them, in ~72 bytes each.

    Recent digests sit in a dict; every ``_MERGE_AT`` they move into one sorted numpy array, so
    a corpus of millions of inputs costs no per-input Python objects.
    """

    _MERGE_AT = 16384

    def __init__(self) -> None:
        self._digests: np.ndarray = np.empty(0, dtype="S64")
        self._positions: np.ndarray = np.empty(0, dtype=np.int64)
        self._recent: dict[str, int] = {}

    def get(self, sha: str) -> int | None:
        found = self._recent.get(sha)
        if found is None and len(self._digests):
            key = sha.encode("ascii")
            i = int(np.searchsorted(self._digests, key))
            if i < len(self._digests) and self._digests[i] == key:
                found = int(self._positions[i])
        return found

    def add(self, sha: str, position: int) -> None:
        self._recent[sha] = position
        if len(self._recent) >= self._MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        digests = np.concatenate([self._digests, np.array(list(self._recent), dtype="S64")])
        positions = np.concatenate(
            [self._positions, np.fromiter(self._recent.values(), np.int64, len(self._recent))]
        )
        order = np.argsort(digests, kind="stable")
        self._digests, self._positions = digests[order], positions[order]
        self._recent = {}


@dataclass
class _Pass1:
    """Per-document state kept between the passes: doc ids in memory, the rest on disk."""

    signatures: _SpillFile
    """One row of uint64 per document (``signature_width`` values), in document order."""
    sentences: _SpillFile
    """One _SENTENCE_RECORD per sentence with a key, in (document, sentence) order."""
    id_chunks: list[pa.Array] = field(default_factory=list)
    signature_width: int = 0
    n_documents: int = 0
    seen: _SeenInputs = field(default_factory=_SeenInputs)
    texts: dict[str, str] = field(default_factory=dict)
    """Texts of the documents that have annotation files (for the annotation checks)."""
    n_inputs: int = 0

    def doc_ids(self) -> pa.StringArray:
        """Every document's id, in document order, as one Arrow array (no Python strings)."""
        ids = pa.concat_arrays(self.id_chunks) if self.id_chunks else pa.array([], pa.string())
        self.id_chunks = [ids]
        return ids


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
    state = _Pass1(
        signatures=_SpillFile(partial_path.with_suffix(".signatures"), np.uint64),
        sentences=_SpillFile(partial_path.with_suffix(".sentences"), _SENTENCE_RECORD),
    )
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
                del table, rest
                _trim_heap()

        for chunk in _iter_chunks(items, schema, chunk_size, workers):
            keep: list[bool] = []
            row = 0
            for display, sha, error in zip(chunk.displays, chunk.shas, chunk.errors, strict=True):
                state.n_inputs += 1
                doc_id: str | None = None
                if error is not None:
                    rejects.append(Reject(display, "article", error))
                elif (first := state.seen.get(sha)) is not None:
                    rejects.append(Reject(display, "article", f"duplicate of {items[first]}"))
                    keep.append(False)
                    row += 1
                else:
                    state.seen.add(sha, state.n_inputs - 1)
                    keep.append(True)
                    doc_id = chunk.rows.column(0)[row].as_py()
                    row += 1
                entry = {"path": display, "sha256": sha or None, "doc_id": doc_id}
                log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            mask = np.asarray(keep, dtype=bool)
            kept = chunk.rows.filter(pa.array(mask)) if not mask.all() else chunk.rows
            base = state.n_documents
            # Renumber the kept rows into global document indices.
            new_index = np.cumsum(mask, dtype=np.int64) - 1 + base
            records = chunk.sentences[mask[chunk.sentences["doc"]]]
            records["doc"] = new_index[records["doc"]]
            state.sentences.append(records)
            if len(chunk.signatures):
                state.signature_width = chunk.signatures.shape[1]
                state.signatures.append(chunk.signatures[mask])
            state.n_documents += kept.num_rows
            state.id_chunks.append(kept.column(0))
            if wanted_texts:
                texts = kept.column(schema.get_field_index("text"))
                for i, doc_id in enumerate(kept.column(0).to_pylist()):
                    if doc_id in wanted_texts:
                        state.texts[doc_id] = texts[i].as_py()
            if kept.num_rows:
                buffered.append(kept)
                n_buffered += kept.num_rows
                flush(final=False)
            if progress is not None:
                progress(state.n_inputs, len(items))
        flush(final=True)
    state.signatures.close()
    state.sentences.close()
    return state


# ---------------------------------------------------------------- between the passes


class _SignatureFile:
    """The spilled signatures as a normalize.SignatureSource, rows in doc-id order.

    Read through one memory map whose pages are handed back after every read, so memory does
    not grow with the corpus (the file stays in the page cache).
    """

    def __init__(self, spill: _SpillFile, width: int, order: np.ndarray) -> None:
        self.shape = (len(order), width)
        self._order = order
        self._fh = spill.path.open("rb")
        self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)

    def _matrix(self) -> np.ndarray:
        return np.frombuffer(self._map, dtype=np.uint64).reshape(self.shape)

    def _release(self, first_row: int = 0, end_row: int | None = None) -> None:
        """Hand back the mapped pages of rows ``first_row`` to ``end_row - 1`` (default all)."""
        if not (hasattr(self._map, "madvise") and hasattr(mmap, "MADV_DONTNEED")):
            return
        row_bytes = self.shape[1] * 8
        start = first_row * row_bytes // mmap.PAGESIZE * mmap.PAGESIZE
        end = len(self._map) if end_row is None else min(len(self._map), end_row * row_bytes)
        if end > start:
            self._map.madvise(mmap.MADV_DONTNEED, start, end - start)

    def _row_blocks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """(rows, block) in file order, each block's pages handed back once it is used."""
        matrix = self._matrix()
        for start in range(0, self.shape[0], _SPILL_BLOCK_ROWS):
            rows = slice(start, start + _SPILL_BLOCK_ROWS)
            yield rows, matrix[rows]
            self._release(start, start + _SPILL_BLOCK_ROWS)

    def live_rows(self) -> np.ndarray:
        from toolkit.ingest import live_signatures

        live = np.empty(self.shape[0], dtype=bool)
        for rows, block in self._row_blocks():
            live[rows] = live_signatures(block)
        return np.flatnonzero(live[self._order])

    def columns(self, lo: int, hi: int) -> np.ndarray:
        out = np.empty((self.shape[0], hi - lo), dtype=np.uint64)
        for rows, block in self._row_blocks():
            out[rows] = block[:, lo:hi]
        return out[self._order]

    def take(self, rows: np.ndarray) -> np.ndarray:
        # Rows are read in file order, _TAKE_ROWS at a time, and their pages handed back.
        file_rows = self._order[rows]
        by_file = np.argsort(file_rows, kind="stable")
        file_rows = file_rows[by_file]
        matrix = self._matrix()
        out = np.empty((len(file_rows), self.shape[1]), dtype=np.uint64)
        for start in range(0, len(file_rows), _TAKE_ROWS):
            part = file_rows[start : start + _TAKE_ROWS]
            out[by_file[start : start + _TAKE_ROWS]] = matrix[part]
            self._release(int(part[0]), int(part[-1]) + 1)
        return out

    def close(self) -> None:
        self._map.close()
        self._fh.close()


def compute_clusters(state: _Pass1, order: np.ndarray) -> np.ndarray:
    """Per document, the index of its cluster's first document in doc-id order (int64).

    ``order`` lists the document indexes sorted by doc id; a cluster id is the smallest doc id
    of its near-duplicate cluster.
    """
    from toolkit.ingest import near_duplicate_roots

    if not len(order):
        return np.empty(0, dtype=np.int64)
    source = _SignatureFile(state.signatures, state.signature_width, order)
    try:
        roots = near_duplicate_roots(source)
    finally:
        source.close()
    cluster = np.empty(len(order), dtype=np.int64)
    cluster[order] = order[roots]
    return cluster


def _group_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    if not len(sorted_values):
        return np.empty(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


def _repeated_rows(key: np.ndarray) -> np.ndarray:
    """Indexes (ascending) of the entries whose key occurs more than once."""
    if not len(key):
        return np.empty(0, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    same = key[order[1:]] == key[order[:-1]]
    return np.sort(order[np.r_[same, False] | np.r_[False, same]])


def _ranks(by_id: np.ndarray) -> np.ndarray:
    """Rank (position in doc-id order) of each document, from the doc-id order."""
    rank = np.empty(len(by_id), dtype=np.int32)
    rank[by_id] = np.arange(len(by_id), dtype=np.int32)
    return rank


_SHARED_ROW = np.dtype([("doc", "<i4"), ("sent", "<i4"), ("own", "<i4"), ("slot", "<i8")])
"""A sentence whose key is shared: document, sentence, the document's rank, the key's index."""


@dataclass
class _SharedPart:
    """SharedSentences tables for the keys of one partition."""

    member_rank: np.ndarray
    """Member ranks of each shared key, its first max_docs + 1 in rank order, key after key."""
    member_sizes: np.ndarray
    """How many member ranks each shared key has in member_rank."""
    rows: np.ndarray
    """_SHARED_ROWs in (document, sentence) order; slots count from this partition's first key."""


def _shared_part(rank: np.ndarray, records: np.ndarray, max_docs: int) -> _SharedPart:
    """The shared-sentence tables of sentence records (in document order) holding whole keys."""
    # Most keys occur once: keep only the rows of repeated keys before the real work.
    repeated = records[_repeated_rows(records["key"])]
    doc = repeated["doc"]
    key = repeated["key"]
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
    member_key = pk[starts[shared_groups]]
    slot = np.searchsorted(member_key, key)
    found = slot < len(member_key)
    found[found] = member_key[slot[found]] == key[found]
    picked = np.flatnonzero(found)
    rows = np.empty(len(picked), dtype=_SHARED_ROW)
    rows["doc"] = doc[picked]
    rows["sent"] = repeated["sent"][picked]
    rows["own"] = own[picked]
    rows["slot"] = slot[picked]
    return _SharedPart(
        member_rank=pr[keep].astype(np.int32),
        member_sizes=np.minimum(sizes[shared_groups], max_docs + 1),
        rows=rows,
    )


class _RowCursor:
    """_SHARED_ROWs sorted by document, handed out one document range after another."""

    def __init__(self, blocks: Iterator[np.ndarray]) -> None:
        self._blocks = blocks
        self._buffer: np.ndarray = np.empty(0, dtype=_SHARED_ROW)

    def until(self, hi: int) -> np.ndarray:
        """The next rows whose document is below ``hi``."""
        taken = []
        while True:
            cut = int(np.searchsorted(self._buffer["doc"], hi))
            taken.append(self._buffer[:cut])
            if cut < len(self._buffer):
                self._buffer = self._buffer[cut:]
                break
            block = next(self._blocks, None)
            if block is None:
                self._buffer = self._buffer[:0]
                break
            self._buffer = block
        return np.concatenate(taken)


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
        ids = np.asarray(doc_ids, dtype=object)
        by_id = np.argsort(ids, kind="stable") if len(ids) else np.empty(0, np.int64)
        records = np.empty(len(sentence_hash), dtype=_SENTENCE_RECORD)
        records["doc"] = sentence_doc
        records["sent"] = sentence_index
        records["key"] = sentence_hash
        ids_by_rank = pa.array(ids[by_id].tolist() if len(ids) else [], pa.string())
        part = _shared_part(_ranks(by_id), records, max_docs)
        self._setup(ids_by_rank, [part.member_rank], [part.member_sizes], max_docs)
        self._spills = []
        self._cursors = [_RowCursor(iter([part.rows]))]
        self.n_shared = len(part.rows)

    @classmethod
    def from_records(
        cls,
        doc_ids: pa.StringArray,
        by_id: np.ndarray,
        records: _SpillFile,
        *,
        max_docs: int = SHARED_SENTENCE_MAX_DOCS,
        partition_rows: int = _PARTITION_ROWS,
    ) -> SharedSentences:
        """The shared sentences of spilled _SENTENCE_RECORDs, in memory that does not grow with
        the corpus. ``by_id`` is the doc-id order of ``doc_ids``.

        Records are split by the top bits of their key into partitions of about
        ``partition_rows``: a key's rows all land in one partition, so each is worked out
        alone, its shared rows are spilled next to ``records`` and `for_range` merges the
        partitions batch by batch. `close` removes the spilled files.
        """
        self = cls.__new__(cls)
        rank = _ranks(by_id)
        bits = (max(1, -(-records.count // partition_rows)) - 1).bit_length()
        ranks: list[np.ndarray] = []
        sizes: list[np.ndarray] = []
        self._spills = []
        self._cursors = []
        self.n_shared = 0
        folder = records.path.parent
        splits = [
            _SpillFile(folder / f"{records.path.name}.{p}", _SENTENCE_RECORD)
            for p in (range(1 << bits) if bits else ())
        ]
        try:
            if bits:
                shift = np.uint64(64 - bits)
                for block in records.blocks(max(1, partition_rows >> bits)):
                    part_of = (block["key"] >> shift).astype(np.intp)
                    for p, split in enumerate(splits):
                        split.append(block[part_of == p])
            first_slot = 0
            for source in splits or [records]:
                pieces = list(source.blocks(partition_rows))
                if source is not records:
                    source.unlink()
                chunk = np.concatenate(pieces) if pieces else np.empty(0, _SENTENCE_RECORD)
                part = _shared_part(rank, chunk, max_docs)
                del pieces, chunk
                part.rows["slot"] += first_slot
                first_slot += len(part.member_sizes)
                ranks.append(part.member_rank)
                sizes.append(part.member_sizes)
                self.n_shared += len(part.rows)
                if bits:
                    spill = _SpillFile(folder / f".shared.{len(self._spills)}", _SHARED_ROW)
                    spill.append(part.rows)
                    spill.close()
                    self._spills.append(spill)
                    self._cursors.append(_RowCursor(spill.blocks()))
                else:
                    self._cursors.append(_RowCursor(iter([part.rows])))
        except BaseException:
            self.close()
            raise
        finally:
            for split in splits:
                split.unlink()
        self._setup(doc_ids.take(pa.array(by_id)), ranks, sizes, max_docs)
        return self

    def _setup(
        self,
        ids_by_rank: pa.Array,
        member_rank: list[np.ndarray],
        member_sizes: list[np.ndarray],
        max_docs: int,
    ) -> None:
        """The member tables of every partition (in ascending key order) as one."""
        self.max_docs = max_docs
        # rank -> doc_id, so "the smallest doc ids" is "the smallest ranks".
        self._ids_by_rank = ids_by_rank
        self._member_rank = np.concatenate(member_rank)
        self._member_offsets = np.r_[0, np.cumsum(np.concatenate(member_sizes))].astype(np.int64)
        self._done = 0

    def close(self) -> None:
        """Remove the spilled files (from_records); the tables cannot be read after this."""
        for spill in self._spills:
            spill.unlink()
        self._spills = []

    n_shared: int
    """Number of (document, sentence) pairs whose sentence occurs in another document."""
    _spills: list[_SpillFile]
    _cursors: list[_RowCursor]

    def for_range(self, lo: int, hi: int) -> pa.ListArray:
        """``shared_sentences`` of documents ``lo`` to ``hi - 1`` (empty lists when none).

        Ranges are read front to back, as pass 2 writes them: each starts at or after the end
        of the one before.
        """
        if lo < self._done:
            raise ValueError(f"ranges go forward: {lo} is before {self._done}, the last end")
        self._done = hi
        rows = np.concatenate([cursor.until(hi) for cursor in self._cursors])
        rows = rows[np.lexsort((rows["sent"], rows["doc"]))]
        rows = rows[rows["doc"] >= lo]
        slot = rows["slot"]
        first = self._member_offsets[slot]
        lengths = self._member_offsets[slot + 1] - first
        row = np.repeat(np.arange(len(rows)), lengths)
        within = np.arange(len(row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        ranks = self._member_rank[first[row] + within]
        others = ranks != rows["own"][row]
        row, ranks = row[others], ranks[others]
        counts = np.bincount(row, minlength=len(rows))
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
            [pa.array(rows["sent"], pa.int32()), doc_ids], fields=list(SHARED_SENTENCE_TYPE)
        )
        offsets = np.searchsorted(rows["doc"], np.arange(lo, hi + 1)).astype(np.int32)
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
    from toolkit.annotations import check_annotation_file

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
    cluster_ids: pa.StringArray,
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
            columns["cluster_id"] = cluster_ids.slice(lo, hi - lo)
            columns["shared_sentences"] = shared.for_range(lo, hi)
            columns["spans"] = pa.array([gold.get(d) for d in doc_ids], span_list_type)
            table = pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)
            writer.write_table(table, row_group_size=max(1, part.num_rows))
            _gather_stats(stats, part)
            lo = hi
            _trim_heap()
    return stats


def _gather_stats(stats: _DocStats, part: pa.Table) -> None:
    outlets = part.column("outlet").to_pylist()
    stats.outlets.update(o for o in outlets if o)
    dates = [d for d in part.column("published_date").to_pylist() if d is not None]
    if dates:
        lo, hi = min(dates), max(dates)
        stats.first_date = lo if stats.first_date is None else min(stats.first_date, lo)
        stats.last_date = hi if stats.last_date is None else max(stats.last_date, hi)
    lengths = pc.list_value_length(part.column("sentences")).to_pylist()
    stats.n_sentences += sum(n or 0 for n in lengths)
    stats.n_characters += sum(pc.utf8_length(part.column("text")).to_pylist())


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
    from toolkit.dataset.card import render_card
    from toolkit.ingest import CONVERTER_VERSION

    _trim_heap()  # listing the inputs left a large dict behind
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

    doc_schema = documents_schema(tax).with_metadata(schema_metadata(tax, "documents"))
    try:
        stats = _run_pass2(
            partial,
            tmp / "documents.parquet",
            schema=doc_schema,
            cluster_ids=doc_ids.take(pa.array(clusters)),
            shared=shared,
            gold=annotations.gold,
            span_list_type=doc_schema.field("spans").type,
        )
    finally:
        shared.close()
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

    cluster_sizes = np.unique(clusters, return_counts=True)[1]
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
            "documents": state.n_documents,
            "rejects": len(rejects),
            "rejects_by_kind": dict(sorted(Counter(r.kind for r in rejects).items())),
            "clusters": len(cluster_sizes),
            "clusters_with_several_documents": int(np.count_nonzero(cluster_sizes > 1)),
            "largest_cluster": int(cluster_sizes.max(initial=0)),
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
        n_documents=state.n_documents,
        n_clusters=len(cluster_sizes),
        rejects=rejects,
        manifest=head,
    )
