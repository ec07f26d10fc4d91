"""The lexicon: trie regexes, whole-word finding, rejected lexicons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.errors import InputError
from toolkit.preannotate.lexicon import WordScanner, find_words, read_lexicon, trie_regex
from toolkit.preannotate.rules import RuleSet
from toolkit.taxonomy.gazetteer import default_gazetteer
from toolkit.taxonomy.labels import read_taxonomy


@given(st.sets(st.text(alphabet="ab.-( ", min_size=1, max_size=5), min_size=1, max_size=8))
def test_trie_regex_matches_exactly_the_words(words: set[str]) -> None:
    pattern = re.compile(trie_regex(words))
    for word in words:
        assert pattern.fullmatch(word)
    assert pattern.fullmatch("zzz") is None


@given(
    st.sets(st.sampled_from(["Xi", "Xie", "Li", "Li Qiang", "Wang Yi", "Wang"]), min_size=1),
    st.lists(
        st.sampled_from(["Xi", "Xie", "Li", "Qiang", "Wang", "Yi", " ", "-", "'an", "’s", "_"])
    ).map("".join),
)
def test_find_words_matches_the_boundary_regex(words: set[str], text: str) -> None:
    regex = re.compile(rf"(?<![\w-])(?:{trie_regex(words)})(?![\w])(?!['’][a-rt-z])")
    assert find_words(text, words) == [m.span() for m in regex.finditer(text)]


@given(
    st.sets(
        st.sampled_from(["Xi", "Xie", "Li", "Li Qiang", "Wang Yi", "Wang", "an official", "é"]),
        min_size=1,
    ),
    st.lists(
        st.sampled_from(["Xi", "Xie", "Li", "Qiang", "Wang", "Yi", "an", " official", " ", "-"])
        | st.sampled_from(["'an", "’s", "_", "é", "Iran"])
    ).map("".join),
)
def test_word_scanner_matches_the_scan_regex(words: set[str], text: str) -> None:
    regex = re.compile(rf"(?<![\w-])(?:{trie_regex(words)})")
    expected = [(m.start(), m.end(), m.group()) for m in regex.finditer(text)]
    assert WordScanner(words).find(text) == expected


def test_word_scanner_without_words_finds_nothing() -> None:
    assert WordScanner(["", ""]).find("Xi said") == []


def test_bad_lexicon_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_lexicon(path)
    assert str(info.value) == f"{path}: lexicon lacks key 'version'"
    lexicon = read_lexicon()
    lexicon["people"] = [
        {"names": ["A B"], "canonical_name": "A B", "country": "XXX", "sector": "GOV"}
    ]
    with pytest.raises(InputError) as err:
        RuleSet(lexicon, default_gazetteer(), read_taxonomy())
    assert str(err.value) == "lexicon entry 'A B' has country 'XXX', not in the taxonomy"
