"""Tests for toolkit.agreement.study: the whole study on the seed texts."""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest

from toolkit.agreement.coefficients import cohen_kappa, krippendorff_alpha
from toolkit.agreement.layers import Layers
from toolkit.agreement.study import compute_agreement
from toolkit.annotations.matching import OVERALL, span_scores
from toolkit.errors import InputError

from .test_layers import make_layers, seed_spans

# ---------------------------------------------------------------- the whole study on seeds


def test_two_pass_study_on_seeds(two_pass_layers: Layers) -> None:
    result = compute_agreement(two_pass_layers, n_bootstrap=200, seed=0)
    data = result.data
    assert data["annotators"] == ["pass-a", "pass-b"]
    assert data["excluded_layers"] == ["gold"]
    assert data["documents"]["compared"] == 5
    overall = data["spans"][OVERALL]
    assert 0.9 < overall["f1_overlap"]["value"] < 1.0
    assert overall["f1_exact"]["value"] < overall["f1_overlap"]["value"]
    low, high = overall["f1_overlap"]["ci_low"], overall["f1_overlap"]["ci_high"]
    assert low <= overall["f1_overlap"]["value"] <= high
    assert data["spans"]["LOCATION"]["f1_exact"]["value"] == 1.0
    assert data["spans"]["STANCE"]["f1_exact"]["value"] is None
    assert (
        data["spans"]["STANCE"]["f1_exact"]["reason"] == "no spans of this label from any annotator"
    )
    assert data["disagreements"]["counts"] == {
        "label": 0,
        "missed span": 1,
        "boundary": 1,
        "attribute": 1,
    }
    category = data["attributes"]["EVENT.category"]
    assert ["CONSULT", "AGREE", 1] in category["confusion"]["pass-a|pass-b"]
    # the whole report is JSON with nulls and reasons, never NaN
    json.dumps(data, allow_nan=False)


def test_perfect_agreement_gives_one(seed_texts: dict[str, str]) -> None:
    a = seed_spans(seed_texts, "pass-a")
    b = [dict(s, annotator_id="pass-b") for s in a]
    c = [dict(s, annotator_id="ls-c") for s in a]
    for s in a + b + c:  # two categories so kappa is defined
        if s["label"] == "EVENT" and s["start"] % 2:
            s["attributes"] = dict(s["attributes"], category="ACCUSE")
    docs = list(seed_texts)
    layers = make_layers(seed_texts, a + b + c, {"pass-a": docs, "pass-b": docs, "ls-c": docs})
    data = compute_agreement(layers, n_bootstrap=50).data
    for label in ("ACTOR", "EVENT", "LOCATION", OVERALL):
        for key in ("f1_exact", "f1_overlap", "u_alpha"):
            assert data["spans"][label][key]["value"] == pytest.approx(1.0), (label, key)
    category = data["attributes"]["EVENT.category"]
    for key in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        assert category[key]["value"] == pytest.approx(1.0), key
    sector = data["attributes"]["ACTOR.sector"]
    assert sector["cohen_kappa"]["value"] is None
    assert (
        sector["cohen_kappa"]["reason"]
        == "one category only across matched spans: expected agreement is 1"
    )
    assert data["disagreements"]["total"] == 0


def test_no_spans_at_all(seed_texts: dict[str, str]) -> None:
    docs = list(seed_texts)
    layers = make_layers(seed_texts, [], {"pass-a": docs, "pass-b": docs})
    data = compute_agreement(layers, n_bootstrap=10).data
    assert (
        data["spans"][OVERALL]["f1_exact"]["reason"] == "no spans of this label from any annotator"
    )
    assert data["spans"][OVERALL]["u_alpha"]["value"] is None
    assert data["relations"]["holder"]["agreement"]["reason"] == "no matched STANCE spans"


def test_skipped_and_single_annotator_documents(seed_texts: dict[str, str]) -> None:
    docs = list(seed_texts)
    a = seed_spans(seed_texts, "pass-a")
    b = [dict(s, annotator_id="pass-b") for s in a if s["doc_id"] != docs[0]]
    layers = make_layers(
        seed_texts,
        a + b,
        {"pass-a": docs, "pass-b": docs},
        statuses={("pass-b", docs[0]): "skipped"},
    )
    data = compute_agreement(layers, n_bootstrap=10).data
    assert data["documents"] == {
        "compared": 4,
        "annotated_by_one_only": 1,
        "annotated_by_all": 4,
        "completed_by": {"pass-a": 5, "pass-b": 4},
    }
    assert data["spans"][OVERALL]["f1_exact"]["value"] == 1.0
    assert data["notes"] == ["1 annotation set(s) skipped in Label Studio count as not annotated."]


