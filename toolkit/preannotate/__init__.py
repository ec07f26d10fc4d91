"""Rule-based pre-annotation (layer rules-v1) and its scores against gold."""

from __future__ import annotations

from toolkit.preannotate.rules import LAYER, preannotate, score_layers, write_scores

__all__ = ["LAYER", "preannotate", "score_layers", "write_scores"]
