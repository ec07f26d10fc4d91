"""The rule lexicon: reading lexicon.json, trie regexes over its words, and finding them in text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from toolkit.core import read_json_object
from toolkit.errors import InputError

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.json"

ADVERBS = (
    "also|long|already|recently|repeatedly|previously|later|then|now|still|again|once|"
    "not|never|firmly|strongly|quickly|publicly|reportedly|has|have|had|is|was|were|are|will|"
    "would|could|can|may|might|must|should|did|does|do|been|being"
)


def trie_regex(words: Iterable[str]) -> str:
    """One regex matching any of ``words`` (longest first), with shared prefixes factored out.

    A factored alternation is tried one character at a time, so thousands of names cost
    about as much per text position as a handful.
    """
    trie: dict[str, Any] = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


class WordScanner:
    """The matches of the regex ``(?<![\\w-])(?:word|...)``, longest first, found in one pass.

    An Aho-Corasick automaton (ahocorasick_rs, compiled) reports every occurrence of every
    word; those that start after a word character or a hyphen are dropped, and the rest are
    taken leftmost-longest without overlap, which is what ``finditer`` of that regex returns.
    """

    def __init__(self, words: Iterable[str]) -> None:
        import ahocorasick_rs

        self.words: list[str] = sorted({w for w in words if w})
        self._automaton = ahocorasick_rs.AhoCorasick(self.words) if self.words else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, word) of each match, left to right."""
        if self._automaton is None:
            return []
        hits = self._automaton.find_matches_as_indexes(text, overlapping=True)
        # Longest first at each start; a start inside an earlier match is never tried.
        hits.sort(key=_start_then_longest)
        words = self.words
        out: list[tuple[int, int, str]] = []
        last_end = 0
        for index, start, end in hits:
            if start < last_end:
                continue
            if start:
                c = text[start - 1]
                if c == "-" or c == "_" or c.isalnum():
                    continue
            out.append((start, end, words[index]))
            last_end = end
        return out


def _start_then_longest(hit: tuple[int, int, int]) -> tuple[int, int]:
    return hit[1], -hit[2]


def find_words(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Leftmost-longest, non-overlapping whole-word occurrences of ``words`` in ``text``.

    A word starts after neither a word character nor a hyphen and ends before no word
    character and no apostrophe + letter other than "s" ("Xi'an" is not "Xi", "Xi's" is).
    The same ranges as a trie regex with those boundaries, found with str.find, which is
    far cheaper than trying a regex at every position of the text for a handful of names.
    """
    size = len(text)
    found: list[tuple[int, int]] = []
    for word in words:
        if not word:
            continue
        pos = text.find(word)
        while pos != -1:
            end = pos + len(word)
            if (pos == 0 or not (_is_word_char(text[pos - 1]) or text[pos - 1] == "-")) and (
                end == size
                or not (
                    _is_word_char(text[end])
                    or (
                        text[end] in "'’"
                        and end + 1 < size
                        and "a" <= text[end + 1] <= "z"
                        and text[end + 1] != "s"
                    )
                )
            ):
                found.append((pos, end))
            pos = text.find(word, pos + 1)
    found.sort(key=lambda r: (r[0], -r[1]))
    out: list[tuple[int, int]] = []
    last_end = -1
    for start, end in found:
        if start >= last_end:
            out.append((start, end))
            last_end = end
    return out


def read_lexicon(path: str | Path | None = None) -> dict[str, Any]:
    """Parse the rule lexicon (default: toolkit/lexicon.json); errors name the file and line."""
    p = Path(path) if path is not None else LEXICON_PATH
    doc = read_json_object(p, missing="lexicon file not found")
    for key in ("name", "version", "people", "titles", "bodies", "events", "stance_cues"):
        if key not in doc:
            raise InputError(f"lexicon lacks key {key!r}", path=p)
    return dict(doc)
