"""Tests for toolkit.agreement.arguments: argument F1 per role and event-record agreement."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.agreement.arguments import NO_ARGUMENTS
from toolkit.agreement.layers import Layers
from toolkit.agreement.report_markdown import render_markdown
from toolkit.agreement.study import compute_agreement

from .test_layers import make_layers

USA = {"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"}
CHN = {"canonical_name": "Xi Jinping", "country": "CHN", "sector": "GOV"}
CITY = {"gazetteer_id": "geonames:1816670", "feature_type": "city"}
CONSULT = {"category": "CONSULT", "modality": "asserted"}


def span(ann: str, label: str, start: int, end: int, attrs: dict[str, Any], **more: Any) -> dict:
    return {
        "annotator_id": ann,
        "label": label,
        "start": start,
        "end": end,
        "attributes": dict(attrs),
        "span_id": f"sp_{ann}_{label}_{start}",
        **more,
    }


def links(ann: str, *ends: tuple[str, str, int]) -> list[dict[str, str]]:
    return [
        {"type": role, "to_span_id": f"sp_{ann}_{label}_{start}"} for role, label, start in ends
    ]


def argument_layers(seed_texts: dict[str, str]) -> Layers:
    """Two passes on one document: one event with arguments that partly agree, one without.

    pass-b cuts the source actor one code point short (an overlap match only) and adds the
    target actor as a second source; target and location agree exactly.
    """
    doc = next(iter(seed_texts))
    a_args = links(
        "pass-a", ("source", "ACTOR", 10), ("target", "ACTOR", 20), ("location", "LOCATION", 30)
    )
    b_args = links(
        "pass-b",
        ("source", "ACTOR", 10),
        ("source", "ACTOR", 20),
        ("target", "ACTOR", 20),
        ("location", "LOCATION", 30),
    )
    context_a = dict(CONSULT, context=["military", "diplomatic"])
    context_b = dict(CONSULT, context=["diplomatic", "military"])
    spans = [
        span("pass-a", "ACTOR", 10, 15, USA),
        span("pass-a", "ACTOR", 20, 25, CHN),
        span("pass-a", "LOCATION", 30, 35, CITY),
        span("pass-a", "EVENT", 100, 105, context_a, relations=a_args),
        span("pass-a", "EVENT", 200, 205, CONSULT),
        span("pass-b", "ACTOR", 10, 14, USA),
        span("pass-b", "ACTOR", 20, 25, CHN),
        span("pass-b", "LOCATION", 30, 35, CITY),
        span("pass-b", "EVENT", 100, 105, context_b, relations=b_args),
        span("pass-b", "EVENT", 200, 205, CONSULT),
    ]
    spans = [dict(s, doc_id=doc) for s in spans]
    return make_layers(seed_texts, spans, {"pass-a": [doc], "pass-b": [doc]})


def test_argument_f1_per_role_and_matching_mode(seed_texts: dict[str, str]) -> None:
    args = compute_agreement(argument_layers(seed_texts), n_bootstrap=0).data["arguments"]
    assert args["status"] == "ok"
    assert args["relations_per_annotator"] == {"pass-a": 3, "pass-b": 4}
    assert args["matched_events"] == {"pass-a|pass-b": 2}
    got = {k: args[k]["value"] for k in args if k.endswith(("_exact", "_overlap"))}
    assert got == {
        "source_f1_exact": 0.0,  # the source ACTOR spans differ in their end
        "source_f1_overlap": pytest.approx(2 / 3),  # 2 x 1 agreeing / (1 + 2)
        "target_f1_exact": 1.0,
        "target_f1_overlap": 1.0,
        "location_f1_exact": 1.0,
        "location_f1_overlap": 1.0,
    }
    assert args["source_f1_overlap"]["n"] == 3


def test_event_record_needs_the_same_country_sets(seed_texts: dict[str, str]) -> None:
    args = compute_agreement(argument_layers(seed_texts), n_bootstrap=0).data["arguments"]
    # The first event's sources are {USA} vs {CHN, USA}; the second has no arguments on either side.
    assert args["event_records"]["value"] == 0.5
    assert args["event_records"]["n"] == 2
    assert args["pairs"]["event_records"] == {"pass-a|pass-b": 0.5}


def test_context_compares_as_a_set(seed_texts: dict[str, str]) -> None:
    data = compute_agreement(argument_layers(seed_texts), n_bootstrap=0).data
    context = data["attributes"]["EVENT.context"]
    assert context["values"] == ["(none)", "diplomatic|military"]
    assert context["cohen_kappa"]["value"] == 1.0


def test_bootstrap_gives_intervals_for_argument_f1(seed_texts: dict[str, str]) -> None:
    args = compute_agreement(argument_layers(seed_texts), n_bootstrap=50).data["arguments"]
    # One document: every resample is the same document, so the interval is the point.
    assert args["source_f1_overlap"]["ci_low"] == pytest.approx(2 / 3)
    assert args["source_f1_overlap"]["ci_high"] == pytest.approx(2 / 3)


def test_without_argument_relations_nothing_is_reported(two_pass_layers: Layers) -> None:
    data = compute_agreement(two_pass_layers, n_bootstrap=0).data
    args = data["arguments"]
    assert args["status"] == NO_ARGUMENTS
    assert (
        args["source_f1_exact"]
        == {
            "value": None,
            "low": None,
            "high": None,
            "reason": NO_ARGUMENTS,
            "n": 0,
        }
        or args["source_f1_exact"]["value"] is None
    )
    assert args["event_records"]["value"] is None
    assert args["event_records"]["reason"] == NO_ARGUMENTS
    assert "No argument relations annotated: no argument agreement is reported." in (
        render_markdown(data)
    )
