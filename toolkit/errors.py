"""The toolkit's one exception tree; the CLI turns these into ``Error: ...`` and an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ToolkitError(Exception):
    """Base of every error the toolkit raises on purpose.

    Carries where the problem is (path, line, record id) so the message can name it.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        record_id: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.record_id = record_id
        super().__init__(self.__str__())

    def location(self) -> str:
        """Where the problem is, as ``path:line [record]``, or an empty string."""
        parts = []
        if self.path is not None:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        if self.record_id is not None:
            parts.append(f"[{self.record_id}]")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class InputError(ToolkitError):
    """A raw input (article, annotation file, dataset) cannot be read or understood."""


class TaxonomyError(ToolkitError):
    """The taxonomy file is malformed, or a label or attribute value is not in it."""


@dataclass(frozen=True)
class Problem:
    """One validation finding: where it is and what is wrong (and what would be valid)."""

    path: str
    message: str
    line: int | None = None
    pointer: str = ""
    record_id: str | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.pointer:
            where += f" {self.pointer}"
        if self.record_id:
            where += f" [{self.record_id}]"
        return f"{where}: {self.message}"


class ValidationError(ToolkitError):
    """Validation found problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem], *, path: str | Path | None = None) -> None:
        self.problems = problems
        summary = f"{len(problems)} problem(s) found"
        if problems:
            summary += "; first: " + str(problems[0])
        super().__init__(summary, path=path)


class LabelStudioError(ToolkitError):
    """Label Studio answered with an error or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        path: str | Path | None = None,
        record_id: str | None = None,
    ) -> None:
        self.status_code = status_code
        super().__init__(message, path=path, record_id=record_id)

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (HTTP {self.status_code})" if self.status_code is not None else base


class ModelError(ToolkitError):
    """A baseline model cannot be trained, saved or loaded."""
