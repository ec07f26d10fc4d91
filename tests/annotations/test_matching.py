"""Tests for toolkit.annotations.matching: the sweep equals brute force on random inputs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.annotations.matching import match_spans, overlapping_pairs

Spans = list[tuple[str | None, str, int, int]]

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Few documents, labels and offsets, so that spans overlap, nest, repeat and touch often.
span = st.tuples(
    st.sampled_from(["d1", "d2", None]),
    st.sampled_from(["ACTOR", "EVENT"]),
    st.integers(-3, 30),
    st.integers(-3, 30),
)


INT_KEYS = {"d1": 5, "d2": -3, None: None, "ACTOR": 0, "EVENT": 7}


def frame(spans: Spans, int_keys: bool = False) -> pl.DataFrame:
    """Spans with string keys, or integer keys (as agreement passes document and label ids)."""
    if int_keys:
        rows = [(INT_KEYS[d], INT_KEYS[lab], s, e) for d, lab, s, e in spans]
        schema = {"doc_id": pl.Int64, "label": pl.Int32, "start": pl.Int64, "end": pl.Int64}
        return pl.DataFrame(rows, schema=schema, orient="row")
    return pl.DataFrame(
        spans,
        schema={"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64},
        orient="row",
    )


def brute_force_match(ref: Spans, cand: Spans, mode: str) -> list[tuple[int, int, int]]:
    """All pairs, sorted best first by the documented order, then sequential greedy."""
    edges = []
    for i, (d1, l1, s1, e1) in enumerate(ref):
        for j, (d2, l2, s2, e2) in enumerate(cand):
            if d1 is None or d2 is None or (d1, l1) != (d2, l2):
                continue
            if mode == "exact" and (s1, e1) != (s2, e2):
                continue
            overlap = min(e1, e2) - max(s1, s2)
            if overlap <= 0:
                continue
            distance = abs(s1 - s2) + abs(e1 - e2)
            key = (-overlap, distance, min(s1, s2), max(s1, s2), min(e1, e2), max(e1, e2), i, j)
            edges.append((key, i, j, overlap))
    used_r: set[int] = set()
    used_c: set[int] = set()
    chosen = []
    for _, i, j, overlap in sorted(edges):
        if i not in used_r and j not in used_c:
            used_r.add(i)
            used_c.add(j)
            chosen.append((i, j, overlap))
    return sorted(chosen)


@SETTINGS
@given(
    st.lists(span, max_size=30),
    st.lists(span, max_size=30),
    st.sampled_from(["exact", "overlap"]),
    st.booleans(),
)
def test_match_spans_equals_brute_force(ref: Spans, cand: Spans, mode: str, int_keys: bool) -> None:
    got = match_spans(frame(ref, int_keys), frame(cand, int_keys), mode=mode)
    assert got.schema == {"ref_row": pl.Int64, "cand_row": pl.Int64, "overlap": pl.Int64}
    assert [tuple(r) for r in got.iter_rows()] == brute_force_match(ref, cand, mode)


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(-5, 40), st.integers(-5, 40)), max_size=40),
    st.lists(st.tuples(st.integers(0, 2), st.integers(-5, 40), st.integers(-5, 40)), max_size=40),
)
def test_overlapping_pairs_equals_brute_force(
    a: list[tuple[int, int, int]], b: list[tuple[int, int, int]]
) -> None:
    def cols(spans: list[tuple[int, int, int]]) -> list[np.ndarray]:
        return [np.array([s[k] for s in spans], dtype=np.int64) for k in range(3)]

    i, j = overlapping_pairs(*cols(a), *cols(b))
    expected = sorted(
        (x, y)
        for x, (ga, sa, ea) in enumerate(a)
        for y, (gb, sb, eb) in enumerate(b)
        if ga == gb and min(ea, eb) > max(sa, sb)
    )
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == expected
    assert len(i) == len(expected)  # each pair once


@pytest.mark.parametrize(
    ("ref", "cand", "expected"),
    [
        pytest.param([("d", "A", 0, 10)], [("d", "A", 10, 20)], [], id="touching"),
        pytest.param([("d", "A", 5, 6)], [("d", "A", 0, 100)], [(0, 0, 1)], id="nested"),
        pytest.param([("d", "A", 0, 10)], [("d", "B", 0, 10)], [], id="other-label"),
        pytest.param([(None, "A", 0, 10)], [(None, "A", 0, 10)], [], id="no-document"),
        pytest.param(
            [("d", "A", 0, 10), ("d", "A", 8, 30)],
            [("d", "A", 9, 30)],
            [(1, 0, 21)],
            id="largest-overlap-wins",
        ),
    ],
)
def test_overlap_matching_cases(
    ref: Spans, cand: Spans, expected: list[tuple[int, int, int]]
) -> None:
    got = match_spans(frame(ref), frame(cand), mode="overlap")
    assert [tuple(r) for r in got.iter_rows()] == expected
