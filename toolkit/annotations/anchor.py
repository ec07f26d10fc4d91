"""Re-anchor spans when a document's text changed: find each quote again, never shift blindly."""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.annotations.records import AnnotationFile, RelationLink, Span
from toolkit.core import make_span_id, sha256_text


@dataclass
class ReanchorResult:
    """The re-anchored file plus what moved and what could not be found."""

    annotation: AnnotationFile
    moved: list[tuple[str, int, int]] = field(default_factory=list)
    lost: list[Span] = field(default_factory=list)

    text_changed: bool = False

    @property
    def changed(self) -> bool:
        """True when the file needs rewriting (new text hash, moved or lost spans)."""
        return bool(self.text_changed or self.moved or self.lost)


def find_quote(text: str, quote: str, near: int) -> int | None:
    """Start of the occurrence of ``quote`` in ``text`` closest to ``near`` (None if absent)."""
    best: int | None = None
    pos = text.find(quote)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(quote, pos + 1)
    return best


def reanchor(annotation: AnnotationFile, text: str) -> ReanchorResult:
    """Move every span whose quote no longer sits at its offsets to the nearest occurrence.

    Spans are visited in text order and each guess is shifted by the displacement of the
    previous span, so an edit early in the text does not pull a repeated quote ("Mr Xi") to the
    wrong occurrence. Spans whose quote is gone are reported as lost and dropped, together with
    the relations that touched them.
    """
    result = ReanchorResult(
        annotation=annotation, text_changed=annotation.text_sha256 != sha256_text(text)
    )
    id_map: dict[str, str] = {}
    spans: list[Span] = []
    delta = 0
    for span in sorted(annotation.spans, key=lambda s: (s.start, s.end, s.label, s.id)):
        if text[span.start : span.end] == span.text and delta == 0:
            spans.append(span)
            id_map[span.id] = span.id
            continue
        start = find_quote(text, span.text, span.start + delta)
        if start is None:
            result.lost.append(span)
            continue
        delta = start - span.start
        end = start + len(span.text)
        new_id = span.id if delta == 0 else make_span_id(annotation.doc_id, span.label, start, end)
        id_map[span.id] = new_id
        if delta:
            result.moved.append((span.id, start, end))
        spans.append(
            Span(
                id=new_id,
                start=start,
                end=end,
                text=span.text,
                label=span.label,
                attributes=dict(span.attributes),
            )
        )
    relations = [
        RelationLink(type=r.type, from_id=id_map[r.from_id], to_id=id_map[r.to_id])
        for r in annotation.relations
        if r.from_id in id_map and r.to_id in id_map
    ]
    result.annotation = AnnotationFile(
        doc_id=annotation.doc_id,
        text_sha256=sha256_text(text),
        annotator_id=annotation.annotator_id,
        codebook_version=annotation.codebook_version,
        spans=spans,
        relations=relations,
        status=annotation.status,
        source=dict(annotation.source),
        adjudication=list(annotation.adjudication),
        notes=annotation.notes,
        schema_version=annotation.schema_version,
    )
    return result
