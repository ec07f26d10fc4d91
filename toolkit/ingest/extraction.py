"""Main-content extraction for full web pages, with every left-out block kept as a Removal.

Full pages (``page_blocks.is_full_page``: a doctype or ``<html>`` start, or both ``<html>`` and
``<body>`` tags) are parsed once (``page_tree``); trafilatura (fast mode, comments left out)
reads that tree and decides which blocks are the article. The text itself is still the
project's own: the page's paragraphs (from walking the same tree with ``html.py``'s collector,
with link markers) are matched against trafilatura's output by word shingles, the
matching ones are kept (then the project's header, caption, menu and date-line rules run on
them; repeats and trailing blocks are the extractor's call) and
every other paragraph becomes a Removal whose reason is what the markup around it says
(navigation, comments, related, share, newsletter, advertisement, footer, sidebar), else
``not-main-content``. So links keep their offsets and the text its normalization.

A paragraph is main content when at least half of its 4-word shingles occur in the extracted
text; a paragraph of one to three words when they are the first words of one of its lines. When
trafilatura finds no main content, or none of the paragraphs matches, the page keeps the
project's rules alone.
HTML fragments and plain text never come here.
"""

from __future__ import annotations

from collections import Counter

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from toolkit.errors import InputError
from toolkit.ingest.boilerplate import _clean_paragraphs, _Cleanup
from toolkit.ingest.page_blocks import SHINGLE, FurnitureText, shingles, words
from toolkit.ingest.page_tree import for_trafilatura

MAIN_SHARE = 0.5
"""Share of a paragraph's shingles that must occur in the extracted text for it to be kept."""
# trafilatura's fast mode (no readability/jusText comparison), comments left out, tables kept;
# made once, not from its configuration file on every call.
_OPTIONS = Extractor(fast=True, comments=False, tables=True)
NOT_MAIN = "not-main-content"
"""The reason of a left-out paragraph whose markup names no kind of page furniture."""


def clean_page(
    root: HtmlElement | None,
    paragraphs: list[str],
    known_titles: set[str],
    source_path: str,
    furniture: FurnitureText | None = None,
) -> _Cleanup:
    """The paragraphs to leave out and why: main content first for a full page's tree, then the
    rules (alone for fragments and plain text, ``root`` None). ``furniture``: the page's texts
    under furniture if its walk gathered them, else they are read from ``root``."""
    if root is None:
        return _clean_paragraphs(paragraphs, known_titles)
    if furniture is None:  # read before trafilatura's copy of the tree loses what it ignores
        furniture = FurnitureText()
        furniture.walk(root)
    main = _extract(root, source_path)
    paragraph_words = [words(para) for para in paragraphs]
    keep = _main_indexes(paragraph_words, main) if main else []
    if not keep:
        return _clean_paragraphs(paragraphs, known_titles)
    inner = _clean_paragraphs([paragraphs[i] for i in keep], known_titles, markup_judged=True)
    cleanup = _remap(inner, keep)
    kept = set(keep)
    by_shingle = furniture.reasons()
    runs: list[tuple[list[int], str]] = []
    for i, para in enumerate(paragraphs):
        if i in kept or not para.strip():
            continue
        reason = _reason(paragraph_words[i], by_shingle)
        if runs and runs[-1][1] == reason and runs[-1][0][-1] == i - 1:
            runs[-1][0].append(i)
        else:
            runs.append(([i], reason))
    for indexes, reason in runs:
        cleanup.remove(indexes, reason)
    return cleanup


def _extract(root: HtmlElement, source_path: str) -> str | None:
    try:
        return trafilatura.extract(for_trafilatura(root), options=_OPTIONS)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        raise InputError(f"main-content extraction failed: {exc}", path=source_path) from exc


def _main_indexes(paragraph_words: list[list[str]], main: str) -> list[int]:
    """Indexes of the paragraphs (given as their words) that are main content (see the module
    docstring)."""
    main_words: list[str] = []
    line_starts: list[int] = []
    for line in main.splitlines():
        line_starts.append(len(main_words))
        main_words += words(line)
    main_shingles = set(shingles(main_words))
    # trafilatura may break a line at an inline element ("They spoke" / "here"), so a short
    # paragraph is matched against the words from each line's start, not the line alone.
    lines = {tuple(main_words[at : at + k]) for at in line_starts for k in range(1, SHINGLE)}
    keep: list[int] = []
    for i, tokens in enumerate(paragraph_words):
        if not tokens:
            continue
        if len(tokens) < SHINGLE:
            if tuple(tokens) in lines:
                keep.append(i)
            continue
        own = list(shingles(tokens))
        if sum(map(main_shingles.__contains__, own)) >= MAIN_SHARE * len(own):
            keep.append(i)
    return keep


def _reason(tokens: list[str], by_shingle: dict[tuple[str, ...], str]) -> str:
    """The markup reason most of a paragraph's shingles carry, else not-main-content."""
    found = Counter(r for s in shingles(tokens) if (r := by_shingle.get(s)))
    return found.most_common(1)[0][0] if found else NOT_MAIN


def _remap(inner: _Cleanup, keep: list[int]) -> _Cleanup:
    """A cleanup of the kept paragraphs, in the indexes of all the page's paragraphs."""
    out = _Cleanup(
        title=inner.title, byline=inner.byline, dates=inner.dates, aggregator=inner.aggregator
    )
    for indexes, reason in inner.units:
        out.remove([keep[i] for i in indexes], reason)
    out.prefix = {keep[i]: cut for i, cut in inner.prefix.items()}
    return out
