"""Tests of `toolkit convert`: the Parquet dataset, its rejects, its atomic build."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import SCHEMA_VERSION
from toolkit.dataset import build as dataset
from toolkit.annotations.records import AnnotationFile, Span, write_annotation_file
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.dataset.build import SharedSentences, collect_inputs, convert
from toolkit.dataset.tables import (
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    rejects_schema,
)
from toolkit.errors import InputError
from toolkit.taxonomy.labels import read_taxonomy

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
TAX = read_taxonomy()
FILES = (
    "README.md",
    "annotation_sets.parquet",
    "annotations.parquet",
    "documents.parquet",
    "manifest.json",
    "rejects.parquet",
)


def seed_doc_id(index: int) -> str:
    """The doc id of seed number ``index`` (sha256 of its raw bytes)."""
    return "doc_" + hashlib.sha256(SEED_FILES[index].read_bytes()).hexdigest()[:16]


def read_rows(out: Path, table: str) -> list[dict[str, Any]]:
    return pq.read_table(out / f"{table}.parquet").to_pylist()


def file_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds converted without annotations."""
    out = tmp_path_factory.mktemp("built") / "dataset"
    convert([SEEDS], out)
    return out


@pytest.fixture(scope="module")
def texts(built: Path) -> dict[str, str]:
    return {r["doc_id"]: r["text"] for r in read_rows(built, "documents")}


def actor_annotation(text: str, doc_id: str, annotator: str, *, shift: int = 0) -> AnnotationFile:
    """One ACTOR span on the first "Blinken" of a document (``shift`` moves its offsets)."""
    start = text.index("Blinken") + shift
    end = start + len("Blinken")
    quote = "Blinken"
    span = Span(
        id=make_span_id(doc_id, "ACTOR", start, end),
        start=start,
        end=end,
        text=quote,
        label="ACTOR",
        attributes={
            "canonical_name": "Antony Blinken",
            "country": "USA",
            "sector": "GOV",
            "wikidata_id": "Q4773949",
        },
    )
    return AnnotationFile(
        doc_id=doc_id,
        text_sha256=sha256_text(text),
        annotator_id=annotator,
        codebook_version=TAX.codebook_version,
        spans=[span],
        source={"kind": "gold" if annotator == "gold" else "manual"},
    )


@pytest.fixture
def annotations_dir(tmp_path: Path, texts: dict[str, str]) -> Path:
    """gold and pass-a files for seed 002, a pass-b file for seed 003 with a shifted offset."""
    root = tmp_path / "annotations"
    d2, d3 = seed_doc_id(2), seed_doc_id(3)
    write_annotation_file(root / "gold" / f"{d2}.json", actor_annotation(texts[d2], d2, "gold"))
    write_annotation_file(root / "pass-a" / f"{d2}.json", actor_annotation(texts[d2], d2, "pass-a"))
    write_annotation_file(
        root / "pass-b" / f"{d3}.json", actor_annotation(texts[d3], d3, "pass-b", shift=1)
    )
    return root


# ---------------------------------------------------------------- the plain build


def test_tables_have_expected_rows(built: Path) -> None:
    docs = read_rows(built, "documents")
    assert [d["doc_id"] for d in docs] == [seed_doc_id(i) for i in range(5)]
    assert read_rows(built, "rejects") == []
    assert read_rows(built, "annotations") == []
    assert read_rows(built, "annotation_sets") == []
    assert sorted(p.name for p in built.iterdir()) == sorted(FILES)


@pytest.mark.parametrize(
    ("table", "schema"),
    [
        ("documents", documents_schema(TAX)),
        ("annotations", annotations_schema(TAX)),
        ("annotation_sets", annotation_sets_schema()),
        ("rejects", rejects_schema()),
    ],
    ids=["documents", "annotations", "annotation_sets", "rejects"],
)
def test_tables_have_the_record_schemas_and_metadata(
    built: Path, table: str, schema: pa.Schema
) -> None:
    actual = pq.read_schema(built / f"{table}.parquet")
    assert actual.remove_metadata().equals(schema)
    meta = actual.metadata
    assert meta[b"toolkit.schema_version"] == SCHEMA_VERSION.encode()
    assert meta[b"toolkit.taxonomy_sha256"] == TAX.sha256.encode()
    assert meta[b"toolkit.table"] == table.encode()


