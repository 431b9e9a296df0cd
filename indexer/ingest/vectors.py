"""The vectors of passages, notes and descriptions, embedded once per text and model.

Vectors are kept in one SQLite file per model under the index folder, keyed by a hash
of the text: an update embeds only texts it has not seen, a full rebuild with the
same model embeds nothing again, and another model starts its own file. Each batch is
committed as it is embedded, so an interrupted run keeps what it did and the next one
goes on from there.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from indexer.core.embedder import Embedder

BATCH = 256  # texts embedded (and committed) at a time
#: Called with (texts embedded, texts to embed, texts a second) while embedding.
EmbedProgress = Callable[[int, int, float], None]


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


class VectorStore:
    """Vectors by text, for one model."""

    def __init__(self, index_dir: Path, model_key: str) -> None:
        folder = index_dir / "vectors"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{model_key}.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The texts (once each, in first-seen order) without a stored vector."""
        wanted = {text_key(text): text for text in texts}
        found: set[bytes] = set()
        keys = list(wanted)
        for first in range(0, len(keys), 500):
            chunk = keys[first : first + 500]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self._db.execute(
                f"SELECT key FROM vectors WHERE key IN ({marks})", chunk))  # fmt: skip
        return [text for key, text in wanted.items() if key not in found]

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        rows = [(text_key(text), vector.astype(np.float32).tobytes())
                for text, vector in zip(texts, vectors, strict=True)]  # fmt: skip
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

    def get(self, texts: list[str], dimensions: int) -> np.ndarray:
        """One row per text, in order; a text never embedded gets a row of zeros."""
        out = np.zeros((len(texts), dimensions), dtype=np.float32)
        places: dict[bytes, list[int]] = {}
        for place, text in enumerate(texts):
            places.setdefault(text_key(text), []).append(place)
        keys = list(places)
        for first in range(0, len(keys), 500):
            chunk = keys[first : first + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                out[places[key]] = np.frombuffer(blob, dtype=np.float32)
        return out


def embed_missing(store: VectorStore, embedder: Embedder, texts: Iterable[str],
                  progress: EmbedProgress | None = None) -> int:  # fmt: skip
    """Embed the texts the store lacks, a batch at a time; how many were embedded."""
    todo = store.missing(texts)
    began = time.monotonic()
    for first in range(0, len(todo), BATCH):
        batch = todo[first : first + BATCH]
        store.put(batch, embedder.embed(batch))
        if progress is not None:
            done = first + len(batch)
            progress(done, len(todo), done / max(time.monotonic() - began, 1e-9))
    return len(todo)
