"""Attribute memory: gold attributes the models cannot predict, remembered per quote."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from toolkit.baseline.corpus import Document

MEMORY_ATTRIBUTES = {
    "ACTOR": ("canonical_name", "country", "sector", "wikidata_id"),
    "LOCATION": ("gazetteer_id", "country", "feature_type"),
    "EVENT": ("modality",),
}
"""Attributes the models cannot predict, remembered per quote from the training gold."""
DEFAULT_MODALITY = "asserted"
"""The taxonomy's default modality for news, used for an EVENT trigger never seen in training."""
ATTRIBUTES_FILE = "attributes.json"


def attribute_memory(docs: Sequence[Document]) -> dict[str, dict[str, dict[str, str]]]:
    """The most frequent gold attributes of each lowercase quote, per label.

    Ties go to the attribute set that sorts first (as JSON), so the memory is deterministic.
    """
    seen: dict[str, dict[str, Counter[str]]] = {}
    for doc in docs:
        for span in doc.spans:
            names = MEMORY_ATTRIBUTES.get(str(span["label"]))
            if not names:
                continue
            attrs = span.get("attributes") or {}
            kept = {n: attrs[n] for n in names if isinstance(attrs.get(n), str) and attrs[n]}
            if kept:
                key = str(span["text"]).lower()
                counts = seen.setdefault(str(span["label"]), {}).setdefault(key, Counter())
                counts[json.dumps(kept, sort_keys=True)] += 1
    return {
        label: {
            key: json.loads(min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0])
            for key, c in sorted(quotes.items())
        }
        for label, quotes in sorted(seen.items())
    }


def encode_memory(memory: Mapping[str, Any]) -> bytes:
    return (json.dumps(memory, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
