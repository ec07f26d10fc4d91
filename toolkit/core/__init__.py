"""Shared helpers below every stage: content-hash ids and atomic, checked file I/O."""

from __future__ import annotations

from toolkit.core.engines import ENGINES, RAY_INSTALL_HINT, check_engine, start_ray
from toolkit.core.files import (
    parse_json_object,
    read_json_object,
    read_json_text,
    write_text_atomic,
)
from toolkit.core.ids import make_event_id, make_span_id, sha256_text, span_id_factory

__all__ = [
    "ENGINES",
    "RAY_INSTALL_HINT",
    "check_engine",
    "make_event_id",
    "make_span_id",
    "parse_json_object",
    "read_json_object",
    "read_json_text",
    "sha256_text",
    "span_id_factory",
    "start_ray",
    "write_text_atomic",
]
