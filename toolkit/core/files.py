"""Checked file I/O: JSON objects with file and line in errors, atomic text writes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from toolkit.errors import InputError


def read_json_object(path: str | Path, *, missing: str = "file not found") -> dict[str, Any]:
    """Parse a JSON object from a file; raises InputError naming the file, line and problem.

    ``missing`` is the message for an absent file (say what to run to make it).
    """
    return parse_json_object(read_json_text(path, missing=missing), path=path)


def read_json_text(path: str | Path, *, missing: str = "file not found") -> str:
    """A UTF-8 text file's content; raises InputError naming the file and the problem."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(missing, path=p) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=p) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=p) from exc


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members; a repeated key is an error (JSON readers disagree on which wins)."""
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return members


def parse_json_object(text: str, *, path: str | Path) -> dict[str, Any]:
    """Parse text read from ``path`` as a JSON object; raises InputError with the line."""
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    except _DuplicateKeyError as exc:
        raise InputError(
            f"invalid JSON: key {json.dumps(exc.key)} appears twice in one object; "
            "each key may appear once",
            path=path,
        ) from exc
    except RecursionError as exc:
        raise InputError("invalid JSON: nested too deeply to read", path=path) from exc
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object", path=path)
    return doc


def write_text_atomic(path: Path, content: str) -> None:
    """Write a text file via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        # mkstemp creates 0600 files; published data should get the usual umask permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
