"""Tests of toolkit.dataset.work through `convert`: WARC, JSON Lines, sidecar and plain inputs."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from toolkit.dataset import check_dataset
from toolkit.dataset.build import convert
from toolkit.dataset.inputs import collect_inputs
from toolkit.dataset.sidecar import read_sidecar
from toolkit.dataset.work import WorkItem, read_article_file, work_items

from ..ingest.warc_files import PAGE, http_response, warc_file, warc_record
from .test_build import SEED_FILES, TAX

OTHER_PAGE = PAGE.replace("Geneva", "Vienna").replace("Monday", "Tuesday")


def _corpus(root: Path) -> Path:
    """A folder of every input kind; returns the sidecar manifest (outside the folder)."""
    root.mkdir()
    records = [
        warc_record("warcinfo", "", b"software: test\r\n", 1),
        warc_record("response", "https://news.example.org/a", http_response(PAGE.encode()), 2),
        warc_record(
            "response",
            "https://news.example.org/gone",
            http_response(b"", status="404 Not Found"),
            3,
        ),
    ]
    (root / "crawl.warc.gz").write_bytes(warc_file(records, gzipped=True))
    lines = [
        {"url": "https://wire.example.com/b", "html": OTHER_PAGE, "date": "2024-05-07"},
        {"url": "https://wire.example.com/copy", "html": PAGE},  # the WARC page's bytes again
        {"title": "no body"},
    ]
    (root / "feed.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    (root / "seed.txt").write_bytes(SEED_FILES[0].read_bytes())
    (root / ".DS_Store").write_bytes(b"\0")
    os.mkfifo(root / "pipe")
    sidecar = root.parent / "meta.csv"
    sidecar.write_text(
        "file,url,outlet,date\nseed.txt,https://example.net/seed,Example Net,2023-06-19\n"
        "missing.txt,,,\n",
        encoding="utf-8",
    )
    return sidecar


def test_every_kind_of_input_ends_as_a_document_or_a_reject(tmp_path: Path) -> None:
    sidecar = _corpus(tmp_path / "in")
    result = convert([tmp_path / "in"], tmp_path / "out", taxonomy=TAX, sidecar=sidecar)
    base = (tmp_path / "in").as_posix()
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    assert [d["source_path"] for d in docs] == [
        f"{base}/crawl.warc.gz#record=2",
        f"{base}/feed.jsonl:1",
        f"{base}/seed.txt",
    ]
    assert docs[0]["source_urls"][0] == "https://news.example.org/a"
    assert docs[1]["published_date"].isoformat() == "2024-05-07"
    assert (docs[2]["outlet"], docs[2]["published_date"].isoformat()) == (
        "Example Net",
        "2023-06-19",
    )
    assert docs[2]["source_urls"][0] == "https://example.net/seed"
    rejects = [(r.input, r.kind, r.reason.split(";")[0]) for r in result.rejects]
    assert rejects == [
        (
            f"{base}/crawl.warc.gz#record=3",
            "article",
            "HTTP status 404 for https://news.example.org/gone",
        ),
        (f"{base}/feed.jsonl:2", "article", f"duplicate of {base}/crawl.warc.gz#record=2"),
        (f"{base}/feed.jsonl:3", "article", 'the object has neither "html" nor "text"'),
        (f"{base}/pipe", "article", "a FIFO (named pipe), not a regular file"),
        (f"{sidecar.as_posix()}:3", "sidecar", "names missing.txt, which is not among the inputs"),
    ]
    assert result.skipped == {"WARC warcinfo records": 1, "hidden files": 1}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["skipped"] == result.skipped
    assert manifest["counts"]["inputs"] == 7
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "| skipped, not inputs: hidden files | 1 |" in card
    assert check_dataset(tmp_path / "out") == []  # "sidecar" rejects are valid records


def test_workers_do_not_change_the_output(tmp_path: Path) -> None:
    sidecar = _corpus(tmp_path / "in")
    convert([tmp_path / "in"], tmp_path / "one", taxonomy=TAX, sidecar=sidecar, batch_size=1)
    convert(
        [tmp_path / "in"], tmp_path / "two", taxonomy=TAX, sidecar=sidecar, workers=2, batch_size=1
    )
    for name in ("documents.parquet", "rejects.parquet", "manifest.json", "README.md"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_work_items_are_a_stream_and_progress_adds_up(tmp_path: Path) -> None:
    sidecar = _corpus(tmp_path / "in")
    found = collect_inputs([tmp_path / "in"])
    counter: Counter[str] = Counter()
    stream = work_items(found, read_sidecar(sidecar), max_bytes=1 << 20, skipped=counter)
    first = next(stream)
    assert isinstance(first, WorkItem) and first.display.endswith("crawl.warc.gz#record=2")
    rest = list(stream)
    assert sum(i.input_bytes for i in [first, *rest]) <= found.total_bytes
    seed = next(i for i in rest if i.display.endswith("seed.txt"))
    assert seed.hints is not None and seed.hints.origin == "sidecar"


def test_progress_is_reported_in_bytes_up_to_the_total(tmp_path: Path) -> None:
    sidecar = _corpus(tmp_path / "in")
    calls: list[tuple[int, int]] = []
    convert(
        [tmp_path / "in"],
        tmp_path / "out",
        taxonomy=TAX,
        sidecar=sidecar,
        batch_size=1,
        progress=lambda done, total: calls.append((done, total)),
    )
    total = collect_inputs([tmp_path / "in"]).total_bytes
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_sidecar_row_can_name_a_plain_file_by_its_sha256(tmp_path: Path) -> None:
    _corpus(tmp_path / "in")
    digest = hashlib.sha256(SEED_FILES[0].read_bytes()).hexdigest()
    sidecar = tmp_path / "by-digest.csv"
    sidecar.write_text(f"sha256,outlet\n{digest},Digest News\n", encoding="utf-8")
    result = convert([tmp_path / "in"], tmp_path / "out", taxonomy=TAX, sidecar=sidecar)
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    assert [d["outlet"] for d in docs if d["source_path"].endswith("seed.txt")] == ["Digest News"]
    assert not [r for r in result.rejects if r.kind == "sidecar"]


@pytest.mark.parametrize("limit", [10, 1 << 20], ids=["tiny", "roomy"])
def test_max_bytes_limits_plain_files_and_records(tmp_path: Path, limit: int) -> None:
    _corpus(tmp_path / "in")
    result = convert([tmp_path / "in"], tmp_path / "out", taxonomy=TAX, max_bytes=limit)
    base = (tmp_path / "in").as_posix()
    over = [r.input[len(base) + 1 :] for r in result.rejects if "--max-bytes" in r.reason]
    # The 404 response has an empty body; every other record, line and file is over 10 bytes.
    expected = [
        "crawl.warc.gz#record=2",
        "feed.jsonl:1",
        "feed.jsonl:2",
        "feed.jsonl:3",
        "seed.txt",
    ]
    assert over == (expected if limit == 10 else [])


def test_container_records_are_read_as_the_stream_is_consumed(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    feed = tmp_path / "in" / "feed.jsonl"
    feed.write_text(json.dumps({"text": "First story."}) + "\n", encoding="utf-8")
    stream = work_items(
        collect_inputs([tmp_path / "in"]), None, max_bytes=1 << 20, skipped=Counter()
    )
    assert next(stream).display.endswith("feed.jsonl:1")
    # A reader that listed the records up front would never see a line written now.
    with feed.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "Second story."}) + "\n")
    assert [item.display[-len("feed.jsonl:2") :] for item in stream] == ["feed.jsonl:2"]


SIZES = {"empty": 0, "one byte": 1, "at the limit": 100, "buffer-sized": 65536}


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES)
def test_a_plain_file_is_read_whole(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    (tmp_path / "a.txt").write_bytes(data)
    assert read_article_file(str(tmp_path / "a.txt"), max(size, 100)) == data


def test_a_file_over_the_limit_is_refused_after_at_most_one_byte_more(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x" * 101)
    with pytest.raises(OSError, match=r"file grew over the limit of 100 bytes \(--max-bytes\)"):
        read_article_file(str(tmp_path / "a.txt"), 100)


def test_a_folder_in_place_of_a_file_is_never_read(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="not a regular file any more; never read"):
        read_article_file(str(tmp_path), 100)
