"""The agreement report as one self-contained HTML page."""

from __future__ import annotations

import html as html_lib
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
from toolkit.annotations import MODES


def _bar(label: str, e: Mapping[str, Any]) -> tuple[str, float | None, float | None, float | None]:
    return (label, e.get("value"), e.get("ci_low"), e.get("ci_high"))


_HEATMAP_VALUES = 12


def _confusion_matrix(
    triples: Sequence[Sequence[Any]], values: Sequence[str]
) -> tuple[list[str], list[list[float]]]:
    """A square matrix over the most frequent values (the rest pooled as '(other)')."""
    freq: dict[str, int] = {}
    for a, b, n in triples:
        freq[a] = freq.get(a, 0) + n
        freq[b] = freq.get(b, 0) + n
    ranked = sorted(freq, key=lambda v: (-freq[v], str(v)))
    top = [v for v in values if v in ranked[:_HEATMAP_VALUES]]
    keys = top + (["(other)"] if len(ranked) > _HEATMAP_VALUES else [])
    index = {v: i for i, v in enumerate(top)}
    other = len(top)
    matrix = [[0.0] * len(keys) for _ in keys]
    for a, b, n in triples:
        matrix[index.get(a, other)][index.get(b, other)] += n
    return keys, matrix


def render_html(data: Mapping[str, Any]) -> str:
    """The agreement report as one self-contained HTML page with tables and SVG plots."""
    esc = html_lib.escape
    parts = ["".join(f"<p>{esc(line)}</p>" for line in summary_lines(data))]
    parts.append("<h2>Matching and methods</h2><ul>")
    parts += [f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in data["settings"]["rules"].items()]
    parts.append("</ul><h2>Spans</h2>")
    spans = data["spans"]
    for mode in MODES:
        parts.append(
            report.svg_bar_chart(
                [_bar(lab, e[f"f1_{mode}"]) for lab, e in spans.items()],
                title=f"Span F1 ({mode} match), mean of annotator pairs, 95% CI",
                x_label="F1",
            )
        )
    alpha_items = [_bar(f"spans {lab}", e["u_alpha"]) for lab, e in spans.items()]
    alpha_items += [_bar(k, a["krippendorff_alpha"]) for k, a in data["attributes"].items()]
    parts.append(
        report.svg_bar_chart(
            alpha_items,
            title="Krippendorff's alpha: unitizing (spans) and attributes, 95% CI",
            x_label="alpha",
            domain=(-1.0, 1.0),
        )
    )
    parts.append(report.html_table(*span_table(data), caption="Span agreement per label"))
    parts.append("<h2>Annotator pairs</h2>")
    parts.append(report.html_table(*pair_table(data), caption="Pairwise span scores (all labels)"))
    parts.append("<h2>Attributes</h2>")
    parts.append(
        report.svg_bar_chart(
            [_bar(k, a["cohen_kappa"]) for k, a in data["attributes"].items()],
            title="Cohen's kappa on matched spans (mean of pairs), 95% CI",
            x_label="kappa",
            domain=(-1.0, 1.0),
        )
    )
    parts.append(
        report.html_table(*attribute_table(data), caption="Attribute agreement on matched spans")
    )
    heatmaps = []
    for key, a in data["attributes"].items():
        for pair, triples in a["confusion"].items():
            keys, matrix = _confusion_matrix(triples, a["values"])
            if len(keys) < 2:  # nothing to confuse
                continue
            first, second = pair.split("|")
            heatmaps.append(
                report.svg_heatmap(
                    keys, keys, matrix, title=f"{key}: {first} (rows) vs {second} (columns)"
                )
            )
    if heatmaps:
        parts.append(
            "<h3>Confusion between annotators (matched spans)</h3>"
            '<div style="display:flex;flex-wrap:wrap;gap:1rem">' + "".join(heatmaps) + "</div>"
        )
    parts.append("<h2>Relations</h2>")
    parts.append(report.html_table(*relation_table(data), caption="Stance holder agreement"))
    headers, rows, note = argument_table(data)
    parts.append(f'<h2>Event arguments</h2><p class="note">{esc(note)}</p>')
    parts.append(report.html_table(headers, rows, caption="Event argument agreement"))
    parts.append("<h2>Per annotator</h2>")
    parts.append(report.html_table(*annotator_table(data), caption="Per annotator", sortable=True))
    headers, rows, note = document_table(data)
    parts.append(f'<h2>Per document</h2><p class="note">{esc(note)}</p>')
    parts.append(report.html_table(headers, rows, caption="Per document", sortable=True))
    headers, rows, note = dispute_table(data)
    parts.append(
        "<h2>Disagreements for adjudication</h2>"
        f'<p class="note">{esc(note)} Click a header to sort.</p>'
    )
    parts.append(report.html_table(headers, rows, caption="Disputed spans", sortable=True))
    if data["notes"]:
        parts.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in data["notes"]) + "</ul>"
        )
    return report.html_page("Inter-annotator agreement", "\n".join(parts))
