"""Report building blocks shared by every stage: Markdown and HTML tables, SVG charts, pages."""

from __future__ import annotations

from toolkit.report.charts import PALETTE, svg_bar_chart, svg_heatmap, svg_line_chart
from toolkit.report.pages import dumps_report_json, html_page, write_report
from toolkit.report.tables import (
    escape_html,
    format_cell,
    format_ci,
    format_estimate,
    html_table,
    markdown_table,
)

__all__ = [
    "PALETTE",
    "dumps_report_json",
    "escape_html",
    "format_cell",
    "format_ci",
    "format_estimate",
    "html_page",
    "html_table",
    "markdown_table",
    "svg_bar_chart",
    "svg_heatmap",
    "svg_line_chart",
    "write_report",
]
