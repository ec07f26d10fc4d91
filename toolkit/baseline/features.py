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


# A token with the whitespace before it: consecutive matches tile the text up to trailing space.
_SPACED_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s])")


class TokenArrays(NamedTuple):
    """Tokens of many texts, flat: strings, each text's token count, offsets within its text."""

    words: list[str]
    lengths: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def tokenize_many(texts: Sequence[str]) -> TokenArrays:
    """The tokens :func:`tokenize` gives for each text, as flat lists and arrays.

    The texts are joined by a newline (whitespace, which no token crosses) and scanned once into
    pieces of whitespace and a token; a token's end is the summed length of the pieces up to it,
    so no per-token object but the token's string is made.
    """
    pieces = _SPACED_TOKEN.findall("\n".join(texts))
    n = len(pieces)
    ends = np.cumsum(np.fromiter(map(len, pieces), np.int64, count=n))
    words = list(map(str.lstrip, pieces))  # str.lstrip strips what \s matches
    del pieces
    starts = ends - np.fromiter(map(len, words), np.int64, count=n)
    sizes = np.fromiter(map(len, texts), np.int64, count=len(texts))
    base = np.cumsum(sizes + 1) - sizes - 1  # where each text begins in the joined string
    text_of = np.searchsorted(base, starts, side="right") - 1
    lengths = np.bincount(text_of, minlength=len(texts)).astype(np.int64)
    return TokenArrays(words, lengths, starts - base[text_of], ends - base[text_of])


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


def _bigram_feature(previous: str, word: str) -> str:
    """The feature a token gets from itself and the token before it."""
    return "bigram-1=" + previous.lower() + "|" + word.lower()


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
            feats.append(_bigram_feature(words[i - 1], word))
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
    return _hash(_bigram_feature(previous, word))


def _id_table(rows: Sequence[Sequence[int]]) -> sp.csr_matrix:
    """A 0/1 matrix with a row of hashed columns per distinct word (repeats kept, summed later)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(indptr[-1]))
    return sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float64), indices, indptr),
        shape=(len(rows), HASH_FEATURES),
    )


def _hash_block(words: Sequence[str], lens: np.ndarray) -> sp.csr_matrix:
    """Hashed token features of sentences given as flat words and sentence lengths."""
    index = {w: i for i, w in enumerate(dict.fromkeys(words))}
    distinct = list(index)
    word = np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
    n_tokens = len(word)
    position = np.arange(n_tokens, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    length = np.repeat(lens, lens)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []

    def gather(table: sp.csr_matrix, tokens: np.ndarray, keys: np.ndarray) -> None:
        picked = table[keys]
        rows.append(np.repeat(tokens.astype(np.int32), np.diff(picked.indptr)))
        cols.append(picked.indices.astype(np.int32))

    every = np.arange(n_tokens, dtype=np.int64)
    gather(_id_table([_own_ids(w) for w in distinct]), every, word)
    for offset in (o for o in range(-CONTEXT_WINDOW, CONTEXT_WINDOW + 1) if o):
        neighbour = position + offset
        inside = every[(neighbour >= 0) & (neighbour < length)]
        table = _id_table([_context_ids(w, offset) for w in distinct])
        gather(table, inside, word[inside + offset])
        edge = every[(neighbour == -1) | (neighbour == length)]
        boundary = _id_table([_BOUNDARY_IDS[offset]])
        gather(boundary, edge, np.zeros(len(edge), dtype=np.int64))
    later = every[position > 0]
    n = max(len(distinct), 1)
    pairs, pair_of = np.unique(word[later - 1] * n + word[later], return_inverse=True)
    bigrams = _id_table([(_bigram_id(distinct[p // n], distinct[p % n]),) for p in pairs.tolist()])
    gather(bigrams, later, pair_of.reshape(-1))
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    rows.clear()
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
    cols.clear()
    matrix = sp.coo_matrix(
        (np.ones(len(row), dtype=np.float64), (row, col)), shape=(n_tokens, HASH_FEATURES)
    ).tocsr()
    del row, col
    matrix.sum_duplicates()
    return matrix


_BLOCK_TOKENS = 100_000
"""Tokens hashed at a time: bounds the temporary arrays while training on a million tokens."""


def hash_token_features(sentences: Iterable[Sequence[str]]) -> sp.csr_matrix:
    """Token features of many sentences hashed into one sparse matrix, a row per token.

    Equal to FeatureHasher over :func:`token_features`, but features are hashed once per
    distinct word (or word pair) and gathered per token with sparse row indexing, which makes it
    several times faster on news text where words repeat.
    """
    words: list[str] = []
    lengths: list[int] = []
    for sentence in sentences:
        words.extend(sentence)
        lengths.append(len(sentence))
    return hash_words(words, np.asarray(lengths, dtype=np.int64))


def hash_words(words: Sequence[str], lengths: np.ndarray) -> sp.csr_matrix:
    """:func:`hash_token_features` of sentences given as flat words and each sentence's length."""
    row_sizes: list[np.ndarray] = []
    indices: list[np.ndarray] = []
    counts: list[np.ndarray] = []  # small whole numbers: exact in float32, half the memory

    def add(block: sp.csr_matrix) -> None:
        row_sizes.append(np.diff(block.indptr))
        indices.append(block.indices.astype(np.int32))
        counts.append(block.data.astype(np.float32))

    lens = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lens)
    first = 0  # sentence and token where the next block starts
    token = 0
    while first < len(lens) or not row_sizes:
        # Whole sentences up to the first that reaches the block size (or all that are left).
        last = min(int(np.searchsorted(ends, token + _BLOCK_TOKENS, side="left")) + 1, len(lens))
        stop = int(ends[last - 1]) if last else token
        add(_hash_block(words[token:stop], lens[first:last]))
        first, token = last, stop
    indptr = np.zeros(sum(len(r) for r in row_sizes) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(row_sizes), out=indptr[1:])
    all_indices = np.concatenate(indices)
    indices.clear()
    data = np.concatenate(counts).astype(np.float64)
    counts.clear()
    matrix = sp.csr_matrix((data, all_indices, indptr), shape=(len(indptr) - 1, HASH_FEATURES))
    matrix.sum_duplicates()  # already canonical per block; this records it
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


