"""Raw article bytes to a clean Article: decoding, HTML with links, metadata, boilerplate.

Metadata comes from evidence only, else it stays None:

- title: a headline paragraph at the top (short, no closing full stop, before the body), or the
  page's og:title / first <h1> / <title>; with a title in the page metadata only a paragraph
  equal to it counts as the headline;
- byline: a "By ..." line in the header, a line of person names right after the headline, or
  <meta name="author">;
- published_date: <meta> publication dates, "Published"/"date" lines and prefixes, a <time>
  element, then "Updated" lines (in that order of preference);
- outlet: og:site_name (or application-name), else the host of the canonical URL, else the host
  of most links (at least two, more than half). Hosts are stored as found ("thenationalnews.com"):
  a host-to-name table would be a guess the text does not support.
- aggregator: a site named in a "... is not responsible for the content" disclaimer; it
  republished the article, so it is not the outlet.

Every removed piece is recorded as a Removal with one of REMOVAL_REASONS.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from toolkit.errors import InputError
from toolkit.ingest.normalize import (
    LINK_CLOSE,
    LINK_OPEN,
    _words,
    normalize_text,
    normalize_with_link_markers,
    split_sentences,
)

CONVERTER_VERSION = "1.0.0"
"""Version of the text conversion; bump it whenever the text made from the same bytes changes."""

_EXPECTED = "expected a news article as text or HTML in UTF-8, UTF-16 (with BOM) or Windows-1252"


@dataclass(frozen=True)
class Link:
    """A hyperlink; start/end: code-point offsets of its anchor text in Article.text, or None."""

    text: str
    href: str
    start: int | None
    end: int | None


REMOVAL_REASONS = (
    "html-script",
    "html-style",
    "html-iframe",
    "html-noscript",
    "html-template",
    "html-svg",
    "html-object",
    "html-comment",
    "aggregator-disclaimer",
    "repeated-caption",
    "photo-caption",
    "language-switcher",
    "navigation",
    "dateline",
    "repeated-paragraph",
    "headline",
    "byline",
    "trailing-unrelated-block",
)
"""Every reason a Removal can give."""


@dataclass(frozen=True)
class Removal:
    """A piece of the source left out of the text, and why (one of REMOVAL_REASONS).

    One Removal per removed paragraph, paragraph prefix ("date 2023-06-19"), HTML element, or
    multi-paragraph unit (a language menu, a trailing block); paragraphs joined by a blank line.
    """

    reason: str
    text: str


@dataclass
class Article:
    """One converted article: clean text, metadata with evidence, links, sentences, removals."""

    doc_id: str
    source_path: str
    source_sha256: str
    source_encoding: str
    text: str
    title: str | None
    outlet: str | None
    byline: str | None
    published_date: datetime.date | None
    source_urls: list[str]
    links: list[Link]
    sentences: list[tuple[int, int]]
    removed: list[Removal]
    aggregator: str | None = None
    """Site that republished the article (named in an aggregator disclaimer); not the outlet."""


# ------------------------------------------------------------------ decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f\x80-\x9f]")


def decode_bytes(data: bytes, *, source_path: str) -> tuple[str, str]:
    """Decode an article's bytes and name the encoding found; InputError for binary or broken text.

    BOMs decide first (UTF-8, UTF-16, UTF-32). Without one: NUL bytes mean UTF-16 without BOM if
    they sit on every other byte, otherwise binary; then strict UTF-8; then, for files with no
    UTF-8 multibyte sequence, Windows-1252 (reported as "latin-1" when no byte is in 0x80-0x9F,
    where both agree). A file that is mostly UTF-8 with a few bad bytes is rejected rather than
    guessed: it was damaged, and any guess would put wrong characters into the text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, encoding, source_path), encoding
    nul = data.find(b"\x00")
    if nul != -1:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise InputError(
                f"binary file: NUL byte at offset {nul}; {_EXPECTED}", path=source_path
            )
        return _decode_strict(data, utf16, source_path), utf16
    try:
        return _check_text(data.decode("utf-8"), source_path), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    good = _UTF8_MULTIBYTE.findall(data)
    # Without a multibyte sequence the file is not damaged UTF-8: no need to count bad bytes.
    if good and len(good) >= len(_HIGH_BYTE.findall(data)) - sum(len(g) for g in good):
        offset = utf8_error.start
        raise InputError(
            f"invalid UTF-8: byte 0x{data[offset]:02X} at offset {offset} in a file that is "
            f"otherwise UTF-8; re-save it in one encoding ({_EXPECTED})",
            path=source_path,
        ) from utf8_error
    encoding = "cp1252" if _C1_BYTE.search(data) else "latin-1"
    return _decode_strict(data, "cp1252", source_path), encoding


