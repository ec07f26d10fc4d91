"""Event-argument agreement: relation F1 per role and event-record agreement on matched events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from toolkit.agreement.bootstrap import Engine, Pending, Stat, json_float, ratio_stat
from toolkit.agreement.layers import attr_expr
from toolkit.agreement.pairs import pair_keys
from toolkit.annotations import MODES

EVENT = "EVENT"
ROLES = ("source", "target", "location")
"""Argument relations leaving an EVENT span, in report order."""
RECORD_ROLES = ("source", "target")
NO_ARGUMENTS = "no argument relations annotated"


def argument_links(spans: pl.DataFrame) -> pl.DataFrame:
    """event_node, role, end_node, end_country of every argument relation of the spans."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "event_node": spans.schema["node"],
        "role": pl.String,
        "end_node": spans.schema["node"],
        "end_country": pl.String,
    }
    if "relations" not in spans.columns:
        return pl.DataFrame(schema=schema)
    links = (
        spans.filter(pl.col("label") == EVENT)
        .select("node", "doc_id", "annotator_id", "relations")
        .explode("relations")
        .filter(pl.col("relations").is_not_null())
        .select(
            pl.col("node").alias("event_node"),
            "doc_id",
            "annotator_id",
            pl.col("relations").struct.field("type").alias("role"),
            pl.col("relations").struct.field("to_span_id").alias("span_id"),
        )
        .filter(pl.col("role").is_in(ROLES))
    )
    ends = spans.select(
        "doc_id",
        "annotator_id",
        "span_id",
        pl.col("node").alias("end_node"),
        attr_expr(spans, "country").alias("end_country"),
    )
    return (
        links.join(ends, on=["doc_id", "annotator_id", "span_id"], how="inner")
        .select(list(schema))
        .sort("event_node", "role", "end_node")
    )


def _matched_events(pm: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Overlap-matched EVENT pairs of one annotator pair: node_a, node_b, doc_idx, categories."""
    return (
        pm.select("node_a", "node_b")
        .join(events.rename({"node": "node_a", "category": "category_a"}), on="node_a")
        .join(
            events.select(pl.col("node").alias("node_b"), pl.col("category").alias("category_b")),
            on="node_b",
        )
    )


def _role_counts(
    matched: pl.DataFrame, links: pl.DataFrame, ends: pl.DataFrame, role: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per matched event pair: doc, 2 x matched arguments, arguments of both sides (F1 parts)."""
    mine = links.filter(pl.col("role") == role).select("event_node", "end_node")
    side_a = mine.rename({"event_node": "node_a", "end_node": "end_a"})
    side_b = mine.rename({"event_node": "node_b", "end_node": "end_b"})
    n_a = matched.join(side_a, on="node_a").group_by("node_a", "node_b").len("n_a")
    n_b = matched.join(side_b, on="node_b").group_by("node_a", "node_b").len("n_b")
    tp = (
        matched.join(side_a, on="node_a")
        .join(side_b, on="node_b")
        .join(ends, on=["end_a", "end_b"], how="semi")
        .group_by("node_a", "node_b")
        .len("tp")
    )
    counts = (
        matched.select("node_a", "node_b", "doc_idx")
        .join(n_a, on=["node_a", "node_b"], how="left")
        .join(n_b, on=["node_a", "node_b"], how="left")
        .join(tp, on=["node_a", "node_b"], how="left")
        .fill_null(0)
    )
    return (
        counts["doc_idx"].to_numpy(),
        2.0 * counts["tp"].to_numpy(),
        (counts["n_a"] + counts["n_b"]).to_numpy().astype(np.float64),
    )


def _country_sets(links: pl.DataFrame, role: str) -> pl.DataFrame:
    """event_node -> the sorted set of its ``role`` actors' countries, as one string."""
    return (
        links.filter(pl.col("role") == role)
        .group_by("event_node")
        .agg(pl.col("end_country").fill_null("?").unique().sort().str.join("|").alias(role))
    )


def _record_agreement(matched: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Matched event pairs with whether category and source and target country sets agree."""
    agree = pl.col("category_a").eq_missing(pl.col("category_b"))
    out = matched
    for role in RECORD_ROLES:
        sets = _country_sets(links, role)
        out = out.join(
            sets.rename({"event_node": "node_a", role: f"{role}_a"}), on="node_a", how="left"
        ).join(sets.rename({"event_node": "node_b", role: f"{role}_b"}), on="node_b", how="left")
        agree = agree & pl.col(f"{role}_a").fill_null("").eq(pl.col(f"{role}_b").fill_null(""))
    return out.with_columns(agree.alias("agree"))


def argument_agreement(
    engine: Engine,
    spans: pl.DataFrame,
    pair_matches: Mapping[tuple[str, str], Mapping[str, pl.DataFrame]],
    n_docs: int,
    pairs: Sequence[tuple[str, str]],
    scope_reason: str | None,
) -> Pending:
    """Relation F1 per role (ends matched exactly or by overlap) and event-record agreement."""
    links = argument_links(spans)
    annotated = links.join(
        spans.select(pl.col("node").alias("event_node"), "annotator_id"), on="event_node"
    )
    per_layer = dict(annotated.group_by("annotator_id").len().iter_rows())
    n_links = {a: int(per_layer.get(a, 0)) for a in sorted({x for p in pairs for x in p})}
    reason = scope_reason or (NO_ARGUMENTS if links.height == 0 else None)
    events = spans.filter(pl.col("label") == EVENT).select(
        "node", "doc_idx", attr_expr(spans, "category").alias("category")
    )
    keys = pair_keys(pairs)
    matched = {p: _matched_events(pair_matches[p]["overlap"], events) for p in pairs}
    parts: list[tuple[str, Stat | None, int, str, int | None]] = []
    stats: dict[str, Stat] = {}
    for role in ROLES:
        for mode in MODES:
            columns = []
            for p in pairs:
                ends = pair_matches[p][mode].select(
                    pl.col("node_a").alias("end_a"), pl.col("node_b").alias("end_b")
                )
                columns.append(_role_counts(matched[p], links, ends, role))
            stat = stats[f"{role}_{mode}"] = ratio_stat(engine, columns, n_docs)
            n_args = int(sum(c[2].sum() for c in columns))
            why = reason or f"no {role} relations on matched events"
            parts.append((f"{role}_f1_{mode}", stat if reason is None else None, 0, why, n_args))
    records = {p: _record_agreement(matched[p], links) for p in pairs}
    record_stat = ratio_stat(
        engine,
        [
            (
                r["doc_idx"].to_numpy(),
                r["agree"].to_numpy().astype(np.float64),
                np.ones(r.height),
            )
            for r in records.values()
        ],
        n_docs,
    )
    n_matched = {k: records[p].height for k, p in zip(keys, pairs, strict=True)}
    parts.append(
        (
            "event_records",
            record_stat if reason is None else None,
            0,
            reason or "no matched EVENT spans",
            sum(n_matched.values()),
        )
    )

    def extra() -> dict[str, Any]:
        if reason is not None:
            return {}
        return {
            "pairs": {
                name: {k: json_float(s.point[1 + i]) for i, k in enumerate(keys)}
                for name, s in [*stats.items(), ("event_records", record_stat)]
            }
        }

    return Pending(
        meta={
            "status": reason or "ok",
            "measure": "relation F1 per role on overlap-matched EVENT spans (argument ends "
            "matched exactly or by overlap); event records agree when category and the source "
            "and target country sets are equal",
            "relations_per_annotator": n_links,
            "matched_events": n_matched,
        },
        parts=parts,
        extra=extra,
    )
