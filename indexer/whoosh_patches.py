"""Two fixes to Whoosh 2.7 (pinned) that the build needs for speed.

- When Whoosh writes a segment it asks each posting's document for its field
  length. For fields that keep no lengths (the spelling fields), the per-document
  reader looks for the missing column file again on every call: one `stat` per
  posting, about a fifth of a build. Segment files never change once written,
  so remembering that a column is absent is safe.
- A writer sorts postings in memory up to its limit, then spills sorted runs to
  disk and merges them. Whoosh pickles and unpickles a run one posting at a
  time: a third of a full build. Runs are written in chunks of postings instead
  (read back by the same code, so the format only has to agree with itself).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from itertools import islice

from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.writing import PostingPool

RUN_CHUNK = 8192

_original = W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    if reader is None:
        self._readers[fieldname] = None  # absent: do not look for the file again
    return reader


W3PerDocReader._cached_reader = _cached_reader


def _write_run(self, file, items: Iterable) -> None:
    """Write a sorted run (a list, or a merge of runs) as pickled chunks of postings."""
    items = iter(items)
    try:
        while chunk := list(islice(items, RUN_CHUNK)):
            pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        file.close()


def _read_run(self, path: str) -> Iterator:
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


PostingPool._write_run = _write_run
PostingPool._read_run = _read_run
