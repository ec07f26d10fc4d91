"""Model cards: what was trained on which data, how, and how well (JSON content and Markdown)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import sklearn
import skops

from toolkit.baseline.corpus import Corpus
from toolkit.baseline.estimators import MODEL_NAMES
from toolkit.baseline.evaluation import HEADLINE, headline
from toolkit.baseline.features import FEATURES_VERSION
from toolkit.baseline.memory import ATTRIBUTES_FILE, DEFAULT_MODALITY
from toolkit.report import format_estimate, markdown_table
from toolkit.taxonomy import read_taxonomy

MODEL_SUFFIX = ".skops"


FEATURE_DESCRIPTIONS = {
    "stance": "sentence text; TF-IDF word 1-2-grams (sublinear tf) + character 3-5-grams within "
    "word boundaries (min_df 2, at most 2^18); LogisticRegression(class_weight='balanced')",
    "tagger": "tokens (\\w+ or one symbol, code-point offsets) within a sentence; per token: "
    "lowercase form, 2/3-character prefix and suffix, collapsed shape, length, title/upper/"
    "digit/punct flags, lowercase form and shape of 2 tokens each side (sentence boundaries "
    "marked), previous-token bigram; no gazetteer; hashed to 2^20, unseen columns dropped; "
    "LogisticRegression over BIO tags, spans decoded from B-/I- runs",
    "event": "EVENT trigger quote (TF-IDF word 1-2-grams + character 2-4-grams) and its sentence "
    "(TF-IDF word 1-2-grams); LogisticRegression(class_weight='balanced')",
}


def build_card(
    corpus: Corpus,
    *,
    name: str,
    model_version: str,
    seed: int,
    blobs: Mapping[str, bytes],
    info: Mapping[str, Any],
    skipped: dict[str, str],
    memory: Mapping[str, Mapping[str, Any]],
    memory_bytes: bytes,
    evaluation: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The model card of baselines trained on ``corpus``: data, versions, files and scores."""
    docs = corpus.documents
    return {
        "name": name,
        "layer": f"model-{name}",
        "model_version": model_version,
        "data_version": corpus.data_version,
        "data_source": corpus.source,
        "taxonomy_sha256": corpus.taxonomy_sha256 or read_taxonomy().sha256,
        "features_version": FEATURES_VERSION,
        "seed": seed,
        "documents": [d.doc_id for d in docs],
        "n_documents": len(docs),
        "n_clusters": len({d.cluster_id for d in docs}),
        "models": {
            k: {
                "file": f"{k}{MODEL_SUFFIX}",
                "sha256": hashlib.sha256(blobs[k]).hexdigest(),
                **info[k],
            }
            for k in sorted(blobs)
        },
        "skipped": skipped,
        "attributes": {
            "file": ATTRIBUTES_FILE,
            "sha256": hashlib.sha256(memory_bytes).hexdigest(),
            "quotes": {label: len(q) for label, q in memory.items()},
            "method": "attributes the models do not predict come from the most frequent gold "
            "attributes of the same lowercase quote in the training data; EVENT modality "
            f"defaults to {DEFAULT_MODALITY!r}; a predicted span whose required attributes "
            "stay unknown, and a STANCE span without an ACTOR in its sentence to hold it, are "
            "left out of the annotation files (counted)",
        },
        "features": FEATURE_DESCRIPTIONS,
        "software": {
            "scikit-learn": sklearn.__version__,
            "skops": skops.__version__,
            "numpy": np.__version__,
        },
        "scores": _card_scores(evaluation),
    }


def _card_scores(evaluation: Mapping[str, Any] | None) -> dict[str, Any]:
    if evaluation is None:
        return {"unavailable": "not evaluated (train ran without cross-validation)"}
    if "unavailable" in evaluation:
        return dict(evaluation)
    model = evaluation["systems"]["model"]
    majority = evaluation["systems"]["majority"]
    return {
        "cv": evaluation["setup"]["cv"],
        "ci": evaluation["setup"]["ci"],
        "warnings": evaluation["warnings"],
        **{
            HEADLINE[name][2]: {
                "model": headline(model, name),
                "majority": headline(majority, name),
            }
            for name in MODEL_NAMES
        },
    }


def render_card(card: Mapping[str, Any]) -> str:
    """The model card as Markdown."""
    lines = [
        f"# Model card: {card['name']}\n",
        f"- Model version: `{card['model_version']}` (annotation layer `{card['layer']}`)",
        f"- Data version (sha256 of the dataset manifest): `{card['data_version']}`",
        f"- Taxonomy sha256: `{card['taxonomy_sha256']}`",
        f"- Features version: {card['features_version']}; seed {card['seed']}",
        f"- Training data: {card['n_documents']} gold documents in {card['n_clusters']} "
        "near-duplicate clusters",
        "- Software: " + ", ".join(f"{k} {v}" for k, v in card["software"].items()),
        "",
        "## Models\n",
    ]
    rows = [
        [
            k,
            v["file"],
            ", ".join(v["classes"]),
            "yes" if v["converged"] else "NO",
            json.dumps(v["training"], sort_keys=True),
        ]
        for k, v in card["models"].items()
    ]
    lines.append(markdown_table(["model", "file", "classes", "converged", "training size"], rows))
    for k, reason in card["skipped"].items():
        lines.append(f"- **{k} not trained:** {reason}")
    memory = card.get("attributes")
    if isinstance(memory, dict):
        counts = ", ".join(f"{k} {v}" for k, v in memory["quotes"].items()) or "none"
        lines.append(
            f"\n## Attributes of predicted spans\n\n{memory['method'][0].upper()}"
            f"{memory['method'][1:]}. Remembered quotes: {counts} "
            f"(`{memory['file']}`)."
        )
    lines.append("\n## Features\n")
    lines.extend(f"- **{k}**: {v}" for k, v in card["features"].items())
    lines.append("\n## Scores (cluster-grouped cross-validation)\n")
    scores = card["scores"]
    if "unavailable" in scores:
        lines.append(f"Not available: {scores['unavailable']}.")
    else:
        lines.append(f"{scores['cv']}; intervals: {scores['ci']}.\n")
        lines.extend(f"> **Warning.** {w}\n" for w in scores["warnings"])
        lines.append(
            markdown_table(
                ["score", "model", "majority class"],
                [
                    [k, format_estimate(v["model"]), format_estimate(v["majority"])]
                    for k, v in scores.items()
                    if isinstance(v, dict) and "model" in v
                ],
            )
        )
    lines.append("\n## Intended use\n")
    lines.append(
        "Pre-annotations for human annotators in Label Studio (under their own "
        "model_version) and a reference point for better models. Not for unreviewed "
        "coding of events or stance."
    )
    return "\n".join(lines) + "\n"
