"""JSON Schemas (draft 2020-12) derived from the taxonomy, and their files in schemas/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from toolkit import METADATA_FIELDS, SCHEMA_VERSION
from toolkit.core import write_text_atomic
from toolkit.taxonomy.labels import Attribute, Taxonomy, read_taxonomy

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://geoevent-toolkit.invalid/schemas/"

MACHINE_KINDS = ("import", "model", "rules")
"""Source kinds whose files are suggestions to complete, not finished annotations."""

SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
DOC_ID = {"type": "string", "pattern": "^doc_[0-9a-f]{16}$"}
ANNOTATOR_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"}
SPAN_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
NULLABLE_STRING = {"type": ["string", "null"]}


def _attribute_schema(attr: Attribute, *, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"description": attr.description}
    if attr.is_multi:
        schema["type"] = ["array", "null"] if nullable else "array"
        schema["items"] = {"enum": sorted(attr.values)}
        schema["uniqueItems"] = True
    elif attr.is_choice:
        values: list[Any] = sorted(attr.values)
        if nullable:
            values.append(None)
        schema["enum"] = values
    else:
        schema["type"] = ["string", "null"] if nullable else "string"
        if attr.pattern:
            schema["pattern"] = attr.pattern
    return schema


def span_schema(taxonomy: Taxonomy, *, complete: bool = True) -> dict[str, Any]:
    """A span in an annotation file: offsets, quote, label and the label's own attributes.

    ``complete=False`` gives the suggestion variant (rules, models): required attributes may
    be missing, for the reviewer to fill in.
    """
    per_label = []
    for label in taxonomy.labels.values():
        props = {a.name: _attribute_schema(a) for a in label.attributes}
        per_label.append(
            {
                "if": {"properties": {"label": {"const": label.name}}},
                "then": {
                    "properties": {
                        "attributes": {
                            "type": "object",
                            "properties": props,
                            "required": [
                                a.name for a in label.attributes if a.required and complete
                            ],
                            "additionalProperties": False,
                        }
                    }
                },
            }
        )
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + ("span.schema.json" if complete else "suggestion-span.schema.json"),
        "title": "Span" if complete else "Suggested span",
        "description": "A labelled half-open code-point range [start, end) of the normalized text.",
        "type": "object",
        "required": ["id", "start", "end", "text", "label", "attributes"],
        "additionalProperties": False,
        "properties": {
            "id": SPAN_ID,
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
            "text": {"type": "string", "minLength": 1},
            "label": {"enum": list(taxonomy.label_names)},
            "attributes": {"type": "object"},
        },
        "allOf": per_label,
    }


def relation_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """A typed link from one span to another in the same annotation file."""
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + "relation.schema.json",
        "title": "Relation",
        "type": "object",
        "required": ["type", "from_id", "to_id"],
        "additionalProperties": False,
        "properties": {
            "type": {"enum": sorted(taxonomy.relations)},
            "from_id": SPAN_ID,
            "to_id": SPAN_ID,
        },
    }


def annotation_file_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """One annotator's annotation of one document (annotations/<annotator>/<doc>.json)."""
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + "annotation-file.schema.json",
        "title": "Annotation file",
        "type": "object",
        "required": [
            "schema_version",
            "codebook_version",
            "doc_id",
            "text_sha256",
            "annotator_id",
            "status",
            "source",
            "spans",
            "relations",
        ],
        "additionalProperties": False,
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "codebook_version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
            "doc_id": DOC_ID,
            "text_sha256": SHA256,
            "annotator_id": ANNOTATOR_ID,
            "status": {"enum": ["completed", "skipped"]},
            "source": {
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"enum": ["manual", "gold", "labelstudio", "rules", "model", "import"]},
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "model_version": {"type": "string"},
                    "task_id": {"type": "integer"},
                    "annotation_id": {"type": "integer"},
                    "updated_at": {"type": "string"},
                },
                "additionalProperties": False,
            },
            "spans": {"type": "array"},
            "relations": {"type": "array", "items": {"$ref": "relation.schema.json"}},
            "adjudication": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["decision", "reason"],
                    "properties": {
                        "span_id": {"type": "string"},
                        "decision": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
            "notes": {"type": "string"},
        },
        "if": {"properties": {"source": {"properties": {"kind": {"enum": sorted(MACHINE_KINDS)}}}}},
        "then": {"properties": {"spans": {"items": {"$ref": "suggestion-span.schema.json"}}}},
        "else": {"properties": {"spans": {"items": {"$ref": "span.schema.json"}}}},
    }


