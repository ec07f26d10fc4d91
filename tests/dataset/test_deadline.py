"""Tests of toolkit.dataset.deadline: a parse over the time limit is a reject, the run goes on."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from toolkit.dataset import convert
from toolkit.dataset.deadline import parse_within
from toolkit.errors import InputError

from .test_build import SEED_FILES, read_rows

# About 2 MB of paragraphs: its parse takes far longer than a millisecond on any machine.
LONG_ARTICLE = (
    "<p>The minister said the talks would resume in Geneva next week.</p>\n" * 30000
).encode()


# 0.3 s ends inside the HTML parser, which turns any Exception into "malformed HTML".
@pytest.mark.parametrize("limit", [0.001, 0.3], ids=["at-the-start", "inside-the-html-parser"])
def test_a_parse_over_the_limit_raises_input_error_with_the_reason(limit: float) -> None:
    with pytest.raises(InputError) as caught:
        parse_within(LONG_ARTICLE, "crawl/long.html", limit)
    assert caught.value.message == (
        f"parsing took longer than {limit:g} s (--max-seconds), stopped; give a smaller or "
        "simpler article (2,070,000 bytes here) or a larger --max-seconds"
    )
    assert caught.value.path == "crawl/long.html"


@pytest.mark.parametrize("limit", [0.0, 60.0], ids=["no-limit", "generous-limit"])
def test_a_parse_within_the_limit_gives_the_article(limit: float) -> None:
    article = parse_within(SEED_FILES[0].read_bytes(), "seed.txt", limit)
    assert article.text and article.source_path == "seed.txt"


def test_outside_the_main_thread_the_parse_runs_unlimited() -> None:
    result: list[str] = []
    worker = threading.Thread(
        target=lambda: result.append(parse_within(LONG_ARTICLE, "long.html", 0.001).text[:12])
    )
    worker.start()
    worker.join()
    assert result == ["The minister"]


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "worker-processes"])
def test_convert_rejects_a_slow_file_and_goes_on(tmp_path: Path, workers: int) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a_long.html").write_bytes(LONG_ARTICLE)
    (inputs / "b_seed.txt").write_bytes(SEED_FILES[0].read_bytes())
    result = convert([inputs], tmp_path / "out", workers=workers, max_seconds=0.001 * 50)
    rejects = read_rows(tmp_path / "out", "rejects")
    assert [(r["input"], r["kind"]) for r in rejects] == [
        (f"{inputs.as_posix()}/a_long.html", "article")
    ]
    assert rejects[0]["reason"].startswith("parsing took longer than 0.05 s (--max-seconds)")
    assert result.n_documents == 1


def test_convert_refuses_a_negative_limit(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        convert([SEED_FILES[0]], tmp_path / "out", max_seconds=-1)
    assert caught.value.message == "max seconds must be 0 (no limit) or more, got -1"
