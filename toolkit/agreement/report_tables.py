"""The tables and summary lines shared by the Markdown and HTML reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toolkit import report
from toolkit.agreement.arguments import NO_ARGUMENTS, ROLES
from toolkit.agreement.disputes import version_text
from toolkit.agreement.holders import HOLDER
from toolkit.annotations import MODES, OVERALL

_TABLE_ROWS = 200


def summary_lines(data: Mapping[str, Any]) -> list[str]:
    docs = data["documents"]
    overall = data["spans"][OVERALL]
    return [
        f"Annotators: {', '.join(data['annotators']) or '(none)'}; other layers not counted: "
        f"{', '.join(data['excluded_layers']) or '(none)'}.",
        f"Documents compared: {docs['compared']} (by every annotator: {docs['annotated_by_all']}; "
        f"by one annotator only, not comparable: {docs['annotated_by_one_only']}).",
        f"Span F1, overlap: {report.format_estimate(overall['f1_overlap'])}; "
        f"exact: {report.format_estimate(overall['f1_exact'])}; "
        f"unitizing alpha: {report.format_estimate(overall['u_alpha'])}.",
        f"Intervals: 95% bootstrap over documents, {data['settings']['bootstrap']} resamples, "
        f"seed {data['settings']['seed']}.",
    ]


def span_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "label",
        "F1 exact",
        "F1 overlap",
        "unitizing alpha",
        *[f"spans {a}" for a in data["annotators"]],
    ]
    rows: list[list[object]] = []
    for label, e in data["spans"].items():
        rows.append(
            [
                label,
                report.format_estimate(e["f1_exact"]),
                report.format_estimate(e["f1_overlap"]),
                report.format_estimate(e["u_alpha"]),
            ]
            + [e["n_spans"][a] for a in data["annotators"]]
        )
    return headers, rows


def pair_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "pair",
        "documents",
        "F1 exact",
        "P exact",
        "R exact",
        "F1 overlap",
        "P overlap",
        "R overlap",
    ]
    rows: list[list[object]] = []
    for r in data["pairs"]:
        rows.append(
            [" vs ".join(r["annotators"]), r["documents"]]
            + [r[m][k] for m in MODES for k in ("f1", "precision", "recall")]
        )
    return headers, rows


def attribute_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "attribute",
        "level",
        "matched pairs",
        "Cohen's kappa (mean of pairs)",
        "Fleiss' kappa",
        "Krippendorff's alpha",
    ]
    rows: list[list[object]] = []
    for key, a in data["attributes"].items():
        rows.append(
            [
                key,
                a["level"],
                sum(a["matched_pairs"].values()),
                report.format_estimate(a["cohen_kappa"]),
                report.format_estimate(a["fleiss_kappa"]),
                report.format_estimate(a["krippendorff_alpha"]),
            ]
        )
    return headers, rows


def relation_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    h = data["relations"][HOLDER]
    rows: list[list[object]] = [
        ["holder (mean of pairs)", h["agreement"]["n"], report.format_estimate(h["agreement"])]
    ]
    rows += [
        [f"holder {k.replace('|', ' vs ')}", h["matched_pairs"][k], v]
        for k, v in h["pairs"].items()
    ]
    return ["relation", "matched STANCE pairs", "agreement"], rows


def argument_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]], str]:
    """Argument F1 per role and matching mode, event-record agreement, and a status line."""
    args = data.get("arguments") or {}
    per_layer = args.get("relations_per_annotator", {})
    status = str(args.get("status", NO_ARGUMENTS))
    note = (
        "Argument relations per annotator: "
        + (", ".join(f"{a} {n}" for a, n in per_layer.items()) or "(none)")
        + "."
    )
    if status != "ok":
        note = f"{status[:1].upper()}{status[1:]}: no argument agreement is reported. {note}"
    rows: list[list[object]] = []
    for role in ROLES:
        for mode in MODES:
            est = args.get(f"{role}_f1_{mode}")
            if est is not None:
                rows.append([f"{role} F1 ({mode} ends)", est.get("n"), report.format_estimate(est)])
    record = args.get("event_records")
    if record is not None:
        rows.append(
            [
                "event record (category, source and target countries)",
                record.get("n"),
                report.format_estimate(record),
            ]
        )
    return ["figure", "arguments or matched events", "mean of pairs (95% CI)"], rows, note


def annotator_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    headers = [
        "annotator",
        "documents",
        "spans",
        "mean F1 exact",
        "mean F1 overlap",
        "missed (others have it)",
        "marked alone",
    ]
    rows: list[list[object]] = [
        [
            r["annotator"],
            r["documents"],
            r["n_spans"],
            r["f1_exact_mean"],
            r["f1_overlap_mean"],
            r["missed"],
            r["only_one"],
        ]
        for r in data["per_annotator"]
    ]
    return headers, rows


def document_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]], str]:
    docs = sorted(
        data["per_document"],
        key=lambda d: (d["f1_overlap"] if d["f1_overlap"] is not None else 2.0, d["doc_id"]),
    )
    shown = docs[:_TABLE_ROWS]
    note = (
        f"{len(docs)} documents; the {len(shown)} with the lowest overlap F1 are shown "
        "(all are in agreement.json)."
        if len(docs) > len(shown)
        else f"{len(docs)} documents."
    )
    headers = [
        "doc_id",
        "annotators",
        "spans",
        "F1 exact",
        "F1 overlap",
        "unitizing alpha",
        "disagreements",
    ]
    rows: list[list[object]] = [
        [
            d["doc_id"],
            len(d["annotators"]),
            d["n_spans"],
            d["f1_exact"],
            d["f1_overlap"],
            d["u_alpha"],
            d["disagreements"],
        ]
        for d in shown
    ]
    return headers, rows, note


def dispute_table(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]], str]:
    dis = data["disagreements"]
    counts = ", ".join(f"{k}: {v}" for k, v in dis["counts"].items())
    note = (
        f"{dis['total']} disputed spans ({counts}); "
        f"{dis['listed']} listed here and in agreement.json."
    )
    headers = ["kind", "doc_id", "label", "start", "end", "sentence", *data["annotators"]]
    rows: list[list[object]] = []
    for item in dis["items"]:
        rows.append(
            [
                item["kind"],
                item["doc_id"],
                item["label"],
                item["start"],
                item["end"],
                item["context"]["text"],
            ]
            + [version_text(item["versions"][a]) for a in data["annotators"]]
        )
    return headers, rows, note
