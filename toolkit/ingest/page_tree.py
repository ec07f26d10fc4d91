"""One lxml parse of a full web page: read for its text, its markup reasons and by trafilatura.

A full page (``page_blocks.is_full_page``) is parsed once, by libxml2 (HTML5 tokenization, in C),
into the tree that trafilatura's extractor and ``page_blocks.markup_reasons`` read; its text,
links, removed elements and metadata come from walking that tree with html.py's collector, which
sees the same start tags, end tags, text and comments html.parser would report for the page.
Comments are kept in the tree for the removals audit and stripped before trafilatura reads it,
as its own loader does. HTML fragments and plain text never come here: they keep html.parser.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from lxml.html import HTMLParser as _LxmlHTMLParser
from lxml.html import document_fromstring as _fromstring

from toolkit.ingest.html import (
    _BLOCK_TAGS,
    _END_READ,
    _SKIP_TAGS,
    _START_READ,
    _WHITESPACE,
    _HTMLText,
)
from toolkit.ingest.page_blocks import (
    OUTSIDE,
    UNCOUNTED,
    FurnitureText,
    own_reason,
    own_reason_with_id,
)

# trafilatura's loader options, but comments kept (they are removals); elements are plain
# HtmlElement for every tag, looked up in C (lxml.html's per-tag lookup runs in Python).
_PARSER = _LxmlHTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=False
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
_EVENTS = ("start", "end", "comment", "pi")
_UNREAD = "toolkit-unread"
"""The tag elements trafilatura never reads get, so that one C call strips them all."""


# A start or end tag of an element html.py skips (its tag name as html.parser reads it).
_SKIPPED_TAG = re.compile(rf"<(/?)({'|'.join(_SKIP_TAGS)})(?=[\s/>])", re.IGNORECASE)
_RAW_TEXT = frozenset({"script", "style"})
_RAW_TEXT_END = {
    tag: re.compile(rf"</\s*{tag}\s*>", re.IGNORECASE) for tag in _RAW_TEXT
}  # as html.parser looks for them


def reads_alike(raw: str) -> bool:
    """False when a skipped element or a comment of the page may be left open.

    html.parser's reading ends an unclosed skipped element at the next block and reads an
    unterminated ``<!--`` as text; libxml2 runs both to the end of the page. So a page where a
    <script> or <style> has no end tag, where another skipped element has more start tags than
    end tags (``<iframe/>`` counts as open: HTML does not close it), or where a ``<!--`` follows
    the last ``-->`` (script and style text left out) is read by html.parser; its tree still
    serves trafilatura. One regex scan, in C, jumping over script and style text.
    """
    balance: Counter[str] = Counter()
    raw_text: list[tuple[int, int]] = []  # where script and style text lies
    at = 0
    while tag := _SKIPPED_TAG.search(raw, at):
        name = tag[2].lower()
        at = tag.end()
        if name in _RAW_TEXT and not tag[1]:
            end = _RAW_TEXT_END[name].search(raw, at)
            if end is None:
                return False
            raw_text.append((at, end.start()))
            at = end.end()
        else:
            balance[name] += -1 if tag[1] else 1
    if any(count > 0 for count in balance.values()):
        return False
    return _last_outside(raw, "<!--", raw_text) < _last_outside(raw, "-->", raw_text) or (
        _last_outside(raw, "<!--", raw_text) == -1
    )


def _last_outside(raw: str, needle: str, spans: list[tuple[int, int]]) -> int:
    """Where ``needle`` last occurs outside the (ordered) spans, or -1."""
    end = len(raw)
    while (found := raw.rfind(needle, 0, end)) != -1:
        inside = bisect.bisect_right(spans, (found, len(raw))) - 1
        if inside < 0 or found >= spans[inside][1]:
            return found
        end = spans[inside][0]
    return -1


def parse_page(raw: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The page's tree, or None when libxml2 finds no element in it. ``utf8``: the same text as
    UTF-8 bytes, when the input was exactly that (libxml2 reads them without a re-encoding)."""
    try:
        try:
            root = _fromstring(raw if utf8 is None else utf8, parser=_PARSER)
        except ValueError:  # "Unicode strings with encoding declaration are not supported"
            root = _fromstring(raw.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except etree.LxmlError:  # an empty document
        return None
    return root if root is not None and len(root) else None


class _TreeText(_HTMLText):
    """html.py's collector fed from a parsed tree: every element is closed, none is unbounded.

    A skipped element's subtree is not walked, so nothing is skipped at any other start or end
    tag; there a tag html.py does not read (``_START_READ``, ``_END_READ``) only breaks a block.

    ``furniture`` gathers, in the same walk, the texts page_blocks gives markup reasons to.
    """

    def __init__(self) -> None:
        super().__init__(collapse=True)
        self.furniture = FurnitureText()

    def raw_text_unclosed(self, tag: str) -> bool:
        return False


def read_tree(root: HtmlElement) -> _TreeText:
    """Text with link markers, removals and metadata of a parsed page (see html._HTMLText).

    The collector's handlers run where they do more than the common case, which is inlined:
    a tag html.py does not read breaks a block if it is block-level, a text outside <title>
    and <pre> is appended with its whitespace collapsed, as html._HTMLText.handle_data does.
    """
    collector = _TreeText()
    furniture = collector.furniture
    stack, parts = furniture.stack, collector.parts
    for before in reversed(list(root.itersiblings(preceding=True))):
        _outside(collector, before)
    walk = etree.iterwalk(root, events=_EVENTS)
    skipped = None
    for event, element in walk:
        if event == "start":
            tag = element.tag
            if tag in _START_READ or element.get("itemprop") is not None:
                collector.handle_starttag(tag, element.items())
            elif tag in _BLOCK_TAGS:
                _block(collector)
            if tag in _SKIP_TAGS and collector._skip:
                # A skipped element's text is its removal's text: read in C, not node by node.
                collector.handle_data(_text_of(element))
                furniture.walk(element)
                walk.skip_subtree()
                skipped = element
                continue
            # FurnitureText.enter, inlined: most elements are outside the body or have no id.
            if stack[-1] is OUTSIDE and tag != "body":
                stack.append(OUTSIDE)
            else:
                id_value = element.get("id")
                own = (
                    own_reason_with_id(tag, element.get("class", ""), id_value)
                    if id_value
                    else own_reason(tag, element.get("class", ""))
                )
                stack.append(own or (None if stack[-1] is OUTSIDE else stack[-1]))
            text = element.text
        else:
            if event == "end":
                tag = element.tag
                if tag in _END_READ:
                    collector.handle_endtag(tag)
                elif tag in _BLOCK_TAGS:
                    _block(collector)
                if element is not skipped:
                    stack.pop()
            elif event == "comment":
                collector.handle_comment(element.text or "")
            text = element.tail
        if not text:
            continue
        if collector._title_buf is None and not collector._pre:
            parts.append(_WHITESPACE.sub(" ", text))
        else:
            collector.handle_data(text)
        if stack[-1] not in UNCOUNTED:
            furniture.text(text)
    for after in root.itersiblings():
        _outside(collector, after)
    collector.finish()
    return collector


def _block(collector: _HTMLText) -> None:
    """html._HTMLText._block, without a call when no link is open."""
    if collector._link is not None:
        collector._close_link()
    collector.parts.append("\n\n")


def _outside(collector: _HTMLText, node: etree._Element) -> None:
    """A comment before or after the <html> element (nothing else lives there)."""
    if node.tag is etree.Comment:
        collector.handle_comment(node.text or "")


def _text_of(element: HtmlElement) -> str:
    return str(etree.tostring(element, method="text", encoding="unicode", with_tail=False))


def for_trafilatura(root: HtmlElement) -> HtmlElement:
    """The tree as trafilatura loads a page (no comments, no processing instructions), without
    what it deletes unread, so that its copies and searches of the tree are cheaper: styles, SVG,
    scripts other than JSON-LD (it reads ``script[@type="application/ld+json"]`` alone), the
    rest of <head>, and <aside> and <footer>, which both its cleaning and its fallbacks' cleaning
    delete. (Only its recall mode could read them: it undoes its cleaning when that leaves no
    <p> at all; a page whose every paragraph sits in an aside or a footer is then read without.)
    """
    for script in list(root.iter("script")):
        if script.get("type") != "application/ld+json":
            script.tag = _UNREAD
    head = root.find("head")
    for element in head.iterchildren("*") if head is not None else ():
        if element.tag != "script":
            element.tag = _UNREAD
    etree.strip_elements(
        root,
        etree.Comment,
        etree.ProcessingInstruction,
        "style",
        "svg",
        "aside",
        "footer",
        _UNREAD,
        with_tail=False,
    )
    return root
