"""Pass 1: every input parsed into the partial Parquet file, per-document state spilled."""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from toolkit.dataset.chunks import ParseLimits, _Chunk, _iter_chunks
from toolkit.dataset.heap import _trim_heap
from toolkit.dataset.rejects import Reject
from toolkit.dataset.sentence_keys import _SENTENCE_RECORD
from toolkit.dataset.spill import _SpillFile
from toolkit.dataset.work import WorkItem

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` in bytes of input files, after each parsed chunk."""


class _Displays:
    """The display name of every input, by position, in Arrow arrays (no per-input objects)."""

    def __init__(self) -> None:
        self._chunks: list[pa.Array] = []
        self._ends: list[int] = []

    def extend(self, names: list[str]) -> None:
        if names:
            self._chunks.append(pa.array(names, pa.string()))
            self._ends.append((self._ends[-1] if self._ends else 0) + len(names))

    def __getitem__(self, position: int) -> str:
        i = bisect.bisect_right(self._ends, position)
        start = self._ends[i - 1] if i else 0
        return str(self._chunks[i][position - start].as_py())


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
    displays: _Displays = field(default_factory=_Displays)

    def doc_ids(self) -> pa.StringArray:
        """Every document's id, in document order, as one Arrow array (no Python strings)."""
        ids = pa.concat_arrays(self.id_chunks) if self.id_chunks else pa.array([], pa.string())
        self.id_chunks = [ids]
        return ids


def _run_pass1(
    items: Iterable[WorkItem],
    partial_path: Path,
    inputs_log: Path,
    *,
    schema: pa.Schema,
    wanted_texts: set[str],
    rejects: list[Reject],
    batch_size: int,
    workers: int,
    limits: ParseLimits,
    total_bytes: int,
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

        done_bytes = 0
        for chunk in _iter_chunks(items, schema, chunk_size, workers, limits):
            mask = _log_inputs(chunk, state, rejects, log)
            kept = _keep_documents(chunk, mask, state, schema, wanted_texts)
            if kept.num_rows:
                buffered.append(kept)
                n_buffered += kept.num_rows
                flush(final=False)
            done_bytes = min(total_bytes, done_bytes + chunk.input_bytes)
            if progress is not None:
                progress(done_bytes, total_bytes)
        flush(final=True)
        if progress is not None:
            progress(total_bytes, total_bytes)
    state.signatures.close()
    state.sentences.close()
    return state


def _log_inputs(chunk: _Chunk, state: _Pass1, rejects: list[Reject], log: TextIO) -> np.ndarray:
    """Log each input of a chunk and reject failures and duplicates; True for each new row."""
    keep: list[bool] = []
    row = 0
    state.displays.extend(chunk.displays)
    for display, sha, error in zip(chunk.displays, chunk.shas, chunk.errors, strict=True):
        state.n_inputs += 1
        doc_id: str | None = None
        if error is not None:
            rejects.append(Reject(display, "article", error))
        elif (first := state.seen.get(sha)) is not None:
            rejects.append(Reject(display, "article", f"duplicate of {state.displays[first]}"))
            keep.append(False)
            row += 1
        else:
            state.seen.add(sha, state.n_inputs - 1)
            keep.append(True)
            doc_id = chunk.rows.column(0)[row].as_py()
            row += 1
        entry = {"path": display, "sha256": sha or None, "doc_id": doc_id}
        log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    return np.asarray(keep, dtype=bool)


def _keep_documents(
    chunk: _Chunk, mask: np.ndarray, state: _Pass1, schema: pa.Schema, wanted_texts: set[str]
) -> pa.RecordBatch:
    """The chunk's rows under ``mask``, their sentences and signatures spilled to ``state``."""
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
    return kept
