"""Label Studio projects found or made by title, and their tasks looked up by doc_id."""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
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


def _titled(client: Any, title: str, retry: RetryPolicy) -> list[Any]:
    """Every project with exactly this title, oldest first."""
    found = _call(
        f"listing projects titled {title!r}",
        lambda: [p for p in client.projects.list(title=title) if p.title == title],
        retry,
    )
    return sorted(found, key=lambda p: int(p.id))


def find_project(client: Any, title: str, retry: RetryPolicy = RetryPolicy()) -> Any | None:
    """The project with exactly this title, or None; error when the title is ambiguous.

    Two projects with one title may be a moment of a concurrent push's creation (which deletes
    its own copy at once): the list is asked again, with backoff, before that is an error.
    """
    for attempt in range(retry.attempts):
        found = _titled(client, title, retry)
        if len(found) <= 1:
            return found[0] if found else None
        if attempt < retry.attempts - 1:
            retry.sleep(retry.delay(attempt))
    ids = ", ".join(str(p.id) for p in found)
    raise LabelStudioError(
        f"{len(found)} projects are titled {title!r} (ids {ids}); rename all but one"
    )


@contextlib.contextmanager
def creation_lock(client: Any, title: str) -> Iterator[None]:
    """Serialize find-or-create of one title on one server among this machine's processes."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the check after creating still keeps one project
        yield
        return
    base_url = str(client._client_wrapper.get_base_url()).rstrip("/")
    key = hashlib.sha256(f"{base_url}\n{title}".encode()).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / "geoevent-toolkit-locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"labelstudio-project-{key}.lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _create_project(
    client: Any, title: str, label_config: str, model_version: str | None, retry: RetryPolicy
) -> tuple[Any, bool]:
    """Create the project; returns (project, made by us). Keeps one project per title.

    Another machine's push may create the same title at the same moment: after creating, the
    projects with this title are listed again; if an older one exists, ours (still empty) is
    deleted and the older one is used.
    """
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
        before_retry=lambda: not _titled(client, title, retry),
    )
    if created is None:
        project = find_project(client, title, retry)
        assert project is not None, "before_retry stopped because the project exists"
        return project, False
    pid = int(created.id)
    oldest = _titled(client, title, retry)[0]
    if int(oldest.id) == pid:
        return created, True
    ours = _call(f"reading project {pid}", lambda: client.projects.get(id=pid), retry)
    if int(getattr(ours, "task_number", 0) or 0) > 0:
        raise LabelStudioError(
            f"projects {oldest.id} and {pid} are both titled {title!r} and {pid} already has "
            "tasks: another push created the title at the same time; rename one"
        )
    _call(f"deleting the duplicate project {pid}", lambda: client.projects.delete(id=pid), retry)
    return oldest, False


def ensure_project(
    client: Any,
    title: str,
    label_config: str,
    *,
    model_version: str | None = None,
    retry: RetryPolicy = RetryPolicy(),
) -> tuple[int, int]:
    """Create the project or bring its config up to date; returns (project id, task count)."""
    with creation_lock(client, title):
        project = find_project(client, title, retry)
        if project is None:
            project, made = _create_project(client, title, label_config, model_version, retry)
            if made:
                return int(project.id), 0
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
