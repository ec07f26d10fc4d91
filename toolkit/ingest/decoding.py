"""Article bytes to text: BOMs, declared charsets, UTF-8, detected scripts, Windows-1252."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from toolkit.errors import InputError

_EXPECTED = (
    "expected a news article as text or HTML in one encoding: UTF-8, UTF-16 (with BOM), "
    "the charset its <meta> declares, or one a detector recognises with confidence"
)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
_NOT_ASCII_LETTERS = bytes(b for b in range(0x100) if not chr(b).isalpha() or b >= 0x80)
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f\x80-\x9f]")
# The ASCII characters that are not binary controls: deleted from a text's bytes (in C), they
# leave the controls and the non-ASCII characters, usually a small part of the text to scan.
_ASCII_NOT_CONTROL = bytes(b for b in range(128) if not _BINARY_CONTROL.match(chr(b)))


def decode_bytes(data: bytes, *, source_path: str, declared: str | None = None) -> tuple[str, str]:
    """Decode an article's bytes and name the encoding found; InputError for binary or broken text.

    BOMs decide first (UTF-8, UTF-16, UTF-32). Without one: NUL bytes mean UTF-16 without BOM if
    they sit on every other byte, otherwise binary; then strict UTF-8; then the charset a
    ``<meta>`` or XML declaration names, if the bytes fit it; then a file that is mostly UTF-8 with
    a few bad bytes is rejected (it was damaged); then charset-normalizer's guess when it reads a
    non-Latin script (Cyrillic, Greek, Chinese, Japanese, ...); then Windows-1252 (reported as
    "latin-1" when no byte is in 0x80-0x9F, where both agree). UTF-8 sequences left over at that
    point mean mixed encodings, which are rejected: any one reading would garble the rest.
    ``declared``, a charset named outside the bytes (an HTTP or WARC Content-Type), is tried
    right after strict UTF-8 (valid UTF-8 is rarely an accident; servers often mislabel it);
    bytes that do not fit it go on to the rules above.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, encoding, source_path), encoding
    nul = data.find(b"\x00")
    if nul != -1:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise InputError(
                f"binary file: NUL byte at offset {nul}; {_EXPECTED}", path=source_path
            )
        return _decode_strict(data, utf16, source_path), utf16
    try:
        return _check_text(data.decode("utf-8"), source_path), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    outside = _codec(declared) if declared else None
    if outside is not None and outside not in _LATIN_ENCODINGS:
        try:
            return _check_text(data.decode(outside), source_path), outside
        except UnicodeDecodeError:
            pass
    in_page = _declared_text(data, source_path)
    if in_page is not None:
        return in_page
    good = _UTF8_MULTIBYTE.findall(data)
    # Without a multibyte sequence the file is not damaged UTF-8: no need to count bad bytes.
    if good and len(good) >= _high_bytes(data) - sum(len(g) for g in good):
        offset = utf8_error.start
        raise InputError(
            f"invalid UTF-8: byte 0x{data[offset]:02X} at offset {offset} in a file that is "
            f"otherwise UTF-8; re-save it in one encoding ({_EXPECTED})",
            path=source_path,
        ) from utf8_error
    detected = _detected_text(data, source_path)
    if detected is not None:
        return detected
    if good:
        # Decoding the rest as Windows-1252 would turn each UTF-8 "é" into "Ã©".
        raise InputError(
            f"mixed encodings: {len(good)} UTF-8 sequence(s) beside bytes that are not UTF-8 "
            f"(first at offset {utf8_error.start}); re-save it in one encoding ({_EXPECTED})",
            path=source_path,
        ) from utf8_error
    encoding = "cp1252" if _C1_BYTE.search(data) else "latin-1"
    return _decode_strict(data, "cp1252", source_path), encoding


