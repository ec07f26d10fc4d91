"""Tests for toolkit.baseline and toolkit.features: scores, folds, training, models, predictions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.annotations.records import RelationLink, Span, annotation_path, read_annotation_file
from toolkit.annotations.validate import check_annotation_file
from toolkit.baseline import models as bl
from toolkit.baseline.features import (
    HASH_FEATURES,
    bio_tags,
    event_inputs,
    hash_token_features,
    sentence_stance,
    spans_from_tag_arrays,
    spans_from_tags,
    token_features,
    tokenize,
    tokenize_many,
    word_shape,
)
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.dataset.tables import annotation_sets_schema
from toolkit.errors import ModelError
from toolkit.taxonomy.labels import read_taxonomy

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def generated_table() -> pa.Table:
    """Twelve generated documents in six near-duplicate clusters."""
    return bl.generate_documents(12, seed=3, sentences_per_doc=12)


@pytest.fixture(scope="module")
def corpus(generated_table: pa.Table) -> bl.Corpus:
    """The generated documents as a corpus."""
    return bl.corpus_from_table(
        generated_table,
        data_version="test-data",
        source="generated",
        taxonomy_sha256=read_taxonomy().sha256,
    )


@pytest.fixture(scope="module")
def trained(corpus: bl.Corpus) -> tuple[bl.Models, dict[str, bytes]]:
    """The three baselines trained on the generated corpus (no evaluation)."""
    return bl.train_models(corpus, name="test", seed=0)


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory, generated_table: pa.Table) -> Path:
    """The generated documents written as a dataset folder."""
    out = tmp_path_factory.mktemp("dataset")
    return bl.write_generated_dataset(out, generated_table, description="test fixture, seed 3")


def _doc(doc_id: str, cluster: str, text: str, spans: list[dict[str, object]]) -> bl.Document:
    return bl.Document(
        doc_id=doc_id,
        cluster_id=cluster,
        text=text,
        text_sha256=sha256_text(text),
        sentences=[(0, len(text))],
        spans=spans,
    )


# ---------------------------------------------------------------- features


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("US-China talks", [("US", 0, 2), ("-", 2, 3), ("China", 3, 8), ("talks", 9, 14)]),
        (
            "Tsai's “visit”",
            [
                ("Tsai", 0, 4),
                ("'", 4, 5),
                ("s", 5, 6),
                ("“", 7, 8),
                ("visit", 8, 13),
                ("”", 13, 14),
            ],
        ),
        ("台湾 海峡", [("台湾", 0, 2), ("海峡", 3, 5)]),
        ("😀 Beijing", [("😀", 0, 1), ("Beijing", 2, 9)]),
    ],
    ids=["hyphen", "quotes-apostrophe", "cjk", "astral-code-point"],
)
def test_tokenize_gives_code_point_offsets(text: str, expected: list[tuple[str, int, int]]) -> None:
    tokens = tokenize(text)
    assert [(t.text, t.start, t.end) for t in tokens] == expected
    assert all(text[t.start : t.end] == t.text for t in tokens)


@pytest.mark.parametrize(
    ("word", "shape"),
    [("Beijing", "Xx"), ("F-16", "X-d"), ("U.S.", "X.X."), ("iPhone", "xXx"), ("2023", "d")],
    ids=["title", "hyphen-digits", "abbreviation", "camel", "year"],
)
def test_word_shape(word: str, shape: str) -> None:
    assert word_shape(word) == shape


def test_hashed_features_equal_feature_hasher_on_the_readable_features() -> None:
    from sklearn.feature_extraction import FeatureHasher

    sentences = [["US", "-", "China", "talks", "in", "Beijing"], ["Blinken", "met", "Blinken"]]
    expected = FeatureHasher(
        n_features=HASH_FEATURES, input_type="string", alternate_sign=False
    ).transform([f for words in sentences for f in token_features(words)])
    got = hash_token_features(sentences)
    assert got.shape == (9, HASH_FEATURES)
    assert (got != expected).nnz == 0


_WORDS = st.sampled_from(["US", "-", "China", "talks", "in", "Beijing", "F-16", "met", "Ä", "1"])


@given(st.lists(st.lists(_WORDS, max_size=7), max_size=5))
@settings(max_examples=60, deadline=None)
def test_hashed_features_equal_feature_hasher_on_any_sentences(
    sentences: list[list[str]],
) -> None:
    from sklearn.feature_extraction import FeatureHasher

    rows = [f for words in sentences for f in token_features(words)]
    got = hash_token_features(sentences)
    assert got.shape == (len(rows), HASH_FEATURES)
    assert got.has_canonical_format
    if rows:
        expected = FeatureHasher(
            n_features=HASH_FEATURES, input_type="string", alternate_sign=False
        ).transform(rows)
        assert (got != expected).nnz == 0


def test_bio_tags_skip_nested_span_and_count_it() -> None:
    tokens = tokenize("US Secretary of State Antony Blinken met")
    spans = [("ACTOR", 3, 21), ("ACTOR", 22, 36), ("LOCATION", 0, 2), ("EVENT", 10, 15)]
    tags, skipped = bio_tags(tokens, spans)
    assert tags == ["B-LOCATION", "B-ACTOR", "I-ACTOR", "I-ACTOR", "B-ACTOR", "I-ACTOR", "O"]
    assert skipped == 1  # the EVENT inside the ACTOR cannot be expressed in BIO


def test_spans_from_tags_starts_span_on_orphan_inside_tag() -> None:
    tokens = tokenize("a b c d")
    assert spans_from_tags(tokens, ["I-ACTOR", "I-ACTOR", "B-EVENT", "I-LOCATION"]) == [
        ("ACTOR", 0, 3),
        ("EVENT", 4, 5),
        ("LOCATION", 6, 7),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["ACTOR", "EVENT", "LOCATION"]), st.integers(1, 3)),
        max_size=6,
    ),
    st.lists(st.integers(0, 2), min_size=7, max_size=7),
)
def test_bio_round_trip_on_token_aligned_spans(
    picks: list[tuple[str, int]], gaps: list[int]
) -> None:
    """Non-overlapping token-aligned spans survive tags -> spans unchanged."""
    words = [f"w{i}" for i in range(30)]
    text = " ".join(words)
    tokens = tokenize(text)
    spans, i = [], 0
    for (label, length), gap in zip(picks, gaps, strict=False):
        i += gap
        if i + length > len(tokens):
            break
        spans.append((label, tokens[i].start, tokens[i + length - 1].end))
        i += length + 1  # a gap token keeps two spans of one label apart
    tags, skipped = bio_tags(tokens, spans)
    assert skipped == 0
    assert spans_from_tags(tokens, tags) == sorted(spans, key=lambda s: s[1])


_TEXT = st.text(
    alphabet=st.sampled_from("ab_1 \t\n\u00a0\u2003.-,é\u0301ßİ台🙂\x1c\x85"), max_size=14
)


@given(st.lists(_TEXT, max_size=5))
@settings(max_examples=200, deadline=None)
def test_tokenize_many_equals_tokenize_on_each_text(texts: list[str]) -> None:
    got = tokenize_many(texts)
    expected = [tokenize(text) for text in texts]
    assert got.lengths.tolist() == [len(tokens) for tokens in expected]
    flat = [(t.text, t.start, t.end) for tokens in expected for t in tokens]
    assert list(zip(got.words, got.starts.tolist(), got.ends.tolist(), strict=True)) == flat


def test_tokenize_many_agrees_with_tokenize_on_every_code_point() -> None:
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = [
        "".join(points[i : i + 4099 : 3] + points[i + 1 : i + 4099 : 3])
        for i in range(0, len(points), 4099)
    ]
    got = tokenize_many(texts)
    flat = [(t.text, t.start, t.end) for text in texts for t in tokenize(text)]
    assert list(zip(got.words, got.starts.tolist(), got.ends.tolist(), strict=True)) == flat


_TAGS = st.sampled_from(["O", "B-ACTOR", "I-ACTOR", "I-EVENT", "B-EVENT", "I-LOCATION", "B", "I-"])


@given(st.lists(st.lists(st.tuples(st.sampled_from(["a", "bc", "-", "."]), _TAGS), max_size=6)))
@settings(max_examples=200, deadline=None)
def test_spans_from_tag_arrays_equal_spans_from_tags(
    sentences: list[list[tuple[str, str]]],
) -> None:
    """Each word is one token, so a sentence's tags are its words' tags."""
    texts = [" ".join(w for w, _ in sentence) for sentence in sentences]
    tags = [[t for _, t in sentence] for sentence in sentences]
    got = spans_from_tag_arrays(tokenize_many(texts), [t for sentence in tags for t in sentence])
    first = got.first.tolist()
    assert len(first) == len(texts) + 1
    for i, (text, sentence_tags) in enumerate(zip(texts, tags, strict=True)):
        rows = range(first[i], first[i + 1])
        spans = [(got.labels[j], int(got.starts[j]), int(got.ends[j])) for j in rows]
        assert spans == spans_from_tags(tokenize(text), sentence_tags)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], "NONE"),
        ([("FAVOR", 0, 5), ("AGAINST", 3, 20)], "AGAINST"),
        ([("FAVOR", 0, 10), ("AGAINST", 10, 20)], "FAVOR"),
        ([("AGAINST", 50, 60)], "NONE"),
    ],
    ids=["no-stance", "largest-overlap", "tie-earlier", "outside"],
)
def test_sentence_stance(spans: list[tuple[str, int, int]], expected: str) -> None:
    assert sentence_stance((0, 20), spans) == expected


# ---------------------------------------------------------------- SemEval-2013 schemes


# Batista (2018), "Named-entity evaluation metrics based on entity-level": its six scenarios, one
# per document region. Expected counts are the post's summary table; P = (COR [+ PAR/2]) / ACT and
# R = (COR [+ PAR/2]) / POS with POS = ACT = 5 (Segura-Bedmar et al. 2013).
BATISTA_GOLD = [
    ("BRAND", 0, 7),  # I: exact match
    ("BRAND", 20, 27),  # II: missed
    ("DRUG", 60, 68),  # IV: wrong type, same boundaries
    ("GROUP", 80, 91),  # V: overlapping boundaries, same type
    ("GROUP", 100, 111),  # VI: overlapping boundaries, wrong type
]
BATISTA_PRED = [
    ("BRAND", 0, 7),
    ("BRAND", 40, 47),  # III: spurious
    ("BRAND", 60, 68),
    ("GROUP", 80, 95),
    ("DRUG", 100, 105),
]
BATISTA_LABELS = ("BRAND", "DRUG", "GROUP")


@pytest.mark.parametrize(
    ("scheme", "cor", "inc", "par", "precision", "recall", "f1"),
    [
        ("strict", 1, 3, 0, 0.2, 0.2, 0.2),
        ("exact", 2, 2, 0, 0.4, 0.4, 0.4),
        ("partial", 2, 0, 2, 0.6, 0.6, 0.6),  # (COR + PAR/2) / 5
        ("type", 2, 2, 0, 0.4, 0.4, 0.4),
    ],
    ids=["strict", "exact", "partial", "type"],
)
def test_semeval_worked_example(
    scheme: str, cor: int, inc: int, par: int, precision: float, recall: float, f1: float
) -> None:
    counts = bl.semeval_counts(BATISTA_GOLD, BATISTA_PRED, BATISTA_LABELS)
    block = counts[bl.SCHEMES.index(scheme)].sum(axis=0)
    assert block[bl.COR_G] == block[bl.COR_P] == cor
    assert block[bl.INC_G] == block[bl.INC_P] == inc
    assert block[bl.PAR_G] == block[bl.PAR_P] == par
    assert block[bl.MIS] == 1
    assert block[bl.SPU] == 1
    p, r, f = bl.semeval_prf(block, scheme)
    assert (float(p), float(r), float(f)) == pytest.approx((precision, recall, f1))


def test_partial_credit_adds_up_across_documents() -> None:
    """Each document has one PAR; the corpus score keeps both halves (nervaluate 1.1.0 did not)."""
    doc = bl.semeval_counts([("ACTOR", 0, 10)], [("ACTOR", 0, 5)], ("ACTOR",))
    both = np.stack([doc, doc])
    scores = bl.span_scores_semeval(both, ("ACTOR",), np.zeros((0, 2)))
    partial = scores["partial"]["overall"]
    assert partial["counts"]["par_gold"] == 2
    assert partial["precision"]["value"] == pytest.approx(0.5)
    assert partial["recall"]["value"] == pytest.approx(0.5)
    assert scores["strict"]["overall"]["f1"]["value"] == 0.0


@pytest.mark.parametrize(
    ("gold", "pred", "f1"),
    [
        ([("ACTOR", 0, 5)], [], 0.0),
        ([], [("ACTOR", 0, 5)], 0.0),
        ([], [], None),
    ],
    ids=["nothing-predicted", "all-spurious", "nothing-at-all"],
)
def test_semeval_f1_with_an_empty_side(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]], f1: float | None
) -> None:
    counts = bl.semeval_counts(gold, pred, ("ACTOR",))[None, ...]
    scores = bl.span_scores_semeval(counts, ("ACTOR",), np.zeros((0, 1)))
    assert scores["strict"]["overall"]["f1"]["value"] == f1


span_strategy = st.lists(
    st.tuples(st.sampled_from(["ACTOR", "EVENT"]), st.integers(0, 40), st.integers(1, 8)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(span_strategy, span_strategy)
def test_semeval_counts_invariants(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]]
) -> None:
    """One-to-one matching: POS = #gold, ACT = #predicted in every scheme; strict <= exact."""
    counts = bl.semeval_counts(gold, pred, ("ACTOR", "EVENT")).sum(axis=1)
    for si in range(len(bl.SCHEMES)):
        c = counts[si]
        assert c[bl.COR_G] + c[bl.INC_G] + c[bl.PAR_G] + c[bl.MIS] == len(gold)
        assert c[bl.COR_P] + c[bl.INC_P] + c[bl.PAR_P] + c[bl.SPU] == len(pred)
    strict, exact = counts[bl.SCHEMES.index("strict")], counts[bl.SCHEMES.index("exact")]
    assert strict[bl.COR_G] <= exact[bl.COR_G]


