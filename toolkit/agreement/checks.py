"""Refusals of a study that cannot be made: nothing to compare, or span offsets that do not fit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from toolkit.agreement.layers import DEFAULT_EXCLUDED, DEFAULT_EXCLUDED_PREFIXES
from toolkit.errors import InputError

DEFAULT_EXCLUSION = ", ".join([*DEFAULT_EXCLUDED, *(f"{p}*" for p in DEFAULT_EXCLUDED_PREFIXES)])


def check_comparable(
    chosen: Sequence[str],
    known: set[str],
    explicit: bool,
    completed: Mapping[str, set[str]],
    n_in_scope: int,
) -> None:
    """Raise unless two or more annotators are chosen and two of them completed one document."""
    found = ", ".join(sorted(known)) or "(none)"
    if len(chosen) < 2:
        if explicit:
            raise InputError(
                "no two annotator layers to compare; chosen: "
                f"{', '.join(chosen) or '(none)'}; layers present: {found}; "
                "choose two or more"
            )
        excluded = ", ".join(sorted(known - set(chosen))) or "none"
        raise InputError(
            f"no two annotator layers to compare; found: {found} (excluded by default: "
            f"{excluded}); agreement compares two or more layers other than "
            f"{DEFAULT_EXCLUSION}, or the layers chosen by name"
        )
    if n_in_scope == 0:
        counts = ", ".join(f"{a}: {len(completed.get(a, ()))}" for a in chosen)
        raise InputError(
            "no document completed by two or more of the compared annotators "
            f"(completed documents: {counts}); agreement needs documents that two "
            "annotators both completed"
        )


def check_offsets(spans: pl.DataFrame, documents: pl.DataFrame) -> None:
    """Raise on the first span whose offsets or quote do not fit its document's text."""
    texts = documents.select("doc_id", pl.col("text").alias("_doc_text")).unique("doc_id")
    joined = spans.join(texts, on="doc_id", how="left").with_columns(
        pl.col("_doc_text").str.len_chars().alias("_doc_len")
    )
    start, end, length = pl.col("start"), pl.col("end"), pl.col("_doc_len")
    known_text = pl.col("_doc_text").is_not_null()
    reason = (
        pl.when(end <= start)
        .then(pl.lit("end <= start"))
        .when(start < 0)
        .then(pl.lit("negative start"))
        .when(known_text & (end > length))
        .then(pl.lit("end after the text"))
        .when(known_text & (pl.col("_doc_text").str.slice(start, end - start) != pl.col("text")))
        .then(pl.lit("quote differs from the text at these offsets"))
    )
    bad = joined.with_columns(reason.alias("_reason")).filter(pl.col("_reason").is_not_null())
    if bad.height == 0:
        return
    row = bad.row(0, named=True)
    length_text = "unknown" if row["_doc_len"] is None else str(row["_doc_len"])
    others = f"; {bad.height - 1} more span(s) like it" if bad.height > 1 else ""
    raise InputError(
        f"layer {row['annotator_id']}, document {row['doc_id']}, span {row['span_id']}: "
        f"offsets {row['start']}-{row['end']} do not fit the text ({row['_reason']}); "
        f"valid offsets are 0 <= start < end <= {length_text} (the text length) with "
        f"text[start:end] equal to the span's quote{others}"
    )
