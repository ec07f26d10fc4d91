"""Prediction layers as validated Label Studio predictions, one per model_version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from label_studio_sdk.label_interface import LabelInterface

from toolkit.annotations import (
    AnnotationFile,
)
from toolkit.labelstudio.results import annotation_to_result
from toolkit.labelstudio.tasks import TaskDocument
from toolkit.taxonomy import Taxonomy


def _shape(item: dict[str, Any]) -> str:
    """What validity of a region depends on: offsets and free text only by their types."""
    value = dict(item.get("value") or {})
    for key in ("start", "end"):
        if key in value:
            value[key] = type(value[key]).__name__
    text = value.get("text")
    if isinstance(text, list):
        value["text"] = [type(t).__name__ for t in text]
    elif text is not None:
        value["text"] = type(text).__name__
    keep = {k: item.get(k) for k in ("from_name", "to_name", "type")}
    return json.dumps({**keep, "value": value}, sort_keys=True)


class PredictionChecker:
    """``LabelInterface.validate_prediction``, never asked twice about the same region shape.

    A region's validity depends on its control, type, labels or choices and the types of its
    offsets and text, not on their values (those are checked against the document text before).
    Regions whose shape already passed are left out of later calls, except relation endpoints.
    """

    def __init__(self, interface: LabelInterface) -> None:
        self._interface = interface
        self._passed: set[str] = set()

    def errors(self, result: Sequence[dict[str, Any]]) -> list[str]:
        """Validation errors of one prediction's result (empty when valid)."""
        endpoints = {
            str(r.get(end))
            for r in result
            if r.get("type") == "relation"
            for end in ("from_id", "to_id")
        }
        asked: list[dict[str, Any]] = []
        shapes: list[str] = []
        for item in result:
            if item.get("type") == "relation":
                asked.append(item)
                continue
            shape = _shape(item)
            if shape in self._passed and str(item.get("id")) not in endpoints:
                continue
            asked.append(item)
            shapes.append(shape)
        if not asked:
            return []
        errors = list(self._interface.validate_prediction({"result": asked}, return_errors=True))
        if not errors:
            self._passed.update(shapes)
            return errors
        # Rare: ask again about the whole result so region numbers in messages are right.
        return list(
            self._interface.validate_prediction({"result": list(result)}, return_errors=True)
        )


def build_predictions(
    doc: TaskDocument,
    layers: Sequence[tuple[str, dict[str, AnnotationFile]]],
    taxonomy: Taxonomy,
    checker: PredictionChecker,
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Validated prediction results of one document per model_version; plus problems."""
    out: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for model_version, files in layers:
        annotation = files.get(doc.doc_id)
        if annotation is None:
            continue
        if annotation.text_sha256 != doc.text_sha256:
            problems.append(
                f"prediction layer {model_version} was made for another text "
                f"(text_sha256 {annotation.text_sha256[:12]}, document {doc.text_sha256[:12]}); "
                "rerun the pre-annotator"
            )
            continue
        bad = [
            s
            for s in annotation.spans
            if not (0 <= s.start < s.end <= len(doc.text) and doc.text[s.start : s.end] == s.text)
        ]
        if bad:
            problems.append(
                f"prediction layer {model_version}: span {bad[0].id} [{bad[0].start}, "
                f"{bad[0].end}) does not quote the text ({len(bad)} such span(s)); not imported"
            )
            continue
        result = annotation_to_result(annotation, taxonomy)
        errors = checker.errors(result)
        if errors:
            shown = "; ".join(e if len(e) < 300 else e[:300] + " ..." for e in errors[:3])
            problems.append(f"prediction layer {model_version} is not valid: {shown}")
            continue
        out[model_version] = result
    return out, problems
