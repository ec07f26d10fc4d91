"""JSON Lines files of articles (what scrapers and news APIs emit): one article per line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

from toolkit.errors import InputError
from toolkit.ingest.records import Record, RecordReject, given_hints

LINE_SCHEMA = "article-line.schema.json"


@cache
def _validator() -> Any:
    """The JSON Schema validator of one line (schemas/article-line.schema.json)."""
    from jsonschema import Draft202012Validator

    from toolkit.taxonomy.schemas import SCHEMAS_DIR

    schema = json.loads((SCHEMAS_DIR / LINE_SCHEMA).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def read_jsonl(
    path: str | Path, display: str, *, max_bytes: int
) -> Iterator[Record | RecordReject]:
    """Each line of a JSON Lines file (or .jsonl.gz) as an article, named ``display:LINE``.

    A line is an object with ``html`` or ``text`` and optional ``url``, ``title``, ``outlet``,
    ``byline`` and ``date`` (schemas/article-line.schema.json); a line that is not one is a
    RecordReject saying what is valid, and the lines after it are still read. Blank lines are
    skipped. A damaged .gz ends the file with one RecordReject naming the line.
    """
    try:
        raw = open(path, "rb")  # noqa: SIM115 (closed below; a generator cannot use with here)
    except OSError as exc:
        yield RecordReject(display, f"cannot read: {exc.strerror}")
        return
    stream: IO[bytes] = (
        gzip.GzipFile(fileobj=raw) if str(path).endswith(".gz") else raw  # type: ignore[assignment]
    )
    number = 0
    done = 0
    try:
        while line := stream.readline(max_bytes + 1):
            number += 1
            name = f"{display}:{number}"
            step = raw.tell() - done
            done += step
            if len(line) > max_bytes:
                reason = f"line is over the limit of {max_bytes} bytes (--max-bytes)"
                yield RecordReject(name, reason, step)
                if not line.endswith(b"\n"):
                    _skip_rest_of_line(stream)
                continue
            if line.strip():
                yield _line_record(line, name, step)
    except (OSError, EOFError) as exc:
        yield RecordReject(
            display,
            f"damaged file after line {number}: {exc}; the lines before it were read, "
            "nothing after",
        )
    finally:
        stream.close()
        raw.close()


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    """Read past the rest of an over-long line, block by block."""
    while (block := stream.readline(1 << 20)) and not block.endswith(b"\n"):
        pass


def _line_record(line: bytes, name: str, step: int) -> Record | RecordReject:
    """One JSON Lines line as an article, or a reject saying what a valid line is."""
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return RecordReject(name, f"not JSON ({exc}); {_EXPECTED}", step)
    problems = sorted(_validator().iter_errors(value), key=lambda e: list(e.absolute_path))
    if problems:
        return RecordReject(name, f"{_problem(problems[0])}; {_EXPECTED}", step)
    try:
        hints = given_hints(value, "jsonl")
    except InputError as exc:
        return RecordReject(name, exc.message, step)
    content = value.get("html") if value.get("html") is not None else value["text"]
    return Record(name, content.encode("utf-8"), hints, step)


def _problem(error: Any) -> str:
    """A schema violation in a few words (jsonschema's own message repeats the whole value)."""
    field = "/".join(str(p) for p in error.absolute_path)
    if not field:
        if error.validator == "type":
            return f"the line is a JSON {type(error.instance).__name__}, not an object"
        return 'the object has neither "html" nor "text"'
    if error.validator == "type":
        return f'"{field}" is a JSON {type(error.instance).__name__}, not a string'
    if error.validator == "minLength":
        return f'"{field}" is empty'
    return f'"{field}" {str(error.instance)[:80]!r} is not valid'


_EXPECTED = (
    'expected one JSON object per line with "html" or "text" (a string) and optional "url", '
    '"title", "outlet", "byline" and "date" (YYYY-MM-DD or an ISO date-time)'
)
