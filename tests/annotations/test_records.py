"""Tests for toolkit.records: annotation files round-trip byte for byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from toolkit.annotations.records import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    dumps_annotation,
    read_annotation_file,
    write_annotation_file,
)
from toolkit.core.ids import make_span_id, span_id_factory

DOC = "doc_0123456789abcdef"


def test_span_id_is_deterministic_and_distinct():
    assert make_span_id(DOC, "ACTOR", 0, 5) == make_span_id(DOC, "ACTOR", 0, 5)
    assert make_span_id(DOC, "ACTOR", 0, 5) != make_span_id(DOC, "EVENT", 0, 5)
    assert make_span_id(DOC, "ACTOR", 0, 5).startswith("sp_")


@given(
    st.text(max_size=30),
    st.lists(
        st.tuples(
            st.sampled_from(["ACTOR", "EVENT", "LOCATION", "STANCE", "Ä"]),
            st.integers(min_value=0, max_value=10**7),
            st.integers(min_value=0, max_value=10**7),
        ),
        max_size=8,
    ),
)
def test_span_id_factory_gives_make_span_id_ids(doc_id, spans):
    try:
        doc_id.encode()
    except UnicodeEncodeError:
        return  # make_span_id cannot hash lone surrogates either
    make = span_id_factory(doc_id)
    for label, start, end in spans:
        assert make(label, start, end) == make_span_id(doc_id, label, start, end)


def test_write_is_skipped_when_unchanged(tmp_path):
    annotation = AnnotationFile(DOC, "a" * 64, "pass-a", "1.0.0", source={"kind": "manual"})
    path = annotation_path(tmp_path, "pass-a", DOC)
    assert write_annotation_file(path, annotation) is True
    mtime = path.stat().st_mtime_ns
    assert write_annotation_file(path, annotation) is False
    assert path.stat().st_mtime_ns == mtime
    assert list(tmp_path.rglob(".*")) == []


quotes = st.text(min_size=1, max_size=12)


@given(
    items=st.lists(
        st.tuples(st.integers(0, 500), quotes, st.sampled_from(["ACTOR", "EVENT"])),
        max_size=8,
        unique_by=lambda t: (t[0], t[2]),
    )
)
def test_round_trip_is_exact_and_order_independent(items):
    spans = [
        Span(
            make_span_id(DOC, label, start, start + len(q)),
            start,
            start + len(q),
            q,
            label,
            {"canonical_name": q} if label == "ACTOR" else {"category": "CONSULT"},
        )
        for start, q, label in items
    ]
    relations = [RelationLink("holder", spans[0].id, spans[-1].id)] if spans else []
    a = AnnotationFile(DOC, "b" * 64, "pass-b", "1.0.0", spans=spans, relations=relations)
    b = AnnotationFile(
        DOC, "b" * 64, "pass-b", "1.0.0", spans=list(reversed(spans)), relations=relations
    )
    assert dumps_annotation(a) == dumps_annotation(b)
    again = AnnotationFile.from_json(a.to_json())
    assert dumps_annotation(again) == dumps_annotation(a)


def test_read_back(tmp_path):
    span = Span(make_span_id(DOC, "ACTOR", 0, 3), 0, 3, "Xi😀"[:3], "ACTOR", {"country": "CHN"})
    annotation = AnnotationFile(
        DOC,
        "c" * 64,
        "gold",
        "1.0.0",
        spans=[span],
        adjudication=[{"span_id": span.id, "decision": "pass-a", "reason": "both passes agree"}],
    )
    path = annotation_path(tmp_path, "gold", DOC)
    write_annotation_file(path, annotation)
    assert read_annotation_file(path) == annotation
    assert "😀" in path.read_text(encoding="utf-8")
