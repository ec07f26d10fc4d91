"""Handing freed heap pages back to the OS between build phases."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import cast


def _trim_heap() -> None:
    """Give the heap's free pages back to the OS (glibc; elsewhere nothing happens).

    Freed numpy and Arrow temporaries of a few MB stay in the C heap, so without this the peak
    of one phase would carry into the next and memory would seem to grow with the corpus.
    The Ray driver calls it after each Ray Data stage too: each left 60-90 MiB of freed native
    heap at 30,000 articles (docs/SCALING.md).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    import ctypes

    try:
        return cast(Callable[[int], int], ctypes.CDLL(None).malloc_trim)
    except (OSError, AttributeError):
        return None
