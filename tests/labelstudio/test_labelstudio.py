"""Push and pull against a real Label Studio server (started by the nox tests session)."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from toolkit.annotations.records import (
    AnnotationFile,
    RelationLink,
    Span,
    read_annotation_file,
    write_annotation_file,
)
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.errors import LabelStudioError
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio import sync as ls
from toolkit.taxonomy.labels import Taxonomy, read_taxonomy

pytestmark = pytest.mark.labelstudio

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FAST = ls.RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05)
SALT = b"test-salt"


# ---------------------------------------------------------------- fixtures


def _seed_dataset(out: Path) -> Path:
    """documents.parquet of the seeds, built by the real converter."""
    from toolkit.dataset.build import convert

    convert([SEEDS], out / "dataset")
    return out / "dataset"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return read_taxonomy()


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _seed_dataset(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="module")
def documents(dataset_dir: Path) -> list[ls.TaskDocument]:
    docs = ls.read_documents(dataset_dir)
    assert len(docs) == 5
    return docs


@pytest.fixture(scope="module")
def client(ls_connection: lsserver.Connection) -> Iterator[Any]:
    made = ls.make_client(ls_connection.url, ls_connection.api_key)
    yield made
    made._client_wrapper.httpx_client.httpx_client.close()


@pytest.fixture()
def new_title(client: Any) -> Iterator[Callable[[], str]]:
    """Unique project titles; the projects are deleted afterwards."""
    titles: list[str] = []

    def make() -> str:
        titles.append(f"test-{uuid.uuid4().hex[:10]}")
        return titles[-1]

    yield make
    for title in titles:
        project = ls.find_project(client, title)
        if project is not None:
            client.projects.delete(id=project.id)


def _first(text: str, needle: str) -> tuple[int, int] | None:
    at = text.find(needle)
    return (at, at + len(needle)) if at >= 0 else None


def rules_annotation(doc: ls.TaskDocument, layer: str = "rules-v1") -> AnnotationFile:
    """A small pre-annotation of one seed: names, Beijing, a visit, the stance formula."""
    text, spans, relations = doc.text, [], []

    def add(label: str, where: tuple[int, int] | None, attrs: dict[str, str]) -> Span | None:
        if where is None:
            return None
        span = Span(
            make_span_id(doc.doc_id, label, *where), *where, text[where[0] : where[1]], label, attrs
        )
        spans.append(span)
        return span

    add(
        "ACTOR",
        _first(text, "Antony Blinken"),
        {"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"},
    )
    add(
        "ACTOR",
        _first(text, "Xi Jinping"),
        {"canonical_name": "Xi Jinping", "country": "CHN", "sector": "GOV"},
    )
    add(
        "LOCATION",
        _first(text, "Beijing"),
        {"gazetteer_id": "geonames:1816670", "country": "CHN", "feature_type": "city"},
    )
    add(
        "EVENT",
        _first(text, "visit"),
        {"category": "CONSULT", "mode": "visit", "modality": "asserted"},
    )
    stance_at = _first(text, "not support Taiwan independence")
    if stance_at is not None:
        *_, us = re.finditer(r"\b(US|United States)\b", text[: stance_at[0]])
        holder = add(
            "ACTOR",
            us.span(),
            {
                "canonical_name": "Government of the United States",
                "country": "USA",
                "sector": "GOV",
            },
        )
        stance = add("STANCE", stance_at, {"value": "NONE", "facet": "STATUS_QUO"})
        assert holder is not None and stance is not None
        relations.append(RelationLink("holder", stance.id, holder.id))
    return AnnotationFile(
        doc.doc_id,
        doc.text_sha256,
        layer,
        "1.0.0",
        spans,
        relations,
        source={"kind": "rules", "name": "test-rules", "version": "1"},
    )


@pytest.fixture(scope="module")
def rules_layer(documents: list[ls.TaskDocument], tmp_path_factory: pytest.TempPathFactory) -> Path:
    layer = tmp_path_factory.mktemp("annotations") / "rules-v1"
    for doc in documents:
        write_annotation_file(layer / f"{doc.doc_id}.json", rules_annotation(doc))
    return layer


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _tasks(client: Any, project_id: int) -> list[Any]:
    return list(client.tasks.list(project=project_id, fields="all", page_size=100))


def _by_doc(client: Any, project_id: int) -> dict[str, Any]:
    return {t.data["doc_id"]: t for t in _tasks(client, project_id)}


def _push(
    client: Any,
    documents: list[ls.TaskDocument],
    title: str,
    taxonomy: Taxonomy,
    layers: list[Path] | None = None,
    **kw: Any,
) -> ls.PushResult:
    return ls.push_documents(
        client,
        documents,
        project_title=title,
        taxonomy=taxonomy,
        prediction_layers=[ls.read_prediction_layer(p) for p in layers or []],
        retry=kw.pop("retry", FAST),
        **kw,
    )


def _ui_like(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The result as the editor makes it: random region ids, relation drawn the other way."""
    ids: dict[str, str] = {}
    out = []
    for item in result:
        item = json.loads(json.dumps(item))
        if item["type"] == "relation":
            item["from_id"], item["to_id"] = ids[item["to_id"]], ids[item["from_id"]]
            item["direction"], item["labels"] = "right", []
        else:
            item["id"] = ids.setdefault(item["id"], uuid.uuid4().hex[:10])
        out.append(item)
    return out


