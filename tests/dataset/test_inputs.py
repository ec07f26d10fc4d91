"""Tests of toolkit.dataset.inputs: every path found ends as an input or a reject."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from toolkit.dataset.inputs import Entry, collect_inputs, display_name, input_format
from toolkit.errors import InputError


def _permissions_enforced() -> bool:
    """Whether a mode-000 file is refused to this process (not to root with CAP_DAC_OVERRIDE)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_text("x", encoding="utf-8")
        probe.chmod(0)
        try:
            probe.read_bytes()
        except PermissionError:
            return True
        return False


PERMISSIONS_ENFORCED = _permissions_enforced()


def _shown(entries: list[Entry]) -> list[tuple[str, str | None]]:
    return [(e.display, e.reason) for e in entries]


def test_collect_inputs_sorts_recurses_and_counts_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.html", "a.txt", "b/1.txt", ".hidden.txt", ".git/config", "c.dat"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = collect_inputs([tmp_path, tmp_path / "a.txt"])
    base = tmp_path.as_posix()
    assert [e.display for e in found.entries] == [
        f"{base}/a.txt",
        f"{base}/b/1.txt",
        f"{base}/b/2.html",
        f"{base}/c.dat",
    ]
    assert [e.relative for e in found.entries] == ["a.txt", "b/1.txt", "b/2.html", "c.dat"]
    assert found.skipped == {"hidden files": 1, "hidden folders": 1}
    assert found.total_bytes == 4


def test_file_links_are_read_once_and_other_links_are_rejects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "1.txt").write_text("x", encoding="utf-8")
    (tmp_path / "data" / "2.txt").write_text("y", encoding="utf-8")
    (tmp_path / "data" / "a-link.txt").symlink_to(tmp_path / "data" / "sub" / "1.txt")
    (tmp_path / "data" / "dir-link").symlink_to(tmp_path / "data" / "sub")
    (tmp_path / "data" / "broken").symlink_to(tmp_path / "missing")
    (tmp_path / "data" / "loop").symlink_to(tmp_path / "data" / "loop")
    monkeypatch.chdir(tmp_path / "data")
    # The link sorts first, so it is kept and the file it points to is read through it.
    assert _shown(collect_inputs(["."]).entries) == [
        ("2.txt", None),
        ("a-link.txt", None),
        ("broken", f"broken symbolic link: its target {tmp_path / 'missing'} does not exist"),
        (
            "dir-link",
            "symbolic link to a folder, not followed (a link can loop); give the folder itself",
        ),
        ("loop", "symbolic link loop (the link leads back to itself); nothing to read"),
    ]
    assert _shown(collect_inputs(["./sub", "2.txt"]).entries) == [
        ("2.txt", None),
        ("sub/1.txt", None),
    ]


def test_fifos_are_rejects_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    # Opening the FIFO would block this test forever; discovery only stats it.
    assert _shown(collect_inputs([tmp_path]).entries) == [
        (f"{tmp_path.as_posix()}/pipe", "a FIFO (named pipe), not a regular file; never opened")
    ]
    assert _shown(collect_inputs([tmp_path / "pipe"]).entries) == [
        (f"{tmp_path.as_posix()}/pipe", "a FIFO (named pipe), not a regular file; never opened")
    ]


def test_a_name_with_bytes_that_are_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as fh:
        fh.write(b"x")
    (entry,) = collect_inputs([tmp_path]).entries
    assert entry.display == f"{tmp_path.as_posix()}/caf\\xe9.txt"
    assert entry.display.encode("utf-8")  # writable as UTF-8 (Arrow, JSON)
    assert os.fsencode(entry.path) == raw  # and still opens the file
    assert display_name("ok.txt") == "ok.txt"


def test_files_over_the_size_limit_are_rejects_unread(tmp_path: Path) -> None:
    sparse = tmp_path / "huge.html"
    with sparse.open("wb") as fh:
        fh.truncate(1 << 30)  # 1 GiB that takes no disk; it must not be read to be refused
    (tmp_path / "crawl.warc.gz").write_bytes(b"x" * 200)  # a container: the limit is per record
    found = collect_inputs([tmp_path], max_bytes=100)
    assert _shown(found.entries) == [
        (f"{tmp_path.as_posix()}/crawl.warc.gz", None),
        (
            f"{tmp_path.as_posix()}/huge.html",
            "file is 1073741824 bytes, over the limit of 100 bytes (--max-bytes); not read",
        ),
    ]
    assert found.entries[0].format == "warc"


@pytest.mark.skipif(
    not PERMISSIONS_ENFORCED, reason="root reads any file (run without CAP_DAC_OVERRIDE to test)"
)
def test_a_folder_that_cannot_be_listed_is_a_reject(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("x", encoding="utf-8")
    locked.chmod(0)
    try:
        assert _shown(collect_inputs([tmp_path]).entries) == [
            (f"{tmp_path.as_posix()}/locked", "cannot list folder: Permission denied")
        ]
    finally:
        locked.chmod(0o700)


def test_the_sidecar_manifest_is_skipped_and_counted(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "meta.csv").write_text("file\n", encoding="utf-8")
    found = collect_inputs([tmp_path], exclude=[tmp_path / "meta.csv"])
    assert [e.relative for e in found.entries] == ["a.txt"]
    assert found.skipped == {"sidecar manifest": 1}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.warc", "warc"),
        ("A.WARC.GZ", "warc"),
        ("x.jsonl", "jsonl"),
        ("x.jsonl.gz", "jsonl"),
        ("a.html", "file"),
        ("a.txt.gz", "file"),
        ("warc", "file"),
    ],
    ids=str,
)
def test_input_format_follows_the_name(name: str, kind: str) -> None:
    assert input_format(name) == kind


def test_collect_inputs_names_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        collect_inputs([tmp_path / "nope"])
    assert str(info.value) == (
        f"{tmp_path / 'nope'}: no such file or folder; give article files or folders"
    )
