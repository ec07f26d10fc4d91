"""Marked words placed in a text that differs slightly from the markup's plain sentence."""

from __future__ import annotations

import pytest

from toolkit.interchange.anchoring import Anchor


@pytest.mark.parametrize(
    ("plain", "text", "words", "start", "expected"),
    [
        ("Iran met Iraq.", "Iran met Iraq.", "Iraq", 9, (9, 13)),
        ("Iran  met Iraq.", "Iran met Iraq.", "Iraq", 10, (9, 13)),
        ("Isreal met Iraq.", "Israel met Iraq.", "Iraq", 11, (11, 15)),
        ("Iraq met Iraq.", "So Iraq met Iraq.", "Iraq", 9, (12, 16)),
    ],
    ids=["same-text", "doubled-space", "typo-elsewhere", "second-of-two"],
)
def test_words_land_on_the_same_words_of_the_text(
    plain: str, text: str, words: str, start: int, expected: tuple[int, int]
) -> None:
    at = Anchor(plain, text).place(words, start, start + len(words))
    assert at == expected
    assert text[at[0] : at[1]] == words


def test_words_the_text_lacks_are_not_placed() -> None:
    assert Anchor("Isreal met Iraq.", "Israel met Iraq.").place("Isreal", 0, 6) is None
