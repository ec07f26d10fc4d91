"""Pass 2: the partial file streamed back with the corpus-wide columns into documents.parquet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from toolkit.dataset.heap import _trim_heap
from toolkit.dataset.parquet import PARQUET_COMPRESSION
from toolkit.dataset.shared_sentences import SharedSentences


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
    """Add a row group's outlets, date range, sentences and characters (Arrow kernels, no rows)."""
    outlets = pc.value_counts(pc.drop_null(part.column("outlet")))
    for outlet, count in zip(
        outlets.field("values").to_pylist(), outlets.field("counts").to_pylist(), strict=True
    ):
        if outlet:
            stats.outlets[outlet] += count
    dates = pc.min_max(part.column("published_date"))
    lo, hi = dates["min"].as_py(), dates["max"].as_py()
    if lo is not None and hi is not None:
        stats.first_date = lo if stats.first_date is None else min(stats.first_date, lo)
        stats.last_date = hi if stats.last_date is None else max(stats.last_date, hi)
    stats.n_sentences += pc.sum(pc.list_value_length(part.column("sentences"))).as_py() or 0
    stats.n_characters += pc.sum(pc.utf8_length(part.column("text"))).as_py() or 0
