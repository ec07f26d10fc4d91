"""Rejects: inputs left out of the dataset, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reject:
    """An input (article or annotation file) left out of the dataset, and why."""

    input: str
    kind: str
    reason: str