class SpanArrays(NamedTuple):
    """Spans of many texts, flat: ``first[i]:first[i + 1]`` are text i's, in token order."""

    first: np.ndarray
    labels: list[str]
    starts: np.ndarray
    ends: np.ndarray


def spans_from_tag_arrays(tokens: TokenArrays, tags: Sequence[str]) -> SpanArrays:
    """:func:`spans_from_tags` of every text of :func:`tokenize_many` at once (flat tags)."""
    n = len(tokens.words)
    values = np.asarray(tags)
    kinds = sorted(set(values.tolist()))
    kind_of = np.searchsorted(np.asarray(kinds, dtype=values.dtype), values)
    parts = [str(k).partition("-") for k in kinds]
    names = sorted({label for _, _, label in parts})
    opens = np.array([p in ("B", "I") for p, _, _ in parts], dtype=bool)[kind_of]
    inside = np.array([p == "I" for p, _, _ in parts], dtype=bool)[kind_of]
    label = np.array([names.index(x) for _, _, x in parts], dtype=np.int64)[kind_of]
    text_of = np.repeat(np.arange(len(tokens.lengths), dtype=np.int64), tokens.lengths)
    # A token continues the span before it when it is I- of the label the previous token opened
    # or continued, in the same text.
    cont = np.zeros(n, dtype=bool)
    cont[1:] = inside[1:] & opens[:-1] & (label[1:] == label[:-1]) & (text_of[1:] == text_of[:-1])
    first = np.flatnonzero(opens & ~cont)
    breaks = np.append(np.flatnonzero(~cont), n)
    last = breaks[np.searchsorted(breaks, first, side="right")] - 1
    ptr = np.searchsorted(text_of[first], np.arange(len(tokens.lengths) + 1), side="left")
    return SpanArrays(
        ptr, [names[k] for k in label[first].tolist()], tokens.starts[first], tokens.ends[last]
    )


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
