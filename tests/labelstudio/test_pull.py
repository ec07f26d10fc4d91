"""Pull from a real Label Studio server, and its resumption."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from toolkit.annotations.records import (
    read_annotation_file,
    write_annotation_file,
)
from toolkit.errors import InputError, LabelStudioError
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio.pseudonyms import annotator_id, salt_fingerprint
from toolkit.labelstudio.pull import SALT_MARKER
from toolkit.labelstudio.results import annotation_to_result
from toolkit.labelstudio.tasks import TaskDocument
from toolkit.taxonomy.labels import Taxonomy

from ..dataset.test_events import argument_layer
from .live import (
    ROOT,
    SALT,
    Annotated,
    _by_doc,
    _content,
    _first,
    _flaky_client,
    _pull,
    _push,
    _snapshot,
    rules_annotation,
)

pytestmark = pytest.mark.labelstudio


# ---------------------------------------------------------------- pull


def test_pull_round_trips_spans_attributes_and_relations(
    client: Any, annotated: Annotated, taxonomy: Taxonomy, documents: list[TaskDocument]
) -> None:
    result = _pull(client, annotated.title, annotated.out, taxonomy)
    assert (result.problems, result.deleted) == ([], [])
    assert (len(result.written), result.skipped, result.drafts_ignored) == (10, 1, 1)
    for (name, doc_id), want in annotated.expected.items():
        layer = annotator_id(annotated.users[name], SALT)
        got = read_annotation_file(annotated.out / layer / f"{doc_id}.json")
        assert _content(got) == _content(want)
        assert got.source["annotation_id"] == annotated.annotation_ids[(name, doc_id)]
        assert got.source["kind"] == "labelstudio"
    stance_docs = [d for d in documents if "not support Taiwan independence" in d.text]
    assert stance_docs, "the seeds hold a stance formula with a holder"


def test_gold_layer_of_the_seeds_round_trips_exactly(
    client: Any,
    documents: list[TaskDocument],
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
        result = annotation_to_result(annotation, taxonomy)
        client.annotations.create(id=tasks[doc_id].id, result=result, completed_by=user.id)
    pulled = _pull(client, title, tmp_path, taxonomy)
    assert (len(pulled.written), pulled.problems) == (5, [])
    layer = tmp_path / annotator_id(user.id, SALT)
    for doc_id, annotation in gold.items():
        got = read_annotation_file(layer / f"{doc_id}.json")
        assert _content(got) == _content(annotation)


def test_pulled_files_pass_the_validator_and_hold_no_email(
    client: Any, annotated: Annotated, taxonomy: Taxonomy, documents: list[TaskDocument]
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
    documents: list[TaskDocument],
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
            id=tasks[d.doc_id].id, result=annotation_to_result(rules_annotation(d), taxonomy)
        )
        for d in documents[:2]
    }
    _pull(client, title, tmp_path, taxonomy)
    edited = rules_annotation(documents[0])
    edited.spans = edited.spans[:1]
    edited.relations = []
    client.annotations.update(
        id=made[documents[0].doc_id].id, result=annotation_to_result(edited, taxonomy)
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
    documents: list[TaskDocument],
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


USE_THE_SAME_SALT = (
    "set LABEL_STUDIO_PSEUDONYM_SALT to the salt used before (it is kept in the settings file "
    "`toolkit labelstudio serve` writes), or pull into a new folder"
)


@pytest.mark.parametrize("marker", [True, False], ids=["salt-marker", "folder-without-marker"])
def test_pull_with_another_salt_is_refused_and_writes_nothing(
    client: Any, annotated: Annotated, taxonomy: Taxonomy, tmp_path: Path, marker: bool
) -> None:
    first = _pull(client, annotated.title, tmp_path, taxonomy)
    assert len(first.written) == 10
    marker_path = tmp_path / SALT_MARKER
    assert marker_path.read_text(encoding="utf-8").endswith(
        f"salt-fingerprint: {salt_fingerprint(SALT)}\n"
    )
    assert SALT.decode() not in marker_path.read_text(encoding="utf-8")
    if not marker:  # a folder pulled before the marker existed
        marker_path.unlink()
    before = _snapshot(tmp_path)
    other = b"another-salt"
    with pytest.raises(InputError) as info:
        _pull(client, annotated.title, tmp_path, taxonomy, salt=other)
    if marker:
        assert str(info.value) == (
            f"{marker_path}: the annotations here were pulled with another pseudonym salt "
            f"(fingerprint {salt_fingerprint(SALT)}; this salt's is {salt_fingerprint(other)}): "
            "this pull would write every annotation again under new ls-* names; "
            f"{USE_THE_SAME_SALT}"
        )
    else:
        path = sorted(tmp_path.glob("ls-*/*.json"))[0]
        old = read_annotation_file(path)
        user = {annotator_id(u, SALT): u for u in annotated.users.values()}[old.annotator_id]
        assert str(info.value) == (
            f"{tmp_path}: {path} holds annotation {old.source['annotation_id']} of task "
            f"{old.source['task_id']}, which this salt names {annotator_id(user, other)}: the "
            "folder was pulled with another pseudonym salt, and this pull would write every "
            f"annotation again under new ls-* names; {USE_THE_SAME_SALT}"
        )
    assert _snapshot(tmp_path) == before
    assert marker_path.exists() == marker
    again = _pull(client, annotated.title, tmp_path, taxonomy)
    assert (again.written, again.unchanged, again.deleted) == ([], 10, [])


def test_event_arguments_round_trip_with_role_and_direction(
    client: Any,
    documents: list[TaskDocument],
    taxonomy: Taxonomy,
    new_title: Callable[[], str],
    tmp_path: Path,
) -> None:
    layer = argument_layer()
    suggestions = tmp_path / "suggestions"
    write_annotation_file(suggestions / "pass-x" / f"{layer.doc_id}.json", layer)
    title = new_title()
    doc = next(d for d in documents if d.doc_id == layer.doc_id)
    pushed = _push(client, [doc], title, taxonomy, [suggestions / "pass-x"])
    assert (pushed.created, pushed.refused) == (1, [])
    task = _by_doc(client, pushed.project_id)[layer.doc_id]
    [prediction] = client.predictions.list(task=task.id)
    shown = sorted(
        (r["labels"], r["direction"]) for r in prediction.result if r["type"] == "relation"
    )
    assert shown.count((["source"], "right")) == 4
    assert (["target"], "right") in shown and (["location"], "right") in shown
    # As the editor may store it: new region ids, every argument arrow drawn from the actor back
    # to the event; the role label says what it is.
    result = annotation_to_result(layer, taxonomy)
    ids = {r["id"]: uuid.uuid4().hex[:10] for r in result if "id" in r}
    for item in result:
        if item["type"] == "relation":
            item["from_id"], item["to_id"] = ids[item["to_id"]], ids[item["from_id"]]
            item["direction"] = "left"
        else:
            item["id"] = ids[item["id"]]
    user = client.users.create(
        username=f"args-{uuid.uuid4().hex[:8]}", email=f"args-{uuid.uuid4().hex[:8]}@example.org"
    )
    client.annotations.create(id=task.id, result=result, completed_by=user.id)
    pulled = _pull(client, title, tmp_path / "pulled", taxonomy)
    assert (len(pulled.written), pulled.problems) == (1, [])
    got = read_annotation_file(
        tmp_path / "pulled" / annotator_id(user.id, SALT) / f"{layer.doc_id}.json"
    )
    assert _content(got) == _content(layer)
