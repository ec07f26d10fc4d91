"""Scores of rules-v1 against gold, through the CLI and directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from toolkit.annotations.records import AnnotationFile, Span
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.preannotate.scores import score_against

from .test_rules import DOC


def write_dataset(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "doc_id": list(docs),
            "text": list(docs.values()),
            "text_sha256": [sha256_text(t) for t in docs.values()],
        }
    )
    pq.write_table(table, folder / "documents.parquet")


def gold_file(doc_id: str, text: str, spans: list[tuple[str, str]]) -> AnnotationFile:
    out = []
    for label, quote in spans:
        start = text.index(quote)
        out.append(
            Span(
                make_span_id(doc_id, label, start, start + len(quote)),
                start,
                start + len(quote),
                quote,
                label,
                {},
            )
        )
    return AnnotationFile(doc_id, sha256_text(text), "gold", "1.0.0", spans=out)


def test_cli_preannotate_then_score(tmp_path: Path) -> None:
    text = "Beijing condemned the sanctions. Talks in Washington ended."
    dataset = tmp_path / "dataset"
    write_dataset(dataset, {DOC: text})
    annotations = tmp_path / "annotations"
    runner = CliRunner()
    result = runner.invoke(cli, ["preannotate", str(dataset), "--out", str(annotations)])
    assert result.exit_code == 0, result.output
    assert result.output == "rules-v1: 1 file(s) written, 0 unchanged.\n"
    from toolkit.annotations.records import write_annotation_file

    gold = gold_file(
        DOC, text, [("ACTOR", "Beijing"), ("EVENT", "condemned"), ("LOCATION", "Washington ended")]
    )
    write_annotation_file(annotations / "gold" / f"{DOC}.json", gold)
    result = runner.invoke(
        cli, ["preannotate", "score", str(dataset), "--annotations", str(annotations)]
    )
    assert result.exit_code == 0, result.output
    scores: dict[str, Any] = json.loads((dataset / "preannotation_scores.json").read_text())
    exact = {row["label"]: row for row in scores["exact"]}
    overlap = {row["label"]: row for row in scores["overlap"]}
    assert (exact["ACTOR"]["tp"], exact["ACTOR"]["fp"], exact["ACTOR"]["fn"]) == (1, 0, 0)
    assert (exact["LOCATION"]["tp"], exact["LOCATION"]["fn"]) == (0, 1)
    assert overlap["LOCATION"]["tp"] == 1
    assert (exact["EVENT"]["tp"], exact["EVENT"]["fp"]) == (1, 2)  # sanctions, Talks
    md = (dataset / "preannotation_scores.md").read_text()
    assert "| LOCATION | 0 | 1 | 1 | 0.000 | 0.000 | 0.000 |" in md


def test_score_against_counts_per_label() -> None:
    gold = [
        {"doc_id": "d", "label": "ACTOR", "start": 0, "end": 5},
        {"doc_id": "d", "label": "EVENT", "start": 10, "end": 15},
    ]
    pred = [
        {"doc_id": "d", "label": "ACTOR", "start": 0, "end": 5},
        {"doc_id": "d", "label": "EVENT", "start": 12, "end": 18},
        {"doc_id": "other", "label": "EVENT", "start": 0, "end": 3},  # not in gold: ignored
    ]
    scores = score_against(pred, gold)
    exact = {r["label"]: r for r in scores["exact"]}
    overlap = {r["label"]: r for r in scores["overlap"]}
    assert (exact["EVENT"]["tp"], exact["EVENT"]["fp"], exact["EVENT"]["fn"]) == (0, 1, 1)
    assert overlap["EVENT"]["f1"] == 1.0
    assert exact["ACTOR"]["f1"] == 1.0


def test_scores_say_they_are_in_sample(tmp_path):
    from toolkit.preannotate.scores import IN_SAMPLE_CAVEAT, render_scores_markdown, score_layers

    scores = score_layers(tmp_path)
    assert scores["caveat"] == IN_SAMPLE_CAVEAT
    assert f"**Caveat.** {IN_SAMPLE_CAVEAT}" in render_scores_markdown(scores)
