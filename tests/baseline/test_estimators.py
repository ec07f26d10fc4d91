"""Tests for toolkit.baseline.estimators: fitting, and feature matrices equal the pipelines'."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.baseline.estimators import (
    Models,
    _event_matrix,
    event_features,
    fit_stance,
    stance_features,
)
from toolkit.baseline.units import StanceUnits
from toolkit.errors import ModelError


def test_one_class_stance_is_a_model_error() -> None:
    units = StanceUnits(["a b", "c d"], ["NONE", "NONE"], [0, 0])
    with pytest.raises(ModelError) as info:
        fit_stance(units, 0)
    assert str(info.value) == (
        "stance: the training data has one class only (NONE, 2 example(s)); need at least two "
        "classes of AGAINST, FAVOR, NONE (sentences)"
    )


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("Taiwan ÄİChina\t\n  said,.-ß"), max_size=40),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=60, deadline=None)
def test_stance_features_equal_the_pipeline_transform_bit_for_bit(
    trained: tuple[Models, dict[str, bytes]], texts: list[str]
) -> None:
    model = trained[0].stance
    assert model is not None
    got = stance_features(model, texts)
    expected = model[:-1].transform(texts)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.sampled_from("warned met İ-ß,"), max_size=12),
            st.text(alphabet=st.sampled_from("Taiwan ÄİChina\t\n  warned,.-ß"), max_size=40),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=60, deadline=None)
def test_event_features_equal_the_pipeline_transform_bit_for_bit(
    trained: tuple[Models, dict[str, bytes]], inputs: list[tuple[str, str]]
) -> None:
    model = trained[0].event
    assert model is not None
    got = event_features(model, inputs)
    expected = model[:-1].transform(_event_matrix(inputs))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)
