"""Event rules: triggers, vetoes, modality; the fast paths agree with the slow ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.preannotate.events import FOLD_TRAPS
from toolkit.preannotate.lexicon import read_lexicon
from toolkit.preannotate.rules import RuleSet, default_rules
from toolkit.preannotate.sentences import split_sentences
from toolkit.taxonomy.gazetteer import default_gazetteer
from toolkit.taxonomy.labels import read_taxonomy

from .test_rules import find, spans_of


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


@pytest.mark.parametrize(
    ("text", "quote", "category"),
    [
        ("Chinese vessels harassed Philippine crews.", "harassed", "COERCE"),
        ("Japan deployed destroyers.", "deployed", "MOBILIZE"),
        ("Russia imposed a curfew.", "imposed", "SANCTION"),
        ("Iran warned Israel.", "warned", "THREATEN"),
    ],
    ids=["coerce", "mobilize", "sanction", "threaten"],
)
def test_plover_category_triggers(text: str, quote: str, category: str) -> None:
    events = [s for s in spans_of(text) if s.label == "EVENT" and s.text == quote]
    assert events and events[0].attributes["category"] == category


@pytest.mark.parametrize(
    "text",
    [
        "The Cold War ended.",
        "A trade war looms.",
        "An attack submarine docked.",
        "At a news conference.",
    ],
    ids=["cold-war", "trade-war", "weapon", "news-conference"],
)
def test_names_and_weapons_are_not_events(text: str) -> None:
    assert [s for s in spans_of(text) if s.label == "EVENT"] == []
