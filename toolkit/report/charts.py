"""Inline SVG charts for self-contained reports: bars with intervals, lines with bands, heatmaps."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from toolkit.report.tables import _is_missing, escape_html, format_ci

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


_NARROW = frozenset("fijlrtI.,:;!|'()[] ")
_WIDE = frozenset("mwMW@%")


def text_width(text: str, font_size: float, *, bold: bool = False) -> float:
    """An upper estimate of a text's width in px, for wide fonts (DejaVu Sans, Verdana) too."""
    # Per-character classes in em, a little above DejaVu Sans (the widest usual fallback of
    # system-ui): SVG text never wraps, so an estimate too small clips the text.
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.42
        elif ch in _WIDE:
            em += 1.0
        elif ch.isupper() or ch.isdigit():
            em += 0.78
        else:
            em += 0.66
    return em * font_size * (1.1 if bold else 1.0)


def _fmt_tick(value: float) -> str:
    return f"{value:g}"


def _svg_open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width:g}" '
        f'height="{height:g}" viewBox="0 0 {width:g} {height:g}" style="{_FONT};font-size:12px">',
        f"<title>{escape_html(title)}</title>",
        f'<text x="{width / 2:g}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="600">{escape_html(title)}</text>',
    ]


def _empty_chart(title: str, message: str = "no data") -> str:
    parts = _svg_open(400, 80, title)
    parts.append(
        f'<text x="200" y="52" text-anchor="middle" fill="#666">{escape_html(message)}</text></svg>'
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
            f'<text x="{label_w - 6}" y="{cy + 4:.1f}" text-anchor="end">'
            f"{escape_html(label)}</text>"
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
            f"<title>{escape_html(label)}: "
            f"{escape_html(format_ci(value, ci_low, ci_high))}</title></rect>"
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
            f"{escape_html(format_ci(value, ci_low, ci_high))}</text>"
        )
    if lo < 0 < hi:
        parts.append(
            f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{bottom}" stroke="#444"/>'
        )
    parts.append(
        f'<text x="{label_w + plot_w / 2:g}" y="{bottom + 34}" text-anchor="middle">'
        f"{escape_html(x_label)}</text></svg>"
    )
    return "".join(parts)


def _band_and_line_parts(
    series: Mapping[str, Sequence[tuple[float, float]]],
    bands: Mapping[str, Sequence[tuple[float, float, float]]],
    colour: Mapping[str, str],
    px: Callable[[float], float],
    py: Callable[[float], float],
) -> list[str]:
    """SVG of a line chart's shaded bands, then its lines with a marker per point."""
    parts = []
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
                f"<title>{escape_html(name)}: ({p[0]:g}, {p[1]:.3f})</title></circle>"
            )
    return parts


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
    parts += _band_and_line_parts(series, bands, colour, px, py)
    for i, name in enumerate(names):
        ly = top + 10 + i * 18
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{ly - 8}" width="12" height="12" '
            f'fill="{colour[name]}"/><text x="{left + plot_w + 30}" y="{ly + 2}">'
            f"{escape_html(name)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:g}" y="{height - 12}" text-anchor="middle">'
        f"{escape_html(x_label)}</text>"
        f'<text transform="translate(16,{top + plot_h / 2:g}) rotate(-90)" '
        f'text-anchor="middle">{escape_html(y_label)}</text></svg>'
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
    # Row labels end 6px left of the grid; column labels rise at 60 degrees from each column.
    row_w = max(text_width(str(r), 12) for r in row_labels)
    col_w = [text_width(str(c), 12) for c in col_labels]
    left = min(220, max(40, math.ceil(row_w) + 12))
    head = min(160, max(30, math.ceil(max(col_w) * 0.87) + 12))
    top = 30 + head
    last_col = left + cell * (len(col_labels) - 0.5) + 4 + col_w[-1] / 2 + 12
    title_w = text_width(title, 14, bold=True)
    width = math.ceil(max(left + cell * len(col_labels) + 20, 240, title_w + 20, last_col))
    height = top + cell * len(row_labels) + 16
    parts = _svg_open(width, height, title)
    for j, label in enumerate(col_labels):
        cx = left + j * cell + cell / 2
        parts.append(
            f'<text transform="translate({cx + 4:.1f},{top - 6}) rotate(-60)">'
            f"{escape_html(label)}</text>"
        )
    for i, label in enumerate(row_labels):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
            f"{escape_html(label)}</text>"
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
                f'fill="rgb({r},{g},{b})" stroke="#ccc"><title>{escape_html(label)} / '
                f"{escape_html(col_labels[j])}: {_cell_text(value)}</title></rect>"
                f'<text x="{x + cell / 2:g}" y="{y + cell / 2 + 4:g}" text-anchor="middle" '
                f'fill="{ink}">{_cell_text(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
