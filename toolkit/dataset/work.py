"""The stream of pass-1 work: one item per article or reject, containers read record by record."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from toolkit.dataset.inputs import Discovery, Entry, grown_over_limit
from toolkit.dataset.sidecar import Sidecar
from toolkit.ingest import Record, SourceHints, read_jsonl, read_warc


class WorkItem(NamedTuple):
    """One input for a worker: a file to read, bytes from a container, or a reject's reason."""

    display: str
    path: str | None = None
    """A plain article file, read by the worker unless ``data`` already holds its bytes."""
    data: bytes | None = None
    hints: SourceHints | None = None
    error: str | None = None
    input_bytes: int = 0
    """Bytes of input files this item accounts for (progress)."""


def read_article_file(path: str, max_bytes: int) -> bytes:
    """A plain article file's or object's bytes; OSError when it cannot (or must not) be read.

    Opened without blocking and checked to be a regular file, so a file swapped for a FIFO since
    discovery cannot hang the build; read at most ``max_bytes`` + 1 bytes, so a growing one
    cannot exhaust memory.
    """
    if "://" in path:
        from toolkit.dataset.object_store import is_uri, read_uri

        if is_uri(path):
            return read_uri(path, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    pieces: list[bytes] = []
    size = 0
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file any more; never read")
        # Reads sized by fstat (one byte more shows growth): a read of max_bytes + 1 would
        # allocate a buffer that large for every file.
        want = min(info.st_size, max_bytes) + 1
        while size <= max_bytes and (piece := os.read(fd, min(want, max_bytes + 1 - size))):
            pieces.append(piece)
            size += len(piece)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise grown_over_limit(max_bytes)
    return b"".join(pieces)


def work_items(
    discovery: Discovery, sidecar: Sidecar | None, *, max_bytes: int, skipped: Counter[str]
) -> Iterator[WorkItem]:
    """Every input in order, a container's records streamed as read (never held in a list)."""
    for entry in discovery.entries:
        if entry.format == "reject":
            yield WorkItem(entry.display, error=entry.reason)
        elif entry.format == "file":
            yield _plain_file(entry, sidecar, max_bytes)
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


def _plain_file(entry: Entry, sidecar: Sidecar | None, max_bytes: int) -> WorkItem:
    """A plain article file with its sidecar hints; read here only to match rows by SHA-256."""
    item = WorkItem(entry.display, path=entry.path, input_bytes=entry.size_bytes)
    if sidecar is None:
        return item
    hints = sidecar.lookup(entry.relative, entry.display)
    if hints is not None or not sidecar.wants_digests:
        return item._replace(hints=hints)
    try:
        data = read_article_file(entry.path, max_bytes)
    except OSError as exc:
        return item._replace(error=f"cannot read: {exc.strerror}")
    return item._replace(data=data, hints=sidecar.lookup_digest(hashlib.sha256(data).hexdigest()))