def _closed_object(props: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, every one required (as Arrow structs are)."""
    return {
        "type": "object",
        "required": list(props),
        "additionalProperties": False,
        "properties": props,
    }


def _attributes_record(taxonomy: Taxonomy) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for label in taxonomy.labels.values():
        for attr in label.attributes:
            if attr.is_multi:
                # Arrow list<string>: an empty list when the span gives no value.
                props[attr.name] = {
                    "type": ["array", "null"],
                    "items": {"enum": sorted(attr.values)},
                    "description": attr.description,
                }
                continue
            if attr.name not in props:
                props[attr.name] = {"type": ["string", "null"], "description": attr.description}
            if attr.is_choice:
                # A name shared by labels (country) gets the union of their values.
                enum = {v for v in props[attr.name].get("enum", []) if v is not None}
                props[attr.name] = {
                    "enum": [*sorted(enum | set(attr.values)), None],
                    "description": props[attr.name]["description"],
                }
    return _closed_object(props)


def _span_record(taxonomy: Taxonomy) -> dict[str, Any]:
    return _closed_object(
        {
            "span_id": {"type": "string"},
            "label": {"enum": list(taxonomy.label_names)},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
            "text": {"type": "string"},
            "attributes": _attributes_record(taxonomy),
            "relations": {"type": "array", "items": {"$ref": "#/$defs/relation"}},
        }
    )


RELATION_RECORD = _closed_object({"type": {"type": "string"}, "to_span_id": {"type": "string"}})


def _nullable_list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": ["array", "null"], "items": item}


def _record_schema(
    file_name: str, title: str, props: dict[str, Any], defs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A Parquet row schema: a closed object with every column required."""
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": BASE_ID + file_name,
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": list(props),
    }
    if defs:
        schema["$defs"] = defs
    schema["properties"] = props
    return schema


def document_record_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """A row of documents.parquet, as pyarrow's ``to_pylist`` gives it (dates as ISO strings)."""
    offsets = _closed_object({"start": {"type": "integer"}, "end": {"type": "integer"}})
    link = _closed_object(
        {
            "text": NULLABLE_STRING,
            "href": NULLABLE_STRING,
            "start": {"type": ["integer", "null"]},
            "end": {"type": ["integer", "null"]},
        }
    )
    shared = _closed_object(
        {"sentence_index": {"type": ["integer", "null"]}, "doc_ids": _nullable_list(DOC_ID)}
    )
    removal = _closed_object({"reason": NULLABLE_STRING, "text": NULLABLE_STRING})
    props = {
        "doc_id": DOC_ID,
        "cluster_id": DOC_ID,
        "outlet": NULLABLE_STRING,
        "title": NULLABLE_STRING,
        "byline": NULLABLE_STRING,
        "published_date": {"type": ["string", "null"], "format": "date"},
        "modified_date": {"type": ["string", "null"], "format": "date"},
        "canonical_url": NULLABLE_STRING,
        "source_urls": _nullable_list({"type": "string"}),
        "language": {"type": ["string", "null"], "pattern": "^[a-z]{2,3}$"},
        "language_confidence": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "metadata_sources": _closed_object({name: NULLABLE_STRING for name in METADATA_FIELDS}),
        "metadata_notes": _nullable_list({"type": "string"}),
        "links": _nullable_list(link),
        "text": {"type": "string", "minLength": 1},
        "text_sha256": SHA256,
        "sentences": _nullable_list(offsets),
        "shared_sentences": _nullable_list(shared),
        "removed": _nullable_list(removal),
        "source_path": {"type": "string"},
        "source_sha256": SHA256,
        "source_encoding": {"type": "string"},
        "converter_version": {"type": "string"},
        "spans": _nullable_list({"$ref": "#/$defs/span"}),
    }
    return _record_schema(
        "document-record.schema.json",
        "documents.parquet row",
        props,
        {"relation": RELATION_RECORD, "span": _span_record(taxonomy)},
    )


def annotation_record_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """A row of annotations.parquet: one span of one annotator."""
    span = _span_record(taxonomy)
    props = {
        "doc_id": DOC_ID,
        "annotator_id": ANNOTATOR_ID,
        **span["properties"],
        "codebook_version": {"type": "string"},
    }
    return _record_schema(
        "annotation-record.schema.json",
        "annotations.parquet row",
        props,
        {"relation": RELATION_RECORD},
    )


def annotation_set_record_schema() -> dict[str, Any]:
    """A row of annotation_sets.parquet: one annotation file."""
    props = {
        "doc_id": DOC_ID,
        "annotator_id": ANNOTATOR_ID,
        "status": {"enum": ["completed", "skipped"]},
        "source_kind": {
            "enum": ["manual", "gold", "labelstudio", "rules", "model", "import", None]
        },
        "n_spans": {"type": "integer", "minimum": 0},
        "text_sha256": SHA256,
        "codebook_version": {"type": "string"},
    }
    return _record_schema("annotation-set-record.schema.json", "annotation_sets.parquet row", props)


