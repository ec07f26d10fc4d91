"""The whole agreement study: every figure of the chosen annotators, with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl

from toolkit.agreement.arguments import argument_agreement
from toolkit.agreement.attributes import ATTRIBUTES, attribute_agreement
from toolkit.agreement.bootstrap import Engine, Pending, Stat, estimate, json_float
from toolkit.agreement.breakdowns import break_down_annotators, break_down_documents
from toolkit.agreement.checks import check_comparable, check_offsets
from toolkit.agreement.disputes import KINDS, DisputeContext, dispute_records, find_disputes
from toolkit.agreement.holders import HOLDER, find_holders, holder_agreement
from toolkit.agreement.layers import Layers, default_annotators
from toolkit.agreement.pairs import add_f1_stats, cluster_spans, match_pairs
from toolkit.agreement.rules import RULES
from toolkit.agreement.unitizing import UnitizingStats, add_unitizing_stat, label_unitizing_stats
from toolkit.annotations import MODES, OVERALL
from toolkit.errors import InputError
from toolkit.taxonomy import Taxonomy, read_taxonomy


@dataclass
class AgreementResult:
    """Report data (JSON-ready) plus the tables behind the disagreement list and review tasks."""

    data: dict[str, Any]
    disputes: pl.DataFrame
    context: DisputeContext


@dataclass
class _Scope:
    """Who is compared on which documents, and the notes gathered while choosing them."""

    chosen: list[str]
    excluded: list[str]
    completed_pairs: pl.DataFrame
    completed: dict[str, set[str]]
    in_scope: list[str]
    single: int
    doc_len: dict[str, int]
    notes: list[str]
    rater_index: dict[str, int]
    doc_index: dict[str, int]


@dataclass
class _Study:
    """The figures and tables the sections of the result are assembled from."""

    scope: _Scope
    spans: pl.DataFrame
    labels: list[str]
    pairs: list[tuple[str, str]]
    done: np.ndarray
    f1_stats: dict[str, Stat]
    u_stats: list[UnitizingStats]
    u_stat: Stat
    all_docs: list[str]
    included: np.ndarray
    no_pairs_reason: str


def compute_agreement(
    layers: Layers,
    *,
    annotators: Sequence[str] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    taxonomy: Taxonomy | None = None,
    max_listed: int = 1000,
) -> AgreementResult:
    """Every agreement figure of the chosen annotators, with bootstrap intervals over documents."""
    tax = taxonomy or read_taxonomy()
    scope = _choose_scope(layers, annotators)
    spans, labels = _study_spans(layers, scope, tax)
    n_labels = len(labels)
    n_docs, n_raters = len(scope.in_scope), len(scope.chosen)
    pairs = list(combinations(scope.chosen, 2))
    engine = Engine(n_docs)
    no_pairs_reason = (
        f"needs two or more annotators, got {n_raters}"
        if n_raters < 2
        else "no document completed by two or more annotators"
    )
    done = _done_matrix(scope)
    core = spans.select("node", "doc_idx", "ann_idx", "label_idx", "start", "end")
    pair_matches, f1_mats = match_pairs(core, pairs, scope.rater_index, done, n_docs, n_labels)
    f1_stats = add_f1_stats(engine, f1_mats, len(pairs), n_labels, n_docs)
    all_docs, included, u_stats, u_stat = _add_unitizing(engine, scope, core, n_labels)
    spans = cluster_spans(spans, pair_matches)
    holders = find_holders(spans)
    scope_reason = no_pairs_reason if len(pairs) == 0 or n_docs == 0 else None
    argument_result = argument_agreement(engine, spans, pair_matches, n_docs, pairs, scope_reason)
    spans = spans.drop("relations", "codebook_version", strict=False)
    attribute_results: dict[str, Pending] = {}
    for label, name in ATTRIBUTES:
        attribute_results[f"{label}.{name}"] = attribute_agreement(
            engine,
            spans,
            pair_matches,
            tax,
            label,
            name,
            n_docs,
            n_raters,
            scope.notes,
            scope_reason,
        )
    holder_result = holder_agreement(
        engine, spans, holders, pair_matches, n_docs, pairs, scope_reason
    )
    disputes, label_conflicts = find_disputes(spans, holders, done.sum(axis=1))
    engine.run(n_bootstrap, seed)
    context = DisputeContext(
        spans=spans,
        documents=layers.documents,
        completed=scope.completed,
        annotators=scope.chosen,
        label_conflicts=label_conflicts,
        holders=holders,
    )
    study = _Study(
        scope,
        spans,
        labels,
        pairs,
        done,
        f1_stats,
        u_stats,
        u_stat,
        all_docs,
        included,
        no_pairs_reason,
    )
    sections = {
        "attributes": {k: v.to_json() for k, v in attribute_results.items()},
        "relations": {HOLDER: holder_result.to_json()},
        "arguments": argument_result.to_json(),
    }
    data = _report_data(study, context, disputes, sections, n_bootstrap, seed, max_listed)
    return AgreementResult(data=data, disputes=disputes, context=context)


def _choose_scope(layers: Layers, annotators: Sequence[str] | None) -> _Scope:
    """The chosen annotators and the documents two or more of them completed."""
    notes: list[str] = []
    present = default_annotators(layers) if annotators is None else None
    known = set(layers.annotation_sets["annotator_id"].to_list()) | set(
        layers.annotations["annotator_id"].to_list()
    )
    if annotators is not None:
        chosen = sorted(set(annotators))
        unknown = [a for a in chosen if a not in known]
        if unknown:
            raise InputError(
                f"unknown annotator(s) {', '.join(unknown)}; "
                f"layers present: {', '.join(sorted(known)) or '(none)'}"
            )
    else:
        chosen = present or []
    excluded = sorted(known - set(chosen))
    rater_index = {a: i for i, a in enumerate(chosen)}
    sets = layers.annotation_sets.filter(pl.col("annotator_id").is_in(chosen))
    n_skipped = sets.filter(pl.col("status") != "completed").height
    if n_skipped:
        notes.append(
            f"{n_skipped} annotation set(s) skipped in Label Studio count as not annotated."
        )
    completed_pairs = (
        sets.filter(pl.col("status") == "completed").select("doc_id", "annotator_id").unique()
    )
    per_doc = completed_pairs.group_by("doc_id").agg(pl.len().alias("k"))
    in_scope = sorted(per_doc.filter(pl.col("k") >= 2)["doc_id"].to_list())
    single = per_doc.filter(pl.col("k") == 1).height
    doc_index = {d: i for i, d in enumerate(in_scope)}
    completed: dict[str, set[str]] = {a: set() for a in chosen}
    for doc_id, ann in completed_pairs.iter_rows():
        completed[ann].add(doc_id)
    docs = layers.documents.filter(pl.col("doc_id").is_in(in_scope))
    doc_len = dict(
        zip(docs["doc_id"].to_list(), docs["text"].str.len_chars().to_list(), strict=True)
    )
    check_comparable(chosen, known, annotators is not None, completed, len(in_scope))
    lost_docs = [d for d in in_scope if d not in doc_len]
    if lost_docs:
        notes.append(
            f"{len(lost_docs)} document(s) have annotations but no text in documents "
            f"(e.g. {lost_docs[0]}); their length is taken as the last span end."
        )
    return _Scope(
        chosen=chosen,
        excluded=excluded,
        completed_pairs=completed_pairs,
        completed=completed,
        in_scope=in_scope,
        single=single,
        doc_len=doc_len,
        notes=notes,
        rater_index=rater_index,
        doc_index=doc_index,
    )


def _study_spans(layers: Layers, scope: _Scope, tax: Taxonomy) -> tuple[pl.DataFrame, list[str]]:
    """Valid spans of completed sets on documents in scope, with integer keys; the labels."""
    doc_len = scope.doc_len
    spans = (
        layers.annotations.filter(pl.col("annotator_id").is_in(scope.chosen))
        .join(
            scope.completed_pairs.filter(pl.col("doc_id").is_in(scope.in_scope)),
            on=["doc_id", "annotator_id"],
            how="semi",
        )
        .with_columns(pl.col("start").cast(pl.Int64), pl.col("end").cast(pl.Int64))
    )
    check_offsets(spans, layers.documents)
    for d, end in spans.group_by("doc_id").agg(pl.col("end").max()).iter_rows():
        if d not in doc_len:  # no text to measure: the last span end stands in for its length
            doc_len[d] = int(end)
    present_labels = spans["label"].unique().to_list()
    labels = [*tax.label_names, *sorted(set(present_labels) - set(tax.label_names))]
    spans = spans.with_columns(
        pl.col("doc_id").replace_strict(scope.doc_index, return_dtype=pl.Int64).alias("doc_idx"),
        pl.col("annotator_id")
        .replace_strict(scope.rater_index, return_dtype=pl.Int64)
        .alias("ann_idx"),
        pl.col("label")
        .replace_strict({lab: i for i, lab in enumerate(labels)}, return_dtype=pl.Int64)
        .alias("label_idx"),
    )
    # Integer keys sort fast; identical spans keep their input order (stable sort).
    spans = spans.sort(
        "doc_idx", "ann_idx", "start", "end", "label_idx", maintain_order=True
    ).with_row_index("node")
    return spans, labels


def _add_unitizing(
    engine: Engine, scope: _Scope, core: pl.DataFrame, n_labels: int
) -> tuple[list[str], np.ndarray, list[UnitizingStats], Stat]:
    """Unitizing alpha, on the documents every annotator completed (returned with the stats)."""
    n_docs, n_raters = len(scope.in_scope), len(scope.chosen)
    all_docs = [d for d in scope.in_scope if all(d in scope.completed[a] for a in scope.chosen)]
    included = np.zeros(n_docs, dtype=bool)
    included[[scope.doc_index[d] for d in all_docs]] = True
    lengths = np.array([scope.doc_len.get(d, 0) for d in scope.in_scope], dtype=np.int64)
    u_stats = label_unitizing_stats(core, lengths, included, n_labels, n_raters, n_docs)
    u_stat = add_unitizing_stat(engine, u_stats, n_labels, n_docs)
    return all_docs, included, u_stats, u_stat


def _done_matrix(scope: _Scope) -> np.ndarray:
    """Documents in scope x annotators: which annotator completed which document."""
    done = np.zeros((len(scope.in_scope), max(len(scope.chosen), 1)), dtype=bool)
    for doc_id, ann in scope.completed_pairs.iter_rows():
        if doc_id in scope.doc_index:
            done[scope.doc_index[doc_id], scope.rater_index[ann]] = True
    return done


def _span_section(study: _Study) -> dict[str, Any]:
    """Span counts, F1 (overall and per pair) and unitizing alpha per label and overall."""
    scope, labels, pairs = study.scope, study.labels, study.pairs
    n_labels, n_pairs, n_docs = len(labels), len(pairs), len(scope.in_scope)
    span_section: dict[str, Any] = {}
    counts = study.spans.group_by("label", "annotator_id").len()
    count_map = {(lab, ann): n for lab, ann, n in counts.iter_rows()}
    for li, label in enumerate([*labels, OVERALL]):
        entry: dict[str, Any] = {
            "n_spans": {
                a: (
                    sum(v for (lab, ann), v in count_map.items() if ann == a)
                    if label == OVERALL
                    else count_map.get((label, a), 0)
                )
                for a in scope.chosen
            }
        }
        n_label_spans = sum(entry["n_spans"].values())
        reason = (
            study.no_pairs_reason
            if n_pairs == 0 or n_docs == 0
            else (
                "no spans of this label from any annotator" if n_label_spans == 0 else "undefined"
            )
        )
        for mode in MODES:
            stat = study.f1_stats[mode]
            entry[f"f1_{mode}"] = estimate(stat, li, reason).to_json()
            entry[f"f1_{mode}"]["pairs"] = {
                f"{a}|{b}": json_float(stat.point[(n_labels + 1) + p * (n_labels + 1) + li])
                for p, (a, b) in enumerate(pairs)
            }
        u_reason = (
            study.no_pairs_reason
            if len(scope.chosen) < 2 or n_docs == 0
            else "no document completed by every annotator"
            if not study.all_docs
            else "no spans of this label on documents every annotator completed"
        )
        entry["u_alpha"] = estimate(study.u_stat, li, u_reason, n=len(study.all_docs)).to_json()
        span_section[label] = entry
    return span_section


def _pair_rows(study: _Study) -> list[dict[str, Any]]:
    """Span counts, precision, recall and F1 of every annotator pair over all labels."""
    completed, in_scope = study.scope.completed, study.scope.in_scope
    n_labels = len(study.labels)
    n_cols = (n_labels + 1) * 3
    pair_rows = []
    for p, (a, b) in enumerate(study.pairs):
        row: dict[str, Any] = {
            "annotators": [a, b],
            "documents": len(completed[a] & completed[b] & set(in_scope)),
        }
        for mode in MODES:
            sums = np.asarray(study.f1_stats[mode].matrix.sum(axis=0)).ravel()
            base = p * n_cols + n_labels * 3
            tp, fp, fn = (float(x) for x in sums[base : base + 3])
            row[mode] = {
                "tp": int(tp),
                "fp": int(fp),
                "fn": int(fn),
                "precision": tp / (tp + fp) if tp + fp else None,
                "recall": tp / (tp + fn) if tp + fn else None,
                "f1": 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None,
            }
        pair_rows.append(row)
    return pair_rows


def _report_data(
    study: _Study,
    context: DisputeContext,
    disputes: pl.DataFrame,
    sections: dict[str, Any],
    n_bootstrap: int,
    seed: int,
    max_listed: int,
) -> dict[str, Any]:
    """The JSON-ready report: settings, documents, spans, pairs, breakdowns, disagreements."""
    scope, spans, chosen = study.scope, study.spans, study.scope.chosen
    span_section = _span_section(study)
    pair_rows = _pair_rows(study)
    per_document = break_down_documents(
        study.f1_stats,
        study.u_stats,
        scope.in_scope,
        scope.completed,
        chosen,
        spans,
        disputes,
        len(study.pairs),
        len(study.labels),
        study.included,
    )
    per_annotator = break_down_annotators(chosen, study.done, spans, pair_rows, disputes)
    kind_counts = {k: int(disputes.filter(pl.col("kind") == k).height) for k in KINDS}
    listed = disputes.head(max_listed) if max_listed >= 0 else disputes
    items = dispute_records(context, listed)
    return {
        "annotators": chosen,
        "excluded_layers": scope.excluded,
        "labels": study.labels,
        "settings": {"bootstrap": n_bootstrap, "seed": seed, "confidence": 0.95, "rules": RULES},
        "documents": {
            "compared": len(scope.in_scope),
            "annotated_by_one_only": scope.single,
            "annotated_by_all": len(study.all_docs),
            "completed_by": {a: len(scope.completed[a]) for a in chosen},
        },
        "spans": span_section,
        "pairs": pair_rows,
        "attributes": sections["attributes"],
        "relations": sections["relations"],
        "arguments": sections["arguments"],
        "per_document": per_document,
        "per_annotator": per_annotator,
        "disagreements": {
            "counts": kind_counts,
            "total": disputes.height,
            "listed": len(items),
            "items": items,
        },
        "notes": scope.notes,
    }
