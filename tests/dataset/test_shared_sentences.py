"""Tests of toolkit.dataset.shared_sentences: a brute-force answer, in memory and spilled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.dataset.sentence_keys import _SENTENCE_RECORD
from toolkit.dataset.shared_sentences import SharedSentences
from toolkit.dataset.spill import _SpillFile


def brute_force_shared(
    docs: list[str], rows: list[tuple[int, int, int]], max_docs: int
) -> list[list[dict[str, object]]]:
    """Reference answer: for each doc, each sentence whose key occurs in another doc."""
    by_key: dict[int, set[str]] = {}
    for doc, _, key in rows:
        by_key.setdefault(key, set()).add(docs[doc])
    result: list[list[dict[str, object]]] = [[] for _ in docs]
    for doc, sent, key in sorted(rows):
        others = sorted(by_key[key] - {docs[doc]})[:max_docs]
        if others and not any(e["sentence_index"] == sent for e in result[doc]):
            result[doc].append({"sentence_index": sent, "doc_ids": others})
    return result


@settings(max_examples=60, deadline=None)
@given(
    n_docs=st.integers(min_value=1, max_value=8),
    data=st.data(),
    max_docs=st.integers(min_value=1, max_value=4),
)
def test_shared_sentences_match_a_brute_force_answer(
    n_docs: int, data: st.DataObject, max_docs: int
) -> None:
    docs = [f"doc_{i:016x}" for i in data.draw(st.permutations(range(n_docs)))]
    rows = []
    for doc in range(n_docs):
        keys = data.draw(st.lists(st.integers(0, 5), max_size=6))
        rows += [(doc, sent, key) for sent, key in enumerate(keys)]
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    shared = SharedSentences(
        docs,
        arr[:, 0].astype(np.int32),
        arr[:, 1].astype(np.int32),
        arr[:, 2].astype(np.uint64),
        max_docs=max_docs,
    )
    expected = brute_force_shared(docs, rows, max_docs)
    split = data.draw(st.integers(0, n_docs))
    got = shared.for_range(0, split).to_pylist() + shared.for_range(split, n_docs).to_pylist()
    assert got == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_docs=st.integers(min_value=1, max_value=8),
    data=st.data(),
    partition_rows=st.integers(min_value=1, max_value=20),
)
def test_shared_sentences_from_spilled_partitions_match_one_pass(
    tmp_path: Path, n_docs: int, data: st.DataObject, partition_rows: int
) -> None:
    docs = [f"doc_{i:016x}" for i in data.draw(st.permutations(range(n_docs)))]
    rows = []
    for doc in range(n_docs):
        # Keys spread over the whole uint64 range, so every partition gets some.
        keys = data.draw(st.lists(st.sampled_from([0, 2**62, 2**63 + 5, 2**64 - 1]), max_size=6))
        rows += [(doc, sent, key) for sent, key in enumerate(keys)]
    # Every draw comes before files exist: Hypothesis may end an example at a draw, and
    # tmp_path is shared by all examples, so a file left then would fail the next one.
    split = data.draw(st.integers(0, n_docs))
    one_pass = SharedSentences(
        docs,
        np.array([r[0] for r in rows], dtype=np.int32),
        np.array([r[1] for r in rows], dtype=np.int32),
        np.array([r[2] for r in rows], dtype=np.uint64),
        max_docs=2,
    )
    spill = _SpillFile(tmp_path / f"sentences-{len(rows)}", _SENTENCE_RECORD)
    records = np.array(rows, dtype=_SENTENCE_RECORD)
    spill.append(records[: len(rows) // 2])
    spill.append(records[len(rows) // 2 :])
    ids = pa.array(docs, pa.string())
    by_id = np.asarray(pc.sort_indices(ids), dtype=np.int64)
    partitioned = SharedSentences.from_records(
        ids, by_id, spill, max_docs=2, partition_rows=partition_rows
    )
    spill.unlink()
    try:
        assert partitioned.n_shared == one_pass.n_shared
        for lo, hi in ((0, split), (split, n_docs)):
            got = partitioned.for_range(lo, hi).to_pylist()
            assert got == one_pass.for_range(lo, hi).to_pylist()
    finally:
        partitioned.close()
    assert list(tmp_path.iterdir()) == []  # partition files are removed
