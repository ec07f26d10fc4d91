"""Tests for toolkit.baseline.scoring: SemEval-2013 span schemes, classification, bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.baseline.features import (
    STANCE_VALUES,
)
from toolkit.baseline.scoring import (
    COR_G,
    COR_P,
    INC_G,
    INC_P,
    MIS,
    PAR_G,
    PAR_P,
    SCHEMES,
    SPU,
    bootstrap_weights,
    classification_counts,
    classification_scores,
    semeval_counts,
    semeval_prf,
    span_scores_semeval,
)

# Batista (2018), "Named-entity evaluation metrics based on entity-level": its six scenarios, one
# per document region. Expected counts are the post's summary table; P = (COR [+ PAR/2]) / ACT and
# R = (COR [+ PAR/2]) / POS with POS = ACT = 5 (Segura-Bedmar et al. 2013).
BATISTA_GOLD = [
    ("BRAND", 0, 7),  # I: exact match
    ("BRAND", 20, 27),  # II: missed
    ("DRUG", 60, 68),  # IV: wrong type, same boundaries
    ("GROUP", 80, 91),  # V: overlapping boundaries, same type
    ("GROUP", 100, 111),  # VI: overlapping boundaries, wrong type
]
BATISTA_PRED = [
    ("BRAND", 0, 7),
    ("BRAND", 40, 47),  # III: spurious
    ("BRAND", 60, 68),
    ("GROUP", 80, 95),
    ("DRUG", 100, 105),
]
BATISTA_LABELS = ("BRAND", "DRUG", "GROUP")


@pytest.mark.parametrize(
    ("scheme", "cor", "inc", "par", "precision", "recall", "f1"),
    [
        ("strict", 1, 3, 0, 0.2, 0.2, 0.2),
        ("exact", 2, 2, 0, 0.4, 0.4, 0.4),
        ("partial", 2, 0, 2, 0.6, 0.6, 0.6),  # (COR + PAR/2) / 5
        ("type", 2, 2, 0, 0.4, 0.4, 0.4),
    ],
    ids=["strict", "exact", "partial", "type"],
)
def test_semeval_worked_example(
    scheme: str, cor: int, inc: int, par: int, precision: float, recall: float, f1: float
) -> None:
    counts = semeval_counts(BATISTA_GOLD, BATISTA_PRED, BATISTA_LABELS)
    block = counts[SCHEMES.index(scheme)].sum(axis=0)
    assert block[COR_G] == block[COR_P] == cor
    assert block[INC_G] == block[INC_P] == inc
    assert block[PAR_G] == block[PAR_P] == par
    assert block[MIS] == 1
    assert block[SPU] == 1
    p, r, f = semeval_prf(block, scheme)
    assert (float(p), float(r), float(f)) == pytest.approx((precision, recall, f1))


def test_partial_credit_adds_up_across_documents() -> None:
    """Each document has one PAR; the corpus score keeps both halves (nervaluate 1.1.0 did not)."""
    doc = semeval_counts([("ACTOR", 0, 10)], [("ACTOR", 0, 5)], ("ACTOR",))
    both = np.stack([doc, doc])
    scores = span_scores_semeval(both, ("ACTOR",), np.zeros((0, 2)))
    partial = scores["partial"]["overall"]
    assert partial["counts"]["par_gold"] == 2
    assert partial["precision"]["value"] == pytest.approx(0.5)
    assert partial["recall"]["value"] == pytest.approx(0.5)
    assert scores["strict"]["overall"]["f1"]["value"] == 0.0


@pytest.mark.parametrize(
    ("gold", "pred", "f1"),
    [
        ([("ACTOR", 0, 5)], [], 0.0),
        ([], [("ACTOR", 0, 5)], 0.0),
        ([], [], None),
    ],
    ids=["nothing-predicted", "all-spurious", "nothing-at-all"],
)
def test_semeval_f1_with_an_empty_side(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]], f1: float | None
) -> None:
    counts = semeval_counts(gold, pred, ("ACTOR",))[None, ...]
    scores = span_scores_semeval(counts, ("ACTOR",), np.zeros((0, 1)))
    assert scores["strict"]["overall"]["f1"]["value"] == f1


span_strategy = st.lists(
    st.tuples(st.sampled_from(["ACTOR", "EVENT"]), st.integers(0, 40), st.integers(1, 8)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(span_strategy, span_strategy)
def test_semeval_counts_invariants(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]]
) -> None:
    """One-to-one matching: POS = #gold, ACT = #predicted in every scheme; strict <= exact."""
    counts = semeval_counts(gold, pred, ("ACTOR", "EVENT")).sum(axis=1)
    for si in range(len(SCHEMES)):
        c = counts[si]
        assert c[COR_G] + c[INC_G] + c[PAR_G] + c[MIS] == len(gold)
        assert c[COR_P] + c[INC_P] + c[PAR_P] + c[SPU] == len(pred)
    strict, exact = counts[SCHEMES.index("strict")], counts[SCHEMES.index("exact")]
    assert strict[COR_G] <= exact[COR_G]


def test_classification_scores_match_hand_computed_values() -> None:
    gold = ["FAVOR", "FAVOR", "AGAINST", "NONE", "NONE", "AGAINST"]
    pred = ["FAVOR", "NONE", "AGAINST", "NONE", "FAVOR", "NONE"]
    counts = classification_counts(gold, pred, [0, 0, 0, 1, 1, 1], 2, STANCE_VALUES)
    scores = classification_scores(counts, STANCE_VALUES, np.zeros((0, 2)), stance=True)
    # FAVOR: tp 1, fp 1, fn 1 -> F1 1/2; AGAINST: tp 1, fp 0, fn 1 -> 2/3; NONE: tp 1, fp 2, fn 1
    # -> 2/5.
    assert scores["per_label"]["FAVOR"]["f1"]["value"] == pytest.approx(1 / 2)
    assert scores["per_label"]["AGAINST"]["f1"]["value"] == pytest.approx(2 / 3)
    assert scores["per_label"]["NONE"]["f1"]["value"] == pytest.approx(2 / 5)
    assert scores["semeval2016_f_avg"]["value"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert scores["macro_f1"]["value"] == pytest.approx((1 / 2 + 2 / 3 + 2 / 5) / 3)
    assert scores["accuracy"]["value"] == pytest.approx(3 / 6)
    assert scores["per_label"]["AGAINST"]["precision"]["value"] == 1.0


def test_undefined_f1_is_null_with_reason() -> None:
    counts = classification_counts(["NONE"], ["NONE"], [0], 1, STANCE_VALUES)
    scores = classification_scores(counts, STANCE_VALUES, bootstrap_weights(1, 50, 0))
    assert scores["per_label"]["FAVOR"]["f1"] == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "reason": "no gold and no predicted FAVOR",
    }


def test_bootstrap_interval_is_seeded_and_brackets_the_value() -> None:
    rng = np.random.default_rng(1)
    gold = list(rng.choice(STANCE_VALUES, 200))
    pred = [g if rng.random() < 0.7 else "NONE" for g in gold]
    docs = [i // 10 for i in range(200)]
    counts = classification_counts(gold, pred, docs, 20, STANCE_VALUES)
    first = classification_scores(counts, STANCE_VALUES, bootstrap_weights(20, 300, 7))
    again = classification_scores(counts, STANCE_VALUES, bootstrap_weights(20, 300, 7))
    assert first == again
    macro = first["macro_f1"]
    assert macro["ci_low"] <= macro["value"] <= macro["ci_high"]
    assert macro["ci_low"] < macro["ci_high"]
