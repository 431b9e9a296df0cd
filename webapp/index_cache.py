"""The open index for a request: one per server, reopened when a rebuild lands.

Opening an index generation and loading its talk records costs far more than a
search, so the server keeps one `TalkIndex`. Every request reads the small
CURRENT pointer; when a build has published a new generation the index is
reopened there, so a rebuilt index is served without a restart.

Searches take turns on the one index: Whoosh searchers are not shared between
threads at once, and searching is CPU-bound Python, so threads would not run
them faster anyway; one open index instead of one per thread keeps memory flat.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app

from indexer import generations
from indexer.data_folder import DataFolder
from indexer.search import IndexMissing, TalkIndex


class IndexCache:
    """One `TalkIndex` on the current generation, used by one request at a time."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._index: TalkIndex | None = None

    @contextmanager
    def current(self) -> Iterator[TalkIndex]:
        """The current generation's index; IndexMissing when none was built yet."""
        with self._lock:
            folder = generations.current(self.index_dir)
            if self._index is not None and self._index.folder != folder:
                self._index.close()
                self._index = None
            if folder is None:
                raise IndexMissing(f"no index in {self.index_dir}: run `talkseek index` first")
            if self._index is None:
                self._index = TalkIndex(self.index_dir)
            yield self._index

    def close(self) -> None:
        """Close the open index (its files); the next request opens it again."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


def init_app(app: Flask) -> None:
    app.extensions["talkseek_index"] = IndexCache(DataFolder(app.config["DATA_DIR"]).index)


def close_index(app: Flask) -> None:
    """Close the index an app holds open (when the app is done serving)."""
    app.extensions["talkseek_index"].close()


def using_index():
    """`with using_index() as index:` the index for this request (see IndexCache)."""
    cache: IndexCache = current_app.extensions["talkseek_index"]
    return cache.current()
