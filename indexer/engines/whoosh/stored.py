"""Each document's stored fields, once more as a flat file beside its segment's postings.

Whoosh keeps a document's stored fields as a zlib-compressed pickle in a column,
and reading one back (decompressing and unpickling, under the reader's lock)
costs more than everything else a shown moment needs. After a build, each new
segment's fields are also written uncompressed, one pickle per document number,
with their offsets (`export_stored`); a search reads a hit's fields with one
positioned read and no lock (a read, not a mapping: hits are scattered, and a
mapping would count every page they touched in each server process's memory).
A segment without the file is read through Whoosh.
"""

from __future__ import annotations

import os
import pickle
import threading
from bisect import bisect_right
from pathlib import Path

import numpy as np

FIELDS = "stored.bin"  # in a segment's postings folder: the pickles, end to end
OFFSETS = "stored.offsets.npy"  # where document n's pickle starts; one more for the end


def export_stored(leaf, folder: Path) -> None:
    """Write a segment's stored fields (deleted documents: an empty pickle slot)."""
    offsets = np.zeros(leaf.doc_count_all() + 1, dtype=np.int64)
    with open(folder / FIELDS, "wb") as handle:
        for number in range(leaf.doc_count_all()):
            if not leaf.is_deleted(number):
                handle.write(pickle.dumps(leaf.stored_fields(number), pickle.HIGHEST_PROTOCOL))
            offsets[number + 1] = handle.tell()
    with open(folder / f"{OFFSETS}.partial", "wb") as handle:
        np.save(handle, offsets)
    os.replace(folder / f"{OFFSETS}.partial", folder / OFFSETS)


class StoredFields:
    """Stored fields by global document number, from the flat files where a segment
    has them, else through Whoosh's reader (holding `lock`)."""

    def __init__(self, reader, leaves: list, folders: list[Path | None],
                 lock: threading.RLock) -> None:  # fmt: skip
        self.reader = reader
        self.lock = lock
        self.starts = [offset for _, offset in leaves]
        self.parts: list[tuple[np.ndarray, int] | None] = []
        for folder in folders:
            self.parts.append(_open(folder) if folder is not None else None)

    def __call__(self, docnum: int) -> dict:
        segment = bisect_right(self.starts, docnum) - 1
        part = self.parts[segment] if segment >= 0 else None
        if part is None:
            with self.lock:
                return self.reader.stored_fields(docnum)
        offsets, descriptor = part
        local = docnum - self.starts[segment]
        begin, end = int(offsets[local]), int(offsets[local + 1])
        return pickle.loads(os.pread(descriptor, end - begin, begin))  # the index's own files

    def close(self) -> None:
        for part in self.parts:
            if part is not None:
                os.close(part[1])
        self.parts = [None] * len(self.parts)


def _open(folder: Path) -> tuple[np.ndarray, int] | None:
    try:
        offsets = np.asarray(np.load(folder / OFFSETS, mmap_mode="r"))
        descriptor = os.open(folder / FIELDS, os.O_RDONLY)
    except (OSError, ValueError):
        return None  # not exported (an index built before these files): read through Whoosh
    if len(offsets) < 1 or int(offsets[-1]) != os.fstat(descriptor).st_size:
        os.close(descriptor)
        return None
    return offsets, descriptor