def _decode_strict(data: bytes, encoding: str, source_path: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"undecodable text: byte 0x{data[exc.start]:02X} at offset {exc.start} is not valid "
            f"{encoding}; {_EXPECTED}",
            path=source_path,
        ) from exc
    return _check_text(text, source_path)


def _utf16_without_bom(data: bytes) -> str | None:
    half = len(data) // 2
    if len(data) % 2 or half == 0:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.01 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.01 * half:
        return "utf-16-be"
    return None


def _check_text(text: str, source_path: str) -> str:
    controls = len(_BINARY_CONTROL.findall(text))
    if controls * 20 > len(text):
        raise InputError(
            f"binary file: {controls} of {len(text)} characters are control characters "
            f"(more than 5%); {_EXPECTED}",
            path=source_path,
        )
    return text


# ------------------------------------------------------------------ HTML

_HTML_TAG = re.compile(
    r"<(?:!doctype|!--|/?(?:html|head|body|p|div|span|a|br|hr|i|b|em|strong|u|h[1-6]|ul|ol|li"
    r"|table|tr|td|th|tbody|thead|blockquote|pre|code|section|article|header|footer|nav|aside"
    r"|main|figure|figcaption|img|script|style|iframe|noscript|meta|link|title|time|small|sup"
    r"|sub|template|svg|font|center|dl|dt|dd|form|input|source|picture|video|object|embed"
    r"|abbr|cite|q|mark|address)\b)",
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
# Elements whose content never reaches the text, and the removal reason recorded for them.
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
_VOID_TAGS = _words("area base br col embed hr img input link meta source track wbr")
_WHITESPACE = re.compile(r"\s+")
# No normalization step removes an ASCII letter or digit: anchor text with one is never empty.
_ASCII_ALNUM = re.compile("[0-9A-Za-z]")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_DATE_META = {
    "article:published_time": 0,
    "datepublished": 0,
    "pubdate": 0,
    "publishdate": 0,
    "publish-date": 0,
    "date": 0,
    "dc.date": 0,
    "dc.date.issued": 0,
    "dcterms.created": 0,
    "parsely-pub-date": 0,
    "sailthru.date": 0,
    "article:modified_time": 4,
    "datemodified": 4,
    "og:updated_time": 4,
}
_TITLE_META = ("og:title", "twitter:title", "headline")
_OUTLET_META = ("og:site_name", "application-name", "publisher")
_AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "sailthru.author")


@dataclass
class _RawLink:
    href: str
    text: str = ""
    marked: bool = False


