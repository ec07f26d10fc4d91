"""The per-block work of the Ray engine: Arrow tables in, Arrow tables out, run on Ray workers.

Each step reuses the local engine's functions (chunks._parse_chunk, near_duplicates' LSH
buckets and checks, SharedSentences) on one block or one key partition, so both engines
compute the same values; engine_ray wires the steps into a Ray Data pipeline.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.dataset.chunks import ParseLimits, _parse_chunk
from toolkit.dataset.inputs import Discovery, Entry
from toolkit.dataset.near_duplicates import (
    _bucket_pairs,
    _check_candidates,
    _MatrixSource,
    band_keys,
    live_signatures,
)
from toolkit.dataset.shared_sentences import SharedSentences
from toolkit.dataset.sidecar import Sidecar
from toolkit.dataset.tables import SHARED_SENTENCE_TYPE
from toolkit.dataset.work import WorkItem, work_items

CRASH_ONCE_ENV = "TOOLKIT_RAY_CRASH_ONCE"
"""Names a trigger file for the retry test: while it exists, the parse task that first renames
it away kills its own worker process, as an OOM kill or a lost node would. Unset normally."""

SENTENCE_KEY_TYPE = pa.list_(pa.struct([("sent", pa.int32()), ("key", pa.uint64())]))
"""Per document, each non-empty sentence key's sentence index and 64-bit hash."""


def parsed_schema(partial: pa.Schema) -> pa.Schema:
    """One row per input: its position, name, digest and error, then the parsed document."""
    head = [
        pa.field("position", pa.int64(), nullable=False),
        pa.field("display", pa.string(), nullable=False),
        pa.field("sha", pa.string(), nullable=False),
        pa.field("error", pa.string()),
    ]
    body = [f.with_nullable(True) for f in partial]
    tail = [pa.field("signature", pa.binary()), pa.field("sentence_keys", SENTENCE_KEY_TYPE)]
    return pa.schema(head + body + tail)


def _crash_once() -> None:
    trigger = os.environ.get(CRASH_ONCE_ENV)
    if not trigger:
        return
    try:
        os.rename(trigger, trigger + ".fired")  # atomic: one task wins
    except OSError:
        return
    os._exit(1)


RECORD_BITS = 32
"""A parsed row's position is (entry index << RECORD_BITS) | record index inside the entry: in
input order, as the local engine's stream, for plain files and container records alike."""

ENTRY_TYPE = pa.struct(
    [
        ("display", pa.string()),
        ("path", pa.string()),
        ("relative", pa.string()),
        ("size_bytes", pa.int64()),
        ("format", pa.string()),
        ("reason", pa.string()),
    ]
)
"""A discovery Entry as a row, for the parse tasks."""


def parse_entries(
    batch: pa.Table, schema: pa.Schema, limits: ParseLimits, sidecar: Sidecar | None
) -> Iterator[pa.Table]:
    """A block of discovery entries to parsed rows, a container's records streamed as read.

    A task, not an actor pool: task workers stay warm for the steps after it, while an actor
    pool's processes are started for the parse and stopped after it (seconds each here). The
    task ends with a note row (see NOTE) when it skipped records or matched sidecar digests.
    """
    _crash_once()
    parser = _Parser(schema, limits)
    skipped: Counter[str] = Counter()
    pending: list[tuple[int, WorkItem]] = []
    for index, entry in zip(
        batch.column("position").to_pylist(), batch.column("entry").to_pylist(), strict=True
    ):
        found = Discovery(entries=[Entry(**entry)])
        items = work_items(found, sidecar, max_bytes=limits.max_bytes, skipped=skipped)
        for record, item in enumerate(items):
            pending.append(((index << RECORD_BITS) | record, item))
            if len(pending) >= PARSE_CHUNK:
                yield parser(pending)
                pending = []
    if pending:
        yield parser(pending)
    # All this worker's matches so far (its copy may serve several tasks): the driver unions them.
    matched = sorted(sidecar.matched_digests) if sidecar is not None else []
    if skipped or matched:
        yield note_row(parser.schema, {"skipped": dict(skipped), "matched_digests": matched})


