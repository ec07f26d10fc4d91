"""Tests for toolkit.agreement.checks and the column checks of read_layers: clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from toolkit.agreement.layers import Layers, read_layers
from toolkit.agreement.study import compute_agreement
from toolkit.cli import cli
from toolkit.errors import InputError

from .test_layers import make_layers, seed_spans

EXCLUDED = "agreement compares two or more layers other than gold, rules-*, model-*"


def layer_set(seed_texts: dict[str, str], names: list[str]) -> Layers:
    docs = list(seed_texts)
    spans = [s for n in names for s in seed_spans(seed_texts, n)]
    return make_layers(seed_texts, spans, {n: docs for n in names})


@pytest.mark.parametrize(
    ("names", "annotators", "message"),
    [
        pytest.param(
            ["gold", "rules-v1"],
            None,
            "no two annotator layers to compare; found: gold, rules-v1 (excluded by default: "
            f"gold, rules-v1); {EXCLUDED}, or the layers chosen by name",
            id="only-gold-and-rules",
        ),
        pytest.param(
            ["pass-a", "gold"],
            None,
            "no two annotator layers to compare; found: gold, pass-a (excluded by default: "
            f"gold); {EXCLUDED}, or the layers chosen by name",
            id="one-annotator-layer",
        ),
        pytest.param(
            [],
            None,
            "no two annotator layers to compare; found: (none) (excluded by default: none); "
            f"{EXCLUDED}, or the layers chosen by name",
            id="no-layers",
        ),
        pytest.param(
            ["pass-a", "pass-b"],
            ["pass-a"],
            "no two annotator layers to compare; chosen: pass-a; layers present: pass-a, "
            "pass-b; choose two or more",
            id="one-chosen",
        ),
        pytest.param(
            ["pass-a", "pass-b"],
            [],
            "no two annotator layers to compare; chosen: (none); layers present: pass-a, "
            "pass-b; choose two or more",
            id="none-chosen",
        ),
    ],
)
def test_fewer_than_two_annotators_is_an_input_error(
    seed_texts: dict[str, str], names: list[str], annotators: list[str] | None, message: str
) -> None:
    with pytest.raises(InputError) as info:
        compute_agreement(layer_set(seed_texts, names), annotators=annotators, n_bootstrap=0)
    assert str(info.value) == message


def test_no_shared_document_is_an_input_error(seed_texts: dict[str, str]) -> None:
    docs = list(seed_texts)
    spans = seed_spans(seed_texts, "pass-a") + seed_spans(seed_texts, "pass-b")
    layers = make_layers(seed_texts, spans, {"pass-a": docs[:3], "pass-b": docs[3:]})
    with pytest.raises(InputError) as info:
        compute_agreement(layers, n_bootstrap=0)
    assert str(info.value) == (
        "no document completed by two or more of the compared annotators (completed "
        "documents: pass-a: 3, pass-b: 2); agreement needs documents that two annotators "
        "both completed"
    )


def _tamper(layers: Layers, change: dict[str, Any]) -> tuple[Layers, dict[str, Any]]:
    """Layers with the first pass-b span changed, and that span's row before the change."""
    ann = layers.annotations.with_row_index("_i")
    target = ann.filter(pl.col("annotator_id") == "pass-b").row(0, named=True)
    exprs = [
        pl.when(pl.col("_i") == target["_i"])
        .then(pl.lit(value, dtype=ann.schema[name]))
        .otherwise(pl.col(name))
        .alias(name)
        for name, value in change.items()
    ]
    tampered = ann.with_columns(exprs).drop("_i")
    return Layers(tampered, layers.annotation_sets, layers.documents), target


def _length(seed_texts: dict[str, str], row: dict[str, Any]) -> int:
    return len(seed_texts[row["doc_id"]])


