"""Interchange with other event formats: PLOVER records in (articles + a layer) and out."""

from __future__ import annotations

from toolkit.interchange.plover_export import export_plover
from toolkit.interchange.plover_import import INDEX_NAME, LAYER, REPORT_NAME, import_plover
from toolkit.interchange.plover_records import read_records, strip_trailing_commas

__all__ = [
    "INDEX_NAME",
    "LAYER",
    "REPORT_NAME",
    "export_plover",
    "import_plover",
    "read_records",
    "strip_trailing_commas",
]
