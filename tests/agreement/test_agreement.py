"""Tests for toolkit.agreement: published worked examples, maintained packages, reports, CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from toolkit.agreement.coefficients import cohen_kappa, fleiss_kappa, krippendorff_alpha
from toolkit.agreement.layers import Layers, read_layers, read_layers_from_annotations
from toolkit.agreement.review import review_tasks, write_review_tasks
from toolkit.agreement.study import compute_agreement
from toolkit.agreement.unitizing import unitizing_alpha, unitizing_disagreements
from toolkit.annotations.matching import OVERALL, match_spans, span_scores
from toolkit.annotations.records import AnnotationFile, RelationLink, Span, write_annotation_file
from toolkit.cli import cli
from toolkit.core.ids import sha256_text
from toolkit.errors import InputError
from toolkit.taxonomy.labels import read_taxonomy

TAX = read_taxonomy()
N = None

# ---------------------------------------------------------------- helpers (also used by the
# property and browser tests)


def make_layers(
    texts: Mapping[str, str],
    spans: Sequence[Mapping[str, Any]],
    completed: Mapping[str, Sequence[str]],
    statuses: Mapping[tuple[str, str], str] | None = None,
) -> Layers:
    """Layers from plain span dicts: doc_id, annotator_id, label, start, end, attributes, holder."""
    names = TAX.attribute_names
    rows = []
    for s in spans:
        attrs = {n: None for n in names}
        attrs.update(s.get("attributes", {}))
        span_id = s.get("span_id") or f"sp_{s['annotator_id']}_{s['label']}_{s['start']}_{s['end']}"
        holder = s.get("holder")
        rows.append(
            {
                "doc_id": s["doc_id"],
                "annotator_id": s["annotator_id"],
                "span_id": span_id,
                "label": s["label"],
                "start": s["start"],
                "end": s["end"],
                "text": texts[s["doc_id"]][s["start"] : s["end"]],
                "attributes": attrs,
                "relations": [{"type": "holder", "to_span_id": holder}] if holder else [],
                "codebook_version": "1.0.0",
            }
        )
    annotations = pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String,
            "annotator_id": pl.String,
            "span_id": pl.String,
            "label": pl.String,
            "start": pl.Int32,
            "end": pl.Int32,
            "text": pl.String,
            "attributes": pl.Struct([pl.Field(n, pl.String) for n in names]),
            "relations": pl.List(
                pl.Struct([pl.Field("type", pl.String), pl.Field("to_span_id", pl.String)])
            ),
            "codebook_version": pl.String,
        },
    )
    statuses = statuses or {}
    sets = pl.DataFrame(
        [
            {
                "doc_id": d,
                "annotator_id": a,
                "status": statuses.get((a, d), "completed"),
                "source_kind": "manual",
                "n_spans": 0,
                "text_sha256": sha256_text(texts[d]),
                "codebook_version": "1.0.0",
            }
            for a, docs in completed.items()
            for d in docs
        ],
        schema={
            "doc_id": pl.String,
            "annotator_id": pl.String,
            "status": pl.String,
            "source_kind": pl.String,
            "n_spans": pl.Int32,
            "text_sha256": pl.String,
            "codebook_version": pl.String,
        },
    )
    documents = pl.DataFrame({"doc_id": list(texts), "text": list(texts.values())}).with_columns(
        pl.lit(None, dtype=pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32}))).alias(
            "sentences"
        )
    )
    return Layers(annotations=annotations, annotation_sets=sets, documents=documents)


WORDS = {
    "ACTOR": (
        r"\bBlinken\b|\bXi Jinping\b|\bBiden\b|\bWang Yi\b",
        {"country": "USA", "sector": "GOV"},
    ),
    "LOCATION": (
        r"\bBeijing\b|\bWashington\b",
        {"gazetteer_id": "geonames:1816670", "feature_type": "city"},
    ),
    "EVENT": (
        r"\bmeeting\b|\bmet\b|\btalks\b|\bvisit\b",
        {"category": "CONSULT", "modality": "asserted"},
    ),
}


def seed_spans(texts: Mapping[str, str], annotator: str) -> list[dict[str, Any]]:
    """Spans on fixed words of the seed texts: what two careful annotators would both mark."""
    out = []
    for doc_id, text in texts.items():
        for label, (pattern, attrs) in WORDS.items():
            for m in re.finditer(pattern, text):
                out.append(
                    {
                        "doc_id": doc_id,
                        "annotator_id": annotator,
                        "label": label,
                        "start": m.start(),
                        "end": m.end(),
                        "attributes": dict(attrs),
                    }
                )
    return out


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    """Texts of the five seed articles as toolkit.ingest reads them, by doc_id."""
    from toolkit.ingest.article import read_article

    root = Path(__file__).resolve().parents[2] / "seeds"
    articles = [read_article(p) for p in sorted(root.glob("*.txt"))]
    return {a.doc_id: a.text for a in articles}


@pytest.fixture(scope="module")
def two_pass_layers(seed_texts: dict[str, str]) -> Layers:
    """pass-a and pass-b on the seeds: pass-b shifts one ACTOR, drops one EVENT, recodes one."""
    a = seed_spans(seed_texts, "pass-a")
    b = [dict(s, annotator_id="pass-b", attributes=dict(s["attributes"])) for s in a]
    actors = [s for s in b if s["label"] == "ACTOR"]
    actors[0]["end"] -= 1  # boundary disagreement
    events = [i for i, s in enumerate(b) if s["label"] == "EVENT"]
    b[events[1]]["attributes"]["category"] = "AGREE"  # attribute disagreement
    del b[events[0]]  # missed span
    gold = [dict(s, annotator_id="gold") for s in a]
    docs = list(seed_texts)
    return make_layers(seed_texts, a + b + gold, {"pass-a": docs, "pass-b": docs, "gold": docs})


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


# ---------------------------------------------------------------- span matching


def frame(spans: Sequence[tuple[str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        spans,
        schema={"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64},
        orient="row",
    )


def test_span_scores_exact_and_overlap() -> None:
    ref = frame(
        [
            ("d", "ACTOR", 0, 10),
            ("d", "ACTOR", 20, 30),
            ("d", "EVENT", 40, 45),
            ("e", "ACTOR", 0, 3),
        ]
    )
    cand = frame(
        [
            ("d", "ACTOR", 0, 10),
            ("d", "ACTOR", 22, 30),
            ("d", "LOCATION", 40, 45),
            ("e", "ACTOR", 5, 8),
        ]
    )
    exact = {r["label"]: r for r in span_scores(ref, cand, mode="exact").iter_rows(named=True)}
    assert (exact["ACTOR"]["tp"], exact["ACTOR"]["fp"], exact["ACTOR"]["fn"]) == (1, 2, 2)
    assert exact["EVENT"]["precision"] is None and exact["EVENT"]["recall"] == 0.0
    assert exact["LOCATION"]["recall"] is None and exact["LOCATION"]["f1"] == 0.0
    overlap = {r["label"]: r for r in span_scores(ref, cand, mode="overlap").iter_rows(named=True)}
    assert (overlap["ACTOR"]["tp"], overlap["ACTOR"]["fp"], overlap["ACTOR"]["fn"]) == (2, 1, 1)
    assert overlap[OVERALL]["f1"] == pytest.approx(2 * 2 / (2 * 2 + 2 + 2))


def test_match_spans_is_one_to_one_by_largest_overlap() -> None:
    ref = frame([("d", "ACTOR", 0, 10)])
    cand = frame([("d", "ACTOR", 0, 4), ("d", "ACTOR", 3, 10)])
    matches = match_spans(ref, cand, mode="overlap")
    assert matches.rows() == [(0, 1, 7)]


def test_span_scores_empty_inputs_are_null_not_nan() -> None:
    empty = frame([])
    scores = span_scores(empty, empty, mode="overlap")
    assert scores.rows() == [(OVERALL, 0, 0, 0, None, None, None)]


def test_match_spans_rejects_unknown_mode_and_columns() -> None:
    with pytest.raises(Exception, match="unknown matching mode 'fuzzy'; valid: exact, overlap"):
        match_spans(frame([]), frame([]), mode="fuzzy")
    with pytest.raises(InputError, match="reference spans lack column"):
        match_spans(pl.DataFrame({"doc_id": ["d"]}), frame([]), mode="exact")


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


def test_one_annotator_gives_reasons(seed_texts: dict[str, str]) -> None:
    docs = list(seed_texts)
    layers = make_layers(seed_texts, seed_spans(seed_texts, "pass-a"), {"pass-a": docs})
    data = compute_agreement(layers, n_bootstrap=10).data
    f1 = data["spans"][OVERALL]["f1_overlap"]
    assert (f1["value"], f1["reason"]) == (None, "needs two or more annotators, got 1")
    assert data["spans"][OVERALL]["u_alpha"]["reason"] == "needs two or more annotators, got 1"
    assert (
        data["attributes"]["EVENT.category"]["fleiss_kappa"]["reason"]
        == "needs two or more annotators, got 1"
    )
    assert data["documents"]["annotated_by_one_only"] == 5
    json.dumps(data, allow_nan=False)


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


def test_review_tasks_are_label_studio_tasks(two_pass_layers: Layers, tmp_path: Path) -> None:
    result = compute_agreement(two_pass_layers, n_bootstrap=0)
    tasks = review_tasks(result)
    assert len(tasks) == result.data["disagreements"]["total"] == 3
    for task in tasks:
        assert set(task) == {"data", "predictions"}
        assert set(task["data"]) == {"text", "doc_id", "disagreement"}
        assert [p["model_version"] for p in task["predictions"]] == ["pass-a", "pass-b"]
        for p in task["predictions"]:
            for region in p["result"]:
                value = region["value"]
                quote = task["data"]["text"][value["start"] : value["end"]]
                assert region["type"] != "labels" or quote == value["text"]
    path = write_review_tasks(tmp_path / "review.json", tasks)
    assert json.loads(path.read_text()) == json.loads(json.dumps(tasks, sort_keys=True))


def test_report_files_and_cli(two_pass_layers: Layers, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    two_pass_layers.annotations.write_parquet(dataset / "annotations.parquet")
    two_pass_layers.annotation_sets.write_parquet(dataset / "annotation_sets.parquet")
    two_pass_layers.documents.write_parquet(dataset / "documents.parquet")
    out = tmp_path / "reports"
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "agreement",
            str(dataset),
            "--out",
            str(out),
            "--bootstrap",
            "50",
            "--review-tasks",
            str(out / "review.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "2 annotator(s), 5 document(s) compared" in res.output
    assert "Wrote 3 review task(s)" in res.output
    data = json.loads((out / "agreement.json").read_text())
    assert data == compute_agreement(read_layers(dataset), n_bootstrap=50, seed=0).data
    md = (out / "agreement.md").read_text()
    assert "## Disagreements for adjudication" in md and "| missed span |" in md
    html = (out / "agreement.html").read_text()
    assert html.count("<svg") >= 4 and 'class="report sortable"' in html
    res = runner.invoke(cli, ["agreement", str(tmp_path), "--out", str(out)])
    assert res.exit_code == 2
    assert res.output.startswith(f"Error: {tmp_path / 'annotations.parquet'}: missing Parquet file")


def test_read_layers_from_annotation_files(seed_texts: dict[str, str], tmp_path: Path) -> None:
    doc, text = next(iter(seed_texts.items()))
    m = re.search(r"\bBlinken\b", text)
    assert m is not None
    for ann in ("pass-a", "pass-b"):
        actor = Span(
            id="sp_1",
            start=m.start(),
            end=m.end(),
            text=m.group(),
            label="ACTOR",
            attributes={"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"},
        )
        stance = Span(
            id="sp_2", start=0, end=10, text=text[:10], label="STANCE", attributes={"value": "NONE"}
        )
        write_annotation_file(
            tmp_path / ann / f"{doc}.json",
            AnnotationFile(
                doc_id=doc,
                text_sha256=sha256_text(text),
                annotator_id=ann,
                codebook_version="1.0.0",
                spans=[actor, stance],
                relations=[RelationLink(type="holder", from_id="sp_2", to_id="sp_1")],
                source={"kind": "manual"},
            ),
        )
    layers = read_layers_from_annotations(tmp_path, {doc: text})
    data = compute_agreement(layers, n_bootstrap=0).data
    assert data["spans"][OVERALL]["f1_exact"]["value"] == 1.0
    assert data["relations"]["holder"]["agreement"]["value"] == 1.0
