"""Push: create or update a project's tasks and predictions, idempotent by doc_id."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from label_studio_sdk.label_interface import LabelInterface

from toolkit.annotations import (
    AnnotationFile,
)
from toolkit.labelstudio.api import RetryPolicy, _call, call_api
from toolkit.labelstudio.label_config import (
    make_label_config,
)
from toolkit.labelstudio.predictions import PredictionChecker, build_predictions
from toolkit.labelstudio.projects import ExistingTask, ensure_project, lookup_tasks
from toolkit.labelstudio.results import _result_key
from toolkit.labelstudio.tasks import TaskDocument
from toolkit.taxonomy import Taxonomy

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """A document push would not touch, and why."""

    doc_id: str
    task_id: int | None
    message: str

    def __str__(self) -> str:
        task = f" (task {self.task_id})" if self.task_id is not None else ""
        return f"{self.doc_id}{task}: {self.message}"


@dataclass
class PushResult:
    """What a push did; ``refused`` lists documents left alone on purpose."""

    project_id: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    predictions_set: int = 0
    predictions_removed: int = 0
    refused: list[Refusal] = field(default_factory=list)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def push_documents(
    client: Any,
    documents: Sequence[TaskDocument],
    *,
    project_title: str,
    taxonomy: Taxonomy,
    prediction_layers: Sequence[tuple[str, dict[str, AnnotationFile]]] = (),
    batch_size: int = 500,
    retry: RetryPolicy = RetryPolicy(),
    progress: bool = False,
) -> PushResult:
    """Create or update the project and its tasks; idempotent by data.doc_id."""
    from tqdm import tqdm

    label_config = make_label_config(taxonomy)
    checker = PredictionChecker(LabelInterface(label_config))
    show = prediction_layers[-1][0] if prediction_layers else None
    project_id, task_count = ensure_project(
        client, project_title, label_config, model_version=show, retry=retry
    )
    result = PushResult(project_id=project_id)
    ordered = _unique_documents(documents, result)
    # A project empty at the start holds none of our documents, and doc ids are unique, so a
    # first push skips the lookups entirely; a resumed or repeated push looks every batch up.
    look_up = task_count > 0
    with (
        tqdm(total=len(ordered), unit="doc", desc="push", disable=not progress) as bar,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="ls-import") as pool,
    ):
        # One import in flight while the next batch is built and validated (CPU overlaps I/O).
        inflight: Future[Imported] | None = None
        for batch in _chunks(ordered, batch_size):
            existing = (
                lookup_tasks(client, project_id, [d.doc_id for d in batch], retry)
                if look_up
                else {}
            )
            new, new_ids = _prepare_batch(
                client, batch, existing, prediction_layers, taxonomy, checker, result, retry
            )
            if inflight is not None:
                inflight.result().add_to(result)
                inflight = None
            if new:
                inflight = pool.submit(_import_batch, client, project_id, new, new_ids, retry)
            bar.update(len(batch))
        if inflight is not None:
            inflight.result().add_to(result)
    return result


def _unique_documents(documents: Sequence[TaskDocument], result: PushResult) -> list[TaskDocument]:
    """The documents sorted by doc_id, each once; a repeated doc_id is refused."""
    docs: dict[str, TaskDocument] = {}
    for doc in documents:
        if doc.doc_id in docs:
            result.refused.append(Refusal(doc.doc_id, None, "listed twice; the first is pushed"))
        docs.setdefault(doc.doc_id, doc)
    return [docs[d] for d in sorted(docs)]


def _prepare_batch(
    client: Any,
    batch: Sequence[TaskDocument],
    existing: dict[str, list[ExistingTask]],
    prediction_layers: Sequence[tuple[str, dict[str, AnnotationFile]]],
    taxonomy: Taxonomy,
    checker: PredictionChecker,
    result: PushResult,
    retry: RetryPolicy,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Update the batch's existing tasks; return the new tasks to import and their doc ids."""
    new: list[dict[str, Any]] = []
    new_ids: list[str] = []
    for doc in batch:
        preds, problems = build_predictions(doc, prediction_layers, taxonomy, checker)
        result.refused += [Refusal(doc.doc_id, None, p) for p in problems]
        tasks = existing.get(doc.doc_id, [])
        if not tasks:
            new.append(
                {
                    "data": doc.data(),
                    "predictions": [{"model_version": mv, "result": r} for mv, r in preds.items()],
                }
            )
            new_ids.append(doc.doc_id)
            continue
        if len(tasks) > 1:
            ids = ", ".join(str(t.task_id) for t in tasks)
            result.refused.append(
                Refusal(
                    doc.doc_id,
                    tasks[0].task_id,
                    f"{len(tasks)} tasks hold this document (ids {ids}); "
                    "delete the extra ones in Label Studio",
                )
            )
            continue
        _update_task(client, tasks[0], doc, preds, prediction_layers, result, retry)
    return new, new_ids


