"""Label Studio sync: config from the taxonomy, push documents with predictions, pull annotations.

The client (``label_studio_sdk.LabelStudio``) is passed in. Every SDK or transport error is
translated once, here, into ``LabelStudioError`` with the HTTP status; 5xx answers and
connection failures are retried with exponential backoff, 4xx never. Build the client with
``max_retries=0`` (``make_client`` does) so that only these retries run: a retried import first
looks up which documents already arrived, so a batch that the server committed before failing
is never imported twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast
from xml.sax.saxutils import quoteattr

import httpx
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.label_interface import LabelInterface

from toolkit.annotations import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    iter_annotation_paths,
    read_annotation_file,
    write_annotation_file,
)
from toolkit.core import make_span_id, sha256_text
from toolkit.errors import InputError, LabelStudioError
from toolkit.taxonomy import Attribute, Label, Taxonomy

T = TypeVar("T")

TEXT_NAME = "text"
LABELS_NAME = "label"
TASK_FIELDS = ("doc_id", "text_sha256", "title", "outlet", "published_date", "cluster_id")
"""Task data besides the text; the text is ``data.text``."""
SELECT_LAYOUT_OVER = 8
"""Choice lists longer than this render as a drop-down instead of radio buttons."""
ANNOTATOR_PREFIX = "ls-"
LOOKUP_FIELDS = "id,data,predictions,total_annotations,cancelled_annotations"
PULL_TITLE = "toolkit pull"


# ---------------------------------------------------------------- errors and retries


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff for 5xx answers and connection errors."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return float(min(self.base_delay_s * (2**attempt), self.max_delay_s))


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, ApiError):
        return exc.status_code is not None and exc.status_code >= 500
    return isinstance(exc, httpx.TransportError)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "validation_errors", "message", "error"):
            if body.get(key):
                return json.dumps(body[key], ensure_ascii=False)[:500]
        return json.dumps(body, ensure_ascii=False)[:500]
    return str(body)[:500] if body else ""


def translate_error(exc: Exception, what: str) -> LabelStudioError:
    """One LabelStudioError for an SDK or transport failure: what failed, the status, the fix."""
    if isinstance(exc, ApiError):
        status = exc.status_code
        if status == 401:
            hint = "Label Studio refused the API token; check LABEL_STUDIO_API_KEY"
            return LabelStudioError(f"{what}: {hint}", status_code=status)
        if status == 403:
            return LabelStudioError(f"{what}: the token's user may not do this", status_code=status)
        detail = _detail(exc.body)
        return LabelStudioError(f"{what}: {detail or 'no detail given'}", status_code=status)
    if isinstance(exc, httpx.TimeoutException):
        return LabelStudioError(f"{what}: Label Studio did not answer in time ({exc!r})")
    return LabelStudioError(
        f"{what}: cannot reach Label Studio ({type(exc).__name__}: {exc}); "
        "is the server running (`toolkit labelstudio serve`) and LABEL_STUDIO_URL right?"
    )


def call_api(
    what: str,
    func: Callable[[], T],
    retry: RetryPolicy,
    *,
    before_retry: Callable[[], bool] | None = None,
) -> T | None:
    """Run one API call with retries; ``before_retry`` may return False to stop (job done)."""
    for attempt in range(retry.attempts):
        try:
            return func()
        except (ApiError, httpx.TransportError) as exc:
            if not _retryable(exc) or attempt == retry.attempts - 1:
                raise translate_error(exc, what) from exc
            retry.sleep(retry.delay(attempt))
            if before_retry is not None and not before_retry():
                return None
    raise AssertionError("unreachable: the loop returns or raises")


def _call(what: str, func: Callable[[], T], retry: RetryPolicy) -> T:
    # Without before_retry, call_api returns func's own value (None only if func gave None).
    return cast(T, call_api(what, func, retry))


# ---------------------------------------------------------------- labeling config


def control_name(label: str, attribute: str) -> str:
    """Name of the per-region control that holds one attribute of one label."""
    return f"{label.lower()}_{attribute}"


def control_map(taxonomy: Taxonomy) -> dict[str, tuple[str, Attribute]]:
    """Control name -> (label, attribute), for reading results back."""
    return {
        control_name(label.name, attr.name): (label.name, attr)
        for label in taxonomy.labels.values()
        for attr in label.attributes
    }


def _choice_caption(attr: Attribute, value: str) -> str:
    if attr.depends_on:
        parents = sorted(p for p, modes in attr.values_by_parent.items() if value in modes)
        return f"{value} ({', '.join(parents)})"
    name = attr.values.get(value, "")
    if name and len(attr.values) > SELECT_LAYOUT_OVER:
        return f"{value} — {name}"
    return value


def _attribute_tag(label: Label, attr: Attribute) -> list[str]:
    common = (
        f'name="{control_name(label.name, attr.name)}" toName="{TEXT_NAME}" perRegion="true" '
        f'visibleWhen="region-selected" whenLabelValue="{label.name}"'
        + (' required="true"' if attr.required else "")
    )
    caption = attr.name + (" (required)" if attr.required else "")
    lines = [f'      <Header value={quoteattr(caption)} size="6"/>']
    if attr.is_choice:
        many = len(attr.values) > SELECT_LAYOUT_OVER
        layout = ' layout="select"' if many else ' showInline="true"'
        lines.append(f'      <Choices {common} choice="single"{layout}>')
        for value in attr.values:
            caption_value = _choice_caption(attr, value)
            hint = attr.values.get(value, "") if not attr.depends_on else ""
            alias = f" alias={quoteattr(value)}" if caption_value != value else ""
            hint_attr = f" hint={quoteattr(hint)}" if hint and hint != value else ""
            lines.append(f"        <Choice value={quoteattr(caption_value)}{alias}{hint_attr}/>")
        lines.append("      </Choices>")
    else:
        placeholder = attr.description or attr.name
        lines.append(
            f'      <TextArea {common} maxSubmissions="1" editable="true" rows="1" '
            f"placeholder={quoteattr(placeholder)}/>"
        )
    return lines


def make_label_config(taxonomy: Taxonomy) -> str:
    """The Label Studio labeling config for the taxonomy (labels, per-region attributes, holder)."""
    header = (
        f"Codebook {taxonomy.codebook_version} · taxonomy {taxonomy.name} "
        f"{taxonomy.taxonomy_version} ({taxonomy.short_hash})"
    )
    lines = [
        "<View>",
        "  <Style>.htx-richtext { white-space: pre-wrap; }</Style>",
        f'  <Header value={quoteattr(header)} size="5"/>',
        '  <Header value="$title" size="4"/>',
        f'  <Labels name="{LABELS_NAME}" toName="{TEXT_NAME}">',
    ]
    for label in taxonomy.labels.values():
        hotkey = f' hotkey="{label.hotkey}"' if label.hotkey else ""
        lines.append(
            f'    <Label value="{label.name}" background="{label.color}"{hotkey} '
            f"hint={quoteattr(label.description)}/>"
        )
    lines += ["  </Labels>", f'  <Text name="{TEXT_NAME}" value="$text"/>']
    if taxonomy.relations:
        lines.append("  <Relations>")
        lines += [f'    <Relation value="{name}"/>' for name in taxonomy.relations]
        lines.append("  </Relations>")
    for label in taxonomy.labels.values():
        if not label.attributes:
            continue
        lines.append(f'  <View visibleWhen="region-selected" whenLabelValue="{label.name}">')
        lines.append(f'    <Header value="{label.name} attributes" size="5"/>')
        for attr in label.attributes:
            lines += _attribute_tag(label, attr)
        lines.append("  </View>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- annotation file <-> LS result


def annotation_to_result(annotation: AnnotationFile, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """Label Studio result items for an annotation file (region id = span id)."""
    result: list[dict[str, Any]] = []
    for span in sorted(annotation.spans, key=lambda s: (s.start, s.end, s.label, s.id)):
        where = {"start": span.start, "end": span.end}
        result.append(
            {
                "id": span.id,
                "from_name": LABELS_NAME,
                "to_name": TEXT_NAME,
                "type": "labels",
                "value": {**where, "text": span.text, "labels": [span.label]},
            }
        )
        label = taxonomy.label(span.label)
        for attr in label.attributes:
            value = span.attributes.get(attr.name)
            if value is None or value == "":
                continue
            name = control_name(label.name, attr.name)
            if attr.is_choice:
                item = {"type": "choices", "value": {**where, "choices": [value]}}
            else:
                item = {"type": "textarea", "value": {**where, "text": [value]}}
            result.append({"id": span.id, "from_name": name, "to_name": TEXT_NAME, **item})
    for rel in sorted(annotation.relations, key=lambda r: (r.type, r.from_id, r.to_id)):
        result.append(
            {
                "type": "relation",
                "from_id": rel.from_id,
                "to_id": rel.to_id,
                "direction": "right",
                "labels": [rel.type],
            }
        )
    return result


def _result_key(result: Sequence[dict[str, Any]]) -> str:
    keep = (
        "id",
        "from_name",
        "to_name",
        "type",
        "value",
        "from_id",
        "to_id",
        "direction",
        "labels",
    )
    items = [json.dumps({k: r.get(k) for k in keep}, sort_keys=True) for r in result]
    return "\n".join(sorted(items))


def _squash(text: str) -> str:
    # LS's value.text turns newlines into a literal backslash-n and collapses runs of spaces.
    return " ".join(text.replace("\\n", " ").split())


@dataclass(frozen=True)
class PullProblem:
    """Why one Label Studio annotation was not written (or is reported)."""

    task_id: int
    annotation_id: int | None
    doc_id: str
    message: str

    def __str__(self) -> str:
        ann = f" annotation {self.annotation_id}" if self.annotation_id is not None else ""
        return f"task {self.task_id}{ann} [{self.doc_id}]: {self.message}"


def result_to_annotation(
    result: Sequence[dict[str, Any]],
    *,
    text: str,
    doc_id: str,
    taxonomy: Taxonomy,
) -> tuple[list[Span], list[RelationLink], list[str]]:
    """Spans and relations from a Label Studio result, checked against the text; plus problems."""
    controls = control_map(taxonomy)
    problems: list[str] = []
    regions: dict[str, dict[str, Any]] = {}
    attrs: dict[str, dict[str, tuple[str, str]]] = {}
    links: list[dict[str, Any]] = []
    for item in result:
        kind = item.get("type")
        if kind == "relation":
            links.append(item)
            continue
        rid = str(item.get("id"))
        value = item.get("value") or {}
        if kind == "labels" and item.get("from_name") == LABELS_NAME:
            labels = value.get("labels") or []
            if len(labels) != 1 or labels[0] not in taxonomy.labels:
                problems.append(
                    f"region {rid}: labels {labels} (valid: exactly one of "
                    f"{', '.join(taxonomy.label_names)})"
                )
                continue
            regions[rid] = {
                "label": labels[0],
                "start": value.get("start"),
                "end": value.get("end"),
                "quote": value.get("text"),
            }
        elif kind in ("choices", "textarea") and item.get("from_name") in controls:
            label_name, attr = controls[item["from_name"]]
            if kind == "choices":
                picked = value.get("choices") or []
                chosen = str(picked[0]) if picked else ""
                if len(picked) > 1:
                    problems.append(f"region {rid}: {attr.name} has several values {picked}")
            else:
                texts = [t.strip() for t in value.get("text") or [] if str(t).strip()]
                chosen = texts[-1] if texts else ""
            if chosen:
                attrs.setdefault(rid, {})[attr.name] = (label_name, chosen)
        else:
            problems.append(
                f"region {rid}: unknown control {item.get('from_name')!r} of type {kind!r}"
            )
    spans: dict[str, Span] = {}
    span_of_region: dict[str, Span] = {}
    for rid, region in regions.items():
        start, end, label = region["start"], region["end"], region["label"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(
                f"region {rid} ({label}): offsets {start}-{end} outside the text "
                f"(0-{len(text)} code points)"
            )
            continue
        quote = text[start:end]
        if isinstance(region["quote"], str) and _squash(region["quote"]) != _squash(quote):
            problems.append(
                f"region {rid} ({label}): text[{start}:{end}] is {quote[:60]!r} but Label Studio "
                f"shows {region['quote'][:60]!r}; the task text differs from the annotated one"
            )
            continue
        # Attributes chosen for another label stay hidden in LS after a label change: drop them.
        values = {name: v for name, (lab, v) in attrs.get(rid, {}).items() if lab == label}
        for message in taxonomy.check_attributes(label, values):
            problems.append(f"region {rid} ({label} {quote[:40]!r}): {message}")
        span_id = make_span_id(doc_id, label, start, end)
        if span_id in spans:
            problems.append(f"region {rid}: the same {label} span {start}-{end} is labelled twice")
            continue
        span = Span(id=span_id, start=start, end=end, text=quote, label=label, attributes=values)
        spans[span_id] = span
        span_of_region[rid] = span
    relations: list[RelationLink] = []
    for link in links:
        a, b = (
            span_of_region.get(str(link.get("from_id"))),
            span_of_region.get(str(link.get("to_id"))),
        )
        names = link.get("labels") or []
        if a is None or b is None:
            problems.append(f"relation {link.get('from_id')}->{link.get('to_id')}: unknown region")
            continue
        matched = False
        for kind in taxonomy.relations.values():
            if names and names != [kind.name]:
                continue
            # Annotators may draw the arrow either way; the labels give the direction.
            if (a.label, b.label) == (kind.from_label, kind.to_label):
                relations.append(RelationLink(type=kind.name, from_id=a.id, to_id=b.id))
                matched = True
            elif (b.label, a.label) == (kind.from_label, kind.to_label):
                relations.append(RelationLink(type=kind.name, from_id=b.id, to_id=a.id))
                matched = True
            if matched:
                break
        if not matched:
            valid = "; ".join(
                f"{r.name}: {r.from_label}->{r.to_label}" for r in taxonomy.relations.values()
            )
            problems.append(
                f"relation {names or '(no label)'} between {a.label} {a.text[:30]!r} and "
                f"{b.label} {b.text[:30]!r} is not valid (valid: {valid})"
            )
    unique = {(r.type, r.from_id, r.to_id): r for r in relations}
    relations = list(unique.values())
    for rel_type in taxonomy.relations.values():
        counts: dict[str, int] = {}
        for rel in relations:
            if rel.type == rel_type.name:
                counts[rel.from_id] = counts.get(rel.from_id, 0) + 1
        for span in spans.values():
            n = counts.get(span.id, 0)
            if n > rel_type.max_per_span:
                problems.append(
                    f"{span.label} {span.text[:40]!r} has {n} {rel_type.name} relations "
                    f"(at most {rel_type.max_per_span})"
                )
            if span.label in rel_type.required_for and n == 0:
                problems.append(
                    f"{span.label} {span.text[:40]!r} has no {rel_type.name} relation "
                    f"(required: draw one to a {rel_type.to_label} span)"
                )
    return list(spans.values()), relations, problems


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class TaskDocument:
    """One document as a Label Studio task: the clean text and the fields shown or matched on."""

    doc_id: str
    text: str
    text_sha256: str
    title: str = ""
    outlet: str = ""
    published_date: str = ""
    cluster_id: str = ""

    def data(self) -> dict[str, str]:
        """The task's ``data`` object."""
        return {
            "text": self.text,
            "doc_id": self.doc_id,
            "text_sha256": self.text_sha256,
            "title": self.title,
            "outlet": self.outlet,
            "published_date": self.published_date,
            "cluster_id": self.cluster_id,
        }


