"""Shared report helpers: Markdown and HTML tables, inline SVG plots, atomic report files."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.core import write_text_atomic
from toolkit.errors import ToolkitError

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Series colours (matplotlib's tab10), in order of first appearance."""

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"

# ---------------------------------------------------------------- cells and numbers


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


# ---------------------------------------------------------------- tables


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


# ---------------------------------------------------------------- SVG plots


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Evenly spaced 'nice' tick values covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt_tick(value: float) -> str:
    return f"{value:g}"


def _svg_open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width:g}" '
        f'height="{height:g}" viewBox="0 0 {width:g} {height:g}" style="{_FONT};font-size:12px">',
        f"<title>{_esc(title)}</title>",
        f'<text x="{width / 2:g}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="600">{_esc(title)}</text>',
    ]


def _empty_chart(title: str, message: str = "no data") -> str:
    parts = _svg_open(400, 80, title)
    parts.append(
        f'<text x="200" y="52" text-anchor="middle" fill="#666">{_esc(message)}</text></svg>'
    )
    return "".join(parts)


def svg_bar_chart(
    items: Sequence[tuple[str, float | None, float | None, float | None]],
    *,
    title: str,
    x_label: str,
    domain: tuple[float, float] = (0.0, 1.0),
) -> str:
    """Horizontal bars ``(label, value, ci_low, ci_high)`` with CI whiskers; missing: n/a."""
    if not items:
        return _empty_chart(title)
    lo, hi = domain
    if not hi > lo:
        raise ValueError(f"bar chart domain must have low < high, got {domain}")
    label_w = min(260, max(60, 7 * max(len(str(i[0])) for i in items) + 12))
    plot_w, value_w, row_h = 360, 170, 22
    width = label_w + plot_w + value_w
    top = 32
    height = top + row_h * len(items) + 48

    def x(v: float) -> float:
        v = min(max(v, lo), hi)
        return label_w + (v - lo) / (hi - lo) * plot_w

    parts = _svg_open(width, height, title)
    bottom = top + row_h * len(items)
    for t in _ticks(lo, hi):
        xt = x(t)
        parts.append(
            f'<line x1="{xt:.1f}" y1="{top}" x2="{xt:.1f}" y2="{bottom}" stroke="#e5e5e5"/>'
            f'<text x="{xt:.1f}" y="{bottom + 14}" text-anchor="middle" fill="#444">'
            f"{_fmt_tick(t)}</text>"
        )
    zero = x(0.0)
    for i, (label, value, ci_low, ci_high) in enumerate(items):
        y = top + i * row_h
        cy = y + row_h / 2
        parts.append(
            f'<text x="{label_w - 6}" y="{cy + 4:.1f}" text-anchor="end">{_esc(label)}</text>'
        )
        if value is None or _is_missing(value):
            parts.append(
                f'<text x="{zero + 4:.1f}" y="{cy + 4:.1f}" fill="#888">n/a</text>'
                f'<text x="{label_w + plot_w + 8}" y="{cy + 4:.1f}" fill="#888">n/a</text>'
            )
            continue
        x0, x1 = sorted((zero, x(value)))
        colour = PALETTE[0] if value >= 0 else PALETTE[1]
        parts.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{row_h - 8}" fill="{colour}" fill-opacity="0.8">'
            f"<title>{_esc(label)}: {_esc(format_ci(value, ci_low, ci_high))}</title></rect>"
        )
        if not (ci_low is None or ci_high is None or _is_missing(ci_low) or _is_missing(ci_high)):
            wl, wh = x(ci_low), x(ci_high)
            parts.append(
                f'<g class="whisker" stroke="#222" stroke-width="1.2">'
                f'<line x1="{wl:.1f}" y1="{cy:.1f}" x2="{wh:.1f}" y2="{cy:.1f}"/>'
                f'<line x1="{wl:.1f}" y1="{cy - 5:.1f}" x2="{wl:.1f}" y2="{cy + 5:.1f}"/>'
                f'<line x1="{wh:.1f}" y1="{cy - 5:.1f}" x2="{wh:.1f}" y2="{cy + 5:.1f}"/></g>'
            )
        parts.append(
            f'<text x="{label_w + plot_w + 8}" y="{cy + 4:.1f}">'
            f"{_esc(format_ci(value, ci_low, ci_high))}</text>"
        )
    if lo < 0 < hi:
        parts.append(
            f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{bottom}" stroke="#444"/>'
        )
    parts.append(
        f'<text x="{label_w + plot_w / 2:g}" y="{bottom + 34}" text-anchor="middle">'
        f"{_esc(x_label)}</text></svg>"
    )
    return "".join(parts)


