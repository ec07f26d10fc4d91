"""Inter-annotator agreement: span F1, unitizing alpha, attribute kappas and alphas, CIs, reports.

Every figure is computed from per-document additive statistics (a documents x columns matrix), so a
bootstrap over documents is one matrix product of resampled document weights with that matrix.
"""

from __future__ import annotations

import html as html_lib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from toolkit.annotations import AnnotationFile, Span, iter_annotation_paths, read_annotation_file
from toolkit.annotations.matching import (
    MODES,
    OVERALL,
    f1_from_counts,
    match_spans,
)
from toolkit.core import write_text_atomic
from toolkit.dataset import annotation_sets_schema, annotations_schema, span_rows
from toolkit.errors import InputError, ToolkitError
from toolkit import report
from toolkit.taxonomy import Taxonomy, read_taxonomy

NONE_VALUE = "(none)"
"""Category standing for an empty optional attribute in nominal comparisons."""
DEFAULT_EXCLUDED = ("gold",)
DEFAULT_EXCLUDED_PREFIXES = ("rules-", "model-")
ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("EVENT", "category"),
    ("EVENT", "mode"),
    ("EVENT", "modality"),
    ("STANCE", "value"),
    ("STANCE", "facet"),
    ("ACTOR", "country"),
    ("ACTOR", "sector"),
    ("LOCATION", "gazetteer_id"),
)
"""Attributes compared on matched spans, as (label, attribute)."""
HOLDER = "holder"
KINDS = ("label", "missed span", "boundary", "attribute")
"""Disagreement kinds, in the order a disputed span is classified."""

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


# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class Layers:
    """Annotation rows, annotation-set rows and documents (doc_id, text, sentences) of a dataset."""

    annotations: pl.DataFrame
    annotation_sets: pl.DataFrame
    documents: pl.DataFrame


def _read_parquet(path: Path, columns: Sequence[str] | None = None) -> pl.DataFrame:
    if not path.is_file():
        raise InputError(
            "missing Parquet file (build the dataset with `toolkit convert`)", path=path
        )
    try:
        return pl.read_parquet(path, columns=list(columns) if columns else None)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc


def read_layers(dataset_dir: str | Path) -> Layers:
    """Read the annotation, annotation-set and document tables of a built dataset."""
    root = Path(dataset_dir)
    if not root.is_dir():
        raise InputError("dataset directory not found", path=root)
    return Layers(
        annotations=_read_parquet(root / "annotations.parquet"),
        annotation_sets=_read_parquet(root / "annotation_sets.parquet"),
        documents=_read_parquet(root / "documents.parquet", ["doc_id", "text", "sentences"]),
    )


def read_layers_from_annotations(
    annotations_dir: str | Path, texts: Mapping[str, str], taxonomy: Taxonomy | None = None
) -> Layers:
    """Build the same tables straight from annotation files (no sentences: paragraphs stand in)."""
    tax = taxonomy or read_taxonomy()
    rows: list[dict[str, Any]] = []
    sets: list[dict[str, Any]] = []
    for path in iter_annotation_paths(annotations_dir):
        ann = read_annotation_file(path)
        sets.append(
            {
                "doc_id": ann.doc_id,
                "annotator_id": ann.annotator_id,
                "status": ann.status,
                "source_kind": ann.source.get("kind"),
                "n_spans": len(ann.spans),
                "text_sha256": ann.text_sha256,
                "codebook_version": ann.codebook_version,
            }
        )
        rows.extend(
            {
                "doc_id": ann.doc_id,
                "annotator_id": ann.annotator_id,
                **row,
                "codebook_version": ann.codebook_version,
            }
            for row in span_rows(ann, tax)
        )
    docs = pl.DataFrame(
        {"doc_id": list(texts), "text": list(texts.values())},
        schema={"doc_id": pl.String, "text": pl.String},
    ).with_columns(
        pl.lit(None, dtype=pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32}))).alias(
            "sentences"
        )
    )
    return Layers(
        annotations=pl.DataFrame(pa.Table.from_pylist(rows, schema=annotations_schema(tax))),
        annotation_sets=pl.DataFrame(pa.Table.from_pylist(sets, schema=annotation_sets_schema())),
        documents=docs,
    )


def default_annotators(layers: Layers) -> list[str]:
    """Every layer except ``gold``, ``rules-*`` and ``model-*``, sorted."""
    ids = set(layers.annotation_sets["annotator_id"].to_list()) | set(
        layers.annotations["annotator_id"].to_list()
    )
    return sorted(
        a for a in ids if a not in DEFAULT_EXCLUDED and not a.startswith(DEFAULT_EXCLUDED_PREFIXES)
    )


# ---------------------------------------------------------------- coefficients (batched)
#
# Each takes column sums of per-document statistics for B resamples (a B x k array) and returns
# B values, NaN where the coefficient is undefined. The point estimate is the B = 1 case.


def _kappa_from_sums(s: np.ndarray, n_values: int) -> np.ndarray:
    """Cohen's kappa from [n, agreements, row marginals (V), column marginals (V)]."""
    n, agree = s[:, 0], s[:, 1]
    rows, cols = s[:, 2 : 2 + n_values], s[:, 2 + n_values : 2 + 2 * n_values]
    with np.errstate(divide="ignore", invalid="ignore"):
        po = agree / n
        pe = (rows * cols).sum(axis=1) / (n * n)
        kappa = (po - pe) / (1 - pe)
    return np.where((n > 0) & (1 - pe > 1e-12), kappa, np.nan)


