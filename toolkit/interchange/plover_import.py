"""PLOVER records to article files plus an annotation layer anchored to their converted text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from toolkit.annotations import AnnotationFile, RelationLink, Span, write_annotation_file
from toolkit.core import sha256_text, span_id_factory, write_text_atomic
from toolkit.errors import InputError
from toolkit.ingest import parse_article
from toolkit.interchange.anchoring import Anchor
from toolkit.interchange.plover_records import (
    DOCUMENTATION_CATEGORY,
    Mark,
    PloverActor,
    PloverRecord,
    RecordReject,
    parse_markup,
    read_records,
)
from toolkit.taxonomy import Gazetteer, Taxonomy, default_gazetteer, read_taxonomy

LAYER = "plover-gold"
INDEX_NAME = "plover-index.jsonl"
REPORT_NAME = "plover-import-report.json"
_LEADING_WORDS = {"in", "at", "to", "into", "near", "from", "on", "outside", "inside", "the", "of"}
_CAPITALIZED_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*")


@dataclass
class ImportedEvent:
    """One record's spans and relations in its document, and what of it was not kept."""

    record: PloverRecord
    event: Span
    spans: list[Span] = field(default_factory=list)
    relations: list[RelationLink] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import wrote and what it could not import."""

    records: int = 0
    documents: int = 0
    events: int = 0
    rejects: list[RecordReject] = field(default_factory=list)
    not_kept: dict[str, list[str]] = field(default_factory=dict)


class _Builder:
    """Spans and relations of one record in one document text."""

    def __init__(self, record: PloverRecord, text: str, doc_id: str, ctx: _Context) -> None:
        self.record = record
        self.text = text
        self.ctx = ctx
        self.make_id: Callable[[str, int, int], str] = span_id_factory(doc_id)
        self.spans: list[Span] = []
        self.relations: list[RelationLink] = []
        self.not_kept: list[str] = []

    def span(self, start: int, end: int, label: str, attributes: dict[str, Any]) -> Span:
        span = Span(self.make_id(label, start, end), start, end, self.text[start:end], label)
        span.attributes = {k: v for k, v in attributes.items() if v not in (None, [], "")}
        self.spans.append(span)
        return span

    def event(self, marks: Sequence[Mark], anchor: Anchor) -> Span | None:
        """The EVENT span on the first (EVT: ...) that the text has; later ones are listed."""
        triggers = [m for m in marks if "EVT" in m.tags]
        placed = [(m, anchor.mark(m)) for m in triggers]
        first = next(((m, at) for m, at in placed if at is not None), None)
        if first is None:
            return None
        for mark, at in placed:
            if mark is not first[0]:
                state = "also marked" if at is not None else "not in the text"
                self.not_kept.append(f"trigger words {mark.text!r} ({state}; one EVENT span)")
        category = self.record.category
        mode_attr = self.ctx.taxonomy.label("EVENT").attribute("mode")
        mode, dropped_mode = self.record.mode(mode_attr.allowed(category))
        if dropped_mode:
            self.not_kept.append(f"mode {dropped_mode!r} (not a mode of {category})")
        attributes: dict[str, Any] = {"category": category, "mode": mode}
        contexts, dropped = self.record.contexts(self.ctx.contexts)
        if self.ctx.contexts:
            attributes["context"] = contexts
        for name in dropped:
            self.not_kept.append(f"context {name!r} (not a context value)")
        start, end = first[1]
        return self.span(start, end, "EVENT", attributes)

    def actor_attributes(self, actor: PloverActor | None, words: str) -> dict[str, Any]:
        """ACTOR attributes from a listed actor; codes the taxonomy lacks are listed, not kept."""
        if actor is None:
            return {"canonical_name": words}
        out: dict[str, Any] = {"canonical_name": actor.actor_text}
        for name, value in (("country", actor.code), ("sector", actor.sector)):
            if value is None:
                continue
            allowed = self.ctx.allowed(name)
            if value in allowed:
                out[name] = value
            elif name == "sector" and value[:3].upper() in allowed:
                # PLOVER 0.5 appends an ethnic or religious subcode: CVLkur, REBMOS.
                out[name] = value[:3].upper()
                self.not_kept.append(
                    f"sector code {value!r} of {actor.actor_text!r} (kept as {value[:3].upper()})"
                )
            else:
                self.not_kept.append(f"{name} code {value!r} of {actor.actor_text!r}")
        return out


@dataclass(frozen=True)
class _Context:
    taxonomy: Taxonomy
    gazetteer: Gazetteer

    @property
    def contexts(self) -> tuple[str, ...]:
        label = self.taxonomy.label("EVENT")
        if "context" not in {a.name for a in label.attributes}:
            return ()
        return label.attribute("context").allowed()

    def allowed(self, name: str) -> tuple[str, ...]:
        return self.taxonomy.label("ACTOR").attribute(name).allowed()


def _match_actor(words: str, listed: Sequence[PloverActor]) -> PloverActor | None:
    """The listed actor these marked words name: same text, then containment, then shared words."""
    key = words.casefold()
    for test in (
        lambda a: a.actor_text.casefold() == key,
        lambda a: a.actor_text.casefold() in key or key in a.actor_text.casefold(),
        lambda a: bool(set(a.actor_text.casefold().split()) & set(key.split())),
        # A misspelling on one side ("Ghanians" for "Ghanaians").
        lambda a: SequenceMatcher(None, a.actor_text.casefold(), key).ratio() >= 0.8,
    ):
        for actor in listed:
            if test(actor):
                return actor
    return None


def _add_actors(b: _Builder, event: Span, marks: Sequence[Mark], anchor: Anchor) -> None:
    """ACTOR spans for (SRC: ...), (TAR: ...), (SRC/TAR: ...) with source/target relations."""
    record = b.record
    used: set[tuple[str, PloverActor]] = set()
    for mark in marks:
        roles = [r for r, tag in (("source", "SRC"), ("target", "TAR")) if tag in mark.tags]
        if not roles:
            continue
        at = anchor.mark(mark)
        if at is None:
            b.not_kept.append(f"actor words {mark.text!r} (not in the text)")
            continue
        lists = {"source": record.source, "target": record.target}
        found = [(role, _match_actor(mark.text, lists[role])) for role in roles]
        matched = [(role, actor) for role, actor in found if actor is not None]
        # A reciprocal (SRC/TAR: ...) mark is a source unless only the target list names it.
        links: list[tuple[str, PloverActor | None]] = list(matched) or [
            ("source" if "SRC" in mark.tags else "target", None)
        ]
        named = matched[0][1] if matched else None
        span = b.span(*at, "ACTOR", b.actor_attributes(named, mark.text))
        for role, listed in links:
            b.relations.append(RelationLink(role, event.id, span.id))
            if listed is not None:
                used.add((role, listed))
    for role, actors in (("source", record.source), ("target", record.target)):
        for actor in actors:
            if (role, actor) not in used:
                b.not_kept.append(f"{role} {actor.actor_text!r} (no marked words name it)")


def _place_words(mark: Mark, marks: Sequence[Mark]) -> list[tuple[str, int]]:
    """Words of a (LOC: ...) mark that may name a place, best first, with their plain offset."""
    words = mark.text.split()
    skip = 0
    while skip < len(words) - 1 and words[skip].casefold() in _LEADING_WORDS:
        skip += 1
    head = " ".join(words[:skip])
    stripped = mark.text[len(head) :].lstrip() if skip else mark.text
    out = [(stripped, mark.end - len(stripped))]
    out += [
        (m.text, m.start)
        for m in marks
        if m is not mark and mark.start <= m.start and m.end <= mark.end
    ]
    runs = list(_CAPITALIZED_RUN.finditer(mark.text))
    out += [(r.group(), mark.start + r.start()) for r in reversed(runs)]
    return out


def _add_location(b: _Builder, event: Span, marks: Sequence[Mark], anchor: Anchor) -> None:
    """LOCATION spans for (LOC: ...) marks the gazetteer has; the first is the event's location."""
    linked = False
    loc_marks = [m for m in marks if "LOC" in m.tags]
    event_loc = b.record.raw.get("eventLoc")
    if not loc_marks and isinstance(event_loc, dict) and event_loc.get("name"):
        name = str(event_loc["name"])
        pos = anchor.text.find(name)
        if pos >= 0:
            loc_marks = [Mark(("LOC",), pos, pos + len(name), name)]
            anchor = Anchor(anchor.text, anchor.text)
        else:
            b.not_kept.append(f"eventLoc {name!r} (not in the text)")
    for mark in loc_marks:
        entry = None
        at: tuple[int, int] | None = None
        for words, start in _place_words(mark, marks):
            found = b.ctx.gazetteer.lookup(words)
            at = anchor.place(words, start, start + len(words))
            if found and at is not None:
                entry = found[0]
                break
        if entry is None or at is None:
            b.not_kept.append(f"location {mark.text!r} (the gazetteer has no such place)")
            continue
        attributes = {
            "gazetteer_id": entry.id,
            "feature_type": entry.feature_type,
            "country": entry.country,
        }
        span = b.span(*at, "LOCATION", attributes)
        if not linked:
            b.relations.append(RelationLink("location", event.id, span.id))
            linked = True


