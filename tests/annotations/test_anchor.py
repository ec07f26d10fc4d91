"""Tests for toolkit.anchor: spans follow their quotes when a text changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from toolkit.annotations.anchor import find_quote, reanchor
from toolkit.annotations.records import AnnotationFile, RelationLink, Span
from toolkit.core.ids import make_span_id, sha256_text

DOC = "doc_0123456789abcdef"
OLD = "Mr Xi met Mr Blinken. Later Mr Xi said progress was made."


def _file(text: str, spans: list[Span], relations: list[RelationLink] | None = None):
    return AnnotationFile(
        doc_id=DOC,
        text_sha256=sha256_text(text),
        annotator_id="pass-a",
        codebook_version="1.0.0",
        spans=spans,
        relations=relations or [],
    )


def _span(text: str, quote: str, occurrence: int = 0, label: str = "ACTOR") -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return Span(
        make_span_id(DOC, label, start, start + len(quote)),
        start,
        start + len(quote),
        quote,
        label,
        {},
    )


def test_unchanged_text_changes_nothing():
    spans = [_span(OLD, "Mr Xi"), _span(OLD, "Mr Xi", 1)]
    result = reanchor(_file(OLD, spans), OLD)
    assert not result.changed
    assert [(s.start, s.end) for s in result.annotation.spans] == [(0, 5), (28, 33)]


def test_insertion_moves_each_repeated_quote_to_its_own_occurrence():
    spans = [_span(OLD, "Mr Xi"), _span(OLD, "Mr Xi", 1)]
    new = "Beijing, Monday. " + OLD
    result = reanchor(_file(OLD, spans), new)
    assert [(s.start, s.end) for s in result.annotation.spans] == [(17, 22), (45, 50)]
    assert all(new[s.start : s.end] == s.text for s in result.annotation.spans)
    assert result.annotation.text_sha256 == sha256_text(new)
    assert len(result.moved) == 2 and result.lost == []


def test_lost_quote_is_reported_and_its_relations_dropped():
    blinken = _span(OLD, "Mr Blinken")
    stance = _span(OLD, "progress was made", label="STANCE")
    annotation = _file(OLD, [blinken, stance], [RelationLink("holder", stance.id, blinken.id)])
    result = reanchor(annotation, OLD.replace("Mr Blinken", "the envoy"))
    assert [s.text for s in result.lost] == ["Mr Blinken"]
    assert result.annotation.relations == []
    assert [s.text for s in result.annotation.spans] == ["progress was made"]


def test_relations_follow_new_span_ids():
    blinken = _span(OLD, "Mr Blinken")
    stance = _span(OLD, "progress was made", label="STANCE")
    annotation = _file(OLD, [blinken, stance], [RelationLink("holder", stance.id, blinken.id)])
    result = reanchor(annotation, "Update. " + OLD)
    ids = {s.text: s.id for s in result.annotation.spans}
    assert result.annotation.relations == [
        RelationLink("holder", ids["progress was made"], ids["Mr Blinken"])
    ]
    assert ids["Mr Blinken"] == make_span_id(DOC, "ACTOR", 18, 28)


def test_find_quote_prefers_nearest():
    assert find_quote("ab ab ab", "ab", 4) == 3
    assert find_quote("ab ab ab", "zz", 4) is None


@given(prefix=st.text(max_size=30), suffix=st.text(max_size=30))
def test_spans_always_slice_back_after_edits(prefix: str, suffix: str):
    spans = [_span(OLD, "Mr Xi"), _span(OLD, "Mr Blinken"), _span(OLD, "Mr Xi", 1)]
    new = prefix + OLD + suffix
    result = reanchor(_file(OLD, spans), new)
    assert result.lost == []
    for span in result.annotation.spans:
        assert new[span.start : span.end] == span.text
    assert [s.text for s in result.annotation.spans] == ["Mr Xi", "Mr Blinken", "Mr Xi"]
