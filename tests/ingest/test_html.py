"""Tests of toolkit.ingest.html: skipped elements, HTML-like input, link markers."""

from __future__ import annotations

import html

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
