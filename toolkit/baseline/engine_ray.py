"""`baseline predict --engine ray`: the models applied by Ray Data actors, loaded once each."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa

from toolkit.baseline.corpus import corpus_from_table
from toolkit.baseline.estimators import Models
from toolkit.baseline.prediction import PredictResult, write_predictions
from toolkit.core import start_ray
from toolkit.errors import InputError

_COLUMNS = ["doc_id", "cluster_id", "text", "text_sha256", "sentences", "spans"]


class Predictor:
    """A Ray Data callable: a block of documents to annotation files, with the models (and the
    pre-annotator's resolvers) loaded once per actor, not once per block."""

    def __init__(self, models: Models, out_root: str) -> None:
        from toolkit.preannotate import SpanResolver
        from toolkit.taxonomy import read_taxonomy

        self.models = models
        self.out_root = out_root
        self.taxonomy = read_taxonomy()
        self.resolver = SpanResolver()

    def __call__(self, batch: pa.Table) -> pa.Table:
        corpus = corpus_from_table(batch, data_version="", source="documents.parquet")
        got = write_predictions(
            self.models, corpus.documents, self.out_root, self.taxonomy, self.resolver
        )
        return pa.table(
            {
                "written": [[str(p) for p in got.written]],
                "unchanged": [[str(p) for p in got.unchanged]],
                "n_spans": [got.n_spans],
                "left_out": [json.dumps(got.left_out)],
            }
        )


def predict_with_ray(
    models: Models, dataset_dir: str | Path, out_root: str | Path
) -> PredictResult:
    """Predict every document of a dataset on Ray and write the files the local run writes.

    The actors write the files themselves, so ``out_root`` must be a folder every node sees.
    """
    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    ray = start_ray()
    # Read first: actors holding every CPU would otherwise starve the Parquet read tasks.
    docs = ray.data.read_parquet(str(path.resolve()), columns=_COLUMNS).materialize()
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    root = Path(out_root).resolve()
    results = docs.map_batches(
        Predictor,
        fn_constructor_kwargs={"models": models, "out_root": str(root)},
        batch_size=500,
        batch_format="pyarrow",
        concurrency=(1, cpus),  # up to one actor per CPU; fewer for a small dataset
    )
    written: list[Path] = []
    unchanged: list[Path] = []
    n_spans = 0
    left_out: Counter[str] = Counter()
    for row in results.iter_rows():
        # Named under out_root as given, as the local run names them.
        written += [Path(out_root) / Path(p).relative_to(root) for p in row["written"]]
        unchanged += [Path(out_root) / Path(p).relative_to(root) for p in row["unchanged"]]
        n_spans += int(row["n_spans"])
        left_out.update(json.loads(row["left_out"]))
    return PredictResult(
        str(models.card["layer"]),
        str(models.card["model_version"]),
        written,
        unchanged,
        n_spans,
        dict(sorted(left_out.items())),
    )
