"""Tests for toolkit.schema: derived JSON Schemas and their agreement with the Arrow layouts."""

from __future__ import annotations

import pyarrow as pa
import pytest

from toolkit.dataset.events import events_schema
from toolkit.dataset.tables import (
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    rejects_schema,
)
from toolkit.taxonomy.labels import read_taxonomy
from toolkit.taxonomy.schemas import build_schemas, read_schemas, stale_schemas, write_schemas


def test_committed_schema_files_are_current():
    assert stale_schemas() == [], "run `toolkit schemas` after editing schemas/taxonomy.json"


def test_write_schemas_is_idempotent(tmp_path):
    assert len(write_schemas(tmp_path)) == 9
    assert write_schemas(tmp_path) == []
    assert stale_schemas(tmp_path) == []


def test_span_schema_enums_come_from_taxonomy():
    taxonomy = read_taxonomy()
    span = build_schemas(taxonomy)["span.schema.json"]
    assert span["properties"]["label"]["enum"] == list(taxonomy.label_names)
    stance = next(r for r in span["allOf"] if r["if"]["properties"]["label"]["const"] == "STANCE")
    props = stance["then"]["properties"]["attributes"]["properties"]
    assert props["value"]["enum"] == ["AGAINST", "FAVOR", "NONE"]
    assert stance["then"]["properties"]["attributes"]["required"] == ["value"]


def _json_types(schema: dict, defs: dict) -> set[str]:
    if "$ref" in schema:
        return _json_types(defs[schema["$ref"].split("/")[-1]], defs)
    if "enum" in schema:
        kinds = {"null" if v is None else type(v).__name__ for v in schema["enum"]}
        return {{"str": "string", "int": "integer"}.get(k, k) for k in kinds}
    t = schema.get("type", [])
    return set(t) if isinstance(t, list) else {t}


ARROW_TO_JSON = [
    (pa.types.is_string, "string"),
    (pa.types.is_integer, "integer"),
    (pa.types.is_floating, "number"),
    (pa.types.is_date32, "string"),
    (pa.types.is_list, "array"),
    (pa.types.is_struct, "object"),
]


def _check_field(field: pa.Field, schema: dict, defs: dict, where: str) -> None:
    if "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    kinds = _json_types(schema, defs)
    want = next(j for pred, j in ARROW_TO_JSON if pred(field.type))
    assert want in kinds, f"{where}: Arrow {field.type} but JSON Schema allows {kinds}"
    if field.nullable and not (pa.types.is_list(field.type) or pa.types.is_struct(field.type)):
        assert "null" in kinds, f"{where}: nullable in Arrow, not in JSON Schema"
    if not field.nullable:
        assert "null" not in kinds, f"{where}: required in Arrow, nullable in JSON Schema"
    if pa.types.is_struct(field.type):
        _check_struct(list(field.type), schema, defs, where)
    if pa.types.is_list(field.type):
        item = field.type.value_field
        _check_field(item.with_nullable(False), schema["items"], defs, where + "[]")


def _check_struct(fields: list[pa.Field], schema: dict, defs: dict, where: str) -> None:
    props = schema["properties"]
    assert [f.name for f in fields] == list(props), f"{where}: field names or order differ"
    assert set(schema.get("required", [])) == set(props), f"{where}: not every field required"
    assert schema.get("additionalProperties") is False
    for f in fields:
        _check_field(f, props[f.name], defs, f"{where}.{f.name}")


@pytest.mark.parametrize(
    ("arrow", "schema_name"),
    [
        (documents_schema(read_taxonomy()), "document-record.schema.json"),
        (annotations_schema(read_taxonomy()), "annotation-record.schema.json"),
        (annotation_sets_schema(), "annotation-set-record.schema.json"),
        (rejects_schema(), "reject-record.schema.json"),
        (events_schema(), "event-record.schema.json"),
    ],
    ids=["documents", "annotations", "annotation-sets", "rejects", "events"],
)
def test_arrow_schema_matches_json_schema(arrow: pa.Schema, schema_name: str):
    schema = read_schemas()[schema_name]
    _check_struct(list(arrow), schema, schema.get("$defs", {}), schema_name)


def test_arrow_check_catches_a_mismatch():
    schema = read_schemas()["reject-record.schema.json"]
    wrong = pa.schema(
        [
            pa.field("input", pa.string(), nullable=False),
            pa.field("kind", pa.int32(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
        ]
    )
    with pytest.raises(AssertionError, match="kind: Arrow int32"):
        _check_struct(list(wrong), schema, {}, "rejects")


def test_multi_valued_context_is_an_array_of_distinct_values():
    taxonomy = read_taxonomy()
    schemas = build_schemas(taxonomy)
    span = schemas["span.schema.json"]
    event = next(r for r in span["allOf"] if r["if"]["properties"]["label"]["const"] == "EVENT")
    context = event["then"]["properties"]["attributes"]["properties"]["context"]
    assert context["type"] == "array" and context["uniqueItems"] is True
    assert "military" in context["items"]["enum"]
    record = schemas["annotation-record.schema.json"]["properties"]["attributes"]
    assert record["properties"]["context"]["type"] == ["array", "null"]
