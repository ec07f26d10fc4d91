"""Documents in, annotation layers out: reading a dataset, writing rules-v1, reading layers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.annotations import AnnotationFile, annotation_path, write_annotation_file
from toolkit.core import check_engine
from toolkit.errors import InputError
from toolkit.preannotate.rules import LAYER, RuleSet, default_rules


@dataclass(frozen=True)
class DocumentText:
    """What the pre-annotator needs of one document."""

    doc_id: str
    text: str
    text_sha256: str
    sentences: tuple[tuple[int, int], ...] = ()


def read_documents(dataset_dir: str | Path) -> list[DocumentText]:
    """Documents of a built dataset (documents.parquet), sorted by doc_id."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "documents.parquet not found; build the dataset with `toolkit convert`", path=path
        )
    try:
        schema = pq.read_schema(path)
        wanted = [c for c in ("doc_id", "text", "text_sha256", "sentences") if c in schema.names]
        table = pq.read_table(path, columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc
    missing = {"doc_id", "text", "text_sha256"} - set(table.column_names)
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(sorted(missing))}; need doc_id, text, text_sha256",
            path=path,
        )
    docs = []
    for row in table.to_pylist():
        sentences = tuple((int(s["start"]), int(s["end"])) for s in row.get("sentences") or ())
        docs.append(DocumentText(row["doc_id"], row["text"], row["text_sha256"], sentences))
    return sorted(docs, key=lambda d: d.doc_id)


def preannotate_documents(
    documents: Iterable[DocumentText], out_dir: str | Path, rules: RuleSet | None = None
) -> tuple[int, int]:
    """Write one rules-v1 annotation file per document; returns (files written, files unchanged)."""
    ruleset = rules or default_rules()
    written = unchanged = 0
    for doc in documents:
        annotation = ruleset.annotation_file(
            doc.doc_id, doc.text, text_sha256=doc.text_sha256, sentences=doc.sentences or None
        )
        if write_annotation_file(annotation_path(out_dir, LAYER, doc.doc_id), annotation):
            written += 1
        else:
            unchanged += 1
    return written, unchanged


def preannotate(
    dataset_dir: str | Path, out_dir: str | Path, *, engine: str = "local"
) -> tuple[int, int]:
    """Pre-annotate every document of a built dataset into ``out_dir/rules-v1/``.

    ``engine`` ``"ray"`` runs the same rule set on Ray Data workers (see engine_ray).
    """
    check_engine(engine)
    if engine == "ray":
        from toolkit.preannotate.engine_ray import preannotate_with_ray

        return preannotate_with_ray(dataset_dir, out_dir)
    return preannotate_documents(read_documents(dataset_dir), out_dir)


def read_layer(annotations_dir: str | Path, layer: str) -> list[AnnotationFile]:
    """Every annotation file of one layer (``annotations_dir/layer/*.json``), sorted by doc_id."""
    from toolkit.annotations import read_annotation_file

    folder = Path(annotations_dir) / layer
    return [read_annotation_file(p) for p in sorted(folder.glob("*.json"))]


def layer_rows(annotations: Iterable[AnnotationFile]) -> list[dict[str, Any]]:
    """Span rows (doc_id, label, start, end) of annotation files, for scoring."""
    return sorted(
        (
            {"doc_id": a.doc_id, "label": s.label, "start": s.start, "end": s.end}
            for a in annotations
            for s in a.spans
        ),
        key=lambda r: (r["doc_id"], r["start"], r["end"], r["label"]),
    )
