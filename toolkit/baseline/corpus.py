"""Gold corpora for the baselines: documents, their sentences and spans, read from a dataset."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from toolkit.errors import InputError

GOLD_LAYER = "gold"
RULES_LAYER = "rules-v1"


@dataclass
class Document:
    """One gold-annotated document as the baselines see it."""

    doc_id: str
    cluster_id: str
    text: str
    text_sha256: str
    sentences: list[tuple[int, int]]
    spans: list[dict[str, Any]]


@dataclass
class Corpus:
    """Gold documents of one dataset plus what identifies the data (for model cards)."""

    documents: list[Document]
    data_version: str
    taxonomy_sha256: str
    source: str
    excluded: list[str] = field(default_factory=list)
    """Documents left out (no completed gold annotation), by id."""


def _sentences_of(text: str, rows: Sequence[Mapping[str, Any]] | None) -> list[tuple[int, int]]:
    sentences = [(int(r["start"]), int(r["end"])) for r in rows or [] if r["end"] > r["start"]]
    return sentences or ([(0, len(text))] if text else [])


def corpus_from_table(
    table: pa.Table,
    *,
    data_version: str,
    source: str,
    gold_doc_ids: set[str] | None = None,
    taxonomy_sha256: str = "",
) -> Corpus:
    """A corpus from a documents table; ``gold_doc_ids`` limits it to the gold documents."""
    needed = ("doc_id", "cluster_id", "text", "text_sha256", "sentences", "spans")
    missing = [c for c in needed if c not in table.column_names]
    if missing:
        raise InputError(
            f"documents table lacks column(s) {', '.join(missing)}; needed: {', '.join(needed)}",
            path=source,
        )
    docs: list[Document] = []
    excluded: list[str] = []
    for row in table.select(list(needed)).to_pylist():
        if gold_doc_ids is not None and row["doc_id"] not in gold_doc_ids:
            excluded.append(row["doc_id"])
            continue
        docs.append(
            Document(
                doc_id=row["doc_id"],
                cluster_id=row["cluster_id"],
                text=row["text"],
                text_sha256=row["text_sha256"],
                sentences=_sentences_of(row["text"], row["sentences"]),
                spans=[dict(s) for s in row["spans"] or []],
            )
        )
    docs.sort(key=lambda d: d.doc_id)
    return Corpus(
        documents=docs,
        data_version=data_version,
        taxonomy_sha256=taxonomy_sha256,
        source=source,
        excluded=sorted(excluded),
    )


def _read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except FileNotFoundError as exc:
        raise InputError(
            "file not found; build the dataset with `toolkit convert`", path=path
        ) from exc
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc


def read_corpus(dataset_dir: str | Path) -> Corpus:
    """The gold documents of a dataset built by ``toolkit convert``.

    Documents without a completed gold annotation are left out (listed in ``excluded``): their
    empty span lists mean "not annotated", not "nothing to annotate".
    """
    root = Path(dataset_dir)
    manifest = root / "manifest.json"
    try:
        data_version = hashlib.sha256(manifest.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(
            "no manifest.json; build the dataset with `toolkit convert`", path=manifest
        ) from exc
    docs_path = root / "documents.parquet"
    table = _read_parquet(docs_path)
    meta = table.schema.metadata or {}
    taxonomy_sha = meta.get(b"toolkit.taxonomy_sha256", b"").decode()
    gold: set[str] | None = None
    sets_path = root / "annotation_sets.parquet"
    if sets_path.exists():
        sets = _read_parquet(sets_path).to_pylist()
        gold = {
            r["doc_id"]
            for r in sets
            if r["annotator_id"] == GOLD_LAYER and r["status"] == "completed"
        }
    return corpus_from_table(
        table,
        data_version=data_version,
        source=str(docs_path),
        gold_doc_ids=gold,
        taxonomy_sha256=taxonomy_sha,
    )


def read_layer_spans(
    dataset_dir: str | Path, annotator_id: str
) -> dict[str, list[dict[str, Any]]] | None:
    """Spans of one annotation layer per document (from annotations.parquet); None if absent."""
    root = Path(dataset_dir)
    path = root / "annotations.parquet"
    if not path.exists():
        return None
    rows = _read_parquet(path).to_pylist()
    sets_path = root / "annotation_sets.parquet"
    layer: dict[str, list[dict[str, Any]]] = {}
    if sets_path.exists():
        for r in _read_parquet(sets_path).to_pylist():
            if r["annotator_id"] == annotator_id and r["status"] == "completed":
                layer.setdefault(r["doc_id"], [])
    for r in rows:
        if r["annotator_id"] == annotator_id:
            layer.setdefault(r["doc_id"], []).append(r)
    return layer or None


def read_prediction_corpus(dataset_dir: str | Path) -> Corpus:
    """Every document of a dataset (annotated or not): predictions need no gold."""
    root = Path(dataset_dir)
    table = _read_parquet(root / "documents.parquet")
    manifest = root / "manifest.json"
    version = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else ""
    return corpus_from_table(table, data_version=version, source=str(root / "documents.parquet"))
