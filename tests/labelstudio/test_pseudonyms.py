"""Annotator pseudonyms."""

from __future__ import annotations

from toolkit.labelstudio.pseudonyms import annotator_id

# ---------------------------------------------------------------- pseudonyms


def test_pseudonym_is_stable_keyed_and_hides_the_id() -> None:
    assert annotator_id(7, b"salt") == annotator_id(7, b"salt")
    assert annotator_id(7, b"salt") != annotator_id(7, b"other")
    assert annotator_id(7, b"salt") != annotator_id(8, b"salt")
    assert annotator_id(7, b"salt").startswith("ls-")
    assert len(annotator_id(7, b"salt")) == 15
