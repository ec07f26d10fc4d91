"""Benchmark `toolkit convert` on both engines: the local process pool and Ray Data.

Generates N articles (bench_convert.Generator: varied raw formats, near-copies, shared
sentences), converts them with `--engine local` and `--engine ray` (a fresh local Ray, same
--workers) in child processes, checks that every table is the same, and prints articles/s of
each engine, the Ray/local throughput ratio (target >= 0.9 on one machine), the peak RSS of
the driver (the `toolkit` process) and of each Ray worker process (target: the driver's flat
as the corpus grows tenfold).

    python tests/bench/bench_scale.py                      # 10,000 articles
    python tests/bench/bench_scale.py --articles 10000 --articles 100000
    python tests/bench/bench_scale.py --articles 1000000   # about 5 GB of input, hours
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.bench_convert import Generator

TABLES = ("documents", "annotations", "annotation_sets", "rejects")


def _rss(pid: int, field: str = "VmRSS") -> int:
    """Resident set size (bytes) of one process, 0 once it is gone; ``field`` "RssAnon" counts
    only its private memory (not the object-store pages it has mapped, which VmRSS includes)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                stack += children
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def _is_ray_worker(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def run(folder: Path, out: Path, engine: str, workers: int) -> dict[str, float]:
    """Wall seconds, driver peak RSS and per-worker peak RSS (MiB) of one convert."""
    cmd = [sys.executable, "-m", "toolkit", "convert", str(folder), "--out", str(out)]
    cmd += ["--workers", str(workers), "--engine", engine]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # a fresh local Ray
    log = out.parent / f"{engine}.log"
    peaks: dict[int, int] = {}
    private: dict[int, int] = {}
    cpu: dict[int, float] = {}  # every process of the run: the driver, pool or Ray processes
    with log.open("wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for pid in [proc.pid, *_descendants(proc.pid)]:
                    cpu[pid] = max(cpu.get(pid, 0.0), _cpu_seconds(pid))
                    if pid == proc.pid or _is_ray_worker(pid):
                        peaks[pid] = max(peaks.get(pid, 0), _rss(pid))
                        private[pid] = max(private.get(pid, 0), _rss(pid, "RssAnon"))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
    if code not in (0, 1) or not (out / "documents.parquet").is_file():
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
        raise SystemExit(f"toolkit convert --engine {engine} failed with exit code {code}")
    workers_mib = sorted((v / 2**20 for p, v in peaks.items() if p != proc.pid), reverse=True)
    return {
        "seconds": elapsed,
        "cpu_seconds": sum(cpu.values()),
        "driver_mib": peaks.get(proc.pid, 0) / 2**20,
        "driver_private_mib": private.get(proc.pid, 0) / 2**20,
        "worker_private_max_mib": max([v for p, v in private.items() if p != proc.pid] or [0])
        / 2**20,
        "worker_max_mib": workers_mib[0] if workers_mib else 0.0,
        "n_workers": len(workers_mib),
        "workers_mib": workers_mib,  # type: ignore[dict-item]
    }


def same_tables(a: Path, b: Path) -> bool:
    """Whether every table of two datasets holds the same rows (sorted by doc_id)."""
    for name in TABLES:
        ta, tb = pq.read_table(a / f"{name}.parquet"), pq.read_table(b / f"{name}.parquet")
        key = [(c, "ascending") for c in ta.column_names[:2]]
        if not ta.sort_by(key).equals(tb.sort_by(key)):
            return False
    return True


def ray_startup_seconds() -> float:
    """Seconds a fresh local Ray takes to start (ray.init in a child, imports excluded)."""
    code = (
        "import time, toolkit.core, ray, ray.data; t = time.perf_counter(); "
        "toolkit.core.start_ray(); print(time.perf_counter() - t)"
    )
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return float(done.stdout.strip().splitlines()[-1])


def bench(n: int, workers: int, repeat: int) -> dict[str, float]:
    """Generate n articles, convert them ``repeat`` times with each engine (alternating, so
    both see the same load), print the figures and return the median run's."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        size = Generator().write_corpus(corpus, n)
        print(f"\n{n:,} articles, {size / 1e6:.1f} MB; --workers {workers}")
        runs = []
        for i in range(repeat):
            for engine in ("local", "ray"):
                shutil.rmtree(work / engine, ignore_errors=True)
            local = run(corpus, work / "local", "local", workers)
            ray = run(corpus, work / "ray", "ray", workers)
            startup = ray_startup_seconds()
            same = same_tables(work / "local", work / "ray")
            ratio = local["seconds"] / ray["seconds"]
            ratio_run = local["seconds"] / max(1e-9, ray["seconds"] - startup)
            ratio_cpu = local["cpu_seconds"] / max(1e-9, ray["cpu_seconds"])
            print(f"  run {i + 1}:")
            for name, r in (("local", local), ("ray", ray)):
                print(
                    f"    {name:5} {r['seconds']:8.1f} s {n / r['seconds']:8,.0f} articles/s  "
                    f"driver peak RSS {r['driver_mib']:6.0f} MiB "
                    f"(private {r['driver_private_mib']:.0f})  CPU {r['cpu_seconds']:6.1f} s "
                    "(all its processes, sampled every 0.1 s)"
                )
            per_worker = ", ".join(f"{m:.0f}" for m in ray["workers_mib"])  # type: ignore[attr-defined]
            print(
                f"    ray workers' peak RSS (MiB, includes mapped object-store pages): {per_worker}"
            )
            print(f"    largest Ray worker's private peak: {ray['worker_private_max_mib']:.0f} MiB")
            print(
                f"    Ray/local ratio {ratio:.2f}; Ray startup {startup:.1f} s (measured apart), "
                f"ratio without it {ratio_run:.2f} (target >= 0.9); same tables: {same}"
            )
            print(f"    CPU-seconds ratio local/Ray {ratio_cpu:.2f} (robust to other load)")
            runs.append(
                {"articles": n, "ratio": ratio, "ratio_run": ratio_run, "startup": startup}
                | {"ratio_cpu": ratio_cpu}
                | {"same": same, "local": local, "ray": ray}
            )
        return sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]  # type: ignore[return-value]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Parse arguments, run each size, print a summary."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles", type=int, action="append", help="corpus size (repeatable; default 10000)"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine (median shown)")
    args = parser.parse_args()
    results = [bench(n, args.workers, args.repeat) for n in args.articles or [10_000]]
    print("\nsummary (median run by ratio)")
    print(
        f"{'articles':>9} {'local a/s':>10} {'ray a/s':>9} {'ratio':>6} {'startup s':>10} "
        f"{'ratio w/o startup':>18} {'CPU ratio':>10} {'driver MiB':>11} {'worker MiB':>11}"
    )
    for r in results:
        n, loc, ray = r["articles"], r["local"], r["ray"]
        print(
            f"{n:>9,} {n / loc['seconds']:>10,.0f} {n / ray['seconds']:>9,.0f} "  # type: ignore[index]
            f"{r['ratio']:>6.2f} {r['startup']:>10.1f} {r['ratio_run']:>18.2f} "
            f"{r['ratio_cpu']:>10.2f} "
            f"{ray['driver_mib']:>11.0f} {ray['worker_max_mib']:>11.0f}"  # type: ignore[index]
        )


if __name__ == "__main__":
    main()
