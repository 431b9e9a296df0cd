"""The open index for a request: one per server, reopened when a rebuild lands.

Opening an index generation and loading its talk records and document table
takes about a second on a large index, far more than a search, so the server
keeps one `TalkIndex`. Every request reads the small CURRENT pointer; when a
build has published a new generation, a background thread opens and warms it
while requests keep being answered from the previous one (still on disk: the
last two generations are kept), then the new one takes over.

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


def _opened(index_dir: Path) -> TalkIndex:
    """An index with what every search needs already loaded."""
    index = TalkIndex(index_dir)
    index.table  # noqa: B018 - loads the talk records and the document table
    return index


class IndexCache:
    """One `TalkIndex` on the current generation, used by one request at a time."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._index: TalkIndex | None = None
        self._loading: Path | None = None  # a generation being opened in the background

    @contextmanager
    def current(self) -> Iterator[TalkIndex]:
        """The current generation's index; IndexMissing when none was built yet."""
        with self._lock:
            folder = generations.current(self.index_dir)
            if folder is None:
                raise IndexMissing(f"no index in {self.index_dir}: run `talkseek index` first")
            if self._index is None:
                self._index = _opened(self.index_dir)
            elif self._index.folder != folder and self._loading != folder:
                self._loading = folder
                threading.Thread(target=self._load, args=(folder,), daemon=True).start()
            yield self._index

    def _load(self, folder: Path) -> None:
        """Open the current generation (`folder`, or a newer one by now) and swap it in."""
        del folder  # named for the thread's purpose; the pointer is read again here
        try:
            fresh = _opened(self.index_dir)
        except (IndexMissing, OSError, ValueError):
            fresh = None  # replaced again meanwhile, or unreadable: the next request retries
        with self._lock:
            self._loading = None
            if fresh is None:
                return
            if self._index is not None:
                self._index.close()
            self._index = fresh

    def warm(self) -> None:
        """Open the index now (if there is one), so the first request does not wait."""
        try:
            with self.current():
                pass
        except IndexMissing:
            pass

    def close(self) -> None:
        """Close the open index (its files); the next request opens it again."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


def init_app(app: Flask) -> None:
    app.extensions["talkseek_index"] = IndexCache(DataFolder(app.config["DATA_DIR"]).index)


def warm_index(app: Flask) -> None:
    """Open an app's index before it serves (a server worker starting up)."""
    app.extensions["talkseek_index"].warm()


def close_index(app: Flask) -> None:
    """Close the index an app holds open (when the app is done serving)."""
    app.extensions["talkseek_index"].close()


def using_index():
    """`with using_index() as index:` the index for this request (see IndexCache)."""
    cache: IndexCache = current_app.extensions["talkseek_index"]
    return cache.current()