_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})|"""
    rb"""<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})""",
    re.IGNORECASE,
)
# As browsers do (WHATWG Encoding): these labels mean Windows-1252, the rest their supersets.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "big5-hkscs": "big5hkscs",
}
_LATIN_ENCODINGS = frozenset({"cp1252"})
# The web's legacy encodings (WHATWG Encoding) the detector may choose from. Mac and EBCDIC code
# pages are left out: on the web they are rare, and the detector reads accented Greek as
# Mac Cyrillic when they are allowed.
_WEB_LEGACY_ENCODINGS = (
    *(f"cp{n}" for n in (1250, 1251, 1253, 1254, 1255, 1256, 1257, 1258, 866, 874)),
    *(f"iso8859_{n}" for n in (2, 4, 5, 6, 7, 8, 9, 13)),
    "koi8_r",
    "koi8_u",
    "gb18030",
    "big5",
    "euc_jp",
    "iso2022_jp",
    "cp932",
    "shift_jis",
    "euc_kr",
    "cp949",
)
_DECLARATION_BYTES = 4096


def _declared_encoding(data: bytes) -> str | None:
    """The codec a ``<meta charset>`` or XML declaration near the top names, if Python has it."""
    m = _META_CHARSET.search(data, 0, _DECLARATION_BYTES)
    if m is None:
        return None
    return _codec((m.group(1) or m.group(2)).decode("ascii"))


def _codec(label: str) -> str | None:
    """Python's codec for a charset label (WHATWG aliases applied), or None if it has none."""
    label = label.strip().strip("\"'").lower()
    try:
        return codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None


def _declared_text(data: bytes, source_path: str) -> tuple[str, str] | None:
    """Text in the declared charset; None when there is none, it is UTF-8 or Windows-1252
    (decided by the rules after this), or the bytes do not fit it (a wrong declaration)."""
    encoding = _declared_encoding(data)
    if encoding is None or encoding in _LATIN_ENCODINGS or encoding == "utf-8":
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return _check_text(text, source_path), encoding


def _high_bytes(data: bytes) -> int:
    return len(data) - len(data.translate(None, _HIGH_BYTES))


def _cannot_be_non_latin(data: bytes) -> bool:
    """True when no legacy decoding of ``data`` can be 30% non-Latin letters (no detection).

    Every legacy encoding the detector may choose reads ASCII bytes as ASCII, except inside a
    multibyte character (which takes at most one ASCII byte after each high byte) and in
    ISO-2022-JP (which needs ESC). A non-Latin letter needs a high byte, so with H high bytes
    and A ASCII letters the share is at most H / A.
    """
    letters = len(data.translate(None, _NOT_ASCII_LETTERS))
    return b"\x1b" not in data and _high_bytes(data) < 0.3 * letters


def _non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if ord(c) > 0x24F) / len(letters)


def _detected_text(data: bytes, source_path: str) -> tuple[str, str] | None:
    """Text in the encoding charset-normalizer finds, when that text is in a non-Latin script.

    Latin-script guesses are left to the Windows-1252 rule, which never garbles ASCII and
    agrees with the detector on Western text; a non-Latin script read as Windows-1252 is
    mojibake ("Ïðåçèäåíò"), which is what this step prevents.
    """
    if _cannot_be_non_latin(data):
        return None
    best = from_bytes(data, cp_isolation=list(_WEB_LEGACY_ENCODINGS)).best()
    if best is None:
        return None
    encoding = codecs.lookup(best.encoding).name
    text = str(best)
    if encoding in _LATIN_ENCODINGS or _non_latin_share(text) < 0.3:
        return None
    return _check_text(text, source_path), encoding


def _decode_strict(data: bytes, encoding: str, source_path: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"undecodable text: byte 0x{data[exc.start]:02X} at offset {exc.start} is not valid "
            f"{encoding}; {_EXPECTED}",
            path=source_path,
        ) from exc
    return _check_text(text, source_path)


def _utf16_without_bom(data: bytes) -> str | None:
    half = len(data) // 2
    if len(data) % 2 or half == 0:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.01 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.01 * half:
        return "utf-16-be"
    return None


def _check_text(text: str, source_path: str) -> str:
    rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_NOT_CONTROL)
    controls = len(_BINARY_CONTROL.findall(rest.decode("utf-8", "surrogatepass")))
    if controls * 20 > len(text):
        raise InputError(
            f"binary file: {controls} of {len(text)} characters are control characters "
            f"(more than 5%); {_EXPECTED}",
            path=source_path,
        )
    return text
