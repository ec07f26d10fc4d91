"""Benchmark `toolkit convert` against a floor: pyarrow reading the same files into Parquet.

Generates N articles from the seed articles in their varied raw formats (HTML fragments with
links, scraped pages with repeated photo captions and menus, date prefixes, site disclaimers),
each with shuffled paragraphs, changed numbers and names and a third of its words replaced, so no
two are byte-identical and most sentences are unique; one story in five gets one or two near-copies
in another format (wire copies: near-duplicate clusters and shared sentences). Then it measures

1. the floor: read every file with pyarrow and write its raw text to one Parquet file;
2. `toolkit convert` of the same files, in a child process;

and prints articles/s, MB/s, the peak RSS of the conversion and the convert/floor time ratio.
Targets: ratio <= 4; peak RSS <= 1 GiB at 100,000 articles and flat from 10,000 to 100,000.

    python tests/bench/bench_convert.py                    # 10,000 and 100,000 articles
    python tests/bench/bench_convert.py --articles 10000   # one size
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FILES_PER_FOLDER = 1000
REPLACED_WORDS = 0.35
"""Share of plain words replaced by another seed word. Two stories made from one seed then share
about 1% of their 5-word shingles, like two different articles on one topic in a real crawl (a
lighter touch makes all 20,000 stories of a seed look alike, a corpus no crawl produces)."""
NAMES = [
    "Antony Blinken",
    "Xi Jinping",
    "Wang Yi",
    "Qin Gang",
    "Joe Biden",
    "Bonnie Glaser",
    "Mike Pompeo",
    "Lloyd Austin",
    "Janet Yellen",
    "Li Qiang",
    "Tsai Ing-wen",
    "Kurt Campbell",
    "Jake Sullivan",
    "Gina Raimondo",
    "Katherine Tai",
    "Nicholas Burns",
    "Xie Feng",
]
OUTLETS = ["Reuters", "AFP", "The National", "AP", "CBC News", "TheWorldNews", "Al Jazeera"]
DISCLAIMERS = [
    "This article was added by the user . {outlet} is not responsible for the content of the "
    "platform.",
    "Disclaimer: This story is auto-aggregated by a computer program and has not been created "
    "or edited by {outlet}.",
]


BOILERPLATE = re.compile(
    r"^(This article was added|\(Last Updated|Date started|Founders|Based|Sector|Size|Funding"
    r"|Investors|Updated|Company profile)"
)


def seed_paragraphs() -> list[list[str]]:
    """Each seed's article paragraphs as plain text (tags, captions and notices dropped)."""
    result = []
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        raw = re.sub(r"<[^>]+>", "", raw)
        raw = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s*", "", raw)
        lines = [p.strip() for p in re.split(r"\n+", raw)]
        paras = [
            p for p in lines if len(p) > 40 and lines.count(p) == 1 and not BOILERPLATE.match(p)
        ]
        if len(paras) < 4:  # one long line: split it into paragraphs of about three sentences
            sentences = re.split(r"(?<=[.”\"])\s+(?=[A-Z“\"])", " ".join(paras))
            paras = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
        result.append(paras)
    return result


