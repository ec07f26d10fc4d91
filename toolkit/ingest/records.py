"""Articles inside container files (WARC, JSON Lines): one record's bytes and hints, or why not."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from toolkit.errors import InputError
from toolkit.ingest.hints import SourceHints
from toolkit.ingest.metadata import _is_web_url


@dataclass(frozen=True)
class Record:
    """One article found in a container: its display name, raw bytes and what the container says.

    ``input_bytes`` is how far into the container file reading it took the reader (for progress).
    """

    display: str
    data: bytes
    hints: SourceHints
    input_bytes: int = 0


@dataclass(frozen=True)
class RecordReject:
    """A record (or the damaged rest of a container) that is not an article, and why."""

    display: str
    reason: str
    input_bytes: int = 0


METADATA_FIELDS = ("url", "title", "outlet", "byline", "date")
"""Article metadata a JSON Lines record or a sidecar manifest row may give."""


def parse_given_date(value: str) -> datetime.date:
    """An ISO date or date-time ("2024-05-06", "2024-05-06T09:30:00Z") as its date."""
    try:
        return datetime.datetime.fromisoformat(value.strip()).date()
    except ValueError as exc:
        raise InputError(
            f"date {value!r} is not a valid ISO date; give YYYY-MM-DD or an ISO date-time such as "
            "2024-05-06T09:30:00Z"
        ) from exc


def given_hints(fields: Mapping[str, object], origin: str) -> SourceHints:
    """SourceHints from given metadata fields (empty strings are absent); InputError if invalid."""
    values = {
        key: str(fields[key]).strip()
        for key in METADATA_FIELDS
        if isinstance(fields.get(key), str) and str(fields[key]).strip()
    }
    url = values.get("url")
    if url is not None and not _is_web_url(url):
        raise InputError(f"url {url!r} is not a web address; give an http:// or https:// URL")
    date = values.get("date")
    return SourceHints(
        origin=origin,
        url=url,
        title=values.get("title"),
        outlet=values.get("outlet"),
        byline=values.get("byline"),
        published_date=parse_given_date(date) if date is not None else None,
    )
