"""Pre-annotator: rules fire on typical sentences, holders attach, output is valid, scoring."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.annotations.records import AnnotationFile, Span
from toolkit.annotations.validate import check_annotation_file
from toolkit.cli import cli
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.errors import InputError
from toolkit.preannotate.documents import DocumentText, preannotate_documents, read_documents
from toolkit.preannotate.events import FOLD_TRAPS
from toolkit.preannotate.lexicon import find_words, read_lexicon, trie_regex
from toolkit.preannotate.rules import LAYER, RuleSet, default_rules
from toolkit.preannotate.scores import score_against
from toolkit.preannotate.sentences import split_sentences
from toolkit.taxonomy.gazetteer import default_gazetteer
from toolkit.taxonomy.labels import read_taxonomy

from ..bench.bench_preannotate import format_benchmark, iter_bench_texts, run_benchmark

DOC = "doc_00000000000000aa"


def spans_of(text: str) -> list[Span]:
    return sorted(default_rules().annotate(DOC, text).spans, key=lambda s: s.start)


def find(spans: list[Span], label: str, quote: str) -> Span:
    hits = [s for s in spans if s.label == label and s.text == quote]
    assert hits, f"no {label} {quote!r} in {[(s.label, s.text) for s in spans]}"
    return hits[0]


def labels_of(spans: list[Span], quote: str) -> set[str]:
    return {s.label for s in spans if s.text == quote}


# ---------------------------------------------------------------- actors, places, events


def test_capital_as_subject_is_a_government_and_events_fire() -> None:
    spans = spans_of("Beijing condemned the sanctions on Monday.")
    actor = find(spans, "ACTOR", "Beijing")
    assert actor.attributes == {
        "canonical_name": "Government of China",
        "country": "CHN",
        "sector": "GOV",
    }
    condemned = find(spans, "EVENT", "condemned")
    assert condemned.attributes == {
        "category": "ACCUSE",
        "mode": "disapprove",
        "modality": "asserted",
    }
    assert find(spans, "EVENT", "sanctions").attributes["category"] == "SANCTION"


@pytest.mark.parametrize(
    ("sentence", "quote", "label"),
    [
        ("Trade officials held talks in Beijing last week.", "Beijing", "LOCATION"),
        ("The envoy arrived in Taipei on Friday.", "Taipei", "LOCATION"),
        ("Her visit to Washington drew protests.", "Washington", "LOCATION"),
        ("Washington warned of consequences.", "Washington", "ACTOR"),
        ("Tokyo and Seoul have protested.", "Tokyo", "ACTOR"),
        ("The deal angered Moscow, diplomats said.", "Moscow", "ACTOR"),
        ("Analysts discussed Taiwan at length.", "Taiwan", "LOCATION"),
        ("Both oppose Taiwan independence.", "Taiwan", "LOCATION"),
        ("Manila accused the coast guard of ramming its boat.", "Manila", "ACTOR"),
        ("Taiwan's defence ministry reported 20 aircraft.", "Taiwan", "ACTOR"),
    ],
    ids=[
        "talks-in",
        "arrived-in",
        "visit-to",
        "subject",
        "coordinated-subject",
        "object-default",
        "topic-country",
        "compound-head",
        "subject-accused",
        "possessive",
    ],
)
def test_capital_or_country_is_actor_or_location_by_context(
    sentence: str, quote: str, label: str
) -> None:
    assert labels_of(spans_of(sentence), quote) == {label}


def test_location_attributes_come_from_the_gazetteer() -> None:
    spans = spans_of("Warships sailed through the Taiwan Strait toward the South China Sea.")
    strait = find(spans, "LOCATION", "Taiwan Strait")
    assert strait.attributes == {"gazetteer_id": "local:taiwan-strait", "feature_type": "water"}
    sea = find(spans, "LOCATION", "South China Sea")
    assert default_gazetteer().get(sea.attributes["gazetteer_id"]) is not None


def test_compounds_and_modifiers_are_not_annotated() -> None:
    spans = spans_of("U.S.-China relations soured after U.S. sanctions and Sino-US talks.")
    assert not [s for s in spans if s.label in ("ACTOR", "LOCATION")]


def test_country_airspace_is_one_location() -> None:
    spans = spans_of("A balloon drifted into Japanese waters and then over U.S. airspace.")
    airspace = find(spans, "LOCATION", "U.S. airspace")
    assert airspace.attributes == {
        "gazetteer_id": "geonames:6252001",
        "country": "USA",
        "feature_type": "airspace",
    }


def test_title_and_name_are_one_span_and_bare_titles_resolve_in_the_document() -> None:
    text = (
        "The Secretary of State landed on Sunday. US Secretary of State Antony Blinken then "
        "met Chinese Foreign Minister Qin Gang. Mr Blinken said the talks were useful."
    )
    spans = spans_of(text)
    title_only = find(spans, "ACTOR", "Secretary of State")
    full = find(spans, "ACTOR", "US Secretary of State Antony Blinken")
    mr = find(spans, "ACTOR", "Mr Blinken")
    for span in (title_only, full, mr):
        assert span.attributes["canonical_name"] == "Antony Blinken"
        assert span.attributes["wikidata_id"] == "Q4773949"
    assert find(spans, "ACTOR", "Chinese Foreign Minister Qin Gang").attributes["country"] == "CHN"
    assert find(spans, "EVENT", "met").attributes["category"] == "CONSULT"


def test_apposition_and_possessive_title_link_to_the_named_person() -> None:
    spans = spans_of("He met Wang Yi, China's top diplomat, and later Wang spoke to reporters.")
    assert find(spans, "ACTOR", "China's top diplomat").attributes["canonical_name"] == "Wang Yi"
    assert find(spans, "ACTOR", "Wang").attributes["canonical_name"] == "Wang Yi"


def test_unknown_titled_person_and_groups() -> None:
    spans = spans_of(
        "Philippine President Rodrigo Alvarez met Japanese officials after Chinese warships "
        "patrolled nearby."
    )
    person = find(spans, "ACTOR", "Philippine President Rodrigo Alvarez")
    assert person.attributes == {
        "canonical_name": "Rodrigo Alvarez",
        "country": "PHL",
        "sector": "GOV",
    }
    assert find(spans, "ACTOR", "Japanese officials").attributes["canonical_name"] == (
        "Government of Japan"
    )
    assert find(spans, "ACTOR", "Chinese warships").attributes["sector"] == "MIL"
    assert find(spans, "EVENT", "met").attributes["category"] == "CONSULT"


def test_pronouns_and_lowercase_groups_without_country_are_not_actors() -> None:
    spans = spans_of("They said officials would respond, and he agreed.")
    assert [s for s in spans if s.label == "ACTOR"] == []


@pytest.mark.parametrize(
    ("sentence", "trigger", "category", "modality"),
    [
        ("The two sides did not sign any agreement.", "agreement", "AGREE", "negated"),
        ("Beijing refused to rule out an invasion.", "refused to rule out", "THREATEN", "asserted"),
        ("Tokyo declined the request.", "declined", "REJECT", "asserted"),
        ("The president will visit Manila next month.", "visit", "CONSULT", "future"),
        ("Analysts said Beijing could attack the island.", "attack", "ASSAULT", "hypothetical"),
        ("In 2019, the leaders met in Osaka.", "met", "CONSULT", "historical"),
        ("Coast guard vessels detained two fishermen.", "detained", "COERCE", "asserted"),
        ("Seoul shot down a drone.", "shot down", "ASSAULT", "asserted"),
    ],
    ids=[
        "negated",
        "threaten",
        "reject",
        "future",
        "hypothetical",
        "historical",
        "coerce",
        "assault",
    ],
)
def test_event_triggers_category_and_modality(
    sentence: str, trigger: str, category: str, modality: str
) -> None:
    event = find(spans_of(sentence), "EVENT", trigger)
    assert (event.attributes["category"], event.attributes["modality"]) == (category, modality)


def test_cues_scope_only_to_the_next_trigger() -> None:
    spans = spans_of("The envoy failed to reach an agreement during the visit.")
    assert find(spans, "EVENT", "agreement").attributes["modality"] == "negated"
    assert find(spans, "EVENT", "visit").attributes["modality"] == "asserted"


# ---------------------------------------------------------------- stance and holders


def holder_of(text: str, stance_quote: str) -> tuple[Span, Span]:
    result = default_rules().annotate(DOC, text)
    by_id = {s.id: s for s in result.spans}
    stance = find(result.spans, "STANCE", stance_quote)
    links = [r for r in result.relations if r.from_id == stance.id]
    assert len(links) == 1 and links[0].type == "holder"
    return stance, by_id[links[0].to_id]


def test_prc_formula_is_against_with_the_speaker_as_holder() -> None:
    stance, holder = holder_of(
        "Taiwan is an inalienable part of China, Chinese Foreign Minister Wang Yi said.",
        "Taiwan is an inalienable part of China",
    )
    assert stance.attributes == {"value": "AGAINST", "facet": "UNIFICATION"}
    assert holder.text == "Chinese Foreign Minister Wang Yi"


def test_us_formula_is_none_status_quo_with_the_quoted_body_as_holder() -> None:
    stance, holder = holder_of(
        "The State Department said that the United States does not support Taiwan independence.",
        "the United States does not support Taiwan independence",
    )
    assert stance.attributes == {"value": "NONE", "facet": "STATUS_QUO"}
    assert holder.text == "State Department"


def test_defence_pledge_is_favor_and_speaker_clause_is_excluded() -> None:
    stance, holder = holder_of(
        "US President Joe Biden said Washington would defend Taiwan if it were attacked.",
        "Washington would defend Taiwan if it were attacked",
    )
    assert stance.attributes == {"value": "FAVOR", "facet": "STATUS_QUO"}
    assert holder.attributes["canonical_name"] == "Joe Biden"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Beijing firmly opposes Taiwan independence.", "AGAINST"),
        ("Tokyo opposes Taiwan independence, Japanese officials said.", "NONE"),
    ],
    ids=["prc-holder", "other-holder"],
)
def test_opposing_independence_depends_on_the_holder(text: str, value: str) -> None:
    result = default_rules().annotate(DOC, text)
    (stance,) = [s for s in result.spans if s.label == "STANCE"]
    assert stance.attributes["value"] == value


def test_negated_support_for_independence_is_not_favor() -> None:
    result = default_rules().annotate(DOC, "Washington did not support Taiwan independence.")
    values = [s.attributes["value"] for s in result.spans if s.label == "STANCE"]
    assert values == ["NONE"]


def test_stance_without_any_actor_is_dropped() -> None:
    result = default_rules().annotate(DOC, "There is no room for compromise on the matter.")
    assert [s for s in result.spans if s.label == "STANCE"] == []


# ---------------------------------------------------------------- invariants


FRAGMENTS = [
    "Beijing condemned the sanctions.",
    "Talks in Washington ended without a deal.",
    "Chinese President Xi Jinping said reunification is inevitable.",
    "The US does not support Taiwan independence, officials said.",
    "“There is no room for compromise,” Wang Yi told reporters.",
    "Japanese warships patrolled the East China Sea.",
    "Mr Xi hailed the summit in Bali, Indonesia.",
    "Taipei's leaders rejected the demand.",
    "U.S.-China ties remain tense over Taiwan.",
    "Éric met François in Zürich — naïve café talk.",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8), st.sampled_from([" ", "\n\n"]))
def test_spans_slice_to_their_quotes_and_never_overlap(parts: list[str], sep: str) -> None:
    text = sep.join(parts)
    result = default_rules().annotate(DOC, text)
    flat = sorted((s for s in result.spans if s.label != "STANCE"), key=lambda s: s.start)
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip()
        assert span.id == make_span_id(DOC, span.label, span.start, span.end)
    for a, b in itertools.pairwise(flat):
        assert a.end <= b.start
    ids = {s.id for s in result.spans}
    stances = [s.id for s in result.spans if s.label == "STANCE"]
    assert sorted(r.from_id for r in result.relations) == sorted(stances)
    actors = {s.id for s in result.spans if s.label == "ACTOR"}
    assert all(r.to_id in actors and r.from_id in ids for r in result.relations)


def test_attributes_are_valid_for_the_taxonomy() -> None:
    taxonomy = read_taxonomy()
    for span in spans_of(" ".join(FRAGMENTS)):
        assert taxonomy.check_attributes(span.label, span.attributes) == [], span


def test_output_is_deterministic_and_validates(tmp_path: Path) -> None:
    text = " ".join(FRAGMENTS)
    docs = [DocumentText(DOC, text, sha256_text(text))]
    assert preannotate_documents(docs, tmp_path) == (1, 0)
    path = tmp_path / LAYER / f"{DOC}.json"
    first = path.read_bytes()
    assert preannotate_documents(docs, tmp_path) == (0, 1)
    assert path.read_bytes() == first
    parsed, problems = check_annotation_file(path, texts={DOC: text})
    assert problems == []
    assert parsed is not None and parsed.annotator_id == LAYER
    doc = json.loads(first)
    assert doc["source"] == {"kind": "rules", "name": "geoevent-rules", "version": "1.0.0"}
    assert doc["codebook_version"] == read_taxonomy().codebook_version


def test_sentence_splitter_keeps_abbreviations_inside_sentences() -> None:
    text = "The U.S. envoy left. Talks resume soon.\nNext line"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "The U.S. envoy left.",
        "Talks resume soon.",
        "Next line",
    ]


@given(st.sets(st.text(alphabet="ab.-( ", min_size=1, max_size=5), min_size=1, max_size=8))
def test_trie_regex_matches_exactly_the_words(words: set[str]) -> None:
    pattern = re.compile(trie_regex(words))
    for word in words:
        assert pattern.fullmatch(word)
    assert pattern.fullmatch("zzz") is None


# ---------------------------------------------------------------- errors


def test_missing_dataset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_documents(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'documents.parquet'}: documents.parquet not found; "
        "build the dataset with `toolkit convert`"
    )


def test_dataset_without_text_column_is_a_clear_error(tmp_path: Path) -> None:
    pq.write_table(pa.table({"doc_id": [DOC]}), tmp_path / "documents.parquet")
    with pytest.raises(InputError) as info:
        read_documents(tmp_path)
    assert str(info.value).endswith(
        "missing column(s) text, text_sha256; need doc_id, text, text_sha256"
    )


def test_bad_lexicon_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_lexicon(path)
    assert str(info.value) == f"{path}: lexicon lacks key 'version'"
    lexicon = read_lexicon()
    lexicon["people"] = [
        {"names": ["A B"], "canonical_name": "A B", "country": "XXX", "sector": "GOV"}
    ]
    with pytest.raises(InputError) as err:
        RuleSet(lexicon, default_gazetteer(), read_taxonomy())
    assert str(err.value) == "lexicon entry 'A B' has country 'XXX', not in the taxonomy"


# ---------------------------------------------------------------- dataset, CLI and scoring


def write_dataset(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "doc_id": list(docs),
            "text": list(docs.values()),
            "text_sha256": [sha256_text(t) for t in docs.values()],
        }
    )
    pq.write_table(table, folder / "documents.parquet")


def gold_file(doc_id: str, text: str, spans: list[tuple[str, str]]) -> AnnotationFile:
    out = []
    for label, quote in spans:
        start = text.index(quote)
        out.append(
            Span(
                make_span_id(doc_id, label, start, start + len(quote)),
                start,
                start + len(quote),
                quote,
                label,
                {},
            )
        )
    return AnnotationFile(doc_id, sha256_text(text), "gold", "1.0.0", spans=out)


def test_cli_preannotate_then_score(tmp_path: Path) -> None:
    text = "Beijing condemned the sanctions. Talks in Washington ended."
    dataset = tmp_path / "dataset"
    write_dataset(dataset, {DOC: text})
    annotations = tmp_path / "annotations"
    runner = CliRunner()
    result = runner.invoke(cli, ["preannotate", str(dataset), "--out", str(annotations)])
    assert result.exit_code == 0, result.output
    assert result.output == "rules-v1: 1 file(s) written, 0 unchanged.\n"
    from toolkit.annotations.records import write_annotation_file

    gold = gold_file(
        DOC, text, [("ACTOR", "Beijing"), ("EVENT", "condemned"), ("LOCATION", "Washington ended")]
    )
    write_annotation_file(annotations / "gold" / f"{DOC}.json", gold)
    result = runner.invoke(
        cli, ["preannotate", "score", str(dataset), "--annotations", str(annotations)]
    )
    assert result.exit_code == 0, result.output
    scores: dict[str, Any] = json.loads((dataset / "preannotation_scores.json").read_text())
    exact = {row["label"]: row for row in scores["exact"]}
    overlap = {row["label"]: row for row in scores["overlap"]}
    assert (exact["ACTOR"]["tp"], exact["ACTOR"]["fp"], exact["ACTOR"]["fn"]) == (1, 0, 0)
    assert (exact["LOCATION"]["tp"], exact["LOCATION"]["fn"]) == (0, 1)
    assert overlap["LOCATION"]["tp"] == 1
    assert (exact["EVENT"]["tp"], exact["EVENT"]["fp"]) == (1, 2)  # sanctions, Talks
    md = (dataset / "preannotation_scores.md").read_text()
    assert "| LOCATION | 0 | 1 | 1 | 0.000 | 0.000 | 0.000 |" in md


def test_score_against_counts_per_label() -> None:
    gold = [
        {"doc_id": "d", "label": "ACTOR", "start": 0, "end": 5},
        {"doc_id": "d", "label": "EVENT", "start": 10, "end": 15},
    ]
    pred = [
        {"doc_id": "d", "label": "ACTOR", "start": 0, "end": 5},
        {"doc_id": "d", "label": "EVENT", "start": 12, "end": 18},
        {"doc_id": "other", "label": "EVENT", "start": 0, "end": 3},  # not in gold: ignored
    ]
    scores = score_against(pred, gold)
    exact = {r["label"]: r for r in scores["exact"]}
    overlap = {r["label"]: r for r in scores["overlap"]}
    assert (exact["EVENT"]["tp"], exact["EVENT"]["fp"], exact["EVENT"]["fn"]) == (0, 1, 1)
    assert overlap["EVENT"]["f1"] == 1.0
    assert exact["ACTOR"]["f1"] == 1.0


def test_cli_gazetteer_and_codebook_commands() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["gazetteer", "lookup", "Taiwan Strait"])
    assert result.exit_code == 0
    assert result.output == "local:taiwan-strait\tTaiwan Strait\t-\twater\t-\n"
    result = runner.invoke(cli, ["gazetteer", "lookup", "Nowhereland"])
    assert result.exit_code == 1
    assert "no gazetteer entry called 'Nowhereland'" in result.output
    result = runner.invoke(cli, ["codebook", "--check"])
    assert result.exit_code == 0, result.output


def test_benchmark_reports_rates() -> None:
    result = run_benchmark(["Beijing condemned the sanctions.\nTalks in Washington."], n_docs=20)
    assert result["n_docs"] == 20
    assert result["articles_per_s"] > 0 and result["floor_articles_per_s"] > 0
    assert result["scan_articles_per_s"] > result["articles_per_s"]
    assert "lexicon scan alone" in format_benchmark(result)
    assert result["spans_per_doc"] >= 4
    assert len(list(iter_bench_texts(["a\nb"], 3))) == 3


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("Officials examined an alleged spy drone.", "alleged"),
        ("When asked about tariffs, the minister smiled.", "asked"),
        ("She was asked by reporters about the drills.", "asked"),
    ],
    ids=["adjective", "when-asked", "asked-by"],
)
def test_event_vetoes_from_the_neighbouring_word(sentence: str, word: str) -> None:
    assert word not in {s.text for s in spans_of(sentence) if s.label == "EVENT"}


def test_one_china_formula_is_not_a_place_or_actor() -> None:
    spans = spans_of("Officials said the one China policy had not changed.")
    assert labels_of(spans, "China") == set()


# ---------------------------------------------------------------- fast paths match the slow ones


@given(
    st.sets(st.sampled_from(["Xi", "Xie", "Li", "Li Qiang", "Wang Yi", "Wang"]), min_size=1),
    st.lists(
        st.sampled_from(["Xi", "Xie", "Li", "Qiang", "Wang", "Yi", " ", "-", "'an", "’s", "_"])
    ).map("".join),
)
def test_find_words_matches_the_boundary_regex(words: set[str], text: str) -> None:
    regex = re.compile(rf"(?<![\w-])(?:{trie_regex(words)})(?![\w])(?!['’][a-rt-z])")
    assert find_words(text, words) == [m.span() for m in regex.finditer(text)]


def test_fold_traps_are_every_non_ascii_match_of_an_ascii_letter() -> None:
    every = "".join(chr(c) for c in range(128, 0x110000) if not 0xD800 <= c < 0xE000)
    assert set(re.findall("[a-z0-9]", every, re.IGNORECASE)) == set(FOLD_TRAPS)


SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(Path("seeds").glob("*.txt"))]
SEED_SENTENCES = [(t, s) for t in SEED_TEXTS for s in split_sentences(t)]
HISTORY_SAMPLES = [
    "It began in 2019 and ended.",
    "Talks were held LAST YEAR.",
    "The former envoy spoke.",
    "Since March the drills grew.",
    "He met her in May.",
    "They may meet.",
    "in 2020x and In 1999",
    "ſince 2020, drills.",
    "Tests in 2020",
]


@pytest.mark.parametrize(
    ("text", "sent"),
    [*SEED_SENTENCES, *((t, (0, len(t))) for t in HISTORY_SAMPLES)],
    ids=[f"seed-{i}" for i in range(len(SEED_SENTENCES))]
    + [f"sample-{i}" for i in range(len(HISTORY_SAMPLES))],
)
def test_history_key_prefilter_agrees_with_the_regexes(text: str, sent: tuple[int, int]) -> None:
    rules = default_rules()
    keys = rules._history_keys_in(text)
    assert rules._is_historical(text, sent, keys) == rules._is_historical(text, sent)


def test_history_keys_are_not_used_on_texts_with_fold_traps() -> None:
    assert default_rules()._history_keys_in("ſince 2020") is None


@given(
    st.lists(
        st.sampled_from(["not ", "no", "if ", "will ", "may", "plan to ", "planned", "x", "-", " "])
    ).map("".join)
)
def test_one_modality_regex_finds_what_the_grouped_regex_finds(text: str) -> None:
    rules = default_rules()
    assert rules._modality_any_re is not None
    fast = rules._modality(text, len(text), (0, len(text)), 0)
    slow_found = {
        m.lastgroup for m in rules._modality_cue_re.finditer(text, max(0, len(text) - 50))
    }
    slow = next((g for g in ("negated", "hypothetical", "future") if g in slow_found), None)
    assert fast == slow


def test_modality_cue_that_prefixes_another_group_falls_back_to_the_grouped_regex() -> None:
    lexicon = read_lexicon()
    lexicon["modality_cues"] = {"negated": ["no"], "hypothetical": ["now"], "future": ["will"]}
    rules = RuleSet(lexicon, default_gazetteer(), read_taxonomy())
    assert rules._modality_any_re is None
    assert rules._modality("now they will", 13, (0, 13), 0) == "hypothetical"


def test_scores_say_they_are_in_sample(tmp_path):
    from toolkit.preannotate.scores import IN_SAMPLE_CAVEAT, render_scores_markdown, score_layers

    scores = score_layers(tmp_path)
    assert scores["caveat"] == IN_SAMPLE_CAVEAT
    assert f"**Caveat.** {IN_SAMPLE_CAVEAT}" in render_scores_markdown(scores)
