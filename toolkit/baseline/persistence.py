"""Model directories: reproducible skops files, attribute memory and model card, checked on load."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import Pipeline

from toolkit.baseline.card import MODEL_SUFFIX, render_card
from toolkit.baseline.estimators import MODEL_NAMES, Models
from toolkit.baseline.features import FEATURES_VERSION
from toolkit.baseline.memory import ATTRIBUTES_FILE, encode_memory
from toolkit.core import write_text_atomic
from toolkit.errors import ModelError
from toolkit.taxonomy import Taxonomy, read_taxonomy

CARD_JSON = "model_card.json"
CARD_MD = "model_card.md"

TRUSTED_TYPES: tuple[str, ...] = ()
"""Types skops must be told to trust beyond its defaults when loading our models.

Only scikit-learn pipelines, vectorizers, LogisticRegression and numpy arrays are stored, which
skops trusts by default; a file naming any other type is refused (see :func:`load_models`).
"""


def canonical_skops(data: bytes) -> bytes:
    """skops bytes made reproducible: object ids renumbered in order, fixed zip timestamps.

    skops names arrays and memo entries by ``id()`` and stamps the current time, so the same
    model would otherwise give different bytes on every dump.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        schema = json.loads(src.read("schema.json"))
        members = {name: src.read(name) for name in src.namelist() if name != "schema.json"}
    mapping: dict[str, str] = {}

    def renumber(old: str) -> str:
        return mapping.setdefault(old, str(len(mapping) + 1))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "__id__":
                    out[key] = int(renumber(str(value)))
                elif key == "file" and isinstance(value, str) and value.endswith(".npy"):
                    out[key] = renumber(value[: -len(".npy")]) + ".npy"
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    new_schema = walk(schema)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as dst:

        def put(name: str, payload: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, payload)

        put("schema.json", json.dumps(new_schema, indent=2, sort_keys=True).encode())
        for old, payload in sorted(members.items(), key=lambda kv: int(renumber(kv[0][:-4]))):
            put(renumber(old[: -len(".npy")]) + ".npy", payload)
    return buffer.getvalue()


def dump_bytes(model: Pipeline) -> bytes:
    # A vectorizer caches id(stop_words) to skip a repeated check; an id differs per process and
    # would make the bytes differ, and the vectorizer recomputes it when missing.
    _drop_stop_words_ids(model)
    return canonical_skops(sio.dumps(model))


def _drop_stop_words_ids(node: Any, depth: int = 0) -> None:
    """Remove every fitted vectorizer's ``_stop_words_id`` (fitted clones hide in attributes)."""
    if depth > 8:
        return
    if isinstance(node, CountVectorizer) and hasattr(node, "_stop_words_id"):
        del node._stop_words_id
    if isinstance(node, list | tuple):
        for item in node:
            _drop_stop_words_ids(item, depth + 1)
    elif isinstance(node, dict):
        for item in node.values():
            _drop_stop_words_ids(item, depth + 1)
    elif isinstance(node, BaseEstimator):
        for item in vars(node).values():
            _drop_stop_words_ids(item, depth + 1)


def _load_bytes(data: bytes, path: Path) -> Pipeline:
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # skops raises many kinds on a corrupt file
        raise ModelError(f"not a skops model file ({exc})", path=path) from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelError(
            f"model file names types that are not trusted: {', '.join(unexpected)}; "
            f"trusted beyond skops defaults: {', '.join(TRUSTED_TYPES) or 'none'}",
            path=path,
        )
    try:
        model = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as exc:
        raise ModelError(f"cannot load model ({exc})", path=path) from exc
    if not isinstance(model, Pipeline):
        raise ModelError(
            f"expected a scikit-learn Pipeline, found {type(model).__name__}", path=path
        )
    return model


def save_models(model_dir: str | Path, models: Models, blobs: Mapping[str, bytes]) -> Path:
    """Write the skops files, model_card.json and model_card.md into ``model_dir`` atomically."""
    out = Path(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in MODEL_NAMES:
        path = out / f"{name}{MODEL_SUFFIX}"
        if name in blobs:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(blobs[name])
            tmp.replace(path)
        elif path.exists():
            path.unlink()  # a stale model from an earlier training would contradict the card
    write_text_atomic(out / ATTRIBUTES_FILE, encode_memory(models.attributes).decode())
    write_text_atomic(
        out / CARD_JSON,
        json.dumps(models.card, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
    )
    write_text_atomic(out / CARD_MD, render_card(models.card))
    return out


def load_models(model_dir: str | Path, *, taxonomy: Taxonomy | None = None) -> Models:
    """Load a model directory written by :func:`save_models`, checking versions and file hashes."""
    root = Path(model_dir)
    card_path = root / CARD_JSON
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(
            "no model_card.json; train with `toolkit baseline train`", path=card_path
        ) from exc
    except json.JSONDecodeError as exc:
        raise ModelError(f"invalid JSON: {exc.msg}", path=card_path, line=exc.lineno) from exc
    if card.get("features_version") != FEATURES_VERSION:
        raise ModelError(
            f"model was trained with features version {card.get('features_version')!r}; this "
            f"toolkit computes version {FEATURES_VERSION!r}: retrain",
            path=card_path,
        )
    tax = taxonomy or read_taxonomy()
    if card.get("taxonomy_sha256") != tax.sha256:
        raise ModelError(
            f"model was trained with taxonomy {str(card.get('taxonomy_sha256'))[:12]}; the current "
            f"taxonomy is {tax.short_hash}: retrain",
            path=card_path,
        )
    loaded: dict[str, Pipeline | None] = {}
    for name in MODEL_NAMES:
        entry = card.get("models", {}).get(name)
        if entry is None:
            loaded[name] = None
            continue
        path = root / entry["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model file: {exc.strerror}", path=path) from exc
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ModelError("model file does not match the sha256 in model_card.json", path=path)
        loaded[name] = _load_bytes(data, path)
    memory: dict[str, dict[str, dict[str, str]]] = {}
    entry = card.get("attributes")
    if isinstance(entry, dict):
        path = root / str(entry.get("file", ATTRIBUTES_FILE))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read attribute memory: {exc.strerror}", path=path) from exc
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise ModelError(
                "attribute memory does not match the sha256 in model_card.json", path=path
            )
        memory = json.loads(data)
    return Models(loaded["stance"], loaded["tagger"], loaded["event"], card, memory)
