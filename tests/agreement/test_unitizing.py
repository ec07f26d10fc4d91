"""Tests for toolkit.agreement.unitizing: DKPro's worked examples and a brute-force check."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest

from toolkit.agreement.unitizing import unitizing_alpha, unitizing_disagreements
from toolkit.annotations.matching import OVERALL


def units_frame(units: Sequence[tuple[int, int, int, str]], offset: int = 0) -> pl.DataFrame:
    """(offset, length, rater, category) units as DKPro writes them, on one document 'd'."""
    return pl.DataFrame(
        [
            {
                "doc_id": "d",
                "annotator_id": f"r{r}",
                "label": c,
                "start": s - offset,
                "end": s - offset + n,
            }
            for s, n, r, c in units
        ]
    )


# Krippendorff (2004), Content Analysis, 2nd ed., p. 254, as DKPro Statistics encodes it in
# Krippendorff2004Test.java (continuum 150..450, two observers, categories c and k).
K2004 = [
    (225, 70, 0, "c"),
    (370, 30, 0, "c"),
    (220, 80, 1, "c"),
    (355, 20, 1, "c"),
    (400, 20, 1, "c"),
    (180, 60, 0, "k"),
    (300, 50, 0, "k"),
    (180, 60, 1, "k"),
    (300, 50, 1, "k"),
]


def test_unitizing_alpha_krippendorff_2004_example() -> None:
    # DKPro's expected values: D_o(c) 0.0144, D_e(c) 0.0532, alpha(c) 0.7286 (+-1e-4),
    # D_e(k) 0.0490, alpha(k) 1.0, overall alpha 0.8591 (+-5e-4).
    units = units_frame(K2004, offset=150)
    parts = unitizing_disagreements(units, {"d": 300}, annotators=["r0", "r1"])
    assert parts["c"][0] == pytest.approx(0.0144, abs=1e-4)
    assert parts["c"][1] == pytest.approx(0.0532, abs=1e-4)
    assert parts["k"][0] == pytest.approx(0.0, abs=1e-4)
    assert parts["k"][1] == pytest.approx(0.0490, abs=1e-4)
    alpha = unitizing_alpha(units, {"d": 300}, annotators=["r0", "r1"])
    assert alpha["c"].value == pytest.approx(0.7286, abs=1e-4)
    assert alpha["k"].value == pytest.approx(1.0, abs=1e-4)
    assert alpha[OVERALL].value == pytest.approx(0.8591, abs=5e-4)


def k1995(stretch: int) -> list[tuple[int, int, int, str]]:
    """Krippendorff (1995: p. 57) example as in DKPro's Krippendorff1995Test.createExample."""
    base = [
        (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
        (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
        (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
        (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"),
        (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
        (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
        (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
    ]  # fmt: skip
    return [(s * stretch, n * stretch, r, c) for s, n, r, c in base]


def test_unitizing_alpha_krippendorff_1995_example() -> None:
    # Observed disagreements are exact in DKPro's test (1e-5); expected disagreements and alphas
    # are the paper's (DKPro allows 0.005 and 0.02: the paper has a small error in D_e).
    parts = unitizing_disagreements(units_frame(k1995(1)), {"d": 24}, annotators=["r0", "r1"])
    observed = {c: p[0] for c, p in parts.items()}
    assert observed == pytest.approx(
        {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}, abs=1e-5
    )
    units = units_frame(k1995(50_000))
    parts = unitizing_disagreements(units, {"d": 24 * 50_000}, annotators=["r0", "r1"])
    expected = {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}
    assert {c: p[1] for c, p in parts.items()} == pytest.approx(expected, abs=5e-3)
    alpha = unitizing_alpha(units, {"d": 24 * 50_000}, annotators=["r0", "r1"])
    paper = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
    assert {c: alpha[c].value for c in paper} == pytest.approx(paper, abs=0.02)


def brute_force_unitizing(
    units: Sequence[tuple[int, int, int, str]], length: int, n_raters: int, category: str
) -> tuple[float, float]:
    """Krippendorff's (1995) D_o and D_e by walking the continuum segment by segment.

    An independent, loop-by-loop transcription of the published formulas (as DKPro's
    KrippendorffAlphaUnitizingAgreement computes them), to check the vectorized version.
    """

    def segments(rater: int) -> list[tuple[int, int, bool]]:
        own = sorted((s, n) for s, n, r, c in units if r == rater and c == category)
        out, pos = [], 0
        for s, n in own:
            if s > pos:
                out.append((pos, s - pos, False))
            out.append((s, n, True))
            pos = s + n
        if pos < length:
            out.append((pos, length - pos, False))
        return out

    def distance(a: tuple[int, int, bool], b: tuple[int, int, bool]) -> float:
        (s1, l1, c1), (s2, l2, c2) = a, b
        begin, diff = s1 - s2, l1 - l2
        if c1 and c2 and -l1 < begin < l2:
            return begin * begin + (begin + diff) ** 2
        if c1 and not c2 and -diff >= begin >= 0:
            return l1 * l1
        if not c1 and c2 and -diff <= begin <= 0:
            return l2 * l2
        return 0.0

    segs = [segments(r) for r in range(n_raters)]
    observed = 0.0
    for r1 in range(n_raters):
        for r2 in range(n_raters):
            if r1 != r2:
                observed += sum(distance(a, b) for a in segs[r1] for b in segs[r2])
    d_o = observed / (n_raters * (n_raters - 1) * length * length)
    lengths = [n for s, n, r, c in units if c == category]
    gaps = [n for seg in segs for s, n, coded in seg if not coded]
    total = sum(
        (len(lengths) - 1) * (2 * n**3 - 3 * n**2 + n) / 3
        + n * n * sum(g - n + 1 for g in gaps if g >= n)
        for n in lengths
    )
    denominator = n_raters * length * (n_raters * length - 1) - sum(n * (n - 1) for n in lengths)
    return d_o, 2 / length * total / denominator


@pytest.mark.parametrize("seed", range(6), ids=[f"seed{i}" for i in range(6)])
def test_unitizing_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    length, n_raters = 200, 2 + seed % 3
    units = []
    for r in range(n_raters):
        pos = int(rng.integers(0, 10))
        while pos < length - 5:
            n = int(rng.integers(1, 25))
            if pos + n > length:
                break
            units.append((pos, n, r, str(rng.choice(["x", "y"]))))
            pos += n + int(rng.integers(0, 20))
    frame = units_frame(units)
    raters = [f"r{r}" for r in range(n_raters)]
    parts = unitizing_disagreements(frame, {"d": length}, annotators=raters)
    for category in ("x", "y"):
        if not any(c == category for *_, c in units):
            continue
        d_o, d_e = brute_force_unitizing(units, length, n_raters, category)
        assert parts[category][0] == pytest.approx(d_o, rel=1e-9, abs=1e-12)
        assert parts[category][1] == pytest.approx(d_e, rel=1e-9)


def test_unitizing_alpha_needs_two_annotators() -> None:
    result = unitizing_alpha(units_frame(K2004, 150), {"d": 300}, annotators=["r0"])
    assert result == {OVERALL: result[OVERALL]}
    assert result[OVERALL].value is None
    assert result[OVERALL].reason == "needs two or more annotators, got 1"
