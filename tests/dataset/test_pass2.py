"""Tests of pass 2's figures about documents.parquet (for the manifest and the card)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from toolkit.dataset.pass2 import _DocStats, _gather_stats

SENTENCES = pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32())]))


def _group(outlets: list[str | None], dates: list[dt.date | None], texts: list[str]) -> pa.Table:
    sentences = [[{"start": 0, "end": len(t)}] * (i + 1) for i, t in enumerate(texts)]
    return pa.table(
        {
            "outlet": pa.array(outlets, pa.string()),
            "published_date": pa.array(dates, pa.date32()),
            "sentences": pa.array(sentences, SENTENCES),
            "text": pa.array(texts, pa.string()),
        }
    )


def test_figures_add_up_over_row_groups_and_skip_missing_values() -> None:
    stats = _DocStats()
    _gather_stats(
        stats, _group(["AP", None, ""], [None, dt.date(2023, 6, 12), None], ["ab", "é", "x"])
    )
    _gather_stats(
        stats, _group(["AP", "AFP"], [dt.date(2023, 6, 20), dt.date(2023, 6, 1)], ["", "abc"])
    )
    assert dict(stats.outlets) == {"AP": 2, "AFP": 1}
    assert (stats.first_date, stats.last_date) == (dt.date(2023, 6, 1), dt.date(2023, 6, 20))
    assert (stats.n_sentences, stats.n_characters) == (9, 7)


def test_a_group_without_dates_or_rows_changes_nothing() -> None:
    stats = _DocStats()
    _gather_stats(stats, _group([None], [None], ["abc"]))
    _gather_stats(stats, _group([], [], []))
    assert (dict(stats.outlets), stats.first_date, stats.last_date) == ({}, None, None)
    assert (stats.n_sentences, stats.n_characters) == (1, 3)
