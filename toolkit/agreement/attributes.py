"""Attribute agreement on matched spans: Cohen's and Fleiss' kappa, Krippendorff's alpha."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from toolkit.agreement.bootstrap import Engine, Pending, Stat, doc_matrix, json_float, nanmean
from toolkit.agreement.coefficients import (
    alpha_matrix_from_sums,
    alpha_nominal_from_sums,
    fleiss_from_sums,
    kappa_from_sums,
)
from toolkit.agreement.layers import attr_expr
from toolkit.agreement.pairs import pair_keys
from toolkit.taxonomy import Taxonomy

NONE_VALUE = "(none)"
"""Category standing for an empty optional attribute in nominal comparisons."""
ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("EVENT", "category"),
    ("EVENT", "mode"),
    ("EVENT", "modality"),
    ("EVENT", "context"),
    ("STANCE", "value"),
    ("STANCE", "facet"),
    ("ACTOR", "country"),
    ("ACTOR", "sector"),
    ("LOCATION", "gazetteer_id"),
)
"""Attributes compared on matched spans, as (label, attribute)."""


def _group_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys, the index of each key's first row, and how many rows share it."""
    uniq, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return uniq, first, counts


@dataclass
class _Coded:
    """One attribute's values on the spans of its label, with integer codes."""

    vals: pl.DataFrame  # node, cluster, doc_idx, ann_idx, value, code
    values: list[str]
    ordinal: bool

    @property
    def n_values(self) -> int:
        return max(len(self.values), 1)


@dataclass
class _Units:
    """Distinct (cluster, value) cells of the clusters with two or more single values."""

    cluster: np.ndarray
    code: np.ndarray
    doc: np.ndarray
    m: np.ndarray  # values in the cell's cluster
    n: np.ndarray  # annotators giving the cell's value
    n_units: int
    ambiguous: int


def attribute_agreement(
    engine: Engine,
    spans: pl.DataFrame,
    pair_matches: Mapping[tuple[str, str], Mapping[str, pl.DataFrame]],
    tax: Taxonomy,
    label: str,
    name: str,
    n_docs: int,
    n_raters: int,
    notes: list[str],
    scope_reason: str | None,
) -> Pending:
    """Cohen's and Fleiss' kappa and Krippendorff's alpha of one attribute on matched spans."""
    coded = _code_values(spans, tax, label, name, notes)
    level = "ordinal" if coded.ordinal else "nominal"
    pairs = list(pair_matches)
    keys = pair_keys(pairs)
    meta: dict[str, Any] = {
        "label": label,
        "attribute": name,
        "level": level,
        "values": coded.values,
    }
    none_reason = scope_reason or (
        "no spans of this label with a value" if coded.vals.height == 0 else None
    )
    cohen, confusion, matched = _add_cohen(engine, spans, pair_matches, coded, keys, n_docs)
    units = _cluster_units(coded, n_raters)
    alpha = _add_alpha(engine, units, coded, n_docs)
    fleiss, n_full = _add_fleiss(engine, units, coded.n_values, n_raters, n_docs)
    n_pairs = len(pairs)
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
        or ("no span cluster with two or more values" if units.n_units == 0 else None)
        or "one value only: expected disagreement is 0"
    )
    meta["ambiguous_clusters"] = units.ambiguous
    meta["matched_pairs"] = matched
    meta["confusion"] = confusion

    def extra() -> dict[str, Any]:
        per_pair = {key: json_float(cohen.point[1 + p]) for p, key in enumerate(keys)}
        return {"cohen_kappa_pairs": per_pair}

    return Pending(
        meta=meta,
        parts=[
            ("cohen_kappa", cohen, 0, pair_reason, sum(matched.values())),
            ("fleiss_kappa", fleiss, 0, fleiss_reason, n_full),
            ("krippendorff_alpha", alpha, 0, alpha_reason, units.n_units),
        ],
        extra=extra,
    )


