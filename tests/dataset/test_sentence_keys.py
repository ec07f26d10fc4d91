"""Tests of toolkit.dataset.sentence_keys: matching keys, their folding and their hashes."""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.dataset import sentence_keys as keys_module
from toolkit.dataset.sentence_keys import sentence_key, sentence_key_hashes, sentence_keys
from toolkit.ingest.article import Article


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from("ab \n\t\r\xa0\u2029\u3000\u2003\x1c")))
def test_single_spaced_means_split_and_join_change_no_line(text: str) -> None:
    lines = text.split("\n")
    expected = all(" ".join(line.split()) == line for line in lines)
    assert keys_module._single_spaced(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "“We’re on the right trail here,” Biden said.",
            '"We\'re on the right trail here," Biden said.',
        ),
        ("Talks — at last — resumed.", "talks - at last - resumed."),
        ("Two   spaces\nand\tlines.", "two spaces and lines."),
        ("STRASSE", "straße"),
    ],
    ids=["quotes", "dashes-and-case", "whitespace", "casefold"],
)
def test_sentence_key_matches_variants(a: str, b: str) -> None:
    assert sentence_key(a) == sentence_key(b)


def test_sentence_key_keeps_words_apart() -> None:
    assert sentence_key("Xi met Blinken.") != sentence_key("Xi met Biden.")


_KEY_ALPHABET = "aZ é e\u0301\u0301 ß ﬁ İ Σς 中 ½ ² \u1100\u1161\u11a8 \u3000\t.,'’“”—–«»´`″−\xa0\n"


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=_KEY_ALPHABET, max_size=60),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=8),
)
def test_sentence_keys_equal_one_key_at_a_time(text: str, cuts: list[int]) -> None:
    points = sorted(min(c, len(text)) for c in cuts)
    spans = list(zip(points[::2], points[1::2], strict=False))
    assert sentence_keys(text, spans) == [sentence_key(text[s:e]) for s, e in spans]


def test_sentence_keys_of_seed_sentences(seed_articles: dict[str, Article]) -> None:
    for article in seed_articles.values():
        expected = [sentence_key(article.text[s:e]) for s, e in article.sentences]
        assert sentence_keys(article.text, article.sentences) == expected


def test_sentence_key_folds_quotes_and_dashes() -> None:
    assert sentence_key("“Taiwan’s  ‘status’ —  «quo»”") == '"taiwan\'s \'status\' - "quo""'


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="".join(keys_module._KEY_MAP) + "aB ß\n", max_size=40))
def test_fold_equals_one_translate_of_every_quote_and_dash(text: str) -> None:
    table = str.maketrans(keys_module._KEY_MAP)
    assert keys_module._fold(text) == unicodedata.normalize("NFKC", text).casefold().translate(
        table
    )


def test_sentence_key_hashes_are_8_byte_blake2b_little_endian() -> None:
    keys = ["xi met blinken.", "", "taïwan 台灣 😀", "a" * 1000]
    expected = [
        int.from_bytes(hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest(), "little")
        for k in keys
    ]
    got = sentence_key_hashes(keys)
    assert got.dtype == np.uint64
    assert got.tolist() == expected
    assert sentence_key_hashes([]).shape == (0,)
