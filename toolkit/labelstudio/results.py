"""Annotation files to Label Studio results and back, checked against the text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from toolkit.annotations import (
    AnnotationFile,
    RelationLink,
    Span,
)
from toolkit.core import make_span_id
from toolkit.labelstudio.label_config import (
    LABELS_NAME,
    TEXT_NAME,
    control_map,
    control_name,
)
from toolkit.taxonomy import Taxonomy


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
            if value is None or value == "" or value == []:
                continue
            name = control_name(label.name, attr.name)
            if attr.is_multi:
                item = {"type": "choices", "value": {**where, "choices": sorted(value)}}
            elif attr.is_choice:
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


def result_to_annotation(
    result: Sequence[dict[str, Any]],
    *,
    text: str,
    doc_id: str,
    taxonomy: Taxonomy,
) -> tuple[list[Span], list[RelationLink], list[str]]:
    """Spans and relations from a Label Studio result, checked against the text; plus problems."""
    problems: list[str] = []
    regions, attrs, links = _read_items(result, taxonomy, problems)
    spans, span_of_region = _make_spans(regions, attrs, text, doc_id, taxonomy, problems)
    relations = _link_relations(links, span_of_region, taxonomy, problems)
    unique = {(r.type, r.from_id, r.to_id): r for r in relations}
    relations = list(unique.values())
    _check_relation_counts(spans, relations, taxonomy, problems)
    return list(spans.values()), relations, problems


def _read_items(
    result: Sequence[dict[str, Any]], taxonomy: Taxonomy, problems: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, tuple[str, Any]]], list[dict[str, Any]]]:
    """Regions by id, their attribute values (label, value) by name, and the relation items."""
    controls = control_map(taxonomy)
    regions: dict[str, dict[str, Any]] = {}
    attrs: dict[str, dict[str, tuple[str, Any]]] = {}
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
            chosen: Any
            if kind == "choices" and attr.is_multi:
                chosen = sorted({str(v) for v in value.get("choices") or []})
            elif kind == "choices":
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
    return regions, attrs, links


def _make_spans(
    regions: dict[str, dict[str, Any]],
    attrs: dict[str, dict[str, tuple[str, Any]]],
    text: str,
    doc_id: str,
    taxonomy: Taxonomy,
    problems: list[str],
) -> tuple[dict[str, Span], dict[str, Span]]:
    """Spans by span id and by region id, for the regions that quote the text."""
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
    return spans, span_of_region


def _link_relations(
    links: list[dict[str, Any]],
    span_of_region: dict[str, Span],
    taxonomy: Taxonomy,
    problems: list[str],
) -> list[RelationLink]:
    """The relations between known regions that the taxonomy allows, directed by their labels."""
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
        # Annotators may draw the arrow either way; the labels give the direction.
        fits = [
            (kind, first, second)
            for kind in taxonomy.relations.values()
            if not names or names == [kind.name]
            for first, second in ((a, b), (b, a))
            if (first.label, second.label) == (kind.from_label, kind.to_label)
        ]
        if len(fits) == 1:
            kind, first, second = fits[0]
            relations.append(RelationLink(type=kind.name, from_id=first.id, to_id=second.id))
        elif fits:
            roles = ", ".join(sorted(kind.name for kind, _, _ in fits))
            problems.append(
                f"relation between {a.label} {a.text[:30]!r} and {b.label} {b.text[:30]!r} has "
                f"no label; choose one of: {roles}"
            )
        else:
            valid = "; ".join(
                f"{r.name}: {r.from_label}->{r.to_label}" for r in taxonomy.relations.values()
            )
            problems.append(
                f"relation {names or '(no label)'} between {a.label} {a.text[:30]!r} and "
                f"{b.label} {b.text[:30]!r} is not valid (valid: {valid})"
            )
    return relations


def _check_relation_counts(
    spans: dict[str, Span],
    relations: list[RelationLink],
    taxonomy: Taxonomy,
    problems: list[str],
) -> None:
    """Problems for spans with too many relations of a type, or none where one is required."""
    for rel_type in taxonomy.relations.values():
        counts: dict[str, int] = {}
        for rel in relations:
            if rel.type == rel_type.name:
                counts[rel.from_id] = counts.get(rel.from_id, 0) + 1
        for span in spans.values():
            n = counts.get(span.id, 0)
            if rel_type.exceeds(n):
                problems.append(
                    f"{span.label} {span.text[:40]!r} has {n} {rel_type.name} relations "
                    f"(at most {rel_type.limit_text})"
                )
            if span.label in rel_type.required_for and n == 0:
                problems.append(
                    f"{span.label} {span.text[:40]!r} has no {rel_type.name} relation "
                    f"(required: draw one to a {rel_type.to_label} span)"
                )
