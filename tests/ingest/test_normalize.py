"""Tests of toolkit.ingest.normalize: normalize_text, link markers, whitespace tables."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.ingest import normalize as normalize
from toolkit.ingest.normalize import normalize_text

NORMALIZE_CASES = [
    ("crlf", "One.\r\nTwo.\r\n\r\nThree.", "One.\n\nTwo.\n\nThree."),
    ("cr", "One.\rTwo.", "One.\n\nTwo."),
    ("blank-lines", "\n\n  One.  \n\n\n\n Two. \n", "One.\n\nTwo."),
    ("spaces-tabs-nbsp", "a \t b\u00a0\u00a0c\u2003d", "a b c d"),
    ("nfc", "Cafe\u0301", "Café"),
    ("zwsp-bom-soft-hyphen", "\ufeffin\u00adter\u200bnational", "international"),
    ("zwj-between-ascii", "Xi\u200d Jinping\u200c", "Xi Jinping"),
    ("zwj-emoji-kept", "coder 👩\u200d💻 here", "coder 👩\u200d💻 here"),
    ("zwnj-persian-kept", "می\u200cخواهم", "می\u200cخواهم"),
    ("rlm-in-english-removed", "Beijing\u200f said \u202aso\u202c.", "Beijing said so."),
    ("rlm-in-hebrew-kept", "שלום\u200f world", "שלום\u200f world"),
    ("controls", "a\x00b\x07c\x1bd\x7f", "abcd"),
    ("line-and-paragraph-separators", "a.\u2028b.\u2029c.", "a.\n\nb.\n\nc."),
    ("hard-wrap-joined", "the talks were\nheld on Monday.", "the talks were held on Monday."),
    ("sentence-end-not-joined", "Talks ended.\nthe next day", "Talks ended.\n\nthe next day"),
    (
        "headline-not-joined",
        "Xi meets Blinken\nBeijing, Monday",
        "Xi meets Blinken\n\nBeijing, Monday",
    ),
    ("noncharacters", "link\ufdd0text\ufdd1", "linktext"),
    ("lone-surrogate", "a\ud800b", "ab"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in NORMALIZE_CASES], ids=[c[0] for c in NORMALIZE_CASES]
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_link_markers_survive_and_stay_off_whitespace() -> None:
    raw = "Xi met \ufdd0 the  US\u200b Secretary \ufdd1 of\r\nstate \ufdd0\u200bAntony\ufdd1."
    assert normalize.normalize_with_link_markers(raw) == (
        "Xi met \ufdd0the US Secretary\ufdd1 of state \ufdd0Antony\ufdd1."
    )
    assert normalize_text(raw) == "Xi met the US Secretary of state Antony."


def test_whitespace_tables_cover_every_unicode_space() -> None:
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    handled = set(normalize._OTHER_SPACES) | set(normalize._LINE_SEPARATORS)
    assert spaces - handled == {" ", "\n", "\r", "\u2029"}
    assert all(normalize._SPECIAL.match(ch) for ch in handled | {"\u2029"})
    assert set(normalize.UNUSUAL_SPACES) == spaces - {" ", "\n"}


@given(st.text())
@settings(max_examples=400)
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text(alphabet=st.sampled_from("ab .\n\r\t\u00a0\u200b\u200d\u200f👩💻א\u0301e")))
@settings(max_examples=400)
def test_normalize_text_shape(text: str) -> None:
    out = normalize_text(text)
    assert out == out.strip()
    assert "  " not in out
    assert "\n\n\n" not in out
    assert all(p and p == p.strip() and "\n" not in p for p in out.split("\n\n")) or out == ""
    assert unicodedata.is_normalized("NFC", out)
