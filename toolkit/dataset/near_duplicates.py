"""Near-duplicate detection: stable MinHash signatures and LSH clustering (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

import numpy as np

_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MIX1_INVERSE = np.uint64(pow(0xBF58476D1CE4E5B9, -1, 1 << 64))
_SHIFT27, _SHIFT30, _SHIFT31 = np.uint64(27), np.uint64(30), np.uint64(31)
_WORD = re.compile(r"\w+")
_CHUNK = 8192
"""Shingles hashed per block: a (num_perm, 8192) uint64 block stays a few MB."""


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer, element-wise: a bijection on uint64 that mixes every bit."""
    # Array arithmetic wraps modulo 2**64 silently; in-place steps save temporaries.
    z = x + _GOLDEN
    z ^= z >> _SHIFT30
    z *= _MIX1
    z ^= z >> _SHIFT27
    z *= _MIX2
    z ^= z >> _SHIFT31
    return z


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed multipliers (odd) and offsets of the MinHash permutations (computed once)."""
    cached = _PERMUTATION_CACHE.get(num_perm)
    if cached is None:
        seq = np.arange(1, 2 * num_perm + 1, dtype=np.uint64)
        values = _splitmix64(seq)
        cached = (values[:num_perm] | np.uint64(1), values[num_perm:])
        for part in cached:
            part.flags.writeable = False
        _PERMUTATION_CACHE[num_perm] = cached
    return cached


def _word_table() -> np.ndarray:
    """bool per code point: does ``\\w`` match it? Built from the regex itself, so it agrees."""
    table = _WORD_TABLE_CACHE.get("table")
    if table is None:
        table = np.zeros(0x110000, dtype=bool)
        # Block by block: one string of every code point briefly takes about 100 MB.
        for lo in range(0, 0x110000, 1 << 16):
            block = "".join(map(chr, range(lo, min(lo + (1 << 16), 0x110000))))
            for m in _WORD.finditer(block):
                table[lo + m.start() : lo + m.end()] = True
        table.flags.writeable = False
        _WORD_TABLE_CACHE["table"] = table
    return table


_WORD_TABLE_CACHE: dict[str, np.ndarray] = {}
_PERMUTATION_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


_GROUP_POINTS = 1 << 16
"""Code points hashed together by minhash_signatures: its per-character temporaries (a few
dozen bytes each) stay near 3 MB, and position powers up to this size are kept. Measured on
generated articles: 2**16 and 2**17 are fastest, larger groups are slower (bigger temporaries)."""
_POSITION_POWERS_CACHE: list[np.ndarray] = []


def _position_powers(count: int) -> tuple[np.ndarray, np.ndarray]:
    """``MIX1 ** p`` and ``MIX1 ** -p`` (mod 2**64) for p <= count; kept up to _GROUP_POINTS."""
    if _POSITION_POWERS_CACHE and len(_POSITION_POWERS_CACHE[0]) > count:
        return _POSITION_POWERS_CACHE[0], _POSITION_POWERS_CACHE[1]
    size = max(count, _GROUP_POINTS) + 1
    powers = np.ones(size, dtype=np.uint64)
    inverses = np.ones(size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumprod(np.full(size - 1, _MIX1), out=powers[1:])
        np.cumprod(np.full(size - 1, _MIX1_INVERSE), out=inverses[1:])
    if count <= _GROUP_POINTS:  # a longer text gets its own tables, not kept
        powers.flags.writeable = False
        inverses.flags.writeable = False
        _POSITION_POWERS_CACHE[:] = [powers, inverses]
    return powers, inverses


def _token_hashes(text: str) -> np.ndarray:
    """A stable 64-bit hash of each ``\\w+`` word of ``text``, in order, computed with numpy.

    Each word is a polynomial in its code points (mod 2**64), mixed with its length by
    SplitMix64: the same on every machine and in every process, unlike Python's hash().
    """
    return _word_hashes(_code_points(text))[0]


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text`` (lone surrogates included) as a uint32 array."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _word_hashes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hash, start position) of each ``\\w+`` word of a code-point array (see _token_hashes)."""
    is_word = np.zeros(len(points) + 2, dtype=np.int8)
    np.take(_word_table(), points, out=is_word[1:-1].view(bool))
    # Word starts and ends alternate among the nonzero steps of is_word.
    edges = np.flatnonzero(np.diff(is_word))
    starts, ends = edges[0::2], edges[1::2]
    if not len(starts):
        return np.empty(0, dtype=np.uint64), starts
    # A word's polynomial sum(c_k * MIX1 ** (k + 1)) is, with p = start + k, the difference of a
    # running sum of c_p * MIX1 ** (p + 1) times MIX1 ** -start (MIX1 is odd, so invertible
    # modulo 2**64): all exact in wrapping arithmetic, and no per-word offsets are needed.
    count = len(points)
    powers, inverses = _position_powers(count)
    running = np.zeros(count + 1, dtype=np.uint64)
    np.cumsum(points * powers[1 : count + 1], out=running[1:])
    sums = running[ends] - running[starts]
    sums *= inverses[starts]
    return _splitmix64(sums ^ (ends - starts).astype(np.uint64)), starts


