"""The agreement report as Markdown."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from toolkit import report
from toolkit.agreement.report_tables import (
    annotator_table,
    argument_table,
    attribute_table,
    dispute_table,
    document_table,
    pair_table,
    relation_table,
    span_table,
    summary_lines,
)


def inert_text(text: str) -> str:
    """Text that Markdown viewers show as written: no HTML, script, code span or link from data."""
    # Entities, not backslashes: markdown_table doubles backslashes, and an entity never
    # counts as Markdown syntax (CommonMark), so "](" cannot open a link target.
    return html.escape(text, quote=False).replace("`", "&#96;").replace("](", "&#93;(")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table whose text cells and headers are made inert (numbers stay as they are)."""
    return report.markdown_table(
        [inert_text(h) for h in headers],
        [[inert_text(v) if isinstance(v, str) else v for v in row] for row in rows],
    )


def render_markdown(data: Mapping[str, Any]) -> str:
    """The agreement report as Markdown; every text from the data is shown, never rendered."""
    out = ["# Inter-annotator agreement", ""]
    out += [inert_text(line) for line in summary_lines(data)]
    out += ["", "## Matching and methods", ""]
    out += [f"- **{k}**: {inert_text(v)}" for k, v in data["settings"]["rules"].items()]
    out += ["", "## Spans", "", _table(*span_table(data))]
    out += ["## Annotator pairs", "", _table(*pair_table(data))]
    out += ["## Attributes (on matched spans)", "", _table(*attribute_table(data))]
    out += ["## Relations", "", _table(*relation_table(data))]
    headers, rows, note = argument_table(data)
    out += ["## Event arguments", "", inert_text(note), "", _table(headers, rows)]
    out += ["## Per annotator", "", _table(*annotator_table(data))]
    headers, rows, note = document_table(data)
    out += ["## Per document", "", inert_text(note), "", _table(headers, rows)]
    headers, rows, note = dispute_table(data)
    out += ["## Disagreements for adjudication", "", inert_text(note), "", _table(headers, rows)]
    if data["notes"]:
        out += ["## Notes", "", *[f"- {inert_text(n)}" for n in data["notes"]], ""]
    return "\n".join(out)
