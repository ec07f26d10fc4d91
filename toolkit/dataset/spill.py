"""Spill files: fixed-size numpy records kept on disk between the passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

_SPILL_BLOCK_ROWS = 8192
"""Rows of a spilled file read at once (8192 signatures are 4 MB)."""


class _SpillFile:
    """Fixed-size numpy records appended to a file in the build folder and read back in blocks.

    Per-document state that grows with the corpus (MinHash signatures, sentence-key hashes)
    waits here between the passes instead of in memory.
    """

    def __init__(self, path: Path, dtype: Any) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.count = 0
        self._fh = path.open("wb")

    def append(self, values: np.ndarray) -> None:
        if len(values):
            self._fh.write(np.ascontiguousarray(values, dtype=self.dtype).tobytes())
            self.count += len(values)

    def close(self) -> None:
        self._fh.close()

    def blocks(self, rows: int = _SPILL_BLOCK_ROWS) -> Iterator[np.ndarray]:
        """The records in file order, at most ``rows`` at a time."""
        self.close()
        with self.path.open("rb") as fh:
            while block := fh.read(rows * self.dtype.itemsize):
                yield np.frombuffer(block, dtype=self.dtype)

    def unlink(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
