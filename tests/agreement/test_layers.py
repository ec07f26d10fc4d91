"""Tests for toolkit.agreement.layers, and span-layer helpers the other agreement tests use."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.agreement.layers import Layers, read_layers_from_annotations
from toolkit.agreement.study import compute_agreement
from toolkit.annotations.matching import OVERALL
from toolkit.annotations.records import AnnotationFile, RelationLink, Span, write_annotation_file
from toolkit.core.ids import sha256_text
from toolkit.taxonomy.labels import read_taxonomy

TAX = read_taxonomy()


# ---------------------------------------------------------------- helpers (also used by the
# property and browser tests)


def make_layers(
    texts: Mapping[str, str],
    spans: Sequence[Mapping[str, Any]],
    completed: Mapping[str, Sequence[str]],
    statuses: Mapping[tuple[str, str], str] | None = None,
) -> Layers:
    """Layers from plain span dicts: doc_id, annotator_id, label, start, end, attributes, holder.

    ``relations`` (a list of ``{"type", "to_span_id"}``) adds further outgoing relations.
    """
    names = TAX.attribute_names
    multi = {a.name for lab in TAX.labels.values() for a in lab.attributes if a.is_multi}
    rows = []
    for s in spans:
        attrs = {n: None for n in names}
        attrs.update(s.get("attributes", {}))
        span_id = s.get("span_id") or f"sp_{s['annotator_id']}_{s['label']}_{s['start']}_{s['end']}"
        holder = s.get("holder")
        rows.append(
            {
                "doc_id": s["doc_id"],
                "annotator_id": s["annotator_id"],
                "span_id": span_id,
                "label": s["label"],
                "start": s["start"],
                "end": s["end"],
                "text": texts[s["doc_id"]][s["start"] : s["end"]],
                "attributes": attrs,
                "relations": ([{"type": "holder", "to_span_id": holder}] if holder else [])
                + list(s.get("relations", [])),
                "codebook_version": "1.0.0",
            }
        )
    annotations = pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String,
            "annotator_id": pl.String,
            "span_id": pl.String,
            "label": pl.String,
            "start": pl.Int32,
            "end": pl.Int32,
            "text": pl.String,
            "attributes": pl.Struct(
                [pl.Field(n, pl.List(pl.String) if n in multi else pl.String) for n in names]
            ),
            "relations": pl.List(
                pl.Struct([pl.Field("type", pl.String), pl.Field("to_span_id", pl.String)])
            ),
            "codebook_version": pl.String,
        },
    )
    statuses = statuses or {}
    sets = pl.DataFrame(
        [
            {
                "doc_id": d,
                "annotator_id": a,
                "status": statuses.get((a, d), "completed"),
                "source_kind": "manual",
                "n_spans": 0,
                "text_sha256": sha256_text(texts[d]),
                "codebook_version": "1.0.0",
            }
            for a, docs in completed.items()
            for d in docs
        ],
        schema={
            "doc_id": pl.String,
            "annotator_id": pl.String,
            "status": pl.String,
            "source_kind": pl.String,
            "n_spans": pl.Int32,
            "text_sha256": pl.String,
            "codebook_version": pl.String,
        },
    )
    documents = pl.DataFrame({"doc_id": list(texts), "text": list(texts.values())}).with_columns(
        pl.lit(None, dtype=pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32}))).alias(
            "sentences"
        )
    )
    return Layers(annotations=annotations, annotation_sets=sets, documents=documents)


WORDS = {
    "ACTOR": (
        r"\bBlinken\b|\bXi Jinping\b|\bBiden\b|\bWang Yi\b",
        {"country": "USA", "sector": "GOV"},
    ),
    "LOCATION": (
        r"\bBeijing\b|\bWashington\b",
        {"gazetteer_id": "geonames:1816670", "feature_type": "city"},
    ),
    "EVENT": (
        r"\bmeeting\b|\bmet\b|\btalks\b|\bvisit\b",
        {"category": "CONSULT", "modality": "asserted"},
    ),
}


def seed_spans(texts: Mapping[str, str], annotator: str) -> list[dict[str, Any]]:
    """Spans on fixed words of the seed texts: what two careful annotators would both mark."""
    out = []
    for doc_id, text in texts.items():
        for label, (pattern, attrs) in WORDS.items():
            for m in re.finditer(pattern, text):
                out.append(
                    {
                        "doc_id": doc_id,
                        "annotator_id": annotator,
                        "label": label,
                        "start": m.start(),
                        "end": m.end(),
                        "attributes": dict(attrs),
                    }
                )
    return out


def test_read_layers_from_annotation_files(seed_texts: dict[str, str], tmp_path: Path) -> None:
    doc, text = next(iter(seed_texts.items()))
    m = re.search(r"\bBlinken\b", text)
    assert m is not None
    for ann in ("pass-a", "pass-b"):
        actor = Span(
            id="sp_1",
            start=m.start(),
            end=m.end(),
            text=m.group(),
            label="ACTOR",
            attributes={"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"},
        )
        stance = Span(
            id="sp_2", start=0, end=10, text=text[:10], label="STANCE", attributes={"value": "NONE"}
        )
        write_annotation_file(
            tmp_path / ann / f"{doc}.json",
            AnnotationFile(
                doc_id=doc,
                text_sha256=sha256_text(text),
                annotator_id=ann,
                codebook_version="1.0.0",
                spans=[actor, stance],
                relations=[RelationLink(type="holder", from_id="sp_2", to_id="sp_1")],
                source={"kind": "manual"},
            ),
        )
    layers = read_layers_from_annotations(tmp_path, {doc: text})
    data = compute_agreement(layers, n_bootstrap=0).data
    assert data["spans"][OVERALL]["f1_exact"]["value"] == 1.0
    assert data["relations"]["holder"]["agreement"]["value"] == 1.0
