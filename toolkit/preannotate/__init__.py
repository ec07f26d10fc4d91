"""Rule-based pre-annotation (layer rules-v1) and its scores against gold."""

from __future__ import annotations

from toolkit.preannotate.documents import preannotate
from toolkit.preannotate.resolvers import SpanResolver
from toolkit.preannotate.rules import LAYER
from toolkit.preannotate.scores import score_layers, write_scores

__all__ = ["LAYER", "SpanResolver", "preannotate", "score_layers", "write_scores"]
