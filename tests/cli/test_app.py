"""Tests of the root group: exit codes, the error log of unexpected errors, --debug, Ctrl-C."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

import toolkit.dataset
from toolkit.cli import cli
from toolkit.errors import InputError

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SECRET = "ls-token-0123456789"


def _raise(exc: BaseException) -> object:
    def failing(*args: object, **kwargs: object) -> object:
        raise exc

    return failing


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", SECRET)
    return tmp_path / "state"


def _convert(tmp_path: Path, *root_options: str) -> list[str]:
    return [*root_options, "convert", str(SEEDS), "--out", str(tmp_path / "dataset")]


@pytest.mark.parametrize(
    ("exc", "code", "output"),
    [
        (InputError("bad input", path="x.txt"), 2, "Error: x.txt: bad input\n"),
        (KeyboardInterrupt(), 130, "Interrupted.\n"),
        (
            RuntimeError("boom\nsecond line"),
            3,
            "Error: unexpected RuntimeError: boom second line (details in {log}; rerun with "
            "--debug for the traceback)\n",
        ),
        (
            KeyError("documents"),
            3,
            "Error: unexpected KeyError: 'documents' (details in {log}; rerun with --debug for "
            "the traceback)\n",
        ),
        (
            ValueError(f"token {SECRET} refused"),
            3,
            "Error: unexpected ValueError: token [LABEL_STUDIO_API_KEY redacted] refused "
            "(details in {log}; rerun with --debug for the traceback)\n",
        ),
    ],
    ids=["toolkit-error", "ctrl-c", "crash", "crash-key-error", "crash-secret-redacted"],
)
def test_each_kind_of_failure_has_its_exit_code_and_line(
    tmp_path: Path,
    state_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    code: int,
    output: str,
) -> None:
    monkeypatch.setattr(toolkit.dataset, "convert", _raise(exc))
    result = CliRunner().invoke(cli, _convert(tmp_path))
    log = state_home / "geoevent-toolkit" / "last-error.log"
    assert (result.exit_code, result.output) == (code, output.format(log=log))
    assert log.exists() == (code == 3)


def test_the_error_log_holds_the_traceback_without_secrets(
    tmp_path: Path, state_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(toolkit.dataset, "convert", _raise(ValueError(f"token {SECRET}")))
    CliRunner().invoke(cli, _convert(tmp_path))
    log = state_home / "geoevent-toolkit" / "last-error.log"
    text = log.read_text(encoding="utf-8")
    assert text.startswith("toolkit ")
    assert "Traceback (most recent call last):" in text
    assert text.endswith("ValueError: token [LABEL_STUDIO_API_KEY redacted]\n")
    assert SECRET not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("xdg", ["", "relative/state"], ids=["unset", "relative-ignored"])
def test_the_error_log_defaults_to_local_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", xdg)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(toolkit.dataset, "convert", _raise(RuntimeError("boom")))
    result = CliRunner().invoke(cli, _convert(tmp_path))
    log = tmp_path / "home" / ".local" / "state" / "geoevent-toolkit" / "last-error.log"
    assert result.exit_code == 3
    assert f"(details in {log}; " in result.output
    assert log.is_file()


def test_an_unwritable_error_log_still_gives_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "state").write_text("a file, not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(toolkit.dataset, "convert", _raise(RuntimeError("boom")))
    result = CliRunner().invoke(cli, _convert(tmp_path))
    assert (result.exit_code, result.output) == (
        3,
        "Error: unexpected RuntimeError: boom (no error log could be written; rerun with "
        "--debug for the traceback)\n",
    )


def test_debug_shows_the_traceback_instead_of_logging_it(
    tmp_path: Path, state_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(toolkit.dataset, "convert", _raise(RuntimeError("boom")))
    result = CliRunner().invoke(cli, _convert(tmp_path, "--debug"))
    assert result.exit_code == 3
    assert result.output.startswith("Traceback (most recent call last):\n")
    assert result.output.endswith("RuntimeError: boom\n")
    assert not state_home.exists()


def test_root_help_lists_debug() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "  --debug " in result.output
    assert (
        "On an unexpected error, show the traceback instead of writing it to the error log."
        in " ".join(result.output.split())
    )


def test_usage_errors_inside_a_command_stay_click_usage_errors() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert result.output.endswith("Error: give --annotations, --dataset or both\n")
