"""The language of an article's text: py3langid's model (shipped in the package, no download).

py3langid was chosen over lingua-language-detector on hand-written news sentences in 14
languages and the 60 extraction-dev pages (tests/bench/metadata_coverage.py reports the pages):
it was as accurate on full pages (60/60), as accurate or better on five-word fragments (27/28
against 26/28), about 0.1 ms a sentence against 5-46 ms, and needs 155 MB against 1.2 GB with
every lingua model loaded. Only the first ``SAMPLE_CHARS`` are classified, because the cost grows
with the length (about 2.8 ms for 2,000 characters, 0.5 ms for 500, against about 0.75 ms for
the rest of a conversion): on those pages the first 500 characters gave the same language as the
whole text on all 60 (200 characters: 58).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

SAMPLE_CHARS = 500
"""Characters of the text given to the detector."""

MIN_LETTERS = 20
"""Texts with fewer letters get no language: a guess from a few words is no evidence."""


@dataclass(frozen=True)
class Language:
    """An ISO 639-1 code and the detector's probability for it (0-1, three decimals)."""

    code: str
    confidence: float


@functools.cache
def _identifier() -> Any:
    """The detector, loaded once per process (about 2 s: the model is decompressed)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> Language | None:
    """The language of ``text``, or None when it has too few letters to tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return None
    code, probability = _identifier().classify(sample)
    return Language(str(code), round(float(probability), 3))


def load_language_model() -> None:
    """Load the detector now (once per process), so no per-file time limit pays for it."""
    _identifier()
