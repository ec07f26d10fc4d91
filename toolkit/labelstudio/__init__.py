"""Label Studio sync: label config, push, pull, and a local server."""

from __future__ import annotations

from toolkit.labelstudio.server import resolve_connection, resolve_salt
from toolkit.labelstudio.sync import (
    annotation_to_result,
    make_client,
    make_label_config,
    pull_annotations,
    push_documents,
    read_documents,
    read_prediction_layer,
)

__all__ = [
    "annotation_to_result",
    "make_client",
    "make_label_config",
    "pull_annotations",
    "push_documents",
    "read_documents",
    "read_prediction_layer",
    "resolve_connection",
    "resolve_salt",
]
