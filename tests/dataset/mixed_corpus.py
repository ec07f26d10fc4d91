"""A test corpus for engine comparisons: seeds, generated articles, a byte copy, an empty file."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.bench.bench_convert import Generator

ROOT = Path(__file__).resolve().parents[2]


def write_mixed_corpus(folder: Path, articles: int) -> Path:
    """Generated articles (near-copies included), the seeds, a copy of one and an empty file."""
    Generator().write_corpus(folder, articles)
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    shutil.copy(sorted((ROOT / "seeds").glob("001_*.txt"))[0], folder / "zz-copy-of-001.txt")
    (folder / "empty.txt").write_bytes(b"")
    return folder
