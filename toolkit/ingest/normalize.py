"""Text normalization, sentence splitting and near-duplicate detection (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

import numpy as np


def _words(text: str) -> frozenset[str]:
    """The space-separated words of a literal (keeps long word lists compact)."""
    return frozenset(text.split())


# ------------------------------------------------------------------ normalize_text

# Line separators other than LF (CR and CRLF are handled first). U+2029 ends a paragraph.
_LINE_SEPARATORS = ("\x0b", "\x0c", "\x85", "\u2028")
# Every other character that str.isspace() (and regex \s) accepts; each becomes a plain space.
_OTHER_SPACES = (
    "\t\x1c\x1d\x1e\x1f\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u202f\u205f\u3000"
)
# C0/C1 controls (not tab, newline, or the \x1c-\x1f separators, which are whitespace and become
# spaces), lone surrogates and Unicode noncharacters. U+FDD0/U+FDD1 are noncharacters too: ingest
# uses them internally as link markers, so they can never come from the input.
_CONTROLS = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_CONTROLS_KEEP_MARKERS = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd2-\ufdef\ufffe\uffff]"
)
_BIDI_CHARS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{_BIDI_CHARS}]")
_RTL_LETTER = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdcf\ufdf0-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
# Every character some pass below acts on, except CR, LF and the plain space.
_SPECIAL = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\xa0\xad\u061c\u1680\u2000-\u200f\u2028-\u202f"
    "\u205f-\u2064\u2066-\u2069\u3000\ud800-\udfff\ufdd0-\ufdef\ufeff\ufffe\uffff]"
)
# A visible non-ASCII character: the context in which ZWJ/ZWNJ do something (emoji sequences,
# Indic conjuncts, Persian/Arabic joining). Whitespace, format characters and markers do not count.
_VISIBLE_NON_ASCII = f"[^\\x00-\\x7f\\s{_INVISIBLE_CHARS}{_BIDI_CHARS}\ufdd0\ufdd1]"
# Always invisible noise: ZWSP, word joiner, invisible operators, BOM/ZWNBSP, soft hyphen.
# ZWJ/ZWNJ: removed unless both neighbours are visible non-ASCII characters.
_INVISIBLE = re.compile(
    "[\u200b\u2060-\u2064\ufeff\u00ad]"
    f"|(?<!{_VISIBLE_NON_ASCII})[\u200c\u200d]"
    f"|[\u200c\u200d](?!{_VISIBLE_NON_ASCII})"
)
# Where a line may continue on the next one: it does not end in sentence punctuation.
_LINE_END_STOPS = frozenset('.!?…:;"”’)]')

LINK_OPEN = "\ufdd0"
"""Internal marker (a Unicode noncharacter) put before a link's anchor text by ingest."""
LINK_CLOSE = "\ufdd1"
"""Internal marker put after a link's anchor text by ingest."""


def normalize_text(text: str) -> str:
    """Normalize text: NFC, no invisible noise, single spaces, paragraphs split by a blank line.

    What is removed, and why it is safe:

    - controls (C0 except tab/newline, C1), lone surrogates and noncharacters: never text;
    - ZWSP, word joiner, BOM/ZWNBSP, soft hyphen, invisible operators: invisible, and they break
      exact matching of words;
    - ZWJ and ZWNJ only where they sit next to ASCII, whitespace or another format character: they
      are kept between two visible non-ASCII characters (emoji ZWJ sequences such as 👩‍💻, Indic
      conjuncts, Persian ZWNJ), where they change what is shown;
    - bidi marks and embeddings (LRM, RLM, ALM, LRE..RLO, LRI..PDI) only on lines without any
      right-to-left letter, where they cannot change the display order; lines with Hebrew,
      Arabic etc. keep them.

    Every whitespace character other than a newline becomes a space, and runs of spaces one space.
    Every line break ends a paragraph (paragraphs are joined by exactly ``"\\n\\n"``), except a
    hard wrap: a line not ending in sentence punctuation followed by a line starting with a
    lower-case ASCII letter. The function is idempotent.
    """
    return _normalize(text, markers=False)


def normalize_with_link_markers(text: str) -> str:
    """normalize_text for ingest: LINK_OPEN/LINK_CLOSE survive and never touch whitespace."""
    return _normalize(text, markers=True)


