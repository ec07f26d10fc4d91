"""Prediction: spans of the trained baselines, completed and written as annotation files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from toolkit.annotations import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    write_annotation_file,
)
from toolkit.baseline.corpus import Corpus, Document
from toolkit.baseline.estimators import (
    Models,
    blas_single_thread,
    distinct_items,
    predict_event,
    predict_stance,
    tag_words,
)
from toolkit.baseline.features import event_inputs, spans_from_tag_arrays, tokenize_many
from toolkit.baseline.memory import DEFAULT_MODALITY
from toolkit.baseline.scoring import STANCE_TARGETS
from toolkit.core import make_span_id
from toolkit.preannotate import SpanResolver
from toolkit.taxonomy import Taxonomy, read_taxonomy

# The attributes of a span (document text, label, start, end) that resolve, or None.
Resolve = Callable[[str, str, int, int], Mapping[str, str] | None]


def predict_documents(models: Models, docs: Sequence[Document]) -> dict[str, list[Span]]:
    """Predicted spans per document: tagger spans (EVENT with a category) and stance sentences."""
    # Each distinct sentence text is tokenized, tagged and classified once, with offsets relative
    # to the sentence (the token pattern has no look-behind, so they only shift).
    placed = [(i, start, end) for i, doc in enumerate(docs) for start, end in doc.sentences]
    texts, positions = distinct_items(docs[i].text[start:end] for i, start, end in placed)
    first: list[int] = [0] * (len(texts) + 1)  # spans of distinct text u: first[u]:first[u + 1]
    labels: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    categories: list[str] = []  # of every EVENT span, in the order they are written below
    stance: list[str] = []
    with blas_single_thread():
        if models.tagger is not None and texts:
            tokens = tokenize_many(texts)
            found = spans_from_tag_arrays(
                tokens, tag_words(models.tagger, tokens.words, tokens.lengths)
            )
            first, labels = found.first.tolist(), found.labels
            starts, ends = found.starts.tolist(), found.ends.tolist()
            del tokens, found
        if models.event is not None and "EVENT" in labels:
            inputs = _event_inputs(docs, placed, positions, texts, first, labels, starts, ends)
            categories = predict_event(models.event, inputs)
            del inputs
        if models.stance is not None and texts:
            stance = predict_stance(models.stance, texts)
    out: dict[str, list[Span]] = {d.doc_id: [] for d in docs}
    category = iter(categories)
    p = 0
    for doc in docs:
        spans = out[doc.doc_id]
        seen: set[str] = set()
        here = range(p, p + len(doc.sentences))
        p += len(doc.sentences)
        found_spans: list[tuple[str, int, int, dict[str, Any]]] = []
        for q in here:
            shift, u = placed[q][1], positions[q]
            for j in range(first[u], first[u + 1]):
                label = labels[j]
                attrs = {"category": next(category)} if label == "EVENT" and categories else {}
                found_spans.append((label, starts[j] + shift, ends[j] + shift, attrs))
        if stance:
            for q in here:
                value = stance[positions[q]]
                if value in STANCE_TARGETS:
                    # Trim surrounding spaces so the quote is the sentence itself.
                    text = texts[positions[q]]
                    s = placed[q][1] + (len(text) - len(text.lstrip()))
                    e = placed[q][2] - (len(text) - len(text.rstrip()))
                    if e > s:
                        found_spans.append(("STANCE", s, e, {"value": value}))
        for label, start, end, attrs in found_spans:
            span_id = make_span_id(doc.doc_id, label, start, end)
            if span_id not in seen:
                seen.add(span_id)
                spans.append(Span(span_id, start, end, doc.text[start:end], label, attrs))
    return out


def _event_inputs(
    docs: Sequence[Document],
    placed: Sequence[tuple[int, int, int]],
    positions: Sequence[int],
    texts: Sequence[str],
    first: Sequence[int],
    labels: Sequence[str],
    starts: Sequence[int],
    ends: Sequence[int],
) -> list[tuple[str, str]]:
    """:func:`event_inputs` of every predicted EVENT span, in document and sentence order.

    In a document whose sentences do not overlap, the sentence holding a span is the one it was
    found in, so its text is at hand; otherwise :func:`event_inputs` looks for it.
    """
    disjoint = [_disjoint(doc.sentences) for doc in docs]
    inputs: list[tuple[str, str]] = []
    for (d, shift, _), u in zip(placed, positions, strict=True):
        for j in range(first[u], first[u + 1]):
            if labels[j] != "EVENT":
                continue
            text, start, end = docs[d].text, starts[j] + shift, ends[j] + shift
            if disjoint[d]:
                inputs.append((text[start:end], texts[u]))
            else:
                trigger, sentence = event_inputs(text, docs[d].sentences, start, end)
                inputs.append((trigger, sentence))
    return inputs


def _disjoint(sentences: Sequence[tuple[int, int]]) -> bool:
    """Whether no position is inside two of these sentences."""
    ordered = sorted((s, e) for s, e in sentences if e > s)
    return all(a[1] <= b[0] for a, b in pairwise(ordered))


@dataclass
class PredictResult:
    """What ``predict`` wrote."""

    layer: str
    model_version: str
    written: list[Path]
    unchanged: list[Path]
    n_spans: int
    left_out: dict[str, int] = field(default_factory=dict)
    """Predicted spans not written, by label: required attributes unknown, or no holder."""


def complete_spans(
    doc: Document,
    spans: Sequence[Span],
    memory: Mapping[str, Mapping[str, Mapping[str, str]]],
    taxonomy: Taxonomy,
    resolve: Resolve | None = None,
) -> tuple[list[Span], list[RelationLink], Counter[str]]:
    """Spans made valid for the taxonomy, holder links for STANCE spans, and what was left out.

    Attributes come from the attribute memory, then from ``resolve`` (the pre-annotator's
    resolvers) for a quote never seen in training; a span still missing a required attribute is
    left out rather than given an invented value. A STANCE span is held by the ACTOR span of its
    sentence nearest to its start, and left out when its sentence has none.
    """
    kept: list[Span] = []
    left_out: Counter[str] = Counter()
    for span in spans:
        attrs = dict(span.attributes)
        remembered = memory.get(span.label, {}).get(span.text.lower(), {})
        attrs.update({k: v for k, v in remembered.items() if k not in attrs})
        if span.label == "EVENT":
            attrs.setdefault("modality", DEFAULT_MODALITY)
        elif resolve is not None and taxonomy.check_attributes(span.label, attrs):
            resolved = resolve(doc.text, span.label, span.start, span.end) or {}
            attrs.update({k: v for k, v in resolved.items() if k not in attrs})
        if taxonomy.check_attributes(span.label, attrs):
            left_out[span.label] += 1
            continue
        kept.append(Span(span.id, span.start, span.end, span.text, span.label, attrs))
    actors = [s for s in kept if s.label == "ACTOR"]
    relations: list[RelationLink] = []
    out: list[Span] = []
    for span in kept:
        if span.label != "STANCE":
            out.append(span)
            continue
        sentence = next(
            ((a, b) for a, b in doc.sentences if a <= span.start < b), (span.start, span.end)
        )
        inside = [a for a in actors if sentence[0] <= a.start and a.end <= sentence[1]]
        if not inside:
            left_out["STANCE"] += 1
            continue
        holder = min(inside, key=lambda a: (abs(a.start - span.start), a.start))
        relations.append(RelationLink("holder", span.id, holder.id))
        out.append(span)
    return out, relations, left_out


def predict_to_annotations(
    models: Models, corpus: Corpus, out_root: str | Path, *, taxonomy: Taxonomy | None = None
) -> PredictResult:
    """Write one annotation file per document under ``out_root/model-<name>/``."""
    return write_predictions(models, corpus.documents, out_root, taxonomy or read_taxonomy())


def write_predictions(
    models: Models,
    docs: Sequence[Document],
    out_root: str | Path,
    tax: Taxonomy,
    resolver: SpanResolver | None = None,
) -> PredictResult:
    """Predict ``docs`` and write their annotation files (one block of the corpus or all)."""
    layer = str(models.card["layer"])
    version = str(models.card["model_version"])
    predicted = predict_documents(models, docs)
    resolver = resolver or SpanResolver()
    written: list[Path] = []
    unchanged: list[Path] = []
    n_spans = 0
    left_out: Counter[str] = Counter()
    for doc in docs:
        spans, relations, dropped = complete_spans(
            doc, predicted[doc.doc_id], models.attributes, tax, resolver.attributes
        )
        left_out.update(dropped)
        n_spans += len(spans)
        annotation = AnnotationFile(
            doc_id=doc.doc_id,
            text_sha256=doc.text_sha256,
            annotator_id=layer,
            codebook_version=tax.codebook_version,
            spans=spans,
            relations=relations,
            source={"kind": "model", "model_version": version},
        )
        path = annotation_path(out_root, layer, doc.doc_id)
        (written if write_annotation_file(path, annotation) else unchanged).append(path)
    return PredictResult(
        layer, version, written, unchanged, n_spans, dict(sorted(left_out.items()))
    )
