"""The root command group, library errors turned into exit codes, and shared options."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from toolkit import __version__
from toolkit.errors import ToolkitError, ValidationError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PROBLEMS = 1
"""Validation found problems, or some inputs were rejected while the rest went on."""
EXIT_ERROR = 2
"""The command could not do its job (bad arguments, unreadable input, server unreachable)."""


def handle_errors(func: F) -> F:
    """Turn library exceptions into ``Error: ...`` on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems:
                click.echo(f"Error: {problem}", err=True)
            click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
            sys.exit(EXIT_PROBLEMS)
        except ToolkitError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="toolkit")
def cli() -> None:
    """Build geopolitical-event annotation datasets.

    \b
    Example (the whole pipeline on the seed articles):
      toolkit convert seeds/ --annotations annotations/ --out build/dataset
    """


# Declarations several commands share (click builds a fresh parameter per command).
DATASET_DIR = click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False))


def out_dir_option(help: str, **attrs: Any) -> Callable[[F], F]:
    """The ``--out`` output-folder option; ``attrs`` say whether it is required or has a default."""
    return click.option("--out", "out_dir", type=click.Path(file_okay=False), help=help, **attrs)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="toolkit")
