"""Benchmark the scikit-learn baselines: training time and prediction throughput, with peak memory.

Data comes from `generate_documents` in baseline_corpus.py, next to this script (template
sentences of US-China news with gold ACTOR/EVENT/LOCATION/STANCE spans, PLOVER categories, 10%
label noise, near-duplicate copies). Each phase runs in a child process so its peak RSS is its own:

1. train: the three models on N sentences (default 100,000; target < 120 s in all), then save
   them with skops; floor: TF-IDF word unigrams fit on the same sentences (the cheapest text model
   step there is), so the time ratio says how much the baselines cost beyond reading the text;
2. predict: the whole prediction pipeline (tagger, event category of predicted EVENT spans,
   sentence stance) on M new sentences (default 20,000; target >= 5,000 sentences/s); floor:
   tokenizing the same sentences. Each distinct sentence is predicted once, and the templates
   repeat sentences more than news does, so the rate on the distinct sentences alone (word
   caches cleared first) is printed too.

    python tests/bench/bench_baseline.py                      # 100,000 train, 20,000 predict
    python tests/bench/bench_baseline.py --sentences 20000    # a quicker run
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from toolkit.baseline.corpus import Corpus

SENTENCES_PER_DOC = 20
TRAIN_TARGET_S = 120.0
PREDICT_TARGET_PER_S = 5000.0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _corpus(n_sentences: int, seed: int) -> Corpus:
    from baseline_corpus import generate_documents

    from toolkit.baseline.corpus import corpus_from_table

    table = generate_documents(
        max(2, n_sentences // SENTENCES_PER_DOC), seed=seed, sentences_per_doc=SENTENCES_PER_DOC
    )
    return corpus_from_table(table, data_version=f"generated-{seed}", source="generated")


def phase_train(n_sentences: int, seed: int, model_dir: Path) -> dict[str, float]:
    """Train and save; returns seconds per step and the peak RSS."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from toolkit.baseline.card import MODEL_SUFFIX
    from toolkit.baseline.estimators import MODEL_NAMES, fit_event, fit_stance, fit_tagger
    from toolkit.baseline.features import FEATURES_VERSION
    from toolkit.baseline.persistence import CARD_JSON, dump_bytes
    from toolkit.baseline.units import event_units, stance_units, tagger_units
    from toolkit.taxonomy import read_taxonomy

    t0 = time.perf_counter()
    corpus = _corpus(n_sentences, seed)
    docs = corpus.documents
    out: dict[str, float] = {"generate_s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    su, tu, eu = stance_units(docs), tagger_units(docs), event_units(docs)
    out["units_s"] = time.perf_counter() - t0
    out["sentences"] = len(su.labels)
    out["tokens"] = sum(len(t) for t in tu.tokens)
    out["events"] = len(eu.labels)
    t0 = time.perf_counter()
    TfidfVectorizer().fit(su.texts)
    out["floor_s"] = time.perf_counter() - t0
    models = {}
    fitters: dict[str, Callable[[], tuple[Pipeline, bool]]] = {
        "stance": lambda: fit_stance(su, 0),
        "tagger": lambda: fit_tagger(tu, 0),
        "event": lambda: fit_event(eu, 0),
    }
    for name, fit in fitters.items():
        t0 = time.perf_counter()
        model, converged = fit()
        out[f"train_{name}_s"] = time.perf_counter() - t0
        out[f"converged_{name}"] = float(converged)
        models[name] = model
    out["train_total_s"] = out["units_s"] + sum(out[f"train_{n}_s"] for n in MODEL_NAMES)
    t0 = time.perf_counter()
    blobs = {name: dump_bytes(m) for name, m in models.items()}
    card = {
        "name": "bench",
        "layer": "model-bench",
        "model_version": "bench",
        "taxonomy_sha256": read_taxonomy().sha256,
        "features_version": FEATURES_VERSION,
        "skipped": {},
        "models": {
            name: {
                "file": f"{name}{MODEL_SUFFIX}",
                "sha256": hashlib.sha256(blob).hexdigest(),
            }
            for name, blob in blobs.items()
        },
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    for name, blob in blobs.items():
        (model_dir / f"{name}{MODEL_SUFFIX}").write_bytes(blob)
    (model_dir / CARD_JSON).write_text(json.dumps(card), encoding="utf-8")
    out["save_s"] = time.perf_counter() - t0
    out["model_mib"] = sum(len(b) for b in blobs.values()) / 2**20
    out["peak_rss_mib"] = _peak_rss_mib()
    return out


def phase_predict(n_sentences: int, seed: int, model_dir: Path) -> dict[str, float]:
    """Load the saved models and predict new documents; returns rates and the peak RSS."""
    from toolkit.baseline.estimators import predict_stance
    from toolkit.baseline.features import tokenize
    from toolkit.baseline.persistence import load_models
    from toolkit.baseline.prediction import predict_documents
    from toolkit.baseline.units import stance_units

    corpus = _corpus(n_sentences, seed + 1)
    docs = corpus.documents
    sentences = sum(len(d.sentences) for d in docs)
    out: dict[str, float] = {"sentences": sentences}
    t0 = time.perf_counter()
    models = load_models(model_dir)
    out["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in docs:
        for s, e in d.sentences:
            tokenize(d.text, s, e)
    out["floor_s"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    predicted = predict_documents(models, docs)
    out["predict_s"] = time.perf_counter() - t0
    out["predict_cpu_s"] = time.process_time() - c0
    out["spans"] = sum(len(v) for v in predicted.values())
    out["sentences_per_s"] = sentences / out["predict_s"]
    # Prediction tags each distinct sentence once; generated news repeats sentences more than
    # real news, so also time the distinct sentences alone, with cold word caches.
    _clear_feature_caches()
    seen: set[str] = set()
    distinct_docs = []
    for d in docs:
        fresh = [(s, e) for s, e in d.sentences if d.text[s:e] not in seen]
        seen.update(d.text[s:e] for s, e in fresh)
        distinct_docs.append(dataclasses.replace(d, sentences=fresh))
    out["distinct_sentences"] = len(seen)
    t0, c0 = time.perf_counter(), time.process_time()
    predict_documents(models, distinct_docs)
    out["distinct_per_s"] = len(seen) / (time.perf_counter() - t0)
    out["distinct_per_cpu_s"] = len(seen) / (time.process_time() - c0)
    su = stance_units(docs)
    assert models.stance is not None
    t0 = time.perf_counter()
    predict_stance(models.stance, su.texts)
    out["stance_only_per_s"] = sentences / (time.perf_counter() - t0)
    out["peak_rss_mib"] = _peak_rss_mib()
    return out


def _clear_feature_caches() -> None:
    from toolkit.baseline import features

    for cached in (
        features._own_features,
        features._context_features,
        features._own_ids,
        features._context_ids,
        features._bigram_id,
    ):
        cached.cache_clear()


def _child(phase: str, n: int, seed: int, model_dir: Path) -> dict[str, float]:
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--sentences",
            str(n),
            "--seed",
            str(seed),
            "--model-dir",
            str(model_dir),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=100_000, help="training sentences")
    parser.add_argument("--predict-sentences", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--phase", choices=["train", "predict"], help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "train":
        print(json.dumps(phase_train(args.sentences, args.seed, args.model_dir)))
        return
    if args.phase == "predict":
        print(json.dumps(phase_predict(args.sentences, args.seed, args.model_dir)))
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        model_dir = Path(tmp) / "models"
        train = _child("train", args.sentences, args.seed, model_dir)
        predict = _child("predict", args.predict_sentences, args.seed, model_dir)
    load_after = os.getloadavg()[0]
    busy = max(load_before, load_after) > (os.cpu_count() or 1)
    print(
        f"Machine: {os.cpu_count()} CPUs; 1-minute load average {load_before:.1f} before, "
        f"{load_after:.1f} after"
        + (" (above the CPU count: other work slows every figure)" if busy else "")
    )
    print(
        f"Training on {train['sentences']:,.0f} generated sentences "
        f"({train['tokens']:,.0f} tokens, {train['events']:,.0f} events):"
    )
    print(f"  units (tokenize, BIO, labels)  {train['units_s']:8.1f} s")
    for name in ("stance", "tagger", "event"):
        conv = "" if train[f"converged_{name}"] else "  (solver did not converge)"
        print(f"  {name:<30} {train[f'train_{name}_s']:8.1f} s{conv}")
    total = train["train_total_s"]
    verdict = "meets" if total < TRAIN_TARGET_S else "MISSES"
    print(
        f"  total                          {total:8.1f} s  ({verdict} target < "
        f"{TRAIN_TARGET_S:.0f} s)"
    )
    print(
        f"  floor (TF-IDF unigram fit)     {train['floor_s']:8.1f} s  -> ratio "
        f"{total / train['floor_s']:.1f}x"
    )
    print(
        f"  save (skops, canonical)        {train['save_s']:8.1f} s, "
        f"{train['model_mib']:.1f} MiB of model files"
    )
    print(f"  peak RSS                       {train['peak_rss_mib']:8.0f} MiB")
    rate = predict["sentences_per_s"]
    sentences = predict["sentences"]
    verdict = "meets" if rate >= PREDICT_TARGET_PER_S else "MISSES"
    print(
        f"Prediction on {predict['sentences']:,.0f} new sentences "
        f"({predict['spans']:,.0f} spans predicted):"
    )
    print(f"  load models                    {predict['load_s']:8.2f} s")
    print(
        f"  all three models               {rate:8,.0f} sentences/s  ({verdict} target >= "
        f"{PREDICT_TARGET_PER_S:,.0f})"
    )
    print(
        f"  distinct sentences only        {predict['distinct_per_s']:8,.0f} sentences/s  "
        f"({predict['distinct_sentences']:,.0f} of {predict['sentences']:,.0f} are distinct; "
        "each is predicted once)"
    )
    print(
        f"  the same per CPU second        {sentences / predict['predict_cpu_s']:8,.0f} and "
        f"{predict['distinct_per_cpu_s']:,.0f} sentences/CPU-s (less affected by other work)"
    )
    print(f"  stance model alone             {predict['stance_only_per_s']:8,.0f} sentences/s")
    floor_rate = predict["sentences"] / predict["floor_s"]
    print(
        f"  floor (tokenize only)          {floor_rate:8,.0f} sentences/s -> ratio "
        f"{floor_rate / rate:.1f}x"
    )
    print(f"  peak RSS                       {predict['peak_rss_mib']:8.0f} MiB")


if __name__ == "__main__":
    main()
