"""Each document's meaning vector, as arrays beside each Whoosh segment.

A generation built with meaning search holds `vectors/model.json` (the model's setting,
cache key and dimensions) and one float32 array per segment, row by the segment's own
document numbers (documents already deleted get a row of zeros; later deletions are
masked as the postings mask them). Like the posting arrays, a
segment's array never changes once written: an update links the arrays of segments it
kept and writes only those of new segments. Searches map the arrays from disk, so the
server's processes share one copy in the page cache.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from whoosh import index as whoosh_index

from indexer.core.files import atomic_write
from indexer.engines.protocol import MeaningInfo
from indexer.engines.records import vector_text

if TYPE_CHECKING:
    from indexer.ingest.vectors import Meaning

FOLDER = "vectors"
MODEL = "model.json"


def export_vectors(generation: Path, meaning: Meaning | None) -> int:
    """Write the vectors of every segment lacking them; returns how many were written.

    Without `meaning` (no model this run) the generation has no vectors; with another
    model than the one before, every segment is written again.
    """
    root = generation / FOLDER
    if meaning is None:
        shutil.rmtree(root, ignore_errors=True)
        return 0
    info = MeaningInfo(meaning.model, meaning.key, meaning.dimensions)
    if read_info(generation) != info:
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(exist_ok=True)
    written = 0
    ix = whoosh_index.open_dir(str(generation))
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if reader.doc_count_all() else []
        wanted = {f"{leaf.segment().segment_id()}.npy" for leaf in leaves}
        for stale in root.glob("*.npy"):
            if stale.name not in wanted:
                stale.unlink()
        for leaf in leaves:
            path = root / f"{leaf.segment().segment_id()}.npy"
            if path.exists():
                continue
            texts = [
                "" if leaf.is_deleted(number) else vector_text(leaf.stored_fields(number))
                for number in range(leaf.doc_count_all())
            ]
            vectors = meaning.lookup(texts)
            with open(path.with_suffix(".partial"), "wb") as handle:
                np.save(handle, vectors)
            os.replace(path.with_suffix(".partial"), path)
            written += 1
    atomic_write(root / MODEL, json.dumps(info.__dict__))
    return written


def read_info(generation: Path) -> MeaningInfo | None:
    """The model a generation's vectors were made with (None: it has none)."""
    try:
        stored = json.loads((generation / FOLDER / MODEL).read_text(encoding="utf-8"))
        return MeaningInfo(str(stored["model"]), str(stored["key"]), int(stored["dimensions"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Vectors:
    """An open generation's vectors, one mapped array per segment, in document order."""

    def __init__(self, generation: Path, segment_ids: list[str], doc_count: int) -> None:
        # plain arrays over the mapped files: numpy's memmap subclass slows every product
        self.parts = [
            np.asarray(np.load(generation / FOLDER / f"{segment_id}.npy", mmap_mode="r"))
            for segment_id in segment_ids
        ]
        if sum(len(part) for part in self.parts) != doc_count:
            raise ValueError("the vectors do not cover the index's documents")

    def similarity(self, query: np.ndarray) -> np.ndarray:
        """Every document's cosine similarity to a unit query vector (zero rows: 0)."""
        if not self.parts:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([part @ query for part in self.parts])

    def nbytes(self) -> int:
        return sum(part.nbytes for part in self.parts)
