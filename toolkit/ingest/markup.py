"""A linear-time html.parser tokenizer, and which skipped elements a page leaves unclosed.

``html.parser`` looks for the end of a construct (``>``, ``-->``, ``]>``, ``</script>``) from
every ``<`` that starts one; when there is none it gives up, treats the ``<`` as text and tries
again at the next ``<``: a page with many unterminated ``<a `` or ``<!--`` took quadratic time.
_Scanner knows, from one scan of the whole text, where the last terminator of each kind is, and
answers "not terminated" at once past it, which is what the scan would have found. It also reads
an unclosed ``<script>`` or ``<style>`` (raw text up to the end of the file) as markup, so that
it can end at the next block-level tag instead of swallowing the rest of the page.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_CLOSE = re.compile(r"]\s*>")
# Where an unclosed element ends: the next block-level start or end tag.
BLOCK_BOUND = re.compile(
    r"</?(?:p|div|br|hr|h[1-6]|li|ul|ol|table|tr|td|th|blockquote|pre|section|article|header"
    r"|footer|nav|aside|main|figure|figcaption|body|html|dl|dt|dd|address)\b",
    re.IGNORECASE,
)


def _last_start(pattern: re.Pattern[str], text: str) -> int:
    """Where the last match of ``pattern`` in ``text`` starts, or -1."""
    last = -1
    for match in pattern.finditer(text):
        last = match.start()
    return last


class _CdataEnd:
    """The end-of-raw-text pattern of a <script>/<style>, failing at once past its last match."""

    def __init__(self, scanner: _Scanner, pattern: re.Pattern[str], last: int) -> None:
        self.scanner = scanner
        self.pattern = pattern
        self.last = last

    def search(self, raw: str, pos: int) -> re.Match[str] | None:
        if self.scanner._offset + pos > self.last:
            return None
        return self.pattern.search(raw, pos)


class _Scanner(HTMLParser):
    """html.parser with constant-time "not terminated" answers and bounded unclosed raw text.

    ``rawdata`` is always a slice of the text fed (one ``feed`` then ``close``) ending at
    ``_end``; ``_offset`` is the offset of its first character, ``tag_start`` that of the
    construct being handled.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._fed = ""
        self._end = 0
        self._offset = 0
        self.tag_start = 0
        self._last: dict[str, int] = {}

    def feed(self, data: str) -> None:
        self._fed = data
        self._end = len(data)
        self._last = {">": data.rfind(">")}
        super().feed(data)

    def close(self) -> None:
        # After the last '>' no construct can end: html.parser would hand the rest over as
        # text piece by piece, from '<' to '<'; it is handed over at once instead.
        self._end = max(self._last[">"] + 1, len(self._fed) - len(self.rawdata))
        tail = self._fed[self._end :]
        self.rawdata = self.rawdata[: len(self.rawdata) - len(tail)]
        super().close()
        self.rawdata += tail
        self._end = len(self._fed)
        if self.cdata_elem is None and self.rawdata:
            self.handle_data(unescape(self.rawdata))
            self.rawdata = ""
        # Raw text (script, style) still open at the end of the file (its only end tag sat
        # inside its own start tag) ends at the next block.
        while self.cdata_elem is not None and self.rawdata:
            rest = self.rawdata
            bound = BLOCK_BOUND.search(rest)
            cut = bound.start() if bound else len(rest)
            self.handle_data(rest[:cut])
            elem = self.cdata_elem
            self.clear_cdata_mode()
            self.handle_endtag(elem)
            self.rawdata = rest[cut:]
            self.goahead(True)

    def goahead(self, end: bool) -> None:
        self._offset = self._end - len(self.rawdata)
        super().goahead(end)

    def updatepos(self, i: int, j: int) -> int:
        self.tag_start = self._offset + j
        return super().updatepos(i, j)

    def _last_of(self, key: str, pattern: re.Pattern[str]) -> int:
        if key not in self._last:
            self._last[key] = _last_start(pattern, self._fed)
        return self._last[key]

    def _no_gt_after(self, i: int) -> bool:
        return self._offset + i > self._last[">"]

    def check_for_whole_start_tag(self, i: int) -> int:
        # Without a '>' later a start tag never completes: html.parser ends with it as text.
        return -1 if self._no_gt_after(i) else super().check_for_whole_start_tag(i)

    def parse_endtag(self, i: int) -> int:
        return -1 if self._no_gt_after(i + 1) else super().parse_endtag(i)

    def parse_pi(self, i: int) -> int:
        return -1 if self._no_gt_after(i + 2) else super().parse_pi(i)

    def parse_html_declaration(self, i: int) -> int:
        return -1 if self._no_gt_after(i + 2) else super().parse_html_declaration(i)

    def parse_comment(self, i: int, report: bool = True) -> int:
        if self._offset + i + 4 > self._last_of("-->", _COMMENT_CLOSE):
            return -1
        return super().parse_comment(i, report)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        if self._offset + i + 3 > self._last_of("]>", _SECTION_CLOSE):
            return -1
        return super().parse_marked_section(i, report)

    def raw_text_unclosed(self, tag: str) -> bool:
        """True for a <script>/<style> start tag with no end tag after it."""
        if tag not in self.CDATA_CONTENT_ELEMENTS:
            return False
        pattern = re.compile(rf"</\s*{tag}\s*>", re.IGNORECASE)  # as html.parser looks for it
        return self.tag_start > self._last_of("</" + tag, pattern)

    def set_cdata_mode(self, elem: str, **options: bool) -> None:
        # Unclosed raw text is read as markup, so that its element can end at the next block
        # (resuming html.parser after raw text at the end of the file copies the rest).
        if self.raw_text_unclosed(elem):
            return
        super().set_cdata_mode(elem, **options)  # newer Pythons pass escapable=
        pattern = self.interesting
        last = self._last_of("</" + elem, pattern)
        self.interesting = _CdataEnd(self, pattern, last)  # type: ignore[assignment]


class _SkipTags(_Scanner):
    """Records every start and end tag of the given elements, to find the unclosed ones."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.events: dict[str, list[tuple[int, int]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.names:
            self.events.setdefault(tag, []).append((self.tag_start, 1))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.names:
            self.events.setdefault(tag, []).append((self.tag_start, -1))

    def unclosed(self) -> frozenset[int]:
        """Offsets of the start tags whose element, skipped from there, would never close.

        A skipped element counts only its own tag: it closes at the first end tag that brings
        its depth to 0, i.e. where the running count of end tags minus start tags first goes
        one above its value at the start tag. One backward pass finds the later maxima.
        """
        found: list[int] = []
        for events in self.events.values():
            balance = [0] * (len(events) + 1)
            for k, (_, delta) in enumerate(events):
                balance[k + 1] = balance[k] - delta
            best_after = -(len(events) + 2)
            for k in range(len(events) - 1, -1, -1):
                offset, delta = events[k]
                if delta == 1 and best_after < balance[k + 1] + 1:
                    found.append(offset)
                best_after = max(best_after, balance[k + 1])
        return frozenset(found)