# ---------------------------------------------------------------- classification scores


def test_classification_scores_match_hand_computed_values() -> None:
    gold = ["FAVOR", "FAVOR", "AGAINST", "NONE", "NONE", "AGAINST"]
    pred = ["FAVOR", "NONE", "AGAINST", "NONE", "FAVOR", "NONE"]
    counts = bl.classification_counts(gold, pred, [0, 0, 0, 1, 1, 1], 2, bl.STANCE_VALUES)
    scores = bl.classification_scores(counts, bl.STANCE_VALUES, np.zeros((0, 2)), stance=True)
    # FAVOR: tp 1, fp 1, fn 1 -> F1 1/2; AGAINST: tp 1, fp 0, fn 1 -> 2/3; NONE: tp 1, fp 2, fn 1
    # -> 2/5.
    assert scores["per_label"]["FAVOR"]["f1"]["value"] == pytest.approx(1 / 2)
    assert scores["per_label"]["AGAINST"]["f1"]["value"] == pytest.approx(2 / 3)
    assert scores["per_label"]["NONE"]["f1"]["value"] == pytest.approx(2 / 5)
    assert scores["semeval2016_f_avg"]["value"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert scores["macro_f1"]["value"] == pytest.approx((1 / 2 + 2 / 3 + 2 / 5) / 3)
    assert scores["accuracy"]["value"] == pytest.approx(3 / 6)
    assert scores["per_label"]["AGAINST"]["precision"]["value"] == 1.0


def test_undefined_f1_is_null_with_reason() -> None:
    counts = bl.classification_counts(["NONE"], ["NONE"], [0], 1, bl.STANCE_VALUES)
    scores = bl.classification_scores(counts, bl.STANCE_VALUES, bl.bootstrap_weights(1, 50, 0))
    assert scores["per_label"]["FAVOR"]["f1"] == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "reason": "no gold and no predicted FAVOR",
    }


