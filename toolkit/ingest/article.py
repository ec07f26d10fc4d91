"""Raw article bytes to a clean Article: decoding, HTML with links, metadata, boilerplate."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml.html import HtmlElement

from toolkit.errors import InputError
from toolkit.ingest.boilerplate import _Cleanup
from toolkit.ingest.decoding import _EXPECTED, decode_bytes
from toolkit.ingest.evidence import Metadata, choose_metadata
from toolkit.ingest.extraction import clean_page
from toolkit.ingest.hints import SourceHints
from toolkit.ingest.html import _HTML_TAG
from toolkit.ingest.metadata import Evidence, _read_html, _resolve, _single_line, _Source
from toolkit.ingest.normalize import (
    LINK_CLOSE,
    LINK_OPEN,
    normalize_text,
    normalize_with_link_markers,
)
from toolkit.ingest.page_blocks import is_full_page
from toolkit.ingest.page_tree import parse_page, reads_alike
from toolkit.ingest.removals import Removal
from toolkit.ingest.sentences import split_sentences

CONVERTER_VERSION = "1.1.0"
"""Version of the text conversion; bump it whenever the text made from the same bytes changes."""


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink; start/end: code-point offsets of its anchor text in Article.text, or None."""

    text: str
    href: str
    start: int | None
    end: int | None


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
    modified_date: datetime.date | None = None
    canonical_url: str | None = None
    language: str | None = None
    """ISO 639-1 code of the text's language, None when the text is too short to tell."""
    language_confidence: float | None = None
    """The language detector's probability for ``language`` (0-1)."""
    metadata_sources: dict[str, str | None] = field(default_factory=dict)
    """Per metadata field, where its value was found (see toolkit.ingest.evidence)."""
    metadata_notes: list[str] = field(default_factory=list)
    """Evidence rejected as implausible or unreadable, in words."""


_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
# Their UTF-8 form is EF B7 90 to EF B7 AF: bytes without EF B7 hold none (a scan in C).
_UTF8_NONCHARACTER_LEAD = b"\xef\xb7"


_MARKERS = re.compile(f"([{LINK_OPEN}{LINK_CLOSE}])")


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


def parse_article(data: bytes, *, source_path: str, hints: SourceHints | None = None) -> Article:
    """Convert one article's raw bytes to an Article; InputError (with the path) for a reject."""
    if not data:
        raise InputError(f"empty file (0 bytes); {_EXPECTED}", path=source_path)
    sha = hashlib.sha256(data).hexdigest()
    decoded, encoding = decode_bytes(
        data, source_path=source_path, declared=hints.charset if hints else None
    )
    raw, utf8 = _without_noncharacters(decoded, data, encoding)
    if not raw.strip():
        raise InputError(
            f"no text: the file holds only whitespace ({len(data)} bytes); {_EXPECTED}",
            path=source_path,
        )
    source, root = _read_source(raw, source_path, utf8)
    normalized = normalize_with_link_markers(source.marked)
    if not normalized and not source.removals:
        raise InputError(
            f"no text: the file holds only whitespace and invisible characters; {_EXPECTED}",
            path=source_path,
        )
    paragraphs, opens, closes = _split_marked(normalized)
    cleanup = clean_page(root, paragraphs, source.known_titles, source_path, source.furniture)
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

    meta = _metadata(source, cleanup, text, links, hints)
    return Article(
        doc_id="doc_" + sha[:16],
        source_path=source_path,
        source_sha256=sha,
        source_encoding=encoding,
        text=text,
        title=meta.title,
        outlet=meta.outlet,
        byline=meta.byline,
        published_date=meta.published_date,
        source_urls=meta.source_urls,
        links=links,
        sentences=split_sentences(text),
        removed=removals,
        aggregator=cleanup.aggregator,
        modified_date=meta.modified_date,
        canonical_url=meta.canonical_url,
        language=meta.language,
        language_confidence=meta.language_confidence,
        metadata_sources=meta.sources,
        metadata_notes=meta.notes,
    )


def _without_noncharacters(raw: str, data: bytes, encoding: str) -> tuple[str, bytes | None]:
    """The text without Unicode noncharacters (ingest's link markers are some of them), and
    ``data`` when it is that text's exact UTF-8 (so a parser need not encode it again)."""
    if encoding == "utf-8" and _UTF8_NONCHARACTER_LEAD not in data:
        return raw, data  # bytes in C: none can be in the text
    return _NONCHARACTERS.sub("", raw), None


def _read_source(
    raw: str, source_path: str, utf8: bytes | None
) -> tuple[_Source, HtmlElement | None]:
    """What the input says, and a full page's tree (parsed once, read again by extraction;
    its text is read from the tree too unless an element or comment may be left open)."""
    root = parse_page(raw, utf8) if is_full_page(raw) else None
    if root is None and not _HTML_TAG.search(raw):
        return _Source(marked=raw), None
    return _read_html(raw, source_path, root if reads_alike(raw) else None), root


def _metadata(
    source: _Source, cleanup: _Cleanup, text: str, links: list[Link], hints: SourceHints | None
) -> Metadata:
    """The article's metadata from the markup's, the text's and the container's evidence."""
    text_evidence: list[Evidence] = [
        ("title", "text", cleanup.title),
        ("byline", "text", cleanup.byline),
    ]
    for rank, _order, day in sorted(cleanup.dates):
        kind = ("modified_date", "text-updated") if rank == 3 else ("published_date", "text")
        text_evidence.append((*kind, day))
    return choose_metadata(
        source.evidence + text_evidence,
        text=text,
        hints=hints,
        link_hrefs=[link.href for link in links],
        notes=source.notes,
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


def check_language(article: Article, expected: str) -> None:
    """InputError when the article's text is detected in another language than ``expected``.

    A text too short to tell (language None) passes: it is not evidence of another language.
    """
    if article.language is not None and article.language != expected:
        raise InputError(
            f"language {article.language} ({article.language_confidence:.2f}), expected {expected}",
            path=article.source_path,
        )


def read_article(path: str | Path) -> Article:
    """Read one article file and convert it (see parse_article)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    return parse_article(data, source_path=str(path))
