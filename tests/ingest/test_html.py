"""Tests of toolkit.ingest.html: skipped elements, HTML-like input, link markers."""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import InputError
from toolkit.ingest import html as ingest_html
from toolkit.ingest.article import parse_article
from toolkit.ingest.normalize import normalize_text
from toolkit.ingest.removals import REMOVAL_REASONS

from .test_article import check_offsets


def test_skipped_elements_have_known_reasons() -> None:
    assert set(ingest_html._SKIP_TAGS.values()) <= set(REMOVAL_REASONS)


_HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<a href='https://x.org/a'>",
        "</a>",
        "<a href=/rel>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<br>",
        "<div>",
        "</div>",
        "<iframe>",
        "</iframe>",
        "<h1>",
        "</h1>",
        "&amp;",
        "&#x1F600;",
        "\u200d",
        "\u200f",
        "\r\n",
        "\n\n",
        " ",
        ".",
        "Mr.",
        "U.S.",
        "“",
        "”",
        "😀",
        "e\u0301",
        "\u0301",
        "Xi met Blinken",
        "(Leah Millis/Reuters)",
        "date 2023-06-19 ",
        "AFP",
        "• English",
        "By Jane Roe",
    ]
)


@given(st.lists(_HTML_PIECES | st.text(max_size=8), max_size=40))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_article_on_html_like_input(pieces: list[str]) -> None:
    try:
        article = parse_article("".join(pieces).encode("utf-8", "surrogatepass"), source_path="p")
    except InputError:
        return
    check_offsets(article)


@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=12),
            st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=12),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_link_offsets_slice_back_to_link_text(runs: list[tuple[str, str]]) -> None:
    page = (
        "<p>"
        + "".join(
            f"{html.escape(before)} <a href='https://example.org/{i}'>{html.escape(anchor)}</a> "
            for i, (before, anchor) in enumerate(runs)
        )
        + " Closing words.</p>"
    )
    article = parse_article(page.encode(), source_path="links.html")
    check_offsets(article)
    assert len(article.links) == len(runs)
    for link, (_, anchor) in zip(article.links, runs, strict=True):
        if normalize_text(anchor):
            assert link.start is not None
        else:
            assert link.start is None


_NOISE = st.text(alphabet=st.sampled_from("a Z 7 \t\n\r\x00\x85\u200b\u200d\u200f\u2028\ufeffא👩"))


@settings(max_examples=300)
@given(_NOISE, st.sampled_from("aZ07"), _NOISE)
def test_text_with_an_ascii_letter_or_digit_never_normalizes_to_nothing(
    before: str, alnum: str, after: str
) -> None:
    # _close_link relies on this to skip normalizing most anchor texts.
    text = before + alnum + after
    assert ingest_html._ASCII_ALNUM.search(text)
    assert normalize_text(text)


BODY = "<p>The talks resumed in Geneva on Monday.</p><p>Both sides called them useful.</p>"
BODY_TEXT = "The talks resumed in Geneva on Monday.\n\nBoth sides called them useful."


@pytest.mark.parametrize(
    ("page", "removed"),
    [
        ('<nav><a href="/">Home</a> World', ("navigation", "Home World")),
        ("<figure><figcaption>Photo: Reuters</figure>", ("photo-caption", "Photo: Reuters")),
        ("<script>var seen = 1;", ("html-script", "var seen = 1;")),
        ("<style>p { color: red }", ("html-style", "p { color: red }")),
        ("<template><b>Card</b>", ("html-template", "Card")),
        ("<svg><text>Chart</text>", ("html-svg", "Chart")),
        ("<nav>Menu <nav>Sub</nav>", ("navigation", "Menu Sub")),
    ],
    ids=["nav", "figcaption", "script", "style", "template", "svg", "nested-nav"],
)
def test_an_unclosed_skipped_element_ends_at_the_next_block(
    page: str, removed: tuple[str, str]
) -> None:
    article = parse_article(f"{page}{BODY}".encode(), source_path="page.html")
    assert article.text == BODY_TEXT
    assert [(r.reason, r.text) for r in article.removed] == [removed]


def test_an_unclosed_element_without_a_later_block_runs_to_the_end() -> None:
    article = parse_article(f"{BODY}<nav>Home World".encode(), source_path="page.html")
    assert article.text == BODY_TEXT
    assert [(r.reason, r.text) for r in article.removed] == [("navigation", "Home World")]


def test_closed_skipped_elements_keep_their_content_out() -> None:
    page = f"<nav>Home <ul><li>World</li></ul></nav>{BODY}<script>if (a<p) x()</script>"
    article = parse_article(page.encode(), source_path="page.html")
    assert article.text == BODY_TEXT
    assert [(r.reason, r.text) for r in article.removed] == [
        ("navigation", "Home World"),
        ("html-script", "if (a<p) x()"),
    ]


@pytest.mark.parametrize(
    "line",
    ["Write to <b.jones@example.org> for more.", "Ask <someone@host> or <a.b@c.d> today."],
    ids=["email", "user-at-host"],
)
def test_an_address_in_angle_brackets_in_plain_text_is_text(line: str) -> None:
    article = parse_article(line.encode(), source_path="note.txt")
    assert article.text == line
    assert article.removed == []
