"""Content-hash ids: the same input gives the same id, run after run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes (the document text hash)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_span_id(doc_id: str, label: str, start: int, end: int) -> str:
    """Deterministic span id: the same span in the same document always gets the same id."""
    digest = hashlib.sha256(f"{doc_id}\x1f{label}\x1f{start}\x1f{end}".encode()).hexdigest()
    return "sp_" + digest[:12]


def span_id_factory(doc_id: str) -> Callable[[str, int, int], str]:
    """make_span_id for one document: the same ids, with the doc_id prefix hashed once.

    For code that makes many spans per document; the prefix per label is hashed once too.
    """
    prefix = hashlib.sha256(f"{doc_id}\x1f".encode())
    by_label: dict[str, Any] = {}

    def make(label: str, start: int, end: int) -> str:
        head = by_label.get(label)
        if head is None:
            head = by_label[label] = prefix.copy()
            head.update(f"{label}\x1f".encode())
        h = head.copy()
        h.update(b"%d\x1f%d" % (start, end))
        return "sp_" + h.hexdigest()[:12]

    return make


def make_event_id(doc_id: str, annotator_id: str, span_id: str) -> str:
    """Deterministic event-record id: one EVENT span of one layer (``"ev_" + 12 hex``)."""
    digest = hashlib.sha256(f"{doc_id}\x1f{annotator_id}\x1f{span_id}".encode()).hexdigest()
    return "ev_" + digest[:12]