def _fleiss_from_sums(s: np.ndarray, n_raters: int) -> np.ndarray:
    """Fleiss' kappa from [subjects, sum of P_i, category totals (V)]."""
    subjects, sum_p, totals = s[:, 0], s[:, 1], s[:, 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = sum_p / subjects
        p_j = totals / (subjects * n_raters)[:, None]
        pe = (p_j * p_j).sum(axis=1)
        kappa = (p_bar - pe) / (1 - pe)
    return np.where((subjects > 0) & (1 - pe > 1e-12), kappa, np.nan)


def _alpha_nominal_from_sums(s: np.ndarray) -> np.ndarray:
    """Krippendorff's nominal alpha from [pairable values n, sum of o_cc, value totals n_c (V)]."""
    n, agree, n_c = s[:, 0], s[:, 1], s[:, 2:]
    expected = n * n - (n_c * n_c).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * (n - agree) / expected
    return np.where((n > 1) & (expected > 1e-9), alpha, np.nan)


def _delta2(n_c: np.ndarray, level: str, numeric: np.ndarray | None) -> np.ndarray:
    """Squared difference function (B x V x V) of Krippendorff (2011) for ordinal/interval data."""
    if level == "interval":
        assert numeric is not None
        d = numeric[:, None] - numeric[None, :]
        return np.broadcast_to(d * d, (n_c.shape[0], *d.shape))
    cum = np.cumsum(n_c, axis=1)
    # sum of n_g for g between c and k inclusive, minus half the two end totals
    c_idx = np.arange(n_c.shape[1])
    lo = np.minimum(c_idx[:, None], c_idx[None, :])
    hi = np.maximum(c_idx[:, None], c_idx[None, :])
    between = cum[:, hi] - cum[:, lo] + n_c[:, lo]
    d = between - (n_c[:, lo] + n_c[:, hi]) / 2
    return d * d


def _alpha_matrix_from_sums(
    s: np.ndarray, n_values: int, level: str, numeric: np.ndarray | None
) -> np.ndarray:
    """Krippendorff's alpha from a flattened coincidence matrix (V*V columns)."""
    o = s.reshape(s.shape[0], n_values, n_values)
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    delta = _delta2(n_c, level, numeric)
    observed = (o * delta).sum(axis=(1, 2))
    expected = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * observed / expected
    return np.where((n > 1) & (expected > 1e-9), alpha, np.nan)


# ---------------------------------------------------------------- public single-shot metrics


@dataclass(frozen=True)
class Estimate:
    """A coefficient, its 95% interval, and why it is undefined when it is (value None)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    reason: str | None = None
    n: int | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form: null for undefined figures, always with a reason."""
        return {
            "value": self.value,
            "ci_low": self.low,
            "ci_high": self.high,
            "reason": self.reason,
            "n": self.n,
        }

    def text(self) -> str:
        """``0.812 [0.701, 0.905]`` or ``n/a (reason)``."""
        return report.format_ci(self.value, self.low, self.high, reason=self.reason)


def _scalar(values: np.ndarray) -> float | None:
    v = float(values[0])
    return None if np.isnan(v) else v


def cohen_kappa(a: Sequence[object], b: Sequence[object]) -> Estimate:
    """Cohen's (1960) kappa of two coders' labels for the same items (None = missing label)."""
    if len(a) != len(b):
        raise ToolkitError(f"cohen_kappa needs equal-length codings, got {len(a)} and {len(b)}")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not pairs:
        return Estimate(None, reason="no item coded by both", n=0)
    values = sorted({str(v) for p in pairs for v in p})
    index = {v: i for i, v in enumerate(values)}
    rows = np.zeros(len(values))
    cols = np.zeros(len(values))
    agree = 0
    for x, y in pairs:
        rows[index[str(x)]] += 1
        cols[index[str(y)]] += 1
        agree += str(x) == str(y)
    sums = np.concatenate([[len(pairs), agree], rows, cols])[None, :]
    value = _scalar(_kappa_from_sums(sums, len(values)))
    reason = None if value is not None else "one category only: expected agreement is 1"
    return Estimate(value, reason=reason, n=len(pairs))


def fleiss_kappa(counts: np.ndarray) -> Estimate:
    """Fleiss' (1971) kappa from a subjects x categories matrix of counts (equal raters per row)."""
    m = np.asarray(counts, dtype=float)
    if m.ndim != 2 or m.shape[0] == 0:
        return Estimate(None, reason="no subjects", n=0)
    raters = m.sum(axis=1)
    if not np.all(raters == raters[0]) or raters[0] < 2:
        raise ToolkitError("fleiss_kappa needs the same number (>= 2) of ratings in every row")
    k = int(raters[0])
    sum_p = ((m * m).sum(axis=1) - k).sum() / (k * (k - 1))
    sums = np.concatenate([[m.shape[0], sum_p], m.sum(axis=0)])[None, :]
    value = _scalar(_fleiss_from_sums(sums, k))
    reason = None if value is not None else "one category only: expected agreement is 1"
    return Estimate(value, reason=reason, n=m.shape[0])


def _sort_key(value: object) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _coincidence(unit_counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix from a units x values count matrix (units with < 2 values drop out)."""
    m = unit_counts.sum(axis=1)
    keep = m >= 2
    u = unit_counts[keep]
    w = 1.0 / (m[keep] - 1)
    o = (u * w[:, None]).T @ u
    o -= np.diag((u * w[:, None]).sum(axis=0))
    return np.asarray(o)


def krippendorff_alpha(
    data: Sequence[Sequence[object]],
    *,
    level: str = "nominal",
    order: Sequence[object] | None = None,
) -> Estimate:
    """Krippendorff's alpha of a coders x units table (None = missing), nominal/ordinal/interval.

    ``order`` lists the values from lowest to highest for ordinal data (default: sorted values);
    interval data must be numbers.
    """
    if level not in ("nominal", "ordinal", "interval"):
        raise ToolkitError(f"unknown level {level!r}; valid: nominal, ordinal, interval")
    present = [v for row in data for v in row if v is not None]
    values = list(order) if order is not None else sorted(set(present), key=_sort_key)
    unknown = set(present) - set(values)
    if unknown:
        raise ToolkitError(f"values {sorted(map(str, unknown))} are not in the given order")
    index = {v: i for i, v in enumerate(values)}
    n_units = max((len(row) for row in data), default=0)
    counts = np.zeros((n_units, max(len(values), 1)))
    for row in data:
        for u, v in enumerate(row):
            if v is not None:
                counts[u, index[v]] += 1
    pairable = counts.sum(axis=1) >= 2
    if not pairable.any():
        return Estimate(None, reason="no unit has two or more values", n=0)
    o = _coincidence(counts)
    numeric = np.array(values, dtype=float) if level == "interval" else None
    if level == "nominal":
        sums = np.concatenate([[o.sum(), np.trace(o)], o.sum(axis=1)])[None, :]
        value = _scalar(_alpha_nominal_from_sums(sums))
    else:
        value = _scalar(_alpha_matrix_from_sums(o.reshape(1, -1), len(values), level, numeric))
    reason = None if value is not None else "one value only: expected disagreement is 0"
    return Estimate(value, reason=reason, n=int(pairable.sum()))


# ---------------------------------------------------------------- unitizing alpha


@dataclass
class _UnitizingStats:
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


def _unitizing_stats(
    doc: np.ndarray,
    rater: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    lengths: np.ndarray,
    included: np.ndarray,
    n_raters: int,
) -> _UnitizingStats:
    """Statistics for one label: docs are rows of ``lengths``; only ``included`` docs count."""
    n_docs = len(lengths)
    keep = included[doc] & (end > start)
    stride = int(lengths.max(initial=0)) + 1
    d, r, s, e = _merge_units(doc[keep], rater[keep], start[keep], end[keep], stride, n_raters)
    length = (e - s).astype(np.float64)
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
    per_doc = np.column_stack([base, t_doc])
    return _UnitizingStats(
        matrix=matrix, kernel=kernel, n_raters=n_raters, n_lengths=u, per_doc=per_doc
    )


def _unitizing_parts(s: np.ndarray, st: _UnitizingStats) -> tuple[np.ndarray, np.ndarray]:
    """D_o and D_e (each B values) from column sums of one label's statistics."""
    h = s[:, 5 : 5 + st.n_lengths]
    gh = s[:, 5 + st.n_lengths :]
    t = (h * (gh @ st.kernel)).sum(axis=1)
    return _unitizing_from_parts(np.column_stack([s[:, :5], t]), st.n_raters)


def _unitizing_from_parts(parts: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
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
        st = _unitizing_stats(
            np.array([doc_index[x] for x in sub["doc_id"]], dtype=np.int64),
            np.array([rater_index[x] for x in sub["annotator_id"]], dtype=np.int64),
            sub["start"].to_numpy().astype(np.int64),
            sub["end"].to_numpy().astype(np.int64),
            lengths,
            included,
            len(raters),
        )
        d_o, d_e = _unitizing_parts(np.asarray(st.matrix.sum(axis=0)), st)
        parts[label] = (_scalar(d_o), _scalar(d_e))
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


def _ualpha_values(d_o: np.ndarray, d_e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d_e > 0, 1 - d_o / d_e, np.nan)


def _ualpha_estimate(d_o: np.ndarray, d_e: np.ndarray) -> Estimate:
    value = _scalar(_ualpha_values(d_o, d_e))
    return Estimate(value, reason=None if value is not None else "no spans of this label")


# ---------------------------------------------------------------- bootstrap engine


@dataclass
class _Stat:
    """Per-document statistics (D x k) and the figures (m of them) computed from their sums."""

    matrix: sparse.csr_matrix | np.ndarray
    fn: Callable[[np.ndarray], np.ndarray]  # (B x k) -> (B x m), NaN where undefined
    point: np.ndarray = field(default_factory=lambda: np.zeros(0))
    low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    high: np.ndarray = field(default_factory=lambda: np.zeros(0))


class _Engine:
    """Collects statistics, computes point estimates and bootstrap intervals over documents."""

    def __init__(self, n_docs: int) -> None:
        self.n_docs = n_docs
        self.stats: list[_Stat] = []

    def add(
        self, matrix: sparse.spmatrix | np.ndarray, fn: Callable[[np.ndarray], np.ndarray]
    ) -> _Stat:
        m: sparse.csr_matrix | np.ndarray
        if isinstance(matrix, np.ndarray):
            m = np.asarray(matrix, dtype=np.float64)
        else:
            m = sparse.csr_matrix(matrix, dtype=np.float64)
        if m.shape[0] != self.n_docs:
            raise ValueError(f"statistics have {m.shape[0]} rows for {self.n_docs} documents")
        stat = _Stat(matrix=m, fn=fn)
        stat.point = np.atleast_2d(fn(np.asarray(m.sum(axis=0)).reshape(1, -1)))[0]
        stat.low = np.full(stat.point.shape, np.nan)
        stat.high = np.full(stat.point.shape, np.nan)
        self.stats.append(stat)
        return stat

    def run(self, n_resamples: int, seed: int, chunk: int = 250) -> None:
        """Resample documents ``n_resamples`` times; set each figure's 95% percentile interval."""
        if n_resamples <= 0 or self.n_docs == 0 or not self.stats:
            return
        dense = [s for s in self.stats if isinstance(s.matrix, np.ndarray)]
        sparse_ = [s for s in self.stats if not isinstance(s.matrix, np.ndarray)]
        dense_m = np.hstack([s.matrix for s in dense]) if dense else None
        sparse_t = (
            sparse.hstack([s.matrix for s in sparse_], format="csr").T.tocsr() if sparse_ else None
        )
        where: dict[int, tuple[bool, int, int]] = {}
        for group, is_dense in ((dense, True), (sparse_, False)):
            offset = 0
            for s in group:
                where[id(s)] = (is_dense, offset, offset + s.matrix.shape[1])
                offset += s.matrix.shape[1]
        rng = np.random.default_rng(seed)
        probs = np.full(self.n_docs, 1.0 / self.n_docs)
        collected: list[list[np.ndarray]] = [[] for _ in self.stats]
        done = 0
        while done < n_resamples:
            b = min(chunk, n_resamples - done)
            weights = rng.multinomial(self.n_docs, probs, size=b).astype(np.float64)
            sums_dense = weights @ dense_m if dense_m is not None else None
            sums_sparse = np.asarray(sparse_t @ weights.T).T if sparse_t is not None else None
            for i, stat in enumerate(self.stats):
                is_dense, lo, hi = where[id(stat)]
                block = sums_dense if is_dense else sums_sparse
                assert block is not None
                values = np.atleast_2d(stat.fn(block[:, lo:hi]))
                collected[i].append(values.reshape(b, -1))
            done += b
        for stat, parts in zip(self.stats, collected, strict=True):
            values = np.vstack(parts)
            for j in range(values.shape[1]):
                col = values[:, j]
                col = col[np.isfinite(col)]
                if len(col):
                    stat.low[j], stat.high[j] = np.percentile(col, [2.5, 97.5])


def _estimate(stat: _Stat, j: int, reason: str, n: int | None = None) -> Estimate:
    value = float(stat.point[j])
    if not np.isfinite(value):
        return Estimate(None, reason=reason, n=n)
    low, high = float(stat.low[j]), float(stat.high[j])
    return Estimate(
        value,
        None if np.isnan(low) else low,
        None if np.isnan(high) else high,
        n=n,
    )


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    finite = np.isfinite(values)
    count = finite.sum(axis=axis)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _doc_matrix(
    doc: np.ndarray, col: np.ndarray, weight: np.ndarray, n_docs: int, n_cols: int
) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (np.asarray(weight, dtype=np.float64), (np.asarray(doc), np.asarray(col))),
        shape=(n_docs, n_cols),
    )


def _prf_matrix(
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


# ---------------------------------------------------------------- the whole study


@dataclass
class AgreementResult:
    """Report data (JSON-ready) plus the tables behind the disagreement list and review tasks."""

    data: dict[str, Any]
    disputes: pl.DataFrame
    context: _Context


@dataclass
class _Context:
    spans: pl.DataFrame
    documents: pl.DataFrame
    completed: dict[str, set[str]]
    annotators: list[str]
    label_conflicts: pl.DataFrame
    holders: pl.DataFrame


def _normalize_name(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def _attr_expr(spans: pl.DataFrame, name: str) -> pl.Expr:
    dtype = spans.schema.get("attributes")
    fields = dtype.fields if isinstance(dtype, pl.Struct) else []
    if any(f.name == name for f in fields):
        return pl.col("attributes").struct.field(name)
    return pl.lit(None, dtype=pl.String)


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
    engine = _Engine(n_docs)
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
                _prf_matrix(tp_doc, tp_lab, c_doc, c_lab, r_doc, r_lab, n_docs, n_labels)
            )

    n_pairs = len(pairs)

    def f1_fn(s: np.ndarray) -> np.ndarray:
        blocks = s.reshape(s.shape[0], max(n_pairs, 1), n_labels + 1, 3)
        per_pair = f1_from_counts(blocks[..., 0], blocks[..., 1], blocks[..., 2])  # B x P x labels
        return np.concatenate(
            [_nanmean(per_pair, axis=1), per_pair.reshape(s.shape[0], -1)], axis=1
        )

    f1_stats: dict[str, _Stat] = {}
    for mode in MODES:
        mats = f1_mats[mode] or [np.zeros((n_docs, n_cols))]
        f1_stats[mode] = engine.add(np.hstack(mats), f1_fn)

    # ---- unitizing alpha on documents every annotator completed
    all_docs = [d for d in in_scope if all(d in completed[a] for a in chosen)]
    included = np.zeros(n_docs, dtype=bool)
    included[[doc_index[d] for d in all_docs]] = True
    lengths = np.array([doc_len.get(d, 0) for d in in_scope], dtype=np.int64)
    u_stats: list[_UnitizingStats] = []
    if n_raters >= 2 and n_docs:
        for li in range(n_labels):
            sub = core.filter(pl.col("label_idx") == li)
            u_stats.append(
                _unitizing_stats(
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
            d_o[:, i], d_e[:, i] = _unitizing_parts(s[:, u_widths[i] : u_widths[i + 1]], st)
        defined = np.isfinite(d_o) & np.isfinite(d_e)
        total_o = np.where(defined, d_o, 0).sum(axis=1)
        total_e = np.where(defined, d_e, 0).sum(axis=1)
        overall = _ualpha_values(total_o, np.where(defined.any(axis=1), total_e, np.nan))
        return np.column_stack([_ualpha_values(d_o, d_e), overall])

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
    holders = _holders(spans)
    spans = spans.drop("relations", "codebook_version", strict=False)

    # ---- attributes
    scope_reason = no_pairs_reason if n_pairs == 0 or n_docs == 0 else None
    attribute_results: dict[str, _Pending] = {}
    for label, name in ATTRIBUTES:
        key = f"{label}.{name}"
        attribute_results[key] = _attribute_agreement(
            engine, spans, pair_matches, tax, label, name, n_docs, n_raters, notes, scope_reason
        )

    # ---- holder relation
    holder_result = _holder_agreement(
        engine, spans, holders, pair_matches, n_docs, pairs, scope_reason
    )

    # ---- disagreements
    disputes, label_conflicts = _disputes(spans, holders, done.sum(axis=1))

    engine.run(n_bootstrap, seed)
    context = _Context(
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
            entry[f"f1_{mode}"] = _estimate(stat, li, reason).to_json()
            entry[f"f1_{mode}"]["pairs"] = {
                f"{a}|{b}": _json_float(stat.point[(n_labels + 1) + p * (n_labels + 1) + li])
                for p, (a, b) in enumerate(pairs)
            }
        u_reason = (
            no_pairs_reason
            if n_raters < 2 or n_docs == 0
            else "no document completed by every annotator"
            if not all_docs
            else "no spans of this label on documents every annotator completed"
        )
        entry["u_alpha"] = _estimate(u_stat, li, u_reason, n=len(all_docs)).to_json()
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

    per_document = _per_document(
        f1_stats, u_stats, in_scope, completed, chosen, spans, disputes, n_pairs, n_labels, included
    )
    per_annotator = _per_annotator(chosen, done, spans, pair_rows, disputes)
    kind_counts = {k: int(disputes.filter(pl.col("kind") == k).height) for k in KINDS}
    listed = disputes.head(max_listed) if max_listed >= 0 else disputes
    items = _dispute_records(context, listed)
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


def _json_float(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


@dataclass
class _Pending:
    """Figures whose intervals are known only after the bootstrap run."""

    meta: dict[str, Any]
    parts: list[tuple[str, _Stat | None, int, str, int | None]]  # key, stat, column, reason, n
    extra: Callable[[], dict[str, Any]] = lambda: {}

    def to_json(self) -> dict[str, Any]:
        out = dict(self.meta)
        for key, stat, col, reason, n in self.parts:
            out[key] = (
                Estimate(None, reason=reason, n=n).to_json()
                if stat is None
                else _estimate(stat, col, reason, n).to_json()
            )
        out.update(self.extra())
        return out


def _pair_keys(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{a}|{b}" for a, b in pairs]


def _group_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys, the index of each key's first row, and how many rows share it."""
    uniq, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return uniq, first, counts


def _attribute_agreement(
    engine: _Engine,
    spans: pl.DataFrame,
    pair_matches: Mapping[tuple[str, str], Mapping[str, pl.DataFrame]],
    tax: Taxonomy,
    label: str,
    name: str,
    n_docs: int,
    n_raters: int,
    notes: list[str],
    scope_reason: str | None,
) -> _Pending:
    lab = tax.labels.get(label)
    attr = next((a for a in lab.attributes if a.name == name), None) if lab else None
    ordinal = bool(attr is not None and attr.ordinal)
    level = "ordinal" if ordinal else "nominal"
    vals = (
        spans.select(
            "node", "cluster", "doc_idx", "ann_idx", "label", _attr_expr(spans, name).alias("value")
        )
        .filter(pl.col("label") == label)
        .drop("label")
    )
    if ordinal and attr is not None:
        values = list(attr.values)
        unknown = vals.filter(pl.col("value").is_not_null() & ~pl.col("value").is_in(values)).height
        if unknown:
            notes.append(f"{label}.{name}: {unknown} value(s) outside {values} left out.")
        vals = vals.filter(pl.col("value").is_in(values))
    else:
        vals = vals.with_columns(pl.col("value").fill_null(NONE_VALUE))
        values = sorted(vals["value"].unique().to_list())
    code_map = {v: i for i, v in enumerate(values)}
    vals = vals.with_columns(
        pl.col("value").replace_strict(code_map, return_dtype=pl.Int64, default=0).alias("code")
    )
    n_values = max(len(values), 1)
    n_nodes = spans.height
    code_of = np.full(n_nodes, -1, dtype=np.int64)
    code_of[vals["node"].to_numpy()] = vals["code"].to_numpy()
    doc_of = spans["doc_idx"].to_numpy()
    pairs = list(pair_matches)
    keys = _pair_keys(pairs)
    meta: dict[str, Any] = {"label": label, "attribute": name, "level": level, "values": values}
    none_reason = scope_reason or (
        "no spans of this label with a value" if vals.height == 0 else None
    )

    # Cohen's kappa per pair on matched spans
    block = 2 + 2 * n_values
    mats = []
    confusion: dict[str, list[list[Any]]] = {}
    matched: dict[str, int] = {}
    for (a, b), key in zip(pairs, keys, strict=True):
        pm = pair_matches[(a, b)]["overlap"]
        na, nb = pm["node_a"].to_numpy(), pm["node_b"].to_numpy()
        ca, cb = code_of[na], code_of[nb]
        ok = (ca >= 0) & (cb >= 0)
        ca, cb, doc = ca[ok], cb[ok], doc_of[na[ok]]
        ones = np.ones(len(doc))
        mats.append(
            _doc_matrix(
                np.concatenate([doc, doc, doc, doc]),
                np.concatenate(
                    [
                        np.zeros(len(doc), np.int64),
                        np.ones(len(doc), np.int64),
                        2 + ca,
                        2 + n_values + cb,
                    ]
                ),
                np.concatenate([ones, (ca == cb).astype(float), ones, ones]),
                n_docs,
                block,
            )
        )
        matched[key] = len(doc)
        cells, counts = np.unique(ca * n_values + cb, return_counts=True)
        confusion[key] = [
            [values[int(c) // n_values], values[int(c) % n_values], int(n)]
            for c, n in zip(cells, counts, strict=True)
        ]
    n_pairs = len(pairs)

    def kappa_fn(s: np.ndarray) -> np.ndarray:
        per_pair = _kappa_from_sums(s.reshape(-1, block), n_values).reshape(
            s.shape[0], max(n_pairs, 1)
        )
        return np.concatenate([_nanmean(per_pair, axis=1)[:, None], per_pair], axis=1)

    cohen = engine.add(
        sparse.hstack(mats, format="csr") if mats else sparse.csr_matrix((n_docs, block)), kappa_fn
    )

    # Clusters: one value per annotator (two spans of one annotator in a cluster = missing)
    cl = vals["cluster"].to_numpy()
    ann = vals["ann_idx"].to_numpy()
    code = vals["code"].to_numpy()
    vdoc = vals["doc_idx"].to_numpy()
    _, first, counts = _group_counts(cl * max(n_raters, 1) + ann)
    ambiguous = int((counts > 1).sum())
    single = first[counts == 1]
    cl, code, vdoc = cl[single], code[single], vdoc[single]
    _, inverse, m_per = np.unique(cl, return_inverse=True, return_counts=True)
    m = m_per[inverse]
    pairable = m >= 2
    cl, code, vdoc, m = cl[pairable], code[pairable], vdoc[pairable], m[pairable]
    n_units = len(np.unique(cl))
    uc_keys, uc_first, n = _group_counts(cl * n_values + code)
    uc_cluster, uc_code = uc_keys // n_values, uc_keys % n_values
    uc_doc, uc_m = vdoc[uc_first], m[uc_first].astype(np.float64)
    n = n.astype(np.float64)
    if ordinal:
        # per unit value counts (few values), then o_ck = n_c * (n_k - [c == k]) / (m - 1)
        u_ids, u_inv = np.unique(uc_cluster, return_inverse=True)
        dense = np.zeros((len(u_ids), n_values))
        dense[u_inv, uc_code] = n
        u_m = dense.sum(axis=1)
        u_doc = np.zeros(len(u_ids), dtype=np.int64)
        u_doc[u_inv] = uc_doc
        outer = dense[:, :, None] * dense[:, None, :]
        outer[:, np.arange(n_values), np.arange(n_values)] -= dense
        outer /= np.maximum(u_m - 1, 1)[:, None, None]
        flat = outer.reshape(len(u_ids), n_values * n_values)
        alpha_mat = np.zeros((n_docs, n_values * n_values))
        np.add.at(alpha_mat, u_doc, flat)

        def alpha_fn(s: np.ndarray) -> np.ndarray:
            return _alpha_matrix_from_sums(s, n_values, "ordinal", None)[:, None]

        alpha = engine.add(alpha_mat, alpha_fn)
    else:
        alpha_sparse = _doc_matrix(
            np.concatenate([uc_doc, uc_doc, uc_doc]),
            np.concatenate(
                [np.zeros(len(uc_doc), np.int64), np.ones(len(uc_doc), np.int64), 2 + uc_code]
            ),
            np.concatenate([n, n * (n - 1) / np.maximum(uc_m - 1, 1), n]),
            n_docs,
            2 + n_values,
        )

        def alpha_fn(s: np.ndarray) -> np.ndarray:
            return _alpha_nominal_from_sums(s)[:, None]

        alpha = engine.add(alpha_sparse, alpha_fn)

    # Fleiss' kappa on clusters every annotator marked (a constant number of raters per subject)
    full = uc_m == n_raters
    fleiss: _Stat | None = None
    f_units, f_inv = np.unique(uc_cluster[full], return_inverse=True)
    n_full = len(f_units)
    if n_raters >= 2:
        sq = np.bincount(f_inv, weights=n[full] ** 2, minlength=n_full)
        f_doc = np.zeros(n_full, dtype=np.int64)
        f_doc[f_inv] = uc_doc[full]
        p_i = (sq - n_raters) / (n_raters * (n_raters - 1))
        fleiss_mat = _doc_matrix(
            np.concatenate([f_doc, f_doc, uc_doc[full]]),
            np.concatenate(
                [np.zeros(n_full, np.int64), np.ones(n_full, np.int64), 2 + uc_code[full]]
            ),
            np.concatenate([np.ones(n_full), p_i, n[full]]),
            n_docs,
            2 + n_values,
        )
        fleiss = engine.add(fleiss_mat, lambda s: _fleiss_from_sums(s, n_raters)[:, None])

    pair_reason = (
        none_reason
        or ("needs two or more annotators" if n_pairs == 0 else None)
        or ("no matched spans of this label" if sum(matched.values()) == 0 else None)
        or "one category only across matched spans: expected agreement is 1"
    )
    fleiss_reason = (
        none_reason
        or ("needs two or more annotators" if n_raters < 2 else None)
        or (f"no span cluster marked by all {n_raters} annotators" if n_full == 0 else None)
        or "one category only: expected agreement is 1"
    )
    alpha_reason = (
        none_reason
        or ("no span cluster with two or more values" if n_units == 0 else None)
        or "one value only: expected disagreement is 0"
    )
    meta["ambiguous_clusters"] = ambiguous
    meta["matched_pairs"] = matched
    meta["confusion"] = confusion

    def extra() -> dict[str, Any]:
        per_pair = {key: _json_float(cohen.point[1 + p]) for p, key in enumerate(keys)}
        return {"cohen_kappa_pairs": per_pair}

    return _Pending(
        meta=meta,
        parts=[
            ("cohen_kappa", cohen, 0, pair_reason, sum(matched.values())),
            ("fleiss_kappa", fleiss, 0, fleiss_reason, n_full),
            ("krippendorff_alpha", alpha, 0, alpha_reason, n_units),
        ],
        extra=extra,
    )


def _holders(spans: pl.DataFrame) -> pl.DataFrame:
    """node -> has_holder, holder_node, holder_name for every STANCE span."""
    stance = spans.select("node", "doc_id", "annotator_id", "label", "relations").filter(
        pl.col("label") == "STANCE"
    )
    empty = pl.DataFrame(
        schema={
            "node": pl.UInt32,
            "has_holder": pl.Boolean,
            "holder_node": pl.UInt32,
            "holder_name": pl.String,
        }
    )
    if stance.height == 0 or "relations" not in spans.columns:
        return empty.with_columns(
            pl.col("node").cast(spans.schema["node"]),
            pl.col("holder_node").cast(spans.schema["node"]),
        )
    links = (
        stance.explode("relations")
        .filter(pl.col("relations").is_not_null())
        .with_columns(
            pl.col("relations").struct.field("type").alias("rtype"),
            pl.col("relations").struct.field("to_span_id").alias("to_id"),
        )
        .filter(pl.col("rtype") == HOLDER)
    )
    targets = spans.select(
        "doc_id",
        "annotator_id",
        pl.col("span_id").alias("to_id"),
        pl.col("node").alias("holder_node"),
        _normalize_name(_attr_expr(spans, "canonical_name")).alias("holder_name"),
    )
    first = (
        links.join(targets, on=["doc_id", "annotator_id", "to_id"], how="left")
        .sort("node", "to_id")
        .group_by("node", maintain_order=True)
        .agg(pl.col("holder_node").first(), pl.col("holder_name").first())
    )
    return (
        stance.select("node")
        .join(first, on="node", how="left")
        .with_columns(pl.col("node").is_in(links["node"].implode()).alias("has_holder"))
        .select("node", "has_holder", "holder_node", "holder_name")
    )


def _holder_agreement(
    engine: _Engine,
    spans: pl.DataFrame,
    holders: pl.DataFrame,
    pair_matches: Mapping[tuple[str, str], Mapping[str, pl.DataFrame]],
    n_docs: int,
    pairs: Sequence[tuple[str, str]],
    scope_reason: str | None,
) -> _Pending:
    stance_nodes = (
        spans.select("node", "doc_idx", "label").filter(pl.col("label") == "STANCE").drop("label")
    )
    mats = []
    totals: dict[str, int] = {}
    keys = _pair_keys(pairs)
    for (a, b), key in zip(pairs, keys, strict=True):
        pm = pair_matches[(a, b)]["overlap"]
        m = (
            pm.join(stance_nodes.rename({"node": "node_a"}), on="node_a")
            .join(
                holders.rename({c: f"{c}_a" for c in holders.columns}),
                left_on="node_a",
                right_on="node_a",
            )
            .join(
                holders.rename({c: f"{c}_b" for c in holders.columns}),
                left_on="node_b",
                right_on="node_b",
            )
        )
        linked = pm.select(
            pl.col("node_a").alias("holder_node_a"), pl.col("node_b").alias("holder_node_b")
        ).with_columns(pl.lit(True).alias("linked"))
        m = m.join(linked, on=["holder_node_a", "holder_node_b"], how="left")
        agree = (~pl.col("has_holder_a") & ~pl.col("has_holder_b")) | (
            pl.col("has_holder_a")
            & pl.col("has_holder_b")
            & (
                pl.col("linked").fill_null(False)
                | (
                    pl.col("holder_name_a").is_not_null()
                    & (pl.col("holder_name_a") == pl.col("holder_name_b"))
                ).fill_null(False)
            )
        )
        m = m.with_columns(agree.fill_null(False).alias("agree"))
        doc = m["doc_idx"].to_numpy()
        mats.append(
            _doc_matrix(
                np.concatenate([doc, doc]),
                np.concatenate([np.zeros(len(doc), np.int64), np.ones(len(doc), np.int64)]),
                np.concatenate([np.ones(len(doc)), m["agree"].to_numpy().astype(float)]),
                n_docs,
                2,
            )
        )
        totals[key] = len(doc)
    n_pairs = len(pairs)

    def fn(s: np.ndarray) -> np.ndarray:
        blocks = s.reshape(s.shape[0], max(n_pairs, 1), 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_pair = np.where(blocks[..., 0] > 0, blocks[..., 1] / blocks[..., 0], np.nan)
        return np.concatenate([_nanmean(per_pair, axis=1)[:, None], per_pair], axis=1)

    stat = engine.add(
        sparse.hstack(mats, format="csr") if mats else sparse.csr_matrix((n_docs, 2)), fn
    )
    reason = scope_reason or "no matched STANCE spans"

    def extra() -> dict[str, Any]:
        return {"pairs": {key: _json_float(stat.point[1 + p]) for p, key in enumerate(keys)}}

    return _Pending(
        meta={
            "measure": "proportion of matched STANCE spans whose holders agree",
            "matched_pairs": totals,
        },
        parts=[("agreement", stat, 0, reason, sum(totals.values()))],
        extra=extra,
    )


# ---------------------------------------------------------------- disagreements


def _disputes(
    spans: pl.DataFrame, holders: pl.DataFrame, n_expected: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every span cluster that is not identical across the annotators who completed its document."""
    sp = spans.join(holders.select("node", "holder_name"), on="node", how="left")
    names = sorted({n for _, n in ATTRIBUTES})
    # Hashes compare faster than strings; a collision (p ~ 2**-64) could only hide a difference.
    values = [_attr_expr(spans, n).fill_null(NONE_VALUE).hash(seed=0) for n in names]
    values.append(pl.col("holder_name").fill_null(NONE_VALUE).hash(seed=0))
    agg = sp.group_by("cluster").agg(
        pl.col("doc_id").first(),
        pl.col("doc_idx").first(),
        pl.col("label").first(),
        pl.col("label_idx").first(),
        pl.col("start").min(),
        pl.col("end").max(),
        pl.col("ann_idx").n_unique().alias("n_annotators"),
        (
            (pl.col("start").min() != pl.col("start").max())
            | (pl.col("end").min() != pl.col("end").max())
        ).alias("bounds_diff"),
        pl.any_horizontal([v.min() != v.max() for v in values]).alias("attr_diff"),
    )
    agg = agg.with_columns(
        pl.Series(
            "expected", n_expected[agg["doc_idx"].to_numpy().astype(np.int64)], dtype=pl.Int64
        )
    )
    missing = agg.filter(pl.col("n_annotators") < pl.col("expected")).select(
        "cluster",
        "doc_idx",
        "label_idx",
        pl.col("start").alias("c_start"),
        pl.col("end").alias("c_end"),
    )
    # A label conflict pairs two incomplete clusters: a span nobody else marked with its label.
    other = spans.filter(pl.col("cluster").is_in(missing["cluster"].implode())).select(
        pl.col("node").alias("o_node"),
        "doc_idx",
        pl.col("ann_idx").alias("o_ann"),
        pl.col("label_idx").alias("o_label"),
        pl.col("start").alias("o_start"),
        pl.col("end").alias("o_end"),
    )
    members = spans.select("cluster", pl.col("ann_idx").alias("o_ann")).unique()
    conflicts = (
        missing.join(other, on="doc_idx")
        .filter(
            (pl.col("o_label") != pl.col("label_idx"))
            & (pl.col("o_start") < pl.col("c_end"))
            & (pl.col("o_end") > pl.col("c_start"))
        )
        .join(members, on=["cluster", "o_ann"], how="anti")
        .select("cluster", "o_node", "o_ann")
    )
    order = {k: i for i, k in enumerate(KINDS)}
    kind = (
        pl.when(pl.col("cluster").is_in(conflicts["cluster"].implode()))
        .then(pl.lit("label"))
        .when(pl.col("n_annotators") < pl.col("expected"))
        .then(pl.lit("missed span"))
        .when(pl.col("bounds_diff"))
        .then(pl.lit("boundary"))
        .when(pl.col("attr_diff"))
        .then(pl.lit("attribute"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    disputes = (
        agg.with_columns(kind.alias("kind"))
        .filter(pl.col("kind").is_not_null())
        .with_columns(
            pl.col("kind").replace_strict(order, return_dtype=pl.Int64).alias("kind_order")
        )
        .sort("kind_order", "doc_id", "start", "end", "label", "cluster")
        .select(
            "kind",
            "doc_id",
            "doc_idx",
            "label",
            "start",
            "end",
            "cluster",
            "n_annotators",
            "expected",
        )
    )
    return disputes, conflicts


def _context_span(
    text: str, sentences: Sequence[Mapping[str, int]] | None, start: int, end: int
) -> tuple[int, int]:
    """The sentence(s) around [start, end), else the paragraph (at most ~500 code points)."""
    if sentences:
        lo = next((int(s["start"]) for s in sentences if int(s["end"]) > start), 0)
        hi = next((int(s["end"]) for s in reversed(sentences) if int(s["start"]) < end), len(text))
        if lo <= start and hi >= end:
            return lo, hi
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    return max(lo, start - 250), min(hi, end + 250)


def _span_json(row: Mapping[str, Any], holder: str | None) -> dict[str, Any]:
    attrs = {k: v for k, v in sorted((row.get("attributes") or {}).items()) if v is not None}
    out: dict[str, Any] = {
        "span_id": row["span_id"],
        "label": row["label"],
        "start": int(row["start"]),
        "end": int(row["end"]),
        "text": row["text"],
        "attributes": attrs,
    }
    if row["label"] == "STANCE":
        out["holder"] = holder
    return out


def _dispute_records(ctx: _Context, listed: pl.DataFrame) -> list[dict[str, Any]]:
    """Disagreement entries with every annotator's version and the sentence around them."""
    if listed.height == 0:
        return []
    clusters = listed["cluster"].implode()
    members = ctx.spans.filter(pl.col("cluster").is_in(clusters))
    conflicts = ctx.label_conflicts.filter(pl.col("cluster").is_in(clusters))
    others = ctx.spans.filter(pl.col("node").is_in(conflicts["o_node"].implode())).join(
        conflicts.select(pl.col("o_node").alias("node"), pl.col("cluster").alias("for_cluster")),
        on="node",
    )
    holder_names = dict(ctx.holders.select("node", "holder_name").iter_rows())
    by_cluster: dict[int, list[dict[str, Any]]] = {}
    for row in members.sort("start", "end", "annotator_id").iter_rows(named=True):
        by_cluster.setdefault(row["cluster"], []).append(row)
    other_by: dict[int, list[dict[str, Any]]] = {}
    for row in others.sort("start", "end", "annotator_id").iter_rows(named=True):
        other_by.setdefault(row["for_cluster"], []).append(row)
    doc_ids = listed["doc_id"].unique().implode()
    docs = ctx.documents.filter(pl.col("doc_id").is_in(doc_ids))
    texts = {d: (t, s) for d, t, s in docs.select("doc_id", "text", "sentences").iter_rows()}
    items = []
    for row in listed.iter_rows(named=True):
        text, sentences = texts.get(row["doc_id"], ("", None))
        lo, hi = _context_span(text or "", sentences, row["start"], row["end"])
        versions: dict[str, Any] = {}
        for ann in ctx.annotators:
            if row["doc_id"] not in ctx.completed[ann]:
                versions[ann] = {"status": "not annotated"}
                continue
            own = [
                _span_json(r, holder_names.get(r["node"]))
                for r in by_cluster.get(row["cluster"], [])
                if r["annotator_id"] == ann
            ]
            other = [
                _span_json(r, holder_names.get(r["node"]))
                for r in other_by.get(row["cluster"], [])
                if r["annotator_id"] == ann
            ]
            versions[ann] = {"status": "completed", "spans": own, "other_label_spans": other}
        items.append(
            {
                "kind": row["kind"],
                "doc_id": row["doc_id"],
                "label": row["label"],
                "start": row["start"],
                "end": row["end"],
                "context": {"start": lo, "end": hi, "text": (text or "")[lo:hi]},
                "versions": versions,
            }
        )
    return items


def version_text(version: Mapping[str, Any]) -> str:
    """One annotator's version of a disputed span, for tables."""
    if version.get("status") == "not annotated":
        return "(document not annotated)"
    parts = []
    for key, prefix in (("spans", ""), ("other_label_spans", "as ")):
        for s in version.get(key, []):
            attrs = ", ".join(f"{k}={v}" for k, v in s["attributes"].items())
            holder = f", holder={s['holder']}" if s.get("holder") else ""
            parts.append(
                f"{prefix}{s['label']} [{s['start']},{s['end']}) “{s['text']}” "
                f"{attrs}{holder}".rstrip()
            )
    return "; ".join(parts) if parts else "— (no span)"


def review_tasks(result: AgreementResult, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Label Studio tasks for a review round: one per disputed span, a prediction per annotator."""
    disputes = result.disputes if limit is None else result.disputes.head(limit)
    tax = read_taxonomy()
    tasks = []
    for item in _dispute_records(result.context, disputes):
        lo = item["context"]["start"]
        predictions = []
        for ann, version in item["versions"].items():
            if version["status"] != "completed":
                continue
            shown = [
                s
                for s in [*version["spans"], *version["other_label_spans"]]
                if s["start"] >= lo and s["end"] <= item["context"]["end"]
            ]
            regions = _regions(shown, lo, tax)
            predictions.append({"model_version": ann, "result": regions})
        disagreement = {k: item[k] for k in ("kind", "label", "start", "end")}
        disagreement["context_start"] = lo
        disagreement["versions"] = {a: version_text(v) for a, v in item["versions"].items()}
        tasks.append(
            {
                "data": {
                    "text": item["context"]["text"],
                    "doc_id": item["doc_id"],
                    "disagreement": disagreement,
                },
                "predictions": predictions,
            }
        )
    return tasks


def _regions(
    spans: Sequence[Mapping[str, Any]], offset: int, tax: Taxonomy
) -> list[dict[str, Any]]:
    """Label Studio result items (label, per-region attributes), offsets into the context."""
    from toolkit.labelstudio import annotation_to_result

    shifted = [
        Span(
            id=s["span_id"],
            start=s["start"] - offset,
            end=s["end"] - offset,
            text=s["text"],
            label=s["label"],
            attributes=dict(s["attributes"]),
        )
        for s in spans
    ]
    layer = AnnotationFile(
        doc_id="", text_sha256="", annotator_id="", codebook_version="", spans=shifted
    )
    try:
        return annotation_to_result(layer, tax)
    except ToolkitError:
        # A label outside the taxonomy: keep the regions, leave out attribute controls.
        return [
            {
                "id": s.id,
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": s.start, "end": s.end, "text": s.text, "labels": [s.label]},
            }
            for s in shifted
        ]


def write_review_tasks(path: str | Path, tasks: Sequence[Mapping[str, Any]]) -> Path:
    """Write review tasks as one Label Studio import JSON file (atomically)."""
    p = Path(path)
    try:
        write_text_atomic(
            p, json.dumps(list(tasks), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
    except OSError as exc:
        raise ToolkitError(f"cannot write review tasks: {exc.strerror}", path=p) from exc
    return p


# ---------------------------------------------------------------- breakdowns


def _per_document(
    f1_stats: Mapping[str, _Stat],
    u_stats: Sequence[_UnitizingStats],
    in_scope: Sequence[str],
    completed: Mapping[str, set[str]],
    chosen: Sequence[str],
    spans: pl.DataFrame,
    disputes: pl.DataFrame,
    n_pairs: int,
    n_labels: int,
    included: np.ndarray,
) -> list[dict[str, Any]]:
    n_docs = len(in_scope)
    f1_doc: dict[str, np.ndarray] = {}
    for mode, stat in f1_stats.items():
        if n_pairs == 0:
            f1_doc[mode] = np.full(n_docs, np.nan)
            continue
        cols = [p * (n_labels + 1) * 3 + n_labels * 3 + k for p in range(n_pairs) for k in range(3)]
        m = np.asarray(stat.matrix)[:, cols].reshape(n_docs, n_pairs, 3)
        f1_doc[mode] = _nanmean(f1_from_counts(m[..., 0], m[..., 1], m[..., 2]), axis=1)
    d_o = np.zeros(n_docs)
    d_e = np.zeros(n_docs)
    defined_any = np.zeros(n_docs, dtype=bool)
    for st in u_stats:
        o, e = _unitizing_from_parts(st.per_doc, st.n_raters)
        ok = np.isfinite(o) & np.isfinite(e)
        d_o += np.where(ok, o, 0)
        d_e += np.where(ok, e, 0)
        defined_any |= ok
    u_doc = np.where(
        defined_any & included, _ualpha_values(d_o, np.where(defined_any, d_e, np.nan)), np.nan
    )
    n_spans = dict(spans.group_by("doc_id").len().iter_rows())
    n_disputes = dict(disputes.group_by("doc_id").len().iter_rows())
    out = []
    for i, doc_id in enumerate(in_scope):
        out.append(
            {
                "doc_id": doc_id,
                "annotators": [a for a in chosen if doc_id in completed[a]],
                "n_spans": int(n_spans.get(doc_id, 0)),
                "f1_exact": _json_float(f1_doc["exact"][i]),
                "f1_overlap": _json_float(f1_doc["overlap"][i]),
                "u_alpha": _json_float(u_doc[i]),
                "disagreements": int(n_disputes.get(doc_id, 0)),
            }
        )
    return out


def _per_annotator(
    chosen: Sequence[str],
    done: np.ndarray,
    spans: pl.DataFrame,
    pair_rows: Sequence[Mapping[str, Any]],
    disputes: pl.DataFrame,
) -> list[dict[str, Any]]:
    clusters = spans["cluster"].to_numpy()
    n_clusters = int(clusters.max()) + 1 if len(clusters) else 1
    has = np.zeros((n_clusters, max(len(chosen), 1)), dtype=bool)
    has[spans["cluster"].to_numpy(), spans["ann_idx"].to_numpy()] = True
    n_spans = np.bincount(spans["ann_idx"].to_numpy(), minlength=len(chosen))
    cl = disputes["cluster"].to_numpy()
    doc = disputes["doc_idx"].to_numpy()
    missed_kind = disputes["kind"].is_in(["missed span", "label"]).to_numpy()
    alone = disputes["n_annotators"].to_numpy() == 1
    out = []
    for i, a in enumerate(chosen):
        mine = [r for r in pair_rows if a in r["annotators"]]
        row: dict[str, Any] = {
            "annotator": a,
            "documents": int(done[:, i].sum()) if done.size else 0,
            "n_spans": int(n_spans[i]),
        }
        for mode in MODES:
            vals = [r[mode]["f1"] for r in mine if r[mode]["f1"] is not None]
            row[f"f1_{mode}_mean"] = sum(vals) / len(vals) if vals else None
        row["missed"] = int((missed_kind & done[doc, i] & ~has[cl, i]).sum()) if len(cl) else 0
        row["only_one"] = int((alone & has[cl, i]).sum()) if len(cl) else 0
        out.append(row)
    return out


# ---------------------------------------------------------------- reports


def _bar(label: str, e: Mapping[str, Any]) -> tuple[str, float | None, float | None, float | None]:
    return (label, e.get("value"), e.get("ci_low"), e.get("ci_high"))


_HEATMAP_VALUES = 12
_TABLE_ROWS = 200


def _confusion_matrix(
    triples: Sequence[Sequence[Any]], values: Sequence[str]
) -> tuple[list[str], list[list[float]]]:
    """A square matrix over the most frequent values (the rest pooled as '(other)')."""
    freq: dict[str, int] = {}
    for a, b, n in triples:
        freq[a] = freq.get(a, 0) + n
        freq[b] = freq.get(b, 0) + n
    ranked = sorted(freq, key=lambda v: (-freq[v], str(v)))
    top = [v for v in values if v in ranked[:_HEATMAP_VALUES]]
    keys = top + (["(other)"] if len(ranked) > _HEATMAP_VALUES else [])
    index = {v: i for i, v in enumerate(top)}
    other = len(top)
    matrix = [[0.0] * len(keys) for _ in keys]
    for a, b, n in triples:
        matrix[index.get(a, other)][index.get(b, other)] += n
    return keys, matrix


def render_markdown(data: Mapping[str, Any]) -> str:
    """The agreement report as Markdown."""
    out = ["# Inter-annotator agreement", ""]
    out += _summary_lines(data)
    out += ["", "## Matching and methods", ""]
    out += [f"- **{k}**: {v}" for k, v in data["settings"]["rules"].items()]
    out += ["", "## Spans", "", report.markdown_table(*_span_table(data))]
    out += ["## Annotator pairs", "", report.markdown_table(*_pair_table(data))]
    out += ["## Attributes (on matched spans)", "", report.markdown_table(*_attribute_table(data))]
    out += ["## Relations", "", report.markdown_table(*_relation_table(data))]
    out += ["## Per annotator", "", report.markdown_table(*_annotator_table(data))]
    headers, rows, note = _document_table(data)
    out += ["## Per document", "", note, "", report.markdown_table(headers, rows)]
    headers, rows, note = _dispute_table(data)
    out += ["## Disagreements for adjudication", "", note, "", report.markdown_table(headers, rows)]
    if data["notes"]:
        out += ["## Notes", "", *[f"- {n}" for n in data["notes"]], ""]
    return "\n".join(out)


def _summary_lines(data: Mapping[str, Any]) -> list[str]:
    docs = data["documents"]
    overall = data["spans"][OVERALL]
    return [
        f"Annotators: {', '.join(data['annotators']) or '(none)'}; other layers not counted: "
        f"{', '.join(data['excluded_layers']) or '(none)'}.",
        f"Documents compared: {docs['compared']} (by every annotator: {docs['annotated_by_all']}; "
        f"by one annotator only, not comparable: {docs['annotated_by_one_only']}).",
        f"Span F1, overlap: {report.format_estimate(overall['f1_overlap'])}; "
        f"exact: {report.format_estimate(overall['f1_exact'])}; "
        f"unitizing alpha: {report.format_estimate(overall['u_alpha'])}.",
        f"Intervals: 95% bootstrap over documents, {data['settings']['bootstrap']} resamples, "
        f"seed {data['settings']['seed']}.",
    ]


def _span_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "label",
        "F1 exact",
        "F1 overlap",
        "unitizing alpha",
        *[f"spans {a}" for a in data["annotators"]],
    ]
    rows: list[list[object]] = []
    for label, e in data["spans"].items():
        rows.append(
            [
                label,
                report.format_estimate(e["f1_exact"]),
                report.format_estimate(e["f1_overlap"]),
                report.format_estimate(e["u_alpha"]),
            ]
            + [e["n_spans"][a] for a in data["annotators"]]
        )
    return headers, rows


def _pair_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "pair",
        "documents",
        "F1 exact",
        "P exact",
        "R exact",
        "F1 overlap",
        "P overlap",
        "R overlap",
    ]
    rows: list[list[object]] = []
    for r in data["pairs"]:
        rows.append(
            [" vs ".join(r["annotators"]), r["documents"]]
            + [r[m][k] for m in MODES for k in ("f1", "precision", "recall")]
        )
    return headers, rows


def _attribute_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "attribute",
        "level",
        "matched pairs",
        "Cohen's kappa (mean of pairs)",
        "Fleiss' kappa",
        "Krippendorff's alpha",
    ]
    rows: list[list[object]] = []
    for key, a in data["attributes"].items():
        rows.append(
            [
                key,
                a["level"],
                sum(a["matched_pairs"].values()),
                report.format_estimate(a["cohen_kappa"]),
                report.format_estimate(a["fleiss_kappa"]),
                report.format_estimate(a["krippendorff_alpha"]),
            ]
        )
    return headers, rows


def _relation_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    h = data["relations"][HOLDER]
    rows: list[list[object]] = [
        ["holder (mean of pairs)", h["agreement"]["n"], report.format_estimate(h["agreement"])]
    ]
    rows += [
        [f"holder {k.replace('|', ' vs ')}", h["matched_pairs"][k], v]
        for k, v in h["pairs"].items()
    ]
    return ["relation", "matched STANCE pairs", "agreement"], rows


def _annotator_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "annotator",
        "documents",
        "spans",
        "mean F1 exact",
        "mean F1 overlap",
        "missed (others have it)",
        "marked alone",
    ]
    rows: list[list[object]] = [
        [
            r["annotator"],
            r["documents"],
            r["n_spans"],
            r["f1_exact_mean"],
            r["f1_overlap_mean"],
            r["missed"],
            r["only_one"],
        ]
        for r in data["per_annotator"]
    ]
    return headers, rows


def _document_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]], str]:
    docs = sorted(
        data["per_document"],
        key=lambda d: (d["f1_overlap"] if d["f1_overlap"] is not None else 2.0, d["doc_id"]),
    )
    shown = docs[:_TABLE_ROWS]
    note = (
        f"{len(docs)} documents; the {len(shown)} with the lowest overlap F1 are shown "
        "(all are in agreement.json)."
        if len(docs) > len(shown)
        else f"{len(docs)} documents."
    )
    headers = [
        "doc_id",
        "annotators",
        "spans",
        "F1 exact",
        "F1 overlap",
        "unitizing alpha",
        "disagreements",
    ]
    rows: list[list[object]] = [
        [
            d["doc_id"],
            len(d["annotators"]),
            d["n_spans"],
            d["f1_exact"],
            d["f1_overlap"],
            d["u_alpha"],
            d["disagreements"],
        ]
        for d in shown
    ]
    return headers, rows, note


def _dispute_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]], str]:
    dis = data["disagreements"]
    counts = ", ".join(f"{k}: {v}" for k, v in dis["counts"].items())
    note = (
        f"{dis['total']} disputed spans ({counts}); "
        f"{dis['listed']} listed here and in agreement.json."
    )
    headers = ["kind", "doc_id", "label", "start", "end", "sentence", *data["annotators"]]
    rows: list[list[object]] = []
    for item in dis["items"]:
        rows.append(
            [
                item["kind"],
                item["doc_id"],
                item["label"],
                item["start"],
                item["end"],
                item["context"]["text"],
            ]
            + [version_text(item["versions"][a]) for a in data["annotators"]]
        )
    return headers, rows, note


def render_html(data: Mapping[str, Any]) -> str:
    """The agreement report as one self-contained HTML page with tables and SVG plots."""
    esc = html_lib.escape
    parts = ["".join(f"<p>{esc(line)}</p>" for line in _summary_lines(data))]
    parts.append("<h2>Matching and methods</h2><ul>")
    parts += [f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in data["settings"]["rules"].items()]
    parts.append("</ul><h2>Spans</h2>")
    spans = data["spans"]
    for mode in MODES:
        parts.append(
            report.svg_bar_chart(
                [_bar(lab, e[f"f1_{mode}"]) for lab, e in spans.items()],
                title=f"Span F1 ({mode} match), mean of annotator pairs, 95% CI",
                x_label="F1",
            )
        )
    alpha_items = [_bar(f"spans {lab}", e["u_alpha"]) for lab, e in spans.items()]
    alpha_items += [_bar(k, a["krippendorff_alpha"]) for k, a in data["attributes"].items()]
    parts.append(
        report.svg_bar_chart(
            alpha_items,
            title="Krippendorff's alpha: unitizing (spans) and attributes, 95% CI",
            x_label="alpha",
            domain=(-1.0, 1.0),
        )
    )
    parts.append(report.html_table(*_span_table(data), caption="Span agreement per label"))
    parts.append("<h2>Annotator pairs</h2>")
    parts.append(report.html_table(*_pair_table(data), caption="Pairwise span scores (all labels)"))
    parts.append("<h2>Attributes</h2>")
    parts.append(
        report.svg_bar_chart(
            [_bar(k, a["cohen_kappa"]) for k, a in data["attributes"].items()],
            title="Cohen's kappa on matched spans (mean of pairs), 95% CI",
            x_label="kappa",
            domain=(-1.0, 1.0),
        )
    )
    parts.append(
        report.html_table(*_attribute_table(data), caption="Attribute agreement on matched spans")
    )
    heatmaps = []
    for key, a in data["attributes"].items():
        for pair, triples in a["confusion"].items():
            keys, matrix = _confusion_matrix(triples, a["values"])
            if len(keys) < 2:  # nothing to confuse
                continue
            first, second = pair.split("|")
            heatmaps.append(
                report.svg_heatmap(
                    keys, keys, matrix, title=f"{key}: {first} (rows) vs {second} (columns)"
                )
            )
    if heatmaps:
        parts.append(
            "<h3>Confusion between annotators (matched spans)</h3>"
            '<div style="display:flex;flex-wrap:wrap;gap:1rem">' + "".join(heatmaps) + "</div>"
        )
    parts.append("<h2>Relations</h2>")
    parts.append(report.html_table(*_relation_table(data), caption="Stance holder agreement"))
    parts.append("<h2>Per annotator</h2>")
    parts.append(report.html_table(*_annotator_table(data), caption="Per annotator", sortable=True))
    headers, rows, note = _document_table(data)
    parts.append(f'<h2>Per document</h2><p class="note">{esc(note)}</p>')
    parts.append(report.html_table(headers, rows, caption="Per document", sortable=True))
    headers, rows, note = _dispute_table(data)
    parts.append(
        "<h2>Disagreements for adjudication</h2>"
        f'<p class="note">{esc(note)} Click a header to sort.</p>'
    )
    parts.append(report.html_table(headers, rows, caption="Disputed spans", sortable=True))
    if data["notes"]:
        parts.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in data["notes"]) + "</ul>"
        )
    return report.html_page("Inter-annotator agreement", "\n".join(parts))


def write_agreement_report(out_dir: str | Path, result: AgreementResult) -> dict[str, Path]:
    """Write agreement.json, agreement.md and agreement.html into ``out_dir``."""
    return report.write_report(
        Path(out_dir),
        "agreement",
        data=result.data,
        markdown=render_markdown(result.data),
        html=render_html(result.data),
    )
