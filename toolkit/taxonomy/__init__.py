"""The one taxonomy and what derives from it: JSON Schemas, codebook tables, gazetteer."""

from __future__ import annotations

from toolkit.taxonomy.codebook import GUIDELINES_PATH, render_guidelines, update_guidelines
from toolkit.taxonomy.gazetteer import Gazetteer, GazetteerEntry, default_gazetteer, lookup
from toolkit.taxonomy.labels import Attribute, Label, Taxonomy, read_taxonomy
from toolkit.taxonomy.schemas import (
    DOC_ID,
    MACHINE_KINDS,
    read_schemas,
    stale_schemas,
    write_schemas,
)

__all__ = [
    "DOC_ID",
    "GUIDELINES_PATH",
    "MACHINE_KINDS",
    "Attribute",
    "Gazetteer",
    "GazetteerEntry",
    "Label",
    "Taxonomy",
    "default_gazetteer",
    "lookup",
    "read_schemas",
    "read_taxonomy",
    "render_guidelines",
    "stale_schemas",
    "update_guidelines",
    "write_schemas",
]
