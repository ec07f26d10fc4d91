"""Benchmark main-content extraction on real news pages: the toolkit vs trafilatura's default.

Reads ../shared/data/extraction-dev (60 full pages with reference article bodies; see its
README), converts each page with the real ``parse_article`` and with ``trafilatura.extract``
(default options) in the same run, and prints F1, precision, recall (the 4-token shingle score
of tests/bench/extraction_score.py) and pages per CPU second of this one process for both, on the
development two thirds and on the held-out third (pages whose key's SHA-256 is divisible by 3;
never looked at while choosing options), the ratio of the two speeds, then the toolkit's ten
worst pages of each part.
Targets: toolkit F1 >= 0.95 and at least trafilatura's pages/s.

    python tests/bench/bench_extraction.py
    python tests/bench/bench_extraction.py --data /path/to/extraction-dev
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: the project root holds the tests package
    sys.path.insert(0, str(ROOT))

from tests.bench.extraction_score import (  # noqa: E402
    PageScore,
    Summary,
    is_held_out,
    score_page,
    summarize,
)
from toolkit.errors import ToolkitError  # noqa: E402
from toolkit.ingest import load_language_model, parse_article  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-dev"


def load_pages(data: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The pages' raw bytes and reference bodies by key; SystemExit naming what is missing."""
    truth_path = data / "ground-truth.json"
    if not truth_path.is_file():
        raise SystemExit(
            f"extraction-dev data not found: {truth_path} is missing; expected the folder "
            "../shared/data/extraction-dev (ground-truth.json and html/<key>.html.gz) beside the "
            "project, or pass --data DIR"
        )
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages: dict[str, bytes] = {}
    for key in sorted(truth):
        path = data / "html" / f"{key}.html.gz"
        if not path.is_file():
            raise SystemExit(f"extraction-dev page missing: {path} (listed in {truth_path})")
        pages[key] = gzip.decompress(path.read_bytes())
    return pages, {key: truth[key]["articleBody"] for key in pages}


def toolkit_text(key: str, data: bytes) -> str:
    """The toolkit's text of one page (empty when it rejects the page)."""
    try:
        return parse_article(data, source_path=key).text
    except ToolkitError:
        return ""


def trafilatura_text(key: str, data: bytes) -> str:
    """trafilatura's default extraction of one page (empty when it finds nothing)."""
    return trafilatura.extract(data) or ""


def run_systems(
    systems: dict[str, Callable[[str, bytes], str]],
    pages: dict[str, bytes],
    truth: dict[str, str],
) -> dict[str, tuple[dict[str, PageScore], float]]:
    """Per system: per-page scores and pages per CPU second of this process.

    The systems take turns page by page, so a change in the machine's load (other processes
    share its cores and caches) weighs on each alike.
    """
    texts: dict[str, dict[str, str]] = {name: {} for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    for key, data in pages.items():
        for name, extract in systems.items():
            start = time.process_time()
            texts[name][key] = extract(key, data)
            seconds[name] += time.process_time() - start
    return {
        name: (
            {key: score_page(truth[key], texts[name][key]) for key in pages},
            len(pages) / seconds[name] if seconds[name] else float("inf"),
        )
        for name in systems
    }


def _line(name: str, summary: Summary, pages_per_s: float) -> str:
    return (
        f"  {name:<12} F1 {summary.f1:.3f}  P {summary.precision:.3f}  "
        f"R {summary.recall:.3f}  {pages_per_s:6.1f} pages/s  ({summary.pages} pages)"
    )


def _page_f1(score: PageScore) -> float:
    p, r = score.precision or 0.0, score.recall or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def report_part(name: str, pages: dict[str, bytes], truth: dict[str, str]) -> None:
    """Print both systems' figures on one part and the toolkit's ten worst pages."""
    print(f"{name}:")
    results = run_systems({"toolkit": toolkit_text, "trafilatura": trafilatura_text}, pages, truth)
    (toolkit_scores, toolkit_speed), (reference_scores, reference_speed) = results.values()
    print(_line("toolkit", summarize(toolkit_scores.values()), toolkit_speed))
    print(_line("trafilatura", summarize(reference_scores.values()), reference_speed))
    print(f"  speed ratio toolkit/trafilatura: {toolkit_speed / reference_speed:.2f}x")
    print("  toolkit's worst 10 pages (page F1, P, R; trafilatura's F1):")
    worst = sorted(toolkit_scores, key=lambda key: (_page_f1(toolkit_scores[key]), key))[:10]
    for key in worst:
        score = toolkit_scores[key]
        print(
            f"    {key[:12]}  F1 {_page_f1(score):.3f}  P {score.precision or 0:.3f}  "
            f"R {score.recall or 0:.3f}  (trafilatura {_page_f1(reference_scores[key]):.3f})"
        )


def main(argv: list[str] | None = None) -> int:
    """Score both systems on the development and held-out parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="extraction-dev folder")
    args = parser.parse_args(argv)
    # trafilatura logs a warning for each page it finds nothing in; the scores say so already.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pages, truth = load_pages(args.data)
    development = {k: v for k, v in pages.items() if not is_held_out(k)}
    held_out = {k: v for k, v in pages.items() if is_held_out(k)}
    # One-time loads are not timed: trafilatura's settings (its first call) and the toolkit's
    # language model (about 0.6 CPU-s; the CLI loads it once per process, before any file).
    trafilatura.extract(next(iter(pages.values())))
    load_language_model()
    report_part("development (two thirds)", development, truth)
    report_part("held-out third (SHA-256 of the key divisible by 3)", held_out, truth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
