"""The root command group, library errors turned into exit codes, and shared options."""

from __future__ import annotations

import functools
import os
import platform
import re
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from toolkit import __version__
from toolkit.core import ENGINES
from toolkit.errors import ToolkitError, ValidationError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PROBLEMS = 1
"""Validation found problems, or some inputs were rejected while the rest went on."""
EXIT_ERROR = 2
"""The command could not do its job (bad arguments, unreadable input, server unreachable)."""
EXIT_CRASH = 3
"""An unexpected error (a bug): one line on stderr, the traceback in the error log."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT)."""

CRASH_LOG_NAME = "last-error.log"
# Environment variables whose values must never reach the error log or the terminal.
_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSW|CREDENTIAL|AUTH", re.IGNORECASE)


def crash_log_path() -> Path:
    """Where the traceback of the last unexpected error goes (XDG state folder)."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "geoevent-toolkit" / CRASH_LOG_NAME


def _redact(text: str) -> str:
    """``text`` with the values of secret-looking environment variables replaced."""
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name) and len(value) >= 4:
            text = text.replace(value, f"[{name} redacted]")
    return text


def _write_crash_log(exc: BaseException) -> Path | None:
    """The traceback written to the error log (owner-only); None if it cannot be written."""
    path = crash_log_path()
    body = f"toolkit {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
    body += "".join(traceback.format_exception(exc))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_redact(body))
    except OSError:
        return None
    return path


def _debug_requested() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug"))


def _report_crash(exc: Exception) -> NoReturn:
    """One line for an unexpected error (traceback logged, or shown with --debug); exit 3."""
    if _debug_requested():
        click.echo(_redact("".join(traceback.format_exception(exc))), err=True, nl=False)
        sys.exit(EXIT_CRASH)
    log = _write_crash_log(exc)
    message = " ".join(str(exc).split())
    what = f"unexpected {type(exc).__name__}" + (f": {message}" if message else "")
    where = f"details in {log}; " if log is not None else "no error log could be written; "
    click.echo(_redact(f"Error: {what} ({where}rerun with --debug for the traceback)"), err=True)
    sys.exit(EXIT_CRASH)


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
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click reports these itself
        except Exception as exc:
            _report_crash(exc)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="toolkit")
@click.option(
    "--debug",
    is_flag=True,
    help="On an unexpected error, show the traceback instead of writing it to the error log.",
)
def cli(debug: bool) -> None:
    """Build geopolitical-event annotation datasets.

    \b
    Example (the whole pipeline on the seed articles):
      toolkit convert seeds/ --annotations annotations/ --out build/dataset
    """


# Declarations several commands share (click builds a fresh parameter per command).
ENGINE_OPTION = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="Where the per-document work runs: this machine's processes, or Ray Data (a local "
    "Ray, or the cluster at RAY_ADDRESS; needs geoevent-toolkit[ray]). Same output either way.",
)
DATASET_DIR = click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False))


def out_dir_option(help: str, **attrs: Any) -> Callable[[F], F]:
    """The ``--out`` output-folder option; ``attrs`` say whether it is required or has a default."""
    return click.option("--out", "out_dir", type=click.Path(file_okay=False), help=help, **attrs)


# Signals that stop a command cleanly: cleanup (``finally``, ``except BaseException``) runs.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _stop_on_signal(signum: int, frame: object) -> None:
    """Raise SystemExit(128 + signal) so the command's cleanup runs before the exit."""
    for stop in _STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)  # a repeated signal must not cut the cleanup short
    click.echo(f"Stopped by {signal.Signals(signum).name}.", err=True)
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    for stop in _STOP_SIGNALS:
        signal.signal(stop, _stop_on_signal)
    cli(prog_name="toolkit")
