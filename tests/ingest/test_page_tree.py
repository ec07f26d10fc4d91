"""Tests of toolkit.ingest.page_tree: one lxml parse read as html.parser reads the page."""

from __future__ import annotations

import pytest
from lxml import etree

from toolkit.ingest.article import parse_article
from toolkit.ingest.html import _parse_html, _RawLink
from toolkit.ingest.normalize import normalize_with_link_markers
from toolkit.ingest.page_blocks import markup_reasons
from toolkit.ingest.page_tree import for_trafilatura, parse_page, read_tree, reads_alike

HEAD = (
    "<head><title>Talks in Beijing</title><meta property='og:title' content=' Talks '>"
    "<link rel='canonical' href='https://x.org/a'><base href='https://x.org/'></head>"
)
PAGES = [
    pytest.param(
        "<p>Xi met <a href='/b'>Blinken</a> on Monday.</p><p>Second &amp; last.</p>", id="links"
    ),
    pytest.param(
        "<nav><a href='/'>Home</a> <script>var x = '<b>';</script> News</nav><p>Body text.</p>",
        id="nav-with-script",
    ),
    pytest.param(
        "<p>One</p><!-- a note --><style>p {}</style><noscript><img src=x></noscript><p>Two</p>",
        id="comment-style-noscript",
    ),
    pytest.param("<iframe src='https://v.org/1'/><p>After the frame.</p>", id="self-closed-iframe"),
    pytest.param(
        "<h1>Talks <em>end</em></h1><time datetime='2023-06-19'>Monday</time><pre>a\n  b</pre>",
        id="h1-time-pre",
    ),
    pytest.param(
        "<div itemprop='datePublished' content='2023-06-19'>x<br>y</div><hr><p>z</p>",
        id="itemprop-br-hr",
    ),
    pytest.param(
        "<figure><img src=a><figcaption>A caption <b>bold</b></figcaption></figure><p>p</p>",
        id="figcaption",
    ),
]


def _links(links: list[_RawLink]) -> list[tuple[str, str, bool]]:
    return [(link.href, link.text, link.marked) for link in links]


@pytest.mark.parametrize("body", PAGES)
def test_tree_reads_as_the_tokenizer(body: str) -> None:
    page = f"<!--before--><!doctype html><html>{HEAD}<body>{body}</body></html>"
    expected = _parse_html(page, "page.html")
    root = parse_page(page)
    assert root is not None
    found = read_tree(root)
    assert normalize_with_link_markers("".join(found.parts)) == normalize_with_link_markers(
        "".join(expected.parts)
    )
    assert _links(found.links) == _links(expected.links)
    assert found.removals == expected.removals
    assert (found.meta, found.title, found.h1, found.times) == (
        expected.meta,
        expected.title,
        expected.h1,
        expected.times,
    )
    assert (found.urls, found.canonical, found.base) == (
        expected.urls,
        expected.canonical,
        expected.base,
    )


@pytest.mark.parametrize(
    ("raw", "tags"),
    [
        pytest.param("<html><body><p>x</p></body></html>", ["html", "body", "p"], id="page"),
        pytest.param(
            "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
            ["html", "body", "p"],
            id="encoding-declaration",
        ),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_page(raw: str, tags: list[str] | None) -> None:
    root = parse_page(raw)
    assert (None if root is None else [e.tag for e in root.iter()]) == tags


def test_for_trafilatura_drops_what_it_never_reads_and_keeps_the_tails() -> None:
    root = parse_page(
        "<html><head><title>T</title><script type='application/ld+json'>{}</script>"
        "<style>p {}</style><meta name='a' content='b'></head>"
        "<body><p>a<!-- note -->b<?pi x?>c<script>var x;</script>d<svg><text>e</text></svg>f"
        "</p><aside>g</aside>h<footer>i</footer>j</body></html>"
    )
    assert root is not None
    assert etree.tostring(for_trafilatura(root), encoding="unicode") == (
        '<html><head><script type="application/ld+json">{}</script></head>'
        "<body><p>abcdf</p>hj</body></html>"
    )


def test_the_walk_gathers_the_markup_reasons() -> None:
    page = (
        "<html><body><nav><a href='/'>Home page of the site</a></nav>"
        "<div class='share'><svg class='icon'><text>x</text></svg>Share this on the web</div>"
        "<p>The article itself is here</p><!-- c -->"
        "<footer><div class='newsletter'>Sign up for our news</div>All rights are reserved</footer>"
        "</body></html>"
    )
    root = parse_page(page)
    assert root is not None
    expected = markup_reasons(root)
    assert read_tree(root).furniture.reasons() == expected
    assert expected[("home", "page", "of", "the")] == "navigation"
    assert expected[("sign", "up", "for", "our")] == "newsletter"


def test_a_page_parses_alike_from_its_utf8_bytes() -> None:
    page = "<!doctype html><html><body><p>Caf\u00e9 \u2014 \u4e2d\u6587</p></body></html>"
    from_text, from_bytes = parse_page(page), parse_page(page, page.encode("utf-8"))
    assert from_text is not None and from_bytes is not None
    assert etree.tostring(from_bytes, encoding="unicode") == etree.tostring(
        from_text, encoding="unicode"
    )
    assert from_bytes.findtext("body/p") == "Caf\u00e9 \u2014 \u4e2d\u6587"


@pytest.mark.parametrize(
    ("raw", "alike"),
    [
        pytest.param("<html><body><script>a</script><nav>b</nav></body></html>", True, id="closed"),
        pytest.param("<html><body><script>var x;<p>t</p></body></html>", False, id="open-script"),
        pytest.param(
            "<html><body><script>document.write('<script>')</script></body></html>",
            True,
            id="tag-in-script-text",
        ),
        pytest.param(
            "<html><body><nav><a href='/'>Home</a><p>t</p></body></html>", False, id="nav"
        ),
        pytest.param("<html><body><iframe src='/v'/><p>t</p></body></html>", False, id="iframe/"),
        pytest.param("<html><body><!-- a --><p>t</p><!-- b</body></html>", False, id="comment"),
        pytest.param("<html><body><script>x = '<!--'</script></body></html>", True, id="in-script"),
    ],
)
def test_reads_alike(raw: str, alike: bool) -> None:
    assert reads_alike(raw) is alike


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param("<script>var x = 1;", id="unclosed-script"),
        pytest.param("<nav><a href='/'>Home</a>", id="unclosed-nav"),
    ],
)
def test_an_unclosed_element_does_not_take_the_page_with_it(tail: str) -> None:
    body = (
        "<p>Taiwan's coast guard said on Tuesday that it had tracked four Chinese vessels "
        "sailing near the Kinmen islands for most of the morning.</p><p>The vessels left the "
        "restricted waters after repeated radio warnings, a spokesperson told reporters.</p>"
    )
    page = f"<!doctype html><html><body>{tail}{body}</body></html>"
    article = parse_article(page.encode("utf-8"), source_path="page.html")
    assert article.text.startswith("Taiwan's coast guard said on Tuesday")
    assert article.text.endswith("a spokesperson told reporters.")
