"""The labeling UI in headless Chromium: suggestions show, a STANCE region shows its choices,
an event's argument relations are drawn with their roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from toolkit.annotations.records import write_annotation_file
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio.api import make_client
from toolkit.labelstudio.projects import lookup_tasks
from toolkit.labelstudio.push import push_documents
from toolkit.labelstudio.tasks import read_documents, read_prediction_layer
from toolkit.taxonomy.labels import read_taxonomy

from ..dataset.test_events import argument_layer
from .live import _seed_dataset, rules_annotation

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

STANCE_PHRASE = "not support Taiwan independence"


@pytest.fixture(scope="module")
def page(chromium: Any) -> Iterator[Any]:
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    yield page
    page.close()


@pytest.fixture(scope="module")
def stance_task(
    ls_connection: lsserver.Connection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int]]:
    """A pushed seed project; (project id, task id) of a seed with a stance suggestion."""
    client = make_client(ls_connection.url, ls_connection.api_key)
    tmp = tmp_path_factory.mktemp("browser")
    docs = read_documents(_seed_dataset(tmp))
    layer = tmp / "rules-v1"
    for doc in docs:
        write_annotation_file(layer / f"{doc.doc_id}.json", rules_annotation(doc))
    title = f"test-ui-{uuid.uuid4().hex[:8]}"
    pushed = push_documents(
        client,
        docs,
        project_title=title,
        taxonomy=read_taxonomy(),
        prediction_layers=[read_prediction_layer(layer)],
    )
    doc = next(d for d in docs if STANCE_PHRASE in d.text)
    [task] = lookup_tasks(client, pushed.project_id, [doc.doc_id])[doc.doc_id]
    yield pushed.project_id, task.task_id
    client.projects.delete(id=pushed.project_id)


def test_suggestions_show_and_a_stance_region_shows_its_choices(
    page: Any, ls_connection: lsserver.Connection, stance_task: tuple[int, int]
) -> None:
    credentials = lsserver.ensure_credentials(lsserver.config_path())
    project_id, task_id = stance_task
    page.goto(f"{ls_connection.url}/user/login/")
    page.fill("input[name=email]", credentials.username)
    page.fill("input[name=password]", credentials.password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url, "login with the generated credentials failed"
    page.goto(f"{ls_connection.url}/projects/{project_id}/data?task={task_id}")
    highlights = page.locator(".htx-highlight")
    highlights.first.wait_for(timeout=30_000)
    assert highlights.count() >= 5  # Blinken, Xi, Beijing, visit, US holder, the stance
    assert not page.get_by_text("FAVOR", exact=True).is_visible()
    page.get_by_text(STANCE_PHRASE).last.click()
    for value in ("AGAINST", "NONE", "FAVOR"):
        page.get_by_text(value, exact=True).last.wait_for(state="visible", timeout=10_000)
    assert page.get_by_text("STANCE attributes", exact=True).is_visible()
    # Attributes of the other labels stay hidden for a STANCE region.
    assert not page.get_by_text("ACTOR attributes", exact=True).is_visible()
    assert not page.get_by_text("GOV", exact=True).is_visible()


@pytest.fixture(scope="module")
def argument_task(
    ls_connection: lsserver.Connection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int]]:
    """Seed 002 pushed with a suggestion whose events have source, target and location."""
    client = make_client(ls_connection.url, ls_connection.api_key)
    tmp = tmp_path_factory.mktemp("browser-arguments")
    docs = read_documents(_seed_dataset(tmp))
    layer = argument_layer()
    write_annotation_file(tmp / "pass-x" / f"{layer.doc_id}.json", layer)
    pushed = push_documents(
        client,
        [d for d in docs if d.doc_id == layer.doc_id],
        project_title=f"test-ui-args-{uuid.uuid4().hex[:8]}",
        taxonomy=read_taxonomy(),
        prediction_layers=[read_prediction_layer(tmp / "pass-x")],
    )
    [task] = lookup_tasks(client, pushed.project_id, [layer.doc_id])[layer.doc_id]
    yield pushed.project_id, task.task_id
    client.projects.delete(id=pushed.project_id)


def _log_in(page: Any, ls_connection: lsserver.Connection) -> None:
    credentials = lsserver.ensure_credentials(lsserver.config_path())
    page.goto(f"{ls_connection.url}/user/login/")
    page.wait_for_load_state("networkidle")
    if "/user/login" in page.url:  # the module's page may be logged in by an earlier test
        page.fill("input[name=email]", credentials.username)
        page.fill("input[name=password]", credentials.password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url, "login with the generated credentials failed"


def test_event_arguments_are_drawn_with_their_roles(
    page: Any, ls_connection: lsserver.Connection, argument_task: tuple[int, int]
) -> None:
    project_id, task_id = argument_task
    _log_in(page, ls_connection)
    page.goto(f"{ls_connection.url}/projects/{project_id}/data?task={task_id}")
    page.locator(".htx-highlight").first.wait_for(timeout=30_000)
    arrows = page.locator("svg marker[id^='arrow-']")
    arrows.first.wait_for(state="attached", timeout=30_000)
    relations = argument_layer().relations
    assert arrows.count() >= len(relations)  # one arrow per relation (holders included)
    labels = page.locator("svg text").evaluate_all("els => els.map(e => e.textContent.trim())")
    for role in ("source", "target", "location"):
        assert role in labels, f"no arrow labelled {role}: {sorted(set(labels))[:20]}"