def read_documents(dataset_dir: str | Path) -> list[TaskDocument]:
    """Documents of a built dataset (``documents.parquet``), sorted by doc_id."""
    import pyarrow.parquet as pq

    path = Path(dataset_dir) / "documents.parquet"
    if not path.exists():
        raise InputError(
            "no documents.parquet here; build the dataset first (toolkit convert ... --out DIR)",
            path=path,
        )
    wanted = ("doc_id", "text", *TASK_FIELDS[1:])
    try:
        # Only the task's columns: the nested spans, links and sentences are never decoded.
        parquet = pq.ParquetDataset(path)
        table = parquet.read(columns=[c for c in wanted if c in parquet.schema.names])
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc
    missing = [c for c in ("doc_id", "text", "text_sha256") if c not in table.column_names]
    if missing:
        raise InputError(f"documents.parquet lacks columns {missing}", path=path)
    rows = table.to_pylist()
    docs = []
    for row in rows:
        docs.append(
            TaskDocument(
                doc_id=row["doc_id"],
                text=row["text"],
                text_sha256=row["text_sha256"],
                title=row.get("title") or "",
                outlet=row.get("outlet") or "",
                published_date=str(row["published_date"]) if row.get("published_date") else "",
                cluster_id=row.get("cluster_id") or "",
            )
        )
    return sorted(docs, key=lambda d: d.doc_id)


