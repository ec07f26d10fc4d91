"""Object-store URIs (s3://bucket/prefix) as convert's inputs and output, via pyarrow filesystems.

Inputs under a URI are listed like a folder (hidden names skipped and counted) and each file is
read by whoever parses it (the driver's pool or a Ray worker). An output URI gets the dataset
built in a local staging folder first, then uploaded file by file with manifest.json last: an
object store has no atomic rename, so readers must trust a prefix only once its manifest is
there (the manifest lists every file with its digest).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Any

from toolkit.dataset.inputs import (
    Discovery,
    Entry,
    grown_over_limit,
    input_format,
    oversize_reason,
)
from toolkit.dataset.manifest import MANIFEST_NAME
from toolkit.errors import InputError

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")

FORWARDED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_EC2_METADATA_DISABLED",
)
"""Object-store settings of the driver that Ray workers reading the same URIs get too."""


def is_uri(name: str | os.PathLike[str]) -> bool:
    """Whether ``name`` is a filesystem URI such as s3://bucket/key (not a local path)."""
    found = _SCHEME.match(os.fspath(name))
    return found is not None and found.group(1).lower() != "file"


def forwarded_env() -> dict[str, str]:
    """The driver's object-store settings (see FORWARDED_ENV) that are set."""
    return {name: os.environ[name] for name in FORWARDED_ENV if os.environ.get(name)}


def _filesystem(uri: str) -> tuple[Any, str]:
    """(pyarrow filesystem, path inside it) of a URI; InputError when pyarrow cannot open it."""
    import pyarrow.fs as pafs

    try:
        return pafs.FileSystem.from_uri(uri)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"cannot open the object store: {exc}", path=uri) from exc


def _scheme(uri: str) -> str:
    return uri.partition("://")[0]


def collect_uri(uri: str, found: Discovery, max_bytes: int) -> None:
    """Add every file under ``uri`` (a prefix or one object) to ``found`` as an entry."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(uri)
    root = root.rstrip("/")
    try:
        info = fs.get_file_info(root)
        if info.type == pafs.FileType.File:
            infos = [info]
        elif info.type == pafs.FileType.Directory:
            infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
        else:
            raise InputError("no such object or prefix; give article files or prefixes", path=uri)
    except OSError as exc:
        raise InputError(f"cannot list the object store: {exc}", path=uri) from exc
    scheme = _scheme(uri)
    for item in infos:
        if item.type != pafs.FileType.File:
            continue
        relative = item.path[len(root) + 1 :] if item.path != root else Path(root).name
        if any(part.startswith(".") for part in relative.split("/")):
            found.skip("hidden files")  # a prefix has no folders of its own to count
            continue
        name = f"{scheme}://{item.path}"
        kind = input_format(item.path)
        if kind == "file" and item.size > max_bytes:
            reason = oversize_reason(item.size, max_bytes)
            found.entries.append(Entry(name, name, relative, format="reject", reason=reason))
            continue
        found.entries.append(Entry(name, name, relative, item.size, kind))


def read_uri(uri: str, max_bytes: int) -> bytes:
    """An object's bytes, at most ``max_bytes``; OSError (with a strerror) when it cannot be."""
    fs, path = _filesystem(uri)
    try:
        with fs.open_input_stream(path) as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise OSError(errno.EIO, str(exc).splitlines()[0] if str(exc) else "I/O error") from exc
    if len(data) > max_bytes:
        raise grown_over_limit(max_bytes)
    return bytes(data)


def check_uri_output(uri: str) -> None:
    """Refuse an output prefix that holds objects but no manifest.json (not a dataset)."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(uri)
    root = root.rstrip("/")
    try:
        if fs.get_file_info(root).type != pafs.FileType.Directory:
            return
        names = {i.path for i in fs.get_file_info(pafs.FileSelector(root, recursive=True))}
    except OSError as exc:
        raise InputError(f"cannot list the object store: {exc}", path=uri) from exc
    if names and f"{root}/{MANIFEST_NAME}" not in names:
        raise InputError(
            "output prefix holds objects and no manifest.json, so it is not a dataset built by "
            "`toolkit convert`; refusing to replace it: give a new or empty prefix",
            path=uri,
        )


def publish(local_dir: Path, uri: str) -> None:
    """Upload a built dataset folder to ``uri``: manifest.json last, stale objects removed after."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(uri)
    root = root.rstrip("/")
    names = sorted(p.name for p in local_dir.iterdir() if p.is_file())
    names.sort(key=lambda name: name == MANIFEST_NAME)  # the manifest says "complete": last
    try:
        fs.create_dir(root, recursive=True)
        old = {
            i.path
            for i in fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
            if i.type == pafs.FileType.File
        }
        for name in names:
            with (
                (local_dir / name).open("rb") as src,
                fs.open_output_stream(f"{root}/{name}") as dst,
            ):
                while block := src.read(1 << 24):
                    dst.write(block)
        for stale in sorted(old - {f"{root}/{name}" for name in names}):
            fs.delete_file(stale)
    except OSError as exc:
        raise InputError(f"cannot write to the object store: {exc}", path=uri) from exc
