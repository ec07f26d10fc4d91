"""Krippendorff's unitizing alpha from per-document additive statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import polars as pl
from scipy import sparse

from toolkit.agreement.bootstrap import Engine, Stat
from toolkit.agreement.coefficients import Estimate, scalar
from toolkit.annotations import OVERALL


@dataclass
class UnitizingStats:
    """Per-document additive statistics of unitizing alpha for one label."""

    matrix: sparse.csr_matrix  # D x (5 + U + G): do_num, L, n, F, S, H(U), gap histogram(G)
    kernel: np.ndarray  # G x U: (g - l + 1)+
    n_raters: int
    n_lengths: int
    per_doc: np.ndarray  # D x 6: do_num, L, n, F, S, T (units and gaps of the document only)


def _merge_units(
    doc: np.ndarray,
    rater: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    stride: int,
    n_raters: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Union of overlapping units per (doc, rater); input need not be sorted."""
    group = doc.astype(np.int64) * n_raters + rater
    gs = group * stride + start
    ge = group * stride + end
    order = np.lexsort((ge, gs))
    gs, ge, group = gs[order], ge[order], group[order]
    if len(gs) == 0:
        return group, group, gs, ge
    run_max = np.maximum.accumulate(ge)
    new = np.ones(len(gs), dtype=bool)
    new[1:] = gs[1:] >= run_max[:-1]
    idx = np.flatnonzero(new)
    m_start = gs[idx]
    m_end = np.maximum.reduceat(ge, idx)
    m_group = group[idx]
    base = m_group * stride
    return m_group // n_raters, m_group % n_raters, m_start - base, m_end - base


def unitizing_stats(
    doc: np.ndarray,
    rater: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    lengths: np.ndarray,
    included: np.ndarray,
    n_raters: int,
) -> UnitizingStats:
    """Statistics for one label: docs are rows of ``lengths``; only ``included`` docs count."""
    n_docs = len(lengths)
    keep = included[doc] & (end > start)
    stride = int(lengths.max(initial=0)) + 1
    d, r, s, e = _merge_units(doc[keep], rater[keep], start[keep], end[keep], stride, n_raters)
    length = (e - s).astype(np.float64)
    do_num = _observed_numerator(d, r, s, e, stride, n_raters, n_docs)
    gap_doc, gap_len = _gaps(d, r, s, e, lengths, included, n_raters)
    unit_lengths, unit_col = np.unique((e - s).astype(np.int64), return_inverse=True)
    gap_lengths, gap_col = np.unique(gap_len, return_inverse=True)
    u, g = len(unit_lengths), len(gap_lengths)
    base = np.column_stack(
        [
            do_num,
            np.where(included, lengths, 0).astype(np.float64),
            np.bincount(d, minlength=n_docs).astype(np.float64),
            np.bincount(d, weights=(2 * length**3 - 3 * length**2 + length) / 3, minlength=n_docs),
            np.bincount(d, weights=length * (length - 1), minlength=n_docs),
        ]
    )
    h = sparse.csr_matrix((length * length, (d, unit_col)), shape=(n_docs, u))
    gh = sparse.csr_matrix((np.ones(len(gap_len)), (gap_doc, gap_col)), shape=(n_docs, g))
    matrix = sparse.hstack([sparse.csr_matrix(base), h, gh], format="csr")
    kernel = np.maximum(gap_lengths[:, None] - unit_lengths[None, :] + 1, 0).astype(np.float64)
    t_doc = _within_document_t(d, s, e, gap_doc, gap_len, n_docs)
    per_doc = np.column_stack([base, t_doc])
    return UnitizingStats(
        matrix=matrix, kernel=kernel, n_raters=n_raters, n_lengths=u, per_doc=per_doc
    )


