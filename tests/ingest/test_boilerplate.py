"""Tests of toolkit.ingest.boilerplate: captions, menus, navigation, bylines, trailing blocks."""

from __future__ import annotations

import pytest

from toolkit.ingest.article import parse_article
from toolkit.ingest.boilerplate import _clean_paragraphs
from toolkit.ingest.removals import Removal

CAPTION_CASES = [
    ("agency-after-sentence", "Xi waves in Beijing on Monday. Reuters"),
    ("name-slash-outlet", "Delegates arrive for the talks. Sarah Dea / The National"),
    ("ap-photo", "Xi and Blinken shake hands. (AP Photo/Andy Wong)"),
    ("photo-prefix", "Photo: Blinken boards his plane at Andrews air base"),
]


@pytest.mark.parametrize(
    "caption", [c[1] for c in CAPTION_CASES], ids=[c[0] for c in CAPTION_CASES]
)
def test_photo_captions_are_removed(caption: str) -> None:
    body = "Xi met Blinken in Beijing on Monday.\n\nThey agreed to keep talking."
    article = parse_article(f"{body}\n\n{caption}".encode(), source_path="c.txt")
    assert article.text == body
    assert article.removed == [Removal("photo-caption", caption)]


@pytest.mark.parametrize(
    "menu", ["English | العربية", "• English\n• Français\n• Deutsch"], ids=["one-line", "lines"]
)
def test_language_switcher_is_removed(menu: str) -> None:
    article = parse_article(f"{menu}\n\nXi met Blinken.".encode(), source_path="l.txt")
    assert article.text == "Xi met Blinken."
    assert [r.reason for r in article.removed] == ["language-switcher"]


def test_trailing_block_found_by_vocabulary_and_structure() -> None:
    body = (
        "Ministers from both countries met in Geneva to discuss grain exports and shipping "
        "routes through the Black Sea.\n\nThe grain talks will continue next month in Geneva, "
        "officials from both delegations said after the shipping meeting."
    )
    box = "\n\nFund facts\n\nLaunched: 2019\n\nAssets: 40 million dollars\n\nManager: Petra Holm"
    article = parse_article((body + box).encode(), source_path="box.txt")
    assert article.text == body
    assert [r.reason for r in article.removed] == ["trailing-unrelated-block"]


def test_related_trailing_section_is_kept() -> None:
    text = (
        "Ministers met in Geneva to discuss grain exports through the Black Sea.\n\n"
        "Next steps\n\n"
        "Ministers will meet again in Geneva to discuss grain exports and the Black Sea route."
    )
    article = parse_article(text.encode(), source_path="kept.txt")
    assert article.text == text and article.removed == []


def test_navigation_and_byline_with_by() -> None:
    text = (
        "Advertisement\n\nTalks resume in Geneva on grain deal\n\nBy Jane Roe and John Doe\n\n"
        "Ministers met in Geneva on Monday.\n\nShare this article"
    )
    article = parse_article(text.encode(), source_path="nav.txt")
    assert (article.title, article.byline) == (
        "Talks resume in Geneva on grain deal",
        "Jane Roe and John Doe",
    )
    assert article.text == "Ministers met in Geneva on Monday."
    assert [r.reason for r in article.removed] == ["navigation", "headline", "byline", "navigation"]


def test_repeated_body_paragraph_is_kept_once() -> None:
    para = "The two sides agreed to keep talking about trade and security in the coming weeks."
    text = f"{para}\n\nXi met Blinken on Monday.\n\n{para}"
    article = parse_article(text.encode(), source_path="rep.txt")
    assert article.text == f"{para}\n\nXi met Blinken on Monday."
    assert article.removed == [Removal("repeated-paragraph", para)]


def test_markup_judged_paragraphs_keep_repeats_and_trailing_blocks() -> None:
    repeated = "Mix one cup of rice with two cups of water and a pinch of salt."
    paras = [
        "Grain ministers met in Geneva to discuss exports and shipping routes.",
        repeated,
        "The talks will continue next month, officials from both delegations said.",
        repeated,
        "Fund facts",
        "Launched: 2019",
        "Assets: 40 million dollars",
        "Manager: Petra Holm",
    ]
    assert [reason for _, reason in _clean_paragraphs(paras, set()).units] == [
        "repeated-paragraph",
        "trailing-unrelated-block",
    ]
    assert _clean_paragraphs(paras, set(), markup_judged=True).units == []
