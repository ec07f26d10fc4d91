"""The guidelines' generated taxonomy tables are current; the marker block is rewritten safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import InputError
from toolkit.taxonomy.codebook import (
    END_MARKER,
    GUIDELINES_PATH,
    START_MARKER,
    render_guidelines,
    render_tables,
    replace_tables,
    update_guidelines,
)
from toolkit.taxonomy.labels import parse_taxonomy, read_taxonomy


def test_guidelines_tables_are_current() -> None:
    current = GUIDELINES_PATH.read_text(encoding="utf-8")
    assert render_guidelines() == current, "run `toolkit codebook` after editing the taxonomy"


def test_tables_list_every_label_attribute_and_value() -> None:
    taxonomy = read_taxonomy()
    tables = render_tables(taxonomy)
    for label in taxonomy.labels.values():
        assert f"| `{label.name}` |" in tables
        for attr in label.attributes:
            assert f"| `{attr.name}` |" in tables
    for category in taxonomy.label("EVENT").attribute("category").values:
        assert f"| `{category}` | " in tables
    assert "| `TWN`" not in tables  # ISO codes are summarised, not listed one per row
    assert "| `KOS` |" in tables
    assert "| `holder` | `STANCE` | `ACTOR` | STANCE | 1 |" in tables


def test_tables_change_when_the_taxonomy_changes() -> None:
    taxonomy = read_taxonomy()
    raw = dict(taxonomy.raw)
    raw["labels"] = dict(raw["labels"])
    stance = dict(raw["labels"]["STANCE"])
    stance["description"] = "Changed description."
    raw["labels"]["STANCE"] = stance
    changed = parse_taxonomy(raw)
    assert render_tables(changed) != render_tables(taxonomy)
    assert "Changed description." in render_tables(changed)


def test_update_rewrites_only_the_marked_block(tmp_path: Path) -> None:
    path = tmp_path / "GUIDELINES.md"
    path.write_text(f"# Head\n\n{START_MARKER}\nold\n{END_MARKER}\n\nTail.\n", encoding="utf-8")
    assert update_guidelines(path) is True
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# Head\n\n{START_MARKER}\nTaxonomy `geoevent`")
    assert text.endswith(f"{END_MARKER}\n\nTail.\n")
    assert "\nold\n" not in text
    assert update_guidelines(path) is False


@pytest.mark.parametrize(
    "document",
    ["no markers", f"{END_MARKER}\n{START_MARKER}", f"{START_MARKER} only"],
    ids=["none", "reversed", "start-only"],
)
def test_missing_markers_are_an_error(document: str) -> None:
    with pytest.raises(InputError) as info:
        replace_tables(document, "tables\n", path="G.md")
    assert str(info.value) == (
        f"G.md: markers not found in order; the guidelines need a line {START_MARKER} "
        f"followed later by a line {END_MARKER}"
    )