def _observed_numerator(
    d: np.ndarray,
    r: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    stride: int,
    n_raters: int,
    n_docs: int,
) -> np.ndarray:
    """Per-document numerator of D_o for merged units sorted by (doc, rater, start)."""
    # Observed disagreement numerator: overlapping unit pairs plus units inside the other's gaps.
    do_num = np.zeros(n_docs)
    for r1, r2 in combinations(range(n_raters), 2):
        m1, m2 = r == r1, r == r2
        s1, e1, d1 = s[m1], e[m1], d[m1]
        s2, e2, d2 = s[m2], e[m2], d[m2]
        g1s, g1e = d1 * stride + s1, d1 * stride + e1
        g2s, g2e = d2 * stride + s2, d2 * stride + e2
        j0 = np.searchsorted(g2e, g1s, side="right")
        j1 = np.searchsorted(g2s, g1e, side="left")
        k = np.maximum(j1 - j0, 0)
        i1 = np.repeat(np.arange(len(s1)), k)
        offsets = np.repeat(np.cumsum(k) - k, k)
        j = j0[i1] + (np.arange(len(i1)) - offsets)
        ds = (s1[i1] - s2[j]).astype(np.float64)
        de = (e1[i1] - e2[j]).astype(np.float64)
        do_num += np.bincount(d1[i1], weights=ds * ds + de * de, minlength=n_docs)
        lone1 = k == 0
        l1 = (e1 - s1).astype(np.float64)
        do_num += np.bincount(d1[lone1], weights=l1[lone1] ** 2, minlength=n_docs)
        hit2 = np.bincount(j, minlength=len(s2)) > 0
        l2 = (e2 - s2).astype(np.float64)
        do_num += np.bincount(d2[~hit2], weights=l2[~hit2] ** 2, minlength=n_docs)
    do_num *= 2.0
    return do_num


