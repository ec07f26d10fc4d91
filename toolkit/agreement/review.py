"""Label Studio review tasks for disputed spans."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.agreement.disputes import dispute_records, version_text
from toolkit.agreement.study import AgreementResult
from toolkit.annotations import AnnotationFile, Span
from toolkit.core import write_text_atomic
from toolkit.errors import ToolkitError
from toolkit.taxonomy import Taxonomy, read_taxonomy


def review_tasks(result: AgreementResult, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Label Studio tasks for a review round: one per disputed span, a prediction per annotator."""
    disputes = result.disputes if limit is None else result.disputes.head(limit)
    tax = read_taxonomy()
    tasks = []
    for item in dispute_records(result.context, disputes):
        lo = item["context"]["start"]
        predictions = []
        for ann, version in item["versions"].items():
            if version["status"] != "completed":
                continue
            shown = [
                s
                for s in [*version["spans"], *version["other_label_spans"]]
                if s["start"] >= lo and s["end"] <= item["context"]["end"]
            ]
            regions = _regions(shown, lo, tax)
            predictions.append({"model_version": ann, "result": regions})
        disagreement = {k: item[k] for k in ("kind", "label", "start", "end")}
        disagreement["context_start"] = lo
        disagreement["versions"] = {a: version_text(v) for a, v in item["versions"].items()}
        tasks.append(
            {
                "data": {
                    "text": item["context"]["text"],
                    "doc_id": item["doc_id"],
                    "disagreement": disagreement,
                },
                "predictions": predictions,
            }
        )
    return tasks


def _regions(
    spans: Sequence[Mapping[str, Any]], offset: int, tax: Taxonomy
) -> list[dict[str, Any]]:
    """Label Studio result items (label, per-region attributes), offsets into the context."""
    from toolkit.labelstudio import annotation_to_result

    shifted = [
        Span(
            id=s["span_id"],
            start=s["start"] - offset,
            end=s["end"] - offset,
            text=s["text"],
            label=s["label"],
            attributes=dict(s["attributes"]),
        )
        for s in spans
    ]
    layer = AnnotationFile(
        doc_id="", text_sha256="", annotator_id="", codebook_version="", spans=shifted
    )
    try:
        return annotation_to_result(layer, tax)
    except ToolkitError:
        # A label outside the taxonomy: keep the regions, leave out attribute controls.
        return [
            {
                "id": s.id,
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": s.start, "end": s.end, "text": s.text, "labels": [s.label]},
            }
            for s in shifted
        ]


def write_review_tasks(path: str | Path, tasks: Sequence[Mapping[str, Any]]) -> Path:
    """Write review tasks as one Label Studio import JSON file (atomically)."""
    p = Path(path)
    try:
        write_text_atomic(
            p, json.dumps(list(tasks), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
    except OSError as exc:
        raise ToolkitError(f"cannot write review tasks: {exc.strerror}", path=p) from exc
    return p
