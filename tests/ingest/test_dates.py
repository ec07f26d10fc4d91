"""Tests of toolkit.ingest.dates: date strings, date lines and prefixes."""

from __future__ import annotations

import datetime

import pytest

from toolkit.ingest.article import parse_article
from toolkit.ingest.dates import parse_date
from toolkit.ingest.removals import Removal

DATE_CASES = [
    ("iso", "2023-06-19", datetime.date(2023, 6, 19)),
    ("iso-time", "2023-06-19T17:06:00+04:00", datetime.date(2023, 6, 19)),
    ("month-day-year", "Updated: June 19, 2023, 5:06 PM", datetime.date(2023, 6, 19)),
    ("last-updated-on", "(Last Updated On: June 20, 2023)", datetime.date(2023, 6, 20)),
    ("day-month-year", "19 June 2023", datetime.date(2023, 6, 19)),
    ("abbreviated", "Mon, 19 Jun. 2023", datetime.date(2023, 6, 19)),
    ("impossible", "2023-02-30", None),
    ("none", "no date here", None),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in DATE_CASES], ids=[c[0] for c in DATE_CASES]
)
def test_parse_date(text: str, expected: datetime.date | None) -> None:
    assert parse_date(text) == expected


def test_time_element_dates_an_article() -> None:
    page = "<p>Posted <time datetime='2023-06-19T10:00'>Monday</time></p><p>Xi met Blinken.</p>"
    assert parse_article(page.encode(), source_path="t.html").published_date == datetime.date(
        2023, 6, 19
    )


DATELINE_CASES = [
    ("published", "Published: 19 June 2023", datetime.date(2023, 6, 19)),
    ("iso-line", "2023-06-19", datetime.date(2023, 6, 19)),
    ("updated-time", "Updated: June 19, 2023, 5:06 PM", datetime.date(2023, 6, 19)),
    ("last-updated-on", "(Last Updated On: June 20, 2023)", datetime.date(2023, 6, 20)),
    ("weekday", "Monday, June 19, 2023 at 10:15 GMT", datetime.date(2023, 6, 19)),
]


@pytest.mark.parametrize(
    ("line", "date"), [c[1:] for c in DATELINE_CASES], ids=[c[0] for c in DATELINE_CASES]
)
def test_date_lines_become_published_date(line: str, date: datetime.date) -> None:
    body = "Xi met Blinken in Beijing on Monday.\n\nThey agreed to keep talking."
    article = parse_article(f"{line}\n\n{body}".encode(), source_path="d.txt")
    assert (article.published_date, article.text) == (date, body)
    assert article.removed == [Removal("dateline", line)]


def test_publication_date_wins_over_update_date() -> None:
    text = "Updated: June 21, 2023\n\nPublished: June 19, 2023\n\nXi met Blinken on Monday."
    assert parse_article(text.encode(), source_path="d.txt").published_date == datetime.date(
        2023, 6, 19
    )


def test_date_prefix_is_cut_from_the_first_paragraph() -> None:
    article = parse_article(b" date 2023-06-19 Xi met Blinken. They talked.", source_path="p.txt")
    assert article.text == "Xi met Blinken. They talked."
    assert article.sentences == [(0, 15), (16, 28)]
    assert article.removed == [Removal("dateline", "date 2023-06-19")]
