"""Pass one: lexicon strings found in a text, read as actor mentions, places and event triggers."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from toolkit.preannotate.actors import Actors, Mention
from toolkit.preannotate.events import Events
from toolkit.preannotate.lexicon import WordScanner
from toolkit.preannotate.places import Places, place_attributes
from toolkit.preannotate.roles import Roles, Token
from toolkit.preannotate.titles import HON_NAME, HONORIFICS, MODIFIERS, Titles
from toolkit.taxonomy import GazetteerEntry

# Characters that end a word outright (neither word characters nor apostrophes).
_PLAIN_ENDS = frozenset(' \n\t,.;:!?)"”-')

PlaceCandidate = tuple[int, int, dict[str, str]]
EventCandidate = tuple[int, int, tuple[str, str | None]]


class MentionScanner:
    """One trie regex over every lexicon string, and the rules that read what it finds."""

    def __init__(self, actors: Actors, titles: Titles, places: Places, events: Events) -> None:
        # One trie regex over every surface string; what a string can be is looked up after.
        self.roles: dict[str, Roles] = {}

        def role(word: str) -> Roles:
            return self.roles.setdefault(word, Roles())

        for word, entry in places.places.items():
            role(word).place = entry
        for word, title in titles.forms.items():
            role(word).title = title
        for word, iso3 in actors.demonyms.items():
            role(word).dem = iso3
        for word, info in actors.people.items():
            role(word).person = info
        for word, body in actors.bodies.items():
            role(word).body = body
        for word, event in events.forms.items():
            role(word).event = event
        for word in HONORIFICS:
            role(word).hon = True
        for word in MODIFIERS:
            role(word).mod = True
        for word, r in self.roles.items():
            if r.place is not None:
                r.place_attributes = place_attributes(r.place)
                if r.place.feature_type == "country":
                    r.gov_country = r.place.country
                elif r.place.feature_type == "city":
                    r.gov_country = places.capitals.get(word)
            r.opens_title = (
                r.title is not None
                or r.mod
                or r.dem is not None
                or (r.place is not None and r.place.feature_type == "country")
            )
        self.scanner = WordScanner(self.roles)
        # Bound once: these run for many tokens of every document.
        self._title_phrase = titles.phrase
        self._unique_surname = actors.unique_surname
        self._government_actor = actors.government_actor
        self._place_or_actor = places.place_or_actor
        self._is_modifier = places.is_modifier
        self._vetoed = events.vetoed

    def tokens(self, text: str) -> list[Token]:
        """Lexicon strings found in the text that end at a word end ("Xi'an" is not "Xi")."""
        size = len(text)
        roles = self.roles
        toks: list[Token] = []
        append = toks.append
        for start, end, word in self.scanner.find(text):
            if end < size:
                c = text[end]
                # Most names end before a space or punctuation: test those first.
                if c not in _PLAIN_ENDS:
                    if c.isalnum() or c == "_":
                        continue
                    if (
                        c in "'’"
                        and end + 1 < size
                        and text[end + 1].isalpha()
                        and text[end + 1] != "s"
                    ):
                        continue
            append((start, end, roles[word]))
        return toks

    def mentions(
        self, text: str, sentences: Sequence[tuple[int, int]]
    ) -> tuple[list[Mention], list[PlaceCandidate], list[EventCandidate]]:
        """Actor candidates, places (with their LOCATION attributes) and event triggers.

        Left to right, never overlapping.
        """
        starts = [s for s, _ in sentences]
        mentions: list[Mention] = []
        places: list[PlaceCandidate] = []
        events: list[EventCandidate] = []
        toks = self.tokens(text)
        n = len(toks)
        k = 0
        while k < n:
            start, end, r = toks[k]
            # A phrase needs a title here or a next token one space or "'s " away (titles.py).
            if (
                r.opens_title or (r.place is not None and text[end : end + 2] in ("'s", "’s"))
            ) and (r.title is not None or (k + 1 < n and toks[k + 1][0] - end in (1, 3))):
                found = self._title_phrase(text, toks, k)
                if found is not None:
                    mention, k = found
                    if mention is not None:
                        mentions.append(mention)
                    continue
            k += 1
            if r.hon:
                hon = HON_NAME.match(text, end)
                if hon:
                    mention = Mention(start, hon.end(), "surname", title=hon.group(1))
                    mention.actor = self._unique_surname(hon.group(1))
                    mentions.append(mention)
                    while k < n and toks[k][0] < hon.end():
                        k += 1
            elif r.person is not None:
                mentions.append(Mention(start, end, "named", actor=r.person))
            elif r.body is not None:
                info, subject_only = r.body
                if subject_only:
                    i = bisect.bisect_right(starts, start) - 1
                    role = self._place_or_actor(text, start, end, starts[i] if i >= 0 else 0)
                    if role != "ACTOR":
                        continue
                mentions.append(Mention(start, end, "named", actor=info))
            elif r.place is not None:
                self._add_place(text, start, end, r, starts, mentions, places)
            elif r.event is not None and not self._vetoed(text, start, end):
                events.append((start, end, r.event))
        return mentions, places, events

    def _add_place(
        self,
        text: str,
        start: int,
        end: int,
        r: Roles,
        starts: list[int],
        mentions: list[Mention],
        places: list[PlaceCandidate],
    ) -> None:
        """A place token: a government ACTOR, a LOCATION, or nothing (compounds, modifiers)."""
        entry = r.place
        assert entry is not None
        attributes = r.place_attributes
        gov_country = r.gov_country
        if gov_country is not None:
            i = bisect.bisect_right(starts, start) - 1
            role = self._place_or_actor(text, start, end, starts[i] if i >= 0 else 0, gov_country)
            if role == "SKIP":
                return
            if role == "AIRSPACE":
                end += len(" airspace")
                attributes = place_attributes(
                    GazetteerEntry(
                        id=entry.id,
                        name=entry.name,
                        feature_type="airspace",
                        country=entry.country,
                    )
                )
            if role == "ACTOR":
                mentions.append(
                    Mention(start, end, "named", actor=self._government_actor(gov_country))
                )
                return
        elif self._is_modifier(text[end : end + 30]):
            return
        places.append((start, end, attributes))
