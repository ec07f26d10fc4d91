"""Scores with bootstrap intervals: classification P/R/F1 and SemEval-2013 span schemes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from toolkit.annotations import MODES, OVERALL, f1_from_counts, span_scores
from toolkit.baseline.features import TAGGED_LABELS

SCHEMES = ("strict", "exact", "partial", "type")
"""SemEval-2013 Task 9.1 span-matching schemes (Segura-Bedmar et al. 2013)."""
STANCE_TARGETS = ("FAVOR", "AGAINST")
"""Classes averaged by the SemEval-2016 Task 6 stance score."""


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def classification_counts(
    gold: Sequence[str],
    pred: Sequence[str],
    doc_index: Sequence[int],
    n_docs: int,
    labels: Sequence[str],
) -> np.ndarray:
    """Per-document tp, fp, fn of each label: shape (n_docs, n_labels, 3).

    A prediction outside ``labels`` (e.g. "no prediction") adds only a false negative.
    """
    counts = np.zeros((n_docs, len(labels), 3), dtype=np.float64)
    index = {label: i for i, label in enumerate(labels)}
    for g, p, d in zip(gold, pred, doc_index, strict=True):
        gi, pi = index.get(g), index.get(p)
        if g == p and gi is not None:
            counts[d, gi, 0] += 1
            continue
        if pi is not None:
            counts[d, pi, 1] += 1
        if gi is not None:
            counts[d, gi, 2] += 1
    return counts


def bootstrap_weights(n_docs: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each document is drawn in each bootstrap resample: shape (n_boot, n_docs)."""
    if n_docs == 0 or n_boot == 0:
        return np.zeros((0, n_docs))
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_docs, np.full(n_docs, 1.0 / n_docs), size=n_boot).astype(np.float64)


def _estimate(
    counts: np.ndarray,
    weights: np.ndarray,
    metric: Callable[[np.ndarray], np.ndarray],
    undefined: str,
) -> dict[str, Any]:
    """Metric on the summed per-document counts, with a 95% percentile bootstrap interval."""
    value = float(metric(counts.sum(axis=0)[None, ...])[0])
    if math.isnan(value):
        return {"value": None, "ci_low": None, "ci_high": None, "reason": undefined}
    out: dict[str, Any] = {"value": value, "ci_low": None, "ci_high": None}
    if weights.shape[0]:
        flat = counts.reshape(counts.shape[0], -1)
        boot = metric((weights @ flat).reshape((weights.shape[0], *counts.shape[1:])))
        boot = boot[~np.isnan(boot)]
        if boot.size:
            out["ci_low"] = float(np.percentile(boot, 2.5))
            out["ci_high"] = float(np.percentile(boot, 97.5))
    return out


