"""Hostile annotation folders and files: every one ends in a clear problem, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from toolkit.annotations.validate import MAX_DEPTH, _Lines, check_annotation_file, check_annotations
from toolkit.cli import cli

from .test_validate import (  # noqa: F401  (fixtures)
    DOC_ID,
    _edit,
    annotation_fixture,
    text_fixture,
    written_fixture,
)

LAYOUT = "annotation files go in {root}/<annotator_id>/<doc_id>.json"


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check_annotations(root)]


def _file_problems(path: Path) -> list[str]:
    return [str(p) for p in check_annotation_file(path)[1]]


def test_an_empty_folder_is_a_problem_not_a_pass(tmp_path: Path) -> None:
    assert _problems(tmp_path) == [
        f"{tmp_path}: no annotation files found; {LAYOUT.format(root=tmp_path)}"
    ]


def test_a_missing_folder_is_a_problem(tmp_path: Path) -> None:
    assert _problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: annotations folder not found"]


def test_a_layer_folder_given_as_the_root_says_so(written: Path) -> None:
    layer = written.parent
    assert _problems(layer) == [
        f"{written}: not in an annotator folder: {LAYOUT.format(root=layer)}; "
        "is this a layer folder? give its parent"
    ]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda root: (root / "pass-a" / "doc_0000000000000000.json").mkdir(),
            "{root}/pass-a/doc_0000000000000000.json: a folder named like a file inside an "
            "annotator folder: " + LAYOUT,
        ),
        (
            lambda root: (root / "pass-a" / "old").mkdir(),
            "{root}/pass-a/old: a folder inside an annotator folder: " + LAYOUT,
        ),
        (
            lambda root: (root / "pass-a" / "doc_4dd4a7727a5856cf.json.bak").write_text("{}"),
            "{root}/pass-a/doc_4dd4a7727a5856cf.json.bak: not an annotation file (no .json "
            "ending): " + LAYOUT,
        ),
        (
            lambda root: (root / "stray.json").write_text("{}"),
            "{root}/stray.json: not in an annotator folder: " + LAYOUT,
        ),
    ],
    ids=["folder-named-json", "nested-folder", "misnamed-file", "json-in-root"],
)
def test_misplaced_entries_are_named(written: Path, make: Any, expected: str) -> None:
    root = written.parent.parent
    make(root)
    assert _problems(root) == [expected.format(root=root)]


def test_hidden_entries_and_notes_beside_the_layers_are_left_alone(written: Path) -> None:
    root = written.parent.parent
    (root / "GUIDELINES.md").write_text("# codebook\n")
    (root / "pass-a" / ".gitkeep").write_text("")
    (root / ".cache").mkdir()
    assert _problems(root) == []


def test_an_integer_written_as_a_float_is_a_problem(written: Path) -> None:
    _edit(written, lambda d: d["spans"][0].update(start=float(d["spans"][0]["start"])))
    start = json.loads(written.read_text())["spans"][0]["start"]
    [problem] = _file_problems(written)
    assert problem.endswith(
        f"/spans/0/start: {start!r} is not an integer; numbers in annotation files are "
        f"integers (write {int(start)})"
    )


def test_duplicate_keys_are_a_problem(written: Path) -> None:
    raw = written.read_text()
    written.write_text(raw.replace('"status": ', '"status": "completed",\n  "status": ', 1))
    assert _file_problems(written) == [
        f'{written}: invalid JSON: key "status" appears twice in one object; each key may appear '
        "once"
    ]


def test_json_too_deep_to_read_is_a_problem_and_the_other_files_are_still_checked(
    written: Path,
) -> None:
    root = written.parent.parent
    deep = root / "pass-b" / f"{DOC_ID}.json"
    deep.parent.mkdir()
    deep.write_text('{"spans": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _edit(written, lambda d: d["spans"][0]["attributes"].update(country="XYZ"))
    problems = _problems(root)
    assert len(problems) == 2
    assert problems[0].startswith(f"{written}:")
    assert problems[1] == f"{deep}: invalid JSON: nested too deeply to read"


def test_json_deeper_than_an_annotation_file_is_a_problem(written: Path) -> None:
    _edit(written, lambda d: d.update(notes=json.loads("[" * 20 + "]" * 20)))
    assert _file_problems(written) == [
        f"{written} /: JSON nested more than {MAX_DEPTH} levels deep; an annotation file needs 5"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Antony \ud800Blinken",
            "contains a lone surrogate U+D800 (a \\ud800 escape without its pair): not valid "
            "Unicode text",
        ),
        ("Antony\x00Blinken", "contains the control character U+0000; remove it"),
        (
            "Antony \u202eBlinken",
            "contains the invisible bidirectional control U+202E, which makes text display "
            "differently from what it holds; remove it",
        ),
    ],
    ids=["lone-surrogate", "nul", "bidi-override"],
)
def test_unclean_text_in_a_value_is_a_problem(written: Path, value: str, expected: str) -> None:
    doc = json.loads(written.read_text())
    doc["spans"][0]["attributes"]["canonical_name"] = value
    # \u escapes, as a JSON writer gives them: a lone surrogate cannot be written as UTF-8.
    written.write_text(json.dumps(doc, indent=2) + "\n")
    [problem] = _file_problems(written)
    pointer = "/spans/0/attributes/canonical_name"
    assert re.fullmatch(
        re.escape(f"{written}:") + r"\d+ " + re.escape(f"{pointer}: {expected}"),
        problem,
    )


def test_a_relation_to_an_absurd_id_is_a_problem(written: Path) -> None:
    _edit(written, lambda d: d["relations"][0].update(to_id="x" * 1000))
    [problem] = _file_problems(written)
    assert "/relations/0/to_id: " in problem
    assert "does not match '^[A-Za-z0-9_-]{1,64}$'" in problem


def _naive_line(raw: str, needle: str) -> int | None:
    pos = raw.find(needle)
    return raw.count("\n", 0, pos) + 1 if pos >= 0 else None


def test_line_numbers_are_those_of_a_search_from_the_start(written: Path) -> None:
    raw = written.read_text()
    doc = json.loads(raw)
    lines = _Lines(raw, doc)
    for i, span in enumerate(doc["spans"]):
        needle = f'"id": {json.dumps(span["id"], ensure_ascii=False)}'
        assert lines.line_of(["spans", i, "text"]) == _naive_line(raw, needle)
    for i, rel in enumerate(doc["relations"]):
        needle = f'"from_id": {json.dumps(rel["from_id"], ensure_ascii=False)}'
        assert lines.line_of(["relations", i]) == _naive_line(raw, needle)
    for key in doc:
        assert lines.line_of([key]) == _naive_line(raw, f'"{key}":')
    assert lines.line_of([]) is None


def test_validate_command_reports_an_empty_folder_with_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--annotations", str(tmp_path)])
    assert result.exit_code == 1
    assert "no annotation files found" in result.output
    assert "Traceback" not in result.output


def test_validate_without_a_dataset_says_offsets_were_not_checked(written: Path) -> None:
    root = written.parent.parent
    result = CliRunner().invoke(cli, ["validate", "--annotations", str(root)])
    assert result.exit_code == 0
    assert result.stdout == "No problems found.\n"
    assert result.stderr == (
        "Note: without --dataset, offsets and quotes are not checked against the document "
        "texts; add --dataset build/dataset for that.\n"
    )