def test_bootstrap_interval_is_seeded_and_brackets_the_value() -> None:
    rng = np.random.default_rng(1)
    gold = list(rng.choice(bl.STANCE_VALUES, 200))
    pred = [g if rng.random() < 0.7 else "NONE" for g in gold]
    docs = [i // 10 for i in range(200)]
    counts = bl.classification_counts(gold, pred, docs, 20, bl.STANCE_VALUES)
    first = bl.classification_scores(counts, bl.STANCE_VALUES, bl.bootstrap_weights(20, 300, 7))
    again = bl.classification_scores(counts, bl.STANCE_VALUES, bl.bootstrap_weights(20, 300, 7))
    assert first == again
    macro = first["macro_f1"]
    assert macro["ci_low"] <= macro["value"] <= macro["ci_high"]
    assert macro["ci_low"] < macro["ci_high"]


# ---------------------------------------------------------------- folds


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("abcdefghij"), min_size=2, max_size=40), st.integers(2, 6))
def test_group_folds_never_split_a_cluster(groups: list[str], n_folds: int) -> None:
    if len(set(groups)) < 2:
        with pytest.raises(ModelError):
            bl.group_folds(groups, n_folds)
        return
    folds, _ = bl.group_folds(groups, n_folds)
    tested: list[int] = []
    fold_of_cluster: dict[str, int] = {}
    for k, (train, test) in enumerate(folds):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        for i in test:
            assert fold_of_cluster.setdefault(groups[i], k) == k
        tested.extend(test.tolist())
    assert sorted(tested) == list(range(len(groups)))


