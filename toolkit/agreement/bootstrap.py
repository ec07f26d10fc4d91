"""The bootstrap engine: per-document statistics, point estimates and intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from toolkit.agreement.coefficients import Estimate


@dataclass
class Stat:
    """Per-document statistics (D x k) and the figures (m of them) computed from their sums."""

    matrix: sparse.csr_matrix | np.ndarray
    fn: Callable[[np.ndarray], np.ndarray]  # (B x k) -> (B x m), NaN where undefined
    point: np.ndarray = field(default_factory=lambda: np.zeros(0))
    low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    high: np.ndarray = field(default_factory=lambda: np.zeros(0))


class Engine:
    """Collects statistics, computes point estimates and bootstrap intervals over documents."""

    def __init__(self, n_docs: int) -> None:
        self.n_docs = n_docs
        self.stats: list[Stat] = []

    def add(
        self, matrix: sparse.spmatrix | np.ndarray, fn: Callable[[np.ndarray], np.ndarray]
    ) -> Stat:
        m: sparse.csr_matrix | np.ndarray
        if isinstance(matrix, np.ndarray):
            m = np.asarray(matrix, dtype=np.float64)
        else:
            m = sparse.csr_matrix(matrix, dtype=np.float64)
        if m.shape[0] != self.n_docs:
            raise ValueError(f"statistics have {m.shape[0]} rows for {self.n_docs} documents")
        stat = Stat(matrix=m, fn=fn)
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


def estimate(stat: Stat, j: int, reason: str, n: int | None = None) -> Estimate:
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


def nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    finite = np.isfinite(values)
    count = finite.sum(axis=axis)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def doc_matrix(
    doc: np.ndarray, col: np.ndarray, weight: np.ndarray, n_docs: int, n_cols: int
) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (np.asarray(weight, dtype=np.float64), (np.asarray(doc), np.asarray(col))),
        shape=(n_docs, n_cols),
    )


def json_float(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


@dataclass
class Pending:
    """Figures whose intervals are known only after the bootstrap run."""

    meta: dict[str, Any]
    parts: list[tuple[str, Stat | None, int, str, int | None]]  # key, stat, column, reason, n
    extra: Callable[[], dict[str, Any]] = lambda: {}

    def to_json(self) -> dict[str, Any]:
        out = dict(self.meta)
        for key, stat, col, reason, n in self.parts:
            out[key] = (
                Estimate(None, reason=reason, n=n).to_json()
                if stat is None
                else estimate(stat, col, reason, n).to_json()
            )
        out.update(self.extra())
        return out


def ratio_stat(
    engine: Engine, columns: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], n_docs: int
) -> Stat:
    """Mean over pairs (first) and per pair of sum(numerator) / sum(denominator) by document.

    ``columns`` holds, per pair, the document index, numerator and denominator of each unit.
    """
    mats = [
        doc_matrix(
            np.concatenate([doc, doc]),
            np.concatenate([np.zeros(len(doc), np.int64), np.ones(len(doc), np.int64)]),
            np.concatenate([num, den]),
            n_docs,
            2,
        )
        for doc, num, den in columns
    ]
    n_pairs = len(columns)

    def fn(s: np.ndarray) -> np.ndarray:
        blocks = s.reshape(s.shape[0], max(n_pairs, 1), 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_pair = np.where(blocks[..., 1] > 0, blocks[..., 0] / blocks[..., 1], np.nan)
        return np.concatenate([nanmean(per_pair, axis=1)[:, None], per_pair], axis=1)

    return engine.add(
        sparse.hstack(mats, format="csr") if mats else sparse.csr_matrix((n_docs, 2)), fn
    )
