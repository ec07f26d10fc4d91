"""The extraction-dev score: 4-token word shingles, per-page normalised counts, F1 of the means.

Per page both texts are split into word tokens (regex ``\\w+``) and all 4-token shingles are
formed; tp is the sum over shingles of min(count in truth, count in prediction), fp and fn the
excess on each side. tp, fp and fn are divided by their sum so that every page weighs the same.
Precision and recall are the means over pages (a page with tp + fp = 0, resp. tp + fn = 0, is
left out of that mean) and F1 = 2PR / (P + R) of those means.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
SHINGLE = 4
"""Tokens per shingle."""


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Counts of the text's 4-token word shingles (none for a text of fewer than 4 words)."""
    tokens = _WORD.findall(text)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


@dataclass(frozen=True)
class PageScore:
    """One page's tp, fp and fn, each divided by their sum (0.0 each when all are 0)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp), or None when the prediction has no shingle."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn), or None when the truth has no shingle."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def score_page(truth: str, predicted: str) -> PageScore:
    """The normalised shingle counts of one page's predicted text against its true text."""
    true_counts, pred_counts = shingles(truth), shingles(predicted)
    tp = sum((true_counts & pred_counts).values())
    fp = sum((pred_counts - true_counts).values())
    fn = sum((true_counts - pred_counts).values())
    total = tp + fp + fn
    if not total:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class Summary:
    """Mean precision and recall over pages, and the F1 of those means."""

    precision: float
    recall: float
    f1: float
    pages: int


def summarize(scores: Iterable[PageScore]) -> Summary:
    """Mean P and R over the pages where each is defined; F1 of the two means."""
    listed = list(scores)
    precisions = [p for s in listed if (p := s.precision) is not None]
    recalls = [r for s in listed if (r := s.recall) is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Summary(precision, recall, f1, len(listed))


def is_held_out(key: str) -> bool:
    """The fixed held-out third: pages whose key's SHA-256, as a number, is divisible by 3."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 3 == 0
