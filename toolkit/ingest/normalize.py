"""Text normalization: NFC, invisible noise, whitespace, paragraphs, link markers."""

from __future__ import annotations

import re
import unicodedata


def _words(text: str) -> frozenset[str]:
    """The space-separated words of a literal (keeps long word lists compact)."""
    return frozenset(text.split())


# Line separators other than LF (CR and CRLF are handled first). U+2029 ends a paragraph.
_LINE_SEPARATORS = ("\x0b", "\x0c", "\x85", "\u2028")
# Every other character that str.isspace() (and regex \s) accepts; each becomes a plain space.
_OTHER_SPACES = (
    "\t\x1c\x1d\x1e\x1f\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u202f\u205f\u3000"
)
# C0/C1 controls (not tab, newline, or the \x1c-\x1f separators, which are whitespace and become
# spaces), lone surrogates and Unicode noncharacters. U+FDD0/U+FDD1 are noncharacters too: ingest
# uses them internally as link markers, so they can never come from the input.
_CONTROLS = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_CONTROLS_KEEP_MARKERS = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd2-\ufdef\ufffe\uffff]"
)
_BIDI_CHARS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{_BIDI_CHARS}]")
_RTL_LETTER = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdcf\ufdf0-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
# Every character some pass below acts on, except CR, LF and the plain space.
_SPECIAL = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\xa0\xad\u061c\u1680\u2000-\u200f\u2028-\u202f"
    "\u205f-\u2064\u2066-\u2069\u3000\ud800-\udfff\ufdd0-\ufdef\ufeff\ufffe\uffff]"
)
# _SPECIAL without its common characters (tab, no-break space, link markers), which are looked
# for with ``in``: a findall would list every one of them (pages indent with tabs).
_RARE_SPECIAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u061c\u1680\u2000-\u200f\u2028-\u202f"
    "\u205f-\u2064\u2066-\u2069\u3000\ud800-\udfff\ufdd2-\ufdef\ufeff\ufffe\uffff]"
)
_COMMON_SPECIAL = ("\t", "\xa0", "\ufdd0", "\ufdd1")
# The ASCII characters no pass acts on: deleting them from an ASCII text's bytes (in C) leaves
# the special ones, faster than a regex scan.
_ASCII_PLAIN = bytes(b for b in range(128) if not _SPECIAL.match(chr(b)))
# A visible non-ASCII character: the context in which ZWJ/ZWNJ do something (emoji sequences,
# Indic conjuncts, Persian/Arabic joining). Whitespace, format characters and markers do not count.
_VISIBLE_NON_ASCII = f"[^\\x00-\\x7f\\s{_INVISIBLE_CHARS}{_BIDI_CHARS}\ufdd0\ufdd1]"
# Always invisible noise: ZWSP, word joiner, invisible operators, BOM/ZWNBSP, soft hyphen.
# ZWJ/ZWNJ: removed unless both neighbours are visible non-ASCII characters.
_INVISIBLE = re.compile(
    "[\u200b\u2060-\u2064\ufeff\u00ad]"
    f"|(?<!{_VISIBLE_NON_ASCII})[\u200c\u200d]"
    f"|[\u200c\u200d](?!{_VISIBLE_NON_ASCII})"
)
_SPACE_RUN = re.compile(" {2,}")
# Where a line may continue on the next one: it does not end in sentence punctuation.
_LINE_END_STOPS = frozenset('.!?…:;"”’)]')

LINK_OPEN = "\ufdd0"
"""Internal marker (a Unicode noncharacter) put before a link's anchor text by ingest."""
LINK_CLOSE = "\ufdd1"
"""Internal marker put after a link's anchor text by ingest."""


def normalize_text(text: str) -> str:
    """Normalize text: NFC, no invisible noise, single spaces, paragraphs split by a blank line.

    What is removed, and why it is safe:

    - controls (C0 except tab/newline, C1), lone surrogates and noncharacters: never text;
    - ZWSP, word joiner, BOM/ZWNBSP, soft hyphen, invisible operators: invisible, and they break
      exact matching of words;
    - ZWJ and ZWNJ only where they sit next to ASCII, whitespace or another format character: they
      are kept between two visible non-ASCII characters (emoji ZWJ sequences such as 👩‍💻, Indic
      conjuncts, Persian ZWNJ), where they change what is shown;
    - bidi marks and embeddings (LRM, RLM, ALM, LRE..RLO, LRI..PDI) only on lines without any
      right-to-left letter, where they cannot change the display order; lines with Hebrew,
      Arabic etc. keep them.

    Every whitespace character other than a newline becomes a space, and runs of spaces one space.
    Every line break ends a paragraph (paragraphs are joined by exactly ``"\\n\\n"``), except a
    hard wrap: a line not ending in sentence punctuation followed by a line starting with a
    lower-case ASCII letter. The function is idempotent.
    """
    return _normalize(text, markers=False)


