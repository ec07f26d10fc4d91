"""Tests of toolkit.report.tables: cell formatting, Markdown and HTML tables."""

from __future__ import annotations

import math

import pytest

from toolkit.report.tables import format_ci, format_estimate, html_table, markdown_table


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((0.8123, 0.7012, 0.9049), {}, "0.812 [0.701, 0.905]"),
        ((0.8123, None, None), {}, "0.812"),
        ((0.5, 0.25, 0.75, 1), {}, "0.5 [0.2, 0.8]"),
        ((None, None, None), {"reason": "one annotator"}, "n/a (one annotator)"),
        ((None, None, None), {}, "n/a"),
        ((math.nan, 0.1, 0.2), {"reason": "no spans"}, "n/a (no spans)"),
        ((-0.25, -0.5, 0.0), {}, "-0.250 [-0.500, 0.000]"),
    ],
    ids=["full", "no-ci", "digits", "reason", "bare-na", "nan-is-na", "negative"],
)
def test_format_ci(args: tuple, kwargs: dict, expected: str) -> None:
    assert format_ci(*args, **kwargs) == expected


@pytest.mark.parametrize(
    ("estimate", "expected"),
    [
        ({"value": 0.8123, "ci_low": 0.7012, "ci_high": 0.9049, "n": 4}, "0.812 [0.701, 0.905]"),
        ({"value": 0.8123, "ci_low": None, "ci_high": None}, "0.812"),
        ({"value": None, "reason": "one rater"}, "n/a (one rater)"),
        ({}, "n/a"),
        (None, "n/a"),
    ],
    ids=["full", "no-ci", "reason", "empty", "absent"],
)
def test_format_estimate(estimate: dict | None, expected: str) -> None:
    assert format_estimate(estimate) == expected


def test_markdown_table_escapes_pipes_and_newlines() -> None:
    table = markdown_table(["a", "b|c"], [[1, 0.5], [None, "x|y\nz"], [True, math.nan]])
    assert table.splitlines() == [
        "| a | b\\|c |",
        "|---|---|",
        "| 1 | 0.500 |",
        "|  | x\\|y z |",
        "| yes |  |",
    ]


def test_html_table_escapes_and_sorts() -> None:
    out = html_table(["name", "n"], [["<script>x</script>", 3], ["b&c", 1.5]], caption="A & B")
    assert "<script>x" not in out
    assert "&lt;script&gt;x&lt;/script&gt;" in out
    assert "<caption>A &amp; B</caption>" in out
    assert 'data-sort="3.0"' in out and 'class="num"' in out
    assert "sortable" not in out
    sortable = html_table(["x"], [[1]], sortable=True)
    assert '<table class="report sortable">' in sortable
    assert sortable.count("<script>") == 1
