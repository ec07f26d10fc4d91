"""Tests of toolkit.report.charts: SVG bars, lines and heatmaps parse and show their data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from toolkit.report.charts import svg_bar_chart, svg_heatmap, svg_line_chart, text_width

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(svg: str) -> ET.Element:
    """SVG output must be well-formed XML on its own."""
    return ET.fromstring(svg)


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


@pytest.mark.parametrize(
    ("title", "labels"),
    [
        pytest.param("EVENT.modality: pass-a (rows) vs pass-b (columns)", ["a", "b"], id="long"),
        pytest.param("ACTOR.sector: ls-ANNOTATOR (rows) vs ls-WWWW (columns)", ["x"], id="upper"),
        pytest.param("m", ["THREATEN", "SANCTION"], id="long-labels"),
    ],
)
def test_svg_heatmap_is_wide_enough_for_its_title_and_labels(title: str, labels: list[str]) -> None:
    matrix = [[1.0] * len(labels) for _ in labels]
    root = parse_svg(svg_heatmap(labels, labels, matrix, title=title))
    width = float(root.get("width", "0"))
    assert width == float(root.get("viewBox", "").split()[2])
    assert width >= text_width(title, 14, bold=True) + 20
    rows = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    label_x = [float(t.get("x", "0")) for t in rows if t.text in labels]
    assert min(label_x) >= max(text_width(lab, 12) for lab in labels)  # right-aligned row labels


@pytest.mark.parametrize(
    ("text", "size", "bold", "expected"),
    [
        pytest.param("abc", 10, False, 19.8, id="lower"),
        pytest.param("AB1", 10, False, 23.4, id="upper-digit"),
        pytest.param("il m", 10, True, 24.86, id="narrow-wide-bold"),
    ],
)
def test_text_width(text: str, size: float, bold: bool, expected: float) -> None:
    assert text_width(text, size, bold=bold) == pytest.approx(expected)
