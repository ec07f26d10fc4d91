"""Stance rules: cue values, clauses and the holder each stance links to."""

from __future__ import annotations

import pytest

from toolkit.annotations.records import Span
from toolkit.preannotate.rules import default_rules

from .test_rules import DOC, find


def holder_of(text: str, stance_quote: str) -> tuple[Span, Span]:
    result = default_rules().annotate(DOC, text)
    by_id = {s.id: s for s in result.spans}
    stance = find(result.spans, "STANCE", stance_quote)
    links = [r for r in result.relations if r.from_id == stance.id]
    assert len(links) == 1 and links[0].type == "holder"
    return stance, by_id[links[0].to_id]


def test_prc_formula_is_against_with_the_speaker_as_holder() -> None:
    stance, holder = holder_of(
        "Taiwan is an inalienable part of China, Chinese Foreign Minister Wang Yi said.",
        "Taiwan is an inalienable part of China",
    )
    assert stance.attributes == {"value": "AGAINST", "facet": "UNIFICATION"}
    assert holder.text == "Chinese Foreign Minister Wang Yi"


def test_us_formula_is_none_status_quo_with_the_quoted_body_as_holder() -> None:
    stance, holder = holder_of(
        "The State Department said that the United States does not support Taiwan independence.",
        "the United States does not support Taiwan independence",
    )
    assert stance.attributes == {"value": "NONE", "facet": "STATUS_QUO"}
    assert holder.text == "State Department"


def test_defence_pledge_is_favor_and_speaker_clause_is_excluded() -> None:
    stance, holder = holder_of(
        "US President Joe Biden said Washington would defend Taiwan if it were attacked.",
        "Washington would defend Taiwan if it were attacked",
    )
    assert stance.attributes == {"value": "FAVOR", "facet": "STATUS_QUO"}
    assert holder.attributes["canonical_name"] == "Joe Biden"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Beijing firmly opposes Taiwan independence.", "AGAINST"),
        ("Tokyo opposes Taiwan independence, Japanese officials said.", "NONE"),
    ],
    ids=["prc-holder", "other-holder"],
)
def test_opposing_independence_depends_on_the_holder(text: str, value: str) -> None:
    result = default_rules().annotate(DOC, text)
    (stance,) = [s for s in result.spans if s.label == "STANCE"]
    assert stance.attributes["value"] == value


def test_negated_support_for_independence_is_not_favor() -> None:
    result = default_rules().annotate(DOC, "Washington did not support Taiwan independence.")
    values = [s.attributes["value"] for s in result.spans if s.label == "STANCE"]
    assert values == ["NONE"]


def test_stance_without_any_actor_is_dropped() -> None:
    result = default_rules().annotate(DOC, "There is no room for compromise on the matter.")
    assert [s for s in result.spans if s.label == "STANCE"] == []
