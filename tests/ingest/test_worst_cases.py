"""Worst-case inputs: parsing, cleanup, normalization and sentence splitting stay linear.

Each generator builds an input of about ``size`` characters. The time at ten times the size
must stay under SCALING_LIMIT times the time at the small size: linear code gives about 10x,
a quadratic path 100x. Ratios of CPU times, not wall times, so a loaded CI machine does not
fail the test.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable

import pytest

from toolkit.errors import InputError
from toolkit.ingest import parse_article

SMALL = 60_000
SCALING_LIMIT = 25.0
_PARA = "<p>The minister said the talks would resume next week in Geneva.</p>\n"

CASES: dict[str, Callable[[int], str]] = {
    "many-unclosed-a": lambda n: "<p>Talks.</p>" + "<a " * (n // 3),
    "many-links": lambda n: "<p>" + '<a href="https://example.org/">word</a> ' * (n // 40),
    "many-comment-openers": lambda n: "<p>Talks.</p>" + "<!--" * (n // 4),
    "many-lt": lambda n: "<p>Talks.</p>" + "< " * (n // 2),
    "many-end-tag-openers": lambda n: "<p>Talks.</p>" + "</" * (n // 2),
    "many-declarations": lambda n: "<p>Talks.</p>" + "<!" * (n // 2),
    "many-processing-instructions": lambda n: "<p>Talks.</p>" + "<?" * (n // 2),
    "many-cdata-openers": lambda n: "<p>Talks.</p>" + "<![CDATA[" * (n // 9),
    "many-unclosed-navs": lambda n: "<p>Talks.</p>" + "<nav>menu<p>Body text.</p>" * (n // 26),
    "many-unclosed-scripts": lambda n: "<p>Talks.</p>" + "<script>x=1<p>Body.</p>" * (n // 23),
    "deep-nesting": lambda n: "<div>" * (n // 5) + "Talks resumed.",
    "many-tiny-paragraphs": lambda n: "<p>a</p>" * (n // 8),
    "many-paragraphs": lambda n: _PARA * (n // len(_PARA)),
    "many-entities": lambda n: "<p>" + "&amp;" * (n // 5) + "</p>",
    "many-email-addresses": lambda n: "Write to <b.jones@example.org>. " * (n // 32),
    "dots-after-words": lambda n: "Talks resumed. " * (n // 15),
    "many-titles": lambda n: "Mr. " * (n // 4),
    "many-short-lines": lambda n: "Ab.\n" * (n // 4),
}
# Inputs cheap enough per character to run at 5 MB as well.
LARGE_CASES: dict[str, Callable[[int], str]] = {
    "run-of-dots": lambda n: "Talks resumed" + "." * n,
    "line-without-spaces": lambda n: "a" * n,
    "unclosed-comment": lambda n: "<p>Talks resumed.</p><!--" + "x" * n,
    "huge-attribute": lambda n: '<p title="' + "x" * n + '">Talks resumed.</p>',
    "unclosed-attribute": lambda n: '<p title="' + "x" * n,
    "run-of-spaces": lambda n: "Talks" + " " * n + "resumed.",
}


def _seconds(text: str) -> float:
    """CPU seconds of parse_article (other processes' load does not count; GC paused)."""
    data = text.encode()
    gc.collect()
    gc.disable()
    start = time.process_time()
    try:
        with contextlib.suppress(InputError):  # a reject is an outcome: only the time matters
            parse_article(data, source_path="worst-case.html")  # sentences included
        return time.process_time() - start
    finally:
        gc.enable()


def _ratio(make: Callable[[int], str], small: int) -> float:
    little = min(_seconds(make(small)) for _ in range(3))
    return _seconds(make(small * 10)) / max(little, 1e-3)


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_time_grows_linearly(make: Callable[[int], str]) -> None:
    assert _ratio(make, SMALL) < SCALING_LIMIT


@pytest.mark.parametrize("make", LARGE_CASES.values(), ids=LARGE_CASES.keys())
def test_time_grows_linearly_up_to_5_mb(make: Callable[[int], str]) -> None:
    assert _ratio(make, 500_000) < SCALING_LIMIT
