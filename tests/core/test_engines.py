"""toolkit.core.engines: which Ray start_ray connects to."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.core import start_ray


@pytest.mark.parametrize(
    ("address", "expected"),
    [(None, "local"), ("", "local"), ("ray://head:10001", "ray://head:10001")],
    ids=["unset-starts-a-fresh-local-ray", "empty-too", "ray-address-is-used"],
)
def test_start_ray_never_joins_a_cluster_it_was_not_given(
    monkeypatch: pytest.MonkeyPatch, address: str | None, expected: str
) -> None:
    ray = pytest.importorskip("ray", reason="needs the ray extra")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **kwargs: calls.append(kwargs))
    if address is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", address)
    start_ray()
    assert [c["address"] for c in calls] == [expected]
