"""The rule set over whole documents: spans slice to their quotes, never overlap, validate."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.annotations.records import Span
from toolkit.core.ids import make_span_id
from toolkit.preannotate.rules import default_rules
from toolkit.taxonomy.labels import read_taxonomy

DOC = "doc_00000000000000aa"


def spans_of(text: str) -> list[Span]:
    return sorted(default_rules().annotate(DOC, text).spans, key=lambda s: s.start)


def find(spans: list[Span], label: str, quote: str) -> Span:
    hits = [s for s in spans if s.label == label and s.text == quote]
    assert hits, f"no {label} {quote!r} in {[(s.label, s.text) for s in spans]}"
    return hits[0]


def labels_of(spans: list[Span], quote: str) -> set[str]:
    return {s.label for s in spans if s.text == quote}


FRAGMENTS = [
    "Beijing condemned the sanctions.",
    "Talks in Washington ended without a deal.",
    "Chinese President Xi Jinping said reunification is inevitable.",
    "The US does not support Taiwan independence, officials said.",
    "“There is no room for compromise,” Wang Yi told reporters.",
    "Japanese warships patrolled the East China Sea.",
    "Mr Xi hailed the summit in Bali, Indonesia.",
    "Taipei's leaders rejected the demand.",
    "U.S.-China ties remain tense over Taiwan.",
    "Éric met François in Zürich — naïve café talk.",
]


def test_capital_as_subject_is_a_government_and_events_fire() -> None:
    spans = spans_of("Beijing condemned the sanctions on Monday.")
    actor = find(spans, "ACTOR", "Beijing")
    assert actor.attributes == {
        "canonical_name": "Government of China",
        "country": "CHN",
        "sector": "GOV",
    }
    condemned = find(spans, "EVENT", "condemned")
    assert condemned.attributes == {
        "category": "ACCUSE",
        "mode": "disapprove",
        "modality": "asserted",
    }
    assert find(spans, "EVENT", "sanctions").attributes["category"] == "SANCTION"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8), st.sampled_from([" ", "\n\n"]))
def test_spans_slice_to_their_quotes_and_never_overlap(parts: list[str], sep: str) -> None:
    text = sep.join(parts)
    result = default_rules().annotate(DOC, text)
    flat = sorted((s for s in result.spans if s.label != "STANCE"), key=lambda s: s.start)
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip()
        assert span.id == make_span_id(DOC, span.label, span.start, span.end)
    for a, b in itertools.pairwise(flat):
        assert a.end <= b.start
    ids = {s.id for s in result.spans}
    stances = [s.id for s in result.spans if s.label == "STANCE"]
    holders = [r for r in result.relations if r.type == "holder"]
    assert sorted(r.from_id for r in holders) == sorted(stances)
    labels = {s.id: s.label for s in result.spans}
    ends = {"holder": ("STANCE", "ACTOR"), "source": ("EVENT", "ACTOR")}
    ends |= {"target": ("EVENT", "ACTOR"), "location": ("EVENT", "LOCATION")}
    assert all(r.from_id in ids and r.to_id in ids for r in result.relations)
    assert all((labels[r.from_id], labels[r.to_id]) == ends[r.type] for r in result.relations)


def test_attributes_are_valid_for_the_taxonomy() -> None:
    taxonomy = read_taxonomy()
    for span in spans_of(" ".join(FRAGMENTS)):
        assert taxonomy.check_attributes(span.label, span.attributes) == [], span
