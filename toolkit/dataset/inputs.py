"""Input discovery: the article files named or found under the folders given."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from toolkit.errors import InputError


def collect_inputs(inputs: Iterable[str | Path]) -> list[str]:
    """Every input file, folders walked recursively, as sorted POSIX paths.

    Hidden files and folders (names starting with a dot) inside a folder are skipped; a file
    named explicitly is always taken. Each path is the path as given, joined with the file's
    path inside a given folder; it is also how the file is named in the dataset.
    """
    found: dict[str, str] = {}  # path -> real path
    for item in inputs:
        root = Path(item)
        if root.is_file():
            found[root.as_posix()] = os.path.realpath(root)
        elif root.is_dir():
            found.update(_walk_files(str(root)))
        else:
            raise InputError("no such file or folder; give article files or folders", path=root)
    seen_real: set[str] = set()
    result: list[str] = []
    for path in sorted(found):
        real = found[path]
        if real not in seen_real:
            seen_real.add(real)
            result.append(path)
    return result


def _walk_files(top: str) -> Iterator[tuple[str, str]]:
    """(path, real path) of each file under ``top``, as os.walk finds them (no hidden names).

    Like os.walk, symlinked folders are listed but not entered. Only symlinks need
    os.path.realpath (slow: one lstat per path component); any other file's real path is its
    folder's real path joined with its name.
    """
    stack = [(top, os.path.realpath(top))]
    while stack:
        dirpath, real_dir = stack.pop()
        try:
            entries = list(os.scandir(dirpath))
        except OSError:
            continue  # os.walk skips folders it cannot list
        base = Path(dirpath).as_posix()
        prefix = "" if base == "." else base if base.endswith("/") else base + "/"
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    stack.append((os.path.join(dirpath, name), os.path.join(real_dir, name)))
            elif entry.is_file():
                real = (
                    os.path.realpath(entry.path)
                    if entry.is_symlink()
                    else os.path.join(real_dir, name)
                )
                yield prefix + name, real  # the same string as (Path(dirpath) / name).as_posix()
