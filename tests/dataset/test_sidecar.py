"""Tests of toolkit.dataset.sidecar: a manifest's rows give plain files their metadata."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from toolkit.dataset.rejects import Reject
from toolkit.dataset.sidecar import read_sidecar
from toolkit.errors import InputError

CSV = (
    "file,url,title,outlet,byline,date\n"
    "a.html,https://news.example.org/a,Talks resume,Example News,Jane Doe,2024-05-06\n"
    "sub/b.txt,,,,,2024-05-07T10:00:00+08:00\n"
    "a.html,https://news.example.org/again,,,,\n"
    "c.txt,,,,,May 6\n"
    "d.txt,notaurl,,,,\n"
    ",,,,,\n"
)


def test_csv_rows_become_hints_and_bad_rows_rejects(tmp_path: Path) -> None:
    path = tmp_path / "meta.csv"
    path.write_text(CSV, encoding="utf-8")
    sidecar = read_sidecar(path)
    a = sidecar.lookup("a.html", "seeds/a.html")
    assert a is not None
    assert (a.origin, a.url, a.title, a.outlet, a.byline, a.published_date) == (
        "sidecar",
        "https://news.example.org/a",
        "Talks resume",
        "Example News",
        "Jane Doe",
        datetime.date(2024, 5, 6),
    )
    b = sidecar.lookup("sub/b.txt", "x/sub/b.txt")
    assert b is not None and b.url is None and b.published_date == datetime.date(2024, 5, 7)
    shown = path.as_posix()
    assert sidecar.rejects == [
        Reject(
            f"{shown}:4", "sidecar", "a.html is already described on line 2; give one row per file"
        ),
        Reject(
            f"{shown}:5",
            "sidecar",
            "c.txt: date 'May 6' is not a valid ISO date; give YYYY-MM-DD or an ISO date-time "
            "such as 2024-05-06T09:30:00Z",
        ),
        Reject(
            f"{shown}:6",
            "sidecar",
            "d.txt: url 'notaurl' is not a web address; give an http:// or https:// URL",
        ),
        Reject(f"{shown}:7", "sidecar", "no file named; give the file or sha256 column"),
    ]
    assert sidecar.unmatched(["a.html", "seeds/a.html"]) == [
        Reject(
            f"{shown}:3",
            "sidecar",
            "names sub/b.txt, which is not among the inputs; give the path inside the input "
            "folder (as in a.html or sub/a.html) or the path as the dataset shows it",
        )
    ]


def test_jsonl_rows_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl"
    path.write_text(
        '{"file": "a.html", "title": "Talks"}\n\n{"file": "b.html", "date": 20240506}\n',
        encoding="utf-8",
    )
    sidecar = read_sidecar(path)
    found = sidecar.lookup("a.html", "a.html")
    assert found is not None and found.title == "Talks"
    assert sidecar.rejects == [
        Reject(f"{path.as_posix()}:3", "sidecar", "b.html: date must be text (a JSON string)")
    ]


def test_rows_can_name_files_by_sha256(tmp_path: Path) -> None:
    digest = "ab" * 32
    path = tmp_path / "meta.csv"
    path.write_text(
        f"sha256,file,title\n{digest.upper()},,Talks\n{'cd' * 32},,Other\nxyz,,\n"
        f"{digest},a.html,\n",
        encoding="utf-8",
    )
    sidecar = read_sidecar(path)
    assert sidecar.wants_digests
    found = sidecar.lookup_digest(digest)
    assert found is not None and found.title == "Talks"
    shown = path.as_posix()
    assert sidecar.rejects == [
        Reject(f"{shown}:4", "sidecar", "sha256 'xyz' is not 64 hexadecimal digits"),
        Reject(f"{shown}:5", "sidecar", "both file and sha256 given; name the file by one of them"),
    ]
    assert [r.input for r in sidecar.unmatched([])] == [f"{shown}:3"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "m.csv",
            "path,url\n",
            "m.csv:1: no file or sha256 column in the header; valid columns: file, sha256, url, "
            "title, outlet, byline, date",
        ),
        (
            "m.csv",
            "file,dat\n",
            "m.csv:1: unknown column dat; valid columns: file, sha256, url, title, outlet, "
            "byline, date",
        ),
        ("m.jsonl", "[1]\n", "m.jsonl:1: not a JSON object; give one object per line"),
        (
            "m.jsonl",
            "{oops\n",
            "m.jsonl:1: not JSON (Expecting property name enclosed in double quotes); give one "
            "object per line",
        ),
    ],
    ids=["no-file-column", "unknown-column", "not-object", "not-json"],
)
def test_a_malformed_manifest_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_sidecar(name)
    assert str(info.value) == message
