"""Tests of toolkit.dataset.chunks: partial document rows and parsed chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa

from toolkit.core.ids import sha256_text
from toolkit.dataset import chunks
from toolkit.dataset import sentence_keys as keys_module
from toolkit.dataset.work import WorkItem
from toolkit.taxonomy.labels import read_taxonomy

from .test_build import SEED_FILES, TAX


def test_article_rows_match_rows_built_from_dicts() -> None:
    from toolkit.ingest.article import CONVERTER_VERSION, read_article

    articles = [read_article(path) for path in SEED_FILES]
    schema = chunks.partial_schema(TAX)
    expected = pa.RecordBatch.from_pylist(
        [
            {
                "doc_id": a.doc_id,
                "outlet": a.outlet,
                "title": a.title,
                "byline": a.byline,
                "published_date": a.published_date,
                "modified_date": a.modified_date,
                "canonical_url": a.canonical_url,
                "source_urls": list(a.source_urls),
                "language": a.language,
                "language_confidence": a.language_confidence,
                "metadata_sources": a.metadata_sources,
                "metadata_notes": a.metadata_notes,
                "links": [
                    {"text": ln.text, "href": ln.href, "start": ln.start, "end": ln.end}
                    for ln in a.links
                ],
                "text": a.text,
                "text_sha256": sha256_text(a.text),
                "sentences": [{"start": s, "end": e} for s, e in a.sentences],
                "removed": [{"reason": r.reason, "text": r.text} for r in a.removed],
                "source_path": a.source_path,
                "source_sha256": a.source_sha256,
                "source_encoding": a.source_encoding,
                "converter_version": CONVERTER_VERSION,
            }
            for a in articles
        ],
        schema=schema,
    )
    assert any(a.links for a in articles) and any(a.removed for a in articles)
    got = chunks._article_rows(articles, schema, CONVERTER_VERSION)
    assert got.schema == expected.schema
    assert got.equals(expected)
    assert chunks._article_rows([], schema, CONVERTER_VERSION).num_rows == 0


def test_parse_chunk_matches_article_by_article(tmp_path: Path) -> None:
    from toolkit.dataset.near_duplicates import minhash_signature
    from toolkit.dataset.sentence_keys import sentence_keys
    from toolkit.ingest.article import parse_article

    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"")
    paths = [str(p) for p in SEED_FILES] + [str(broken), str(tmp_path / "missing.txt")]
    items = [WorkItem(p, path=p) for p in paths]
    chunk = chunks._parse_chunk(
        items,
        chunks.partial_schema(read_taxonomy()),
        chunks.ParseLimits(max_bytes=1 << 20, max_seconds=30.0),
    )
    assert chunk.errors[: len(SEED_FILES)] == [None] * len(SEED_FILES)
    assert all(chunk.errors[len(SEED_FILES) :])
    readable = [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths[:-1]]
    assert chunk.shas == [*readable, ""]  # the missing file has no digest
    rows, index, hashes, signatures = [], [], [], []
    for row, path in enumerate(SEED_FILES):
        article = parse_article(path.read_bytes(), source_path=str(path))
        for k, key in enumerate(sentence_keys(article.text, article.sentences)):
            if key:
                rows.append(row)
                index.append(k)
                hashes.append(hashlib.blake2b(key.encode(), digest_size=8).digest())
        signatures.append(minhash_signature(article.text).tolist())
    assert chunk.sentences.dtype == keys_module._SENTENCE_RECORD
    assert chunk.sentences["doc"].tolist() == rows
    assert chunk.sentences["sent"].tolist() == index
    assert chunk.sentences["key"].tolist() == [int.from_bytes(h, "little") for h in hashes]
    assert chunk.signatures.tolist() == signatures
