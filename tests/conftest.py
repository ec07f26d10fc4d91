"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# ---------------------------------------------------------------- Label Studio (real server)


@pytest.fixture(scope="session")
def ls_connection() -> Iterator[object]:
    """A real Label Studio: the one the nox `tests` session started, else one started here.

    Fails under CI=true when no server can be had (never a silent skip in CI).
    """
    from toolkit import lsserver

    url, key = os.environ.get(lsserver.URL_KEY), os.environ.get(lsserver.API_KEY_KEY)
    if url and key:
        yield lsserver.Connection(url=url.rstrip("/"), api_key=key)
        return
    layout = lsserver.default_layout("test-data")
    if not lsserver.venv_ready(layout):
        reason = (
            f"no Label Studio: set {lsserver.URL_KEY} and {lsserver.API_KEY_KEY}, "
            f"or install it into {layout.venv} with `nox -s labelstudio`"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    credentials = lsserver.ensure_credentials(lsserver.config_path())
    with lsserver.running_server(layout, credentials) as server:
        yield lsserver.Connection(url=server.url, api_key=credentials.api_key)
