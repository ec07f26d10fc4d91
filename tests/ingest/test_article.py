"""Tests of toolkit.ingest.article: seeds end to end, hostile inputs, links, reading files."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.errors import InputError
from toolkit.ingest.article import CONVERTER_VERSION, Article, Link, parse_article, read_article
from toolkit.ingest.normalize import normalize_text
from toolkit.ingest.removals import REMOVAL_REASONS, Removal

HOSTILE_DIR = Path(__file__).resolve().parent / "hostile"
EXPECTED = (
    "expected a news article as text or HTML in one encoding: UTF-8, UTF-16 (with BOM), "
    "the charset its <meta> declares, or one a detector recognises with confidence"
)
CAPTION = "Antony Blinken is the highest-ranking US official to visit Beijing since 2018. AFP"


def check_offsets(article: Article) -> None:
    """Every sentence and link slices back out of the text exactly."""
    text = article.text
    assert normalize_text(text) == text
    assert all(r.reason in REMOVAL_REASONS for r in article.removed)
    previous = 0
    for start, end in article.sentences:
        assert previous <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous = end
    for link in article.links:
        if link.start is not None and link.end is not None:
            assert text[link.start : link.end] == link.text


SEED_METADATA = [
    ("000", None, None, None, "thenationalnews.com", None),
    (
        "001",
        "US Secretary of State wraps up major trip to China with Xi Jinping meeting",
        "Willy Lowry",
        datetime.date(2023, 6, 19),
        None,
        None,
    ),
    ("002", None, None, datetime.date(2023, 6, 19), None, None),
    ("003", None, None, None, None, None),
    (
        "004",
        "Xi, Blinken agree to stabilize US-China relations in Beijing talks",
        None,
        datetime.date(2023, 6, 20),
        None,
        "TheWorldNews",
    ),
]


@pytest.mark.parametrize(
    ("seed", "title", "byline", "date", "outlet", "aggregator"),
    SEED_METADATA,
    ids=[row[0] for row in SEED_METADATA],
)
def test_seed_metadata(
    seed_articles: dict[str, Article],
    seed: str,
    title: str | None,
    byline: str | None,
    date: datetime.date | None,
    outlet: str | None,
    aggregator: str | None,
) -> None:
    article = seed_articles[seed]
    assert (article.title, article.byline, article.published_date) == (title, byline, date)
    assert (article.outlet, article.aggregator) == (outlet, aggregator)
    assert article.source_encoding == "utf-8"
    check_offsets(article)


SEED_REMOVALS = [
    ("000", []),
    (
        "001",
        [
            ("repeated-caption", CAPTION),
            ("repeated-caption", CAPTION),
            ("repeated-caption", CAPTION),
            ("repeated-caption", CAPTION),
            (
                "headline",
                "US Secretary of State wraps up major trip to China with Xi Jinping meeting",
            ),
            ("byline", "Willy Lowry"),
            ("language-switcher", "• English\n\n• Arabic"),
            (
                "trailing-unrelated-block",
                "Company profile\n\n"
                "Date started: Founded in May 2017 and operational since April 2018\n\n"
                "Founders: co-founder and chief executive, Doaa Aref; Dr Rasha Rady, co-founder "
                "and chief operating officer.\n\n"
                "Based: Cairo, Egypt\n\nSector: Health-tech\n\nSize: 22 employees\n\n"
                "Funding: Seed funding\n\n"
                "Investors: Flat6labs, 500 Falcons, three angel investors",
            ),
            ("dateline", "Updated: June 19, 2023, 5:06 PM"),
        ],
    ),
    (
        "002",
        [
            ("dateline", "date 2023-06-19"),
            (
                "photo-caption",
                "Blinken and Xi are joined by other diplomats at the Great Hall of the People in "
                "Beijing on Monday. (Leah Millis/Reuters)",
            ),
        ],
    ),
    ("003", []),
    (
        "004",
        [
            (
                "aggregator-disclaimer",
                "This article was added by the user . TheWorldNews is not responsible for the "
                "content of the platform.",
            ),
            ("headline", "Xi, Blinken agree to stabilize US-China relations in Beijing talks"),
            ("dateline", "(Last Updated On: June 20, 2023)"),
        ],
    ),
]


@pytest.mark.parametrize(("seed", "removals"), SEED_REMOVALS, ids=[row[0] for row in SEED_REMOVALS])
def test_seed_removals(
    seed_articles: dict[str, Article], seed: str, removals: list[tuple[str, str]]
) -> None:
    assert seed_articles[seed].removed == [Removal(r, t) for r, t in removals]


def test_seed_000_links_and_urls(seed_articles: dict[str, Article]) -> None:
    article = seed_articles["000"]
    base = "https://www.thenationalnews.com/world/"
    talks = base + "2023/06/19/marathon-us-china-talks-in-beijing-yield-signs-of-progress/"
    assert article.links == [
        Link(
            "Secretary of State",
            base + "us-news/2023/06/14/blinken-to-visit-china-to-try-to-improve-communication/",
            7,
            25,
        ),
        Link("Xi Jinping", talks, 79, 89),
        Link(
            "Washington",
            base + "us-news/2023/06/15/us-outlines-steps-for-iran-to-diffuse-tension-but-denies"
            "-a-deal-is-in-the-works/",
            196,
            206,
        ),
        Link("Beijing", talks, 211, 218),
        Link(
            "Chinese surveillance balloon",
            base + "us-news/2023/02/03/spy-balloon-chinese-pentagon/",
            415,
            443,
        ),
    ]
    # In-text links are not the article's own URLs: a text file states none.
    assert article.source_urls == [] and article.canonical_url is None
    assert article.outlet == "thenationalnews.com"
    assert article.metadata_sources["outlet"] == "links"
    assert "<" not in article.text and "told The National. “I think" in article.text


def test_seeds_000_and_001_have_the_same_body(seed_articles: dict[str, Article]) -> None:
    assert seed_articles["000"].text == seed_articles["001"].text.replace("\n\n", " ")


def test_seed_002_keeps_the_subheading_as_a_paragraph(seed_articles: dict[str, Article]) -> None:
    article = seed_articles["002"]
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("China and the United States agreed on Monday")
    assert paragraphs[10] == "'No room for compromise' on Taiwan: Beijing"
    assert "Leah Millis" not in article.text


def test_seed_003_is_fourteen_paragraphs(seed_articles: dict[str, Article]) -> None:
    article = seed_articles["003"]
    assert article.text.count("\n\n") == 13
    assert article.removed == [] and article.links == [] and article.source_urls == []


def test_seed_ids(seed_articles: dict[str, Article], seed_bytes: dict[str, bytes]) -> None:
    for key, article in seed_articles.items():
        sha = hashlib.sha256(seed_bytes[key]).hexdigest()
        assert (article.doc_id, article.source_sha256) == ("doc_" + sha[:16], sha)
        assert article.source_path.endswith(f"seeds/{Path(article.source_path).name}")


SEED_TEXT_SHA256 = {
    "000": "0ae1c472df677b434dab32b96a22a1e563283dc88309721b6366f706cef3acab",
    "001": "0e094193c039569dc9903f16fc951b7b1e9b47b866cf96c6d9321937878d810d",
    "002": "d786a63444e8bcab0bb05b3b6410f9e810cf3f134671c2b588bbf61ea4e9841f",
    "003": "2bc524533a19e1798b7cad54444c7ac68df1df7bdd8c72df860ed406a036ef1f",
    "004": "0cbc8e84e22ab3b60d005de2a483574da2a9eed940a4fc29c5ce16d04dbdfdf2",
}


def test_seed_texts_are_pinned(seed_articles: dict[str, Article]) -> None:
    # annotations/ quote these texts by offset: a change here needs a CONVERTER_VERSION bump
    # and re-anchoring every annotation file.
    found = {k: hashlib.sha256(a.text.encode()).hexdigest() for k, a in seed_articles.items()}
    assert found == SEED_TEXT_SHA256


def test_converter_version_is_semver() -> None:
    assert [int(p) for p in CONVERTER_VERSION.split(".")] >= [1, 0, 0]


def big_article(size: int) -> bytes:
    """About ``size`` bytes of varied paragraphs (no repeats, so nothing is removed)."""
    sentences = [
        "Paragraph {i} reports that ministers met in Geneva on Monday.",
        "Officials said the talks on grain exports, worth 5.2 billion dollars, went well.",
        "“We are clear-eyed about the challenges,” Mr. Blinken told reporters in the U.S. capital.",
    ]
    parts: list[str] = []
    total = 0
    i = 0
    while total < size:
        para = " ".join(s.format(i=i) for s in sentences)
        parts.append(para)
        total += len(para.encode()) + 2
        i += 1
    return "\n\n".join(parts).encode()


def html_with_astral_link() -> bytes:
    return (
        "<p>Fans 🎉👩‍💻 cheered 𝒳𝒾 in <a href='https://example.org/😀'>Bei😀jing 🐉</a> "
        "on Monday. Then 🇹🇼 flags flew.</p><p>Второй абзац 𝟘. Last one.</p>"
    ).encode()


# (id, bytes, expected: str (exact InputError message) or a check of the Article)
HostileCheck = Callable[[Article], None]


def _expect_cp1252(article: Article) -> None:
    assert article.source_encoding == "cp1252"
    assert article.text == "Café “talks” – résumé."


def _expect_latin1(article: Article) -> None:
    assert article.source_encoding == "latin-1"
    assert article.text == "Café in Zürich."


def _expect_utf16(article: Article) -> None:
    assert (article.source_encoding, article.text) == ("utf-16", "Xi met Blinken. 😀 Done.")


def _expect_utf16le(article: Article) -> None:
    assert (article.source_encoding, article.text) == ("utf-16-le", "Xi met Blinken in Beijing.")


def _expect_utf8_sig(article: Article) -> None:
    assert (article.source_encoding, article.text) == ("utf-8-sig", "Xi met Blinken.")


def _expect_crlf(article: Article) -> None:
    assert article.title == "Headline words here now"
    assert article.text == "Xi met Blinken.\n\nThey talked."
    assert article.sentences == [(0, 15), (17, 29)]


def _expect_big(article: Article) -> None:
    assert len(article.text) > 19_000_000
    assert article.removed == []
    assert article.text.count("\n\n") + 1 == len(article.sentences) // 3
    check_offsets(article)


def _expect_astral(article: Article) -> None:
    check_offsets(article)
    assert article.links == [Link("Bei😀jing 🐉", "https://example.org/😀", 24, 34)]
    assert [article.text[s:e] for s, e in article.sentences] == [
        "Fans 🎉👩\u200d💻 cheered 𝒳𝒾 in Bei😀jing 🐉 on Monday.",
        "Then 🇹🇼 flags flew.",
        "Второй абзац 𝟘.",
        "Last one.",
    ]


def _expect_invisible(article: Article) -> None:
    assert article.text == "Xi met Blinken in Beijing.\n\nשלום\u200f עולם."


def _expect_scripts(article: Article) -> None:
    for secret in ("SCRIPT", "STYLE", "COMMENT", "IFRAME", "MORE-SCRIPT", "<", "color"):
        assert secret not in article.text
    assert (
        article.text == "Blinken met Xi in Beijing on Monday.\n\nBoth sides agreed to keep talking."
    )
    assert [r.reason for r in article.removed] == [
        "html-style",
        "html-script",
        "html-comment",
        "html-iframe",
        "html-script",
        "headline",
    ]
    assert article.title == "Talks in Beijing end without a breakthrough"
    assert article.links == [Link("Beijing", "https://example.org/beijing", 18, 25)]


HOSTILE: list[tuple[str, Callable[[], bytes], str | HostileCheck]] = [
    ("empty", lambda: b"", f"empty file (0 bytes); {EXPECTED}"),
    (
        "whitespace-only",
        lambda: b" \r\n\t \n",
        f"no text: the file holds only whitespace (6 bytes); {EXPECTED}",
    ),
    (
        "invisible-only",
        lambda: "\u200b\u200f\ufeff".encode(),
        f"no text: the file holds only whitespace and invisible characters; {EXPECTED}",
    ),
    (
        "binary-nul",
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        f"binary file: NUL byte at offset 8; {EXPECTED}",
    ),
    (
        "binary-controls",
        lambda: bytes(range(1, 9)) * 4 + b"text",
        f"binary file: 32 of 36 characters are control characters (more than 5%); {EXPECTED}",
    ),
    (
        "invalid-utf8",
        lambda: "“Talks” went well.".encode() + b" \xff more \xe2\x80\x9d.",
        "invalid UTF-8: byte 0xFF at offset 23 in a file that is otherwise UTF-8; "
        f"re-save it in one encoding ({EXPECTED})",
    ),
    (
        "undefined-cp1252",
        lambda: b"Caf\xe9 \x81 here.",
        f"undecodable text: byte 0x81 at offset 5 is not valid cp1252; {EXPECTED}",
    ),
    ("cp1252", lambda: b"Caf\xe9 \x93talks\x94 \x96 r\xe9sum\xe9.", _expect_cp1252),
    ("latin-1", lambda: "Café in Zürich.".encode("latin-1"), _expect_latin1),
    ("utf-16-bom", lambda: "Xi met Blinken. 😀 Done.".encode("utf-16"), _expect_utf16),
    ("utf-16le-no-bom", lambda: "Xi met Blinken in Beijing.".encode("utf-16-le"), _expect_utf16le),
    (
        "utf-16-broken",
        lambda: "Xi".encode("utf-16") + b"\x00\xd8a\x00",
        f"undecodable text: byte 0x00 at offset 6 is not valid utf-16; {EXPECTED}",
    ),
    ("utf-8-bom", lambda: b"\xef\xbb\xbfXi met Blinken.", _expect_utf8_sig),
    (
        "crlf",
        lambda: b"Headline words here now\r\n\r\nXi met Blinken.\r\nThey talked.\r\n",
        _expect_crlf,
    ),
    ("twenty-megabytes", lambda: big_article(20_000_000), _expect_big),
    (
        "scripts-styles-iframes-comments",
        lambda: (HOSTILE_DIR / "scripts.html").read_bytes(),
        _expect_scripts,
    ),
    ("emoji-astral", html_with_astral_link, _expect_astral),
    (
        "zero-width-and-rtl",
        lambda: "Xi\u200b met\u200e Blin\u00adken in\u200f Beijing.\n\nשלום\u200f עולם.".encode(),
        _expect_invisible,
    ),
    (
        "boilerplate-only",
        lambda: (HOSTILE_DIR / "boilerplate_only.txt").read_bytes(),
        "no article text left after removing boilerplate (removed: 1 aggregator-disclaimer, "
        "1 dateline, 1 navigation); expected at least one paragraph of body text",
    ),
    (
        "html-scripts-only",
        lambda: b"<html><script>alert(1)</script><!-- x --></html>",
        "no article text left after removing boilerplate (removed: 1 html-comment, "
        "1 html-script); expected at least one paragraph of body text",
    ),
]


@pytest.fixture
def write_input(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write a hostile input into tmp_path and return its path."""

    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.mark.parametrize(
    ("make", "expected"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_hostile_input(
    write_input: Callable[[str, bytes], Path],
    make: Callable[[], bytes],
    expected: str | HostileCheck,
    request: pytest.FixtureRequest,
) -> None:
    path = write_input(request.node.callspec.id, make())
    if isinstance(expected, str):
        with pytest.raises(InputError) as info:
            read_article(path)
        assert str(info.value) == f"{path}: {expected}"
        assert info.value.path == str(path)
    else:
        article = read_article(path)
        assert article.source_path == str(path)
        expected(article)


def test_read_article_from_tmp_path(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Xi met Blinken.\r\n\r\nThey talked.\r\n")
    article = read_article(path)
    assert article.source_path == str(path)
    assert article.text == "Xi met Blinken.\n\nThey talked."


def test_read_article_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(InputError) as info:
        read_article(missing)
    assert str(info.value) == f"{missing}: cannot read file: No such file or directory"


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("utf-8", id="utf-8"),
        pytest.param("utf-16", id="utf-16-with-bom"),
        pytest.param("utf-8-sig", id="utf-8-with-bom"),
    ],
)
@pytest.mark.parametrize(
    ("raw", "text"),
    [
        pytest.param("Xi\ufdd0 met\ufdef Blinken.", "Xi met Blinken.", id="noncharacters"),
        pytest.param("Xi met \ufdcf Blinken.", "Xi met \ufdcf Blinken.", id="neighbour-kept"),
    ],
)
def test_noncharacters_never_reach_the_text(encoding: str, raw: str, text: str) -> None:
    assert parse_article(raw.encode(encoding), source_path="a.txt").text == text
