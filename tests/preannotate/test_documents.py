"""Documents in, rules-v1 files out: deterministic, valid, clear errors on bad datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from toolkit.annotations.validate import check_annotation_file
from toolkit.core.ids import sha256_text
from toolkit.errors import InputError
from toolkit.preannotate.documents import DocumentText, preannotate_documents, read_documents
from toolkit.preannotate.rules import LAYER
from toolkit.taxonomy.labels import read_taxonomy

from .test_rules import DOC, FRAGMENTS


def test_output_is_deterministic_and_validates(tmp_path: Path) -> None:
    text = " ".join(FRAGMENTS)
    docs = [DocumentText(DOC, text, sha256_text(text))]
    assert preannotate_documents(docs, tmp_path) == (1, 0)
    path = tmp_path / LAYER / f"{DOC}.json"
    first = path.read_bytes()
    assert preannotate_documents(docs, tmp_path) == (0, 1)
    assert path.read_bytes() == first
    parsed, problems = check_annotation_file(path, texts={DOC: text})
    assert problems == []
    assert parsed is not None and parsed.annotator_id == LAYER
    doc = json.loads(first)
    assert doc["source"] == {"kind": "rules", "name": "geoevent-rules", "version": "2.1.0"}
    assert doc["codebook_version"] == read_taxonomy().codebook_version


def test_missing_dataset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_documents(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'documents.parquet'}: documents.parquet not found; "
        "build the dataset with `toolkit convert`"
    )


def test_dataset_without_text_column_is_a_clear_error(tmp_path: Path) -> None:
    pq.write_table(pa.table({"doc_id": [DOC]}), tmp_path / "documents.parquet")
    with pytest.raises(InputError) as info:
        read_documents(tmp_path)
    assert str(info.value).endswith(
        "missing column(s) text, text_sha256; need doc_id, text, text_sha256"
    )
