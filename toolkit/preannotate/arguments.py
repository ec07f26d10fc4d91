"""Argument suggestions: the source, target and location of each EVENT, by clause position.

Written from PLOVER's definitions, not from its gold records (which are the test set):

- the source is the actor that carries out the event, in English news the subject: the nearest
  ACTOR before the trigger in its clause, with the actors coordinated with it ("X and Y");
- the target is the actor the event is directed at, the object: the nearest ACTOR after the
  trigger in its clause, with its coordinated actors;
- a passive trigger ("was expelled by X") swaps them: the agent after "by" is the source and
  the subject the target;
- reciprocal events (meetings, talks, agreeing with someone) list every party as a source, so
  an actor joined by "with" to a reciprocal trigger is a source too;
- the location is the LOCATION introduced by "in", "at" or "near" in the trigger's sentence,
  the one after the trigger first.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Sequence

from toolkit.annotations import RelationLink, Span

# Where a clause ends: punctuation that closes it, and words that open another clause. The
# lookahead on the first character lets the regex engine skip to candidate positions; only
# the words are matched ignoring case.
_CLAUSE_BREAK = re.compile(
    r"(?=[;:,\s])(?:[;:]|,\s*(?i:which|who|whom|whose|where|while|after|before|because|"
    r"although|but|said|says|according)\b|\s(?:[—–-]\s|(?i:but|while|whereas|because|although|"
    r"after|before|said|says|told|added|announced|reported)\s))"
)
_COORDINATION = re.compile(r"^\s*(?:,|and|&|,\s*and)\s*(?:the\s+)?$", re.IGNORECASE)
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|being|is|are|be|got|get)\s+(?:\w+ly\s+)?$")
_BY = re.compile(r"\bby\s+(?:the\s+)?$", re.IGNORECASE)
_WITH = re.compile(r"\bwith\s+(?:the\s+)?$", re.IGNORECASE)
_PLACE_CUE = re.compile(r"\b(?:in|at|near|outside|inside)\s+(?:the\s+)?$", re.IGNORECASE)
_RECIPROCAL_TRIGGER = re.compile(
    r"^(?:meet|meets|met|meeting|meetings|talk|talks|talked|negotiat\w*|agree\w*|"
    r"consult\w*|discuss\w*)$",
    re.IGNORECASE,
)
_RECIPROCAL_CATEGORIES = frozenset({"CONSULT"})
_START_END = operator.attrgetter("start", "end")


def _clause_breaks(text: str, sentence: tuple[int, int]) -> tuple[list[int], list[int]]:
    """Starts and ends of the clause breaks of a sentence (found once for all its events)."""
    spans = [m.span() for m in _CLAUSE_BREAK.finditer(text, *sentence)]
    return [s for s, _ in spans], [e for _, e in spans]


def _clause(
    sentence: tuple[int, int], breaks: tuple[list[int], list[int]], event: Span
) -> tuple[int, int]:
    """The part of the sentence between the clause breaks around the trigger.

    Breaks do not overlap, so their starts and ends both ascend: the clause starts at the end
    of the last break ending before the trigger and ends at the first break after it.
    """
    starts, ends = breaks
    before = bisect.bisect_right(ends, event.start) - 1
    after = bisect.bisect_left(starts, event.end)
    return (
        ends[before] if before >= 0 else sentence[0],
        starts[after] if after < len(starts) else sentence[1],
    )


def _coordinated(text: str, actors: Sequence[Span], first: int, step: int) -> list[Span]:
    """actors[first] and the actors joined to it by "and" or a comma, walking by ``step``."""
    out = [actors[first]]
    i = first
    while 0 <= i + step < len(actors):
        a, b = (actors[i + step], actors[i]) if step < 0 else (actors[i], actors[i + step])
        if not _COORDINATION.match(text[a.end : b.start]):
            break
        i += step
        out.append(actors[i])
    return out


def _is_reciprocal(event: Span) -> bool:
    if event.attributes.get("category") in _RECIPROCAL_CATEGORIES:
        return event.attributes.get("mode") != "visit"
    return bool(_RECIPROCAL_TRIGGER.match(event.text.split()[0])) if event.text else False


def _roles(
    text: str, event: Span, actors: Sequence[Span], clause: tuple[int, int]
) -> list[tuple[str, Span]]:
    """(relation type, actor) pairs of one event from the actors of its clause."""
    inside = [a for a in actors if clause[0] <= a.start and a.end <= clause[1]]
    before = [i for i, a in enumerate(inside) if a.end <= event.start]
    after = [i for i, a in enumerate(inside) if a.start >= event.end]
    subjects = _coordinated(text, inside, before[-1], -1) if before else []
    objects = _coordinated(text, inside, after[0], 1) if after else []
    lead = text[event.end : objects[0].start] if objects else ""
    passive = bool(_PASSIVE_BEFORE.search(text[max(0, event.start - 30) : event.start]))
    if objects and passive and _BY.search(lead):
        return [("source", a) for a in objects] + [("target", a) for a in subjects]
    object_role = "target"
    if objects and _is_reciprocal(event) and (_WITH.search(lead) or not subjects):
        object_role = "source"
    return [("source", a) for a in subjects] + [(object_role, a) for a in objects]


def _cued_places(text: str, places: Sequence[Span]) -> list[Span]:
    """The places of a sentence introduced by in/at/near."""
    return [p for p in places if _PLACE_CUE.search(text[max(0, p.start - 12) : p.start])]


def _location(event: Span, cued: Sequence[Span]) -> Span | None:
    """The cued place of the event's sentence: after the trigger first, else the last before."""
    for p in cued:
        if p.start >= event.end:
            return p
    return cued[-1] if cued else None


def argument_relations(
    text: str, sents: Sequence[tuple[int, int]], spans: Sequence[Span]
) -> list[RelationLink]:
    """Source, target and location relations for every EVENT span among ``spans``."""
    starts = [s for s, _ in sents]
    by_sentence: dict[int, dict[str, list[Span]]] = {}
    for span in sorted(spans, key=_START_END):
        index = bisect.bisect_right(starts, span.start) - 1
        if index >= 0 and span.end <= sents[index][1]:
            by_sentence.setdefault(index, {}).setdefault(span.label, []).append(span)
    relations: list[RelationLink] = []
    for index, labelled in sorted(by_sentence.items()):
        events = labelled.get("EVENT")
        if not events:
            continue
        actors = labelled.get("ACTOR", [])
        breaks = _clause_breaks(text, sents[index])
        cued = _cued_places(text, labelled.get("LOCATION", []))
        for event in events:
            clause = _clause(sents[index], breaks, event)
            for role, actor in _roles(text, event, actors, clause):
                relations.append(RelationLink(role, event.id, actor.id))
            place = _location(event, cued)
            if place is not None:
                relations.append(RelationLink("location", event.id, place.id))
    return relations
