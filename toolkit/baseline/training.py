"""Training of the three baselines on every gold document, with their model card."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sklearn.pipeline import Pipeline

from toolkit.baseline.card import build_card
from toolkit.baseline.corpus import Corpus, Document
from toolkit.baseline.estimators import Models, fit_event, fit_stance, fit_tagger
from toolkit.baseline.features import TAGGED_LABELS
from toolkit.baseline.memory import attribute_memory, encode_memory
from toolkit.baseline.persistence import dump_bytes
from toolkit.baseline.units import (
    EventUnits,
    StanceUnits,
    TaggerUnits,
    event_units,
    stance_units,
    tagger_units,
)
from toolkit.errors import ModelError


def train_models(
    corpus: Corpus,
    *,
    name: str = "baseline",
    seed: int = 0,
    evaluation: Mapping[str, Any] | None = None,
) -> tuple[Models, dict[str, bytes]]:
    """Train the three baselines on every gold document; returns models and their skops bytes.

    A model whose training data is degenerate is skipped with its reason in the card; ModelError
    when none can be trained.
    """
    docs = corpus.documents
    if not docs:
        raise ModelError("no gold-annotated documents to train on", path=corpus.source)
    su, tu, eu = stance_units(docs), tagger_units(docs), event_units(docs)
    fitters: dict[str, Callable[[], tuple[Pipeline, bool]]] = {
        "stance": lambda: fit_stance(su, seed),
        "tagger": lambda: fit_tagger(tu, seed),
        "event": lambda: fit_event(eu, seed),
    }
    trained, info, skipped = _fit_all(fitters, _training_sizes(docs, su, tu, eu))
    if all(m is None for m in trained.values()):
        raise ModelError(
            "no baseline could be trained: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(skipped.items())),
            path=corpus.source,
        )
    blobs = {k: dump_bytes(m) for k, m in trained.items() if m is not None}
    memory = attribute_memory(docs)
    memory_bytes = encode_memory(memory)
    card = build_card(
        corpus,
        name=name,
        model_version=_model_version(name, blobs, memory_bytes),
        seed=seed,
        blobs=blobs,
        info=info,
        skipped=skipped,
        memory=memory,
        memory_bytes=memory_bytes,
        evaluation=evaluation,
    )
    models = Models(trained["stance"], trained["tagger"], trained["event"], card, memory)
    return models, blobs


def _training_sizes(
    docs: Sequence[Document], su: StanceUnits, tu: TaggerUnits, eu: EventUnits
) -> dict[str, dict[str, Any]]:
    """How much each model is trained on, for the card."""
    return {
        "stance": {"sentences": len(su.labels), "labels": dict(sorted(Counter(su.labels).items()))},
        "tagger": {
            "sentences": len(tu.tokens),
            "tokens": sum(len(t) for t in tu.tokens),
            "spans": dict(
                sorted(
                    Counter(
                        s["label"] for d in docs for s in d.spans if s["label"] in TAGGED_LABELS
                    ).items()
                )
            ),
            "spans_not_expressible_in_bio": tu.unplaceable_spans,
        },
        "event": {"events": len(eu.labels), "labels": dict(sorted(Counter(eu.labels).items()))},
    }


def _fit_all(
    fitters: Mapping[str, Callable[[], tuple[Pipeline, bool]]],
    sizes: Mapping[str, dict[str, Any]],
) -> tuple[dict[str, Pipeline | None], dict[str, Any], dict[str, str]]:
    """Each model fitted (None when it cannot be), its card entry, and why others were skipped."""
    trained: dict[str, Pipeline | None] = {}
    info: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for model_name, fitter in fitters.items():
        try:
            model, converged = fitter()
        except ModelError as exc:
            trained[model_name] = None
            skipped[model_name] = exc.message
            continue
        trained[model_name] = model
        info[model_name] = {
            "classes": [str(c) for c in model.classes_],
            "converged": converged,
            "training": sizes[model_name],
        }
    return trained, info, skipped


def _model_version(name: str, blobs: Mapping[str, bytes], memory_bytes: bytes) -> str:
    """``<name>-`` and 12 hex digits of a hash over the model files and the attribute memory."""
    digest = hashlib.sha256()
    for k in sorted(blobs):
        digest.update(k.encode() + b"\0" + hashlib.sha256(blobs[k]).digest())
    digest.update(b"attributes\0" + hashlib.sha256(memory_bytes).digest())
    return f"{name}-{digest.hexdigest()[:12]}"
