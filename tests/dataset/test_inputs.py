"""Tests of toolkit.dataset.inputs: input discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.dataset.inputs import collect_inputs
from toolkit.errors import InputError


def test_collect_inputs_sorts_recurses_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.html", "a.txt", "b/1.txt", ".hidden.txt", ".git/config", "c.dat"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = collect_inputs([tmp_path, tmp_path / "a.txt"])
    base = tmp_path.as_posix()
    assert found == [f"{base}/a.txt", f"{base}/b/1.txt", f"{base}/b/2.html", f"{base}/c.dat"]


def test_collect_inputs_follows_file_links_once_and_skips_folder_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "1.txt").write_text("x", encoding="utf-8")
    (tmp_path / "data" / "2.txt").write_text("y", encoding="utf-8")
    (tmp_path / "data" / "a-link.txt").symlink_to(tmp_path / "data" / "sub" / "1.txt")
    (tmp_path / "data" / "dir-link").symlink_to(tmp_path / "data" / "sub")
    (tmp_path / "data" / "broken").symlink_to(tmp_path / "missing")
    monkeypatch.chdir(tmp_path / "data")
    # The link sorts first, so it is kept and the file it points to is the duplicate.
    assert collect_inputs(["."]) == ["2.txt", "a-link.txt"]
    assert collect_inputs(["./sub", "2.txt"]) == ["2.txt", "sub/1.txt"]


def test_collect_inputs_names_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        collect_inputs([tmp_path / "nope"])
    assert str(info.value) == (
        f"{tmp_path / 'nope'}: no such file or folder; give article files or folders"
    )