class Generator:
    """Deterministic article generator (a seeded RNG) over the seed paragraphs."""

    def __init__(self, seed: int = 20230619) -> None:
        self.rng = np.random.default_rng(seed)
        self.py = random.Random(seed)
        self.seeds = seed_paragraphs()
        words = sorted(
            {
                w
                for paras in self.seeds
                for p in paras
                for w in p.split()
                if w.isalpha() and w.islower()
            }
        )
        self.vocab = np.array(words, dtype=object)
        # Per paragraph: its tokens, and which of them may be replaced (plain lower-case words).
        self.tokens = [[np.array(p.split(), dtype=object) for p in paras] for paras in self.seeds]
        self.plain = [
            [np.array([t.isalpha() and t.islower() for t in toks]) for toks in paras]
            for paras in self.tokens
        ]

    def story(self) -> tuple[str, list[str]]:
        """A new story: a title and mutated paragraphs of a random seed."""
        s = int(self.rng.integers(len(self.seeds)))
        order = list(range(1, len(self.seeds[s])))
        self.py.shuffle(order)
        paras = []
        for k in [0, *order]:
            toks = self.tokens[s][k].copy()
            mask = self.plain[s][k] & (self.rng.random(len(toks)) < REPLACED_WORDS)
            toks[mask] = self.vocab[self.rng.integers(len(self.vocab), size=int(mask.sum()))]
            text = " ".join(toks)
            text = re.sub(r"\d+", lambda m: str(self.py.randint(2, 999)), text)
            for name in NAMES[:6]:
                if name in text and self.py.random() < 0.5:
                    text = text.replace(name, self.py.choice(NAMES))
            paras.append(text)
        title_words = self.vocab[self.rng.integers(len(self.vocab), size=8)]
        return " ".join(title_words).capitalize(), paras

    def render(self, title: str, paras: list[str], fmt: int) -> tuple[str, bytes]:
        """One raw article file (suffix, bytes) in one of the seed formats."""
        outlet = self.py.choice(OUTLETS)
        day = f"2023-06-{self.py.randint(10, 28)}"
        if fmt == 0:  # HTML fragment with inline links, one long line (seed 000)
            linked = []
            for p in paras:
                words = p.split(" ")
                i = self.py.randrange(len(words))
                words[i] = f'<a href="https://example.org/{day}/{i}" target="_blank">{words[i]}</a>'
                linked.append(" ".join(words))
            return ".html", (" ".join(linked) + f" <i>{outlet}.</i>").encode()
        if fmt == 1:  # scraped page: repeated caption, headline, byline, menu, fact box
            caption = f"{paras[0].split('.')[0]}. {outlet}"
            head = [caption] * self.py.randint(2, 4)
            body = [
                *head,
                "",
                title,
                "",
                "",
                self.py.choice(NAMES),
                "  • English",
                "  • Arabic",
                "",
                *paras,
                "",
                "Company profile",
                "",
                "Based: Cairo, Egypt",
                "",
                f"Updated: June {self.py.randint(10, 28)}, 2023, 5:06 PM",
            ]
            return ".txt", "\n\n".join(body).encode()
        if fmt == 2:  # date prefix, blank-line paragraphs (seed 002)
            return ".txt", (f" date {day} " + "\n\n".join(paras)).encode()
        if fmt == 3:  # one paragraph per line, Windows line ends and cp1252 quotes (seed 003)
            text = "\r\n".join(paras)
            return ".txt", text.encode("cp1252", errors="replace")
        disclaimer = self.py.choice(DISCLAIMERS).format(outlet=outlet)  # site notice (seed 004)
        body = [
            disclaimer,
            title,
            f"(Last Updated On: June {self.py.randint(10, 28)}, 2023)",
            *paras,
        ]
        return ".txt", "\n\n".join(body).encode()

    def write_corpus(self, folder: Path, n: int) -> int:
        """Write n articles into folder/NNN/ subfolders; returns the bytes written."""
        total = 0
        written = 0
        while written < n:
            title, paras = self.story()
            copies = 1 + (self.py.randint(1, 2) if self.py.random() < 0.2 else 0)
            formats = self.py.sample(range(5), copies)
            for fmt in formats:
                if written >= n:
                    break
                suffix, data = self.render(title, paras, fmt)
                sub = folder / f"{written // FILES_PER_FOLDER:04d}"
                sub.mkdir(exist_ok=True)
                (sub / f"article_{written:06d}{suffix}").write_bytes(data)
                total += len(data)
                written += 1
        return total


def list_files(folder: Path) -> list[str]:
    """Every generated file, sorted (as convert sorts them)."""
    return sorted(str(p) for p in folder.rglob("*") if p.is_file())


def floor(folder: Path, out: Path, batch: int = 1000) -> tuple[float, float]:
    """Wall and CPU seconds to read every file with pyarrow and write its raw text to Parquet."""
    start = time.perf_counter()
    cpu = time.process_time()
    fs = pafs.LocalFileSystem()
    paths = list_files(folder)
    schema = pa.schema([("path", pa.string()), ("text", pa.string())])
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for i in range(0, len(paths), batch):
            part = paths[i : i + batch]
            texts = []
            for p in part:
                with fs.open_input_stream(p) as fh:
                    texts.append(fh.read().decode("utf-8", errors="replace"))
            writer.write_table(pa.table({"path": part, "text": texts}, schema=schema))
    return time.perf_counter() - start, time.process_time() - cpu