def test_label_conflict_and_holder_rule(seed_texts: dict[str, str]) -> None:
    doc = next(iter(seed_texts))
    text = seed_texts[doc]
    m = re.search(r"\bBlinken\b", text) or re.search(r"\w+", text)
    assert m is not None
    actor = {
        "doc_id": doc,
        "label": "ACTOR",
        "start": m.start(),
        "end": m.end(),
        "attributes": {"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"},
    }
    stance = {
        "doc_id": doc,
        "label": "STANCE",
        "start": 0,
        "end": 20,
        "attributes": {"value": "NONE"},
    }
    spans = [
        dict(actor, annotator_id="pass-a", span_id="sp_a_actor"),
        dict(stance, annotator_id="pass-a", holder="sp_a_actor"),
        # pass-b: the same holder by canonical name on another mention; EVENT where pass-a has ACTOR
        dict(
            actor,
            annotator_id="pass-b",
            label="EVENT",
            attributes={"category": "CONSULT", "modality": "asserted"},
        ),
        dict(
            actor,
            annotator_id="pass-b",
            span_id="sp_b_actor2",
            start=m.start() + 200,
            end=m.end() + 200,
        ),
        dict(stance, annotator_id="pass-b", holder="sp_b_actor2"),
    ]
    layers = make_layers(seed_texts, spans, {"pass-a": [doc], "pass-b": [doc]})
    result = compute_agreement(layers, n_bootstrap=0)
    assert result.data["relations"]["holder"]["agreement"]["value"] == 1.0
    kinds = result.disputes["kind"].to_list()
    assert kinds.count("label") == 2
    label_item = next(
        i
        for i in result.data["disagreements"]["items"]
        if i["kind"] == "label" and i["label"] == "ACTOR"
    )
    assert label_item["versions"]["pass-b"]["other_label_spans"][0]["label"] == "EVENT"
    assert label_item["context"]["text"] in text


def test_bootstrap_is_deterministic_and_matches_a_plain_loop(two_pass_layers: Layers) -> None:
    first = compute_agreement(two_pass_layers, n_bootstrap=300, seed=7).data
    again = compute_agreement(two_pass_layers, n_bootstrap=300, seed=7).data
    other = compute_agreement(two_pass_layers, n_bootstrap=300, seed=8).data
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert first["spans"][OVERALL]["f1_exact"] != other["spans"][OVERALL]["f1_exact"]
    # Plain loop: resample documents with the same generator, recompute overall overlap F1.
    docs = [d["doc_id"] for d in first["per_document"]]
    a = two_pass_layers.annotations.filter(pl.col("annotator_id") == "pass-a")
    b = two_pass_layers.annotations.filter(pl.col("annotator_id") == "pass-b")
    per_doc = {}
    for d in docs:
        s = span_scores(
            a.filter(pl.col("doc_id") == d), b.filter(pl.col("doc_id") == d), mode="overlap"
        )
        row = s.filter(pl.col("label") == OVERALL).row(0, named=True)
        per_doc[d] = (row["tp"], row["fp"], row["fn"])
    rng = np.random.default_rng(7)
    values = []
    for _ in range(300):
        counts = rng.multinomial(len(docs), np.full(len(docs), 1 / len(docs)))
        tp, fp, fn = (
            sum(c * per_doc[d][k] for c, d in zip(counts, docs, strict=True)) for k in range(3)
        )
        values.append(2 * tp / (2 * tp + fp + fn))
    low, high = np.percentile(values, [2.5, 97.5])
    assert first["spans"][OVERALL]["f1_overlap"]["ci_low"] == pytest.approx(low)
    assert first["spans"][OVERALL]["f1_overlap"]["ci_high"] == pytest.approx(high)


def test_attribute_figures_equal_the_standalone_coefficients(two_pass_layers: Layers) -> None:
    result = compute_agreement(two_pass_layers, n_bootstrap=0)
    category = result.data["attributes"]["EVENT.category"]
    pairs = [(a, b) for a, b, n in category["confusion"]["pass-a|pass-b"] for _ in range(n)]
    expected = cohen_kappa([p[0] for p in pairs], [p[1] for p in pairs]).value
    assert category["cohen_kappa"]["value"] == pytest.approx(expected)
    data = [[p[0] for p in pairs], [p[1] for p in pairs]]
    assert category["krippendorff_alpha"]["value"] == pytest.approx(krippendorff_alpha(data).value)


def test_unknown_annotator_is_an_input_error(two_pass_layers: Layers) -> None:
    with pytest.raises(InputError) as info:
        compute_agreement(two_pass_layers, annotators=["pass-a", "ls-nobody"])
    assert str(info.value) == "unknown annotator(s) ls-nobody; layers present: gold, pass-a, pass-b"