def minhash_signature(text: str, *, num_perm: int = 64, shingle_words: int = 5) -> np.ndarray:
    """MinHash signature (uint64, ``num_perm`` values) of the text's word shingles.

    Words are ``\\w+`` runs of the casefolded text; shingles are ``shingle_words`` consecutive
    words (a shorter text is one shingle). Words and shingles are hashed with fixed integer
    arithmetic, so signatures are the same in every process and on every machine. A text
    without words gets the all-``2**64-1`` signature of the empty set.
    """
    if num_perm < 1 or shingle_words < 1:
        raise ValueError(
            f"num_perm and shingle_words must be >= 1, got {num_perm}, {shingle_words}"
        )
    word_hash = _token_hashes(text.casefold())
    signature = np.full(num_perm, _MAX, dtype=np.uint64)
    if not len(word_hash):
        return signature
    width = min(shingle_words, len(word_hash))
    count = len(word_hash) - width + 1
    shingles = word_hash[:count].copy()
    for k in range(1, width):
        shingles = _splitmix64(shingles) ^ word_hash[k : k + count]
    # Permutation j is x -> a_j * x + b_j (mod 2**64) with odd a_j: a bijection of uint64. The
    # shingle hashes are already well mixed, so this cheap family orders them independently.
    # Repeated shingles need no removal: they cannot change a minimum.
    mult, add = _permutations(num_perm)
    for lo in range(0, len(shingles), _CHUNK):
        # (num_perm, shingles) blocks: the minimum runs along contiguous rows.
        block = mult[:, None] * shingles[None, lo : lo + _CHUNK]
        block += add[:, None]
        np.minimum(signature, block.min(axis=1), out=signature)
    return signature


def minhash_signatures(
    texts: Sequence[str], *, num_perm: int = 64, shingle_words: int = 5
) -> np.ndarray:
    """``minhash_signature`` of each text, as rows of one (len(texts), num_perm) uint64 matrix.

    Bit for bit the same values, computed for all texts at once: the words of all texts are
    hashed in one pass and each text's minima are taken as segments of shared blocks, so the
    numpy calls do not grow with the number of texts.
    """
    if num_perm < 1 or shingle_words < 1:
        raise ValueError(
            f"num_perm and shingle_words must be >= 1, got {num_perm}, {shingle_words}"
        )
    signatures = np.full((len(texts), num_perm), _MAX, dtype=np.uint64)
    folded = [text.casefold() for text in texts]
    lo = 0
    while lo < len(folded):
        # Texts hashed together: at least one, and no more than _GROUP_POINTS code points.
        hi, size = lo + 1, len(folded[lo])
        while hi < len(folded) and size + 1 + len(folded[hi]) <= _GROUP_POINTS:
            size += 1 + len(folded[hi])
            hi += 1
        _fill_signatures(folded[lo:hi], signatures[lo:hi], shingle_words)
        lo = hi
    return signatures