@pytest.mark.parametrize(
    ("change", "offsets", "reason"),
    [
        pytest.param(
            lambda r, n: {"end": r["start"]},
            lambda r, n: f"{r['start']}-{r['start']}",
            "end <= start",
            id="empty-span",
        ),
        pytest.param(
            lambda r, n: {"end": r["start"] - 1},
            lambda r, n: f"{r['start']}-{r['start'] - 1}",
            "end <= start",
            id="end-before-start",
        ),
        pytest.param(
            lambda r, n: {"start": -1},
            lambda r, n: f"-1-{r['end']}",
            "negative start",
            id="negative-start",
        ),
        pytest.param(
            lambda r, n: {"end": n + 5},
            lambda r, n: f"{r['start']}-{n + 5}",
            "end after the text",
            id="end-after-text",
        ),
        pytest.param(
            lambda r, n: {"start": r["start"] + 1, "end": r["end"] + 1},
            lambda r, n: f"{r['start'] + 1}-{r['end'] + 1}",
            "quote differs from the text at these offsets",
            id="shifted",
        ),
    ],
)
def test_spans_that_do_not_fit_their_text_are_an_input_error(
    two_pass_layers: Layers,
    seed_texts: dict[str, str],
    change: Callable[[dict[str, Any], int], dict[str, Any]],
    offsets: Callable[[dict[str, Any], int], str],
    reason: str,
) -> None:
    first = two_pass_layers.annotations.filter(pl.col("annotator_id") == "pass-b").row(
        0, named=True
    )
    n = _length(seed_texts, first)
    layers, row = _tamper(two_pass_layers, change(first, n))
    with pytest.raises(InputError) as info:
        compute_agreement(layers, n_bootstrap=0)
    assert str(info.value) == (
        f"layer pass-b, document {row['doc_id']}, span {row['span_id']}: offsets "
        f"{offsets(row, n)} do not fit the text ({reason}); valid offsets are "
        f"0 <= start < end <= {n} (the text length) with text[start:end] equal to the "
        "span's quote"
    )


def test_every_bad_span_is_counted(two_pass_layers: Layers) -> None:
    ann = two_pass_layers.annotations.with_columns(
        pl.when(pl.col("annotator_id") == "pass-b")
        .then(pl.col("start"))
        .otherwise(pl.col("end"))
        .alias("end")
    )
    n_b = ann.filter(pl.col("annotator_id") == "pass-b").height
    layers = Layers(ann, two_pass_layers.annotation_sets, two_pass_layers.documents)
    with pytest.raises(InputError, match=rf"; {n_b - 1} more span\(s\) like it$"):
        compute_agreement(layers, n_bootstrap=0)


def _write(layers: Layers, root: Path) -> Path:
    root.mkdir()
    layers.annotations.write_parquet(root / "annotations.parquet")
    layers.annotation_sets.write_parquet(root / "annotation_sets.parquet")
    layers.documents.write_parquet(root / "documents.parquet")
    return root


@pytest.mark.parametrize(
    ("file", "column", "needed"),
    [
        pytest.param(
            "annotations.parquet",
            "end",
            "doc_id, annotator_id, span_id, label, start, end, text, attributes, relations",
            id="annotations-end",
        ),
        pytest.param(
            "annotations.parquet",
            "annotator_id",
            "doc_id, annotator_id, span_id, label, start, end, text, attributes, relations",
            id="annotations-annotator",
        ),
        pytest.param(
            "annotation_sets.parquet",
            "status",
            "doc_id, annotator_id, status",
            id="sets-status",
        ),
        pytest.param(
            "documents.parquet", "sentences", "doc_id, text, sentences", id="documents-sentences"
        ),
    ],
)
def test_missing_column_is_an_input_error_naming_the_file(
    two_pass_layers: Layers, tmp_path: Path, file: str, column: str, needed: str
) -> None:
    root = _write(two_pass_layers, tmp_path / "dataset")
    pl.read_parquet(root / file).drop(column).write_parquet(root / file)
    message = (
        f"{root / file}: missing column(s) {column}; agreement needs {needed} "
        "(rebuild the dataset with `toolkit convert`)"
    )
    with pytest.raises(InputError) as info:
        read_layers(root)
    assert str(info.value) == message
    res = CliRunner().invoke(cli, ["agreement", str(root), "--out", str(tmp_path / "out")])
    assert (res.exit_code, res.output) == (2, f"Error: {message}\n")


def test_cli_names_the_layers_when_none_compare(seed_texts: dict[str, str], tmp_path: Path) -> None:
    root = _write(layer_set(seed_texts, ["gold", "pass-a"]), tmp_path / "dataset")
    res = CliRunner().invoke(cli, ["agreement", str(root), "--out", str(tmp_path / "out")])
    assert (res.exit_code, res.output) == (
        2,
        "Error: no two annotator layers to compare; found: gold, pass-a (excluded by default: "
        f"gold); {EXCLUDED}, or the layers chosen by name\n",
    )
    assert not (tmp_path / "out").exists()
