"""Posting lists as numpy arrays, beside each Whoosh segment.

Whoosh keeps postings in pickled, zlib-compressed blocks of 128 with every
posting's positions inside the pickle, so reading a word costs about a
microsecond per posting: 50 ms for a word like "people" in 150,000 passages,
before any scoring. After a build commits, each new segment's postings are
written once more as flat arrays (`export_postings`), which searches map from
disk and score in bulk (see `scoring`). Whoosh stays the index of record: the
arrays are derived from its segments, deleted documents are masked with its
own deletion sets, and a segment without arrays is read through Whoosh.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

from indexer.core import workers
from indexer.core.analysis import spelling_words
from indexer.core.files import atomic_write
from indexer.engines.protocol import Kind
from indexer.engines.whoosh import compat
from indexer.engines.whoosh.columns import export_columns
from indexer.engines.whoosh.stored import export_stored

POSTINGS = "postings"  # folder in a generation: one subfolder per Whoosh segment
WORDS = "transcript-words"  # unstemmed transcript words, for typos and prefixes
PROGRESS_SECONDS = 0.5  # how often an export says how far it is while segments are written
#: An export unpacks positions this many postings at a time: one Python bytes object per
#: posting of a whole field would hold a large segment's export in several GB.
UNPACK_POSTINGS = 1 << 20
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


class _Positions:
    """Where a run of postings keeps its positions in one segment's array.

    A posting's positions follow the previous posting's, as many as its term
    frequency, so a run needs only where its first posting's start (`base`)
    and the frequencies; `keep` drops deleted documents afterwards.
    """

    def __init__(self, base: int, counts: np.ndarray, positions: np.ndarray,
                 keep: np.ndarray | None = None) -> None:  # fmt: skip
        self.base = base
        self.counts = counts
        self.positions = positions
        self.keep = keep

    def spans(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(start, count) in `positions` of the given rows (rows after `keep`)."""
        stored_rows = rows if self.keep is None else np.flatnonzero(self.keep)[rows]
        if not len(stored_rows):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # positions before a row: the frequencies up to it (only that far: rows are few)
        ends = np.cumsum(self.counts[: int(stored_rows.max()) + 1], dtype=np.int64)
        counts = np.asarray(self.counts[stored_rows], dtype=np.int64)
        return self.base + ends[stored_rows] - counts, counts


class TermPostings:
    """One term's live postings: global docnums (sorted), term frequencies, positions.

    Positions stay in their segments' arrays until a phrase asks for some rows.
    """

    def __init__(self, docs: np.ndarray, tfs: np.ndarray,
                 pieces: list[tuple[int, _Positions]], stored: int) -> None:  # fmt: skip
        self.docs = docs
        self.tfs = tfs
        self._pieces = pieces  # (first row, positions of the rows from there)
        self.stored = stored  # Whoosh's document frequency (deleted documents included)

    def __len__(self) -> int:
        return len(self.docs)

    def occurrences(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into rows, position) of every occurrence of the term in those rows
        (ascending: each segment's piece then holds a run of them)."""
        owners, found = [], []
        firsts = np.array([first for first, _ in self._pieces], dtype=np.int64)
        bounds = np.append(np.searchsorted(rows, firsts), len(rows))
        for number, (first, piece) in enumerate(self._pieces):
            begin, end = int(bounds[number]), int(bounds[number + 1])
            if begin == end:
                continue
            starts, counts = piece.spans(rows[begin:end] - first)
            total = int(counts.sum())
            owners.append(np.repeat(np.arange(begin, end), counts))
            shift = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
            found.append(np.asarray(piece.positions[shift + np.arange(total)], dtype=np.int64))
        if not owners:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(owners), np.concatenate(found)


EMPTY = TermPostings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), [], 0)


def segment_folder(generation: Path, leaf) -> Path:
    return generation / POSTINGS / leaf.segment().segment_id()


def _text_fields(schema) -> list[str]:
    return [name for name, field in schema.items() if field.scorable]