def svg_line_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    y_domain: tuple[float, float] = (0.0, 1.0),
    bands: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> str:
    """Lines of ``(x, y)`` points per series, with optional ``(x, low, high)`` bands (e.g. CIs)."""
    bands = bands or {}
    xs = [p[0] for pts in series.values() for p in pts] + [
        b[0] for pts in bands.values() for b in pts
    ]
    if not xs:
        return _empty_chart(title)
    x_lo, x_hi = min(xs), max(xs)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    y_lo, y_hi = y_domain
    if not y_hi > y_lo:
        raise ValueError(f"line chart y_domain must have low < high, got {y_domain}")
    left, right, top, bottom = 60, 150, 32, 50
    plot_w, plot_h = 440, 240
    width, height = left + plot_w + right, top + plot_h + bottom

    def px(v: float) -> float:
        return left + (v - x_lo) / (x_hi - x_lo) * plot_w

    def py(v: float) -> float:
        v = min(max(v, y_lo), y_hi)
        return top + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h

    names = list(dict.fromkeys([*series, *bands]))
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    parts = _svg_open(width, height, title)
    for t in _ticks(y_lo, y_hi):
        parts.append(
            f'<line x1="{left}" y1="{py(t):.1f}" x2="{left + plot_w}" y2="{py(t):.1f}" '
            f'stroke="#e5e5e5"/><text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end" '
            f'fill="#444">{_fmt_tick(t)}</text>'
        )
    for t in _ticks(x_lo, x_hi):
        parts.append(
            f'<text x="{px(t):.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#444">'
            f"{_fmt_tick(t)}</text>"
        )
    parts.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>'
    )
    for name, band in bands.items():
        spans = sorted(band)
        if not spans:
            continue
        upper = " ".join(f"{px(b[0]):.1f},{py(b[2]):.1f}" for b in spans)
        lower = " ".join(f"{px(b[0]):.1f},{py(b[1]):.1f}" for b in reversed(spans))
        parts.append(
            f'<polygon class="band" points="{upper} {lower}" fill="{colour[name]}" '
            f'fill-opacity="0.18" stroke="none"/>'
        )
    for name, pts in series.items():
        ordered = sorted(p for p in pts if not _is_missing(p[1]))
        if not ordered:
            continue
        coords = " ".join(f"{px(p[0]):.1f},{py(p[1]):.1f}" for p in ordered)
        parts.append(
            f'<polyline class="line" points="{coords}" fill="none" stroke="{colour[name]}" '
            f'stroke-width="2"/>'
        )
        for p in ordered:
            parts.append(
                f'<circle cx="{px(p[0]):.1f}" cy="{py(p[1]):.1f}" r="3" fill="{colour[name]}">'
                f"<title>{_esc(name)}: ({p[0]:g}, {p[1]:.3f})</title></circle>"
            )
    for i, name in enumerate(names):
        ly = top + 10 + i * 18
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{ly - 8}" width="12" height="12" '
            f'fill="{colour[name]}"/><text x="{left + plot_w + 30}" y="{ly + 2}">'
            f"{_esc(name)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:g}" y="{height - 12}" text-anchor="middle">'
        f"{_esc(x_label)}</text>"
        f'<text transform="translate(16,{top + plot_h / 2:g}) rotate(-90)" '
        f'text-anchor="middle">{_esc(y_label)}</text></svg>'
    )
    return "".join(parts)


