"""convert --engine ray on a real two-node Ray cluster: the same tables as the local engine."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.dataset.mixed_corpus import write_mixed_corpus
from tests.dataset.test_build import SEED_FILES
from tests.dataset.test_work import _corpus as every_kind_of_input
from toolkit.dataset import convert
from toolkit.dataset.engine_ray import _union_find

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("documents", "annotations", "annotation_sets", "rejects")

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, 2,000 generated articles (near-copies included), a byte copy and a bad file."""
    return write_mixed_corpus(tmp_path_factory.mktemp("corpus"), 2000)


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus converted by the local engine (the reference)."""
    out = tmp_path_factory.mktemp("local") / "dataset"
    convert([corpus], out, annotations_dir=ROOT / "annotations", workers=1)
    return out


def _rows(dataset: Path, table: str) -> list[dict[str, Any]]:
    rows = pq.read_table(dataset / f"{table}.parquet").to_pylist()
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _assert_same_dataset(ours: Path, reference: Path) -> None:
    for table in TABLES:
        mine = pq.read_table(ours / f"{table}.parquet")
        theirs = pq.read_table(reference / f"{table}.parquet")
        assert mine.schema == theirs.schema, table
        assert _rows(ours, table) == _rows(reference, table), table
    ours_manifest = json.loads((ours / "manifest.json").read_text())
    assert ours_manifest == json.loads((reference / "manifest.json").read_text())
    assert (ours / "README.md").read_text() == (reference / "README.md").read_text()


def test_two_node_cluster_builds_the_local_engines_tables(
    ray_cluster: Path, corpus: Path, local_build: Path, tmp_path: Path
) -> None:
    import ray

    assert sum(node["Alive"] for node in ray.nodes()) == 2
    out = tmp_path / "dataset"
    result = convert([corpus], out, annotations_dir=ROOT / "annotations", workers=2, engine="ray")
    _assert_same_dataset(out, local_build)
    assert result.n_documents == 2005
    counts = result.manifest["counts"]
    # The generated corpus has near-copies and shared sentences, so both joins are exercised.
    assert counts["clusters_with_several_documents"] > 0
    assert counts["shared_sentences"] > 0
    reasons = sorted(r.reason for r in result.rejects)
    assert reasons[0].startswith("duplicate of ")
    assert sorted(path.name for path in out.iterdir()) == sorted(
        path.name for path in local_build.iterdir()
    )


def test_a_worker_killed_mid_run_is_retried_and_the_output_is_complete(
    ray_cluster: Path, corpus: Path, local_build: Path, tmp_path: Path
) -> None:
    ray_cluster.write_text("armed")
    out = tmp_path / "dataset"
    convert([corpus], out, annotations_dir=ROOT / "annotations", workers=2, engine="ray")
    assert not ray_cluster.exists()
    assert Path(f"{ray_cluster}.fired").exists()  # a parse task did kill its worker
    _assert_same_dataset(out, local_build)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], {}),
        ([("b", "c")], {"b": "b", "c": "b"}),
        ([("c", "d"), ("a", "d"), ("e", "f")], {"a": "a", "c": "a", "d": "a", "e": "e", "f": "e"}),
    ],
    ids=["no-pairs", "one-pair", "chain-joins-at-the-smallest"],
)
def test_clusters_of_pairs_are_named_by_their_smallest_doc_id(
    pairs: list[tuple[str, str]], expected: dict[str, str]
) -> None:
    assert _union_find(pairs) == expected


def test_warc_json_lines_and_a_sidecar_manifest_give_the_local_engines_tables(
    ray_cluster: Path, tmp_path: Path
) -> None:
    sidecar = every_kind_of_input(tmp_path / "in")
    digest = hashlib.sha256(SEED_FILES[1].read_bytes()).hexdigest()
    shutil.copy(SEED_FILES[1], tmp_path / "in" / "by-digest.txt")
    by_digest = tmp_path / "by-digest.csv"
    by_digest.write_text(f"sha256,outlet\n{digest},Digest News\n", encoding="utf-8")
    for manifest in (sidecar, by_digest):
        local, ours = tmp_path / f"local-{manifest.stem}", tmp_path / f"ray-{manifest.stem}"
        expected = convert([tmp_path / "in"], local, sidecar=manifest)
        got = convert([tmp_path / "in"], ours, sidecar=manifest, workers=2, engine="ray")
        _assert_same_dataset(ours, local)
        assert got.skipped == expected.skipped
        assert [(r.input, r.kind, r.reason) for r in got.rejects] == [
            (r.input, r.kind, r.reason) for r in expected.rejects
        ]
    outlets = pq.read_table(ours / "documents.parquet").column("outlet").to_pylist()
    assert "Digest News" in outlets
