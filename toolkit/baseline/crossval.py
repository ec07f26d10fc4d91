"""Cluster-grouped cross-validation: folds and out-of-fold predictions of the baselines."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from toolkit.baseline.corpus import Document
from toolkit.baseline.estimators import (
    fit_event,
    fit_stance,
    fit_tagger,
    predict_event,
    predict_stance,
    predict_tags,
)
from toolkit.baseline.features import spans_from_tags
from toolkit.baseline.units import EventUnits, StanceUnits, TaggerUnits
from toolkit.errors import ModelError


def group_folds(
    groups: Sequence[str], n_folds: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    """Train/test index pairs where no group (near-duplicate cluster) is on both sides.

    GroupKFold when there are more clusters than folds, else leave-one-cluster-out.
    """
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ModelError(
            f"cross-validation needs at least 2 near-duplicate clusters; the data has {n_groups} "
            f"({len(groups)} document(s)); add documents from other stories"
        )
    if n_folds < 2:
        raise ModelError(f"folds must be at least 2; got {n_folds}")
    x = np.zeros((len(groups), 1))
    g = np.asarray(groups)
    if n_groups <= n_folds:
        splitter: Any = LeaveOneGroupOut()
        method = f"LeaveOneGroupOut ({n_groups} clusters)"
    else:
        splitter = GroupKFold(n_splits=n_folds)
        method = f"GroupKFold ({n_folds} folds over {n_groups} clusters)"
    return [(tr, te) for tr, te in splitter.split(x, groups=g)], method


@dataclass
class OutOfFold:
    """Out-of-fold predictions of one system (model, majority class, rules) on every unit."""

    stance: list[str]
    spans: dict[int, list[tuple[str, int, int]]]
    event: list[str]


def _subsample(n: int, fraction: float, rng: random.Random) -> list[int]:
    if fraction >= 1.0:
        return list(range(n))
    k = max(1, round(n * fraction))
    return sorted(rng.sample(range(n), min(k, n)))


def _take(seq: Sequence[Any], idx: Iterable[int]) -> list[Any]:
    return [seq[i] for i in idx]


def _fold_units(
    doc_index: Sequence[int],
    train_set: set[int],
    test_set: set[int],
    fraction: float,
    rng: random.Random,
) -> tuple[list[int], list[int]]:
    """Units of a fold's training documents (subsampled to ``fraction``) and of its test ones."""
    train = [i for i, d in enumerate(doc_index) if d in train_set]
    test = [i for i, d in enumerate(doc_index) if d in test_set]
    return _take(train, _subsample(len(train), fraction, rng)), test


def cross_validate(
    docs: Sequence[Document],
    folds: list[tuple[np.ndarray, np.ndarray]],
    units: tuple[StanceUnits, TaggerUnits, EventUnits],
    *,
    seed: int,
    fraction: float = 1.0,
    repeat: int = 0,
    majority: OutOfFold | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> OutOfFold:
    """Out-of-fold predictions; a model that cannot train in a fold predicts the fold majority."""
    su, tu, eu = units
    oof = OutOfFold(["NONE"] * len(su.labels), {}, [""] * len(eu.labels))
    for k, (train_docs, test_docs) in enumerate(folds):
        train_set, test_set = set(train_docs.tolist()), set(test_docs.tolist())
        rng = random.Random(f"{seed}:{fraction}:{repeat}:{k}")

        def note(model: str, exc: ModelError, k: int = k) -> None:
            if problems is not None:
                problems.append({"fold": k, "model": model, "reason": exc.message})

        _fold_classifier(
            "stance",
            su.texts,
            su.labels,
            _fold_units(su.doc_index, train_set, test_set, fraction, rng),
            fit=lambda x, y: fit_stance(StanceUnits(x, y, []), seed)[0],
            predict=predict_stance,
            empty="NONE",
            note=note,
            out=oof.stance,
            majority_out=majority.stance if majority is not None else None,
        )

        t_train, t_test = _fold_units(tu.doc_index, train_set, test_set, fraction, rng)
        try:
            tmodel, _ = fit_tagger(
                TaggerUnits(_take(tu.tokens, t_train), _take(tu.tags, t_train), []), seed
            )
            tag_preds = predict_tags(tmodel, _take(tu.tokens, t_test))
        except ModelError as exc:
            note("tagger", exc)
            tag_preds = [["O"] * len(tu.tokens[i]) for i in t_test]
        for d in test_set:
            oof.spans.setdefault(d, [])
            if majority is not None:
                majority.spans.setdefault(d, [])
        for i, tags in zip(t_test, tag_preds, strict=True):
            oof.spans[tu.doc_index[i]].extend(spans_from_tags(tu.tokens[i], tags))

        _fold_classifier(
            "event",
            eu.inputs,
            eu.labels,
            _fold_units(eu.doc_index, train_set, test_set, fraction, rng),
            fit=lambda x, y: fit_event(EventUnits(x, y, [], []), seed)[0],
            predict=predict_event,
            empty="",
            note=note,
            out=oof.event,
            majority_out=majority.event if majority is not None else None,
        )
    return oof


def _fold_classifier(
    name: str,
    inputs: Sequence[Any],
    labels: Sequence[str],
    split: tuple[list[int], list[int]],
    *,
    fit: Callable[[list[Any], list[str]], Any],
    predict: Callable[[Any, list[Any]], list[str]],
    empty: str,
    note: Callable[[str, ModelError], None],
    out: list[str],
    majority_out: list[str] | None,
) -> None:
    """One fold of a sentence classifier: test predictions into ``out``, the training majority
    into ``majority_out``; a model that cannot train predicts that majority (``empty`` if none)."""
    train, test = split
    major = Counter(_take(labels, train)).most_common(1)
    fallback = major[0][0] if major else empty
    try:
        preds = predict(fit(_take(inputs, train), _take(labels, train)), _take(inputs, test))
    except ModelError as exc:
        note(name, exc)
        preds = [fallback] * len(test)
    for i, p in zip(test, preds, strict=True):
        out[i] = p
    if majority_out is not None:
        for i in test:
            majority_out[i] = fallback
