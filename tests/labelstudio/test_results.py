"""Annotation files to Label Studio results and back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.annotations.records import AnnotationFile, RelationLink, Span
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.labelstudio.results import annotation_to_result, result_to_annotation
from toolkit.taxonomy.labels import Taxonomy

TEXT = "Antony Blinken met Xi Jinping in Beijing.\nThe US does not support Taiwan independence."
DOC = "doc_0123456789abcdef"


def span(label: str, needle: str, attrs: dict[str, str], text: str = TEXT) -> Span:
    start = text.index(needle)
    end = start + len(needle)
    return Span(make_span_id(DOC, label, start, end), start, end, needle, label, attrs)


def sample(annotator: str = "pass-a") -> AnnotationFile:
    actor = span(
        "ACTOR",
        "Antony Blinken",
        {
            "canonical_name": "Antony Blinken",
            "country": "USA",
            "sector": "GOV",
            "wikidata_id": "Q4773949",
        },
    )
    us = span(
        "ACTOR",
        "US",
        {"canonical_name": "Government of the United States", "country": "USA", "sector": "GOV"},
    )
    event = span("EVENT", "met", {"category": "CONSULT", "mode": "visit", "modality": "asserted"})
    place = span(
        "LOCATION",
        "Beijing",
        {"gazetteer_id": "geonames:1816670", "country": "CHN", "feature_type": "city"},
    )
    stance = span("STANCE", "not support Taiwan independence", {"value": "NONE"})
    return AnnotationFile(
        DOC,
        sha256_text(TEXT),
        annotator,
        "1.0.0",
        [actor, us, event, place, stance],
        [RelationLink("holder", stance.id, us.id)],
    )


# ---------------------------------------------------------------- results


def test_result_round_trips_to_the_same_annotation(taxonomy: Taxonomy) -> None:
    want = sample()
    spans, relations, problems = result_to_annotation(
        annotation_to_result(want, taxonomy), text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    got = AnnotationFile(DOC, want.text_sha256, "pass-a", "1.0.0", spans, relations)
    assert got.to_json() == want.to_json()


def test_relation_drawn_backwards_still_points_stance_to_holder(taxonomy: Taxonomy) -> None:
    result = annotation_to_result(sample(), taxonomy)
    rel = result[-1]
    rel["from_id"], rel["to_id"], rel["labels"] = rel["to_id"], rel["from_id"], []
    _, relations, problems = result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)
    assert problems == []
    assert relations == sample().relations


def _problems(result: list[dict[str, Any]], taxonomy: Taxonomy) -> list[str]:
    return result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)[2]


def _region(start: int, end: int, label: str, quote: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if quote is not None:
        value["text"] = quote
    return {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels", "value": value}


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (
            [_region(80, 200, "EVENT")],
            "region r1 (EVENT): offsets 80-200 outside the text (0-86 code points)",
        ),
        (
            [_region(1, 7, "EVENT", "Antony")],
            "region r1 (EVENT): text[1:7] is 'ntony ' but Label "
            "Studio shows 'Antony'; the task text differs from the annotated one",
        ),
        (
            [_region(0, 6, "TOPIC")],
            "region r1: labels ['TOPIC'] (valid: exactly one of ACTOR, EVENT, LOCATION, STANCE)",
        ),
        (
            [_region(0, 6, "EVENT")],
            "region r1 (EVENT 'Antony'): EVENT attribute 'category' is required",
        ),
    ],
    ids=["out-of-range", "shifted", "unknown-label", "missing-attribute"],
)
def test_bad_regions_are_problems(
    result: list[dict[str, Any]], message: str, taxonomy: Taxonomy
) -> None:
    assert message in _problems(result, taxonomy)


def test_newlines_shown_as_backslash_n_still_match(taxonomy: Taxonomy) -> None:
    start = TEXT.index("Beijing.")
    end = TEXT.index("The US") + 3
    region = _region(start, end, "LOCATION", "Beijing.\\nThe")
    attrs = {
        "id": "r1",
        "from_name": "location_gazetteer_id",
        "to_name": "text",
        "type": "textarea",
        "value": {"start": start, "end": end, "text": ["local:x"]},
    }
    kind = {
        "id": "r1",
        "from_name": "location_feature_type",
        "to_name": "text",
        "type": "choices",
        "value": {"start": start, "end": end, "choices": ["city"]},
    }
    spans, _, problems = result_to_annotation(
        [region, attrs, kind], text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    assert spans[0].text == "Beijing.\nThe"


def test_attributes_of_a_previous_label_are_dropped(taxonomy: Taxonomy) -> None:
    result = annotation_to_result(sample(), taxonomy)
    place = next(
        r for r in result if r["from_name"] == "label" and r["value"]["labels"] == ["LOCATION"]
    )
    result.append(
        {
            "id": place["id"],
            "from_name": "actor_sector",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["GOV"]},
        }
    )
    spans, _, problems = result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)
    assert problems == []
    assert "sector" not in next(s for s in spans if s.label == "LOCATION").attributes


def test_stance_without_holder_is_a_problem(taxonomy: Taxonomy) -> None:
    result = [r for r in annotation_to_result(sample(), taxonomy) if r["type"] != "relation"]
    assert _problems(result, taxonomy) == [
        "STANCE 'not support Taiwan independence' has no holder relation (required: draw one "
        "to a ACTOR span)"
    ]


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=80
    ),
    cuts=st.lists(st.tuples(st.integers(0, 79), st.integers(1, 80)), max_size=6),
)
def test_any_valid_span_survives_the_round_trip(
    text: str, cuts: list[tuple[int, int]], taxonomy: Taxonomy
) -> None:
    spans = {}
    for a, b in cuts:
        start, end = min(a, b), max(a, b)
        if end > len(text) or start == end:
            continue
        s = Span(
            make_span_id(DOC, "EVENT", start, end),
            start,
            end,
            text[start:end],
            "EVENT",
            {"category": "ACCUSE", "modality": "asserted"},
        )
        spans[s.id] = s
    want = AnnotationFile(DOC, sha256_text(text), "x", "1.0.0", list(spans.values()))
    got, _, problems = result_to_annotation(
        annotation_to_result(want, taxonomy), text=text, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    assert sorted(s.to_json()["id"] for s in got) == sorted(spans)
    assert all(text[s.start : s.end] == s.text for s in got)


def argument_sample() -> AnnotationFile:
    """The sample with a context on the event and its source, target and location linked."""
    annotation = sample()
    by_text = {s.text: s for s in annotation.spans}
    xi = span(
        "ACTOR",
        "Xi Jinping",
        {"canonical_name": "Xi Jinping", "country": "CHN", "sector": "GOV"},
    )
    event = by_text["met"]
    event.attributes["context"] = ["military", "diplomatic"]
    annotation.spans.append(xi)
    annotation.relations += [
        RelationLink("source", event.id, by_text["Antony Blinken"].id),
        RelationLink("target", event.id, xi.id),
        RelationLink("location", event.id, by_text["Beijing"].id),
    ]
    return annotation


def test_arguments_and_context_round_trip(taxonomy: Taxonomy) -> None:
    want = argument_sample()
    result = annotation_to_result(want, taxonomy)
    context = next(r for r in result if r.get("from_name") == "event_context")
    assert context["value"]["choices"] == ["diplomatic", "military"]
    roles = [(r["labels"], r["direction"]) for r in result if r["type"] == "relation"]
    assert roles == [
        (["holder"], "right"),
        (["location"], "right"),
        (["source"], "right"),
        (["target"], "right"),
    ]
    spans, relations, problems = result_to_annotation(
        result, text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    got = AnnotationFile(DOC, want.text_sha256, "pass-a", "1.0.0", spans, relations)
    event = next(s for s in want.spans if s.label == "EVENT")
    event.attributes["context"] = ["diplomatic", "military"]  # pulled back sorted
    assert got.to_json() == want.to_json()


def test_role_drawn_backwards_keeps_its_direction(taxonomy: Taxonomy) -> None:
    result = annotation_to_result(argument_sample(), taxonomy)
    target = next(r for r in result if r.get("labels") == ["target"])
    target["from_id"], target["to_id"], target["direction"] = (
        target["to_id"],
        target["from_id"],
        "left",
    )
    _, relations, problems = result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)
    assert problems == []
    assert sorted((r.type, r.from_id, r.to_id) for r in relations) == sorted(
        (r.type, r.from_id, r.to_id) for r in argument_sample().relations
    )


def test_unlabelled_event_actor_relation_asks_for_a_role(taxonomy: Taxonomy) -> None:
    result = annotation_to_result(argument_sample(), taxonomy)
    next(r for r in result if r.get("labels") == ["source"])["labels"] = []
    _, relations, problems = result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)
    assert problems == [
        "relation between EVENT 'met' and ACTOR 'Antony Blinken' has no label; choose one of: "
        "source, target"
    ]
    assert "source" not in {r.type for r in relations}


def test_second_location_is_a_problem(taxonomy: Taxonomy) -> None:
    annotation = argument_sample()
    event = next(s for s in annotation.spans if s.label == "EVENT")
    taiwan = span(
        "LOCATION",
        "Taiwan",
        {"gazetteer_id": "geonames:1668284", "country": "TWN", "feature_type": "country"},
    )
    annotation.spans.append(taiwan)
    annotation.relations.append(RelationLink("location", event.id, taiwan.id))
    _, _, problems = result_to_annotation(
        annotation_to_result(annotation, taxonomy), text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == ["EVENT 'met' has 2 location relations (at most 1)"]