def import_record(
    record: PloverRecord, text: str, doc_id: str, ctx: _Context
) -> ImportedEvent | str:
    """One record's spans in its document's text, or the reason it cannot be anchored."""
    if not record.markup:
        return "no textInfo.markup: nothing marks where the event and actors are"
    markup = parse_markup(record.markup)
    b = _Builder(record, text, doc_id, ctx)
    b.not_kept += [f"markup: {p}" for p in markup.problems]
    anchor = Anchor(markup.plain, text)
    event = b.event(markup.marks, anchor)
    if event is None:
        return "no (EVT: ...) words of the markup are in the text"
    _add_actors(b, event, markup.marks, anchor)
    _add_location(b, event, markup.marks, anchor)
    return ImportedEvent(record, event, b.spans, b.relations, b.not_kept)


def _check_record(record: PloverRecord, taxonomy: Taxonomy, seen: dict[str, int]) -> str | None:
    """Why a record is not imported at all, or None."""
    if record.event == DOCUMENTATION_CATEGORY:
        return "documentation record (event DOCUMENT), not an event"
    if record.id in seen:
        return f"duplicate id: the record at line {seen[record.id]} has it"
    if not record.text or not record.text.strip():
        return "no text"
    categories = taxonomy.label("EVENT").attribute("category").allowed()
    if record.category not in categories:
        return f"event {record.event!r} is not a PLOVER category (valid: {', '.join(categories)})"
    return None


