"""Shared sentences: sentences of a document that also occur in other documents."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from toolkit.dataset.sentence_keys import _SENTENCE_RECORD
from toolkit.dataset.spill import _SpillFile
from toolkit.dataset.tables import (
    SHARED_SENTENCE_TYPE,
)

SHARED_SENTENCE_MAX_DOCS = 100
"""At most this many other documents are listed per shared sentence (the smallest doc ids):
a sentence repeated across thousands of articles is boilerplate, and listing every copy would
make the column quadratic in the corpus size."""


_PARTITION_ROWS = 1 << 20
"""Sentence records (16 bytes each) per partition when shared sentences are found."""


def _group_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    if not len(sorted_values):
        return np.empty(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


def _repeated_rows(key: np.ndarray) -> np.ndarray:
    """Indexes (ascending) of the entries whose key occurs more than once."""
    if not len(key):
        return np.empty(0, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    same = key[order[1:]] == key[order[:-1]]
    return np.sort(order[np.r_[same, False] | np.r_[False, same]])


def _ranks(by_id: np.ndarray) -> np.ndarray:
    """Rank (position in doc-id order) of each document, from the doc-id order."""
    rank = np.empty(len(by_id), dtype=np.int32)
    rank[by_id] = np.arange(len(by_id), dtype=np.int32)
    return rank


_SHARED_ROW = np.dtype([("doc", "<i4"), ("sent", "<i4"), ("own", "<i4"), ("slot", "<i8")])
"""A sentence whose key is shared: document, sentence, the document's rank, the key's index."""


@dataclass
class _SharedPart:
    """SharedSentences tables for the keys of one partition."""

    member_rank: np.ndarray
    """Member ranks of each shared key, its first max_docs + 1 in rank order, key after key."""
    member_sizes: np.ndarray
    """How many member ranks each shared key has in member_rank."""
    rows: np.ndarray
    """_SHARED_ROWs in (document, sentence) order; slots count from this partition's first key."""


def _shared_part(rank: np.ndarray, records: np.ndarray, max_docs: int) -> _SharedPart:
    """The shared-sentence tables of sentence records (in document order) holding whole keys."""
    # Most keys occur once: keep only the rows of repeated keys before the real work.
    repeated = records[_repeated_rows(records["key"])]
    doc = repeated["doc"]
    key = repeated["key"]
    own = rank[doc]
    # Distinct (key, rank) pairs, sorted by key then rank.
    order = np.lexsort((own, key))
    pk, pr = key[order], own[order]
    distinct = np.r_[True, (pk[1:] != pk[:-1]) | (pr[1:] != pr[:-1])] if len(pk) else []
    pk, pr = pk[distinct], pr[distinct]
    starts = _group_starts(pk)
    sizes = np.diff(np.r_[starts, len(pk)])
    shared_groups = sizes > 1
    # Members of each shared key: its first max_docs + 1 ranks, so max_docs remain once the
    # document itself is left out.
    group_of = np.repeat(np.arange(len(starts)), sizes)
    position = np.arange(len(pk)) - starts[group_of]
    keep = shared_groups[group_of] & (position <= max_docs)
    member_key = pk[starts[shared_groups]]
    slot = np.searchsorted(member_key, key)
    found = slot < len(member_key)
    found[found] = member_key[slot[found]] == key[found]
    picked = np.flatnonzero(found)
    rows = np.empty(len(picked), dtype=_SHARED_ROW)
    rows["doc"] = doc[picked]
    rows["sent"] = repeated["sent"][picked]
    rows["own"] = own[picked]
    rows["slot"] = slot[picked]
    return _SharedPart(
        member_rank=pr[keep].astype(np.int32),
        member_sizes=np.minimum(sizes[shared_groups], max_docs + 1),
        rows=rows,
    )


class _RowCursor:
    """_SHARED_ROWs sorted by document, handed out one document range after another."""

    def __init__(self, blocks: Iterator[np.ndarray]) -> None:
        self._blocks = blocks
        self._buffer: np.ndarray = np.empty(0, dtype=_SHARED_ROW)

    def until(self, hi: int) -> np.ndarray:
        """The next rows whose document is below ``hi``."""
        taken = []
        while True:
            cut = int(np.searchsorted(self._buffer["doc"], hi))
            taken.append(self._buffer[:cut])
            if cut < len(self._buffer):
                self._buffer = self._buffer[cut:]
                break
            block = next(self._blocks, None)
            if block is None:
                self._buffer = self._buffer[:0]
                break
            self._buffer = block
        return np.concatenate(taken)