def _cell_text(value: float) -> str:
    if _is_missing(value):
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def svg_heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    matrix: Sequence[Sequence[float]],
    *,
    title: str,
) -> str:
    """A matrix as coloured cells with their values written in (confusion matrices)."""
    if not row_labels or not col_labels:
        return _empty_chart(title)
    if len(matrix) != len(row_labels) or any(len(r) != len(col_labels) for r in matrix):
        raise ValueError(
            f"heatmap matrix must be {len(row_labels)} x {len(col_labels)} to match its labels"
        )
    values = [v for row in matrix for v in row if not _is_missing(v)]
    peak = max((abs(v) for v in values), default=0.0) or 1.0
    cell = 34
    left = min(220, max(40, 7 * max(len(str(r)) for r in row_labels) + 12))
    head = min(160, max(30, 6 * max(len(str(c)) for c in col_labels) + 12))
    top = 30 + head
    width = max(left + cell * len(col_labels) + 20, 240, 7 * len(title) + 20)
    height = top + cell * len(row_labels) + 16
    parts = _svg_open(width, height, title)
    for j, label in enumerate(col_labels):
        cx = left + j * cell + cell / 2
        parts.append(
            f'<text transform="translate({cx + 4:.1f},{top - 6}) rotate(-60)">{_esc(label)}</text>'
        )
    for i, label in enumerate(row_labels):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
            f"{_esc(label)}</text>"
        )
        for j, value in enumerate(matrix[i]):
            x = left + j * cell
            share = 0.0 if _is_missing(value) else min(abs(value) / peak, 1.0)
            # Interpolate white -> tab:blue so zero cells stay blank and the peak is saturated.
            r = round(255 + (31 - 255) * share)
            g = round(255 + (119 - 255) * share)
            b = round(255 + (180 - 255) * share)
            ink = "#fff" if share > 0.55 else "#222"
            parts.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="rgb({r},{g},{b})" stroke="#ccc"><title>{_esc(label)} / '
                f"{_esc(col_labels[j])}: {_cell_text(value)}</title></rect>"
                f'<text x="{x + cell / 2:g}" y="{y + cell / 2 + 4:g}" text-anchor="middle" '
                f'fill="{ink}">{_cell_text(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- pages and files

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222;line-height:1.45}
h1,h2,h3{line-height:1.2}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table.report{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
table.report caption{text-align:left;font-weight:600;padding:.3rem 0}
table.report th,table.report td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
table.report th{background:#f3f3f3;text-align:left}
table.report td.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2"}
table.sortable th[aria-sort=descending]::after{content:" \\25BC"}
svg.chart{display:block;margin:1rem 0;max-width:100%;height:auto}
.note{color:#555;font-size:.9rem}
code{background:#f5f5f5;padding:0 .2rem}
"""


def html_page(title: str, body_html: str) -> str:
    """A self-contained HTML page: inline CSS, no external resources, viewable offline."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{_esc(title)}</h1>\n{body_html}\n</body></html>\n"
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps_report_json(data: Mapping[str, Any]) -> str:
    """Report data as JSON: sorted keys, indent 2; NaN is refused (use null and a reason)."""
    return (
        json.dumps(
            data,
            sort_keys=True,
            indent=2,
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
        + "\n"
    )


def write_report(
    out_dir: Path, stem: str, *, data: Mapping[str, Any], markdown: str, html: str
) -> dict[str, Path]:
    """Write ``stem.json`` (sorted keys, indent 2), ``stem.md`` and ``stem.html`` atomically."""
    out = Path(out_dir)
    paths = {"json": out / f"{stem}.json", "md": out / f"{stem}.md", "html": out / f"{stem}.html"}
    try:
        content = dumps_report_json(data)
    except (TypeError, ValueError) as exc:
        raise ToolkitError(
            f"report data cannot be written as JSON ({exc}); use null with a reason for "
            "undefined values",
            path=paths["json"],
        ) from exc
    try:
        write_text_atomic(paths["json"], content)
        write_text_atomic(paths["md"], markdown if markdown.endswith("\n") else markdown + "\n")
        write_text_atomic(paths["html"], html)
    except OSError as exc:
        raise ToolkitError(f"cannot write report: {exc.strerror}", path=out) from exc
    return paths
