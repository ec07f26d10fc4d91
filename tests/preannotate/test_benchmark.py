"""The pre-annotator benchmark (tests/bench/bench_preannotate.py) reports its rates."""

from __future__ import annotations

from ..bench.bench_preannotate import format_benchmark, iter_bench_texts, run_benchmark


def test_benchmark_reports_rates() -> None:
    result = run_benchmark(["Beijing condemned the sanctions.\nTalks in Washington."], n_docs=20)
    assert result["n_docs"] == 20
    assert result["articles_per_s"] > 0 and result["floor_articles_per_s"] > 0
    assert result["scan_articles_per_s"] > result["articles_per_s"]
    assert "lexicon scan alone" in format_benchmark(result)
    assert result["spans_per_doc"] >= 4
    assert len(list(iter_bench_texts(["a\nb"], 3))) == 3