def _tree_rss(pid: int) -> int:
    """Resident set size (bytes) of a process and all its descendants, from /proc."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_convert(
    folder: Path, out: Path, workers: int, batch_size: int
) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (with workers), peak RSS of the largest process and of the tree."""
    cmd = [
        sys.executable,
        "-m",
        "toolkit",
        "convert",
        str(folder),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--batch-size",
        str(batch_size),
    ]
    log = out.parent / "convert.log"
    with log.open("wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives this child's own rusage; ru_maxrss is in KiB on Linux.
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    output = log.read_text(errors="replace").strip()
    if proc.returncode not in (0, 1):
        sys.stderr.write(output + "\n")
        raise SystemExit(f"toolkit convert failed with exit code {proc.returncode}")
    print("  convert said:", output.splitlines()[-1] if output else "(nothing)")
    cpu = usage.ru_utime + usage.ru_stime  # includes the worker processes it waited for
    return elapsed, cpu, usage.ru_maxrss * 1024, peak


def bench(n: int, workers: int, batch_size: int, keep: bool) -> dict[str, float]:
    """Generate n articles, measure floor and convert, print and return the figures."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-convert-{n}-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        t0 = time.perf_counter()
        size = Generator().write_corpus(corpus, n)
        print(
            f"\n{n:,} articles, {size / 1e6:.1f} MB generated in "
            f"{time.perf_counter() - t0:.1f} s under {corpus}"
        )
        floor_s, floor_cpu = floor(corpus, work / "floor.parquet")
        conv_s, conv_cpu, rss_single, rss_tree = run_convert(
            corpus, work / "dataset", workers, batch_size
        )
        figures = {
            "articles": n,
            "floor_s": floor_s,
            "convert_s": conv_s,
            "ratio": conv_s / floor_s,
            "floor_cpu_s": floor_cpu,
            "convert_cpu_s": conv_cpu,
            "articles_per_s": n / conv_s,
            "mb_per_s": size / 1e6 / conv_s,
            "floor_articles_per_s": n / floor_s,
            "rss_single_mib": rss_single / 2**20,
            "rss_tree_mib": rss_tree / 2**20,
        }
        print(
            f"  floor (pyarrow read + write raw text): {floor_s:8.2f} s  "
            f"{n / floor_s:10,.0f} articles/s  {size / 1e6 / floor_s:7.1f} MB/s"
        )
        print(
            f"  toolkit convert (workers={workers}):        {conv_s:8.2f} s  "
            f"{n / conv_s:10,.0f} articles/s  {size / 1e6 / conv_s:7.1f} MB/s"
        )
        print(f"  ratio convert/floor: {conv_s / floor_s:.2f} (target <= 4)")
        print(
            f"  CPU seconds: floor {floor_cpu:.2f}, convert {conv_cpu:.2f} (all processes); "
            f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(
            f"  peak RSS: largest process {rss_single / 2**20:.0f} MiB, whole process tree "
            f"{rss_tree / 2**20:.0f} MiB (target <= 1024 MiB)"
        )
        return figures
    finally:
        if keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Parse arguments, run each size, print a summary."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles",
        type=int,
        action="append",
        help="corpus size (repeatable; default: 10000 and 100000)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="convert --workers (default: 2, or 1 on a one-core machine)",
    )
    parser.add_argument("--batch-size", type=int, default=1000, help="convert --batch-size")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    args = parser.parse_args()
    sizes = args.articles or [10_000, 100_000]
    results = [bench(n, args.workers, args.batch_size, args.keep) for n in sizes]
    print("\nsummary")
    print(
        f"{'articles':>9} {'floor s':>8} {'convert s':>10} {'ratio':>6} {'art/s':>8} "
        f"{'MB/s':>6} {'RSS MiB':>8} {'tree MiB':>9}"
    )
    for r in results:
        print(
            f"{r['articles']:>9,} {r['floor_s']:>8.2f} {r['convert_s']:>10.2f} "
            f"{r['ratio']:>6.2f} {r['articles_per_s']:>8,.0f} {r['mb_per_s']:>6.1f} "
            f"{r['rss_single_mib']:>8.0f} {r['rss_tree_mib']:>9.0f}"
        )
    if len(results) > 1:
        lo, hi = results[0], results[-1]
        print(
            f"RSS growth from {lo['articles']:,} to {hi['articles']:,} articles: "
            f"{hi['rss_tree_mib'] - lo['rss_tree_mib']:+.0f} MiB (process tree)"
        )


if __name__ == "__main__":
    main()
