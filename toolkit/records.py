"""Record layouts: annotation files (the source of truth) and the Parquet tables' Arrow schemas."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from toolkit import SCHEMA_VERSION
from toolkit.errors import InputError
from toolkit.taxonomy import Taxonomy

ANNOTATION_SUFFIX = ".json"


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes (the document text hash)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_span_id(doc_id: str, label: str, start: int, end: int) -> str:
    """Deterministic span id: the same span in the same document always gets the same id."""
    digest = hashlib.sha256(f"{doc_id}\x1f{label}\x1f{start}\x1f{end}".encode()).hexdigest()
    return "sp_" + digest[:12]


def span_id_factory(doc_id: str) -> Callable[[str, int, int], str]:
    """make_span_id for one document: the same ids, with the doc_id prefix hashed once.

    For code that makes many spans per document; the prefix per label is hashed once too.
    """
    prefix = hashlib.sha256(f"{doc_id}\x1f".encode())
    by_label: dict[str, Any] = {}

    def make(label: str, start: int, end: int) -> str:
        head = by_label.get(label)
        if head is None:
            head = by_label[label] = prefix.copy()
            head.update(f"{label}\x1f".encode())
        h = head.copy()
        h.update(b"%d\x1f%d" % (start, end))
        return "sp_" + h.hexdigest()[:12]

    return make


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


def read_json_object(path: str | Path, *, missing: str = "file not found") -> dict[str, Any]:
    """Parse a JSON object from a file; raises InputError naming the file, line and problem.

    ``missing`` is the message for an absent file (say what to run to make it).
    """
    return parse_json_object(read_json_text(path, missing=missing), path=path)


def read_json_text(path: str | Path, *, missing: str = "file not found") -> str:
    """A UTF-8 text file's content; raises InputError naming the file and the problem."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(missing, path=p) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=p) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=p) from exc


def parse_json_object(text: str, *, path: str | Path) -> dict[str, Any]:
    """Parse text read from ``path`` as a JSON object; raises InputError with the line."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object", path=path)
    return doc


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


def write_text_atomic(path: Path, content: str) -> None:
    """Write a text file via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        # mkstemp creates 0600 files; published data should get the usual umask permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- Arrow schemas


def attributes_type(taxonomy: Taxonomy) -> pa.StructType:
    """Struct of every taxonomy attribute (nullable strings), the same for all labels."""
    return pa.struct([pa.field(name, pa.string()) for name in taxonomy.attribute_names])


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
    names = taxonomy.attribute_names
    for span in sorted(annotation.spans, key=span_sort_key):
        yield {
            "span_id": span.id,
            "label": span.label,
            "start": span.start,
            "end": span.end,
            "text": span.text,
            "attributes": {n: span.attributes.get(n) for n in names},
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
