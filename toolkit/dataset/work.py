"""The stream of pass-1 work: one item per article or reject, containers read record by record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from toolkit.dataset.inputs import Discovery
from toolkit.dataset.sidecar import Sidecar
from toolkit.ingest import Record, SourceHints, read_jsonl, read_warc


class WorkItem(NamedTuple):
    """One input for a worker: a file to read, bytes from a container, or a reject's reason."""

    display: str
    path: str | None = None
    """A plain article file the worker reads (None when ``data`` or ``error`` is given)."""
    data: bytes | None = None
    hints: SourceHints | None = None
    error: str | None = None
    input_bytes: int = 0
    """Bytes of input files this item accounts for (progress)."""


def work_items(
    discovery: Discovery, sidecar: Sidecar | None, *, max_bytes: int, skipped: Counter[str]
) -> Iterator[WorkItem]:
    """Every input in order, a container's records streamed as read (never held in a list)."""
    for entry in discovery.entries:
        if entry.format == "reject":
            yield WorkItem(entry.display, error=entry.reason)
        elif entry.format == "file":
            hints = sidecar.lookup(entry.relative, entry.display) if sidecar is not None else None
            yield WorkItem(
                entry.display, path=entry.path, hints=hints, input_bytes=entry.size_bytes
            )
        else:
            records = (
                read_warc(entry.path, entry.display, max_bytes=max_bytes, skipped=skipped)
                if entry.format == "warc"
                else read_jsonl(entry.path, entry.display, max_bytes=max_bytes)
            )
            left = entry.size_bytes
            for record in records:
                step = min(left, record.input_bytes)
                left -= step
                if isinstance(record, Record):
                    yield WorkItem(
                        record.display, data=record.data, hints=record.hints, input_bytes=step
                    )
                else:
                    yield WorkItem(record.display, error=record.reason, input_bytes=step)
