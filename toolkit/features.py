"""Baseline features: tokens with code-point offsets, token features, BIO tags, sentence labels."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

FEATURES_VERSION = "1"
"""Bumped whenever a feature below changes: a saved model only loads with the same version."""

TAGGED_LABELS = ("ACTOR", "EVENT", "LOCATION")
"""Labels the span tagger learns."""

STANCE_VALUES = ("AGAINST", "FAVOR", "NONE")
"""Sentence stance classes (SemEval-2016 Task 6)."""

CONTEXT_WINDOW = 2
"""Neighbouring tokens on each side whose features a token sees (within its sentence)."""

HASH_FEATURES = 2**20
"""Columns token features are hashed into (as sklearn's FeatureHasher, alternate_sign=False)."""

# Words and single symbols: "US-China" is three tokens, so a span on "US" keeps exact offsets.
_TOKEN = re.compile(r"\w+|[^\w\s]")


class Token(NamedTuple):
    """A token and its half-open code-point range in the document text."""

    text: str
    start: int
    end: int


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with offsets into the whole ``text`` (code points)."""
    stop = len(text) if end is None else end
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, stop)]


def word_shape(word: str) -> str:
    """Collapsed shape: ``Beijing`` -> ``Xx``, ``F-16`` -> ``X-d``, ``U.S.`` -> ``X.X.``."""
    out: list[str] = []
    for ch in word:
        if ch.isupper():
            c = "X"
        elif ch.islower():
            c = "x"
        elif ch.isdigit():
            c = "d"
        else:
            c = ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=200_000)
def _own_features(word: str) -> tuple[str, ...]:
    """Features of a token that depend only on its string (cached: words repeat a lot)."""
    low = word.lower()
    feats = [
        "bias",
        "w=" + low,
        "p2=" + low[:2],
        "p3=" + low[:3],
        "s2=" + low[-2:],
        "s3=" + low[-3:],
        "sh=" + word_shape(word),
        "len=" + str(min(len(word), 8)),
    ]
    if word[:1].isupper():
        feats.append("title")
    if word.isupper() and len(word) > 1:
        feats.append("upper")
    if word.isdigit():
        feats.append("digit")
    if not word[:1].isalnum():
        feats.append("punct")
    return tuple(feats)


@lru_cache(maxsize=400_000)
def _context_features(word: str, offset: int) -> tuple[str, ...]:
    """Features a token contributes to a neighbour ``offset`` positions away."""
    return (f"{offset}w={word.lower()}", f"{offset}sh={word_shape(word)}")


_BOUNDARY = {
    offset: (f"{offset}w=<{'s' if offset < 0 else '/s'}>",)
    for offset in range(-CONTEXT_WINDOW, CONTEXT_WINDOW + 1)
    if offset
}


def token_features(words: Sequence[str]) -> list[list[str]]:
    """Feature strings of every token of one sentence: its own form and a context window.

    The readable definition; models use :func:`hash_token_features`, which computes the same.
    """
    n = len(words)
    rows: list[list[str]] = []
    for i, word in enumerate(words):
        feats = list(_own_features(word))
        for offset in range(-CONTEXT_WINDOW, CONTEXT_WINDOW + 1):
            if offset == 0:
                continue
            j = i + offset
            if 0 <= j < n:
                feats.extend(_context_features(words[j], offset))
            elif j == -1 or j == n:
                feats.extend(_BOUNDARY[offset])
        if i > 0:
            feats.append("bigram-1=" + words[i - 1].lower() + "|" + word.lower())
        rows.append(feats)
    return rows


def _hash(feature: str) -> int:
    # The same column as FeatureHasher(n_features=HASH_FEATURES, alternate_sign=False) gives.
    return abs(int(murmurhash3_32(feature, seed=0))) % HASH_FEATURES


@lru_cache(maxsize=200_000)
def _own_ids(word: str) -> tuple[int, ...]:
    return tuple(_hash(f) for f in _own_features(word))


@lru_cache(maxsize=400_000)
def _context_ids(word: str, offset: int) -> tuple[int, ...]:
    return tuple(_hash(f) for f in _context_features(word, offset))


_BOUNDARY_IDS = {offset: tuple(_hash(f) for f in feats) for offset, feats in _BOUNDARY.items()}


@lru_cache(maxsize=400_000)
def _bigram_id(previous: str, word: str) -> int:
    return _hash("bigram-1=" + previous.lower() + "|" + word.lower())


def hash_token_features(sentences: Iterable[Sequence[str]]) -> sp.csr_matrix:
    """Token features of many sentences hashed into one sparse matrix, a row per token.

    Equal to FeatureHasher over :func:`token_features`, but word-level hashes are cached, which
    makes it several times faster on news text where words repeat.
    """
    indices: list[int] = []
    indptr = [0]
    offsets = [o for o in range(-CONTEXT_WINDOW, CONTEXT_WINDOW + 1) if o]
    for words in sentences:
        n = len(words)
        for i, word in enumerate(words):
            indices.extend(_own_ids(word))
            for offset in offsets:
                j = i + offset
                if 0 <= j < n:
                    indices.extend(_context_ids(words[j], offset))
                elif j == -1 or j == n:
                    indices.extend(_BOUNDARY_IDS[offset])
            if i > 0:
                indices.append(_bigram_id(words[i - 1], word))
            indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float64),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(len(indptr) - 1, HASH_FEATURES),
    )
    matrix.sum_duplicates()
    return matrix


def bio_tags(
    tokens: Sequence[Token], spans: Iterable[tuple[str, int, int]]
) -> tuple[list[str], int]:
    """BIO tags of tokens from ``(label, start, end)`` spans, and how many spans found no place.

    Spans are placed longest first; a span overlapping tokens already taken (nesting, crossing)
    is skipped and counted, because BIO cannot express it.
    """
    tags = ["O"] * len(tokens)
    skipped = 0
    ordered = sorted(spans, key=lambda s: (-(s[2] - s[1]), s[1], s[0]))
    for label, start, end in ordered:
        idx = [i for i, t in enumerate(tokens) if t.start < end and t.end > start]
        if not idx or any(tags[i] != "O" for i in idx):
            skipped += 1
            continue
        tags[idx[0]] = "B-" + label
        for i in idx[1:]:
            tags[i] = "I-" + label
    return tags, skipped


def spans_from_tags(tokens: Sequence[Token], tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(label, start, end)`` spans from BIO tags; an ``I-`` without its ``B-`` starts a span."""
    spans: list[tuple[str, int, int]] = []
    label: str | None = None
    start = end = 0
    for token, tag in zip(tokens, tags, strict=True):
        prefix, _, tag_label = tag.partition("-")
        if prefix == "I" and tag_label == label:
            end = token.end
            continue
        if label is not None:
            spans.append((label, start, end))
        label = tag_label if prefix in ("B", "I") else None
        start, end = token.start, token.end
    if label is not None:
        spans.append((label, start, end))
    return spans


def sentence_stance(sentence: tuple[int, int], stance_spans: Iterable[tuple[str, int, int]]) -> str:
    """A sentence's stance: the value of the STANCE span overlapping it most, else NONE.

    Ties go to the earlier span, then to the value first in :data:`STANCE_VALUES`.
    """
    s_start, s_end = sentence
    best: tuple[int, int, int] | None = None
    label = "NONE"
    for value, start, end in stance_spans:
        overlap = min(s_end, end) - max(s_start, start)
        if overlap <= 0 or value not in STANCE_VALUES:
            continue
        key = (-overlap, start, STANCE_VALUES.index(value))
        if best is None or key < best:
            best, label = key, value
    return label


def event_inputs(
    text: str, sentences: Sequence[tuple[int, int]], start: int, end: int
) -> list[str]:
    """Inputs of the event-category model: the trigger's quote and the sentence containing it."""
    sentence = next(
        (text[s:e] for s, e in sentences if s <= start < e),
        text[max(0, start - 200) : end + 200],
    )
    return [text[start:end], sentence]


def stance_spans_of(spans: Iterable[Mapping[str, object]]) -> list[tuple[str, int, int]]:
    """``(value, start, end)`` of STANCE spans with a value, from span records."""
    out: list[tuple[str, int, int]] = []
    for span in spans:
        if span.get("label") != "STANCE":
            continue
        attrs = span.get("attributes") or {}
        value = attrs.get("value") if isinstance(attrs, Mapping) else None
        if isinstance(value, str):
            out.append((value, int(str(span["start"])), int(str(span["end"]))))
    return out