PARSE_CHUNK = 250
"""Inputs parsed (and returned as one block) at once."""

NOTE = "<note>"
"""The error of a note row: not an input, but what a parse task counted (skipped records,
sidecar digests matched). Its error keeps it out of every document step; the log reads it."""


def note_row(schema: pa.Schema, note: dict[str, Any]) -> pa.Table:
    """One note row carrying ``note`` as JSON in the display column."""
    columns = {f.name: pa.nulls(1, f.type) for f in schema}
    columns["position"] = pa.array([-1], pa.int64())
    columns["display"] = pa.array([json.dumps(note, sort_keys=True)], pa.string())
    columns["sha"] = pa.array([""], pa.string())
    columns["error"] = pa.array([NOTE], pa.string())
    return pa.Table.from_pydict(columns, schema=schema)


class _Parser:
    def __init__(self, schema: pa.Schema, limits: ParseLimits) -> None:
        self.partial = schema
        self.limits = limits
        self.schema = parsed_schema(schema)

    def __call__(self, pending: list[tuple[int, WorkItem]]) -> pa.Table:
        chunk = _parse_chunk([item for _, item in pending], self.partial, self.limits)
        # Row of each input in chunk.rows, None for the inputs that failed.
        ok = np.asarray([e is None for e in chunk.errors], dtype=bool)
        rows = np.full(len(ok), -1, dtype=np.int64)
        rows[ok] = np.arange(int(ok.sum()))
        take = pa.array(rows, mask=~ok)
        columns: dict[str, Any] = {
            "position": pa.array([position for position, _ in pending], pa.int64()),
            "display": pa.array(chunk.displays, pa.string()),
            "sha": pa.array(chunk.shas, pa.string()),
            "error": pa.array(chunk.errors, pa.string()),
        }
        for name in self.partial.names:
            columns[name] = chunk.rows.column(name).take(take)
        width = chunk.signatures.shape[1] * 8 if chunk.signatures.ndim == 2 else 0
        flat = pa.array(np.ascontiguousarray(chunk.signatures).view(np.uint8).ravel())
        sigs = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(width), len(chunk.signatures), [None, flat.buffers()[1]]
        )
        columns["signature"] = sigs.cast(pa.binary()).take(take)
        columns["sentence_keys"] = _sentence_keys(chunk.sentences, len(chunk.signatures)).take(take)
        return pa.Table.from_pydict(columns, schema=self.schema)


def _sentence_keys(records: np.ndarray, n_rows: int) -> pa.ListArray:
    """list<struct<sent, key>> per parsed row from _SENTENCE_RECORDs (in row order)."""
    counts = np.bincount(records["doc"], minlength=n_rows) if len(records) else np.zeros(n_rows)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int32)
    values = pa.StructArray.from_arrays(
        [pa.array(records["sent"], pa.int32()), pa.array(records["key"], pa.uint64())],
        fields=list(SENTENCE_KEY_TYPE.value_type),
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=SENTENCE_KEY_TYPE)


def _part_of(values: np.ndarray, parts: int) -> pa.Array:
    return pa.array((values % np.uint64(parts)).astype(np.int32), pa.int32())


def log_rows(batch: pa.Table) -> pa.Table:
    """What the driver logs of each input: position, name, digest, error, doc id, sentence keys."""
    keys = pc.list_value_length(batch.column("sentence_keys")).fill_null(0)
    return batch.select(["position", "display", "sha", "error", "doc_id"]).append_column(
        "n_keys", keys
    )


def digest_rows(batch: pa.Table, parts: int) -> pa.Table:
    """(part, position, display, sha) of each parsed input, for finding byte-identical copies."""
    parsed = batch.filter(pc.is_null(batch.column("error"))).select(["position", "display", "sha"])
    head = pc.utf8_slice_codeunits(parsed.column("sha"), 0, 15)
    values = np.asarray([int(h, 16) for h in head.to_pylist()], dtype=np.uint64)
    return parsed.append_column("part", _part_of(values, parts))


