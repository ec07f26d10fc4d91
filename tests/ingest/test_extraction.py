"""Main-content extraction of full pages: the body kept, every other block a reasoned Removal."""

from __future__ import annotations

import pytest

from toolkit.ingest import parse_article
from toolkit.ingest.extraction import NOT_MAIN, _main_indexes, clean_page
from toolkit.ingest.page_blocks import MARKUP_REASONS, words
from toolkit.ingest.removals import REMOVAL_REASONS

BODY = [
    "Taiwan's coast guard said on Tuesday that it had tracked four Chinese vessels sailing near "
    "the Kinmen islands for most of the morning, the third such incident this month.",
    "The vessels left the restricted waters after repeated radio warnings, a spokesperson told "
    "reporters in Taipei, adding that no shots had been fired and no one had been hurt.",
    "Officials in Beijing did not respond to requests for comment, but the foreign ministry has "
    "previously said that the waters around the islands are Chinese territory.",
    "Analysts said the patrols were meant to test the island's response without provoking a "
    "direct confrontation, and that more of them were likely before the year's end.",
]
LINKED = '<a href="https://example.org/kinmen">Kinmen islands</a>'

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><title>Chinese vessels near Kinmen - Example News</title></head>
<body>
<nav class="site-nav"><ul><li><a href="/world">World</a></li><li><a href="/asia">Asia</a></li>
<li><a href="/business">Business</a></li></ul></nav>
<main><article>
<h1>Chinese vessels near Kinmen</h1>
<div class="share-buttons"><p>Share this story on Facebook, Twitter and LinkedIn today</p></div>
<p>{BODY[0].replace("Kinmen islands", LINKED)}</p>
<p>{BODY[1]}</p>
<p>{BODY[2]}</p>
<p>{BODY[3]}</p>
</article>
<div class="newsletter-signup"><p>Get the morning briefing in your inbox every weekday at six</p>
</div>
<section class="related-stories"><h2>More from Asia</h2><ul>
<li><a href="/a">Typhoon season arrives early in the Philippines this summer</a></li>
<li><a href="/b">Japanese exports rise for the fifth month in a row in June</a></li></ul></section>
<div id="comments" class="comments-area"><h3>3 comments</h3>
<p>Great reporting, thanks for covering this story so quickly and clearly.</p>
<p>I wonder what the coast guard will do the next time this happens near the islands.</p>
</div>
</main>
<footer><p>Copyright 2026 Example News. All rights reserved. Terms of use and privacy.</p>
</footer>
</body></html>
"""


@pytest.fixture(name="article")
def fixture_article():
    return parse_article(PAGE.encode("utf-8"), source_path="page.html")


def test_full_page_keeps_the_body_only(article):
    assert article.text == "\n\n".join(BODY)


def test_full_page_lists_each_removed_block_with_its_markup_reason(article):
    removed = [(r.reason, r.text) for r in article.removed]
    assert removed == [
        # A <nav> element is left out by the HTML reader itself, before extraction.
        ("navigation", "WorldAsia\n\nBusiness"),
        ("headline", "Chinese vessels near Kinmen"),
        ("share", "Share this story on Facebook, Twitter and LinkedIn today"),
        ("newsletter", "Get the morning briefing in your inbox every weekday at six"),
        (
            "related",
            "More from Asia\n\nTyphoon season arrives early in the Philippines this summer\n\n"
            "Japanese exports rise for the fifth month in a row in June",
        ),
        (
            "comments",
            "3 comments\n\nGreat reporting, thanks for covering this story so quickly and "
            "clearly.\n\nI wonder what the coast guard will do the next time this happens near "
            "the islands.",
        ),
        ("footer", "Copyright 2026 Example News. All rights reserved. Terms of use and privacy."),
    ]
    assert article.title == "Chinese vessels near Kinmen"


def test_full_page_link_offsets_point_at_the_anchor_text(article):
    body_links = [link for link in article.links if link.start is not None]
    assert [(link.href, link.text) for link in body_links] == [
        ("https://example.org/kinmen", "Kinmen islands")
    ]
    link = body_links[0]
    assert article.text[link.start : link.end] == "Kinmen islands"


def test_links_of_removed_blocks_have_no_offsets(article):
    hrefs = {link.href for link in article.links if link.start is None}
    assert {"/a", "/b"} <= hrefs


def test_unmarked_block_outside_the_article_is_not_main_content():
    page = PAGE.replace(
        "<footer>",
        "<div><p>Weather in Taipei tomorrow: cloudy with a chance of rain in the evening</p></div>"
        "<footer>",
    )
    article = parse_article(page.encode("utf-8"), source_path="page.html")
    assert (
        NOT_MAIN,
        "Weather in Taipei tomorrow: cloudy with a chance of rain in the evening",
    ) in [(r.reason, r.text) for r in article.removed]
    assert article.text == "\n\n".join(BODY)


def test_fragment_keeps_the_project_rules():
    fragment = "<p>" + "</p>\n<p>".join(BODY) + "</p>\n<p>Share this story</p>"
    article = parse_article(fragment.encode("utf-8"), source_path="fragment.html")
    assert [(r.reason, r.text) for r in article.removed] == [("navigation", "Share this story")]


def test_no_tree_keeps_the_project_rules():
    cleanup = clean_page(None, [*BODY, "Share this story"], set(), "fragment.html")
    assert cleanup.units == [([4], "navigation")]


@pytest.mark.parametrize(
    ("paragraph", "kept"),
    [
        pytest.param(BODY[0], True, id="all-shingles-found"),
        pytest.param(BODY[0][:60] + " and then something else entirely happened", True, id="half"),
        pytest.param("Sign up for our weekly newsletter about Asia today", False, id="absent"),
        pytest.param("Kinmen", True, id="short-whole-line"),
        pytest.param("Taiwan's coast", True, id="short-line-start"),
        pytest.param("Taipei", False, id="short-inside-a-line"),
        pytest.param("* * *", False, id="no-words"),
    ],
)
def test_main_indexes(paragraph, kept):
    main = "\n".join([BODY[0], "Kinmen", BODY[1]])
    assert _main_indexes([words(paragraph)], main) == ([0] if kept else [])


def test_markup_reasons_are_removal_reasons():
    assert {*MARKUP_REASONS, NOT_MAIN} <= set(REMOVAL_REASONS)