def _update_task(
    client: Any,
    task: ExistingTask,
    doc: TaskDocument,
    preds: dict[str, list[dict[str, Any]]],
    layers: Sequence[tuple[str, dict[str, AnnotationFile]]],
    result: PushResult,
    retry: RetryPolicy,
) -> None:
    text_changed = task.data.get("text_sha256") != doc.text_sha256
    if text_changed and task.annotated:
        result.refused.append(
            Refusal(
                doc.doc_id,
                task.task_id,
                "the document text changed (text_sha256 "
                f"{str(task.data.get('text_sha256'))[:12]} -> {doc.text_sha256[:12]}) but the task "
                "already has annotations whose offsets would break; not updated. Pull its "
                "annotations, then create a new project or delete the task's annotations",
            )
        )
        return
    changed = False
    if task.data != doc.data():
        _call(
            f"updating task {task.task_id} ({doc.doc_id})",
            lambda: client.tasks.update(id=str(task.task_id), data=doc.data()),
            retry,
        )
        changed = True
    for model_version, _files in layers:
        mine = [p for p in task.predictions if p[1] == model_version]
        wanted = preds.get(model_version)
        if (
            wanted is not None
            and not text_changed
            and len(mine) == 1
            and mine[0][2] == _result_key(wanted)
        ):
            continue
        if wanted is None and not mine:
            continue
        for pid, _mv, _key in mine:
            _call(
                f"deleting prediction {pid} of task {task.task_id}",
                lambda pid=pid: client.predictions.delete(id=pid),  # type: ignore[misc]
                retry,
            )
            result.predictions_removed += 1
        if wanted is not None:
            _call(
                f"adding a {model_version} prediction to task {task.task_id}",
                lambda wanted=wanted, mv=model_version: client.predictions.create(  # type: ignore[misc]
                    task=task.task_id, result=wanted, model_version=mv
                ),
                retry,
            )
            result.predictions_set += 1
        changed = True
    if changed:
        result.updated += 1
    else:
        result.unchanged += 1


@dataclass
class Imported:
    """What one import batch really left on the server."""

    created: int = 0
    predictions_set: int = 0
    refused: list[Refusal] = field(default_factory=list)

    def add_to(self, result: PushResult) -> None:
        """Count this batch into the push's result."""
        result.created += self.created
        result.predictions_set += self.predictions_set
        result.refused += self.refused


def _import_batch(
    client: Any,
    project_id: int,
    tasks: list[dict[str, Any]],
    doc_ids: list[str],
    retry: RetryPolicy,
) -> Imported:
    """Import one batch: how many of its tasks now exist (none twice), with which predictions."""
    pending = {doc_id: task for doc_id, task in zip(doc_ids, tasks, strict=True)}
    arrived_before = 0

    def recheck() -> bool:
        nonlocal arrived_before
        # The failed request may have been committed: import only what is still missing.
        for doc_id in lookup_tasks(client, project_id, list(pending), retry):
            pending.pop(doc_id, None)
            arrived_before += 1
        return bool(pending)

    what = f"importing {len(tasks)} tasks into project {project_id}"
    answer = call_api(
        what,
        lambda: client.projects.import_tasks(
            id=project_id, request=list(pending.values()), return_task_ids=True
        ),
        retry,
        before_retry=recheck,
    )
    imported = Imported(created=arrived_before + (len(pending) if answer is not None else 0))
    _confirm_predictions(
        client, project_id, dict(zip(doc_ids, tasks, strict=True)), retry, imported
    )
    return imported


def _confirm_predictions(
    client: Any,
    project_id: int,
    sent: dict[str, dict[str, Any]],
    retry: RetryPolicy,
    imported: Imported,
) -> None:
    """Count the predictions the server really stored with the imported tasks; add missing ones.

    Label Studio 1.23 on SQLite sometimes answers an import under load with 201 and
    ``prediction_count: 0``: the tasks are there, their predictions are not.
    """
    wanted = {doc_id: task["predictions"] for doc_id, task in sent.items() if task["predictions"]}
    if not wanted:
        return
    found = lookup_tasks(client, project_id, list(wanted), retry)
    for doc_id, predictions in wanted.items():
        tasks = found.get(doc_id, [])
        if len(tasks) != 1:
            imported.refused.append(
                Refusal(
                    doc_id,
                    None,
                    f"imported, but Label Studio lists {len(tasks)} tasks of it; push again",
                )
            )
            continue
        task = tasks[0]
        stored = {model_version for _pid, model_version, _key in task.predictions}
        for prediction in predictions:
            model_version = prediction["model_version"]
            if model_version not in stored:
                _call(
                    f"adding the {model_version} prediction the import of task {task.task_id} "
                    "did not store",
                    lambda p=prediction, t=task.task_id: client.predictions.create(  # type: ignore[misc]
                        task=t, result=p["result"], model_version=p["model_version"]
                    ),
                    retry,
                )
            imported.predictions_set += 1