def _article_name(data: bytes) -> str:
    import hashlib

    return f"plover_{hashlib.sha256(data).hexdigest()[:16]}.txt"


def _merge(doc_events: list[ImportedEvent], result: ImportResult) -> list[ImportedEvent]:
    """Events of one document; a record whose trigger another record already took is a reject."""
    kept: list[ImportedEvent] = []
    triggers: dict[str, str] = {}
    for item in doc_events:
        other = triggers.get(item.event.id)
        if other is not None:
            reason = f"same trigger words {item.event.text!r} as record {other} in this text"
            result.rejects.append(RecordReject(item.record.id, item.record.line, reason))
            continue
        triggers[item.event.id] = item.record.id
        kept.append(item)
    return kept


def _layer_file(doc_id: str, text: str, events: list[ImportedEvent], taxonomy: Taxonomy) -> Any:
    spans: dict[str, Span] = {}
    relations: dict[tuple[str, str, str], RelationLink] = {}
    for item in events:
        for span in item.spans:
            spans.setdefault(span.id, span)
        for rel in item.relations:
            relations.setdefault((rel.type, rel.from_id, rel.to_id), rel)
    versions = sorted({str(e.record.raw.get("version") or "") for e in events} - {""})
    return AnnotationFile(
        doc_id=doc_id,
        text_sha256=sha256_text(text),
        annotator_id=LAYER,
        codebook_version=taxonomy.codebook_version,
        spans=list(spans.values()),
        relations=list(relations.values()),
        source={"kind": "import", "name": "plover", "version": ", ".join(versions) or "-"},
    )


