"""Tests of the crash-safe swap: killed runs, their leftovers, half-done swaps, pool workers."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from toolkit.dataset import swap
from toolkit.dataset.build import convert

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ROOT = Path(__file__).resolve().parents[2]
# Run `toolkit convert ARGS`, holding still (until a signal) at the point the test names.
HOLD = textwrap.dedent(
    """
    import multiprocessing, signal, sys
    import toolkit.dataset.build as build, toolkit.dataset.pass1 as pass1
    where, args = sys.argv[1], sys.argv[2:]
    points = {"build": (build, "_write_small_tables"), "pass1": (pass1, "_keep_documents")}
    module, name = points[where]
    def hold(*a, **k):
        pids = [p.pid for p in multiprocessing.active_children()]
        print(" ".join(map(str, pids)) or "ready", flush=True)
        while True:
            signal.pause()
    setattr(module, name, hold)
    sys.argv = ["toolkit", *args]
    from toolkit.cli import main
    main()
    """
)


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def _start_held(where: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, where, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()  # blocks until the run holds


def _dataset_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "dataset"
    convert([SEEDS], out)
    return out


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["sigterm", "sighup"],
)
def test_sigterm_and_sighup_clean_up_and_exit_128_plus_signal(
    built: Path, tmp_path: Path, signum: int, code: int
) -> None:
    out = tmp_path / "dataset"
    shutil.copytree(built, out)
    before = _dataset_bytes(out)
    proc, _ = _start_held("build", "convert", str(SEEDS), "--out", str(out))
    assert [name.split("-")[:2] for name in _hidden(tmp_path)] == [[".dataset.tmp", str(proc.pid)]]
    proc.send_signal(signum)
    _, stderr = proc.communicate()
    assert proc.returncode == code
    assert stderr == f"Stopped by {signal.Signals(signum).name}.\n"
    assert _hidden(tmp_path) == []
    assert _dataset_bytes(out) == before


def test_a_later_run_removes_what_a_killed_run_left(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    proc, _ = _start_held("build", "convert", str(SEEDS), "--out", str(out))
    proc.kill()
    proc.communicate()
    assert [name.split("-")[:2] for name in _hidden(tmp_path)] == [[".dataset.tmp", str(proc.pid)]]
    convert([SEEDS], out)
    assert _hidden(tmp_path) == []
    assert _dataset_bytes(out) == _dataset_bytes(built)


def test_pool_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    args = ["convert", str(SEEDS), "--out", str(out), "--workers", "2", "--batch-size", "1"]
    proc, line = _start_held("pass1", *args)
    workers = [int(pid) for pid in line.split()]
    assert workers
    handles = [os.pidfd_open(pid) for pid in workers]  # idle, alive while the parent holds
    proc.kill()
    proc.wait()  # not communicate(): surviving workers would hold its pipes open forever
    for pipe in (proc.stdout, proc.stderr):
        assert pipe is not None
        pipe.close()
    try:
        for handle in handles:
            # A hang guard, not a timing assertion: with the fix the kernel kills them at once.
            ready, _, _ = select.select([handle], [], [], 60)
            assert ready, "a pool worker outlived its killed parent"
    finally:
        for handle in handles:
            if not select.select([handle], [], [], 0)[0]:
                signal.pidfd_send_signal(handle, signal.SIGKILL)
            os.close(handle)


def _layout(root: Path, names: dict[str, str]) -> Path:
    """Folders under ``root``, each holding one file ``which`` naming its role."""
    for name, role in names.items():
        (root / name).mkdir()
        (root / name / "which").write_text(role, encoding="utf-8")
    return root / "dataset"


@pytest.mark.parametrize(
    ("names", "expected", "left"),
    [
        ({".dataset.old-{dead}-a": "old", ".dataset.new-{dead}-b": "new"}, "new", []),
        ({".dataset.old-{dead}-a": "old", ".dataset.tmp-{dead}-b": "partial"}, "old", []),
        (
            {
                "dataset": "current",
                ".dataset.tmp-{dead}-a": "partial",
                ".dataset.old-{dead}-b": "o",
            },
            "current",
            [],
        ),
        (
            {"dataset": "current", ".dataset.tmp-{live}-a": "running", ".other.tmp-{dead}-b": "x"},
            "current",
            [".dataset.tmp-{live}-a", ".other.tmp-{dead}-b"],
        ),
    ],
    ids=[
        "killed-between-renames-finishes-the-swap",
        "killed-after-moving-the-old-one-restores-it",
        "dead-runs-leftovers-removed",
        "live-runs-and-other-outputs-left-alone",
    ],
)
def test_recovery_after_a_killed_run(
    tmp_path: Path, names: dict[str, str], expected: str, left: list[str]
) -> None:
    pids = {"dead": _dead_pid(), "live": os.getppid()}
    out = _layout(tmp_path, {name.format(**pids): role for name, role in names.items()})
    swap.recover_interrupted(out)
    assert (out / "which").read_text(encoding="utf-8") == expected
    assert _hidden(tmp_path) == sorted(name.format(**pids) for name in left)


@pytest.mark.parametrize("exchange", [True, False], ids=["atomic-exchange", "two-renames"])
def test_swap_replaces_the_dataset_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    out = _layout(tmp_path, {"dataset": "old", f".dataset.tmp-{os.getpid()}-a": "new"})
    swap.swap_in(tmp_path / f".dataset.tmp-{os.getpid()}-a", out)
    assert (out / "which").read_text(encoding="utf-8") == "new"
    assert _hidden(tmp_path) == []


def test_a_failed_second_rename_puts_the_old_dataset_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    out = _layout(tmp_path, {"dataset": "old", ".dataset.tmp-1-a": "new"})
    real = os.replace
    calls: list[str] = []

    def role(path: object) -> str:
        name = Path(str(path)).name
        return name.split("-")[0].removeprefix(".dataset.") if name.startswith(".") else name

    def replace(src: object, dst: object) -> None:
        calls.append(f"{role(src)} -> {role(dst)}")
        if len(calls) == 3:
            raise KeyboardInterrupt  # e.g. Ctrl-C between the two renames
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(swap.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        swap.swap_in(tmp_path / ".dataset.tmp-1-a", out)
    assert calls == ["tmp -> new", "dataset -> old", "new -> dataset", "old -> dataset"]
    assert (out / "which").read_text(encoding="utf-8") == "old"
    assert _hidden(tmp_path) == []
