"""Pass-1 chunks: runs of inputs parsed (in worker processes) into partial document rows."""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import pyarrow as pa

from toolkit.core import sha256_text
from toolkit.dataset.sentence_keys import _SENTENCE_RECORD, sentence_key_hashes
from toolkit.dataset.tables import (
    documents_schema,
)
from toolkit.dataset.work import WorkItem, read_article_file
from toolkit.errors import InputError
from toolkit.taxonomy import Taxonomy

# Columns pass 2 adds; pass 1 writes every other documents.parquet column.
_LATE_COLUMNS = ("cluster_id", "shared_sentences", "spans")


def partial_schema(taxonomy: Taxonomy) -> pa.Schema:
    """documents.parquet without the columns that need the whole corpus (written by pass 2)."""
    full = documents_schema(taxonomy)
    return pa.schema([f for f in full if f.name not in _LATE_COLUMNS])


@dataclass(frozen=True)
class ParseLimits:
    """Bounds and filter of each parse: convert's --max-bytes, --max-seconds, --language."""

    max_bytes: int
    max_seconds: float
    language: str | None = None


@dataclass
class _Chunk:
    """Pass-1 result for a run of consecutive inputs, built in a worker process."""

    displays: list[str]
    input_bytes: int
    """Bytes of input files the chunk's items account for (progress)."""
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


def _parse_chunk(items: Sequence[WorkItem], schema: pa.Schema, limits: ParseLimits) -> _Chunk:
    """Read and parse a run of inputs; failures (a parse over the time limit and, given a
    language, articles in another one too) become reasons, not exceptions."""
    from toolkit.dataset.deadline import parse_within
    from toolkit.dataset.near_duplicates import minhash_signatures
    from toolkit.dataset.sentence_keys import sentence_keys
    from toolkit.ingest import CONVERTER_VERSION, Article, check_language

    displays: list[str] = []
    shas: list[str] = []
    errors: list[str | None] = []
    articles: list[Article] = []
    keys: list[str] = []
    key_counts: list[int] = []
    for item in items:
        displays.append(item.display)
        data = item.data
        if item.error is not None:  # refused before reading (discovery, container record)
            shas.append("")
            errors.append(item.error)
            continue
        if data is None:
            try:
                data = read_article_file(item.path or item.display, limits.max_bytes)
            except OSError as exc:
                shas.append("")
                errors.append(f"cannot read: {exc.strerror}")
                continue
        try:
            article = parse_within(data, item.display, limits.max_seconds, item.hints)
            if limits.language is not None:
                check_language(article, limits.language)
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
        input_bytes=sum(item.input_bytes for item in items),
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
        "modified_date": pa.array([a.modified_date for a in articles], pa.date32()),
        "canonical_url": pa.array([a.canonical_url for a in articles], string),
        "source_urls": pa.array([a.source_urls for a in articles], pa.list_(string)),
        "language": pa.array([a.language for a in articles], string),
        "language_confidence": pa.array([a.language_confidence for a in articles], pa.float32()),
        "metadata_sources": pa.array(
            [a.metadata_sources for a in articles], schema.field("metadata_sources").type
        ),
        "metadata_notes": pa.array([a.metadata_notes for a in articles], pa.list_(string)),
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


_PR_SET_PDEATHSIG = 1


def _init_worker(parent_pid: int) -> None:
    """Pool worker set-up: die with the parent; Ctrl-C and hangups are the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if sys.platform == "linux":
        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            return
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)


def _iter_chunks(
    items: Iterable[WorkItem],
    schema: pa.Schema,
    chunk_size: int,
    workers: int,
    limits: ParseLimits,
) -> Iterator[_Chunk]:
    """Parsed chunks in input order; with workers > 1, a few chunks are parsed ahead.

    Items are taken from the stream only as chunks are submitted, so at most ``2 * workers``
    chunks of container records are in memory whatever the corpus size.
    """
    stream = iter(items)
    pieces = iter(lambda: list(islice(stream, chunk_size)), [])
    if workers <= 1:
        for piece in pieces:
            yield _parse_chunk(piece, schema, limits)
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # fork is unsafe with Arrow/polars threads
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    try:
        pending: deque[Future[_Chunk]] = deque()
        queue = iter(pieces)
        for piece in queue:
            pending.append(executor.submit(_parse_chunk, piece, schema, limits))
            if len(pending) >= 2 * workers:
                break
        while pending:
            chunk = pending.popleft().result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(executor.submit(_parse_chunk, nxt, schema, limits))
            yield chunk
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
