"""Actor rules: unknown titled people, groups, and what is not an actor."""

from __future__ import annotations

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
