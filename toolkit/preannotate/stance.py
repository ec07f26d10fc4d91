"""Stance rules: cues, the clause each cue takes, and the actor holding the stance."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ahocorasick_rs

from toolkit.annotations import RelationLink, Span
from toolkit.errors import InputError
from toolkit.preannotate.lexicon import ADVERBS, trie_regex

_CLAUSE_LEFT = re.compile(r"[“\"‘:;—(]|\bthat\s|,\s")
_CLAUSE_RIGHT = re.compile(r"[”\",;:—)]|\.(?:\s|$)")
_STRIP_CHARS = " \t\n\"“”‘’'.,;:—-()"
_LEADING_WORDS = re.compile(
    r"(?:(?:and|but|also|while|though|although|as well as|that|stating|saying)\s+)+"
)
_AUX_ONLY = re.compile(rf"\s+(?:(?:{ADVERBS})\s+)*")
_STANCE_VERBS = frozenset({"considers", "regards", "claims", "maintained", "has maintained"})


class Stance:
    """Stance cues (each found by its anchor), speech verbs, and the holder rules."""

    def __init__(self, lexicon: Mapping[str, Any]) -> None:
        # Each cue has an anchor, a literal every match contains: str.find on a few anchors is
        # far cheaper than trying every cue pattern at every position.
        self._stance: list[dict[str, Any]] = list(lexicon["stance_cues"])
        self._stance_by_anchor: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        for i, cue in enumerate(self._stance):
            if "anchor" not in cue:
                raise InputError(f"stance cue {cue.get('pattern')!r} has no 'anchor'")
            self._stance_by_anchor.setdefault(cue["anchor"], []).append(
                (i, re.compile(cue["pattern"]))
            )
        # Every occurrence of every anchor (overlapping ones too, as str.find at each position
        # would give) in one compiled pass.
        self._anchors = list(self._stance_by_anchor)
        self._anchor_automaton = (
            ahocorasick_rs.AhoCorasick(self._anchors) if self._anchors else None
        )
        self._negation_before = re.compile(r"(?:\bnot|n't|\bnever|\bno)\s+(?:\w+\s+)?$")
        speech = trie_regex(lexicon.get("speech_verbs", ()))
        self._speech_after_re = re.compile(
            rf"['’]?s?\s*(?:,[^,]{{0,60}},\s*)?(?:(?:{ADVERBS})\s+)*(?P<verb>{speech})\b"
        )
        self._speech_verb_re = re.compile(rf"(?<![\w-])(?:{speech})\s+(?:that\s+)?")
        self._speech_before_re = re.compile(
            rf"(?:{speech})(?:\s+of\s+\w+)?\s*[:,]?\s*$|according to\s+(?:the\s+)?$"
        )

    def add_stances(
        self,
        text: str,
        sents: Sequence[tuple[int, int]],
        starts: list[int],
        actors: list[Span],
        make_id: Callable[[str, int, int], str],
        spans: list[Span],
    ) -> list[RelationLink]:
        """Append a STANCE span per cue that has a holder; returns the holder relations."""
        relations: list[RelationLink] = []
        seen: set[tuple[int, int]] = set()
        for m, cue in self._stance_cues(text):
            if cue["value"] == "FAVOR" and self._negation_before.search(
                text, max(0, m.start() - 12), m.start()
            ):
                continue
            i = max(bisect.bisect_right(starts, m.start()) - 1, 0)
            bounds = self._clause(text, m.start(), m.end(), sents[i])
            found = self._holder(text, m.span(), bounds, i, sents, actors)
            if found is None:
                continue
            holder, verb = found
            if verb is not None and bounds[0] <= holder.start < m.start():
                # The holder speaks inside the clause: the stance is what follows the verb,
                # or starts at the verb when the verb itself carries it ("considers").
                left = verb[0] if text[verb[0] : verb[1]].strip() in _STANCE_VERBS else verb[1]
                bounds = self._trim(text, left, bounds[1])
            elif bounds[0] <= holder.start and _AUX_ONLY.fullmatch(text, holder.end, m.start()):
                # "The United States has long stuck to a policy of ...": the cue is the predicate.
                bounds = self._trim(text, m.start(), bounds[1])
            if bounds in seen or bounds[0] >= bounds[1]:
                continue
            value, facet = cue["value"], cue.get("facet")
            override = cue.get("holder_country", {}).get(holder.attributes.get("country"))
            if override:
                value, facet = override
            seen.add(bounds)
            stance = Span(
                id=make_id("STANCE", *bounds),
                start=bounds[0],
                end=bounds[1],
                text=text[bounds[0] : bounds[1]],
                label="STANCE",
                attributes={"value": value, "facet": facet},
            )
            spans.append(stance)
            relations.append(RelationLink(type="holder", from_id=stance.id, to_id=holder.id))
        return relations

    def _stance_cues(self, text: str) -> list[tuple[re.Match[str], dict[str, Any]]]:
        """Cue matches around anchor hits, leftmost-longest first, never overlapping."""
        found: dict[tuple[int, int], tuple[int, re.Match[str]]] = {}
        if self._anchor_automaton is None:
            return []
        # Anchor by anchor in lexicon order, each left to right: the first cue to match a
        # range keeps it.
        hits = sorted(self._anchor_automaton.find_matches_as_indexes(text, overlapping=True))
        size = len(text)
        for index, pos, anchor_end in hits:
            lo, hi = max(0, pos - 120), min(size, anchor_end + 120)
            for i, pattern in self._stance_by_anchor[self._anchors[index]]:
                for m in pattern.finditer(text, lo, hi):
                    if m.start() <= pos < m.end() and m.span() not in found:
                        found[m.span()] = (i, m)
        out: list[tuple[re.Match[str], dict[str, Any]]] = []
        last_end = -1
        for (start, end), (i, m) in sorted(
            found.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[1][0])
        ):
            if start >= last_end:
                out.append((m, self._stance[i]))
                last_end = end
        return out

    def _clause(self, text: str, start: int, end: int, sent: tuple[int, int]) -> tuple[int, int]:
        """The clause around a stance cue: from the last clause opening before it to the next end.

        An opening quotation mark opens the clause only after a speech verb or punctuation; a
        quoted phrase inside a clause ("there was “no room to compromise”") does not. The
        complement of the last speech verb before the cue starts the clause.
        """
        left = sent[0]
        for m in _CLAUSE_LEFT.finditer(text, sent[0], start):
            if text[m.start()] in '“"‘':
                head = text[max(sent[0], m.start() - 30) : m.start()].rstrip()
                said = self._speech_before_re.search(head + " ")
                if head and head[-1] not in ",:;(" and not said:
                    continue
            left = m.end()
        for m in self._speech_verb_re.finditer(text, left, start):
            stance_verb = any(w in _STANCE_VERBS for w in m.group().split())
            left = m.start() if stance_verb else m.end()
        right = sent[1]
        m2 = _CLAUSE_RIGHT.search(text, end, sent[1])
        if m2:
            right = m2.start()
        right = max(right, end)
        return self._trim(text, left, right)

    @staticmethod
    def _trim(text: str, left: int, right: int) -> tuple[int, int]:
        """Drop outer spaces, quotation marks, punctuation and leading conjunctions or 'that'."""
        while True:
            while left < right and text[left] in _STRIP_CHARS:
                left += 1
            lead = _LEADING_WORDS.match(text, left, right)
            if not lead or lead.end() == left:
                break
            left = lead.end()
        while right > left and text[right - 1] in _STRIP_CHARS:
            right -= 1
        return left, right

    def _speaker_end(self, text: str, actor: Span, limit: int) -> tuple[int, int] | None:
        """Where the speech verb after an actor mention starts and ends, if one follows it."""
        m = self._speech_after_re.match(text, actor.end, min(actor.end + 80, limit))
        return (m.start("verb"), m.end()) if m else None

    def _speaks_before(
        self, text: str, actor: Span, cue_start: int, limit: int
    ) -> tuple[int, int] | None:
        verb = self._speaker_end(text, actor, limit)
        return verb if verb is not None and verb[0] <= cue_start else None

    def _holder(
        self,
        text: str,
        cue: tuple[int, int],
        span: tuple[int, int],
        sent_index: int,
        sentences: Sequence[tuple[int, int]],
        actors: list[Span],
    ) -> tuple[Span, tuple[int, int] | None] | None:
        """The stance holder: the speaker before the cue, 'said X' after it, else the nearest actor.

        Also returns the speech verb's range when the holder speaks inside the clause.
        """
        s_start, s_end = sentences[sent_index]
        in_sentence = [a for a in actors if s_start <= a.start < s_end]
        speakers = [
            (a, verb)
            for a in in_sentence
            if a.end <= cue[0] and (verb := self._speaks_before(text, a, cue[0], s_end)) is not None
        ]
        if speakers:
            return speakers[-1]
        for a in in_sentence:
            if a.end <= cue[0] and _AUX_ONLY.fullmatch(text, a.end, cue[0]):
                return a, None  # the subject of the cue's own verb
        for a in in_sentence:
            if a.start >= span[1] and self._speech_before_re.search(
                text, max(span[1], a.start - 40), a.start
            ):
                return a, None
        for a in in_sentence:
            if a.start >= span[1] and self._speaker_end(text, a, s_end) is not None:
                return a, None
        outside = [a for a in in_sentence if a.end <= span[0]]
        if outside:
            return outside[-1], None
        for i in range(sent_index - 1, max(-1, sent_index - 4), -1):
            p_start, p_end = sentences[i]
            previous = [a for a in actors if p_start <= a.start < p_end]
            said = [a for a in previous if self._speaker_end(text, a, p_end) is not None]
            if said:
                return said[-1], None
            if previous:
                return previous[0], None
        return (in_sentence[0], None) if in_sentence else None
