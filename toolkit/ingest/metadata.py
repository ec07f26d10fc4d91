"""What a page's markup says about its article, as evidence (field, source, value).

Titles (og:title, twitter:title, <h1>, <title>), outlets (og:site_name, application-name),
authors, publication and modification dates from <meta> and <time>, the canonical link and
og:url, and the JSON-LD article object. toolkit.ingest.evidence chooses among them; hosts are
stored as found ("thenationalnews.com"): a host-to-name table would be a guess the text does not
support.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from toolkit.ingest.dates import parse_date
from toolkit.ingest.html import _parse_html, _RawLink
from toolkit.ingest.jsonld import read_json_ld
from toolkit.ingest.normalize import normalize_text
from toolkit.ingest.page_blocks import FurnitureText
from toolkit.ingest.page_tree import _TreeText, read_tree
from toolkit.ingest.removals import Removal

# <meta> names (and OpenGraph properties) that carry each field, in order of preference; the
# evidence source is "opengraph" for og:/article: properties and "meta" for the others.
_DATE_META = (
    "article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "parsely-pub-date",
    "sailthru.date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified")
_TITLE_META = ("og:title", "twitter:title", "headline")
_OUTLET_META = ("og:site_name", "application-name", "publisher")
_AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "sailthru.author")


# A page's links repeat hosts and paths; urllib's own cache keeps only 128 URLs.
@functools.lru_cache(maxsize=4096)
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


# An http(s) URL whose host part is plain ASCII without brackets, so that urlsplit would find it
# (non-empty) without raising: most links, told apart without splitting them.
_PLAIN_WEB_URL = re.compile(r"[hH][tT][tT][pP][sS]?://[A-Za-z0-9\-._~!$&'()*+,;=:@%]+(?:[/?#]|\Z)")


@functools.lru_cache(maxsize=4096)
def _is_web_url(url: str) -> bool:
    if _PLAIN_WEB_URL.match(url):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@functools.lru_cache(maxsize=4096)
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


Evidence = tuple[str, str, Any]
"""(field, source, value): one statement about the article and where it was found."""


@dataclass
class _Source:
    """The text to normalize (with link markers) and what the markup said about the article."""

    marked: str
    links: list[_RawLink] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    base: str | None = None
    known_titles: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    furniture: FurnitureText | None = None
    """A full page's texts under page furniture (page_blocks), None for other inputs."""


def _meta_source(name: str) -> str:
    return "opengraph" if name.startswith(("og:", "article:")) else "meta"


def _read_html(raw: str, source_path: str, root: HtmlElement | None = None) -> _Source:
    """Text with link markers, removed elements and metadata of an HTML page or fragment
    (read from ``root``, the page's tree, when it is a full page)."""
    html = read_tree(root) if root is not None else _parse_html(raw, source_path)
    furniture = html.furniture if isinstance(html, _TreeText) else None
    base = html.base or next((u for u in html.urls if _is_web_url(u)), None)
    h1 = [t for t in (_single_line(h) for h in html.h1) if t]
    titles = [_single_line(t) for t in [html.meta.get(k) for k in _TITLE_META] + h1[:1]]
    titles.append(_single_line(html.title))
    source = _Source(
        marked="".join(html.parts),
        links=html.links,
        removals=html.removals,
        base=base,
        known_titles={t for t in titles if t},
        furniture=furniture,
    )
    meta = html.meta
    found: list[Evidence] = [
        *(("title", _meta_source(k), _single_line(meta.get(k))) for k in _TITLE_META),
        ("title", "h1", h1[0] if h1 else None),
        ("title", "html-title", _single_line(html.title)),
        *(("outlet", _meta_source(k), _single_line(meta.get(k))) for k in _OUTLET_META),
        *(("byline", _meta_source(k), _author(meta.get(k))) for k in _AUTHOR_META),
        *(("published_date", _meta_source(k), parse_date(meta.get(k, ""))) for k in _DATE_META),
        ("published_date", "time-element", next(filter(None, map(parse_date, html.times)), None)),
        *(("modified_date", _meta_source(k), parse_date(meta.get(k, ""))) for k in _MODIFIED_META),
        *(("canonical_url", "link-canonical", _resolve(u, base)) for u in html.canonical),
        (
            "canonical_url",
            "opengraph",
            _resolve(meta["og:url"], base) if "og:url" in meta else None,
        ),
    ]
    jsonld = read_json_ld(raw)
    found += [
        ("title", "json-ld", jsonld.headline),
        ("byline", "json-ld", ", ".join(dict.fromkeys(jsonld.authors)) or None),
        ("outlet", "json-ld", jsonld.publisher),
        ("published_date", "json-ld", parse_date(jsonld.date_published or "")),
        ("modified_date", "json-ld", parse_date(jsonld.date_modified or "")),
        *(("canonical_url", "json-ld", _resolve(u, base)) for u in jsonld.urls),
    ]
    source.evidence = [e for e in found if e[2] is not None]
    if jsonld.invalid_blocks:
        source.notes.append(f"{jsonld.invalid_blocks} JSON-LD block(s) skipped: not valid JSON")
    return source


def _author(value: str | None) -> str | None:
    """A <meta> author, unless it is a URL (a profile page names no one)."""
    return None if value is None or _is_web_url(value) else _single_line(value)
