"""Article metadata chosen from its evidence, field by field, with the source of every value.

Each field takes the first plausible value in its ``PREFERENCE`` order; "hints" stands for the
container that gave the article (SourceHints.origin: "warc", "jsonl", "sidecar"), whose values
were stated by whoever fetched or listed the article. The sources:

- json-ld: the page's first schema.org Article object (headline, author, publisher.name,
  datePublished, dateModified, url, mainEntityOfPage);
- opengraph: og:/article: <meta> properties; meta: other <meta> names (author, pubdate, ...);
- link-canonical: <link rel="canonical">; url: a date in the article's own URL;
- text: the headline paragraph, a "By ..." line and "Published ..." lines of the text itself
  ("text-updated": an "Updated ..." line); time-element: the first <time datetime>;
- h1, html-title: the page's first <h1> and its <title>;
- host: the host of the article's own URL; links: the host of most of its links.

The outlet prefers og:site_name, the site that carried the page, over the JSON-LD publisher,
which on syndicated copies names the agency (an AP story on a newspaper's site) and on hosted
blogs the platform. The title prefers the headline paragraph of the text because, when the page
has metadata titles, it counts only if it equals one of them; then the JSON-LD headline, which
equalled the page's <h1> on 28 of the 33 extraction-dev pages having both (og:title: 41 of 57).
The canonical URL prefers what the page says of itself over the URL it was fetched from, which
can carry tracking parameters or a mirror's host. A published date falls back to
update evidence last, as before.

Plausible dates: none before ``EARLIEST_DATE``, none after the fetch date (SourceHints.fetched_at)
when it is known, and no modification before the publication. The run date is never used (the
output would depend on when it ran), so without a fetch date there is no upper bound. Every
rejected value is named in the notes and the next source is tried.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from toolkit import METADATA_FIELDS
from toolkit.ingest.hints import SourceHints
from toolkit.ingest.language import detect_language
from toolkit.ingest.metadata import (
    Evidence,
    _host,
    _is_web_url,
    _outlet_from_links,
    _resolve,
)

EARLIEST_DATE = datetime.date(1900, 1, 1)
"""No news article in the corpus is older; earlier dates are template or parsing errors."""

PREFERENCE: dict[str, tuple[str, ...]] = {
    "title": ("hints", "text", "json-ld", "opengraph", "meta", "h1", "html-title"),
    "outlet": ("hints", "opengraph", "json-ld", "meta", "host", "links"),
    "byline": ("hints", "json-ld", "meta", "opengraph", "text"),
    "published_date": (
        "hints",
        "json-ld",
        "opengraph",
        "meta",
        "text",
        "time-element",
        "url",
        "text-updated",
        "json-ld-modified",
        "opengraph-modified",
        "meta-modified",
    ),
    "modified_date": ("json-ld", "opengraph", "meta", "text-updated"),
    "canonical_url": ("link-canonical", "opengraph", "json-ld", "hints"),
}

_BY = re.compile(r"^by\s+", re.IGNORECASE)
# /2024/05/06/, /2024-05-06 or 20240506 in a URL's path, not inside a longer number.
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})(?:([/-])([01]?\d)\2([0-3]?\d)|([01]\d)([0-3]\d))(?!\d)"
)


@dataclass
class Metadata:
    """The chosen metadata of one article, the source of each field and rejected evidence."""

    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published_date: datetime.date | None = None
    modified_date: datetime.date | None = None
    canonical_url: str | None = None
    language: str | None = None
    language_confidence: float | None = None
    source_urls: list[str] = field(default_factory=list)
    sources: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(METADATA_FIELDS))
    notes: list[str] = field(default_factory=list)


def _clean(name: str, value: Any, given_url: str | None) -> Any:
    """A byline without a leading "By" (JSON-LD and <meta> authors often keep it); a relative
    page URL resolved against the URL the page was fetched from."""
    if name == "byline":
        return _BY.sub("", value).strip() or None
    if name == "canonical_url" and given_url:
        return _resolve(value, given_url)
    return value


def date_in_url(url: str) -> datetime.date | None:
    """The first valid date written in a URL's path ("/2024/05/06/", "20240506"), or None."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("//", 1)[-1].partition("/")[2]
    for m in _URL_DATE.finditer(path):
        year, month, day = m.group(1), m.group(3) or m.group(5), m.group(4) or m.group(6)
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