def duplicates_of_part(group: pa.Table) -> pa.Table:
    """Inputs whose bytes an earlier input had: position and the earlier input's name."""
    ordered = group.sort_by([("sha", "ascending"), ("position", "ascending")])
    sha = ordered.column("sha").to_numpy(zero_copy_only=False)
    starts = np.r_[True, sha[1:] != sha[:-1]] if len(sha) else np.empty(0, bool)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(sha)), 0))
    dup = np.flatnonzero(~starts)
    display = ordered.column("display")
    return pa.table(
        {
            "position": ordered.column("position").take(pa.array(dup, pa.int64())),
            "display": display.take(pa.array(dup, pa.int64())),
            "first": display.take(pa.array(first[dup], pa.int64())),
        }
    )


def kept_documents(batch: pa.Table, duplicates: np.ndarray) -> pa.Table:
    """The rows that became documents: parsed, and not a copy of an earlier input."""
    keep = pc.and_(
        pc.is_null(batch.column("error")),
        pc.invert(pc.is_in(batch.column("position"), value_set=pa.array(duplicates, pa.int64()))),
    )
    return batch.filter(keep)


def wanted_texts(batch: pa.Table, wanted: list[str]) -> pa.Table:
    """doc_id and text of the documents that annotation files name."""
    hit = pc.is_in(batch.column("doc_id"), value_set=pa.array(wanted, pa.string()))
    return batch.filter(hit).select(["doc_id", "text"])


def _signatures(column: pa.Array | pa.ChunkedArray, width: int) -> np.ndarray:
    """A (rows, width) uint64 matrix from a binary column of signature bytes."""
    data = b"".join(column.to_pylist())
    return np.frombuffer(data, dtype="<u8").reshape(-1, width)


def band_rows(batch: pa.Table, bands: int, rows: int, width: int, parts: int) -> pa.Table:
    """One row per live document and LSH band: part, band, bucket key, doc id, signature."""
    matrix = _signatures(batch.column("signature"), width)
    live = np.flatnonzero(live_signatures(matrix))
    band = np.repeat(np.arange(bands, dtype=np.int32), len(live))
    keys = np.concatenate(
        [band_keys(matrix[live, b * rows : (b + 1) * rows], b) for b in range(bands)]
        or [np.empty(0, np.uint64)]
    )
    index = pa.array(np.tile(live, bands), pa.int64())
    return pa.table(
        {
            "part": _part_of(keys, parts),
            "band": pa.array(band, pa.int32()),
            "key": pa.array(keys, pa.uint64()),
            "doc_id": batch.column("doc_id").take(index),
            "signature": batch.column("signature").take(index),
        }
    )


def similar_pairs_of_part(group: pa.Table, width: int, threshold: float) -> pa.Table:
    """Near-duplicate pairs (first < second by doc id) among the buckets of one key partition.

    Each (band, key) bucket lies whole in one partition, so pairing members with their first
    earlier bucket-mates in doc-id order makes exactly the local engine's candidates.
    """
    ordered = group.sort_by([("doc_id", "ascending")])
    doc_ids = ordered.column("doc_id").combine_chunks()
    ids = np.asarray(doc_ids.to_pylist(), dtype=object)
    # One row per distinct document of the partition; rows of the same doc share a row.
    distinct, doc_row = np.unique(ids, return_inverse=True)
    first_row = np.full(len(distinct), 0, dtype=np.int64)
    first_row[doc_row[::-1]] = np.arange(len(ids))[::-1]
    matrix = _signatures(ordered.column("signature").take(pa.array(first_row)), width)
    source = _MatrixSource(matrix)
    band = ordered.column("band").to_numpy()
    key = ordered.column("key").to_numpy()
    found: list[np.ndarray] = []
    for b in np.unique(band):
        mine = np.flatnonzero(band == b)
        for earlier, later in _bucket_pairs(key[mine], doc_row[mine]):
            similar = _check_candidates(source, earlier, later, threshold)
            found.append(np.stack([earlier[similar], later[similar]]))
    pairs = np.concatenate(found, axis=1) if found else np.empty((2, 0), np.int64)
    names = pa.array(distinct.tolist(), pa.string())
    return pa.table(
        {
            "first": names.take(pa.array(pairs[0], pa.int64())),
            "second": names.take(pa.array(pairs[1], pa.int64())),
        }
    )