def test_group_folds_needs_two_clusters() -> None:
    with pytest.raises(ModelError) as info:
        bl.group_folds(["c1", "c1", "c1"], 5)
    assert str(info.value) == (
        "cross-validation needs at least 2 near-duplicate clusters; the data has 1 "
        "(3 document(s)); add documents from other stories"
    )


# ---------------------------------------------------------------- training and degenerate data


def test_one_class_stance_is_a_model_error() -> None:
    units = bl.StanceUnits(["a b", "c d"], ["NONE", "NONE"], [0, 0])
    with pytest.raises(ModelError) as info:
        bl.fit_stance(units, 0)
    assert str(info.value) == (
        "stance: the training data has one class only (NONE, 2 example(s)); need at least two "
        "classes of AGAINST, FAVOR, NONE (sentences)"
    )


def test_degenerate_models_are_skipped_with_reasons() -> None:
    text = "Blinken met Wang in Beijing."
    spans: list[dict[str, object]] = [
        {"label": "ACTOR", "start": 0, "end": 7, "attributes": {}},
        {"label": "EVENT", "start": 8, "end": 11, "attributes": {"category": "CONSULT"}},
    ]
    corpus = bl.Corpus([_doc("doc_a", "doc_a", text, spans)], "v", "", "constructed")
    models, blobs = bl.train_models(corpus)
    assert sorted(blobs) == ["tagger"]
    assert models.card["skipped"] == {
        "event": "event: the training data has one class only (CONSULT, 1 example(s)); need at "
        "least two classes of PLOVER categories (EVENT spans with a category)",
        "stance": "stance: the training data has one class only (NONE, 1 example(s)); need at "
        "least two classes of AGAINST, FAVOR, NONE (sentences)",
    }


def test_nothing_trainable_is_a_model_error() -> None:
    corpus = bl.Corpus([_doc("doc_a", "doc_a", "Quiet day.", [])], "v", "", "constructed")
    with pytest.raises(ModelError) as info:
        bl.train_models(corpus)
    assert str(info.value).startswith("constructed: no baseline could be trained: event: ")


