"""Scores of suggested event arguments against a gold layer: per role, exact and overlap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from toolkit.annotations import AnnotationFile
from toolkit.preannotate.documents import read_layer
from toolkit.preannotate.rules import LAYER

ROLES = ("source", "target", "location")
# (doc_id, role, event range, argument range, argument country)
_Argument = tuple[str, str, tuple[int, int], tuple[int, int], str | None]


def _arguments(annotations: Iterable[AnnotationFile]) -> list[_Argument]:
    out = []
    for a in annotations:
        spans = {s.id: s for s in a.spans}
        for r in a.relations:
            event, arg = spans.get(r.from_id), spans.get(r.to_id)
            if r.type in ROLES and event is not None and arg is not None:
                country = arg.attributes.get("country")
                out.append(
                    (a.doc_id, r.type, (event.start, event.end), (arg.start, arg.end), country)
                )
    return sorted(out, key=lambda x: (x[0], x[1], x[2], x[3], x[4] or ""))


def _same(a: tuple[int, int], b: tuple[int, int], mode: str) -> bool:
    return a == b if mode == "exact" else a[0] < b[1] and b[0] < a[1]


def _matches(gold: Sequence[_Argument], pred: Sequence[_Argument], mode: str) -> int:
    """One-to-one matches (greedy, in position order) of arguments with the same role."""
    used: set[int] = set()
    found = 0
    for g in gold:
        for i, p in enumerate(pred):
            if i in used or p[:2] != g[:2]:
                continue
            if _same(g[2], p[2], mode) and _same(g[3], p[3], mode):
                used.add(i)
                found += 1
                break
    return found


def _row(role: str, tp: int, n_gold: int, n_pred: int) -> dict[str, Any]:
    precision = tp / n_pred if n_pred else None
    recall = tp / n_gold if n_gold else None
    f1 = 2 * tp / (n_gold + n_pred) if n_gold + n_pred else None
    return {
        "role": role,
        "tp": tp,
        "fp": n_pred - tp,
        "fn": n_gold - tp,
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
    }


def _country_rows(gold: Sequence[_Argument], pred: Sequence[_Argument]) -> list[dict[str, Any]]:
    """Per role: the gold arguments' country codes found among the suggested arguments' codes
    for an overlapping trigger (a multiset match per document, role and trigger)."""
    rows = []
    for role in ("source", "target"):
        g = [x for x in gold if x[1] == role and x[4]]
        p = [x for x in pred if x[1] == role and x[4]]
        used: set[int] = set()
        tp = 0
        for item in g:
            for i, q in enumerate(p):
                same_code = q[0] == item[0] and q[4] == item[4]
                if i not in used and same_code and _same(item[2], q[2], "overlap"):
                    used.add(i)
                    tp += 1
                    break
        rows.append(_row(role, tp, len(g), len(p)))
    return rows


def score_arguments(
    annotations_dir: str | Path, *, gold_layer: str, layer: str = LAYER
) -> dict[str, Any]:
    """Source, target and location suggestions of ``layer`` scored against ``gold_layer``."""
    gold_files = [a for a in read_layer(annotations_dir, gold_layer) if a.status == "completed"]
    docs = {a.doc_id for a in gold_files}
    pred_files = [a for a in read_layer(annotations_dir, layer) if a.doc_id in docs]
    gold, pred = _arguments(gold_files), _arguments(pred_files)
    scores: dict[str, Any] = {
        "layer": layer,
        "gold_layer": gold_layer,
        "n_documents": len(docs),
        "n_gold_arguments": len(gold),
        "n_suggested_arguments": len(pred),
    }
    for mode in ("exact", "overlap"):
        scores[mode] = [
            _row(
                role,
                _matches(
                    [g for g in gold if g[1] == role], [p for p in pred if p[1] == role], mode
                ),
                sum(1 for g in gold if g[1] == role),
                sum(1 for p in pred if p[1] == role),
            )
            for role in ROLES
        ]
    scores["country_codes"] = _country_rows(gold, pred)
    return scores


def render_argument_scores(scores: dict[str, Any]) -> str:
    """The scores as a Markdown table, one row per role and matching."""
    lines = [
        f"Arguments of layer `{scores['layer']}` against `{scores['gold_layer']}` on "
        f"{scores['n_documents']} document(s): {scores['n_gold_arguments']} gold, "
        f"{scores['n_suggested_arguments']} suggested.",
        "",
        "| matching | role | tp | fp | fn | precision | recall | F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in ("exact", "overlap", "country_codes"):
        for row in scores[mode]:
            cells = [
                "-" if row[k] is None else f"{row[k]:.3f}" for k in ("precision", "recall", "f1")
            ]
            lines.append(
                f"| {mode} | {row['role']} | {row['tp']} | {row['fp']} | {row['fn']} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines) + "\n"


def suggest_on_gold_spans(
    annotations_dir: str | Path, dataset_dir: str | Path, *, gold_layer: str
) -> str:
    """Write layer ``<gold_layer>-args``: the gold spans with the heuristic's relations only.

    Scoring it against the gold layer measures the argument heuristic alone, apart from the
    rules' own trigger and actor finding. Returns the new layer's name.
    """
    from dataclasses import replace

    from toolkit.annotations import annotation_path, write_annotation_file
    from toolkit.preannotate.arguments import argument_relations
    from toolkit.preannotate.documents import read_documents
    from toolkit.preannotate.sentences import split_sentences

    texts = {d.doc_id: d for d in read_documents(dataset_dir)}
    name = f"{gold_layer}-args"
    for gold in read_layer(annotations_dir, gold_layer):
        doc = texts.get(gold.doc_id)
        if doc is None:
            continue
        sents = list(doc.sentences) or split_sentences(doc.text)
        relations = argument_relations(doc.text, sents, gold.spans)
        kept = [r for r in gold.relations if r.type not in ROLES]
        out = replace(
            gold,
            annotator_id=name,
            relations=kept + relations,
            source={"kind": "rules", "name": "arguments", "version": "1"},
        )
        write_annotation_file(annotation_path(annotations_dir, name, gold.doc_id), out)
    return name
