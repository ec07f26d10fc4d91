"""Sentence splitting: half-open code-point ranges of a text's sentences (rule-based, English)."""

from __future__ import annotations

import re

from toolkit.ingest.normalize import _words

_NON_SPACE = re.compile(r"\S")
# One scan finds both paragraph breaks and sentence-final punctuation (with the closing quotes
# and brackets that belong to the sentence). Starting with one character class lets the regex
# engine skip ahead fast; the lookbehinds tell the two cases apart. A run of punctuation is
# tried from its first character only, and possessively, so a long run ("....") stays linear.
_EVENTS = re.compile("[\n.!?…](?:(?<=\n)\\s*\n|(?<!\n)(?<![.!?…].)[.!?…]*+[\"'”’»)\\]]*+(?=\\s))")
# The next token in the same paragraph (the whitespace holds at most one newline).
_NEXT_TOKEN = re.compile(r"[^\S\n]*\n?[^\S\n]*(\S+)")
# The rest of a paragraph is one parenthetical without sentence punctuation: a photo credit such
# as "(Leah Millis/Reuters)" belongs to the sentence before it.
_TRAILING_PAREN = re.compile("\\([^().!?\\n]{1,100}\\)[\"'”’]?[^\\S\\n]*(?:\\n\\s*\\n|\\s*\\Z)")
_OPENERS = "\"'“‘«([{"

# Abbreviations that are (almost) never the last word of a sentence.
_NEVER_FINAL = _words(
    "Mr Mrs Ms Mx Dr Prof Sen Sens Rep Reps Gov Gen Lt Col Maj Capt Cmdr Adm Sgt Cpl Pte Rev "
    "Hon Pres Fr Messrs Mme Mlle Mt Ft St Gens v vs e.g i.e cf approx incl ca viz"
)
# Abbreviations that do not end a sentence when a number follows ("No. 1", "Jan. 5", "p. 12").
_BEFORE_NUMBER = _words(
    "No Nos no Art art Vol vol Fig fig pp p para ch sec Sec Jan Feb Mar Apr Jun Jul Aug Sep "
    "Sept Oct Nov Dec"
)
# After a dotted acronym ("U.S.", "p.m."), only these words start a new sentence.
_SENTENCE_STARTERS = _words(
    "The A An He She It They We I You But And In On At This That These Those There His Her Its "
    "Their Our After Before When While However Meanwhile Still Yet So Some Many Most If As Mr "
    "Ms Mrs Dr"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Half-open code-point ranges of the sentences of ``text`` (rule-based, English).

    A sentence never crosses a paragraph break (a blank line); ranges exclude surrounding
    whitespace and cover every non-space character. Handles titles ("Mr.", "Dr."), initials,
    dotted acronyms ("U.S."), decimals, closing quotes after the full stop, and a trailing
    photo credit in parentheses.
    """
    spans: list[tuple[int, int]] = []
    first = _NON_SPACE.search(text)
    if first is None:
        return spans
    start = first.start()
    for event in _EVENTS.finditer(text, start):
        at = event.start()
        if text[at] == "\n":
            while at > start and text[at - 1].isspace():
                at -= 1
            if at > start:
                spans.append((start, at))
            resume = _NON_SPACE.search(text, event.end())
            if resume is None:
                return spans
            start = resume.start()
            continue
        nxt = _NEXT_TOKEN.match(text, event.end())
        if nxt is not None and _is_boundary(text, start, event, nxt):
            spans.append((start, event.end()))
            start = nxt.start(1)
    end = len(text)
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
    return spans


def _is_boundary(text: str, start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
    token = nxt.group(1)
    first = token.lstrip(_OPENERS)[:1] or token[0]
    if first.islower():
        return False
    if token[0] == "(" and _TRAILING_PAREN.match(text, nxt.start(1)):
        return False
    if m.group() != ".":
        return True
    # The word the full stop ends (at most 40 characters back): split() and isspace() agree on
    # what whitespace is, and a full stop right after whitespace ends no word.
    before = text[max(start, m.start() - 40) : m.start()]
    word = "" if not before or before[-1].isspace() else before.rsplit(None, 1)[-1]
    word = word.lstrip(_OPENERS)
    if word in _NEVER_FINAL:
        return False
    if word in _BEFORE_NUMBER and first.isdigit():
        return False
    if len(word) == 1 and word.isupper():
        return not first.isupper()  # an initial: "George W. Bush"
    if "." in word and word.replace(".", "").isalpha():
        return token.lstrip(_OPENERS) in _SENTENCE_STARTERS
    return True
