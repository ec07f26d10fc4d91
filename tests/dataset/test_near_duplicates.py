"""Tests of toolkit.dataset.near_duplicates: MinHash signatures, LSH candidates, clusters."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.dataset import near_duplicates
from toolkit.dataset.near_duplicates import (
    NEAR_DUPLICATE_THRESHOLD,
    cluster_near_duplicates,
    estimate_jaccard,
    minhash_signature,
    minhash_signatures,
)
from toolkit.dataset.sentence_keys import sentence_key
from toolkit.ingest.article import Article


def test_minhash_signature_shape_and_type() -> None:
    sig = minhash_signature("one two three four five six", num_perm=32)
    assert sig.dtype == np.uint64
    assert sig.shape == (32,)


def test_minhash_signature_is_stable_across_processes() -> None:
    code = (
        "from toolkit.dataset.near_duplicates import minhash_signature;"
        "print(minhash_signature('Xi and Blinken met in Beijing on Monday', num_perm=4).tolist())"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(run.stdout)
    here = str(minhash_signature("Xi and Blinken met in Beijing on Monday", num_perm=4).tolist())
    assert outputs == {here + "\n"}


def test_minhash_signature_values_are_pinned() -> None:
    # Changing these values changes every near-duplicate cluster: bump CONVERTER_VERSION too.
    assert minhash_signature("Xi met Blinken in Beijing on Monday", num_perm=3).tolist() == [
        1581415210130105119,
        5396239552155343790,
        6198279221820752636,
    ]


_U64 = 2**64


def _reference_splitmix(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) % _U64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % _U64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % _U64
    return z ^ (z >> 31)


def _reference_signature(text: str, num_perm: int, shingle_words: int) -> list[int]:
    """The documented MinHash, one Python integer at a time (slow, obviously right)."""
    words = re.findall(r"\w+", text.casefold())
    if not words:
        return [_U64 - 1] * num_perm
    hashes = []
    for word in words:
        poly = sum(ord(c) * pow(0xBF58476D1CE4E5B9, k + 1, _U64) for k, c in enumerate(word))
        hashes.append(_reference_splitmix((poly % _U64) ^ len(word)))
    width = min(shingle_words, len(hashes))
    shingles = []
    for i in range(len(hashes) - width + 1):
        h = hashes[i]
        for k in range(1, width):
            h = _reference_splitmix(h) ^ hashes[i + k]
        shingles.append(h)
    mult = [_reference_splitmix(j + 1) | 1 for j in range(num_perm)]
    add = [_reference_splitmix(num_perm + j + 1) for j in range(num_perm)]
    return [min((a * h + b) % _U64 for h in shingles) for a, b in zip(mult, add, strict=True)]


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet="ab Xé_1½中\u0301ß 𝔘.,-\n", max_size=80),
    num_perm=st.integers(min_value=1, max_value=8),
    shingle_words=st.integers(min_value=1, max_value=6),
)
def test_minhash_matches_a_plain_python_reference(
    text: str, num_perm: int, shingle_words: int
) -> None:
    signature = minhash_signature(text, num_perm=num_perm, shingle_words=shingle_words)
    assert signature.tolist() == _reference_signature(text, num_perm, shingle_words)


def test_minhash_words_are_regex_words_of_every_code_point() -> None:
    table = near_duplicates._word_table()
    assert table.shape == (0x110000,)
    sample = range(0, 0x110000, 7)
    assert [bool(table[c]) for c in sample] == [
        re.fullmatch(r"\w", chr(c)) is not None for c in sample
    ]


@pytest.mark.parametrize("seed", [1, 2, 3], ids=["rng1", "rng2", "rng3"])
def test_estimate_jaccard_tracks_true_jaccard_on_random_texts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(60)]
    base = list(rng.choice(vocab, size=400))
    other = [w if rng.random() < 0.9 else str(rng.choice(vocab)) for w in base]

    def shingles(words: list[str]) -> set[tuple[str, ...]]:
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    true = len(shingles(base) & shingles(other)) / len(shingles(base) | shingles(other))
    est = estimate_jaccard(
        minhash_signature(" ".join(base), num_perm=256),
        minhash_signature(" ".join(other), num_perm=256),
    )
    assert abs(est - true) < 0.1


# Includes astral characters (𝔘, emoji), a ZWJ, and characters that casefold to more code
# points (ß, ﬃ, İ), so the joined text's offsets differ from the input's.
_BATCH_ALPHABET = "ab Xé_1½中\u0301ß 𝔘.,-\nİﬃΣς😀👩\u200d💻"


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=_BATCH_ALPHABET, max_size=60), max_size=8),
    num_perm=st.integers(min_value=1, max_value=8),
    shingle_words=st.integers(min_value=1, max_value=6),
)
def test_minhash_signatures_rows_equal_minhash_signature(
    texts: list[str], num_perm: int, shingle_words: int
) -> None:
    matrix = minhash_signatures(texts, num_perm=num_perm, shingle_words=shingle_words)
    assert matrix.shape == (len(texts), num_perm)
    assert matrix.dtype == np.uint64
    for row, text in zip(matrix, texts, strict=True):
        expected = minhash_signature(text, num_perm=num_perm, shingle_words=shingle_words)
        assert row.tolist() == expected.tolist()


def test_minhash_signatures_across_blocks() -> None:
    rng = np.random.default_rng(7)
    vocab = ["Taiwan", "straße", "ﬃ", "中国", "𝔘nion", "😀", "said", "İstanbul", "x"]
    # Texts of 0 to 4,000 words: runs of shingles cross block boundaries and blocks hold many texts.
    texts = [
        " ".join(rng.choice(vocab, size=int(size)).tolist())
        for size in [*rng.integers(0, 4000, size=12).tolist(), 0, 1, 3, 4, 5, 6, 2]
    ]
    matrix = minhash_signatures(texts)
    assert matrix.shape == (len(texts), 64)
    assert matrix.tolist() == [minhash_signature(text).tolist() for text in texts]


def test_minhash_signatures_in_small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    # Groups of at most 40 code points: texts longer than a group are hashed alone, with
    # position powers beyond the kept ones.
    monkeypatch.setattr(near_duplicates, "_GROUP_POINTS", 40)
    monkeypatch.setattr(near_duplicates, "_POSITION_POWERS_CACHE", [])
    texts = ["Xi met Blinken", "", "straße ﬃ 😀 İ " * 9, "a b c d e f", "Σ " * 19, "one two"]
    expected = [minhash_signature(text, num_perm=8).tolist() for text in texts]
    assert minhash_signatures(texts, num_perm=8).tolist() == expected


def test_minhash_signatures_of_no_texts() -> None:
    assert minhash_signatures([], num_perm=16).shape == (0, 16)
    with pytest.raises(ValueError, match="num_perm and shingle_words must be >= 1"):
        minhash_signatures(["text"], shingle_words=0)


def test_minhash_of_text_without_words_is_the_empty_set() -> None:
    sig = minhash_signature(" … — ")
    assert (sig == np.iinfo(np.uint64).max).all()
    assert estimate_jaccard(sig, sig) == 0.0


def test_minhash_short_text_is_one_shingle() -> None:
    assert estimate_jaccard(minhash_signature("Xi met"), minhash_signature("xi  MET")) == 1.0


def test_minhash_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="num_perm and shingle_words must be >= 1, got 0, 5"):
        minhash_signature("text", num_perm=0)


def test_estimate_jaccard_rejects_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"signatures differ in shape: \(64,\) and \(32,\)"):
        estimate_jaccard(minhash_signature("a b c"), minhash_signature("a b c", num_perm=32))


def test_estimate_jaccard_tracks_true_jaccard() -> None:
    words = [f"w{i}" for i in range(400)]
    a = " ".join(words[:300])
    b = " ".join(words[100:])
    shingles_a = {tuple(words[i : i + 5]) for i in range(0, 296)}
    shingles_b = {tuple(words[i : i + 5]) for i in range(100, 396)}
    true = len(shingles_a & shingles_b) / len(shingles_a | shingles_b)
    est = estimate_jaccard(minhash_signature(a, num_perm=256), minhash_signature(b, num_perm=256))
    assert abs(est - true) < 0.1


def test_seed_pair_similarities_straddle_the_threshold(seed_articles: dict[str, Article]) -> None:
    sigs = {k: minhash_signature(a.text) for k, a in seed_articles.items()}
    assert estimate_jaccard(sigs["000"], sigs["001"]) >= NEAR_DUPLICATE_THRESHOLD
    for x, y in itertools.combinations(sorted(sigs), 2):
        if (x, y) != ("000", "001"):
            assert estimate_jaccard(sigs[x], sigs[y]) < NEAR_DUPLICATE_THRESHOLD, (x, y)


def test_seeds_000_and_001_cluster_and_no_other_pair(seed_articles: dict[str, Article]) -> None:
    sigs = {a.doc_id: minhash_signature(a.text) for a in seed_articles.values()}
    clusters = cluster_near_duplicates(sigs)
    ids = {k: a.doc_id for k, a in seed_articles.items()}
    pair = min(ids["000"], ids["001"])
    assert clusters == {
        ids["000"]: pair,
        ids["001"]: pair,
        ids["002"]: ids["002"],
        ids["003"]: ids["003"],
        ids["004"]: ids["004"],
    }


def test_seeds_000_and_001_share_all_but_one_sentence(seed_articles: dict[str, Article]) -> None:
    def keys(article: Article) -> list[str]:
        return [sentence_key(article.text[s:e]) for s, e in article.sentences]

    k000, k001 = keys(seed_articles["000"]), keys(seed_articles["001"])
    shared_in_000 = [i for i, k in enumerate(k000) if k in set(k001)]
    assert len(k000) == 18 and len(k001) == 19
    assert shared_in_000 == [0, 1, 2, 3, 4, *range(6, 18)]
    # 000 lacks the full stop after "Qin Gang", so there two sentences run together.
    assert k000[5].endswith(
        "qin gang before setting off for beijing, washington had sought to "
        "temper expectations of the trip, with us officials telling reporters "
        "the visit was not about deliverables."
    )
    others = {k for key in ("002", "003", "004") for k in keys(seed_articles[key])}
    assert not others & (set(k000) | set(k001))


def _random_signatures(count: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**63, size=(count, 64), dtype=np.int64).astype(np.uint64)


def test_cluster_finds_planted_near_duplicates() -> None:
    rng = np.random.default_rng(7)
    matrix = _random_signatures(3000, rng)
    # doc 10 ~ doc 2000 (90% equal), doc 2000 ~ doc 2999 (80% equal): one chain, one cluster.
    matrix[2000, :58] = matrix[10, :58]
    matrix[2999, 6:57] = matrix[2000, 6:57]
    ids = [f"doc_{i:05d}" for i in range(3000)]
    clusters = cluster_near_duplicates(dict(zip(ids, matrix, strict=True)))
    grouped = {d: c for d, c in clusters.items() if c != d}
    assert grouped == {"doc_02000": "doc_00010", "doc_02999": "doc_00010"}


def test_cluster_compares_candidates_not_all_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = 0
    real = near_duplicates._check_candidates

    def counting(
        matrix: near_duplicates.SignatureSource,
        first: np.ndarray,
        second: np.ndarray,
        threshold: float,
    ) -> np.ndarray:
        nonlocal checked
        checked += len(first)
        return real(matrix, first, second, threshold)

    monkeypatch.setattr(near_duplicates, "_check_candidates", counting)
    rng = np.random.default_rng(1)
    matrix = _random_signatures(5000, rng)
    clusters = cluster_near_duplicates({f"d{i:05d}": row for i, row in enumerate(matrix)})
    assert all(k == v for k, v in clusters.items())
    assert checked < 100  # all pairs would be 12,497,500


def _brute_force_clusters(matrix: np.ndarray, threshold: float) -> list[int]:
    """Smallest row index of each row's component over all pairs (estimate_jaccard >= threshold)."""
    n = len(matrix)
    root = list(range(n))
    for i, j in itertools.combinations(range(n), 2):
        if estimate_jaccard(matrix[i], matrix[j]) >= threshold:
            a, b = root[i], root[j]
            if a != b:
                low, high = min(a, b), max(a, b)
                root = [low if r == high else r for r in root]
    return root


