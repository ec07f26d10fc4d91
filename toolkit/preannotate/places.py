"""Place rules: gazetteer names worth matching, and whether a country or capital is a place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from toolkit.errors import InputError
from toolkit.preannotate.countries import country_names
from toolkit.preannotate.lexicon import ADVERBS
from toolkit.taxonomy import Gazetteer, GazetteerEntry

MIN_CITY_POPULATION = 500_000

# Words that may follow a noun phrase; any other lowercase word after a country name makes the
# name a modifier ("U.S. sanctions", "China trade"), which the codebook leaves unannotated.
FUNCTION_WORDS = frozenset(
    (
        "and",
        "or",
        "but",
        "nor",
        "in",
        "on",
        "at",
        "to",
        "of",
        "for",
        "from",
        "with",
        "by",
        "as",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "over",
        "since",
        "after",
        "before",
        "during",
        "under",
        "than",
        "into",
        "about",
        "against",
        "between",
        "through",
        "across",
        "amid",
        "despite",
        "while",
        "when",
        "where",
        "if",
        "because",
        "so",
        "yet",
        "also",
        "whether",
        "then",
        "last",
        "this",
        "next",
        "now",
        "today",
        "earlier",
        "later",
        "tomorrow",
        "yesterday",
        "toward",
        "towards",
        "near",
        "off",
        "around",
        "via",
        "within",
        "without",
        "beyond",
        "along",
        "inside",
        "outside",
        "upon",
        "onto",
        "among",
        "amid",
        "amongst",
        "again",
        "instead",
        "too",
        "only",
        "even",
        "just",
        "here",
        "there",
    )
)
_NEXT_WORD = re.compile(r"^ ([a-z]+)\b")
_NEXT_WORD_AT = re.compile(r" ([a-z]+)\b")  # _NEXT_WORD for match(text, pos, endpos)


def place_attributes(entry: GazetteerEntry) -> dict[str, str]:
    """The LOCATION span attributes of a gazetteer entry, without None values."""
    attributes = {
        "gazetteer_id": entry.id,
        "country": entry.country,
        "feature_type": entry.feature_type,
    }
    return {k: v for k, v in attributes.items() if v is not None}


class Places:
    """Place names with their gazetteer entries, capitals, and the context cues of the codebook."""

    def __init__(self, lexicon: Mapping[str, Any], gazetteer: Gazetteer) -> None:
        # places: names worth matching in text, and which ones are capitals or countries
        stop = set(lexicon.get("place_stopwords", ()))
        self.places: dict[str, GazetteerEntry] = {
            name: entry
            for name, entry in gazetteer.surface_names(
                min_city_population=MIN_CITY_POPULATION
            ).items()
            if name not in stop and name[:1].isupper()
        }
        self.capitals: dict[str, str] = {}
        country_entries: dict[str, GazetteerEntry] = {}
        for entry in gazetteer:
            if entry.feature_type != "country" or not entry.country:
                continue
            country_entries.setdefault(entry.country, entry)
            for capital in gazetteer.capital_names(entry.id):
                self.capitals[capital] = entry.country
        # Country names the gazetteer lacks (pycountry, country_converter) name its country entry.
        for name, iso3 in country_names().items():
            if iso3 in country_entries and name not in stop and name not in self.places:
                self.places[name] = country_entries[iso3]
        # context
        self._place_cues = frozenset(lexicon.get("place_cues", ()))
        self._actor_cues = frozenset(lexicon.get("actor_cues_before", ()))
        for cue in (*self._place_cues, *self._actor_cues):
            if len(cue.split()) > 2:
                raise InputError(f"context cue {cue!r} has more than two words")
        self._cue_last_words = frozenset(
            cue.split()[-1] for cue in (*self._place_cues, *self._actor_cues) if cue.split()
        )
        self._finite = set(lexicon.get("finite_verbs", ()))
        # Words that make "to X" a recipient ("apologized to Brazil") rather than a destination.
        self._recipient_words = frozenset(lexicon.get("recipient_words_before_to", ()))
        self._compound_heads = frozenset(lexicon.get("place_compound_heads", ()))
        self._topic_countries = frozenset(lexicon.get("topic_countries", ()))
        follow = (
            r"(?:(?:,\s*|\s+and\s+|\s+or\s+)(?:the\s+)?(?:[A-Z][\w.’']*\s*){1,4})?"
            rf"\s+(?P<aux>(?:(?:{ADVERBS})\s+)*)[\"“]?(?P<w>[a-z]+)"
        )
        self._follow_at_re = re.compile(follow)  # for match(text, pos, endpos)

    def place_or_actor(
        self, text: str, start: int, end: int, sent_start: int, country: str | None = None
    ) -> str:
        """ACTOR when a country or capital stands for its state (the codebook's replacement test).

        LOCATION after a place cue ("in", "visit to"), and by default for topic countries
        (Taiwan is usually what is talked about); SKIP for compounds, formulas and modifiers.
        """
        # The context is matched in place (pos/endpos) rather than on slices of it.
        limit = end + 60
        if text.startswith("-", end) or (start > 0 and text[start - 1] == "-"):
            return "SKIP"  # compounds such as "U.S.-China relations" are not annotated
        if text.startswith(" airspace", end):
            return "AIRSPACE"
        words = text[max(sent_start, start - 30) : start].split()
        if words and words[-1] == "the":
            words.pop()
        last = words[-1] if words else ""
        if last.strip("“\"‘'").casefold() == "one":
            return "SKIP"  # the "one China" formula names a policy, not a place or actor
        # A two-word cue can only be the last two words when it ends with the last word.
        last_two = " ".join(words[-2:]) if last in self._cue_last_words else last
        nxt = _NEXT_WORD_AT.match(text, end, limit)
        if nxt and nxt.group(1) in self._compound_heads:
            return "LOCATION"  # "Taiwan independence": about the place itself
        if last in self._actor_cues or last_two in self._actor_cues:
            return "ACTOR"
        if last == "to" and self._recipient_before(text, start, sent_start):
            return "ACTOR"
        if last in self._place_cues or last_two in self._place_cues:
            return "LOCATION"
        if text.startswith(("'s", "’s"), end):
            return "ACTOR"
        follow = self._follow_at_re.match(text, end, limit)
        if follow:
            word = follow.group("w")
            if (
                follow.group("aux")
                or word in self._finite
                or (word.endswith("ed") and len(word) > 4)
            ):
                return "ACTOR"
        if nxt is not None and self.is_modifier("", nxt):
            return "SKIP"
        return "LOCATION" if country in self._topic_countries else "ACTOR"

    def _recipient_before(self, text: str, start: int, sent_start: int) -> bool:
        """Whether a recipient word is among the eight words before "to", in the same clause.

        The codebook's replacement test: "apologized to the Brazilian government" means the
        same as "apologized to Brazil", so the name is an ACTOR; a destination ("sent troops
        to Bosnia") is not a recipient and stays a LOCATION.
        """
        if not self._recipient_words:
            return False
        window = text[max(sent_start, start - 100) : start]
        clause = re.split(r"[,;:()—]", window)[-1]
        return any(word in self._recipient_words for word in clause.split()[-9:-1])

    def is_modifier(self, after: str, nxt: re.Match[str] | None = None) -> bool:
        """True when a content word follows the name ("U.S. sanctions", "Asia programme").

        ``nxt`` is ``_NEXT_WORD.match(after)`` when the caller has it already.
        """
        if nxt is None:
            nxt = _NEXT_WORD.match(after)
        if nxt is None:
            return False
        word = nxt.group(1)
        return word not in FUNCTION_WORDS and word not in self._finite and not word.endswith("ed")