def import_plover(
    path: str | Path,
    out_dir: str | Path,
    *,
    taxonomy: Taxonomy | None = None,
    gazetteer: Gazetteer | None = None,
) -> ImportResult:
    """Write OUT/articles/*.txt, OUT/annotations/plover-gold/<doc_id>.json, index and report."""
    ctx = _Context(taxonomy or read_taxonomy(), gazetteer or default_gazetteer())
    out = Path(out_dir)
    records, rejects = read_records(path)
    result = ImportResult(records=len(records) + len(rejects), rejects=list(rejects))
    seen: dict[str, int] = {}
    texts: dict[str, tuple[bytes, Any]] = {}
    by_doc: dict[str, list[ImportedEvent]] = {}
    for record in records:
        reason = _check_record(record, ctx.taxonomy, seen)
        seen.setdefault(record.id, record.line)
        if reason is None:
            data = (record.text or "").encode("utf-8") + b"\n"
            try:
                article = texts.get(record.text or "", (b"", None))[1] or parse_article(
                    data, source_path=_article_name(data)
                )
            except InputError as exc:
                reason = f"text does not convert: {exc.message}"
        if reason is not None:
            result.rejects.append(RecordReject(record.id, record.line, reason))
            continue
        texts[record.text or ""] = (data, article)
        imported = import_record(record, article.text, article.doc_id, ctx)
        if isinstance(imported, str):
            result.rejects.append(RecordReject(record.id, record.line, imported))
            continue
        by_doc.setdefault(article.doc_id, []).append(imported)
    index: list[dict[str, Any]] = []
    for data, article in texts.values():
        events = _merge(by_doc.get(article.doc_id, []), result)
        if not events:
            continue
        write_text_atomic(out / "articles" / _article_name(data), data.decode("utf-8"))
        layer = _layer_file(article.doc_id, article.text, events, ctx.taxonomy)
        write_annotation_file(out / "annotations" / LAYER / f"{article.doc_id}.json", layer)
        result.documents += 1
        for item in events:
            result.events += 1
            if item.not_kept:
                result.not_kept[item.record.id] = item.not_kept
            index.append(_index_row(item, article.doc_id))
    _write_outputs(out, path, index, result)
    return result


def _index_row(item: ImportedEvent, doc_id: str) -> dict[str, Any]:
    raw = item.record.raw
    return {
        "id": item.record.id,
        "doc_id": doc_id,
        "event_span_id": item.event.id,
        "date": raw.get("date"),
        "event": item.record.event,
        "line": item.record.line,
    }


def _write_outputs(
    out: Path,
    path: str | Path,
    index: list[dict[str, Any]],
    result: ImportResult,
) -> None:
    """The index (record id -> document and trigger span) and the import report."""
    import hashlib

    index.sort(key=lambda r: (r["doc_id"], r["event_span_id"]))
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in index)
    write_text_atomic(out / INDEX_NAME, lines)
    result.rejects.sort(key=lambda r: (r.line, r.record_id))
    report = {
        "input": Path(path).name,
        "input_sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        "records": result.records,
        "documents": result.documents,
        "events": result.events,
        "rejects": [
            {"id": r.record_id, "line": r.line, "reason": r.reason} for r in result.rejects
        ],
        "not_kept": dict(sorted(result.not_kept.items())),
    }
    write_text_atomic(
        out / REPORT_NAME, json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )
