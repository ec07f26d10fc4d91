"""A researcher's view: the dataset loads with types intact in polars, pyarrow, DuckDB, datasets."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from toolkit.annotations.records import AnnotationFile, RelationLink, Span, write_annotation_file
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.dataset.build import convert
from toolkit.dataset.tables import annotations_schema, documents_schema
from toolkit.taxonomy.labels import read_taxonomy

TAX = read_taxonomy()
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def gold_file(doc_id: str, text: str) -> AnnotationFile:
    """Gold for one document: an ACTOR span and a STANCE span held by it."""
    actor_start = text.index("Blinken")
    actor = Span(
        id=make_span_id(doc_id, "ACTOR", actor_start, actor_start + 7),
        start=actor_start,
        end=actor_start + 7,
        text="Blinken",
        label="ACTOR",
        attributes={"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"},
    )
    quote = "does not support Taiwan independence"
    s = text.index(quote)
    stance = Span(
        id=make_span_id(doc_id, "STANCE", s, s + len(quote)),
        start=s,
        end=s + len(quote),
        text=quote,
        label="STANCE",
        attributes={"value": "NONE", "facet": "STATUS_QUO"},
    )
    return AnnotationFile(
        doc_id=doc_id,
        text_sha256=sha256_text(text),
        annotator_id="gold",
        codebook_version=TAX.codebook_version,
        spans=[actor, stance],
        relations=[RelationLink(type="holder", from_id=stance.id, to_id=actor.id)],
        source={"kind": "gold"},
    )


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds converted with one gold file (two spans and a relation) on seed 002."""
    base = tmp_path_factory.mktemp("loaders")
    first = base / "first"
    convert([SEEDS], first)
    docs = pq.read_table(first / "documents.parquet", columns=["doc_id", "text"]).to_pylist()
    doc = next(
        d
        for d in docs
        if "does not support Taiwan independence" in d["text"] and "Blinken" in d["text"]
    )
    root = base / "annotations"
    write_annotation_file(
        root / "gold" / f"{doc['doc_id']}.json", gold_file(doc["doc_id"], doc["text"])
    )
    out = base / "dataset"
    result = convert([SEEDS], out, annotations_dir=root)
    assert not result.rejects, result.rejects
    return out


def annotated(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in rows if r["spans"])


def test_pyarrow_keeps_the_record_schemas(dataset_dir: Path) -> None:
    docs = pq.read_table(dataset_dir / "documents.parquet")
    assert docs.schema.remove_metadata().equals(documents_schema(TAX))
    spans = pq.read_table(dataset_dir / "annotations.parquet")
    assert spans.schema.remove_metadata().equals(annotations_schema(TAX))
    row = annotated(docs.to_pylist())
    assert [s["label"] for s in row["spans"]] == ["ACTOR", "STANCE"]
    stance = row["spans"][1]
    assert stance["relations"] == [{"type": "holder", "to_span_id": row["spans"][0]["span_id"]}]


def test_polars_reads_nested_spans_as_list_of_struct(dataset_dir: Path) -> None:
    docs = pl.read_parquet(dataset_dir / "documents.parquet")
    assert docs.height == 5
    assert docs.schema["published_date"] == pl.Date
    spans_type = docs.schema["spans"]
    assert isinstance(spans_type, pl.List)
    assert isinstance(spans_type.inner, pl.Struct)
    assert {f.name: f.dtype for f in spans_type.inner.fields}["start"] == pl.Int32
    gold = docs.select("doc_id", "spans").explode("spans").drop_nulls("spans").unnest("spans")
    assert gold.get_column("label").to_list() == ["ACTOR", "STANCE"]
    flat = pl.read_parquet(dataset_dir / "annotations.parquet")
    assert flat.schema["start"] == pl.Int32
    assert isinstance(flat.schema["attributes"], pl.Struct)
    assert flat.get_column("annotator_id").to_list() == ["gold", "gold"]


def test_duckdb_queries_spans_and_annotations(dataset_dir: Path) -> None:
    docs = (dataset_dir / "documents.parquet").as_posix()
    ann = (dataset_dir / "annotations.parquet").as_posix()
    con = duckdb.connect()
    types = dict(
        con.execute(f"SELECT column_name, column_type FROM (DESCRIBE '{docs}')").fetchall()
    )
    assert types["published_date"] == "DATE"
    assert types["spans"].startswith('STRUCT(span_id VARCHAR, "label" VARCHAR, "start" INTEGER, ')
    assert types["spans"].endswith("[]")
    labels = con.execute(
        f"SELECT s.label, s.text FROM (SELECT unnest(spans) AS s FROM '{docs}') ORDER BY s.start"
    ).fetchall()
    assert labels == [("ACTOR", "Blinken"), ("STANCE", "does not support Taiwan independence")]
    counts = con.execute(
        f"SELECT annotator_id, label, count(*) FROM '{ann}' GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert counts == [("gold", "ACTOR", 1), ("gold", "STANCE", 1)]
    holder = con.execute(f"SELECT relations[1].type FROM '{ann}' WHERE label = 'STANCE'").fetchone()
    assert holder == ("holder",)


@pytest.fixture
def hf_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hugging Face datasets with no network and a private cache folder."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    # datasets reads these once, at import: patch them too in case it was imported earlier.
    config = sys.modules.get("datasets.config")
    if config is not None:
        monkeypatch.setattr(config, "HF_DATASETS_CACHE", tmp_path / "hf" / "datasets")
        monkeypatch.setattr(config, "HF_DATASETS_OFFLINE", True)
    return tmp_path / "hf" / "datasets"


def test_hf_datasets_keeps_spans_a_list_of_dicts(dataset_dir: Path, hf_offline: Path) -> None:
    datasets = pytest.importorskip("datasets")

    docs = datasets.Dataset.from_parquet(
        str(dataset_dir / "documents.parquet"), cache_dir=str(hf_offline)
    )
    assert docs.num_rows == 5
    spans_feature = docs.features["spans"]
    # list<struct> must stay a list of dicts: List({...}) in datasets >= 4, [{...}] before;
    # never Sequence(dict), which datasets turns into a dict of lists.
    list_type = getattr(datasets, "List", None)
    if list_type is not None and isinstance(spans_feature, list_type):
        inner = spans_feature.feature
    else:
        assert isinstance(spans_feature, list) and len(spans_feature) == 1
        inner = spans_feature[0]
    assert isinstance(inner, dict)
    assert inner["start"] == datasets.Value("int32")
    row = annotated(list(docs))
    assert isinstance(row["spans"], list)
    assert all(isinstance(s, dict) for s in row["spans"])
    assert [s["label"] for s in row["spans"]] == ["ACTOR", "STANCE"]
    assert row["published_date"] is None or isinstance(row["published_date"], datetime.date)

    ann = datasets.load_dataset(
        "parquet",
        data_files=str(dataset_dir / "annotations.parquet"),
        split="train",
        cache_dir=str(hf_offline),
    )
    assert ann.features["start"] == datasets.Value("int32")
    assert ann.features["attributes"]["country"] == datasets.Value("string")
    assert [r["label"] for r in ann] == ["ACTOR", "STANCE"]


def code_blocks(card: str, language: str) -> list[str]:
    """The fenced code blocks of one language in a Markdown text."""
    blocks = card.split(f"```{language}\n")[1:]
    return [b.split("```", 1)[0] for b in blocks]


def test_the_cards_loading_snippets_run(
    dataset_dir: Path, hf_offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = (dataset_dir / "README.md").read_text(encoding="utf-8")
    python, sql = code_blocks(card, "python"), code_blocks(card, "sql")
    assert len(python) == 2 and len(sql) == 1
    monkeypatch.chdir(dataset_dir)
    polars_ns: dict[str, Any] = {}
    exec(python[0], polars_ns)
    assert polars_ns["gold"].get_column("label").to_list() == ["ACTOR", "STANCE"]
    hf_ns: dict[str, Any] = {}
    exec(python[1], hf_ns)
    assert hf_ns["docs"].num_rows == 5
    assert isinstance(hf_ns["docs"][0]["spans"], list | type(None))
    con = duckdb.connect()
    results = [con.execute(stmt).fetchall() for stmt in sql[0].split(";") if stmt.strip()]
    assert results[0] == [("gold", "ACTOR", 1), ("gold", "STANCE", 1)]
    assert len(results[1]) == 2