def _normalize(text: str, *, markers: bool) -> str:
    """normalize_text; with ``markers`` the link markers survive and never touch whitespace.

    Written for speed on large inputs: one regex scan finds which rare characters occur, passes
    for absent ones are skipped, and plain ``str`` methods do most of the work.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One scan tells which of the rarer characters occur; passes for absent ones are skipped.
    present = set(_SPECIAL.findall(text))
    for sep in _LINE_SEPARATORS:
        if sep in present:
            text = text.replace(sep, "\n")
    if "\u2029" in present:
        text = text.replace("\u2029", "\n\n")
    controls = _CONTROLS_KEEP_MARKERS if markers else _CONTROLS
    if any(controls.match(ch) for ch in present):
        text = controls.sub("", text)
    if not text.isascii():
        # NFC first: ZWJ/ZWNJ are judged by their neighbours in normalized form.
        text = _nfc(text)
        removed = False
        if not present.isdisjoint(_INVISIBLE_CHARS):
            text = _INVISIBLE.sub("", text)
            removed = True
        if not present.isdisjoint(_BIDI_CHARS):
            text = "\n".join(
                _BIDI.sub("", line) if _BIDI.search(line) and not _RTL_LETTER.search(line) else line
                for line in text.split("\n")
            )
            removed = True
        if removed:  # a base letter may now stand next to its combining mark
            text = _nfc(text)
    if markers:
        text = _move_space_out_of_links(text)
    for space in _OTHER_SPACES:
        if space in present:
            text = text.replace(space, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    paragraphs: list[list[str]] = []
    joinable = False
    for line in text.split("\n"):
        line = line.strip(" ")
        if not line:
            joinable = False
            continue
        head = line[1] if line[0] == LINK_OPEN and len(line) > 1 else line[0]
        if joinable and "a" <= head <= "z":
            paragraphs[-1].append(line)  # a hard-wrapped line continues the paragraph
        else:
            paragraphs.append([line])
        tail = line[-2] if line[-1] == LINK_CLOSE and len(line) > 1 else line[-1]
        joinable = tail not in _LINE_END_STOPS and tail not in (LINK_OPEN, LINK_CLOSE)
    return "\n\n".join(lines[0] if len(lines) == 1 else " ".join(lines) for lines in paragraphs)


def _move_space_out_of_links(text: str) -> str:
    """Put whitespace next to a link marker outside the link, so runs of spaces stay unbroken."""
    if LINK_OPEN in text:
        pieces = text.split(LINK_OPEN)
        for k in range(1, len(pieces)):
            body = pieces[k].lstrip()
            if len(body) != len(pieces[k]):
                pieces[k - 1] += pieces[k][: len(pieces[k]) - len(body)]
                pieces[k] = body
        text = LINK_OPEN.join(pieces)
    if LINK_CLOSE in text:
        pieces = text.split(LINK_CLOSE)
        for k in range(len(pieces) - 1):
            body = pieces[k].rstrip()
            if len(body) != len(pieces[k]):
                pieces[k + 1] = pieces[k][len(body) :] + pieces[k + 1]
                pieces[k] = body
        text = LINK_CLOSE.join(pieces)
    return text


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# ------------------------------------------------------------------ sentences

_NON_SPACE = re.compile(r"\S")
# One scan finds both paragraph breaks and sentence-final punctuation (with the closing quotes
# and brackets that belong to the sentence). Starting with one character class lets the regex
# engine skip ahead fast; the lookbehinds tell the two cases apart.
_EVENTS = re.compile("[\n.!?…](?:(?<=\n)\\s*\n|(?<!\n)[.!?…]*[\"'”’»)\\]]*(?=\\s))")
# The next token in the same paragraph (the whitespace holds at most one newline).
_NEXT_TOKEN = re.compile(r"[^\S\n]*\n?[^\S\n]*(\S+)")
# The rest of a paragraph is one parenthetical without sentence punctuation: a photo credit such
# as "(Leah Millis/Reuters)" belongs to the sentence before it.
_TRAILING_PAREN = re.compile("\\([^().!?\\n]{1,100}\\)[\"'”’]?[^\\S\\n]*(?:\\n\\s*\\n|\\s*\\Z)")
_OPENERS = "\"'“‘«([{"

# Abbreviations that are (almost) never the last word of a sentence.
_NEVER_FINAL = _words(
    "Mr Mrs Ms Mx Dr Prof Sen Sens Rep Reps Gov Gen Lt Col Maj Capt Cmdr Adm Sgt Cpl Pte Rev "
    "Hon Pres Fr Messrs Mme Mlle Mt Ft St Gens v vs e.g i.e cf approx incl ca viz"
)
# Abbreviations that do not end a sentence when a number follows ("No. 1", "Jan. 5", "p. 12").
_BEFORE_NUMBER = _words(
    "No Nos no Art art Vol vol Fig fig pp p para ch sec Sec Jan Feb Mar Apr Jun Jul Aug Sep "
    "Sept Oct Nov Dec"
)
# After a dotted acronym ("U.S.", "p.m."), only these words start a new sentence.
_SENTENCE_STARTERS = _words(
    "The A An He She It They We I You But And In On At This That These Those There His Her Its "
    "Their Our After Before When While However Meanwhile Still Yet So Some Many Most If As Mr "
    "Ms Mrs Dr"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Half-open code-point ranges of the sentences of ``text`` (rule-based, English).

    A sentence never crosses a paragraph break (a blank line); ranges exclude surrounding
    whitespace and cover every non-space character. Handles titles ("Mr.", "Dr."), initials,
    dotted acronyms ("U.S."), decimals, closing quotes after the full stop, and a trailing
    photo credit in parentheses.
    """
    spans: list[tuple[int, int]] = []
    first = _NON_SPACE.search(text)
    if first is None:
        return spans
    start = first.start()
    for event in _EVENTS.finditer(text, start):
        at = event.start()
        if text[at] == "\n":
            while at > start and text[at - 1].isspace():
                at -= 1
            if at > start:
                spans.append((start, at))
            resume = _NON_SPACE.search(text, event.end())
            if resume is None:
                return spans
            start = resume.start()
            continue
        nxt = _NEXT_TOKEN.match(text, event.end())
        if nxt is not None and _is_boundary(text, start, event, nxt):
            spans.append((start, event.end()))
            start = nxt.start(1)
    end = len(text)
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
    return spans


