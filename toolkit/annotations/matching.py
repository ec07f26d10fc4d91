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


def match_spans(reference: pl.DataFrame, candidate: pl.DataFrame, *, mode: str) -> pl.DataFrame:
    """One-to-one matches of two span sets: ``ref_row``, ``cand_row`` (row positions), overlap."""
    if mode not in MODES:
        raise ToolkitError(f"unknown matching mode {mode!r}; valid: {', '.join(MODES)}")
    _check_span_columns(reference, "reference")
    _check_span_columns(candidate, "candidate")
    cols = ["doc_id", "label", "start", "end"]
    ref = reference.select(cols).with_row_index("ref_row")
    cand = candidate.select(cols).with_row_index("cand_row")
    keys = cols if mode == "exact" else ["doc_id", "label"]
    pairs = ref.join(cand, on=keys, how="inner", suffix="_c")
    ref_rows = pairs["ref_row"].to_numpy()
    cand_rows = pairs["cand_row"].to_numpy()
    s1 = pairs["start"].to_numpy().astype(np.int64)
    e1 = pairs["end"].to_numpy().astype(np.int64)
    s2 = s1 if mode == "exact" else pairs["start_c"].to_numpy().astype(np.int64)
    e2 = e1 if mode == "exact" else pairs["end_c"].to_numpy().astype(np.int64)
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
