"""Sentence keys: the folded form under which sentences of documents match, and its hashes."""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from toolkit.ingest import UNUSUAL_SPACES

_KEY_MAP: dict[str, str] = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
}


def _fold(text: str) -> str:
    """NFKC, casefold, one kind of quote and dash (spaces untouched)."""
    key = unicodedata.normalize("NFKC", text).casefold()
    # str.translate looks every character up in a dict; replacing only the quote and dash
    # characters that occur is several times faster and gives the same string. A substring
    # test per mapped character is a fast scan, ten times faster than a regex character class.
    for ch, replacement in _KEY_MAP.items():
        if ch in key:
            key = key.replace(ch, replacement)
    return key


def sentence_key(text: str) -> str:
    """A sentence's matching key: NFKC, casefolded, one kind of quote and dash, single spaces."""
    return " ".join(_fold(text).split())


def sentence_keys(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """``sentence_key`` of each ``text[start:end]``, folded in one pass over the sentences."""
    pieces = [text[start:end] for start, end in spans]
    joined = "\n".join(pieces)
    # No character folds into a newline, and a newline never composes with its neighbours, so
    # the joined text folds piece by piece; a newline inside a sentence needs the slow path.
    if joined.count("\n") != len(pieces) - 1:
        return [sentence_key(piece) for piece in pieces]
    if not pieces:
        return []
    folded = _fold(joined)
    keys = folded.split("\n")
    # Sentences of normalized text rarely need their spaces collapsed; a few substring tests
    # over the whole text are cheaper than splitting and joining every sentence.
    if not _single_spaced(folded):
        keys = [" ".join(key.split()) for key in keys]
    return keys


def _single_spaced(text: str) -> bool:
    """Whether each line of ``text`` equals ``" ".join(line.split())``."""
    return not (
        "  " in text
        or " \n" in text
        or "\n " in text
        or text[:1] == " "
        or text[-1:] == " "
        or any(space in text for space in UNUSUAL_SPACES)
    )


def sentence_key_hashes(keys: Iterable[str]) -> np.ndarray:
    """64-bit hash of each sentence key (stable across runs and processes, unlike ``hash``).

    The hash is the 8-byte blake2b digest of the key's UTF-8 bytes read as a little-endian
    integer; the digests are joined and read by numpy at once.
    """
    digest = functools.partial(hashlib.blake2b, digest_size=8)
    return np.frombuffer(b"".join([digest(key.encode()).digest() for key in keys]), dtype="<u8")


_SENTENCE_RECORD = np.dtype([("doc", "<i4"), ("sent", "<i4"), ("key", "<u8")])
"""A sentence key's document, sentence index and 64-bit hash."""
