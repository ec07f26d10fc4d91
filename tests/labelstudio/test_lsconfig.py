"""Label Studio config, result conversion, retries and server settings; no server needed."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.label_interface import LabelInterface

from toolkit.annotations.records import AnnotationFile, RelationLink, Span
from toolkit.core.ids import make_span_id, sha256_text
from toolkit.errors import LabelStudioError
from toolkit.labelstudio import server as lsserver
from toolkit.labelstudio import sync as ls
from toolkit.taxonomy.labels import Taxonomy, read_taxonomy

TEXT = "Antony Blinken met Xi Jinping in Beijing.\nThe US does not support Taiwan independence."
DOC = "doc_0123456789abcdef"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return read_taxonomy()


@pytest.fixture(scope="module")
def config_xml(taxonomy: Taxonomy) -> ET.Element:
    return ET.fromstring(ls.make_label_config(taxonomy))


def span(label: str, needle: str, attrs: dict[str, str], text: str = TEXT) -> Span:
    start = text.index(needle)
    end = start + len(needle)
    return Span(make_span_id(DOC, label, start, end), start, end, needle, label, attrs)


def sample(annotator: str = "pass-a") -> AnnotationFile:
    actor = span(
        "ACTOR",
        "Antony Blinken",
        {
            "canonical_name": "Antony Blinken",
            "country": "USA",
            "sector": "GOV",
            "wikidata_id": "Q4773949",
        },
    )
    us = span(
        "ACTOR",
        "US",
        {"canonical_name": "Government of the United States", "country": "USA", "sector": "GOV"},
    )
    event = span("EVENT", "met", {"category": "CONSULT", "mode": "visit", "modality": "asserted"})
    place = span(
        "LOCATION",
        "Beijing",
        {"gazetteer_id": "geonames:1816670", "country": "CHN", "feature_type": "city"},
    )
    stance = span("STANCE", "not support Taiwan independence", {"value": "NONE"})
    return AnnotationFile(
        DOC,
        sha256_text(TEXT),
        annotator,
        "1.0.0",
        [actor, us, event, place, stance],
        [RelationLink("holder", stance.id, us.id)],
    )


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
        ls.control_name(lab.name, a.name): lab.name
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
    config = ls.make_label_config(taxonomy)
    assert "<Style>.htx-richtext { white-space: pre-wrap; }</Style>" in config
    assert f'value="Codebook {taxonomy.codebook_version} · taxonomy geoevent' in config
    assert '<Relation value="holder"/>' in config
    assert '<Text name="text" value="$text"/>' in config


def test_predictions_validate_and_wrong_ones_do_not(taxonomy: Taxonomy) -> None:
    interface = LabelInterface(ls.make_label_config(taxonomy))
    result = ls.annotation_to_result(sample(), taxonomy)
    assert interface.validate_prediction({"result": result}, return_errors=True) == []
    result[0]["from_name"] = "nope"
    assert interface.validate_prediction({"result": result}, return_errors=True) == [
        "Region 0: 'from_name' 'nope' not found in configuration"
    ]


# ---------------------------------------------------------------- results


def test_result_round_trips_to_the_same_annotation(taxonomy: Taxonomy) -> None:
    want = sample()
    spans, relations, problems = ls.result_to_annotation(
        ls.annotation_to_result(want, taxonomy), text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    got = AnnotationFile(DOC, want.text_sha256, "pass-a", "1.0.0", spans, relations)
    assert got.to_json() == want.to_json()


def test_relation_drawn_backwards_still_points_stance_to_holder(taxonomy: Taxonomy) -> None:
    result = ls.annotation_to_result(sample(), taxonomy)
    rel = result[-1]
    rel["from_id"], rel["to_id"], rel["labels"] = rel["to_id"], rel["from_id"], []
    _, relations, problems = ls.result_to_annotation(
        result, text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    assert relations == sample().relations


def _problems(result: list[dict[str, Any]], taxonomy: Taxonomy) -> list[str]:
    return ls.result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)[2]


def _region(start: int, end: int, label: str, quote: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if quote is not None:
        value["text"] = quote
    return {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels", "value": value}


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (
            [_region(80, 200, "EVENT")],
            "region r1 (EVENT): offsets 80-200 outside the text (0-86 code points)",
        ),
        (
            [_region(1, 7, "EVENT", "Antony")],
            "region r1 (EVENT): text[1:7] is 'ntony ' but Label "
            "Studio shows 'Antony'; the task text differs from the annotated one",
        ),
        (
            [_region(0, 6, "TOPIC")],
            "region r1: labels ['TOPIC'] (valid: exactly one of ACTOR, EVENT, LOCATION, STANCE)",
        ),
        (
            [_region(0, 6, "EVENT")],
            "region r1 (EVENT 'Antony'): EVENT attribute 'category' is required",
        ),
    ],
    ids=["out-of-range", "shifted", "unknown-label", "missing-attribute"],
)
def test_bad_regions_are_problems(
    result: list[dict[str, Any]], message: str, taxonomy: Taxonomy
) -> None:
    assert message in _problems(result, taxonomy)


def test_newlines_shown_as_backslash_n_still_match(taxonomy: Taxonomy) -> None:
    start = TEXT.index("Beijing.")
    end = TEXT.index("The US") + 3
    region = _region(start, end, "LOCATION", "Beijing.\\nThe")
    attrs = {
        "id": "r1",
        "from_name": "location_gazetteer_id",
        "to_name": "text",
        "type": "textarea",
        "value": {"start": start, "end": end, "text": ["local:x"]},
    }
    kind = {
        "id": "r1",
        "from_name": "location_feature_type",
        "to_name": "text",
        "type": "choices",
        "value": {"start": start, "end": end, "choices": ["city"]},
    }
    spans, _, problems = ls.result_to_annotation(
        [region, attrs, kind], text=TEXT, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    assert spans[0].text == "Beijing.\nThe"


def test_attributes_of_a_previous_label_are_dropped(taxonomy: Taxonomy) -> None:
    result = ls.annotation_to_result(sample(), taxonomy)
    place = next(
        r for r in result if r["from_name"] == "label" and r["value"]["labels"] == ["LOCATION"]
    )
    result.append(
        {
            "id": place["id"],
            "from_name": "actor_sector",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["GOV"]},
        }
    )
    spans, _, problems = ls.result_to_annotation(result, text=TEXT, doc_id=DOC, taxonomy=taxonomy)
    assert problems == []
    assert "sector" not in next(s for s in spans if s.label == "LOCATION").attributes


def test_stance_without_holder_is_a_problem(taxonomy: Taxonomy) -> None:
    result = [r for r in ls.annotation_to_result(sample(), taxonomy) if r["type"] != "relation"]
    assert _problems(result, taxonomy) == [
        "STANCE 'not support Taiwan independence' has no holder relation (required: draw one "
        "to a ACTOR span)"
    ]


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=80
    ),
    cuts=st.lists(st.tuples(st.integers(0, 79), st.integers(1, 80)), max_size=6),
)
def test_any_valid_span_survives_the_round_trip(
    text: str, cuts: list[tuple[int, int]], taxonomy: Taxonomy
) -> None:
    spans = {}
    for a, b in cuts:
        start, end = min(a, b), max(a, b)
        if end > len(text) or start == end:
            continue
        s = Span(
            make_span_id(DOC, "EVENT", start, end),
            start,
            end,
            text[start:end],
            "EVENT",
            {"category": "ACCUSE", "modality": "asserted"},
        )
        spans[s.id] = s
    want = AnnotationFile(DOC, sha256_text(text), "x", "1.0.0", list(spans.values()))
    got, _, problems = ls.result_to_annotation(
        ls.annotation_to_result(want, taxonomy), text=text, doc_id=DOC, taxonomy=taxonomy
    )
    assert problems == []
    assert sorted(s.to_json()["id"] for s in got) == sorted(spans)
    assert all(text[s.start : s.end] == s.text for s in got)


# ---------------------------------------------------------------- pseudonyms


def test_pseudonym_is_stable_keyed_and_hides_the_id() -> None:
    assert ls.annotator_id(7, b"salt") == ls.annotator_id(7, b"salt")
    assert ls.annotator_id(7, b"salt") != ls.annotator_id(7, b"other")
    assert ls.annotator_id(7, b"salt") != ls.annotator_id(8, b"salt")
    assert ls.annotator_id(7, b"salt").startswith("ls-")
    assert len(ls.annotator_id(7, b"salt")) == 15


# ---------------------------------------------------------------- errors and retries


def _api_error(status: int, body: Any = None) -> ApiError:
    return ApiError(status_code=status, headers={}, body=body)


@pytest.mark.parametrize(
    ("exc", "message", "status"),
    [
        (
            _api_error(401),
            "push: Label Studio refused the API token; check LABEL_STUDIO_API_KEY (HTTP 401)",
            401,
        ),
        (
            _api_error(400, {"validation_errors": {"label_config": ["bad"]}}),
            'push: {"label_config": ["bad"]} (HTTP 400)',
            400,
        ),
        (_api_error(502), "push: no detail given (HTTP 502)", 502),
        (
            httpx.ConnectError("refused"),
            "push: cannot reach Label Studio (ConnectError: refused); "
            "is the server running (`toolkit labelstudio serve`) and LABEL_STUDIO_URL right?",
            None,
        ),
    ],
    ids=["401", "400-detail", "502", "connect"],
)
def test_errors_are_translated_once(exc: Exception, message: str, status: int | None) -> None:
    error = ls.translate_error(exc, "push")
    assert (str(error), error.status_code) == (message, status)


def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    waits: list[float] = []
    answers: list[Exception | str] = [_api_error(500), _api_error(503), "ok"]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    policy = ls.RetryPolicy(attempts=4, base_delay_s=0.25, sleep=waits.append)
    assert ls.call_api("x", call, policy) == "ok"
    assert waits == [0.25, 0.5]


def test_4xx_is_not_retried() -> None:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise _api_error(404, {"detail": "Not found."})

    with pytest.raises(LabelStudioError, match=r'^x: "Not found\." \(HTTP 404\)$'):
        ls.call_api("x", call, ls.RetryPolicy(sleep=lambda s: None))
    assert calls == [1]


def test_retries_are_bounded() -> None:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise httpx.ReadError("reset")

    with pytest.raises(LabelStudioError):
        ls.call_api("x", call, ls.RetryPolicy(attempts=3, sleep=lambda s: None))
    assert len(calls) == 3


# ---------------------------------------------------------------- server settings


def test_credentials_are_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "labelstudio.env"
    first = lsserver.ensure_credentials(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert lsserver.ensure_credentials(path) == first
    assert len(first.api_key) == 40 and first.api_key not in repr(first)
    assert first.password not in repr(first)


def test_environment_wins_over_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "labelstudio.env"
    lsserver.write_settings(
        path, {"LABEL_STUDIO_URL": "http://file:1/", "LABEL_STUDIO_API_KEY": "from-file"}
    )
    assert lsserver.resolve_connection({}, path) == lsserver.Connection(
        "http://file:1", "from-file"
    )
    env = {"LABEL_STUDIO_URL": "http://env:2", "LABEL_STUDIO_API_KEY": "from-env"}
    assert lsserver.resolve_connection(env, path) == lsserver.Connection("http://env:2", "from-env")


def test_settings_file_line_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labelstudio.env"
    path.write_text("LABEL_STUDIO_URL=http://x\nnonsense\n", encoding="utf-8")
    with pytest.raises(LabelStudioError) as info:
        lsserver.read_settings(path)
    assert str(info.value) == (
        f"{path}: line 2 is not KEY=VALUE (valid: e.g. LABEL_STUDIO_URL=http://localhost:8080)"
    )


def test_config_path_follows_xdg() -> None:
    assert lsserver.config_path({"XDG_CONFIG_HOME": "/x"}) == Path(
        "/x/geoevent-toolkit/labelstudio.env"
    )
    assert lsserver.config_path({"HOME": "/h"}) == Path(
        "/h/.config/geoevent-toolkit/labelstudio.env"
    )


def test_server_environment_is_clean(tmp_path: Path) -> None:
    creds = lsserver.Credentials("admin@example.com", "pw", "k" * 40, "s")
    leaky = {
        "HOST": "evil",
        "PORT": "1",
        "USERNAME": "me",
        "PASSWORD": "x",
        "HOME": "/h",
        "SENTRY_DSN": "https://x",
        "DJANGO_DB": "other",
    }
    env = lsserver.server_environment(lsserver.ServerLayout(tmp_path), creds, leaky)
    assert not {"HOST", "PORT", "USERNAME", "PASSWORD", "DJANGO_DB"} & set(env)
    assert (env["SENTRY_DSN"], env["FRONTEND_SENTRY_DSN"], env["LATEST_VERSION_CHECK"]) == (
        "",
        "",
        "false",
    )
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(tmp_path / "data")


def test_secrets_are_masked_in_server_output() -> None:
    assert lsserver.mask_secrets("token=abc pw=xyz", ("abc", "xyz", "")) == "token=*** pw=***"


def test_start_refuses_a_missing_install(tmp_path: Path) -> None:
    creds = lsserver.Credentials("admin@example.com", "pw", "k" * 40, "s")
    with pytest.raises(LabelStudioError, match="is not installed in"):
        lsserver.start_server(lsserver.ServerLayout(tmp_path), creds, port=lsserver.free_port())
    assert not os.path.exists(tmp_path / "data")


def test_checker_skips_only_shapes_that_passed(taxonomy: Taxonomy) -> None:
    checker = ls.PredictionChecker(LabelInterface(ls.make_label_config(taxonomy)))
    result = ls.annotation_to_result(sample(), taxonomy)
    assert checker.errors(result) == []
    moved = [
        dict(r, value={**r["value"], "start": r["value"]["start"] + 1})
        if r["type"] != "relation"
        else r
        for r in result
    ]
    assert checker.errors(moved) == []
    wrong = [dict(r) for r in result]
    country = next(i for i, r in enumerate(wrong) if r.get("from_name") == "actor_country")
    wrong[country] = {**wrong[country], "value": {**wrong[country]["value"], "choices": ["XXX"]}}
    [error] = checker.errors(wrong)
    assert error.startswith(f"Region {country}: Invalid value for control 'actor_country'. Got: ")
