"""`preannotate run --engine ray`: the rule set applied on Ray Data workers, loaded once each."""

from __future__ import annotations

import functools
from pathlib import Path

import pyarrow as pa

from toolkit.core import start_ray
from toolkit.errors import InputError
from toolkit.preannotate.documents import DocumentText, preannotate_documents
from toolkit.preannotate.rules import RuleSet, default_rules

_COLUMNS = ["doc_id", "text", "text_sha256", "sentences"]


@functools.cache
def _worker_rules() -> RuleSet:
    """The rule set (lexicons, gazetteer), loaded once per Ray worker process."""
    return default_rules()


def _preannotate_block(batch: pa.Table, out_dir: str) -> pa.Table:
    """A block of documents to rules-v1 files, counted (written, unchanged).

    A task, not an actor pool: actors holding every CPU would starve the Parquet reads.
    """
    docs = [
        DocumentText(
            row["doc_id"],
            row["text"],
            row["text_sha256"],
            tuple((int(s["start"]), int(s["end"])) for s in row["sentences"] or ()),
        )
        for row in batch.to_pylist()
    ]
    written, unchanged = preannotate_documents(docs, out_dir, _worker_rules())
    return pa.table({"written": [written], "unchanged": [unchanged]})


def preannotate_with_ray(dataset_dir: str | Path, out_dir: str | Path) -> tuple[int, int]:
    """Pre-annotate every document of a built dataset on Ray; (files written, unchanged).

    Each worker process loads the rules once. The workers write the files themselves, so
    ``out_dir`` must be a folder every node sees.
    """
    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    ray = start_ray()
    docs = ray.data.read_parquet(str(path.resolve()), columns=_COLUMNS)
    counts = docs.map_batches(
        _preannotate_block,
        fn_kwargs={"out_dir": str(Path(out_dir).resolve())},
        batch_format="pyarrow",
        batch_size=1000,
    ).materialize()
    if not counts.count():
        return 0, 0
    return int(counts.sum("written")), int(counts.sum("unchanged"))
