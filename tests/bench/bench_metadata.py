"""Metadata coverage on real pages: how many get each field, from which source, at what cost.

Reads the extraction-dev pages (../shared/data/extraction-dev/html/*.html.gz, not part of the
project) and converts each page alone, without hints. Prints, per field, the pages with a value
and the sources that gave it, the languages found, the notes and milliseconds per page.
Fields a converter lacks are counted as empty (the figures before this script's converter were
taken with main's code and this field list):

    python tests/bench/bench_metadata.py
    python tests/bench/bench_metadata.py --pages /path/to/html
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections import Counter
from pathlib import Path
from typing import Any

from toolkit import METADATA_FIELDS
from toolkit.errors import InputError
from toolkit.ingest import parse_article

DEFAULT_PAGES = Path(__file__).resolve().parents[3] / "shared/data/extraction-dev/html"


def coverage(pages: list[Path]) -> dict[str, Any]:
    """Per field, pages with a value and a Counter of their sources; languages, notes, timing."""
    have = Counter[str]()
    sources: dict[str, Counter[str]] = {name: Counter() for name in METADATA_FIELDS}
    languages = Counter[str]()
    notes: list[str] = []
    rejects = 0
    elapsed = 0.0
    for path in pages:
        data = gzip.decompress(path.read_bytes())
        start = time.perf_counter()
        try:
            article = parse_article(data, source_path=path.name)
        except InputError:
            rejects += 1
            continue
        finally:
            elapsed += time.perf_counter() - start
        for name in METADATA_FIELDS:
            if getattr(article, name, None) is not None:
                have[name] += 1
                source = getattr(article, "metadata_sources", {}).get(name)
                sources[name][source or "(not recorded)"] += 1
        languages[str(getattr(article, "language", None))] += 1
        notes += [f"{path.name[:12]}: {n}" for n in getattr(article, "metadata_notes", [])]
    return {
        "pages": len(pages),
        "rejects": rejects,
        "have": have,
        "sources": sources,
        "languages": languages,
        "notes": notes,
        "ms_per_page": 1000 * elapsed / max(len(pages), 1),
    }


def main() -> None:
    """Print the coverage table of the pages folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="folder of *.html.gz")
    args = parser.parse_args()
    pages = sorted(args.pages.glob("*.html.gz"))
    if not pages:
        raise SystemExit(f"no *.html.gz pages in {args.pages}")
    parse_article(b"<p>Warm-up: the language model loads once per process.</p>", source_path="w")
    result = coverage(pages)
    print(
        f"{result['pages']} pages, {result['rejects']} rejected, "
        f"{result['ms_per_page']:.1f} ms/page"
    )
    for name in METADATA_FIELDS:
        by_source = ", ".join(f"{s} {n}" for s, n in result["sources"][name].most_common())
        print(f"{name:15} {result['have'][name]:3}  {by_source}")
    print("languages:", dict(result["languages"].most_common()))
    for note in result["notes"]:
        print("note:", note)


if __name__ == "__main__":
    main()
