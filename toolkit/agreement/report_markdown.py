"""The agreement report as Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toolkit import report
from toolkit.agreement.report_tables import (
    annotator_table,
    attribute_table,
    dispute_table,
    document_table,
    pair_table,
    relation_table,
    span_table,
    summary_lines,
)


def render_markdown(data: Mapping[str, Any]) -> str:
    """The agreement report as Markdown."""
    out = ["# Inter-annotator agreement", ""]
    out += summary_lines(data)
    out += ["", "## Matching and methods", ""]
    out += [f"- **{k}**: {v}" for k, v in data["settings"]["rules"].items()]
    out += ["", "## Spans", "", report.markdown_table(*span_table(data))]
    out += ["## Annotator pairs", "", report.markdown_table(*pair_table(data))]
    out += ["## Attributes (on matched spans)", "", report.markdown_table(*attribute_table(data))]
    out += ["## Relations", "", report.markdown_table(*relation_table(data))]
    out += ["## Per annotator", "", report.markdown_table(*annotator_table(data))]
    headers, rows, note = document_table(data)
    out += ["## Per document", "", note, "", report.markdown_table(headers, rows)]
    headers, rows, note = dispute_table(data)
    out += ["## Disagreements for adjudication", "", note, "", report.markdown_table(headers, rows)]
    if data["notes"]:
        out += ["## Notes", "", *[f"- {n}" for n in data["notes"]], ""]
    return "\n".join(out)