def _fill_signatures(folded: Sequence[str], signatures: np.ndarray, shingle_words: int) -> None:
    """Lower ``signatures`` (one row per casefolded text) to the texts' MinHash minima."""
    # A space is no word character, so words of the joined text are the words of each text.
    ends = np.cumsum([len(text) + 1 for text in folded])
    word_hash, starts = _word_hashes(_code_points(" ".join(folded)))
    total = len(word_hash)
    if not total:
        return
    doc = np.searchsorted(ends, starts, side="right")
    counts = np.bincount(doc, minlength=len(folded))
    first = np.cumsum(counts) - counts
    # Chain k of every word position over the joined words; a text with fewer words than
    # shingle_words has one shingle, the chain of all its words, taken when that chain is ready.
    padded = np.zeros(total + shingle_words - 1, dtype=np.uint64)
    padded[:total] = word_hash
    short = np.flatnonzero((counts > 0) & (counts < shingle_words))
    short_shingle = np.empty(len(short), dtype=np.uint64)
    chain = word_hash.copy()
    for k in range(shingle_words):
        if k:
            chain = _splitmix64(chain) ^ padded[k : k + total]
        done = counts[short] == k + 1
        short_shingle[done] = chain[first[short[done]]]
    num_perm = signatures.shape[1]
    mult, add = _permutations(num_perm)
    if len(short):
        signatures[short] = short_shingle[:, None] * mult[None, :] + add[None, :]
    # Full shingles start where shingle_words words of the same text follow.
    full = np.flatnonzero(np.arange(total) + shingle_words <= (first + counts)[doc])
    shingles = chain[full]
    owner = doc[full]
    block = np.empty((num_perm, min(_CHUNK, len(shingles))), dtype=np.uint64)
    for lo in range(0, len(shingles), _CHUNK):
        block_owner = owner[lo : lo + _CHUNK]
        # Where a text's run of shingles starts within the block: the minima are per run.
        cuts = np.flatnonzero(np.r_[True, block_owner[1:] != block_owner[:-1]])
        rows = block_owner[cuts]
        part = block[:, : len(block_owner)]
        np.multiply(mult[:, None], shingles[None, lo : lo + _CHUNK], out=part)
        part += add[:, None]
        signatures[rows] = np.minimum(signatures[rows], np.minimum.reduceat(part, cuts, axis=1).T)


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures (0.0 if either is the empty set)."""
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in shape: {a.shape} and {b.shape}")
    if a.size == 0 or bool((a == _MAX).all()) or bool((b == _MAX).all()):
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


NEAR_DUPLICATE_THRESHOLD = 0.5
"""Estimated Jaccard (5-word shingles) at or above which two articles are near-duplicates.

On the seeds, 000/001 (one story, two renderings) estimate 1.0 and every other pair, including
the two rewrites of one Reuters story (002/004, about 0.05), stays below 0.1: 0.5 sits well inside
that gap, and a pair at 0.5 shares half of its 5-word shingles, far more than two rewrites do.
"""
_LSH_RECALL = 0.95
"""Wanted probability that a pair exactly at the threshold shares at least one LSH band."""
_MAX_BUCKET_PARTNERS = 64
"""Per LSH bucket, a document is compared with at most this many earlier members (the smallest
indexes): a band shared by thousands of documents is boilerplate, and comparing all of its pairs
would make the work quadratic. A true near-duplicate pair shares many bands, so it is still
found."""
_PAIRS_PER_STEP = 1 << 20
"""Candidate pairs made at once per LSH band: their index arrays stay a few tens of MB."""
_PAIR_BLOCK = 8192
"""Candidate pairs compared per numpy block: two (8192, num_perm) uint64 gathers stay a few MB."""


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for LSH banding: the most rows per band that still reach the wanted recall."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= _LSH_RECALL:
            best = (bands, rows)
    return best


def live_signatures(matrix: np.ndarray) -> np.ndarray:
    """Whether each row of a signature matrix is not the signature of the empty set."""
    return np.asarray((matrix != _MAX).any(axis=1))


class SignatureSource(Protocol):
    """Read access to a (documents, num_perm) uint64 MinHash matrix held in memory or on disk."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def live_rows(self) -> np.ndarray:
        """Indexes of the rows that are not the signature of the empty set."""
        ...

    def columns(self, lo: int, hi: int) -> np.ndarray:
        """Columns ``lo`` to ``hi - 1`` of every row."""
        ...

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The given rows, every column."""
        ...


class _MatrixSource:
    """A signature matrix in memory as a SignatureSource."""

    def __init__(self, matrix: np.ndarray) -> None:
        self._matrix = matrix
        self.shape: tuple[int, int] = (matrix.shape[0], matrix.shape[1])

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(live_signatures(self._matrix))

    def columns(self, lo: int, hi: int) -> np.ndarray:
        return self._matrix[:, lo:hi]

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self._matrix[rows]


def cluster_near_duplicates(
    signatures: Mapping[str, np.ndarray], *, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> dict[str, str]:
    """doc_id -> cluster id (smallest doc_id of its near-duplicate component).

    Candidates come from LSH banding (documents sharing a whole band of the signature); a
    candidate edge counts only if its estimated Jaccard reaches ``threshold``. Candidates are
    found and checked with numpy, band by band; the work grows with the number of documents
    and candidates, not with all pairs.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    ids = sorted(signatures)
    if not ids:
        return {}
    matrix = np.stack([np.asarray(signatures[d], dtype=np.uint64) for d in ids])
    roots = near_duplicate_roots(matrix, threshold=threshold)
    return {doc_id: ids[root] for doc_id, root in zip(ids, roots.tolist(), strict=True)}


