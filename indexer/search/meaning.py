"""Queries as vectors, with the model the served index was embedded with.

The index names its model (`Engine.meaning()`), so queries and documents always meet
in the same space, whatever the settings of the process searching. A model is loaded
once per process and kept; one that cannot be loaded is not tried again for a while,
and the search goes on by keywords, saying why.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from indexer.core.embedder import Embedder, ModelUnavailable, load_embedder
from indexer.engines.protocol import MeaningInfo

#: After a model failed to load, searches stay keyword-only this long before retrying.
RETRY_SECONDS = 300.0
#: Threads a process embeds one query with: a query is a few words, and the server runs
#: one process per core (more threads only spin against the other processes' searches).
QUERY_THREADS = 1
#: Query vectors remembered per process (the same query is often asked again: paging).
REMEMBERED = 256

_lock = threading.Lock()
_EMBEDDING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="talkseek-embedding")
_models: dict[str, Embedder] = {}
_failed: dict[str, tuple[float, str]] = {}
_vectors: dict[tuple[str, str], np.ndarray] = {}


def query_embedder(info: MeaningInfo) -> tuple[Embedder | None, str | None]:
    """The model of an index's vectors, loaded once; or None and why meaning search is
    off (a model whose files moved, fastembed missing)."""
    with _lock:
        model = _models.get(info.key)
        if model is not None:
            return model, None
        failed = _failed.get(info.key)
        if failed is not None and time.monotonic() - failed[0] < RETRY_SECONDS:
            return None, failed[1]
        try:
            model = load_embedder(info.model, threads=QUERY_THREADS)
        except ModelUnavailable as error:
            reason = f"meaning search is off: {error}"
            _failed[info.key] = (time.monotonic(), reason)
            logging.getLogger("talkseek").warning(reason)
            return None, reason
        if info.key not in (model.key, model.earlier_key):  # earlier: indexed before upgrading
            reason = (
                f"meaning search is off: the model {info.model} is not the one the index "
                "was embedded with; run `talkseek index` to embed it again"
            )
            _failed[info.key] = (time.monotonic(), reason)
            return None, reason
        _models[info.key] = model
        return model, None


def query_vector(info: MeaningInfo, text: str) -> tuple[Future[np.ndarray] | None, str | None]:
    """A query's unit vector (remembered), being embedded in a thread of its own while
    the caller goes on (the model releases the GIL); or None and why there is none."""
    model, reason = query_embedder(info)
    if model is None:
        return None, reason
    key = (info.key, text)
    vector = _vectors.get(key)
    if vector is not None:
        done: Future[np.ndarray] = Future()
        done.set_result(vector)
        return done, None
    return _EMBEDDING.submit(_embed, model, key), None


def _embed(model: Embedder, key: tuple[str, str]) -> np.ndarray:
    vector: np.ndarray = model.embed([key[1]])[0]
    with _lock:
        if len(_vectors) >= REMEMBERED:
            _vectors.pop(next(iter(_vectors)))
        _vectors[key] = vector
    return vector


def forget_query_vectors() -> None:
    """Drop the remembered query vectors (for measuring what a new query costs)."""
    with _lock:
        _vectors.clear()
