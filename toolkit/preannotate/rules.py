"""The rule set of layer rules-v1: the rule families wired together over one document."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from toolkit.annotations import AnnotationFile, RelationLink, Span
from toolkit.core import sha256_text, span_id_factory
from toolkit.preannotate.actors import Actors
from toolkit.preannotate.arguments import argument_relations
from toolkit.preannotate.events import Events
from toolkit.preannotate.lexicon import read_lexicon
from toolkit.preannotate.mentions import MentionScanner
from toolkit.preannotate.places import Places
from toolkit.preannotate.sentences import split_sentences
from toolkit.preannotate.stance import Stance
from toolkit.preannotate.titles import Titles
from toolkit.taxonomy import Gazetteer, Taxonomy, default_gazetteer, read_taxonomy

LAYER = "rules-v1"

_START_END = operator.itemgetter(0, 1)

# An ACTOR, LOCATION or EVENT span to be: start, end, label and attributes.
Candidate = tuple[int, int, str, dict[str, Any]]


@dataclass
class DocumentResult:
    """Spans and relations the rules produced for one document."""

    spans: list[Span] = field(default_factory=list)
    relations: list[RelationLink] = field(default_factory=list)


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
        # Built in the order the lexicon was always checked, so a lexicon with several
        # problems reports the same one first.
        self.actors = Actors(lexicon, gazetteer, taxonomy)
        self.titles = Titles(lexicon, self.actors)
        self.events = Events(lexicon)
        self.stance = Stance(lexicon)
        self.places = Places(lexicon, gazetteer)
        self.scanner = MentionScanner(self.actors, self.titles, self.places, self.events)
        # The lexicon scan, and the event rules the tests compare with their slow paths.
        self._scan = self.scanner.scanner.find
        self._modality = self.events.modality
        self._modality_any_re = self.events._modality_any_re
        self._modality_cue_re = self.events._modality_cue_re
        self._history_keys_in = self.events.history_keys_in
        self._is_historical = self.events.is_historical

    def annotate(
        self, doc_id: str, text: str, sentences: Sequence[tuple[int, int]] | None = None
    ) -> DocumentResult:
        """Spans (ACTOR, LOCATION, EVENT, STANCE), holder and event-argument relations."""
        sents = list(sentences) if sentences else split_sentences(text)
        if not sents:
            return DocumentResult()
        starts = [s for s, _ in sents]
        candidates = self._candidates(text, sents, starts)
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
        relations = self.stance.add_stances(text, sents, starts, actors, make_id, spans)
        relations += argument_relations(text, sents, spans)
        return DocumentResult(spans=spans, relations=relations)

    def _candidates(
        self, text: str, sents: list[tuple[int, int]], starts: list[int]
    ) -> list[Candidate]:
        """ACTOR, LOCATION and EVENT candidates of the document, sorted by start and end."""
        mentions, places, events = self.scanner.mentions(text, sents)
        mentions = self.actors.add_surnames(text, mentions)
        # Candidates come from one left-to-right scan and do not overlap; the merge in annotate
        # only guards against an extended name reaching into the next candidate.
        # Attribute dicts are built without None values here, one fresh dict per span.
        candidates: list[Candidate] = [
            (mention.start, mention.end, "ACTOR", dict(actor.span_attributes))
            for mention, actor in self.actors.resolve(text, mentions)
        ]
        candidates += [
            (start, end, "LOCATION", dict(attributes)) for start, end, attributes in places
        ]
        self.events.add_candidates(text, events, sents, starts, candidates)
        candidates.sort(key=_START_END)
        return candidates

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