# -- writing ---------------------------------------------------------------------------


def export_postings(generation: Path, procs: int = 1,
                    progress: Callable[[int, int], None] | None = None) -> int:  # fmt: skip
    """Write arrays for every segment of a generation that lacks them; drop stale ones.

    Returns the number of segments written. Segments are written by up to
    `procs` processes, each to a temporary folder renamed when complete, so a
    killed build never leaves half of one. `progress` is told (segments written,
    segments to write) as they are, and again every few seconds while they are not.
    """
    ix = whoosh_index.open_dir(str(generation))
    root = generation / POSTINGS
    root.mkdir(exist_ok=True)
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if reader.doc_count_all() else []
        wanted = {leaf.segment().segment_id() for leaf in leaves}
        missing = [
            number for number, leaf in enumerate(leaves)
            if not segment_folder(generation, leaf).is_dir()
        ]  # fmt: skip
        _recount_words(generation, [leaf for number, leaf in enumerate(leaves)
                                     if number not in missing])  # fmt: skip
    for stale in root.iterdir():
        if stale.name not in wanted:
            shutil.rmtree(stale, ignore_errors=True)
    tell = progress if progress is not None and missing else (lambda done, total: None)
    tell(0, len(missing))
    if len(missing) > 1 and procs > 1:
        with ProcessPoolExecutor(min(procs, len(missing)), initializer=workers.start_worker,
                                 initargs=(os.getpid(),)) as pool:  # fmt: skip
            pending = {pool.submit(_export_segment, generation, number) for number in missing}
            while pending:
                finished, pending = wait(pending, timeout=PROGRESS_SECONDS,
                                         return_when=FIRST_EXCEPTION)  # fmt: skip
                for future in finished:
                    future.result()  # a failed segment fails the build
                tell(len(missing) - len(pending), len(missing))
    else:
        for done, number in enumerate(missing, start=1):
            _export_segment(generation, number)
            tell(done, len(missing))
    return len(missing)


def _export_segment(generation: Path, number: int) -> None:
    ix = whoosh_index.open_dir(str(generation))
    with ix.reader() as reader:
        leaf = list(reader.leaf_readers())[number][0]
        folder = segment_folder(generation, leaf)
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        for fieldname in _text_fields(ix.schema):
            _export_field(leaf, fieldname, partial)
        _export_words(leaf, partial)
        export_stored(leaf, partial)
        export_columns(leaf, partial)
        partial.rename(folder)


def _export_field(leaf, fieldname: str, folder: Path) -> None:
    terms: list[str] = []
    offsets = [0]
    docs: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    values: list[bytes] = []  # postings' positions, packed (schema.PackedPositions)
    counts: list[np.ndarray] = []  # ...and those unpacked so far
    unpacked: list[np.ndarray] = []
    frequencies: list[int] = []  # Whoosh's document frequency, deleted documents included
    for term, info in leaf.iter_field(fieldname):
        frequencies.append(info.doc_frequency())
        matcher = leaf.postings(fieldname, term)
        total = 0
        for ids, weights, block_values in compat.posting_blocks(matcher):
            docs.append(ids)
            tfs.append(weights)
            total += len(ids)
            values.extend(block_values)
        terms.append(term.decode("utf-8") if isinstance(term, bytes) else term)
        offsets.append(offsets[-1] + total)
        if len(values) >= UNPACK_POSTINGS:
            _unpack_into(values, counts, unpacked)
    _unpack_into(values, counts, unpacked)
    counts_array = np.concatenate(counts)
    positions = np.concatenate(unpacked)
    frequencies_of_postings = np.concatenate(tfs) if tfs else np.zeros(0, np.float32)
    if not np.array_equal(counts_array, frequencies_of_postings):
        raise ValueError(f"{fieldname}: term frequencies differ from position counts")
    ends = np.cumsum(counts_array)
    arrays = {
        "offsets": np.array(offsets, dtype=np.int64),
        "dfs": np.array(frequencies, dtype=np.int32),
        "docs": np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, np.int32),
        # a posting's positions follow the previous ones': where a term's start is enough
        "tfs": counts_array.astype(_smallest(counts_array)),
        "pos_base": np.r_[0, ends][np.array(offsets, dtype=np.int64)],
        "positions": positions.astype(_smallest(positions)),
    }
    for name, array in arrays.items():
        np.save(folder / f"{fieldname}.{name}.npy", array)
    (folder / f"{fieldname}.terms.json").write_text(json.dumps(terms), encoding="utf-8")


