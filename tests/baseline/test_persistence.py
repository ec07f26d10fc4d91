"""Tests for toolkit.baseline.persistence: save, load and refusals, canonical skops bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.baseline.corpus import Corpus
from toolkit.baseline.estimators import Models
from toolkit.baseline.features import (
    hash_token_features,
)
from toolkit.baseline.persistence import (
    TRUSTED_TYPES,
    _load_bytes,
    dump_bytes,
    load_models,
    save_models,
)
from toolkit.baseline.prediction import predict_documents
from toolkit.errors import ModelError


def test_save_load_round_trip_predicts_the_same(
    corpus: Corpus, trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    models, blobs = trained
    save_models(tmp_path, models, blobs)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "attributes.json",
        "event.skops",
        "model_card.json",
        "model_card.md",
        "stance.skops",
        "tagger.skops",
    ]
    loaded = load_models(tmp_path)
    assert loaded.card == json.loads(json.dumps(models.card))
    before = predict_documents(models, corpus.documents)
    after = predict_documents(loaded, corpus.documents)
    assert before == after
    card = (tmp_path / "model_card.md").read_text(encoding="utf-8")
    assert models.card["data_version"] in card and "skops" in card


def test_load_refuses_a_changed_model_file(
    trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    save_models(tmp_path, *trained)
    path = tmp_path / "stance.skops"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError) as info:
        load_models(tmp_path)
    assert str(info.value) == f"{path}: model file does not match the sha256 in model_card.json"


def test_load_refuses_a_changed_attribute_memory(
    trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    save_models(tmp_path, *trained)
    path = tmp_path / "attributes.json"
    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_models(tmp_path)
    assert str(info.value) == (
        f"{path}: attribute memory does not match the sha256 in model_card.json"
    )


def test_load_refuses_other_features_version(
    trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    save_models(tmp_path, *trained)
    card_path = tmp_path / "model_card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["features_version"] = "0"
    card_path.write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_models(tmp_path)
    assert str(info.value) == (
        f"{card_path}: model was trained with features version '0'; this toolkit computes "
        "version '1': retrain"
    )


def test_model_files_need_no_extra_trusted_types(
    trained: tuple[Models, dict[str, bytes]],
) -> None:
    import skops.io as sio

    for blob in trained[1].values():
        assert sorted(sio.get_untrusted_types(data=blob)) == sorted(TRUSTED_TYPES)


def test_canonical_skops_is_stable_and_loadable(
    trained: tuple[Models, dict[str, bytes]],
) -> None:
    model = trained[0].tagger
    assert model is not None
    first = dump_bytes(model)
    assert dump_bytes(model) == first
    loaded = _load_bytes(first, Path("tagger.skops"))
    features = hash_token_features([["Blinken", "met", "Wang", "in", "Beijing"]])
    assert list(loaded.predict(features)) == list(model.predict(features))
