"""Hypothesis properties of toolkit.agreement: symmetry, invariance, bounds, degenerate cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.agreement.coefficients import krippendorff_alpha
from toolkit.agreement.study import compute_agreement
from toolkit.agreement.unitizing import unitizing_disagreements
from toolkit.annotations.matching import OVERALL, match_spans, span_scores

from .test_layers import make_layers
from .test_unitizing import brute_force_unitizing, units_frame

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = "x" * 120
LABELS = ("ACTOR", "EVENT")

span = st.tuples(
    st.sampled_from(["d1", "d2"]),
    st.sampled_from(LABELS),
    st.integers(0, 100),
    st.integers(1, 15),
)


def to_frame(spans: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(d, lab, s, s + n) for d, lab, s, n in spans],
        schema={"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64},
        orient="row",
    )


@FAST
@given(
    st.lists(span, max_size=25), st.lists(span, max_size=25), st.sampled_from(["exact", "overlap"])
)
def test_span_f1_is_symmetric_and_bounded(
    a: list[tuple[str, str, int, int]], b: list[tuple[str, str, int, int]], mode: str
) -> None:
    ab = {
        r["label"]: r
        for r in span_scores(to_frame(a), to_frame(b), mode=mode).iter_rows(named=True)
    }
    ba = {
        r["label"]: r
        for r in span_scores(to_frame(b), to_frame(a), mode=mode).iter_rows(named=True)
    }
    assert ab.keys() == ba.keys()
    for label, row in ab.items():
        other = ba[label]
        assert (row["tp"], row["fp"], row["fn"]) == (other["tp"], other["fn"], other["fp"])
        assert row["f1"] == other["f1"]
        if row["f1"] is not None:
            assert 0.0 <= row["f1"] <= 1.0
            assert not math.isnan(row["f1"])


@FAST
@given(st.lists(span, min_size=1, max_size=25), st.sampled_from(["exact", "overlap"]))
def test_span_f1_of_a_layer_with_itself_is_one(
    a: list[tuple[str, str, int, int]], mode: str
) -> None:
    unique = sorted(set(a))
    scores = span_scores(to_frame(unique), to_frame(unique), mode=mode)
    assert scores.filter(pl.col("label") == OVERALL)["f1"].item() == 1.0


def sequential_greedy(ref: pl.DataFrame, cand: pl.DataFrame) -> set[tuple[int, int]]:
    """The textbook greedy: best remaining pair first, skip pairs whose spans are taken."""
    edges = []
    for i, r in enumerate(ref.iter_rows(named=True)):
        for j, c in enumerate(cand.iter_rows(named=True)):
            if (r["doc_id"], r["label"]) != (c["doc_id"], c["label"]):
                continue
            overlap = min(r["end"], c["end"]) - max(r["start"], c["start"])
            if overlap <= 0:
                continue
            dist = abs(r["start"] - c["start"]) + abs(r["end"] - c["end"])
            key = (
                -overlap,
                dist,
                min(r["start"], c["start"]),
                max(r["start"], c["start"]),
                min(r["end"], c["end"]),
                max(r["end"], c["end"]),
                i,
                j,
            )
            edges.append((key, i, j))
    used_r: set[int] = set()
    used_c: set[int] = set()
    chosen = set()
    for _, i, j in sorted(edges):
        if i not in used_r and j not in used_c:
            chosen.add((i, j))
            used_r.add(i)
            used_c.add(j)
    return chosen


@FAST
@given(st.lists(span, max_size=20), st.lists(span, max_size=20))
def test_vectorized_matching_equals_sequential_greedy(
    a: list[tuple[str, str, int, int]], b: list[tuple[str, str, int, int]]
) -> None:
    ref, cand = to_frame(a), to_frame(b)
    got = {(r, c) for r, c, _ in match_spans(ref, cand, mode="overlap").iter_rows()}
    assert got == sequential_greedy(ref, cand)


@st.composite
def unitizations(draw: Any) -> tuple[list[tuple[int, int, int, str]], int, int]:
    length = draw(st.integers(20, 80))
    n_raters = draw(st.integers(2, 4))
    units = []
    for r in range(n_raters):
        for category in ("x", "y"):
            pos = draw(st.integers(0, 5))
            for _ in range(draw(st.integers(0, 4))):
                n = draw(st.integers(1, 12))
                if pos + n > length:
                    break
                units.append((pos, n, r, category))
                pos += n + draw(st.integers(0, 8))
    return units, length, n_raters


@FAST
@given(unitizations())
def test_unitizing_disagreements_equal_brute_force(
    case: tuple[list[tuple[int, int, int, str]], int, int],
) -> None:
    units, length, n_raters = case
    raters = [f"r{r}" for r in range(n_raters)]
    frame = units_frame(units) if units else units_frame([(0, 1, 0, "x")]).head(0)
    parts = unitizing_disagreements(frame, {"d": length}, annotators=raters)
    for category in {c for *_, c in units}:
        d_o, d_e = brute_force_unitizing(units, length, n_raters, category)
        assert parts[category][0] == pytest.approx(d_o, rel=1e-9, abs=1e-12)
        assert parts[category][1] == pytest.approx(d_e, rel=1e-9, abs=1e-12)


coded = st.lists(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), min_size=6, max_size=6),
    min_size=2,
    max_size=4,
)


@FAST
@given(coded, st.sampled_from(["nominal", "ordinal"]))
def test_alpha_is_bounded_or_explained(data: list[list[str | None]], level: str) -> None:
    result = krippendorff_alpha(data, level=level, order=["a", "b", "c"])
    if result.value is None:
        assert result.reason
    else:
        assert not math.isnan(result.value)
        assert result.value <= 1.0 + 1e-12
    # coder order does not matter
    again = krippendorff_alpha(list(reversed(data)), level=level, order=["a", "b", "c"])
    assert (
        again.value == pytest.approx(result.value)
        if result.value is not None
        else again.value is None
    )


study_span = st.fixed_dictionaries(
    {
        "doc_id": st.sampled_from(["d1", "d2", "d3"]),
        "annotator": st.integers(0, 2),
        "label": st.sampled_from(["ACTOR", "EVENT", "STANCE"]),
        "start": st.integers(0, 100),
        "length": st.integers(1, 15),
        "value": st.sampled_from(["AGAINST", "NONE", "FAVOR"]),
        "category": st.sampled_from(["CONSULT", "ACCUSE"]),
    }
)


def study(spans: list[dict[str, Any]], names: list[str], skip_d3: bool) -> dict[str, Any]:
    texts = {"d1": TEXT, "d2": TEXT, "d3": TEXT}
    rows = []
    for s in spans:
        attrs = {"value": s["value"]} if s["label"] == "STANCE" else {"category": s["category"]}
        rows.append(
            {
                "doc_id": s["doc_id"],
                "annotator_id": names[s["annotator"]],
                "label": s["label"],
                "start": s["start"],
                "end": s["start"] + s["length"],
                "attributes": attrs,
            }
        )
    # deduplicate identical spans of one annotator (span ids are derived from them)
    unique = {(r["doc_id"], r["annotator_id"], r["label"], r["start"], r["end"]): r for r in rows}
    completed = {n: ["d1", "d2", "d3"] for n in names}
    if skip_d3:
        completed[names[1]] = ["d1", "d2"]
        completed[names[2]] = ["d1", "d2"]
    layers = make_layers(texts, list(unique.values()), completed)
    return compute_agreement(layers, n_bootstrap=20, seed=3).data


def figures(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, e in data["spans"].items():
        for key in ("f1_exact", "f1_overlap", "u_alpha"):
            out[f"{label}.{key}"] = (e[key]["value"], e[key]["reason"])
    for name, a in data["attributes"].items():
        for key in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
            out[f"{name}.{key}"] = (a[key]["value"], a[key]["reason"])
    out["holder"] = data["relations"]["holder"]["agreement"]["value"]
    out["disputes"] = data["disagreements"]["counts"]
    return out


def close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    for key, value in a.items():
        other = b[key]
        if isinstance(value, tuple) and value[0] is not None and other[0] is not None:
            if not math.isclose(value[0], other[0], rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif value != other:
            return False
    return True


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(study_span, max_size=30), st.booleans())
def test_study_ignores_annotator_names_and_order(
    spans: list[dict[str, Any]], skip_d3: bool
) -> None:
    base = figures(study(spans, ["pass-a", "pass-b", "pass-c"], skip_d3))
    renamed = figures(study(spans, ["ls-zed", "ls-mia", "ls-al"], skip_d3))
    assert close(base, renamed)
    for key, value in base.items():
        if isinstance(value, tuple):
            v, reason = value
            assert (v is None) == (reason is not None), key
            if v is not None:
                assert not math.isnan(v) and v <= 1.0 + 1e-9, key
                if ".f1_" in key:
                    assert v >= 0.0, key


def test_single_annotator_documents_do_not_change_pairwise_figures() -> None:
    texts = {"d1": TEXT, "d2": TEXT}
    shared = [
        {"doc_id": "d1", "annotator_id": a, "label": "ACTOR", "start": 0, "end": 5}
        for a in ("pass-a", "pass-b")
    ] + [{"doc_id": "d1", "annotator_id": "pass-b", "label": "ACTOR", "start": 10, "end": 15}]
    only_a = [{"doc_id": "d2", "annotator_id": "pass-a", "label": "ACTOR", "start": 0, "end": 9}]
    with_only = make_layers(texts, shared + only_a, {"pass-a": ["d1", "d2"], "pass-b": ["d1"]})
    without = make_layers(texts, shared, {"pass-a": ["d1"], "pass-b": ["d1"]})
    a = compute_agreement(with_only, n_bootstrap=0).data
    b = compute_agreement(without, n_bootstrap=0).data
    assert a["spans"] == b["spans"]
    assert a["documents"]["annotated_by_one_only"] == 1
    assert np.isclose(a["spans"][OVERALL]["f1_exact"]["value"], 2 / 3)


def _label_conflicts_by_join(spans: pl.DataFrame, agg: pl.DataFrame) -> pl.DataFrame:
    """The former all-pairs-per-document join, kept as the reference of the sweep."""
    missing = agg.filter(pl.col("n_annotators") < pl.col("expected")).select(
        "cluster",
        "doc_idx",
        "label_idx",
        pl.col("start").alias("c_start"),
        pl.col("end").alias("c_end"),
    )
    other = spans.filter(pl.col("cluster").is_in(missing["cluster"].implode())).select(
        pl.col("node").alias("o_node"),
        "doc_idx",
        pl.col("ann_idx").alias("o_ann"),
        pl.col("label_idx").alias("o_label"),
        pl.col("start").alias("o_start"),
        pl.col("end").alias("o_end"),
    )
    members = spans.select("cluster", pl.col("ann_idx").alias("o_ann")).unique()
    return (
        missing.join(other, on="doc_idx")
        .filter(
            (pl.col("o_label") != pl.col("label_idx"))
            & (pl.col("o_start") < pl.col("c_end"))
            & (pl.col("o_end") > pl.col("c_start"))
        )
        .join(members, on=["cluster", "o_ann"], how="anti")
        .select("cluster", "o_node", "o_ann")
        .sort("cluster", "o_node")
    )


cluster_span = st.tuples(
    st.integers(0, 1),  # doc_idx
    st.integers(0, 2),  # ann_idx
    st.integers(0, 1),  # label_idx
    st.integers(0, 40),  # start
    st.integers(1, 12),  # length
    st.integers(0, 6),  # cluster
    st.integers(1, 3),  # expected annotators
)


@FAST
@given(st.lists(cluster_span, max_size=30))
def test_label_conflicts_sweep_equals_the_join(rows: list[tuple[int, ...]]) -> None:
    from toolkit.agreement.disputes import _label_conflicts

    spans = pl.DataFrame(
        [(n, d, a, lab, s, s + k, c) for n, (d, a, lab, s, k, c, _) in enumerate(rows)],
        schema=["node", "doc_idx", "ann_idx", "label_idx", "start", "end", "cluster"],
        orient="row",
    )
    expected = {c: e for *_, c, e in rows}
    agg = spans.group_by("cluster").agg(
        pl.col("doc_idx").first(),
        pl.col("label_idx").first(),
        pl.col("start").min(),
        pl.col("end").max(),
        pl.col("ann_idx").n_unique().alias("n_annotators"),
    )
    agg = agg.with_columns(
        pl.col("cluster").replace_strict(expected, return_dtype=pl.Int64).alias("expected")
    )
    got = _label_conflicts(spans, agg)
    assert got.to_dicts() == _label_conflicts_by_join(spans, agg).to_dicts()
