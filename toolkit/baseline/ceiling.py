"""The human ceiling: inter-annotator agreement read from the report of ``toolkit agreement``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.baseline.features import TAGGED_LABELS
from toolkit.core import read_json_object


def read_agreement(path: str | Path) -> dict[str, Any]:
    """The agreement report written by ``toolkit agreement`` (agreement.json)."""
    return read_json_object(
        path, missing="agreement report not found; run `toolkit agreement` first"
    )


def human_ceiling(agreement: Mapping[str, Any] | None, doc_ids: Sequence[str]) -> dict[str, Any]:
    """Human agreement from agreement.json (``toolkit agreement``) and which documents it covers.

    Span F1 between annotators (exact and overlap, one-to-one) is the ceiling for the tagger's
    strict and type scores; EVENT.category and STANCE.value agreement on matched spans is the
    nearest human figure for the two classifiers (a different unit: spans, not sentences).
    """
    if agreement is None:
        return {"unavailable": "no agreement report given (--agreement agreement.json)"}
    per_doc = agreement.get("per_document") or []
    agreed = sorted(str(r["doc_id"]) for r in per_doc if isinstance(r, Mapping) and "doc_id" in r)
    common = sorted(set(agreed) & set(doc_ids))
    if not agreed:
        coverage = "the agreement report lists no documents"
    elif set(agreed) == set(doc_ids):
        coverage = f"same documents ({len(common)})"
    else:
        coverage = (
            f"different documents: {len(common)} of the {len(doc_ids)} evaluated documents are "
            f"among the {len(agreed)} the annotators compared"
        )
    spans = agreement.get("spans") or {}
    span_f1 = {
        label: {mode: spans[label].get(f"f1_{mode}") for mode in ("exact", "overlap")}
        for label in (*TAGGED_LABELS, "ALL")
        if isinstance(spans.get(label), Mapping)
    }
    attributes = agreement.get("attributes") or {}
    return {
        "coverage": coverage,
        "documents": agreed,
        "annotators": agreement.get("annotators"),
        "span_f1": span_f1,
        "attributes": {
            key: {
                name: est
                for name, est in sorted(attributes[key].items())
                if isinstance(est, Mapping) and "value" in est
            }
            for key in ("EVENT.category", "STANCE.value")
            if isinstance(attributes.get(key), Mapping)
        },
    }