def test_document_columns_hold_the_article(built: Path) -> None:
    docs = read_rows(built, "documents")
    for i, doc in enumerate(docs):
        raw = SEED_FILES[i].read_bytes()
        assert doc["source_sha256"] == hashlib.sha256(raw).hexdigest()
        assert doc["source_path"] == (SEEDS / SEED_FILES[i].name).as_posix()
        assert doc["text_sha256"] == sha256_text(doc["text"])
        assert doc["spans"] is None
        sentences = doc["sentences"]
        assert sentences and all(0 <= s["start"] < s["end"] <= len(doc["text"]) for s in sentences)


def test_near_duplicates_share_a_cluster(built: Path) -> None:
    clusters = {d["doc_id"]: d["cluster_id"] for d in read_rows(built, "documents")}
    d0, d1 = seed_doc_id(0), seed_doc_id(1)
    assert clusters[d0] == clusters[d1] == min(d0, d1)
    others = [clusters[seed_doc_id(i)] for i in (2, 3, 4)]
    assert others == [seed_doc_id(i) for i in (2, 3, 4)]


def test_shared_sentences_point_at_the_other_copy(built: Path) -> None:
    docs = {d["doc_id"]: d for d in read_rows(built, "documents")}
    d0, d1 = seed_doc_id(0), seed_doc_id(1)
    shared0 = docs[d0]["shared_sentences"]
    assert shared0, "seed 000 and 001 are one story: they share sentences"
    assert all(d1 in s["doc_ids"] and d0 not in s["doc_ids"] for s in shared0)
    for entry in shared0:
        start, end = (docs[d0]["sentences"][entry["sentence_index"]][k] for k in ("start", "end"))
        assert docs[d0]["text"][start:end].strip() != ""
    assert [s["sentence_index"] for s in shared0] == sorted(s["sentence_index"] for s in shared0)


def test_manifest_counts_and_hashes(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["taxonomy"]["sha256"] == TAX.sha256
    counts = manifest["counts"]
    assert (counts["inputs"], counts["documents"], counts["rejects"]) == (5, 5, 0)
    assert counts["clusters"] == 4
    assert [i["sha256"] for i in manifest["inputs"]] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in SEED_FILES
    ]
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((built / name).read_bytes()).hexdigest()
    assert "time" not in json.dumps(manifest).lower()


def test_reruns_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    convert([SEEDS], again)
    assert file_bytes(again) == file_bytes(built)


def test_workers_do_not_change_the_output(built: Path, tmp_path: Path) -> None:
    parallel = tmp_path / "parallel"
    convert([SEEDS], parallel, workers=2, batch_size=1000)
    assert file_bytes(parallel) == file_bytes(built)


