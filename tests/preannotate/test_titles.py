"""Title rules: title and name are one span, bare titles resolve to people of the document."""

from __future__ import annotations

import pytest

from .test_rules import find, spans_of


def test_title_and_name_are_one_span_and_bare_titles_resolve_in_the_document() -> None:
    text = (
        "The Secretary of State landed on Sunday. US Secretary of State Antony Blinken then "
        "met Chinese Foreign Minister Qin Gang. Mr Blinken said the talks were useful."
    )
    spans = spans_of(text)
    title_only = find(spans, "ACTOR", "Secretary of State")
    full = find(spans, "ACTOR", "US Secretary of State Antony Blinken")
    mr = find(spans, "ACTOR", "Mr Blinken")
    for span in (title_only, full, mr):
        assert span.attributes["canonical_name"] == "Antony Blinken"
        assert span.attributes["wikidata_id"] == "Q4773949"
    assert find(spans, "ACTOR", "Chinese Foreign Minister Qin Gang").attributes["country"] == "CHN"
    assert find(spans, "EVENT", "met").attributes["category"] == "CONSULT"


def test_apposition_and_possessive_title_link_to_the_named_person() -> None:
    spans = spans_of("He met Wang Yi, China's top diplomat, and later Wang spoke to reporters.")
    assert find(spans, "ACTOR", "China's top diplomat").attributes["canonical_name"] == "Wang Yi"
    assert find(spans, "ACTOR", "Wang").attributes["canonical_name"] == "Wang Yi"


@pytest.mark.parametrize(
    ("text", "quote", "country"),
    [
        ("Putin offered talks with the president of Armenia.", "president of Armenia", "ARM"),
        (
            "He met the foreign minister of the United States.",
            "foreign minister of the United States",
            "USA",
        ),
    ],
    ids=["of-country", "of-the-country"],
)
def test_a_title_takes_the_country_named_after_of(text: str, quote: str, country: str) -> None:
    assert find(spans_of(text), "ACTOR", quote).attributes["country"] == country


def test_a_title_keeps_its_own_country_before_of() -> None:
    spans = spans_of("Chinese officials of Taiwan affairs met.")
    assert find(spans, "ACTOR", "Chinese officials").attributes["country"] == "CHN"
