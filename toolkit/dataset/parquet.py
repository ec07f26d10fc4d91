"""Parquet output: the compression of every table and the writer of the small tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_COMPRESSION = "zstd"


def write_table(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Write a small table (annotations, annotation sets, rejects) as one Parquet file."""
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression=PARQUET_COMPRESSION)
