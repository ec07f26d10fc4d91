"""preannotate run --engine ray on a real two-node Ray cluster: the local engine's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.dataset import convert
from toolkit.preannotate import LAYER, preannotate

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.ray


def test_ray_workers_write_the_same_rules_files_as_the_local_run(
    ray_cluster: Path, tmp_path: Path
) -> None:
    dataset = tmp_path / "dataset"
    convert([ROOT / "seeds"], dataset)
    local, remote = tmp_path / "local", tmp_path / "ray"
    assert preannotate(dataset, local) == (5, 0)
    assert preannotate(dataset, remote, engine="ray") == (5, 0)
    assert preannotate(dataset, remote, engine="ray") == (0, 5)
    names = sorted(p.name for p in (local / LAYER).iterdir())
    assert names == sorted(p.name for p in (remote / LAYER).iterdir())
    for name in names:
        assert (remote / LAYER / name).read_bytes() == (local / LAYER / name).read_bytes()


def test_a_dataset_folder_without_documents_is_refused(tmp_path: Path) -> None:
    from toolkit.errors import InputError

    with pytest.raises(InputError, match=r"documents\.parquet not found"):
        preannotate(tmp_path, tmp_path / "out", engine="ray")
