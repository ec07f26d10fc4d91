"""Scores of a pre-annotation layer against gold: per-label precision, recall and F1."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.core import write_text_atomic
from toolkit.preannotate.documents import layer_rows, read_layer
from toolkit.preannotate.rules import LAYER


def score_against(
    pred_layer_rows: Sequence[Mapping[str, Any]], gold_layer_rows: Sequence[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Per-label precision, recall and F1 of predicted spans against gold, exact and overlap.

    Matching is agreement.span_scores (one-to-one); only documents present in gold count.
    """
    import polars as pl

    from toolkit.annotations import span_scores

    schema = {"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64}
    gold = pl.DataFrame([dict(r) for r in gold_layer_rows], schema=schema)
    pred = pl.DataFrame([dict(r) for r in pred_layer_rows], schema=schema)
    pred = pred.filter(pl.col("doc_id").is_in(gold["doc_id"].unique().implode()))
    out: dict[str, list[dict[str, Any]]] = {}
    for mode in ("exact", "overlap"):
        frame = span_scores(gold, pred, mode=mode)
        out[mode] = [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
            for row in frame.to_dicts()
        ]
    return out


IN_SAMPLE_CAVEAT = (
    "In-sample: these rules were written and corrected while reading the seed documents and "
    "comparing with their gold layer, so scores on those documents overstate how the rules do "
    "on unseen news. Score them on newly annotated documents for a fair estimate."
)


def render_scores_markdown(scores: Mapping[str, Any]) -> str:
    """Human-readable table of the scores."""
    lines = [
        "# Pre-annotator scores",
        "",
        f"Rules `{scores['rules']}` (layer `{scores['layer']}`) against gold layer "
        f"`{scores['gold_layer']}` on {scores['n_documents']} document(s).",
        "",
        f"**Caveat.** {scores['caveat']}",
        "",
    ]
    if not scores["n_documents"]:
        lines.append("No gold annotations to score against yet.")
        return "\n".join(lines) + "\n"
    for mode in ("exact", "overlap"):
        lines += [
            f"## {mode.capitalize()} match",
            "",
            "| label | tp | fp | fn | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in scores[mode]:
            cells = [
                "-" if row[k] is None else f"{row[k]:.3f}" for k in ("precision", "recall", "f1")
            ]
            lines.append(
                f"| {row['label']} | {row['tp']} | {row['fp']} | {row['fn']} | "
                + " | ".join(cells)
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def score_layers(
    annotations_dir: str | Path,
    *,
    gold_layer: str = "gold",
    layer: str = LAYER,
) -> dict[str, Any]:
    """Scores of a pre-annotation layer against a gold layer of the same annotation folder."""
    gold = [a for a in read_layer(annotations_dir, gold_layer) if a.status == "completed"]
    gold_docs = {a.doc_id for a in gold}
    pred = [a for a in read_layer(annotations_dir, layer) if a.doc_id in gold_docs]
    rules = sorted({f"{a.source.get('name')}@{a.source.get('version')}" for a in pred})
    scores: dict[str, Any] = {
        "layer": layer,
        "gold_layer": gold_layer,
        "rules": ", ".join(rules) or "-",
        "n_documents": len(gold_docs),
        "caveat": IN_SAMPLE_CAVEAT,
        "exact": [],
        "overlap": [],
    }
    if gold_docs:
        scores.update(score_against(layer_rows(pred), layer_rows(gold)))
    return scores


def write_scores(scores: Mapping[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write preannotation_scores.json and .md into ``out_dir`` (atomically)."""
    out = Path(out_dir)
    json_path = out / "preannotation_scores.json"
    md_path = out / "preannotation_scores.md"
    write_text_atomic(json_path, json.dumps(scores, indent=2, sort_keys=True) + "\n")
    write_text_atomic(md_path, render_scores_markdown(scores))
    return json_path, md_path
