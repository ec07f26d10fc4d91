"""One-to-one span matching of two layers and the per-label scores it gives (exact or overlap)."""

from __future__ import annotations

import numpy as np
import polars as pl

from toolkit.errors import InputError, ToolkitError

OVERALL = "ALL"
"""Label value of the all-labels row in span score tables."""


MODES = ("exact", "overlap")


def _check_span_columns(frame: pl.DataFrame, name: str) -> None:
    missing = [c for c in ("doc_id", "label", "start", "end") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} spans lack column(s) {', '.join(missing)}; need doc_id, label, start, end"
        )


def _greedy_one_to_one(ref: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Pick edges (given best first) so each side is used once: greedy by priority order.

    Rounds of mutual best choices give the same result as the sequential greedy and stay vectorized.
    """
    n = len(ref)
    chosen = np.zeros(n, dtype=bool)
    if n == 0:
        return chosen
    used_ref = np.zeros(int(ref.max()) + 1, dtype=bool)
    used_cand = np.zeros(int(cand.max()) + 1, dtype=bool)
    alive = np.arange(n)
    while len(alive):
        r, c = ref[alive], cand[alive]
        _, first_r = np.unique(r, return_index=True)
        _, first_c = np.unique(c, return_index=True)
        best = np.zeros(len(alive), dtype=np.int8)
        best[first_r] += 1
        best[first_c] += 1
        picked = alive[best == 2]
        chosen[picked] = True
        used_ref[ref[picked]] = True
        used_cand[cand[picked]] = True
        alive = alive[~(used_ref[ref[alive]] | used_cand[cand[alive]])]
    return chosen


def _expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with lo[i] <= j < hi[i], in order of i then j."""
    k = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(lo)), k)
    j = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k) + np.repeat(lo, k)
    return i, j


def overlapping_pairs(
    group_a: np.ndarray,
    start_a: np.ndarray,
    end_a: np.ndarray,
    group_b: np.ndarray,
    start_b: np.ndarray,
    end_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j) of every a-span and b-span of one group that overlap, each pair once.

    A sort-and-sweep over start offsets: time and memory grow with the spans plus the pairs
    found, never with all pairs of a group (an all-pairs join grew with their square).
    """
    arrays = [np.asarray(x, dtype=np.int64) for x in (start_a, end_a, start_b, end_b)]
    sa, ea, sb, eb = arrays
    if len(sa) == 0 or len(sb) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    low = min(int(sa.min()), int(sb.min()))
    stride = max(int(ea.max()), int(eb.max())) - low + 1
    # One sortable key per (group, offset): groups apart, offsets in order within a group.
    ka = np.asarray(group_a, dtype=np.int64) * stride - low
    kb = np.asarray(group_b, dtype=np.int64) * stride - low
    order_a, order_b = np.argsort(ka + sa, kind="stable"), np.argsort(kb + sb, kind="stable")
    sorted_a, sorted_b = (ka + sa)[order_a], (kb + sb)[order_b]
    # b starts inside [start_a, end_a): they overlap a (b ends after it starts).
    i1, j1 = _expand(
        np.searchsorted(sorted_b, ka + sa, side="left"),
        np.searchsorted(sorted_b, ka + ea, side="left"),
    )
    # a starts strictly inside (start_b, end_b): the rest, none counted twice.
    j2, i2 = _expand(
        np.searchsorted(sorted_a, kb + sb, side="right"),
        np.searchsorted(sorted_a, kb + eb, side="left"),
    )
    i, j = np.concatenate([i1, order_a[i2]]), np.concatenate([order_b[j1], j2])
    keep = np.minimum(ea[i], eb[j]) > np.maximum(sa[i], sb[j])  # empty or reversed spans
    return i[keep], j[keep]


def _codes(column: pl.Series) -> np.ndarray:
    """Non-negative integer codes of a key column (equal values, equal codes); null is -1."""
    if column.dtype.is_integer():
        values = column.cast(pl.Int64)
        low = values.min()
        codes = values - (low if isinstance(low, int) else 0)
    else:
        codes = column.cast(pl.String).cast(pl.Categorical).to_physical().cast(pl.Int64)
    return codes.fill_null(-1).to_numpy()


def _group_ids(ref: pl.DataFrame, cand: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One integer per (doc_id, label) shared by both sides; -1 and -2 for a missing key."""
    both = pl.concat(
        [ref.select("doc_id", "label"), cand.select("doc_id", "label")], how="vertical_relaxed"
    )
    doc, label = _codes(both["doc_id"]), _codes(both["label"])
    ids = doc * (int(label.max(initial=0)) + 1) + label
    # A span without document or label matches nothing (as in a join): its own group per side.
    side = np.r_[np.full(ref.height, -1), np.full(cand.height, -2)]
    ids = np.where((doc < 0) | (label < 0), side, ids)
    return ids[: ref.height], ids[ref.height :]


