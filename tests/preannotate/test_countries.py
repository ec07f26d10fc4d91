"""Country names and demonyms from pycountry and country_converter."""

from __future__ import annotations

import pytest

from toolkit.preannotate.countries import country_names, country_rows, derived_demonyms


@pytest.mark.parametrize(
    ("word", "iso3"),
    [("Romanian", "ROU"), ("Nigerian", "NGA"), ("Mexican", "MEX"), ("Iraqi", "IRQ")],
    ids=["ia-n", "not-niger", "o-an", "consonant-i"],
)
def test_derived_demonyms_name_their_country(word: str, iso3: str) -> None:
    assert derived_demonyms()[word] == iso3


def test_no_derived_demonym_reads_as_two_countries() -> None:
    rows = country_rows()
    for word, iso3 in derived_demonyms().items():
        assert {r.iso3 for r in rows if r.pattern.search(word)} == {iso3}, word


def test_irregular_and_multiword_names_are_not_derived() -> None:
    demonyms = derived_demonyms()
    assert "Francean" not in demonyms  # France -> French is irregular (lexicon.json)
    assert not any(" " in word for word in demonyms)


@pytest.mark.parametrize(
    ("name", "iso3"),
    [("Republic of Korea", "KOR"), ("State of Palestine", "PSE"), ("Côte d'Ivoire", "CIV")],
    ids=["official", "official-pse", "pycountry"],
)
def test_country_names(name: str, iso3: str) -> None:
    assert country_names()[name] == iso3


def test_ambiguous_and_inverted_names_are_left_out() -> None:
    names = country_names()
    assert "Jordan" not in names and "Chad" not in names
    assert not any("," in name for name in names)
