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


def _quote_mismatches(spans: pl.DataFrame, texts: Mapping[str, str]) -> list[int]:
    """Row positions of spans whose quote is not their text at their offsets."""
    # Python slices a str in constant time; a per-row slice in polars walks the text each time.
    rows = zip(
        spans["doc_id"].to_list(),
        spans["start"].to_list(),
        spans["end"].to_list(),
        spans["text"].to_list(),
        strict=True,
    )
    return [
        i
        for i, (doc, start, end, quote) in enumerate(rows)
        if doc in texts and texts[doc][start:end] != quote
    ]


def check_offsets(spans: pl.DataFrame, documents: pl.DataFrame) -> None:
    """Raise on the first span whose offsets or quote do not fit its document's text."""
    docs = documents.select("doc_id", "text").unique("doc_id").drop_nulls("text")
    texts = dict(docs.iter_rows())
    lengths = docs.select("doc_id", pl.col("text").str.len_chars().alias("_doc_len"))
    joined = spans.with_row_index("_row").join(
        lengths, on="doc_id", how="left", maintain_order="left"
    )
    start, end, length = pl.col("start"), pl.col("end"), pl.col("_doc_len")
    reason = (
        pl.when(end <= start)
        .then(pl.lit("end <= start"))
        .when(start < 0)
        .then(pl.lit("negative start"))
        .when(length.is_not_null() & (end > length))
        .then(pl.lit("end after the text"))
    )
    joined = joined.with_columns(reason.alias("_reason"))
    fitting = joined.filter(pl.col("_reason").is_null())
    mismatched = fitting[_quote_mismatches(fitting, texts)]["_row"]
    bad = joined.with_columns(
        pl.when(pl.col("_row").is_in(mismatched.implode()))
        .then(pl.lit("quote differs from the text at these offsets"))
        .otherwise(pl.col("_reason"))
        .alias("_reason")
    ).filter(pl.col("_reason").is_not_null())
    if bad.height == 0:
        return
    row = bad.sort("_row").row(0, named=True)
    length_text = "unknown" if row["_doc_len"] is None else str(row["_doc_len"])
    others = f"; {bad.height - 1} more span(s) like it" if bad.height > 1 else ""
    raise InputError(
        f"layer {row['annotator_id']}, document {row['doc_id']}, span {row['span_id']}: "
        f"offsets {row['start']}-{row['end']} do not fit the text ({row['_reason']}); "
        f"valid offsets are 0 <= start < end <= {length_text} (the text length) with "
        f"text[start:end] equal to the span's quote{others}"
    )
