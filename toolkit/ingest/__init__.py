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
from toolkit.ingest.jsonl import read_jsonl
from toolkit.ingest.language import load_language_model
from toolkit.ingest.normalize import UNUSUAL_SPACES
from toolkit.ingest.records import METADATA_FIELDS, Record, RecordReject, given_hints
from toolkit.ingest.warc import read_warc

__all__ = [
    "CONVERTER_VERSION",
    "METADATA_FIELDS",
    "UNUSUAL_SPACES",
    "Article",
    "Record",
    "RecordReject",
    "SourceHints",
    "check_language",
    "given_hints",
    "load_language_model",
    "parse_article",
    "read_article",
    "read_jsonl",
    "read_warc",
]
