"""baseline predict --engine ray on a real two-node Ray cluster: the local run's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.baseline import predict_to_annotations, read_prediction_corpus
from toolkit.baseline.engine_ray import predict_with_ray
from toolkit.baseline.estimators import Models
from toolkit.errors import InputError

pytestmark = pytest.mark.ray


def test_ray_actors_write_the_same_prediction_files_as_the_local_run(
    ray_cluster: Path, dataset_dir: Path, trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    models = trained[0]
    local = predict_to_annotations(models, read_prediction_corpus(dataset_dir), tmp_path / "local")
    remote = predict_with_ray(models, dataset_dir, tmp_path / "ray")
    assert [p.relative_to(tmp_path / "ray") for p in remote.written] == [
        p.relative_to(tmp_path / "local") for p in local.written
    ]
    assert (remote.n_spans, remote.left_out, remote.layer) == (
        local.n_spans,
        local.left_out,
        local.layer,
    )
    for path in local.written:
        assert (tmp_path / "ray" / path.relative_to(tmp_path / "local")).read_bytes() == (
            path.read_bytes()
        )
    again = predict_with_ray(models, dataset_dir, tmp_path / "ray")
    assert again.written == [] and len(again.unchanged) == len(local.written)


def test_a_dataset_folder_without_documents_is_refused(
    trained: tuple[Models, dict[str, bytes]], tmp_path: Path
) -> None:
    with pytest.raises(InputError) as caught:
        predict_with_ray(trained[0], tmp_path, tmp_path / "out")
    assert caught.value.message == (
        "documents.parquet not found; build the dataset with `toolkit convert`"
    )
