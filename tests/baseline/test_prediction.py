"""Tests for toolkit.baseline.prediction: predicted spans and the annotation files written."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from toolkit.annotations.records import RelationLink, Span, annotation_path, read_annotation_file
from toolkit.annotations.validate import check_annotation_file
from toolkit.baseline import prediction
from toolkit.baseline.corpus import Corpus
from toolkit.baseline.estimators import Models, _event_matrix, predict_event, predict_stance
from toolkit.baseline.features import (
    event_inputs,
    hash_token_features,
    spans_from_tags,
    tokenize,
)
from toolkit.baseline.prediction import complete_spans, predict_documents, predict_to_annotations
from toolkit.baseline.scoring import STANCE_TARGETS
from toolkit.baseline.units import event_units
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.taxonomy.labels import read_taxonomy

from .test_corpus import _doc


def test_predicting_distinct_sentences_once_equals_predicting_every_sentence(
    corpus: Corpus, trained: tuple[Models, dict[str, bytes]]
) -> None:
    models = trained[0]
    assert models.stance is not None and models.tagger is not None
    docs = corpus.documents
    placed = [(d, s, e) for d in docs for s, e in d.sentences]
    texts = [d.text[s:e] for d, s, e in placed]
    assert len(set(texts)) < len(texts)  # the near-duplicate copies share sentences
    tokens = [tokenize(d.text, s, e) for d, s, e in placed]
    flat = iter(models.tagger.predict(hash_token_features([t.text for t in k] for k in tokens)))
    expected: dict[str, set[tuple[str, int, int]]] = {d.doc_id: set() for d in docs}
    for (d, _, _), toks in zip(placed, tokens, strict=True):
        tags = [str(next(flat)) for _ in toks]
        expected[d.doc_id].update(spans_from_tags(toks, tags))
    stance = [str(v) for v in models.stance.predict(texts)]
    assert predict_stance(models.stance, texts) == stance
    assert models.event is not None
    inputs = event_units(docs).inputs
    assert len({tuple(i) for i in inputs}) < len(inputs)
    every = [str(v) for v in models.event.predict(_event_matrix(inputs))]
    assert predict_event(models.event, inputs) == every
    for (d, s, e), value in zip(placed, stance, strict=True):
        if value in STANCE_TARGETS:
            expected[d.doc_id].add(("STANCE", s, e))
    got = predict_documents(models, docs)
    assert {k: {(x.label, x.start, x.end) for x in v} for k, v in got.items()} == expected
    alone = {d.doc_id: predict_documents(models, [d])[d.doc_id] for d in docs}
    assert alone == got


def test_event_inputs_use_the_first_sentence_holding_the_trigger(
    corpus: Corpus, trained: tuple[Models, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With overlapping sentences, an EVENT's input sentence is still :func:`event_inputs`'s."""
    models = trained[0]
    assert models.event is not None
    docs = [
        dataclasses.replace(d, sentences=[(d.sentences[0][0], d.sentences[2][1]), *d.sentences])
        for d in corpus.documents
    ]
    seen: list[list[tuple[str, str]]] = []

    def spy(model: Any, inputs: list[tuple[str, str]]) -> list[str]:
        seen.append(list(inputs))
        return predict_event(model, inputs)

    predict_event = prediction.predict_event
    monkeypatch.setattr(prediction, "predict_event", spy)
    got = predict_documents(models, docs)
    events = [(d, s) for d in docs for s in got[d.doc_id] if s.label == "EVENT"]
    expected = [tuple(event_inputs(d.text, d.sentences, s.start, s.end)) for d, s in events]
    merged = [d.text[d.sentences[0][0] : d.sentences[0][1]] for d, _ in events]
    assert any(i[1] == m for i, m in zip(expected, merged, strict=True))  # the overlap matters
    assert len(seen) == 1 and set(seen[0]) == set(expected)  # repeats of a span are dropped
    assert [s.attributes["category"] for _, s in events] == predict_event(models.event, expected)


def test_predict_writes_annotation_files(
    corpus: Corpus, trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    models = trained[0]
    result = predict_to_annotations(models, corpus, tmp_path)
    assert result.layer == "model-test"
    assert len(result.written) == len(corpus.documents)
    texts = {d.doc_id: d.text for d in corpus.documents}
    labels = set()
    for path in result.written:
        assert check_annotation_file(path, texts=texts)[1] == []
        annotation = read_annotation_file(path)
        assert path == annotation_path(tmp_path, "model-test", annotation.doc_id)
        assert annotation.source == {"kind": "model", "model_version": result.model_version}
        text = texts[annotation.doc_id]
        assert annotation.text_sha256 == sha256_text(text)
        for span in annotation.spans:
            labels.add(span.label)
            assert text[span.start : span.end] == span.text
            assert span.id == make_span_id(annotation.doc_id, span.label, span.start, span.end)
    assert labels == {"ACTOR", "EVENT", "LOCATION", "STANCE"}
    # Generated documents reuse the training quotes, so nothing is left incomplete.
    assert result.left_out == {}
    second = predict_to_annotations(models, corpus, tmp_path)
    assert second.written == [] and len(second.unchanged) == len(corpus.documents)


def test_complete_spans_fills_from_memory_and_links_holders() -> None:
    text = "Blinken met Wang. Mr Nobody said Taiwan must be defended. Beijing vowed reunification."
    doc = _doc("doc_a", "doc_a", text, [])
    doc.sentences = [(0, 17), (18, 57), (58, 86)]

    def span(label: str, start: int, end: int, **attrs: str) -> Span:
        return Span(
            make_span_id("doc_a", label, start, end),
            start,
            end,
            text[start:end],
            label,
            dict(attrs),
        )

    actor = {"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"}
    memory = {"ACTOR": {"blinken": actor}, "EVENT": {"met": {"modality": "historical"}}}
    spans = [
        span("ACTOR", 0, 7),
        span("EVENT", 8, 11, category="CONSULT"),
        span("ACTOR", 12, 16),  # "Wang": never seen in training
        span("STANCE", 0, 17, value="FAVOR"),
        span("STANCE", 18, 57, value="FAVOR"),  # its sentence has no complete ACTOR
        span("EVENT", 66, 71, category="AGREE"),  # "vowed": modality defaults
    ]
    kept, relations, left_out = complete_spans(doc, spans, memory, read_taxonomy())
    assert [(s.text, s.attributes) for s in kept] == [
        ("Blinken", actor),
        ("met", {"category": "CONSULT", "modality": "historical"}),
        ("Blinken met Wang.", {"value": "FAVOR"}),
        ("vowed", {"category": "AGREE", "modality": "asserted"}),
    ]
    assert relations == [RelationLink("holder", spans[3].id, spans[0].id)]
    assert left_out == {"ACTOR": 1, "STANCE": 1}


def test_predictions_are_valid_label_studio_predictions(
    corpus: Corpus, trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    """What `toolkit labelstudio push` checks before importing a prediction layer."""
    from label_studio_sdk.label_interface import LabelInterface

    import toolkit.labelstudio as ls

    result = predict_to_annotations(trained[0], corpus, tmp_path)
    tax = read_taxonomy()
    checker = ls.PredictionChecker(LabelInterface(ls.make_label_config(tax)))
    layer = ls.read_prediction_layer(tmp_path / result.layer)
    for doc in corpus.documents:
        task = ls.TaskDocument(doc_id=doc.doc_id, text=doc.text, text_sha256=doc.text_sha256)
        predictions, problems = ls.build_predictions(task, [layer], tax, checker)
        assert problems == []
        assert predictions[result.layer]
