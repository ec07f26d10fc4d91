"""Tests of toolkit.ingest.decoding: encodings found, any bytes rejected only with InputError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import InputError
from toolkit.ingest.article import parse_article
from toolkit.ingest.decoding import decode_bytes

from .test_article import check_offsets


def test_decode_bytes_names_the_encoding() -> None:
    assert decode_bytes("Zürich".encode("utf-32"), source_path="x") == ("Zürich", "utf-32")
    assert decode_bytes(b"plain", source_path="x") == ("plain", "utf-8")


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_article_raises_only_input_error_on_any_bytes(data: bytes) -> None:
    try:
        article = parse_article(data, source_path="any")
    except InputError:
        return
    check_offsets(article)
