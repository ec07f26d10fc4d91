"""Tests for toolkit.vectorize: fast transforms equal scikit-learn's own, bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from toolkit.baseline import vectorize

_TRAIN = [
    "Xi Jinping met Antony Blinken in Beijing on Monday.",
    "US lawmakers criticized China's foreign ministry; Taiwan's defence ministry warned.",
    "ÉCOLE naïve Ångström İstanbul STRASSE straße, 台湾 是 中国",
    "The talks lasted about 5 hours, officials said. The talks lasted.",
    "a b c a b c __init__ snake_case F-16 U.S. 2023-06-19",
]

_VECTORIZERS = {
    "tfidf-word-1-2": lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
    "tfidf-word-1-1-f32": lambda: TfidfVectorizer(dtype=np.float32),
    "tfidf-word-2-2": lambda: TfidfVectorizer(ngram_range=(2, 2)),
    "count-word-binary-cased": lambda: CountVectorizer(
        ngram_range=(1, 2), binary=True, lowercase=False
    ),
    "count-word-accents": lambda: CountVectorizer(ngram_range=(1, 2), strip_accents="unicode"),
    "count-word-pattern": lambda: CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+"),
    "tfidf-char-wb": lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
    "tfidf-char-wb-f32": lambda: TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, dtype=np.float32
    ),
    "count-char-wb-cased": lambda: CountVectorizer(analyzer="char_wb", lowercase=False),
    "fallback-word-1-3": lambda: TfidfVectorizer(ngram_range=(1, 3)),
    "fallback-stop-words": lambda: CountVectorizer(stop_words=["the", "in"]),
    "fallback-char": lambda: CountVectorizer(analyzer="char", ngram_range=(1, 3)),
}

_TEXTS = st.lists(
    st.text(alphabet=st.sampled_from("Taiwan ÄİChina\t\n  said,.-ßé\u0301台 the in"), max_size=40),
    max_size=6,
)


def _assert_same(got: Any, expected: Any) -> None:
    assert type(got) is type(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.indices.dtype == expected.indices.dtype
    assert got.indptr.dtype == expected.indptr.dtype
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


@pytest.mark.parametrize("name", sorted(_VECTORIZERS))
@given(texts=_TEXTS)
@settings(max_examples=40, deadline=None)
def test_transform_equals_the_vectorizers_own_bit_for_bit(name: str, texts: list[str]) -> None:
    vectorizer = _VECTORIZERS[name]().fit(_TRAIN)
    texts = texts + _TRAIN + texts[:2]  # repeated texts are analysed once
    _assert_same(vectorize.transform(vectorizer, texts), vectorizer.transform(texts))


def test_no_text_gives_what_the_vectorizer_gives() -> None:
    counts = CountVectorizer(ngram_range=(1, 2)).fit(_TRAIN)
    got = vectorize.transform(counts, [])
    assert got.shape == (0, len(counts.vocabulary_))
    _assert_same(got, counts.transform([]))
    tfidf = TfidfVectorizer(ngram_range=(1, 2)).fit(_TRAIN)
    with pytest.raises(ValueError, match="0 sample"):
        tfidf.transform([])
    with pytest.raises(ValueError, match="0 sample"):
        vectorize.transform(tfidf, [])
