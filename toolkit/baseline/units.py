"""Training units of the three baselines: sentences, tagged token sequences, EVENT spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.baseline.corpus import Document
from toolkit.baseline.features import (
    TAGGED_LABELS,
    Token,
    bio_tags,
    event_inputs,
    sentence_stance,
    stance_spans_of,
    tokenize,
)


@dataclass
class StanceUnits:
    """Sentences with their stance label and owning document."""

    texts: list[str]
    labels: list[str]
    doc_index: list[int]


@dataclass
class TaggerUnits:
    """Tokenized sentences with BIO tags (gold, or all O when unknown)."""

    tokens: list[list[Token]]
    tags: list[list[str]]
    doc_index: list[int]
    unplaceable_spans: int = 0


@dataclass
class EventUnits:
    """EVENT spans with a category: model inputs (trigger, sentence) and labels."""

    inputs: list[list[str]]
    labels: list[str]
    doc_index: list[int]
    offsets: list[tuple[int, int]]


def stance_units(docs: Sequence[Document]) -> StanceUnits:
    """Every sentence of every document, labelled by the STANCE span overlapping it most."""
    units = StanceUnits([], [], [])
    for i, doc in enumerate(docs):
        stances = stance_spans_of(doc.spans)
        for sentence in doc.sentences:
            units.texts.append(doc.text[sentence[0] : sentence[1]])
            units.labels.append(sentence_stance(sentence, stances))
            units.doc_index.append(i)
    return units


def tagger_units(docs: Sequence[Document]) -> TaggerUnits:
    """Tokenized sentences and BIO tags from the gold ACTOR, EVENT and LOCATION spans."""
    units = TaggerUnits([], [], [])
    for i, doc in enumerate(docs):
        tagged = [
            (str(s["label"]), int(s["start"]), int(s["end"]))
            for s in doc.spans
            if s["label"] in TAGGED_LABELS
        ]
        for start, end in doc.sentences:
            toks = tokenize(doc.text, start, end)
            if not toks:
                continue
            inside = [t for t in tagged if t[1] < end and t[2] > start]
            tags, skipped = bio_tags(toks, inside)
            units.tokens.append(toks)
            units.tags.append(tags)
            units.doc_index.append(i)
            units.unplaceable_spans += skipped
    return units


def event_units(docs: Sequence[Document]) -> EventUnits:
    """Gold EVENT spans that have a category."""
    units = EventUnits([], [], [], [])
    for i, doc in enumerate(docs):
        for s in doc.spans:
            category = (s.get("attributes") or {}).get("category")
            if s["label"] != "EVENT" or not isinstance(category, str):
                continue
            start, end = int(s["start"]), int(s["end"])
            units.inputs.append(event_inputs(doc.text, doc.sentences, start, end))
            units.labels.append(category)
            units.doc_index.append(i)
            units.offsets.append((start, end))
    return units


def aligned_fraction(docs: Sequence[Document]) -> float | None:
    """Share of gold tagged spans whose both ends fall on token boundaries (exact-match ceiling)."""
    total = aligned = 0
    for doc in docs:
        toks = tokenize(doc.text)
        starts = {t.start for t in toks}
        ends = {t.end for t in toks}
        for s in doc.spans:
            if s["label"] in TAGGED_LABELS:
                total += 1
                aligned += int(s["start"]) in starts and int(s["end"]) in ends
    return aligned / total if total else None
