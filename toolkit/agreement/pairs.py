"""Span matching per annotator pair: span F1 statistics and span clusters."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


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
