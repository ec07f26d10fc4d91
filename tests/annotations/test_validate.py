"""Tests for toolkit.validate: schema and meaning checks with exact messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.annotations.records import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    write_annotation_file,
)
from toolkit.annotations.validate import check_annotation_file, check_annotations
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text

SEED_003 = Path(__file__).resolve().parents[2] / "seeds" / "003_4dd4a7727a5856cf.txt"
DOC_ID = "doc_4dd4a7727a5856cf"


@pytest.fixture(name="text")
def text_fixture() -> str:
    """The last paragraph of seed 003: a US stance sentence with its holder."""
    return SEED_003.read_text(encoding="utf-8").strip().split("\n")[-1]


def _span(text: str, quote: str, label: str, **attributes: str) -> Span:
    start = text.index(quote)
    end = start + len(quote)
    return Span(make_span_id(DOC_ID, label, start, end), start, end, quote, label, attributes)


@pytest.fixture(name="annotation")
def annotation_fixture(text: str) -> AnnotationFile:
    blinken = _span(
        text,
        "Blinken",
        "ACTOR",
        canonical_name="Antony Blinken",
        country="USA",
        sector="GOV",
        wikidata_id="Q4773949",
    )
    stance = _span(
        text,
        "the US did not support Taiwan independence",
        "STANCE",
        value="NONE",
        facet="STATUS_QUO",
    )
    event = _span(text, "reaffirmed", "EVENT", category="SUPPORT", modality="asserted")
    return AnnotationFile(
        doc_id=DOC_ID,
        text_sha256=sha256_text(text),
        annotator_id="pass-a",
        codebook_version="1.0.0",
        spans=[blinken, stance, event],
        relations=[RelationLink("holder", stance.id, blinken.id)],
        source={"kind": "manual"},
    )


@pytest.fixture(name="written")
def written_fixture(tmp_path: Path, annotation: AnnotationFile) -> Path:
    path = annotation_path(tmp_path, annotation.annotator_id, annotation.doc_id)
    write_annotation_file(path, annotation)
    return path


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_valid_file_has_no_problems(written, text):
    parsed, problems = check_annotation_file(written, texts={DOC_ID: text})
    assert problems == []
    assert parsed is not None and len(parsed.spans) == 3


def _messages(path, text):
    return [str(p) for p in check_annotation_file(path, texts={DOC_ID: text})[1]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["spans"][0].update(
                start=d["spans"][0]["start"] + 1, end=d["spans"][0]["end"] + 1
            ),
            "pass-a/doc_4dd4a7727a5856cf.json:{line} /spans/0/text [{sid}]: text[{a}:{b}] is "
            "'linken ' but the span quotes 'Blinken'",
        ),
        (
            lambda d: d["spans"][0]["attributes"].update(country="XYZ"),
            'pass-a/doc_4dd4a7727a5856cf.json:{line} /spans/0/attributes/country: "XYZ" is not '
            'valid; valid: "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", '
            '"ARG", "ARM", "ASM", "ATA", "ATF", "ATG", "AUS", "AUT", "AZE", '
            '"BDI", "BEL", "BEN", ... (257 in all)',
        ),
        (
            lambda d: d["spans"][0].update(label="PERSON"),
            'pass-a/doc_4dd4a7727a5856cf.json:{line} /spans/0/label: "PERSON" is not valid; '
            'valid: "ACTOR", "EVENT", "LOCATION", "STANCE"',
        ),
        (
            lambda d: d.update(relations=[]),
            "pass-a/doc_4dd4a7727a5856cf.json:{sline} /spans/2 [{stance}]: STANCE span has no "
            "holder relation",
        ),
        (
            lambda d: d["relations"][0].update(to_id="sp_missing"),
            "pass-a/doc_4dd4a7727a5856cf.json:{rline} /relations/0: holder to_id sp_missing is "
            "not a span of this file",
        ),
        (
            lambda d: d.update(text_sha256="0" * 64),
            "pass-a/doc_4dd4a7727a5856cf.json:5 /text_sha256: text_sha256 does not match the "
            "document's text: the text changed since annotation; run `toolkit reanchor` to move "
            "spans to the new text",
        ),
    ],
    ids=[
        "shifted-offsets",
        "bad-country",
        "bad-label",
        "stance-without-holder",
        "dangling-relation",
        "changed-text",
    ],
)
def test_problem_messages(written, text, annotation, change, expected):
    _edit(written, change)
    raw = written.read_text(encoding="utf-8")
    doc = json.loads(raw)
    span0 = doc["spans"][0]
    stance = next(s for s in annotation.spans if s.label == "STANCE")

    def line_of(needle: str) -> int:
        return raw[: raw.index(needle)].count("\n") + 1

    want = expected.format(
        line=line_of(f'"id": "{span0["id"]}"'),
        sid=span0["id"],
        a=span0["start"],
        b=span0["end"],
        sline=line_of(f'"id": "{stance.id}"'),
        stance=stance.id,
        rline=line_of('"from_id"') if doc["relations"] else 0,
    )
    messages = _messages(written, text)
    assert messages == [str(written.parent.parent / want)]


def test_wrong_folder_and_file_name(tmp_path, annotation, text):
    path = tmp_path / "pass-b" / "doc_0000000000000000.json"
    write_annotation_file(path, annotation)
    assert [p.message for p in check_annotation_file(path, texts={DOC_ID: text})[1]] == [
        f"file name says doc_0000000000000000 but doc_id is {DOC_ID}",
        "folder says pass-b but annotator_id is pass-a",
    ]


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "pass-a" / f"{DOC_ID}.json"
    path.parent.mkdir()
    path.write_text('{\n  "doc_id": \n}\n', encoding="utf-8")
    parsed, problems = check_annotation_file(path)
    assert parsed is None
    assert [str(p) for p in problems] == [f"{path}:3: invalid JSON: Expecting value"]


def test_unknown_document(written):
    problems = check_annotation_file(written, texts={})[1]
    assert [p.message for p in problems] == [f"document {DOC_ID} is not in the dataset"]


def test_check_annotations_walks_every_file(tmp_path, annotation, text):
    write_annotation_file(annotation_path(tmp_path, "pass-a", DOC_ID), annotation)
    annotation.annotator_id = "pass-b"
    annotation.spans[0].attributes["sector"] = "ARMY"
    write_annotation_file(annotation_path(tmp_path, "pass-b", DOC_ID), annotation)
    problems = check_annotations(tmp_path, texts={DOC_ID: text})
    assert len(problems) == 1 and problems[0].path.endswith(f"pass-b/{DOC_ID}.json")


def test_cli_exits_1_and_lists_problems(written, tmp_path):
    _edit(written, lambda d: d["spans"][0]["attributes"].update(sector="ARMY"))
    result = CliRunner().invoke(cli, ["validate", "--annotations", str(tmp_path)])
    assert result.exit_code == 1
    assert '/spans/0/attributes/sector: "ARMY" is not valid; valid: "AGR"' in result.output
    assert result.output.rstrip().endswith("1 problem(s) found.")


def test_cli_requires_a_target():
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "give --annotations, --dataset or both" in result.output


def test_machine_suggestions_may_leave_attributes_and_holders_to_the_reviewer(
    tmp_path, annotation, text
):
    annotation.annotator_id = "model-baseline"
    annotation.source = {"kind": "model", "model_version": "baseline-1"}
    annotation.relations = []
    del annotation.spans[0].attributes["canonical_name"]
    annotation.spans[2].attributes["category"] = "CHAT"
    path = annotation_path(tmp_path, "model-baseline", DOC_ID)
    write_annotation_file(path, annotation)
    messages = [p.message for p in check_annotation_file(path, texts={DOC_ID: text})[1]]
    assert messages == [
        '"CHAT" is not valid; valid: "ACCUSE", "AGREE", "AID", "ASSAULT", "COERCE", "CONCEDE", '
        '"CONSULT", "COOPERATE", "MOBILIZE", "PROTEST", "REJECT", "REQUEST", "RETREAT", '
        '"SANCTION", "SUPPORT", "THREATEN"'
    ]


def _with_relations(path: Path, annotation: AnnotationFile, relations: list[RelationLink]) -> None:
    annotation.relations += relations
    write_annotation_file(path, annotation)


def test_event_arguments_validate(written, text, annotation):
    by_label = {s.label: s for s in annotation.spans}
    event, blinken = by_label["EVENT"], by_label["ACTOR"]
    event.attributes["context"] = ["diplomatic", "territory"]
    _with_relations(
        written,
        annotation,
        [
            RelationLink("source", event.id, blinken.id),
            RelationLink("target", event.id, blinken.id),
        ],
    )
    assert check_annotation_file(written, texts={DOC_ID: text})[1] == []


@pytest.mark.parametrize(
    ("kind", "from_label", "to_label", "expected"),
    [
        ("location", "EVENT", "ACTOR", "location to_id {to} is a ACTOR span; must be LOCATION"),
        ("source", "STANCE", "ACTOR", "source from_id {frm} is a STANCE span; must be EVENT"),
        ("target", "EVENT", "STANCE", "target to_id {to} is a STANCE span; must be ACTOR"),
    ],
    ids=["location-to-actor", "source-from-stance", "target-to-stance"],
)
def test_argument_with_wrong_ends_is_a_problem(
    written, text, annotation, kind, from_label, to_label, expected
):
    by_label = {s.label: s for s in annotation.spans}
    frm, to = by_label[from_label], by_label[to_label]
    _with_relations(written, annotation, [RelationLink(kind, frm.id, to.id)])
    problems = check_annotation_file(written, texts={DOC_ID: text})[1]
    assert [p.message for p in problems] == [expected.format(frm=frm.id, to=to.id)]


def test_context_must_be_a_list_of_known_values(written, text, annotation):
    event = next(s for s in annotation.spans if s.label == "EVENT")
    event.attributes["context"] = "military"
    write_annotation_file(written, annotation)
    problems = check_annotation_file(written, texts={DOC_ID: text})[1]
    assert [p.message for p in problems] == ["'military' is not of type 'array'"]
