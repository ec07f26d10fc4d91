"""The minimal PLOVER records reader of tests/bench and the shares it measures."""

from __future__ import annotations

from pathlib import Path

from ..bench.plover_records import (
    PloverRecord,
    is_dev_record,
    measure,
    read_records,
    split_records,
)

RECORDS = """[
{
    "id": "PLOVER-GSR01-DOCUMENT-0001",
    "event": "DOCUMENT",
    "text": "Documentation.",
},
{
    "id": "PLOVER-GSR01-DEMAND-0001",
    "source": [{"actorText": "Tokyo", "code": "JAP"}, {"actorText": "UN", "code": "IGO"}],
    "target": "",
    "event": "DEMAND",
    "text": "Tokyo urged the UN to act.",
},
]
"""


def test_reader_drops_trailing_commas_documentation_and_non_countries(tmp_path: Path) -> None:
    path = tmp_path / "records.txt"
    path.write_text(RECORDS, encoding="utf-8")
    assert read_records(path) == [
        PloverRecord("PLOVER-GSR01-DEMAND-0001", "Tokyo urged the UN to act.", "REQUEST", ("JPN",))
    ]


def test_measure_counts_categories_and_country_codes() -> None:
    records = [
        PloverRecord("a", "one", "REQUEST", ("JPN", "USA")),
        PloverRecord("b", "two", "ACCUSE", ()),
    ]
    spans = {
        "a": [("EVENT", {"category": "REQUEST"}), ("ACTOR", {"country": "JPN"})],
        "b": [("ACTOR", {"country": "USA"})],
    }
    m = measure(records, lambda record_id, _text: spans[record_id])
    assert (m["no_event_share"], m["gold_category_share"], m["country_code_share"]) == (
        0.5,
        0.5,
        0.5,
    )


def test_halves_are_fixed_by_the_hash_of_the_id_and_cover_every_record() -> None:
    records = [PloverRecord(f"PLOVER-{i}", "text", "AGREE", ()) for i in range(40)]
    dev, heldout = split_records(records)
    assert sorted(r.record_id for r in dev + heldout) == sorted(r.record_id for r in records)
    assert [is_dev_record(r.record_id) for r in dev] == [True] * len(dev)
    assert [is_dev_record(r.record_id) for r in heldout] == [False] * len(heldout)
    # Fixed by SHA-256 of the id: even hash, dev half; odd, held out.
    assert is_dev_record("PLOVER-GSR01-AGREE-0005") is True
    assert is_dev_record("PLOVER-GSR01-AGREE-0006") is False
    assert 0 < len(dev) < len(records)
