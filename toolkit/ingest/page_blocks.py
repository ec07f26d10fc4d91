"""Which input is a full web page, and what its markup says each block of page text is.

The path rule (``is_full_page``): an input is a full page when, after leading whitespace and
comments, it opens with ``<!doctype html`` or ``<html``, or when it holds both an ``<html`` and a
``<body`` start tag anywhere. Everything else (HTML fragments, scraped plain text with a few
``<a href>`` links, the seeds) keeps the project's own paragraph rules alone.

The markup reason of a block is that of its innermost ancestor that names a kind of page furniture
by its tag (``nav``, ``footer``, ``aside``) or by a word in its ``class`` or ``id``: navigation,
comments, related, share, newsletter, advertisement, footer, sidebar (the classes of ``<html>``,
``<body>`` and ``<main>`` describe the whole page and are not read). A shingle found under two
kinds of furniture keeps the first in document order. Blocks are found again by
their word shingles, so the markup's whitespace and the text's normalization need not agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

_FULL_PAGE_START = re.compile(r"\A(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_HTML_START = re.compile(r"<html[\s>]", re.IGNORECASE)
_BODY_START = re.compile(r"<body[\s>]", re.IGNORECASE)

_TAG_REASONS = {"nav": "navigation", "footer": "footer", "aside": "sidebar"}
# Words of class and id values, most specific first: a "comment-share" bar is sharing.
_CLASS_REASONS = (
    ("share", re.compile(r"share|sharing|social|sociable")),
    ("newsletter", re.compile(r"newsletter|subscri|signup|sign-up")),
    ("comments", re.compile(r"comment|disqus|discussion|respond")),
    (
        "related",
        re.compile(
            r"related|recommend|more-(?:stories|news)|read-?more|also-read|popular|trending"
            r"|most-read|outbrain|taboola"
        ),
    ),
    ("advertisement", re.compile(r"(?:^|[\s_-])ads?(?:$|[\s_-])|advert|sponsor|promo")),
    ("navigation", re.compile(r"(?:^|[\s_-])nav|menu|breadcrumb|masthead|topbar|skip-link")),
    ("footer", re.compile(r"footer")),
    ("sidebar", re.compile(r"sidebar|widget")),
)
_ANY_CLASS_REASON = re.compile("|".join(f"(?:{p.pattern})" for _, p in _CLASS_REASONS))
MARKUP_REASONS = tuple(dict.fromkeys(r for r, _ in _CLASS_REASONS))
"""Reasons the markup can give for a removed block; ``not-main-content`` when it says none."""
# Their classes describe the whole page ("standard-site-navigation" on <body>), not a block.
_WHOLE_PAGE = frozenset({"html", "body", "main"})
# Their text never reaches the paragraphs, so it is not indexed; the marker is not a reason.
_UNREAD_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_UNREAD = "unread"
_EVENTS = ("start", "end", "comment", "pi")
# A text of these alone is blank (as XPath's normalize-space sees it; a no-break space is not).
_XML_SPACE = " \t\n\r"
OUTSIDE = "outside"
"""The marker of elements outside the body, whose text is not indexed."""
UNCOUNTED = frozenset({None, _UNREAD, OUTSIDE})
"""The reasons (of FurnitureText.stack) of texts that are not gathered."""
_WORD = re.compile(r"\w+")
SHINGLE = 4
"""Words per shingle when blocks are compared."""
_SHORT_TEXT = 60
"""Characters of a text node that may hold fewer than SHINGLE words (longer ones are not tried)."""


def is_full_page(raw: str) -> bool:
    """True for a full HTML document (a doctype or <html> start, or <html> and <body> tags)."""
    if _FULL_PAGE_START.match(raw):
        return True
    return bool(_HTML_START.search(raw)) and bool(_BODY_START.search(raw))


def words(text: str) -> list[str]:
    """Lower-cased word tokens, the unit blocks are compared in."""
    return _WORD.findall(text.lower())


def shingles(tokens: list[str]) -> Iterator[tuple[str, ...]]:
    """The 4-word shingles of a token list, or the whole list when it is shorter."""
    if len(tokens) < SHINGLE:
        return iter([tuple(tokens)] if tokens else [])
    return zip(*(tokens[i:] for i in range(SHINGLE)), strict=False)  # tuples made in C


@functools.lru_cache(maxsize=4096)
def own_reason(tag: str, class_value: str) -> str | None:
    """An element's own reason from its tag and its class value (pages repeat both)."""
    if tag in _UNREAD_TAGS:
        return _UNREAD
    by_tag = _TAG_REASONS.get(tag)
    if by_tag or tag in _WHOLE_PAGE:
        return by_tag
    first = _first_class_reason(class_value)
    return _CLASS_REASONS[first][0] if first < len(_CLASS_REASONS) else None


