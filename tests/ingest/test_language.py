"""Tests of language detection: ISO 639-1 codes from the text, none for a few letters."""

from __future__ import annotations

import pytest

from toolkit.ingest.language import MIN_LETTERS, detect_language

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
