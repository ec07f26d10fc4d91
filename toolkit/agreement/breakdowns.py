"""Per-document and per-annotator breakdowns of the agreement figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from toolkit.agreement.bootstrap import Stat, json_float, nanmean
from toolkit.agreement.unitizing import UnitizingStats, ualpha_values, unitizing_from_parts
from toolkit.annotations import MODES, f1_from_counts


def break_down_documents(
    f1_stats: Mapping[str, Stat],
    u_stats: Sequence[UnitizingStats],
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
        f1_doc[mode] = nanmean(f1_from_counts(m[..., 0], m[..., 1], m[..., 2]), axis=1)
    d_o = np.zeros(n_docs)
    d_e = np.zeros(n_docs)
    defined_any = np.zeros(n_docs, dtype=bool)
    for st in u_stats:
        o, e = unitizing_from_parts(st.per_doc, st.n_raters)
        ok = np.isfinite(o) & np.isfinite(e)
        d_o += np.where(ok, o, 0)
        d_e += np.where(ok, e, 0)
        defined_any |= ok
    u_doc = np.where(
        defined_any & included, ualpha_values(d_o, np.where(defined_any, d_e, np.nan)), np.nan
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
                "f1_exact": json_float(f1_doc["exact"][i]),
                "f1_overlap": json_float(f1_doc["overlap"][i]),
                "u_alpha": json_float(u_doc[i]),
                "disagreements": int(n_disputes.get(doc_id, 0)),
            }
        )
    return out


def break_down_annotators(
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
