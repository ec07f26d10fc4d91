"""Shared pytest fixtures: the seed articles (raw bytes, parsed) and a real Label Studio."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.ingest.article import Article, read_article

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    """Seed files by their three-digit number ("000" ... "004")."""
    return {p.name[:3]: p for p in sorted(SEEDS_DIR.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_bytes(seed_paths: dict[str, Path]) -> dict[str, bytes]:
    """Raw bytes of each seed."""
    return {k: p.read_bytes() for k, p in seed_paths.items()}


@pytest.fixture(scope="session")
def seed_articles(seed_paths: dict[str, Path]) -> dict[str, Article]:
    """Each seed converted by toolkit.ingest.read_article."""
    return {k: read_article(p) for k, p in seed_paths.items()}


# ---------------------------------------------------------------- Label Studio (real server)


@pytest.fixture(scope="session")
def ls_connection() -> Iterator[object]:
    """A real Label Studio: the one the nox `tests` session started, else one started here.

    Fails under CI=true when no server can be had (never a silent skip in CI).
    """
    from toolkit.labelstudio import server as lsserver

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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright; fails in CI when it is missing."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} missing: apt-get install -y chromium (the nox tests session does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


RAY_CRASH_TRIGGER_NAME = "crash-once"


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real two-node Ray cluster on this machine (one CPU each), connected for the session.

    Yields the crash-trigger path the workers watch (see dataset.ray_steps.CRASH_ONCE_ENV): a
    test that creates the file makes one parse task kill its worker. Needs the ray extra.
    """
    pytest.importorskip("ray", reason="needs the ray extra: pip install -e '.[ray]'")
    import ray
    from ray.cluster_utils import Cluster

    from toolkit.dataset.ray_steps import CRASH_ONCE_ENV

    trigger = tmp_path_factory.mktemp("ray") / RAY_CRASH_TRIGGER_NAME
    saved = os.environ.get(CRASH_ONCE_ENV)
    os.environ[CRASH_ONCE_ENV] = str(trigger)  # inherited by the nodes, so by their workers
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False},
    )
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        yield trigger
    finally:
        ray.shutdown()
        cluster.shutdown()
        if saved is None:
            os.environ.pop(CRASH_ONCE_ENV, None)
        else:
            os.environ[CRASH_ONCE_ENV] = saved