class _HTMLText(HTMLParser):
    """Collects text with link markers, removed elements, and metadata from (partial) HTML."""

    def __init__(self, *, collapse: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.collapse = collapse
        self.parts: list[str] = []
        self.links: list[_RawLink] = []
        self.removals: list[Removal] = []
        self.meta: dict[str, str] = {}
        self.urls: list[str] = []
        self.times: list[str] = []
        self.h1: list[str] = []
        self.title: str | None = None
        self.base: str | None = None
        self._skip: list[tuple[str, str, list[str], str]] = []
        self._skip_depth = 0
        self._link: _RawLink | None = None
        self._link_part = 0
        self._pre = 0
        self._title_buf: list[str] | None = None
        self._h1_part: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[-1][0]:
                self._skip_depth += 1
            return
        attr = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag in _SKIP_TAGS:
            self._skip.append((tag, _SKIP_TAGS[tag], [], attr.get("src", "")))
            self._skip_depth = 1
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
        for key in ("datetime", "content"):
            if attr.get("itemprop", "").lower() == "datepublished" and attr.get(key):
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
        if self._skip:
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
        while self._skip:
            self._end_skip()
        self._close_link()

    def _block(self) -> None:
        self._close_link()
        self.parts.append("\n\n")

    def _end_skip(self) -> None:
        _tag, reason, buf, src = self._skip.pop()
        self._skip_depth = 0
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
    parser = _HTMLText(collapse=bool(_HTML_BLOCK.search(text)))
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything it raises is a malformed input
        raise InputError(f"malformed HTML: {exc}; {_EXPECTED}", path=source_path) from exc
    parser.finish()
    return parser


# ------------------------------------------------------------------ dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_WEEKDAY = (
    r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\.?,?\s+)?"
)
_DATE = (
    rf"(?:(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"  # noqa: E501
    rf"|{_WEEKDAY}(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<mdy_y>\d{{4}})"
    rf"|{_WEEKDAY}(?P<dmy_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmy_m>{_MONTH}),?\s+(?P<dmy_y>\d{{4}}))"
)
_TIME = r"(?:(?:,|\s+at|\s*[-|•])?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*\(?[a-z]{2,5}\)?)?)?"
_DATE_ONLY = re.compile(_DATE, re.IGNORECASE)
# A whole paragraph that only states a date ("Updated: June 19, 2023, 5:06 PM").
_DATE_LINE = re.compile(
    r"\(?\s*(?P<kw>(?:last\s+)?(?:updated|published|posted|modified|first\s+published|date)"
    rf"(?:\s+on)?\s*:?\s*)?{_DATE}{_TIME}\s*\)?",
    re.IGNORECASE,
)
# "date 2023-06-19 " at the very start of the text.
_DATE_PREFIX = re.compile(rf"date:?\s+{_DATE}\s+", re.IGNORECASE)


def parse_date(text: str) -> datetime.date | None:
    """The date in an ISO, "June 19, 2023" or "19 June 2023" string, or None."""
    m = _DATE_ONLY.search(text)
    return _date_from_match(m) if m else None


def _date_from_match(m: re.Match[str]) -> datetime.date | None:
    try:
        if m.group("iso"):
            return datetime.date.fromisoformat(m.group("iso"))
        if m.group("mdy_m"):
            month = _MONTHS[m.group("mdy_m").lower().rstrip(".")]
            return datetime.date(int(m.group("mdy_y")), month, int(m.group("mdy_d")))
        month = _MONTHS[m.group("dmy_m").lower().rstrip(".")]
        return datetime.date(int(m.group("dmy_y")), month, int(m.group("dmy_d")))
    except (ValueError, KeyError):
        return None


def _date_rank(keyword: str | None) -> int:
    """Lower is better: publication dates before update dates."""
    kw = (keyword or "").lower()
    return 3 if ("updated" in kw or "modified" in kw) else 1


# ------------------------------------------------------------------ boilerplate

