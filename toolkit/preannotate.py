"""Rule-based pre-annotator (layer rules-v1) written from the codebook, and its scoring against gold."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.errors import InputError
from toolkit.gazetteer import Gazetteer, GazetteerEntry, default_gazetteer
from toolkit.records import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    make_span_id,
    sha256_text,
    write_annotation_file,
    write_text_atomic,
)
from toolkit.taxonomy import Taxonomy, read_taxonomy

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.json"
LAYER = "rules-v1"
MIN_CITY_POPULATION = 500_000

_WORD_END = r"(?![\w])(?!['’][a-rt-z])"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“‘A-Z0-9])|\n+")
_ADVERBS = (
    "also|long|already|recently|repeatedly|previously|later|then|now|still|again|once|"
    "not|never|firmly|strongly|quickly|publicly|reportedly|has|have|had|is|was|were|are|will|"
    "would|could|can|may|might|must|should|did|does|do|been|being"
)
_CLAUSE_LEFT = re.compile(r"[“\"‘:;—(]|\bthat\s|,\s")
_CLAUSE_RIGHT = re.compile(r"[”\",;:—)]|\.(?:\s|$)")
_STRIP_CHARS = " \t\n\"“”‘’'.,;:—-()"
# Words that may follow a noun phrase; any other lowercase word after a country name makes the
# name a modifier ("U.S. sanctions", "China trade"), which the codebook leaves unannotated.
_FUNCTION_WORDS = frozenset(
    "and or but nor in on at to of for from with by as that which who whom whose over since "
    "after before during under than into about against between through across amid despite "
    "while when where if because so yet also whether then last this next now today earlier later "
    "tomorrow yesterday".split()
)
_NEXT_WORD = re.compile(r"^ ([a-z]+)\b")
_LEADING_WORDS = re.compile(r"^(?:(?:and|but|also|while|as well as)\s+)+")


def trie_regex(words: Iterable[str]) -> str:
    """One regex matching any of ``words`` (longest first), with shared prefixes factored out.

    A factored alternation is tried one character at a time, so thousands of names cost
    about as much per text position as a handful.
    """
    trie: dict[str, Any] = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def read_lexicon(path: str | Path | None = None) -> dict[str, Any]:
    """Parse the rule lexicon (default: toolkit/lexicon.json); raises InputError naming file and line."""
    p = Path(path) if path is not None else LEXICON_PATH
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("lexicon file not found", path=p) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=p, line=exc.lineno) from exc
    for key in ("name", "version", "people", "titles", "bodies", "events", "stance_cues"):
        if key not in doc:
            raise InputError(f"lexicon lacks key {key!r}", path=p)
    return dict(doc)


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


@dataclass
class _Mention:
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


@dataclass
class DocumentResult:
    """Spans and relations the rules produced for one document."""

    spans: list[Span] = field(default_factory=list)
    relations: list[RelationLink] = field(default_factory=list)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges by punctuation and line breaks (used when the dataset gives none)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


class RuleSet:
    """Compiled lexicons: a few large regexes plus the context rules of the codebook."""

    def __init__(
        self,
        lexicon: Mapping[str, Any],
        gazetteer: Gazetteer,
        taxonomy: Taxonomy,
    ) -> None:
        self.name = str(lexicon["name"])
        self.version = str(lexicon["version"])
        self.codebook_version = taxonomy.codebook_version
        self._taxonomy = taxonomy
        valid_countries = set(taxonomy.label("ACTOR").attribute("country").values)
        self._governments: dict[str, str] = dict(lexicon.get("governments", {}))
        self._demonyms: dict[str, str] = dict(lexicon.get("demonyms", {}))

        # people: full names, surnames
        self._people: dict[str, ActorInfo] = {}
        self._surnames: dict[str, ActorInfo] = {}
        for person in lexicon["people"]:
            info = ActorInfo(
                canonical_name=person["canonical_name"],
                country=person["country"],
                sector=person["sector"],
                wikidata_id=person.get("wikidata_id"),
                titles=tuple(t.casefold() for t in person.get("titles", ())),
            )
            self._check_country(info.country, valid_countries, person["canonical_name"])
            for name in person["names"]:
                self._people[name] = info
            if person.get("surname"):
                self._surnames[person["surname"]] = info
        # bodies (organizations named outright)
        self._bodies: dict[str, tuple[ActorInfo, bool]] = {}
        for body in lexicon["bodies"]:
            info = ActorInfo(
                canonical_name=body["canonical_name"],
                country=body["country"],
                sector=body["sector"],
                wikidata_id=body.get("wikidata_id"),
            )
            self._check_country(info.country, valid_countries, body["canonical_name"])
            for name in body["names"]:
                self._bodies[name] = (info, bool(body.get("subject_only", False)))
        # titles
        self._titles: dict[str, dict[str, Any]] = {}
        for entry in lexicon["titles"]:
            for form in entry["forms"]:
                self._titles[form] = entry

        # places: names worth matching in text, and which ones are capitals or countries
        stop = set(lexicon.get("place_stopwords", ()))
        self._places: dict[str, GazetteerEntry] = {
            name: entry
            for name, entry in gazetteer.surface_names(
                min_city_population=MIN_CITY_POPULATION
            ).items()
            if name not in stop and name[:1].isupper()
        }
        self._country_names: dict[str, str] = {}
        for entry in gazetteer:
            if entry.feature_type == "country" and entry.country:
                self._country_names.setdefault(entry.country, entry.name)
        self._capitals: dict[str, str] = {}
        for entry in gazetteer:
            if entry.feature_type != "country" or not entry.country:
                continue
            for capital in gazetteer.capital_names(entry.id):
                self._capitals[capital] = entry.country
        country_surface = sorted(
            n for n, e in self._places.items() if e.feature_type == "country" and e.country
        )

        name_re = trie_regex([*self._people, *self._surnames])
        cap_name = r"[A-Z][a-z]+(?:[- ][A-Z][a-z]+){0,2}"
        modifier = r"(?:(?:top|senior|former|acting|then|chief|U\.S\.|US)\s+)?"
        premodifier = r"(?:(?:top|senior|former|acting|chief)\s+)?"
        prefix = premodifier + (
            rf"(?:(?P<dem>{trie_regex(self._demonyms)})\s+|"
            rf"(?P<poss>{trie_regex(country_surface)})['’]s\s+)?"
        )
        self._entity_re = re.compile(
            r"(?<![\w-])(?:"
            rf"(?P<tp>{prefix}{modifier}(?P<ptitle>{trie_regex(self._titles)})"
            rf"(?:\s+(?P<tname>{name_re}|{cap_name}))?){_WORD_END}"
            rf"|(?P<hon>(?:Mr|Ms|Mrs|Dr)\.?\s+(?P<hname>[A-Z][\w’'-]*[a-z]))"
            rf"|(?P<person>{name_re}){_WORD_END}"
            rf"|(?P<body>{trie_regex(self._bodies)}){_WORD_END}"
            rf"|(?P<place>{trie_regex(self._places)}){_WORD_END}"
            r")"
        )
        # events
        self._events: dict[str, tuple[str, str | None]] = {}
        for event in lexicon["events"]:
            for form in event["forms"]:
                self._events[form] = (event["category"], event.get("mode"))
        self._event_re = re.compile(rf"(?<![\w-])(?:{trie_regex(self._events)}){_WORD_END}")
        cues = lexicon.get("modality_cues", {})
        self._modality_re = {
            name: re.compile(rf"(?<![\w-])(?:{trie_regex(cues.get(name, ()))})(?![\w])")
            for name in ("negated", "hypothetical", "future", "historical")
        }
        self._month_re = re.compile(
            r"\b(?:in|In|since|Since)\s+(?:January|February|March|April|May|June|July|August|"
            r"September|October|November|December)\b|\blast (?:year|month)\b|\bin (?:19|20)\d\d\b"
        )
        # stance
        self._stance: list[dict[str, Any]] = list(lexicon["stance_cues"])
        self._stance_re = re.compile(
            "|".join(f"(?P<s{i}>{cue['pattern']})" for i, cue in enumerate(self._stance))
        )
        self._negation_before = re.compile(r"(?:\bnot|n't|\bnever|\bno)\s+(?:\w+\s+)?$")
        # context
        self._place_cue_re = re.compile(
            rf"(?<![\w-])(?:{trie_regex(lexicon.get('place_cues', ()))})\s+(?:the\s+)?$"
        )
        self._actor_cue_re = re.compile(
            rf"(?<![\w-])(?:{trie_regex(lexicon.get('actor_cues_before', ()))})\s+(?:the\s+)?$"
        )
        self._finite = set(lexicon.get("finite_verbs", ()))
        self._follow_re = re.compile(
            r"^(?:(?:,\s*|\s+and\s+|\s+or\s+)(?:the\s+)?(?:[A-Z][\w.’']*\s*){1,4})?"
            rf"\s+(?P<aux>(?:(?:{_ADVERBS})\s+)*)(?P<w>[a-z]+)"
        )
        speech = trie_regex(lexicon.get("speech_verbs", ()))
        self._speech_after_re = re.compile(
            rf"^['’]?s?\s*(?:,[^,]{{0,60}},\s*)?(?:(?:{_ADVERBS})\s+)*(?:{speech})\b"
        )
        self._speech_before_re = re.compile(
            rf"(?:{speech})(?:\s+of\s+\w+)?\s*[:,]?\s*$|according to\s+(?:the\s+)?$"
        )

    @staticmethod
    def _check_country(code: str, valid: set[str], name: str) -> None:
        if code not in valid:
            raise InputError(f"lexicon entry {name!r} has country {code!r}, not in the taxonomy")

    # ------------------------------------------------------------------ pass 1: mentions

    def _country_from(self, m: re.Match[str]) -> str | None:
        if m.group("dem"):
            return self._demonyms[m.group("dem")]
        if m.group("poss"):
            return self._places[m.group("poss")].country
        return None

    def _place_or_actor(self, text: str, start: int, end: int, sent_start: int) -> str:
        """ACTOR when a country or capital stands for its government, else LOCATION."""
        before = text[max(sent_start, start - 30) : start]
        after = text[end : end + 60]
        if after[:1] == "-" or (start > 0 and text[start - 1] == "-"):
            return "SKIP"  # compounds such as "U.S.-China relations" are not annotated
        if after.startswith(" airspace"):
            return "AIRSPACE"
        if self._actor_cue_re.search(before):
            return "ACTOR"
        if self._place_cue_re.search(before):
            return "LOCATION"
        if after[:2] in ("'s", "’s"):
            return "ACTOR"
        follow = self._follow_re.match(after)
        if follow:
            word = follow.group("w")
            if follow.group("aux") or word in self._finite or (word.endswith("ed") and len(word) > 4):
                return "ACTOR"
        if self._is_modifier(after):
            return "SKIP"
        return "LOCATION"

    def _is_modifier(self, after: str) -> bool:
        """True when the name is followed by a content word, as in "U.S. sanctions", "Asia programme"."""
        nxt = _NEXT_WORD.match(after)
        if nxt is None:
            return False
        word = nxt.group(1)
        return word not in _FUNCTION_WORDS and word not in self._finite and not word.endswith("ed")

    def _mentions(
        self, text: str, sentences: Sequence[tuple[int, int]]
    ) -> tuple[list[_Mention], list[tuple[int, int, GazetteerEntry]]]:
        starts = [s for s, _ in sentences]
        mentions: list[_Mention] = []
        places: list[tuple[int, int, GazetteerEntry]] = []
        for m in self._entity_re.finditer(text):
            kind = m.lastgroup
            start, end = m.span()
            if kind == "tp":
                title = m.group("ptitle")
                entry = self._titles[title]
                name = m.group("tname")
                if name and entry["kind"] != "person":
                    end, name = m.end("ptitle"), None
                country = self._country_from(m) or entry.get("default_country")
                if m.group("dem"):
                    phrase_start = m.end("dem")
                elif m.group("poss"):
                    phrase_start = m.end("poss") + 2
                else:
                    phrase_start = start
                mention = _Mention(
                    start,
                    end,
                    entry["kind"],
                    title=title,
                    country=country,
                    sector=entry["sector"],
                    office=entry.get("office"),
                    title_phrase=text[phrase_start : m.end("ptitle")].strip().casefold(),
                )
                if name:
                    known = self._people.get(name) or self._surnames.get(name)
                    if known is not None:
                        mention.actor = known
                    elif country:
                        mention.actor = ActorInfo(name, country, entry["sector"], titles=(title,))
                    else:
                        continue
                    mention.kind = "named"
                elif not m.group("dem") and not m.group("poss") and title[:1].islower():
                    if entry["kind"] != "person":
                        continue  # "officials said": no country, no span
                mentions.append(mention)
            elif kind == "hon":
                surname = m.group("hname")
                mention = _Mention(start, end, "surname", title=surname)
                mention.actor = self._surnames.get(surname)
                mentions.append(mention)
            elif kind == "person":
                name = m.group("person")
                actor = self._people.get(name) or self._surnames.get(name)
                mentions.append(_Mention(start, end, "named", actor=actor))
            elif kind == "body":
                info, subject_only = self._bodies[m.group("body")]
                if subject_only:
                    i = bisect.bisect_right(starts, start) - 1
                    role = self._place_or_actor(text, start, end, starts[i] if i >= 0 else 0)
                    if role != "ACTOR":
                        continue
                mentions.append(_Mention(start, end, "named", actor=info))
            elif kind == "place":
                entry = self._places[m.group("place")]
                name = m.group("place")
                gov_country = None
                if entry.feature_type == "country":
                    gov_country = entry.country
                elif name in self._capitals and entry.feature_type == "city":
                    gov_country = self._capitals[name]
                if gov_country is not None:
                    i = bisect.bisect_right(starts, start) - 1
                    role = self._place_or_actor(text, start, end, starts[i] if i >= 0 else 0)
                    if role == "SKIP":
                        continue
                    if role == "AIRSPACE":
                        end += len(" airspace")
                        entry = GazetteerEntry(
                            id=entry.id, name=entry.name, feature_type="airspace", country=entry.country
                        )
                    if role == "ACTOR":
                        actor = ActorInfo(self._government(gov_country), gov_country, "GOV")
                        mentions.append(_Mention(start, end, "named", actor=actor))
                        continue
                elif self._is_modifier(text[end : end + 30]):
                    continue
                places.append((start, end, entry))
        return mentions, places

    def _government(self, country: str) -> str:
        return self._governments.get(country) or f"Government of {self._country_names[country]}"

    # ------------------------------------------------------------------ pass 2: resolve actors

    def _resolve(self, text: str, mentions: list[_Mention]) -> list[tuple[_Mention, ActorInfo]]:
        named = [m for m in mentions if m.actor is not None]
        people = {id(m) for m in named if m.kind == "named" and m.actor and m.actor.titles}
        # An apposition ("Wang Yi, China's top diplomat") names the same actor as its neighbour.
        for prev, cur in zip(mentions, mentions[1:], strict=False):
            if text[prev.end : cur.start] != ", ":
                continue
            if cur.actor is None and cur.kind == "person" and id(prev) in people:
                cur.actor = prev.actor
            elif prev.actor is None and prev.kind == "person" and id(cur) in people:
                prev.actor = cur.actor
        by_surname: dict[str, ActorInfo] = {}
        for m in named:
            assert m.actor is not None
            last = m.actor.canonical_name.split()[-1]
            by_surname.setdefault(last, m.actor)
        out: list[tuple[_Mention, ActorInfo]] = []
        for m in mentions:
            if m.actor is not None:
                out.append((m, m.actor))
                continue
            if m.kind == "surname":
                actor = by_surname.get(m.title)
                if actor is not None:
                    out.append((m, actor))
                continue
            actor = self._resolve_title(m, named)
            if actor is not None:
                out.append((m, actor))
        return out

    def _resolve_title(self, m: _Mention, named: list[_Mention]) -> ActorInfo | None:
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
            office = m.office or f"{m.title[:1].upper()}{m.title[1:]} of {self._country_names[m.country]}"
            return ActorInfo(office, m.country, m.sector)
        if m.country is None:
            return None
        country = self._country_names[m.country]
        if m.kind == "body":
            return ActorInfo(f"{m.title[:1].upper()}{m.title[1:]} of {country}", m.country, m.sector)
        if m.sector == "MIL":
            return ActorInfo(f"Armed forces of {country}", m.country, "MIL")
        if m.sector == "LEG":
            return ActorInfo(f"Legislature of {country}", m.country, "LEG")
        return ActorInfo(self._government(m.country), m.country, m.sector)

    # ------------------------------------------------------------------ events, stance

    def _modality(self, text: str, start: int, sent: tuple[int, int], floor: int) -> str:
        """A cue counts only between the previous trigger (or 50 characters back) and this one."""
        window = text[max(sent[0], start - 50, floor) : start]
        for name in ("negated", "hypothetical", "future"):
            if self._modality_re[name].search(window):
                return name
        sentence = text[sent[0] : sent[1]]
        if self._modality_re["historical"].search(sentence) or self._month_re.search(sentence):
            return "historical"
        return "asserted"

    def _stance_span(self, text: str, start: int, end: int, sent: tuple[int, int]) -> tuple[int, int]:
        left = sent[0]
        for m in _CLAUSE_LEFT.finditer(text, sent[0], start):
            left = m.end()
        right = sent[1]
        m2 = _CLAUSE_RIGHT.search(text, end, sent[1])
        if m2:
            right = m2.start()
        right = max(right, end)
        while left < right and text[left] in _STRIP_CHARS:
            left += 1
        lead = _LEADING_WORDS.match(text, left, right)
        if lead:
            left = lead.end()
        while right > left and text[right - 1] in _STRIP_CHARS:
            right -= 1
        return left, right

    def _holder(
        self,
        text: str,
        span: tuple[int, int],
        sent_index: int,
        sentences: Sequence[tuple[int, int]],
        actors: list[Span],
    ) -> Span | None:
        s_start, s_end = sentences[sent_index]
        in_sentence = [a for a in actors if s_start <= a.start < s_end]
        outside = [a for a in in_sentence if a.end <= span[0] or a.start >= span[1]]
        for pool in (outside, in_sentence):
            speakers = [
                a for a in pool if self._speech_after_re.match(text, a.end, min(a.end + 80, s_end))
            ]
            before = [a for a in speakers if a.start < span[0]]
            if before:
                return before[-1]
            after = [
                a
                for a in pool
                if a.start >= span[1]
                and self._speech_before_re.search(text, max(span[1], a.start - 40), a.start)
            ]
            if after:
                return after[0]
            if speakers:
                return speakers[0]
        earlier = [a for a in outside if a.start < span[0]]
        if earlier:
            return earlier[0]
        for i in range(sent_index - 1, max(-1, sent_index - 4), -1):
            p_start, p_end = sentences[i]
            previous = [a for a in actors if p_start <= a.start < p_end]
            speakers = [
                a for a in previous if self._speech_after_re.match(text, a.end, min(a.end + 80, p_end))
            ]
            if speakers:
                return speakers[-1]
            if previous:
                return previous[0]
        return in_sentence[0] if in_sentence else None

    # ------------------------------------------------------------------ whole document

    def annotate(
        self, doc_id: str, text: str, sentences: Sequence[tuple[int, int]] | None = None
    ) -> DocumentResult:
        """Spans (ACTOR, LOCATION, EVENT, STANCE) and holder relations for one document."""
        sents = list(sentences) if sentences else split_sentences(text)
        if not sents:
            return DocumentResult()
        starts = [s for s, _ in sents]
        mentions, places = self._mentions(text, sents)
        taken: list[tuple[int, int]] = []
        spans: list[Span] = []

        def free(start: int, end: int) -> bool:
            i = bisect.bisect_left(taken, (start, start))
            if i > 0 and taken[i - 1][1] > start:
                return False
            return not (i < len(taken) and taken[i][0] < end)

        def add(start: int, end: int, label: str, attributes: dict[str, Any]) -> Span | None:
            if start >= end or not free(start, end):
                return None
            span = Span(
                id=make_span_id(doc_id, label, start, end),
                start=start,
                end=end,
                text=text[start:end],
                label=label,
                attributes={k: v for k, v in attributes.items() if v is not None},
            )
            bisect.insort(taken, (start, end))
            spans.append(span)
            return span

        actors: list[Span] = []
        for mention, actor in self._resolve(text, mentions):
            made = add(mention.start, mention.end, "ACTOR", actor.attributes())
            if made is not None:
                actors.append(made)
        for start, end, entry in places:
            add(
                start,
                end,
                "LOCATION",
                {"gazetteer_id": entry.id, "country": entry.country, "feature_type": entry.feature_type},
            )
        floor = 0
        for m in self._event_re.finditer(text):
            start, end = m.span()
            category, mode = self._events[m.group()]
            i = bisect.bisect_right(starts, start) - 1
            sent = sents[max(i, 0)]
            attrs = {
                "category": category,
                "mode": mode,
                "modality": self._modality(text, start, sent, floor),
            }
            if add(start, end, "EVENT", attrs) is not None:
                floor = end
        actors.sort(key=lambda a: a.start)
        relations: list[RelationLink] = []
        seen: set[tuple[int, int]] = set()
        for m in self._stance_re.finditer(text):
            if self._negation_before.search(text, max(0, m.start() - 12), m.start()):
                if self._stance[int(str(m.lastgroup)[1:])]["value"] == "FAVOR":
                    continue
            cue = self._stance[int(str(m.lastgroup)[1:])]
            i = max(bisect.bisect_right(starts, m.start()) - 1, 0)
            bounds = self._stance_span(text, m.start(), m.end(), sents[i])
            if bounds in seen:
                continue
            holder = self._holder(text, bounds, i, sents, actors)
            if holder is None:
                continue
            value, facet = cue["value"], cue.get("facet")
            override = cue.get("holder_country", {}).get(holder.attributes.get("country"))
            if override:
                value, facet = override
            seen.add(bounds)
            stance = Span(
                id=make_span_id(doc_id, "STANCE", *bounds),
                start=bounds[0],
                end=bounds[1],
                text=text[bounds[0] : bounds[1]],
                label="STANCE",
                attributes={"value": value, "facet": facet},
            )
            spans.append(stance)
            relations.append(RelationLink(type="holder", from_id=stance.id, to_id=holder.id))
        return DocumentResult(spans=spans, relations=relations)

    def annotation_file(
        self,
        doc_id: str,
        text: str,
        *,
        text_sha256: str | None = None,
        sentences: Sequence[tuple[int, int]] | None = None,
    ) -> AnnotationFile:
        """The rules-v1 annotation file of one document."""
        result = self.annotate(doc_id, text, sentences)
        return AnnotationFile(
            doc_id=doc_id,
            text_sha256=text_sha256 or sha256_text(text),
            annotator_id=LAYER,
            codebook_version=self.codebook_version,
            spans=result.spans,
            relations=result.relations,
            status="completed",
            source={"kind": "rules", "name": self.name, "version": self.version},
        )


@cache
def default_rules() -> RuleSet:
    """The project's rule set: toolkit/lexicon.json, the project gazetteer and taxonomy."""
    return RuleSet(read_lexicon(), default_gazetteer(), read_taxonomy())


