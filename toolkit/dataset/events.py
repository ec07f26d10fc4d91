"""events.parquet: one event record per EVENT span per layer, PLOVER-style, from span rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import Any

import pyarrow as pa

from toolkit.core import make_event_id
from toolkit.taxonomy import Gazetteer, Taxonomy

EVENT_LABEL = "EVENT"
SOURCE, TARGET, LOCATION = "source", "target", "location"

DATE_PUBLISHED = "published_date"
"""date_source: the event is dated by its article's publication date."""
DATE_BEFORE_PUBLISHED = "before_published_date"
"""date_source: a historical event (before the story's time frame): date left empty."""

ACTOR_TYPE = pa.struct(
    [
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("canonical_name", pa.string()),
        pa.field("country", pa.string()),
        pa.field("sector", pa.string()),
        pa.field("wikidata_id", pa.string()),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
    ]
)

LOCATION_TYPE = pa.struct(
    [
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("gazetteer_id", pa.string()),
        pa.field("country", pa.string()),
        pa.field("feature_type", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
    ]
)


def events_schema() -> pa.Schema:
    """events.parquet: one row per EVENT span per layer (PLOVER's record, see the card)."""
    return pa.schema(
        [
            pa.field("event_id", pa.string(), nullable=False),
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("layer", pa.string(), nullable=False),
            pa.field("span_id", pa.string(), nullable=False),
            pa.field("date", pa.date32()),
            pa.field("date_source", pa.string()),
            pa.field("event", pa.string()),
            pa.field("quad_class", pa.string()),
            pa.field("mode", pa.string()),
            pa.field("context", pa.list_(pa.string()), nullable=False),
            pa.field("modality", pa.string()),
            pa.field("event_text", pa.string(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("source", pa.list_(ACTOR_TYPE), nullable=False),
            pa.field("target", pa.list_(ACTOR_TYPE), nullable=False),
            pa.field("location", LOCATION_TYPE),
            pa.field("codebook_version", pa.string(), nullable=False),
        ]
    )


def _position(row: Mapping[str, Any]) -> tuple[int, int, str]:
    return (row["start"], row["end"], row["span_id"])


def _actor(row: Mapping[str, Any]) -> dict[str, Any]:
    attrs = row.get("attributes") or {}
    return {
        "span_id": row["span_id"],
        "text": row["text"],
        "canonical_name": attrs.get("canonical_name"),
        "country": attrs.get("country"),
        "sector": attrs.get("sector"),
        "wikidata_id": attrs.get("wikidata_id"),
        "start": row["start"],
        "end": row["end"],
    }


def _location(row: Mapping[str, Any], gazetteer: Gazetteer) -> dict[str, Any]:
    attrs = row.get("attributes") or {}
    gid = attrs.get("gazetteer_id")
    entry = gazetteer.get(gid) if isinstance(gid, str) else None
    return {
        "span_id": row["span_id"],
        "text": row["text"],
        "gazetteer_id": gid,
        "country": attrs.get("country") or (entry.country if entry else None),
        "feature_type": attrs.get("feature_type"),
        "lat": entry.lat if entry else None,
        "lon": entry.lon if entry else None,
        "start": row["start"],
        "end": row["end"],
    }


def event_date(
    modality: str | None, published: dt.date | None
) -> tuple[dt.date | None, str | None]:
    """The event's date and where it comes from (no date annotation exists yet).

    A historical event happened before the story's time frame, so the publication date would
    be wrong: its date stays empty and ``date_source`` says it is earlier.
    """
    if published is None:
        return None, None
    if modality == "historical":
        return None, DATE_BEFORE_PUBLISHED
    return published, DATE_PUBLISHED


def event_rows(
    span_rows: Iterable[Mapping[str, Any]],
    *,
    published_dates: Mapping[str, dt.date | None],
    gazetteer: Gazetteer,
    taxonomy: Taxonomy,
) -> list[dict[str, Any]]:
    """Event records of annotations.parquet rows (sorted by doc_id, annotator_id first)."""
    quad = taxonomy.raw["labels"][EVENT_LABEL]["attributes"]["category"].get("quad_class", {})
    out: list[dict[str, Any]] = []
    for (doc_id, layer), group in groupby(
        span_rows, key=lambda r: (r["doc_id"], r["annotator_id"])
    ):
        rows = list(group)
        by_id = {r["span_id"]: r for r in rows}
        for row in rows:
            if row["label"] != EVENT_LABEL:
                continue
            out.append(
                _record(row, by_id, doc_id, layer, published_dates.get(doc_id), gazetteer, quad)
            )
    return out


def _record(
    row: Mapping[str, Any],
    by_id: Mapping[str, Mapping[str, Any]],
    doc_id: str,
    layer: str,
    published: dt.date | None,
    gazetteer: Gazetteer,
    quad: Mapping[str, str],
) -> dict[str, Any]:
    """One event record: the trigger's attributes and its argument spans resolved."""
    attrs = row.get("attributes") or {}
    linked: dict[str, list[Mapping[str, Any]]] = {SOURCE: [], TARGET: [], LOCATION: []}
    for rel in row.get("relations") or []:
        end = by_id.get(rel["to_span_id"])
        if rel["type"] in linked and end is not None:
            linked[rel["type"]].append(end)
    date, date_source = event_date(attrs.get("modality"), published)
    category = attrs.get("category")
    locations = sorted(linked[LOCATION], key=_position)
    return {
        "event_id": make_event_id(doc_id, layer, row["span_id"]),
        "doc_id": doc_id,
        "layer": layer,
        "span_id": row["span_id"],
        "date": date,
        "date_source": date_source,
        "event": category,
        "quad_class": quad.get(category) if category else None,
        "mode": attrs.get("mode"),
        "context": sorted(attrs.get("context") or []),
        "modality": attrs.get("modality"),
        "event_text": row["text"],
        "start": row["start"],
        "end": row["end"],
        "source": [_actor(r) for r in sorted(linked[SOURCE], key=_position)],
        "target": [_actor(r) for r in sorted(linked[TARGET], key=_position)],
        "location": _location(locations[0], gazetteer) if locations else None,
        "codebook_version": row["codebook_version"],
    }
