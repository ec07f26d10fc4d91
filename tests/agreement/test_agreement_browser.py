"""The agreement report in headless Chromium: tables and SVG plots render, tables sort."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolkit.agreement.report_files import write_agreement_report
from toolkit.agreement.study import compute_agreement

from .test_layers import make_layers, seed_spans

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-annotator report on the seed texts with every kind of disagreement."""
    from toolkit.ingest.article import read_article

    root = Path(__file__).resolve().parents[2] / "seeds"
    texts = {a.doc_id: a.text for a in (read_article(p) for p in sorted(root.glob("*.txt")))}
    a = seed_spans(texts, "pass-a")
    b = [dict(s, annotator_id="pass-b", attributes=dict(s["attributes"])) for s in a]
    c = [dict(s, annotator_id="ls-c", attributes=dict(s["attributes"])) for s in a]
    b[0]["end"] -= 1
    b[1]["label"] = "LOCATION"
    del c[2]
    for s in c[3:8]:
        s["attributes"]["country"] = "CHN"
    docs = list(texts)
    layers = make_layers(texts, a + b + c, {"pass-a": docs, "pass-b": docs, "ls-c": docs})
    out = tmp_path_factory.mktemp("report")
    paths = write_agreement_report(out, compute_agreement(layers, n_bootstrap=100, seed=0))
    return paths["html"]


def test_report_renders_tables_and_plots(chromium: Any, report_html: Path) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_html.as_uri())
    assert all(url.startswith("file://") for url in requests), requests
    tables = page.locator("table.report")
    assert tables.count() == 8  # the event-argument table included
    for i in range(tables.count()):
        box = tables.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
    svgs = page.locator("svg.chart")
    assert svgs.count() >= 5  # F1 exact, F1 overlap, alphas, kappas, heatmaps
    for i in range(svgs.count()):
        box = svgs.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    bars = page.locator("svg.chart rect.bar")
    assert bars.count() > 10
    assert all(
        (bars.nth(i).bounding_box() or {"width": 0})["width"] > 0 for i in range(bars.count())
    )
    assert page.locator("svg.chart rect.cell").count() > 0
    page.close()


def test_disagreement_table_sorts_on_header_click(chromium: Any, report_html: Path) -> None:
    page = chromium.new_page()
    page.goto(report_html.as_uri())
    table = page.locator("table.sortable", has=page.locator("caption", has_text="Disputed spans"))
    start_header = table.locator("th", has_text="start")
    rows_before = table.locator("tbody tr").count()
    assert rows_before >= 3
    start_header.click()
    assert start_header.get_attribute("aria-sort") == "ascending"
    starts = [int(v) for v in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert starts == sorted(starts)
    start_header.click()
    assert start_header.get_attribute("aria-sort") == "descending"
    starts = [int(v) for v in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert starts == sorted(starts, reverse=True)
    assert table.locator("tbody tr").count() == rows_before
    page.close()


_OVERFLOW_JS = """() => Array.from(document.querySelectorAll('svg.chart')).flatMap(svg => {
  const box = svg.getBoundingClientRect();
  const scale = svg.viewBox.baseVal.width / box.width;
  return Array.from(svg.querySelectorAll('text')).flatMap(t => {
    const r = t.getBoundingClientRect();
    const left = (r.left - box.left) * scale, right = (r.right - box.left) * scale;
    return left < -0.5 || right > svg.viewBox.baseVal.width + 0.5
      ? [`${svg.querySelector('title').textContent}: "${t.textContent}" spans ` +
         `${left.toFixed(1)}..${right.toFixed(1)} of 0..${svg.viewBox.baseVal.width}`]
      : [];
  });
})"""


def test_chart_texts_fit_their_charts(chromium: Any, report_html: Path) -> None:
    """No title or label of a chart (confusion-matrix titles were) is cut off at its sides."""
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(report_html.as_uri())
    assert page.locator("svg.chart rect.cell").count() > 0
    assert page.evaluate(_OVERFLOW_JS) == []
    page.close()
