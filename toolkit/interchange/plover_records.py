"""PLOVER JSON records: tolerant reading, category mapping, and the (TAG: words) markup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.errors import InputError

# PLOVER 0.5 categories that the current ontology renamed or merged (PLOVER manual): the
# current category and the mode the old name implies, if any.
CATEGORY_MAP: dict[str, tuple[str, str | None]] = {
    "DEMAND": ("REQUEST", None),
    "DISAPPROVE": ("ACCUSE", "disapprove"),
    "INVESTIGATE": ("ACCUSE", "investigate"),
    "FIGHT": ("ASSAULT", None),
}
DOCUMENTATION_CATEGORY = "DOCUMENT"

# PLOVER 0.5 modes whose meaning the current mode list keeps under another name.
MODE_MAP: dict[str, str] = {
    "strike-hun": "hunger",
    "strike-gen": "strike",
    "demo-org": "demo",
    "demo-spon": "demo",
    "riot-spon": "riot",
    "assassinate": "targeted",
    "detain": "arrest",
    "confiscate": "seize",
    "host": "visit",
}

# PLOVER 0.5 context spellings that the current context list writes differently.
CONTEXT_MAP: dict[str, str] = {
    "refugee": "refugees",
    "resources": "resource",
    "rights": "human_rights",
}

ROLE_TAGS = ("SRC", "TAR", "LOC", "EVT")
_TAG_OPEN = re.compile(r"\(\s*((?:SRC|TAR|LOC|EVT)(?:/(?:SRC|TAR|LOC|EVT))*)\s*:\s*")


@dataclass(frozen=True)
class PloverActor:
    """One entry of a record's source or target list."""

    actor_text: str
    code: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class Mark:
    """One (TAG: words) of a markup: its tags and its words' range in the markup's plain text."""

    tags: tuple[str, ...]
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Markup:
    """A markup string with its tags taken out: the plain sentence and where each mark was."""

    plain: str
    marks: tuple[Mark, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class PloverRecord:
    """One PLOVER event record, as read (raw) and with the fields the importer uses."""

    raw: dict[str, Any]
    line: int
    id: str
    event: str
    text: str | None
    markup: str | None
    source: tuple[PloverActor, ...] = ()
    target: tuple[PloverActor, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str:
        """The record's category in the current 16-category ontology."""
        return CATEGORY_MAP.get(self.event, (self.event, None))[0]

    def mode(self, valid: tuple[str, ...]) -> tuple[str | None, str | None]:
        """(mode in the current list or None, the given mode when it had to be dropped)."""
        given = str(self.raw.get("mode") or "").strip()
        implied = CATEGORY_MAP.get(self.event, (self.event, None))[1]
        if not given:
            return implied, None
        mode = MODE_MAP.get(given, given)
        return (mode, None) if mode in valid else (implied, given)

    def contexts(self, valid: tuple[str, ...]) -> tuple[list[str], list[str]]:
        """(contexts in the current list, given contexts that are not), in the record's order."""
        kept: list[str] = []
        dropped: list[str] = []
        for part in str(self.raw.get("context") or "").split(","):
            name = CONTEXT_MAP.get(part.strip(), part.strip())
            if not name:
                continue
            if name in valid:
                if name not in kept:
                    kept.append(name)
            else:
                dropped.append(part.strip())
        return kept, dropped


def strip_trailing_commas(text: str) -> str:
    """Blank out commas that close nothing (before ``]`` or ``}``), outside strings.

    Each such comma becomes a space, so line and column numbers of the rest stay the same.
    """
    out = list(text)
    in_string = escaped = False
    pending: int | None = None
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string, pending = True, None
        elif ch == ",":
            pending = i
        elif ch in "]}":
            if pending is not None:
                out[pending] = " "
            pending = None
        elif not ch.isspace():
            pending = None
    return "".join(out)


def _actors(value: Any, *, path: str, record_id: str, key: str) -> tuple[PloverActor, ...]:
    """A source or target field: a list of actor objects, or empty ("" and null mean none)."""
    if value in (None, "", []):
        return ()
    if not isinstance(value, list):
        raise InputError(
            f"{key} must be a list of actor objects or empty, not {type(value).__name__}",
            path=path,
            record_id=record_id,
        )
    actors = []
    for item in value:
        if not isinstance(item, dict) or not str(item.get("actorText") or "").strip():
            raise InputError(
                f"{key} entries need a non-empty actorText, got {item!r}",
                path=path,
                record_id=record_id,
            )
        actors.append(
            PloverActor(
                str(item["actorText"]).strip(),
                str(item.get("code") or "").strip() or None,
                str(item.get("sector") or "").strip() or None,
            )
        )
    return tuple(actors)


def record_from_json(raw: Any, *, path: str, line: int) -> PloverRecord:
    """One parsed JSON value as a PloverRecord; InputError naming the file, line and id."""
    if not isinstance(raw, dict):
        raise InputError(f"a record must be a JSON object, not {type(raw).__name__}", path=path)
    record_id = str(raw.get("id") or "").strip()
    if not record_id:
        raise InputError("record without an id", path=path, line=line)
    event = str(raw.get("event") or "").strip()
    if not event:
        raise InputError("record without an event category", path=path, record_id=record_id)
    info = raw.get("textInfo")
    markup = info.get("markup") if isinstance(info, dict) else info
    return PloverRecord(
        raw=raw,
        line=line,
        id=record_id,
        event=event,
        text=raw.get("text") if isinstance(raw.get("text"), str) else None,
        markup=markup if isinstance(markup, str) else None,
        source=_actors(raw.get("source"), path=path, record_id=record_id, key="source"),
        target=_actors(raw.get("target"), path=path, record_id=record_id, key="target"),
    )


def _decode_error(exc: json.JSONDecodeError, path: str, line_offset: int = 0) -> InputError:
    return InputError(
        f"not valid JSON even with trailing commas allowed: {exc.msg} at line "
        f"{exc.lineno + line_offset}, column {exc.colno}",
        path=path,
        line=exc.lineno + line_offset,
    )


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse_records(text: str, *, path: str) -> Iterator[tuple[int, Any]]:
    """(line, JSON value) of a PLOVER file: one JSON array (the gold file) or JSON Lines."""
    cleaned = strip_trailing_commas(text)
    if cleaned.lstrip().startswith("["):
        decoder = json.JSONDecoder()
        start = cleaned.index("[")
        try:
            values, end = decoder.raw_decode(cleaned, start)
        except json.JSONDecodeError as exc:
            raise _decode_error(exc, path) from exc
        if cleaned[end:].strip():
            raise InputError(
                f"unexpected text after the records array at line {_line_of(cleaned, end)}",
                path=path,
                line=_line_of(cleaned, end),
            )
        # Each record's line: where its opening brace is, found by decoding element by element.
        pos = start + 1
        for value in values:
            while cleaned[pos] in " \t\r\n,":
                pos += 1
            yield _line_of(cleaned, pos), value
            pos = decoder.raw_decode(cleaned, pos)[1]
        return
    for number, line in enumerate(cleaned.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise _decode_error(exc, path, number - 1) from exc


@dataclass(frozen=True)
class RecordReject:
    """A record that could not be read, imported or anchored, and why."""

    record_id: str
    line: int
    reason: str


def read_records(path: str | Path) -> tuple[list[PloverRecord], list[RecordReject]]:
    """Records of a PLOVER file (gold-standard array or JSON Lines) in file order, and rejects.

    A file that is not JSON (trailing commas aside) is an InputError with line and column; a
    record that is JSON but not a usable record is a reject and the others go on.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("file not found", path=p) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read as UTF-8 text: {exc}", path=p) from exc
    records: list[PloverRecord] = []
    rejects: list[RecordReject] = []
    for number, value in parse_records(text, path=str(p)):
        try:
            records.append(record_from_json(value, path=str(p), line=number))
        except InputError as exc:
            record_id = exc.record_id or (f"line {number}")
            rejects.append(RecordReject(record_id, number, exc.message))
    return records, rejects


def parse_markup(markup: str) -> Markup:
    """Take the (SRC: ...), (TAR: ...), (SRC/TAR: ...), (EVT: ...), (LOC: ...) tags out.

    Tags nest, and words may hold their own parentheses ("(SRC: Revolutionary United Front
    (RUF))"); a tag still open at the end of the markup is dropped and reported.
    """
    plain: list[str] = []
    length = 0
    stack: list[tuple[tuple[str, ...], int] | None] = []  # None: a literal "("
    marks: list[Mark] = []
    problems: list[str] = []
    i = 0
    while i < len(markup):
        opened = _TAG_OPEN.match(markup, i) if markup[i] == "(" else None
        if opened:
            stack.append((tuple(opened.group(1).split("/")), length))
            i = opened.end()
            continue
        ch = markup[i]
        i += 1
        top = stack[-1] if stack else None
        if ch in ")}" and top is not None:
            stack.pop()
            marks.append(_mark(top, "".join(plain), length))
            continue
        if ch == "(":
            stack.append(None)
        elif ch == ")" and stack:
            stack.pop()
        plain.append(ch)
        length += 1
    for top in stack:
        if top is not None:
            problems.append(f"({'/'.join(top[0])}: ...) is never closed")
    text = "".join(plain)
    return Markup(text, tuple(m for m in marks if m.text), tuple(problems))


def _mark(opened: tuple[tuple[str, ...], int], plain: str, end: int) -> Mark:
    """The mark from ``start`` to ``end`` of the plain text, its outer whitespace left out."""
    tags, start = opened
    words = plain[start:end]
    lead = len(words) - len(words.lstrip())
    words = words.strip()
    return Mark(tags, start + lead, start + lead + len(words), words)
