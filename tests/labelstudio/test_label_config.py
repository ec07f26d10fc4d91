"""The labeling config made from the taxonomy."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from label_studio_sdk.label_interface import LabelInterface

from toolkit.annotations.records import RelationLink
from toolkit.labelstudio.label_config import control_name, make_label_config
from toolkit.labelstudio.results import annotation_to_result
from toolkit.taxonomy.labels import Taxonomy

from .test_results import sample


@pytest.fixture(scope="module")
def config_xml(taxonomy: Taxonomy) -> ET.Element:
    return ET.fromstring(make_label_config(taxonomy))


# ---------------------------------------------------------------- config


def test_config_has_every_label_with_color_and_hotkey(
    config_xml: ET.Element, taxonomy: Taxonomy
) -> None:
    labels = config_xml.find("Labels")
    assert labels is not None
    got = [(e.get("value"), e.get("background"), e.get("hotkey")) for e in labels]
    assert got == [(lab.name, lab.color, lab.hotkey) for lab in taxonomy.labels.values()]


def test_every_per_region_control_is_shown_only_for_its_label(
    config_xml: ET.Element, taxonomy: Taxonomy
) -> None:
    controls = [e for e in config_xml.iter() if e.tag in ("Choices", "TextArea")]
    expected = {
        control_name(lab.name, a.name): lab.name
        for lab in taxonomy.labels.values()
        for a in lab.attributes
    }
    assert sorted(e.get("name") for e in controls) == sorted(expected)
    for element in controls:
        name = element.get("name")
        assert (
            element.get("perRegion"),
            element.get("visibleWhen"),
            element.get("whenLabelValue"),
        ) == ("true", "region-selected", expected[name]), name


@pytest.mark.parametrize(
    ("control", "required", "tag", "layout"),
    [
        ("actor_canonical_name", "true", "TextArea", None),
        ("actor_country", "true", "Choices", "select"),
        ("actor_wikidata_id", None, "TextArea", None),
        ("event_mode", None, "Choices", "select"),
        ("stance_value", "true", "Choices", None),
        ("location_country", None, "Choices", "select"),
    ],
    ids=["canonical-name", "actor-country", "wikidata", "mode", "stance", "location-country"],
)
def test_controls_follow_the_taxonomy(
    config_xml: ET.Element, control: str, required: str | None, tag: str, layout: str | None
) -> None:
    [element] = [e for e in config_xml.iter() if e.get("name") == control]
    assert (element.tag, element.get("required"), element.get("layout")) == (tag, required, layout)


def test_long_lists_show_names_but_store_codes(config_xml: ET.Element) -> None:
    [country] = [e for e in config_xml.iter() if e.get("name") == "actor_country"]
    choices = {c.get("alias") or c.get("value"): c.get("value") for c in country}
    assert choices["TWN"] == "TWN — Taiwan"
    assert choices["UNO"] == "UNO — United Nations"
    [mode] = [e for e in config_xml.iter() if e.get("name") == "event_mode"]
    modes = {c.get("alias"): c.get("value") for c in mode}
    assert modes["expel"] == "expel (SANCTION, THREATEN)"


def test_config_carries_codebook_version_style_and_holder_relation(taxonomy: Taxonomy) -> None:
    config = make_label_config(taxonomy)
    assert "<Style>.htx-richtext { white-space: pre-wrap; }</Style>" in config
    assert f'value="Codebook {taxonomy.codebook_version} · taxonomy geoevent' in config
    assert '<Relation value="holder"/>' in config
    assert '<Text name="text" value="$text"/>' in config


def test_predictions_validate_and_wrong_ones_do_not(taxonomy: Taxonomy) -> None:
    interface = LabelInterface(make_label_config(taxonomy))
    result = annotation_to_result(sample(), taxonomy)
    assert interface.validate_prediction({"result": result}, return_errors=True) == []
    result[0]["from_name"] = "nope"
    assert interface.validate_prediction({"result": result}, return_errors=True) == [
        "Region 0: 'from_name' 'nope' not found in configuration"
    ]


def test_context_is_a_multiple_choice_and_arguments_are_relations(taxonomy: Taxonomy) -> None:
    config = make_label_config(taxonomy)
    assert '<Choices name="event_context" toName="text" perRegion="true"' in config
    context_line = next(line for line in config.splitlines() if 'name="event_context"' in line)
    assert 'choice="multiple"' in context_line
    for role in ("source", "target", "location"):
        assert f'<Relation value="{role}"/>' in config


def test_predictions_with_context_and_arguments_validate(taxonomy: Taxonomy) -> None:
    annotation = sample()
    event = next(s for s in annotation.spans if s.label == "EVENT")
    event.attributes["context"] = ["diplomatic", "military"]
    blinken = next(s for s in annotation.spans if s.text == "Antony Blinken")
    place = next(s for s in annotation.spans if s.label == "LOCATION")
    annotation.relations += [
        RelationLink("source", event.id, blinken.id),
        RelationLink("location", event.id, place.id),
    ]
    interface = LabelInterface(make_label_config(taxonomy))
    result = annotation_to_result(annotation, taxonomy)
    assert interface.validate_prediction({"result": result}, return_errors=True) == []
