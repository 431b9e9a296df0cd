"""Everything talkseek does to, or reads from, Whoosh's private parts, in one place.

talkseek depends on the block layout and internals of exactly one Whoosh release
(whoosh-reloaded 2.7.5), so `apply()` checks the installed version before it
patches anything, and refuses another with a message that says what to install.

Patches (both for build speed; indexes come out as Whoosh itself writes them):
- When Whoosh writes a segment it asks each posting's document for its field
  length. For fields that keep no lengths (the spelling fields), the per-document
  reader looks for the missing column file again on every call: one `stat` per
  posting, about a fifth of a build. Segment files never change once written, so
  remembering that a column is absent is safe.
- A writer sorts postings in memory up to its limit, then spills sorted runs to
  disk and merges them. Whoosh pickles and unpickles a run one posting at a time:
  a third of a full build. Runs are written in chunks of postings instead (read
  back by the same code, so the format only has to agree with itself).

Private reads: posting blocks as arrays (`posting_blocks`) and a segment's
one-byte field lengths as one buffer (`stored_lengths`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PerDocReader
from whoosh.util.numeric import length_to_byte
from whoosh.writing import PostingPool

SUPPORTED = (2, 7, 5)
RUN_CHUNK = 8192

_original_cached_reader = W3PerDocReader._cached_reader
_original_write_run = PostingPool._write_run
_original_read_run = PostingPool._read_run


class UnsupportedWhoosh(RuntimeError):
    """The installed Whoosh is not the release talkseek's engine was written for."""


def _installed() -> tuple[int, ...]:
    return tuple(getattr(whoosh, "__version__", ()))


def check_version(version: tuple[int, ...] | None = None) -> None:
    """Raise UnsupportedWhoosh unless `version` (default: the installed one) is supported."""
    found = _installed() if version is None else version
    if tuple(found) != SUPPORTED:
        wanted = ".".join(map(str, SUPPORTED))
        shown = ".".join(map(str, found)) or "an unknown version"
        raise UnsupportedWhoosh(
            f"talkseek's Whoosh engine needs whoosh-reloaded {wanted}, found Whoosh {shown}: "
            f"run `pip install whoosh-reloaded=={wanted}` (and uninstall other Whoosh packages)"
        )


def apply() -> None:
    """Check the Whoosh version and install the patches (idempotent)."""
    check_version()
    W3PerDocReader._cached_reader = _cached_reader
    PostingPool._write_run = _write_run
    PostingPool._read_run = _read_run


def remove() -> None:
    """Put Whoosh back as it was (for tests that compare against it)."""
    W3PerDocReader._cached_reader = _original_cached_reader
    PostingPool._write_run = _original_write_run
    PostingPool._read_run = _original_read_run


def applied() -> bool:
    return W3PerDocReader._cached_reader is _cached_reader


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original_cached_reader(self, fieldname, column)
    if reader is None:
        self._readers[fieldname] = None  # absent: do not look for the file again
    return reader


def _write_run(self: Any, file: Any, items: Iterable) -> None:
    """Write a sorted run (a list, or a merge of runs) as pickled chunks of postings."""
    items = iter(items)
    try:
        while chunk := list(islice(items, RUN_CHUNK)):
            pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        file.close()


def _read_run(self: Any, path: str) -> Iterator:
    """The postings of a run written by `_write_run`, in order; the run file is removed."""
    file = self._open_run(path)
    try:
        while True:
            try:
                chunk = pickle.load(file)
            except EOFError:
                return
            yield from chunk
    finally:
        file.close()
        self._remove_run(path)


# -- private reads -------------------------------------------------------------------


def posting_blocks(matcher: Any) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """(ids, weights, values) per posting block; positions stay encoded in values.

    On Whoosh 2.7's own matcher a block is read whole from its decoded arrays;
    any other matcher is walked one posting at a time.
    """
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        while matcher.is_active():
            matcher._read_data()
            raw_ids, raw_weights, values = matcher._data
            ids = np.cumsum(np.array(raw_ids, dtype=np.int64))
            if raw_weights is None:
                weights = np.ones(len(ids), dtype=np.float32)
            elif isinstance(raw_weights, float):
                weights = np.full(len(ids), raw_weights, dtype=np.float32)
            else:
                weights = np.array(raw_weights, dtype=np.float32)
            yield ids, weights, values or (None,) * len(ids)
            matcher._next_block()
        return
    found_ids, found_weights, found_values = [], [], []
    while matcher.is_active():
        found_ids.append(matcher.id())
        found_weights.append(matcher.weight())
        found_values.append(matcher.value())
        matcher.next()
    yield (np.array(found_ids, dtype=np.int64), np.array(found_weights, dtype=np.float32),
           found_values)  # fmt: skip


def stored_lengths(leaf: Any, fieldname: str) -> np.ndarray:
    """Every document's length byte in a field (Whoosh's lossy one-byte code)."""
    count = leaf.doc_count_all()
    codes = np.zeros(count, dtype=np.uint8)
    per_doc = getattr(leaf, "_perdoc", None)
    column = f"_{fieldname}_len"
    if isinstance(per_doc, W3PerDocReader):
        if per_doc.has_column(column):
            dbfile, offset, length = per_doc._get_column_file(column)
            try:
                stored = np.frombuffer(dbfile.get(offset, min(length, count)), dtype=np.uint8)
            finally:
                dbfile.close()
            codes[: len(stored)] = stored
        # no column: no document of the segment holds the field, and Whoosh answers 0
    else:  # another reader: one call per document
        for docnum in range(count):
            codes[docnum] = length_to_byte(leaf.doc_field_length(docnum, fieldname, 0) or 0)
    return codes
