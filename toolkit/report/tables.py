"""Report tables: cells and numbers as text, Markdown tables, sortable HTML tables."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any


def escape_html(text: object) -> str:
    return html.escape(str(text), quote=True)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_cell(value: object) -> str:
    """Plain-text form of a table cell: floats to 3 decimals, None/NaN empty, bools yes/no."""
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        return f"{value:.3f}"
    return str(value)


def format_ci(
    value: float | None,
    low: float | None,
    high: float | None,
    digits: int = 3,
    *,
    reason: str | None = None,
) -> str:
    """A value with its confidence interval, ``"0.812 [0.701, 0.905]"``, or ``"n/a (reason)"``."""
    if value is None or _is_missing(value):
        return f"n/a ({reason})" if reason else "n/a"
    text = f"{value:.{digits}f}"
    if low is None or high is None or _is_missing(low) or _is_missing(high):
        return text
    return f"{text} [{low:.{digits}f}, {high:.{digits}f}]"


def format_estimate(estimate: Mapping[str, Any] | None) -> str:
    """:func:`format_ci` of a report's estimate object (value, ci_low, ci_high, reason)."""
    e = estimate or {}
    return format_ci(e.get("value"), e.get("ci_low"), e.get("ci_high"), reason=e.get("reason"))


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; pipes and newlines in cells are escaped."""
    if not headers:
        return ""
    lines = [
        "| " + " | ".join(_md_escape(str(h)) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        cells = [_md_escape(format_cell(v)) for v in row]
        cells += [""] * (len(headers) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_SORT_SCRIPT = """<script>
(function () {
  if (window.__toolkitSortable) { return; }
  window.__toolkitSortable = true;
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw !== null) { return parseFloat(raw); }
    var text = cell.textContent.trim();
    return /^-?[0-9]+([.][0-9]+)?$/.test(text) ? parseFloat(text) : text;
  }
  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    if (typeof a === "number") { return -1; }
    if (typeof b === "number") { return 1; }
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  document.addEventListener("click", function (event) {
    var th = event.target.closest("table.sortable th");
    if (!th) { return; }
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.children, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var c = compare(key(r1.cells[index]), key(r2.cells[index]));
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
})();
</script>"""


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    caption: str | None = None,
    sortable: bool = False,
) -> str:
    """An escaped HTML table; ``sortable`` sorts rows on a header click (tiny inline script)."""
    parts = [f'<table class="{"report sortable" if sortable else "report"}">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>")
    for h in headers:
        title = ' title="click to sort"' if sortable else ""
        parts.append(f'<th scope="col"{title}>{html.escape(str(h))}</th>')
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>")
        for value in row:
            attrs = ""
            if isinstance(value, int | float) and not isinstance(value, bool):
                attrs = ' class="num"'
                if not _is_missing(value) and not math.isinf(float(value)):
                    attrs += f' data-sort="{float(value)!r}"'
            parts.append(f"<td{attrs}>{html.escape(format_cell(value))}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    if sortable:
        parts.append(_SORT_SCRIPT)
    return "".join(parts)
