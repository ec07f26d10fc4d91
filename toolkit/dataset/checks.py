"""Checks of a built dataset: table schemas, metadata, ids, text hashes, sentences, spans."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from toolkit.annotations import DOC_ID_PATTERN
from toolkit.core import sha256_text
from toolkit.dataset.tables import (
    annotation_sets_schema,
    annotations_schema,
    documents_schema,
    rejects_schema,
)
from toolkit.errors import InputError, Problem
from toolkit.taxonomy import MACHINE_KINDS, Taxonomy, read_taxonomy


def read_texts(dataset_dir: str | Path) -> dict[str, str]:
    """doc_id -> normalized text of a built dataset."""
    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    table = pq.read_table(path, columns=["doc_id", "text"])
    return dict(
        zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist(), strict=True)
    )


def check_dataset(dataset_dir: str | Path, *, taxonomy: Taxonomy | None = None) -> list[Problem]:
    """Check a built dataset: table schemas, metadata, ids, text hashes, sentences and spans."""
    tax = taxonomy or read_taxonomy()
    base = Path(dataset_dir)
    problems = _check_tables(base, tax)
    if problems:
        return problems
    problems, texts = _check_documents(base, tax)
    problems.extend(_check_annotations(base, tax, texts))
    return problems


def _check_tables(base: Path, tax: Taxonomy) -> list[Problem]:
    """Every table is there, with the toolkit's schema and the current taxonomy's hash."""
    problems: list[Problem] = []
    expected = {
        "documents.parquet": documents_schema(tax),
        "annotations.parquet": annotations_schema(tax),
        "annotation_sets.parquet": annotation_sets_schema(),
        "rejects.parquet": rejects_schema(),
    }
    for name, schema in expected.items():
        table_path = base / name
        if not table_path.exists():
            problems.append(Problem(str(table_path), "missing; rebuild with `toolkit convert`"))
            continue
        actual = pq.read_schema(table_path)
        if not actual.remove_metadata().equals(schema):
            problems.append(
                Problem(
                    str(table_path),
                    "Arrow schema differs from the toolkit's "
                    f"{name} layout; rebuild with this version",
                )
            )
        meta = actual.metadata or {}
        got = meta.get(b"toolkit.taxonomy_sha256", b"").decode()
        if got != tax.sha256:
            problems.append(
                Problem(
                    str(table_path),
                    f"built with taxonomy {got[:12] or '(none)'} but "
                    f"the current taxonomy is {tax.short_hash}; rebuild",
                )
            )
    return problems


def _check_documents(base: Path, tax: Taxonomy) -> tuple[list[Problem], dict[str, str]]:
    """Ids, text hashes, sentences and gold spans of documents.parquet; also doc_id -> text."""
    problems: list[Problem] = []
    docs = pq.read_table(base / "documents.parquet").to_pylist()
    texts: dict[str, str] = {}
    doc_path = str(base / "documents.parquet")
    for row in docs:
        doc_id = row["doc_id"]
        if doc_id in texts:
            problems.append(Problem(doc_path, "duplicate doc_id", record_id=doc_id))
        texts[doc_id] = row["text"]
        if not DOC_ID_PATTERN.match(doc_id):
            problems.append(
                Problem(doc_path, "doc_id must look like doc_<16 hex>", record_id=doc_id)
            )
        if sha256_text(row["text"]) != row["text_sha256"]:
            problems.append(Problem(doc_path, "text_sha256 does not match text", record_id=doc_id))
        n = len(row["text"])
        prev_end = 0
        for k, sent in enumerate(row["sentences"] or []):
            if not (prev_end <= sent["start"] < sent["end"] <= n):
                problems.append(
                    Problem(
                        doc_path,
                        f"sentence {k} [{sent['start']}, {sent['end']}) is "
                        f"out of order or outside the text ({n} code points)",
                        record_id=doc_id,
                    )
                )
            prev_end = sent["end"]
        problems.extend(_check_span_rows(row["spans"] or [], row["text"], tax, doc_path, doc_id))
    return problems, texts


def _check_annotations(base: Path, tax: Taxonomy, texts: Mapping[str, str]) -> list[Problem]:
    """Every annotation layer names a document and its spans fit that document's text."""
    problems: list[Problem] = []
    kinds = {
        (r["doc_id"], r["annotator_id"]): r["source_kind"]
        for r in pq.read_table(base / "annotation_sets.parquet").to_pylist()
    }
    ann = pq.read_table(base / "annotations.parquet").to_pylist()
    ann_path = str(base / "annotations.parquet")
    by_layer: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in ann:
        by_layer.setdefault((row["doc_id"], row["annotator_id"]), []).append(row)
    for (doc_id, annotator), rows in sorted(by_layer.items()):
        if doc_id not in texts:
            problems.append(
                Problem(
                    ann_path,
                    f"document {doc_id} is not in documents.parquet",
                    record_id=f"{annotator}/{doc_id}",
                )
            )
            continue
        problems.extend(
            _check_span_rows(
                rows,
                texts[doc_id],
                tax,
                ann_path,
                f"{annotator}/{doc_id}",
                complete=kinds.get((doc_id, annotator)) not in MACHINE_KINDS,
            )
        )
    return problems


def _check_span_rows(
    rows: list[dict[str, Any]],
    text: str,
    tax: Taxonomy,
    path: str,
    record: str,
    *,
    complete: bool = True,
) -> list[Problem]:
    problems = []
    ids = {r["span_id"]: r["label"] for r in rows}
    if len(ids) != len(rows):
        problems.append(Problem(path, "duplicate span_id", record_id=record))
    for r in rows:
        rid = f"{record}#{r['span_id']}"
        if not (0 <= r["start"] < r["end"] <= len(text)):
            problems.append(
                Problem(path, f"offsets [{r['start']}, {r['end']}) outside the text", record_id=rid)
            )
        elif text[r["start"] : r["end"]] != r["text"]:
            problems.append(
                Problem(
                    path,
                    f"text[{r['start']}:{r['end']}] is "
                    f"{text[r['start'] : r['end']]!r} but the span quotes "
                    f"{r['text']!r}",
                    record_id=rid,
                )
            )
        attrs = {k: v for k, v in (r["attributes"] or {}).items() if v is not None}
        for message in tax.check_attributes(r["label"], attrs, complete=complete):
            problems.append(Problem(path, message, record_id=rid))
        for rel in r["relations"] or []:
            if rel["to_span_id"] not in ids:
                problems.append(
                    Problem(
                        path,
                        f"{rel['type']} points to missing span {rel['to_span_id']}",
                        record_id=rid,
                    )
                )
    return problems
