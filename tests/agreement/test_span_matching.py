"""Tests of span matching (toolkit.annotations.matching) as agreement uses it."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest

from toolkit.annotations.matching import OVERALL, match_spans, span_scores
from toolkit.errors import InputError

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
