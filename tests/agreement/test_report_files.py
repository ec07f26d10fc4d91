"""Tests for toolkit.agreement.report_files: report files and the agreement CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from toolkit.agreement.layers import Layers, read_layers
from toolkit.agreement.study import compute_agreement
from toolkit.cli import cli


def test_report_files_and_cli(two_pass_layers: Layers, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    two_pass_layers.annotations.write_parquet(dataset / "annotations.parquet")
    two_pass_layers.annotation_sets.write_parquet(dataset / "annotation_sets.parquet")
    two_pass_layers.documents.write_parquet(dataset / "documents.parquet")
    out = tmp_path / "reports"
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "agreement",
            str(dataset),
            "--out",
            str(out),
            "--bootstrap",
            "50",
            "--review-tasks",
            str(out / "review.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "2 annotator(s), 5 document(s) compared" in res.output
    assert "Wrote 3 review task(s)" in res.output
    data = json.loads((out / "agreement.json").read_text())
    assert data == compute_agreement(read_layers(dataset), n_bootstrap=50, seed=0).data
    md = (out / "agreement.md").read_text()
    assert "## Disagreements for adjudication" in md and "| missed span |" in md
    html = (out / "agreement.html").read_text()
    assert html.count("<svg") >= 4 and 'class="report sortable"' in html
    res = runner.invoke(cli, ["agreement", str(tmp_path), "--out", str(out)])
    assert res.exit_code == 2
    assert res.output.startswith(f"Error: {tmp_path / 'annotations.parquet'}: missing Parquet file")
