"""Article bytes to text: BOMs, UTF-16 without BOM, strict UTF-8, Windows-1252; binary rejected."""

from __future__ import annotations

import codecs
import re

from toolkit.errors import InputError

_EXPECTED = "expected a news article as text or HTML in UTF-8, UTF-16 (with BOM) or Windows-1252"


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
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f\x80-\x9f]")


def decode_bytes(data: bytes, *, source_path: str) -> tuple[str, str]:
    """Decode an article's bytes and name the encoding found; InputError for binary or broken text.

    BOMs decide first (UTF-8, UTF-16, UTF-32). Without one: NUL bytes mean UTF-16 without BOM if
    they sit on every other byte, otherwise binary; then strict UTF-8; then, for files with no
    UTF-8 multibyte sequence, Windows-1252 (reported as "latin-1" when no byte is in 0x80-0x9F,
    where both agree). A file that is mostly UTF-8 with a few bad bytes is rejected rather than
    guessed: it was damaged, and any guess would put wrong characters into the text.
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
    good = _UTF8_MULTIBYTE.findall(data)
    # Without a multibyte sequence the file is not damaged UTF-8: no need to count bad bytes.
    if good and len(good) >= len(_HIGH_BYTE.findall(data)) - sum(len(g) for g in good):
        offset = utf8_error.start
        raise InputError(
            f"invalid UTF-8: byte 0x{data[offset]:02X} at offset {offset} in a file that is "
            f"otherwise UTF-8; re-save it in one encoding ({_EXPECTED})",
            path=source_path,
        ) from utf8_error
    encoding = "cp1252" if _C1_BYTE.search(data) else "latin-1"
    return _decode_strict(data, "cp1252", source_path), encoding


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
    controls = len(_BINARY_CONTROL.findall(text))
    if controls * 20 > len(text):
        raise InputError(
            f"binary file: {controls} of {len(text)} characters are control characters "
            f"(more than 5%); {_EXPECTED}",
            path=source_path,
        )
    return text
