"""Benchmark the rule-based pre-annotator: articles per CPU second on one core (target >= 2,000).

Annotates articles derived from seeds/ (paragraphs rotated) and prints articles/s next to a
floor measured in the same run (one regex word scan) and the lexicon scan alone.

    python tests/bench/bench_preannotate.py          # 20,000 articles
    python tests/bench/bench_preannotate.py 5000     # a quicker run
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from toolkit.preannotate.rules import RuleSet, default_rules


def iter_bench_texts(seed_texts: Sequence[str], n: int) -> Iterator[tuple[str, str]]:
    """``n`` (doc_id, text) pairs derived from seed texts by rotating their paragraphs."""
    paragraphs = [[p for p in t.split("\n") if p.strip()] or [t] for t in seed_texts]
    for i in range(n):
        paras = paragraphs[i % len(paragraphs)]
        k = (i // len(paragraphs)) % len(paras)
        yield f"doc_{i:016x}", "\n\n".join(paras[k:] + paras[:k])


def run_benchmark(
    seed_texts: Sequence[str], n_docs: int = 20_000, rules: RuleSet | None = None
) -> dict[str, float]:
    """Articles per second of the rules on a generated corpus, next to a floor from the same run.

    Times annotation (spans, relations, annotation-file objects) without file I/O, in CPU
    seconds of this one process (one core; other load on the machine does not count) and in
    wall-clock seconds. The floor is one regex word scan of the same corpus; the lexicon scan
    (the rules' one Aho-Corasick pass over each text, nothing else) shows what matching costs.
    """
    import time

    started = time.perf_counter()
    ruleset = rules or default_rules()
    setup_s = time.perf_counter() - started
    corpus = list(iter_bench_texts(seed_texts, n_docs))
    n_chars = sum(len(t) for _, t in corpus)
    words = re.compile(r"\w+")
    cpu = time.process_time()
    for _, text in corpus:
        words.findall(text)
    floor_cpu_s = time.process_time() - cpu
    cpu = time.process_time()
    for _, text in corpus:
        ruleset._scan(text)
    scan_cpu_s = time.process_time() - cpu
    n_spans = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for doc_id, text in corpus:
        n_spans += len(ruleset.annotation_file(doc_id, text).spans)
    rules_cpu_s = time.process_time() - cpu
    rules_wall_s = time.perf_counter() - wall

    def rate(seconds: float) -> float:
        return n_docs / seconds if seconds > 0 else float("inf")

    return {
        "n_docs": float(n_docs),
        "mean_chars": n_chars / max(n_docs, 1),
        "setup_s": setup_s,
        "cpu_seconds": rules_cpu_s,
        "wall_seconds": rules_wall_s,
        "articles_per_s": rate(rules_cpu_s),
        "articles_per_wall_s": rate(rules_wall_s),
        "spans_per_doc": n_spans / max(n_docs, 1),
        "floor_articles_per_s": rate(floor_cpu_s),
        "scan_articles_per_s": rate(scan_cpu_s),
    }


def format_benchmark(result: Mapping[str, float], target: float = 2_000.0) -> str:
    """The benchmark figures as a few lines of text."""
    ratio = result["floor_articles_per_s"] / result["articles_per_s"]
    verdict = "meets" if result["articles_per_s"] >= target else "is below"
    return "\n".join(
        [
            f"corpus: {int(result['n_docs'])} articles, {result['mean_chars']:.0f} characters each",
            f"rule set built in {result['setup_s']:.2f} s (gazetteer, lexicons, regexes)",
            f"pre-annotator: {result['articles_per_s']:.0f} articles per CPU second on one core "
            f"({result['spans_per_doc']:.1f} spans per article, {result['cpu_seconds']:.2f} CPU s; "
            f"{result['articles_per_wall_s']:.0f} articles per wall-clock second)",
            f"floor (one regex word scan, same run): {result['floor_articles_per_s']:.0f} "
            f"articles per CPU second; the rules cost {ratio:.1f}x the floor",
            f"lexicon scan alone (the rules' Aho-Corasick automaton, same run): "
            f"{result['scan_articles_per_s']:.0f} articles per CPU second",
            f"target {target:.0f} articles/s: {verdict} the target",
        ]
    )


def main_benchmark(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``nox -s bench_preannotate``: prints the figures for seeds/."""
    from toolkit.ingest import read_article

    args = list(sys.argv[1:] if argv is None else argv)
    n_docs = int(args[0]) if args else 20_000
    root = Path(__file__).resolve().parents[2] / "seeds"
    texts = [read_article(p).text for p in sorted(root.glob("*.txt"))]
    print(format_benchmark(run_benchmark(texts, n_docs)))


if __name__ == "__main__":
    main_benchmark()
