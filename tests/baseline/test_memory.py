"""Tests for toolkit.baseline.memory: the attribute memory."""

from __future__ import annotations

from toolkit.baseline.memory import attribute_memory

from .test_corpus import _doc


def test_attribute_memory_takes_the_most_frequent_attributes() -> None:
    usa = {"canonical_name": "Government of the United States", "country": "USA", "sector": "GOV"}
    other = {**usa, "sector": "MIL"}
    docs = [
        _doc(
            "doc_a",
            "doc_a",
            "Washington",
            [
                {"label": "ACTOR", "text": "Washington", "start": 0, "end": 10, "attributes": a}
                for a in (usa, other, usa)
            ],
        ),
    ]
    assert attribute_memory(docs) == {"ACTOR": {"washington": usa}}
