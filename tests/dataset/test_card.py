"""Tests of the dataset card: front matter, columns from the schemas, layers from the data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from toolkit.dataset.build import convert
from toolkit.dataset.card import (
    COLUMN_DESCRIPTIONS,
    describe_layer,
    front_matter,
    render_card,
    size_category,
    type_name,
)
from toolkit.dataset.events import events_schema
from toolkit.dataset.tables import (
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    rejects_schema,
)
from toolkit.taxonomy.labels import read_taxonomy

TAX = read_taxonomy()
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SCHEMAS = {
    "documents": documents_schema(TAX),
    "annotations": annotations_schema(TAX),
    "annotation_sets": annotation_sets_schema(),
    "rejects": rejects_schema(),
    "events": events_schema(),
}
MANIFEST: dict[str, Any] = {
    "schema_version": "1.0.0",
    "converter_version": "9.9.9",
    "toolkit_version": "0.1.0",
    "taxonomy": {
        "sha256": TAX.sha256,
        "taxonomy_version": TAX.taxonomy_version,
        "codebook_version": TAX.codebook_version,
    },
    "counts": {
        "inputs": 6,
        "documents": 5,
        "rejects": 2,
        "rejects_by_kind": {"annotation": 1, "article": 1},
        "clusters": 4,
        "clusters_with_several_documents": 1,
        "largest_cluster": 2,
        "sentences": 140,
        "shared_sentences": 30,
        "characters": 18000,
        "annotation_files": 4,
        "annotation_files_per_layer": {"gold": 1, "ls-kestrel": 1, "pass-a": 1, "rules-v1": 1},
        "spans": {
            "gold": {"ACTOR": 7, "STANCE": 2},
            "ls-kestrel": {"LOCATION": 3},
            "pass-a": {"ACTOR": 6, "EVENT": 4},
            "rules-v1": {"ACTOR": 9},
        },
    },
    "outlets": {"Reuters": 2, "The National": 1},
    "published_dates": {"first": "2023-06-19", "last": "2023-06-20"},
    "shared_sentence_max_docs": 100,
}


def front(card: str) -> dict[str, Any]:
    """The parsed YAML between the leading ``---`` lines."""
    assert card.startswith("---\n")
    head, _, _ = card[4:].partition("\n---\n")
    return dict(yaml.safe_load(head))


@pytest.fixture(scope="module")
def card() -> str:
    return render_card(MANIFEST, schemas=SCHEMAS, taxonomy=TAX)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1000, "1K<n<10K"),
        (99_999, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (10**8, "10M<n<100M"),
    ],
    ids=["empty", "999", "1000", "99999", "100000", "huge"],
)
def test_size_category(n: int, expected: str) -> None:
    assert size_category(n) == expected


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (pa.string(), "string"),
        (pa.list_(pa.string()), "list<string>"),
        (
            pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32())])),
            "list<struct{start, end}>",
        ),
        (pa.date32(), "date32[day]"),
    ],
    ids=["string", "list", "list-of-struct", "date"],
)
def test_type_name(dtype: pa.DataType, expected: str) -> None:
    assert type_name(dtype) == expected


@pytest.mark.parametrize("table", list(SCHEMAS), ids=list(SCHEMAS))
def test_every_column_is_described(table: str) -> None:
    assert list(COLUMN_DESCRIPTIONS[table]) == SCHEMAS[table].names


def test_front_matter_is_valid_yaml_with_configs(card: str) -> None:
    meta = front(card)
    assert meta == front_matter(MANIFEST, TAX)
    assert meta["language"] == ["en"]
    assert meta["license"] == "other"
    assert meta["task_categories"] == ["token-classification", "text-classification"]
    assert meta["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert configs["documents"]["data_files"] == [{"split": "train", "path": "documents.parquet"}]
    assert configs["documents"]["default"] is True
    assert configs["annotations"]["data_files"] == [
        {"split": "train", "path": "annotations.parquet"}
    ]
    assert meta["pretty_name"]


def test_card_lists_only_the_layers_present(card: str) -> None:
    assert "- `gold` (1 file): the adjudicated layer" in card
    assert "- `pass-a` (1 file): an independent reference pass" in card
    assert "- `rules-v1` (1 file): machine suggestions" in card
    assert "- `ls-kestrel` (1 file): a Label Studio annotator (pseudonymous id)" in card
    assert "`pass-b`" not in card.split("## Annotations")[1].split("##")[0]


def test_card_counts_spans_per_layer_and_label(card: str) -> None:
    assert "| layer | ACTOR | EVENT | LOCATION | STANCE | all |" in card
    assert "| `gold` | 7 | 0 | 0 | 2 | 9 |" in card
    assert "| `pass-a` | 6 | 4 | 0 | 0 | 10 |" in card


def test_card_states_versions_taiwan_loading_and_limitations(card: str) -> None:
    assert f"| taxonomy SHA-256 | {TAX.sha256} |" in card
    assert "| record schema version | 1.0.0 |" in card
    assert "Taiwan is coded `TWN`, as in PLOVER's own gold records" in card
    assert "makes no political claim" in card
    assert "one of AGAINST / NONE / FAVOR" in card
    for snippet in ("pl.read_parquet(", "FROM 'annotations.parquet'", 'load_dataset("parquet"'):
        assert snippet in card
    assert "Only 5 documents in 4 near-duplicate clusters" in card
    assert "from 2023-06-19 to 2023-06-20" in card
    assert "| rejected inputs: annotation | 1 |" in card


@pytest.mark.parametrize("table", list(SCHEMAS), ids=list(SCHEMAS))
def test_card_documents_every_column(card: str, table: str) -> None:
    section = card.split(f"### `{table}.parquet`")[1].split("###")[0]
    for field in SCHEMAS[table]:
        assert f"| `{field.name}` | `{type_name(field.type)}` |" in section


def test_card_without_annotations_says_so() -> None:
    manifest = copy.deepcopy(MANIFEST)
    manifest["counts"]["spans"] = {}
    manifest["counts"]["annotation_files_per_layer"] = {}
    text = render_card(manifest, schemas=SCHEMAS, taxonomy=TAX)
    assert "This build contains no annotation layers" in text
    assert "pass-a" not in text


@pytest.mark.parametrize(
    ("layer", "start"),
    [
        ("pass-a", "an independent reference pass by the project's maintainers"),
        ("pass-b", "a second independent reference pass"),
        ("gold", "the adjudicated layer"),
        ("rules-v1", "machine suggestions"),
        ("ls-otter", "a Label Studio annotator"),
        ("model-tfidf", "predictions of a baseline model"),
        ("someone", "an annotation layer"),
    ],
    ids=["pass-a", "pass-b", "gold", "rules", "ls", "model", "other"],
)
def test_describe_layer(layer: str, start: str) -> None:
    assert describe_layer(layer).startswith(start)


def test_built_card_matches_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    convert([SEEDS], out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card == render_card(manifest, schemas=SCHEMAS, taxonomy=TAX)
    assert front(card)["size_categories"] == ["n<1K"]
    assert "| documents | 5 |" in card
