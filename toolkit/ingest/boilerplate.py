"""Boilerplate paragraphs (captions, menus, repeats, header lines, trailing blocks) to remove."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from toolkit.ingest.dates import _DATE_LINE, _DATE_PREFIX, _date_from_match, _date_rank
from toolkit.ingest.normalize import _words

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


def _clean_paragraphs(
    paras: list[str], known_titles: set[str], *, markup_judged: bool = False
) -> _Cleanup:
    """Find boilerplate paragraphs, the headline, byline and date lines of a paragraph list.

    markup_judged: the paragraphs are a full page's main content, chosen by an extractor that saw
    the markup; repeats and trailing blocks are then its call (a recipe repeats its lists, a
    story its sub-sections), and only the header, captions, menus and date lines are removed here.
    """
    out = _Cleanup()
    order = _remove_anywhere(paras, out, repeats=not markup_judged)
    _remove_header(paras, known_titles, out, order)
    if not markup_judged:
        _remove_trailing_block(paras, out)
    return out


def _remove_anywhere(paras: list[str], out: _Cleanup, *, repeats: bool = True) -> int:
    """Anywhere in the text: disclaimers, captions, menus, navigation, date lines, repeats.

    Returns how many date lines were found (the order of the next date found).
    """
    n = len(paras)
    counts = Counter(paras)
    seen: set[str] = set()
    order = 0
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
        elif repeats and counts[text] > 1 and len(text.split()) >= 8:
            if text in seen:
                out.remove([i], "repeated-paragraph")
            seen.add(text)
        i += 1
    return order


def _remove_header(paras: list[str], known_titles: set[str], out: _Cleanup, order: int) -> None:
    """The header: headline, byline and a leading date, up to the first body paragraph."""
    n = len(paras)
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
