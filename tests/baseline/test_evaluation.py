"""Tests for toolkit.baseline.evaluation: cross-validated scores, rules, human ceiling, reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.baseline.corpus import Corpus, Document
from toolkit.baseline.evaluation import evaluate_corpus
from toolkit.baseline.evaluation_report import (
    _human_bar,
    _summary_rows,
    render_html,
    write_evaluation,
)
from toolkit.errors import ModelError

from .test_corpus import _doc


def test_evaluate_with_one_cluster_is_a_model_error(corpus: Corpus) -> None:
    one = Corpus(
        [Document(**{**vars(d), "cluster_id": "same"}) for d in corpus.documents[:3]],
        "v",
        "",
        "constructed",
    )
    with pytest.raises(ModelError, match="needs at least 2 near-duplicate clusters"):
        evaluate_corpus(one, n_boot=10, fractions=(1.0,))


def test_evaluate_without_any_gold_span_reports_reasons(tmp_path: Path) -> None:
    corpus = Corpus(
        [_doc(f"doc_{i}", f"doc_{i}", text, []) for i, text in enumerate(["Quiet day.", "Calm."])],
        "v",
        "",
        "constructed",
    )
    data = evaluate_corpus(corpus, n_boot=20, fractions=(0.5, 1.0), repeats=1)
    assert data["warnings"][1] == (
        "fold 0: stance: the training data has one class only (NONE, 1 example(s)); need at least "
        "two classes of AGAINST, FAVOR, NONE (sentences) (that fold's test units got the fold's "
        "majority class)"
    )
    assert len(data["problems"]) == 6  # three models in each of two folds
    model = data["systems"]["model"]
    assert model["stance"]["semeval2016_f_avg"]["reason"] == (
        "no gold and no predicted FAVOR or AGAINST"
    )
    assert model["event"]["macro_f1"] == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "reason": "no examples",
    }
    write_evaluation(tmp_path, data)  # null figures with reasons still make a report


def test_evaluation_report_on_generated_data(corpus: Corpus, tmp_path: Path) -> None:
    data = evaluate_corpus(corpus, folds=3, n_boot=50, fractions=(0.5, 1.0), repeats=1)
    assert data["setup"]["cv"] == "GroupKFold (3 folds over 6 clusters)"
    test_clusters = [set(f["test_clusters"]) for f in data["setup"]["folds"]]
    assert sum(len(c) for c in test_clusters) == len(set().union(*test_clusters)) == 6
    assert data["warnings"][0].startswith("Small data: 12 document(s) in 6 near-duplicate")
    model, majority = data["systems"]["model"], data["systems"]["majority"]
    strict = model["spans"]["semeval2013"]["strict"]["overall"]["f1"]
    assert strict["ci_low"] <= strict["value"] <= strict["ci_high"]
    assert majority["stance"]["semeval2016_f_avg"]["value"] == 0.0  # always NONE
    assert model["stance"]["semeval2016_f_avg"]["value"] > 0.5
    assert data["systems"]["rules"] == {"unavailable": "no rules-v1 layer in the dataset"}
    # The agreement matcher's exact score is the strict scheme under another name.
    matcher = model["spans"]["agreement_matcher"]
    assert matcher["exact"]["ALL"]["f1"]["value"] == pytest.approx(strict["value"])
    type_f1 = model["spans"]["semeval2013"]["type"]["per_label"]["ACTOR"]["f1"]["value"]
    assert matcher["overlap"]["ACTOR"]["f1"]["value"] >= type_f1 - 1e-9
    assert [p["fraction"] for p in data["learning_curves"]["tagger"]] == [0.5, 1.0]
    paths = write_evaluation(tmp_path, data)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Small data" in paths["md"].read_text(encoding="utf-8")


def test_rules_layer_and_human_ceiling_are_reported(corpus: Corpus) -> None:
    """A layer equal to gold scores 1 everywhere; agreement.json figures are carried over."""
    rules = {d.doc_id: d.spans for d in corpus.documents}
    agreement = {
        "annotators": ["pass-a", "pass-b"],
        "per_document": [{"doc_id": d.doc_id} for d in corpus.documents],
        "spans": {"ALL": {"f1_exact": {"value": 0.9, "ci_low": 0.8, "ci_high": 0.95}}},
        "attributes": {"STANCE.value": {"cohen_kappa": {"value": 0.7}, "attribute": "value"}},
    }
    data = evaluate_corpus(
        corpus, folds=2, n_boot=20, fractions=(1.0,), rules=rules, agreement=agreement
    )
    scores = data["systems"]["rules"]
    assert scores["spans"]["semeval2013"]["strict"]["overall"]["f1"]["value"] == 1.0
    assert scores["stance"]["macro_f1"]["value"] == 1.0
    assert scores["event"]["accuracy"]["value"] == 1.0
    human = data["human"]
    assert human["coverage"] == "same documents (12)"
    assert human["attributes"] == {"STANCE.value": {"cohen_kappa": {"value": 0.7}}}
    rows = _summary_rows(data)
    assert rows[1][-1] == "0.900 [0.800, 0.950] (pairwise F1, exact)"
    # The summary charts draw the human ceiling as a bar beside the systems.
    assert _human_bar(human, "tagger") == ("human (pairwise F1, exact)", 0.9, 0.8, 0.95)
    assert _human_bar(human, "stance") == ("human (cohen_kappa on matched spans)", 0.7, None, None)
    assert _human_bar(human, "event") == ("human agreement", None, None, None)
    html = render_html(data)
    assert "<title>human (pairwise F1, exact): 0.900 [0.800, 0.950]</title>" in html
