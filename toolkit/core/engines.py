"""Execution engines: the local process pool (default) or Ray Data, started on demand."""

from __future__ import annotations

import logging
import os
from typing import Any

from toolkit.errors import ToolkitError

ENGINES = ("local", "ray")
"""Values of ``--engine``: ``local`` runs on this machine's processes, ``ray`` on Ray Data."""

RAY_INSTALL_HINT = 'install geoevent-toolkit[ray] (pip install "geoevent-toolkit[ray]")'


def check_engine(engine: str) -> None:
    """Refuse an engine name that is not one of ENGINES."""
    if engine not in ENGINES:
        raise ToolkitError(f"unknown engine {engine!r}; give one of {', '.join(ENGINES)}")


def start_ray() -> Any:
    """The ``ray`` module, connected: to RAY_ADDRESS when set, else a local instance.

    A Ray already initialised by the caller (a test cluster, a notebook) is used as it is.
    Ray Data keeps block order (the output must not depend on scheduling) and shows no
    progress bars (the CLI has its own).
    """
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ToolkitError(
            f"the ray engine needs Ray Data, which is not installed: {RAY_INSTALL_HINT}"
        ) from exc
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS") or None
        try:
            # "local": without it ray.init joins any cluster another process started here.
            ray.init(address=address or "local", log_to_driver=False, include_dashboard=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the cluster at RAY_ADDRESS={address}" if address else "a local Ray instance"
            raise ToolkitError(f"cannot start or reach {where}: {exc}") from exc
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # no plan printed per dataset
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    # Group-bys by sort: hash shuffles start aggregator actors, seconds per step on few rows.
    context.shuffle_strategy = ray.data.context.ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    return ray
