"""Article metadata from evidence only (else None): title, byline, date, outlet, URLs.

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
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from toolkit.ingest.dates import parse_date
from toolkit.ingest.html import _parse_html, _RawLink
from toolkit.ingest.normalize import normalize_text
from toolkit.ingest.removals import Removal

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


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"“”‘’()\[\]]+")


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


def _urls_in_text(text: str) -> list[str]:
    return [m.group().rstrip(".,;:!?'\"") for m in _URL_IN_TEXT.finditer(text)]
