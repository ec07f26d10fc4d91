"""manifest.json: what a build holds, written byte-reproducibly, and read back."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from toolkit.core import read_json_object

MANIFEST_NAME = "manifest.json"


TABLE_FILES = ("documents", "annotations", "annotation_sets", "rejects", "events")


def _file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {
        "sha256": digest.hexdigest(),
        "bytes": path.stat().st_size,
        "rows": pq.ParquetFile(path).metadata.num_rows,
    }


def _write_manifest(path: Path, head: dict[str, Any], inputs_log: Path) -> None:
    """manifest.json: sorted keys, one input per line, no timestamps (reruns are identical)."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("{\n")
        for key in sorted(head):
            value = json.dumps(head[key], ensure_ascii=False, indent=2, sort_keys=True)
            out.write(f"  {json.dumps(key)}: {value.replace(chr(10), chr(10) + '  ')},\n")
        out.write('  "inputs": [')
        with inputs_log.open(encoding="utf-8") as log:
            first = True
            for line in log:
                out.write(("\n    " if first else ",\n    ") + line.rstrip("\n"))
                first = False
        out.write("\n  ]\n}\n" if not first else "]\n}\n")


def read_manifest(dataset_dir: str | Path) -> dict[str, Any]:
    """The manifest of a built dataset; raises InputError when it is missing or malformed."""
    return read_json_object(
        Path(dataset_dir) / MANIFEST_NAME,
        missing="no manifest.json; build the dataset with `toolkit convert`",
    )
