"""The three scikit-learn baselines: building, fitting and batched prediction.

Three models are trained from a dataset's gold layer:

- ``stance``: a sentence's stance toward Taiwan (AGAINST / FAVOR / NONE), TF-IDF word and character
  n-grams + LogisticRegression(class_weight="balanced");
- ``tagger``: ACTOR, EVENT and LOCATION spans as BIO tags over tokens with code-point offsets,
  hashed token features + LogisticRegression;
- ``event``: the PLOVER category of an EVENT span from its trigger and its sentence, TF-IDF +
  LogisticRegression(class_weight="balanced").
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import VarianceThreshold
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits

from toolkit.baseline import vectorize
from toolkit.baseline.features import STANCE_VALUES, Token, hash_token_features, hash_words
from toolkit.baseline.units import EventUnits, StanceUnits, TaggerUnits
from toolkit.errors import ModelError

MODEL_NAMES = ("stance", "tagger", "event")


def build_stance_model(seed: int) -> Pipeline:
    """TF-IDF word 1-2-grams and character 3-5-grams + balanced logistic regression."""
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "word",
                            TfidfVectorizer(
                                ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32
                            ),
                        ),
                        (
                            "char",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                ngram_range=(3, 5),
                                sublinear_tf=True,
                                min_df=2,
                                max_features=2**18,
                                dtype=np.float32,
                            ),
                        ),
                    ]
                ),
            ),
            ("clf", LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed)),
        ]
    )


def build_tagger_model(seed: int) -> Pipeline:
    """Logistic regression on BIO tags over hashed token features (see features.py).

    Hashing needs no vocabulary; dropping hash columns unseen in training keeps the regression's
    parameter count to the features the training data has.
    """
    return Pipeline(
        [
            ("seen", VarianceThreshold()),
            ("clf", LogisticRegression(max_iter=300, random_state=seed)),
        ]
    )


def build_event_model(seed: int) -> Pipeline:
    """TF-IDF of the trigger (words and characters) and of its sentence + balanced regression."""
    return Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        ("trigger_word", TfidfVectorizer(ngram_range=(1, 2)), 0),
                        (
                            "trigger_char",
                            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
                            0,
                        ),
                        ("sentence", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), 1),
                    ]
                ),
            ),
            ("clf", LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed)),
        ]
    )


_SINGLE_THREAD = ContextVar("single_blas_thread", default=False)


@contextmanager
def blas_single_thread() -> Iterator[None]:
    """One BLAS thread: these models are small, and two OpenBLAS copies (numpy's and scipy's)
    spinning against each other made L-BFGS 40x slower on a 2-core machine (measured).

    Nested uses keep the outer limit: setting one costs milliseconds (it lists the loaded
    libraries), which batch prediction would pay once per model.
    """
    if _SINGLE_THREAD.get():
        yield
        return
    token = _SINGLE_THREAD.set(True)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        _SINGLE_THREAD.reset(token)


def _fit(model: Pipeline, x: Any, y: Sequence[str], name: str) -> bool:
    """Fit; returns whether the solver converged. Library errors become ModelError."""
    with warnings.catch_warnings(record=True) as caught, blas_single_thread():
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            model.fit(x, list(y))
        except ValueError as exc:
            raise ModelError(f"{name}: cannot train: {exc}") from exc
    converged = True
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            converged = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return converged


def _need_classes(labels: Sequence[str], name: str, valid: str) -> None:
    classes = sorted(set(labels))
    if not labels:
        raise ModelError(f"{name}: no training examples; need {valid}")
    if len(classes) < 2:
        raise ModelError(
            f"{name}: the training data has one class only ({classes[0]}, "
            f"{len(labels)} example(s)); need at least two classes of {valid}"
        )


def fit_stance(units: StanceUnits, seed: int) -> tuple[Pipeline, bool]:
    """Train the sentence stance model; ModelError when the sentences have one class only."""
    _need_classes(units.labels, "stance", ", ".join(STANCE_VALUES) + " (sentences)")
    model = build_stance_model(seed)
    return model, _fit(model, units.texts, units.labels, "stance")


def fit_tagger(units: TaggerUnits, seed: int) -> tuple[Pipeline, bool]:
    """Train the span tagger; ModelError when there is no gold span to learn from."""
    flat_tags = [t for tags in units.tags for t in tags]
    if not any(t != "O" for t in flat_tags):
        raise ModelError(
            "tagger: the training documents have no gold ACTOR, EVENT or LOCATION span; "
            "need at least one"
        )
    feats = hash_token_features([t.text for t in toks] for toks in units.tokens)
    model = build_tagger_model(seed)
    return model, _fit(model, feats, flat_tags, "tagger")


def fit_event(units: EventUnits, seed: int) -> tuple[Pipeline, bool]:
    """Train the event-category model; ModelError with fewer than two categories."""
    _need_classes(units.labels, "event", "PLOVER categories (EVENT spans with a category)")
    model = build_event_model(seed)
    return model, _fit(model, _event_matrix(units.inputs), units.labels, "event")


def _event_matrix(inputs: Sequence[Sequence[str]]) -> np.ndarray:
    matrix = np.empty((len(inputs), 2), dtype=object)
    for i, (trigger, sentence) in enumerate(inputs):
        matrix[i, 0] = trigger
        matrix[i, 1] = sentence
    return matrix


def distinct_items(items: Iterable[Any]) -> tuple[list[Any], list[int]]:
    """Distinct items in first-seen order, and each item's index among them.

    Predictions are row-wise, so predicting each distinct input once gives the same labels; news
    repeats whole sentences (wire copies, boilerplate), which makes this a large saving.
    """
    index: dict[Any, int] = {}
    positions = [index.setdefault(item, len(index)) for item in items]
    return list(index), positions


def stance_features(model: Pipeline, texts: Sequence[str]) -> Any:
    """The stance pipeline's feature matrix of ``texts``, equal to its own transform but faster.

    Each vectorizer's transform comes from :func:`vectorize.transform`, joined as the union
    joins them, so the matrix is the same to the bit.
    """
    union = model.steps[0][1]
    if (
        len(model.steps) != 2
        or not isinstance(union, FeatureUnion)
        or union.transformer_weights is not None
        or any(isinstance(part, str) for _, part in union.transformer_list)
    ):
        return model[:-1].transform(texts)
    return sp.hstack(
        [vectorize.transform(part, texts) for _, part in union.transformer_list]
    ).tocsr()


def event_features(model: Pipeline, inputs: Sequence[Sequence[str]]) -> Any:
    """The event pipeline's feature matrix of (trigger, sentence) inputs, equal to its own.

    Calls each fitted column transformer directly (see :func:`vectorize.transform`) instead of
    going through an object array and the ColumnTransformer's dispatch, and joins the blocks as
    it does.
    """
    columns = model.steps[0][1]
    parts = getattr(columns, "transformers_", [])
    if (
        len(model.steps) != 2
        or not isinstance(columns, ColumnTransformer)
        or not columns.sparse_output_
        or columns.transformer_weights is not None
        or any(isinstance(part, str) or not isinstance(col, int) for _, part, col in parts)
    ):
        return model[:-1].transform(_event_matrix(inputs))
    return sp.hstack(
        [vectorize.transform(part, [row[col] for row in inputs]) for _, part, col in parts]
    ).tocsr()


def predict_stance(model: Pipeline, texts: Sequence[str]) -> list[str]:
    """Stance label of each sentence."""
    if not texts:
        return []
    distinct, positions = distinct_items(texts)
    with blas_single_thread():
        labels = [str(v) for v in model.steps[-1][1].predict(stance_features(model, distinct))]
    return [labels[i] for i in positions]


def predict_words(model: Pipeline, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
    """BIO tags of each sentence given as its token strings (one batched prediction)."""
    distinct, positions = distinct_items(tuple(words) for words in sentences)
    if not any(distinct):
        return [[] for _ in sentences]
    words = [w for sentence in distinct for w in sentence]
    flat = [str(t) for t in tag_words(model, words, np.array([len(x) for x in distinct]))]
    tagged: list[list[str]] = []
    pos = 0
    for sentence in distinct:
        tagged.append(flat[pos : pos + len(sentence)])
        pos += len(sentence)
    return [list(tagged[i]) for i in positions]


def tag_words(model: Pipeline, words: Sequence[str], lengths: np.ndarray) -> Any:
    """Predicted tags of sentences given as flat words and lengths, flat (an empty list if none)."""
    if not words:
        return []
    with blas_single_thread():
        return model.predict(hash_words(words, lengths))


def predict_tags(model: Pipeline, tokens: Sequence[Sequence[Token]]) -> list[list[str]]:
    """BIO tags of each tokenized sentence (one batched prediction)."""
    return predict_words(model, [[t.text for t in toks] for toks in tokens])


def predict_event(model: Pipeline, inputs: Sequence[Sequence[str]]) -> list[str]:
    """PLOVER category of each (trigger, sentence) input."""
    if not inputs:
        return []
    distinct, positions = distinct_items(tuple(row) for row in inputs)
    with blas_single_thread():
        labels = [str(v) for v in model.steps[-1][1].predict(event_features(model, distinct))]
    return [labels[i] for i in positions]


@dataclass
class Models:
    """Trained baselines (a model is None when it could not be trained; see ``skipped``)."""

    stance: Pipeline | None
    tagger: Pipeline | None
    event: Pipeline | None
    card: dict[str, Any]
    attributes: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """Attribute memory (label -> lowercase quote -> attributes), see :func:`attribute_memory`."""

    def get(self, name: str) -> Pipeline | None:
        """The model called ``name`` (one of MODEL_NAMES)."""
        return {"stance": self.stance, "tagger": self.tagger, "event": self.event}[name]
