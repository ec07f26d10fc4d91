"""Per-role scores of argument suggestions: exact and overlap matching, country codes."""

from __future__ import annotations

from pathlib import Path

from toolkit.annotations import AnnotationFile, RelationLink, Span, write_annotation_file
from toolkit.preannotate.argument_scores import render_argument_scores, score_arguments

TEXT = "Russia accused the United States of spying."


def _file(layer: str, kind: str, target: tuple[int, int]) -> AnnotationFile:
    spans = [
        Span("a", 0, 6, "Russia", "ACTOR", {"country": "RUS"}),
        Span("e", 7, 14, "accused", "EVENT", {"category": "ACCUSE"}),
        Span("t", target[0], target[1], TEXT[target[0] : target[1]], "ACTOR", {"country": "USA"}),
    ]
    return AnnotationFile(
        doc_id="doc_0123456789abcdef",
        text_sha256="0" * 64,
        annotator_id=layer,
        codebook_version="1.2.0",
        spans=spans,
        relations=[RelationLink("source", "e", "a"), RelationLink("target", "e", "t")],
        source={"kind": kind},
    )


def test_a_shifted_target_counts_for_overlap_not_exact(tmp_path: Path) -> None:
    write_annotation_file(
        tmp_path / "gold" / "doc_0123456789abcdef.json", _file("gold", "gold", (19, 32))
    )
    write_annotation_file(
        tmp_path / "rules-v1" / "doc_0123456789abcdef.json", _file("rules-v1", "rules", (15, 32))
    )
    scores = score_arguments(tmp_path, gold_layer="gold")
    exact = {r["role"]: (r["tp"], r["fp"], r["fn"]) for r in scores["exact"]}
    overlap = {r["role"]: (r["tp"], r["fp"], r["fn"]) for r in scores["overlap"]}
    assert exact == {"source": (1, 0, 0), "target": (0, 1, 1), "location": (0, 0, 0)}
    assert overlap == {"source": (1, 0, 0), "target": (1, 0, 0), "location": (0, 0, 0)}
    codes = {r["role"]: (r["tp"], r["precision"]) for r in scores["country_codes"]}
    assert codes == {"source": (1, 1.0), "target": (1, 1.0)}
    assert "| exact | location | 0 | 0 | 0 | - | - | - |" in render_argument_scores(scores)