@pytest.mark.parametrize("threshold", [0.5, 0.8], ids=["default", "strict"])
def test_cluster_matches_all_pairs_on_planted_groups(threshold: float) -> None:
    rng = np.random.default_rng(11)
    matrix = _random_signatures(240, rng)
    # Groups of near-copies: each copy keeps 85-100% of its group leader's values.
    for leader in range(0, 240, 12):
        for copy in range(leader + 1, leader + 4):
            keep = rng.random(64) < rng.uniform(0.85, 1.0)
            matrix[copy, keep] = matrix[leader, keep]
    matrix[100] = np.iinfo(np.uint64).max  # the empty set pairs with nothing
    matrix[101] = np.iinfo(np.uint64).max
    ids = [f"d{i:03d}" for i in range(240)]
    clusters = cluster_near_duplicates(dict(zip(ids, matrix, strict=True)), threshold=threshold)
    expected = _brute_force_clusters(matrix, threshold)
    assert clusters == {ids[i]: ids[r] for i, r in enumerate(expected)}
    assert len(set(expected)) < 240


def test_near_duplicate_pairs_are_sorted_and_listed_once() -> None:
    rng = np.random.default_rng(5)
    matrix = _random_signatures(50, rng)
    matrix[[7, 30, 41]] = matrix[3]  # four identical rows: six pairs, found in every band
    first, second = near_duplicates.near_duplicate_pairs(matrix)
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == [
        (3, 7),
        (3, 30),
        (3, 41),
        (7, 30),
        (7, 41),
        (30, 41),
    ]