# Photo agencies and credit forms that end a caption; the list is what news captions use.
_AGENCY = (
    r"(?:AFP|AP|Reuters|EPA(?:-EFE)?|Getty Images|Bloomberg|Xinhua|Anadolu(?: Agency)?|WAM|PA"
    r"|Shutterstock|Alamy|Sipa|Kyodo|Yonhap|EFE|dpa|TASS|Sputnik|NurPhoto|ZUMA|Pool|Handout)"
)
_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.&'’-]*){0,3}"
_CREDIT_TAIL = re.compile(
    rf"[.!?\"”’]\s+(?:(?:Photo|Image|Picture)s?:\s*)?(?:{_AGENCY}(?:\s*(?:/|via)\s*{_NAME})?"
    rf"|{_NAME}\s*/\s*{_NAME})\s*$"
)
_PAREN_CREDIT = re.compile(
    r"\((?:(?:[^()/]{1,50}/){1,2}[^()/]{1,50}"
    r"|(?:Photo|Image|Picture)s?(?: by)?:?\s[^()]{1,60})\)\s*$"
)
_PHOTO_PREFIX = re.compile(r"(?:Photo|Image|Picture|Pictured|File photo)s?\s*:", re.IGNORECASE)
_DISCLAIMER = re.compile(
    r"\bis not responsible for the content\b"
    r"|^This (?:article|story|post|content) (?:was|has been) (?:added|submitted|posted|shared"
    r"|uploaded) by (?:the|a|an|our) (?:external )?user\b",
    re.IGNORECASE,
)
_AGGREGATOR = re.compile(
    r"([A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3}) is not responsible for the content"
)
# Language names as they appear in site language menus (English and native names).
_LANGUAGE = (
    r"(?:English|Arabic|العربية|French|Français|Spanish|Español|German|Deutsch|Chinese|中文"
    r"|简体中文|繁體中文|Russian|Русский|Portuguese|Português|Italian|Italiano|Japanese|日本語"
    r"|Korean|한국어|Turkish|Türkçe|Persian|Farsi|فارسی|Hebrew|עברית|Hindi|हिन्दी|Urdu|اردو"
    r"|Indonesian|Bahasa Indonesia|Malay|Vietnamese|Tiếng Việt|Thai|ไทย|Dutch|Nederlands"
    r"|Polish|Polski|Ukrainian|Українська|Swahili|Kiswahili)"
)
_BULLET = r"[•·*▪●◦|>–-]"
_LANGUAGE_LINE = re.compile(rf"{_BULLET}?\s*{_LANGUAGE}")
_LANGUAGE_MENU = re.compile(rf"{_BULLET}?\s*{_LANGUAGE}(?:\s*{_BULLET}\s*{_LANGUAGE})+")
_NAVIGATION = re.compile(
    r"(?:advertisement|skip to (?:main )?content|share(?: this (?:article|story))?|share on \w+"
    r"|read more|related(?: articles| stories| topics)?|most (?:popular|read)|menu|search"
    r"|sign up (?:for|to) .{0,60}newsletters?.{0,30}|subscribe(?: now| today)?"
    r"|follow us(?: on .{0,40})?"
    r"|(?:home|news)(?:\s*[>›»/|]\s*[\w ,&'-]{1,40}){1,6}|back to top|print|email|comments?)",
    re.IGNORECASE,
)
_BYLINE_BY = re.compile(
    rf"By\s+(?P<name>{_NAME}(?:(?:,\s*|\s+and\s+|\s*&\s*){_NAME})*)"
    rf"(?:\s*[,|–—-]\s*[\w .&'’-]{{1,40}})?"
)
_PARTICLE = r"(?:van|von|de|da|del|der|bin|al|el|la|le|di|du)"
_PERSON = rf"[A-Z][\w'’.-]+(?:\s+(?:{_PARTICLE}\s+)?[A-Z][\w'’.-]+){{1,3}}"
_BYLINE_NAMES = re.compile(rf"{_PERSON}(?:(?:,\s*|\s+and\s+|\s*&\s*){_PERSON})*")
_TERMINAL = re.compile("[.,;:]$|[.!?][\"'”’)]$")
_KEY_VALUE = re.compile(r"[A-Z][\w '’&/()-]{0,40}:\s+\S")
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")
_STOPWORDS = _words(
    "about above after again against also among been before being below between both could does "
    "doing down during each from further have having here into more most much must only other "
    "over said same should since some such than that their them then there these they this "
    "those through under until very were what when where which while will with would your year "
    "years first last week month today"
)
_MARKERS = re.compile(f"([{LINK_OPEN}{LINK_CLOSE}])")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"“”‘’()\[\]]+")
_TRAILING_BLOCK_SHARE = 0.5
"""A trailing block may hold at most this share of the kept characters."""


