"""Rule-based pre-annotation (layer rules-v1) and its scores against gold."""

from __future__ import annotations

from toolkit.preannotate.argument_scores import (
    render_argument_scores,
    score_arguments,
    suggest_on_gold_spans,
)
from toolkit.preannotate.documents import preannotate
from toolkit.preannotate.resolvers import SpanResolver
from toolkit.preannotate.rules import LAYER
from toolkit.preannotate.scores import score_layers, write_scores

__all__ = [
    "LAYER",
    "SpanResolver",
    "preannotate",
    "render_argument_scores",
    "score_arguments",
    "score_layers",
    "suggest_on_gold_spans",
    "write_scores",
]
