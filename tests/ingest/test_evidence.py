"""Tests of choosing metadata: preference per field, recorded sources, implausible dates."""

from __future__ import annotations

import datetime
import json

import pytest

from toolkit.ingest import SourceHints, parse_article
from toolkit.ingest.evidence import date_in_url

BODY = (
    "<p>Foreign ministers met in Geneva on Monday to discuss the ceasefire. The talks lasted "
    "six hours and ended without a joint statement, officials said.</p>"
)


def page(head: str = "", body: str = BODY) -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://n.example.com/world/2024/05/06/talks/", datetime.date(2024, 5, 6)),
        ("https://n.example.com/2024/5/6/talks", datetime.date(2024, 5, 6)),
        ("https://n.example.com/talks-2024-05-06.html", datetime.date(2024, 5, 6)),
        ("https://n.example.com/news/20240506-talks", datetime.date(2024, 5, 6)),
        ("https://n.example.com/2024/13/40/talks", None),
        ("https://n.example.com/story/120240506123", None),
        ("https://n.example.com/talks?date=2024-05-06", None),
        ("https://20240506.example.com/talks", None),
    ],
    ids=[
        "slashes",
        "no-zeros",
        "dashes",
        "compact",
        "no-such-day",
        "inside-a-number",
        "query",
        "host",
    ],
)
def test_date_in_url(url: str, day: datetime.date | None) -> None:
    assert date_in_url(url) == day


def test_json_ld_wins_over_meta_and_text_and_every_source_is_recorded() -> None:
    head = (
        '<meta property="og:site_name" content="Example News">'
        '<meta name="author" content="Desk Editor">'
        '<meta property="article:published_time" content="2024-05-05">'
        '<link rel="canonical" href="https://news.example.com/geneva">'
        + ld(
            {
                "@graph": [
                    {
                        "@type": "NewsArticle",
                        "headline": "Geneva talks end without a deal",
                        "author": [{"name": "Jane Roe"}, {"name": "Omar Haddad"}],
                        "datePublished": "2024-05-06T08:00:00Z",
                        "dateModified": "2024-05-07T09:00:00Z",
                    }
                ]
            }
        )
    )
    article = parse_article(page(head, "<p>By Someone Else</p>" + BODY), source_path="a.html")
    assert (article.title, article.byline, article.outlet) == (
        "Geneva talks end without a deal",
        "Jane Roe, Omar Haddad",
        "Example News",
    )
    assert (article.published_date, article.modified_date) == (
        datetime.date(2024, 5, 6),
        datetime.date(2024, 5, 7),
    )
    assert article.metadata_sources == {
        "title": "json-ld",
        "outlet": "opengraph",
        "byline": "json-ld",
        "published_date": "json-ld",
        "modified_date": "json-ld",
        "canonical_url": "link-canonical",
        "language": "py3langid",
    }
    assert article.metadata_notes == []


def test_an_implausible_date_is_noted_and_the_next_source_used() -> None:
    head = ld({"@type": "Article", "datePublished": "0001-01-01T00:00:00Z"}) + (
        '<meta name="pubdate" content="2019-11-20">'
    )
    article = parse_article(page(head), source_path="d.html")
    assert (article.published_date, article.metadata_sources["published_date"]) == (
        datetime.date(2019, 11, 20),
        "meta",
    )
    assert article.metadata_notes == [
        "published_date 0001-01-01 from json-ld rejected: before 1900-01-01"
    ]


def test_dates_after_the_fetch_date_and_modifications_before_publication_are_rejected() -> None:
    head = (
        ld({"@type": "NewsArticle", "datePublished": "2031-01-01", "dateModified": "2019-01-01"})
        + '<link rel="canonical" href="https://news.example.com/2024/05/06/geneva">'
    )
    hints = SourceHints(origin="warc", fetched_at=datetime.datetime(2024, 5, 8, 12, 0))
    article = parse_article(page(head), source_path="f.html", hints=hints)
    assert (article.published_date, article.modified_date) == (datetime.date(2024, 5, 6), None)
    assert (
        article.metadata_sources["published_date"],
        article.metadata_sources["modified_date"],
    ) == (
        "url",
        None,
    )
    assert article.metadata_notes == [
        "published_date 2031-01-01 from json-ld rejected: after the fetch date 2024-05-08",
        "modified_date 2019-01-01 from json-ld rejected: before the published date 2024-05-06",
    ]


def test_without_a_fetch_date_a_future_date_is_kept() -> None:
    head = ld({"@type": "NewsArticle", "datePublished": "2031-01-01"})
    article = parse_article(page(head), source_path="f.html")
    assert (article.published_date, article.metadata_notes) == (datetime.date(2031, 1, 1), [])


def test_a_date_only_in_the_url() -> None:
    head = '<meta property="og:url" content="https://news.example.com/2023/06/19/geneva/">'
    article = parse_article(page(head), source_path="u.html")
    assert (article.published_date, article.metadata_sources["published_date"]) == (
        datetime.date(2023, 6, 19),
        "url",
    )
    assert article.canonical_url == "https://news.example.com/2023/06/19/geneva/"
    assert article.metadata_sources["canonical_url"] == "opengraph"


def test_hints_come_first_and_are_named_by_their_container() -> None:
    head = '<meta property="og:title" content="Page title"><link rel="canonical" href="https://mirror.example.org/geneva">'
    hints = SourceHints(
        origin="sidecar",
        url="https://mirror.example.org/geneva?utm_source=x",
        title="Given title",
        byline="By Jane Roe",
    )
    article = parse_article(page(head), source_path="h.html", hints=hints)
    assert (article.title, article.byline) == ("Given title", "Jane Roe")
    assert article.canonical_url == "https://mirror.example.org/geneva"
    assert article.source_urls == [
        "https://mirror.example.org/geneva?utm_source=x",
        "https://mirror.example.org/geneva",
    ]
    assert article.outlet == "mirror.example.org"
    assert [article.metadata_sources[k] for k in ("title", "byline", "outlet")] == [
        "sidecar",
        "sidecar",
        "host",
    ]


def test_source_urls_hold_the_articles_own_urls_not_its_links() -> None:
    head = (
        '<link rel="canonical" href="https://news.example.com/a">'
        '<meta property="og:url" content="https://news.example.com/a?amp=1">'
        + ld({"@type": "NewsArticle", "url": "https://news.example.com/a"})
    )
    body = BODY + '<p>See <a href="https://other.example.org/report">the report</a>.</p>'
    article = parse_article(page(head, body), source_path="s.html")
    assert article.source_urls == ["https://news.example.com/a", "https://news.example.com/a?amp=1"]
    assert [link.href for link in article.links] == ["https://other.example.org/report"]


def test_a_german_article_is_detected_as_german() -> None:
    body = (
        "<p>Die Außenminister trafen sich am Montag in Genf, um über die Waffenruhe zu sprechen. "
        "Die Gespräche dauerten sechs Stunden und endeten ohne gemeinsame Erklärung.</p>"
    )
    article = parse_article(page("", body), source_path="de.html")
    assert article.language == "de"
    assert article.language_confidence is not None and article.language_confidence > 0.9


def test_a_relative_canonical_link_is_resolved_against_the_fetch_url() -> None:
    hints = SourceHints(origin="warc", url="https://news.example.com/world/geneva?utm_source=x")
    head = '<link rel="canonical" href="/world/geneva">'
    article = parse_article(page(head), source_path="r.html", hints=hints)
    assert article.canonical_url == "https://news.example.com/world/geneva"
    assert article.metadata_sources["canonical_url"] == "link-canonical"
