"""The quality script's PLOVER bootstrap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.bench.plover_records import PloverRecord
from tests.bench.quality import bootstrap


def test_bootstrap_keeps_records_that_share_an_id_apart() -> None:
    # The PLOVER file gives two different sentences the id PLOVER-GSR01-COERCE-0004.
    records = [
        PloverRecord("same-id", "first", "COERCE", ()),
        PloverRecord("same-id", "second", "COERCE", ()),
    ]

    def suggest(_record_id: str, text: str) -> list[tuple[str, Mapping[str, Any]]]:
        return [("EVENT", {"category": "COERCE"})] if text == "first" else []

    shares = bootstrap(records, suggest, n=20)
    assert shares["gold_category_share"][0] == 0.5
    assert shares["no_event_share"][0] == 0.5