def _candidate_pairs(
    ref: pl.DataFrame, cand: pl.DataFrame, mode: str
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of every same-document, same-label pair that matches in ``mode``."""
    if mode == "exact":
        cols = ["doc_id", "label", "start", "end"]
        pairs = ref.with_row_index("ref_row").join(
            cand.with_row_index("cand_row"), on=cols, how="inner"
        )
        return pairs["ref_row"].to_numpy(), pairs["cand_row"].to_numpy()
    group_r, group_c = _group_ids(ref, cand)
    return overlapping_pairs(
        group_r,
        ref["start"].to_numpy(),
        ref["end"].to_numpy(),
        group_c,
        cand["start"].to_numpy(),
        cand["end"].to_numpy(),
    )


def match_spans(reference: pl.DataFrame, candidate: pl.DataFrame, *, mode: str) -> pl.DataFrame:
    """One-to-one matches of two span sets: ``ref_row``, ``cand_row`` (row positions), overlap."""
    if mode not in MODES:
        raise ToolkitError(f"unknown matching mode {mode!r}; valid: {', '.join(MODES)}")
    _check_span_columns(reference, "reference")
    _check_span_columns(candidate, "candidate")
    cols = ["doc_id", "label", "start", "end"]
    ref, cand = reference.select(cols), candidate.select(cols)
    ref_rows, cand_rows = _candidate_pairs(ref, cand, mode)
    ref_rows, cand_rows = ref_rows.astype(np.int64), cand_rows.astype(np.int64)
    s1 = ref["start"].to_numpy().astype(np.int64)[ref_rows]
    e1 = ref["end"].to_numpy().astype(np.int64)[ref_rows]
    s2 = cand["start"].to_numpy().astype(np.int64)[cand_rows]
    e2 = cand["end"].to_numpy().astype(np.int64)[cand_rows]
    overlap = np.minimum(e1, e2) - np.maximum(s1, s2)
    keep = overlap > 0
    ref_rows, cand_rows, overlap = ref_rows[keep], cand_rows[keep], overlap[keep]
    s1, e1, s2, e2 = s1[keep], e1[keep], s2[keep], e2[keep]
    distance = np.abs(s1 - s2) + np.abs(e1 - e2)
    # The order is symmetric in the two sides (overlap, distance, positions): F1(a, b) == F1(b, a).
    order = np.lexsort(
        (
            cand_rows,
            ref_rows,
            np.maximum(e1, e2),
            np.minimum(e1, e2),
            np.maximum(s1, s2),
            np.minimum(s1, s2),
            distance,
            -overlap,
        )
    )
    chosen = order[_greedy_one_to_one(ref_rows[order], cand_rows[order])]
    chosen = chosen[np.argsort(ref_rows[chosen], kind="stable")]
    return pl.DataFrame(
        {
            "ref_row": ref_rows[chosen].astype(np.int64),
            "cand_row": cand_rows[chosen].astype(np.int64),
            "overlap": overlap[chosen],
        },
        schema={"ref_row": pl.Int64, "cand_row": pl.Int64, "overlap": pl.Int64},
    )


def f1_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """F1 = 2tp / (2tp + fp + fn); NaN where the class is neither in gold nor predicted."""
    denom = 2 * tp + fp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)


def span_scores(reference: pl.DataFrame, candidate: pl.DataFrame, *, mode: str) -> pl.DataFrame:
    """Per-label and overall (label ``ALL``) tp, fp, fn, precision, recall, f1; one-to-one matching.

    precision is null without candidate spans, recall null without reference spans, f1 null
    when both are empty (never NaN).
    """
    matches = match_spans(reference, candidate, mode=mode)
    ref_labels = reference["label"]
    cand_labels = candidate["label"]
    tp_labels = ref_labels.gather(matches["ref_row"]) if len(matches) else ref_labels.head(0)
    labels = sorted(set(ref_labels.to_list()) | set(cand_labels.to_list()))
    n_ref = ref_labels.value_counts()
    n_cand = cand_labels.value_counts()
    n_tp = tp_labels.value_counts()

    def counts(vc: pl.DataFrame) -> dict[str, int]:
        return dict(zip(vc["label"].to_list(), vc["count"].to_list(), strict=True))

    r, c, t = counts(n_ref), counts(n_cand), counts(n_tp)
    rows = []
    for label in [*labels, OVERALL]:
        if label == OVERALL:
            tp, nr, nc = sum(t.values()), sum(r.values()), sum(c.values())
        else:
            tp, nr, nc = t.get(label, 0), r.get(label, 0), c.get(label, 0)
        fp, fn = nc - tp, nr - tp
        rows.append(
            {
                "label": label,
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "precision": tp / nc if nc else None,
                "recall": tp / nr if nr else None,
                "f1": 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "label": pl.String,
            "tp": pl.Int64,
            "fp": pl.Int64,
            "fn": pl.Int64,
            "precision": pl.Float64,
            "recall": pl.Float64,
            "f1": pl.Float64,
        },
    )
