"""(Partial) HTML to text with link markers, removed elements and the metadata the markup holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from toolkit.errors import InputError
from toolkit.ingest.decoding import _EXPECTED
from toolkit.ingest.markup import _Scanner, _SkipTags
from toolkit.ingest.normalize import LINK_CLOSE, LINK_OPEN, _words, normalize_text
from toolkit.ingest.removals import Removal

_HTML_TAG = re.compile(
    r"<(?:!doctype|!--|/?(?:html|head|body|p|div|span|a|br|hr|i|b|em|strong|u|h[1-6]|ul|ol|li"
    r"|table|tr|td|th|tbody|thead|blockquote|pre|code|section|article|header|footer|nav|aside"
    r"|main|figure|figcaption|img|script|style|iframe|noscript|meta|link|title|time|small|sup"
    r"|sub|template|svg|font|center|dl|dt|dd|form|input|source|picture|video|object|embed"
    r"|abbr|cite|q|mark|address)(?=[\s/>]))",
    re.IGNORECASE,
)
_HTML_BLOCK = re.compile(
    r"</?(?:p|div|br|hr|h[1-6]|li|ul|ol|table|tr|td|th|blockquote|pre|section|article|header"
    r"|footer|nav|aside|main|figure|figcaption|body|html|dl|dt|dd|address)\b",
    re.IGNORECASE,
)
_BLOCK_TAGS = _words(
    "p div hr h1 h2 h3 h4 h5 h6 li ul ol table tr td th blockquote pre section article header "
    "footer aside main figure body html dl dt dd address caption form fieldset details summary"
)
# Elements whose content never reaches the text, and the removal reason recorded for them. One
# left unclosed ends at the next block-level tag (start or end, _BLOCK_TAGS), else at the end of
# the file: it never takes the body with it (an unclosed <script>/<style> is read as markup).
_SKIP_TAGS = {
    "script": "html-script",
    "style": "html-style",
    "iframe": "html-iframe",
    "noscript": "html-noscript",
    "template": "html-template",
    "svg": "html-svg",
    "object": "html-object",
    "nav": "navigation",
    "figcaption": "photo-caption",
}
# The tags whose start (or end) tag does more than break a block when nothing is skipped and the
# tag has no itemprop: elsewhere only a block-level tag does something, it ends the paragraph.
_START_READ = frozenset(_SKIP_TAGS) | _words("a title meta link base time br pre h1")
_END_READ = frozenset(_SKIP_TAGS) | _words("a title pre h1")
_VOID_TAGS = _words("area base br col embed hr img input link meta source track wbr")
_WHITESPACE = re.compile(r"\s+")
# No normalization step removes an ASCII letter or digit: anchor text with one is never empty.
_ASCII_ALNUM = re.compile("[0-9A-Za-z]")


@dataclass(slots=True)
class _RawLink:
    href: str
    text: str = ""
    marked: bool = False


class _HTMLText(_Scanner):
    """Collects text with link markers, removed elements, and metadata from (partial) HTML.

    ``unclosed``: offsets of the skipped elements' start tags that have no end tag (see
    _SkipTags); those end at the next block-level tag.
    """

    def __init__(self, *, collapse: bool, unclosed: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.collapse = collapse
        self.unclosed = unclosed
        self.open_at_end = False
        self.parts: list[str] = []
        self.links: list[_RawLink] = []
        self.removals: list[Removal] = []
        self.meta: dict[str, str] = {}
        self.urls: list[str] = []
        self.canonical: list[str] = []
        self.times: list[str] = []
        self.h1: list[str] = []
        self.title: str | None = None
        self.base: str | None = None
        self._skip: list[tuple[str, str, list[str], str]] = []
        self._skip_bounded = False
        self._skip_depth = 0
        self._link: _RawLink | None = None
        self._link_part = 0
        self._pre = 0
        self._title_buf: list[str] | None = None
        self._h1_part: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip and not self._at_bound(tag):
            if tag == self._skip[-1][0]:
                self._skip_depth += 1
            return
        attr = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag in _SKIP_TAGS:
            self._skip.append((tag, _SKIP_TAGS[tag], [], attr.get("src", "")))
            self._skip_depth = 1
            self._skip_bounded = self.tag_start in self.unclosed or self.raw_text_unclosed(tag)
            return
        if tag == "a":
            self._close_link()
            href = attr.get("href", "")
            if href and not href.lower().startswith("javascript:"):
                self._link = _RawLink(href)
                self._link_part = len(self.parts)
                self.parts.append(LINK_OPEN)
            return
        if tag == "title":
            self._title_buf = []
        elif tag == "meta":
            self._meta(attr)
        elif tag == "link" and "canonical" in attr.get("rel", "").lower().split():
            if attr.get("href"):
                self.urls.append(attr["href"])
                self.canonical.append(attr["href"])
        elif tag == "base" and attr.get("href"):
            self.base = attr["href"]
        elif tag == "time" and attr.get("datetime"):
            self.times.append(attr["datetime"])
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "pre":
            self._pre += 1
        if tag == "h1":
            self._h1_part = len(self.parts)
        if self.collapse and tag in _BLOCK_TAGS:
            self._block()
        if attr.get("itemprop", "").lower() == "datepublished":
            for key in ("datetime", "content"):
                if attr.get(key):
                    self.times.insert(0, attr[key])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS and not self._skip:
            src = next((v or "" for k, v in attrs if k == "src"), "")
            self.removals.append(Removal(_SKIP_TAGS[tag], normalize_text(src)))
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip and not self._at_bound(tag):
            if tag == self._skip[-1][0]:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._end_skip()
            return
        if tag == "a":
            self._close_link()
        elif tag == "title" and self._title_buf is not None:
            self.title = "".join(self._title_buf)
            self._title_buf = None
        elif tag == "pre" and self._pre:
            self._pre -= 1
        elif tag == "h1" and self._h1_part is not None:
            self.h1.append("".join(self.parts[self._h1_part :]))
            self._h1_part = None
        if self.collapse and tag in _BLOCK_TAGS:
            self._block()

    def handle_data(self, data: str) -> None:
        if self._skip:
            self._skip[-1][2].append(data)
            return
        if self._title_buf is not None:
            self._title_buf.append(data)
            return
        if self.collapse and not self._pre:
            data = _WHITESPACE.sub(" ", data)
        self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        if not self._skip:
            self.removals.append(Removal("html-comment", normalize_text(data)))

    def finish(self) -> None:
        """Close what the input left open."""
        self.open_at_end = bool(self._skip) and not self._skip_bounded
        while self._skip:
            self._end_skip()
        self._close_link()

    def _block(self) -> None:
        self._close_link()
        self.parts.append("\n\n")

    def _at_bound(self, tag: str) -> bool:
        """End an unclosed skipped element at a block-level tag; True if it ended here."""
        if self._skip_bounded and tag in _BLOCK_TAGS:
            self._end_skip()
            return True
        return False

    def _end_skip(self) -> None:
        _tag, reason, buf, src = self._skip.pop()
        self._skip_depth = 0
        self._skip_bounded = False
        self.removals.append(Removal(reason, normalize_text("".join(buf)) or normalize_text(src)))

    def _close_link(self) -> None:
        link, self._link = self._link, None
        if link is None:
            return
        link.text = "".join(self.parts[self._link_part + 1 :])
        if _ASCII_ALNUM.search(link.text) or normalize_text(link.text):
            link.marked = True
            self.parts.append(LINK_CLOSE)
        else:
            self.parts[self._link_part] = ""
        self.links.append(link)

    def _meta(self, attr: dict[str, str]) -> None:
        name = (attr.get("property") or attr.get("name") or attr.get("itemprop") or "").lower()
        content = attr.get("content", "")
        if name and content and name not in self.meta:
            self.meta[name] = content
        if name == "og:url" and content:
            self.urls.append(content)


def _parse_html(text: str, source_path: str) -> _HTMLText:
    collapse = bool(_HTML_BLOCK.search(text))
    parser = _run(_HTMLText(collapse=collapse), text, source_path)
    parser.finish()
    if parser.open_at_end:
        # A skipped element ran to the end of the file: find every unclosed one, parse again.
        unclosed = _run(_SkipTags(frozenset(_SKIP_TAGS)), text, source_path).unclosed()
        parser = _run(_HTMLText(collapse=collapse, unclosed=unclosed), text, source_path)
        parser.finish()
    return parser


_Parser = TypeVar("_Parser", bound=_Scanner)


def _run(parser: _Parser, text: str, source_path: str) -> _Parser:
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything it raises is a malformed input
        raise InputError(f"malformed HTML: {exc}; {_EXPECTED}", path=source_path) from exc
    return parser
