"""Sidecar manifests: a CSV or JSON Lines file giving url, outlet, date, byline, title per file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.dataset.rejects import Reject
from toolkit.errors import InputError
from toolkit.ingest import METADATA_FIELDS, SourceHints, given_hints

SIDECAR_COLUMNS = ("file", "sha256", *METADATA_FIELDS)
"""Columns (CSV) or keys (JSON Lines) of a sidecar row; each row gives ``file`` or ``sha256``."""

_SHA = "sha256 "
"""Prefix of the keys of rows that name a file by the SHA-256 of its bytes."""


@dataclass
class Sidecar:
    """Hints per file named in a sidecar manifest, and the rows that could not be used."""

    path: str
    hints: dict[str, SourceHints] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    """The line of each file's row (to name rows that match no input)."""
    rejects: list[Reject] = field(default_factory=list)
    matched_digests: set[str] = field(default_factory=set)

    @property
    def wants_digests(self) -> bool:
        """Whether some rows name files by SHA-256 (so plain files must be hashed to match)."""
        return any(name.startswith(_SHA) for name in self.hints)

    def lookup_digest(self, sha256: str) -> SourceHints | None:
        """The hints of the row naming a file by the SHA-256 of its bytes (hex), if any."""
        found = self.hints.get(_SHA + sha256)
        if found is not None:
            self.matched_digests.add(sha256)
        return found

    def lookup(self, relative: str, display: str) -> SourceHints | None:
        """The hints of an input, named by its path inside the folder given or its display name."""
        found = self.hints.get(display)
        return found if found is not None else self.hints.get(relative)

    def unmatched(self, named: Iterable[str]) -> list[Reject]:
        """A reject for each row whose file is not among the inputs ``named``."""
        known = set(named) | {_SHA + sha for sha in self.matched_digests}
        return [
            Reject(
                f"{self.path}:{self.lines[name]}",
                "sidecar",
                f"names {name}, which is not among the inputs; give the path inside the input "
                "folder (as in a.html or sub/a.html) or the path as the dataset shows it",
            )
            for name in sorted(self.hints, key=self.lines.__getitem__)
            if name not in known
        ]


def read_sidecar(path: str | Path) -> Sidecar:
    """Read a sidecar manifest (.csv, or .jsonl); a row with bad values becomes a reject.

    A row names a plain file by ``file`` (its path inside the input folder, or as the dataset
    shows it) or by ``sha256`` (of its bytes). A file named twice is a reject for the later row
    (the first row counts). A manifest that cannot be read, or whose columns are not
    SIDECAR_COLUMNS with ``file`` or ``sha256``, is an InputError.
    """
    source = Path(path)
    shown = source.as_posix()
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"cannot read the sidecar manifest: {reason}", path=shown) from exc
    rows = _jsonl_rows(text, shown) if source.suffix.lower() == ".jsonl" else _csv_rows(text, shown)
    sidecar = Sidecar(shown)
    for line, row in rows:
        where = f"{shown}:{line}"
        name = _row_key(row)
        if name.startswith("!"):
            sidecar.rejects.append(Reject(where, "sidecar", name[1:]))
            continue
        if name in sidecar.hints:
            first = sidecar.lines[name]
            sidecar.rejects.append(
                Reject(
                    where,
                    "sidecar",
                    f"{name} is already described on line {first}; give one row per file",
                )
            )
            continue
        bad = [k for k in METADATA_FIELDS if row.get(k) is not None and not isinstance(row[k], str)]
        if bad:
            reason = f"{name}: {', '.join(bad)} must be text (a JSON string)"
            sidecar.rejects.append(Reject(where, "sidecar", reason))
            continue
        try:
            hints = given_hints(row, "sidecar")
        except InputError as exc:
            sidecar.rejects.append(Reject(where, "sidecar", f"{name}: {exc.message}"))
            continue
        sidecar.hints[name] = hints
        sidecar.lines[name] = line
    return sidecar


def _row_key(row: dict[str, Any]) -> str:
    """The file a row names ("a.html", or "sha256 <hex>"), or "!" and why it names none."""
    name = str(row.get("file") or "").strip()
    digest = str(row.get("sha256") or "").strip().lower()
    if name and digest:
        return "!both file and sha256 given; name the file by one of them"
    if digest:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            return f"!sha256 {digest[:80]!r} is not 64 hexadecimal digits"
        return _SHA + digest
    return name or "!no file named; give the file or sha256 column"


def _check_columns(columns: Iterable[str], where: str, line: int | None) -> None:
    unknown = sorted(set(columns) - set(SIDECAR_COLUMNS))
    if unknown:
        raise InputError(
            f"unknown column {', '.join(unknown)}; valid columns: {', '.join(SIDECAR_COLUMNS)}",
            path=where,
            line=line,
        )


def _csv_rows(text: str, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    if "file" not in columns and "sha256" not in columns:
        raise InputError(
            f"no file or sha256 column in the header; valid columns: {', '.join(SIDECAR_COLUMNS)}",
            path=where,
            line=1,
        )
    _check_columns(columns, where, 1)
    for row in reader:
        yield reader.line_num, row


def _jsonl_rows(text: str, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not JSON ({exc.msg}); give one object per line", path=where, line=number
            ) from exc
        if not isinstance(row, dict):
            raise InputError("not a JSON object; give one object per line", path=where, line=number)
        _check_columns(row, where, number)
        yield number, row
