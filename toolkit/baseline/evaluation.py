"""Evaluation of the baselines against majority class, rules and humans, with learning curves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sklearn

from toolkit.baseline.ceiling import human_ceiling
from toolkit.baseline.corpus import RULES_LAYER, Corpus, Document
from toolkit.baseline.crossval import OutOfFold, cross_validate, group_folds
from toolkit.baseline.estimators import MODEL_NAMES
from toolkit.baseline.features import (
    FEATURES_VERSION,
    STANCE_VALUES,
    TAGGED_LABELS,
    sentence_stance,
    stance_spans_of,
)
from toolkit.baseline.scoring import (
    SCHEMES,
    agreement_span_scores,
    bootstrap_weights,
    classification_counts,
    classification_scores,
    semeval_counts,
    span_scores_semeval,
)
from toolkit.baseline.units import (
    EventUnits,
    StanceUnits,
    TaggerUnits,
    aligned_fraction,
    event_units,
    stance_units,
    tagger_units,
)
from toolkit.errors import ModelError

SMALL_DATA_DOCUMENTS = 30
SMALL_DATA_CLUSTERS = 10


def _gold_spans(doc: Document) -> list[tuple[str, int, int]]:
    return sorted(
        (str(s["label"]), int(s["start"]), int(s["end"]))
        for s in doc.spans
        if s["label"] in TAGGED_LABELS
    )


def _layer_system(
    docs: Sequence[Document], layer: Mapping[str, list[dict[str, Any]]], eu: EventUnits
) -> tuple[OutOfFold, list[str]]:
    """Predictions of an annotation layer (rules-v1) in the same shape as a model's."""
    covered = [d.doc_id for d in docs if d.doc_id in layer]
    stance: list[str] = []
    spans: dict[int, list[tuple[str, int, int]]] = {}
    for i, doc in enumerate(docs):
        rows = layer.get(doc.doc_id, [])
        stances = stance_spans_of(rows)
        stance.extend(sentence_stance(s, stances) for s in doc.sentences)
        spans[i] = sorted(
            (str(r["label"]), int(r["start"]), int(r["end"]))
            for r in rows
            if r["label"] in TAGGED_LABELS
        )
    event: list[str] = []
    for d, (start, end) in zip(eu.doc_index, eu.offsets, strict=True):
        best, best_overlap = "", 0
        for r in layer.get(docs[d].doc_id, []):
            overlap = min(end, int(r["end"])) - max(start, int(r["start"]))
            category = (r.get("attributes") or {}).get("category")
            if r["label"] == "EVENT" and overlap > best_overlap and isinstance(category, str):
                best, best_overlap = category, overlap
        event.append(best)
    return OutOfFold(stance, spans, event), covered


def _score_system(
    system: OutOfFold,
    docs: Sequence[Document],
    units: tuple[StanceUnits, TaggerUnits, EventUnits],
    weights: np.ndarray,
    event_labels: Sequence[str],
    *,
    with_agreement: bool = True,
) -> dict[str, Any]:
    su, _, eu = units
    n = len(docs)
    gold_spans = {i: _gold_spans(d) for i, d in enumerate(docs)}
    span_counts = (
        np.stack(
            [
                semeval_counts(gold_spans[i], sorted(system.spans.get(i, [])), TAGGED_LABELS)
                for i in range(n)
            ]
        )
        if n
        else np.zeros((0, len(SCHEMES), len(TAGGED_LABELS), 8))
    )
    out: dict[str, Any] = {
        "stance": classification_scores(
            classification_counts(su.labels, system.stance, su.doc_index, n, STANCE_VALUES),
            STANCE_VALUES,
            weights,
            stance=True,
        ),
        "spans": {"semeval2013": span_scores_semeval(span_counts, TAGGED_LABELS, weights)},
        "event": classification_scores(
            classification_counts(eu.labels, system.event, eu.doc_index, n, event_labels),
            event_labels,
            weights,
        ),
    }
    if with_agreement:
        out["spans"]["agreement_matcher"] = agreement_span_scores(
            [d.doc_id for d in docs],
            {docs[i].doc_id: gold_spans[i] for i in range(n)},
            {docs[i].doc_id: sorted(system.spans.get(i, [])) for i in range(n)},
            weights,
        )
    return out


HEADLINE = {
    "stance": ("stance", "semeval2016_f_avg", "stance F_avg (FAVOR, AGAINST)"),
    "tagger": ("spans", "strict", "span F1 (strict)"),
    "event": ("event", "macro_f1", "event category macro F1"),
}


