"""Sentence ranges of a text, for documents whose dataset gives none."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?\n][\"”’]?\s*")
_SENTENCE_START = frozenset('"“‘ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges by punctuation and line breaks (used when the dataset gives none)."""
    out: list[tuple[int, int]] = []
    pos = 0
    size = len(text)
    for m in _SENTENCE_END.finditer(text):
        first, after = m.span()
        if text[first] != "\n":
            # A full stop ends a sentence only before white space and a capital, digit or quote.
            if after == size or after == first + 1 or text[after - 1] not in " \t\n":
                continue
            if text[after] not in _SENTENCE_START:
                continue
            end = first + 1
        else:
            end = first
        if end > pos:
            out.append((pos, end))
        pos = after
    if pos < len(text):
        out.append((pos, len(text)))
    return out
