"""Tests of toolkit.ingest.jsonl: each valid line is an article, each bad line a reject."""

from __future__ import annotations

import datetime
import gzip
import json
from pathlib import Path

import pytest

from toolkit.ingest import Record, RecordReject, read_jsonl

EXPECTED = (
    'expected one JSON object per line with "html" or "text" (a string) and optional "url", '
    '"title", "outlet", "byline" and "date" (YYYY-MM-DD or an ISO date-time)'
)
GOOD = {
    "url": "https://news.example.org/2024/05/talks",
    "html": "<html><body><p>Officials met in Geneva on Monday.</p></body></html>",
    "title": "Talks resume",
    "outlet": "Example News",
    "byline": "Jane Doe",
    "date": "2024-05-06T09:30:00Z",
}
BAD_LINES = [
    ("not json", "not JSON (Expecting value: line 1 column 1 (char 0)); " + EXPECTED),
    ("[1]", "the line is a JSON list, not an object; " + EXPECTED),
    ('{"title": "x"}', 'the object has neither "html" nor "text"; ' + EXPECTED),
    ('{"text": 5}', '"text" is a JSON int, not a string; ' + EXPECTED),
    ('{"text": ""}', '"text" is empty; ' + EXPECTED),
    ('{"text": "a", "date": "06/05/2024"}', "\"date\" '06/05/2024' is not valid; " + EXPECTED),
    ('{"text": "a", "url": "ftp://x.org/a"}', "\"url\" 'ftp://x.org/a' is not valid; " + EXPECTED),
    (
        '{"text": "a", "date": "2024-02-30"}',
        "date '2024-02-30' is not a valid ISO date; give YYYY-MM-DD or an ISO date-time such as "
        "2024-05-06T09:30:00Z",
    ),
]


@pytest.mark.parametrize("gzipped", [False, True], ids=["jsonl", "jsonl.gz"])
def test_good_lines_are_articles_with_their_metadata(tmp_path: Path, gzipped: bool) -> None:
    lines = [json.dumps(GOOD), "", json.dumps({"text": "Plain words about the talks."})]
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / ("a.jsonl.gz" if gzipped else "a.jsonl")
    path.write_bytes(gzip.compress(data, mtime=0) if gzipped else data)
    got = list(read_jsonl(path, "a.jsonl", max_bytes=1 << 20))
    assert [r.display for r in got] == ["a.jsonl:1", "a.jsonl:3"]
    first, second = got
    assert isinstance(first, Record) and isinstance(second, Record)
    assert first.data == GOOD["html"].encode()
    hints = first.hints
    assert (hints.origin, hints.url, hints.title, hints.outlet, hints.byline) == (
        "jsonl",
        GOOD["url"],
        "Talks resume",
        "Example News",
        "Jane Doe",
    )
    assert hints.published_date == datetime.date(2024, 5, 6)
    assert second.data == b"Plain words about the talks."


@pytest.mark.parametrize(("line", "reason"), BAD_LINES, ids=[r[:20] for r, _ in BAD_LINES])
def test_a_bad_line_is_a_reject_and_the_next_lines_go_on(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(line + "\n" + json.dumps(GOOD) + "\n", encoding="utf-8")
    got = list(read_jsonl(path, "a.jsonl", max_bytes=1 << 20))
    assert got[0] == RecordReject("a.jsonl:1", reason, got[0].input_bytes)
    assert isinstance(got[1], Record) and got[1].display == "a.jsonl:2"


def test_a_line_over_the_limit_is_rejected_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    long_line = json.dumps({"text": "x" * 5000})
    path.write_text(long_line + "\n" + json.dumps({"text": "short"}) + "\n", encoding="utf-8")
    got = list(read_jsonl(path, "a.jsonl", max_bytes=100))
    assert got[0] == RecordReject(
        "a.jsonl:1", "line is over the limit of 100 bytes (--max-bytes)", got[0].input_bytes
    )
    assert isinstance(got[1], Record) and got[1].display == "a.jsonl:2"


def test_a_damaged_gzip_ends_the_file_with_one_reject(tmp_path: Path) -> None:
    data = gzip.compress((json.dumps(GOOD) + "\n").encode() * 50, mtime=0)
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    got = list(read_jsonl(path, "a.jsonl.gz", max_bytes=1 << 20))
    assert all(isinstance(r, Record) for r in got[:-1])
    assert got[-1].display == "a.jsonl.gz"
    assert isinstance(got[-1], RecordReject)
    assert got[-1].reason.startswith(f"damaged file after line {len(got) - 1}: ")