class SharedSentences:
    """Which sentences of each document also occur (same sentence key) in other documents.

    Built once, with numpy sorts only, from three parallel arrays (document index, sentence
    index, key hash): a compressed table key -> member documents (at most ``max_docs + 1`` per
    key) and the shared (document, sentence) rows in document order. `for_range` answers one
    pass-2 batch at a time, so the expanded lists never exist for the whole corpus at once.
    """

    def __init__(
        self,
        doc_ids: Sequence[str],
        sentence_doc: np.ndarray,
        sentence_index: np.ndarray,
        sentence_hash: np.ndarray,
        *,
        max_docs: int = SHARED_SENTENCE_MAX_DOCS,
    ) -> None:
        ids = np.asarray(doc_ids, dtype=object)
        by_id = np.argsort(ids, kind="stable") if len(ids) else np.empty(0, np.int64)
        records = np.empty(len(sentence_hash), dtype=_SENTENCE_RECORD)
        records["doc"] = sentence_doc
        records["sent"] = sentence_index
        records["key"] = sentence_hash
        ids_by_rank = pa.array(ids[by_id].tolist() if len(ids) else [], pa.string())
        part = _shared_part(_ranks(by_id), records, max_docs)
        self._setup(ids_by_rank, [part.member_rank], [part.member_sizes], max_docs)
        self._spills = []
        self._cursors = [_RowCursor(iter([part.rows]))]
        self.n_shared = len(part.rows)

    @classmethod
    def from_records(
        cls,
        doc_ids: pa.StringArray,
        by_id: np.ndarray,
        records: _SpillFile,
        *,
        max_docs: int = SHARED_SENTENCE_MAX_DOCS,
        partition_rows: int = _PARTITION_ROWS,
    ) -> SharedSentences:
        """The shared sentences of spilled _SENTENCE_RECORDs, in memory that does not grow with
        the corpus. ``by_id`` is the doc-id order of ``doc_ids``.

        Records are split by the top bits of their key into partitions of about
        ``partition_rows``: a key's rows all land in one partition, so each is worked out
        alone, its shared rows are spilled next to ``records`` and `for_range` merges the
        partitions batch by batch. `close` removes the spilled files.
        """
        self = cls.__new__(cls)
        rank = _ranks(by_id)
        bits = (max(1, -(-records.count // partition_rows)) - 1).bit_length()
        ranks: list[np.ndarray] = []
        sizes: list[np.ndarray] = []
        self._spills = []
        self._cursors = []
        self.n_shared = 0
        folder = records.path.parent
        splits = [
            _SpillFile(folder / f"{records.path.name}.{p}", _SENTENCE_RECORD)
            for p in (range(1 << bits) if bits else ())
        ]
        try:
            if bits:
                shift = np.uint64(64 - bits)
                for block in records.blocks(max(1, partition_rows >> bits)):
                    part_of = (block["key"] >> shift).astype(np.intp)
                    for p, split in enumerate(splits):
                        split.append(block[part_of == p])
            first_slot = 0
            for source in splits or [records]:
                pieces = list(source.blocks(partition_rows))
                if source is not records:
                    source.unlink()
                chunk = np.concatenate(pieces) if pieces else np.empty(0, _SENTENCE_RECORD)
                part = _shared_part(rank, chunk, max_docs)
                del pieces, chunk
                part.rows["slot"] += first_slot
                first_slot += len(part.member_sizes)
                ranks.append(part.member_rank)
                sizes.append(part.member_sizes)
                self.n_shared += len(part.rows)
                if bits:
                    spill = _SpillFile(folder / f".shared.{len(self._spills)}", _SHARED_ROW)
                    spill.append(part.rows)
                    spill.close()
                    self._spills.append(spill)
                    self._cursors.append(_RowCursor(spill.blocks()))
                else:
                    self._cursors.append(_RowCursor(iter([part.rows])))
        except BaseException:
            self.close()
            raise
        finally:
            for split in splits:
                split.unlink()
        self._setup(doc_ids.take(pa.array(by_id)), ranks, sizes, max_docs)
        return self

    def _setup(
        self,
        ids_by_rank: pa.Array,
        member_rank: list[np.ndarray],
        member_sizes: list[np.ndarray],
        max_docs: int,
    ) -> None:
        """The member tables of every partition (in ascending key order) as one."""
        self.max_docs = max_docs
        # rank -> doc_id, so "the smallest doc ids" is "the smallest ranks".
        self._ids_by_rank = ids_by_rank
        self._member_rank = np.concatenate(member_rank)
        self._member_offsets = np.r_[0, np.cumsum(np.concatenate(member_sizes))].astype(np.int64)
        self._done = 0

    def close(self) -> None:
        """Remove the spilled files (from_records); the tables cannot be read after this."""
        for spill in self._spills:
            spill.unlink()
        self._spills = []

    n_shared: int
    """Number of (document, sentence) pairs whose sentence occurs in another document."""
    _spills: list[_SpillFile]
    _cursors: list[_RowCursor]

    def for_range(self, lo: int, hi: int) -> pa.ListArray:
        """``shared_sentences`` of documents ``lo`` to ``hi - 1`` (empty lists when none).

        Ranges are read front to back, as pass 2 writes them: each starts at or after the end
        of the one before.
        """
        if lo < self._done:
            raise ValueError(f"ranges go forward: {lo} is before {self._done}, the last end")
        self._done = hi
        rows = np.concatenate([cursor.until(hi) for cursor in self._cursors])
        rows = rows[np.lexsort((rows["sent"], rows["doc"]))]
        rows = rows[rows["doc"] >= lo]
        slot = rows["slot"]
        first = self._member_offsets[slot]
        lengths = self._member_offsets[slot + 1] - first
        row = np.repeat(np.arange(len(rows)), lengths)
        within = np.arange(len(row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        ranks = self._member_rank[first[row] + within]
        others = ranks != rows["own"][row]
        row, ranks = row[others], ranks[others]
        counts = np.bincount(row, minlength=len(rows))
        # A row keeps max_docs + 1 members when the document was not among them: drop the last.
        within = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
        capped = within < self.max_docs
        ranks = ranks[capped]
        counts = np.minimum(counts, self.max_docs)
        doc_ids = pa.ListArray.from_arrays(
            pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32), pa.int32()),
            self._ids_by_rank.take(pa.array(ranks, pa.int32())),
        )
        values = pa.StructArray.from_arrays(
            [pa.array(rows["sent"], pa.int32()), doc_ids], fields=list(SHARED_SENTENCE_TYPE)
        )
        offsets = np.searchsorted(rows["doc"], np.arange(lo, hi + 1)).astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values).cast(
            pa.list_(SHARED_SENTENCE_TYPE)
        )