@dataclass
class _Cleanup:
    """Decisions about paragraphs: removed units, a removed prefix, and metadata found."""

    units: list[tuple[list[int], str]] = field(default_factory=list)
    removed: set[int] = field(default_factory=set)
    prefix: dict[int, tuple[int, str]] = field(default_factory=dict)
    title: str | None = None
    byline: str | None = None
    dates: list[tuple[int, int, datetime.date]] = field(default_factory=list)
    aggregator: str | None = None

    def remove(self, indexes: list[int], reason: str) -> None:
        self.units.append((indexes, reason))
        self.removed.update(indexes)


def _is_caption(text: str) -> bool:
    if not text or len(text) > 400:
        return False
    if _PHOTO_PREFIX.match(text):
        return True
    # Cheap test of the last character first: most body paragraphs end in punctuation.
    last = text[-1]
    if last == ")":
        return bool(_PAREN_CREDIT.search(text[-160:]))
    return last.isalnum() and bool(_CREDIT_TAIL.search(text[-160:]))


def _looks_like_headline(text: str) -> bool:
    words = text.split()
    return (
        3 <= len(words) <= 25
        and len(text) <= 200
        and not _TERMINAL.search(text)
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘")
    )


def _looks_like_heading(text: str) -> bool:
    return (
        len(text) <= 80
        and len(text.split()) <= 8
        and not _TERMINAL.search(text)
        and not text[0].islower()
        and not _KEY_VALUE.match(text)
    )


def _content_words(text: str) -> set[str]:
    return {w for w in _CONTENT_WORD.findall(text.lower()) if w not in _STOPWORDS}


def _clean_paragraphs(paras: list[str], known_titles: set[str]) -> _Cleanup:
    """Find boilerplate paragraphs, the headline, byline and date lines of a paragraph list."""
    out = _Cleanup()
    n = len(paras)
    counts = Counter(paras)
    seen: set[str] = set()
    order = 0
    # Anywhere in the text: disclaimers, captions, menus, navigation, date lines, repeats.
    i = 0
    while i < n:
        text = paras[i]
        short = len(text) <= 500
        lowered = text.lower() if short else ""
        if (
            short
            and (lowered.startswith("this ") or "responsible for the content" in lowered)
            and _DISCLAIMER.search(text)
        ):
            out.remove([i], "aggregator-disclaimer")
            agg = _AGGREGATOR.search(text)
            if agg and out.aggregator is None:
                out.aggregator = agg.group(1)
        elif _is_caption(text):
            out.remove([i], "repeated-caption" if counts[text] > 1 else "photo-caption")
        elif len(text) <= 300 and _LANGUAGE_MENU.fullmatch(text):
            out.remove([i], "language-switcher")
        elif len(text) <= 60 and _LANGUAGE_LINE.fullmatch(text):
            j = i
            while j + 1 < n and len(paras[j + 1]) <= 60 and _LANGUAGE_LINE.fullmatch(paras[j + 1]):
                j += 1
            if j > i:
                out.remove(list(range(i, j + 1)), "language-switcher")
                i = j
        elif len(text) <= 80 and _NAVIGATION.fullmatch(text):
            out.remove([i], "navigation")
        elif len(text) <= 120 and (m := _DATE_LINE.fullmatch(text)):
            day = _date_from_match(m)
            if day is not None:
                out.remove([i], "dateline")
                out.dates.append((_date_rank(m.group("kw")), order, day))
                order += 1
        elif counts[text] > 1 and len(text.split()) >= 8:
            if text in seen:
                out.remove([i], "repeated-paragraph")
            seen.add(text)
        i += 1

    # The header: headline, byline and a leading date, up to the first body paragraph.
    first = True
    for i in range(n):
        if i in out.removed:
            continue
        text = paras[i]
        if first and (m := _DATE_PREFIX.match(text)):
            day = _date_from_match(m)
            if day is not None:
                out.prefix[i] = (m.end(), "dateline")
                out.dates.append((1, order, day))
                order += 1
                break
        first = False
        by = _BYLINE_BY.fullmatch(text) if len(text) <= 120 else None
        later_body = any(j not in out.removed for j in range(i + 1, n))
        if by:
            out.remove([i], "byline")
            out.byline = out.byline or by.group("name")
        elif out.title is not None and len(text) <= 120 and _BYLINE_NAMES.fullmatch(text):
            out.remove([i], "byline")
            out.byline = out.byline or text
        elif (
            out.title is None
            and later_body
            and (
                # With a title in the page's metadata only that title is a headline.
                text in known_titles if known_titles else _looks_like_headline(text)
            )
        ):
            out.remove([i], "headline")
            out.title = text
        else:
            break

    _remove_trailing_block(paras, out)
    return out


