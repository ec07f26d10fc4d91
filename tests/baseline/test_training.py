"""Tests for toolkit.baseline.training: degenerate data, reproducible model bytes."""

from __future__ import annotations

import pytest

from toolkit.baseline.corpus import Corpus
from toolkit.baseline.estimators import Models
from toolkit.baseline.training import train_models
from toolkit.errors import ModelError

from .test_corpus import _doc


def test_degenerate_models_are_skipped_with_reasons() -> None:
    text = "Blinken met Wang in Beijing."
    spans: list[dict[str, object]] = [
        {"label": "ACTOR", "start": 0, "end": 7, "attributes": {}},
        {"label": "EVENT", "start": 8, "end": 11, "attributes": {"category": "CONSULT"}},
    ]
    corpus = Corpus([_doc("doc_a", "doc_a", text, spans)], "v", "", "constructed")
    models, blobs = train_models(corpus)
    assert sorted(blobs) == ["tagger"]
    assert models.card["skipped"] == {
        "event": "event: the training data has one class only (CONSULT, 1 example(s)); need at "
        "least two classes of PLOVER categories (EVENT spans with a category)",
        "stance": "stance: the training data has one class only (NONE, 1 example(s)); need at "
        "least two classes of AGAINST, FAVOR, NONE (sentences)",
    }


def test_nothing_trainable_is_a_model_error() -> None:
    corpus = Corpus([_doc("doc_a", "doc_a", "Quiet day.", [])], "v", "", "constructed")
    with pytest.raises(ModelError) as info:
        train_models(corpus)
    assert str(info.value).startswith("constructed: no baseline could be trained: event: ")


def test_same_data_and_seed_give_same_model_bytes(
    corpus: Corpus, trained: tuple[Models, dict[str, bytes]]
) -> None:
    again, blobs = train_models(corpus, name="test", seed=0)
    assert blobs == trained[1]
    assert again.card["model_version"] == trained[0].card["model_version"]