def read_prediction_layer(layer_dir: str | Path) -> tuple[str, dict[str, AnnotationFile]]:
    """A layer's id (its folder name, used as model_version) and its files by doc_id."""
    base = Path(layer_dir)
    if not base.is_dir():
        raise InputError("prediction layer folder not found (e.g. annotations/rules-v1)", path=base)
    files = {}
    for path in sorted(base.glob("*.json")):
        annotation = read_annotation_file(path)
        files[annotation.doc_id] = annotation
    return base.name, files


# ---------------------------------------------------------------- push


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


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _shape(item: dict[str, Any]) -> str:
    """What validity of a region depends on: offsets and free text only by their types."""
    value = dict(item.get("value") or {})
    for key in ("start", "end"):
        if key in value:
            value[key] = type(value[key]).__name__
    text = value.get("text")
    if isinstance(text, list):
        value["text"] = [type(t).__name__ for t in text]
    elif text is not None:
        value["text"] = type(text).__name__
    keep = {k: item.get(k) for k in ("from_name", "to_name", "type")}
    return json.dumps({**keep, "value": value}, sort_keys=True)


class PredictionChecker:
    """``LabelInterface.validate_prediction``, never asked twice about the same region shape.

    A region's validity depends on its control, type, labels or choices and the types of its
    offsets and text, not on their values (those are checked against the document text before).
    Regions whose shape already passed are left out of later calls, except relation endpoints.
    """

    def __init__(self, interface: LabelInterface) -> None:
        self._interface = interface
        self._passed: set[str] = set()

    def errors(self, result: Sequence[dict[str, Any]]) -> list[str]:
        """Validation errors of one prediction's result (empty when valid)."""
        endpoints = {
            str(r.get(end))
            for r in result
            if r.get("type") == "relation"
            for end in ("from_id", "to_id")
        }
        asked: list[dict[str, Any]] = []
        shapes: list[str] = []
        for item in result:
            if item.get("type") == "relation":
                asked.append(item)
                continue
            shape = _shape(item)
            if shape in self._passed and str(item.get("id")) not in endpoints:
                continue
            asked.append(item)
            shapes.append(shape)
        if not asked:
            return []
        errors = list(self._interface.validate_prediction({"result": asked}, return_errors=True))
        if not errors:
            self._passed.update(shapes)
            return errors
        # Rare: ask again about the whole result so region numbers in messages are right.
        return list(
            self._interface.validate_prediction({"result": list(result)}, return_errors=True)
        )


