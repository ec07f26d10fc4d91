"""Place rules: a country or capital is a place or its government by context."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.taxonomy.gazetteer import default_gazetteer

from .test_rules import find, labels_of, spans_of


@pytest.mark.parametrize(
    ("sentence", "quote", "label"),
    [
        ("Trade officials held talks in Beijing last week.", "Beijing", "LOCATION"),
        ("The envoy arrived in Taipei on Friday.", "Taipei", "LOCATION"),
        ("Her visit to Washington drew protests.", "Washington", "LOCATION"),
        ("Washington warned of consequences.", "Washington", "ACTOR"),
        ("Tokyo and Seoul have protested.", "Tokyo", "ACTOR"),
        ("The deal angered Moscow, diplomats said.", "Moscow", "ACTOR"),
        ("Analysts discussed Taiwan at length.", "Taiwan", "LOCATION"),
        ("Both oppose Taiwan independence.", "Taiwan", "LOCATION"),
        ("Manila accused the coast guard of ramming its boat.", "Manila", "ACTOR"),
        ("Taiwan's defence ministry reported 20 aircraft.", "Taiwan", "ACTOR"),
        ("Argentina has apologized to Brazil for the incident.", "Brazil", "ACTOR"),
        ("It is providing photographs and other intelligence to Kenya.", "Kenya", "ACTOR"),
        ("The UN sent 21 military and civilian personnel to Peru.", "Peru", "LOCATION"),
        ("They offered aid, then flew to Brazil.", "Brazil", "LOCATION"),
    ],
    ids=[
        "talks-in",
        "arrived-in",
        "visit-to",
        "subject",
        "coordinated-subject",
        "object-default",
        "topic-country",
        "compound-head",
        "subject-accused",
        "possessive",
        "recipient-to",
        "recipient-to-eight-words-back",
        "destination-to",
        "recipient-word-in-another-clause",
    ],
)
def test_capital_or_country_is_actor_or_location_by_context(
    sentence: str, quote: str, label: str
) -> None:
    assert labels_of(spans_of(sentence), quote) == {label}


def test_location_attributes_come_from_the_gazetteer() -> None:
    spans = spans_of("Warships sailed through the Taiwan Strait toward the South China Sea.")
    strait = find(spans, "LOCATION", "Taiwan Strait")
    assert strait.attributes == {"gazetteer_id": "local:taiwan-strait", "feature_type": "water"}
    sea = find(spans, "LOCATION", "South China Sea")
    assert default_gazetteer().get(sea.attributes["gazetteer_id"]) is not None


def test_compounds_and_modifiers_are_not_annotated() -> None:
    spans = spans_of("U.S.-China relations soured after U.S. sanctions and Sino-US talks.")
    assert not [s for s in spans if s.label in ("ACTOR", "LOCATION")]


def test_country_airspace_is_one_location() -> None:
    spans = spans_of("A balloon drifted into Japanese waters and then over U.S. airspace.")
    airspace = find(spans, "LOCATION", "U.S. airspace")
    assert airspace.attributes == {
        "gazetteer_id": "geonames:6252001",
        "country": "USA",
        "feature_type": "airspace",
    }


def test_one_china_formula_is_not_a_place_or_actor() -> None:
    spans = spans_of("Officials said the one China policy had not changed.")
    assert labels_of(spans, "China") == set()


def test_cli_gazetteer_and_codebook_commands() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["gazetteer", "lookup", "Taiwan Strait"])
    assert result.exit_code == 0
    assert result.output == "local:taiwan-strait\tTaiwan Strait\t-\twater\t-\n"
    result = runner.invoke(cli, ["gazetteer", "lookup", "Nowhereland"])
    assert result.exit_code == 1
    assert "no gazetteer entry called 'Nowhereland'" in result.output
    result = runner.invoke(cli, ["codebook", "--check"])
    assert result.exit_code == 0, result.output
