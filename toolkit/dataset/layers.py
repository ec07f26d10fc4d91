"""Annotation layers: annotation files checked against the texts, as table rows."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.annotations import AnnotationFile, iter_annotation_paths
from toolkit.dataset.rejects import Reject
from toolkit.dataset.tables import (
    span_rows,
)
from toolkit.errors import Problem
from toolkit.taxonomy import Taxonomy

GOLD_LAYER = "gold"


@dataclass
class _Annotations:
    """Checked annotation layers: rows of annotations.parquet and annotation_sets.parquet."""

    span_rows: list[dict[str, Any]] = field(default_factory=list)
    set_rows: list[dict[str, Any]] = field(default_factory=list)
    gold: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: list[dict[str, str]] = field(default_factory=list)


def _problem_reason(problems: Sequence[Problem]) -> str:
    """The problems of one file as one reject reason (the file itself is the reject's input)."""
    parts = []
    for p in problems:
        where = " ".join(
            x for x in (f"line {p.line}" if p.line else "", p.pointer, p.record_id or "") if x
        )
        parts.append(f"{where}: {p.message}" if where else p.message)
    return "; ".join(parts)


def _display_annotation_path(path: Path, root: Path, root_display: str) -> str:
    return f"{root_display.rstrip('/')}/{path.relative_to(root).as_posix()}"


def load_annotations(
    root: Path,
    *,
    texts: Mapping[str, str],
    taxonomy: Taxonomy,
    rejects: list[Reject],
) -> _Annotations:
    """Check every annotation file against the converted texts; bad files become rejects."""
    from toolkit.annotations import check_annotation_file

    result = _Annotations()
    root_display = root.as_posix()
    for path in iter_annotation_paths(root):
        display = _display_annotation_path(path, root, root_display)
        annotation, problems = check_annotation_file(path, texts=texts, taxonomy=taxonomy)
        if problems or annotation is None:
            reason = _problem_reason(problems) or "could not be parsed"
            rejects.append(Reject(display, "annotation", reason))
            continue
        result.files.append(
            {"path": display, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        )
        _add_layer(result, annotation, taxonomy)
    result.span_rows.sort(
        key=lambda r: (
            r["doc_id"],
            r["annotator_id"],
            r["start"],
            r["end"],
            r["label"],
            r["span_id"],
        )
    )
    result.set_rows.sort(key=lambda r: (r["doc_id"], r["annotator_id"]))
    return result


def _add_layer(result: _Annotations, annotation: AnnotationFile, taxonomy: Taxonomy) -> None:
    rows = list(span_rows(annotation, taxonomy))
    for row in rows:
        result.span_rows.append(
            {
                "doc_id": annotation.doc_id,
                "annotator_id": annotation.annotator_id,
                **row,
                "codebook_version": annotation.codebook_version,
            }
        )
    result.set_rows.append(
        {
            "doc_id": annotation.doc_id,
            "annotator_id": annotation.annotator_id,
            "status": annotation.status,
            "source_kind": annotation.source.get("kind"),
            "n_spans": len(rows),
            "text_sha256": annotation.text_sha256,
            "codebook_version": annotation.codebook_version,
        }
    )
    if annotation.annotator_id == GOLD_LAYER:
        result.gold[annotation.doc_id] = rows


def _wanted_doc_ids(root: Path | None) -> set[str]:
    """Doc ids named by annotation file names: only their texts are kept for the checks."""
    if root is None:
        return set()
    return {p.stem for p in iter_annotation_paths(root)}
