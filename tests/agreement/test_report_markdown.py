"""Tests for toolkit.agreement.report_markdown (and the HTML report): text from data stays inert."""

from __future__ import annotations

import pytest

from toolkit.agreement.report_html import render_html
from toolkit.agreement.report_markdown import inert_text, render_markdown
from toolkit.agreement.study import compute_agreement

from .test_layers import make_layers, seed_spans

PAYLOADS = [
    pytest.param("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", id="script"),
    pytest.param(
        "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;", id="img-onerror"
    ),
    pytest.param(
        "[click](javascript:alert(1))", "[click&#93;(javascript:alert(1))", id="markdown-link"
    ),
    pytest.param("`code` & more", "&#96;code&#96; &amp; more", id="code-and-ampersand"),
]


@pytest.mark.parametrize(("raw", "inert"), PAYLOADS)
def test_inert_text(raw: str, inert: str) -> None:
    assert inert_text(raw) == inert


def _study(seed_texts: dict[str, str], payload: str) -> dict[str, object]:
    """pass-b gives the first LOCATION and the (shortened) first ACTOR the payload as values."""
    a = seed_spans(seed_texts, "pass-a")
    b = [dict(s, annotator_id="pass-b", attributes=dict(s["attributes"])) for s in a]
    location = next(s for s in b if s["label"] == "LOCATION")
    location["attributes"]["gazetteer_id"] = payload
    actor = next(s for s in b if s["label"] == "ACTOR")
    actor["end"] -= 1
    actor["attributes"]["canonical_name"] = payload
    docs = list(seed_texts)
    layers = make_layers(seed_texts, a + b, {"pass-a": docs, "pass-b": docs})
    return compute_agreement(layers, n_bootstrap=0).data


@pytest.mark.parametrize(("raw", "inert"), PAYLOADS)
def test_attribute_values_are_inert_in_the_markdown_report(
    seed_texts: dict[str, str], raw: str, inert: str
) -> None:
    md = render_markdown(_study(seed_texts, raw))
    assert raw not in md
    assert f"gazetteer_id={inert}" in md
    assert f"canonical_name={inert}" in md
    assert "<" not in md and "`" not in md


@pytest.mark.parametrize(("raw", "inert"), PAYLOADS[:2])
def test_attribute_values_are_escaped_in_the_html_report(
    seed_texts: dict[str, str], raw: str, inert: str
) -> None:
    page = render_html(_study(seed_texts, raw))
    assert raw not in page
    assert f"gazetteer_id={inert}" in page
    assert f"canonical_name={inert}" in page
    # the only script in the page is the table sorter; no element comes from the data
    assert page.count("<script>") == page.count("window.__toolkitSortable = true")
    assert "<img" not in page
