"""The rules' attribute resolvers for spans found by other means (the baseline models' spans)."""

from __future__ import annotations

from toolkit.annotations import Span
from toolkit.preannotate.places import place_attributes
from toolkit.preannotate.rules import RuleSet, default_rules

# Span ids are not used here: any valid doc_id does.
_DOC_ID = "doc_0000000000000000"


class SpanResolver:
    """ACTOR and LOCATION attributes of a span, from the rules' reading of its document."""

    def __init__(self, rules: RuleSet | None = None) -> None:
        self.rules = rules or default_rules()
        self._text: str | None = None
        self._spans: list[Span] = []

    def _rule_spans(self, text: str) -> list[Span]:
        """The rules' spans of the text (the last document is kept: callers go doc by doc)."""
        if text != self._text:
            self._text = text
            self._spans = self.rules.annotate(_DOC_ID, text).spans
        return self._spans

    def attributes(self, text: str, label: str, start: int, end: int) -> dict[str, str] | None:
        """Attributes for the span text[start:end] of this label, or None when none resolves.

        In order: a rules span of the label overlapping it; the rules run on the quote alone
        (names, titles with demonyms, countries, places); a rules ACTOR whose canonical name
        ends with the quote's last word (a surname whose full name the document gives).
        """
        if label not in ("ACTOR", "LOCATION"):
            return None
        spans = self._rule_spans(text)
        for span in spans:
            if span.label == label and span.start < end and start < span.end:
                return dict(span.attributes)
        quote = text[start:end]
        found = self._from_quote(quote, label)
        if found is not None or label != "ACTOR":
            return found
        words = quote.split()
        last = words[-1] if words else ""
        for span in spans:
            name = str(span.attributes.get("canonical_name", ""))
            if span.label == "ACTOR" and last[:1].isupper() and name.split()[-1:] == [last]:
                return dict(span.attributes)
        return None

    def _from_quote(self, quote: str, label: str) -> dict[str, str] | None:
        """The rules' reading of the quote on its own."""
        scanner = self.rules.scanner
        mentions, places, _ = scanner.mentions(quote, [(0, len(quote))])
        if label == "ACTOR":
            resolved = self.rules.actors.resolve(quote, mentions)
            if resolved:
                return dict(resolved[0][1].span_attributes)
            entry = self.rules.places.places.get(quote)
            if entry is not None and entry.feature_type == "country" and entry.country:
                return dict(self.rules.actors.government_actor(entry.country).span_attributes)
            return None
        if places:
            return dict(places[0][2])
        entry = self.rules.places.places.get(quote)
        return place_attributes(entry) if entry is not None else None
