"""Tests for toolkit.report: tables, SVG plots, pages and atomic report files."""

from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import ToolkitError
from toolkit.report.pages import (
    format_ci,
    format_estimate,
    html_page,
    html_table,
    markdown_table,
    svg_bar_chart,
    svg_heatmap,
    svg_line_chart,
    write_report,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(svg: str) -> ET.Element:
    """SVG output must be well-formed XML on its own."""
    return ET.fromstring(svg)


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


def test_svg_bar_chart_draws_bars_whiskers_and_na() -> None:
    svg = svg_bar_chart(
        [("ACTOR", 0.8, 0.7, 0.9), ("EVENT", -0.2, -0.4, 0.1), ("LOC", None, None, None)],
        title="F1 <per label>",
        x_label="F1",
        domain=(-1.0, 1.0),
    )
    root = parse_svg(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    whiskers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "whisker"]
    assert len(bars) == 2 and len(whiskers) == 2
    assert all(float(b.get("width", "0")) > 0 for b in bars)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "F1 <per label>" in texts and "n/a" in texts and "0.800 [0.700, 0.900]" in texts


def test_svg_bar_chart_rejects_empty_domain_and_handles_no_items() -> None:
    with pytest.raises(ValueError, match=r"domain must have low < high, got \(1.0, 1.0\)"):
        svg_bar_chart([("a", 1.0, None, None)], title="t", x_label="x", domain=(1.0, 1.0))
    root = parse_svg(svg_bar_chart([], title="t", x_label="x"))
    assert "no data" in [t.text for t in root.iter(f"{SVG}text")]


def test_svg_line_chart_series_and_bands() -> None:
    svg = svg_line_chart(
        {"train": [(1, 0.5), (2, 0.6), (3, 0.7)], "dev": [(1, 0.4), (3, 0.65)]},
        title="Learning curve",
        x_label="documents",
        y_label="F1",
        bands={"dev": [(1, 0.3, 0.5), (3, 0.55, 0.75)]},
    )
    root = parse_svg(svg)
    assert len([p for p in root.iter(f"{SVG}polyline") if p.get("class") == "line"]) == 2
    assert len([p for p in root.iter(f"{SVG}polygon") if p.get("class") == "band"]) == 1
    assert len(list(root.iter(f"{SVG}circle"))) == 5


def test_svg_heatmap_cells_and_shape_check() -> None:
    root = parse_svg(svg_heatmap(["a", "b"], ["a", "b", "c"], [[3, 0, 1], [0, 2, 0.5]], title="m"))
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert len(cells) == 6
    assert {"3", "2", "0.50"} <= {t.text for t in root.iter(f"{SVG}text")}
    with pytest.raises(ValueError, match="heatmap matrix must be 2 x 3 to match its labels"):
        svg_heatmap(["a", "b"], ["a", "b", "c"], [[1, 2, 3]], title="m")


def test_html_page_is_self_contained() -> None:
    page = html_page("Report <1>", "<p>body</p>")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Report &lt;1&gt;</title>" in page
    for external in ("<link", "src=", "@import", "url("):
        assert external not in page


def test_write_report_writes_three_files(tmp_path: Path) -> None:
    paths = write_report(
        tmp_path / "out", "agreement", data={"b": 1, "a": [1.5, None]}, markdown="# x", html="<p/>"
    )
    assert {k: p.name for k, p in paths.items()} == {
        "json": "agreement.json",
        "md": "agreement.md",
        "html": "agreement.html",
    }
    assert paths["json"].read_text() == '{\n  "a": [\n    1.5,\n    null\n  ],\n  "b": 1\n}\n'
    assert paths["md"].read_text() == "# x\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["agreement.json", "agreement.md", "agreement.html"]
    )


def test_write_report_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError) as info:
        write_report(tmp_path, "r", data={"x": math.nan}, markdown="", html="")
    assert str(info.value) == (
        f"{tmp_path / 'r.json'}: report data cannot be written as JSON "
        "(Out of range float values are not JSON compliant: nan); "
        "use null with a reason for undefined values"
    )
    assert not list(tmp_path.iterdir())


def test_write_report_converts_numpy_and_paths(tmp_path: Path) -> None:
    paths = write_report(
        tmp_path,
        "r",
        data={"n": np.int64(3), "p": Path("a/b"), "v": np.arange(2)},
        markdown="",
        html="",
    )
    assert json.loads(paths["json"].read_text()) == {"n": 3, "p": "a/b", "v": [0, 1]}


def test_write_report_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths = write_report(tmp_path, "r", data={}, markdown="", html="")
    finally:
        os.umask(old)
    assert {p.stat().st_mode & 0o777 for p in paths.values()} == {0o644}