def test_small_batches_give_the_same_tables(built: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    convert([SEEDS], small, batch_size=2)
    assert pq.ParquetFile(small / "documents.parquet").num_row_groups == 3
    for table in ("documents", "rejects"):
        assert pq.read_table(small / f"{table}.parquet").equals(
            pq.read_table(built / f"{table}.parquet")
        )


# ---------------------------------------------------------------- rejects


@pytest.fixture
def seeds_with_bad_inputs(tmp_path: Path) -> Path:
    """A copy of the seeds plus an empty file and a byte-identical copy of seed 000."""
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    shutil.copy(SEED_FILES[0], folder / "zz_copy_of_000.txt")
    return folder


def test_rejects_are_listed_and_the_batch_goes_on(
    seeds_with_bad_inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = convert([seeds_with_bad_inputs], out)
    folder = seeds_with_bad_inputs.as_posix()
    assert result.n_documents == 5
    rejects = read_rows(out, "rejects")
    assert [(r["input"], r["kind"]) for r in rejects] == [
        (f"{folder}/empty.txt", "article"),
        (f"{folder}/zz_copy_of_000.txt", "article"),
    ]
    assert rejects[1]["reason"] == f"duplicate of {folder}/{SEED_FILES[0].name}"
    assert rejects[0]["reason"].startswith("empty file (0 bytes); expected a news article")
    assert len(read_rows(out, "documents")) == 5
    assert result.summary() == "5 documents, 2 rejects (see rejects.parquet)"


def test_cli_exits_1_with_a_summary_when_inputs_are_rejected(
    seeds_with_bad_inputs: Path, tmp_path: Path
) -> None:
    (seeds_with_bad_inputs / "empty.txt").unlink()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["convert", str(seeds_with_bad_inputs), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stdout.strip() == (f"5 documents, 1 reject (see rejects.parquet). Wrote {out}.")
    assert f"Rejected {seeds_with_bad_inputs.as_posix()}/zz_copy_of_000.txt: duplicate of" in (
        result.stderr
    )


def test_cli_exits_0_on_a_clean_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["convert", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"5 documents, no rejects. Wrote {out}."


def test_cli_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["convert", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "toolkit convert seeds/ --annotations annotations/ --out build/dataset" in result.output


# ---------------------------------------------------------------- annotations


def test_annotation_layers_are_included_and_bad_files_rejected(
    annotations_dir: Path, tmp_path: Path, texts: dict[str, str]
) -> None:
    out = tmp_path / "out"
    result = convert([SEEDS], out, annotations_dir=annotations_dir)
    d2, d3 = seed_doc_id(2), seed_doc_id(3)
    rejects = read_rows(out, "rejects")
    assert len(rejects) == 1
    assert rejects[0]["input"] == f"{annotations_dir.as_posix()}/pass-b/{d3}.json"
    assert rejects[0]["kind"] == "annotation"
    start = texts[d3].index("Blinken") + 1
    wrong = texts[d3][start : start + len("Blinken")]
    span_id = make_span_id(d3, "ACTOR", start, start + 7)
    assert rejects[0]["reason"] == (
        f"line 13 /spans/0/text {span_id}: text[{start}:{start + 7}] is {wrong!r} "
        "but the span quotes 'Blinken'"
    )
    sets = read_rows(out, "annotation_sets")
    assert [(s["doc_id"], s["annotator_id"], s["n_spans"]) for s in sets] == [
        (d2, "gold", 1),
        (d2, "pass-a", 1),
    ]
    spans = read_rows(out, "annotations")
    assert [(s["annotator_id"], s["text"]) for s in spans] == [
        ("gold", "Blinken"),
        ("pass-a", "Blinken"),
    ]
    assert spans[0]["attributes"]["country"] == "USA"
    assert spans[0]["attributes"]["value"] is None
    docs = {d["doc_id"]: d for d in read_rows(out, "documents")}
    gold = docs[d2]["spans"]
    assert [(s["label"], s["text"], s["span_id"]) for s in gold] == [
        ("ACTOR", "Blinken", spans[0]["span_id"])
    ]
    assert all(docs[d]["spans"] is None for d in docs if d != d2)
    manifest = result.manifest
    assert manifest["counts"]["spans"] == {"gold": {"ACTOR": 1}, "pass-a": {"ACTOR": 1}}
    assert manifest["counts"]["rejects_by_kind"] == {"annotation": 1}


def test_annotation_for_an_unknown_document_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "annotations"
    other = "doc_" + "0" * 16
    bogus = AnnotationFile(
        doc_id=other,
        text_sha256="0" * 64,
        annotator_id="pass-a",
        codebook_version=TAX.codebook_version,
        source={"kind": "manual"},
    )
    write_annotation_file(root / "pass-a" / f"{other}.json", bogus)
    out = tmp_path / "out"
    convert([SEEDS], out, annotations_dir=root)
    assert read_rows(out, "rejects") == [
        {
            "input": f"{root.as_posix()}/pass-a/{other}.json",
            "kind": "annotation",
            "reason": f"line 4 /doc_id: document {other} is not in the dataset",
        }
    ]


# ---------------------------------------------------------------- atomic output


def test_a_failed_run_leaves_the_previous_dataset_untouched(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dataset"
    shutil.copytree(built, out)
    before = file_bytes(out)
    calls = []
    real = dataset.write_table

    def failing(path: Path, rows: list[dict[str, object]], schema: pa.Schema) -> None:
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError("disk full")
        real(path, rows, schema)

    monkeypatch.setattr(dataset, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        convert([SEEDS], out)
    assert calls == ["annotations.parquet", "annotation_sets.parquet"]
    assert file_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]


def test_an_interrupted_run_leaves_no_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset, "_run_pass2", interrupt)
    with pytest.raises(KeyboardInterrupt):
        convert([SEEDS], tmp_path / "dataset")
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_replace_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    out = tmp_path / "work"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError) as info:
        convert([SEEDS], out)
    assert str(info.value) == (
        f"{out}: output folder is not empty and holds no manifest.json, so it is not a dataset "
        "built by `toolkit convert`; refusing to replace it: give a new or empty folder"
    )
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_cli_reports_a_missing_annotation_folder_as_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["convert", str(SEEDS), "--out", str(tmp_path / "o"), "--annotations", "/nope"]
    )
    assert result.exit_code == 2
    assert "'/nope' does not exist" in result.output


# ---------------------------------------------------------------- inputs


def test_collect_inputs_sorts_recurses_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.html", "a.txt", "b/1.txt", ".hidden.txt", ".git/config", "c.dat"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = collect_inputs([tmp_path, tmp_path / "a.txt"])
    base = tmp_path.as_posix()
    assert found == [f"{base}/a.txt", f"{base}/b/1.txt", f"{base}/b/2.html", f"{base}/c.dat"]


def test_collect_inputs_follows_file_links_once_and_skips_folder_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "1.txt").write_text("x", encoding="utf-8")
    (tmp_path / "data" / "2.txt").write_text("y", encoding="utf-8")
    (tmp_path / "data" / "a-link.txt").symlink_to(tmp_path / "data" / "sub" / "1.txt")
    (tmp_path / "data" / "dir-link").symlink_to(tmp_path / "data" / "sub")
    (tmp_path / "data" / "broken").symlink_to(tmp_path / "missing")
    monkeypatch.chdir(tmp_path / "data")
    # The link sorts first, so it is kept and the file it points to is the duplicate.
    assert collect_inputs(["."]) == ["2.txt", "a-link.txt"]
    assert collect_inputs(["./sub", "2.txt"]) == ["2.txt", "sub/1.txt"]


def test_collect_inputs_names_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        collect_inputs([tmp_path / "nope"])
    assert str(info.value) == (
        f"{tmp_path / 'nope'}: no such file or folder; give article files or folders"
    )


# ---------------------------------------------------------------- shared sentences


def brute_force_shared(
    docs: list[str], rows: list[tuple[int, int, int]], max_docs: int
) -> list[list[dict[str, object]]]:
    """Reference answer: for each doc, each sentence whose key occurs in another doc."""
    by_key: dict[int, set[str]] = {}
    for doc, _, key in rows:
        by_key.setdefault(key, set()).add(docs[doc])
    result: list[list[dict[str, object]]] = [[] for _ in docs]
    for doc, sent, key in sorted(rows):
        others = sorted(by_key[key] - {docs[doc]})[:max_docs]
        if others and not any(e["sentence_index"] == sent for e in result[doc]):
            result[doc].append({"sentence_index": sent, "doc_ids": others})
    return result


@settings(max_examples=60, deadline=None)
@given(
    n_docs=st.integers(min_value=1, max_value=8),
    data=st.data(),
    max_docs=st.integers(min_value=1, max_value=4),
)
def test_shared_sentences_match_a_brute_force_answer(
    n_docs: int, data: st.DataObject, max_docs: int
) -> None:
    docs = [f"doc_{i:016x}" for i in data.draw(st.permutations(range(n_docs)))]
    rows = []
    for doc in range(n_docs):
        keys = data.draw(st.lists(st.integers(0, 5), max_size=6))
        rows += [(doc, sent, key) for sent, key in enumerate(keys)]
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    shared = SharedSentences(
        docs,
        arr[:, 0].astype(np.int32),
        arr[:, 1].astype(np.int32),
        arr[:, 2].astype(np.uint64),
        max_docs=max_docs,
    )
    expected = brute_force_shared(docs, rows, max_docs)
    split = data.draw(st.integers(0, n_docs))
    got = shared.for_range(0, split).to_pylist() + shared.for_range(split, n_docs).to_pylist()
    assert got == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_docs=st.integers(min_value=1, max_value=8),
    data=st.data(),
    partition_rows=st.integers(min_value=1, max_value=20),
)
def test_shared_sentences_from_spilled_partitions_match_one_pass(
    tmp_path: Path, n_docs: int, data: st.DataObject, partition_rows: int
) -> None:
    docs = [f"doc_{i:016x}" for i in data.draw(st.permutations(range(n_docs)))]
    rows = []
    for doc in range(n_docs):
        # Keys spread over the whole uint64 range, so every partition gets some.
        keys = data.draw(st.lists(st.sampled_from([0, 2**62, 2**63 + 5, 2**64 - 1]), max_size=6))
        rows += [(doc, sent, key) for sent, key in enumerate(keys)]
    # Every draw comes before files exist: Hypothesis may end an example at a draw, and
    # tmp_path is shared by all examples, so a file left then would fail the next one.
    split = data.draw(st.integers(0, n_docs))
    one_pass = SharedSentences(
        docs,
        np.array([r[0] for r in rows], dtype=np.int32),
        np.array([r[1] for r in rows], dtype=np.int32),
        np.array([r[2] for r in rows], dtype=np.uint64),
        max_docs=2,
    )
    spill = dataset._SpillFile(tmp_path / f"sentences-{len(rows)}", dataset._SENTENCE_RECORD)
    records = np.array(rows, dtype=dataset._SENTENCE_RECORD)
    spill.append(records[: len(rows) // 2])
    spill.append(records[len(rows) // 2 :])
    ids = pa.array(docs, pa.string())
    by_id = np.asarray(pc.sort_indices(ids), dtype=np.int64)
    partitioned = SharedSentences.from_records(
        ids, by_id, spill, max_docs=2, partition_rows=partition_rows
    )
    spill.unlink()
    try:
        assert partitioned.n_shared == one_pass.n_shared
        for lo, hi in ((0, split), (split, n_docs)):
            got = partitioned.for_range(lo, hi).to_pylist()
            assert got == one_pass.for_range(lo, hi).to_pylist()
    finally:
        partitioned.close()
    assert list(tmp_path.iterdir()) == []  # partition files are removed


def test_a_run_with_only_rejects_still_writes_every_table(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    result = convert([folder], out)
    assert (result.n_documents, len(result.rejects), result.n_clusters) == (0, 1, 0)
    assert read_rows(out, "documents") == []
    assert pq.read_schema(out / "documents.parquet").remove_metadata().equals(documents_schema(TAX))
    assert "| documents | 0 |" in (out / "README.md").read_text(encoding="utf-8")


def test_article_rows_match_rows_built_from_dicts() -> None:
    from toolkit.ingest.article import CONVERTER_VERSION, read_article

    articles = [read_article(path) for path in SEED_FILES]
    schema = dataset.partial_schema(TAX)
    expected = pa.RecordBatch.from_pylist(
        [
            {
                "doc_id": a.doc_id,
                "outlet": a.outlet,
                "title": a.title,
                "byline": a.byline,
                "published_date": a.published_date,
                "source_urls": list(a.source_urls),
                "links": [
                    {"text": ln.text, "href": ln.href, "start": ln.start, "end": ln.end}
                    for ln in a.links
                ],
                "text": a.text,
                "text_sha256": sha256_text(a.text),
                "sentences": [{"start": s, "end": e} for s, e in a.sentences],
                "removed": [{"reason": r.reason, "text": r.text} for r in a.removed],
                "source_path": a.source_path,
                "source_sha256": a.source_sha256,
                "source_encoding": a.source_encoding,
                "converter_version": CONVERTER_VERSION,
            }
            for a in articles
        ],
        schema=schema,
    )
    assert any(a.links for a in articles) and any(a.removed for a in articles)
    got = dataset._article_rows(articles, schema, CONVERTER_VERSION)
    assert got.schema == expected.schema
    assert got.equals(expected)
    assert dataset._article_rows([], schema, CONVERTER_VERSION).num_rows == 0


def test_sentence_key_hashes_are_8_byte_blake2b_little_endian() -> None:
    keys = ["xi met blinken.", "", "taïwan 台灣 😀", "a" * 1000]
    expected = [
        int.from_bytes(hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest(), "little")
        for k in keys
    ]
    got = dataset.sentence_key_hashes(keys)
    assert got.dtype == np.uint64
    assert got.tolist() == expected
    assert dataset.sentence_key_hashes([]).shape == (0,)


def test_parse_chunk_matches_article_by_article(tmp_path: Path) -> None:
    from toolkit.ingest.article import parse_article
    from toolkit.ingest.normalize import minhash_signature, sentence_keys

    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"")
    paths = [str(p) for p in SEED_FILES] + [str(broken), str(tmp_path / "missing.txt")]
    chunk = dataset._parse_chunk(paths, dataset.partial_schema(read_taxonomy()))
    assert chunk.errors[: len(SEED_FILES)] == [None] * len(SEED_FILES)
    assert all(chunk.errors[len(SEED_FILES) :])
    readable = [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths[:-1]]
    assert chunk.shas == [*readable, ""]  # the missing file has no digest
    rows, index, hashes, signatures = [], [], [], []
    for row, path in enumerate(SEED_FILES):
        article = parse_article(path.read_bytes(), source_path=str(path))
        for k, key in enumerate(sentence_keys(article.text, article.sentences)):
            if key:
                rows.append(row)
                index.append(k)
                hashes.append(hashlib.blake2b(key.encode(), digest_size=8).digest())
        signatures.append(minhash_signature(article.text).tolist())
    assert chunk.sentences.dtype == dataset._SENTENCE_RECORD
    assert chunk.sentences["doc"].tolist() == rows
    assert chunk.sentences["sent"].tolist() == index
    assert chunk.sentences["key"].tolist() == [int.from_bytes(h, "little") for h in hashes]
    assert chunk.signatures.tolist() == signatures
