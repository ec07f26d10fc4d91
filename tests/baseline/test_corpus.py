"""Tests for toolkit.baseline.corpus: reading gold corpora from a dataset."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from toolkit.baseline.corpus import Document, read_corpus
from toolkit.core.ids import sha256_text
from toolkit.dataset.tables import annotation_sets_schema


def _doc(doc_id: str, cluster: str, text: str, spans: list[dict[str, object]]) -> Document:
    return Document(
        doc_id=doc_id,
        cluster_id=cluster,
        text=text,
        text_sha256=sha256_text(text),
        sentences=[(0, len(text))],
        spans=spans,
    )


def test_read_corpus_keeps_only_gold_documents(dataset_dir: Path, tmp_path: Path) -> None:
    for name in ("documents.parquet", "manifest.json"):
        (tmp_path / name).write_bytes((dataset_dir / name).read_bytes())
    ids = pq.read_table(dataset_dir / "documents.parquet", columns=["doc_id"])["doc_id"]
    gold = ids.to_pylist()[:4]
    sets = pa.Table.from_pylist(
        [
            {
                "doc_id": d,
                "annotator_id": "gold",
                "status": "completed",
                "source_kind": "gold",
                "n_spans": 1,
                "text_sha256": "0" * 64,
                "codebook_version": "1.0.0",
            }
            for d in gold
        ],
        schema=annotation_sets_schema(),
    )
    pq.write_table(sets, tmp_path / "annotation_sets.parquet")
    corpus = read_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == sorted(gold)
    assert len(corpus.excluded) == 8


def test_read_corpus_without_manifest_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(Exception) as info:
        read_corpus(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'manifest.json'}: no manifest.json; build the dataset with `toolkit convert`"
    )
