"""Tests for the `toolkit baseline` commands: train, evaluate and predict end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.baseline.corpus import read_corpus
from toolkit.cli import cli


def test_cli_train_evaluate_predict(dataset_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    models = tmp_path / "models"
    result = runner.invoke(
        cli,
        [
            "baseline",
            "train",
            str(dataset_dir),
            "--out",
            str(models),
            "--folds",
            "3",
            "--bootstrap",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    card = json.loads((models / "model_card.json").read_text(encoding="utf-8"))
    assert card["scores"]["cv"] == "GroupKFold (3 folds over 6 clusters)"
    assert card["data_version"] == read_corpus(dataset_dir).data_version
    report = tmp_path / "report"
    result = runner.invoke(
        cli,
        [
            "baseline",
            "evaluate",
            str(dataset_dir),
            "--out",
            str(report),
            "--folds",
            "2",
            "--bootstrap",
            "20",
            "--fractions",
            "0.5,1",
            "--repeats",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in report.iterdir()) == [
        "evaluation.html",
        "evaluation.json",
        "evaluation.md",
    ]
    out = tmp_path / "annotations"
    result = runner.invoke(
        cli,
        ["baseline", "predict", str(models), str(dataset_dir), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert len(list((out / "model-baseline").glob("*.json"))) == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fractions", "0,1"], "every fraction must be in (0, 1]"),
        (["--fractions", "half"], "give comma-separated numbers in (0, 1]"),
    ],
    ids=["zero-fraction", "not-a-number"],
)
def test_cli_evaluate_rejects_bad_fractions(
    dataset_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        cli, ["baseline", "evaluate", str(dataset_dir), "--out", str(tmp_path), *args]
    )
    assert result.exit_code == 2
    assert message in result.output


def test_cli_predict_without_model_is_exit_2(dataset_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["baseline", "predict", str(tmp_path), str(dataset_dir)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path / 'model_card.json'}: no model_card.json; train with "
        "`toolkit baseline train`\n"
    )