def test_evaluate_with_one_cluster_is_a_model_error(corpus: bl.Corpus) -> None:
    one = bl.Corpus(
        [bl.Document(**{**vars(d), "cluster_id": "same"}) for d in corpus.documents[:3]],
        "v",
        "",
        "constructed",
    )
    with pytest.raises(ModelError, match="needs at least 2 near-duplicate clusters"):
        bl.evaluate_corpus(one, n_boot=10, fractions=(1.0,))


def test_evaluate_without_any_gold_span_reports_reasons(tmp_path: Path) -> None:
    corpus = bl.Corpus(
        [_doc(f"doc_{i}", f"doc_{i}", text, []) for i, text in enumerate(["Quiet day.", "Calm."])],
        "v",
        "",
        "constructed",
    )
    data = bl.evaluate_corpus(corpus, n_boot=20, fractions=(0.5, 1.0), repeats=1)
    assert data["warnings"][1] == (
        "fold 0: stance: the training data has one class only (NONE, 1 example(s)); need at least "
        "two classes of AGAINST, FAVOR, NONE (sentences) (that fold's test units got the fold's "
        "majority class)"
    )
    assert len(data["problems"]) == 6  # three models in each of two folds
    model = data["systems"]["model"]
    assert model["stance"]["semeval2016_f_avg"]["reason"] == (
        "no gold and no predicted FAVOR or AGAINST"
    )
    assert model["event"]["macro_f1"] == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "reason": "no examples",
    }
    bl.write_evaluation(tmp_path, data)  # null figures with reasons still make a report


def test_evaluation_report_on_generated_data(corpus: bl.Corpus, tmp_path: Path) -> None:
    data = bl.evaluate_corpus(corpus, folds=3, n_boot=50, fractions=(0.5, 1.0), repeats=1)
    assert data["setup"]["cv"] == "GroupKFold (3 folds over 6 clusters)"
    test_clusters = [set(f["test_clusters"]) for f in data["setup"]["folds"]]
    assert sum(len(c) for c in test_clusters) == len(set().union(*test_clusters)) == 6
    assert data["warnings"][0].startswith("Small data: 12 document(s) in 6 near-duplicate")
    model, majority = data["systems"]["model"], data["systems"]["majority"]
    strict = model["spans"]["semeval2013"]["strict"]["overall"]["f1"]
    assert strict["ci_low"] <= strict["value"] <= strict["ci_high"]
    assert majority["stance"]["semeval2016_f_avg"]["value"] == 0.0  # always NONE
    assert model["stance"]["semeval2016_f_avg"]["value"] > 0.5
    assert data["systems"]["rules"] == {"unavailable": "no rules-v1 layer in the dataset"}
    # The agreement matcher's exact score is the strict scheme under another name.
    matcher = model["spans"]["agreement_matcher"]
    assert matcher["exact"]["ALL"]["f1"]["value"] == pytest.approx(strict["value"])
    type_f1 = model["spans"]["semeval2013"]["type"]["per_label"]["ACTOR"]["f1"]["value"]
    assert matcher["overlap"]["ACTOR"]["f1"]["value"] >= type_f1 - 1e-9
    assert [p["fraction"] for p in data["learning_curves"]["tagger"]] == [0.5, 1.0]
    paths = bl.write_evaluation(tmp_path, data)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Small data" in paths["md"].read_text(encoding="utf-8")


def test_rules_layer_and_human_ceiling_are_reported(corpus: bl.Corpus) -> None:
    """A layer equal to gold scores 1 everywhere; agreement.json figures are carried over."""
    rules = {d.doc_id: d.spans for d in corpus.documents}
    agreement = {
        "annotators": ["pass-a", "pass-b"],
        "per_document": [{"doc_id": d.doc_id} for d in corpus.documents],
        "spans": {"ALL": {"f1_exact": {"value": 0.9, "ci_low": 0.8, "ci_high": 0.95}}},
        "attributes": {"STANCE.value": {"cohen_kappa": {"value": 0.7}, "attribute": "value"}},
    }
    data = bl.evaluate_corpus(
        corpus, folds=2, n_boot=20, fractions=(1.0,), rules=rules, agreement=agreement
    )
    scores = data["systems"]["rules"]
    assert scores["spans"]["semeval2013"]["strict"]["overall"]["f1"]["value"] == 1.0
    assert scores["stance"]["macro_f1"]["value"] == 1.0
    assert scores["event"]["accuracy"]["value"] == 1.0
    human = data["human"]
    assert human["coverage"] == "same documents (12)"
    assert human["attributes"] == {"STANCE.value": {"cohen_kappa": {"value": 0.7}}}
    rows = bl._summary_rows(data)
    assert rows[1][-1] == "0.900 [0.800, 0.950] (pairwise F1, exact)"


# ---------------------------------------------------------------- persistence


