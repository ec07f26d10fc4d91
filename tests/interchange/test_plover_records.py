"""Reading PLOVER files tolerantly but exactly, and taking the (TAG: words) markup apart."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.errors import InputError
from toolkit.interchange.plover_records import parse_markup, read_records, strip_trailing_commas

GOLD = Path(__file__).resolve().parents[1] / "data" / "plover" / "PLOVER_GSR_CAMEO.txt"
SHARED = Path("/work/shared/data/plover/PLOVER_GSR_CAMEO.txt")
GOLD_SHA256 = "f0d516858bf7ad05283ed0f8e6b1ea66d9ee4175703877d5ab0598503aa1a558"


def test_the_gold_copy_is_the_published_file_byte_for_byte() -> None:
    digest = hashlib.sha256(GOLD.read_bytes()).hexdigest()
    assert digest == GOLD_SHA256
    assert GOLD_SHA256 in (GOLD.parent / "README.md").read_text(encoding="utf-8")
    if SHARED.exists():
        assert hashlib.sha256(SHARED.read_bytes()).hexdigest() == digest


def test_the_whole_gold_file_reads_with_one_listed_reject() -> None:
    records, rejects = read_records(GOLD)
    assert len(records) == 322
    assert records[1].id == "PLOVER-GSR01-AGREE-0001"
    assert records[1].line == 14  # its opening brace
    assert [(r.record_id, r.line, r.reason) for r in rejects] == [
        (
            "PLOVER-GSR01-AGREE-0007",
            116,
            "target must be a list of actor objects or empty, not str",
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2,]", "[1, 2 ]"),
        ('{"a": 1,\n}', '{"a": 1 \n}'),
        ('["x,]", ]', '["x,]"  ]'),
        ('["a\\",]",]', '["a\\",]" ]'),
    ],
    ids=["array", "object-newline", "comma-in-string", "escaped-quote"],
)
def test_only_commas_that_close_nothing_are_blanked(text: str, expected: str) -> None:
    assert strip_trailing_commas(text) == expected


@given(
    st.recursive(
        st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_strict_json_is_left_unchanged(value: object) -> None:
    text = json.dumps(value)
    assert strip_trailing_commas(text) == text


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text('[\n{"id": "x",\n "event": AGREE}\n]\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert info.value.message == (
        "not valid JSON even with trailing commas allowed: Expecting value at line 3, column 11"
    )
    assert info.value.line == 3


def test_json_lines_records_read_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [
        {"id": "e1", "event": "ACCUSE", "text": "A accused B.", "source": [{"actorText": "A"}]},
        {"id": "", "event": "ACCUSE"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n\n", encoding="utf-8")
    records, rejects = read_records(path)
    assert [(r.id, r.line, r.source[0].actor_text) for r in records] == [("e1", 1, "A")]
    assert [(r.record_id, r.line, r.reason) for r in rejects] == [
        ("line 2", 2, "record without an id")
    ]


def test_markup_nests_and_keeps_literal_parentheses() -> None:
    markup = parse_markup(
        "The (SRC: Revolutionary United Front (RUF)) (EVT: left) (LOC: in (TAR: Macedonia))."
    )
    assert markup.plain == "The Revolutionary United Front (RUF) left in Macedonia."
    assert [(m.tags, m.text) for m in markup.marks] == [
        (("SRC",), "Revolutionary United Front (RUF)"),
        (("EVT",), "left"),
        (("TAR",), "Macedonia"),
        (("LOC",), "in Macedonia"),
    ]
    for mark in markup.marks:
        assert markup.plain[mark.start : mark.end] == mark.text


def test_an_unclosed_tag_is_reported_not_guessed() -> None:
    markup = parse_markup("(SRC/TAR: Iran) and (EVT: met")
    assert markup.plain == "Iran and met"
    assert [(m.tags, m.text) for m in markup.marks] == [(("SRC", "TAR"), "Iran")]
    assert markup.problems == ("(EVT: ...) is never closed",)
