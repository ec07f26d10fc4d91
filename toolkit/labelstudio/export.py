"""Export of every task of a Label Studio project through a server-side snapshot."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import httpx
from label_studio_sdk.core.api_error import ApiError

from toolkit.errors import LabelStudioError
from toolkit.labelstudio.api import RetryPolicy, _call

PULL_TITLE = "toolkit pull"


def export_project(
    client: Any,
    project_id: int,
    *,
    retry: RetryPolicy = RetryPolicy(),
    poll_s: float = 0.5,
    timeout_s: float = 600.0,
) -> list[dict[str, Any]]:
    """Every task with all its submitted and skipped annotations, via an export snapshot."""
    from label_studio_sdk.types import (
        LseAnnotationFilterOptionsRequest,
        LseTaskFilterOptionsRequest,
        SerializationOptionRequest,
        SerializationOptionsRequest,
    )

    snapshot = _call(
        f"creating an export snapshot of project {project_id}",
        lambda: client.projects.exports.create(
            id=project_id,
            title=PULL_TITLE,
            task_filter_options=LseTaskFilterOptionsRequest(only_with_annotations=False),
            annotation_filter_options=LseAnnotationFilterOptionsRequest(
                usual=True, ground_truth=True, skipped=True
            ),
            serialization_options=SerializationOptionsRequest(
                drafts=SerializationOptionRequest(only_id=True),
                predictions=SerializationOptionRequest(only_id=True),
            ),
        ),
        retry,
    )
    export_pk = int(snapshot.id)
    deadline = time.monotonic() + timeout_s
    while True:
        state = _call(
            f"checking export {export_pk} of project {project_id}",
            lambda: client.projects.exports.get(id=project_id, export_pk=export_pk),
            retry,
        )
        status = str(getattr(state, "status", "") or "")
        if status == "completed":
            break
        if status == "failed":
            raise LabelStudioError(
                f"export {export_pk} of project {project_id} failed on the server"
            )
        if time.monotonic() > deadline:
            raise LabelStudioError(
                f"export {export_pk} of project {project_id} not ready after {timeout_s:.0f} s"
            )
        time.sleep(poll_s)
    raw = _call(
        f"downloading export {export_pk} of project {project_id}",
        lambda: b"".join(
            client.projects.exports.download(
                id=project_id,
                export_pk=export_pk,
                export_type="JSON",
                request_options={"timeout_in_seconds": int(timeout_s)},
            )
        ),
        retry,
    )
    try:
        tasks = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LabelStudioError(f"export {export_pk} is not JSON: {exc.msg}") from exc
    # Snapshots are kept by the server; delete ours so repeated pulls do not pile them up.
    with contextlib.suppress(ApiError, httpx.TransportError):
        client.projects.exports.delete(id=project_id, export_pk=export_pk)
    return list(tasks)
