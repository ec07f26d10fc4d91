"""A generated hostile corpus through the real CLI: every input ends as a document or a reject,
every bad annotation file is named, and no command prints a traceback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ..dataset.test_inputs import PERMISSIONS_ENFORCED

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "003_4dd4a7727a5856cf.txt"
GOLD = ROOT / "annotations" / "gold"


def _toolkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "toolkit", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=300,
        check=False,
    )


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def _articles() -> dict[str, bytes]:
    seed = SEED.read_bytes()
    return {
        "seed.txt": seed,
        "duplicate-of-seed.txt": seed,
        "empty.txt": b"",
        "nul-bytes.txt": b"\x00" * 4096,
        "png.jpg": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "scripts-only.html": b"<html><script>alert(1)</script><style>p{}</style></html>",
        "latin-1.txt": "Caf\xe9 owners in Taipei said on Monday that prices rose.".encode(
            "latin-1"
        ),
        "utf16.txt": "Officials in Beijing met on Tuesday.".encode("utf-16"),
        "unclosed-nav.html": b"<p>Talks went on in Manila on Monday.</p><nav><a href='/'>Home",
        "angle-email.txt": b"Write to <b.jones@example.org> for the full statement today.",
        "dots.txt": b"The envoy paused" + b"." * 20_000 + b" and left.",
        "many-comments.html": b"<p>Text</p>" + b"<!--" * 20_000,
    }


def test_every_input_ends_as_a_document_or_a_reject(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, data in _articles().items():
        (inputs / name).write_bytes(data)
    out = tmp_path / "dataset"
    result = _toolkit("convert", str(inputs), "--out", str(out))
    _no_traceback(result)
    assert result.returncode in (0, 1), result.stderr
    documents = pq.read_table(out / "documents.parquet", columns=["source_path"]).to_pylist()
    rejects = pq.read_table(out / "rejects.parquet", columns=["input"]).to_pylist()
    seen = {Path(d["source_path"]).name for d in documents} | {
        Path(r["input"]).name for r in rejects
    }
    assert seen == set(_articles())


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("empty-inputs", "refusing to build an empty dataset"),
        ("out-inside-inputs", "output folder is inside the input"),
        ("out-below-a-file", "is a file, not a folder"),
    ],
    ids=["empty-inputs", "out-inside-inputs", "out-below-a-file"],
)
def test_convert_refuses_bad_folders_with_exit_2(tmp_path: Path, layout: str, message: str) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    out = tmp_path / "dataset"
    if layout != "empty-inputs":
        (inputs / "seed.txt").write_bytes(SEED.read_bytes())
    if layout == "out-inside-inputs":
        out = inputs / "dataset"
    if layout == "out-below-a-file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "dataset"
    result = _toolkit("convert", str(inputs), "--out", str(out))
    _no_traceback(result)
    assert result.returncode == 2
    assert message in result.stderr


def _gold_file() -> dict[str, object]:
    path = sorted(GOLD.glob("*.json"))[0]
    return json.loads(path.read_text(encoding="utf-8"))


def _hostile_annotations(root: Path) -> list[str]:
    """Bad annotation files and folders; returns the paths the problems must name."""
    good = _gold_file()
    doc_id = str(good["doc_id"])
    layers: dict[str, str] = {}
    floats = json.loads(json.dumps(good))
    floats["spans"][0]["start"] = float(floats["spans"][0]["start"])
    layers["floats"] = json.dumps(floats, indent=2)
    surrogate = json.loads(json.dumps(good))
    surrogate["notes"] = "\ud800"
    layers["surrogate"] = json.dumps(surrogate, indent=2)
    bidi = json.loads(json.dumps(good))
    bidi["notes"] = "\u202e"
    layers["bidi"] = json.dumps(bidi, indent=2, ensure_ascii=False)
    layers["duplicate-key"] = json.dumps(good, indent=2).replace(
        '"status": ', '"status": "completed",\n  "status": ', 1
    )
    layers["deep"] = "[" * 100_000 + "]" * 100_000
    layers["not-json"] = "{"
    named = []
    for layer, content in layers.items():
        path = root / layer / f"{doc_id}.json"
        path.parent.mkdir(parents=True)
        path.write_text(content, encoding="utf-8")
        named.append(str(path))
    (root / "folder-named" / f"{doc_id}.json").mkdir(parents=True)
    named.append(str(root / "folder-named" / f"{doc_id}.json"))
    (root / "stray.json").write_text("{}")
    named.append(str(root / "stray.json"))
    return named


def test_validate_names_every_bad_annotation_file(tmp_path: Path) -> None:
    named = _hostile_annotations(tmp_path)
    result = _toolkit("validate", "--annotations", str(tmp_path))
    _no_traceback(result)
    assert result.returncode == 1
    for path in named:
        assert f"Error: {path}" in result.stderr, path


def test_validate_of_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    result = _toolkit("validate", "--annotations", str(tmp_path))
    _no_traceback(result)
    assert result.returncode == 1
    assert "no annotation files found" in result.stderr


def test_agreement_without_two_layers_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    built = _toolkit("convert", str(SEED), "--out", str(out))
    assert built.returncode == 0, built.stderr
    result = _toolkit("agreement", str(out), "--out", str(tmp_path / "reports"))
    _no_traceback(result)
    assert result.returncode == 2
    assert "no two annotator layers to compare" in result.stderr


def _jwt(payload: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "payload", [{"token_type": "refresh"}, {"exp": 1_000_000_000}], ids=["no-expiry", "expired"]
)
def test_a_bad_label_studio_token_is_a_clear_error(tmp_path: Path, payload: dict) -> None:
    token = _jwt(payload)
    env = {"LABEL_STUDIO_URL": "http://127.0.0.1:9", "LABEL_STUDIO_API_KEY": token}
    result = _toolkit("labelstudio", "pull", "--out", str(tmp_path), env=env)
    _no_traceback(result)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ")
    assert token not in result.stdout + result.stderr


def _hostile_tree(inputs: Path) -> set[str]:
    """Links, a FIFO, a bad name, containers and (not as root) locked entries; what must show."""
    inputs.mkdir()
    (inputs / "seed.txt").write_bytes(SEED.read_bytes())
    (inputs / "broken-link").symlink_to(inputs / "nowhere")
    (inputs / "loop-link").symlink_to(inputs / "loop-link")
    (inputs / "folder-link").symlink_to(inputs)
    os.mkfifo(inputs / "pipe")
    with open(os.path.join(os.fsencode(inputs), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"Officials met in Paris on Monday to discuss the talks.")
    (inputs / "lines.jsonl").write_text('{"text": "Talks went on."}\nnot json\n', encoding="utf-8")
    (inputs / "crawl.warc").write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Len")
    (inputs / ".hidden").write_text("skipped", encoding="utf-8")
    expected = {
        "seed.txt",
        "broken-link",
        "loop-link",
        "folder-link",
        "pipe",
        "caf\\xe9.txt",
        "lines.jsonl:1",
        "lines.jsonl:2",
        "crawl.warc",
    }
    if PERMISSIONS_ENFORCED:  # root reads everything, so these are refused to others only
        (inputs / "locked.txt").write_text("x", encoding="utf-8")
        (inputs / "locked.txt").chmod(0)
        (inputs / "locked-folder").mkdir()
        (inputs / "locked-folder" / "a.txt").write_text("x", encoding="utf-8")
        (inputs / "locked-folder").chmod(0)
        expected |= {"locked.txt", "locked-folder"}
    return expected


def test_a_hostile_tree_ends_as_documents_and_rejects(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    expected = _hostile_tree(inputs)
    out = tmp_path / "dataset"
    try:
        result = _toolkit("convert", str(inputs), "--out", str(out))
    finally:
        for locked in ("locked.txt", "locked-folder"):
            if (inputs / locked).exists():
                (inputs / locked).chmod(0o700)
    _no_traceback(result)
    assert result.returncode == 1, result.stderr
    documents = pq.read_table(out / "documents.parquet", columns=["source_path"]).to_pylist()
    rejects = pq.read_table(out / "rejects.parquet", columns=["input", "reason"]).to_pylist()
    prefix = inputs.as_posix() + "/"
    seen = {d["source_path"].removeprefix(prefix) for d in documents}
    seen |= {r["input"].removeprefix(prefix) for r in rejects}
    assert seen == expected
    assert "Skipped (not inputs): hidden files 1." in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["skipped"] == {"hidden files": 1}
