"""Quality of the pre-annotator and the baseline models, in sample and out of sample, side by side.

In sample: the five seed articles (the rules were written while reading them; the models are
trained on their gold and predict on them). Out of sample: the 322 PLOVER gold records, split by
the SHA-256 of the record id (tests/bench/plover_records.py, is_dev_record) into a dev half, whose
errors were read (by kind) to write lexicon 2.1.0, and a held-out half that no rule was written
from; the table gives all records and each half. Span F1 intervals come from `toolkit agreement`
(documents resampled); the PLOVER shares get a percentile bootstrap over records (seed 0).

Held out: 20 further blind-annotated articles are not in this sandbox. Put their dataset
(built with `toolkit convert ... --annotations` and a `gold` layer) at QUALITY_HELDOUT_DATASET
and this script scores rules and models on it in the same table; without it the row says so.

    python tests/bench/quality.py [WORK_DIR]
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.plover_records import (
    PloverRecord,
    Suggester,
    measure,
    read_records,
    rules_suggester,
    split_records,
)

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("ACTOR", "EVENT", "LOCATION", "STANCE", "ALL")
SHARES = ("no_event_share", "gold_category_share", "country_code_share")
# The PLOVER subsets of the table: every record, the dev half and the held-out half.
SUBSETS = (
    ("all", "all records (OUT OF SAMPLE for the models; the rules read the dev half)"),
    ("dev", "dev half (IN SAMPLE for the rules: its errors were read to write them)"),
    ("heldout", "held-out half (OUT OF SAMPLE: never read)"),
)


def toolkit(*args: str | Path, rejects_ok: bool = False) -> None:
    """Run a toolkit command (the installed CLI of this interpreter), quietly.

    With ``rejects_ok``, exit status 1 (some inputs rejected, the rest written) is accepted:
    the PLOVER file repeats six sentences, which `toolkit convert` rejects as duplicates.
    """
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    if done.returncode and not (rejects_ok and done.returncode == 1):
        raise SystemExit(f"toolkit {' '.join(map(str, args))} failed:\n{done.stderr}")


def span_f1(dataset: Path, layer: str, out: Path) -> dict[str, dict[str, float | None]]:
    """Exact span F1 per label of a layer against gold, with the agreement package's interval."""
    toolkit("agreement", dataset, "--annotators", f"gold,{layer}", "--out", out, "--seed", "0")
    spans = json.loads((out / "agreement.json").read_text(encoding="utf-8"))["spans"]
    return {
        label: {
            k: spans.get(label, {}).get("f1_exact", {}).get(k)
            for k in ("value", "ci_low", "ci_high")
        }
        for label in LABELS
    }


def bootstrap(records: Sequence[PloverRecord], suggest: Suggester, n: int = 1000) -> dict[str, Any]:
    """The PLOVER shares and their 95% percentile intervals over resampled records (seed 0)."""
    # Keyed by id and text: two records of the file share the id PLOVER-GSR01-COERCE-0004.
    cached = {(r.record_id, r.text): list(suggest(r.record_id, r.text)) for r in records}

    def cached_suggest(record_id: str, text: str) -> list[Any]:
        return cached[(record_id, text)]

    point = measure(records, cached_suggest)
    rng = random.Random(0)
    draws: dict[str, list[float]] = {k: [] for k in SHARES}
    for _ in range(n):
        sample = [records[rng.randrange(len(records))] for _ in records]
        m = measure(sample, cached_suggest)
        for k in SHARES:
            draws[k].append(m[k])
    out: dict[str, Any] = {}
    for k in SHARES:
        ordered = sorted(draws[k])
        out[k] = (point[k], ordered[int(0.025 * n)], ordered[int(0.975 * n) - 1])
    return out


def layer_suggester(dataset: Path, annotations: Path, layer: str) -> Suggester:
    """Spans of an annotation layer, looked up by the sentence text of each record."""
    import pyarrow.parquet as pq

    docs = pq.read_table(dataset / "documents.parquet", columns=["doc_id", "text"]).to_pylist()
    by_text = {d["text"].strip(): d["doc_id"] for d in docs}

    def suggest(_record_id: str, text: str) -> list[tuple[str, Mapping[str, Any]]]:
        doc_id = by_text.get(text.strip())
        path = annotations / layer / f"{doc_id}.json"
        if doc_id is None or not path.exists():
            return []
        spans = json.loads(path.read_text(encoding="utf-8"))["spans"]
        return [(s["label"], s.get("attributes") or {}) for s in spans]

    return suggest


