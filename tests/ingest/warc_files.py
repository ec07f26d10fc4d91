"""WARC files written byte by byte (the WARC 1.0 format), for tests of WARC reading."""

from __future__ import annotations

import gzip

PAGE = (
    "<html><head><title>Talks resume</title></head><body><h1>Talks resume</h1>"
    "<p>Officials from both sides met in Geneva on Monday, the ministry said.</p></body></html>"
)


def http_response(body: bytes, *, status: str = "200 OK", content_type: str = "text/html") -> bytes:
    """An HTTP response as a WARC response record's block holds it."""
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode("latin-1") + b"\r\n" + body


def warc_record(kind: str, uri: str, block: bytes, number: int) -> bytes:
    """One WARC record (headers, block, the two CRLFs that end it)."""
    msg = "response" if kind == "response" else "request"
    head = (
        "WARC/1.0\r\n"
        f"WARC-Type: {kind}\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{number:012d}>\r\n"
        "WARC-Date: 2024-05-06T09:30:00Z\r\n"
        f"WARC-Target-URI: {uri}\r\n"
        f"Content-Type: application/http; msgtype={msg}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return head.encode("utf-8") + block + b"\r\n\r\n"


def warc_file(records: list[bytes], *, gzipped: bool) -> bytes:
    """Records joined as a .warc, or as a .warc.gz (one gzip member per record, as crawlers do)."""
    if gzipped:
        return b"".join(gzip.compress(r, mtime=0) for r in records)
    return b"".join(records)
