"""Rule-based pre-annotator (layer rules-v1) written from the codebook, and its scores vs gold."""

from __future__ import annotations

import bisect
import itertools
import json
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from toolkit.annotations import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    write_annotation_file,
)
from toolkit.core import read_json_object, sha256_text, span_id_factory, write_text_atomic
from toolkit.errors import InputError
from toolkit.taxonomy import Gazetteer, GazetteerEntry, Taxonomy, default_gazetteer, read_taxonomy

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.json"
LAYER = "rules-v1"
MIN_CITY_POPULATION = 500_000

_WORD_END = r"(?![\w])(?!['’][a-rt-z])"
_SENTENCE_END = re.compile(r"[.!?\n][\"”’]?\s*")
_SENTENCE_START = frozenset('"“‘ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
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
# Characters that end a word outright (neither word characters nor apostrophes).
_PLAIN_ENDS = frozenset(' \n\t,.;:!?)"”-')
_NEXT_WORD_AT = re.compile(r" ([a-z]+)\b")  # _NEXT_WORD for match(text, pos, endpos)
_LEADING_WORDS = re.compile(
    r"(?:(?:and|but|also|while|though|although|as well as|that|stating|saying)\s+)+"
)
_AUX_ONLY = re.compile(rf"\s+(?:(?:{_ADVERBS})\s+)*")
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
_STANCE_VERBS = frozenset({"considers", "regards", "claims", "maintained", "has maintained"})
_START_END = operator.itemgetter(0, 1)


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


def _place_attributes(entry: GazetteerEntry) -> dict[str, str]:
    """The LOCATION span attributes of a gazetteer entry, without None values."""
    attributes = {
        "gazetteer_id": entry.id,
        "country": entry.country,
        "feature_type": entry.feature_type,
    }
    return {k: v for k, v in attributes.items() if v is not None}


def _without_none(attributes: dict[str, Any]) -> dict[str, Any]:
    if None in attributes.values():
        return {k: v for k, v in attributes.items() if v is not None}
    return attributes


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def find_words(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Leftmost-longest, non-overlapping whole-word occurrences of ``words`` in ``text``.

    A word starts after neither a word character nor a hyphen and ends before no word
    character and no apostrophe + letter other than "s" ("Xi'an" is not "Xi", "Xi's" is).
    The same ranges as a trie regex with those boundaries, found with str.find, which is
    far cheaper than trying a regex at every position of the text for a handful of names.
    """
    size = len(text)
    found: list[tuple[int, int]] = []
    for word in words:
        if not word:
            continue
        pos = text.find(word)
        while pos != -1:
            end = pos + len(word)
            if (pos == 0 or not (_is_word_char(text[pos - 1]) or text[pos - 1] == "-")) and (
                end == size
                or not (
                    _is_word_char(text[end])
                    or (
                        text[end] in "'’"
                        and end + 1 < size
                        and "a" <= text[end + 1] <= "z"
                        and text[end + 1] != "s"
                    )
                )
            ):
                found.append((pos, end))
            pos = text.find(word, pos + 1)
    found.sort(key=lambda r: (r[0], -r[1]))
    out: list[tuple[int, int]] = []
    last_end = -1
    for start, end in found:
        if start >= last_end:
            out.append((start, end))
            last_end = end
    return out


def read_lexicon(path: str | Path | None = None) -> dict[str, Any]:
    """Parse the rule lexicon (default: toolkit/lexicon.json); errors name the file and line."""
    p = Path(path) if path is not None else LEXICON_PATH
    doc = read_json_object(p, missing="lexicon file not found")
    for key in ("name", "version", "people", "titles", "bodies", "events", "stance_cues"):
        if key not in doc:
            raise InputError(f"lexicon lacks key {key!r}", path=p)
    return dict(doc)


_HONORIFICS = ("Mr", "Ms", "Mrs", "Dr")
_MODIFIERS = ("top", "senior", "former", "acting", "chief")
_HON_NAME = re.compile(r"\.?\s+([A-Z][a-z]+(?:-[A-Z]?[a-z]+)*)")
_CAP_NAME = re.compile(r"[A-Z][a-z]+(?:[- ][A-Z][a-z]+){0,2}(?![\w])")


class _Roles:
    """What one lexicon string can be: a place, title, demonym, person, body, event trigger..."""

    __slots__ = (
        "body",
        "dem",
        "event",
        "gov_country",
        "hon",
        "mod",
        "opens_title",
        "person",
        "place",
        "place_attributes",
        "title",
    )

    def __init__(self) -> None:
        self.place: GazetteerEntry | None = None
        # Filled in once the roles are complete: LOCATION attributes without None values, the
        # country a country or capital name can stand for, and whether a title phrase can start.
        self.place_attributes: dict[str, str] = {}
        self.gov_country: str | None = None
        self.opens_title = False
        self.title: dict[str, Any] | None = None
        self.dem: str | None = None
        self.person: ActorInfo | None = None
        self.body: tuple[ActorInfo, bool] | None = None
        self.event: tuple[str, str | None] | None = None
        self.hon = False
        self.mod = False


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
    size = len(text)
    for m in _SENTENCE_END.finditer(text):
        first, after = m.span()
        if text[first] != "\n":
            # A full stop ends a sentence only before white space and a capital, digit or quote.
            if after == size or after == first + 1 or text[after - 1] not in " \t\n":
                continue
            if text[after] not in _SENTENCE_START:
                continue
            end = first + 1
        else:
            end = first
        if end > pos:
            out.append((pos, end))
        pos = after
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
        valid_countries = set(taxonomy.label("ACTOR").attribute("country").values)
        self._governments: dict[str, str] = dict(lexicon.get("governments", {}))
        self._demonyms: dict[str, str] = dict(lexicon.get("demonyms", {}))

        # people: full names, surnames
        self._people: dict[str, ActorInfo] = {}
        self._surnames: dict[str, tuple[ActorInfo, ...]] = {}
        # Surnames by id() of the person's ActorInfo: a document only looks up its own people.
        self._surnames_of: dict[int, list[str]] = {}
        self._gov_actors: dict[str, ActorInfo] = {}
        for person in lexicon["people"]:
            info = self._lexicon_actor(person, valid_countries)
            for name in person["names"]:
                self._people[name] = info
            if person.get("surname"):
                surname = person["surname"]
                self._surnames[surname] = (*self._surnames.get(surname, ()), info)
                self._surnames_of.setdefault(id(info), []).append(surname)
        # bodies (organizations named outright)
        self._bodies: dict[str, tuple[ActorInfo, bool]] = {}
        for body in lexicon["bodies"]:
            info = self._lexicon_actor(body, valid_countries)
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
        self._events: dict[str, tuple[str, str | None]] = {}
        # Context vetoes: the word before or after that makes a form something else
        # ("an alleged balloon", "when asked by reporters").
        self._event_vetoes: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        for event in lexicon["events"]:
            vetoes = (frozenset(event.get("not_after", ())), frozenset(event.get("not_before", ())))
            for form in event["forms"]:
                for variant in (form, form[:1].upper() + form[1:]):
                    # sentence-initial and headline forms ("Talks resumed ...") too
                    self._events.setdefault(variant, (event["category"], event.get("mode")))
                    if vetoes[0] or vetoes[1]:
                        self._event_vetoes[variant] = vetoes
        # One trie regex over every surface string; what a string can be is looked up after.
        self._roles: dict[str, _Roles] = {}

        def role(word: str) -> _Roles:
            return self._roles.setdefault(word, _Roles())

        for word, entry in self._places.items():
            role(word).place = entry
        for word, title in self._titles.items():
            role(word).title = title
        for word, iso3 in self._demonyms.items():
            role(word).dem = iso3
        for word, info in self._people.items():
            role(word).person = info
        for word, body in self._bodies.items():
            role(word).body = body
        for word, event in self._events.items():
            role(word).event = event
        for word in _HONORIFICS:
            role(word).hon = True
        for word in _MODIFIERS:
            role(word).mod = True
        for word, r in self._roles.items():
            r.opens_title = r.title is not None or r.mod or r.dem is not None
            if r.place is not None:
                r.place_attributes = _place_attributes(r.place)
                if r.place.feature_type == "country":
                    r.gov_country = r.place.country
                elif r.place.feature_type == "city":
                    r.gov_country = self._capitals.get(word)
        self._scan_re = re.compile(rf"(?<![\w-])(?:{trie_regex(self._roles)})")
        cues = lexicon.get("modality_cues", {})
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
        self._month_re = re.compile(
            rf"\b(?:in|In|since|Since)\s+(?:{'|'.join(_MONTHS)})\b|\b[Ll]ast (?:year|month)\b"
            r"|\b[Ii]n (?:19|20)\d\d\b"
        )
        # stance
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
        self._negation_before = re.compile(r"(?:\bnot|n't|\bnever|\bno)\s+(?:\w+\s+)?$")
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
        self._compound_heads = frozenset(lexicon.get("place_compound_heads", ()))
        self._topic_countries = frozenset(lexicon.get("topic_countries", ()))
        follow = (
            r"(?:(?:,\s*|\s+and\s+|\s+or\s+)(?:the\s+)?(?:[A-Z][\w.’']*\s*){1,4})?"
            rf"\s+(?P<aux>(?:(?:{_ADVERBS})\s+)*)[\"“]?(?P<w>[a-z]+)"
        )
        self._follow_at_re = re.compile(follow)  # for match(text, pos, endpos)
        speech = trie_regex(lexicon.get("speech_verbs", ()))
        self._speech_after_re = re.compile(
            rf"['’]?s?\s*(?:,[^,]{{0,60}},\s*)?(?:(?:{_ADVERBS})\s+)*(?P<verb>{speech})\b"
        )
        self._speech_verb_re = re.compile(rf"(?<![\w-])(?:{speech})\s+(?:that\s+)?")
        self._speech_before_re = re.compile(
            rf"(?:{speech})(?:\s+of\s+\w+)?\s*[:,]?\s*$|according to\s+(?:the\s+)?$"
        )

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

    def _place_or_actor(
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
        if nxt is not None and self._is_modifier("", nxt):
            return "SKIP"
        return "LOCATION" if country in self._topic_countries else "ACTOR"

    def _is_modifier(self, after: str, nxt: re.Match[str] | None = None) -> bool:
        """True when a content word follows the name ("U.S. sanctions", "Asia programme").

        ``nxt`` is ``_NEXT_WORD.match(after)`` when the caller has it already.
        """
        if nxt is None:
            nxt = _NEXT_WORD.match(after)
        if nxt is None:
            return False
        word = nxt.group(1)
        return word not in _FUNCTION_WORDS and word not in self._finite and not word.endswith("ed")

    def _tokens(self, text: str) -> list[tuple[int, int, _Roles]]:
        """Lexicon strings found in the text that end at a word end ("Xi'an" is not "Xi")."""
        size = len(text)
        roles = self._roles
        toks: list[tuple[int, int, _Roles]] = []
        append = toks.append
        for m in self._scan_re.finditer(text):
            start, end = m.span()
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
            append((start, end, roles[m.group()]))
        return toks

    def _title_phrase(
        self, text: str, toks: list[tuple[int, int, _Roles]], k: int
    ) -> tuple[_Mention | None, int] | None:
        """A title mention starting at token k: [top] [Chinese | China's] [top] TITLE [Name].

        Returns the mention (None when it cannot be an actor span) and the next token index.
        """
        n = len(toks)

        def adjacent(a: int) -> bool:
            return a + 1 < n and toks[a + 1][0] == toks[a][1] + 1 and text[toks[a][1]] == " "

        def title_follows(a: int) -> bool:
            nxt = toks[a + 1][2]
            return nxt.title is not None or (
                nxt.mod and adjacent(a + 1) and toks[a + 2][2].title is not None
            )

        j = k
        start = toks[k][0]
        country: str | None = None
        if toks[j][2].mod and adjacent(j):
            j += 1
        phrase_start = toks[j][0]
        r = toks[j][2]
        if r.dem is not None and adjacent(j) and title_follows(j):
            country = r.dem
            j += 1
            phrase_start = toks[j][0]
        elif (
            r.place is not None
            and r.place.feature_type == "country"
            and text[toks[j][1] : toks[j][1] + 3] in ("'s ", "’s ")
            and j + 1 < n
            and toks[j + 1][0] == toks[j][1] + 3
            and title_follows(j)
        ):
            country = r.place.country
            j += 1
            phrase_start = toks[j][0]
        if toks[j][2].mod and adjacent(j) and toks[j + 1][2].title is not None:
            j += 1
        entry = toks[j][2].title
        if entry is None:
            return None
        title = text[toks[j][0] : toks[j][1]]
        end = toks[j][1]
        nxt = j + 1
        country = country or entry.get("default_country")
        mention = _Mention(
            start,
            end,
            entry["kind"],
            title=title,
            country=country,
            sector=entry["sector"],
            office=entry.get("office"),
            title_phrase=text[phrase_start:end].casefold(),
        )
        if entry["kind"] == "person" and end < len(text) and text[end] == " ":
            name: str | None = None
            if adjacent(j) and toks[j + 1][2].person is not None:
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
            if name:
                known = self._people.get(name) or self._unique_surname(name)
                if known is not None:
                    mention.actor = known
                elif country:
                    mention.actor = ActorInfo(name, country, entry["sector"], titles=(title,))
                else:
                    return None, nxt
                mention.kind = "named"
                return mention, nxt
        if country is None and title[:1].islower() and entry["kind"] != "person":
            return None, nxt  # "officials said": no country, no span
        return mention, nxt

    def _mentions(
        self, text: str, sentences: Sequence[tuple[int, int]]
    ) -> tuple[
        list[_Mention],
        list[tuple[int, int, dict[str, str]]],
        list[tuple[int, int, tuple[str, str | None]]],
    ]:
        """Actor candidates, places (with their LOCATION attributes) and event triggers.

        Left to right, never overlapping.
        """
        starts = [s for s, _ in sentences]
        mentions: list[_Mention] = []
        places: list[tuple[int, int, dict[str, str]]] = []
        events: list[tuple[int, int, tuple[str, str | None]]] = []
        toks = self._tokens(text)
        n = len(toks)
        k = 0
        while k < n:
            start, end, r = toks[k]
            if r.opens_title or (r.place is not None and text[end : end + 2] in ("'s", "’s")):
                found = self._title_phrase(text, toks, k)
                if found is not None:
                    mention, k = found
                    if mention is not None:
                        mentions.append(mention)
                    continue
            k += 1
            if r.hon:
                hon = _HON_NAME.match(text, end)
                if hon:
                    mention = _Mention(start, hon.end(), "surname", title=hon.group(1))
                    mention.actor = self._unique_surname(hon.group(1))
                    mentions.append(mention)
                    while k < n and toks[k][0] < hon.end():
                        k += 1
            elif r.person is not None:
                mentions.append(_Mention(start, end, "named", actor=r.person))
            elif r.body is not None:
                info, subject_only = r.body
                if subject_only:
                    i = bisect.bisect_right(starts, start) - 1
                    role = self._place_or_actor(text, start, end, starts[i] if i >= 0 else 0)
                    if role != "ACTOR":
                        continue
                mentions.append(_Mention(start, end, "named", actor=info))
            elif r.place is not None:
                entry = r.place
                attributes = r.place_attributes
                gov_country = r.gov_country
                if gov_country is not None:
                    i = bisect.bisect_right(starts, start) - 1
                    role = self._place_or_actor(
                        text, start, end, starts[i] if i >= 0 else 0, gov_country
                    )
                    if role == "SKIP":
                        continue
                    if role == "AIRSPACE":
                        end += len(" airspace")
                        attributes = _place_attributes(
                            GazetteerEntry(
                                id=entry.id,
                                name=entry.name,
                                feature_type="airspace",
                                country=entry.country,
                            )
                        )
                    if role == "ACTOR":
                        actor = self._gov_actors.get(gov_country)
                        if actor is None:
                            actor = ActorInfo(self._government(gov_country), gov_country, "GOV")
                            self._gov_actors[gov_country] = actor
                        mentions.append(_Mention(start, end, "named", actor=actor))
                        continue
                elif self._is_modifier(text[end : end + 30]):
                    continue
                places.append((start, end, attributes))
            elif r.event is not None:
                veto = self._event_vetoes.get(text[start:end])
                if veto is not None:
                    before = text[max(0, start - 20) : start].split()
                    after = text[end : end + 20].split()
                    if (before and before[-1] in veto[0]) or (after and after[0] in veto[1]):
                        continue
                events.append((start, end, r.event))
        return mentions, places, events

    def _unique_surname(self, surname: str) -> ActorInfo | None:
        """The one lexicon person with this surname, or None when there are none or several."""
        infos = self._surnames.get(surname, ())
        return infos[0] if len(infos) == 1 else None

    def _add_surnames(self, text: str, mentions: list[_Mention]) -> list[_Mention]:
        """Bare surnames ("Blinken", "Xi") of people the document names in full elsewhere."""
        seen = {id(m.actor) for m in mentions if m.actor is not None}
        present: dict[str, ActorInfo] = {}
        for surname in sorted({s for i in seen for s in self._surnames_of.get(i, ())}):
            here = [info for info in self._surnames[surname] if id(info) in seen]
            if len(here) == 1:
                present[surname] = here[0]
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
            extra.append(_Mention(start, end, "named", actor=present[text[start:end]]))
        return sorted([*mentions, *extra], key=lambda m: m.start)

    def _government(self, country: str) -> str:
        return self._governments.get(country) or f"Government of {self._country_names[country]}"

    # ------------------------------------------------------------------ pass 2: resolve actors

    def _resolve(self, text: str, mentions: list[_Mention]) -> list[tuple[_Mention, ActorInfo]]:
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
            actor = self._resolve_title(m, titled)
            if actor is not None:
                out.append((m, actor))
        return out

    def _resolve_title(self, m: _Mention, named: list[_Mention]) -> ActorInfo | None:
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
                m.office
                or f"{m.title[:1].upper()}{m.title[1:]} of {self._country_names[m.country]}"
            )
            return ActorInfo(office, m.country, m.sector)
        if m.country is None:
            return None
        country = self._country_names[m.country]
        if m.kind == "body":
            return ActorInfo(
                f"{m.title[:1].upper()}{m.title[1:]} of {country}", m.country, m.sector
            )
        if m.sector == "MIL":
            return ActorInfo(f"Armed forces of {country}", m.country, "MIL")
        if m.sector == "LEG":
            return ActorInfo(f"Legislature of {country}", m.country, "LEG")
        return ActorInfo(self._government(m.country), m.country, m.sector)

    # ------------------------------------------------------------------ events, stance

    def _modality(self, text: str, start: int, sent: tuple[int, int], floor: int) -> str | None:
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

    def _history_keys_in(self, text: str) -> list[tuple[int, int]] | None:
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

    def _is_historical(
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

    def _stance_span(
        self, text: str, start: int, end: int, sent: tuple[int, int]
    ) -> tuple[int, int]:
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

    # ------------------------------------------------------------------ whole document

    def annotate(
        self, doc_id: str, text: str, sentences: Sequence[tuple[int, int]] | None = None
    ) -> DocumentResult:
        """Spans (ACTOR, LOCATION, EVENT, STANCE) and holder relations for one document."""
        sents = list(sentences) if sentences else split_sentences(text)
        if not sents:
            return DocumentResult()
        starts = [s for s, _ in sents]
        mentions, places, events = self._mentions(text, sents)
        mentions = self._add_surnames(text, mentions)
        # Candidates come from one left-to-right scan and do not overlap; the merge below only
        # guards against an extended name reaching into the next candidate.
        # Attribute dicts are built without None values here, one fresh dict per span.
        candidates: list[tuple[int, int, str, dict[str, Any]]] = [
            (mention.start, mention.end, "ACTOR", dict(actor.span_attributes))
            for mention, actor in self._resolve(text, mentions)
        ]
        candidates += [
            (start, end, "LOCATION", dict(attributes)) for start, end, attributes in places
        ]
        floor = 0
        historical: dict[int, bool] = {}
        history_keys = self._history_keys_in(text) if events else None
        for start, end, (category, mode) in events:
            i = bisect.bisect_right(starts, start) - 1
            if i < 0:
                i = 0
            known = historical.get(i)
            if known is None:
                known = historical[i] = self._is_historical(text, sents[i], history_keys)
            modality = self._modality(text, start, sents[i], floor) or (
                "historical" if known else "asserted"
            )
            attributes = {"category": category, "mode": mode, "modality": modality}
            if mode is None or category is None:
                attributes = _without_none(attributes)
            candidates.append((start, end, "EVENT", attributes))
            floor = end
        candidates.sort(key=_START_END)
        make_id = span_id_factory(doc_id)
        spans: list[Span] = []
        actors: list[Span] = []
        last_end = 0
        for start, end, label, attributes in candidates:
            if start < last_end or start >= end:
                continue
            last_end = end
            span = Span(make_id(label, start, end), start, end, text[start:end], label, attributes)
            spans.append(span)
            if label == "ACTOR":
                actors.append(span)
        actors.sort(key=lambda a: a.start)
        relations: list[RelationLink] = []
        seen: set[tuple[int, int]] = set()
        for m, cue in self._stance_cues(text):
            if cue["value"] == "FAVOR" and self._negation_before.search(
                text, max(0, m.start() - 12), m.start()
            ):
                continue
            i = max(bisect.bisect_right(starts, m.start()) - 1, 0)
            bounds = self._stance_span(text, m.start(), m.end(), sents[i])
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
        return DocumentResult(spans=spans, relations=relations)

    def _stance_cues(self, text: str) -> list[tuple[re.Match[str], dict[str, Any]]]:
        """Cue matches around anchor hits, leftmost-longest first, never overlapping."""
        found: dict[tuple[int, int], tuple[int, re.Match[str]]] = {}
        for anchor, cues in self._stance_by_anchor.items():
            pos = text.find(anchor)
            while pos != -1:
                lo, hi = max(0, pos - 120), min(len(text), pos + len(anchor) + 120)
                for i, pattern in cues:
                    for m in pattern.finditer(text, lo, hi):
                        if m.start() <= pos < m.end() and m.span() not in found:
                            found[m.span()] = (i, m)
                pos = text.find(anchor, pos + 1)
        out: list[tuple[re.Match[str], dict[str, Any]]] = []
        last_end = -1
        for (start, end), (i, m) in sorted(
            found.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[1][0])
        ):
            if start >= last_end:
                out.append((m, self._stance[i]))
                last_end = end
        return out

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

    from toolkit.annotations import span_scores

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
    from toolkit.annotations import read_annotation_file

    folder = Path(annotations_dir) / layer
    return [read_annotation_file(p) for p in sorted(folder.glob("*.json"))]


IN_SAMPLE_CAVEAT = (
    "In-sample: these rules were written and corrected while reading the seed documents and "
    "comparing with their gold layer, so scores on those documents overstate how the rules do "
    "on unseen news. Score them on newly annotated documents for a fair estimate."
)


def render_scores_markdown(scores: Mapping[str, Any]) -> str:
    """Human-readable table of the scores."""
    lines = [
        "# Pre-annotator scores",
        "",
        f"Rules `{scores['rules']}` (layer `{scores['layer']}`) against gold layer "
        f"`{scores['gold_layer']}` on {scores['n_documents']} document(s).",
        "",
        f"**Caveat.** {scores['caveat']}",
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
                f"| {row['label']} | {row['tp']} | {row['fp']} | {row['fn']} | "
                + " | ".join(cells)
                + " |"
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
        "caveat": IN_SAMPLE_CAVEAT,
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
    paragraphs = [[p for p in t.split("\n") if p.strip()] or [t] for t in seed_texts]
    for i in range(n):
        paras = paragraphs[i % len(paragraphs)]
        k = (i // len(paragraphs)) % len(paras)
        yield f"doc_{i:016x}", "\n\n".join(paras[k:] + paras[:k])


def run_benchmark(
    seed_texts: Sequence[str], n_docs: int = 20_000, rules: RuleSet | None = None
) -> dict[str, float]:
    """Articles per second of the rules on a generated corpus, next to a floor from the same run.

    Times annotation (spans, relations, annotation-file objects) without file I/O, in CPU
    seconds of this one process (one core; other load on the machine does not count) and in
    wall-clock seconds. The floor is one regex word scan of the same corpus; the lexicon scan
    (the rules' one trie regex over each text, nothing else) shows what the matching alone costs.
    """
    import time

    started = time.perf_counter()
    ruleset = rules or default_rules()
    setup_s = time.perf_counter() - started
    corpus = list(iter_bench_texts(seed_texts, n_docs))
    n_chars = sum(len(t) for _, t in corpus)
    words = re.compile(r"\w+")
    cpu = time.process_time()
    for _, text in corpus:
        words.findall(text)
    floor_cpu_s = time.process_time() - cpu
    cpu = time.process_time()
    for _, text in corpus:
        ruleset._scan_re.findall(text)
    scan_cpu_s = time.process_time() - cpu
    n_spans = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for doc_id, text in corpus:
        n_spans += len(ruleset.annotation_file(doc_id, text).spans)
    rules_cpu_s = time.process_time() - cpu
    rules_wall_s = time.perf_counter() - wall

    def rate(seconds: float) -> float:
        return n_docs / seconds if seconds > 0 else float("inf")

    return {
        "n_docs": float(n_docs),
        "mean_chars": n_chars / max(n_docs, 1),
        "setup_s": setup_s,
        "cpu_seconds": rules_cpu_s,
        "wall_seconds": rules_wall_s,
        "articles_per_s": rate(rules_cpu_s),
        "articles_per_wall_s": rate(rules_wall_s),
        "spans_per_doc": n_spans / max(n_docs, 1),
        "floor_articles_per_s": rate(floor_cpu_s),
        "scan_articles_per_s": rate(scan_cpu_s),
    }


def format_benchmark(result: Mapping[str, float], target: float = 2_000.0) -> str:
    """The benchmark figures as a few lines of text."""
    ratio = result["floor_articles_per_s"] / result["articles_per_s"]
    verdict = "meets" if result["articles_per_s"] >= target else "is below"
    return "\n".join(
        [
            f"corpus: {int(result['n_docs'])} articles, {result['mean_chars']:.0f} characters each",
            f"rule set built in {result['setup_s']:.2f} s (gazetteer, lexicons, regexes)",
            f"pre-annotator: {result['articles_per_s']:.0f} articles per CPU second on one core "
            f"({result['spans_per_doc']:.1f} spans per article, {result['cpu_seconds']:.2f} CPU s; "
            f"{result['articles_per_wall_s']:.0f} articles per wall-clock second)",
            f"floor (one regex word scan, same run): {result['floor_articles_per_s']:.0f} "
            f"articles per CPU second; the rules cost {ratio:.1f}x the floor",
            f"lexicon scan alone (the rules' trie regex, same run): "
            f"{result['scan_articles_per_s']:.0f} articles per CPU second",
            f"target {target:.0f} articles/s: {verdict} the target",
        ]
    )


def main_benchmark(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``nox -s bench_preannotate``: prints the figures for seeds/."""
    import sys

    from toolkit.ingest import read_article

    args = list(sys.argv[1:] if argv is None else argv)
    n_docs = int(args[0]) if args else 20_000
    root = Path(__file__).resolve().parents[2] / "seeds"
    texts = [read_article(p).text for p in sorted(root.glob("*.txt"))]
    print(format_benchmark(run_benchmark(texts, n_docs)))
