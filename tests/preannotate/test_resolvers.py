"""Attributes of spans found by other means, from the rules' resolvers."""

from __future__ import annotations

import pytest

from toolkit.preannotate import SpanResolver

TEXT = (
    "Chinese President Xi Jinping met Hungarian officials in Budapest. "
    "Jinping said the talks went well, and Romanian crews waited."
)


@pytest.fixture(scope="module")
def resolver() -> SpanResolver:
    return SpanResolver()


def _at(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


@pytest.mark.parametrize(
    ("label", "quote", "key", "value"),
    [
        ("ACTOR", "Xi Jinping", "canonical_name", "Xi Jinping"),
        ("ACTOR", "Jinping", "canonical_name", "Xi Jinping"),
        ("ACTOR", "Hungarian officials", "country", "HUN"),
        ("ACTOR", "Romanian crews", "country", "ROU"),
        ("LOCATION", "Budapest", "country", "HUN"),
    ],
    ids=["overlapping-rule-span", "surname", "demonym-role", "role-noun", "place"],
)
def test_resolves(resolver: SpanResolver, label: str, quote: str, key: str, value: str) -> None:
    found = resolver.attributes(TEXT, label, *_at(quote))
    assert found is not None and found[key] == value


@pytest.mark.parametrize(
    ("label", "quote"), [("ACTOR", "the talks"), ("EVENT", "met")], ids=["no-actor", "not-resolved"]
)
def test_nothing_resolves(resolver: SpanResolver, label: str, quote: str) -> None:
    assert resolver.attributes(TEXT, label, *_at(quote)) is None
