"""The evaluation report in Markdown and HTML (with inline SVG plots), next to its JSON."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from toolkit.baseline.corpus import RULES_LAYER
from toolkit.baseline.estimators import MODEL_NAMES
from toolkit.baseline.evaluation import HEADLINE, headline
from toolkit.baseline.scoring import SCHEMES
from toolkit.report import (
    format_estimate,
    html_page,
    html_table,
    markdown_table,
    svg_bar_chart,
    svg_line_chart,
    write_report,
)


def _human_rows(human: Mapping[str, Any]) -> list[list[object]]:
    if "unavailable" in human:
        return [["human agreement", human["unavailable"]]]
    rows: list[list[object]] = [["documents", human["coverage"]]]
    for label, modes in human["span_f1"].items():
        for mode, est in modes.items():
            rows.append([f"span F1 {label} ({mode}, pairwise)", format_estimate(est)])
    for key, ests in human["attributes"].items():
        for name, est in ests.items():
            rows.append([f"{key} {name} (matched spans)", format_estimate(est)])
    return rows


def _human_estimate(human: Mapping[str, Any], model: str) -> tuple[Mapping[str, Any] | None, str]:
    """The human figure that stands beside a model's headline score, and what it measures."""
    if "unavailable" in human:
        return None, str(human["unavailable"])
    if model == "tagger":
        block = human.get("span_f1", {}).get("ALL", {}).get("exact")
        return (block, "pairwise F1, exact") if block else (None, "not in the report")
    key = "STANCE.value" if model == "stance" else "EVENT.category"
    entry = human.get("attributes", {}).get(key)
    if not isinstance(entry, Mapping):
        return None, "not in the report"
    for name, value in sorted(entry.items()):
        if isinstance(value, Mapping) and "value" in value:
            return value, f"{name} on matched spans"
    return None, "not in the report"


def _human_headline(human: Mapping[str, Any], model: str) -> str:
    """The human figure shown next to a model's headline score, with what it measures."""
    estimate, what = _human_estimate(human, model)
    return what if estimate is None else f"{format_estimate(estimate)} ({what})"


def _human_bar(
    human: Mapping[str, Any], model: str
) -> tuple[str, float | None, float | None, float | None]:
    """The human ceiling as one more bar of a summary chart (n/a when there is none)."""
    estimate, what = _human_estimate(human, model)
    if estimate is None:
        return ("human agreement", None, None, None)
    return (
        f"human ({what})",
        estimate.get("value"),
        estimate.get("ci_low"),
        estimate.get("ci_high"),
    )