def seeds_in_sample(work: Path) -> tuple[Path, dict[str, Any]]:
    """Rules and models against the seeds' gold (in sample); returns the models' folder too."""
    ann = work / "seeds-annotations"
    shutil.copytree(ROOT / "annotations", ann)
    toolkit("convert", ROOT / "seeds", "--annotations", ann, "--out", work / "seeds-0")
    toolkit("preannotate", work / "seeds-0", "--out", ann)
    models = work / "models"
    toolkit("baseline", "train", work / "seeds-0", "--out", models)
    toolkit("baseline", "predict", models, work / "seeds-0", "--out", ann)
    toolkit("convert", ROOT / "seeds", "--annotations", ann, "--out", work / "seeds")
    return models, {
        "rules": span_f1(work / "seeds", "rules-v1", work / "agreement-rules"),
        "models": span_f1(work / "seeds", "model-baseline", work / "agreement-models"),
    }


def plover_out_of_sample(work: Path, models: Path) -> dict[str, Any]:
    """Rules and models on the PLOVER records (out of sample): all, dev half, held-out half."""
    records = read_records()
    txt = work / "plover-txt"
    txt.mkdir()
    for r in records:
        (txt / f"{r.record_id}.txt").write_text(r.text + "\n", encoding="utf-8")
    toolkit("convert", txt, "--out", work / "plover", rejects_ok=True)
    toolkit("baseline", "predict", models, work / "plover", "--out", work / "plover-annotations")
    model = layer_suggester(work / "plover", work / "plover-annotations", "model-baseline")
    rules = rules_suggester()
    dev, heldout = split_records(records)
    subsets = {"all": records, "dev": dev, "heldout": heldout}
    return {
        name: {
            "n": len(subset),
            "rules": bootstrap(subset, rules),
            "models": bootstrap(subset, model),
        }
        for name, subset in subsets.items()
    }


def _cell(value: float | None, low: float | None = None, high: float | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if low is None or high is None else f"{value:.3f} [{low:.3f}, {high:.3f}]"


def render(seeds: Mapping[str, Any], plover: Mapping[str, Any], heldout: str) -> str:
    """The side-by-side tables."""
    lines = [
        "Span exact F1 against gold, 95% interval from `toolkit agreement` (documents resampled)",
        f"{'label':<9} {'rules, seeds (IN SAMPLE)':<28} {'models, seeds (IN SAMPLE)':<28}",
    ]
    for label in LABELS:
        r, m = seeds["rules"][label], seeds["models"][label]
        lines.append(
            f"{label:<9} {_cell(r['value'], r['ci_low'], r['ci_high']):<28} "
            f"{_cell(m['value'], m['ci_low'], m['ci_high']):<28}"
        )
    targets = {
        "no_event_share": "-",
        "gold_category_share": ">= 0.75",
        "country_code_share": ">= 0.80",
    }
    for name, title in SUBSETS:
        part = plover[name]
        lines += [
            "",
            f"PLOVER gold records, {title}: {part['n']} records, "
            "95% percentile bootstrap over records (seed 0)",
            f"{'share':<22} {'rules':<28} {'models':<28} target",
        ]
        for k in SHARES:
            rules, models = _cell(*part["rules"][k]), _cell(*part["models"][k])
            lines.append(f"{k:<22} {rules:<28} {models:<28} {targets[k]}")
    lines += ["", f"Held out (20 blind-annotated articles, OUT OF SAMPLE): {heldout}"]
    return "\n".join(lines)


def heldout_row(work: Path) -> str:
    """Scores on the held-out layer when its dataset is given, else why there are none."""
    dataset = os.environ.get("QUALITY_HELDOUT_DATASET")
    if not dataset:
        return "not available in this sandbox (set QUALITY_HELDOUT_DATASET to its dataset)"
    f1 = span_f1(Path(dataset), "rules-v1", work / "agreement-heldout")["ALL"]
    return f"rules ALL exact F1 {_cell(f1['value'], f1['ci_low'], f1['ci_high'])}"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``nox -s quality``."""
    args = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        work = Path(args[0]) if args else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        models, seeds = seeds_in_sample(work)
        plover = plover_out_of_sample(work, models)
        print(render(seeds, plover, heldout_row(work)))


if __name__ == "__main__":
    main()
