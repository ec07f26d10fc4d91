"""The prediction checker."""

from __future__ import annotations

from label_studio_sdk.label_interface import LabelInterface

from toolkit.labelstudio.label_config import make_label_config
from toolkit.labelstudio.predictions import PredictionChecker
from toolkit.labelstudio.results import annotation_to_result
from toolkit.taxonomy.labels import Taxonomy

from .test_results import sample


def test_checker_skips_only_shapes_that_passed(taxonomy: Taxonomy) -> None:
    checker = PredictionChecker(LabelInterface(make_label_config(taxonomy)))
    result = annotation_to_result(sample(), taxonomy)
    assert checker.errors(result) == []
    moved = [
        dict(r, value={**r["value"], "start": r["value"]["start"] + 1})
        if r["type"] != "relation"
        else r
        for r in result
    ]
    assert checker.errors(moved) == []
    wrong = [dict(r) for r in result]
    country = next(i for i, r in enumerate(wrong) if r.get("from_name") == "actor_country")
    wrong[country] = {**wrong[country], "value": {**wrong[country]["value"], "choices": ["XXX"]}}
    [error] = checker.errors(wrong)
    assert error.startswith(f"Region {country}: Invalid value for control 'actor_country'. Got: ")
