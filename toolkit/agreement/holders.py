"""Stance holders and the holder agreement of matched STANCE spans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from toolkit.agreement.bootstrap import Engine, Pending, json_float, ratio_stat
from toolkit.agreement.layers import attr_expr
from toolkit.agreement.pairs import pair_keys

HOLDER = "holder"


def _normalize_name(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def find_holders(spans: pl.DataFrame) -> pl.DataFrame:
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
        _normalize_name(attr_expr(spans, "canonical_name")).alias("holder_name"),
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


def holder_agreement(
    engine: Engine,
    spans: pl.DataFrame,
    holders: pl.DataFrame,
    pair_matches: Mapping[tuple[str, str], Mapping[str, pl.DataFrame]],
    n_docs: int,
    pairs: Sequence[tuple[str, str]],
    scope_reason: str | None,
) -> Pending:
    """Proportion of matched STANCE spans whose holders agree, per pair and mean of pairs."""
    stance_nodes = (
        spans.select("node", "doc_idx", "label").filter(pl.col("label") == "STANCE").drop("label")
    )
    totals: dict[str, int] = {}
    keys = pair_keys(pairs)
    columns = []
    for (a, b), key in zip(pairs, keys, strict=True):
        m = _holder_matches(pair_matches[(a, b)]["overlap"], stance_nodes, holders)
        doc = m["doc_idx"].to_numpy()
        columns.append((doc, m["agree"].to_numpy().astype(float), np.ones(len(doc))))
        totals[key] = len(doc)
    stat = ratio_stat(engine, columns, n_docs)
    reason = scope_reason or "no matched STANCE spans"

    def extra() -> dict[str, Any]:
        return {"pairs": {key: json_float(stat.point[1 + p]) for p, key in enumerate(keys)}}

    return Pending(
        meta={
            "measure": "proportion of matched STANCE spans whose holders agree",
            "matched_pairs": totals,
        },
        parts=[("agreement", stat, 0, reason, sum(totals.values()))],
        extra=extra,
    )


def _holder_matches(
    pm: pl.DataFrame, stance_nodes: pl.DataFrame, holders: pl.DataFrame
) -> pl.DataFrame:
    """Matched STANCE pairs of one annotator pair, with whether their holders agree."""
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
    return m.with_columns(agree.fill_null(False).alias("agree"))
