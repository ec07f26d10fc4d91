"""Tests of events.parquet: event records of EVENT spans with their arguments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pyarrow.parquet as pq
import pytest

from toolkit.annotations.records import (
    AnnotationFile,
    RelationLink,
    read_annotation_file,
    write_annotation_file,
)
from toolkit.core.ids import make_event_id
from toolkit.dataset.build import convert
from toolkit.dataset.events import event_date, event_rows, events_schema
from toolkit.dataset.tables import span_rows
from toolkit.taxonomy import default_gazetteer
from toolkit.taxonomy.labels import read_taxonomy
from toolkit.taxonomy.schemas import read_schemas

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
GOLD_002 = ROOT / "annotations" / "gold" / "doc_d994045ce8949ce6.json"
TAX = read_taxonomy()


def argument_layer() -> AnnotationFile:
    """Seed 002's gold spans as layer ``pass-x``, with arguments on three events (codebook 5.1)."""
    gold = read_annotation_file(GOLD_002)
    # Only the arguments below: the gold layer's own arguments and contexts are taken away.
    gold.relations = [r for r in gold.relations if r.type == "holder"]
    for span in gold.spans:
        span.attributes.pop("context", None)
    at = {(s.label, s.start): s for s in gold.spans}
    agreed, visit, pressed = at[("EVENT", 28)], at[("EVENT", 179)], at[("EVENT", 4028)]
    agreed.attributes["context"] = ["diplomatic"]
    pressed.attributes["context"] = ["legal", "rights_freedoms"]
    links = [
        ("source", agreed, at[("ACTOR", 0)]),  # China
        ("source", agreed, at[("ACTOR", 14)]),  # United States
        ("source", visit, at[("ACTOR", 199)]),  # U.S. Secretary of State Antony Blinken
        ("location", visit, at[("LOCATION", 188)]),  # Beijing
        ("source", pressed, at[("ACTOR", 4015)]),  # Blinken
        ("target", pressed, at[("ACTOR", 4040)]),  # Chinese
    ]
    gold.relations += [RelationLink(kind, a.id, b.id) for kind, a, b in links]
    gold.annotator_id = "pass-x"
    gold.source = {"kind": "manual"}
    gold.adjudication = []
    gold.codebook_version = TAX.codebook_version
    return gold


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds with the hand-made argument layer for seed 002."""
    base = tmp_path_factory.mktemp("events")
    layer = argument_layer()
    write_annotation_file(base / "annotations" / "pass-x" / f"{layer.doc_id}.json", layer)
    out = base / "dataset"
    result = convert([SEEDS], out, annotations_dir=base / "annotations")
    assert result.rejects == []
    return out


def records(out: Path) -> list[dict[str, Any]]:
    return pq.read_table(out / "events.parquet").to_pylist()


def test_one_record_per_event_span_with_its_arguments(built: Path) -> None:
    rows = records(built)
    layer = argument_layer()
    assert len(rows) == sum(s.label == "EVENT" for s in layer.spans)
    by_start = {r["start"]: r for r in rows}
    agreed, visit, pressed = by_start[28], by_start[179], by_start[4028]
    assert [a["country"] for a in agreed["source"]] == ["CHN", "USA"]
    assert agreed["target"] == [] and agreed["location"] is None
    assert agreed["context"] == ["diplomatic"]
    assert agreed["event"] == "AGREE" and agreed["quad_class"] == "verbal_cooperation"
    assert visit["source"][0]["canonical_name"] == "Antony Blinken"
    assert visit["location"]["text"] == "Beijing"
    assert visit["location"]["country"] == "CHN"
    assert visit["location"]["lat"] == pytest.approx(39.9, abs=0.1)
    assert pressed["context"] == ["legal", "rights_freedoms"]
    assert [(a["text"], a["country"]) for a in pressed["target"]] == [("Chinese", "CHN")]
    assert pressed["event_id"] == make_event_id(layer.doc_id, "pass-x", pressed["span_id"])
    assert {r["layer"] for r in rows} == {"pass-x"}


def test_date_is_the_publication_date_unless_historical(built: Path) -> None:
    rows = records(built)
    published = dt.date(2023, 6, 19)
    for row in rows:
        if row["modality"] == "historical":
            assert (row["date"], row["date_source"]) == (None, "before_published_date")
        else:
            assert (row["date"], row["date_source"]) == (published, "published_date")


@pytest.mark.parametrize(
    ("modality", "published", "expected"),
    [
        ("asserted", dt.date(2023, 6, 19), (dt.date(2023, 6, 19), "published_date")),
        ("future", dt.date(2023, 6, 19), (dt.date(2023, 6, 19), "published_date")),
        ("historical", dt.date(2023, 6, 19), (None, "before_published_date")),
        ("asserted", None, (None, None)),
    ],
    ids=["asserted", "future", "historical", "undated-article"],
)
def test_event_date(modality: str, published: dt.date | None, expected: tuple) -> None:
    assert event_date(modality, published) == expected


def test_rows_validate_against_the_event_record_schema(built: Path) -> None:
    schema = read_schemas()["event-record.schema.json"]
    validator = jsonschema.Draft202012Validator(schema)
    for row in records(built):
        row["date"] = row["date"].isoformat() if row["date"] else None
        assert list(validator.iter_errors(row)) == [], row["event_id"]


def test_same_input_same_bytes(built: Path, tmp_path: Path) -> None:
    layer = argument_layer()
    write_annotation_file(tmp_path / "annotations" / "pass-x" / f"{layer.doc_id}.json", layer)
    convert([SEEDS], tmp_path / "again", annotations_dir=tmp_path / "annotations")
    assert (tmp_path / "again" / "events.parquet").read_bytes() == (
        built / "events.parquet"
    ).read_bytes()


def test_rows_without_relations_have_empty_arguments() -> None:
    layer = argument_layer()
    layer.relations = [r for r in layer.relations if r.type == "holder"]
    rows = [
        {"doc_id": layer.doc_id, "annotator_id": "pass-x", "codebook_version": "1.2.0", **row}
        for row in span_rows(layer, TAX)
    ]
    got = event_rows(rows, published_dates={}, gazetteer=default_gazetteer(), taxonomy=TAX)
    assert got and all(r["source"] == r["target"] == [] for r in got)
    assert all(r["location"] is None and r["date_source"] is None for r in got)


def test_loads_in_polars_and_counts_dyads_in_duckdb(built: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    frame = pl.read_parquet(built / "events.parquet")
    assert frame.schema["context"] == pl.List(pl.String)
    dyads = (
        duckdb.connect()
        .execute(
            f"""
            SELECT CAST(date_trunc('week', date) AS DATE) AS week,
                   s.country AS source, t.country AS target, event, count(*) AS n
            FROM read_parquet('{built / "events.parquet"}') e,
                 unnest(e.source) AS u(s), unnest(e.target) AS v(t)
            WHERE layer = 'pass-x'
            GROUP BY ALL ORDER BY ALL
            """
        )
        .fetchall()
    )
    assert dyads == [(dt.date(2023, 6, 19), "USA", "CHN", "REQUEST", 1)]


def test_loads_in_hugging_face_datasets_as_a_list_of_structs(built: Path) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_parquet(str(built / "events.parquet"))
    row = next(r for r in ds if r["start"] == 28)
    assert [a["country"] for a in row["source"]] == ["CHN", "USA"]
    assert json.dumps(row["context"]) == '["diplomatic"]'


def test_arrow_schema_is_stable() -> None:
    assert events_schema().names[:4] == ["event_id", "doc_id", "layer", "span_id"]
