"""Fixtures of the baseline tests: a generated corpus, its dataset folder, trained models."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from toolkit.baseline.corpus import Corpus, corpus_from_table
from toolkit.baseline.estimators import Models
from toolkit.baseline.training import train_models
from toolkit.taxonomy.labels import read_taxonomy

from ..bench.baseline_corpus import generate_documents, write_generated_dataset


@pytest.fixture(scope="module")
def generated_table() -> pa.Table:
    """Twelve generated documents in six near-duplicate clusters."""
    return generate_documents(12, seed=3, sentences_per_doc=12)


@pytest.fixture(scope="module")
def corpus(generated_table: pa.Table) -> Corpus:
    """The generated documents as a corpus."""
    return corpus_from_table(
        generated_table,
        data_version="test-data",
        source="generated",
        taxonomy_sha256=read_taxonomy().sha256,
    )


@pytest.fixture(scope="module")
def trained(corpus: Corpus) -> tuple[Models, dict[str, bytes]]:
    """The three baselines trained on the generated corpus (no evaluation)."""
    return train_models(corpus, name="test", seed=0)


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory, generated_table: pa.Table) -> Path:
    """The generated documents written as a dataset folder."""
    out = tmp_path_factory.mktemp("dataset")
    return write_generated_dataset(out, generated_table, description="test fixture, seed 3")