def reject_record_schema() -> dict[str, Any]:
    """A row of rejects.parquet: an input that did not make it, and why."""
    props = {
        "input": {"type": "string"},
        "kind": {"enum": ["article", "annotation", "sidecar"]},
        "reason": {"type": "string", "minLength": 1},
    }
    return _record_schema("reject-record.schema.json", "rejects.parquet row", props)


def _choice_values(taxonomy: Taxonomy, label: str, name: str) -> list[Any]:
    return sorted(taxonomy.label(label).attribute(name).values)


def event_record_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """A row of events.parquet: one EVENT span of one layer with its arguments (PLOVER-style)."""
    actor = _closed_object(
        {
            "span_id": SPAN_ID,
            "text": {"type": "string"},
            "canonical_name": NULLABLE_STRING,
            "country": {"enum": [*_choice_values(taxonomy, "ACTOR", "country"), None]},
            "sector": {"enum": [*_choice_values(taxonomy, "ACTOR", "sector"), None]},
            "wikidata_id": NULLABLE_STRING,
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
        }
    )
    location = _closed_object(
        {
            "span_id": SPAN_ID,
            "text": {"type": "string"},
            "gazetteer_id": NULLABLE_STRING,
            "country": {"enum": [*_choice_values(taxonomy, "LOCATION", "country"), None]},
            "feature_type": {"enum": [*_choice_values(taxonomy, "LOCATION", "feature_type"), None]},
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
        }
    )
    location["type"] = ["object", "null"]
    category = taxonomy.raw["labels"]["EVENT"]["attributes"]["category"]
    props = {
        "event_id": {"type": "string", "pattern": "^ev_[0-9a-f]{12}$"},
        "doc_id": DOC_ID,
        "layer": ANNOTATOR_ID,
        "span_id": SPAN_ID,
        "date": {"type": ["string", "null"], "format": "date"},
        "date_source": {"enum": ["published_date", "before_published_date", None]},
        "event": {"enum": [*_choice_values(taxonomy, "EVENT", "category"), None]},
        "quad_class": {"enum": [*sorted(set(category.get("quad_class", {}).values())), None]},
        "mode": {"enum": [*_choice_values(taxonomy, "EVENT", "mode"), None]},
        "context": {
            "type": "array",
            "items": {"enum": _choice_values(taxonomy, "EVENT", "context")},
        },
        "modality": {"enum": [*_choice_values(taxonomy, "EVENT", "modality"), None]},
        "event_text": {"type": "string", "minLength": 1},
        "start": {"type": "integer", "minimum": 0},
        "end": {"type": "integer", "minimum": 1},
        "source": {"type": "array", "items": {"$ref": "#/$defs/actor"}},
        "target": {"type": "array", "items": {"$ref": "#/$defs/actor"}},
        "location": location,
        "codebook_version": {"type": "string"},
    }
    return _record_schema("event-record.schema.json", "events.parquet row", props, {"actor": actor})


def build_schemas(taxonomy: Taxonomy | None = None) -> dict[str, dict[str, Any]]:
    """Every schema file name and content, derived from the taxonomy."""
    tax = taxonomy or read_taxonomy()
    return {
        "span.schema.json": span_schema(tax),
        "suggestion-span.schema.json": span_schema(tax, complete=False),
        "relation.schema.json": relation_schema(tax),
        "annotation-file.schema.json": annotation_file_schema(tax),
        "document-record.schema.json": document_record_schema(tax),
        "annotation-record.schema.json": annotation_record_schema(tax),
        "annotation-set-record.schema.json": annotation_set_record_schema(),
        "reject-record.schema.json": reject_record_schema(),
        "event-record.schema.json": event_record_schema(tax),
    }


def dumps_schema(schema: dict[str, Any]) -> str:
    """Stable text form of a schema file."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(
    directory: str | Path | None = None, taxonomy: Taxonomy | None = None
) -> list[Path]:
    """Rewrite the derived schema files; returns the paths that changed."""
    out = Path(directory) if directory is not None else SCHEMAS_DIR
    changed = []
    for name, schema in build_schemas(taxonomy).items():
        path = out / name
        text = dumps_schema(schema)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_text_atomic(path, text)
            changed.append(path)
    return changed


def stale_schemas(
    directory: str | Path | None = None, taxonomy: Taxonomy | None = None
) -> list[str]:
    """Names of schema files that are missing or differ from what the taxonomy derives."""
    out = Path(directory) if directory is not None else SCHEMAS_DIR
    stale = []
    for name, schema in build_schemas(taxonomy).items():
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != dumps_schema(schema):
            stale.append(name)
    return stale


def read_schemas(directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Load the schema files from disk (what validation uses)."""
    out = Path(directory) if directory is not None else SCHEMAS_DIR
    return {
        p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.schema.json"))
    }
