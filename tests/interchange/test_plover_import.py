"""PLOVER records to articles plus a layer: anchoring, mapping, and every loss listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.annotations import read_annotation_file
from toolkit.ingest import parse_article
from toolkit.interchange import INDEX_NAME, LAYER, REPORT_NAME, import_plover

GOLD = Path(__file__).resolve().parents[1] / "data" / "plover" / "PLOVER_GSR_CAMEO.txt"


def _record(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "r1",
        "date": "2000-01-01",
        "event": "CONSULT",
        "mode": "visit",
        "source": [{"actorText": "Fischer", "code": "DEU", "sector": "GOVxyz"}],
        "target": [{"actorText": "Albania", "code": "ALB"}],
        "text": "Foreign Minister Fischer will visit Albania in June.",
        "textInfo": {
            "markup": "Foreign Minister (SRC: Fischer) will (EVT: visit) (TAR: Albania) in June."
        },
    }
    base.update(fields)
    return base


def _import(tmp_path: Path, *records: dict[str, object]) -> tuple[object, Path]:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    return import_plover(src, out), out


def test_a_record_becomes_an_article_and_an_anchored_layer_file(tmp_path: Path) -> None:
    _, out = _import(tmp_path, _record())
    (article_path,) = sorted((out / "articles").glob("*.txt"))
    article = parse_article(article_path.read_bytes(), source_path=article_path.name)
    layer = read_annotation_file(out / "annotations" / LAYER / f"{article.doc_id}.json")
    spans = {s.label + ":" + s.text: s for s in layer.spans}
    assert sorted(spans) == ["ACTOR:Albania", "ACTOR:Fischer", "EVENT:visit"]
    for span in layer.spans:
        assert article.text[span.start : span.end] == span.text
    assert spans["EVENT:visit"].attributes == {"category": "CONSULT", "mode": "visit"}
    assert spans["ACTOR:Fischer"].attributes == {
        "canonical_name": "Fischer",
        "country": "DEU",
        "sector": "GOV",
    }
    event = spans["EVENT:visit"].id
    assert sorted((r.type, r.from_id, r.to_id) for r in layer.relations) == [
        ("source", event, spans["ACTOR:Fischer"].id),
        ("target", event, spans["ACTOR:Albania"].id),
    ]
    report = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["not_kept"] == {"r1": ["sector code 'GOVxyz' of 'Fischer' (kept as GOV)"]}
    index = [json.loads(x) for x in (out / INDEX_NAME).read_text(encoding="utf-8").splitlines()]
    assert index == [
        {
            "date": "2000-01-01",
            "doc_id": article.doc_id,
            "event": "CONSULT",
            "event_span_id": event,
            "id": "r1",
            "line": 1,
        }
    ]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"event": "DOCUMENT"}, "documentation record (event DOCUMENT), not an event"),
        ({"text": ""}, "no text"),
        ({"textInfo": None}, "no textInfo.markup: nothing marks where the event and actors are"),
        (
            {"textInfo": {"markup": "Fischer will (EVT: go) to Albania."}},
            "no (EVT: ...) words of the markup are in the text",
        ),
        (
            {"event": "PARTY"},
            "event 'PARTY' is not a PLOVER category (valid: AGREE, CONSULT, SUPPORT, CONCEDE, "
            "COOPERATE, AID, RETREAT, REQUEST, ACCUSE, REJECT, THREATEN, PROTEST, SANCTION, "
            "MOBILIZE, COERCE, ASSAULT)",
        ),
    ],
    ids=["documentation", "no-text", "no-markup", "trigger-not-in-text", "unknown-category"],
)
def test_a_record_that_cannot_be_imported_is_listed(
    tmp_path: Path, fields: dict[str, object], reason: str
) -> None:
    _, out = _import(tmp_path, _record(**fields), _record(id="r2"))
    report = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["rejects"] == [{"id": "r1", "line": 1, "reason": reason}]
    assert report["events"] == 1


def test_old_categories_map_to_the_current_ones(tmp_path: Path) -> None:
    record = _record(
        event="INVESTIGATE",
        mode="",
        textInfo={"markup": "Foreign Minister (SRC: Fischer) will (EVT: visit) Albania in June."},
    )
    _, out = _import(tmp_path, record)
    (path,) = sorted((out / "annotations" / LAYER).glob("*.json"))
    (event,) = [s for s in read_annotation_file(path).spans if s.label == "EVENT"]
    assert event.attributes == {"category": "ACCUSE", "mode": "investigate"}
    report = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["not_kept"]["r1"] == [
        "sector code 'GOVxyz' of 'Fischer' (kept as GOV)",
        "target 'Albania' (no marked words name it)",
    ]


def test_the_whole_gold_file_imports_the_same_bytes_twice(tmp_path: Path) -> None:
    first = import_plover(GOLD, tmp_path / "a")
    import_plover(GOLD, tmp_path / "b")
    assert (first.records, first.events, first.documents, len(first.rejects)) == (323, 318, 314, 5)
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            assert (
                path.read_bytes()
                == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
            )
