"""Tests of toolkit.ingest.decoding: encodings found, any bytes rejected only with InputError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import InputError
from toolkit.ingest.article import parse_article
from toolkit.ingest.decoding import decode_bytes

from .test_article import check_offsets


def test_decode_bytes_names_the_encoding() -> None:
    assert decode_bytes("Zürich".encode("utf-32"), source_path="x") == ("Zürich", "utf-32")
    assert decode_bytes(b"plain", source_path="x") == ("plain", "utf-8")


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_article_raises_only_input_error_on_any_bytes(data: bytes) -> None:
    try:
        article = parse_article(data, source_path="any")
    except InputError:
        return
    check_offsets(article)


# News sentences in the scripts the encodings below exist for (the detector needs real language).
RUSSIAN = (
    "Министр иностранных дел России заявил в понедельник, что переговоры с Китаем прошли "
    "успешно. Стороны договорились продолжить консультации в Пекине в следующем месяце."
)
GREEK = (
    "Ο υπουργός Εξωτερικών δήλωσε τη Δευτέρα ότι οι συνομιλίες με την Κίνα ήταν επιτυχείς. "
    "Οι δύο πλευρές θα συνεχίσουν τις διαβουλεύσεις τον επόμενο μήνα."
)
CHINESE_SIMPLIFIED = (
    "外交部发言人周一表示，中美双方在北京举行了会谈，双方同意继续就台湾问题保持沟通。"
)
CHINESE_TRADITIONAL = (
    "外交部發言人週一表示，中美雙方在北京舉行了會談，雙方同意繼續就台灣問題保持溝通。"
)
JAPANESE = (
    "外務省の報道官は月曜日、日中両国が北京で会談を行い、"
    "台湾問題について引き続き意思疎通を図ることで一致したと述べた。"
)

ENCODED = [
    ("windows-1251", RUSSIAN, "cp1251", {"cp1251"}),
    ("koi8-r", RUSSIAN, "koi8-r", {"koi8-r"}),
    ("iso-8859-7", GREEK, "iso8859-7", {"iso8859-7", "cp1253"}),
    ("euc-jp", JAPANESE, "euc_jp", {"euc_jp"}),
    ("gb18030", CHINESE_SIMPLIFIED, "gb18030", {"gb18030"}),
    ("big5", CHINESE_TRADITIONAL, "big5", {"big5"}),
    ("shift_jis", JAPANESE, "shift_jis", {"shift_jis", "cp932"}),
]
IDS = [e[0] for e in ENCODED]


@pytest.mark.parametrize(("label", "text", "declared", "detected"), ENCODED, ids=IDS)
def test_a_declared_charset_is_honoured(
    label: str, text: str, declared: str, detected: set[str]
) -> None:
    html = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'
    article = parse_article(html.encode(label), source_path="page.html")
    assert (article.source_encoding, article.text) == (declared, text)


@pytest.mark.parametrize(
    "label", ["windows-1251", "gb18030"], ids=["http-equiv-cp1251", "http-equiv-gb18030"]
)
def test_a_http_equiv_content_type_declaration_is_honoured(label: str) -> None:
    text = RUSSIAN if label == "windows-1251" else CHINESE_SIMPLIFIED
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
    data = f"<html><head>{head}</head><body><p>{text}</p></body></html>".encode(label)
    assert parse_article(data, source_path="page.html").text == text


@pytest.mark.parametrize(("label", "text", "declared", "detected"), ENCODED, ids=IDS)
def test_an_undeclared_non_latin_encoding_is_detected(
    label: str, text: str, declared: str, detected: set[str]
) -> None:
    decoded, encoding = decode_bytes(text.encode(label), source_path="x.txt")
    assert decoded == text
    assert encoding in detected


def test_a_wrong_declaration_falls_back_to_the_other_rules() -> None:
    data = '<meta charset="shift_jis"><p>Café “talks” – résumé.</p>'.encode("cp1252")
    assert decode_bytes(data, source_path="x.html") == (data.decode("cp1252"), "cp1252")


def test_a_latin1_declaration_means_windows_1252_as_in_browsers() -> None:
    data = '<meta charset="iso-8859-1"><p>Caf\u00e9 “talks”.</p>'.encode("cp1252")
    assert decode_bytes(data, source_path="x.html")[1] == "cp1252"


def test_mixed_utf8_and_cp1252_is_rejected_not_garbled() -> None:
    data = "Café".encode() + " naïve résumé, déjà vu à Zürich".encode("cp1252")
    with pytest.raises(InputError) as info:
        decode_bytes(data, source_path="mixed.txt")
    assert str(info.value) == (
        "mixed.txt: mixed encodings: 1 UTF-8 sequence(s) beside bytes that are not UTF-8 "
        "(first at offset 8); re-save it in one encoding (expected a news article as text or "
        "HTML in one encoding: UTF-8, UTF-16 (with BOM), the charset its <meta> declares, or one "
        "a detector recognises with confidence)"
    )