def classification_scores(
    counts: np.ndarray, labels: Sequence[str], weights: np.ndarray, *, stance: bool = False
) -> dict[str, Any]:
    """Per-label P/R/F1, macro F1, accuracy (and the SemEval-2016 score for stance), with CIs."""

    def ratio(i: int, other: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda c: _ratio(c[:, i, 0], c[:, i, 0] + c[:, i, other])

    def f1(i: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda c: f1_from_counts(c[:, i, 0], c[:, i, 1], c[:, i, 2])

    def macro(c: np.ndarray) -> np.ndarray:
        # Labels absent from gold and predictions in a resample count as 0, as in scikit-learn.
        if c.shape[-2] == 0:
            return np.full(c.shape[:-2], np.nan)
        return np.nan_to_num(f1_from_counts(c[..., 0], c[..., 1], c[..., 2])).mean(axis=-1)

    def accuracy(c: np.ndarray) -> np.ndarray:
        return _ratio(c[..., 0].sum(axis=-1), (c[..., 0] + c[..., 2]).sum(axis=-1))

    per_label: dict[str, Any] = {}
    totals = counts.sum(axis=0)
    for i, label in enumerate(labels):
        tp, fp, fn = (float(x) for x in totals[i])
        per_label[label] = {
            "support": int(tp + fn),
            "predicted": int(tp + fp),
            "precision": _estimate(counts, weights, ratio(i, 1), f"no {label} predicted"),
            "recall": _estimate(counts, weights, ratio(i, 2), f"no gold {label}"),
            "f1": _estimate(counts, weights, f1(i), f"no gold and no predicted {label}"),
        }
    out: dict[str, Any] = {
        "n": int(totals[:, 0].sum() + totals[:, 2].sum()),
        "per_label": per_label,
        "macro_f1": _estimate(counts, weights, macro, "no examples"),
        "accuracy": _estimate(counts, weights, accuracy, "no examples"),
    }
    if stance:
        idx = [list(labels).index(t) for t in STANCE_TARGETS]

        def semeval(c: np.ndarray) -> np.ndarray:
            f = f1_from_counts(c[:, idx, 0], c[:, idx, 1], c[:, idx, 2])
            return np.where(np.isnan(f).all(axis=-1), np.nan, np.nan_to_num(f).mean(axis=-1))

        out["semeval2016_f_avg"] = _estimate(
            counts, weights, semeval, "no gold and no predicted FAVOR or AGAINST"
        )
    return out


# Count slots per scheme and label: gold side (what each gold span became) and prediction side.
COR_G, INC_G, PAR_G, MIS, COR_P, INC_P, PAR_P, SPU = range(8)
COUNT_NAMES = ("cor_gold", "inc_gold", "par_gold", "mis", "cor_pred", "inc_pred", "par_pred", "spu")


def match_spans(
    gold: Sequence[tuple[str, int, int]], pred: Sequence[tuple[str, int, int]]
) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) of overlapping spans.

    Greedy in order of preference: same boundaries first, then same label, then larger overlap,
    then position; each span is used at most once, so POS = #gold and ACT = #predicted.
    """
    candidates = []
    for gi, (glab, gs, ge) in enumerate(gold):
        for pi, (plab, ps, pe) in enumerate(pred):
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0:
                candidates.append(((gs, ge) != (ps, pe), glab != plab, -overlap, gs, ps, gi, pi))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for *_, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def semeval_counts(
    gold: Sequence[tuple[str, int, int]],
    pred: Sequence[tuple[str, int, int]],
    labels: Sequence[str],
) -> np.ndarray:
    """COR/INC/PAR/MIS/SPU counts of one document: shape (4 schemes, n_labels, 8 slots).

    Strict: same boundaries and label. Exact: same boundaries. Partial: same boundaries is COR,
    other overlap PAR. Type: overlap and same label (Segura-Bedmar et al. 2013; Batista 2018).
    Gold-side slots are booked under the gold label, prediction-side slots under the predicted one.
    """
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(SCHEMES), len(labels), 8), dtype=np.float64)
    pairs = match_spans(gold, pred)
    matched_g = {g for g, _ in pairs}
    matched_p = {p for _, p in pairs}
    for gi, pi in pairs:
        (glab, gs, ge), (plab, ps, pe) = gold[gi], pred[pi]
        same_bounds, same_label = (gs, ge) == (ps, pe), glab == plab
        outcome = {
            "strict": "cor" if same_bounds and same_label else "inc",
            "exact": "cor" if same_bounds else "inc",
            "partial": "cor" if same_bounds else "par",
            "type": "cor" if same_label else "inc",
        }
        for si, scheme in enumerate(SCHEMES):
            slot = {"cor": (COR_G, COR_P), "inc": (INC_G, INC_P), "par": (PAR_G, PAR_P)}
            g_slot, p_slot = slot[outcome[scheme]]
            if glab in index:
                counts[si, index[glab], g_slot] += 1
            if plab in index:
                counts[si, index[plab], p_slot] += 1
    for gi, (glab, _, _) in enumerate(gold):
        if gi not in matched_g and glab in index:
            counts[:, index[glab], MIS] += 1
    for pi, (plab, _, _) in enumerate(pred):
        if pi not in matched_p and plab in index:
            counts[:, index[plab], SPU] += 1
    return counts


def semeval_prf(c: np.ndarray, scheme: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 from counts (..., 8) of one scheme: PAR earns half credit.

    P is undefined (NaN) without predictions, R without gold spans; F1 is undefined only when
    there are neither, and 0 when just one side is empty (nothing found, or all spurious).
    """
    half = 0.5 if scheme == "partial" else 0.0
    pos = c[..., COR_G] + c[..., INC_G] + c[..., PAR_G] + c[..., MIS]
    act = c[..., COR_P] + c[..., INC_P] + c[..., PAR_P] + c[..., SPU]
    p = _ratio(c[..., COR_P] + half * c[..., PAR_P], act)
    r = _ratio(c[..., COR_G] + half * c[..., PAR_G], pos)
    p0, r0 = np.nan_to_num(p), np.nan_to_num(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where((p0 + r0) > 0, 2 * p0 * r0 / np.where((p0 + r0) > 0, p0 + r0, 1), 0.0)
    f = np.where((pos + act) == 0, np.nan, f)
    return p, r, f


def span_scores_semeval(
    counts: np.ndarray, labels: Sequence[str], weights: np.ndarray
) -> dict[str, Any]:
    """Per scheme: overall (micro over labels) and per-label P/R/F1 with CIs, and raw counts."""
    out: dict[str, Any] = {}
    for si, scheme in enumerate(SCHEMES):
        block = counts[:, si]  # (docs, labels, 8)

        def metric(
            which: int, label: int | None, scheme: str = scheme
        ) -> Callable[[np.ndarray], np.ndarray]:
            def fn(c: np.ndarray) -> np.ndarray:
                sub = c.sum(axis=-2) if label is None else c[..., label, :]
                return semeval_prf(sub, scheme)[which]

            return fn

        def scored(label: int | None, name: str, block: np.ndarray = block) -> dict[str, Any]:
            totals = block.sum(axis=0)
            raw = totals.sum(axis=0) if label is None else totals[label]
            return {
                "counts": {n: int(v) for n, v in zip(COUNT_NAMES, raw, strict=True)},
                "precision": _estimate(block, weights, metric(0, label), f"no predicted {name}"),
                "recall": _estimate(block, weights, metric(1, label), f"no gold {name}"),
                "f1": _estimate(
                    block, weights, metric(2, label), f"no gold and no predicted {name}"
                ),
            }

        out[scheme] = {
            "overall": scored(None, "spans"),
            "per_label": {label: scored(i, label) for i, label in enumerate(labels)},
        }
    return out


AGREEMENT_LABELS = (*TAGGED_LABELS, OVERALL)


def _span_frame(spans: Sequence[tuple[str, int, int]], doc_id: str) -> pl.DataFrame:
    schema = {"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64}
    rows = [{"doc_id": doc_id, "label": lab, "start": s, "end": e} for lab, s, e in spans]
    return pl.DataFrame(rows, schema=schema)


def agreement_span_scores(
    doc_ids: Sequence[str],
    gold: Mapping[str, Sequence[tuple[str, int, int]]],
    pred: Mapping[str, Sequence[tuple[str, int, int]]],
    weights: np.ndarray,
) -> dict[str, Any]:
    """Exact and overlap P/R/F1 per label by toolkit.agreement's one-to-one matcher.

    The matcher that scores annotators against each other, so these figures sit next to the
    human ceiling; counted per document (in ``doc_ids`` order) for bootstrap CIs.
    """
    index = {label: i for i, label in enumerate(AGREEMENT_LABELS)}
    out: dict[str, Any] = {}
    for mode in MODES:
        counts = np.zeros((len(doc_ids), len(AGREEMENT_LABELS), 3))
        for d, doc_id in enumerate(doc_ids):
            table = span_scores(
                _span_frame(gold.get(doc_id, []), doc_id),
                _span_frame(pred.get(doc_id, []), doc_id),
                mode=mode,
            )
            for row in table.iter_rows(named=True):
                if row["label"] in index:
                    counts[d, index[row["label"]]] = (row["tp"], row["fp"], row["fn"])
        scores = classification_scores(counts, AGREEMENT_LABELS, weights)["per_label"]
        out[mode] = {
            label: {
                "tp": int(counts[:, i, 0].sum()),
                "fp": int(counts[:, i, 1].sum()),
                "fn": int(counts[:, i, 2].sum()),
                **{k: scores[label][k] for k in ("precision", "recall", "f1")},
            }
            for i, label in enumerate(AGREEMENT_LABELS)
        }
    return out
