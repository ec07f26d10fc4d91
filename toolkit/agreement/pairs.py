"""Span matching per annotator pair: span F1 statistics and span clusters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import polars as pl
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from toolkit.agreement.bootstrap import Engine, Stat, nanmean
from toolkit.annotations import MODES, f1_from_counts, match_spans


def prf_matrix(
    tp_doc: np.ndarray,
    tp_lab: np.ndarray,
    c_doc: np.ndarray,
    c_lab: np.ndarray,
    r_doc: np.ndarray,
    r_lab: np.ndarray,
    n_docs: int,
    n_labels: int,
) -> np.ndarray:
    """Per-document tp, fp, fn per label and for all labels (fp = cand - tp, fn = ref - tp)."""
    size = n_docs * (n_labels + 1)

    def count(doc: np.ndarray, lab: np.ndarray) -> np.ndarray:
        per_label = np.bincount(doc * (n_labels + 1) + lab, minlength=size).reshape(n_docs, -1)
        per_label[:, n_labels] = per_label[:, :n_labels].sum(axis=1)
        return per_label.astype(np.float64)

    tp, cand, ref = count(tp_doc, tp_lab), count(c_doc, c_lab), count(r_doc, r_lab)
    return np.stack([tp, cand - tp, ref - tp], axis=2).reshape(n_docs, -1)


def pair_keys(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{a}|{b}" for a, b in pairs]


PairMatches = dict[tuple[str, str], dict[str, pl.DataFrame]]
"""Matched span nodes (node_a, node_b) per annotator pair and matching mode."""


def match_pairs(
    core: pl.DataFrame,
    pairs: Sequence[tuple[str, str]],
    rater_index: Mapping[str, int],
    done: np.ndarray,
    n_docs: int,
    n_labels: int,
) -> tuple[PairMatches, dict[str, list[np.ndarray]]]:
    """Matches of every pair on documents both completed, and their per-document tp/fp/fn."""
    pair_matches: PairMatches = {}
    f1_mats: dict[str, list[np.ndarray]] = {m: [] for m in MODES}
    span_doc = core["doc_idx"].to_numpy()
    span_ann = core["ann_idx"].to_numpy()
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
    return pair_matches, f1_mats


def add_f1_stats(
    engine: Engine,
    f1_mats: Mapping[str, list[np.ndarray]],
    n_pairs: int,
    n_labels: int,
    n_docs: int,
) -> dict[str, Stat]:
    """Span F1 per mode: mean over pairs per label and overall, then every pair's figures."""
    n_cols = (n_labels + 1) * 3

    def f1_fn(s: np.ndarray) -> np.ndarray:
        blocks = s.reshape(s.shape[0], max(n_pairs, 1), n_labels + 1, 3)
        per_pair = f1_from_counts(blocks[..., 0], blocks[..., 1], blocks[..., 2])  # B x P x labels
        return np.concatenate([nanmean(per_pair, axis=1), per_pair.reshape(s.shape[0], -1)], axis=1)

    f1_stats: dict[str, Stat] = {}
    for mode in MODES:
        mats = f1_mats[mode] or [np.zeros((n_docs, n_cols))]
        f1_stats[mode] = engine.add(np.hstack(mats), f1_fn)
    return f1_stats


def cluster_spans(spans: pl.DataFrame, pair_matches: PairMatches) -> pl.DataFrame:
    """Spans with their cluster: connected components of the pairwise overlap matches."""
    n_nodes = spans.height
    edges = [pm["overlap"] for pm in pair_matches.values()]
    ea = np.concatenate([e["node_a"].to_numpy() for e in edges]) if edges else np.zeros(0, np.int64)
    eb = np.concatenate([e["node_b"].to_numpy() for e in edges]) if edges else np.zeros(0, np.int64)
    graph = sparse.coo_matrix((np.ones(len(ea)), (ea, eb)), shape=(n_nodes, n_nodes))
    _, component = connected_components(graph, directed=False)
    return spans.with_columns(pl.Series("cluster", component, dtype=pl.Int64))
