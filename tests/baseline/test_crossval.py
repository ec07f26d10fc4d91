"""Tests for toolkit.baseline.crossval: cluster-grouped folds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.baseline.crossval import group_folds
from toolkit.errors import ModelError


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("abcdefghij"), min_size=2, max_size=40), st.integers(2, 6))
def test_group_folds_never_split_a_cluster(groups: list[str], n_folds: int) -> None:
    if len(set(groups)) < 2:
        with pytest.raises(ModelError):
            group_folds(groups, n_folds)
        return
    folds, _ = group_folds(groups, n_folds)
    tested: list[int] = []
    fold_of_cluster: dict[str, int] = {}
    for k, (train, test) in enumerate(folds):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        for i in test:
            assert fold_of_cluster.setdefault(groups[i], k) == k
        tested.extend(test.tolist())
    assert sorted(tested) == list(range(len(groups)))


def test_group_folds_needs_two_clusters() -> None:
    with pytest.raises(ModelError) as info:
        group_folds(["c1", "c1", "c1"], 5)
    assert str(info.value) == (
        "cross-validation needs at least 2 near-duplicate clusters; the data has 1 "
        "(3 document(s)); add documents from other stories"
    )
