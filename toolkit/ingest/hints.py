"""What an article's container (WARC record, JSON Lines record, sidecar manifest) says about it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceHints:
    """Metadata given beside an article's bytes rather than found in them.

    ``origin`` names where the hints come from ("warc", "jsonl", "sidecar"); it is recorded as
    the source of every field taken from them. Values given here win over what the page says,
    because whoever fetched or listed the article stated them; ``charset`` (from an HTTP or
    WARC Content-Type) is tried before the bytes' own declarations.
    """

    origin: str
    url: str | None = None
    fetched_at: datetime.datetime | None = None
    charset: str | None = None
    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published_date: datetime.date | None = None
