"""scikit-learn baselines: training, cluster-grouped evaluation with CIs, model cards, prediction.

Three models are trained from a dataset's gold layer:

- ``stance``: a sentence's stance toward Taiwan (AGAINST / FAVOR / NONE), TF-IDF word and character
  n-grams + LogisticRegression(class_weight="balanced");
- ``tagger``: ACTOR, EVENT and LOCATION spans as BIO tags over tokens with code-point offsets,
  hashed token features + LogisticRegression;
- ``event``: the PLOVER category of an EVENT span from its trigger and its sentence, TF-IDF +
  LogisticRegression(class_weight="balanced").
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import random
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp
import sklearn
import skops
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.feature_selection import VarianceThreshold
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits

from toolkit.annotations import (
    MODES,
    OVERALL,
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    f1_from_counts,
    span_scores,
    write_annotation_file,
)
from toolkit.baseline import vectorize
from toolkit.baseline.features import (
    FEATURES_VERSION,
    STANCE_VALUES,
    TAGGED_LABELS,
    Token,
    bio_tags,
    event_inputs,
    hash_token_features,
    hash_words,
    sentence_stance,
    spans_from_tag_arrays,
    spans_from_tags,
    stance_spans_of,
    tokenize,
    tokenize_many,
)
from toolkit.core import make_span_id, read_json_object, sha256_text, write_text_atomic
from toolkit.dataset import documents_schema, schema_metadata
from toolkit.errors import InputError, ModelError
from toolkit.report import (
    format_estimate,
    html_page,
    html_table,
    markdown_table,
    svg_bar_chart,
    svg_line_chart,
    write_report,
)
from toolkit.taxonomy import Taxonomy, read_taxonomy

MODEL_NAMES = ("stance", "tagger", "event")
MODEL_SUFFIX = ".skops"
CARD_JSON = "model_card.json"
CARD_MD = "model_card.md"
GOLD_LAYER = "gold"
RULES_LAYER = "rules-v1"
SCHEMES = ("strict", "exact", "partial", "type")
"""SemEval-2013 Task 9.1 span-matching schemes (Segura-Bedmar et al. 2013)."""
STANCE_TARGETS = ("FAVOR", "AGAINST")
"""Classes averaged by the SemEval-2016 Task 6 stance score."""
SMALL_DATA_DOCUMENTS = 30
SMALL_DATA_CLUSTERS = 10

TRUSTED_TYPES: tuple[str, ...] = ()
"""Types skops must be told to trust beyond its defaults when loading our models.

Only scikit-learn pipelines, vectorizers, LogisticRegression and numpy arrays are stored, which
skops trusts by default; a file naming any other type is refused (see :func:`load_models`).
"""


# ---------------------------------------------------------------- data


@dataclass
class Document:
    """One gold-annotated document as the baselines see it."""

    doc_id: str
    cluster_id: str
    text: str
    text_sha256: str
    sentences: list[tuple[int, int]]
    spans: list[dict[str, Any]]


@dataclass
class Corpus:
    """Gold documents of one dataset plus what identifies the data (for model cards)."""

    documents: list[Document]
    data_version: str
    taxonomy_sha256: str
    source: str
    excluded: list[str] = field(default_factory=list)
    """Documents left out (no completed gold annotation), by id."""


def _sentences_of(text: str, rows: Sequence[Mapping[str, Any]] | None) -> list[tuple[int, int]]:
    sentences = [(int(r["start"]), int(r["end"])) for r in rows or [] if r["end"] > r["start"]]
    return sentences or ([(0, len(text))] if text else [])


def corpus_from_table(
    table: pa.Table,
    *,
    data_version: str,
    source: str,
    gold_doc_ids: set[str] | None = None,
    taxonomy_sha256: str = "",
) -> Corpus:
    """A corpus from a documents table; ``gold_doc_ids`` limits it to the gold documents."""
    needed = ("doc_id", "cluster_id", "text", "text_sha256", "sentences", "spans")
    missing = [c for c in needed if c not in table.column_names]
    if missing:
        raise InputError(
            f"documents table lacks column(s) {', '.join(missing)}; needed: {', '.join(needed)}",
            path=source,
        )
    docs: list[Document] = []
    excluded: list[str] = []
    for row in table.select(list(needed)).to_pylist():
        if gold_doc_ids is not None and row["doc_id"] not in gold_doc_ids:
            excluded.append(row["doc_id"])
            continue
        docs.append(
            Document(
                doc_id=row["doc_id"],
                cluster_id=row["cluster_id"],
                text=row["text"],
                text_sha256=row["text_sha256"],
                sentences=_sentences_of(row["text"], row["sentences"]),
                spans=[dict(s) for s in row["spans"] or []],
            )
        )
    docs.sort(key=lambda d: d.doc_id)
    return Corpus(
        documents=docs,
        data_version=data_version,
        taxonomy_sha256=taxonomy_sha256,
        source=source,
        excluded=sorted(excluded),
    )


def _read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except FileNotFoundError as exc:
        raise InputError(
            "file not found; build the dataset with `toolkit convert`", path=path
        ) from exc
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read Parquet: {exc}", path=path) from exc


def read_corpus(dataset_dir: str | Path) -> Corpus:
    """The gold documents of a dataset built by ``toolkit convert``.

    Documents without a completed gold annotation are left out (listed in ``excluded``): their
    empty span lists mean "not annotated", not "nothing to annotate".
    """
    root = Path(dataset_dir)
    manifest = root / "manifest.json"
    try:
        data_version = hashlib.sha256(manifest.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(
            "no manifest.json; build the dataset with `toolkit convert`", path=manifest
        ) from exc
    docs_path = root / "documents.parquet"
    table = _read_parquet(docs_path)
    meta = table.schema.metadata or {}
    taxonomy_sha = meta.get(b"toolkit.taxonomy_sha256", b"").decode()
    gold: set[str] | None = None
    sets_path = root / "annotation_sets.parquet"
    if sets_path.exists():
        sets = _read_parquet(sets_path).to_pylist()
        gold = {
            r["doc_id"]
            for r in sets
            if r["annotator_id"] == GOLD_LAYER and r["status"] == "completed"
        }
    return corpus_from_table(
        table,
        data_version=data_version,
        source=str(docs_path),
        gold_doc_ids=gold,
        taxonomy_sha256=taxonomy_sha,
    )


def read_layer_spans(
    dataset_dir: str | Path, annotator_id: str
) -> dict[str, list[dict[str, Any]]] | None:
    """Spans of one annotation layer per document (from annotations.parquet); None if absent."""
    root = Path(dataset_dir)
    path = root / "annotations.parquet"
    if not path.exists():
        return None
    rows = _read_parquet(path).to_pylist()
    sets_path = root / "annotation_sets.parquet"
    layer: dict[str, list[dict[str, Any]]] = {}
    if sets_path.exists():
        for r in _read_parquet(sets_path).to_pylist():
            if r["annotator_id"] == annotator_id and r["status"] == "completed":
                layer.setdefault(r["doc_id"], [])
    for r in rows:
        if r["annotator_id"] == annotator_id:
            layer.setdefault(r["doc_id"], []).append(r)
    return layer or None


# ---------------------------------------------------------------- training units


@dataclass
class StanceUnits:
    """Sentences with their stance label and owning document."""

    texts: list[str]
    labels: list[str]
    doc_index: list[int]


@dataclass
class TaggerUnits:
    """Tokenized sentences with BIO tags (gold, or all O when unknown)."""

    tokens: list[list[Token]]
    tags: list[list[str]]
    doc_index: list[int]
    unplaceable_spans: int = 0


@dataclass
class EventUnits:
    """EVENT spans with a category: model inputs (trigger, sentence) and labels."""

    inputs: list[list[str]]
    labels: list[str]
    doc_index: list[int]
    offsets: list[tuple[int, int]]


def stance_units(docs: Sequence[Document]) -> StanceUnits:
    """Every sentence of every document, labelled by the STANCE span overlapping it most."""
    units = StanceUnits([], [], [])
    for i, doc in enumerate(docs):
        stances = stance_spans_of(doc.spans)
        for sentence in doc.sentences:
            units.texts.append(doc.text[sentence[0] : sentence[1]])
            units.labels.append(sentence_stance(sentence, stances))
            units.doc_index.append(i)
    return units


def tagger_units(docs: Sequence[Document]) -> TaggerUnits:
    """Tokenized sentences and BIO tags from the gold ACTOR, EVENT and LOCATION spans."""
    units = TaggerUnits([], [], [])
    for i, doc in enumerate(docs):
        tagged = [
            (str(s["label"]), int(s["start"]), int(s["end"]))
            for s in doc.spans
            if s["label"] in TAGGED_LABELS
        ]
        for start, end in doc.sentences:
            toks = tokenize(doc.text, start, end)
            if not toks:
                continue
            inside = [t for t in tagged if t[1] < end and t[2] > start]
            tags, skipped = bio_tags(toks, inside)
            units.tokens.append(toks)
            units.tags.append(tags)
            units.doc_index.append(i)
            units.unplaceable_spans += skipped
    return units


def event_units(docs: Sequence[Document]) -> EventUnits:
    """Gold EVENT spans that have a category."""
    units = EventUnits([], [], [], [])
    for i, doc in enumerate(docs):
        for s in doc.spans:
            category = (s.get("attributes") or {}).get("category")
            if s["label"] != "EVENT" or not isinstance(category, str):
                continue
            start, end = int(s["start"]), int(s["end"])
            units.inputs.append(event_inputs(doc.text, doc.sentences, start, end))
            units.labels.append(category)
            units.doc_index.append(i)
            units.offsets.append((start, end))
    return units


def _aligned_fraction(docs: Sequence[Document]) -> float | None:
    """Share of gold tagged spans whose both ends fall on token boundaries (exact-match ceiling)."""
    total = aligned = 0
    for doc in docs:
        toks = tokenize(doc.text)
        starts = {t.start for t in toks}
        ends = {t.end for t in toks}
        for s in doc.spans:
            if s["label"] in TAGGED_LABELS:
                total += 1
                aligned += int(s["start"]) in starts and int(s["end"]) in ends
    return aligned / total if total else None


# ---------------------------------------------------------------- models


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
def _blas_single_thread() -> Iterator[None]:
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
    with warnings.catch_warnings(record=True) as caught, _blas_single_thread():
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


def _distinct(items: Iterable[Any]) -> tuple[list[Any], list[int]]:
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
    distinct, positions = _distinct(texts)
    with _blas_single_thread():
        labels = [str(v) for v in model.steps[-1][1].predict(stance_features(model, distinct))]
    return [labels[i] for i in positions]


def predict_words(model: Pipeline, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
    """BIO tags of each sentence given as its token strings (one batched prediction)."""
    distinct, positions = _distinct(tuple(words) for words in sentences)
    if not any(distinct):
        return [[] for _ in sentences]
    words = [w for sentence in distinct for w in sentence]
    flat = [str(t) for t in _tag_words(model, words, np.array([len(x) for x in distinct]))]
    tagged: list[list[str]] = []
    pos = 0
    for sentence in distinct:
        tagged.append(flat[pos : pos + len(sentence)])
        pos += len(sentence)
    return [list(tagged[i]) for i in positions]


def _tag_words(model: Pipeline, words: Sequence[str], lengths: np.ndarray) -> Any:
    """Predicted tags of sentences given as flat words and lengths, flat (an empty list if none)."""
    if not words:
        return []
    with _blas_single_thread():
        return model.predict(hash_words(words, lengths))


def predict_tags(model: Pipeline, tokens: Sequence[Sequence[Token]]) -> list[list[str]]:
    """BIO tags of each tokenized sentence (one batched prediction)."""
    return predict_words(model, [[t.text for t in toks] for toks in tokens])


def predict_event(model: Pipeline, inputs: Sequence[Sequence[str]]) -> list[str]:
    """PLOVER category of each (trigger, sentence) input."""
    if not inputs:
        return []
    distinct, positions = _distinct(tuple(row) for row in inputs)
    with _blas_single_thread():
        labels = [str(v) for v in model.steps[-1][1].predict(event_features(model, distinct))]
    return [labels[i] for i in positions]


# ---------------------------------------------------------------- scoring: classification


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def classification_counts(
    gold: Sequence[str],
    pred: Sequence[str],
    doc_index: Sequence[int],
    n_docs: int,
    labels: Sequence[str],
) -> np.ndarray:
    """Per-document tp, fp, fn of each label: shape (n_docs, n_labels, 3).

    A prediction outside ``labels`` (e.g. "no prediction") adds only a false negative.
    """
    counts = np.zeros((n_docs, len(labels), 3), dtype=np.float64)
    index = {label: i for i, label in enumerate(labels)}
    for g, p, d in zip(gold, pred, doc_index, strict=True):
        gi, pi = index.get(g), index.get(p)
        if g == p and gi is not None:
            counts[d, gi, 0] += 1
            continue
        if pi is not None:
            counts[d, pi, 1] += 1
        if gi is not None:
            counts[d, gi, 2] += 1
    return counts


def bootstrap_weights(n_docs: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each document is drawn in each bootstrap resample: shape (n_boot, n_docs)."""
    if n_docs == 0 or n_boot == 0:
        return np.zeros((0, n_docs))
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_docs, np.full(n_docs, 1.0 / n_docs), size=n_boot).astype(np.float64)