def _all_bucket_pairs(key: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blocks = list(near_duplicates._bucket_pairs(key, members))
    if not blocks:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])


def test_a_crowded_bucket_is_compared_with_its_first_members_only() -> None:
    # 300 distinct documents that share one band: each meets at most 64 earlier members.
    rng = np.random.default_rng(3)
    matrix = _random_signatures(300, rng)
    matrix[:, :2] = matrix[0, :2]
    earlier, later = _all_bucket_pairs(
        near_duplicates._splitmix64(matrix[:, 0] ^ matrix[:, 1]), np.arange(300)
    )
    assert len(earlier) == sum(min(k, 64) for k in range(300))
    assert (earlier < later).all()
    assert set(earlier.tolist()) == set(range(64))


@pytest.mark.parametrize("step", [1, 7, 100, 1 << 20], ids=["1", "7", "100", "default"])
def test_bucket_pairs_in_small_steps_are_the_same_pairs(
    step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(9)
    key = rng.integers(0, 6, size=200).astype(np.uint64)
    members = np.sort(rng.choice(1000, size=200, replace=False))
    whole = _all_bucket_pairs(key, members)
    monkeypatch.setattr(near_duplicates, "_PAIRS_PER_STEP", step)
    steps = list(near_duplicates._bucket_pairs(key, members))
    assert all(len(a) <= max(step, 64) for a, _ in steps)
    joined = np.concatenate([a for a, _ in steps]), np.concatenate([b for _, b in steps])
    assert sorted(zip(*map(np.ndarray.tolist, joined), strict=True)) == sorted(
        zip(*map(np.ndarray.tolist, whole), strict=True)
    )
    sizes = np.bincount(key.astype(np.int64))
    assert len(whole[0]) == sum(min(k, 64) for size in sizes.tolist() for k in range(size))


def test_cluster_ignores_empty_signatures() -> None:
    empty = minhash_signature("")
    assert cluster_near_duplicates({"b": empty, "a": empty}) == {"a": "a", "b": "b"}


def test_cluster_rejects_bad_threshold() -> None:
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\], got 0.0"):
        cluster_near_duplicates({}, threshold=0.0)


def test_lsh_bands_reach_the_wanted_recall() -> None:
    bands, rows = near_duplicates.lsh_bands(NEAR_DUPLICATE_THRESHOLD, 64)
    assert bands * rows <= 64
    assert 1 - (1 - NEAR_DUPLICATE_THRESHOLD**rows) ** bands >= 0.95