def near_duplicate_roots(
    matrix: np.ndarray | SignatureSource, *, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> np.ndarray:
    """For each row, the smallest row index of its near-duplicate component (int64)."""
    n = matrix.shape[0]
    parent = list(range(n))  # union-find; a root is always the smallest index of its set

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    first, second = near_duplicate_pairs(matrix, threshold=threshold)
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)


def near_duplicate_pairs(
    matrix: np.ndarray | SignatureSource, *, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i < j) of a signature matrix whose estimated Jaccard reaches ``threshold``.

    Only LSH candidates are compared (rows sharing a whole band); each pair is listed once,
    sorted. Rows of the empty set never pair. The matrix may be any SignatureSource, so a
    matrix on disk is read one band at a time.
    """
    source = _MatrixSource(matrix) if isinstance(matrix, np.ndarray) else matrix
    n, num_perm = source.shape
    live = source.live_rows()
    bands, rows = lsh_bands(threshold, num_perm)
    found: list[np.ndarray] = []
    for band in range(bands):
        key = band_keys(source.columns(band * rows, (band + 1) * rows)[live], band)
        for earlier, later in _bucket_pairs(key, live):
            similar = _check_candidates(source, earlier, later, threshold)
            if similar.any():
                found.append(earlier[similar].astype(np.int64) * n + later[similar])
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    codes = np.unique(np.concatenate(found))
    return codes // n, codes % n


def band_keys(cols: np.ndarray, band: int) -> np.ndarray:
    """The LSH bucket key of each row of one band's signature columns (uint64)."""
    key = _splitmix64(cols[:, 0] ^ np.uint64(band))
    for c in range(1, cols.shape[1]):
        key = _splitmix64(key ^ cols[:, c])
    return key


def _bucket_pairs(key: np.ndarray, members: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(earlier, later) member pairs with equal keys, in blocks of at most _PAIRS_PER_STEP.

    A member pairs with the first _MAX_BUCKET_PARTNERS members of its bucket before it.
    """
    order = np.argsort(key, kind="stable")  # members ascend within a bucket
    ordered = key[order]
    new = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    partners = np.minimum(np.arange(len(ordered)) - starts[group], _MAX_BUCKET_PARTNERS)
    ends = np.cumsum(partners)
    lo = 0
    while lo < len(ordered) and ends[-1] > (ends[lo - 1] if lo else 0):
        done = ends[lo - 1] if lo else 0
        # At least one member per step; a member has at most _MAX_BUCKET_PARTNERS pairs.
        hi = max(lo + 1, int(np.searchsorted(ends, done + _PAIRS_PER_STEP, side="right")))
        counts = partners[lo:hi]
        later = np.repeat(np.arange(lo, hi), counts)
        within = np.arange(len(later)) - np.repeat(np.cumsum(counts) - counts, counts)
        earlier = starts[group[later]] + within
        if len(later):
            yield members[order[earlier]], members[order[later]]
        lo = hi


def _check_candidates(
    source: SignatureSource, first: np.ndarray, second: np.ndarray, threshold: float
) -> np.ndarray:
    """Whether each candidate pair's estimated Jaccard (as estimate_jaccard) reaches threshold."""
    similar = np.zeros(len(first), dtype=bool)
    num_perm = source.shape[1]
    for lo in range(0, len(first), _PAIR_BLOCK):
        hi = lo + _PAIR_BLOCK
        equal = np.count_nonzero(source.take(first[lo:hi]) == source.take(second[lo:hi]), axis=1)
        similar[lo:hi] = equal / num_perm >= threshold
    return similar
