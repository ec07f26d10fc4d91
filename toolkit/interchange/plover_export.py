"""Annotation layers to PLOVER JSON lines: one record per EVENT span with its arguments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.annotations import AnnotationFile, Span, read_annotation_file
from toolkit.core import write_text_atomic
from toolkit.errors import InputError

ROLE_TAGS = {"source": "SRC", "target": "TAR", "location": "LOC"}


@dataclass(frozen=True)
class DocumentInfo:
    """What the exporter needs of one document of a built dataset."""

    text: str
    sentences: tuple[tuple[int, int], ...]
    published_date: str | None


def read_dataset_documents(dataset_dir: str | Path) -> dict[str, DocumentInfo]:
    """doc_id -> text, sentences and date, from a dataset's documents.parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError("documents.parquet not found; build it with `toolkit convert`", path=path)
    try:
        table = pq.read_table(path, columns=["doc_id", "text", "sentences", "published_date"])
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc
    out = {}
    for row in table.to_pylist():
        sentences = tuple((int(s["start"]), int(s["end"])) for s in row["sentences"] or ())
        date = row["published_date"].isoformat() if row["published_date"] else None
        out[row["doc_id"]] = DocumentInfo(row["text"], sentences, date)
    return out


def read_index(path: str | Path | None) -> dict[tuple[str, str], dict[str, Any]]:
    """(doc_id, event span id) -> the imported record's id and date, from plover-index.jsonl."""
    if path is None:
        return {}
    out = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            out[(row["doc_id"], row["event_span_id"])] = row
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"not an index row: {exc}", path=path, line=number) from exc
    return out


def _sentence(doc: DocumentInfo, span: Span) -> tuple[int, int]:
    """The sentence holding the span's start (the whole text when sentences are unknown)."""
    for start, end in doc.sentences:
        if start <= span.start < end:
            return start, max(end, span.end)
    return 0, len(doc.text)


def rebuild_markup(text: str, offset: int, tagged: Iterable[tuple[str, Span]]) -> str:
    """``text`` (which starts at ``offset``) with (TAG: words) around each tagged span."""
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, int] = {}
    for tag, span in tagged:
        start, end = span.start - offset, span.end - offset
        if 0 <= start < end <= len(text):
            opens.setdefault(start, []).append((end, tag))
            closes[end] = closes.get(end, 0) + 1
    out: list[str] = []
    for i in range(len(text) + 1):
        out.append(")" * closes.get(i, 0))
        # Longer spans open first, so a span inside another closes before it.
        for _, tag in sorted(opens.get(i, ()), key=lambda item: (-item[0], item[1])):
            out.append(f"({tag}: ")
        if i < len(text):
            out.append(text[i])
    return "".join(out)


def _actor(span: Span) -> dict[str, Any]:
    entry = {"actorText": span.attributes.get("canonical_name") or span.text}
    if span.attributes.get("country"):
        entry["code"] = span.attributes["country"]
    if span.attributes.get("sector"):
        entry["sector"] = span.attributes["sector"]
    return entry


def export_event(
    annotation: AnnotationFile,
    event: Span,
    doc: DocumentInfo,
    indexed: dict[str, Any] | None,
) -> dict[str, Any]:
    """The PLOVER record of one EVENT span of an annotation file."""
    spans = {s.id: s for s in annotation.spans}
    linked: dict[str, list[Span]] = {"source": [], "target": [], "location": []}
    for rel in annotation.relations:
        if rel.from_id == event.id and rel.type in linked and rel.to_id in spans:
            linked[rel.type].append(spans[rel.to_id])
    for found in linked.values():
        found.sort(key=lambda s: (s.start, s.end))
    start, end = _sentence(doc, event)
    both = {s.id for s in linked["source"]} & {s.id for s in linked["target"]}
    tagged = [("EVT", event)] + [
        ("SRC/TAR" if s.id in both else ROLE_TAGS[role], s)
        for role, found in linked.items()
        for s in found
        if not (role == "target" and s.id in both)
    ]
    record: dict[str, Any] = {
        "id": indexed["id"] if indexed else f"{annotation.doc_id}-{event.id}",
        "date": indexed.get("date") if indexed else doc.published_date,
        "source": [_actor(s) for s in linked["source"]],
        "target": [_actor(s) for s in linked["target"]],
        "event": event.attributes.get("category"),
        "eventText": event.text,
        "mode": event.attributes.get("mode"),
        "context": ", ".join(event.attributes.get("context") or ()) or None,
        "text": doc.text[start:end],
        "textInfo": {"markup": rebuild_markup(doc.text[start:end], start, tagged)},
        "docId": annotation.doc_id,
        "evidence": {"start": event.start, "end": event.end},
        "coder": annotation.annotator_id,
        "version": annotation.source.get("version")
        if annotation.source.get("version") != "-"
        else None,
    }
    if linked["location"]:
        place = linked["location"][0]
        record["eventLoc"] = {
            "name": place.text,
            "gazetteerId": place.attributes.get("gazetteer_id"),
            "country": place.attributes.get("country"),
        }
    return {k: v for k, v in record.items() if v is not None}


def export_lines(
    annotations: Iterable[AnnotationFile],
    docs: dict[str, DocumentInfo],
    index: dict[tuple[str, str], dict[str, Any]],
) -> tuple[list[str], list[str]]:
    """PLOVER JSON lines of annotation files (by position), and doc_ids not in ``docs``."""
    lines: list[str] = []
    missing: list[str] = []
    for annotation in annotations:
        doc = docs.get(annotation.doc_id)
        if doc is None:
            missing.append(annotation.doc_id)
            continue
        for span in sorted(annotation.spans, key=lambda s: (s.start, s.end, s.id)):
            if span.label == "EVENT":
                indexed = index.get((annotation.doc_id, span.id))
                record = export_event(annotation, span, doc, indexed)
                lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return lines, missing


def export_plover(
    layer_dir: str | Path,
    dataset_dir: str | Path,
    out_file: str | Path,
    *,
    index_file: str | Path | None = None,
) -> tuple[int, list[str]]:
    """Write one PLOVER JSON line per EVENT span of a layer; (records, documents not found)."""
    annotations = [read_annotation_file(p) for p in sorted(Path(layer_dir).glob("*.json"))]
    docs = read_dataset_documents(dataset_dir)
    lines, missing = export_lines(annotations, docs, read_index(index_file))
    write_text_atomic(Path(out_file), "".join(line + "\n" for line in lines))
    return len(lines), missing
