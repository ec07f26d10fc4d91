"""The codebook quotes the seeds exactly, covers every label and attribute, states its version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolkit.annotations.records import read_annotation_file
from toolkit.taxonomy.codebook import GUIDELINES_PATH
from toolkit.taxonomy.labels import read_taxonomy

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
EXAMPLE = re.compile(r"`([^`]+)` \[s(\d{3})\]")
SPAN = re.compile(r"span `([^`]+)`")


def guidelines_text() -> str:
    return GUIDELINES_PATH.read_text(encoding="utf-8")


def seed_text(number: str) -> str:
    (path,) = sorted(SEEDS.glob(f"{number}_*.txt"))
    return path.read_text(encoding="utf-8")


def example_lines() -> list[str]:
    return [line for line in guidelines_text().splitlines() if EXAMPLE.search(line)]


def test_guidelines_quote_many_seed_examples() -> None:
    assert len(example_lines()) >= 40


@pytest.mark.parametrize("line", example_lines(), ids=lambda line: line[:48])
def test_example_quote_occurs_in_its_seed_and_spans_in_the_quote(line: str) -> None:
    match = EXAMPLE.search(line)
    assert match is not None
    quote, number = match.groups()
    assert quote in seed_text(number)
    rest = line[match.end() :]
    for span in SPAN.findall(rest):
        assert span in quote, f"span {span!r} is not inside the quote"


def test_every_label_and_attribute_is_covered() -> None:
    text = guidelines_text()
    taxonomy = read_taxonomy()
    for label in taxonomy.labels.values():
        assert re.search(rf"^## \d+\. {label.name}$", text, flags=re.MULTILINE), label.name
        section = text.split(f". {label.name}\n", 1)[1].split("\n## ", 1)[0]
        for attr in label.attributes:
            assert f"`{attr.name}`" in section, f"{label.name}.{attr.name} not discussed"


def test_version_matches_taxonomy_and_changelog_has_it() -> None:
    text = guidelines_text()
    version = read_taxonomy().codebook_version
    assert f"Codebook version: **{version}**" in text
    changelog = text.split("## 7. Changelog", 1)[1]
    assert f"- {version} (" in changelog


def test_hard_cases_are_settled() -> None:
    text = guidelines_text()
    for phrase in (
        "Title + name is one span",
        "Taiwan is `TWN`",
        "think tanks and their staff → `EDU`",
        "`refused` is a REJECT event",
        "never the outlet",
        "Boilerplate is not annotated",
        "Annotate the clean document text",
        "Nested places are separate, non-overlapping spans",
        "exactly one `holder` relation",
        "**Hedge words stay inside**",
        "**Ships and aircraft** take the state's armed-forces name",
        "A STANCE may coincide exactly with an EVENT trigger",
    ):
        assert phrase in text


def test_gold_files_follow_the_current_codebook() -> None:
    version = read_taxonomy().codebook_version
    gold = sorted((ROOT / "annotations" / "gold").glob("*.json"))
    assert gold
    for path in gold:
        assert read_annotation_file(path).codebook_version == version, path.name
