"""Helpers of the tests against a real Label Studio server: seeds, push, pull, faults."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from toolkit.annotations.records import (
    AnnotationFile,
    RelationLink,
    Span,
)
from toolkit.core.ids import make_span_id
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio.api import RetryPolicy, make_client
from toolkit.labelstudio.pull import PullResult, pull_annotations
from toolkit.labelstudio.push import PushResult, push_documents
from toolkit.labelstudio.tasks import TaskDocument, read_prediction_layer
from toolkit.taxonomy.labels import Taxonomy

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FAST = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05)
SALT = b"test-salt"


def _seed_dataset(out: Path) -> Path:
    """documents.parquet of the seeds, built by the real converter."""
    from toolkit.dataset.build import convert

    convert([SEEDS], out / "dataset")
    return out / "dataset"


def _first(text: str, needle: str) -> tuple[int, int] | None:
    at = text.find(needle)
    return (at, at + len(needle)) if at >= 0 else None


def rules_annotation(doc: TaskDocument, layer: str = "rules-v1") -> AnnotationFile:
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


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _tasks(client: Any, project_id: int) -> list[Any]:
    return list(client.tasks.list(project=project_id, fields="all", page_size=100))


def _by_doc(client: Any, project_id: int) -> dict[str, Any]:
    return {t.data["doc_id"]: t for t in _tasks(client, project_id)}


def _push(
    client: Any,
    documents: list[TaskDocument],
    title: str,
    taxonomy: Taxonomy,
    layers: list[Path] | None = None,
    **kw: Any,
) -> PushResult:
    return push_documents(
        client,
        documents,
        project_title=title,
        taxonomy=taxonomy,
        prediction_layers=[read_prediction_layer(p) for p in layers or []],
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


def _pull(client: Any, title: str, out: Path, taxonomy: Taxonomy, **kw: Any) -> PullResult:
    return pull_annotations(
        client,
        project_title=title,
        out_dir=out,
        taxonomy=taxonomy,
        salt=kw.pop("salt", SALT),
        retry=kw.pop("retry", FAST),
        **kw,
    )


def _content(annotation: AnnotationFile) -> dict[str, Any]:
    doc = annotation.to_json()
    return {k: doc[k] for k in ("doc_id", "text_sha256", "status", "spans", "relations")}


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*.json"))}


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
    return make_client(
        conn.url, conn.api_key, transport=FlakyTransport(httpx.HTTPTransport(), **kw)
    )
