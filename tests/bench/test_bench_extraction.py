"""The extraction benchmark's data loading and its figures, on a tiny hand-made data folder."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.bench.bench_extraction import load_pages, main

BODY = (
    "Taiwan's coast guard said on Tuesday that it had tracked four Chinese vessels sailing near "
    "the Kinmen islands for most of the morning, the third such incident this month. The vessels "
    "left the restricted waters after repeated radio warnings, a spokesperson told reporters."
)


def test_missing_data_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit) as caught:
        load_pages(tmp_path / "extraction-dev")
    assert str(caught.value) == (
        f"extraction-dev data not found: {tmp_path / 'extraction-dev' / 'ground-truth.json'} is "
        "missing; expected the folder ../shared/data/extraction-dev (ground-truth.json and "
        "html/<key>.html.gz) beside the project, or pass --data DIR"
    )


def test_scores_both_systems_on_both_parts(tmp_path, capsys):
    (tmp_path / "html").mkdir()
    truth = {}
    for key in ("a", "g"):  # "g" is in the held-out third, "a" is not
        page = f"<!DOCTYPE html><html><body><article><p>{BODY}</p></article></body></html>"
        (tmp_path / "html" / f"{key}.html.gz").write_bytes(gzip.compress(page.encode()))
        truth[key] = {"url": f"https://example.org/{key}", "articleBody": BODY}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth))
    assert main(["--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "development (two thirds):"
    assert lines[1].startswith("  toolkit      F1 1.000  P 1.000  R 1.000")
    assert lines[2].startswith("  trafilatura  F1 1.000  P 1.000  R 1.000")
    assert lines[1].endswith("(1 pages)")
    assert lines[3].startswith("  speed ratio toolkit/trafilatura: ")
    assert lines[3].endswith("x")
    assert "held-out third (SHA-256 of the key divisible by 3):" in lines
