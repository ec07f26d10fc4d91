"""Annotation files, the source of truth: records, validation, span matching, re-anchoring."""

from __future__ import annotations

from toolkit.annotations.anchor import reanchor
from toolkit.annotations.matching import (
    MODES,
    OVERALL,
    f1_from_counts,
    match_spans,
    overlapping_pairs,
    span_scores,
)
from toolkit.annotations.records import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    iter_annotation_paths,
    read_annotation_file,
    write_annotation_file,
)
from toolkit.annotations.validate import DOC_ID_PATTERN, check_annotation_file, check_annotations

__all__ = [
    "DOC_ID_PATTERN",
    "MODES",
    "OVERALL",
    "AnnotationFile",
    "RelationLink",
    "Span",
    "annotation_path",
    "check_annotation_file",
    "check_annotations",
    "f1_from_counts",
    "iter_annotation_paths",
    "match_spans",
    "overlapping_pairs",
    "read_annotation_file",
    "reanchor",
    "span_scores",
    "write_annotation_file",
]