def build_predictions(
    doc: TaskDocument,
    layers: Sequence[tuple[str, dict[str, AnnotationFile]]],
    taxonomy: Taxonomy,
    checker: PredictionChecker,
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Validated prediction results of one document per model_version; plus problems."""
    out: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for model_version, files in layers:
        annotation = files.get(doc.doc_id)
        if annotation is None:
            continue
        if annotation.text_sha256 != doc.text_sha256:
            problems.append(
                f"prediction layer {model_version} was made for another text "
                f"(text_sha256 {annotation.text_sha256[:12]}, document {doc.text_sha256[:12]}); "
                "rerun the pre-annotator"
            )
            continue
        bad = [
            s
            for s in annotation.spans
            if not (0 <= s.start < s.end <= len(doc.text) and doc.text[s.start : s.end] == s.text)
        ]
        if bad:
            problems.append(
                f"prediction layer {model_version}: span {bad[0].id} [{bad[0].start}, "
                f"{bad[0].end}) does not quote the text ({len(bad)} such span(s)); not imported"
            )
            continue
        result = annotation_to_result(annotation, taxonomy)
        errors = checker.errors(result)
        if errors:
            shown = "; ".join(e if len(e) < 300 else e[:300] + " ..." for e in errors[:3])
            problems.append(f"prediction layer {model_version} is not valid: {shown}")
            continue
        out[model_version] = result
    return out, problems


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
    docs: dict[str, TaskDocument] = {}
    for doc in documents:
        if doc.doc_id in docs:
            result.refused.append(Refusal(doc.doc_id, None, "listed twice; the first is pushed"))
        docs.setdefault(doc.doc_id, doc)
    ordered = [docs[d] for d in sorted(docs)]
    # A project empty at the start holds none of our documents, and doc ids are unique, so a
    # first push skips the lookups entirely; a resumed or repeated push looks every batch up.
    look_up = task_count > 0
    with (
        tqdm(total=len(ordered), unit="doc", desc="push", disable=not progress) as bar,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="ls-import") as pool,
    ):
        # One import in flight while the next batch is built and validated (CPU overlaps I/O).
        inflight: Future[int] | None = None
        for batch in _chunks(ordered, batch_size):
            existing = (
                lookup_tasks(client, project_id, [d.doc_id for d in batch], retry)
                if look_up
                else {}
            )
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
                            "predictions": [
                                {"model_version": mv, "result": r} for mv, r in preds.items()
                            ],
                        }
                    )
                    new_ids.append(doc.doc_id)
                    result.predictions_set += len(preds)
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
            if inflight is not None:
                result.created += inflight.result()
                inflight = None
            if new:
                inflight = pool.submit(_import_batch, client, project_id, new, new_ids, retry)
            bar.update(len(batch))
        if inflight is not None:
            result.created += inflight.result()
    return result


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


def _import_batch(
    client: Any,
    project_id: int,
    tasks: list[dict[str, Any]],
    doc_ids: list[str],
    retry: RetryPolicy,
) -> int:
    """Import one batch; returns how many of its tasks now exist (none twice)."""
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
    return arrived_before + (len(pending) if answer is not None else 0)


# ---------------------------------------------------------------- pull


def pseudonym(user_id: int, salt: bytes) -> str:
    """Stable keyed hash of a Label Studio user id (never the e-mail): 12 hex digits."""
    return hmac.new(salt, f"labelstudio-user:{user_id}".encode(), hashlib.sha256).hexdigest()[:12]


def annotator_id(user_id: int, salt: bytes) -> str:
    """The annotation layer of one Label Studio annotator: ``ls-<pseudonym>``."""
    return ANNOTATOR_PREFIX + pseudonym(user_id, salt)


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


@dataclass(frozen=True)
class DeletedAnnotation:
    """A pulled file whose Label Studio annotation no longer exists (the file is kept)."""

    path: str
    doc_id: str
    annotator_id: str
    task_id: int | None
    annotation_id: int | None

    def __str__(self) -> str:
        return (
            f"{self.path}: annotation {self.annotation_id} of task {self.task_id} was deleted in "
            "Label Studio; file kept (delete it by hand if the deletion was meant)"
        )


@dataclass
class PullResult:
    """What a pull wrote, left alone, and found wrong."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    drafts_ignored: int = 0
    problems: list[PullProblem] = field(default_factory=list)
    deleted: list[DeletedAnnotation] = field(default_factory=list)


def _user_id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


@dataclass
class Converted:
    """Annotation files made from an export, and what else the export showed."""

    files: list[AnnotationFile] = field(default_factory=list)
    problems: list[PullProblem] = field(default_factory=list)
    task_ids: set[int] = field(default_factory=set)
    existing: set[tuple[str, str]] = field(default_factory=set)
    """(annotator_id, doc_id) of every annotation in the export, written or not."""
    drafts: int = 0


def convert_export(
    tasks: Iterable[dict[str, Any]],
    *,
    taxonomy: Taxonomy,
    salt: bytes,
) -> Converted:
    """Annotation files from exported tasks (one per annotator and document), with problems."""
    files: dict[tuple[str, str], AnnotationFile] = {}
    out = Converted()
    problems = out.problems
    for task in tasks:
        task_id = int(task["id"])
        out.task_ids.add(task_id)
        data = task.get("data") or {}
        doc_id = str(data.get("doc_id") or "")
        text = data.get("text")
        out.drafts += len(task.get("drafts") or [])
        for ann in task.get("annotations") or []:
            user = _user_id(ann.get("completed_by"))
            if user is not None:
                out.existing.add((annotator_id(user, salt), doc_id))
        if not doc_id or not isinstance(text, str):
            problems.append(PullProblem(task_id, None, doc_id or "?", "task has no doc_id or text"))
            continue
        text_sha = sha256_text(text)
        if data.get("text_sha256") and data["text_sha256"] != text_sha:
            problems.append(
                PullProblem(
                    task_id,
                    None,
                    doc_id,
                    "task text does not match its text_sha256; "
                    "the task was edited in Label Studio, annotations not taken",
                )
            )
            continue
        for ann in task.get("annotations") or []:
            ann_id = int(ann["id"])
            user = _user_id(ann.get("completed_by"))
            if user is None:
                problems.append(PullProblem(task_id, ann_id, doc_id, "annotation has no annotator"))
                continue
            layer = annotator_id(user, salt)
            source = {
                "kind": "labelstudio",
                "task_id": task_id,
                "annotation_id": ann_id,
                "updated_at": str(ann.get("updated_at") or ann.get("created_at") or ""),
            }
            skipped = bool(ann.get("was_cancelled"))
            spans: list[Span] = []
            relations: list[RelationLink] = []
            if not skipped:
                spans, relations, found = result_to_annotation(
                    ann.get("result") or [], text=text, doc_id=doc_id, taxonomy=taxonomy
                )
                if found:
                    problems += [PullProblem(task_id, ann_id, doc_id, m) for m in found]
                    continue
            annotation = AnnotationFile(
                doc_id=doc_id,
                text_sha256=text_sha,
                annotator_id=layer,
                codebook_version=taxonomy.codebook_version,
                spans=spans,
                relations=relations,
                status="skipped" if skipped else "completed",
                source=source,
            )
            key = (layer, doc_id)
            previous = files.get(key)
            if previous is not None:
                keep, drop = sorted(
                    (previous, annotation),
                    key=lambda a: (str(a.source["updated_at"]), int(a.source["annotation_id"])),
                    reverse=True,
                )
                problems.append(
                    PullProblem(
                        task_id,
                        int(drop.source["annotation_id"]),
                        doc_id,
                        f"annotator {layer} has several annotations of this task; kept the "
                        f"latest ({keep.source['annotation_id']})",
                    )
                )
                annotation = keep
            files[key] = annotation
    ordered = [files[k] for k in sorted(files)]
    out.files = ordered
    return out


def find_deleted(out_dir: str | Path, converted: Converted) -> list[DeletedAnnotation]:
    """Earlier pulled files of this project's tasks whose annotation the export no longer has."""
    deleted = []
    for path in iter_annotation_paths(out_dir):
        if not path.parent.name.startswith(ANNOTATOR_PREFIX):
            continue
        try:
            old = read_annotation_file(path)
        except InputError:
            continue
        if old.source.get("kind") != "labelstudio":
            continue
        if old.source.get("task_id") not in converted.task_ids:
            continue  # another project's task, or a task deleted as a whole
        if (old.annotator_id, old.doc_id) not in converted.existing:
            deleted.append(
                DeletedAnnotation(
                    path=str(path),
                    doc_id=old.doc_id,
                    annotator_id=old.annotator_id,
                    task_id=old.source.get("task_id"),
                    annotation_id=old.source.get("annotation_id"),
                )
            )
    return deleted


def pull_annotations(
    client: Any,
    *,
    project_title: str,
    out_dir: str | Path,
    taxonomy: Taxonomy,
    salt: bytes,
    retry: RetryPolicy = RetryPolicy(),
) -> PullResult:
    """Write one annotation file per annotator per task; report problems and deletions."""
    project = find_project(client, project_title, retry)
    if project is None:
        raise LabelStudioError(f"no project titled {project_title!r}; push first")
    tasks = export_project(client, int(project.id), retry=retry)
    converted = convert_export(tasks, taxonomy=taxonomy, salt=salt)
    result = PullResult(problems=converted.problems, drafts_ignored=converted.drafts)
    for annotation in converted.files:
        path = annotation_path(out_dir, annotation.annotator_id, annotation.doc_id)
        if annotation.status == "skipped":
            result.skipped += 1
        if write_annotation_file(path, annotation):
            result.written.append(str(path))
        else:
            result.unchanged += 1
    result.deleted = find_deleted(out_dir, converted)
    return result


def make_client(url: str, api_key: str, *, timeout_s: float = 300.0, transport: Any = None) -> Any:
    """An SDK client with a long timeout and no SDK-level retries (ours are safer for imports)."""
    from label_studio_sdk import LabelStudio

    http = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=True)
    return LabelStudio(
        base_url=url, api_key=api_key, httpx_client=http, max_retries=0, timeout=timeout_s
    )
