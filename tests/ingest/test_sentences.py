"""Tests of toolkit.ingest.sentences: sentence splitting."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.ingest.article import Article
from toolkit.ingest.sentences import split_sentences


def sentences_of(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


SENTENCE_CASES = [
    ("us-abbreviation", "A visit by U.S. Secretary of State Antony Blinken. It ended.", 2),
    ("us-then-starter", "He flew to the U.S. The talks ended.", 2),
    ("mr-ms-dr", "Mr. Xi met Ms. Glaser and Dr. Rady. They talked.", 2),
    ("british-titles", "Mr Xi met Ms Glaser. They talked.", 2),
    ("initials", "George W. Bush and J. K. Rowling met. Nobody knew.", 2),
    ("curly-quote-after-period", "“We are clear-eyed.” Mr Blinken left. Then he spoke.", 3),
    ("straight-quote-after-period", '"It is vital." He said so.', 2),
    ("credit-in-parentheses", "Blinken and Xi met on Monday. (Leah Millis/Reuters)", 1),
    ("decimals", "Growth was 5.2 per cent. It was 3.5 in 2022.", 2),
    ("question-then-lower", '"Why?" he asked. Nobody answered!', 2),
    ("number-abbreviation", "It is No. 1 in Jan. 5 rankings. Yes.", 2),
    ("dotted-then-lower", "They met at 5 p.m. on Monday. Then left.", 2),
    ("ellipsis", "He paused… Then he spoke.", 2),
    ("no-final-period", "Foreign Minister Qin Gang", 1),
]


@pytest.mark.parametrize(
    ("text", "count"), [c[1:] for c in SENTENCE_CASES], ids=[c[0] for c in SENTENCE_CASES]
)
def test_split_sentences(text: str, count: int) -> None:
    found = sentences_of(text)
    assert len(found) == count, found
    assert "".join(found).replace(" ", "") == text.replace(" ", "")


def test_sentences_never_cross_a_paragraph_break() -> None:
    text = "First line without stop\n\nSecond paragraph. Third sentence."
    assert sentences_of(text) == [
        "First line without stop",
        "Second paragraph.",
        "Third sentence.",
    ]


def test_sentence_offsets_exclude_whitespace() -> None:
    text = "  One.   Two.  \n\n   \n  Three.  "
    assert split_sentences(text) == [(2, 6), (9, 13), (23, 29)]


def test_split_sentences_of_empty_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n ") == []


def test_seed_002_sentences(seed_articles: dict[str, Article]) -> None:
    article = seed_articles["002"]
    found = [article.text[s:e] for s, e in article.sentences]
    assert found[0].endswith("by U.S. Secretary of State Antony Blinken.")
    assert '"It is absolutely vital that we have these kinds of communications," he said.' in found
    assert "'No room for compromise' on Taiwan: Beijing" in found


@given(st.text(alphabet=st.sampled_from('ab .!?"”’()\n\t …U.S5A')))
@settings(max_examples=500)
def test_split_sentences_invariants(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert 0 <= previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        assert not re.search(r"\n\s*\n", piece)
        previous_end = end
    covered = "".join(text[s:e] for s, e in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)


@given(st.text())
@settings(max_examples=300)
def test_split_sentences_any_text(text: str) -> None:
    spans = split_sentences(text)
    assert spans == sorted(spans)
    for start, end in spans:
        assert text[start:end] == text[start:end].strip() != ""