def _unpack_into(values: list[bytes], counts: list[np.ndarray], positions: list[np.ndarray]
                 ) -> None:  # fmt: skip
    """Unpack the values gathered so far onto `counts` and `positions`, and let them go."""
    found, flat = _unpacked(values)
    counts.append(found)
    positions.append(flat.astype(np.uint32))  # (packed as four bytes each)
    values.clear()


def _unpacked(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Each posting's number of positions, and all positions in posting order, from the
    values `PackedPositions` wrote (a count, then the positions: four bytes each)."""
    if any(value is None for value in values):
        raise ValueError("a posting without positions: not an index of this format")
    words = np.frombuffer(b"".join(values), dtype="<u4")
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) // 4
    counts = np.zeros(0, dtype=np.int64) if not len(sizes) else sizes - 1
    positions = np.ones(len(words), dtype=bool)
    positions[np.cumsum(sizes) - sizes] = False  # the counts' words
    return counts, words[positions].astype(np.int64)


def _export_words(leaf, folder: Path) -> None:
    """The segment's transcript words with the number of live passages holding each, and
    which of its documents were deleted then.

    Files are replaced, never rewritten in place: an update's generation shares them with
    the one before by hard links."""
    counts: Counter[str] = Counter()
    for fields in leaf.all_stored_fields():  # live documents only
        if fields.get("kind") == Kind.PASSAGE:
            counts.update(spelling_words(fields.get("text") or ""))
    _write_words(folder, counts, _deleted(leaf))


def _write_words(folder: Path, counts: Counter[str], deleted: set[int]) -> None:
    words = sorted(word for word, count in counts.items() if count > 0)
    frequencies = np.array([counts[w] for w in words], dtype=np.int32)
    with open(folder / f"{WORDS}.dfs.npy.partial", "wb") as handle:
        np.save(handle, frequencies)
    os.replace(folder / f"{WORDS}.dfs.npy.partial", folder / f"{WORDS}.dfs.npy")
    atomic_write(folder / f"{WORDS}.json", json.dumps(words))
    atomic_write(folder / f"{WORDS}.deleted", json.dumps(sorted(deleted)))


def _deleted(leaf) -> set[int]:
    return set(leaf.segment().deleted_docs()) if leaf.has_deletions() else set()


def _counted_deletions(folder: Path) -> set[int] | None:
    """The documents already deleted when the words were counted (None: not known)."""
    try:
        counted = json.loads((folder / f"{WORDS}.deleted").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return set(counted) if isinstance(counted, list) else None  # a bare count: older files


def _recount_words(generation: Path, leaves: list) -> None:
    """Take the words of passages an update deleted since the count out of it.

    An update deletes the few documents of the talks it rewrites: their words are
    subtracted, so the counts equal a full count without reading the whole segment
    again. Without a record of what was counted, the segment is counted afresh."""
    for leaf in leaves:
        folder = segment_folder(generation, leaf)
        if not folder.is_dir():
            continue
        deleted, counted = _deleted(leaf), _counted_deletions(folder)
        if counted == deleted:
            continue
        if counted is None or not counted <= deleted:
            _export_words(leaf, folder)
            continue
        try:
            words = json.loads((folder / f"{WORDS}.json").read_text(encoding="utf-8"))
            frequencies = np.load(folder / f"{WORDS}.dfs.npy").tolist()
            counts: Counter[str] = Counter(dict(zip(words, frequencies, strict=True)))
        except (OSError, ValueError, TypeError):
            _export_words(leaf, folder)
            continue
        for docnum in sorted(deleted - counted):
            fields = leaf.stored_fields(docnum)  # still stored until a merge drops it
            if fields.get("kind") == Kind.PASSAGE:
                counts.subtract(spelling_words(fields.get("text") or ""))
        _write_words(folder, counts, deleted)


def _smallest(values: np.ndarray) -> type:
    """The smallest unsigned type that holds the values (arrays are mapped: size is memory)."""
    top = int(values.max()) if len(values) else 0
    return np.uint16 if top < 2**16 else np.uint32 if top < 2**32 else np.uint64


# -- reading ---------------------------------------------------------------------------


class _SegmentArrays:
    """One segment's arrays for one field, mapped from disk."""

    def __init__(self, folder: Path, fieldname: str) -> None:
        terms = json.loads((folder / f"{fieldname}.terms.json").read_text(encoding="utf-8"))
        self.rows = {term: row for row, term in enumerate(terms)}

        def load(name: str) -> np.ndarray:
            # a plain array over the mapped file: numpy's memmap subclass makes every
            # slice of it slower, and a query takes dozens
            return np.asarray(np.load(folder / f"{fieldname}.{name}.npy", mmap_mode="r"))

        self.offsets, self.dfs, self.docs = load("offsets"), load("dfs"), load("docs")
        self.tfs, self.pos_base, self.positions = load("tfs"), load("pos_base"), load("positions")


class Postings:
    """Bulk access to an open reader's postings, deletions and field lengths."""

    def __init__(
        self,
        reader: IndexReader,
        generation: Path | None = None,
        lock: threading.RLock | None = None,
    ) -> None:
        self.reader = reader
        self.generation = generation
        #: held around every read through Whoosh, whose files are not safe to share
        #: between threads; the arrays are read without it
        self.lock = lock or threading.RLock()
        self.leaves = list(reader.leaf_readers()) if reader.doc_count_all() else []
        self.doc_count = reader.doc_count_all()
        self.live = np.ones(self.doc_count, dtype=bool)
        #: per segment: whether any of its documents is deleted (else no posting is checked)
        self._with_deletions: list[bool] = []
        for leaf, offset in self.leaves:
            deleted = list(leaf.segment().deleted_docs()) if leaf.has_deletions() else []
            self.live[[offset + d for d in deleted]] = False
            self._with_deletions.append(bool(deleted))
        self._lengths: dict[str, np.ndarray] = {}
        self._arrays: dict[tuple[int, str], _SegmentArrays | None] = {}

    def field_lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in `fieldname`, as Whoosh stores it (one byte, lossy)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            with self.lock:
                parts = [_leaf_lengths(leaf, fieldname) for leaf, _ in self.leaves]
            lengths = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            self._lengths[fieldname] = lengths
        return lengths

    def load(self, fieldnames: Iterable[str]) -> None:
        """Map every segment's arrays of these fields and read their lengths now, rather
        than in the first search that reads each."""
        for fieldname in fieldnames:
            self.field_lengths(fieldname)
            for number in range(len(self.leaves)):
                self._segment_arrays(number, fieldname)

    def _segment_arrays(self, number: int, fieldname: str) -> _SegmentArrays | None:
        key = (number, fieldname)
        if key not in self._arrays:
            arrays = None
            if self.generation is not None:
                folder = segment_folder(self.generation, self.leaves[number][0])
                try:
                    arrays = _SegmentArrays(folder, fieldname)
                except (OSError, ValueError):
                    arrays = None  # not exported (yet): read through Whoosh
            self._arrays[key] = arrays
        return self._arrays[key]

    def transcript_words(self) -> tuple[list[str], np.ndarray]:
        """Every transcript word (sorted) and how many passages hold it, over all segments.

        Counts include deleted passages until their segment is merged away.
        """
        words: list[str] = []
        counts: list[np.ndarray] = []
        for leaf, _ in self.leaves:
            folder = segment_folder(self.generation, leaf) if self.generation else None
            try:
                assert folder is not None
                words += json.loads((folder / f"{WORDS}.json").read_text(encoding="utf-8"))
                counts.append(np.load(folder / f"{WORDS}.dfs.npy"))
            except (AssertionError, OSError, ValueError):
                continue  # a segment without arrays: its words are not offered
        if not words:
            return [], np.zeros(0, dtype=np.int64)
        unique, inverse = np.unique(np.array(words), return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate(counts)).astype(np.int64)
        return unique.tolist(), totals

    def document_frequency(self, fieldname: str, text: str) -> int:
        """Whoosh's document frequency of a term (deleted documents included), from the arrays."""
        total = 0
        for number, (leaf, _) in enumerate(self.leaves):
            arrays = self._segment_arrays(number, fieldname)
            if arrays is None:
                with self.lock:
                    if (fieldname, text) in leaf:
                        total += leaf.doc_frequency(fieldname, text)
                continue
            row = arrays.rows.get(text)
            if row is not None:
                total += int(arrays.dfs[row])
        return total

    def term(self, fieldname: str, text: str) -> TermPostings:
        """A term's postings in live documents, over every segment."""
        docs, tfs, pieces, rows, stored = [], [], [], 0, 0
        for number, (leaf, offset) in enumerate(self.leaves):
            arrays = self._segment_arrays(number, fieldname)
            if arrays is None:
                with self.lock:
                    part_docs, part_tfs, piece = _read_through_whoosh(leaf, fieldname, text)
                    if (fieldname, text) in leaf:
                        stored += leaf.doc_frequency(fieldname, text)
                part_docs = part_docs + offset
            else:
                row = arrays.rows.get(text)
                if row is None:
                    continue
                begin, end = int(arrays.offsets[row]), int(arrays.offsets[row + 1])
                stored += int(arrays.dfs[row])
                part_docs = np.add(arrays.docs[begin:end], offset, dtype=np.int64)
                part_tfs = np.asarray(arrays.tfs[begin:end], dtype=np.float32)
                piece = _Positions(int(arrays.pos_base[row]), arrays.tfs[begin:end],
                                   arrays.positions)  # fmt: skip
            if self._with_deletions[number]:
                keep = self.live[part_docs]
                if not keep.all():
                    part_docs, part_tfs = part_docs[keep], part_tfs[keep]
                    piece.keep = keep
            if len(part_docs):
                docs.append(part_docs)
                tfs.append(part_tfs)
                pieces.append((rows, piece))
                rows += len(part_docs)
        if not docs:
            return EMPTY
        if len(docs) == 1:
            return TermPostings(docs[0], tfs[0], pieces, stored)
        return TermPostings(np.concatenate(docs), np.concatenate(tfs), pieces, stored)


def _read_through_whoosh(leaf, fieldname: str, text: str):
    """(docnums, frequencies, positions) of a term in a segment without arrays."""
    if (fieldname, text) not in leaf:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=np.float32), _Positions(0, empty, empty)
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    counts: list[int] = []
    positions: list[int] = []
    decode = leaf.schema[fieldname].format.decode_positions
    for block_ids, block_weights, values in compat.posting_blocks(leaf.postings(fieldname, text)):
        ids.append(block_ids)
        weights.append(block_weights)
        for value in values:
            found = decode(value) if value else []
            counts.append(len(found))
            positions.extend(found)
    piece = _Positions(0, np.array(counts, dtype=np.int64), np.array(positions, dtype=np.int64))
    return np.concatenate(ids), np.concatenate(weights), piece


def _leaf_lengths(leaf, fieldname: str) -> np.ndarray:
    return _BYTE_TO_LENGTH[compat.stored_lengths(leaf, fieldname)]