def _is_boundary(text: str, start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
    token = nxt.group(1)
    first = token.lstrip(_OPENERS)[:1] or token[0]
    if first.islower():
        return False
    if token[0] == "(" and _TRAILING_PAREN.match(text, nxt.start(1)):
        return False
    if m.group() != ".":
        return True
    # The word the full stop ends (at most 40 characters back): split() and isspace() agree on
    # what whitespace is, and a full stop right after whitespace ends no word.
    before = text[max(start, m.start() - 40) : m.start()]
    word = "" if not before or before[-1].isspace() else before.rsplit(None, 1)[-1]
    word = word.lstrip(_OPENERS)
    if word in _NEVER_FINAL:
        return False
    if word in _BEFORE_NUMBER and first.isdigit():
        return False
    if len(word) == 1 and word.isupper():
        return not first.isupper()  # an initial: "George W. Bush"
    if "." in word and word.replace(".", "").isalpha():
        return token.lstrip(_OPENERS) in _SENTENCE_STARTERS
    return True


# ------------------------------------------------------------------ sentence keys

_KEY_MAP: dict[str, str] = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
}


def _fold(text: str) -> str:
    """NFKC, casefold, one kind of quote and dash (spaces untouched)."""
    key = unicodedata.normalize("NFKC", text).casefold()
    # str.translate looks every character up in a dict; replacing only the quote and dash
    # characters that occur is several times faster and gives the same string. A substring
    # test per mapped character is a fast scan, ten times faster than a regex character class.
    for ch, replacement in _KEY_MAP.items():
        if ch in key:
            key = key.replace(ch, replacement)
    return key


def sentence_key(text: str) -> str:
    """A sentence's matching key: NFKC, casefolded, one kind of quote and dash, single spaces."""
    return " ".join(_fold(text).split())


