"""The path rule for full pages and the reasons markup gives for blocks of page text."""

from __future__ import annotations

import lxml.html
import pytest

from toolkit.ingest.page_blocks import is_full_page, markup_reasons, shingles, words


@pytest.mark.parametrize(
    ("raw", "full"),
    [
        pytest.param("<!DOCTYPE html><p>Text</p>", True, id="doctype"),
        pytest.param("  <!-- saved --><html><p>Text</p></html>", True, id="html-start"),
        pytest.param("Saved page\n<html lang=en><body><p>Text</p></body></html>", True, id="both"),
        pytest.param("<p>Text with <a href='/x'>a link</a></p>", False, id="fragment"),
        pytest.param("The <a href='https://x.org'>minister</a> said.", False, id="scraped-text"),
        pytest.param("Learn <html> basics at the <body> shop", True, id="tags-in-prose"),
        pytest.param("An <html> tag alone does not make a page", False, id="html-alone"),
    ],
)
def test_is_full_page(raw, full):
    assert is_full_page(raw) is full


def test_shingles_of_short_and_long_token_lists():
    assert list(shingles(words("Xi met Blinken"))) == [("xi", "met", "blinken")]
    assert list(shingles(words("Xi met Blinken in Beijing"))) == [
        ("xi", "met", "blinken", "in"),
        ("met", "blinken", "in", "beijing"),
    ]
    assert list(shingles([])) == []


def _reasons(body: str) -> dict[tuple[str, ...], str]:
    return markup_reasons(lxml.html.document_fromstring(f"<html><body>{body}</body></html>"))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param("<footer><p>All rights reserved by us</p></footer>", "footer", id="tag"),
        pytest.param(
            "<div class='social-share'><p>All rights reserved by us</p></div>", "share", id="class"
        ),
        pytest.param(
            "<div id='comments'><p>All rights reserved by us</p></div>", "comments", id="id"
        ),
        pytest.param(
            "<aside><div class='newsletter'><p>All rights reserved by us</p></div></aside>",
            "newsletter",
            id="innermost-wins",
        ),
        pytest.param(
            "<div class='related'><b>x</b>All rights reserved by us</div>", "related", id="tail"
        ),
    ],
)
def test_markup_reason_of_a_block(body, reason):
    assert _reasons(body)[("all", "rights", "reserved", "by")] == reason


def test_body_class_and_plain_blocks_give_no_reason():
    root = lxml.html.document_fromstring(
        "<html><body class='site-navigation'><p>All rights reserved by us</p>"
        "<script class='ad'>var all = rights reserved by us</script></body></html>"
    )
    assert markup_reasons(root) == {}