def test_same_data_and_seed_give_same_model_bytes(
    corpus: bl.Corpus, trained: tuple[bl.Models, dict[str, bytes]]
) -> None:
    again, blobs = bl.train_models(corpus, name="test", seed=0)
    assert blobs == trained[1]
    assert again.card["model_version"] == trained[0].card["model_version"]


def test_save_load_round_trip_predicts_the_same(
    corpus: bl.Corpus, trained: tuple[bl.Models, dict[str, bytes]], tmp_path: Path
) -> None:
    models, blobs = trained
    bl.save_models(tmp_path, models, blobs)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "attributes.json",
        "event.skops",
        "model_card.json",
        "model_card.md",
        "stance.skops",
        "tagger.skops",
    ]
    loaded = bl.load_models(tmp_path)
    assert loaded.card == json.loads(json.dumps(models.card))
    before = bl.predict_documents(models, corpus.documents)
    after = bl.predict_documents(loaded, corpus.documents)
    assert before == after
    card = (tmp_path / "model_card.md").read_text(encoding="utf-8")
    assert models.card["data_version"] in card and "skops" in card


def test_predicting_distinct_sentences_once_equals_predicting_every_sentence(
    corpus: bl.Corpus, trained: tuple[bl.Models, dict[str, bytes]]
) -> None:
    models = trained[0]
    assert models.stance is not None and models.tagger is not None
    docs = corpus.documents
    placed = [(d, s, e) for d in docs for s, e in d.sentences]
    texts = [d.text[s:e] for d, s, e in placed]
    assert len(set(texts)) < len(texts)  # the near-duplicate copies share sentences
    tokens = [tokenize(d.text, s, e) for d, s, e in placed]
    flat = iter(models.tagger.predict(hash_token_features([t.text for t in k] for k in tokens)))
    expected: dict[str, set[tuple[str, int, int]]] = {d.doc_id: set() for d in docs}
    for (d, _, _), toks in zip(placed, tokens, strict=True):
        tags = [str(next(flat)) for _ in toks]
        expected[d.doc_id].update(spans_from_tags(toks, tags))
    stance = [str(v) for v in models.stance.predict(texts)]
    assert bl.predict_stance(models.stance, texts) == stance
    assert models.event is not None
    inputs = bl.event_units(docs).inputs
    assert len({tuple(i) for i in inputs}) < len(inputs)
    every = [str(v) for v in models.event.predict(bl._event_matrix(inputs))]
    assert bl.predict_event(models.event, inputs) == every
    for (d, s, e), value in zip(placed, stance, strict=True):
        if value in bl.STANCE_TARGETS:
            expected[d.doc_id].add(("STANCE", s, e))
    got = bl.predict_documents(models, docs)
    assert {k: {(x.label, x.start, x.end) for x in v} for k, v in got.items()} == expected
    alone = {d.doc_id: bl.predict_documents(models, [d])[d.doc_id] for d in docs}
    assert alone == got


