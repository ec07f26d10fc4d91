"""scikit-learn baselines: features, models, evaluation, persistence, prediction, reports."""

from __future__ import annotations

from toolkit.baseline.models import (
    RULES_LAYER,
    evaluate_corpus,
    load_models,
    predict_to_annotations,
    read_agreement,
    read_corpus,
    read_layer_spans,
    read_prediction_corpus,
    save_models,
    train_models,
    write_evaluation,
)

__all__ = [
    "RULES_LAYER",
    "evaluate_corpus",
    "load_models",
    "predict_to_annotations",
    "read_agreement",
    "read_corpus",
    "read_layer_spans",
    "read_prediction_corpus",
    "save_models",
    "train_models",
    "write_evaluation",
]