def _gaps(
    d: np.ndarray,
    r: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    lengths: np.ndarray,
    included: np.ndarray,
    n_raters: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Document and length of every non-empty gap between merged units, per rater."""
    n_docs = len(lengths)
    # Gaps: before each unit, after the last one, and whole documents a rater left empty.
    if len(s):
        group = d * n_raters + r
        first = np.ones(len(s), dtype=bool)
        first[1:] = group[1:] != group[:-1]
        last = np.ones(len(s), dtype=bool)
        last[:-1] = group[1:] != group[:-1]
        prev_end = np.where(first, 0, np.roll(e, 1))
        gap_doc = np.concatenate([d, d[last]])
        gap_len = np.concatenate([s - prev_end, lengths[d[last]] - e[last]])
        covered = np.zeros(n_docs * n_raters, dtype=bool)
        covered[group] = True
    else:
        gap_doc = np.zeros(0, dtype=np.int64)
        gap_len = np.zeros(0, dtype=np.int64)
        covered = np.zeros(n_docs * n_raters, dtype=bool)
    empty = np.flatnonzero(~covered.reshape(n_docs, n_raters) & included[:, None])
    gap_doc = np.concatenate([gap_doc, empty // n_raters]).astype(np.int64)
    gap_len = np.concatenate([gap_len, lengths[empty // n_raters]]).astype(np.int64)
    positive = gap_len > 0
    gap_doc, gap_len = gap_doc[positive], gap_len[positive]
    return gap_doc, gap_len


def _within_document_t(
    d: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    gap_doc: np.ndarray,
    gap_len: np.ndarray,
    n_docs: int,
) -> np.ndarray:
    """T per document: its unit x gap pairs only."""
    length = (e - s).astype(np.float64)
    # Within-document T (sum over unit x gap pairs of one document), for per-document figures.
    key_stride = int(max(gap_len.max(initial=0), length.max(initial=0))) + 2
    gap_key = gap_doc * key_stride + gap_len
    order = np.argsort(gap_key, kind="stable")
    gap_key, sorted_len = gap_key[order], gap_len[order].astype(np.float64)
    cum = np.concatenate([[0.0], np.cumsum(sorted_len + 1)])
    lo = np.searchsorted(gap_key, d * key_stride + (e - s), side="left")
    hi = np.searchsorted(gap_key, (d + 1) * key_stride, side="left")
    g_sum = (cum[hi] - cum[lo]) - length * (hi - lo)
    t_doc = np.bincount(d, weights=length * length * g_sum, minlength=n_docs)
    return t_doc


def unitizing_parts(s: np.ndarray, st: UnitizingStats) -> tuple[np.ndarray, np.ndarray]:
    """D_o and D_e (each B values) from column sums of one label's statistics."""
    h = s[:, 5 : 5 + st.n_lengths]
    gh = s[:, 5 + st.n_lengths :]
    t = (h * (gh @ st.kernel)).sum(axis=1)
    return unitizing_from_parts(np.column_stack([s[:, :5], t]), st.n_raters)


def unitizing_from_parts(parts: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """D_o and D_e from do_num, L, n, F, S and T (Krippendorff 1995, as DKPro computes them)."""
    do_num, big_l, n, f, sq, t = (parts[:, i] for i in range(6))
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = do_num / (r * (r - 1) * big_l * big_l)
        d_e = (2 / big_l) * ((n - 1) * f + t) / (r * big_l * (r * big_l - 1) - sq)
    undefined = (big_l <= 0) | (n <= 0) | ~(d_e > 0)
    return np.where(undefined, np.nan, d_o), np.where(undefined, np.nan, d_e)


def unitizing_disagreements(
    units: pl.DataFrame,
    doc_lengths: Mapping[str, int],
    *,
    annotators: Sequence[str] | None = None,
) -> dict[str, tuple[float | None, float | None]]:
    """Observed and expected disagreement (D_o, D_e) of unitizing alpha per label."""
    raters = list(annotators) if annotators is not None else sorted(set(units["annotator_id"]))
    if len(raters) < 2:
        return {}
    docs = sorted(doc_lengths)
    doc_index = {x: i for i, x in enumerate(docs)}
    rater_index = {x: i for i, x in enumerate(raters)}
    lengths = np.array([doc_lengths[x] for x in docs], dtype=np.int64)
    frame = units.filter(pl.col("annotator_id").is_in(raters) & pl.col("doc_id").is_in(docs))
    included = np.ones(len(docs), dtype=bool)
    parts: dict[str, tuple[float | None, float | None]] = {}
    for label in sorted(set(frame["label"])):
        sub = frame.filter(pl.col("label") == label)
        st = unitizing_stats(
            np.array([doc_index[x] for x in sub["doc_id"]], dtype=np.int64),
            np.array([rater_index[x] for x in sub["annotator_id"]], dtype=np.int64),
            sub["start"].to_numpy().astype(np.int64),
            sub["end"].to_numpy().astype(np.int64),
            lengths,
            included,
            len(raters),
        )
        d_o, d_e = unitizing_parts(np.asarray(st.matrix.sum(axis=0)), st)
        parts[label] = (scalar(d_o), scalar(d_e))
    return parts


def unitizing_alpha(
    units: pl.DataFrame,
    doc_lengths: Mapping[str, int],
    *,
    annotators: Sequence[str] | None = None,
) -> dict[str, Estimate]:
    """Krippendorff's unitizing alpha per label and overall (key ``ALL``).

    ``units`` has doc_id, annotator_id, label, start, end; every annotator is taken to have
    unitized every document of ``doc_lengths`` (code points), laid end to end.
    """
    raters = list(annotators) if annotators is not None else sorted(set(units["annotator_id"]))
    if len(raters) < 2:
        return {OVERALL: Estimate(None, reason=f"needs two or more annotators, got {len(raters)}")}
    parts = unitizing_disagreements(units, doc_lengths, annotators=raters)
    results = {
        label: _ualpha_estimate(
            np.array([np.nan if d_o is None else d_o]), np.array([np.nan if d_e is None else d_e])
        )
        for label, (d_o, d_e) in parts.items()
    }
    defined = [(d_o, d_e) for d_o, d_e in parts.values() if d_o is not None and d_e is not None]
    if defined:
        results[OVERALL] = _ualpha_estimate(
            np.array([sum(p[0] for p in defined)]), np.array([sum(p[1] for p in defined)])
        )
    else:
        results[OVERALL] = Estimate(None, reason="no spans")
    return results


def ualpha_values(d_o: np.ndarray, d_e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d_e > 0, 1 - d_o / d_e, np.nan)


def _ualpha_estimate(d_o: np.ndarray, d_e: np.ndarray) -> Estimate:
    value = scalar(ualpha_values(d_o, d_e))
    return Estimate(value, reason=None if value is not None else "no spans of this label")


def label_unitizing_stats(
    core: pl.DataFrame,
    lengths: np.ndarray,
    included: np.ndarray,
    n_labels: int,
    n_raters: int,
    n_docs: int,
) -> list[UnitizingStats]:
    """Statistics per label on the ``included`` documents (none below two annotators)."""
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
    return u_stats


def add_unitizing_stat(
    engine: Engine, u_stats: Sequence[UnitizingStats], n_labels: int, n_docs: int
) -> Stat:
    """Unitizing alpha per label and overall (1 - sum D_o / sum D_e over defined labels)."""
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

    return engine.add(
        sparse.hstack([st.matrix for st in u_stats], format="csr")
        if u_stats
        else sparse.csr_matrix((n_docs, 1)),
        ualpha_fn,
    )
