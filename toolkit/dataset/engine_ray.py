"""`convert --engine ray`: the dataset built on Ray Data, on one machine or a cluster.

The same tables as the local engine (build._build), computed as a Ray Data pipeline: discovery's
entries (plain files, WARC and JSON Lines containers, rejects) are parsed by tasks
(chunks._parse_chunk per 250 inputs), byte-identical copies are found by a group-by on a digest
partition, near-duplicate candidates by a group-by on LSH bucket-key partitions and shared
sentences by a group-by on sentence-key partitions, sorted by document. The driver holds only
what the local engine's driver holds or less: the input names, the rejects, the near-duplicate
pairs and the annotated documents' texts. documents.parquet is one file, so its rows stream
through the driver once, in input order, into one Parquet writer, each batch merged there with
its shared sentences (see docs/SCALING.md for what that costs).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from toolkit.core import start_ray
from toolkit.dataset import ray_steps
from toolkit.dataset.chunks import ParseLimits, partial_schema
from toolkit.dataset.heap import _trim_heap
from toolkit.dataset.inputs import Discovery, Entry
from toolkit.dataset.layers import _Annotations, _wanted_doc_ids, load_annotations
from toolkit.dataset.near_duplicates import NEAR_DUPLICATE_THRESHOLD, lsh_bands
from toolkit.dataset.object_store import forwarded_env, is_uri
from toolkit.dataset.parquet import PARQUET_COMPRESSION
from toolkit.dataset.pass1 import ProgressCallback
from toolkit.dataset.pass2 import _DocStats, _gather_stats
from toolkit.dataset.rejects import Reject
from toolkit.dataset.shared_sentences import SHARED_SENTENCE_MAX_DOCS
from toolkit.dataset.sidecar import Sidecar
from toolkit.dataset.tables import documents_schema, schema_metadata
from toolkit.errors import ToolkitError
from toolkit.taxonomy import Taxonomy

_ROWS_PER_PART = 1 << 18
"""Rows (sentence keys, band keys, digests) per group-by partition: a partition is one worker's
numpy work at once, a few tens of MB."""
_TRIM_EVERY = 16
"""Row groups the driver writes between two returns of its freed heap to the system."""
_SIGNATURE_WIDTH = 64
"""MinHash values per document (near_duplicates.minhash_signatures' default)."""


def _parts(rows: int) -> int:
    return max(1, -(-rows // _ROWS_PER_PART))


def _union_find(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """doc_id -> smallest doc_id of its component, for the documents that have a pair."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {d: find(d) for d in sorted(parent)}


def _cluster_sizes(clusters: dict[str, str], n_documents: int) -> np.ndarray:
    """Size of every cluster: the components of the pairs, then one per other document."""
    sizes: np.ndarray = np.empty(0, dtype=np.int64)
    if clusters:
        sizes = np.unique(list(clusters.values()), return_counts=True)[1].astype(np.int64)
    return np.concatenate([np.ones(n_documents - len(clusters), dtype=np.int64), sizes])


class _Pipeline:
    """The Ray Data datasets of one build, each computed once (materialised) and reused."""

    def __init__(
        self,
        entries: Sequence[Entry],
        tax: Taxonomy,
        sizes: tuple[int, int],
        limits: ParseLimits,
    ):
        self.ray = start_ray()
        self.entries = entries
        self.items = [e.display for e in entries]
        self.limits = limits
        batch_size = sizes[0]
        self.tax = tax
        self.batch_size = batch_size
        self.chunk = max(1, min(batch_size, ray_steps.PARSE_CHUNK))

    def _entry_blocks(self) -> list[pa.Table]:
        """The entries as (position, entry) rows, in blocks of ``chunk`` plain files; each
        container (WARC, JSON Lines) in a block of its own, as it holds many articles."""
        rows = [{f: getattr(e, f) for f in ray_steps.ENTRY_TYPE.names} for e in self.entries]
        table = pa.table(
            {
                "position": pa.array(np.arange(len(rows)), pa.int64()),
                "entry": pa.array(rows, ray_steps.ENTRY_TYPE),
            }
        )
        blocks: list[pa.Table] = []
        start = 0
        for i, entry in enumerate(self.entries):
            container = entry.format in ("warc", "jsonl")
            if i > start and (container or i - start >= self.chunk):
                blocks.append(table.slice(start, i - start))
                start = i
            if container:
                blocks.append(table.slice(i, 1))
                start = i + 1
        if start < len(rows) or not blocks:
            blocks.append(table.slice(start))
        return blocks

    def parse(self, sidecar: Sidecar | None) -> Any:
        """Parsed rows of every input in input order (containers' records included), and the
        parse tasks' note rows."""
        source = self.ray.data.from_arrow(self._entry_blocks())
        remote: dict[str, Any] = {}
        env = forwarded_env() if any(is_uri(e.path) for e in self.entries) else {}
        if env:  # workers reading the object store need the driver's endpoint and credentials
            remote["runtime_env"] = {"env_vars": env}
        return source.map_batches(
            ray_steps.parse_entries,
            fn_kwargs={
                "schema": partial_schema(self.tax),
                "limits": self.limits,
                "sidecar": sidecar,
            },
            batch_size=None,
            batch_format="pyarrow",
            **remote,
        ).materialize()

    def duplicates(self, parsed: Any) -> list[dict[str, Any]]:
        """Inputs whose bytes an earlier input had (position, first), from a digest group-by."""
        digests = parsed.map_batches(
            ray_steps.digest_rows,
            fn_kwargs={"parts": _parts(len(self.items))},
            batch_format="pyarrow",
        )
        found = digests.groupby("part", num_partitions=_parts(len(self.items))).map_groups(
            ray_steps.duplicates_of_part, batch_format="pyarrow"
        )
        taken = list(found.take_all())
        _trim_heap()
        return taken

    def clusters(self, kept: Any, n_documents: int) -> dict[str, str]:
        """doc_id -> cluster id for the documents with a near-duplicate (the others: their own)."""
        bands, rows = lsh_bands(NEAR_DUPLICATE_THRESHOLD, _SIGNATURE_WIDTH)
        keyed = kept.map_batches(
            ray_steps.band_rows,
            fn_kwargs={
                "bands": bands,
                "rows": rows,
                "width": _SIGNATURE_WIDTH,
                "parts": _parts(n_documents * bands),
            },
            batch_format="pyarrow",
        )
        pairs = keyed.groupby("part", num_partitions=_parts(n_documents * bands)).map_groups(
            ray_steps.similar_pairs_of_part,
            fn_kwargs={"width": _SIGNATURE_WIDTH, "threshold": NEAR_DUPLICATE_THRESHOLD},
            batch_format="pyarrow",
        )
        found = sorted({(r["first"], r["second"]) for r in pairs.take_all()})
        _trim_heap()
        return _union_find(found)

    def shared(self, kept: Any, n_sentences: int, n_documents: int) -> Any:
        """(position, sent, doc_ids) of each sentence that other documents share."""
        rows = kept.map_batches(
            ray_steps.sentence_rows,
            fn_kwargs={"parts": _parts(n_sentences)},
            batch_format="pyarrow",
        )
        found = rows.groupby("part", num_partitions=_parts(n_sentences)).map_groups(
            ray_steps.shared_of_part,
            fn_kwargs={"max_docs": SHARED_SENTENCE_MAX_DOCS},
            batch_format="pyarrow",
        )
        # Sorted by document, so the driver can merge them into the documents as it writes.
        ordered = found.sort(["position", "sent"]).materialize()
        _trim_heap()
        return ordered


class _Logged(NamedTuple):
    """What the driver learns from logging the inputs."""

    n_inputs: int
    n_documents: int
    n_keys: int
    """Sentence keys of the documents: sizes the shared-sentence group-by."""
    failures: list[tuple[int, str, str]]
    """(position, name, reason) of each input that could not be read or parsed."""
    skipped: Counter[str]
    """Records the parse tasks skipped on purpose (WARC requests, metadata), by kind."""
    matched_digests: set[str]
    """Sidecar rows that named a plain file by its digest and found it."""


def _log_inputs(parsed: Any, duplicates: dict[int, tuple[str, str]], log_path: Path) -> _Logged:
    """Write the inputs log (one JSON line per input, in input order) and count the inputs."""
    got = _Logged(0, 0, 0, [], Counter(), set())
    n = n_documents = n_keys = 0
    rows = parsed.map_batches(ray_steps.log_rows, batch_format="pyarrow")
    with log_path.open("w", encoding="utf-8", newline="\n") as log:
        for batch in rows.iter_batches(batch_format="pyarrow", batch_size=None):
            for row in batch.to_pylist():
                if row["error"] == ray_steps.NOTE:
                    note = json.loads(row["display"])
                    got.skipped.update(note["skipped"])
                    got.matched_digests.update(note["matched_digests"])
                    continue
                n += 1
                if row["error"] is not None:
                    got.failures.append((row["position"], row["display"], row["error"]))
                dropped = row["error"] is not None or row["position"] in duplicates
                if not dropped:
                    n_documents += 1
                    n_keys += row["n_keys"]
                entry = {
                    "path": row["display"],
                    "sha256": row["sha"] or None,
                    "doc_id": None if dropped else row["doc_id"],
                }
                log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    _trim_heap()
    return got._replace(n_inputs=n, n_documents=n_documents, n_keys=n_keys)


def _pass1_rejects(
    failures: list[tuple[int, str, str]], duplicates: dict[int, tuple[str, str]]
) -> list[Reject]:
    """The rejects of parsing and of byte-identical copies, in input order (as the local run)."""
    found = list(failures)
    found += [(p, name, f"duplicate of {first}") for p, (name, first) in duplicates.items()]
    return [Reject(name, "article", reason) for _, name, reason in sorted(found)]


class _SharedRows:
    """The shared-sentence rows, sorted by (position, sent), read in step with the documents."""

    def __init__(self, shared: Any) -> None:
        self.batches = iter(shared.iter_batches(batch_format="pyarrow", batch_size=None))
        self.held: list[pa.Table] = []

    def until(self, position: int) -> pa.Table:
        """The rows not yet taken up to ``position`` (inclusive)."""
        taken: list[pa.Table] = []
        while True:
            head = self.held.pop() if self.held else next(self.batches, None)
            if head is None:
                break
            head = pa.table(head) if isinstance(head, pa.RecordBatch) else head
            cut = int(np.searchsorted(head.column("position").to_numpy(), position, "right"))
            taken.append(head.slice(0, cut))
            if cut < head.num_rows:
                self.held.append(head.slice(cut))
                break
        return pa.concat_tables(taken) if taken else pa.table({})


def _write_documents_file(
    finished: Any, shared: Any, out_path: Path, tax: Taxonomy, batch_size: int
) -> _DocStats:
    """documents.parquet from the finished rows, in input order, row groups of batch_size.

    Each batch gets its shared sentences here, a streaming merge of two position-sorted
    streams: cheaper than shuffling the whole corpus to join them on the workers.
    """
    schema = documents_schema(tax).with_metadata(schema_metadata(tax, "documents"))
    stats = _DocStats()
    last, written = -1, 0
    rows = _SharedRows(shared)
    column = schema.get_field_index("shared_sentences")
    field = schema.field(column)
    with pq.ParquetWriter(out_path, schema, compression=PARQUET_COMPRESSION) as writer:
        for batch in finished.iter_batches(batch_size=batch_size, batch_format="pyarrow"):
            positions = batch.column("position").to_numpy()
            if not len(positions):
                continue
            if positions[0] <= last or (np.diff(positions) <= 0).any():
                raise ToolkitError("internal error: the Ray engine's documents came out of order")
            last = int(positions[-1])
            mine = rows.until(last)
            lists = (
                ray_steps.shared_lists(positions, mine).cast(field.type)
                if mine.num_rows
                else pa.array([[]] * len(positions), field.type)
            )
            part = pa.Table.from_arrays(
                [
                    lists if f.name == field.name else batch.column(f.name).cast(f.type)
                    for f in schema
                ],
                schema=schema,
            ).combine_chunks()  # one chunk per column: the local engine's pages, the same bytes
            writer.write_table(part, row_group_size=max(1, part.num_rows))
            _gather_stats(stats, part)
            written += 1
            if written % _TRIM_EVERY == 0:
                _trim_heap()
    return stats


def build_with_ray(
    found: Discovery,
    sidecar: Sidecar | None,
    tmp: Path,
    tax: Taxonomy,
    ann_root: Path | None,
    sizes: tuple[int, int],
    limits: ParseLimits,
    progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Everything `convert` computes, on Ray; the tables the driver writes are left to build.

    ``found`` is discovery's result (every input kind), ``sizes`` is (batch size, workers)."""
    pipe = _Pipeline(found.entries, tax, sizes, limits)
    batch_size = sizes[0]
    parsed = pipe.parse(sidecar)
    if progress is not None:
        progress(found.total_bytes, found.total_bytes)
    duplicates = {int(r["position"]): (r["display"], r["first"]) for r in pipe.duplicates(parsed)}
    inputs_log = tmp / ".inputs.jsonl"
    logged = _log_inputs(parsed, duplicates, inputs_log)
    rejects = _pass1_rejects(logged.failures, duplicates)
    if sidecar is not None:
        sidecar.matched_digests.update(logged.matched_digests)
        rejects += sidecar.rejects
        names = (name for e in found.entries for name in (e.relative, e.display))
        rejects += sidecar.unmatched(names)
    n_documents = logged.n_documents
    # Not materialised: a filter is cheaper to repeat than a second copy of the corpus.
    kept = parsed.map_batches(
        ray_steps.kept_documents,
        fn_kwargs={"duplicates": np.fromiter(duplicates, np.int64, len(duplicates))},
        batch_format="pyarrow",
    )
    wanted = sorted(_wanted_doc_ids(ann_root))
    texts: dict[str, str] = {}
    if wanted:
        picked = kept.map_batches(
            ray_steps.wanted_texts, fn_kwargs={"wanted": wanted}, batch_format="pyarrow"
        )
        texts = {r["doc_id"]: r["text"] for r in picked.take_all()}
    annotations = (
        load_annotations(ann_root, texts=texts, taxonomy=tax, rejects=rejects)
        if ann_root is not None
        else _Annotations()
    )
    clusters = pipe.clusters(kept, n_documents) if n_documents else {}
    shared = pipe.shared(kept, logged.n_keys, n_documents)
    n_shared = shared.count()
    finished = kept.map_batches(
        ray_steps.finish_documents,
        fn_kwargs={
            "schema": documents_schema(tax),
            "clusters": clusters,
            "gold": annotations.gold,
        },
        batch_format="pyarrow",
    )
    stats = _write_documents_file(finished, shared, tmp / "documents.parquet", tax, batch_size)
    return {
        "rejects": rejects,
        "annotations": annotations,
        "stats": stats,
        "n_inputs": logged.n_inputs,
        "n_documents": n_documents,
        "n_shared": n_shared,
        "cluster_sizes": _cluster_sizes(clusters, n_documents),
        "inputs_log": inputs_log,
        "skipped": logged.skipped,
    }
