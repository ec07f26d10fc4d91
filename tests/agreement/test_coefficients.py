"""Tests for toolkit.agreement.coefficients: published worked examples, maintained packages."""

from __future__ import annotations

from typing import Any

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from toolkit.agreement.coefficients import cohen_kappa, fleiss_kappa, krippendorff_alpha

N = None


# ---------------------------------------------------------------- published worked examples

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, section C: 4 observers, 12 units, missing values.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)],
    ids=["nominal", "ordinal", "interval"],
)
def test_krippendorff_alpha_2011_worked_example(level: str, expected: float) -> None:
    result = krippendorff_alpha(K2011, level=level)
    assert result.value == pytest.approx(expected, abs=5e-4)
    assert result.n == 11  # unit 12 has one value only and is not pairable


def test_fleiss_kappa_wikipedia_example() -> None:
    # Fleiss (1971) via Wikipedia "Fleiss' kappa", worked example: 10 subjects, 14 raters.
    table = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    assert fleiss_kappa(table).value == pytest.approx(0.210, abs=5e-4)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0] * 40 + [1] * 60, [0] * 20 + [1] * 20 + [0] * 10 + [1] * 50, 0.348),
        ([0] * 46 + [1] * 44 + [2] * 10, [0] * 52 + [1] * 32 + [2] * 16, 0.8013),
        ([0] * 46 + [1] * 44 + [2] * 10, [0] * 50 + [1] * 40 + [2] * 10, 0.9315),
    ],
    ids=["two-class", "three-class", "three-class-close"],
)
def test_cohen_kappa_sklearn_test_values(a: list[int], b: list[int], expected: float) -> None:
    # Values from scikit-learn's sklearn/metrics/tests/test_classification.py::test_cohen_kappa.
    assert cohen_kappa(a, b).value == pytest.approx(expected, abs=5e-4)


# ---------------------------------------------------------------- against maintained packages


@pytest.mark.parametrize("seed", range(5), ids=[f"seed{i}" for i in range(5)])
def test_cohen_kappa_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 60)
    b = np.where(rng.random(60) < 0.6, a, rng.integers(0, 4, 60))
    assert cohen_kappa(a.tolist(), b.tolist()).value == pytest.approx(
        cohen_kappa_score(a, b), abs=1e-12
    )


@pytest.mark.parametrize("seed", range(5), ids=[f"seed{i}" for i in range(5)])
def test_fleiss_kappa_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = rng.multinomial(5, [0.5, 0.3, 0.2], size=30)
    assert fleiss_kappa(table).value == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


@pytest.mark.parametrize(
    "level", ["nominal", "ordinal", "interval"], ids=["nominal", "ordinal", "interval"]
)
@pytest.mark.parametrize("seed", range(4), ids=[f"seed{i}" for i in range(4)])
def test_krippendorff_alpha_matches_package(seed: int, level: str) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, 40)
    data = np.array(
        [np.where(rng.random(40) < 0.7, truth, rng.integers(1, 6, 40)) for _ in range(4)],
        dtype=float,
    )
    data[rng.random(data.shape) < 0.2] = np.nan
    table = [[None if np.isnan(v) else int(v) for v in row] for row in data]
    order = [1, 2, 3, 4, 5]
    ours = krippendorff_alpha(table, level=level, order=order if level != "nominal" else None)
    theirs = krippendorff.alpha(
        reliability_data=data, level_of_measurement=level, value_domain=order
    )
    assert ours.value == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: cohen_kappa(["A", "A"], ["A", "A"]), "one category only: expected agreement is 1"),
        (lambda: cohen_kappa([N, "A"], ["B", N]), "no item coded by both"),
        (
            lambda: fleiss_kappa(np.array([[3, 0], [3, 0]])),
            "one category only: expected agreement is 1",
        ),
        (
            lambda: krippendorff_alpha([["x", "x"], ["x", "x"]]),
            "one value only: expected disagreement is 0",
        ),
        (lambda: krippendorff_alpha([["x", N], [N, "y"]]), "no unit has two or more values"),
    ],
    ids=[
        "kappa-one-category",
        "kappa-no-overlap",
        "fleiss-one-category",
        "alpha-one-value",
        "alpha-unpairable",
    ],
)
def test_degenerate_coefficients_give_reasons(call: Any, reason: str) -> None:
    result = call()
    assert result.value is None
    assert result.reason == reason
