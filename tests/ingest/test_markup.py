"""Tests of toolkit.ingest.markup: linear tokenizing, and which skipped elements stay unclosed."""

from __future__ import annotations

import pytest

from toolkit.ingest.markup import _SkipTags


def _unclosed(page: str) -> list[int]:
    tags = _SkipTags(frozenset({"nav", "svg"}))
    tags.feed(page)
    tags.close()
    return sorted(tags.unclosed())


@pytest.mark.parametrize(
    ("page", "offsets"),
    [
        ("<nav>a</nav><p>b</p>", []),
        ("<p>a</p><nav>b", [8]),
        ("<nav><nav>a</nav>", [0]),
        ("<nav>a</nav><nav>b", [12]),
        ("<nav><nav>a</nav></nav>", []),
        ("</nav><nav>a", [6]),
        ("<svg>a<nav>b</nav>", [0]),
        ("<!-- <nav> --><p>a</p>", []),
    ],
    ids=[
        "closed",
        "unclosed",
        "nested-one-short",
        "second-unclosed",
        "nested-closed",
        "stray-end-first",
        "other-element",
        "in-a-comment",
    ],
)
def test_unclosed_start_tags_are_found(page: str, offsets: list[int]) -> None:
    assert _unclosed(page) == offsets