def test_event_inputs_use_the_first_sentence_holding_the_trigger(
    corpus: bl.Corpus, trained: tuple[bl.Models, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With overlapping sentences, an EVENT's input sentence is still :func:`event_inputs`'s."""
    models = trained[0]
    assert models.event is not None
    docs = [
        dataclasses.replace(d, sentences=[(d.sentences[0][0], d.sentences[2][1]), *d.sentences])
        for d in corpus.documents
    ]
    seen: list[list[tuple[str, str]]] = []

    def spy(model: Any, inputs: list[tuple[str, str]]) -> list[str]:
        seen.append(list(inputs))
        return predict_event(model, inputs)

    predict_event = bl.predict_event
    monkeypatch.setattr(bl, "predict_event", spy)
    got = bl.predict_documents(models, docs)
    events = [(d, s) for d in docs for s in got[d.doc_id] if s.label == "EVENT"]
    expected = [tuple(event_inputs(d.text, d.sentences, s.start, s.end)) for d, s in events]
    merged = [d.text[d.sentences[0][0] : d.sentences[0][1]] for d, _ in events]
    assert any(i[1] == m for i, m in zip(expected, merged, strict=True))  # the overlap matters
    assert len(seen) == 1 and set(seen[0]) == set(expected)  # repeats of a span are dropped
    assert [s.attributes["category"] for _, s in events] == predict_event(models.event, expected)


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("Taiwan ÄİChina\t\n  said,.-ß"), max_size=40),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=60, deadline=None)
def test_stance_features_equal_the_pipeline_transform_bit_for_bit(
    trained: tuple[bl.Models, dict[str, bytes]], texts: list[str]
) -> None:
    model = trained[0].stance
    assert model is not None
    got = bl.stance_features(model, texts)
    expected = model[:-1].transform(texts)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.sampled_from("warned met İ-ß,"), max_size=12),
            st.text(alphabet=st.sampled_from("Taiwan ÄİChina\t\n  warned,.-ß"), max_size=40),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=60, deadline=None)
def test_event_features_equal_the_pipeline_transform_bit_for_bit(
    trained: tuple[bl.Models, dict[str, bytes]], inputs: list[tuple[str, str]]
) -> None:
    model = trained[0].event
    assert model is not None
    got = bl.event_features(model, inputs)
    expected = model[:-1].transform(bl._event_matrix(inputs))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


def test_load_refuses_a_changed_model_file(
    trained: tuple[bl.Models, dict[str, bytes]], tmp_path: Path
) -> None:
    bl.save_models(tmp_path, *trained)
    path = tmp_path / "stance.skops"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError) as info:
        bl.load_models(tmp_path)
    assert str(info.value) == f"{path}: model file does not match the sha256 in model_card.json"


def test_load_refuses_a_changed_attribute_memory(
    trained: tuple[bl.Models, dict[str, bytes]], tmp_path: Path
) -> None:
    bl.save_models(tmp_path, *trained)
    path = tmp_path / "attributes.json"
    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        bl.load_models(tmp_path)
    assert str(info.value) == (
        f"{path}: attribute memory does not match the sha256 in model_card.json"
    )


def test_load_refuses_other_features_version(
    trained: tuple[bl.Models, dict[str, bytes]], tmp_path: Path
) -> None:
    bl.save_models(tmp_path, *trained)
    card_path = tmp_path / "model_card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["features_version"] = "0"
    card_path.write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        bl.load_models(tmp_path)
    assert str(info.value) == (
        f"{card_path}: model was trained with features version '0'; this toolkit computes "
        "version '1': retrain"
    )


def test_model_files_need_no_extra_trusted_types(
    trained: tuple[bl.Models, dict[str, bytes]],
) -> None:
    import skops.io as sio

    for blob in trained[1].values():
        assert sorted(sio.get_untrusted_types(data=blob)) == sorted(bl.TRUSTED_TYPES)


def test_canonical_skops_is_stable_and_loadable(
    trained: tuple[bl.Models, dict[str, bytes]],
) -> None:
    model = trained[0].tagger
    assert model is not None
    first = bl._dump_bytes(model)
    assert bl._dump_bytes(model) == first
    loaded = bl._load_bytes(first, Path("tagger.skops"))
    features = hash_token_features([["Blinken", "met", "Wang", "in", "Beijing"]])
    assert list(loaded.predict(features)) == list(model.predict(features))


# ---------------------------------------------------------------- prediction


def test_predict_writes_annotation_files(
    corpus: bl.Corpus, trained: tuple[bl.Models, dict[str, bytes]], tmp_path: Path
) -> None:
    models = trained[0]
    result = bl.predict_to_annotations(models, corpus, tmp_path)
    assert result.layer == "model-test"
    assert len(result.written) == len(corpus.documents)
    texts = {d.doc_id: d.text for d in corpus.documents}
    labels = set()
    for path in result.written:
        assert check_annotation_file(path, texts=texts)[1] == []
        annotation = read_annotation_file(path)
        assert path == annotation_path(tmp_path, "model-test", annotation.doc_id)
        assert annotation.source == {"kind": "model", "model_version": result.model_version}
        text = texts[annotation.doc_id]
        assert annotation.text_sha256 == sha256_text(text)
        for span in annotation.spans:
            labels.add(span.label)
            assert text[span.start : span.end] == span.text
            assert span.id == make_span_id(annotation.doc_id, span.label, span.start, span.end)
    assert labels == {"ACTOR", "EVENT", "LOCATION", "STANCE"}
    # Generated documents reuse the training quotes, so nothing is left incomplete.
    assert result.left_out == {}
    second = bl.predict_to_annotations(models, corpus, tmp_path)
    assert second.written == [] and len(second.unchanged) == len(corpus.documents)


def test_complete_spans_fills_from_memory_and_links_holders() -> None:
    text = "Blinken met Wang. Mr Nobody said Taiwan must be defended. Beijing vowed reunification."
    doc = _doc("doc_a", "doc_a", text, [])
    doc.sentences = [(0, 17), (18, 57), (58, 86)]

    def span(label: str, start: int, end: int, **attrs: str) -> Span:
        return Span(
            make_span_id("doc_a", label, start, end),
            start,
            end,
            text[start:end],
            label,
            dict(attrs),
        )

    actor = {"canonical_name": "Antony Blinken", "country": "USA", "sector": "GOV"}
    memory = {"ACTOR": {"blinken": actor}, "EVENT": {"met": {"modality": "historical"}}}
    spans = [
        span("ACTOR", 0, 7),
        span("EVENT", 8, 11, category="CONSULT"),
        span("ACTOR", 12, 16),  # "Wang": never seen in training
        span("STANCE", 0, 17, value="FAVOR"),
        span("STANCE", 18, 57, value="FAVOR"),  # its sentence has no complete ACTOR
        span("EVENT", 66, 71, category="AGREE"),  # "vowed": modality defaults
    ]
    kept, relations, left_out = bl.complete_spans(doc, spans, memory, read_taxonomy())
    assert [(s.text, s.attributes) for s in kept] == [
        ("Blinken", actor),
        ("met", {"category": "CONSULT", "modality": "historical"}),
        ("Blinken met Wang.", {"value": "FAVOR"}),
        ("vowed", {"category": "AGREE", "modality": "asserted"}),
    ]
    assert relations == [RelationLink("holder", spans[3].id, spans[0].id)]
    assert left_out == {"ACTOR": 1, "STANCE": 1}


def test_attribute_memory_takes_the_most_frequent_attributes() -> None:
    usa = {"canonical_name": "Government of the United States", "country": "USA", "sector": "GOV"}
    other = {**usa, "sector": "MIL"}
    docs = [
        _doc(
            "doc_a",
            "doc_a",
            "Washington",
            [
                {"label": "ACTOR", "text": "Washington", "start": 0, "end": 10, "attributes": a}
                for a in (usa, other, usa)
            ],
        ),
    ]
    assert bl.attribute_memory(docs) == {"ACTOR": {"washington": usa}}


def test_predictions_are_valid_label_studio_predictions(
    corpus: bl.Corpus, trained: tuple[bl.Models, dict[str, bytes]], tmp_path: Path
) -> None:
    """What `toolkit labelstudio push` checks before importing a prediction layer."""
    from label_studio_sdk.label_interface import LabelInterface

    import toolkit.labelstudio as ls

    result = bl.predict_to_annotations(trained[0], corpus, tmp_path)
    tax = read_taxonomy()
    checker = ls.PredictionChecker(LabelInterface(ls.make_label_config(tax)))
    layer = ls.read_prediction_layer(tmp_path / result.layer)
    for doc in corpus.documents:
        task = ls.TaskDocument(doc_id=doc.doc_id, text=doc.text, text_sha256=doc.text_sha256)
        predictions, problems = ls.build_predictions(task, [layer], tax, checker)
        assert problems == []
        assert predictions[result.layer]


# ---------------------------------------------------------------- reading datasets and the CLI


def test_read_corpus_keeps_only_gold_documents(dataset_dir: Path, tmp_path: Path) -> None:
    for name in ("documents.parquet", "manifest.json"):
        (tmp_path / name).write_bytes((dataset_dir / name).read_bytes())
    ids = pq.read_table(dataset_dir / "documents.parquet", columns=["doc_id"])["doc_id"]
    gold = ids.to_pylist()[:4]
    sets = pa.Table.from_pylist(
        [
            {
                "doc_id": d,
                "annotator_id": "gold",
                "status": "completed",
                "source_kind": "gold",
                "n_spans": 1,
                "text_sha256": "0" * 64,
                "codebook_version": "1.0.0",
            }
            for d in gold
        ],
        schema=annotation_sets_schema(),
    )
    pq.write_table(sets, tmp_path / "annotation_sets.parquet")
    corpus = bl.read_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == sorted(gold)
    assert len(corpus.excluded) == 8


def test_read_corpus_without_manifest_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(Exception) as info:
        bl.read_corpus(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'manifest.json'}: no manifest.json; build the dataset with `toolkit convert`"
    )


def test_cli_train_evaluate_predict(dataset_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    models = tmp_path / "models"
    result = runner.invoke(
        cli,
        [
            "baseline",
            "train",
            str(dataset_dir),
            "--out",
            str(models),
            "--folds",
            "3",
            "--bootstrap",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    card = json.loads((models / "model_card.json").read_text(encoding="utf-8"))
    assert card["scores"]["cv"] == "GroupKFold (3 folds over 6 clusters)"
    assert card["data_version"] == bl.read_corpus(dataset_dir).data_version
    report = tmp_path / "report"
    result = runner.invoke(
        cli,
        [
            "baseline",
            "evaluate",
            str(dataset_dir),
            "--out",
            str(report),
            "--folds",
            "2",
            "--bootstrap",
            "20",
            "--fractions",
            "0.5,1",
            "--repeats",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in report.iterdir()) == [
        "evaluation.html",
        "evaluation.json",
        "evaluation.md",
    ]
    out = tmp_path / "annotations"
    result = runner.invoke(
        cli,
        ["baseline", "predict", str(models), str(dataset_dir), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert len(list((out / "model-baseline").glob("*.json"))) == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fractions", "0,1"], "every fraction must be in (0, 1]"),
        (["--fractions", "half"], "give comma-separated numbers in (0, 1]"),
    ],
    ids=["zero-fraction", "not-a-number"],
)
def test_cli_evaluate_rejects_bad_fractions(
    dataset_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        cli, ["baseline", "evaluate", str(dataset_dir), "--out", str(tmp_path), *args]
    )
    assert result.exit_code == 2
    assert message in result.output


def test_cli_predict_without_model_is_exit_2(dataset_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["baseline", "predict", str(tmp_path), str(dataset_dir)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path / 'model_card.json'}: no model_card.json; train with "
        "`toolkit baseline train`\n"
    )