def sentence_keys(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """``sentence_key`` of each ``text[start:end]``, folded in one pass over the sentences."""
    pieces = [text[start:end] for start, end in spans]
    joined = "\n".join(pieces)
    # No character folds into a newline, and a newline never composes with its neighbours, so
    # the joined text folds piece by piece; a newline inside a sentence needs the slow path.
    if joined.count("\n") != len(pieces) - 1:
        return [sentence_key(piece) for piece in pieces]
    if not pieces:
        return []
    folded = _fold(joined)
    keys = folded.split("\n")
    # Sentences of normalized text rarely need their spaces collapsed; a few substring tests
    # over the whole text are cheaper than splitting and joining every sentence.
    if not _single_spaced(folded):
        keys = [" ".join(key.split()) for key in keys]
    return keys


_UNUSUAL_SPACES = (*_OTHER_SPACES, *_LINE_SEPARATORS, "\r", "\u2029")
"""Every whitespace character but the plain space and the newline."""


def _single_spaced(text: str) -> bool:
    """Whether each line of ``text`` equals ``" ".join(line.split())``."""
    return not (
        "  " in text
        or " \n" in text
        or "\n " in text
        or text[:1] == " "
        or text[-1:] == " "
        or any(space in text for space in _UNUSUAL_SPACES)
    )


# ------------------------------------------------------------------ MinHash

_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MIX1_INVERSE = np.uint64(pow(0xBF58476D1CE4E5B9, -1, 1 << 64))
_SHIFT27, _SHIFT30, _SHIFT31 = np.uint64(27), np.uint64(30), np.uint64(31)
_WORD = re.compile(r"\w+")
_CHUNK = 8192
"""Shingles hashed per block: a (num_perm, 8192) uint64 block stays a few MB."""


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer, element-wise: a bijection on uint64 that mixes every bit."""
    # Array arithmetic wraps modulo 2**64 silently; in-place steps save temporaries.
    z = x + _GOLDEN
    z ^= z >> _SHIFT30
    z *= _MIX1
    z ^= z >> _SHIFT27
    z *= _MIX2
    z ^= z >> _SHIFT31
    return z


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed multipliers (odd) and offsets of the MinHash permutations (computed once)."""
    cached = _PERMUTATION_CACHE.get(num_perm)
    if cached is None:
        seq = np.arange(1, 2 * num_perm + 1, dtype=np.uint64)
        values = _splitmix64(seq)
        cached = (values[:num_perm] | np.uint64(1), values[num_perm:])
        for part in cached:
            part.flags.writeable = False
        _PERMUTATION_CACHE[num_perm] = cached
    return cached


def _word_table() -> np.ndarray:
    """bool per code point: does ``\\w`` match it? Built from the regex itself, so it agrees."""
    table = _WORD_TABLE_CACHE.get("table")
    if table is None:
        table = np.zeros(0x110000, dtype=bool)
        # Block by block: one string of every code point briefly takes about 100 MB.
        for lo in range(0, 0x110000, 1 << 16):
            block = "".join(map(chr, range(lo, min(lo + (1 << 16), 0x110000))))
            for m in _WORD.finditer(block):
                table[lo + m.start() : lo + m.end()] = True
        table.flags.writeable = False
        _WORD_TABLE_CACHE["table"] = table
    return table


_WORD_TABLE_CACHE: dict[str, np.ndarray] = {}
_PERMUTATION_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


_GROUP_POINTS = 1 << 16
"""Code points hashed together by minhash_signatures: its per-character temporaries (a few
dozen bytes each) stay near 3 MB, and position powers up to this size are kept. Measured on
generated articles: 2**16 and 2**17 are fastest, larger groups are slower (bigger temporaries)."""
_POSITION_POWERS_CACHE: list[np.ndarray] = []


def _position_powers(count: int) -> tuple[np.ndarray, np.ndarray]:
    """``MIX1 ** p`` and ``MIX1 ** -p`` (mod 2**64) for p <= count; kept up to _GROUP_POINTS."""
    if _POSITION_POWERS_CACHE and len(_POSITION_POWERS_CACHE[0]) > count:
        return _POSITION_POWERS_CACHE[0], _POSITION_POWERS_CACHE[1]
    size = max(count, _GROUP_POINTS) + 1
    powers = np.ones(size, dtype=np.uint64)
    inverses = np.ones(size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumprod(np.full(size - 1, _MIX1), out=powers[1:])
        np.cumprod(np.full(size - 1, _MIX1_INVERSE), out=inverses[1:])
    if count <= _GROUP_POINTS:  # a longer text gets its own tables, not kept
        powers.flags.writeable = False
        inverses.flags.writeable = False
        _POSITION_POWERS_CACHE[:] = [powers, inverses]
    return powers, inverses


def _token_hashes(text: str) -> np.ndarray:
    """A stable 64-bit hash of each ``\\w+`` word of ``text``, in order, computed with numpy.

    Each word is a polynomial in its code points (mod 2**64), mixed with its length by
    SplitMix64: the same on every machine and in every process, unlike Python's hash().
    """
    return _word_hashes(_code_points(text))[0]


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text`` (lone surrogates included) as a uint32 array."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _word_hashes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hash, start position) of each ``\\w+`` word of a code-point array (see _token_hashes)."""
    is_word = np.zeros(len(points) + 2, dtype=np.int8)
    np.take(_word_table(), points, out=is_word[1:-1].view(bool))
    # Word starts and ends alternate among the nonzero steps of is_word.
    edges = np.flatnonzero(np.diff(is_word))
    starts, ends = edges[0::2], edges[1::2]
    if not len(starts):
        return np.empty(0, dtype=np.uint64), starts
    # A word's polynomial sum(c_k * MIX1 ** (k + 1)) is, with p = start + k, the difference of a
    # running sum of c_p * MIX1 ** (p + 1) times MIX1 ** -start (MIX1 is odd, so invertible
    # modulo 2**64): all exact in wrapping arithmetic, and no per-word offsets are needed.
    count = len(points)
    powers, inverses = _position_powers(count)
    running = np.zeros(count + 1, dtype=np.uint64)
    np.cumsum(points * powers[1 : count + 1], out=running[1:])
    sums = running[ends] - running[starts]
    sums *= inverses[starts]
    return _splitmix64(sums ^ (ends - starts).astype(np.uint64)), starts


def minhash_signature(text: str, *, num_perm: int = 64, shingle_words: int = 5) -> np.ndarray:
    """MinHash signature (uint64, ``num_perm`` values) of the text's word shingles.

    Words are ``\\w+`` runs of the casefolded text; shingles are ``shingle_words`` consecutive
    words (a shorter text is one shingle). Words and shingles are hashed with fixed integer
    arithmetic, so signatures are the same in every process and on every machine. A text
    without words gets the all-``2**64-1`` signature of the empty set.
    """
    if num_perm < 1 or shingle_words < 1:
        raise ValueError(
            f"num_perm and shingle_words must be >= 1, got {num_perm}, {shingle_words}"
        )
    word_hash = _token_hashes(text.casefold())
    signature = np.full(num_perm, _MAX, dtype=np.uint64)
    if not len(word_hash):
        return signature
    width = min(shingle_words, len(word_hash))
    count = len(word_hash) - width + 1
    shingles = word_hash[:count].copy()
    for k in range(1, width):
        shingles = _splitmix64(shingles) ^ word_hash[k : k + count]
    # Permutation j is x -> a_j * x + b_j (mod 2**64) with odd a_j: a bijection of uint64. The
    # shingle hashes are already well mixed, so this cheap family orders them independently.
    # Repeated shingles need no removal: they cannot change a minimum.
    mult, add = _permutations(num_perm)
    for lo in range(0, len(shingles), _CHUNK):
        # (num_perm, shingles) blocks: the minimum runs along contiguous rows.
        block = mult[:, None] * shingles[None, lo : lo + _CHUNK]
        block += add[:, None]
        np.minimum(signature, block.min(axis=1), out=signature)
    return signature


def minhash_signatures(
    texts: Sequence[str], *, num_perm: int = 64, shingle_words: int = 5
) -> np.ndarray:
    """``minhash_signature`` of each text, as rows of one (len(texts), num_perm) uint64 matrix.

    Bit for bit the same values, computed for all texts at once: the words of all texts are
    hashed in one pass and each text's minima are taken as segments of shared blocks, so the
    numpy calls do not grow with the number of texts.
    """
    if num_perm < 1 or shingle_words < 1:
        raise ValueError(
            f"num_perm and shingle_words must be >= 1, got {num_perm}, {shingle_words}"
        )
    signatures = np.full((len(texts), num_perm), _MAX, dtype=np.uint64)
    folded = [text.casefold() for text in texts]
    lo = 0
    while lo < len(folded):
        # Texts hashed together: at least one, and no more than _GROUP_POINTS code points.
        hi, size = lo + 1, len(folded[lo])
        while hi < len(folded) and size + 1 + len(folded[hi]) <= _GROUP_POINTS:
            size += 1 + len(folded[hi])
            hi += 1
        _fill_signatures(folded[lo:hi], signatures[lo:hi], shingle_words)
        lo = hi
    return signatures


def _fill_signatures(folded: Sequence[str], signatures: np.ndarray, shingle_words: int) -> None:
    """Lower ``signatures`` (one row per casefolded text) to the texts' MinHash minima."""
    # A space is no word character, so words of the joined text are the words of each text.
    ends = np.cumsum([len(text) + 1 for text in folded])
    word_hash, starts = _word_hashes(_code_points(" ".join(folded)))
    total = len(word_hash)
    if not total:
        return
    doc = np.searchsorted(ends, starts, side="right")
    counts = np.bincount(doc, minlength=len(folded))
    first = np.cumsum(counts) - counts
    # Chain k of every word position over the joined words; a text with fewer words than
    # shingle_words has one shingle, the chain of all its words, taken when that chain is ready.
    padded = np.zeros(total + shingle_words - 1, dtype=np.uint64)
    padded[:total] = word_hash
    short = np.flatnonzero((counts > 0) & (counts < shingle_words))
    short_shingle = np.empty(len(short), dtype=np.uint64)
    chain = word_hash.copy()
    for k in range(shingle_words):
        if k:
            chain = _splitmix64(chain) ^ padded[k : k + total]
        done = counts[short] == k + 1
        short_shingle[done] = chain[first[short[done]]]
    num_perm = signatures.shape[1]
    mult, add = _permutations(num_perm)
    if len(short):
        signatures[short] = short_shingle[:, None] * mult[None, :] + add[None, :]
    # Full shingles start where shingle_words words of the same text follow.
    full = np.flatnonzero(np.arange(total) + shingle_words <= (first + counts)[doc])
    shingles = chain[full]
    owner = doc[full]
    block = np.empty((num_perm, min(_CHUNK, len(shingles))), dtype=np.uint64)
    for lo in range(0, len(shingles), _CHUNK):
        block_owner = owner[lo : lo + _CHUNK]
        # Where a text's run of shingles starts within the block: the minima are per run.
        cuts = np.flatnonzero(np.r_[True, block_owner[1:] != block_owner[:-1]])
        rows = block_owner[cuts]
        part = block[:, : len(block_owner)]
        np.multiply(mult[:, None], shingles[None, lo : lo + _CHUNK], out=part)
        part += add[:, None]
        signatures[rows] = np.minimum(signatures[rows], np.minimum.reduceat(part, cuts, axis=1).T)


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures (0.0 if either is the empty set)."""
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in shape: {a.shape} and {b.shape}")
    if a.size == 0 or bool((a == _MAX).all()) or bool((b == _MAX).all()):
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


NEAR_DUPLICATE_THRESHOLD = 0.5
"""Estimated Jaccard (5-word shingles) at or above which two articles are near-duplicates.

On the seeds, 000/001 (one story, two renderings) estimate 1.0 and every other pair, including
the two rewrites of one Reuters story (002/004, about 0.05), stays below 0.1: 0.5 sits well inside
that gap, and a pair at 0.5 shares half of its 5-word shingles, far more than two rewrites do.
"""
_LSH_RECALL = 0.95
"""Wanted probability that a pair exactly at the threshold shares at least one LSH band."""
_MAX_BUCKET_PARTNERS = 64
"""Per LSH bucket, a document is compared with at most this many earlier members (the smallest
indexes): a band shared by thousands of documents is boilerplate, and comparing all of its pairs
would make the work quadratic. A true near-duplicate pair shares many bands, so it is still
found."""
_PAIRS_PER_STEP = 1 << 20
"""Candidate pairs made at once per LSH band: their index arrays stay a few tens of MB."""
_PAIR_BLOCK = 8192
"""Candidate pairs compared per numpy block: two (8192, num_perm) uint64 gathers stay a few MB."""


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for LSH banding: the most rows per band that still reach the wanted recall."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= _LSH_RECALL:
            best = (bands, rows)
    return best


def live_signatures(matrix: np.ndarray) -> np.ndarray:
    """Whether each row of a signature matrix is not the signature of the empty set."""
    return np.asarray((matrix != _MAX).any(axis=1))


class SignatureSource(Protocol):
    """Read access to a (documents, num_perm) uint64 MinHash matrix held in memory or on disk."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def live_rows(self) -> np.ndarray:
        """Indexes of the rows that are not the signature of the empty set."""
        ...

    def columns(self, lo: int, hi: int) -> np.ndarray:
        """Columns ``lo`` to ``hi - 1`` of every row."""
        ...

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The given rows, every column."""
        ...


class _MatrixSource:
    """A signature matrix in memory as a SignatureSource."""

    def __init__(self, matrix: np.ndarray) -> None:
        self._matrix = matrix
        self.shape: tuple[int, int] = (matrix.shape[0], matrix.shape[1])

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(live_signatures(self._matrix))

    def columns(self, lo: int, hi: int) -> np.ndarray:
        return self._matrix[:, lo:hi]

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self._matrix[rows]


def cluster_near_duplicates(
    signatures: Mapping[str, np.ndarray], *, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> dict[str, str]:
    """doc_id -> cluster id (smallest doc_id of its near-duplicate component).

    Candidates come from LSH banding (documents sharing a whole band of the signature); a
    candidate edge counts only if its estimated Jaccard reaches ``threshold``. Candidates are
    found and checked with numpy, band by band; the work grows with the number of documents
    and candidates, not with all pairs.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    ids = sorted(signatures)
    if not ids:
        return {}
    matrix = np.stack([np.asarray(signatures[d], dtype=np.uint64) for d in ids])
    roots = near_duplicate_roots(matrix, threshold=threshold)
    return {doc_id: ids[root] for doc_id, root in zip(ids, roots.tolist(), strict=True)}


def near_duplicate_roots(
    matrix: np.ndarray | SignatureSource, *, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> np.ndarray:
    """For each row, the smallest row index of its near-duplicate component (int64)."""
    n = matrix.shape[0]
    parent = list(range(n))  # union-find; a root is always the smallest index of its set

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    first, second = near_duplicate_pairs(matrix, threshold=threshold)
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)


def near_duplicate_pairs(
    matrix: np.ndarray | SignatureSource, *, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i < j) of a signature matrix whose estimated Jaccard reaches ``threshold``.

    Only LSH candidates are compared (rows sharing a whole band); each pair is listed once,
    sorted. Rows of the empty set never pair. The matrix may be any SignatureSource, so a
    matrix on disk is read one band at a time.
    """
    source = _MatrixSource(matrix) if isinstance(matrix, np.ndarray) else matrix
    n, num_perm = source.shape
    live = source.live_rows()
    bands, rows = lsh_bands(threshold, num_perm)
    found: list[np.ndarray] = []
    for band in range(bands):
        cols = source.columns(band * rows, (band + 1) * rows)[live]
        key = _splitmix64(cols[:, 0] ^ np.uint64(band))
        for c in range(1, rows):
            key = _splitmix64(key ^ cols[:, c])
        for earlier, later in _bucket_pairs(key, live):
            similar = _check_candidates(source, earlier, later, threshold)
            if similar.any():
                found.append(earlier[similar].astype(np.int64) * n + later[similar])
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    codes = np.unique(np.concatenate(found))
    return codes // n, codes % n


def _bucket_pairs(key: np.ndarray, members: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(earlier, later) member pairs with equal keys, in blocks of at most _PAIRS_PER_STEP.

    A member pairs with the first _MAX_BUCKET_PARTNERS members of its bucket before it.
    """
    order = np.argsort(key, kind="stable")  # members ascend within a bucket
    ordered = key[order]
    new = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    partners = np.minimum(np.arange(len(ordered)) - starts[group], _MAX_BUCKET_PARTNERS)
    ends = np.cumsum(partners)
    lo = 0
    while lo < len(ordered) and ends[-1] > (ends[lo - 1] if lo else 0):
        done = ends[lo - 1] if lo else 0
        # At least one member per step; a member has at most _MAX_BUCKET_PARTNERS pairs.
        hi = max(lo + 1, int(np.searchsorted(ends, done + _PAIRS_PER_STEP, side="right")))
        counts = partners[lo:hi]
        later = np.repeat(np.arange(lo, hi), counts)
        within = np.arange(len(later)) - np.repeat(np.cumsum(counts) - counts, counts)
        earlier = starts[group[later]] + within
        if len(later):
            yield members[order[earlier]], members[order[later]]
        lo = hi


def _check_candidates(
    source: SignatureSource, first: np.ndarray, second: np.ndarray, threshold: float
) -> np.ndarray:
    """Whether each candidate pair's estimated Jaccard (as estimate_jaccard) reaches threshold."""
    similar = np.zeros(len(first), dtype=bool)
    num_perm = source.shape[1]
    for lo in range(0, len(first), _PAIR_BLOCK):
        hi = lo + _PAIR_BLOCK
        equal = np.count_nonzero(source.take(first[lo:hi]) == source.take(second[lo:hi]), axis=1)
        similar[lo:hi] = equal / num_perm >= threshold
    return similar