def _code_values(
    spans: pl.DataFrame, tax: Taxonomy, label: str, name: str, notes: list[str]
) -> _Coded:
    """The attribute's values on spans of ``label``: ordinal ones in order, others sorted."""
    lab = tax.labels.get(label)
    attr = next((a for a in lab.attributes if a.name == name), None) if lab else None
    ordinal = bool(attr is not None and attr.ordinal)
    vals = (
        spans.select(
            "node", "cluster", "doc_idx", "ann_idx", "label", attr_expr(spans, name).alias("value")
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
    return _Coded(vals=vals, values=values, ordinal=ordinal)


def _add_cohen(
    engine: Engine,
    spans: pl.DataFrame,
    pair_matches: Mapping[tuple[str, str], Mapping[str, pl.DataFrame]],
    coded: _Coded,
    keys: Sequence[str],
    n_docs: int,
) -> tuple[Stat, dict[str, list[list[Any]]], dict[str, int]]:
    """Cohen's kappa per pair on matched spans (mean first), confusion cells, matched counts."""
    values, vals, n_values = coded.values, coded.vals, coded.n_values
    code_of = np.full(spans.height, -1, dtype=np.int64)
    code_of[vals["node"].to_numpy()] = vals["code"].to_numpy()
    doc_of = spans["doc_idx"].to_numpy()
    pairs = list(pair_matches)
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
            doc_matrix(
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
        per_pair = kappa_from_sums(s.reshape(-1, block), n_values).reshape(
            s.shape[0], max(n_pairs, 1)
        )
        return np.concatenate([nanmean(per_pair, axis=1)[:, None], per_pair], axis=1)

    cohen = engine.add(
        sparse.hstack(mats, format="csr") if mats else sparse.csr_matrix((n_docs, block)), kappa_fn
    )
    return cohen, confusion, matched


def _cluster_units(coded: _Coded, n_raters: int) -> _Units:
    """Value cells of the clusters, one value per annotator (two spans in a cluster = missing)."""
    vals, n_values = coded.vals, coded.n_values
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
    return _Units(
        cluster=uc_keys // n_values,
        code=uc_keys % n_values,
        doc=vdoc[uc_first],
        m=m[uc_first].astype(np.float64),
        n=n.astype(np.float64),
        n_units=n_units,
        ambiguous=ambiguous,
    )


def _add_alpha(engine: Engine, units: _Units, coded: _Coded, n_docs: int) -> Stat:
    """Krippendorff's alpha on the clusters: a coincidence matrix (ordinal) or its sums."""
    n_values = coded.n_values
    uc_cluster, uc_code, uc_doc, uc_m, n = units.cluster, units.code, units.doc, units.m, units.n
    if coded.ordinal:
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
            return alpha_matrix_from_sums(s, n_values, "ordinal", None)[:, None]

        return engine.add(alpha_mat, alpha_fn)
    alpha_sparse = doc_matrix(
        np.concatenate([uc_doc, uc_doc, uc_doc]),
        np.concatenate(
            [np.zeros(len(uc_doc), np.int64), np.ones(len(uc_doc), np.int64), 2 + uc_code]
        ),
        np.concatenate([n, n * (n - 1) / np.maximum(uc_m - 1, 1), n]),
        n_docs,
        2 + n_values,
    )

    def nominal_fn(s: np.ndarray) -> np.ndarray:
        return alpha_nominal_from_sums(s)[:, None]

    return engine.add(alpha_sparse, nominal_fn)


def _add_fleiss(
    engine: Engine, units: _Units, n_values: int, n_raters: int, n_docs: int
) -> tuple[Stat | None, int]:
    """Fleiss' kappa on the clusters every annotator marked, and how many there are."""
    # Only those clusters have a constant number of raters per subject, as Fleiss requires.
    uc_cluster, uc_code, uc_doc, n = units.cluster, units.code, units.doc, units.n
    full = units.m == n_raters
    fleiss: Stat | None = None
    f_units, f_inv = np.unique(uc_cluster[full], return_inverse=True)
    n_full = len(f_units)
    if n_raters >= 2:
        sq = np.bincount(f_inv, weights=n[full] ** 2, minlength=n_full)
        f_doc = np.zeros(n_full, dtype=np.int64)
        f_doc[f_inv] = uc_doc[full]
        p_i = (sq - n_raters) / (n_raters * (n_raters - 1))
        fleiss_mat = doc_matrix(
            np.concatenate([f_doc, f_doc, uc_doc[full]]),
            np.concatenate(
                [np.zeros(n_full, np.int64), np.ones(n_full, np.int64), 2 + uc_code[full]]
            ),
            np.concatenate([np.ones(n_full), p_i, n[full]]),
            n_docs,
            2 + n_values,
        )
        fleiss = engine.add(fleiss_mat, lambda s: fleiss_from_sums(s, n_raters)[:, None])
    return fleiss, n_full
