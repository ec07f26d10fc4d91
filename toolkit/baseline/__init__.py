"""scikit-learn baselines: features, models, evaluation, persistence, prediction, reports."""

from __future__ import annotations

from toolkit.baseline.ceiling import read_agreement
from toolkit.baseline.corpus import (
    RULES_LAYER,
    read_corpus,
    read_layer_spans,
    read_prediction_corpus,
)
from toolkit.baseline.evaluation import evaluate_corpus
from toolkit.baseline.evaluation_report import write_evaluation
from toolkit.baseline.persistence import load_models, save_models
from toolkit.baseline.prediction import predict_to_annotations
from toolkit.baseline.training import train_models

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
