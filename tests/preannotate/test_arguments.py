"""Argument suggestions: subject is the source, object the target, passive and reciprocal cases."""

from __future__ import annotations

import pytest

from toolkit.annotations import Span
from toolkit.preannotate.arguments import argument_relations


def _spans(text: str, marked: list[tuple[str, str, dict[str, str]]]) -> list[Span]:
    spans = []
    for words, label, attributes in marked:
        start = text.index(words)
        spans.append(Span(f"{label}:{words}", start, start + len(words), words, label, attributes))
    return spans


CASES = [
    (
        "Russia accused the United States of spying.",
        [
            ("Russia", "ACTOR", {}),
            ("accused", "EVENT", {"category": "ACCUSE"}),
            ("United States", "ACTOR", {}),
        ],
        [("source", "Russia"), ("target", "United States")],
    ),
    (
        "The envoy was expelled by Russia.",
        [
            ("envoy", "ACTOR", {}),
            ("expelled", "EVENT", {"category": "SANCTION"}),
            ("Russia", "ACTOR", {}),
        ],
        [("source", "Russia"), ("target", "envoy")],
    ),
    (
        "Japan and Korea agreed to share data.",
        [
            ("Japan", "ACTOR", {}),
            ("Korea", "ACTOR", {}),
            ("agreed", "EVENT", {"category": "AGREE"}),
        ],
        [("source", "Japan"), ("source", "Korea")],
    ),
    (
        "Blinken met with Wang in Beijing.",
        [
            ("Blinken", "ACTOR", {}),
            ("met", "EVENT", {"category": "CONSULT"}),
            ("Wang", "ACTOR", {}),
            ("Beijing", "LOCATION", {}),
        ],
        [("location", "Beijing"), ("source", "Blinken"), ("source", "Wang")],
    ),
    (
        "Blinken visited Wang in Beijing.",
        [
            ("Blinken", "ACTOR", {}),
            ("visited", "EVENT", {"category": "CONSULT", "mode": "visit"}),
            ("Wang", "ACTOR", {}),
            ("Beijing", "LOCATION", {}),
        ],
        [("location", "Beijing"), ("source", "Blinken"), ("target", "Wang")],
    ),
    (
        "Paris said Rome would sanction Oslo; Bern protested.",
        [
            ("Paris", "ACTOR", {}),
            ("Rome", "ACTOR", {}),
            ("sanction", "EVENT", {"category": "SANCTION"}),
            ("Oslo", "ACTOR", {}),
            ("Bern", "ACTOR", {}),
        ],
        [("source", "Rome"), ("target", "Oslo")],
    ),
]


@pytest.mark.parametrize(
    ("text", "marked", "expected"),
    CASES,
    ids=["active", "passive-by", "coordinated-subjects", "reciprocal-with", "visit", "clauses"],
)
def test_roles_follow_the_clause(
    text: str, marked: list[tuple[str, str, dict[str, str]]], expected: list[tuple[str, str]]
) -> None:
    spans = _spans(text, marked)
    words = {s.id: s.text for s in spans}
    relations = argument_relations(text, [(0, len(text))], spans)
    assert sorted((r.type, words[r.to_id]) for r in relations) == expected


def test_an_event_in_another_sentence_gets_no_arguments_from_this_one() -> None:
    text = "Iran protested. Iraq replied."
    spans = _spans(text, [("Iran", "ACTOR", {}), ("replied", "EVENT", {"category": "REJECT"})])
    assert argument_relations(text, [(0, 15), (16, len(text))], spans) == []
