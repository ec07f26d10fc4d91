"""Event rules: trigger forms with their vetoes, and the modality and dating of each trigger."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from typing import Any

from toolkit.preannotate.lexicon import trie_regex

_MODALITIES = ("negated", "hypothetical", "future")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# The characters other than ASCII that re.IGNORECASE matches to ASCII letters (İ, ı, ſ and the
# Kelvin sign); bytes.lower() leaves them alone, so a text holding one gets no key prefilter.
FOLD_TRAPS = ("\u0130", "\u0131", "\u017f", "\u212a")


def _without_none(attributes: dict[str, Any]) -> dict[str, Any]:
    if None in attributes.values():
        return {k: v for k, v in attributes.items() if v is not None}
    return attributes


class Events:
    """Event trigger forms with their vetoes, and the cues that set each trigger's modality."""

    def __init__(self, lexicon: Mapping[str, Any]) -> None:
        self.forms: dict[str, tuple[str, str | None]] = {}
        # Context vetoes: the word before or after that makes a form something else
        # ("an alleged balloon", "when asked by reporters").
        self._vetoes: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        for event in lexicon["events"]:
            vetoes = (frozenset(event.get("not_after", ())), frozenset(event.get("not_before", ())))
            for form in event["forms"]:
                for variant in (form, form[:1].upper() + form[1:]):
                    # sentence-initial and headline forms ("Talks resumed ...") too
                    self.forms.setdefault(variant, (event["category"], event.get("mode")))
                    if vetoes[0] or vetoes[1]:
                        self._vetoes[variant] = vetoes
        cues = lexicon.get("modality_cues", {})
        self._compile_history(cues)
        self._compile_modality(cues)

    def _compile_history(self, cues: Mapping[str, Any]) -> None:
        """The regexes that date a sentence before the story, and the keys that prefilter them."""
        self._historical_re = re.compile(
            rf"(?<![\w-])(?:{trie_regex(cues.get('historical', ()))})(?![\w])", re.IGNORECASE
        )
        # Every historical match holds a cue, and every month match a month name or one of
        # "last year", "last month", "in 19", "in 20" (ASCII lower-cased), so a sentence
        # without any of these needs no regex search. Cues other than ASCII would need full
        # case folding: then there is no prefilter. A key may be cut short ("since 2019" ->
        # "since 20"): fewer keys to search, and each still lies inside every match.
        keys = {re.sub(r"(\d\d)\d+", r"\1", cue.lower()) for cue in cues.get("historical", ())}
        keys |= {"last year", "last month", "in 19", "in 20"}
        keys = {key for key in keys if not any(k != key and k in key for k in keys)}
        self._history_keys: tuple[bytes, ...] | None = (
            tuple(sorted(key.encode() for key in keys))
            if all(key.isascii() for key in keys) and "" not in keys
            else None
        )
        # One search for all month names: each starts with the only capital it holds, so no
        # two occurrences overlap and the regex finds what str.find per month would find.
        self._month_keys_re = re.compile("|".join(_MONTHS).encode())
        self._month_re = re.compile(
            rf"\b(?:in|In|since|Since)\s+(?:{'|'.join(_MONTHS)})\b|\b[Ll]ast (?:year|month)\b"
            r"|\b[Ii]n (?:19|20)\d\d\b"
        )

    def _compile_modality(self, cues: Mapping[str, Any]) -> None:
        """The regexes that find negated, hypothetical and future cues."""
        self._modality_cue_re = re.compile(
            "|".join(
                rf"(?P<{name}>(?<![\w-])(?:{trie_regex(cues.get(name, ()))})(?![\w]))"
                for name in ("negated", "hypothetical", "future")
            )
        )
        # One trie over all three groups is several times cheaper than three alternatives, and
        # finds the same matches when no cue is a prefix of a cue in another group (then only
        # one group can match at any position); otherwise the grouped regex above is used.
        self._modality_of: dict[str, str] = {}
        groups = [(name, list(cues.get(name, ()))) for name in _MODALITIES]
        clash = any(not words for _, words in groups)
        for name, words in groups:
            for word in words:
                clash = clash or any(
                    other.startswith(word) or word.startswith(other)
                    for other_name, others in groups
                    if other_name != name
                    for other in others
                )
                self._modality_of[word] = name
        self._modality_any_re: re.Pattern[str] | None = (
            None if clash else re.compile(rf"(?<![\w-])(?:{trie_regex(self._modality_of)})(?![\w])")
        )

    def vetoed(self, text: str, start: int, end: int) -> bool:
        """Whether the word before or after the trigger makes it something else."""
        veto = self._vetoes.get(text[start:end])
        if veto is None:
            return False
        before = text[max(0, start - 20) : start].split()
        after = text[end : end + 20].split()
        return bool((before and before[-1] in veto[0]) or (after and after[0] in veto[1]))

    def modality(self, text: str, start: int, sent: tuple[int, int], floor: int) -> str | None:
        """negated, hypothetical or future from cues between the previous trigger and this one."""
        lo = max(sent[0], start - 50, floor)
        found: set[str | None]
        if self._modality_any_re is not None:
            words = self._modality_any_re.findall(text, lo, start)
            if not words:
                return None
            found = {self._modality_of[w] for w in words}
        else:
            found = {m.lastgroup for m in self._modality_cue_re.finditer(text, lo, start)}
        for name in _MODALITIES:
            if name in found:
                return name
        return None

    def history_keys_in(self, text: str) -> list[tuple[int, int]] | None:
        """Sorted code-point ranges of the history keys in the text; None when unusable.

        Searched in UTF-8 bytes (ASCII-only lower-casing), which is much cheaper than
        lower-casing and searching the text itself.
        """
        if self._history_keys is None or any(c in text for c in FOLD_TRAPS):
            return None
        raw = text.encode("utf-8")
        lowered = raw.lower()
        hits: list[tuple[int, int]] = []
        for key in self._history_keys:
            pos = lowered.find(key)
            while pos != -1:
                hits.append((pos, len(key)))
                pos = lowered.find(key, pos + 1)
        hits += [(m.start(), m.end() - m.start()) for m in self._month_keys_re.finditer(raw)]
        hits.sort()
        # Byte offsets to code points, decoding each stretch once: an ASCII key starts on a
        # character boundary and is as long in characters as in bytes.
        found: list[tuple[int, int]] = []
        byte_pos = char_pos = 0
        for pos, size in hits:
            char_pos += len(raw[byte_pos:pos].decode("utf-8"))
            byte_pos = pos
            found.append((char_pos, char_pos + size))
        return found

    def is_historical(
        self, text: str, sent: tuple[int, int], keys: list[tuple[int, int]] | None = None
    ) -> bool:
        """Whether the sentence dates its events before the story (years, months, 'last year')."""
        if keys is not None:
            k = bisect.bisect_left(keys, (sent[0], 0))
            while k < len(keys) and keys[k][1] > sent[1]:
                k += 1  # a key reaching past the sentence end does not count
            if k == len(keys) or keys[k][0] >= sent[1]:
                return False  # no key inside the sentence: neither regex can match
        return bool(
            self._historical_re.search(text, sent[0], sent[1])
            or self._month_re.search(text, sent[0], sent[1])
        )

    def add_candidates(
        self,
        text: str,
        events: list[tuple[int, int, tuple[str, str | None]]],
        sents: Sequence[tuple[int, int]],
        starts: list[int],
        candidates: list[tuple[int, int, str, dict[str, Any]]],
    ) -> None:
        """Append an EVENT candidate per trigger, with its category, mode and modality."""
        floor = 0
        historical: dict[int, bool] = {}
        history_keys = self.history_keys_in(text) if events else None
        for start, end, (category, mode) in events:
            i = bisect.bisect_right(starts, start) - 1
            if i < 0:
                i = 0
            known = historical.get(i)
            if known is None:
                known = historical[i] = self.is_historical(text, sents[i], history_keys)
            modality = self.modality(text, start, sents[i], floor) or (
                "historical" if known else "asserted"
            )
            attributes = {"category": category, "mode": mode, "modality": modality}
            if mode is None or category is None:
                attributes = _without_none(attributes)
            candidates.append((start, end, "EVENT", attributes))
            floor = end
