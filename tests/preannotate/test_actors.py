"""Actor rules: unknown titled people, groups, and what is not an actor."""

from __future__ import annotations

import pytest

from toolkit.preannotate.actors import plural_demonym

from .test_rules import find, spans_of


def test_unknown_titled_person_and_groups() -> None:
    spans = spans_of(
        "Philippine President Rodrigo Alvarez met Japanese officials after Chinese warships "
        "patrolled nearby."
    )
    person = find(spans, "ACTOR", "Philippine President Rodrigo Alvarez")
    assert person.attributes == {
        "canonical_name": "Rodrigo Alvarez",
        "country": "PHL",
        "sector": "GOV",
    }
    assert find(spans, "ACTOR", "Japanese officials").attributes["canonical_name"] == (
        "Government of Japan"
    )
    assert find(spans, "ACTOR", "Chinese warships").attributes["sector"] == "MIL"
    assert find(spans, "EVENT", "met").attributes["category"] == "CONSULT"


def test_pronouns_and_lowercase_groups_without_country_are_not_actors() -> None:
    spans = spans_of("They said officials would respond, and he agreed.")
    assert [s for s in spans if s.label == "ACTOR"] == []


@pytest.mark.parametrize(
    ("text", "quote", "key", "value"),
    [
        ("Romanian officials agreed to talks.", "Romanian officials", "country", "ROU"),
        ("The Philippine coast guard said so.", "Philippine coast guard", "sector", "MIL"),
        ("Kosovo leaders rejected the offer.", "Kosovo leaders", "country", "KOS"),
        ("Palestinians rejected the offer.", "Palestinians", "country", "PSE"),
        ("Nigerian police arrested him.", "Nigerian police", "canonical_name", "Police of Nigeria"),
        (
            "Serbian President Boris Tadic met envoys. Later Tadic said no.",
            "Tadic",
            "canonical_name",
            "Boris Tadic",
        ),
    ],
    ids=[
        "derived-demonym",
        "role-noun",
        "country-before-role",
        "plural-demonym",
        "office",
        "surname",
    ],
)
def test_actors_beyond_the_name_lists(text: str, quote: str, key: str, value: str) -> None:
    spans = [s for s in spans_of(text) if s.label == "ACTOR" and s.text == quote]
    assert spans and spans[-1].attributes[key] == value


@pytest.mark.parametrize(
    "word", ["Chinese", "French", "South Korean"], ids=["ese", "irregular", "two-words"]
)
def test_demonyms_without_a_plural(word: str) -> None:
    assert plural_demonym(word) is None