def _remove_trailing_block(paras: list[str], out: _Cleanup) -> None:
    """Remove a trailing block (heading + paragraphs) whose words do not occur in the story."""
    kept = [i for i in range(len(paras)) if i not in out.removed and i not in out.prefix]
    if len(kept) < 3:
        return
    total = sum(len(paras[i]) for i in kept)
    candidates = [k for k in range(1, len(kept) - 1) if _looks_like_heading(paras[kept[k]])]
    # The story is what precedes the first block within the share; its words are found only
    # when a block needs them.
    story_end: int | None = None
    body_words: set[str] | None = None
    for k in candidates[-20:]:
        block = kept[k:]
        if sum(len(paras[i]) for i in block) > _TRAILING_BLOCK_SHARE * total:
            continue
        if story_end is None:
            story_end = k
        words = _content_words("\n".join(paras[i] for i in block))
        if not words:
            continue
        key_values = sum(1 for i in block[1:] if _KEY_VALUE.match(paras[i]))
        fact_box = key_values >= 2 and key_values * 2 >= len(block) - 1
        if not fact_box and len(words) < 15:
            continue  # removed only as a fact box or with 15+ words: skip the story's words
        if body_words is None:
            body_words = _content_words("\n".join(paras[i] for i in kept[:story_end]))
        overlap = len(words & body_words) / len(words)
        if (fact_box and overlap < 0.5) or (len(words) >= 15 and overlap < 0.2):
            out.remove(block, "trailing-unrelated-block")
            return


# ------------------------------------------------------------------ article


def _host(url: str) -> str | None:
    """A URL's host without "www." (the outlet, when the URL is the article's own)."""
    return (urlsplit(url).hostname or "").removeprefix("www.") or None


def _outlet_from_links(hrefs: Iterable[str]) -> str | None:
    """The host of most links (at least two, more than half), without "www."."""
    hosts = [h for h in map(_host, hrefs) if h]
    if len(hosts) < 2:
        return None
    host, count = Counter(hosts).most_common(1)[0]
    return host if count * 2 > len(hosts) else None


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _resolve(href: str, base: str | None) -> str:
    if base is None or _is_web_url(href):
        return href
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def _single_line(text: str | None) -> str | None:
    if text is None:
        return None
    value = normalize_text(text).replace("\n\n", " ")
    return value or None


@dataclass
class _Source:
    """The text to normalize (with link markers) and what the markup said about the article."""

    marked: str
    links: list[_RawLink] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    base: str | None = None
    known_titles: set[str] = field(default_factory=set)
    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    dates: list[tuple[int, int, datetime.date]] = field(default_factory=list)


