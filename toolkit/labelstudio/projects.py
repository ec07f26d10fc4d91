"""Label Studio projects found or made by title, and their tasks looked up by doc_id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from toolkit.errors import LabelStudioError
from toolkit.labelstudio.api import RetryPolicy, _call, call_api
from toolkit.labelstudio.results import _result_key

LOOKUP_FIELDS = "id,data,predictions,total_annotations,cancelled_annotations"


@dataclass(frozen=True)
class ExistingTask:
    """The parts of a Label Studio task push compares against."""

    task_id: int
    doc_id: str
    data: dict[str, Any]
    annotated: bool
    predictions: tuple[tuple[int, str, str], ...]
    """(prediction id, model_version, result key) of every prediction."""


def find_project(client: Any, title: str, retry: RetryPolicy = RetryPolicy()) -> Any | None:
    """The project with exactly this title, or None; error when the title is ambiguous."""
    found = _call(
        f"listing projects titled {title!r}",
        lambda: [p for p in client.projects.list(title=title) if p.title == title],
        retry,
    )
    if len(found) > 1:
        ids = ", ".join(str(p.id) for p in found)
        raise LabelStudioError(
            f"{len(found)} projects are titled {title!r} (ids {ids}); rename all but one"
        )
    return found[0] if found else None


def ensure_project(
    client: Any,
    title: str,
    label_config: str,
    *,
    model_version: str | None = None,
    retry: RetryPolicy = RetryPolicy(),
) -> tuple[int, int]:
    """Create the project or bring its config up to date; returns (project id, task count)."""
    project = find_project(client, title, retry)
    if project is None:
        # The server validates the config on create; a failed create may still have happened.
        created = call_api(
            f"creating project {title!r}",
            lambda: client.projects.create(
                title=title,
                label_config=label_config,
                description="Made by geoevent-toolkit; config from schemas/taxonomy.json.",
                show_collab_predictions=True,
                **({"model_version": model_version} if model_version else {}),
            ),
            retry,
            before_retry=lambda: find_project(client, title, retry) is None,
        )
        if created is not None:
            return int(created.id), 0
        project = find_project(client, title, retry)
        assert project is not None, "before_retry stopped because the project exists"
    pid = int(project.id)
    changes: dict[str, Any] = {}
    if (project.label_config or "").strip() != label_config.strip():
        _call(
            f"validating the labeling config of project {pid}",
            lambda: client.projects.validate_label_config(id=pid, label_config=label_config),
            retry,
        )
        changes["label_config"] = label_config
    if model_version and getattr(project, "model_version", None) != model_version:
        changes["model_version"] = model_version
    if changes:
        _call(
            f"updating project {pid}",
            lambda: client.projects.update(id=pid, **changes),
            retry,
        )
    return pid, int(getattr(project, "task_number", 0) or 0)


def _doc_filter(doc_ids: Sequence[str]) -> str:
    return json.dumps(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:data.doc_id",
                        "operator": "in_list",
                        "type": "List",
                        "value": list(doc_ids),
                    }
                ],
            }
        }
    )


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def lookup_tasks(
    client: Any, project_id: int, doc_ids: Sequence[str], retry: RetryPolicy = RetryPolicy()
) -> dict[str, list[ExistingTask]]:
    """Existing tasks of these documents (by data.doc_id), with their predictions."""
    if not doc_ids:
        return {}

    def fetch() -> list[Any]:
        # Only the fields compared here: the full task list is ~5x slower to serialize.
        pager = client.tasks.list(
            project=project_id,
            fields="all",
            include=LOOKUP_FIELDS,
            page_size=max(len(doc_ids), 10),
            query=_doc_filter(doc_ids),
        )
        return list(pager)

    found: dict[str, list[ExistingTask]] = {}
    for task in _call(f"looking up {len(doc_ids)} tasks in project {project_id}", fetch, retry):
        data = dict(_field(task, "data") or {})
        preds = tuple(
            (
                int(_field(p, "id")),
                str(_field(p, "model_version") or ""),
                _result_key(_field(p, "result") or []),
            )
            for p in _field(task, "predictions") or []
        )
        annotated = bool(
            (_field(task, "total_annotations") or 0) + (_field(task, "cancelled_annotations") or 0)
            or _field(task, "annotations")
        )
        existing = ExistingTask(
            task_id=int(_field(task, "id")),
            doc_id=str(data.get("doc_id")),
            data=data,
            annotated=annotated,
            predictions=preds,
        )
        found.setdefault(existing.doc_id, []).append(existing)
    return found
