"""Tests of toolkit.ingest.warc: HTML responses of a WARC file become articles, the rest is said."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import pytest

from toolkit.ingest import Record, RecordReject, read_warc

from .warc_files import PAGE, http_response, warc_file, warc_record


def _crawl(page: bytes = PAGE.encode()) -> list[bytes]:
    return [
        warc_record("warcinfo", "", b"software: test\r\n", 1),
        warc_record("request", "https://news.example.org/a", b"GET /a HTTP/1.1\r\n\r\n", 2),
        warc_record(
            "response",
            "https://news.example.org/a",
            http_response(page, content_type="text/html; charset=windows-1252"),
            3,
        ),
        warc_record(
            "response",
            "https://news.example.org/moved",
            http_response(b"", status="301 Moved Permanently"),
            4,
        ),
        warc_record(
            "response",
            "https://news.example.org/x.pdf",
            http_response(b"%PDF", content_type="application/pdf"),
            5,
        ),
    ]


@pytest.mark.parametrize("gzipped", [False, True], ids=["warc", "warc.gz"])
def test_html_responses_are_articles_and_the_rest_is_counted_or_rejected(
    tmp_path: Path, gzipped: bool
) -> None:
    path = tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc")
    path.write_bytes(warc_file(_crawl(), gzipped=gzipped))
    skipped: Counter[str] = Counter()
    got = list(read_warc(path, "crawl", max_bytes=1 << 20, skipped=skipped))
    assert [type(r) for r in got] == [Record, RecordReject, RecordReject]
    article = got[0]
    assert isinstance(article, Record)
    assert article.display == "crawl#record=3"
    assert article.data == PAGE.encode()
    assert (article.hints.origin, article.hints.url, article.hints.charset) == (
        "warc",
        "https://news.example.org/a",
        "windows-1252",
    )
    assert article.hints.fetched_at == datetime.datetime(2024, 5, 6, 9, 30, tzinfo=datetime.UTC)
    assert got[1] == RecordReject(
        "crawl#record=4",
        "HTTP status 301 for https://news.example.org/moved; only HTTP 200 responses are articles",
        got[1].input_bytes,
    )
    assert got[2].display == "crawl#record=5"
    assert got[2].reason == (
        "Content-Type application/pdf for https://news.example.org/x.pdf; articles are "
        "text/html or application/xhtml+xml responses"
    )
    assert skipped == {"WARC warcinfo records": 1, "WARC request records": 1}


@pytest.mark.parametrize("gzipped", [False, True], ids=["warc", "warc.gz"])
def test_a_truncated_file_gives_the_records_before_and_one_reject(
    tmp_path: Path, gzipped: bool
) -> None:
    records = _crawl()[:3] * 2
    whole = warc_file(records, gzipped=gzipped)
    path = tmp_path / ("cut.warc.gz" if gzipped else "cut.warc")
    path.write_bytes(whole[: len(whole) - 40])
    got = list(read_warc(path, "cut", max_bytes=1 << 20, skipped=Counter()))
    assert [r.display for r in got] == ["cut#record=3", "cut"]
    damage = got[-1]
    assert isinstance(damage, RecordReject)
    assert damage.reason.startswith("damaged WARC file ")
    assert "byte offset" in damage.reason
    assert damage.reason.endswith("; the records before it were read, nothing after")


def test_a_record_over_the_limit_is_rejected_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.warc"
    path.write_bytes(warc_file(_crawl()[2:3], gzipped=False))
    got = list(read_warc(path, "big", max_bytes=100, skipped=Counter()))
    assert len(got) == 1 and isinstance(got[0], RecordReject)
    assert got[0].reason.endswith("bytes, over the limit of 100 bytes (--max-bytes)")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b"just some notes, not a crawl\n",
            "not a WARC file (Invalid WARC header); expected a WARC 1.0/1.1 file, "
            "uncompressed (.warc) or gzipped (.warc.gz)",
        ),
        (
            b"",
            "no WARC record found; expected a WARC 1.0/1.1 file, uncompressed (.warc) or "
            "gzipped (.warc.gz)",
        ),
    ],
    ids=["text", "empty"],
)
def test_a_file_that_is_not_warc_is_one_reject(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "notes.warc"
    path.write_bytes(content)
    got = list(read_warc(path, "notes.warc", max_bytes=1 << 20, skipped=Counter()))
    assert got == [RecordReject("notes.warc", reason)]
