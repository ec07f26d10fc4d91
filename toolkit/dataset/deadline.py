"""A time limit on parsing one input: past it the input becomes a reject and the run goes on."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

from toolkit.errors import InputError

if TYPE_CHECKING:
    from toolkit.ingest import Article, SourceHints

DEFAULT_MAX_SECONDS = 30.0
"""Default limit on the seconds one input's parse may take (``convert --max-seconds``)."""


class _Expired(BaseException):
    """Raised in the parsing thread by SIGALRM when an input's time is up.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way (the
    HTML parser turns any Exception into "malformed HTML") can take it for an input error.
    """


def parse_within(
    data: bytes, source_path: str, max_seconds: float, hints: SourceHints | None = None
) -> Article:
    """parse_article(data), or InputError if it takes longer than ``max_seconds`` (0: no limit).

    The limit is a SIGALRM timer, so it holds in the main thread of a process (the CLI, or a
    convert worker); elsewhere, or on a platform without setitimer, the parse runs unlimited.
    A signal interrupts Python code only, which is why every regex of ingest is linear.
    """
    from toolkit.ingest import load_language_model, parse_article

    load_language_model()  # a model loaded inside the timer would eat the first file's time
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if max_seconds <= 0 or not usable:
        return parse_article(data, source_path=source_path, hints=hints)
    armed = [True]

    def expire(signum: int, frame: FrameType | None) -> None:
        if armed[0]:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max_seconds)
    try:
        return parse_article(data, source_path=source_path, hints=hints)
    except _Expired:
        raise InputError(
            f"parsing took longer than {max_seconds:g} s (--max-seconds), stopped; give a smaller "
            f"or simpler article ({len(data):,} bytes here) or a larger --max-seconds",
            path=source_path,
        ) from None
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
