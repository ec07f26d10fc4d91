"""Tests for toolkit.baseline.features: tokens, hashed features, BIO tags, sentence stance."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.baseline.features import (
    HASH_FEATURES,
    bio_tags,
    hash_token_features,
    sentence_stance,
    spans_from_tag_arrays,
    spans_from_tags,
    token_features,
    tokenize,
    tokenize_many,
    word_shape,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("US-China talks", [("US", 0, 2), ("-", 2, 3), ("China", 3, 8), ("talks", 9, 14)]),
        (
            "Tsai's “visit”",
            [
                ("Tsai", 0, 4),
                ("'", 4, 5),
                ("s", 5, 6),
                ("“", 7, 8),
                ("visit", 8, 13),
                ("”", 13, 14),
            ],
        ),
        ("台湾 海峡", [("台湾", 0, 2), ("海峡", 3, 5)]),
        ("😀 Beijing", [("😀", 0, 1), ("Beijing", 2, 9)]),
    ],
    ids=["hyphen", "quotes-apostrophe", "cjk", "astral-code-point"],
)
def test_tokenize_gives_code_point_offsets(text: str, expected: list[tuple[str, int, int]]) -> None:
    tokens = tokenize(text)
    assert [(t.text, t.start, t.end) for t in tokens] == expected
    assert all(text[t.start : t.end] == t.text for t in tokens)


@pytest.mark.parametrize(
    ("word", "shape"),
    [("Beijing", "Xx"), ("F-16", "X-d"), ("U.S.", "X.X."), ("iPhone", "xXx"), ("2023", "d")],
    ids=["title", "hyphen-digits", "abbreviation", "camel", "year"],
)
def test_word_shape(word: str, shape: str) -> None:
    assert word_shape(word) == shape


def test_hashed_features_equal_feature_hasher_on_the_readable_features() -> None:
    from sklearn.feature_extraction import FeatureHasher

    sentences = [["US", "-", "China", "talks", "in", "Beijing"], ["Blinken", "met", "Blinken"]]
    expected = FeatureHasher(
        n_features=HASH_FEATURES, input_type="string", alternate_sign=False
    ).transform([f for words in sentences for f in token_features(words)])
    got = hash_token_features(sentences)
    assert got.shape == (9, HASH_FEATURES)
    assert (got != expected).nnz == 0


_WORDS = st.sampled_from(["US", "-", "China", "talks", "in", "Beijing", "F-16", "met", "Ä", "1"])


@given(st.lists(st.lists(_WORDS, max_size=7), max_size=5))
@settings(max_examples=60, deadline=None)
def test_hashed_features_equal_feature_hasher_on_any_sentences(
    sentences: list[list[str]],
) -> None:
    from sklearn.feature_extraction import FeatureHasher

    rows = [f for words in sentences for f in token_features(words)]
    got = hash_token_features(sentences)
    assert got.shape == (len(rows), HASH_FEATURES)
    assert got.has_canonical_format
    if rows:
        expected = FeatureHasher(
            n_features=HASH_FEATURES, input_type="string", alternate_sign=False
        ).transform(rows)
        assert (got != expected).nnz == 0


def test_bio_tags_skip_nested_span_and_count_it() -> None:
    tokens = tokenize("US Secretary of State Antony Blinken met")
    spans = [("ACTOR", 3, 21), ("ACTOR", 22, 36), ("LOCATION", 0, 2), ("EVENT", 10, 15)]
    tags, skipped = bio_tags(tokens, spans)
    assert tags == ["B-LOCATION", "B-ACTOR", "I-ACTOR", "I-ACTOR", "B-ACTOR", "I-ACTOR", "O"]
    assert skipped == 1  # the EVENT inside the ACTOR cannot be expressed in BIO


def test_spans_from_tags_starts_span_on_orphan_inside_tag() -> None:
    tokens = tokenize("a b c d")
    assert spans_from_tags(tokens, ["I-ACTOR", "I-ACTOR", "B-EVENT", "I-LOCATION"]) == [
        ("ACTOR", 0, 3),
        ("EVENT", 4, 5),
        ("LOCATION", 6, 7),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["ACTOR", "EVENT", "LOCATION"]), st.integers(1, 3)),
        max_size=6,
    ),
    st.lists(st.integers(0, 2), min_size=7, max_size=7),
)
def test_bio_round_trip_on_token_aligned_spans(
    picks: list[tuple[str, int]], gaps: list[int]
) -> None:
    """Non-overlapping token-aligned spans survive tags -> spans unchanged."""
    words = [f"w{i}" for i in range(30)]
    text = " ".join(words)
    tokens = tokenize(text)
    spans, i = [], 0
    for (label, length), gap in zip(picks, gaps, strict=False):
        i += gap
        if i + length > len(tokens):
            break
        spans.append((label, tokens[i].start, tokens[i + length - 1].end))
        i += length + 1  # a gap token keeps two spans of one label apart
    tags, skipped = bio_tags(tokens, spans)
    assert skipped == 0
    assert spans_from_tags(tokens, tags) == sorted(spans, key=lambda s: s[1])


_TEXT = st.text(
    alphabet=st.sampled_from("ab_1 \t\n\u00a0\u2003.-,é\u0301ßİ台🙂\x1c\x85"), max_size=14
)


@given(st.lists(_TEXT, max_size=5))
@settings(max_examples=200, deadline=None)
def test_tokenize_many_equals_tokenize_on_each_text(texts: list[str]) -> None:
    got = tokenize_many(texts)
    expected = [tokenize(text) for text in texts]
    assert got.lengths.tolist() == [len(tokens) for tokens in expected]
    flat = [(t.text, t.start, t.end) for tokens in expected for t in tokens]
    assert list(zip(got.words, got.starts.tolist(), got.ends.tolist(), strict=True)) == flat


def test_tokenize_many_agrees_with_tokenize_on_every_code_point() -> None:
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = [
        "".join(points[i : i + 4099 : 3] + points[i + 1 : i + 4099 : 3])
        for i in range(0, len(points), 4099)
    ]
    got = tokenize_many(texts)
    flat = [(t.text, t.start, t.end) for text in texts for t in tokenize(text)]
    assert list(zip(got.words, got.starts.tolist(), got.ends.tolist(), strict=True)) == flat


_TAGS = st.sampled_from(["O", "B-ACTOR", "I-ACTOR", "I-EVENT", "B-EVENT", "I-LOCATION", "B", "I-"])


@given(st.lists(st.lists(st.tuples(st.sampled_from(["a", "bc", "-", "."]), _TAGS), max_size=6)))
@settings(max_examples=200, deadline=None)
def test_spans_from_tag_arrays_equal_spans_from_tags(
    sentences: list[list[tuple[str, str]]],
) -> None:
    """Each word is one token, so a sentence's tags are its words' tags."""
    texts = [" ".join(w for w, _ in sentence) for sentence in sentences]
    tags = [[t for _, t in sentence] for sentence in sentences]
    got = spans_from_tag_arrays(tokenize_many(texts), [t for sentence in tags for t in sentence])
    first = got.first.tolist()
    assert len(first) == len(texts) + 1
    for i, (text, sentence_tags) in enumerate(zip(texts, tags, strict=True)):
        rows = range(first[i], first[i + 1])
        spans = [(got.labels[j], int(got.starts[j]), int(got.ends[j])) for j in rows]
        assert spans == spans_from_tags(tokenize(text), sentence_tags)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], "NONE"),
        ([("FAVOR", 0, 5), ("AGAINST", 3, 20)], "AGAINST"),
        ([("FAVOR", 0, 10), ("AGAINST", 10, 20)], "FAVOR"),
        ([("AGAINST", 50, 60)], "NONE"),
    ],
    ids=["no-stance", "largest-overlap", "tie-earlier", "outside"],
)
def test_sentence_stance(spans: list[tuple[str, int, int]], expected: str) -> None:
    assert sentence_stance((0, 20), spans) == expected