def normalize_with_link_markers(text: str) -> str:
    """normalize_text for ingest: LINK_OPEN/LINK_CLOSE survive and never touch whitespace."""
    return _normalize(text, markers=True)


def _normalize(text: str, *, markers: bool) -> str:
    """normalize_text; with ``markers`` the link markers survive and never touch whitespace.

    Written for speed on large inputs: one regex scan finds which rare characters occur, passes
    for absent ones are skipped, and plain ``str`` methods do most of the work.
    """
    if (  # most texts are one short ASCII line that only needs its ends stripped
        text.isascii()
        and "\n" not in text
        and "\r" not in text
        and "  " not in text
        and not text.encode("ascii").translate(None, _ASCII_PLAIN)
    ):
        return text.strip(" ")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One scan tells which of the rarer characters occur; passes for absent ones are skipped.
    present = _special_chars(text)
    for sep in _LINE_SEPARATORS:
        if sep in present:
            text = text.replace(sep, "\n")
    if "\u2029" in present:
        text = text.replace("\u2029", "\n\n")
    controls = _CONTROLS_KEEP_MARKERS if markers else _CONTROLS
    if any(controls.match(ch) for ch in present):
        text = controls.sub("", text)
    if not text.isascii():
        # NFC first: ZWJ/ZWNJ are judged by their neighbours in normalized form.
        text = _nfc(text)
        removed = False
        if not present.isdisjoint(_INVISIBLE_CHARS):
            text = _INVISIBLE.sub("", text)
            removed = True
        if not present.isdisjoint(_BIDI_CHARS):
            text = "\n".join(
                _BIDI.sub("", line) if _BIDI.search(line) and not _RTL_LETTER.search(line) else line
                for line in text.split("\n")
            )
            removed = True
        if removed:  # a base letter may now stand next to its combining mark
            text = _nfc(text)
    if markers:
        text = _move_space_out_of_links(text)
    for space in present.intersection(_OTHER_SPACES):
        text = text.replace(space, " ")
    while "  " in text:  # each pass halves every run of spaces (plain replaces beat a regex)
        text = text.replace("  ", " ")
    if "\n" not in text:
        return text.strip(" ")  # one line is one paragraph (or none)
    paragraphs: list[list[str]] = []
    joinable = False
    for line in text.split("\n"):
        line = line.strip(" ")
        if not line:
            joinable = False
            continue
        head = line[1] if line[0] == LINK_OPEN and len(line) > 1 else line[0]
        if joinable and "a" <= head <= "z":
            paragraphs[-1].append(line)  # a hard-wrapped line continues the paragraph
        else:
            paragraphs.append([line])
        tail = line[-2] if line[-1] == LINK_CLOSE and len(line) > 1 else line[-1]
        joinable = tail not in _LINE_END_STOPS and tail not in (LINK_OPEN, LINK_CLOSE)
    return "\n\n".join(lines[0] if len(lines) == 1 else " ".join(lines) for lines in paragraphs)


def _special_chars(text: str) -> set[str]:
    """The characters of ``text`` that _SPECIAL matches."""
    if text.isascii():
        return set(text.encode("ascii").translate(None, _ASCII_PLAIN).decode("ascii"))
    # Deleting single-byte characters leaves every multi-byte sequence whole: the rest is the
    # text's non-ASCII and special characters, usually a small part of it to scan.
    rest = (
        text.encode("utf-8", "surrogatepass")
        .translate(None, _ASCII_PLAIN)
        .decode("utf-8", "surrogatepass")
    )
    present = set(_RARE_SPECIAL.findall(rest))
    present.update(ch for ch in _COMMON_SPECIAL if ch in rest)
    return present


def _move_space_out_of_links(text: str) -> str:
    """Put whitespace next to a link marker outside the link, so runs of spaces stay unbroken."""
    if LINK_OPEN in text:
        pieces = text.split(LINK_OPEN)
        for k in range(1, len(pieces)):
            body = pieces[k].lstrip()
            if len(body) != len(pieces[k]):
                pieces[k - 1] += pieces[k][: len(pieces[k]) - len(body)]
                pieces[k] = body
        text = LINK_OPEN.join(pieces)
    if LINK_CLOSE in text:
        pieces = text.split(LINK_CLOSE)
        for k in range(len(pieces) - 1):
            body = pieces[k].rstrip()
            if len(body) != len(pieces[k]):
                pieces[k + 1] = pieces[k][len(body) :] + pieces[k + 1]
                pieces[k] = body
        text = LINK_CLOSE.join(pieces)
    return text


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


UNUSUAL_SPACES = (*_OTHER_SPACES, *_LINE_SEPARATORS, "\r", "\u2029")
"""Every whitespace character but the plain space and the newline."""
