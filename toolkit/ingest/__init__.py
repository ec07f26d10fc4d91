"""Raw article bytes to clean articles: decoding, HTML, boilerplate, metadata, normalization."""

from __future__ import annotations

from toolkit.ingest.article import (
    CONVERTER_VERSION,
    Article,
    check_language,
    parse_article,
    read_article,
)
from toolkit.ingest.hints import SourceHints
from toolkit.ingest.normalize import UNUSUAL_SPACES

__all__ = [
    "CONVERTER_VERSION",
    "UNUSUAL_SPACES",
    "Article",
    "SourceHints",
    "check_language",
    "parse_article",
    "read_article",
]
