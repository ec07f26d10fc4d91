"""Benchmark: `toolkit labelstudio push` vs bare projects.import_tasks, same tasks, same run.

Documents are synthetic: the five seed texts, each copy made unique by a numbered trailer, with
rule-style suggestions found by string search. Needs LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY
(the nox session `bench_labelstudio` starts a server and sets them).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

from toolkit.annotations.records import AnnotationFile, RelationLink, Span
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.labelstudio.api import make_client
from toolkit.labelstudio.label_config import make_label_config
from toolkit.labelstudio.projects import find_project
from toolkit.labelstudio.push import PushResult, push_documents
from toolkit.labelstudio.results import annotation_to_result
from toolkit.labelstudio.tasks import TaskDocument
from toolkit.taxonomy.labels import Taxonomy, read_taxonomy

ROOT = Path(__file__).resolve().parents[2]
MODEL_VERSION = "bench-rules"
TARGET_OVERHEAD = 0.20


def make_documents(n: int) -> list[TaskDocument]:
    """n unique documents built from the seed texts."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    docs = []
    for i in range(n):
        text = f"{seeds[i % len(seeds)]}\n\nBench copy {i}."
        doc_id = "doc_" + hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:16]
        docs.append(
            TaskDocument(
                doc_id,
                text,
                sha256_text(text),
                title=f"Bench copy {i}",
                outlet="bench",
                published_date="2023-06-19",
                cluster_id=doc_id,
            )
        )
    return docs


def suggest(doc: TaskDocument) -> AnnotationFile:
    """Rule-style suggestions: the first mention of a few names and of a stance formula."""
    spans: list[Span] = []
    relations: list[RelationLink] = []
    wanted = [
        (
            "ACTOR",
            "Blinken",
            {"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"},
        ),
        (
            "ACTOR",
            "Xi Jinping",
            {"canonical_name": "Xi Jinping", "country": "CHN", "sector": "GOV"},
        ),
        (
            "LOCATION",
            "Beijing",
            {"gazetteer_id": "geonames:1816670", "country": "CHN", "feature_type": "city"},
        ),
        ("EVENT", "visit", {"category": "CONSULT", "mode": "visit", "modality": "asserted"}),
    ]
    for label, needle, attrs in wanted:
        start = doc.text.find(needle)
        if start >= 0:
            end = start + len(needle)
            spans.append(
                Span(
                    make_span_id(doc.doc_id, label, start, end),
                    start,
                    end,
                    needle,
                    label,
                    dict(attrs),
                )
            )
    return AnnotationFile(doc.doc_id, doc.text_sha256, MODEL_VERSION, "1.0.0", spans, relations)


def bare_import(
    client: object,
    docs: list[TaskDocument],
    layer: dict[str, AnnotationFile],
    taxonomy: Taxonomy,
    title: str,
    batch_size: int,
) -> float:
    """Seconds spent in projects.import_tasks alone (payloads built beforehand)."""
    project = client.projects.create(  # type: ignore[attr-defined]
        title=title, label_config=make_label_config(taxonomy), model_version=MODEL_VERSION
    )
    payloads = [
        {
            "data": d.data(),
            "predictions": [
                {
                    "model_version": MODEL_VERSION,
                    "result": annotation_to_result(layer[d.doc_id], taxonomy),
                }
            ],
        }
        for d in docs
    ]
    began = time.perf_counter()
    for i in range(0, len(payloads), batch_size):
        client.projects.import_tasks(  # type: ignore[attr-defined]
            id=project.id, request=payloads[i : i + batch_size], return_task_ids=True
        )
    return time.perf_counter() - began


def timed_push(
    client: object,
    docs: list[TaskDocument],
    layer: dict[str, AnnotationFile],
    taxonomy: Taxonomy,
    title: str,
    batch_size: int,
) -> tuple[float, PushResult]:
    """Seconds for the whole toolkit push (project, validation, import) and its result."""
    began = time.perf_counter()
    result = push_documents(
        client,
        docs,
        project_title=title,
        taxonomy=taxonomy,
        prediction_layers=[(MODEL_VERSION, layer)],
        batch_size=batch_size,
    )
    return time.perf_counter() - began, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="bare/push pairs, alternating order (the server slows as it fills)",
    )
    args = parser.parse_args(argv)
    url, key = os.environ.get("LABEL_STUDIO_URL"), os.environ.get("LABEL_STUDIO_API_KEY")
    if not url or not key:
        print(
            "Set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (nox -s bench_labelstudio does).",
            file=sys.stderr,
        )
        return 2
    taxonomy = read_taxonomy()
    client = make_client(url, key)
    docs = make_documents(args.tasks)
    layer = {d.doc_id: suggest(d) for d in docs}
    n = len(docs)
    bare_times: list[float] = []
    push_times: list[float] = []
    repush_s = 0.0
    print(
        f"tasks: {n}, batch size {args.batch_size}, one prediction each; "
        f"{args.rounds} round(s) of bare import and toolkit push, alternating order"
    )
    for round_no in range(args.rounds):
        order = ("bare", "push") if round_no % 2 == 0 else ("push", "bare")
        for kind in order:
            title = f"bench-{kind}-{uuid.uuid4().hex[:8]}"
            try:
                if kind == "bare":
                    seconds = bare_import(client, docs, layer, taxonomy, title, args.batch_size)
                    bare_times.append(seconds)
                else:
                    seconds, pushed = timed_push(
                        client, docs, layer, taxonomy, title, args.batch_size
                    )
                    assert pushed.created == n and not pushed.refused, pushed
                    push_times.append(seconds)
                    if round_no == 0:
                        repush_s, again = timed_push(
                            client, docs, layer, taxonomy, title, args.batch_size
                        )
                        assert again.unchanged == n and again.created == 0, again
                print(
                    f"  round {round_no + 1} {kind:4}: {seconds:6.1f} s {n / seconds:6.0f} tasks/s",
                    flush=True,
                )
            finally:
                project = find_project(client, title)
                if project is not None:
                    client.projects.delete(id=project.id)
    bare_s, push_s = sum(bare_times), sum(push_times)
    overhead = push_s / bare_s - 1
    print(
        f"bare projects.import_tasks : {n * len(bare_times) / bare_s:6.0f} tasks/s "
        f"(total {bare_s:.1f} s)"
    )
    print(
        f"toolkit push (new project) : {n * len(push_times) / push_s:6.0f} tasks/s "
        f"(total {push_s:.1f} s)"
    )
    print(
        f"toolkit push again (no-op) : {n / repush_s:6.0f} tasks/s ({repush_s:.1f} s; lookup by "
        "doc_id, nothing imported)"
    )
    verdict = "OK" if overhead <= TARGET_OVERHEAD else "OVER TARGET"
    print(
        f"push overhead vs bare import: {overhead:+.1%} (target <= {TARGET_OVERHEAD:.0%}): "
        f"{verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
