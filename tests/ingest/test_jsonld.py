"""Tests of the JSON-LD reader: @graph arrays, lists, author objects and references."""

from __future__ import annotations

import json

import pytest

from toolkit.ingest.jsonld import JsonLdArticle, read_json_ld


def ld_block(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


YOAST_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": "https://news.example.com/#website", "name": "Example"},
        {
            "@type": ["NewsArticle", "Article"],
            "headline": "Talks in Geneva end without a deal",
            "author": [{"@id": "https://news.example.com/#/person/1"}, {"name": "Omar Haddad"}],
            "publisher": {"@id": "https://news.example.com/#org"},
            "datePublished": "2024-05-06T08:30:00+02:00",
            "dateModified": "2024-05-07T10:00:00+02:00",
            "mainEntityOfPage": {"@id": "https://news.example.com/2024/05/06/geneva"},
        },
        {"@type": "Person", "@id": "https://news.example.com/#/person/1", "name": "Jane Roe"},
        {"@type": "Organization", "@id": "https://news.example.com/#org", "name": "Example News"},
    ],
}


def test_a_graph_with_references_gives_the_article_and_its_people() -> None:
    found = read_json_ld("<html><head>" + ld_block(YOAST_GRAPH) + "</head></html>")
    assert found == JsonLdArticle(
        headline="Talks in Geneva end without a deal",
        authors=["Jane Roe", "Omar Haddad"],
        publisher="Example News",
        date_published="2024-05-06T08:30:00+02:00",
        date_modified="2024-05-07T10:00:00+02:00",
        urls=["https://news.example.com/2024/05/06/geneva"],
    )


@pytest.mark.parametrize(
    ("data", "authors"),
    [
        ({"@type": "BlogPosting", "author": "Jane Roe"}, ["Jane Roe"]),
        (
            {"@type": "schema:ReportageNewsArticle", "author": ["A. Bee", "C. Dee"]},
            ["A. Bee", "C. Dee"],
        ),
        ({"@type": "Article", "author": "https://example.com/staff/jane"}, []),
        ({"@type": "Article", "author": {"@type": "Person", "name": ["Jane Roe"]}}, ["Jane Roe"]),
    ],
    ids=["string", "list-of-strings", "profile-url-is-no-name", "name-list"],
)
def test_author_forms(data: dict[str, object], authors: list[str]) -> None:
    assert read_json_ld(ld_block([{"@type": "BreadcrumbList"}, data])).authors == authors


def test_an_invalid_block_is_counted_and_the_next_one_read() -> None:
    page = (
        '<script type="application/ld+json">{"@type": "NewsArticle", headline: x}</script>'
        + ld_block({"@type": "NewsArticle", "headline": "Tom &amp; Jerry  return"})
    )
    found = read_json_ld(page)
    assert (found.invalid_blocks, found.headline) == (1, "Tom & Jerry return")


def test_a_page_without_an_article_object_gives_nothing() -> None:
    page = ld_block({"@type": "WebSite", "name": "Example", "datePublished": "2020-01-01"})
    assert read_json_ld(page) == JsonLdArticle()
