"""Benchmark: the full agreement report on 1,000,000 generated spans from three annotators.

Prints wall time and peak memory (max RSS of a fresh process) for: reading the tables only (the
floor), the report without bootstrap, and the report with 1,000 bootstrap resamples.
Targets: under 30 s and 60 s, under 2 GiB.

With --one-document every span goes into ONE long document (100,000 spans by default), which
shows whether any step grows with the square of the spans of a document (it must not).

Run: nox -s bench_agreement   (or: python tests/bench/bench_agreement.py [--spans N]
[--one-document])
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ANNOTATORS = ("ls-ann1", "ls-ann2", "ls-ann3")
LABELS = ("ACTOR", "EVENT", "LOCATION", "STANCE")
DOC_LENGTH = 3000
SLOT = 150  # one base span per 150-code-point slot, so base spans never overlap
CHOICES = {
    "category": ["CONSULT", "ACCUSE", "REQUEST", "THREATEN", "SANCTION", "AID"],
    "modality": ["asserted", "future", "negated"],
    "value": ["AGAINST", "NONE", "FAVOR"],
    "facet": ["UNIFICATION", "STATUS_QUO", "INDEPENDENCE"],
    "country": ["USA", "CHN", "TWN", "JPN"],
    "sector": ["GOV", "MIL", "LEG", "BUS"],
    "gazetteer_id": [f"geonames:{i}" for i in range(300)],
}
LABEL_ATTRS = {
    "ACTOR": ("country", "sector"),
    "EVENT": ("category", "modality"),
    "LOCATION": ("gazetteer_id",),
    "STANCE": ("value", "facet"),
}


def generate(
    n_spans: int, out: Path, seed: int = 7, *, one_document: bool = False
) -> dict[str, int]:
    """Write annotations.parquet, annotation_sets.parquet, documents.parquet for ~n_spans spans."""
    from toolkit.taxonomy.labels import read_taxonomy

    names = read_taxonomy().attribute_names
    rng = np.random.default_rng(seed)
    per_annotator = n_spans // len(ANNOTATORS)
    n_base = int(per_annotator / 1.0)  # each annotator drops ~5% and adds ~5%
    if one_document:
        n_docs, slots_per_doc = 1, int(np.ceil(n_base / 0.8))
    else:
        slots_per_doc = DOC_LENGTH // SLOT
        n_docs = int(np.ceil(n_base / (slots_per_doc * 0.8)))
    doc_length = slots_per_doc * SLOT
    # base spans: random slots of random documents
    slot_ids = rng.choice(n_docs * slots_per_doc, size=n_base, replace=False)
    doc = slot_ids // slots_per_doc
    b_start = (slot_ids % slots_per_doc) * SLOT + rng.integers(0, 60, n_base)
    b_end = b_start + rng.integers(3, 60, n_base)
    b_label = rng.integers(0, len(LABELS), n_base)
    b_attr = {k: rng.integers(0, len(v), n_base) for k, v in CHOICES.items()}
    frames = []
    for a_i, ann in enumerate(ANNOTATORS):
        keep = rng.random(n_base) > 0.05
        n_keep = int(keep.sum())
        start = b_start[keep].copy()
        end = b_end[keep].copy()
        jitter = rng.random(n_keep) < 0.10
        start[jitter] += rng.integers(-2, 3, int(jitter.sum()))
        end[jitter] += rng.integers(-2, 3, int(jitter.sum()))
        start = np.maximum(start, 0)  # jitter stays inside the text
        end = np.minimum(np.maximum(end, start + 1), doc_length)
        label = b_label[keep].copy()
        swap = rng.random(n_keep) < 0.03
        label[swap] = rng.integers(0, len(LABELS), int(swap.sum()))
        attrs = {}
        for k, v in b_attr.items():
            codes = v[keep].copy()
            change = rng.random(n_keep) < 0.10
            codes[change] = rng.integers(0, len(CHOICES[k]), int(change.sum()))
            attrs[k] = codes
        # extra spans only this annotator marks, in the free part of a slot
        n_extra = n_spans // len(ANNOTATORS) - n_keep
        e_slot = rng.integers(0, n_docs * slots_per_doc, max(n_extra, 0))
        e_doc = e_slot // slots_per_doc
        e_start = (e_slot % slots_per_doc) * SLOT + 125 + a_i * 8
        e_end = e_start + rng.integers(2, 8, len(e_slot))
        e_label = rng.integers(0, len(LABELS), len(e_slot))
        all_doc = np.concatenate([doc[keep], e_doc])
        all_start = np.concatenate([start, e_start])
        all_end = np.concatenate([end, e_end])
        all_label = np.concatenate([label, e_label])
        n = len(all_doc)
        struct_cols = {}
        label_names = np.array(LABELS)[all_label]
        for name in names:
            col = np.full(n, None, dtype=object)
            if name in CHOICES:
                vals = np.array(CHOICES[name], dtype=object)
                codes = np.concatenate([attrs[name], rng.integers(0, len(vals), len(e_slot))])
                owners = [lab for lab, ks in LABEL_ATTRS.items() if name in ks]
                mask = np.isin(label_names, owners)
                col[mask] = vals[codes[mask]]
            struct_cols[name] = pl.Series(name, col.tolist(), dtype=pl.String)
        span_ids = [f"sp_{a_i}_{i}" for i in range(n)]
        frame = pl.DataFrame(
            {
                "doc_id": pl.Series([f"doc_{d:016x}" for d in all_doc]),
                "annotator_id": ann,
                "span_id": span_ids,
                "label": label_names.tolist(),
                "start": all_start.astype(np.int32),
                "end": all_end.astype(np.int32),
                "attributes": pl.DataFrame(struct_cols).to_struct("attributes"),
            }
        )
        holder = pl.when(pl.col("label") == "STANCE").then(
            pl.concat_list(
                pl.struct(
                    pl.lit("holder").alias("type"),
                    pl.col("span_id").shift(1).fill_null("sp_none").alias("to_span_id"),
                )
            )
        )
        frame = frame.with_columns(
            holder.alias("relations"), pl.lit("1.0.0").alias("codebook_version")
        )
        frames.append(frame)
    annotations = pl.concat(frames)
    doc_ids = [f"doc_{d:016x}" for d in range(n_docs)]
    sentence = "Officials met in the capital and spoke about the strait. "
    text = (sentence * (doc_length // len(sentence) + 1))[:doc_length]
    # Quotes are what the text holds at the offsets: the text repeats the sentence, and no
    # span is longer than three sentences, so four from the span's phase hold its quote.
    quote = (
        pl.lit(sentence * 4)
        .str.slice(pl.col("start") % len(sentence), pl.col("end") - pl.col("start"))
        .alias("text")
    )
    columns = ["doc_id", "annotator_id", "span_id", "label", "start", "end", "text"]
    annotations = annotations.with_columns(quote).select(*columns, pl.exclude(*columns))
    documents = pl.DataFrame({"doc_id": doc_ids, "text": text}).with_columns(
        pl.lit(None, dtype=pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32}))).alias(
            "sentences"
        )
    )
    sets = pl.DataFrame(
        {
            "doc_id": doc_ids * len(ANNOTATORS),
            "annotator_id": [a for a in ANNOTATORS for _ in doc_ids],
        }
    ).with_columns(
        pl.lit("completed").alias("status"),
        pl.lit("labelstudio").alias("source_kind"),
        pl.lit(0, dtype=pl.Int32).alias("n_spans"),
        pl.lit("0" * 64).alias("text_sha256"),
        pl.lit("1.0.0").alias("codebook_version"),
    )
    out.mkdir(parents=True, exist_ok=True)
    annotations.write_parquet(out / "annotations.parquet")
    sets.write_parquet(out / "annotation_sets.parquet")
    documents.write_parquet(out / "documents.parquet")
    return {"spans": annotations.height, "documents": n_docs}


def measure(dataset: str, bootstrap: int, report_dir: str) -> None:
    """Child process: read the tables, maybe compute and write the report; print JSON figures."""
    from toolkit.agreement import compute_agreement, read_layers, write_agreement_report

    t0 = time.perf_counter()
    layers = read_layers(dataset)
    t_read = time.perf_counter() - t0
    if bootstrap >= 0:
        result = compute_agreement(layers, n_bootstrap=bootstrap, seed=0)
        write_agreement_report(report_dir, result)
    total = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "read_s": t_read,
        "total_s": total,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
    }
    print(json.dumps(figures))


def run_child(dataset: Path, bootstrap: int, report_dir: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", str(dataset), str(bootstrap), str(report_dir)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=None, help="default 1,000,000 (100,000)")
    parser.add_argument(
        "--one-document", action="store_true", help="every span in one long document"
    )
    parser.add_argument("--child", nargs=3, metavar=("DATASET", "BOOTSTRAP", "OUT"))
    args = parser.parse_args()
    if args.child:
        measure(args.child[0], int(args.child[1]), args.child[2])
        return
    with tempfile.TemporaryDirectory(prefix="bench-agreement-") as tmp:
        dataset = Path(tmp) / "dataset"
        t0 = time.perf_counter()
        n_spans = args.spans or (100_000 if args.one_document else 1_000_000)
        sizes = generate(n_spans, dataset, one_document=args.one_document)
        print(
            f"generated {sizes['spans']:,} spans, {len(ANNOTATORS)} annotators, "
            f"{sizes['documents']:,} documents in {time.perf_counter() - t0:.1f} s"
        )
        rows = [
            ("floor: read tables only", -1, None, None),
            ("report, no bootstrap", 0, 30.0, 2048.0),
            ("report, 1,000 bootstrap resamples", 1000, 60.0, 2048.0),
        ]
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} cores (other work slows wall time)")
        print(f"{'run':<38} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9}  target (wall, memory)")
        for name, boot, t_max, m_max in rows:
            fig = run_child(dataset, boot, Path(tmp) / f"report-{boot}")
            target = ""
            if t_max is not None and m_max is not None:
                ok = fig["total_s"] < t_max and fig["peak_mib"] < m_max
                target = f"< {t_max:.0f} s, < {m_max / 1024:.0f} GiB: {'ok' if ok else 'MISSED'}"
            print(
                f"{name:<38} {fig['total_s']:>7.1f} {fig['cpu_s']:>7.1f} "
                f"{fig['peak_mib']:>9.0f}  {target}"
            )


if __name__ == "__main__":
    main()
