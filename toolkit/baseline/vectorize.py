"""Fitted scikit-learn text vectorizers' transforms, computed faster and equal to the bit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

_INT32_MAX = np.iinfo(np.int32).max


def _plain(vectorizer: Any, analyzer: str) -> bool:
    """Whether a fitted vectorizer reads text content with the named built-in analyzer."""
    return (
        isinstance(vectorizer, CountVectorizer)
        and vectorizer.analyzer == analyzer
        and vectorizer.input == "content"
        and vectorizer.stop_words is None
        and hasattr(vectorizer, "vocabulary_")
    )


def _fast_word(vectorizer: Any) -> bool:
    """Whether :func:`word_counts` computes this vectorizer's counts (word 1- and 2-grams)."""
    if not _plain(vectorizer, "word") or vectorizer.tokenizer is not None:
        return False
    min_n, max_n = vectorizer.ngram_range
    return 1 <= min_n <= max_n <= 2


def _analysed(vectorizer: CountVectorizer, texts: Sequence[Any]) -> Iterable[str]:
    """Texts as the vectorizer's analyzer sees them after decoding and preprocessing."""
    if (
        vectorizer.preprocessor is None
        and not vectorizer.strip_accents
        and all(type(text) is str for text in texts)
    ):
        # Decoding leaves a str as it is, and the preprocessor is then str.lower or nothing.
        return map(str.lower, texts) if vectorizer.lowercase else texts
    decode, preprocess = vectorizer.decode, vectorizer.build_preprocessor()
    return (preprocess(decode(text)) for text in texts)


def _counts_matrix(
    rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int], dtype: Any
) -> sp.csr_matrix:
    """Occurrences ``(row, col)`` counted into a canonical CSR matrix, as CountVectorizer's.

    Index arrays are int32 unless the matrix is too large for them, as in scikit-learn.
    """
    n_rows, n_cols = shape
    width = max(n_cols, 1)
    keys, counts = np.unique(rows.astype(np.int64) * width + cols, return_counts=True)
    index_dtype = np.int64 if len(keys) > _INT32_MAX else np.int32
    indptr = np.zeros(n_rows + 1, dtype=index_dtype)
    np.cumsum(np.bincount(keys // width, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix(
        (counts.astype(dtype), (keys % width).astype(index_dtype), indptr), shape=shape
    )


def word_counts(vectorizer: CountVectorizer, texts: Sequence[Any]) -> sp.csr_matrix:
    """The counts a fitted word 1-2-gram vectorizer's transform gives (before TF-IDF).

    Texts are analysed by the vectorizer's own decoder, preprocessor and tokenizer; token
    n-grams are then looked up once per distinct token and distinct token pair, not built as
    strings per occurrence.
    """
    found = list(map(vectorizer.build_tokenizer(), _analysed(vectorizer, texts)))
    tokens = list(chain.from_iterable(found))
    lengths = list(map(len, found))
    del found
    index = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    distinct = list(index)
    word = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    lens = np.asarray(lengths, dtype=np.int64)
    text_of = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    vocabulary = vectorizer.vocabulary_
    min_n, max_n = vectorizer.ngram_range
    rows: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    cols: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    if min_n == 1:
        column = np.fromiter(
            map(vocabulary.get, distinct, repeat(-1)), dtype=np.int64, count=len(distinct)
        )
        picked = column[word]
        known = picked >= 0
        rows.append(text_of[known])
        cols.append(picked[known])
    if max_n == 2:
        position = np.arange(len(word), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        first = np.flatnonzero(position < np.repeat(lens, lens) - 1)
        n = max(len(distinct), 1)
        pairs, pair_of = np.unique(word[first] * n + word[first + 1], return_inverse=True)
        # The bigram string is the two tokens joined by one space, as scikit-learn builds it.
        grams = map(
            " ".join,
            zip(
                map(distinct.__getitem__, (pairs // n).tolist()),
                map(distinct.__getitem__, (pairs % n).tolist()),
                strict=True,
            ),
        )
        column = np.fromiter(
            map(vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(pairs)
        )
        picked = column[pair_of.reshape(-1)]
        known = picked >= 0
        rows.append(text_of[first][known])
        cols.append(picked[known])
    return _counts_matrix(
        np.concatenate(rows),
        np.concatenate(cols),
        (len(lens), len(vocabulary)),
        vectorizer.dtype,
    )


def char_wb_counts(vectorizer: CountVectorizer, texts: Sequence[Any]) -> sp.csr_matrix:
    """The counts a fitted ``char_wb`` vectorizer's transform gives (before TF-IDF).

    ``char_wb`` n-grams never cross a word boundary, so a text's counts are its word counts times
    each word's n-gram counts: one sparse product instead of a dictionary update per n-gram.
    """
    # str.split splits on the whitespace the vectorizer's own word split sees.
    found = list(map(str.split, _analysed(vectorizer, texts)))
    indptr = np.zeros(len(found) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, found), np.int64, count=len(found)), out=indptr[1:])
    all_words = list(chain.from_iterable(found))
    del found
    words = {w: i for i, w in enumerate(dict.fromkeys(all_words))}
    word_ids = np.fromiter(map(words.__getitem__, all_words), np.int64, count=len(all_words))
    per_text = sp.csr_matrix(
        (np.ones(len(word_ids), dtype=np.int64), word_ids, indptr),
        shape=(len(indptr) - 1, len(words)),
    )
    vocabulary = vectorizer.vocabulary_
    gram_ids: list[int] = []
    gram_ptr = [0]
    for word in words:
        # The vectorizer's own n-gram maker, so the n-grams are exactly its own.
        grams = (vocabulary.get(g) for g in vectorizer._char_wb_ngrams(word))
        gram_ids.extend([j for j in grams if j is not None])
        gram_ptr.append(len(gram_ids))
    per_word = sp.csr_matrix(
        (np.ones(len(gram_ids), dtype=np.int64), gram_ids, gram_ptr),
        shape=(len(words), len(vocabulary)),
    )
    counts = sp.csr_matrix(per_text @ per_word)
    counts.sum_duplicates()  # also sorts the indices, as the vectorizer's own matrix is
    return sp.csr_matrix(
        (counts.data.astype(vectorizer.dtype), counts.indices, counts.indptr), shape=counts.shape
    )


def transform(vectorizer: Any, texts: Sequence[Any]) -> Any:
    """``vectorizer.transform(texts)``, faster for plain word 1-2-gram and ``char_wb`` analysers.

    A text given more than once is analysed once: rows are independent, so repeating its row
    gives the same matrix.
    """
    if _fast_word(vectorizer):
        count = word_counts
    elif _plain(vectorizer, "char_wb"):
        count = char_wb_counts
    else:
        return vectorizer.transform(texts)
    index: dict[Any, int] = {}
    rows = [index.setdefault(text, len(index)) for text in texts]
    distinct = list(index) if len(index) < len(rows) else texts
    counts = count(vectorizer, distinct)
    if vectorizer.binary:
        counts.data.fill(1)
    if isinstance(vectorizer, TfidfVectorizer):
        counts = vectorizer._tfidf.transform(counts, copy=False)
    return counts if distinct is texts else counts[rows]
