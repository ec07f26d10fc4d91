"""Reading the annotation, annotation-set and document tables a study compares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from toolkit.annotations import iter_annotation_paths, read_annotation_file
from toolkit.dataset import annotation_sets_schema, annotations_schema, span_rows
from toolkit.errors import InputError
from toolkit.taxonomy import Taxonomy, read_taxonomy

DEFAULT_EXCLUDED = ("gold",)
DEFAULT_EXCLUDED_PREFIXES = ("rules-", "model-")


@dataclass(frozen=True)
class Layers:
    """Annotation rows, annotation-set rows and documents (doc_id, text, sentences) of a dataset."""

    annotations: pl.DataFrame
    annotation_sets: pl.DataFrame
    documents: pl.DataFrame


ANNOTATION_COLUMNS = (
    "doc_id",
    "annotator_id",
    "span_id",
    "label",
    "start",
    "end",
    "text",
    "attributes",
    "relations",
)
ANNOTATION_SET_COLUMNS = ("doc_id", "annotator_id", "status")
DOCUMENT_COLUMNS = ("doc_id", "text", "sentences")


def _read_parquet(path: Path, needed: Sequence[str], *, only_needed: bool) -> pl.DataFrame:
    """The table at ``path`` (only the needed columns, if asked), once it has all of them."""
    if not path.is_file():
        raise InputError(
            "missing Parquet file (build the dataset with `toolkit convert`)", path=path
        )
    try:
        present = pl.read_parquet_schema(path)
        missing = [c for c in needed if c not in present]
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(missing)}; agreement needs {', '.join(needed)} "
                "(rebuild the dataset with `toolkit convert`)",
                path=path,
            )
        return pl.read_parquet(path, columns=list(needed) if only_needed else None)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc


def read_layers(dataset_dir: str | Path) -> Layers:
    """Read the annotation, annotation-set and document tables of a built dataset."""
    root = Path(dataset_dir)
    if not root.is_dir():
        raise InputError("dataset directory not found", path=root)
    return Layers(
        annotations=_read_parquet(
            root / "annotations.parquet", ANNOTATION_COLUMNS, only_needed=False
        ),
        annotation_sets=_read_parquet(
            root / "annotation_sets.parquet", ANNOTATION_SET_COLUMNS, only_needed=False
        ),
        documents=_read_parquet(root / "documents.parquet", DOCUMENT_COLUMNS, only_needed=True),
    )


def read_layers_from_annotations(
    annotations_dir: str | Path, texts: Mapping[str, str], taxonomy: Taxonomy | None = None
) -> Layers:
    """Build the same tables straight from annotation files (no sentences: paragraphs stand in)."""
    tax = taxonomy or read_taxonomy()
    rows: list[dict[str, Any]] = []
    sets: list[dict[str, Any]] = []
    for path in iter_annotation_paths(annotations_dir):
        ann = read_annotation_file(path)
        sets.append(
            {
                "doc_id": ann.doc_id,
                "annotator_id": ann.annotator_id,
                "status": ann.status,
                "source_kind": ann.source.get("kind"),
                "n_spans": len(ann.spans),
                "text_sha256": ann.text_sha256,
                "codebook_version": ann.codebook_version,
            }
        )
        rows.extend(
            {
                "doc_id": ann.doc_id,
                "annotator_id": ann.annotator_id,
                **row,
                "codebook_version": ann.codebook_version,
            }
            for row in span_rows(ann, tax)
        )
    docs = pl.DataFrame(
        {"doc_id": list(texts), "text": list(texts.values())},
        schema={"doc_id": pl.String, "text": pl.String},
    ).with_columns(
        pl.lit(None, dtype=pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32}))).alias(
            "sentences"
        )
    )
    return Layers(
        annotations=pl.DataFrame(pa.Table.from_pylist(rows, schema=annotations_schema(tax))),
        annotation_sets=pl.DataFrame(pa.Table.from_pylist(sets, schema=annotation_sets_schema())),
        documents=docs,
    )


def default_annotators(layers: Layers) -> list[str]:
    """Every layer except ``gold``, ``rules-*`` and ``model-*``, sorted."""
    ids = set(layers.annotation_sets["annotator_id"].to_list()) | set(
        layers.annotations["annotator_id"].to_list()
    )
    return sorted(
        a for a in ids if a not in DEFAULT_EXCLUDED and not a.startswith(DEFAULT_EXCLUDED_PREFIXES)
    )


SET_SEPARATOR = "|"
"""Joins the sorted values of a multi-valued attribute into one category (set equality)."""


def attr_expr(spans: pl.DataFrame, name: str) -> pl.Expr:
    """One attribute of every span as a string column (sets of values as one joined string)."""
    dtype = spans.schema.get("attributes")
    fields = dtype.fields if isinstance(dtype, pl.Struct) else []
    field = next((f for f in fields if f.name == name), None)
    if field is None:
        return pl.lit(None, dtype=pl.String)
    expr = pl.col("attributes").struct.field(name)
    if isinstance(field.dtype, pl.List):
        # A multi-valued attribute compares as a set: its sorted values joined by SET_SEPARATOR.
        joined = expr.list.sort().list.join(SET_SEPARATOR)
        return pl.when(joined == "").then(None).otherwise(joined)
    return expr
