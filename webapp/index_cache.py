"""The open index for a request: kept per thread, reopened when a rebuild lands.

Opening an index generation and loading its talk records costs far more than
a search, so each server thread keeps one `TalkIndex`. Every request reads the
small CURRENT pointer; when a build has published a new generation the thread
opens that one instead, so a rebuilt index is served without a restart.
Whoosh searchers are not shared between threads.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from indexer import generations
from indexer.collect import DataFolder
from indexer.search import IndexMissing, TalkIndex


class IndexCache:
    """One `TalkIndex` per thread, always on the current generation."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._local = threading.local()

    def get(self) -> TalkIndex:
        """The current generation's index; IndexMissing when none was built yet."""
        folder = generations.current(self.index_dir)
        held: TalkIndex | None = getattr(self._local, "index", None)
        if held is not None and held.folder == folder:
            return held
        if folder is None:
            raise IndexMissing(f"no index in {self.index_dir}: run `talkseek index` first")
        if held is not None:
            held.close()
            self._local.index = None
        self._local.index = TalkIndex(self.index_dir)
        return self._local.index


def init_app(app: Flask) -> None:
    app.extensions["talkseek_index"] = IndexCache(DataFolder(app.config["DATA_DIR"]).index)


def get_index() -> TalkIndex:
    """The index for this request (see IndexCache)."""
    cache: IndexCache = current_app.extensions["talkseek_index"]
    return cache.get()
