"""Fixtures of the Label Studio tests: the taxonomy, and a real server's project and tasks."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from toolkit.annotations.records import (
    AnnotationFile,
    write_annotation_file,
)
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio.api import make_client
from toolkit.labelstudio.projects import find_project
from toolkit.labelstudio.results import annotation_to_result
from toolkit.labelstudio.tasks import TaskDocument, read_documents
from toolkit.taxonomy.labels import Taxonomy, read_taxonomy

from .live import (
    Annotated,
    _by_doc,
    _push,
    _seed_dataset,
    _ui_like,
    rules_annotation,
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return read_taxonomy()


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _seed_dataset(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="module")
def documents(dataset_dir: Path) -> list[TaskDocument]:
    docs = read_documents(dataset_dir)
    assert len(docs) == 5
    return docs


@pytest.fixture(scope="module")
def client(ls_connection: lsserver.Connection) -> Iterator[Any]:
    made = make_client(ls_connection.url, ls_connection.api_key)
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
        project = find_project(client, title)
        if project is not None:
            client.projects.delete(id=project.id)


@pytest.fixture(scope="module")
def rules_layer(documents: list[TaskDocument], tmp_path_factory: pytest.TempPathFactory) -> Path:
    layer = tmp_path_factory.mktemp("annotations") / "rules-v1"
    for doc in documents:
        write_annotation_file(layer / f"{doc.doc_id}.json", rules_annotation(doc))
    return layer


@pytest.fixture(scope="module")
def annotated(
    client: Any,
    documents: list[TaskDocument],
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
                result = annotation_to_result(ann, taxonomy)
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
