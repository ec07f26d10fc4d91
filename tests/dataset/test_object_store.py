"""convert from and to s3:// URIs, against a local S3 endpoint (moto's server; no network)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.dataset.mixed_corpus import write_mixed_corpus
from toolkit.dataset import convert
from toolkit.dataset.object_store import is_uri
from toolkit.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("documents", "annotations", "annotation_sets", "rejects")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """A local S3 server with a bucket "corpus"; the AWS_* settings point pyarrow at it."""
    server_module = pytest.importorskip("moto.server", reason="needs moto[server] (test extra)")
    import pyarrow.fs as pafs

    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        fs = pafs.S3FileSystem(
            endpoint_override=f"127.0.0.1:{port}", scheme="http", allow_bucket_creation=True
        )
        fs.create_dir("corpus")
        try:
            yield fs
        finally:
            server.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, 200 generated articles, a byte copy, an empty file and a hidden file."""
    folder = write_mixed_corpus(tmp_path_factory.mktemp("corpus"), 200)
    (folder / ".hidden.txt").write_text("not an input")
    return folder


def _upload(fs: Any, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with fs.open_output_stream(f"{prefix}/{path.relative_to(folder).as_posix()}") as out:
                out.write(path.read_bytes())


def _download(fs: Any, prefix: str, folder: Path) -> list[str]:
    import pyarrow.fs as pafs

    folder.mkdir(parents=True)
    names = []
    for info in fs.get_file_info(pafs.FileSelector(prefix, recursive=True)):
        name = info.path[len(prefix) + 1 :]
        names.append(name)
        with fs.open_input_stream(info.path) as src:
            (folder / name).write_bytes(src.read())
    return sorted(names)


def _without_prefix(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Rows with the input names' prefix (the bucket URI or the local folder) cut off."""
    text = json.dumps(rows, sort_keys=True, default=str).replace(prefix, "<in>")
    loaded: list[dict[str, Any]] = json.loads(text)
    return sorted(loaded, key=lambda r: json.dumps(r, sort_keys=True))


def _assert_same_tables(ours: Path, our_prefix: str, reference: Path, prefix: str) -> None:
    for table in TABLES:
        mine = pq.read_table(ours / f"{table}.parquet")
        theirs = pq.read_table(reference / f"{table}.parquet")
        assert mine.schema == theirs.schema, table
        assert _without_prefix(mine.to_pylist(), our_prefix) == _without_prefix(
            theirs.to_pylist(), prefix
        ), table


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "dataset"
    convert([corpus], out, workers=1)
    return out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("s3://bucket/prefix", True),
        ("gs://bucket/key", True),
        ("file:///tmp/x", False),
        ("/tmp/s3://odd", False),
        ("relative/path", False),
    ],
    ids=["s3", "gcs", "file-scheme-is-local", "colon-in-a-local-path", "plain-path"],
)
def test_uris_are_told_from_local_paths(name: str, expected: bool) -> None:
    assert is_uri(name) is expected


def test_the_local_engine_reads_and_writes_s3(
    s3: Any, corpus: Path, local_build: Path, tmp_path: Path
) -> None:
    _upload(s3, corpus, "corpus/in")
    result = convert(["s3://corpus/in"], "s3://corpus/out-local", workers=1)
    assert result.out_dir == "s3://corpus/out-local"
    assert result.skipped == {"hidden files": 1}
    names = _download(s3, "corpus/out-local", tmp_path / "got")
    assert names == sorted(p.name for p in local_build.iterdir())
    _assert_same_tables(tmp_path / "got", "s3://corpus/in", local_build, str(corpus))


def test_a_rebuild_replaces_the_datasets_objects_and_removes_stale_ones(
    s3: Any, corpus: Path, tmp_path: Path
) -> None:
    _upload(s3, corpus, "corpus/in2")
    convert(["s3://corpus/in2"], "s3://corpus/out2", workers=1)
    with s3.open_output_stream("corpus/out2/left-over.parquet") as out:
        out.write(b"stale")
    first = sorted((ROOT / "seeds").glob("001_*.txt"))[0].name
    convert([f"s3://corpus/in2/{first}"], "s3://corpus/out2", workers=1)
    names = _download(s3, "corpus/out2", tmp_path / "got")
    assert "left-over.parquet" not in names
    assert pq.read_table(tmp_path / "got" / "documents.parquet").num_rows == 1


def test_a_prefix_holding_other_objects_is_not_replaced(s3: Any) -> None:
    with s3.open_output_stream("corpus/not-a-dataset/notes.txt") as out:
        out.write(b"someone's work")
    with pytest.raises(InputError) as caught:
        convert([ROOT / "seeds"], "s3://corpus/not-a-dataset", workers=1)
    assert caught.value.message == (
        "output prefix holds objects and no manifest.json, so it is not a dataset built by "
        "`toolkit convert`; refusing to replace it: give a new or empty prefix"
    )


def test_a_missing_prefix_is_refused(s3: Any) -> None:
    with pytest.raises(InputError) as caught:
        convert(["s3://corpus/no-such-prefix"], "s3://corpus/out3", workers=1)
    assert caught.value.message == "no such object or prefix; give article files or prefixes"


@pytest.mark.ray
def test_the_ray_engine_reads_and_writes_s3_on_two_nodes(
    ray_cluster: Path, s3: Any, corpus: Path, local_build: Path, tmp_path: Path
) -> None:
    _upload(s3, corpus, "corpus/in-ray")
    convert(["s3://corpus/in-ray"], "s3://corpus/out-ray", workers=2, engine="ray")
    _download(s3, "corpus/out-ray", tmp_path / "got")
    _assert_same_tables(tmp_path / "got", "s3://corpus/in-ray", local_build, str(corpus))