def choose_metadata(
    evidence: Iterable[Evidence],
    *,
    text: str,
    hints: SourceHints | None,
    link_hrefs: list[str],
    notes: list[str],
) -> Metadata:
    """Pick every field from the page's and the text's evidence and the container's hints."""
    given = hints or SourceHints(origin="none")
    found = [
        ("title", "hints", given.title),
        ("outlet", "hints", given.outlet),
        ("byline", "hints", given.byline),
        ("published_date", "hints", given.published_date),
        ("canonical_url", "hints", given.url),
        *evidence,
    ]
    found = [(n, s, _clean(n, v, given.url)) for n, s, v in found if v is not None]
    for name, src, value in list(found):
        if name == "modified_date":
            fallback = src if src == "text-updated" else f"{src}-modified"
            found.append(("published_date", fallback, value))
    urls = _own_urls(found)
    found += [("published_date", "url", d) for d in map(date_in_url, urls) if d]
    found += [("outlet", "host", h) for h in map(_host, urls) if h]
    found.append(("outlet", "links", _outlet_from_links(h for h in link_hrefs if _is_web_url(h))))
    meta = Metadata(source_urls=urls, notes=list(notes))
    ranked = _ranked([e for e in found if e[2] is not None])
    origin = given.origin
    for name in ("title", "outlet", "byline"):
        first: tuple[Any, str | None] = next(iter(ranked.get(name, [])), (None, None))
        setattr(meta, name, first[0])
        meta.sources[name] = _named(first[1], origin)
    ceiling = given.fetched_at.date() if given.fetched_at else None
    meta.published_date, source = _first_date("published_date", ranked, ceiling, None, meta)
    meta.sources["published_date"] = _named(source, origin)
    meta.modified_date, source = _first_date(
        "modified_date", ranked, ceiling, meta.published_date, meta
    )
    meta.sources["modified_date"] = _named(source, origin)
    canonical = [(u, s) for u, s in ranked.get("canonical_url", []) if _is_web_url(u)]
    meta.canonical_url = canonical[0][0] if canonical else None
    meta.sources["canonical_url"] = _named(canonical[0][1], origin) if canonical else None
    language = detect_language(text)
    if language is not None:
        meta.language, meta.language_confidence = language.code, language.confidence
    meta.sources["language"] = "py3langid" if language else None
    return meta


def _own_urls(found: list[Evidence]) -> list[str]:
    """The article's own web URLs: the given URL first, then what the page says it is."""
    given = [v for n, s, v in found if n == "canonical_url" and s == "hints"]
    page = [v for n, s, v in found if n == "canonical_url" and s != "hints"]
    return list(dict.fromkeys(u for u in given + page if _is_web_url(u)))


def _ranked(found: list[Evidence]) -> dict[str, list[tuple[Any, str]]]:
    """Per field, its (value, source) pairs in preference order (page order within a source)."""
    ranked: dict[str, list[tuple[Any, str]]] = {}
    for name, order in PREFERENCE.items():
        rank = {source: i for i, source in enumerate(order)}
        pairs = [(v, s) for n, s, v in found if n == name and s in rank]
        ranked[name] = sorted(pairs, key=lambda pair: rank[pair[1]])
    return ranked


def _first_date(
    name: str,
    ranked: dict[str, list[tuple[Any, str]]],
    ceiling: datetime.date | None,
    floor: datetime.date | None,
    meta: Metadata,
) -> tuple[datetime.date | None, str | None]:
    """The first plausible date of a field; each implausible one is noted and skipped."""
    for day, source in ranked.get(name, []):
        problem = (
            f"before {EARLIEST_DATE}"
            if day < EARLIEST_DATE
            else f"after the fetch date {ceiling}"
            if ceiling is not None and day > ceiling
            else f"before the published date {floor}"
            if floor is not None and day < floor
            else None
        )
        if problem is None:
            return day, source
        meta.notes.append(f"{name} {day} from {source} rejected: {problem}")
    return None, None


def _named(source: str | None, origin: str) -> str | None:
    """A source as recorded: "hints" becomes the container's name."""
    return origin if source == "hints" else source
