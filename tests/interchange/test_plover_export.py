"""Layers to PLOVER JSON lines, and the whole gold file through import, export, import."""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.annotations import Span, read_annotation_file
from toolkit.ingest import parse_article
from toolkit.interchange import INDEX_NAME, LAYER, import_plover, read_records
from toolkit.interchange.plover_export import DocumentInfo, export_lines, read_index, rebuild_markup
from toolkit.interchange.plover_records import PloverRecord, parse_markup

GOLD = Path(__file__).resolve().parents[1] / "data" / "plover" / "PLOVER_GSR_CAMEO.txt"


def test_markup_is_rebuilt_with_nested_tags() -> None:
    text = "Troops fired in Kabul."
    spans = [
        ("EVT", Span("e", 7, 12, "fired", "EVENT")),
        ("TAR", Span("a", 16, 21, "Kabul", "ACTOR")),
        ("LOC", Span("l", 16, 21, "Kabul", "LOCATION")),
    ]
    assert rebuild_markup(text, 0, spans) == "Troops (EVT: fired) in (LOC: (TAR: Kabul))."


def _export(out: Path) -> list[dict[str, object]]:
    docs = {}
    for path in sorted((out / "articles").glob("*.txt")):
        article = parse_article(path.read_bytes(), source_path=path.name)
        docs[article.doc_id] = DocumentInfo(article.text, tuple(article.sentences), None)
    layer = [read_annotation_file(p) for p in sorted((out / "annotations" / LAYER).glob("*.json"))]
    lines, missing = export_lines(layer, docs, read_index(out / INDEX_NAME))
    assert missing == []
    return [json.loads(line) for line in lines]


def test_gold_import_export_import_keeps_every_field_the_layer_has(tmp_path: Path) -> None:
    import_plover(GOLD, tmp_path / "first")
    exported = _export(tmp_path / "first")
    records: dict[str, PloverRecord] = {}
    for read in read_records(GOLD)[0]:
        records.setdefault(read.id, read)  # a repeated id is rejected: the first one is imported
    originals = {key: r.raw for key, r in records.items()}
    assert len(exported) == 318
    for record in exported:
        original = originals[str(record["id"])]
        assert record["date"] == original["date"]
        # The converter collapses runs of spaces; a text of several sentences exports one.
        assert " ".join(str(record["text"]).split()) in " ".join(str(original["text"]).split())
        names = {a["actorText"] for key in ("source", "target") for a in original.get(key) or []}
        # An actor the markup marks but the lists lack is exported under its marked words.
        marked = {m.text for m in parse_markup(records[str(record["id"])].markup or "").marks}
        assert {a["actorText"] for key in ("source", "target") for a in record[key]} <= (
            names | marked
        )
    again = tmp_path / "again.jsonl"
    again.write_text("".join(json.dumps(r) + "\n" for r in exported), encoding="utf-8")
    import_plover(again, tmp_path / "second")
    first = _by_text(tmp_path / "first")
    second = _by_text(tmp_path / "second")
    assert len(first) == 314
    assert second == first


def _by_text(out: Path) -> dict[str, object]:
    """Each layer file's content keyed by its text's hash, span ids replaced by positions.

    Four records' texts hold runs of spaces that the converter collapses: their exported
    text converts to a new document (new doc_id, new span ids) with the same text.
    """
    files = {}
    for path in sorted((out / "annotations" / LAYER).glob("*.json")):
        layer = read_annotation_file(path)
        where = {s.id: (s.start, s.end, s.label) for s in layer.spans}
        files[layer.text_sha256] = (
            sorted((s.start, s.end, s.label, s.text, str(s.attributes)) for s in layer.spans),
            sorted((r.type, where[r.from_id], where[r.to_id]) for r in layer.relations),
            layer.source,
        )
    return files
