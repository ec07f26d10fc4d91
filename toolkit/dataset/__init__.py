"""The Parquet dataset: convert, near-duplicates, shared sentences, tables, checks, card."""

from __future__ import annotations

from toolkit.dataset.build import convert
from toolkit.dataset.checks import check_dataset, read_texts
from toolkit.dataset.events import event_rows, events_schema
from toolkit.dataset.tables import (
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    rejects_schema,
    schema_metadata,
    span_rows,
)

__all__ = [
    "annotation_sets_schema",
    "annotations_schema",
    "check_dataset",
    "convert",
    "documents_schema",
    "event_rows",
    "events_schema",
    "read_texts",
    "rejects_schema",
    "schema_metadata",
    "span_rows",
]
