"""Raw article bytes to clean articles: decoding, HTML, boilerplate, metadata, normalization."""

from __future__ import annotations

from toolkit.ingest.article import CONVERTER_VERSION, Article, parse_article, read_article
from toolkit.ingest.normalize import (
    live_signatures,
    minhash_signatures,
    near_duplicate_roots,
    sentence_keys,
)

__all__ = [
    "CONVERTER_VERSION",
    "Article",
    "live_signatures",
    "minhash_signatures",
    "near_duplicate_roots",
    "parse_article",
    "read_article",
    "sentence_keys",
]
