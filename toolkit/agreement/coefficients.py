"""Kappa and alpha coefficients, batched from column sums and as single-shot estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from toolkit import report
from toolkit.errors import ToolkitError

# ---------------------------------------------------------------- coefficients (batched)
#
# Each takes column sums of per-document statistics for B resamples (a B x k array) and returns
# B values, NaN where the coefficient is undefined. The point estimate is the B = 1 case.


def kappa_from_sums(s: np.ndarray, n_values: int) -> np.ndarray:
    """Cohen's kappa from [n, agreements, row marginals (V), column marginals (V)]."""
    n, agree = s[:, 0], s[:, 1]
    rows, cols = s[:, 2 : 2 + n_values], s[:, 2 + n_values : 2 + 2 * n_values]
    with np.errstate(divide="ignore", invalid="ignore"):
        po = agree / n
        pe = (rows * cols).sum(axis=1) / (n * n)
        kappa = (po - pe) / (1 - pe)
    return np.where((n > 0) & (1 - pe > 1e-12), kappa, np.nan)


def fleiss_from_sums(s: np.ndarray, n_raters: int) -> np.ndarray:
    """Fleiss' kappa from [subjects, sum of P_i, category totals (V)]."""
    subjects, sum_p, totals = s[:, 0], s[:, 1], s[:, 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = sum_p / subjects
        p_j = totals / (subjects * n_raters)[:, None]
        pe = (p_j * p_j).sum(axis=1)
        kappa = (p_bar - pe) / (1 - pe)
    return np.where((subjects > 0) & (1 - pe > 1e-12), kappa, np.nan)


def alpha_nominal_from_sums(s: np.ndarray) -> np.ndarray:
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


def alpha_matrix_from_sums(
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


def scalar(values: np.ndarray) -> float | None:
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
    value = scalar(kappa_from_sums(sums, len(values)))
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
    value = scalar(fleiss_from_sums(sums, k))
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
        value = scalar(alpha_nominal_from_sums(sums))
    else:
        value = scalar(alpha_matrix_from_sums(o.reshape(1, -1), len(values), level, numeric))
    reason = None if value is not None else "one value only: expected disagreement is 0"
    return Estimate(value, reason=reason, n=int(pairable.sum()))
