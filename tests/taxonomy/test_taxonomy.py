"""Tests for toolkit.taxonomy: the one file every label and attribute comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.errors import TaxonomyError
from toolkit.taxonomy.labels import TAXONOMY_PATH, parse_taxonomy, read_taxonomy


@pytest.fixture(name="taxonomy")
def taxonomy_fixture():
    return read_taxonomy()


@pytest.fixture(name="raw")
def raw_fixture() -> dict:
    return json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))


def test_labels_in_order(taxonomy):
    assert taxonomy.label_names == ("ACTOR", "EVENT", "LOCATION", "STANCE")


def test_sixteen_plover_categories_in_four_quad_classes(taxonomy, raw):
    category = taxonomy.label("EVENT").attribute("category")
    assert len(category.values) == 16
    quads = raw["labels"]["EVENT"]["attributes"]["category"]["quad_class"]
    assert set(quads) == set(category.values)
    assert sorted(set(quads.values())) == [
        "material_conflict",
        "material_cooperation",
        "verbal_conflict",
        "verbal_cooperation",
    ]


def test_country_codes_come_from_pycountry_plus_plover_extras(taxonomy):
    country = taxonomy.label("ACTOR").attribute("country")
    assert {"USA", "CHN", "TWN", "IGO", "UNO"} <= set(country.values)
    assert country.values["TWN"] == "Taiwan"
    assert len(country.values) == 249 + 8


def test_mode_values_depend_on_category(taxonomy):
    mode = taxonomy.label("EVENT").attribute("mode")
    assert mode.allowed("CONSULT") == ("visit", "third-party", "multilateral", "phone")
    assert mode.allowed("AGREE") == ()


def test_attribute_names_are_the_union_in_first_seen_order(taxonomy):
    assert taxonomy.attribute_names == (
        "canonical_name",
        "country",
        "sector",
        "wikidata_id",
        "category",
        "mode",
        "context",
        "modality",
        "gazetteer_id",
        "feature_type",
        "value",
        "facet",
    )


def test_hash_is_stable_and_changes_with_content(raw):
    first = parse_taxonomy(raw)
    again = parse_taxonomy(json.loads(json.dumps(raw)))
    assert first.sha256 == again.sha256
    raw["labels"]["STANCE"]["attributes"]["value"]["values"]["MIXED"] = "both"
    assert parse_taxonomy(raw).sha256 != first.sha256


@pytest.mark.parametrize(
    ("label", "attributes", "expected"),
    [
        ("EVENT", {"category": "CONSULT", "mode": "visit", "modality": "asserted"}, []),
        (
            "EVENT",
            {"category": "AGREE", "mode": "visit", "modality": "asserted"},
            [
                "EVENT attribute 'mode' has value 'visit'; valid: (none for this choice) "
                "(for category AGREE)"
            ],
        ),
        (
            "STANCE",
            {"value": "PRO"},
            ["STANCE attribute 'value' has value 'PRO'; valid: AGAINST, NONE, FAVOR"],
        ),
        (
            "ACTOR",
            {"canonical_name": "Wang Yi", "country": "CHN", "sector": "GOV", "wikidata_id": "Y1"},
            ["ACTOR attribute 'wikidata_id' value 'Y1' does not match ^Q[1-9][0-9]*$"],
        ),
        (
            "ACTOR",
            {"country": "CHN", "sector": "GOV"},
            ["ACTOR attribute 'canonical_name' is required"],
        ),
        (
            "LOCATION",
            {"gazetteer_id": "geonames:1816670", "feature_type": "city", "size": "big"},
            ["LOCATION has no attribute 'size'; valid: country, feature_type, gazetteer_id"],
        ),
        ("PERSON", {}, ["unknown label 'PERSON'; valid: ACTOR, EVENT, LOCATION, STANCE"]),
        (
            "EVENT",
            {"category": "CONSULT", "modality": "asserted", "context": ["military", "economic"]},
            [],
        ),
        (
            "EVENT",
            {"category": "CONSULT", "modality": "asserted", "context": "military"},
            ["EVENT attribute 'context' must be a list of strings (several values allowed)"],
        ),
        (
            "EVENT",
            {"category": "CONSULT", "modality": "asserted", "context": ["military", "space"]},
            [
                "EVENT attribute 'context' has value 'space'; valid: diplomatic, military, "
                "territory, economic, technology, cyber, intelligence, legal, crime, corruption, "
                "human_rights, rights_freedoms, political_institutions, executive, election, "
                "humanitarian, peacekeeping, refugees, terrorism, cbrn, ... (22 in all)"
            ],
        ),
        (
            "EVENT",
            {"category": "CONSULT", "modality": "asserted", "context": ["cyber", "cyber"]},
            ["EVENT attribute 'context' lists a value twice: ['cyber', 'cyber']"],
        ),
    ],
    ids=[
        "valid-event",
        "mode-not-of-category",
        "stance-value",
        "wikidata-pattern",
        "missing-required",
        "unknown-attribute",
        "unknown-label",
        "context-list",
        "context-not-a-list",
        "context-unknown-value",
        "context-twice",
    ],
)
def test_check_attributes_messages(taxonomy, label, attributes, expected):
    assert taxonomy.check_attributes(label, attributes) == expected


def test_unknown_label_error_names_valid_ones(taxonomy):
    with pytest.raises(TaxonomyError, match=r"^unknown label 'PER'; valid: ACTOR, EVENT"):
        taxonomy.label("PER")


def test_read_taxonomy_reports_bad_json_with_line(tmp_path: Path):
    bad = tmp_path / "taxonomy.json"
    bad.write_text('{\n  "labels": {,\n}\n', encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        read_taxonomy(bad)
    assert (
        str(info.value)
        == f"{bad}:2: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_relation_to_unknown_label_is_rejected(raw):
    raw["relations"]["holder"]["to_label"] = "PERSON"
    with pytest.raises(TaxonomyError, match="relation 'holder' refers to unknown label 'PERSON'"):
        parse_taxonomy(raw)


def test_argument_relations_leave_event_spans(taxonomy):
    rels = taxonomy.relations
    assert [(n, r.from_label, r.to_label, r.max_per_span) for n, r in rels.items()] == [
        ("holder", "STANCE", "ACTOR", 1),
        ("source", "EVENT", "ACTOR", None),
        ("target", "EVENT", "ACTOR", None),
        ("location", "EVENT", "LOCATION", 1),
    ]
    assert not rels["source"].exceeds(40)
    assert rels["location"].exceeds(2)
    assert rels["source"].limit_text == "no limit"


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(None, None), (0, None), (3, 3)],
    ids=["null-unbounded", "zero-unbounded", "three"],
)
def test_max_per_span_null_or_zero_means_no_limit(raw, limit, expected):
    raw["relations"]["source"]["max_per_span"] = limit
    assert parse_taxonomy(raw).relations["source"].max_per_span == expected


@pytest.mark.parametrize("limit", [-1, "2", True], ids=["negative", "string", "bool"])
def test_bad_max_per_span_is_rejected(raw, limit):
    raw["relations"]["source"]["max_per_span"] = limit
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy(raw)
    assert str(info.value) == (
        f"<taxonomy>: relation 'source': max_per_span {limit!r} is not valid; valid: a "
        "positive integer, or null or 0 for no limit"
    )


def test_unknown_attribute_type_is_rejected(raw):
    raw["labels"]["EVENT"]["attributes"]["context"]["type"] = "set"
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy(raw)
    assert str(info.value) == (
        "<taxonomy>: attribute EVENT.context has type 'set'; valid: string, choice, multi_choice"
    )


def test_context_is_multi_valued(taxonomy):
    context = taxonomy.label("EVENT").attribute("context")
    assert context.is_multi and context.is_choice and not context.required
    assert {"military", "diplomatic", "territory", "economic", "technology", "cyber"} <= set(
        context.values
    )
