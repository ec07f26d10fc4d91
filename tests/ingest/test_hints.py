"""Tests of toolkit.ingest.hints: metadata given beside the bytes reaches the Article."""

from __future__ import annotations

import datetime

from toolkit.ingest import SourceHints, parse_article

PAGE = "<html><body><h1>Talks resume</h1><p>Officials met in Geneva on Monday.</p></body></html>"


def test_hints_fill_and_win_over_page_metadata() -> None:
    hints = SourceHints(
        origin="sidecar",
        url="https://www.example.org/2024/05/talks",
        title="Talks resume in Geneva",
        byline="Jane Doe",
        published_date=datetime.date(2024, 5, 6),
    )
    article = parse_article(PAGE.encode(), source_path="a.html", hints=hints)
    assert (article.title, article.byline, article.published_date) == (
        "Talks resume in Geneva",
        "Jane Doe",
        datetime.date(2024, 5, 6),
    )
    assert article.outlet == "example.org"
    assert article.source_urls[0] == "https://www.example.org/2024/05/talks"


def test_http_charset_is_tried_before_the_bytes_declarations() -> None:
    text = "Переговоры возобновились в Женеве в понедельник."
    data = f"<p>{text}</p>".encode("koi8_r")
    article = parse_article(
        data, source_path="r.html", hints=SourceHints(origin="warc", charset="KOI8-R")
    )
    assert (article.text, article.source_encoding) == (text, "koi8-r")


def test_a_wrong_http_charset_falls_back_to_the_other_rules() -> None:
    data = "<p>Café talks resume on Monday.</p>".encode()
    article = parse_article(
        data, source_path="u.html", hints=SourceHints(origin="warc", charset="shift_jis")
    )
    assert (article.text, article.source_encoding) == ("Café talks resume on Monday.", "utf-8")
