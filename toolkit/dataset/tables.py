"""Arrow schemas of the dataset's Parquet tables, and the rows of annotation spans."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from toolkit import SCHEMA_VERSION
from toolkit.annotations.records import AnnotationFile, span_sort_key
from toolkit.taxonomy import Taxonomy


def attributes_type(taxonomy: Taxonomy) -> pa.StructType:
    """Struct of every taxonomy attribute, the same for all labels.

    Single-valued attributes are nullable strings; multi-valued ones (EVENT context) are
    ``list<string>``, so researchers can explode or filter them without splitting strings.
    """
    multi = _multi_names(taxonomy)
    return pa.struct(
        [
            pa.field(name, pa.list_(pa.string()) if name in multi else pa.string())
            for name in taxonomy.attribute_names
        ]
    )


def _multi_names(taxonomy: Taxonomy) -> set[str]:
    return {a.name for lab in taxonomy.labels.values() for a in lab.attributes if a.is_multi}


def attribute_values(label: str, attributes: dict[str, Any], taxonomy: Taxonomy) -> dict[str, Any]:
    """A span's attributes as the Parquet struct: every field, lists sorted.

    A multi-valued attribute of the span's own label is an empty list when no value was
    given; attributes of other labels are null.
    """
    multi = _multi_names(taxonomy)
    own = {a.name for a in taxonomy.labels[label].attributes} if label in taxonomy.labels else set()
    row: dict[str, Any] = {}
    for name in taxonomy.attribute_names:
        value = attributes.get(name)
        if name in multi:
            row[name] = sorted(value) if isinstance(value, list) else ([] if name in own else None)
        else:
            row[name] = value
    return row


RELATION_TYPE = pa.struct(
    [
        pa.field("type", pa.string(), nullable=False),
        pa.field("to_span_id", pa.string(), nullable=False),
    ]
)


def span_type(taxonomy: Taxonomy) -> pa.StructType:
    """A span as stored in Parquet; relations are the span's outgoing links."""
    return pa.struct(
        [
            pa.field("span_id", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("attributes", attributes_type(taxonomy)),
            pa.field("relations", pa.list_(RELATION_TYPE)),
        ]
    )


SENTENCE_TYPE = pa.struct(
    [pa.field("start", pa.int32(), nullable=False), pa.field("end", pa.int32(), nullable=False)]
)


LINK_TYPE = pa.struct(
    [
        pa.field("text", pa.string()),
        pa.field("href", pa.string()),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
    ]
)


REMOVAL_TYPE = pa.struct([pa.field("reason", pa.string()), pa.field("text", pa.string())])


SHARED_SENTENCE_TYPE = pa.struct(
    [pa.field("sentence_index", pa.int32()), pa.field("doc_ids", pa.list_(pa.string()))]
)


def documents_schema(taxonomy: Taxonomy) -> pa.Schema:
    """documents.parquet: one row per article, gold spans nested as a list of structs."""
    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("cluster_id", pa.string(), nullable=False),
            pa.field("outlet", pa.string()),
            pa.field("title", pa.string()),
            pa.field("byline", pa.string()),
            pa.field("published_date", pa.date32()),
            pa.field("source_urls", pa.list_(pa.string())),
            pa.field("links", pa.list_(LINK_TYPE)),
            pa.field("text", pa.string(), nullable=False),
            pa.field("text_sha256", pa.string(), nullable=False),
            pa.field("sentences", pa.list_(SENTENCE_TYPE)),
            pa.field("shared_sentences", pa.list_(SHARED_SENTENCE_TYPE)),
            pa.field("removed", pa.list_(REMOVAL_TYPE)),
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("source_sha256", pa.string(), nullable=False),
            pa.field("source_encoding", pa.string(), nullable=False),
            pa.field("converter_version", pa.string(), nullable=False),
            pa.field("spans", pa.list_(span_type(taxonomy))),
        ]
    )


def annotations_schema(taxonomy: Taxonomy) -> pa.Schema:
    """annotations.parquet: one row per span per annotator (or tool)."""
    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("annotator_id", pa.string(), nullable=False),
            pa.field("span_id", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("attributes", attributes_type(taxonomy)),
            pa.field("relations", pa.list_(RELATION_TYPE)),
            pa.field("codebook_version", pa.string(), nullable=False),
        ]
    )


def annotation_sets_schema() -> pa.Schema:
    """annotation_sets.parquet: one row per annotation file (keeps "annotated, no spans")."""
    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("annotator_id", pa.string(), nullable=False),
            pa.field("status", pa.string(), nullable=False),
            pa.field("source_kind", pa.string()),
            pa.field("n_spans", pa.int32(), nullable=False),
            pa.field("text_sha256", pa.string(), nullable=False),
            pa.field("codebook_version", pa.string(), nullable=False),
        ]
    )


def rejects_schema() -> pa.Schema:
    """rejects.parquet: every input that did not become a document or a layer, and why."""
    return pa.schema(
        [
            pa.field("input", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
        ]
    )


def span_rows(annotation: AnnotationFile, taxonomy: Taxonomy) -> Iterable[dict[str, Any]]:
    """Parquet span structs of one annotation file, with outgoing relations attached."""
    outgoing: dict[str, list[dict[str, str]]] = {}
    for rel in annotation.relations:
        outgoing.setdefault(rel.from_id, []).append({"type": rel.type, "to_span_id": rel.to_id})
    for span in sorted(annotation.spans, key=span_sort_key):
        yield {
            "span_id": span.id,
            "label": span.label,
            "start": span.start,
            "end": span.end,
            "text": span.text,
            "attributes": attribute_values(span.label, span.attributes, taxonomy),
            "relations": sorted(
                outgoing.get(span.id, []), key=lambda r: (r["type"], r["to_span_id"])
            ),
        }


def schema_metadata(taxonomy: Taxonomy, table: str) -> dict[bytes, bytes]:
    """Key-value metadata stored in every Parquet file: schema version and taxonomy hash."""
    return {
        b"toolkit.table": table.encode(),
        b"toolkit.schema_version": SCHEMA_VERSION.encode(),
        b"toolkit.taxonomy_sha256": taxonomy.sha256.encode(),
        b"toolkit.taxonomy_version": taxonomy.taxonomy_version.encode(),
        b"toolkit.codebook_version": taxonomy.codebook_version.encode(),
    }
