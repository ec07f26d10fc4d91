"""Title rules: [top] [Chinese | China's] [top] TITLE [Name] phrases and honorifics."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from toolkit.preannotate.actors import ActorInfo, Actors, Mention
from toolkit.preannotate.roles import Token

HONORIFICS = ("Mr", "Ms", "Mrs", "Dr")
MODIFIERS = ("top", "senior", "former", "acting", "chief")
HON_NAME = re.compile(r"\.?\s+([A-Z][a-z]+(?:-[A-Z]?[a-z]+)*)")
_CAP_NAME = re.compile(r"[A-Z][a-z]+(?:[- ][A-Z][a-z]+){0,2}(?![\w])")


def _adjacent(text: str, toks: list[Token], a: int) -> bool:
    """Whether token a + 1 follows token a after one space."""
    return a + 1 < len(toks) and toks[a + 1][0] == toks[a][1] + 1 and text[toks[a][1]] == " "


def _title_follows(text: str, toks: list[Token], a: int) -> bool:
    """Whether a title, or a modifier and then a title, follows token a."""
    nxt = toks[a + 1][2]
    return nxt.title is not None or (
        nxt.mod and _adjacent(text, toks, a + 1) and toks[a + 2][2].title is not None
    )


def _title_head(text: str, toks: list[Token], k: int) -> tuple[int, str | None, int]:
    """The title token of a phrase starting at token k, the country before it, the phrase start.

    The title token is a candidate only: the caller checks that it is a title.
    """
    n = len(toks)
    j = k
    country: str | None = None
    if toks[j][2].mod and _adjacent(text, toks, j):
        j += 1
    phrase_start = toks[j][0]
    r = toks[j][2]
    # A country name before a role noun ("Kosovo leaders") is read like a demonym.
    dem = r.dem if r.dem is not None or r.place is None else r.gov_country
    if dem is not None and _adjacent(text, toks, j) and _title_follows(text, toks, j):
        country = dem
        j += 1
        phrase_start = toks[j][0]
    elif (
        r.place is not None
        and r.place.feature_type == "country"
        and text[toks[j][1] : toks[j][1] + 3] in ("'s ", "’s ")
        and j + 1 < n
        and toks[j + 1][0] == toks[j][1] + 3
        and _title_follows(text, toks, j)
    ):
        country = r.place.country
        j += 1
        phrase_start = toks[j][0]
    if toks[j][2].mod and _adjacent(text, toks, j) and toks[j + 1][2].title is not None:
        j += 1
    return j, country, phrase_start


def _of_country(text: str, toks: list[Token], j: int) -> tuple[str, int] | None:
    """The country named right after title token j by "of" or "of the", and where it ends."""
    if j + 1 >= len(toks):
        return None
    end = toks[j][1]
    start, place_end, roles = toks[j + 1]
    place = roles.place
    if place is None or place.feature_type != "country" or not place.country:
        return None
    if text[end:start] not in (" of ", " of the "):
        return None
    return place.country, place_end


class Titles:
    """The titles of the lexicon (forms to entries) and the phrases they head."""

    def __init__(self, lexicon: Mapping[str, Any], actors: Actors) -> None:
        self.forms: dict[str, dict[str, Any]] = {}
        for entry in lexicon["titles"]:
            for form in entry["forms"]:
                self.forms[form] = entry
        self._people = actors.people
        self._unique_surname = actors.unique_surname

    def phrase(self, text: str, toks: list[Token], k: int) -> tuple[Mention | None, int] | None:
        """A title mention starting at token k: [top] [Chinese | China's] [top] TITLE [Name].

        Returns the mention (None when it cannot be an actor span) and the next token index.
        """
        start = toks[k][0]
        j, country, phrase_start = _title_head(text, toks, k)
        entry = toks[j][2].title
        if entry is None:
            return None
        title = text[toks[j][0] : toks[j][1]]
        end = toks[j][1]
        title_phrase = text[phrase_start:end].casefold()
        nxt = j + 1
        if country is None:
            # "the president of Armenia": the country after "of" is the title's country.
            of_country = _of_country(text, toks, j)
            if of_country is not None:
                country, end = of_country
                nxt = j + 2
        country = country or entry.get("default_country")
        mention = Mention(
            start,
            end,
            entry["kind"],
            title=title,
            country=country,
            sector=entry["sector"],
            office=entry.get("office"),
            title_phrase=title_phrase,
        )
        if entry["kind"] == "person" and end < len(text) and text[end] == " ":
            named = self._named(text, toks, j, mention, country)
            if named is not None:
                return named
        if country is None and title[:1].islower() and entry["kind"] != "person":
            return None, nxt  # "officials said": no country, no span
        return mention, nxt

    def _named(
        self, text: str, toks: list[Token], j: int, mention: Mention, country: str | None
    ) -> tuple[Mention | None, int] | None:
        """The person title at token j with the name after it; None when no name follows."""
        n = len(toks)
        end = mention.end
        nxt = j + 1
        name: str | None = None
        if _adjacent(text, toks, j) and toks[j + 1][2].person is not None:
            name = text[toks[j + 1][0] : toks[j + 1][1]]
            mention.end = toks[j + 1][1]
            nxt = j + 2
        else:
            cap = _CAP_NAME.match(text, end + 1)
            if cap:
                name = cap.group()
                mention.end = cap.end()
                while nxt < n and toks[nxt][0] < cap.end():
                    nxt += 1
        if not name:
            return None
        known = self._people.get(name) or self._unique_surname(name)
        if known is not None:
            mention.actor = known
        elif country:
            mention.actor = ActorInfo(name, country, mention.sector, titles=(mention.title,))
        else:
            return None, nxt
        mention.kind = "named"
        return mention, nxt
