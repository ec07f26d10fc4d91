"""Tests of toolkit.ingest.metadata: page metadata, source URLs and the outlet."""

from __future__ import annotations

import datetime

from toolkit.ingest.article import Link, parse_article


def test_html_dates_and_metadata() -> None:
    page = (
        "<html><head><title>Ignored | Site</title>"
        '<meta property="og:title" content="Talks end">'
        '<meta property="og:site_name" content="Example News">'
        '<meta name="author" content="Jane Roe">'
        '<meta property="article:published_time" content="2023-06-18T09:00:00Z">'
        '<link rel="canonical" href="https://news.example.com/a/1">'
        "</head><body><p>Xi met Blinken. <time datetime='2023-06-21'>Wed</time></p>"
        '<p>They spoke <a href="/b/2">here</a>.</p></body></html>'
    )
    article = parse_article(page.encode(), source_path="page.html")
    assert (article.title, article.outlet, article.byline) == (
        "Talks end",
        "Example News",
        "Jane Roe",
    )
    assert article.published_date == datetime.date(2023, 6, 18)
    assert article.source_urls == ["https://news.example.com/a/1"]
    assert article.canonical_url == "https://news.example.com/a/1"
    assert article.metadata_sources == {
        "title": "opengraph",
        "outlet": "opengraph",
        "byline": "meta",
        "published_date": "opengraph",
        "modified_date": None,
        "canonical_url": "link-canonical",
        "language": "py3langid",
    }
    assert article.links == [Link("here", "https://news.example.com/b/2", 32, 36)]
    assert article.text == "Xi met Blinken. Wed\n\nThey spoke here."


def test_urls_in_plain_text_are_not_source_urls() -> None:
    text = "Read the statement at https://state.gov/a-b?x=1. Also see (https://example.org/c)."
    article = parse_article(text.encode(), source_path="u.txt")
    assert article.source_urls == [] and article.canonical_url is None
    assert article.outlet is None


def test_canonical_url_host_is_the_outlet_without_site_name() -> None:
    page = '<link rel="canonical" href="https://www.example.com/x"><p>Xi met Blinken.</p>'
    article = parse_article(page.encode(), source_path="c.html")
    assert (article.outlet, article.source_urls) == ("example.com", ["https://www.example.com/x"])


def test_one_link_is_no_evidence_of_an_outlet() -> None:
    page = '<p>Xi met <a href="https://www.example.com/x">Blinken</a>.</p>'
    assert parse_article(page.encode(), source_path="o.html").outlet is None
