"""Tests of language detection: ISO 639-1 codes from the text, none for a few letters."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.ingest.language import (
    AUTOMATON_MEMORY,
    MIN_LETTERS,
    _detector,
    _identifier,
    detect_language,
)

TEXTS = {
    "en": "Police arrested three men after the protest outside parliament on Tuesday evening.",
    "de": "Die Polizei nahm nach dem Protest vor dem Parlament am Dienstagabend drei Männer fest.",
    "fr": "La police a arrêté trois hommes après la manifestation devant le parlement mardi soir.",
    "ru": "Полиция задержала трёх мужчин после протеста у здания парламента во вторник вечером.",
    "ar": "اعتقلت الشرطة ثلاثة رجال بعد الاحتجاج أمام البرلمان مساء الثلاثاء.",
}


@pytest.mark.parametrize(("code", "text"), TEXTS.items(), ids=TEXTS)
def test_one_news_sentence_is_enough(code: str, text: str) -> None:
    language = detect_language(text)
    assert language is not None and language.code == code
    assert 0.5 < language.confidence <= 1


def test_a_text_with_too_few_letters_has_no_language() -> None:
    assert detect_language("Xi, 12:30 — " + "a" * (MIN_LETTERS - 3)) is None


def test_a_text_with_just_enough_letters_has_a_language() -> None:
    assert detect_language("Xi, 12:30 — " + "a" * (MIN_LETTERS - 2)) is not None


SAMPLES = {
    **TEXTS,
    "empty": "",
    "one-letter": "a",
    "digits": "12 345 678",
    "upper-case": "POLICE ARRESTED THREE MEN AFTER THE PROTEST",
    "chinese": "警方在星期二晚上在议会外的抗议活动后逮捕了三名男子。",
    "emoji": "🙂 " * 40,
    "mixed": "Reuters — Полиция задержала trois hommes, اعتقلت الشرطة 2023-06-12.",
    "long": " ".join(TEXTS.values()) * 3,
}


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES)
def test_the_vectorized_walk_classifies_exactly_as_py3langid(text: str) -> None:
    assert _detector().classify(text) == _identifier().classify(text)


def test_the_automaton_forgets_its_start_after_its_memory() -> None:
    # Walk every pair of distinct states on every byte until the pairs meet.
    detector = _detector()
    rows = detector.rowbase
    pairs = (np.arange(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64))
    letters = np.arange(256, dtype=np.int64)
    steps = 0
    while len(pairs[0]):
        steps += 1
        left = detector.nextmove[(rows[pairs[0]][:, None] + letters).ravel()].astype(np.int64)
        right = detector.nextmove[(rows[pairs[1]][:, None] + letters).ravel()].astype(np.int64)
        apart = left != right
        keys = np.unique(left[apart] * len(rows) + right[apart])
        pairs = (keys // len(rows), keys % len(rows))
    assert steps == AUTOMATON_MEMORY