def _estimate(
    counts: np.ndarray,
    weights: np.ndarray,
    metric: Callable[[np.ndarray], np.ndarray],
    undefined: str,
) -> dict[str, Any]:
    """Metric on the summed per-document counts, with a 95% percentile bootstrap interval."""
    value = float(metric(counts.sum(axis=0)[None, ...])[0])
    if math.isnan(value):
        return {"value": None, "ci_low": None, "ci_high": None, "reason": undefined}
    out: dict[str, Any] = {"value": value, "ci_low": None, "ci_high": None}
    if weights.shape[0]:
        flat = counts.reshape(counts.shape[0], -1)
        boot = metric((weights @ flat).reshape((weights.shape[0], *counts.shape[1:])))
        boot = boot[~np.isnan(boot)]
        if boot.size:
            out["ci_low"] = float(np.percentile(boot, 2.5))
            out["ci_high"] = float(np.percentile(boot, 97.5))
    return out


def classification_scores(
    counts: np.ndarray, labels: Sequence[str], weights: np.ndarray, *, stance: bool = False
) -> dict[str, Any]:
    """Per-label P/R/F1, macro F1, accuracy (and the SemEval-2016 score for stance), with CIs."""

    def ratio(i: int, other: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda c: _ratio(c[:, i, 0], c[:, i, 0] + c[:, i, other])

    def f1(i: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda c: f1_from_counts(c[:, i, 0], c[:, i, 1], c[:, i, 2])

    def macro(c: np.ndarray) -> np.ndarray:
        # Labels absent from gold and predictions in a resample count as 0, as in scikit-learn.
        if c.shape[-2] == 0:
            return np.full(c.shape[:-2], np.nan)
        return np.nan_to_num(f1_from_counts(c[..., 0], c[..., 1], c[..., 2])).mean(axis=-1)

    def accuracy(c: np.ndarray) -> np.ndarray:
        return _ratio(c[..., 0].sum(axis=-1), (c[..., 0] + c[..., 2]).sum(axis=-1))

    per_label: dict[str, Any] = {}
    totals = counts.sum(axis=0)
    for i, label in enumerate(labels):
        tp, fp, fn = (float(x) for x in totals[i])
        per_label[label] = {
            "support": int(tp + fn),
            "predicted": int(tp + fp),
            "precision": _estimate(counts, weights, ratio(i, 1), f"no {label} predicted"),
            "recall": _estimate(counts, weights, ratio(i, 2), f"no gold {label}"),
            "f1": _estimate(counts, weights, f1(i), f"no gold and no predicted {label}"),
        }
    out: dict[str, Any] = {
        "n": int(totals[:, 0].sum() + totals[:, 2].sum()),
        "per_label": per_label,
        "macro_f1": _estimate(counts, weights, macro, "no examples"),
        "accuracy": _estimate(counts, weights, accuracy, "no examples"),
    }
    if stance:
        idx = [list(labels).index(t) for t in STANCE_TARGETS]

        def semeval(c: np.ndarray) -> np.ndarray:
            f = f1_from_counts(c[:, idx, 0], c[:, idx, 1], c[:, idx, 2])
            return np.where(np.isnan(f).all(axis=-1), np.nan, np.nan_to_num(f).mean(axis=-1))

        out["semeval2016_f_avg"] = _estimate(
            counts, weights, semeval, "no gold and no predicted FAVOR or AGAINST"
        )
    return out


# ---------------------------------------------------------------- scoring: spans (SemEval-2013)

# Count slots per scheme and label: gold side (what each gold span became) and prediction side.
COR_G, INC_G, PAR_G, MIS, COR_P, INC_P, PAR_P, SPU = range(8)
COUNT_NAMES = ("cor_gold", "inc_gold", "par_gold", "mis", "cor_pred", "inc_pred", "par_pred", "spu")


def match_spans(
    gold: Sequence[tuple[str, int, int]], pred: Sequence[tuple[str, int, int]]
) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) of overlapping spans.

    Greedy in order of preference: same boundaries first, then same label, then larger overlap,
    then position; each span is used at most once, so POS = #gold and ACT = #predicted.
    """
    candidates = []
    for gi, (glab, gs, ge) in enumerate(gold):
        for pi, (plab, ps, pe) in enumerate(pred):
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0:
                candidates.append(((gs, ge) != (ps, pe), glab != plab, -overlap, gs, ps, gi, pi))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for *_, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def semeval_counts(
    gold: Sequence[tuple[str, int, int]],
    pred: Sequence[tuple[str, int, int]],
    labels: Sequence[str],
) -> np.ndarray:
    """COR/INC/PAR/MIS/SPU counts of one document: shape (4 schemes, n_labels, 8 slots).

    Strict: same boundaries and label. Exact: same boundaries. Partial: same boundaries is COR,
    other overlap PAR. Type: overlap and same label (Segura-Bedmar et al. 2013; Batista 2018).
    Gold-side slots are booked under the gold label, prediction-side slots under the predicted one.
    """
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(SCHEMES), len(labels), 8), dtype=np.float64)
    pairs = match_spans(gold, pred)
    matched_g = {g for g, _ in pairs}
    matched_p = {p for _, p in pairs}
    for gi, pi in pairs:
        (glab, gs, ge), (plab, ps, pe) = gold[gi], pred[pi]
        same_bounds, same_label = (gs, ge) == (ps, pe), glab == plab
        outcome = {
            "strict": "cor" if same_bounds and same_label else "inc",
            "exact": "cor" if same_bounds else "inc",
            "partial": "cor" if same_bounds else "par",
            "type": "cor" if same_label else "inc",
        }
        for si, scheme in enumerate(SCHEMES):
            slot = {"cor": (COR_G, COR_P), "inc": (INC_G, INC_P), "par": (PAR_G, PAR_P)}
            g_slot, p_slot = slot[outcome[scheme]]
            if glab in index:
                counts[si, index[glab], g_slot] += 1
            if plab in index:
                counts[si, index[plab], p_slot] += 1
    for gi, (glab, _, _) in enumerate(gold):
        if gi not in matched_g and glab in index:
            counts[:, index[glab], MIS] += 1
    for pi, (plab, _, _) in enumerate(pred):
        if pi not in matched_p and plab in index:
            counts[:, index[plab], SPU] += 1
    return counts


def semeval_prf(c: np.ndarray, scheme: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 from counts (..., 8) of one scheme: PAR earns half credit.

    P is undefined (NaN) without predictions, R without gold spans; F1 is undefined only when
    there are neither, and 0 when just one side is empty (nothing found, or all spurious).
    """
    half = 0.5 if scheme == "partial" else 0.0
    pos = c[..., COR_G] + c[..., INC_G] + c[..., PAR_G] + c[..., MIS]
    act = c[..., COR_P] + c[..., INC_P] + c[..., PAR_P] + c[..., SPU]
    p = _ratio(c[..., COR_P] + half * c[..., PAR_P], act)
    r = _ratio(c[..., COR_G] + half * c[..., PAR_G], pos)
    p0, r0 = np.nan_to_num(p), np.nan_to_num(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where((p0 + r0) > 0, 2 * p0 * r0 / np.where((p0 + r0) > 0, p0 + r0, 1), 0.0)
    f = np.where((pos + act) == 0, np.nan, f)
    return p, r, f


def span_scores_semeval(
    counts: np.ndarray, labels: Sequence[str], weights: np.ndarray
) -> dict[str, Any]:
    """Per scheme: overall (micro over labels) and per-label P/R/F1 with CIs, and raw counts."""
    out: dict[str, Any] = {}
    for si, scheme in enumerate(SCHEMES):
        block = counts[:, si]  # (docs, labels, 8)

        def metric(
            which: int, label: int | None, scheme: str = scheme
        ) -> Callable[[np.ndarray], np.ndarray]:
            def fn(c: np.ndarray) -> np.ndarray:
                sub = c.sum(axis=-2) if label is None else c[..., label, :]
                return semeval_prf(sub, scheme)[which]

            return fn

        def scored(label: int | None, name: str, block: np.ndarray = block) -> dict[str, Any]:
            totals = block.sum(axis=0)
            raw = totals.sum(axis=0) if label is None else totals[label]
            return {
                "counts": {n: int(v) for n, v in zip(COUNT_NAMES, raw, strict=True)},
                "precision": _estimate(block, weights, metric(0, label), f"no predicted {name}"),
                "recall": _estimate(block, weights, metric(1, label), f"no gold {name}"),
                "f1": _estimate(
                    block, weights, metric(2, label), f"no gold and no predicted {name}"
                ),
            }

        out[scheme] = {
            "overall": scored(None, "spans"),
            "per_label": {label: scored(i, label) for i, label in enumerate(labels)},
        }
    return out


AGREEMENT_LABELS = (*TAGGED_LABELS, OVERALL)


def _span_frame(spans: Sequence[tuple[str, int, int]], doc_id: str) -> pl.DataFrame:
    schema = {"doc_id": pl.String, "label": pl.String, "start": pl.Int64, "end": pl.Int64}
    rows = [{"doc_id": doc_id, "label": lab, "start": s, "end": e} for lab, s, e in spans]
    return pl.DataFrame(rows, schema=schema)


def agreement_span_scores(
    doc_ids: Sequence[str],
    gold: Mapping[str, Sequence[tuple[str, int, int]]],
    pred: Mapping[str, Sequence[tuple[str, int, int]]],
    weights: np.ndarray,
) -> dict[str, Any]:
    """Exact and overlap P/R/F1 per label by toolkit.agreement's one-to-one matcher.

    The matcher that scores annotators against each other, so these figures sit next to the
    human ceiling; counted per document (in ``doc_ids`` order) for bootstrap CIs.
    """
    index = {label: i for i, label in enumerate(AGREEMENT_LABELS)}
    out: dict[str, Any] = {}
    for mode in MODES:
        counts = np.zeros((len(doc_ids), len(AGREEMENT_LABELS), 3))
        for d, doc_id in enumerate(doc_ids):
            table = span_scores(
                _span_frame(gold.get(doc_id, []), doc_id),
                _span_frame(pred.get(doc_id, []), doc_id),
                mode=mode,
            )
            for row in table.iter_rows(named=True):
                if row["label"] in index:
                    counts[d, index[row["label"]]] = (row["tp"], row["fp"], row["fn"])
        scores = classification_scores(counts, AGREEMENT_LABELS, weights)["per_label"]
        out[mode] = {
            label: {
                "tp": int(counts[:, i, 0].sum()),
                "fp": int(counts[:, i, 1].sum()),
                "fn": int(counts[:, i, 2].sum()),
                **{k: scores[label][k] for k in ("precision", "recall", "f1")},
            }
            for i, label in enumerate(AGREEMENT_LABELS)
        }
    return out


# ---------------------------------------------------------------- folds


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


# ---------------------------------------------------------------- evaluation


@dataclass
class _OutOfFold:
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


def _cross_validate(
    docs: Sequence[Document],
    folds: list[tuple[np.ndarray, np.ndarray]],
    units: tuple[StanceUnits, TaggerUnits, EventUnits],
    *,
    seed: int,
    fraction: float = 1.0,
    repeat: int = 0,
    majority: _OutOfFold | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> _OutOfFold:
    """Out-of-fold predictions; a model that cannot train in a fold predicts the fold majority."""
    su, tu, eu = units
    oof = _OutOfFold(["NONE"] * len(su.labels), {}, [""] * len(eu.labels))
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


def _gold_spans(doc: Document) -> list[tuple[str, int, int]]:
    return sorted(
        (str(s["label"]), int(s["start"]), int(s["end"]))
        for s in doc.spans
        if s["label"] in TAGGED_LABELS
    )


def _layer_system(
    docs: Sequence[Document], layer: Mapping[str, list[dict[str, Any]]], eu: EventUnits
) -> tuple[_OutOfFold, list[str]]:
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
    return _OutOfFold(stance, spans, event), covered


def _score_system(
    system: _OutOfFold,
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


def _headline(scores: Mapping[str, Any], model: str) -> dict[str, Any]:
    task, key, _ = HEADLINE[model]
    if task == "spans":
        return dict(scores["spans"]["semeval2013"][key]["overall"]["f1"])
    return dict(scores[task][key])


def read_agreement(path: str | Path) -> dict[str, Any]:
    """The agreement report written by ``toolkit agreement`` (agreement.json)."""
    return read_json_object(
        path, missing="agreement report not found; run `toolkit agreement` first"
    )


def human_ceiling(agreement: Mapping[str, Any] | None, doc_ids: Sequence[str]) -> dict[str, Any]:
    """Human agreement from agreement.json (``toolkit agreement``) and which documents it covers.

    Span F1 between annotators (exact and overlap, one-to-one) is the ceiling for the tagger's
    strict and type scores; EVENT.category and STANCE.value agreement on matched spans is the
    nearest human figure for the two classifiers (a different unit: spans, not sentences).
    """
    if agreement is None:
        return {"unavailable": "no agreement report given (--agreement agreement.json)"}
    per_doc = agreement.get("per_document") or []
    agreed = sorted(str(r["doc_id"]) for r in per_doc if isinstance(r, Mapping) and "doc_id" in r)
    common = sorted(set(agreed) & set(doc_ids))
    if not agreed:
        coverage = "the agreement report lists no documents"
    elif set(agreed) == set(doc_ids):
        coverage = f"same documents ({len(common)})"
    else:
        coverage = (
            f"different documents: {len(common)} of the {len(doc_ids)} evaluated documents are "
            f"among the {len(agreed)} the annotators compared"
        )
    spans = agreement.get("spans") or {}
    span_f1 = {
        label: {mode: spans[label].get(f"f1_{mode}") for mode in ("exact", "overlap")}
        for label in (*TAGGED_LABELS, "ALL")
        if isinstance(spans.get(label), Mapping)
    }
    attributes = agreement.get("attributes") or {}
    return {
        "coverage": coverage,
        "documents": agreed,
        "annotators": agreement.get("annotators"),
        "span_f1": span_f1,
        "attributes": {
            key: {
                name: est
                for name, est in sorted(attributes[key].items())
                if isinstance(est, Mapping) and "value" in est
            }
            for key in ("EVENT.category", "STANCE.value")
            if isinstance(attributes.get(key), Mapping)
        },
    }


def _human_rows(human: Mapping[str, Any]) -> list[list[object]]:
    if "unavailable" in human:
        return [["human agreement", human["unavailable"]]]
    rows: list[list[object]] = [["documents", human["coverage"]]]
    for label, modes in human["span_f1"].items():
        for mode, est in modes.items():
            rows.append([f"span F1 {label} ({mode}, pairwise)", format_estimate(est)])
    for key, ests in human["attributes"].items():
        for name, est in ests.items():
            rows.append([f"{key} {name} (matched spans)", format_estimate(est)])
    return rows


def _human_headline(human: Mapping[str, Any], model: str) -> str:
    """The human figure shown next to a model's headline score, with what it measures."""
    if "unavailable" in human:
        return str(human["unavailable"])
    if model == "tagger":
        block = human.get("span_f1", {}).get("ALL", {}).get("exact")
        return f"{format_estimate(block)} (pairwise F1, exact)" if block else "not in the report"
    key = "STANCE.value" if model == "stance" else "EVENT.category"
    entry = human.get("attributes", {}).get(key)
    if not isinstance(entry, Mapping):
        return "not in the report"
    for name, value in sorted(entry.items()):
        if isinstance(value, Mapping) and "value" in value:
            return f"{format_estimate(value)} ({name} on matched spans)"
    return "not in the report"


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
    su, tu, eu = units
    event_labels = sorted(set(eu.labels))
    weights = bootstrap_weights(len(docs), n_boot, seed)
    problems: list[dict[str, Any]] = []
    majority = _OutOfFold(["NONE"] * len(su.labels), {}, [""] * len(eu.labels))
    model = _cross_validate(docs, splits, units, seed=seed, majority=majority, problems=problems)
    systems: dict[str, Any] = {
        "model": _score_system(model, docs, units, weights, event_labels),
        "majority": _score_system(majority, docs, units, weights, event_labels),
    }
    if rules is None:
        systems["rules"] = {"unavailable": f"no {RULES_LAYER} layer in the dataset"}
    else:
        rules_system, covered = _layer_system(docs, rules, eu)
        if len(covered) < len(docs):
            systems["rules"] = {
                "unavailable": f"the {RULES_LAYER} layer covers {len(covered)} of {len(docs)} "
                "gold documents"
            }
        else:
            systems["rules"] = _score_system(rules_system, docs, units, weights, event_labels)

    curves: dict[str, list[dict[str, Any]]] = {m: [] for m in MODEL_NAMES}
    for fraction in sorted(set(fractions)):
        curve_problems: list[dict[str, Any]] = []
        runs = (
            [model]
            if fraction >= 1.0
            else [
                _cross_validate(
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
            points = [_headline(s, name) for s in scored]
            values = [p["value"] for p in points if p["value"] is not None]
            lows = [p["ci_low"] for p in points if p["ci_low"] is not None]
            highs = [p["ci_high"] for p in points if p["ci_high"] is not None]
            curves[name].append(
                {
                    "fraction": fraction,
                    "runs": len(runs),
                    "value": float(np.mean(values)) if values else None,
                    "run_values": values,
                    "ci_low": min(lows) if lows else None,
                    "ci_high": max(highs) if highs else None,
                    "untrainable_folds": sum(1 for p in curve_problems if p["model"] == name),
                }
            )

    clusters = sorted({d.cluster_id for d in docs})
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
    return {
        "kind": "baseline-evaluation",
        "data": {
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
            "spans_on_token_boundaries": _aligned_fraction(docs),
        },
        "setup": {
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
        },
        "problems": problems,
        "warnings": warnings_list,
        "systems": systems,
        "human": human_ceiling(agreement, [d.doc_id for d in docs]),
        "learning_curves": curves,
    }


# ---------------------------------------------------------------- reports


def _summary_rows(data: Mapping[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for name in MODEL_NAMES:
        label = HEADLINE[name][2]
        row: list[object] = [label]
        for system in ("model", "majority", "rules"):
            scores = data["systems"][system]
            row.append(
                scores["unavailable"]
                if "unavailable" in scores
                else format_estimate(_headline(scores, name))
            )
        row.append(_human_headline(data["human"], name))
        rows.append(row)
    return rows


def _detail_rows(scores: Mapping[str, Any]) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    for task in ("stance", "event"):
        block = scores[task]
        out[task] = [
            [
                label,
                v["support"],
                v["predicted"],
                format_estimate(v["precision"]),
                format_estimate(v["recall"]),
                format_estimate(v["f1"]),
            ]
            for label, v in block["per_label"].items()
        ]
        out[task].append(["macro F1", block["n"], "", "", "", format_estimate(block["macro_f1"])])
        if "semeval2016_f_avg" in block:
            out[task].append(
                ["SemEval-2016 F_avg", "", "", "", "", format_estimate(block["semeval2016_f_avg"])]
            )
    rows = []
    for scheme in SCHEMES:
        block = scores["spans"]["semeval2013"][scheme]
        for label, v in [("all", block["overall"]), *block["per_label"].items()]:
            c = v["counts"]
            rows.append(
                [
                    scheme,
                    label,
                    c["cor_gold"] + c["inc_gold"] + c["par_gold"] + c["mis"],
                    c["cor_pred"] + c["inc_pred"] + c["par_pred"] + c["spu"],
                    format_estimate(v["precision"]),
                    format_estimate(v["recall"]),
                    format_estimate(v["f1"]),
                ]
            )
    out["spans"] = rows
    out["agreement"] = [
        [
            mode,
            label,
            v["tp"],
            v["fp"],
            v["fn"],
            format_estimate(v["precision"]),
            format_estimate(v["recall"]),
            format_estimate(v["f1"]),
        ]
        for mode, block in scores["spans"].get("agreement_matcher", {}).items()
        for label, v in block.items()
    ]
    return out


SUMMARY_HEADERS = ["score", "model", "majority class", RULES_LAYER, "human agreement"]
CLASS_HEADERS = ["label", "gold", "predicted", "precision", "recall", "F1"]
AGREEMENT_HEADERS = ["mode", "label", "tp", "fp", "fn", "precision", "recall", "F1"]
SPAN_HEADERS = ["scheme", "label", "gold", "predicted", "precision", "recall", "F1"]


def render_markdown(data: Mapping[str, Any]) -> str:
    """The evaluation report as Markdown."""
    d = data["data"]
    parts = [
        "# Baseline evaluation\n",
        f"Data version `{d['data_version'][:12]}`, taxonomy `{d['taxonomy_sha256'][:12]}`: "
        f"{d['n_documents']} documents in {d['n_clusters']} near-duplicate clusters, "
        f"{d['n_sentences']} sentences. Cross-validation: {data['setup']['cv']}; no cluster is "
        "in both a training and a test fold. Intervals: "
        f"{data['setup']['ci']} ({data['setup']['bootstrap_resamples']} resamples).\n",
    ]
    for w in data["warnings"]:
        parts.append(f"> **Warning.** {w}\n")
    parts.append("## Summary\n")
    parts.append(markdown_table(SUMMARY_HEADERS, _summary_rows(data)))
    parts.append("\n## Human ceiling (agreement.json)\n")
    parts.append(markdown_table(["figure", "value"], _human_rows(data["human"])))
    for system in ("model", "majority", "rules"):
        scores = data["systems"][system]
        parts.append(f"\n## {system}\n")
        if "unavailable" in scores:
            parts.append(f"Not scored: {scores['unavailable']}.\n")
            continue
        rows = _detail_rows(scores)
        parts.append("\n### Stance (sentences)\n")
        parts.append(markdown_table(CLASS_HEADERS, rows["stance"]))
        parts.append("\n### Spans (SemEval-2013 schemes)\n")
        parts.append(markdown_table(SPAN_HEADERS, rows["spans"]))
        parts.append("\n### Spans, annotator-agreement matcher (comparable to the human ceiling)\n")
        parts.append(markdown_table(AGREEMENT_HEADERS, rows["agreement"]))
        parts.append("\n### Event category (gold triggers)\n")
        parts.append(markdown_table(CLASS_HEADERS, rows["event"]))
    parts.append("\n## Learning curves\n")
    for name in MODEL_NAMES:
        parts.append(f"\n### {HEADLINE[name][2]}\n")
        parts.append(
            markdown_table(
                ["training fraction", "runs", "score", "band", "folds on majority fallback"],
                [
                    [
                        p["fraction"],
                        p["runs"],
                        p["value"],
                        format_estimate(
                            {"value": p["value"], "ci_low": p["ci_low"], "ci_high": p["ci_high"]}
                        ),
                        p["untrainable_folds"],
                    ]
                    for p in data["learning_curves"][name]
                ],
            )
        )
    return "\n".join(parts)


def render_html(data: Mapping[str, Any]) -> str:
    """The evaluation report as a self-contained HTML page with inline SVG plots."""
    d = data["data"]
    body = [
        f"<p>Data version <code>{d['data_version'][:12]}</code>: {d['n_documents']} documents in "
        f"{d['n_clusters']} near-duplicate clusters, {d['n_sentences']} sentences. "
        f"Cross-validation: {html.escape(data['setup']['cv'])}. Intervals: "
        f"{html.escape(data['setup']['ci'])}.</p>"
    ]
    for w in data["warnings"]:
        body.append(f'<p class="warning"><strong>Warning.</strong> {html.escape(w)}</p>')
    body.append("<h2>Summary</h2>")
    body.append(html_table(SUMMARY_HEADERS, _summary_rows(data)))
    for name in MODEL_NAMES:
        items = []
        for system in ("model", "majority", "rules"):
            scores = data["systems"][system]
            if "unavailable" in scores:
                items.append((system, None, None, None))
                continue
            h = _headline(scores, name)
            items.append((system, h["value"], h["ci_low"], h["ci_high"]))
        body.append(svg_bar_chart(items, title=HEADLINE[name][2], x_label="score"))
    body.append("<h2>Learning curves</h2>")
    for name in MODEL_NAMES:
        points = data["learning_curves"][name]
        series = {"model": [(p["fraction"], p["value"]) for p in points if p["value"] is not None]}
        bands = {
            "model": [
                (p["fraction"], p["ci_low"], p["ci_high"])
                for p in points
                if p["ci_low"] is not None and p["ci_high"] is not None
            ]
        }
        body.append(
            svg_line_chart(
                series,
                bands=bands,
                title=HEADLINE[name][2],
                x_label="fraction of training units",
                y_label="score",
            )
        )
    body.append(
        html_table(
            ["figure", "value"],
            _human_rows(data["human"]),
            caption="Human ceiling (agreement.json)",
        )
    )
    for system in ("model", "majority", "rules"):
        scores = data["systems"][system]
        body.append(f"<h2>{system}</h2>")
        if "unavailable" in scores:
            body.append(f"<p>Not scored: {html.escape(scores['unavailable'])}.</p>")
            continue
        rows = _detail_rows(scores)
        body.append(html_table(CLASS_HEADERS, rows["stance"], caption="Stance (sentences)"))
        body.append(
            html_table(
                SPAN_HEADERS, rows["spans"], caption="Spans (SemEval-2013 schemes)", sortable=True
            )
        )
        body.append(
            html_table(
                AGREEMENT_HEADERS,
                rows["agreement"],
                caption="Spans, annotator-agreement matcher (comparable to the human ceiling)",
            )
        )
        body.append(
            html_table(
                CLASS_HEADERS,
                rows["event"],
                caption="Event category (gold triggers)",
                sortable=True,
            )
        )
    return html_page("Baseline evaluation", "\n".join(body))


def write_evaluation(out_dir: str | Path, data: Mapping[str, Any]) -> dict[str, Path]:
    """Write evaluation.json, evaluation.md and evaluation.html."""
    return write_report(
        Path(out_dir),
        "evaluation",
        data=data,
        markdown=render_markdown(data),
        html=render_html(data),
    )


# ---------------------------------------------------------------- persistence


def canonical_skops(data: bytes) -> bytes:
    """skops bytes made reproducible: object ids renumbered in order, fixed zip timestamps.

    skops names arrays and memo entries by ``id()`` and stamps the current time, so the same
    model would otherwise give different bytes on every dump.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        schema = json.loads(src.read("schema.json"))
        members = {name: src.read(name) for name in src.namelist() if name != "schema.json"}
    mapping: dict[str, str] = {}

    def renumber(old: str) -> str:
        return mapping.setdefault(old, str(len(mapping) + 1))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "__id__":
                    out[key] = int(renumber(str(value)))
                elif key == "file" and isinstance(value, str) and value.endswith(".npy"):
                    out[key] = renumber(value[: -len(".npy")]) + ".npy"
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    new_schema = walk(schema)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as dst:

        def put(name: str, payload: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, payload)

        put("schema.json", json.dumps(new_schema, indent=2, sort_keys=True).encode())
        for old, payload in sorted(members.items(), key=lambda kv: int(renumber(kv[0][:-4]))):
            put(renumber(old[: -len(".npy")]) + ".npy", payload)
    return buffer.getvalue()


def _dump_bytes(model: Pipeline) -> bytes:
    # A vectorizer caches id(stop_words) to skip a repeated check; an id differs per process and
    # would make the bytes differ, and the vectorizer recomputes it when missing.
    _drop_stop_words_ids(model)
    return canonical_skops(sio.dumps(model))


def _drop_stop_words_ids(node: Any, depth: int = 0) -> None:
    """Remove every fitted vectorizer's ``_stop_words_id`` (fitted clones hide in attributes)."""
    if depth > 8:
        return
    if isinstance(node, CountVectorizer) and hasattr(node, "_stop_words_id"):
        del node._stop_words_id
    if isinstance(node, list | tuple):
        for item in node:
            _drop_stop_words_ids(item, depth + 1)
    elif isinstance(node, dict):
        for item in node.values():
            _drop_stop_words_ids(item, depth + 1)
    elif isinstance(node, BaseEstimator):
        for item in vars(node).values():
            _drop_stop_words_ids(item, depth + 1)


def _load_bytes(data: bytes, path: Path) -> Pipeline:
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # skops raises many kinds on a corrupt file
        raise ModelError(f"not a skops model file ({exc})", path=path) from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelError(
            f"model file names types that are not trusted: {', '.join(unexpected)}; "
            f"trusted beyond skops defaults: {', '.join(TRUSTED_TYPES) or 'none'}",
            path=path,
        )
    try:
        model = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as exc:
        raise ModelError(f"cannot load model ({exc})", path=path) from exc
    if not isinstance(model, Pipeline):
        raise ModelError(
            f"expected a scikit-learn Pipeline, found {type(model).__name__}", path=path
        )
    return model


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


MEMORY_ATTRIBUTES = {
    "ACTOR": ("canonical_name", "country", "sector", "wikidata_id"),
    "LOCATION": ("gazetteer_id", "country", "feature_type"),
    "EVENT": ("modality",),
}
"""Attributes the models cannot predict, remembered per quote from the training gold."""
DEFAULT_MODALITY = "asserted"
"""The taxonomy's default modality for news, used for an EVENT trigger never seen in training."""
ATTRIBUTES_FILE = "attributes.json"


def attribute_memory(docs: Sequence[Document]) -> dict[str, dict[str, dict[str, str]]]:
    """The most frequent gold attributes of each lowercase quote, per label.

    Ties go to the attribute set that sorts first (as JSON), so the memory is deterministic.
    """
    seen: dict[str, dict[str, Counter[str]]] = {}
    for doc in docs:
        for span in doc.spans:
            names = MEMORY_ATTRIBUTES.get(str(span["label"]))
            if not names:
                continue
            attrs = span.get("attributes") or {}
            kept = {n: attrs[n] for n in names if isinstance(attrs.get(n), str) and attrs[n]}
            if kept:
                key = str(span["text"]).lower()
                counts = seen.setdefault(str(span["label"]), {}).setdefault(key, Counter())
                counts[json.dumps(kept, sort_keys=True)] += 1
    return {
        label: {
            key: json.loads(min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0])
            for key, c in sorted(quotes.items())
        }
        for label, quotes in sorted(seen.items())
    }


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
    trained: dict[str, Pipeline | None] = {}
    info: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    fitters: dict[str, Callable[[], tuple[Pipeline, bool]]] = {
        "stance": lambda: fit_stance(su, seed),
        "tagger": lambda: fit_tagger(tu, seed),
        "event": lambda: fit_event(eu, seed),
    }
    sizes = {
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
    if all(m is None for m in trained.values()):
        raise ModelError(
            "no baseline could be trained: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(skipped.items())),
            path=corpus.source,
        )
    blobs = {k: _dump_bytes(m) for k, m in trained.items() if m is not None}
    memory = attribute_memory(docs)
    memory_bytes = _memory_bytes(memory)
    digest = hashlib.sha256()
    for k in sorted(blobs):
        digest.update(k.encode() + b"\0" + hashlib.sha256(blobs[k]).digest())
    digest.update(b"attributes\0" + hashlib.sha256(memory_bytes).digest())
    model_version = f"{name}-{digest.hexdigest()[:12]}"
    card = {
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
    models = Models(trained["stance"], trained["tagger"], trained["event"], card, memory)
    return models, blobs


def _memory_bytes(memory: Mapping[str, Any]) -> bytes:
    return (json.dumps(memory, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


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
                "model": _headline(model, name),
                "majority": _headline(majority, name),
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


def save_models(model_dir: str | Path, models: Models, blobs: Mapping[str, bytes]) -> Path:
    """Write the skops files, model_card.json and model_card.md into ``model_dir`` atomically."""
    out = Path(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in MODEL_NAMES:
        path = out / f"{name}{MODEL_SUFFIX}"
        if name in blobs:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(blobs[name])
            tmp.replace(path)
        elif path.exists():
            path.unlink()  # a stale model from an earlier training would contradict the card
    write_text_atomic(out / ATTRIBUTES_FILE, _memory_bytes(models.attributes).decode())
    write_text_atomic(
        out / CARD_JSON,
        json.dumps(models.card, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
    )
    write_text_atomic(out / CARD_MD, render_card(models.card))
    return out


def load_models(model_dir: str | Path, *, taxonomy: Taxonomy | None = None) -> Models:
    """Load a model directory written by :func:`save_models`, checking versions and file hashes."""
    root = Path(model_dir)
    card_path = root / CARD_JSON
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(
            "no model_card.json; train with `toolkit baseline train`", path=card_path
        ) from exc
    except json.JSONDecodeError as exc:
        raise ModelError(f"invalid JSON: {exc.msg}", path=card_path, line=exc.lineno) from exc
    if card.get("features_version") != FEATURES_VERSION:
        raise ModelError(
            f"model was trained with features version {card.get('features_version')!r}; this "
            f"toolkit computes version {FEATURES_VERSION!r}: retrain",
            path=card_path,
        )
    tax = taxonomy or read_taxonomy()
    if card.get("taxonomy_sha256") != tax.sha256:
        raise ModelError(
            f"model was trained with taxonomy {str(card.get('taxonomy_sha256'))[:12]}; the current "
            f"taxonomy is {tax.short_hash}: retrain",
            path=card_path,
        )
    loaded: dict[str, Pipeline | None] = {}
    for name in MODEL_NAMES:
        entry = card.get("models", {}).get(name)
        if entry is None:
            loaded[name] = None
            continue
        path = root / entry["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model file: {exc.strerror}", path=path) from exc
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ModelError("model file does not match the sha256 in model_card.json", path=path)
        loaded[name] = _load_bytes(data, path)
    memory: dict[str, dict[str, dict[str, str]]] = {}
    entry = card.get("attributes")
    if isinstance(entry, dict):
        path = root / str(entry.get("file", ATTRIBUTES_FILE))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read attribute memory: {exc.strerror}", path=path) from exc
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise ModelError(
                "attribute memory does not match the sha256 in model_card.json", path=path
            )
        memory = json.loads(data)
    return Models(loaded["stance"], loaded["tagger"], loaded["event"], card, memory)


# ---------------------------------------------------------------- prediction


def predict_documents(models: Models, docs: Sequence[Document]) -> dict[str, list[Span]]:
    """Predicted spans per document: tagger spans (EVENT with a category) and stance sentences."""
    # Each distinct sentence text is tokenized, tagged and classified once, with offsets relative
    # to the sentence (the token pattern has no look-behind, so they only shift).
    placed = [(i, start, end) for i, doc in enumerate(docs) for start, end in doc.sentences]
    texts, positions = _distinct(docs[i].text[start:end] for i, start, end in placed)
    first: list[int] = [0] * (len(texts) + 1)  # spans of distinct text u: first[u]:first[u + 1]
    labels: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    categories: list[str] = []  # of every EVENT span, in the order they are written below
    stance: list[str] = []
    with _blas_single_thread():
        if models.tagger is not None and texts:
            tokens = tokenize_many(texts)
            found = spans_from_tag_arrays(
                tokens, _tag_words(models.tagger, tokens.words, tokens.lengths)
            )
            first, labels = found.first.tolist(), found.labels
            starts, ends = found.starts.tolist(), found.ends.tolist()
            del tokens, found
        if models.event is not None and "EVENT" in labels:
            inputs = _event_inputs(docs, placed, positions, texts, first, labels, starts, ends)
            categories = predict_event(models.event, inputs)
            del inputs
        if models.stance is not None and texts:
            stance = predict_stance(models.stance, texts)
    out: dict[str, list[Span]] = {d.doc_id: [] for d in docs}
    category = iter(categories)
    p = 0
    for doc in docs:
        spans = out[doc.doc_id]
        seen: set[str] = set()
        here = range(p, p + len(doc.sentences))
        p += len(doc.sentences)
        found_spans: list[tuple[str, int, int, dict[str, Any]]] = []
        for q in here:
            shift, u = placed[q][1], positions[q]
            for j in range(first[u], first[u + 1]):
                label = labels[j]
                attrs = {"category": next(category)} if label == "EVENT" and categories else {}
                found_spans.append((label, starts[j] + shift, ends[j] + shift, attrs))
        if stance:
            for q in here:
                value = stance[positions[q]]
                if value in STANCE_TARGETS:
                    # Trim surrounding spaces so the quote is the sentence itself.
                    text = texts[positions[q]]
                    s = placed[q][1] + (len(text) - len(text.lstrip()))
                    e = placed[q][2] - (len(text) - len(text.rstrip()))
                    if e > s:
                        found_spans.append(("STANCE", s, e, {"value": value}))
        for label, start, end, attrs in found_spans:
            span_id = make_span_id(doc.doc_id, label, start, end)
            if span_id not in seen:
                seen.add(span_id)
                spans.append(Span(span_id, start, end, doc.text[start:end], label, attrs))
    return out


def _event_inputs(
    docs: Sequence[Document],
    placed: Sequence[tuple[int, int, int]],
    positions: Sequence[int],
    texts: Sequence[str],
    first: Sequence[int],
    labels: Sequence[str],
    starts: Sequence[int],
    ends: Sequence[int],
) -> list[tuple[str, str]]:
    """:func:`event_inputs` of every predicted EVENT span, in document and sentence order.

    In a document whose sentences do not overlap, the sentence holding a span is the one it was
    found in, so its text is at hand; otherwise :func:`event_inputs` looks for it.
    """
    disjoint = [_disjoint(doc.sentences) for doc in docs]
    inputs: list[tuple[str, str]] = []
    for (d, shift, _), u in zip(placed, positions, strict=True):
        for j in range(first[u], first[u + 1]):
            if labels[j] != "EVENT":
                continue
            text, start, end = docs[d].text, starts[j] + shift, ends[j] + shift
            if disjoint[d]:
                inputs.append((text[start:end], texts[u]))
            else:
                trigger, sentence = event_inputs(text, docs[d].sentences, start, end)
                inputs.append((trigger, sentence))
    return inputs


def _disjoint(sentences: Sequence[tuple[int, int]]) -> bool:
    """Whether no position is inside two of these sentences."""
    ordered = sorted((s, e) for s, e in sentences if e > s)
    return all(a[1] <= b[0] for a, b in pairwise(ordered))


@dataclass
class PredictResult:
    """What ``predict`` wrote."""

    layer: str
    model_version: str
    written: list[Path]
    unchanged: list[Path]
    n_spans: int
    left_out: dict[str, int] = field(default_factory=dict)
    """Predicted spans not written, by label: required attributes unknown, or no holder."""


def complete_spans(
    doc: Document,
    spans: Sequence[Span],
    memory: Mapping[str, Mapping[str, Mapping[str, str]]],
    taxonomy: Taxonomy,
) -> tuple[list[Span], list[RelationLink], Counter[str]]:
    """Spans made valid for the taxonomy, holder links for STANCE spans, and what was left out.

    Attributes come from the attribute memory; a span still missing a required attribute is
    left out rather than given an invented value. A STANCE span is held by the ACTOR span of its
    sentence nearest to its start, and left out when its sentence has none.
    """
    kept: list[Span] = []
    left_out: Counter[str] = Counter()
    for span in spans:
        attrs = dict(span.attributes)
        remembered = memory.get(span.label, {}).get(span.text.lower(), {})
        attrs.update({k: v for k, v in remembered.items() if k not in attrs})
        if span.label == "EVENT":
            attrs.setdefault("modality", DEFAULT_MODALITY)
        if taxonomy.check_attributes(span.label, attrs):
            left_out[span.label] += 1
            continue
        kept.append(Span(span.id, span.start, span.end, span.text, span.label, attrs))
    actors = [s for s in kept if s.label == "ACTOR"]
    relations: list[RelationLink] = []
    out: list[Span] = []
    for span in kept:
        if span.label != "STANCE":
            out.append(span)
            continue
        sentence = next(
            ((a, b) for a, b in doc.sentences if a <= span.start < b), (span.start, span.end)
        )
        inside = [a for a in actors if sentence[0] <= a.start and a.end <= sentence[1]]
        if not inside:
            left_out["STANCE"] += 1
            continue
        holder = min(inside, key=lambda a: (abs(a.start - span.start), a.start))
        relations.append(RelationLink("holder", span.id, holder.id))
        out.append(span)
    return out, relations, left_out


def predict_to_annotations(
    models: Models, corpus: Corpus, out_root: str | Path, *, taxonomy: Taxonomy | None = None
) -> PredictResult:
    """Write one annotation file per document under ``out_root/model-<name>/``."""
    tax = taxonomy or read_taxonomy()
    layer = str(models.card["layer"])
    version = str(models.card["model_version"])
    predicted = predict_documents(models, corpus.documents)
    written: list[Path] = []
    unchanged: list[Path] = []
    n_spans = 0
    left_out: Counter[str] = Counter()
    for doc in corpus.documents:
        spans, relations, dropped = complete_spans(
            doc, predicted[doc.doc_id], models.attributes, tax
        )
        left_out.update(dropped)
        n_spans += len(spans)
        annotation = AnnotationFile(
            doc_id=doc.doc_id,
            text_sha256=doc.text_sha256,
            annotator_id=layer,
            codebook_version=tax.codebook_version,
            spans=spans,
            relations=relations,
            source={"kind": "model", "model_version": version},
        )
        path = annotation_path(out_root, layer, doc.doc_id)
        (written if write_annotation_file(path, annotation) else unchanged).append(path)
    return PredictResult(
        layer, version, written, unchanged, n_spans, dict(sorted(left_out.items()))
    )


def read_prediction_corpus(dataset_dir: str | Path) -> Corpus:
    """Every document of a dataset (annotated or not): predictions need no gold."""
    root = Path(dataset_dir)
    table = _read_parquet(root / "documents.parquet")
    manifest = root / "manifest.json"
    version = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else ""
    return corpus_from_table(table, data_version=version, source=str(root / "documents.parquet"))


# ---------------------------------------------------------------- generated data

_ACTORS = (
    "Antony Blinken",
    "Xi Jinping",
    "Wang Yi",
    "Joe Biden",
    "Tsai Ing-wen",
    "Lloyd Austin",
    "Qin Gang",
    "Li Shangfu",
    "Kevin McCarthy",
    "Lai Ching-te",
    "the State Department",
    "the Pentagon",
    "China's foreign ministry",
    "the People's Liberation Army",
    "US lawmakers",
    "Taiwan's defence ministry",
    "Beijing's Taiwan Affairs Office",
    "the White House",
    "Chinese diplomats",
    "the US Navy",
    "Japan's prime minister",
    "the Philippine coast guard",
)
_LOCATIONS = (
    "Beijing",
    "Washington",
    "Taipei",
    "the Taiwan Strait",
    "the South China Sea",
    "Singapore",
    "Tokyo",
    "Manila",
    "Guam",
    "Hawaii",
    "Kinmen",
    "San Francisco",
    "Shanghai",
    "Bali",
)
_ACTOR_ATTRS = {
    name: {"canonical_name": canonical, "country": country, "sector": sector}
    for name, canonical, country, sector in (
        ("Antony Blinken", "Antony Blinken", "USA", "GOV"),
        ("Xi Jinping", "Xi Jinping", "CHN", "GOV"),
        ("Wang Yi", "Wang Yi", "CHN", "GOV"),
        ("Joe Biden", "Joe Biden", "USA", "GOV"),
        ("Tsai Ing-wen", "Tsai Ing-wen", "TWN", "GOV"),
        ("Lloyd Austin", "Lloyd Austin", "USA", "GOV"),
        ("Qin Gang", "Qin Gang", "CHN", "GOV"),
        ("Li Shangfu", "Li Shangfu", "CHN", "MIL"),
        ("Kevin McCarthy", "Kevin McCarthy", "USA", "LEG"),
        ("Lai Ching-te", "Lai Ching-te", "TWN", "GOV"),
        ("the State Department", "US Department of State", "USA", "GOV"),
        ("the Pentagon", "US Department of Defense", "USA", "MIL"),
        ("China's foreign ministry", "Ministry of Foreign Affairs of China", "CHN", "GOV"),
        ("the People's Liberation Army", "People's Liberation Army", "CHN", "MIL"),
        ("US lawmakers", "US Congress", "USA", "LEG"),
        ("Taiwan's defence ministry", "Ministry of National Defense of Taiwan", "TWN", "MIL"),
        ("Beijing's Taiwan Affairs Office", "Taiwan Affairs Office", "CHN", "GOV"),
        ("the White House", "Government of the United States", "USA", "GOV"),
        ("Chinese diplomats", "Government of China", "CHN", "GOV"),
        ("the US Navy", "US Navy", "USA", "MIL"),
        ("Japan's prime minister", "Prime Minister of Japan", "JPN", "GOV"),
        ("the Philippine coast guard", "Philippine Coast Guard", "PHL", "MIL"),
    )
}
# Gazetteer entries as toolkit.gazetteer.lookup gives them (checked by the tests' validation).
_LOCATION_ATTRS = {
    name: {"gazetteer_id": gid, "feature_type": kind, **({"country": c} if c else {})}
    for name, gid, kind, c in (
        ("Beijing", "geonames:1816670", "city", "CHN"),
        ("Washington", "geonames:4140963", "city", "USA"),
        ("Taipei", "geonames:1668341", "city", "TWN"),
        ("the Taiwan Strait", "local:taiwan-strait", "water", None),
        ("the South China Sea", "local:south-china-sea", "water", None),
        ("Singapore", "geonames:1880252", "city", "SGP"),
        ("Tokyo", "geonames:1850147", "city", "JPN"),
        ("Manila", "geonames:1701668", "city", "PHL"),
        ("Guam", "geonames:4043988", "country", "GUM"),
        ("Hawaii", "geonames:5855797", "admin", "USA"),
        ("Kinmen", "local:kinmen", "admin", "TWN"),
        ("San Francisco", "geonames:5391959", "city", "USA"),
        ("Shanghai", "geonames:1796236", "city", "CHN"),
        ("Bali", "local:bali", "admin", "IDN"),
    )
}
_EVENTS = {
    "CONSULT": ("met", "held talks with", "visited", "spoke by phone with", "hosted"),
    "ACCUSE": ("criticized", "accused", "condemned", "blamed"),
    "THREATEN": ("warned", "threatened"),
    "SANCTION": ("sanctioned", "imposed sanctions on", "blacklisted"),
    "AGREE": ("agreed to cooperate with", "pledged to work with", "offered talks to"),
    "REQUEST": ("urged", "called on", "demanded that"),
    "REJECT": ("rejected", "refused to meet", "ruled out talks with"),
    "MOBILIZE": ("deployed warships near", "sent fighter jets toward"),
    "SUPPORT": ("praised", "endorsed", "backed"),
    "COOPERATE": ("signed a deal with", "shared intelligence with"),
}
_STANCES = {
    "AGAINST": (
        "{a} said Taiwan is an inalienable part of China",
        "{a} vowed to achieve reunification with Taiwan",
        "{a} said there is no room for compromise on Taiwan",
        "{a} warned that Taiwan independence means war",
    ),
    "FAVOR": (
        "{a} pledged to defend Taiwan if it were attacked",
        "{a} said Washington would help Taiwan defend itself",
        "{a} praised Taiwan's democracy and vowed to stand with Taipei",
    ),
    "NONE": (
        "{a} said the United States does not support Taiwan independence",
        "{a} reiterated the one China policy",
        "{a} called for peace and stability across the Taiwan Strait",
    ),
}
_FILLERS = (
    "Markets in {l} were calm on {day}",
    "The talks lasted about {n} hours, officials said",
    "Analysts expect little change in the coming weeks",
    "Reporters waited outside the venue in {l} for {n} hours",
    "The statement was released late on {day}",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _generated_sentence(
    rng: random.Random, noise: float
) -> tuple[str, list[tuple[str, int, int, dict[str, Any]]]]:
    """One synthetic sentence with its gold spans (label, start, end, attributes)."""
    parts: list[str] = []
    spans: list[tuple[str, int, int, dict[str, Any]]] = []
    pos = 0

    def add(text: str, label: str | None = None, attrs: dict[str, Any] | None = None) -> None:
        nonlocal pos
        if label is not None:
            spans.append((label, pos, pos + len(text), attrs or {}))
        parts.append(text)
        pos += len(text)

    kind = rng.random()
    if kind < 0.45:
        category = rng.choice(sorted(_EVENTS))
        trigger = rng.choice(_EVENTS[category])
        if rng.random() < noise:  # annotators disagree: a plausible neighbouring category
            category = rng.choice(sorted(_EVENTS))
        a1, a2 = rng.sample(_ACTORS, 2)
        add(a1[0].upper() + a1[1:], "ACTOR", _ACTOR_ATTRS[a1])
        add(" ")
        add(trigger, "EVENT", {"category": category, "modality": "asserted"})
        add(" ")
        add(a2, "ACTOR", _ACTOR_ATTRS[a2])
        add(" in ")
        place = rng.choice(_LOCATIONS)
        add(place, "LOCATION", _LOCATION_ATTRS[place])
        add(f" on {rng.choice(_DAYS)}.")
    elif kind < 0.75:
        value = rng.choice(sorted(_STANCES))
        template = rng.choice(_STANCES[value])
        if rng.random() < noise:
            value = rng.choice(sorted(_STANCES))
        actor = rng.choice(_ACTORS)
        head, tail = template.split("{a}")
        start = pos
        add(head)
        add(actor[0].upper() + actor[1:] if not head else actor, "ACTOR", _ACTOR_ATTRS[actor])
        add(tail)
        spans.append(("STANCE", start, pos, {"value": value}))
        add(".")
    else:
        template = rng.choice(_FILLERS)
        text = template.format(l="{l}", day=rng.choice(_DAYS), n=rng.randint(2, 9))
        head, sep, tail = text.partition("{l}")
        add(head)
        if sep:
            place = rng.choice(_LOCATIONS)
            add(place, "LOCATION", _LOCATION_ATTRS[place])
            add(tail)
        add(".")
    return "".join(parts), spans


def generate_documents(
    n_docs: int,
    *,
    seed: int = 0,
    sentences_per_doc: int = 20,
    copies_per_story: int = 2,
    noise: float = 0.1,
    taxonomy: Taxonomy | None = None,
) -> pa.Table:
    """Synthetic documents (documents_schema) with gold spans, for tests and benchmarks only.

    Each story gets up to ``copies_per_story`` near-duplicate copies (one sentence dropped and
    another added, like wire copies), sharing a ``cluster_id``. Sentences come from templates of
    US-China news: ACTOR/EVENT/LOCATION spans with PLOVER categories, STANCE clauses and filler;
    ``noise`` is the chance that an EVENT category or STANCE value is replaced by a random one,
    so no model scores perfectly. Not real data: never publish it as such.
    """
    tax = taxonomy or read_taxonomy()
    rng = random.Random(seed)
    attr_names = tax.attribute_names
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    story = 0
    while len(rows) < n_docs:
        base = [_generated_sentence(rng, noise) for _ in range(sentences_per_doc)]
        copies = []
        for c in range(min(copies_per_story, n_docs - len(rows))):
            sents = list(base)
            if c:
                sents.pop(rng.randrange(len(sents)))
                sents.insert(rng.randrange(len(sents) + 1), _generated_sentence(rng, noise))
            copies.append(sents)
        docs = []
        for sents in copies:
            text_parts: list[str] = []
            sentences: list[dict[str, int]] = []
            spans: list[tuple[str, int, int, dict[str, Any]]] = []
            pos = 0
            for sentence, sent_spans in sents:
                if text_parts:
                    text_parts.append(" ")
                    pos += 1
                sentences.append({"start": pos, "end": pos + len(sentence)})
                for label, s, e, attrs in sent_spans:
                    spans.append((label, pos + s, pos + e, attrs))
                text_parts.append(sentence)
                pos += len(sentence)
            text = "".join(text_parts)
            if text in seen:
                continue
            seen.add(text)
            digest = hashlib.sha256(f"generated:{seed}:{text}".encode()).hexdigest()
            doc_id = "doc_" + digest[:16]
            span_rows = []
            for label, s, e, attrs in sorted(spans, key=lambda x: (x[1], x[2], x[0])):
                # The stance clause's own actor holds it (the templates put one inside).
                holders = [
                    make_span_id(doc_id, "ACTOR", hs, he)
                    for hl, hs, he, _ in spans
                    if label == "STANCE" and hl == "ACTOR" and s <= hs and he <= e
                ]
                span_rows.append(
                    {
                        "span_id": make_span_id(doc_id, label, s, e),
                        "label": label,
                        "start": s,
                        "end": e,
                        "text": text[s:e],
                        "attributes": {n: attrs.get(n) for n in attr_names},
                        "relations": [{"type": "holder", "to_span_id": h} for h in holders[:1]],
                    }
                )
            docs.append((doc_id, text, sentences, span_rows, digest))
        if not docs:
            continue
        cluster = min(d[0] for d in docs)
        for doc_id, text, sentences, span_rows, digest in docs:
            rows.append(
                {
                    "doc_id": doc_id,
                    "cluster_id": cluster,
                    "outlet": "generated",
                    "title": f"Generated story {story}",
                    "byline": None,
                    "published_date": None,
                    "source_urls": [],
                    "links": [],
                    "text": text,
                    "text_sha256": sha256_text(text),
                    "sentences": sentences,
                    "shared_sentences": [],
                    "removed": [],
                    "source_path": f"generated/{seed}/{story}/{doc_id}",
                    "source_sha256": digest,
                    "source_encoding": "utf-8",
                    "converter_version": "generated",
                    "spans": span_rows,
                }
            )
        story += 1
    rows.sort(key=lambda r: r["doc_id"])
    schema = documents_schema(tax).with_metadata(schema_metadata(tax, "documents"))
    return pa.Table.from_pylist(rows, schema=schema)


def write_generated_dataset(out_dir: str | Path, table: pa.Table, *, description: str) -> Path:
    """Write a generated documents table as a dataset folder (documents.parquet, manifest.json)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs_path = out / "documents.parquet"
    tmp = out / ".documents.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(docs_path)
    manifest = {
        "generated": description,
        "counts": {"documents": table.num_rows},
        "files": {
            "documents.parquet": {"sha256": hashlib.sha256(docs_path.read_bytes()).hexdigest()}
        },
    }
    write_text_atomic(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out
