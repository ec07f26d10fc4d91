"""Actor rules: lexicon people and bodies, governments, bare surnames and title resolution."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from toolkit.errors import InputError
from toolkit.preannotate.countries import derived_demonyms
from toolkit.preannotate.lexicon import find_words
from toolkit.taxonomy import Gazetteer, Taxonomy


def plural_demonym(word: str) -> str | None:
    """The plural of a demonym ("Israeli" -> "Israelis"); None when it has none ("Chinese")."""
    if " " in word or not word[:1].isupper() or not word[1:].islower():
        return None
    if word.endswith(("an", "i", "b", "t", "k", "z")) and not word.endswith("ese"):
        return word + "s"
    return None


@dataclass(frozen=True)
class ActorInfo:
    """Attributes of one actor as the rules know it."""

    canonical_name: str
    country: str
    sector: str
    wikidata_id: str | None = None
    titles: tuple[str, ...] = ()

    def attributes(self) -> dict[str, str | None]:
        """The ACTOR span attributes."""
        return {
            "canonical_name": self.canonical_name,
            "country": self.country,
            "sector": self.sector,
            "wikidata_id": self.wikidata_id,
        }

    @cached_property
    def span_attributes(self) -> dict[str, str]:
        """The ACTOR span attributes without None values (computed once; copy before changing)."""
        return {k: v for k, v in self.attributes().items() if v is not None}

    @cached_property
    def last_name(self) -> str:
        """The last word of the canonical name."""
        return self.canonical_name.split()[-1]


@dataclass
class Mention:
    """An ACTOR candidate found in pass one, resolved in pass two."""

    start: int
    end: int
    kind: str
    actor: ActorInfo | None = None
    title: str = ""
    country: str | None = None
    sector: str = "GOV"
    office: str | None = None
    title_phrase: str = ""


class Actors:
    """The actors the lexicon names, and how mentions of them resolve within a document."""

    def __init__(
        self, lexicon: Mapping[str, Any], gazetteer: Gazetteer, taxonomy: Taxonomy
    ) -> None:
        valid_countries = set(taxonomy.label("ACTOR").attribute("country").values)
        self.governments: dict[str, str] = dict(lexicon.get("governments", {}))
        # Demonyms derived from country_converter's names, then the lexicon's irregular ones.
        self.demonyms: dict[str, str] = {
            word: iso3 for word, iso3 in derived_demonyms().items() if iso3 in valid_countries
        }
        self.demonyms.update(lexicon.get("demonyms", {}))

        # people: full names, surnames
        self.people: dict[str, ActorInfo] = {}
        self.surnames: dict[str, tuple[ActorInfo, ...]] = {}
        # Surnames by id() of the person's ActorInfo: a document only looks up its own people.
        self.surnames_of: dict[int, list[str]] = {}
        self.gov_actors: dict[str, ActorInfo] = {}
        for person in lexicon["people"]:
            info = self._lexicon_actor(person, valid_countries)
            for name in person["names"]:
                self.people[name] = info
            if person.get("surname"):
                surname = person["surname"]
                self.surnames[surname] = (*self.surnames.get(surname, ()), info)
                self.surnames_of.setdefault(id(info), []).append(surname)
        # bodies (organizations named outright)
        self.bodies: dict[str, tuple[ActorInfo, bool]] = {}
        for body in lexicon["bodies"]:
            info = self._lexicon_actor(body, valid_countries)
            for name in body["names"]:
                self.bodies[name] = (info, bool(body.get("subject_only", False)))
        self.country_names: dict[str, str] = {}
        for entry in gazetteer:
            if entry.feature_type == "country" and entry.country:
                self.country_names.setdefault(entry.country, entry.name)
        # A plural demonym ("Palestinians", "Serbs") names a side: the state's government.
        for word, iso3 in sorted(self.demonyms.items()):
            plural = plural_demonym(word)
            if plural and plural not in self.bodies and iso3 in self.country_names:
                self.bodies[plural] = (self.government_actor(iso3), False)

    @staticmethod
    def _lexicon_actor(entry: dict[str, Any], valid_countries: set[str]) -> ActorInfo:
        """The ActorInfo of a lexicon person or body; its country must be in the taxonomy."""
        name, country = entry["canonical_name"], entry["country"]
        if country not in valid_countries:
            raise InputError(f"lexicon entry {name!r} has country {country!r}, not in the taxonomy")
        return ActorInfo(
            canonical_name=name,
            country=country,
            sector=entry["sector"],
            wikidata_id=entry.get("wikidata_id"),
            titles=tuple(t.casefold() for t in entry.get("titles", ())),
        )

    # ------------------------------------------------------------------ pass 1: mentions

    def unique_surname(self, surname: str) -> ActorInfo | None:
        """The one lexicon person with this surname, or None when there are none or several."""
        infos = self.surnames.get(surname, ())
        return infos[0] if len(infos) == 1 else None

    def add_surnames(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Bare surnames ("Blinken", "Xi") of people the document names in full elsewhere."""
        seen = {id(m.actor) for m in mentions if m.actor is not None}
        present: dict[str, ActorInfo] = {}
        for surname in sorted({s for i in seen for s in self.surnames_of.get(i, ())}):
            here = [info for info in self.surnames[surname] if id(info) in seen]
            if len(here) == 1:
                present[surname] = here[0]
        # People the document names after a title ("Serbian President Boris Tadic") are
        # linked by their last name too, when no other actor of the document shares it.
        found: dict[str, list[ActorInfo]] = {}
        for m in mentions:
            actor = m.actor
            if actor is None or id(actor) in self.surnames_of or not actor.titles:
                continue
            if len(actor.canonical_name.split()) > 1:
                found.setdefault(actor.last_name, []).append(actor)
        for surname, actors in sorted(found.items()):
            if surname not in present and len({a.canonical_name for a in actors}) == 1:
                present[surname] = actors[0]
        if not present:
            return mentions
        starts = [m.start for m in mentions]
        extra = []
        for start, end in find_words(text, present):
            i = bisect.bisect_right(starts, start) - 1
            if i >= 0 and mentions[i].end > start:
                continue  # inside a longer mention
            if i + 1 < len(mentions) and mentions[i + 1].start < end:
                continue
            extra.append(Mention(start, end, "named", actor=present[text[start:end]]))
        return sorted([*mentions, *extra], key=lambda m: m.start)

    def government(self, country: str) -> str:
        return self.governments.get(country) or f"Government of {self.country_names[country]}"

    def government_actor(self, country: str) -> ActorInfo:
        """The GOV actor a country or capital name stands for (made once per country)."""
        actor = self.gov_actors.get(country)
        if actor is None:
            actor = ActorInfo(self.government(country), country, "GOV")
            self.gov_actors[country] = actor
        return actor

    # ------------------------------------------------------------------ pass 2: resolve actors

    def resolve(self, text: str, mentions: list[Mention]) -> list[tuple[Mention, ActorInfo]]:
        named = [m for m in mentions if m.actor is not None]
        people = {id(m) for m in named if m.kind == "named" and m.actor and m.actor.titles}
        # An apposition ("Wang Yi, China's top diplomat") names the same actor as its neighbour.
        for prev, cur in itertools.pairwise(mentions):
            if cur.start - prev.end != 2 or not text.startswith(", ", prev.end):
                continue
            if cur.actor is None and cur.kind == "person" and id(prev) in people:
                cur.actor = prev.actor
            elif prev.actor is None and prev.kind == "person" and id(cur) in people:
                prev.actor = cur.actor
        by_surname: dict[str, ActorInfo] = {}
        for m in named:
            assert m.actor is not None
            last = m.actor.last_name
            by_surname.setdefault(last, m.actor)
        # A title mention can only fit an actor with titles: look among those alone.
        titled = [m for m in named if m.actor is not None and m.actor.titles]
        out: list[tuple[Mention, ActorInfo]] = []
        for m in mentions:
            if m.actor is not None:
                out.append((m, m.actor))
                continue
            if m.kind == "surname":
                actor = by_surname.get(m.title)
                if actor is not None:
                    out.append((m, actor))
                continue
            actor = self._resolve_title(m, titled)
            if actor is not None:
                out.append((m, actor))
        return out

    def _resolve_title(self, m: Mention, named: list[Mention]) -> ActorInfo | None:
        """The actor a title mention stands for: a fitting named actor, else the office.

        ``named`` holds the mentions with a known actor (those without titles never fit).
        """
        title = m.title.casefold()
        if m.kind == "person":
            fits = [
                n
                for n in named
                if n.actor is not None
                and (title in n.actor.titles or m.title_phrase in n.actor.titles)
                and (m.country is None or n.actor.country == m.country)
            ]
            if fits:
                before = [n for n in fits if n.start < m.start]
                best = before[-1] if before else fits[0]
                assert best.actor is not None
                return best.actor
            if m.country is None:
                return None
            office = (
                m.office or f"{m.title[:1].upper()}{m.title[1:]} of {self.country_names[m.country]}"
            )
            return ActorInfo(office, m.country, m.sector)
        if m.country is None:
            return None
        country = self.country_names[m.country]
        if m.office and "{country}" in m.office:
            return ActorInfo(m.office.format(country=country), m.country, m.sector)
        if m.kind == "body":
            return ActorInfo(
                f"{m.title[:1].upper()}{m.title[1:]} of {country}", m.country, m.sector
            )
        if m.sector == "MIL":
            return ActorInfo(f"Armed forces of {country}", m.country, "MIL")
        if m.sector == "LEG":
            return ActorInfo(f"Legislature of {country}", m.country, "LEG")
        return ActorInfo(self.government(m.country), m.country, m.sector)
