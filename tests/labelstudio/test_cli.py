"""The labelstudio commands against a real server: never the token, clear errors."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.labelstudio import server as lsserver

pytestmark = pytest.mark.labelstudio


def test_cli_push_and_pull_never_show_the_token(
    ls_connection: lsserver.Connection,
    dataset_dir: Path,
    rules_layer: Path,
    new_title: Callable[[], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = tmp_path / "labelstudio.env"
    env = {
        lsserver.URL_KEY: ls_connection.url,
        lsserver.API_KEY_KEY: ls_connection.api_key,
        "GEOEVENT_LABELSTUDIO_ENV": str(settings),
    }
    title = new_title()
    runner = CliRunner()
    push = runner.invoke(
        cli,
        [
            "labelstudio",
            "push",
            str(dataset_dir),
            "--project",
            title,
            "--predictions",
            str(rules_layer),
        ],
        env=env,
    )
    assert push.exit_code == 0, push.output
    assert push.stdout.startswith(f"Project {title!r} (id ")
    assert push.stdout.endswith(
        "5 task(s) created, 0 updated, 0 unchanged, 0 refused; 5 prediction(s) set, 0 removed.\n"
    )
    pull = runner.invoke(
        cli, ["labelstudio", "pull", "--project", title, "--out", str(tmp_path / "out")], env=env
    )
    assert pull.exit_code == 0, pull.output
    assert pull.stdout == (
        "0 file(s) written, 0 unchanged (0 skipped task(s)); 0 draft(s) ignored; "
        "0 problem(s), 0 deleted in Label Studio.\n"
    )
    assert settings.stat().st_mode & 0o777 == 0o600, "the generated salt file is private"
    captured = capfd.readouterr()
    seen = push.output + pull.output + captured.out + captured.err + caplog.text
    assert ls_connection.api_key not in seen
    assert ls_connection.api_key not in settings.read_text(encoding="utf-8")


def test_cli_reports_a_missing_connection(tmp_path: Path) -> None:
    env = {
        lsserver.URL_KEY: "",
        lsserver.API_KEY_KEY: "",
        "GEOEVENT_LABELSTUDIO_ENV": str(tmp_path / "none.env"),
    }
    result = CliRunner().invoke(cli, ["labelstudio", "pull", "--project", "x"], env=env)
    assert result.exit_code == 2
    assert result.output == (
        "Error: no Label Studio connection: set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or "
        "start a local server with `toolkit labelstudio serve` "
        f"(it writes {tmp_path / 'none.env'})\n"
    )


def _jwt(claims: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        (
            {"token_type": "refresh"},
            "is a JWT without an expiry date, which the Label Studio SDK does not accept",
        ),
        ({"token_type": "refresh", "exp": 1700000000}, "expired on 2023-11-14 22:13 UTC"),
    ],
    ids=["no-expiry", "expired"],
)
@pytest.mark.parametrize("command", ["push", "pull"], ids=["push", "pull"])
def test_cli_refused_jwt_token_is_an_error_line_without_the_token(
    ls_connection: lsserver.Connection,
    dataset_dir: Path,
    tmp_path: Path,
    claims: dict[str, object],
    problem: str,
    command: str,
) -> None:
    token = _jwt(claims)
    env = {
        lsserver.URL_KEY: ls_connection.url,
        lsserver.API_KEY_KEY: token,
        "GEOEVENT_LABELSTUDIO_ENV": str(tmp_path / "labelstudio.env"),
    }
    args = {"push": [str(dataset_dir)], "pull": ["--out", str(tmp_path / "out")]}[command]
    result = CliRunner().invoke(cli, ["labelstudio", command, *args, "--project", "x"], env=env)
    assert (result.exit_code, result.exception.__class__) == (2, SystemExit)
    assert result.output == (
        f"Error: building the Label Studio client: the API token in LABEL_STUDIO_API_KEY "
        f"{problem}; create a new personal access token in Label Studio (Account & Settings) "
        "or use the legacy token (HTTP 401)\n"
    )
    assert token not in result.output
