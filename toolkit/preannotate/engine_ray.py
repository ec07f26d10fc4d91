"""`preannotate run --engine ray`: the rule set applied on Ray Data workers, loaded once each."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from toolkit.core import start_ray
from toolkit.errors import InputError
from toolkit.preannotate.documents import DocumentText, preannotate_documents
from toolkit.preannotate.rules import RuleSet, default_rules

_COLUMNS = ["doc_id", "text", "text_sha256", "sentences"]


class _Preannotator:
    """A Ray Data callable: a block of documents to rules-v1 files, counted."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.rules: RuleSet = default_rules()  # lexicons and gazetteer, once per worker

    def __call__(self, batch: pa.Table) -> pa.Table:
        docs = [
            DocumentText(
                row["doc_id"],
                row["text"],
                row["text_sha256"],
                tuple((int(s["start"]), int(s["end"])) for s in row["sentences"] or ()),
            )
            for row in batch.to_pylist()
        ]
        written, unchanged = preannotate_documents(docs, self.out_dir, self.rules)
        return pa.table({"written": [written], "unchanged": [unchanged]})


def preannotate_with_ray(
    dataset_dir: str | Path, out_dir: str | Path, *, workers: int | None = None
) -> tuple[int, int]:
    """Pre-annotate every document of a built dataset on Ray; (files written, unchanged).

    ``workers`` actors (default: one per CPU of the cluster) each load the rules once. The
    workers write the files themselves, so ``out_dir`` must be a folder every node sees.
    """
    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    ray = start_ray()
    actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    docs = ray.data.read_parquet(str(path.resolve()), columns=_COLUMNS)
    counts = docs.map_batches(
        _Preannotator,
        fn_constructor_kwargs={"out_dir": str(Path(out_dir).resolve())},
        batch_format="pyarrow",
        batch_size=1000,
        concurrency=actors,
    ).materialize()
    if not counts.count():
        return 0, 0
    return int(counts.sum("written")), int(counts.sum("unchanged"))
