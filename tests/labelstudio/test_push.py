"""Push against a real Label Studio server, and its failures and resumption."""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from toolkit.annotations.records import (
    write_annotation_file,
)
from toolkit.core.ids import sha256_text
from toolkit.errors import LabelStudioError
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio.api import RetryPolicy, make_client
from toolkit.labelstudio.label_config import make_label_config
from toolkit.labelstudio.projects import find_project
from toolkit.labelstudio.results import _result_key, annotation_to_result
from toolkit.labelstudio.tasks import TaskDocument
from toolkit.taxonomy.labels import Taxonomy

from .live import (
    _by_doc,
    _flaky_client,
    _get,
    _is_import,
    _push,
    _tasks,
    rules_annotation,
)

pytestmark = pytest.mark.labelstudio


# ---------------------------------------------------------------- push


def test_label_config_is_accepted_by_the_server(
    client: Any, new_title: Callable[[], str], taxonomy: Taxonomy
) -> None:
    config = make_label_config(taxonomy)
    project = client.projects.create(title=new_title(), label_config=config)
    client.projects.validate_label_config(id=project.id, label_config=config)
    assert client.projects.get(id=project.id).label_config.strip() == config.strip()


def test_push_makes_one_task_per_document_with_suggestions(
    client: Any,
    documents: list[TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    result = _push(client, documents, new_title(), taxonomy, [rules_layer])
    assert (result.created, result.updated, result.unchanged, result.refused) == (5, 0, 0, [])
    tasks = _by_doc(client, result.project_id)
    assert sorted(tasks) == sorted(d.doc_id for d in documents)
    for doc in documents:
        task = tasks[doc.doc_id]
        assert task.data == doc.data()
        [prediction] = task.predictions
        assert _get(prediction, "model_version") == "rules-v1"
        expected = annotation_to_result(rules_annotation(doc), taxonomy)
        assert _result_key(_get(prediction, "result")) == _result_key(expected)
    assert client.projects.get(id=result.project_id).model_version == "rules-v1"


def test_second_push_changes_nothing(
    client: Any,
    documents: list[TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    title = new_title()
    first = _push(client, documents, title, taxonomy, [rules_layer])
    before = {
        d: (t.id, [_get(p, "id") for p in t.predictions])
        for d, t in _by_doc(client, first.project_id).items()
    }
    again = _push(client, documents, title, taxonomy, [rules_layer], batch_size=2)
    assert (again.project_id, again.created, again.updated, again.unchanged) == (
        first.project_id,
        0,
        0,
        5,
    )
    after = {
        d: (t.id, [_get(p, "id") for p in t.predictions])
        for d, t in _by_doc(client, first.project_id).items()
    }
    assert after == before


def test_changed_suggestion_replaces_the_prediction(
    client: Any,
    documents: list[TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    tmp_path: Path,
) -> None:
    title = new_title()
    _push(client, documents, title, taxonomy, [rules_layer])
    layer = tmp_path / "rules-v1"
    for doc in documents:
        annotation = rules_annotation(doc)
        if doc is documents[1]:
            annotation.spans = [s for s in annotation.spans if s.label != "LOCATION"]
        write_annotation_file(layer / f"{doc.doc_id}.json", annotation)
    result = _push(client, documents, title, taxonomy, [layer])
    assert (
        result.updated,
        result.unchanged,
        result.predictions_set,
        result.predictions_removed,
    ) == (1, 4, 1, 1)
    [prediction] = _by_doc(client, result.project_id)[documents[1].doc_id].predictions
    assert "LOCATION" not in json.dumps(_get(prediction, "result"))


def test_changed_text_is_refused_once_annotated_and_updated_before(
    client: Any,
    documents: list[TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    title = new_title()
    pushed = _push(client, documents[:2], title, taxonomy)
    tasks = _by_doc(client, pushed.project_id)
    annotated_task = tasks[documents[0].doc_id].id
    client.annotations.create(id=annotated_task, result=[])
    changed = [
        dataclasses.replace(
            d, text=d.text + " Updated.", text_sha256=sha256_text(d.text + " Updated.")
        )
        for d in documents[:2]
    ]
    result = _push(client, changed, title, taxonomy)
    assert result.updated == 1
    [refusal] = result.refused
    assert (refusal.doc_id, refusal.task_id) == (documents[0].doc_id, annotated_task)
    assert str(refusal) == (
        f"{documents[0].doc_id} (task {annotated_task}): the document text changed (text_sha256 "
        f"{documents[0].text_sha256[:12]} -> {changed[0].text_sha256[:12]}) but the task already "
        "has annotations whose offsets would break; not updated. Pull its annotations, then "
        "create a new project or delete the task's annotations"
    )
    after = _by_doc(client, pushed.project_id)
    assert after[documents[0].doc_id].data["text"] == documents[0].text
    assert after[documents[1].doc_id].data["text"] == changed[1].text


def test_batch_failing_after_the_server_committed_it_is_not_imported_twice(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    flaky = _flaky_client(ls_connection, match=_is_import, fail=lambda n: n == 2)
    title = new_title()
    result = _push(flaky, documents, title, taxonomy, batch_size=2)
    assert (result.created, result.refused) == (5, [])
    tasks = _tasks(client, result.project_id)
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(d.doc_id for d in documents)


def test_project_created_by_a_failed_request_is_not_made_twice(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    def is_create(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.rstrip("/") == "/api/projects"

    flaky = _flaky_client(ls_connection, match=is_create, fail=lambda n: n == 1, status=502)
    title = new_title()
    result = _push(flaky, documents[:1], title, taxonomy)
    assert result.created == 1
    assert [p.id for p in client.projects.list(title=title) if p.title == title] == [
        result.project_id
    ]


def test_interrupted_push_reports_the_status_and_a_rerun_finishes(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    flaky = _flaky_client(
        ls_connection, match=_is_import, fail=lambda n: n >= 2, status=503, forward=False
    )
    title = new_title()
    with pytest.raises(LabelStudioError) as info:
        _push(flaky, documents, title, taxonomy, [rules_layer], batch_size=2)
    assert info.value.status_code == 503
    assert str(info.value).endswith('"injected failure" (HTTP 503)')
    project = find_project(client, title)
    assert len(_tasks(client, project.id)) == 2
    rerun = _push(client, documents, title, taxonomy, [rules_layer], batch_size=2)
    assert (rerun.created, rerun.unchanged) == (3, 2)
    tasks = _tasks(client, project.id)
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(d.doc_id for d in documents)
    assert all(len(t.predictions) == 1 for t in tasks)


def test_wrong_token_is_a_clear_401(
    ls_connection: lsserver.Connection, taxonomy: Taxonomy, documents: list[TaskDocument]
) -> None:
    bad = make_client(ls_connection.url, "0" * 40)
    with pytest.raises(LabelStudioError) as info:
        _push(bad, documents, "never-made", taxonomy)
    assert info.value.status_code == 401
    assert str(info.value) == (
        "listing projects titled 'never-made': Label Studio refused the API token; "
        "check LABEL_STUDIO_API_KEY (HTTP 401)"
    )


def test_unreachable_server_is_retried_then_reported(
    taxonomy: Taxonomy, documents: list[TaskDocument]
) -> None:
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, base_delay_s=0.5, sleep=waits.append)
    down = make_client(f"http://127.0.0.1:{lsserver.free_port()}", "x" * 40)
    with pytest.raises(LabelStudioError) as info:
        _push(down, documents, "never-made", taxonomy, retry=retry)
    assert info.value.status_code is None
    assert "listing projects titled 'never-made': cannot reach Label Studio (ConnectError" in str(
        info.value
    )
    assert waits == [0.5, 1.0]


# ---------------------------------------------------------------- a URL that is not the API


class _WebPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html><body>" + b"<p>Welcome</p>" * 100 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def web_page() -> Any:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("where", "status"),
    [("label-studio-page", 404), ("other-web-page", 200)],
    ids=["label-studio-page", "other-web-page"],
)
def test_url_that_is_not_the_api_says_what_answered(
    ls_connection: lsserver.Connection,
    web_page: str,
    taxonomy: Taxonomy,
    documents: list[TaskDocument],
    where: str,
    status: int,
) -> None:
    url = {"label-studio-page": f"{ls_connection.url}/projects", "other-web-page": web_page}
    wrong = make_client(url[where], ls_connection.api_key)
    with pytest.raises(LabelStudioError) as info:
        _push(wrong, documents, "never-made", taxonomy)
    assert info.value.status_code == status
    assert str(info.value) == (
        "listing projects titled 'never-made': the server answered an HTML page "
        "(text/html; charset=utf-8), not the Label Studio API: is LABEL_STUDIO_URL the server's "
        f"base URL, e.g. http://localhost:8080? (HTTP {status})"
    )


# ---------------------------------------------------------------- concurrent pushes


def _titled(client: Any, title: str) -> list[int]:
    return sorted(p.id for p in client.projects.list(title=title) if p.title == title)


@pytest.mark.parametrize("workers", [2, 3], ids=["two-threads", "three-threads"])
def test_concurrent_pushes_to_a_new_title_make_one_project(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    workers: int,
) -> None:
    title = new_title()
    shares = [documents[i::workers] for i in range(workers)]
    start = threading.Barrier(workers)
    clients = [make_client(ls_connection.url, ls_connection.api_key) for _ in shares]

    def push(own: Any, docs: list[TaskDocument]) -> int:
        start.wait()
        return _push(own, docs, title, taxonomy).project_id

    with ThreadPoolExecutor(max_workers=workers) as pool:
        ids = list(pool.map(push, clients, shares))
    assert len(set(ids)) == 1
    assert _titled(client, title) == ids[:1]
    again = _push(client, documents, title, taxonomy)
    assert (again.project_id, again.created, again.unchanged, again.refused) == (ids[0], 0, 5, [])


def test_project_created_meanwhile_elsewhere_is_kept_and_ours_deleted(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
) -> None:
    title = new_title()
    # Another machine's push made the project after this one looked (its list was empty).
    theirs = client.projects.create(title=title, label_config=make_label_config(taxonomy)).id

    class FirstListEmpty(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner, self.hidden = httpx.HTTPTransport(), False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            listing = request.method == "GET" and request.url.path.rstrip("/") == "/api/projects"
            if listing and not self.hidden:
                self.hidden = True
                empty = {"count": 0, "next": None, "previous": None, "results": []}
                return httpx.Response(200, json=empty, request=request)
            return self.inner.handle_request(request)

    late = make_client(ls_connection.url, ls_connection.api_key, transport=FirstListEmpty())
    result = _push(late, documents[:2], title, taxonomy)
    assert (result.project_id, result.created) == (theirs, 2)
    assert _titled(client, title) == [theirs]
    assert len(_tasks(client, theirs)) == 2


# ---------------------------------------------------------------- predictions the import lost


class DropsPredictions(httpx.BaseTransport):
    """Imports reach the real server without the chosen tasks' predictions (201, count 0)."""

    def __init__(self, drop: Callable[[int], bool]) -> None:
        self.inner, self.drop = httpx.HTTPTransport(), drop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not _is_import(request):
            return self.inner.handle_request(request)
        tasks = json.loads(request.read())
        for i, task in enumerate(tasks):
            if self.drop(i):
                task["predictions"] = []
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        content = json.dumps(tasks).encode()
        changed = httpx.Request(request.method, request.url, headers=headers, content=content)
        return self.inner.handle_request(changed)


@pytest.mark.parametrize(
    "drop",
    [lambda i: True, lambda i: i % 2 == 1],
    ids=["all-lost", "some-lost"],
)
def test_predictions_the_import_did_not_store_are_added_and_counted(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    drop: Callable[[int], bool],
) -> None:
    lossy = make_client(ls_connection.url, ls_connection.api_key, transport=DropsPredictions(drop))
    title = new_title()
    result = _push(lossy, documents, title, taxonomy, [rules_layer], batch_size=2)
    assert (result.created, result.predictions_set, result.refused) == (5, 5, [])
    tasks = _by_doc(client, result.project_id)
    for doc in documents:
        [prediction] = tasks[doc.doc_id].predictions
        expected = annotation_to_result(rules_annotation(doc), taxonomy)
        assert _get(prediction, "model_version") == "rules-v1"
        assert _result_key(_get(prediction, "result")) == _result_key(expected)
    again = _push(client, documents, title, taxonomy, [rules_layer])
    assert (again.unchanged, again.predictions_set, again.predictions_removed) == (5, 0, 0)
