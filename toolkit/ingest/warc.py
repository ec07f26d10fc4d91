"""WARC files (the format of Common Crawl and CC-NEWS): each HTML response record is an article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toolkit.ingest.hints import SourceHints
from toolkit.ingest.records import Record, RecordReject

HTML_TYPES = ("text/html", "application/xhtml+xml")
"""HTTP Content-Types read as articles; other responses are rejects."""


def read_warc(
    path: str | Path, display: str, *, max_bytes: int, skipped: Counter[str]
) -> Iterator[Record | RecordReject]:
    """Each response record of a WARC (or .warc.gz) file, streamed, in file order.

    Records are named ``display#record=N`` (N counts every record from 1). An HTTP 200 response
    with an HTML Content-Type becomes a Record (URL, fetch date and charset in its hints); other
    responses become RecordRejects; records of other WARC types (warcinfo, request, metadata...)
    are counted in ``skipped`` by type. Damage (a truncated or corrupt file) ends the file with
    one RecordReject naming the last good record and its byte offset.
    """
    from fastwarc.warc import ArchiveIterator

    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed below; a generator cannot use with here)
    except OSError as exc:
        yield RecordReject(display, f"cannot read: {exc.strerror}")
        return
    number = 0
    position = 0  # byte offset (in the file as stored) of the record being read
    try:
        for record in ArchiveIterator(stream, parse_http=True):
            number += 1
            step = record.stream_pos - position
            position = record.stream_pos
            if record.headers.get("Content-Length") is None:
                where = f"at record {number} at byte offset {position}"
                yield _damage(display, where, "the record's header is cut off")
                return
            kind = record.headers.get("WARC-Type") or "unknown"
            if kind != "response":
                skipped[f"WARC {kind} records"] += 1
                continue
            yield _response(record, f"{display}#record={number}", max_bytes, step)
        if not number:
            yield RecordReject(display, f"no WARC record found; {_EXPECTED}")
    except _Truncated as exc:
        yield _damage(display, f"at record {number} at byte offset {position}", str(exc))
    except (OSError, ValueError) as exc:
        what = str(exc) or type(exc).__name__
        if not number:
            yield RecordReject(display, f"not a WARC file ({what}); {_EXPECTED}")
            return
        yield _damage(display, f"after record {number} (at byte offset {position})", what)
    finally:
        stream.close()


_EXPECTED = "expected a WARC 1.0/1.1 file, uncompressed (.warc) or gzipped (.warc.gz)"


class _Truncated(Exception):
    """A record's block is shorter than its Content-Length (the file ends inside it)."""


def _damage(display: str, where: str, what: str) -> RecordReject:
    """The reject that ends a damaged WARC file."""
    return RecordReject(
        display,
        f"damaged WARC file {where}: {what}; the records before it were read, nothing after",
    )


def _response(record: Any, name: str, max_bytes: int, step: int) -> Record | RecordReject:
    """One WARC response record as an article, or a reject saying why it is not one."""
    if record.content_length > max_bytes:
        return RecordReject(
            name,
            f"record is {record.content_length} bytes, over the limit of {max_bytes} bytes "
            "(--max-bytes)",
            step,
        )
    body = record.reader.read()
    if len(body) < record.content_length:
        raise _Truncated(
            f"the file ends {record.content_length - len(body)} bytes before the end of "
            f"the record's {record.content_length}-byte payload"
        )
    url = record.headers.get("WARC-Target-URI")
    http = record.http_headers
    status = http.status_code if http is not None else None
    if status != 200:
        said = f"HTTP status {status}" if status is not None else "no HTTP response header"
        return RecordReject(name, f"{said} for {url}; only HTTP 200 responses are articles", step)
    media = (record.http_content_type or "").lower()
    if media not in HTML_TYPES:
        return RecordReject(
            name,
            f"Content-Type {media or 'missing'} for {url}; articles are "
            f"{' or '.join(HTML_TYPES)} responses",
            step,
        )
    hints = SourceHints(
        origin="warc", url=url, fetched_at=record.record_date, charset=record.http_charset
    )
    return Record(name, body, hints, step)
