"""Input discovery: every file named or found under the folders given, or why it cannot be read."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import InputError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Largest article file (or WARC record, or JSON Lines line) read, in bytes."""

_FORMATS = ((".warc", "warc"), (".warc.gz", "warc"), (".jsonl", "jsonl"), (".jsonl.gz", "jsonl"))

_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One input: a file to read (plain article, WARC or JSON Lines) or a reject with its reason."""

    display: str
    """The name in the dataset: the path as given joined with the path inside a folder, as POSIX,
    with bytes that are not UTF-8 written as backslash escapes (\\xe9)."""
    path: str
    """What to open (may hold surrogate escapes of a name's raw bytes)."""
    relative: str
    """The path inside the folder given (a sidecar manifest row names the file by it)."""
    size_bytes: int = 0
    format: str = "file"
    """"file" (one article), "warc", "jsonl", or "reject"."""
    reason: str | None = None


@dataclass
class Discovery:
    """What discovery found: the inputs in order, and what it skipped on purpose."""

    entries: list[Entry] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Counts of what was left out without being an input: hidden files and folders, the
    sidecar manifest."""

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    @property
    def total_bytes(self) -> int:
        """Bytes of every file to read (what progress counts)."""
        return sum(e.size_bytes for e in self.entries)


def display_name(path: str) -> str:
    """A path as text that any UTF-8 writer accepts: undecodable bytes become \\xNN escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def input_format(name: str) -> str:
    """ "warc", "jsonl" or "file" (one article), from the file name."""
    lower = name.lower()
    return next((kind for suffix, kind in _FORMATS if lower.endswith(suffix)), "file")


def collect_inputs(
    inputs: Iterable[str | Path],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Iterable[str | Path] = (),
) -> Discovery:
    """Every input, folders walked recursively, sorted by display name; nothing left out silently.

    Hidden files and folders (names starting with a dot) inside a folder are skipped and counted;
    a file named explicitly is always taken. Symlinked files are read (once per real file);
    symlinked folders, broken links, link loops, FIFOs, sockets, devices, folders that cannot be
    listed and article files over ``max_bytes`` become reject entries (never opened). Files in
    ``exclude`` (the sidecar manifest) are skipped and counted. A missing named input is an
    InputError.
    """
    from toolkit.dataset.object_store import collect_uri, is_uri

    found = Discovery()
    excluded = {os.path.realpath(p) for p in exclude}
    for item in inputs:
        root = os.fspath(item)
        if is_uri(root):
            collect_uri(root, found, max_bytes)
            continue
        try:
            os.lstat(root)
        except OSError as exc:
            raise InputError(
                "no such file or folder; give article files or folders", path=root
            ) from exc
        if os.path.isdir(root):
            _walk(root, found, max_bytes, excluded)
        else:
            base = Path(root).as_posix()
            _add(found, base, root, base, max_bytes, excluded)
    seen_real: set[str] = set()
    entries: list[Entry] = []
    real_folders: dict[str, str] = {}
    for entry in sorted(found.entries, key=lambda e: e.display):
        if entry.format != "reject":
            real = entry.path if is_uri(entry.path) else _real_path(entry.path, real_folders)
            if real in seen_real:
                continue  # the same file named twice (or linked): read once
            seen_real.add(real)
        entries.append(entry)
    found.entries = entries
    return found


def _real_path(path: str, real_folders: dict[str, str]) -> str:
    """``os.path.realpath(path)`` of a file, its folder resolved once for all its files."""
    folder, name = os.path.split(path)
    real_folder = real_folders.get(folder)
    if real_folder is None:
        real_folder = real_folders[folder] = os.path.realpath(folder)
    real = os.path.join(real_folder, name)
    # One lstat instead of one per path component; a linked file is resolved in full.
    return os.path.realpath(real) if os.path.islink(real) else real


def _walk(top: str, found: Discovery, max_bytes: int, excluded: set[str]) -> None:
    """Every entry under the folder ``top`` into ``found``; hidden names counted, not entered."""
    stack = [(top, "")]
    base = Path(top).as_posix()
    prefix = "" if base == "." else base if base.endswith("/") else base + "/"
    while stack:
        dirpath, relative = stack.pop()
        try:
            with os.scandir(dirpath) as listing:
                entries = list(listing)
        except OSError as exc:
            shown = display_name(prefix + relative).rstrip("/") or base
            found.entries.append(
                Entry(
                    shown,
                    dirpath,
                    relative,
                    format="reject",
                    reason=f"cannot list folder: {exc.strerror}",
                )
            )
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                found.skip(
                    "hidden folders" if entry.is_dir(follow_symlinks=False) else "hidden files"
                )
                continue
            rel = relative + name
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, rel + "/"))
            else:
                _add(found, prefix + rel, entry.path, rel, max_bytes, excluded)


def _add(
    found: Discovery,
    shown: str,
    path: str,
    relative: str,
    max_bytes: int,
    excluded: set[str],
) -> None:
    """One non-folder path as an entry: a file to read, or a reject saying why not."""
    display = display_name(shown)
    if display == path:
        display = path  # one string object for both (memory per input)
    rel = display_name(relative)
    try:
        info = os.stat(path)
    except OSError as exc:
        found.entries.append(
            Entry(display, path, rel, format="reject", reason=_link_problem(path, exc))
        )
        return
    reason = None
    if stat.S_ISDIR(info.st_mode):
        reason = "symbolic link to a folder, not followed (a link can loop); give the folder itself"
    elif not stat.S_ISREG(info.st_mode):
        what = next((name for test, name in _SPECIAL if test(info.st_mode)), "a special file")
        reason = f"{what}, not a regular file; never opened"
    elif excluded and os.path.realpath(path) in excluded:
        found.skip("sidecar manifest")
        return
    kind = input_format(path)
    if reason is None and kind == "file" and info.st_size > max_bytes:
        reason = oversize_reason(info.st_size, max_bytes)
    if reason is not None:
        found.entries.append(Entry(display, path, rel, format="reject", reason=reason))
        return
    found.entries.append(Entry(display, path, rel, info.st_size, kind))


def oversize_reason(size: int, max_bytes: int) -> str:
    """The reject reason of a file (or object) listed as larger than ``max_bytes``."""
    return f"file is {size} bytes, over the limit of {max_bytes} bytes (--max-bytes); not read"


def grown_over_limit(max_bytes: int) -> OSError:
    """The error of a file (or object) that held more than ``max_bytes`` when read."""
    return OSError(errno.EFBIG, f"file grew over the limit of {max_bytes} bytes (--max-bytes)")


def _link_problem(path: str, exc: OSError) -> str:
    """Why stat failed on a path lstat found: a broken link, a link loop, or the OS's reason."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link leads back to itself); nothing to read"
    if os.path.islink(path) and exc.errno == errno.ENOENT:
        target = display_name(os.readlink(path))
        return f"broken symbolic link: its target {target} does not exist"
    return f"cannot read: {exc.strerror}"
