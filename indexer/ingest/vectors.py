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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.core.embedder import Embedder
from indexer.core.talks import vector_text_of_talk
from indexer.ingest.collect import Collection

BATCH = 256  # texts embedded (and committed) at a time
#: Called with (texts embedded, texts to embed, texts a second) while embedding.
EmbedProgress = Callable[[int, int, float], None]


def collection_texts(collection: Collection) -> list[str]:
    """Every text the index holds a vector for: each talk's title and description, each
    note item and each passage (engines look their vectors up by the same texts)."""
    texts = []
    for talk in collection.talks:
        texts.append(vector_text_of_talk(talk.title, talk.description))
        texts.extend(note.text for note in talk.notes)
    for passages in collection.passages.values():
        texts.extend(passage.text for passage in passages)
    return [text for text in texts if text]


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


class VectorStore:
    """Vectors by text, for one model."""

    def __init__(self, index_dir: Path, model_key: str, earlier_key: str | None = None) -> None:
        """The store of `model_key`; one kept under `earlier_key` (the same model's key in
        earlier versions) becomes it, so upgrading embeds nothing again."""
        folder = index_dir / "vectors"
        folder.mkdir(parents=True, exist_ok=True)
        path, earlier = folder / f"{model_key}.sqlite", folder / f"{earlier_key}.sqlite"
        if earlier_key is not None and earlier.is_file() and not path.exists():
            for suffix in ("-journal", "-wal", "-shm"):  # SQLite's files beside it go along
                beside = earlier.with_name(earlier.name + suffix)
                if beside.exists():
                    beside.rename(path.with_name(path.name + suffix))
            earlier.rename(path)
        self._open(path)

    @classmethod
    def at(cls, path: Path) -> VectorStore:
        store = cls.__new__(cls)
        store._open(path)
        return store

    def _open(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)
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
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
            ):
                out[places[key]] = np.frombuffer(blob, dtype=np.float32)
        return out


@dataclass(frozen=True)
class Meaning:
    """What a build needs to write vectors: the model that made them (its setting, to
    embed queries with it, and its cache key) and where they are stored."""

    model: str
    key: str
    dimensions: int
    store_path: Path
    #: the key earlier versions gave the same model files (see `Embedder.earlier_key`)
    earlier_key: str | None = None

    def lookup(self, texts: list[str]) -> np.ndarray:
        """One vector per text (zeros for a text never embedded)."""
        with VectorStore.at(self.store_path) as store:
            return store.get(texts, self.dimensions)


def embed_collection(collection: Collection, embedder: Embedder, model: str, index_dir: Path,
                     progress: EmbedProgress | None = None) -> tuple[Meaning, int]:  # fmt: skip
    """Embed what the collection holds that the store lacks; what a build needs to write
    the vectors, and how many texts were embedded now."""
    with VectorStore(index_dir, embedder.key, embedder.earlier_key) as store:
        embedded = embed_missing(store, embedder, collection_texts(collection), progress)
        meaning = Meaning(model, embedder.key, embedder.dimensions, store.path,
                          embedder.earlier_key)  # fmt: skip
        return meaning, embedded


def embed_missing(store: VectorStore, embedder: Embedder, texts: Iterable[str],
                  progress: EmbedProgress | None = None) -> int:  # fmt: skip
    """Embed the texts the store lacks, a batch at a time; how many were embedded."""
    todo = store.missing(texts)
    began = time.monotonic()
    if progress is not None:
        progress(0, len(todo), 0.0)
    for first in range(0, len(todo), BATCH):
        batch = todo[first : first + BATCH]
        store.put(batch, embedder.embed(batch))
        if progress is not None:
            done = first + len(batch)
            progress(done, len(todo), done / max(time.monotonic() - began, 1e-9))
    return len(todo)