def _read_html(raw: str, source_path: str) -> _Source:
    """Text with link markers, removed elements and metadata of an HTML page or fragment."""
    html = _parse_html(raw, source_path)
    base = html.base or next((u for u in html.urls if _is_web_url(u)), None)
    h1 = [t for t in (_single_line(h) for h in html.h1) if t]
    titles = [_single_line(t) for t in [html.meta.get(k) for k in _TITLE_META] + h1[:1]]
    titles.append(_single_line(html.title))
    author = next((html.meta[k] for k in _AUTHOR_META if html.meta.get(k)), None)
    source = _Source(
        marked="".join(html.parts),
        links=html.links,
        removals=html.removals,
        urls=[_resolve(u, base) for u in html.urls],
        base=base,
        known_titles={t for t in titles if t},
        title=next((t for t in titles if t), None),
        outlet=next((_single_line(html.meta[k]) for k in _OUTLET_META if html.meta.get(k)), None),
        byline=None if author is None or _is_web_url(author) else _single_line(author),
    )
    for key, value in html.meta.items():
        if key in _DATE_META and (day := parse_date(value)):
            source.dates.append((_DATE_META[key], -1, day))
    for value in html.times:
        if day := parse_date(value):
            source.dates.append((2, -1, day))
            break
    return source


def _assemble(paragraphs: list[str], cleanup: _Cleanup) -> tuple[str, dict[int, int]]:
    """The kept paragraphs joined by blank lines, and the text offset of each one's offset 0."""
    pieces: list[str] = []
    starts: dict[int, int] = {}
    pos = 0
    for i, para in enumerate(paragraphs):
        if i in cleanup.removed:
            continue
        kept = para[cleanup.prefix.get(i, (0, ""))[0] :].lstrip()
        if not kept:
            continue
        if pieces:
            pos += 2
        starts[i] = pos - (len(para) - len(kept))
        pieces.append(kept)
        pos += len(kept)
    return "\n\n".join(pieces), starts


def parse_article(data: bytes, *, source_path: str) -> Article:
    """Convert one article's raw bytes to an Article; InputError (with the path) for a reject."""
    if not data:
        raise InputError(f"empty file (0 bytes); {_EXPECTED}", path=source_path)
    sha = hashlib.sha256(data).hexdigest()
    raw, encoding = decode_bytes(data, source_path=source_path)
    raw = _NONCHARACTERS.sub("", raw)
    if not raw.strip():
        raise InputError(
            f"no text: the file holds only whitespace ({len(data)} bytes); {_EXPECTED}",
            path=source_path,
        )
    source = _read_html(raw, source_path) if _HTML_TAG.search(raw) else _Source(marked=raw)
    normalized = normalize_with_link_markers(source.marked)
    if not normalized and not source.removals:
        raise InputError(
            f"no text: the file holds only whitespace and invisible characters; {_EXPECTED}",
            path=source_path,
        )
    paragraphs, opens, closes = _split_marked(normalized)
    cleanup = _clean_paragraphs(paragraphs, source.known_titles)
    text, starts = _assemble(paragraphs, cleanup)

    found = [
        (indexes[0], Removal(reason, "\n\n".join(paragraphs[i] for i in indexes)))
        for indexes, reason in cleanup.units
    ]
    found += [
        (i, Removal(r, paragraphs[i][:cut].strip())) for i, (cut, r) in cleanup.prefix.items()
    ]
    removals = source.removals + [r for _, r in sorted(found, key=lambda item: item[0])]
    if not text:
        reasons = Counter(r.reason for r in removals)
        summary = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        raise InputError(
            f"no article text left after removing boilerplate (removed: {summary or 'nothing'}); "
            "expected at least one paragraph of body text",
            path=source_path,
        )

    links: list[Link] = []
    marked_no = 0
    for raw_link in source.links:
        start = end = None
        if raw_link.marked:
            start, end = _link_offsets(marked_no, opens, closes, starts, cleanup.prefix)
            marked_no += 1
        anchor = text[start:end] if start is not None and end is not None else None
        href = _resolve(raw_link.href, source.base)
        links.append(Link(anchor or _single_line(raw_link.text) or "", href, start, end))
    # Markers can, rarely, stop a normalization step from seeing two characters as neighbours.
    if marked_no and normalize_text(text) != text:
        text = normalize_text(text)
        links = _relocate(links, text)

    found_urls = source.urls + [link.href for link in links] + _urls_in_text(text)
    web_urls = [u for u in found_urls if _is_web_url(u)]
    outlet = (
        source.outlet
        or next((_host(u) for u in source.urls if _is_web_url(u)), None)
        or _outlet_from_links(link.href for link in links if _is_web_url(link.href))
    )
    dates = source.dates + cleanup.dates
    return Article(
        doc_id="doc_" + sha[:16],
        source_path=source_path,
        source_sha256=sha,
        source_encoding=encoding,
        text=text,
        title=cleanup.title or source.title,
        outlet=outlet,
        byline=cleanup.byline or source.byline,
        published_date=min(dates)[2] if dates else None,
        source_urls=list(dict.fromkeys(web_urls)),
        links=links,
        sentences=split_sentences(text),
        removed=removals,
        aggregator=cleanup.aggregator,
    )


