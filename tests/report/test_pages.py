"""Tests of toolkit.report.pages: self-contained HTML pages and atomic report files."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import ToolkitError
from toolkit.report.pages import html_page, write_report


def test_html_page_is_self_contained() -> None:
    page = html_page("Report <1>", "<p>body</p>")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Report &lt;1&gt;</title>" in page
    for external in ("<link", "src=", "@import", "url("):
        assert external not in page


def test_write_report_writes_three_files(tmp_path: Path) -> None:
    paths = write_report(
        tmp_path / "out", "agreement", data={"b": 1, "a": [1.5, None]}, markdown="# x", html="<p/>"
    )
    assert {k: p.name for k, p in paths.items()} == {
        "json": "agreement.json",
        "md": "agreement.md",
        "html": "agreement.html",
    }
    assert paths["json"].read_text() == '{\n  "a": [\n    1.5,\n    null\n  ],\n  "b": 1\n}\n'
    assert paths["md"].read_text() == "# x\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["agreement.json", "agreement.md", "agreement.html"]
    )


def test_write_report_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError) as info:
        write_report(tmp_path, "r", data={"x": math.nan}, markdown="", html="")
    assert str(info.value) == (
        f"{tmp_path / 'r.json'}: report data cannot be written as JSON "
        "(Out of range float values are not JSON compliant: nan); "
        "use null with a reason for undefined values"
    )
    assert not list(tmp_path.iterdir())


def test_write_report_converts_numpy_and_paths(tmp_path: Path) -> None:
    paths = write_report(
        tmp_path,
        "r",
        data={"n": np.int64(3), "p": Path("a/b"), "v": np.arange(2)},
        markdown="",
        html="",
    )
    assert json.loads(paths["json"].read_text()) == {"n": 3, "p": "a/b", "v": [0, 1]}


def test_write_report_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths = write_report(tmp_path, "r", data={}, markdown="", html="")
    finally:
        os.umask(old)
    assert {p.stat().st_mode & 0o777 for p in paths.values()} == {0o644}