@dataclasses.dataclass
class Annotated:
    project_id: int
    title: str
    users: dict[str, int]
    expected: dict[tuple[str, str], AnnotationFile]
    annotation_ids: dict[tuple[str, str], int]
    emails: list[str]
    out: Path


@pytest.fixture(scope="module")
def annotated(
    client: Any,
    documents: list[ls.TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Annotated]:
    """A pushed project with two annotators' annotations, a skip and a draft."""
    title = f"test-{uuid.uuid4().hex[:10]}"
    pushed = _push(client, documents, title, taxonomy, [rules_layer])
    tasks = _by_doc(client, pushed.project_id)
    suffix = uuid.uuid4().hex[:8]
    users, emails = {}, []
    for name in ("a", "b"):
        email = f"annotator-{name}-{suffix}@example.org"
        users[name] = client.users.create(username=f"ann-{name}-{suffix}", email=email).id
        emails.append(email)
    expected: dict[tuple[str, str], AnnotationFile] = {}
    ann_ids: dict[tuple[str, str], int] = {}
    for doc in documents:
        base = rules_annotation(doc)
        # Annotator a accepts the suggestions and adds a Wikidata id to Blinken.
        a = dataclasses.replace(
            base, spans=[dataclasses.replace(s, attributes=dict(s.attributes)) for s in base.spans]
        )
        for span in a.spans:
            if span.attributes.get("canonical_name") == "Antony Blinken":
                span.attributes["wikidata_id"] = "Q4773949"
        # Annotator b drops the location and marks the visit as planned, in editor-style ids.
        b = dataclasses.replace(
            base,
            spans=[
                dataclasses.replace(s, attributes=dict(s.attributes))
                for s in base.spans
                if s.label != "LOCATION"
            ],
        )
        for span in b.spans:
            if span.label == "EVENT":
                span.attributes["modality"] = "future"
        task_id = tasks[doc.doc_id].id
        for name, ann, ui in (("a", a, False), ("b", b, True)):
            if name == "b" and doc is documents[-1]:
                made = client.annotations.create(
                    id=task_id, result=[], completed_by=users[name], was_cancelled=True
                )
                expected[(name, doc.doc_id)] = dataclasses.replace(
                    ann, spans=[], relations=[], status="skipped"
                )
            else:
                result = ls.annotation_to_result(ann, taxonomy)
                made = client.annotations.create(
                    id=task_id, result=_ui_like(result) if ui else result, completed_by=users[name]
                )
                expected[(name, doc.doc_id)] = ann
            ann_ids[(name, doc.doc_id)] = made.id
    # A draft of annotator a's work on the first task: never pulled.
    draft = client._client_wrapper.httpx_client.httpx_client.post(
        f"{client._client_wrapper.get_base_url()}/api/tasks/{tasks[documents[0].doc_id].id}/drafts",
        headers=client._client_wrapper.get_headers(),
        json={"result": [], "lead_time": 1.0},
    )
    assert draft.status_code == 201, draft.text
    out = tmp_path_factory.mktemp("pulled")
    yield Annotated(pushed.project_id, title, users, expected, ann_ids, emails, out)
    client.projects.delete(id=pushed.project_id)


def _pull(client: Any, title: str, out: Path, taxonomy: Taxonomy, **kw: Any) -> ls.PullResult:
    return ls.pull_annotations(
        client,
        project_title=title,
        out_dir=out,
        taxonomy=taxonomy,
        salt=SALT,
        retry=kw.pop("retry", FAST),
        **kw,
    )


def _content(annotation: AnnotationFile) -> dict[str, Any]:
    doc = annotation.to_json()
    return {k: doc[k] for k in ("doc_id", "text_sha256", "status", "spans", "relations")}


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*.json"))}


# ---------------------------------------------------------------- push


def test_label_config_is_accepted_by_the_server(
    client: Any, new_title: Callable[[], str], taxonomy: Taxonomy
) -> None:
    config = ls.make_label_config(taxonomy)
    project = client.projects.create(title=new_title(), label_config=config)
    client.projects.validate_label_config(id=project.id, label_config=config)
    assert client.projects.get(id=project.id).label_config.strip() == config.strip()


def test_push_makes_one_task_per_document_with_suggestions(
    client: Any,
    documents: list[ls.TaskDocument],
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
        expected = ls.annotation_to_result(rules_annotation(doc), taxonomy)
        assert ls._result_key(_get(prediction, "result")) == ls._result_key(expected)
    assert client.projects.get(id=result.project_id).model_version == "rules-v1"


def test_second_push_changes_nothing(
    client: Any,
    documents: list[ls.TaskDocument],
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
    documents: list[ls.TaskDocument],
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
    documents: list[ls.TaskDocument],
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


# ---------------------------------------------------------------- pull


def test_pull_round_trips_spans_attributes_and_relations(
    client: Any, annotated: Annotated, taxonomy: Taxonomy, documents: list[ls.TaskDocument]
) -> None:
    result = _pull(client, annotated.title, annotated.out, taxonomy)
    assert (result.problems, result.deleted) == ([], [])
    assert (len(result.written), result.skipped, result.drafts_ignored) == (10, 1, 1)
    for (name, doc_id), want in annotated.expected.items():
        layer = ls.annotator_id(annotated.users[name], SALT)
        got = read_annotation_file(annotated.out / layer / f"{doc_id}.json")
        assert _content(got) == _content(want)
        assert got.source["annotation_id"] == annotated.annotation_ids[(name, doc_id)]
        assert got.source["kind"] == "labelstudio"
    stance_docs = [d for d in documents if "not support Taiwan independence" in d.text]
    assert stance_docs, "the seeds hold a stance formula with a holder"


def test_gold_layer_of_the_seeds_round_trips_exactly(
    client: Any,
    documents: list[ls.TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    tmp_path: Path,
) -> None:
    gold_dir = ROOT / "annotations" / "gold"
    gold = {a.doc_id: a for a in map(read_annotation_file, sorted(gold_dir.glob("*.json")))}
    assert sorted(gold) == sorted(d.doc_id for d in documents)
    title = new_title()
    pushed = _push(client, documents, title, taxonomy, [gold_dir])
    assert (pushed.created, pushed.refused) == (5, []), "gold is a valid prediction layer"
    tasks = _by_doc(client, pushed.project_id)
    user = client.users.create(
        username=f"gold-{uuid.uuid4().hex[:8]}", email=f"gold-{uuid.uuid4().hex[:8]}@example.org"
    )
    for doc_id, annotation in gold.items():
        result = ls.annotation_to_result(annotation, taxonomy)
        client.annotations.create(id=tasks[doc_id].id, result=result, completed_by=user.id)
    pulled = _pull(client, title, tmp_path, taxonomy)
    assert (len(pulled.written), pulled.problems) == (5, [])
    layer = tmp_path / ls.annotator_id(user.id, SALT)
    for doc_id, annotation in gold.items():
        got = read_annotation_file(layer / f"{doc_id}.json")
        assert _content(got) == _content(annotation)


def test_pulled_files_pass_the_validator_and_hold_no_email(
    client: Any, annotated: Annotated, taxonomy: Taxonomy, documents: list[ls.TaskDocument]
) -> None:
    from toolkit.annotations.validate import check_annotation_file

    _pull(client, annotated.title, annotated.out, taxonomy)
    texts = {d.doc_id: d.text for d in documents}
    paths = sorted(annotated.out.rglob("*.json"))
    assert len(paths) == 10
    for path in paths:
        assert check_annotation_file(path, texts=texts, taxonomy=taxonomy)[1] == []
        content = path.read_text(encoding="utf-8")
        assert all(email not in content for email in annotated.emails)
        assert re.fullmatch(r"ls-[0-9a-f]{12}", path.parent.name)


def test_second_pull_changes_no_file(client: Any, annotated: Annotated, taxonomy: Taxonomy) -> None:
    _pull(client, annotated.title, annotated.out, taxonomy)
    before = _snapshot(annotated.out)
    again = _pull(client, annotated.title, annotated.out, taxonomy)
    assert (again.written, again.unchanged) == ([], 10)
    assert _snapshot(annotated.out) == before


def test_edit_and_delete_in_label_studio_reach_the_next_pull(
    client: Any,
    documents: list[ls.TaskDocument],
    rules_layer: Path,
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    tmp_path: Path,
) -> None:
    title = new_title()
    pushed = _push(client, documents[:2], title, taxonomy, [rules_layer])
    tasks = _by_doc(client, pushed.project_id)
    made = {
        d.doc_id: client.annotations.create(
            id=tasks[d.doc_id].id, result=ls.annotation_to_result(rules_annotation(d), taxonomy)
        )
        for d in documents[:2]
    }
    _pull(client, title, tmp_path, taxonomy)
    edited = rules_annotation(documents[0])
    edited.spans = edited.spans[:1]
    edited.relations = []
    client.annotations.update(
        id=made[documents[0].doc_id].id, result=ls.annotation_to_result(edited, taxonomy)
    )
    client.annotations.delete(id=made[documents[1].doc_id].id)
    result = _pull(client, title, tmp_path, taxonomy)
    [written] = result.written
    assert _content(read_annotation_file(written))["spans"] == [s.to_json() for s in edited.spans]
    [deleted] = result.deleted
    assert (deleted.doc_id, deleted.annotation_id) == (
        documents[1].doc_id,
        made[documents[1].doc_id].id,
    )
    assert Path(deleted.path).exists(), "a deleted annotation's file is kept and reported"
    assert str(deleted) == (
        f"{deleted.path}: annotation {deleted.annotation_id} of task "
        f"{tasks[documents[1].doc_id].id} "
        "was deleted in Label Studio; file kept (delete it by hand if the deletion was meant)"
    )


def test_span_not_matching_the_text_is_reported_not_written(
    client: Any,
    documents: list[ls.TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    tmp_path: Path,
) -> None:
    title = new_title()
    pushed = _push(client, documents[:1], title, taxonomy)
    task_id = _by_doc(client, pushed.project_id)[documents[0].doc_id].id
    start, end = _first(documents[0].text, "Blinken") or (0, 0)
    wrong = [
        {
            "id": "r1",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start + 3, "end": end + 3, "text": "Blinken", "labels": ["EVENT"]},
        }
    ]
    made = client.annotations.create(id=task_id, result=[])
    [earlier] = _pull(client, title, tmp_path, taxonomy).written
    before = Path(earlier).read_bytes()
    client.annotations.update(id=made.id, result=wrong)
    result = _pull(client, title, tmp_path, taxonomy)
    assert (result.written, result.deleted) == ([], [])
    assert Path(earlier).read_bytes() == before, "the last good pull stays until fixed"
    [problem] = result.problems
    quote = documents[0].text[start + 3 : end + 3]
    assert str(problem) == (
        f"task {task_id} annotation {made.id} [{documents[0].doc_id}]: region r1 (EVENT): "
        f"text[{start + 3}:{end + 3}] is {quote!r} but Label Studio shows 'Blinken'; "
        "the task text differs from the annotated one"
    )


# ---------------------------------------------------------------- failures and resumption


class FlakyTransport(httpx.BaseTransport):
    """Forwards to the real server; answers ``status`` to chosen requests instead."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        match: Callable[[httpx.Request], bool],
        fail: Callable[[int], bool],
        status: int = 500,
        forward: bool = True,
    ) -> None:
        self.inner, self.match, self.fail, self.status, self.forward = (
            inner,
            match,
            fail,
            status,
            forward,
        )
        self.seen = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.match(request):
            return self.inner.handle_request(request)
        self.seen += 1
        if not self.fail(self.seen):
            return self.inner.handle_request(request)
        if self.forward:  # the server does the work, the client only sees an error
            response = self.inner.handle_request(request)
            response.read()
            response.close()
        return httpx.Response(self.status, json={"detail": "injected failure"}, request=request)


def _is_import(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/import")


def _flaky_client(conn: lsserver.Connection, **kw: Any) -> Any:
    return ls.make_client(
        conn.url, conn.api_key, transport=FlakyTransport(httpx.HTTPTransport(), **kw)
    )


def test_batch_failing_after_the_server_committed_it_is_not_imported_twice(
    ls_connection: lsserver.Connection,
    client: Any,
    documents: list[ls.TaskDocument],
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
    documents: list[ls.TaskDocument],
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
    documents: list[ls.TaskDocument],
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
    project = ls.find_project(client, title)
    assert len(_tasks(client, project.id)) == 2
    rerun = _push(client, documents, title, taxonomy, [rules_layer], batch_size=2)
    assert (rerun.created, rerun.unchanged) == (3, 2)
    tasks = _tasks(client, project.id)
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(d.doc_id for d in documents)
    assert all(len(t.predictions) == 1 for t in tasks)


def test_interrupted_pull_writes_nothing_and_a_rerun_finishes(
    ls_connection: lsserver.Connection,
    client: Any,
    annotated: Annotated,
    taxonomy: Taxonomy,
    tmp_path: Path,
) -> None:
    def is_download(request: httpx.Request) -> bool:
        return "/download" in request.url.path

    flaky = _flaky_client(
        ls_connection, match=is_download, fail=lambda n: True, status=502, forward=False
    )
    with pytest.raises(LabelStudioError) as info:
        _pull(flaky, annotated.title, tmp_path, taxonomy)
    assert info.value.status_code == 502
    assert list(tmp_path.iterdir()) == []
    once = _flaky_client(ls_connection, match=is_download, fail=lambda n: n == 1, status=502)
    result = _pull(once, annotated.title, tmp_path, taxonomy)
    assert (len(result.written), result.problems) == (10, [])


def test_wrong_token_is_a_clear_401(
    ls_connection: lsserver.Connection, taxonomy: Taxonomy, documents: list[ls.TaskDocument]
) -> None:
    bad = ls.make_client(ls_connection.url, "0" * 40)
    with pytest.raises(LabelStudioError) as info:
        _push(bad, documents, "never-made", taxonomy)
    assert info.value.status_code == 401
    assert str(info.value) == (
        "listing projects titled 'never-made': Label Studio refused the API token; "
        "check LABEL_STUDIO_API_KEY (HTTP 401)"
    )


def test_unreachable_server_is_retried_then_reported(
    taxonomy: Taxonomy, documents: list[ls.TaskDocument]
) -> None:
    waits: list[float] = []
    retry = ls.RetryPolicy(attempts=3, base_delay_s=0.5, sleep=waits.append)
    down = ls.make_client(f"http://127.0.0.1:{lsserver.free_port()}", "x" * 40)
    with pytest.raises(LabelStudioError) as info:
        _push(down, documents, "never-made", taxonomy, retry=retry)
    assert info.value.status_code is None
    assert "listing projects titled 'never-made': cannot reach Label Studio (ConnectError" in str(
        info.value
    )
    assert waits == [0.5, 1.0]


# ---------------------------------------------------------------- CLI and secrets


def test_cli_push_and_pull_never_show_the_token(
    ls_connection: lsserver.Connection,
    dataset_dir: Path,
    rules_layer: Path,
    new_title: Callable[[], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = tmp_path / "labelstudio.env"
    env = {
        lsserver.URL_KEY: ls_connection.url,
        lsserver.API_KEY_KEY: ls_connection.api_key,
        "GEOEVENT_LABELSTUDIO_ENV": str(settings),
    }
    title = new_title()
    runner = CliRunner()
    push = runner.invoke(
        cli,
        [
            "labelstudio",
            "push",
            str(dataset_dir),
            "--project",
            title,
            "--predictions",
            str(rules_layer),
        ],
        env=env,
    )
    assert push.exit_code == 0, push.output
    assert push.stdout.startswith(f"Project {title!r} (id ")
    assert push.stdout.endswith(
        "5 task(s) created, 0 updated, 0 unchanged, 0 refused; 5 prediction(s) set, 0 removed.\n"
    )
    pull = runner.invoke(
        cli, ["labelstudio", "pull", "--project", title, "--out", str(tmp_path / "out")], env=env
    )
    assert pull.exit_code == 0, pull.output
    assert pull.stdout == (
        "0 file(s) written, 0 unchanged (0 skipped task(s)); 0 draft(s) ignored; "
        "0 problem(s), 0 deleted in Label Studio.\n"
    )
    assert settings.stat().st_mode & 0o777 == 0o600, "the generated salt file is private"
    captured = capfd.readouterr()
    seen = push.output + pull.output + captured.out + captured.err + caplog.text
    assert ls_connection.api_key not in seen
    assert ls_connection.api_key not in settings.read_text(encoding="utf-8")


def test_cli_reports_a_missing_connection(tmp_path: Path) -> None:
    env = {
        lsserver.URL_KEY: "",
        lsserver.API_KEY_KEY: "",
        "GEOEVENT_LABELSTUDIO_ENV": str(tmp_path / "none.env"),
    }
    result = CliRunner().invoke(cli, ["labelstudio", "pull", "--project", "x"], env=env)
    assert result.exit_code == 2
    assert result.output == (
        "Error: no Label Studio connection: set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or "
        "start a local server with `toolkit labelstudio serve` "
        f"(it writes {tmp_path / 'none.env'})\n"
    )