def _split_marked(
    text: str,
) -> tuple[list[str], dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """Paragraphs without markers, and where link n opens/closes: (paragraph, offset)."""
    paragraphs: list[str] = []
    opens: dict[int, tuple[int, int]] = {}
    closes: dict[int, tuple[int, int]] = {}
    number = -1
    is_open = False
    for p, para in enumerate(text.split("\n\n") if text else []):
        if LINK_OPEN not in para and LINK_CLOSE not in para:
            paragraphs.append(para)
            continue
        pieces = _MARKERS.split(para)
        clean: list[str] = []
        pos = 0
        for piece in pieces:
            if piece == LINK_OPEN:
                number += 1
                opens[number] = (p, pos)
                is_open = True
            elif piece == LINK_CLOSE:
                if is_open:
                    closes[number] = (p, pos)
                is_open = False
            else:
                clean.append(piece)
                pos += len(piece)
        paragraphs.append("".join(clean))
    return paragraphs, opens, closes


def _link_offsets(
    number: int,
    opens: dict[int, tuple[int, int]],
    closes: dict[int, tuple[int, int]],
    starts: dict[int, int],
    prefix: dict[int, tuple[int, str]],
) -> tuple[int | None, int | None]:
    if number not in opens or number not in closes:
        return None, None
    (p_open, s), (p_close, e) = opens[number], closes[number]
    if any(p not in starts for p in range(p_open, p_close + 1)):
        return None, None
    if s < prefix.get(p_open, (0, ""))[0]:
        return None, None
    start, end = starts[p_open] + s, starts[p_close] + e
    return (start, end) if start < end else (None, None)


def _relocate(links: list[Link], text: str) -> list[Link]:
    """Find each link's (normalized) anchor text again, in order, after a final normalization."""
    result: list[Link] = []
    cursor = 0
    for link in links:
        anchor = normalize_text(link.text)
        at = text.find(anchor, cursor) if link.start is not None and anchor else -1
        if at == -1:
            result.append(Link(anchor or link.text, link.href, None, None))
        else:
            result.append(Link(anchor, link.href, at, at + len(anchor)))
            cursor = at + len(anchor)
    return result


def _urls_in_text(text: str) -> list[str]:
    return [m.group().rstrip(".,;:!?'\"") for m in _URL_IN_TEXT.finditer(text)]


def read_article(path: str | Path) -> Article:
    """Read one article file and convert it (see parse_article)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    return parse_article(data, source_path=str(path))
