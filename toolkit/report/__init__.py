"""Report building blocks shared by every stage: Markdown and HTML tables, SVG charts, pages."""

from __future__ import annotations

from toolkit.report.pages import (
    format_estimate,
    html_page,
    html_table,
    markdown_table,
    svg_bar_chart,
    svg_line_chart,
    write_report,
)

__all__ = [
    "format_estimate",
    "html_page",
    "html_table",
    "markdown_table",
    "svg_bar_chart",
    "svg_line_chart",
    "write_report",
]
