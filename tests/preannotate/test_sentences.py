"""Sentence ranges when the dataset gives none."""

from __future__ import annotations

from toolkit.preannotate.sentences import split_sentences


def test_sentence_splitter_keeps_abbreviations_inside_sentences() -> None:
    text = "The U.S. envoy left. Talks resume soon.\nNext line"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "The U.S. envoy left.",
        "Talks resume soon.",
        "Next line",
    ]
