"""Tests of `toolkit convert`: the Parquet dataset, its rejects, its atomic build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from toolkit import SCHEMA_VERSION
from toolkit.annotations.records import AnnotationFile, Span, write_annotation_file
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.dataset import build as dataset
from toolkit.dataset.build import convert
from toolkit.dataset.events import events_schema
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
    "events.parquet",
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


def test_tables_have_expected_rows(built: Path) -> None:
    docs = read_rows(built, "documents")
    assert [d["doc_id"] for d in docs] == [seed_doc_id(i) for i in range(5)]
    assert read_rows(built, "rejects") == []
    assert read_rows(built, "annotations") == []
    assert read_rows(built, "annotation_sets") == []
    assert read_rows(built, "events") == []
    assert sorted(p.name for p in built.iterdir()) == sorted(FILES)


@pytest.mark.parametrize(
    ("table", "schema"),
    [
        ("documents", documents_schema(TAX)),
        ("annotations", annotations_schema(TAX)),
        ("annotation_sets", annotation_sets_schema()),
        ("rejects", rejects_schema()),
        ("events", events_schema()),
    ],
    ids=["documents", "annotations", "annotation_sets", "rejects", "events"],
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


def _empty_folder(root: Path) -> Path:
    (root / "in").mkdir()
    return root / "in"


def _only_hidden_files(root: Path) -> Path:
    (root / "in" / ".git").mkdir(parents=True)
    (root / "in" / ".notes.txt").write_text("hidden", encoding="utf-8")
    (root / "in" / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    return root / "in"


@pytest.mark.parametrize(
    "make_inputs", [_empty_folder, _only_hidden_files], ids=["empty-folder", "only-hidden-files"]
)
def test_cli_refuses_inputs_without_files_and_keeps_the_dataset(
    built: Path, tmp_path: Path, make_inputs: Any
) -> None:
    folder = make_inputs(tmp_path)
    out = tmp_path / "dataset"
    shutil.copytree(built, out)
    before = file_bytes(out)
    result = CliRunner().invoke(cli, ["convert", str(folder), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: no article files found in {folder} (hidden files are skipped); refusing to "
        "build an empty dataset: give files or folders holding articles, or --allow-empty to "
        "build one on purpose\n"
    )
    assert file_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "in"]


def test_cli_allow_empty_builds_an_empty_dataset(tmp_path: Path) -> None:
    folder = _empty_folder(tmp_path)
    out = tmp_path / "dataset"
    result = CliRunner().invoke(cli, ["convert", str(folder), "--out", str(out), "--allow-empty"])
    assert result.exit_code == 0, result.output
    assert result.output == f"0 documents, no rejects. Wrote {out}.\n"
    assert read_rows(out, "documents") == []


def test_cli_help_lists_allow_empty() -> None:
    result = CliRunner().invoke(cli, ["convert", "--help"])
    assert "  --allow-empty " in result.output
    assert "Build an empty dataset when the inputs hold no files (refused otherwise)." in (
        " ".join(result.output.split())
    )


def _out_inside_input(tmp_path: Path) -> tuple[list[str], Path, str]:
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    out = inputs / "dataset"
    message = (
        f"{out}: output folder is inside the input {inputs}, so every rerun would read the "
        "dataset's own files back in; give --out outside the inputs"
    )
    return [str(inputs)], out, message


def _dataset_into_itself(tmp_path: Path) -> tuple[list[str], Path, str]:
    out = tmp_path / "dataset"
    convert([SEEDS], out)
    message = (
        f"{out}: output folder is the input {out}, so the dataset would be converted into "
        "itself; give --out outside the inputs"
    )
    return [str(out)], out, message


def _input_inside_out(tmp_path: Path) -> tuple[list[str], Path, str]:
    out = tmp_path / "dataset"
    convert([SEEDS], out)
    inner = out / "README.md"
    message = (
        f"{out}: the input {inner} is inside the output folder, which the build replaces; "
        "give --out outside the inputs"
    )
    return [str(SEEDS), str(inner)], out, message


def _out_inside_annotations(tmp_path: Path) -> tuple[list[str], Path, str]:
    root = tmp_path / "annotations"
    (root / "pass-a").mkdir(parents=True)
    out = root / "dataset"
    message = (
        f"{out}: output folder is inside the annotation folder {root}, so every rerun would "
        "read the dataset's own files back in; give --out outside the inputs"
    )
    return [str(SEEDS), "--annotations", str(root)], out, message


def _out_below_a_file(tmp_path: Path) -> tuple[list[str], Path, str]:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "notes.txt" / "sub" / "dataset"
    message = (
        f"{out}: cannot make the output folder: {tmp_path / 'notes.txt'} is a file, not a "
        "folder; give --out below a folder"
    )
    return [str(SEEDS)], out, message


@pytest.mark.parametrize(
    "case",
    [
        _out_inside_input,
        _dataset_into_itself,
        _input_inside_out,
        _out_inside_annotations,
        _out_below_a_file,
    ],
    ids=[
        "out-inside-input",
        "dataset-into-itself",
        "input-inside-out",
        "out-inside-annotations",
        "out-below-a-file",
    ],
)
def test_cli_refuses_an_output_folder_that_cannot_work(tmp_path: Path, case: Any) -> None:
    args, out, message = case(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, ["convert", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_an_output_below_a_hidden_folder_of_the_input_is_allowed(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    out = inputs / ".build" / "dataset"
    first = convert([inputs], out)
    again = convert([inputs], out)
    assert again.n_inputs == first.n_inputs == len(list(SEEDS.iterdir()))


def test_cli_reports_an_unwritable_output_folder_as_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests may run as root, who can write anywhere: the OS refusal is simulated.
    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dataset.tempfile, "mkdtemp", refuse)
    out = tmp_path / "dataset"
    result = CliRunner().invoke(cli, ["convert", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {out}: cannot make the output folder: Permission denied; give --out in a "
        "folder you can write to\n"
    )


@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o755), (0o027, 0o750), (0o002, 0o775)], ids=["022", "027", "002"]
)
def test_the_dataset_folder_honours_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "dataset"
    previous = os.umask(umask)
    try:
        convert([SEEDS], out)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {mode & 0o666}
