"""Fixtures of the agreement tests: the seed texts and a two-pass study on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.agreement.layers import Layers

from .test_layers import make_layers, seed_spans


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    """Texts of the five seed articles as toolkit.ingest reads them, by doc_id."""
    from toolkit.ingest.article import read_article

    root = Path(__file__).resolve().parents[2] / "seeds"
    articles = [read_article(p) for p in sorted(root.glob("*.txt"))]
    return {a.doc_id: a.text for a in articles}


@pytest.fixture(scope="module")
def two_pass_layers(seed_texts: dict[str, str]) -> Layers:
    """pass-a and pass-b on the seeds: pass-b shifts one ACTOR, drops one EVENT, recodes one."""
    a = seed_spans(seed_texts, "pass-a")
    b = [dict(s, annotator_id="pass-b", attributes=dict(s["attributes"])) for s in a]
    actors = [s for s in b if s["label"] == "ACTOR"]
    actors[0]["end"] -= 1  # boundary disagreement
    events = [i for i, s in enumerate(b) if s["label"] == "EVENT"]
    b[events[1]]["attributes"]["category"] = "AGREE"  # attribute disagreement
    del b[events[0]]  # missed span
    gold = [dict(s, annotator_id="gold") for s in a]
    docs = list(seed_texts)
    return make_layers(seed_texts, a + b + gold, {"pass-a": docs, "pass-b": docs, "gold": docs})
