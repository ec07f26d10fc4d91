"""Near-duplicate clusters of the spilled signatures, read through a memory map."""

from __future__ import annotations

import mmap
from collections.abc import Iterator

import numpy as np

from toolkit.dataset.pass1 import _Pass1
from toolkit.dataset.spill import _SPILL_BLOCK_ROWS, _SpillFile

_TAKE_ROWS = 1024
"""Scattered signature rows read between two hand-backs of the mapped pages (at most 4 MB)."""


class _SignatureFile:
    """The spilled signatures as a normalize.SignatureSource, rows in doc-id order.

    Read through one memory map whose pages are handed back after every read, so memory does
    not grow with the corpus (the file stays in the page cache).
    """

    def __init__(self, spill: _SpillFile, width: int, order: np.ndarray) -> None:
        self.shape = (len(order), width)
        self._order = order
        self._fh = spill.path.open("rb")
        self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)

    def _matrix(self) -> np.ndarray:
        return np.frombuffer(self._map, dtype=np.uint64).reshape(self.shape)

    def _release(self, first_row: int = 0, end_row: int | None = None) -> None:
        """Hand back the mapped pages of rows ``first_row`` to ``end_row - 1`` (default all)."""
        if not (hasattr(self._map, "madvise") and hasattr(mmap, "MADV_DONTNEED")):
            return
        row_bytes = self.shape[1] * 8
        start = first_row * row_bytes // mmap.PAGESIZE * mmap.PAGESIZE
        end = len(self._map) if end_row is None else min(len(self._map), end_row * row_bytes)
        if end > start:
            self._map.madvise(mmap.MADV_DONTNEED, start, end - start)

    def _row_blocks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """(rows, block) in file order, each block's pages handed back once it is used."""
        matrix = self._matrix()
        for start in range(0, self.shape[0], _SPILL_BLOCK_ROWS):
            rows = slice(start, start + _SPILL_BLOCK_ROWS)
            yield rows, matrix[rows]
            self._release(start, start + _SPILL_BLOCK_ROWS)

    def live_rows(self) -> np.ndarray:
        from toolkit.dataset.near_duplicates import live_signatures

        live = np.empty(self.shape[0], dtype=bool)
        for rows, block in self._row_blocks():
            live[rows] = live_signatures(block)
        return np.flatnonzero(live[self._order])

    def columns(self, lo: int, hi: int) -> np.ndarray:
        out = np.empty((self.shape[0], hi - lo), dtype=np.uint64)
        for rows, block in self._row_blocks():
            out[rows] = block[:, lo:hi]
        return out[self._order]

    def take(self, rows: np.ndarray) -> np.ndarray:
        # Rows are read in file order, _TAKE_ROWS at a time, and their pages handed back.
        file_rows = self._order[rows]
        by_file = np.argsort(file_rows, kind="stable")
        file_rows = file_rows[by_file]
        matrix = self._matrix()
        out = np.empty((len(file_rows), self.shape[1]), dtype=np.uint64)
        for start in range(0, len(file_rows), _TAKE_ROWS):
            part = file_rows[start : start + _TAKE_ROWS]
            out[by_file[start : start + _TAKE_ROWS]] = matrix[part]
            self._release(int(part[0]), int(part[-1]) + 1)
        return out

    def close(self) -> None:
        self._map.close()
        self._fh.close()


def compute_clusters(state: _Pass1, order: np.ndarray) -> np.ndarray:
    """Per document, the index of its cluster's first document in doc-id order (int64).

    ``order`` lists the document indexes sorted by doc id; a cluster id is the smallest doc id
    of its near-duplicate cluster.
    """
    from toolkit.dataset.near_duplicates import near_duplicate_roots

    if not len(order):
        return np.empty(0, dtype=np.int64)
    source = _SignatureFile(state.signatures, state.signature_width, order)
    try:
        roots = near_duplicate_roots(source)
    finally:
        source.close()
    cluster = np.empty(len(order), dtype=np.int64)
    cluster[order] = order[roots]
    return cluster