def _summary_rows(data: Mapping[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for name in MODEL_NAMES:
        label = HEADLINE[name][2]
        row: list[object] = [label]
        for system in ("model", "majority", "rules"):
            scores = data["systems"][system]
            row.append(
                scores["unavailable"]
                if "unavailable" in scores
                else format_estimate(headline(scores, name))
            )
        row.append(_human_headline(data["human"], name))
        rows.append(row)
    return rows


def _detail_rows(scores: Mapping[str, Any]) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    for task in ("stance", "event"):
        block = scores[task]
        out[task] = [
            [
                label,
                v["support"],
                v["predicted"],
                format_estimate(v["precision"]),
                format_estimate(v["recall"]),
                format_estimate(v["f1"]),
            ]
            for label, v in block["per_label"].items()
        ]
        out[task].append(["macro F1", block["n"], "", "", "", format_estimate(block["macro_f1"])])
        if "semeval2016_f_avg" in block:
            out[task].append(
                ["SemEval-2016 F_avg", "", "", "", "", format_estimate(block["semeval2016_f_avg"])]
            )
    rows = []
    for scheme in SCHEMES:
        block = scores["spans"]["semeval2013"][scheme]
        for label, v in [("all", block["overall"]), *block["per_label"].items()]:
            c = v["counts"]
            rows.append(
                [
                    scheme,
                    label,
                    c["cor_gold"] + c["inc_gold"] + c["par_gold"] + c["mis"],
                    c["cor_pred"] + c["inc_pred"] + c["par_pred"] + c["spu"],
                    format_estimate(v["precision"]),
                    format_estimate(v["recall"]),
                    format_estimate(v["f1"]),
                ]
            )
    out["spans"] = rows
    out["agreement"] = [
        [
            mode,
            label,
            v["tp"],
            v["fp"],
            v["fn"],
            format_estimate(v["precision"]),
            format_estimate(v["recall"]),
            format_estimate(v["f1"]),
        ]
        for mode, block in scores["spans"].get("agreement_matcher", {}).items()
        for label, v in block.items()
    ]
    return out


SUMMARY_HEADERS = ["score", "model", "majority class", RULES_LAYER, "human agreement"]
CLASS_HEADERS = ["label", "gold", "predicted", "precision", "recall", "F1"]
AGREEMENT_HEADERS = ["mode", "label", "tp", "fp", "fn", "precision", "recall", "F1"]
SPAN_HEADERS = ["scheme", "label", "gold", "predicted", "precision", "recall", "F1"]


def render_markdown(data: Mapping[str, Any]) -> str:
    """The evaluation report as Markdown."""
    d = data["data"]
    parts = [
        "# Baseline evaluation\n",
        f"Data version `{d['data_version'][:12]}`, taxonomy `{d['taxonomy_sha256'][:12]}`: "
        f"{d['n_documents']} documents in {d['n_clusters']} near-duplicate clusters, "
        f"{d['n_sentences']} sentences. Cross-validation: {data['setup']['cv']}; no cluster is "
        "in both a training and a test fold. Intervals: "
        f"{data['setup']['ci']} ({data['setup']['bootstrap_resamples']} resamples).\n",
    ]
    for w in data["warnings"]:
        parts.append(f"> **Warning.** {w}\n")
    parts.append("## Summary\n")
    parts.append(markdown_table(SUMMARY_HEADERS, _summary_rows(data)))
    parts.append("\n## Human ceiling (agreement.json)\n")
    parts.append(markdown_table(["figure", "value"], _human_rows(data["human"])))
    for system in ("model", "majority", "rules"):
        scores = data["systems"][system]
        parts.append(f"\n## {system}\n")
        if "unavailable" in scores:
            parts.append(f"Not scored: {scores['unavailable']}.\n")
            continue
        rows = _detail_rows(scores)
        parts.append("\n### Stance (sentences)\n")
        parts.append(markdown_table(CLASS_HEADERS, rows["stance"]))
        parts.append("\n### Spans (SemEval-2013 schemes)\n")
        parts.append(markdown_table(SPAN_HEADERS, rows["spans"]))
        parts.append("\n### Spans, annotator-agreement matcher (comparable to the human ceiling)\n")
        parts.append(markdown_table(AGREEMENT_HEADERS, rows["agreement"]))
        parts.append("\n### Event category (gold triggers)\n")
        parts.append(markdown_table(CLASS_HEADERS, rows["event"]))
    parts.append("\n## Learning curves\n")
    for name in MODEL_NAMES:
        parts.append(f"\n### {HEADLINE[name][2]}\n")
        parts.append(
            markdown_table(
                ["training fraction", "runs", "score", "band", "folds on majority fallback"],
                [
                    [
                        p["fraction"],
                        p["runs"],
                        p["value"],
                        format_estimate(
                            {"value": p["value"], "ci_low": p["ci_low"], "ci_high": p["ci_high"]}
                        ),
                        p["untrainable_folds"],
                    ]
                    for p in data["learning_curves"][name]
                ],
            )
        )
    return "\n".join(parts)


def render_html(data: Mapping[str, Any]) -> str:
    """The evaluation report as a self-contained HTML page with inline SVG plots."""
    d = data["data"]
    body = [
        f"<p>Data version <code>{d['data_version'][:12]}</code>: {d['n_documents']} documents in "
        f"{d['n_clusters']} near-duplicate clusters, {d['n_sentences']} sentences. "
        f"Cross-validation: {html.escape(data['setup']['cv'])}. Intervals: "
        f"{html.escape(data['setup']['ci'])}.</p>"
    ]
    for w in data["warnings"]:
        body.append(f'<p class="warning"><strong>Warning.</strong> {html.escape(w)}</p>')
    body.append("<h2>Summary</h2>")
    body.append(html_table(SUMMARY_HEADERS, _summary_rows(data)))
    for name in MODEL_NAMES:
        items: list[tuple[str, float | None, float | None, float | None]] = []
        for system in ("model", "majority", "rules"):
            scores = data["systems"][system]
            if "unavailable" in scores:
                items.append((system, None, None, None))
                continue
            h = headline(scores, name)
            items.append((system, h["value"], h["ci_low"], h["ci_high"]))
        items.append(_human_bar(data["human"], name))
        body.append(svg_bar_chart(items, title=HEADLINE[name][2], x_label="score"))
    body.append("<h2>Learning curves</h2>")
    for name in MODEL_NAMES:
        points = data["learning_curves"][name]
        series = {"model": [(p["fraction"], p["value"]) for p in points if p["value"] is not None]}
        bands = {
            "model": [
                (p["fraction"], p["ci_low"], p["ci_high"])
                for p in points
                if p["ci_low"] is not None and p["ci_high"] is not None
            ]
        }
        body.append(
            svg_line_chart(
                series,
                bands=bands,
                title=HEADLINE[name][2],
                x_label="fraction of training units",
                y_label="score",
            )
        )
    body.append(
        html_table(
            ["figure", "value"],
            _human_rows(data["human"]),
            caption="Human ceiling (agreement.json)",
        )
    )
    for system in ("model", "majority", "rules"):
        scores = data["systems"][system]
        body.append(f"<h2>{system}</h2>")
        if "unavailable" in scores:
            body.append(f"<p>Not scored: {html.escape(scores['unavailable'])}.</p>")
            continue
        rows = _detail_rows(scores)
        body.append(html_table(CLASS_HEADERS, rows["stance"], caption="Stance (sentences)"))
        body.append(
            html_table(
                SPAN_HEADERS, rows["spans"], caption="Spans (SemEval-2013 schemes)", sortable=True
            )
        )
        body.append(
            html_table(
                AGREEMENT_HEADERS,
                rows["agreement"],
                caption="Spans, annotator-agreement matcher (comparable to the human ceiling)",
            )
        )
        body.append(
            html_table(
                CLASS_HEADERS,
                rows["event"],
                caption="Event category (gold triggers)",
                sortable=True,
            )
        )
    return html_page("Baseline evaluation", "\n".join(body))


def write_evaluation(out_dir: str | Path, data: Mapping[str, Any]) -> dict[str, Path]:
    """Write evaluation.json, evaluation.md and evaluation.html."""
    return write_report(
        Path(out_dir),
        "evaluation",
        data=data,
        markdown=render_markdown(data),
        html=render_html(data),
    )
