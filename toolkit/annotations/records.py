"""Annotation files (the source of truth): spans, relations, deterministic read and write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import SCHEMA_VERSION
from toolkit.core.files import read_json_object, write_text_atomic
from toolkit.errors import InputError

ANNOTATION_SUFFIX = ".json"


@dataclass
class Span:
    """A labelled, half-open code-point range ``[start, end)`` of a document's normalized text."""

    id: str
    start: int
    end: int
    text: str
    label: str
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The span as it appears in an annotation file."""
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "attributes": {k: v for k, v in sorted(self.attributes.items()) if v is not None},
        }


@dataclass
class RelationLink:
    """A directed, typed link between two spans of one annotation file."""

    type: str
    from_id: str
    to_id: str

    def to_json(self) -> dict[str, Any]:
        """The relation as it appears in an annotation file."""
        return {"type": self.type, "from_id": self.from_id, "to_id": self.to_id}


@dataclass
class AnnotationFile:
    """One annotator's (or one tool's) annotation of one document."""

    doc_id: str
    text_sha256: str
    annotator_id: str
    codebook_version: str
    spans: list[Span] = field(default_factory=list)
    relations: list[RelationLink] = field(default_factory=list)
    status: str = "completed"
    source: dict[str, Any] = field(default_factory=dict)
    adjudication: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""
    schema_version: str = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        """The annotation file's JSON document, in a stable key and span order."""
        doc: dict[str, Any] = {
            "schema_version": self.schema_version,
            "codebook_version": self.codebook_version,
            "doc_id": self.doc_id,
            "text_sha256": self.text_sha256,
            "annotator_id": self.annotator_id,
            "status": self.status,
            "source": self.source,
            "spans": [s.to_json() for s in sorted(self.spans, key=span_sort_key)],
            "relations": [
                r.to_json()
                for r in sorted(self.relations, key=lambda r: (r.type, r.from_id, r.to_id))
            ],
        }
        if self.adjudication:
            doc["adjudication"] = self.adjudication
        if self.notes:
            doc["notes"] = self.notes
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> AnnotationFile:
        """Build from a parsed (and schema-valid) annotation file."""
        return cls(
            doc_id=doc["doc_id"],
            text_sha256=doc["text_sha256"],
            annotator_id=doc["annotator_id"],
            codebook_version=doc["codebook_version"],
            spans=[
                Span(
                    id=s["id"],
                    start=s["start"],
                    end=s["end"],
                    text=s["text"],
                    label=s["label"],
                    attributes=dict(s.get("attributes", {})),
                )
                for s in doc.get("spans", [])
            ],
            relations=[
                RelationLink(type=r["type"], from_id=r["from_id"], to_id=r["to_id"])
                for r in doc.get("relations", [])
            ],
            status=doc.get("status", "completed"),
            source=dict(doc.get("source", {})),
            adjudication=list(doc.get("adjudication", [])),
            notes=doc.get("notes", ""),
            schema_version=doc.get("schema_version", SCHEMA_VERSION),
        )


def span_sort_key(span: Span) -> tuple[int, int, str, str]:
    """Order spans by position, then label, so files diff cleanly."""
    return (span.start, span.end, span.label, span.id)


def annotation_path(root: str | Path, annotator_id: str, doc_id: str) -> Path:
    """Where one annotator's file for one document lives: ``root/annotator_id/doc_id.json``."""
    return Path(root) / annotator_id / f"{doc_id}{ANNOTATION_SUFFIX}"


def dumps_annotation(annotation: AnnotationFile) -> str:
    """Serialize deterministically: two-space indent, one span per block, trailing newline."""
    return json.dumps(annotation.to_json(), ensure_ascii=False, indent=2) + "\n"


def write_annotation_file(path: str | Path, annotation: AnnotationFile) -> bool:
    """Write atomically; returns False (and leaves the file alone) when the content is unchanged."""
    p = Path(path)
    content = dumps_annotation(annotation)
    if p.exists() and p.read_text(encoding="utf-8") == content:
        return False
    write_text_atomic(p, content)
    return True


def read_annotation_file(path: str | Path) -> AnnotationFile:
    """Read one annotation file (structure only; use validate for meaning checks)."""
    doc = read_json_object(path)
    try:
        return AnnotationFile.from_json(doc)
    except (KeyError, TypeError) as exc:
        raise InputError(f"not an annotation file (missing or malformed {exc})", path=path) from exc


def iter_annotation_paths(root: str | Path) -> Iterator[Path]:
    """Every annotation file under ``root`` (``*/<doc>.json``), sorted for stable output."""
    base = Path(root)
    if not base.exists():
        return
    for p in sorted(base.glob(f"*/*{ANNOTATION_SUFFIX}")):
        if p.is_file():
            yield p
