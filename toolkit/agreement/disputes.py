"""Disputed span clusters and their entries with every annotator's version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from toolkit.agreement.attributes import ATTRIBUTES, NONE_VALUE
from toolkit.agreement.layers import attr_expr
from toolkit.annotations import overlapping_pairs

KINDS = ("label", "missed span", "boundary", "attribute")
"""Disagreement kinds, in the order a disputed span is classified."""


@dataclass
class DisputeContext:
    spans: pl.DataFrame
    documents: pl.DataFrame
    completed: dict[str, set[str]]
    annotators: list[str]
    label_conflicts: pl.DataFrame
    holders: pl.DataFrame


def find_disputes(
    spans: pl.DataFrame, holders: pl.DataFrame, n_expected: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every span cluster that is not identical across the annotators who completed its document."""
    agg = _cluster_summary(spans, holders, n_expected)
    conflicts = _label_conflicts(spans, agg)
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


def _cluster_summary(
    spans: pl.DataFrame, holders: pl.DataFrame, n_expected: np.ndarray
) -> pl.DataFrame:
    """Per cluster: position, label, annotator count, expected count, what differs."""
    sp = spans.join(holders.select("node", "holder_name"), on="node", how="left")
    names = sorted({n for _, n in ATTRIBUTES})
    # Hashes compare faster than strings; a collision (p ~ 2**-64) could only hide a difference.
    values = [attr_expr(spans, n).fill_null(NONE_VALUE).hash(seed=0) for n in names]
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
    return agg.with_columns(
        pl.Series(
            "expected", n_expected[agg["doc_idx"].to_numpy().astype(np.int64)], dtype=pl.Int64
        )
    )


def _label_conflicts(spans: pl.DataFrame, agg: pl.DataFrame) -> pl.DataFrame:
    """Incomplete clusters overlapped by another annotator's span of another label."""
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
    # Only overlapping pairs of one document (a sweep; a join on the document grew with the
    # square of its spans).
    i, j = overlapping_pairs(
        missing["doc_idx"].to_numpy(),
        missing["c_start"].to_numpy(),
        missing["c_end"].to_numpy(),
        other["doc_idx"].to_numpy(),
        other["o_start"].to_numpy(),
        other["o_end"].to_numpy(),
    )
    pairs = pl.concat([missing.drop("doc_idx")[i], other.drop("doc_idx")[j]], how="horizontal")
    return (
        pairs.filter(pl.col("o_label") != pl.col("label_idx"))
        .join(members, on=["cluster", "o_ann"], how="anti")
        .select("cluster", "o_node", "o_ann")
        .sort("cluster", "o_node")
    )


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
    # An empty list is a multi-valued attribute left empty, like a null single value.
    attrs = {
        k: v for k, v in sorted((row.get("attributes") or {}).items()) if v is not None and v != []
    }
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


def dispute_records(ctx: DisputeContext, listed: pl.DataFrame) -> list[dict[str, Any]]:
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
