"""Anchoring marked words of a markup in a document's text: code-point offsets that quote them."""

from __future__ import annotations

from difflib import SequenceMatcher

from toolkit.interchange.plover_records import Mark


class Anchor:
    """Maps ranges of a markup's plain sentence onto a document text that may differ slightly.

    The coder's markup sometimes differs from the record's text (a typo fixed on one side, a
    doubled space); ranges inside blocks the two share map directly, other marked words are
    searched for in the text, nearest the place the alignment expects them.
    """

    def __init__(self, plain: str, text: str) -> None:
        self.plain = plain
        self.text = text
        self._same = plain == text
        self._blocks = (
            []
            if self._same
            else SequenceMatcher(None, plain, text, autojunk=False).get_matching_blocks()
        )

    def _expected(self, pos: int) -> int:
        """Where plain offset ``pos`` lands in the text, by the nearest aligned block."""
        for a, b, size in self._blocks:
            if pos < a + size:
                return b + max(0, pos - a)
        return len(self.text)

    def place(self, words: str, start: int, end: int) -> tuple[int, int] | None:
        """Text offsets of ``words`` (plain ``[start, end)``), or None when the text lacks them."""
        if self._same:
            return (start, end) if self.text[start:end] == words else None
        for a, b, size in self._blocks:
            if a <= start and end <= a + size:
                return b + start - a, b + end - a
        expected = self._expected(start)
        found = []
        at = self.text.find(words)
        while at >= 0:
            found.append(at)
            at = self.text.find(words, at + 1)
        if not found:
            return None
        best = min(found, key=lambda i: (abs(i - expected), i))
        return best, best + len(words)

    def mark(self, mark: Mark) -> tuple[int, int] | None:
        """Text offsets of a mark's words, or None."""
        return self.place(mark.text, mark.start, mark.end)