# ---------------------------------------------------------------------- dataset I/O


@dataclass(frozen=True)
class DocumentText:
    """What the pre-annotator needs of one document."""

    doc_id: str
    text: str
    text_sha256: str
    sentences: tuple[tuple[int, int], ...] = ()


def read_documents(dataset_dir: str | Path) -> list[DocumentText]:
    """Documents of a built dataset (documents.parquet), sorted by doc_id."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    try:
        schema = pq.read_schema(path)
        wanted = [c for c in ("doc_id", "text", "text_sha256", "sentences") if c in schema.names]
        table = pq.read_table(path, columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc
    missing = {"doc_id", "text", "text_sha256"} - set(table.column_names)
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(sorted(missing))}; need doc_id, text, text_sha256",
            path=path,
        )
    docs = []
    for row in table.to_pylist():
        sentences = tuple((int(s["start"]), int(s["end"])) for s in row.get("sentences") or ())
        docs.append(DocumentText(row["doc_id"], row["text"], row["text_sha256"], sentences))
    return sorted(docs, key=lambda d: d.doc_id)


def preannotate_documents(
    documents: Iterable[DocumentText], out_dir: str | Path, rules: RuleSet | None = None
) -> tuple[int, int]:
    """Write one rules-v1 annotation file per document; returns (files written, files unchanged)."""
    ruleset = rules or default_rules()
    written = unchanged = 0
    for doc in documents:
        annotation = ruleset.annotation_file(
            doc.doc_id, doc.text, text_sha256=doc.text_sha256, sentences=doc.sentences or None
        )
        if write_annotation_file(annotation_path(out_dir, LAYER, doc.doc_id), annotation):
            written += 1
        else:
            unchanged += 1
    return written, unchanged


def preannotate(dataset_dir: str | Path, out_dir: str | Path) -> tuple[int, int]:
    """Pre-annotate every document of a built dataset into ``out_dir/rules-v1/``."""
    return preannotate_documents(read_documents(dataset_dir), out_dir)


# ---------------------------------------------------------------------- scoring


def layer_rows(annotations: Iterable[AnnotationFile]) -> list[dict[str, Any]]:
    """Span rows (doc_id, label, start, end) of annotation files, for scoring."""
    return sorted(
        (
            {"doc_id": a.doc_id, "label": s.label, "start": s.start, "end": s.end}
            for a in annotations
            for s in a.spans
        ),
        key=lambda r: (r["doc_id"], r["start"], r["end"], r["label"]),
    )


def score_against(
    pred_layer_rows: Sequence[Mapping[str, Any]], gold_layer_rows: Sequence[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Per-label precision, recall and F1 of predicted spans against gold, exact and overlap.

    Matching is agreement.span_scores (one-to-one); only documents present in gold count.
    """
    import polars as pl

    from toolkit.agreement import span_scores

    schema = {"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64}
    gold = pl.DataFrame([dict(r) for r in gold_layer_rows], schema=schema)
    pred = pl.DataFrame([dict(r) for r in pred_layer_rows], schema=schema)
    pred = pred.filter(pl.col("doc_id").is_in(gold["doc_id"].unique().implode()))
    out: dict[str, list[dict[str, Any]]] = {}
    for mode in ("exact", "overlap"):
        frame = span_scores(gold, pred, mode=mode)
        out[mode] = [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
            for row in frame.to_dicts()
        ]
    return out


def read_layer(annotations_dir: str | Path, layer: str) -> list[AnnotationFile]:
    """Every annotation file of one layer (``annotations_dir/layer/*.json``), sorted by doc_id."""
    from toolkit.records import read_annotation_file

    folder = Path(annotations_dir) / layer
    return [read_annotation_file(p) for p in sorted(folder.glob("*.json"))]


def render_scores_markdown(scores: Mapping[str, Any]) -> str:
    """Human-readable table of the scores."""
    lines = [
        "# Pre-annotator scores",
        "",
        f"Rules `{scores['rules']}` (layer `{scores['layer']}`) against gold layer "
        f"`{scores['gold_layer']}` on {scores['n_documents']} document(s).",
        "",
    ]
    if not scores["n_documents"]:
        lines.append("No gold annotations to score against yet.")
        return "\n".join(lines) + "\n"
    for mode in ("exact", "overlap"):
        lines += [
            f"## {mode.capitalize()} match",
            "",
            "| label | tp | fp | fn | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in scores[mode]:
            cells = [
                "-" if row[k] is None else f"{row[k]:.3f}" for k in ("precision", "recall", "f1")
            ]
            lines.append(
                f"| {row['label']} | {row['tp']} | {row['fp']} | {row['fn']} | " + " | ".join(cells) + " |"
            )
        lines.append("")
    return "\n".join(lines)


def score_layers(
    annotations_dir: str | Path,
    *,
    gold_layer: str = "gold",
    layer: str = LAYER,
) -> dict[str, Any]:
    """Scores of a pre-annotation layer against a gold layer of the same annotation folder."""
    gold = [a for a in read_layer(annotations_dir, gold_layer) if a.status == "completed"]
    gold_docs = {a.doc_id for a in gold}
    pred = [a for a in read_layer(annotations_dir, layer) if a.doc_id in gold_docs]
    rules = sorted({f"{a.source.get('name')}@{a.source.get('version')}" for a in pred})
    scores: dict[str, Any] = {
        "layer": layer,
        "gold_layer": gold_layer,
        "rules": ", ".join(rules) or "-",
        "n_documents": len(gold_docs),
        "exact": [],
        "overlap": [],
    }
    if gold_docs:
        scores.update(score_against(layer_rows(pred), layer_rows(gold)))
    return scores


def write_scores(scores: Mapping[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write preannotation_scores.json and .md into ``out_dir`` (atomically)."""
    out = Path(out_dir)
    json_path = out / "preannotation_scores.json"
    md_path = out / "preannotation_scores.md"
    write_text_atomic(json_path, json.dumps(scores, indent=2, sort_keys=True) + "\n")
    write_text_atomic(md_path, render_scores_markdown(scores))
    return json_path, md_path


def iter_bench_texts(seed_texts: Sequence[str], n: int) -> Iterator[tuple[str, str]]:
    """``n`` (doc_id, text) pairs derived from seed texts by rotating their paragraphs."""
    paragraphs = [[p for p in t.split("\n") if p.strip()] for t in seed_texts]
    for i in range(n):
        paras = paragraphs[i % len(paragraphs)]
        k = (i // len(paragraphs)) % max(len(paras), 1)
        yield f"doc_{i:016x}", "\n".join(paras[k:] + paras[:k])
