"""Settings, credentials and the process of the local Label Studio server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from toolkit.errors import LabelStudioError
from toolkit.labelstudio import server as lsserver

# ---------------------------------------------------------------- server settings


def test_credentials_are_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "labelstudio.env"
    first = lsserver.ensure_credentials(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert lsserver.ensure_credentials(path) == first
    assert len(first.api_key) == 40 and first.api_key not in repr(first)
    assert first.password not in repr(first)


def test_environment_wins_over_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "labelstudio.env"
    lsserver.write_settings(
        path, {"LABEL_STUDIO_URL": "http://file:1/", "LABEL_STUDIO_API_KEY": "from-file"}
    )
    assert lsserver.resolve_connection({}, path) == lsserver.Connection(
        "http://file:1", "from-file"
    )
    env = {"LABEL_STUDIO_URL": "http://env:2", "LABEL_STUDIO_API_KEY": "from-env"}
    assert lsserver.resolve_connection(env, path) == lsserver.Connection("http://env:2", "from-env")


def test_settings_file_line_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labelstudio.env"
    path.write_text("LABEL_STUDIO_URL=http://x\nnonsense\n", encoding="utf-8")
    with pytest.raises(LabelStudioError) as info:
        lsserver.read_settings(path)
    assert str(info.value) == (
        f"{path}: line 2 is not KEY=VALUE (valid: e.g. LABEL_STUDIO_URL=http://localhost:8080)"
    )


def test_config_path_follows_xdg() -> None:
    assert lsserver.config_path({"XDG_CONFIG_HOME": "/x"}) == Path(
        "/x/geoevent-toolkit/labelstudio.env"
    )
    assert lsserver.config_path({"HOME": "/h"}) == Path(
        "/h/.config/geoevent-toolkit/labelstudio.env"
    )


def test_server_environment_is_clean(tmp_path: Path) -> None:
    creds = lsserver.Credentials("admin@example.com", "pw", "k" * 40, "s")
    leaky = {
        "HOST": "evil",
        "PORT": "1",
        "USERNAME": "me",
        "PASSWORD": "x",
        "HOME": "/h",
        "SENTRY_DSN": "https://x",
        "DJANGO_DB": "other",
    }
    env = lsserver.server_environment(lsserver.ServerLayout(tmp_path), creds, leaky)
    assert not {"HOST", "PORT", "USERNAME", "PASSWORD", "DJANGO_DB"} & set(env)
    assert (env["SENTRY_DSN"], env["FRONTEND_SENTRY_DSN"], env["LATEST_VERSION_CHECK"]) == (
        "",
        "",
        "false",
    )
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(tmp_path / "data")


def test_secrets_are_masked_in_server_output() -> None:
    assert lsserver.mask_secrets("token=abc pw=xyz", ("abc", "xyz", "")) == "token=*** pw=***"


def test_start_refuses_a_missing_install(tmp_path: Path) -> None:
    creds = lsserver.Credentials("admin@example.com", "pw", "k" * 40, "s")
    with pytest.raises(LabelStudioError, match="is not installed in"):
        lsserver.start_server(lsserver.ServerLayout(tmp_path), creds, port=lsserver.free_port())
    assert not os.path.exists(tmp_path / "data")
