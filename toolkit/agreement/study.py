"""The whole agreement study: every figure of the chosen annotators, with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from toolkit.agreement.attributes import ATTRIBUTES, attribute_agreement
from toolkit.agreement.bootstrap import Engine, Pending, Stat, estimate, json_float, nanmean
from toolkit.agreement.breakdowns import break_down_annotators, break_down_documents
from toolkit.agreement.disputes import KINDS, DisputeContext, dispute_records, find_disputes
from toolkit.agreement.holders import HOLDER, find_holders, holder_agreement
from toolkit.agreement.layers import Layers, default_annotators
from toolkit.agreement.pairs import prf_matrix
from toolkit.agreement.unitizing import (
    UnitizingStats,
    ualpha_values,
    unitizing_parts,
    unitizing_stats,
)
from toolkit.annotations import MODES, OVERALL, f1_from_counts, match_spans
from toolkit.errors import InputError
from toolkit.taxonomy import Taxonomy, read_taxonomy

RULES = {
    "exact": "same document, same label, same start and end (code points).",
    "overlap": (
        "same document and label and at least one shared code point; one-to-one, greedily by "
        "largest overlap, then smallest |start difference| + |end difference|, then position."
    ),
    "pairs": "pairwise scores are averaged over annotator pairs on documents both completed.",
    "u_alpha": (
        "Krippendorff's unitizing alpha (1995; 2004, ch. 11; as DKPro Statistics computes it) per "
        "label, documents laid end to end as one continuum (gaps never cross a document border), "
        "on documents completed by every annotator; overlapping spans of one label by one "
        "annotator are merged into their union first. Overall: 1 - sum D_o / sum D_e over labels."
    ),
    "attributes": (
        "compared on spans matched by the overlap rule. Cohen's kappa per pair, mean over pairs; "
        "Fleiss' kappa on span clusters every annotator marked; Krippendorff's alpha on every "
        "cluster with two or more values (missing values allowed). A cluster is a connected "
        "component of pairwise overlap matches; an annotator with two spans in one cluster counts "
        "as missing there. An empty optional attribute is the category '(none)'; an empty ordinal "
        "attribute is a missing value."
    ),
    "holder": (
        "matched STANCE spans agree on their holder when both have none, when the two holder "
        "ACTOR spans are matched to each other by the overlap rule, or when the holders' "
        "canonical_name values are equal (case and spacing ignored). Proportion agreeing, mean "
        "over pairs."
    ),
    "bootstrap": (
        "95% percentile intervals from resampling documents with replacement (seeded numpy "
        "generator); resamples where a figure is undefined are left out of its interval."
    ),
}


@dataclass
class AgreementResult:
    """Report data (JSON-ready) plus the tables behind the disagreement list and review tasks."""

    data: dict[str, Any]
    disputes: pl.DataFrame
    context: DisputeContext


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
    n_raters = len(chosen)
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
    n_docs = len(in_scope)
    completed: dict[str, set[str]] = {a: set() for a in chosen}
    for doc_id, ann in completed_pairs.iter_rows():
        completed[ann].add(doc_id)
    docs = layers.documents.filter(pl.col("doc_id").is_in(in_scope))
    doc_len = dict(
        zip(docs["doc_id"].to_list(), docs["text"].str.len_chars().to_list(), strict=True)
    )
    lost_docs = [d for d in in_scope if d not in doc_len]
    if lost_docs:
        notes.append(
            f"{len(lost_docs)} document(s) have annotations but no text in documents "
            f"(e.g. {lost_docs[0]}); their length is taken as the last span end."
        )
    spans = (
        layers.annotations.filter(pl.col("annotator_id").is_in(chosen))
        .join(
            completed_pairs.filter(pl.col("doc_id").is_in(in_scope)),
            on=["doc_id", "annotator_id"],
            how="semi",
        )
        .with_columns(pl.col("start").cast(pl.Int64), pl.col("end").cast(pl.Int64))
    )
    bad = spans.filter((pl.col("end") <= pl.col("start")) | (pl.col("start") < 0))
    if bad.height:
        notes.append(f"{bad.height} span(s) with end <= start or a negative start were left out.")
        spans = spans.filter((pl.col("end") > pl.col("start")) & (pl.col("start") >= 0))
    for d, end in spans.group_by("doc_id").agg(pl.col("end").max()).iter_rows():
        if d not in doc_len or end > doc_len[d]:
            if d in doc_len:
                notes.append(
                    f"spans in {d} end after its text ({end} > {doc_len[d]}); length widened."
                )
            doc_len[d] = int(end)
    present_labels = spans["label"].unique().to_list()
    labels = [*tax.label_names, *sorted(set(present_labels) - set(tax.label_names))]
    n_labels = len(labels)
    spans = spans.with_columns(
        pl.col("doc_id").replace_strict(doc_index, return_dtype=pl.Int64).alias("doc_idx"),
        pl.col("annotator_id").replace_strict(rater_index, return_dtype=pl.Int64).alias("ann_idx"),
        pl.col("label")
        .replace_strict({lab: i for i, lab in enumerate(labels)}, return_dtype=pl.Int64)
        .alias("label_idx"),
    )
    # Integer keys sort fast; identical spans keep their input order (stable sort).
    spans = spans.sort(
        "doc_idx", "ann_idx", "start", "end", "label_idx", maintain_order=True
    ).with_row_index("node")
    pairs = list(combinations(chosen, 2))
    engine = Engine(n_docs)
    no_pairs_reason = (
        f"needs two or more annotators, got {n_raters}"
        if n_raters < 2
        else "no document completed by two or more annotators"
    )

    # ---- span matching per pair
    pair_matches: dict[tuple[str, str], dict[str, pl.DataFrame]] = {}
    f1_mats: dict[str, list[np.ndarray]] = {m: [] for m in MODES}
    n_cols = (n_labels + 1) * 3
    done = np.zeros((n_docs, max(n_raters, 1)), dtype=bool)
    for doc_id, ann in completed_pairs.iter_rows():
        if doc_id in doc_index:
            done[doc_index[doc_id], rater_index[ann]] = True
    core = spans.select("node", "doc_idx", "ann_idx", "label_idx", "start", "end")
    span_doc = spans["doc_idx"].to_numpy()
    span_ann = spans["ann_idx"].to_numpy()
    for a, b in pairs:
        ia, ib = rater_index[a], rater_index[b]
        both_mask = done[span_doc, ia] & done[span_doc, ib]
        ref = core.filter(pl.Series(both_mask & (span_ann == ia)))
        cand = core.filter(pl.Series(both_mask & (span_ann == ib)))
        pair_matches[(a, b)] = {}
        ref_keys = ref.select(
            pl.col("doc_idx").alias("doc_id"), pl.col("label_idx").alias("label"), "start", "end"
        )
        cand_keys = cand.select(
            pl.col("doc_idx").alias("doc_id"), pl.col("label_idx").alias("label"), "start", "end"
        )
        for mode in MODES:
            m = match_spans(ref_keys, cand_keys, mode=mode)
            node_a = ref["node"].gather(m["ref_row"]).to_numpy()
            node_b = cand["node"].gather(m["cand_row"]).to_numpy()
            pair_matches[(a, b)][mode] = pl.DataFrame({"node_a": node_a, "node_b": node_b})
            tp_doc = ref["doc_idx"].gather(m["ref_row"]).to_numpy()
            tp_lab = ref["label_idx"].gather(m["ref_row"]).to_numpy()
            r_doc, r_lab = ref["doc_idx"].to_numpy(), ref["label_idx"].to_numpy()
            c_doc, c_lab = cand["doc_idx"].to_numpy(), cand["label_idx"].to_numpy()
            f1_mats[mode].append(
                prf_matrix(tp_doc, tp_lab, c_doc, c_lab, r_doc, r_lab, n_docs, n_labels)
            )

    n_pairs = len(pairs)

    def f1_fn(s: np.ndarray) -> np.ndarray:
        blocks = s.reshape(s.shape[0], max(n_pairs, 1), n_labels + 1, 3)
        per_pair = f1_from_counts(blocks[..., 0], blocks[..., 1], blocks[..., 2])  # B x P x labels
        return np.concatenate([nanmean(per_pair, axis=1), per_pair.reshape(s.shape[0], -1)], axis=1)

    f1_stats: dict[str, Stat] = {}
    for mode in MODES:
        mats = f1_mats[mode] or [np.zeros((n_docs, n_cols))]
        f1_stats[mode] = engine.add(np.hstack(mats), f1_fn)

    # ---- unitizing alpha on documents every annotator completed
    all_docs = [d for d in in_scope if all(d in completed[a] for a in chosen)]
    included = np.zeros(n_docs, dtype=bool)
    included[[doc_index[d] for d in all_docs]] = True
    lengths = np.array([doc_len.get(d, 0) for d in in_scope], dtype=np.int64)
    u_stats: list[UnitizingStats] = []
    if n_raters >= 2 and n_docs:
        for li in range(n_labels):
            sub = core.filter(pl.col("label_idx") == li)
            u_stats.append(
                unitizing_stats(
                    sub["doc_idx"].to_numpy(),
                    sub["ann_idx"].to_numpy(),
                    sub["start"].to_numpy(),
                    sub["end"].to_numpy(),
                    lengths,
                    included,
                    n_raters,
                )
            )
    u_widths = np.cumsum([0] + [st.matrix.shape[1] for st in u_stats])

    def ualpha_fn(s: np.ndarray) -> np.ndarray:
        if not u_stats:
            return np.full((s.shape[0], n_labels + 1), np.nan)
        d_o = np.empty((s.shape[0], len(u_stats)))
        d_e = np.empty_like(d_o)
        for i, st in enumerate(u_stats):
            d_o[:, i], d_e[:, i] = unitizing_parts(s[:, u_widths[i] : u_widths[i + 1]], st)
        defined = np.isfinite(d_o) & np.isfinite(d_e)
        total_o = np.where(defined, d_o, 0).sum(axis=1)
        total_e = np.where(defined, d_e, 0).sum(axis=1)
        overall = ualpha_values(total_o, np.where(defined.any(axis=1), total_e, np.nan))
        return np.column_stack([ualpha_values(d_o, d_e), overall])

    u_stat = engine.add(
        sparse.hstack([st.matrix for st in u_stats], format="csr")
        if u_stats
        else sparse.csr_matrix((n_docs, 1)),
        ualpha_fn,
    )

    # ---- clusters: connected components of the pairwise overlap matches
    n_nodes = spans.height
    edges = [pm["overlap"] for pm in pair_matches.values()]
    ea = np.concatenate([e["node_a"].to_numpy() for e in edges]) if edges else np.zeros(0, np.int64)
    eb = np.concatenate([e["node_b"].to_numpy() for e in edges]) if edges else np.zeros(0, np.int64)
    graph = sparse.coo_matrix((np.ones(len(ea)), (ea, eb)), shape=(n_nodes, n_nodes))
    _, component = connected_components(graph, directed=False)
    spans = spans.with_columns(pl.Series("cluster", component, dtype=pl.Int64))

    # ---- holders of STANCE spans
    holders = find_holders(spans)
    spans = spans.drop("relations", "codebook_version", strict=False)

    # ---- attributes
    scope_reason = no_pairs_reason if n_pairs == 0 or n_docs == 0 else None
    attribute_results: dict[str, Pending] = {}
    for label, name in ATTRIBUTES:
        key = f"{label}.{name}"
        attribute_results[key] = attribute_agreement(
            engine, spans, pair_matches, tax, label, name, n_docs, n_raters, notes, scope_reason
        )

    # ---- holder relation
    holder_result = holder_agreement(
        engine, spans, holders, pair_matches, n_docs, pairs, scope_reason
    )

    # ---- disagreements
    disputes, label_conflicts = find_disputes(spans, holders, done.sum(axis=1))

    engine.run(n_bootstrap, seed)
    context = DisputeContext(
        spans=spans,
        documents=layers.documents,
        completed=completed,
        annotators=chosen,
        label_conflicts=label_conflicts,
        holders=holders,
    )

    # ---- assemble
    span_section: dict[str, Any] = {}
    counts = spans.group_by("label", "annotator_id").len()
    count_map = {(lab, ann): n for lab, ann, n in counts.iter_rows()}
    for li, label in enumerate([*labels, OVERALL]):
        entry: dict[str, Any] = {
            "n_spans": {
                a: (
                    sum(v for (lab, ann), v in count_map.items() if ann == a)
                    if label == OVERALL
                    else count_map.get((label, a), 0)
                )
                for a in chosen
            }
        }
        n_label_spans = sum(entry["n_spans"].values())
        reason = (
            no_pairs_reason
            if n_pairs == 0 or n_docs == 0
            else (
                "no spans of this label from any annotator" if n_label_spans == 0 else "undefined"
            )
        )
        for mode in MODES:
            stat = f1_stats[mode]
            entry[f"f1_{mode}"] = estimate(stat, li, reason).to_json()
            entry[f"f1_{mode}"]["pairs"] = {
                f"{a}|{b}": json_float(stat.point[(n_labels + 1) + p * (n_labels + 1) + li])
                for p, (a, b) in enumerate(pairs)
            }
        u_reason = (
            no_pairs_reason
            if n_raters < 2 or n_docs == 0
            else "no document completed by every annotator"
            if not all_docs
            else "no spans of this label on documents every annotator completed"
        )
        entry["u_alpha"] = estimate(u_stat, li, u_reason, n=len(all_docs)).to_json()
        span_section[label] = entry

    pair_rows = []
    for p, (a, b) in enumerate(pairs):
        row: dict[str, Any] = {
            "annotators": [a, b],
            "documents": len(completed[a] & completed[b] & set(in_scope)),
        }
        for mode in MODES:
            sums = np.asarray(f1_stats[mode].matrix.sum(axis=0)).ravel()
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

    per_document = break_down_documents(
        f1_stats, u_stats, in_scope, completed, chosen, spans, disputes, n_pairs, n_labels, included
    )
    per_annotator = break_down_annotators(chosen, done, spans, pair_rows, disputes)
    kind_counts = {k: int(disputes.filter(pl.col("kind") == k).height) for k in KINDS}
    listed = disputes.head(max_listed) if max_listed >= 0 else disputes
    items = dispute_records(context, listed)
    data: dict[str, Any] = {
        "annotators": chosen,
        "excluded_layers": excluded,
        "labels": labels,
        "settings": {"bootstrap": n_bootstrap, "seed": seed, "confidence": 0.95, "rules": RULES},
        "documents": {
            "compared": n_docs,
            "annotated_by_one_only": single,
            "annotated_by_all": len(all_docs),
            "completed_by": {a: len(completed[a]) for a in chosen},
        },
        "spans": span_section,
        "pairs": pair_rows,
        "attributes": {k: v.to_json() for k, v in attribute_results.items()},
        "relations": {HOLDER: holder_result.to_json()},
        "per_document": per_document,
        "per_annotator": per_annotator,
        "disagreements": {
            "counts": kind_counts,
            "total": disputes.height,
            "listed": len(items),
            "items": items,
        },
        "notes": notes,
    }
    return AgreementResult(data=data, disputes=disputes, context=context)
