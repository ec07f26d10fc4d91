"""Documents of a built dataset and prediction layers, read for Label Studio tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.annotations import (
    AnnotationFile,
    read_annotation_file,
)
from toolkit.errors import InputError

TASK_FIELDS = ("doc_id", "text_sha256", "title", "outlet", "published_date", "cluster_id")
"""Task data besides the text; the text is ``data.text``."""


@dataclass(frozen=True)
class TaskDocument:
    """One document as a Label Studio task: the clean text and the fields shown or matched on."""

    doc_id: str
    text: str
    text_sha256: str
    title: str = ""
    outlet: str = ""
    published_date: str = ""
    cluster_id: str = ""

    def data(self) -> dict[str, str]:
        """The task's ``data`` object."""
        return {
            "text": self.text,
            "doc_id": self.doc_id,
            "text_sha256": self.text_sha256,
            "title": self.title,
            "outlet": self.outlet,
            "published_date": self.published_date,
            "cluster_id": self.cluster_id,
        }


def read_documents(dataset_dir: str | Path) -> list[TaskDocument]:
    """Documents of a built dataset (``documents.parquet``), sorted by doc_id."""
    import pyarrow.parquet as pq

    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "no documents.parquet here; build the dataset first (toolkit convert ... --out DIR)",
            path=path,
        )
    wanted = ("doc_id", "text", *TASK_FIELDS[1:])
    try:
        # Only the task's columns: the nested spans, links and sentences are never decoded.
        parquet = pq.ParquetDataset(path)
        table = parquet.read(columns=[c for c in wanted if c in parquet.schema.names])
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc
    missing = [c for c in ("doc_id", "text", "text_sha256") if c not in table.column_names]
    if missing:
        raise InputError(f"documents.parquet lacks columns {missing}", path=path)
    rows = table.to_pylist()
    docs = []
    for row in rows:
        docs.append(
            TaskDocument(
                doc_id=row["doc_id"],
                text=row["text"],
                text_sha256=row["text_sha256"],
                title=row.get("title") or "",
                outlet=row.get("outlet") or "",
                published_date=str(row["published_date"]) if row.get("published_date") else "",
                cluster_id=row.get("cluster_id") or "",
            )
        )
    return sorted(docs, key=lambda d: d.doc_id)


def read_prediction_layer(layer_dir: str | Path) -> tuple[str, dict[str, AnnotationFile]]:
    """A layer's id (its folder name, used as model_version) and its files by doc_id."""
    base = Path(layer_dir)
    if not base.is_dir():
        raise InputError("prediction layer folder not found (e.g. annotations/rules-v1)", path=base)
    files = {}
    for path in sorted(base.glob("*.json")):
        annotation = read_annotation_file(path)
        files[annotation.doc_id] = annotation
    return base.name, files
