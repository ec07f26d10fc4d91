"""The extraction-dev score on hand-made texts, with exact expected precision and recall."""

from __future__ import annotations

import pytest

from tests.bench.extraction_score import (
    PageScore,
    is_held_out,
    score_page,
    shingles,
    summarize,
)


def test_shingles_count_repeats_and_ignore_punctuation():
    assert shingles("a b, c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    assert shingles("only three words") == {}


def test_score_page_normalises_by_the_sum():
    # truth a b c d / b c d e / c d e f; prediction b c d e / c d e f / d e f x: tp 2, fp 1, fn 1
    score = score_page("a b c d e f", "b c d e f x")
    assert score == PageScore(0.5, 0.25, 0.25)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)


def test_empty_prediction_has_no_precision_and_zero_recall():
    score = score_page("a b c d e", "")
    assert score == PageScore(0.0, 0.0, 1.0)
    assert score.precision is None
    assert score.recall == 0.0


def test_summarize_leaves_undefined_pages_out_of_each_mean():
    perfect = score_page("a b c d", "a b c d")
    empty = score_page("a b c d e", "")
    half = score_page("a b c d e", "a b c d")  # tp 1, fn 1 -> P 1.0, R 0.5
    summary = summarize([perfect, empty, half])
    assert summary.precision == 1.0  # the empty prediction has no precision
    assert summary.recall == pytest.approx((1.0 + 0.0 + 0.5) / 3)
    assert summary.f1 == pytest.approx(2 * 0.5 / 1.5)
    assert summary.pages == 3


def test_held_out_split_is_fixed_by_the_key_hash():
    assert [k for k in "abcdefghi" if is_held_out(k)] == ["g", "h"]