def own_reason_with_id(tag: str, class_value: str, id_value: str) -> str | None:
    """own_reason for an element with an id value as well (ids differ, so this is not cached)."""
    if tag in _UNREAD_TAGS or tag in _TAG_REASONS or tag in _WHOLE_PAGE:
        return own_reason(tag, class_value)
    # No pattern reaches across the space between the two values (a space matches as a start or
    # an end would), so the reason of the pair is the first one either value has on its own.
    first = min(_first_class_reason(class_value), _first_reason(id_value))
    return _CLASS_REASONS[first][0] if first < len(_CLASS_REASONS) else None


@functools.lru_cache(maxsize=4096)
def _first_class_reason(class_value: str) -> int:
    """_first_reason of a class value (pages repeat them; ids, which differ, are not cached)."""
    return _first_reason(class_value)


def _first_reason(value: str) -> int:
    """The index in _CLASS_REASONS of the first pattern a class or id value matches, else their
    count."""
    value = value.lower().strip()
    if not value or not _ANY_CLASS_REASON.search(value):
        return len(_CLASS_REASONS)
    return next(i for i, (_, pattern) in enumerate(_CLASS_REASONS) if pattern.search(value))


class FurnitureText:
    """The page text under furniture, gathered while a walk enters and leaves every element.

    A text belongs to the innermost element it is in (a tail to its element's parent); only
    the body's texts count. Texts under no furniture, or unread, neither count nor end a run.
    """

    def __init__(self) -> None:
        self.stack: list[str | None] = [OUTSIDE]
        """The reasons of the elements entered and not yet left, innermost last."""
        self._runs: list[tuple[str, list[str]]] = []

    def enter(self, tag: str, class_value: str, id_value: str) -> None:
        """An element starts (with its class and id values)."""
        outer = self.stack[-1]
        if outer is OUTSIDE and tag != "body":
            self.stack.append(OUTSIDE)
        else:
            own = (
                own_reason_with_id(tag, class_value, id_value)
                if id_value
                else own_reason(tag, class_value)
            )
            self.stack.append(own or (None if outer is OUTSIDE else outer))

    def leave(self) -> None:
        """The element entered last ends."""
        self.stack.pop()

    def text(self, text: str) -> None:
        """A text of the element entered last (or, after its end, of its parent)."""
        reason = self.stack[-1]
        if reason is None or reason in UNCOUNTED or not text.strip(_XML_SPACE):
            return
        runs = self._runs
        if runs and runs[-1][0] == reason:
            runs[-1][1].append(text)
        else:
            runs.append((reason, [text]))

    def reasons(self) -> dict[tuple[str, ...], str]:
        """Each word shingle of the texts under furniture, and the innermost reason."""
        found: dict[tuple[str, ...], str] = {}
        for reason, texts in self._runs:
            for shingle in shingles(words(" ".join(texts))):
                found.setdefault(shingle, reason)
            # A heading of one to three words is a paragraph of its own: its words are a key too.
            for text in texts:
                if len(text) <= _SHORT_TEXT and (short := words(text)) and len(short) < SHINGLE:
                    found.setdefault(tuple(short), reason)
        return found

    def walk(self, element: HtmlElement) -> None:
        """Enter and leave every element of ``element``'s subtree, reading its texts."""
        if not len(element) and element.tag in _UNREAD_TAGS:
            return  # a script or style alone: its one text is unread
        for event, node in etree.iterwalk(element, events=_EVENTS):
            if event == "start":
                self.enter(node.tag, node.get("class", ""), node.get("id", ""))
                if node.text:
                    self.text(node.text)
                continue
            if event == "end":
                self.leave()
            if node.tail and node is not element:
                self.text(node.tail)


def markup_reasons(root: HtmlElement) -> dict[tuple[str, ...], str]:
    """Each word shingle of the page's text under page furniture, and the innermost reason."""
    furniture = FurnitureText()
    furniture.walk(root)
    return furniture.reasons()
