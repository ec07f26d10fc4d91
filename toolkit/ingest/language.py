"""The language of an article's text: py3langid's model (shipped in the package, no download).

py3langid was chosen over lingua-language-detector on hand-written news sentences in 14
languages and the 60 extraction-dev pages (tests/bench/metadata_coverage.py reports the pages):
it was as accurate on full pages (60/60), as accurate or better on five-word fragments (27/28
against 26/28), about 0.1 ms a sentence against 5-46 ms, and needs 155 MB against 1.2 GB with
every lingua model loaded. Only the first ``SAMPLE_CHARS`` are classified, because the cost grows
with the length: on those pages the first 500 characters gave the same language as the whole
text on all 60 (200 characters: 58).

py3langid walks its feature automaton byte by byte in Python (about 0.4 ms for 500 characters,
a third of a whole conversion); ``_Detector`` computes the same states with a few numpy gathers
over all bytes at once and then scores exactly as py3langid does (same features, same order, same
arithmetic), so codes and confidences are unchanged.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

SAMPLE_CHARS = 500
"""Characters of the text given to the detector."""

MIN_LETTERS = 20
"""Texts with fewer letters get no language: a guess from a few words is no evidence."""

AUTOMATON_MEMORY = 6
"""Bytes after which two walks of py3langid's feature automaton over the same bytes are in the
same state whatever states they started in (its features are short byte n-grams);
tests/ingest/test_language.py checks it against the installed model."""


@dataclass(frozen=True)
class Language:
    """An ISO 639-1 code and the detector's probability for it (0-1, three decimals)."""

    code: str
    confidence: float


class _Detector:
    """py3langid's classify (normalized probabilities) with its automaton walk vectorized."""

    def __init__(self, identifier: Any) -> None:
        self.identifier = identifier
        self.nextmove = np.frombuffer(identifier.tk_nextmove, dtype=_dtype(identifier.tk_nextmove))
        self.rowbase = np.asarray(identifier._rowbase, dtype=np.int64)
        self.output = np.asarray(identifier.tk_output, dtype=np.int64)
        # float16 -> float32 through a table of all 65,536 values: exact, and faster than a cast.
        self.weights = identifier.nb_ptc.view(np.uint16)
        self.widened = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)

    def _states(self, data: bytes) -> np.ndarray:
        """The automaton's state after each byte, as the byte-by-byte walk from state 0 gives.

        After AUTOMATON_MEMORY bytes the state no longer depends on where the walk started, so
        the state at byte i is the walk from state 0 over the AUTOMATON_MEMORY bytes ending at
        i (from the start of the text for the first ones): one gather per step, over all bytes.
        """
        letters = np.frombuffer(data, dtype=np.uint8).astype(np.int64)
        states = self.nextmove[self.rowbase[0] + letters]
        for step in range(1, min(AUTOMATON_MEMORY, len(letters))):
            states[step:] = self.nextmove[self.rowbase[states[step - 1 : -1]] + letters[step:]]
        return states

    def classify(self, text: str) -> tuple[str, float]:
        """(language, probability) of ``text``, equal to py3langid's ``classify``."""
        ident = self.identifier
        data = ident._encode(text)
        features = self.output[self._states(data)]
        features = features[features >= 0]
        if len(features):
            # py3langid counts with a Counter: features in order of first occurrence.
            found, first, counts = np.unique(features, return_index=True, return_counts=True)
            order = np.argsort(first, kind="stable")
            idx = found[order].astype(np.intp)
            table = np.take(self.widened, self.weights[idx])  # ident.nb_ptc[idx], as float32
            scores = np.log1p(counts[order].astype(np.float32)) @ table + ident.nb_pc
        else:
            scores = np.full(len(ident.nb_classes), 0.0, dtype=np.float32)
        scores *= 1.0 / math.sqrt(len(data) or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for i, j in ident._alias_pairs:
            scores[i] += scores[j]
            scores[j] = 0.0
        best = int(scores.argmax())
        return ident.nb_classes[best], float(scores[best])


def _dtype(table: Any) -> np.dtype[Any]:
    """The numpy type of a stdlib array's items."""
    return np.dtype(f"u{table.itemsize}")


@functools.cache
def _identifier() -> Any:
    """The detector, loaded once per process (about 1 s: the model is decompressed)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.cache
def _detector() -> _Detector:
    return _Detector(_identifier())


def detect_language(text: str) -> Language | None:
    """The language of ``text``, or None when it has too few letters to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(list(islice(filter(str.isalpha, sample), MIN_LETTERS))) < MIN_LETTERS:
        return None
    code, probability = _detector().classify(sample)
    return Language(str(code), round(float(probability), 3))


def load_language_model() -> None:
    """Load the detector now (once per process), so no per-file time limit pays for it."""
    _detector()