def headline(scores: Mapping[str, Any], model: str) -> dict[str, Any]:
    task, key, _ = HEADLINE[model]
    if task == "spans":
        return dict(scores["spans"]["semeval2013"][key]["overall"]["f1"])
    return dict(scores[task][key])


def evaluate_corpus(
    corpus: Corpus,
    *,
    folds: int = 5,
    seed: int = 0,
    n_boot: int = 1000,
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    repeats: int = 3,
    rules: Mapping[str, list[dict[str, Any]]] | None = None,
    agreement: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Cluster-grouped cross-validation of the baselines against majority, rules and humans."""
    docs = corpus.documents
    if not docs:
        raise ModelError("no gold-annotated documents to evaluate on", path=corpus.source)
    splits, method = group_folds([d.cluster_id for d in docs], folds)
    units = (stance_units(docs), tagger_units(docs), event_units(docs))
    su, _, eu = units
    event_labels = sorted(set(eu.labels))
    weights = bootstrap_weights(len(docs), n_boot, seed)
    problems: list[dict[str, Any]] = []
    majority = OutOfFold(["NONE"] * len(su.labels), {}, [""] * len(eu.labels))
    model = cross_validate(docs, splits, units, seed=seed, majority=majority, problems=problems)
    systems = _score_systems(docs, units, weights, event_labels, model, majority, rules)
    curves = _learning_curves(
        docs,
        splits,
        units,
        weights,
        event_labels,
        seed=seed,
        fractions=fractions,
        repeats=repeats,
        model=model,
        problems=problems,
    )
    clusters = sorted({d.cluster_id for d in docs})
    warnings_list = _warnings(corpus, clusters, problems, systems)
    return {
        "kind": "baseline-evaluation",
        "data": _data_summary(corpus, clusters, units),
        "setup": _setup(
            method, splits, docs, seed=seed, n_boot=n_boot, fractions=fractions, repeats=repeats
        ),
        "problems": problems,
        "warnings": warnings_list,
        "systems": systems,
        "human": human_ceiling(agreement, [d.doc_id for d in docs]),
        "learning_curves": curves,
    }


def _score_systems(
    docs: Sequence[Document],
    units: tuple[StanceUnits, TaggerUnits, EventUnits],
    weights: np.ndarray,
    event_labels: Sequence[str],
    model: OutOfFold,
    majority: OutOfFold,
    rules: Mapping[str, list[dict[str, Any]]] | None,
) -> dict[str, Any]:
    """Scores of the models and the majority class (out of fold) and of the rules layer."""
    systems: dict[str, Any] = {
        "model": _score_system(model, docs, units, weights, event_labels),
        "majority": _score_system(majority, docs, units, weights, event_labels),
    }
    if rules is None:
        systems["rules"] = {"unavailable": f"no {RULES_LAYER} layer in the dataset"}
    else:
        rules_system, covered = _layer_system(docs, rules, units[2])
        if len(covered) < len(docs):
            systems["rules"] = {
                "unavailable": f"the {RULES_LAYER} layer covers {len(covered)} of {len(docs)} "
                "gold documents"
            }
        else:
            systems["rules"] = _score_system(rules_system, docs, units, weights, event_labels)
    return systems


def _learning_curves(
    docs: Sequence[Document],
    splits: list[tuple[np.ndarray, np.ndarray]],
    units: tuple[StanceUnits, TaggerUnits, EventUnits],
    weights: np.ndarray,
    event_labels: Sequence[str],
    *,
    seed: int,
    fractions: Sequence[float],
    repeats: int,
    model: OutOfFold,
    problems: list[dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """Headline scores per training fraction; the full fraction reuses ``model``'s predictions."""
    curves: dict[str, list[dict[str, Any]]] = {m: [] for m in MODEL_NAMES}
    for fraction in sorted(set(fractions)):
        curve_problems: list[dict[str, Any]] = []
        runs = (
            [model]
            if fraction >= 1.0
            else [
                cross_validate(
                    docs,
                    splits,
                    units,
                    seed=seed,
                    fraction=fraction,
                    repeat=r,
                    problems=curve_problems,
                )
                for r in range(repeats)
            ]
        )
        if fraction >= 1.0:
            curve_problems = problems
        scored = [
            _score_system(run, docs, units, weights, event_labels, with_agreement=False)
            for run in runs
        ]
        for name in MODEL_NAMES:
            curves[name].append(
                _curve_point(
                    fraction,
                    [headline(s, name) for s in scored],
                    sum(1 for p in curve_problems if p["model"] == name),
                )
            )
    return curves


def _curve_point(
    fraction: float, points: Sequence[Mapping[str, Any]], untrainable_folds: int
) -> dict[str, Any]:
    """One learning-curve point: the mean headline of the runs, banded by their extreme bounds."""
    values = [p["value"] for p in points if p["value"] is not None]
    lows = [p["ci_low"] for p in points if p["ci_low"] is not None]
    highs = [p["ci_high"] for p in points if p["ci_high"] is not None]
    return {
        "fraction": fraction,
        "runs": len(points),
        "value": float(np.mean(values)) if values else None,
        "run_values": values,
        "ci_low": min(lows) if lows else None,
        "ci_high": max(highs) if highs else None,
        "untrainable_folds": untrainable_folds,
    }


def _warnings(
    corpus: Corpus,
    clusters: Sequence[str],
    problems: Sequence[Mapping[str, Any]],
    systems: Mapping[str, Any],
) -> list[str]:
    """What a reader must know before trusting the scores."""
    docs = corpus.documents
    warnings_list = []
    if len(docs) < SMALL_DATA_DOCUMENTS or len(clusters) < SMALL_DATA_CLUSTERS:
        warnings_list.append(
            f"Small data: {len(docs)} document(s) in {len(clusters)} near-duplicate cluster(s). "
            "Every score below comes from very few independent stories; the bootstrap intervals "
            "are wide and themselves unreliable, and differences between systems are not "
            "evidence of anything. Treat these numbers as a smoke test of the pipeline, "
            "not as model quality."
        )
    for p in problems:
        warnings_list.append(
            f"fold {p['fold']}: {p['reason']} "
            "(that fold's test units got the fold's majority class)"
        )
    if corpus.excluded:
        warnings_list.append(
            f"{len(corpus.excluded)} document(s) without a completed gold annotation were left out"
        )
    if "unavailable" not in systems["rules"]:
        warnings_list.append(
            f"{RULES_LAYER} is scored on every document, not cross-validated: if its rules and "
            "lexicon were written while reading these documents, its scores are in-sample and "
            "optimistic, unlike the models' out-of-fold scores."
        )
    return warnings_list


def _data_summary(
    corpus: Corpus,
    clusters: Sequence[str],
    units: tuple[StanceUnits, TaggerUnits, EventUnits],
) -> dict[str, Any]:
    """What the evaluation ran on: the data's identity, sizes and label distributions."""
    docs = corpus.documents
    su, tu, eu = units
    return {
        "source": corpus.source,
        "data_version": corpus.data_version,
        "taxonomy_sha256": corpus.taxonomy_sha256,
        "documents": [d.doc_id for d in docs],
        "excluded_documents": corpus.excluded,
        "n_documents": len(docs),
        "n_clusters": len(clusters),
        "n_sentences": len(su.labels),
        "n_tokens": sum(len(t) for t in tu.tokens),
        "stance_distribution": dict(sorted(Counter(su.labels).items())),
        "event_distribution": dict(sorted(Counter(eu.labels).items())),
        "span_distribution": dict(
            sorted(
                Counter(
                    s["label"] for d in docs for s in d.spans if s["label"] in TAGGED_LABELS
                ).items()
            )
        ),
        "spans_not_expressible_in_bio": tu.unplaceable_spans,
        "spans_on_token_boundaries": aligned_fraction(docs),
    }


def _setup(
    method: str,
    splits: list[tuple[np.ndarray, np.ndarray]],
    docs: Sequence[Document],
    *,
    seed: int,
    n_boot: int,
    fractions: Sequence[float],
    repeats: int,
) -> dict[str, Any]:
    """How the evaluation ran: folds, seed, bootstrap and learning-curve settings, versions."""
    return {
        "cv": method,
        "folds": [
            {
                "fold": k,
                "test_documents": [docs[i].doc_id for i in te.tolist()],
                "test_clusters": sorted({docs[i].cluster_id for i in te.tolist()}),
            }
            for k, (_, te) in enumerate(splits)
        ],
        "seed": seed,
        "bootstrap_resamples": n_boot,
        "bootstrap_unit": "document",
        "ci": "95% percentile bootstrap over documents",
        "learning_curve_fractions": sorted(set(fractions)),
        "learning_curve_repeats": repeats,
        "learning_curve_band": "lowest and highest 95% bootstrap bound over the repeats "
        "(training units subsampled within each training fold, seeded)",
        "features_version": FEATURES_VERSION,
        "scikit_learn": sklearn.__version__,
    }
