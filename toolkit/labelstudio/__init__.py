"""Label Studio sync: label config, push, pull, and a local server."""

from __future__ import annotations

from toolkit.labelstudio.api import make_client
from toolkit.labelstudio.label_config import make_label_config
from toolkit.labelstudio.predictions import PredictionChecker, build_predictions
from toolkit.labelstudio.pull import pull_annotations
from toolkit.labelstudio.push import push_documents
from toolkit.labelstudio.results import annotation_to_result
from toolkit.labelstudio.server import resolve_connection, resolve_salt
from toolkit.labelstudio.tasks import TaskDocument, read_documents, read_prediction_layer

__all__ = [
    "PredictionChecker",
    "TaskDocument",
    "annotation_to_result",
    "build_predictions",
    "make_client",
    "make_label_config",
    "pull_annotations",
    "push_documents",
    "read_documents",
    "read_prediction_layer",
    "resolve_connection",
    "resolve_salt",
]