def sentence_rows(batch: pa.Table, parts: int) -> pa.Table:
    """One row per non-empty sentence key: part, key, sentence index, doc id, position."""
    keys = batch.column("sentence_keys").combine_chunks()
    counts = pc.list_value_length(keys).fill_null(0).to_numpy()
    owner = pa.array(np.repeat(np.arange(len(counts)), counts), pa.int64())
    flat = keys.flatten()
    key = flat.field("key").to_numpy()
    return pa.table(
        {
            "part": _part_of(key, parts),
            "key": flat.field("key"),
            "sent": flat.field("sent"),
            "doc_id": batch.column("doc_id").take(owner),
            "position": batch.column("position").take(owner),
        }
    )


def shared_of_part(group: pa.Table, max_docs: int) -> pa.Table:
    """(position, sent, doc_ids) of each sentence whose key other documents of the part share.

    All rows of a key are in one partition, so SharedSentences over the partition's documents
    lists the same other documents (the smallest doc ids) as over the whole corpus.
    """
    positions = group.column("position").to_numpy()
    distinct, doc = np.unique(positions, return_inverse=True)
    first = np.zeros(len(distinct), dtype=np.int64)
    first[doc[::-1]] = np.arange(len(doc))[::-1]
    ids = group.column("doc_id").take(pa.array(first)).to_pylist()
    shared = SharedSentences(
        ids,
        doc.astype(np.int32),
        group.column("sent").to_numpy(),
        group.column("key").to_numpy(),
        max_docs=max_docs,
    )
    lists = shared.for_range(0, len(distinct))
    counts = pc.list_value_length(lists).to_numpy()
    flat = lists.flatten()
    return pa.table(
        {
            "position": pa.array(np.repeat(distinct, counts), pa.int64()),
            "sent": flat.field("sentence_index"),
            "doc_ids": flat.field("doc_ids"),
        }
    )


def shared_lists(positions: np.ndarray, shared: pa.Table) -> pa.ListArray:
    """Each document's shared sentences, from shared rows sorted by (position, sent).

    ``positions`` are the documents' positions, ascending; every shared row belongs to one.
    """
    values = pa.StructArray.from_arrays(
        [shared.column("sent").combine_chunks(), shared.column("doc_ids").combine_chunks()],
        fields=list(SHARED_SENTENCE_TYPE),
    )
    # Each document's run of shared rows: the rows of its position in the sorted shared rows.
    rows = shared.column("position").to_numpy()
    lo = np.searchsorted(rows, positions, side="left")
    hi = np.searchsorted(rows, positions, side="right")
    starts = np.r_[0, np.cumsum(hi - lo)].astype(np.int32)
    picked = values.take(
        pa.array(
            np.concatenate(
                [np.arange(a, b) for a, b in zip(lo, hi, strict=True)] or [np.empty(0, np.int64)]
            ),
            pa.int64(),
        )
    )
    return pa.ListArray.from_arrays(pa.array(starts, pa.int32()), picked)


def finish_documents(
    batch: pa.Table,
    schema: pa.Schema,
    clusters: Mapping[str, str],
    gold: Mapping[str, list[dict[str, Any]]],
) -> pa.Table:
    """Kept rows to documents rows (with their position): cluster ids and gold spans added.

    shared_sentences is left empty: the driver fills it in while it writes (see engine_ray).
    """
    doc_ids = batch.column("doc_id").to_pylist()
    columns: dict[str, Any] = {"position": batch.column("position")}
    for name in schema.names:
        if name in batch.column_names:
            columns[name] = batch.column(name)
    columns["cluster_id"] = pa.array([clusters.get(d, d) for d in doc_ids], pa.string())
    columns["shared_sentences"] = pa.nulls(len(doc_ids), schema.field("shared_sentences").type)
    columns["spans"] = pa.array([gold.get(d) for d in doc_ids], schema.field("spans").type)
    out_schema = pa.schema([pa.field("position", pa.int64()), *schema])
    return pa.Table.from_pydict({f.name: columns[f.name] for f in out_schema}, schema=out_schema)
