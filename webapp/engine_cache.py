"""The open engine for a request: one per server process, reopened when a rebuild lands.

Opening an index generation and loading its talk records and document table
takes about a second on a large index, far more than a search, so the server
keeps one engine open. Every request asks the engine which generation is
published (cheap); when a build has published a new one, a background thread
opens and warms it while requests keep being answered from the previous one
(still readable: engines keep the previous generation), then the new one
takes over.

Requests share the one engine at once (an engine guards what it cannot share),
so a slow search does not make the others queue behind it; one open engine
instead of one per thread keeps memory flat. An engine replaced by a newer
generation is closed when the last request using it is done.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from flask import Flask, current_app

from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine, why_unserved
from indexer.engines.protocol import Engine, EngineUnavailable, IndexDamaged, IndexMissing
from indexer.search import warm as warm_search
from webapp.memory import settle_heap, unsettle_heap


class EngineCache:
    """One engine on the current generation, used by one request at a time."""

    def __init__(self, folder: DataFolder, engine_name: str | None) -> None:
        self.folder = folder
        self.engine_name = engine_name
        self._lock = threading.Lock()  # guards the fields below, never held during a search
        self._engine: Engine | None = None
        self._users: dict[int, int] = {}  # id(engine) -> requests using it
        self._retired: dict[int, Engine] = {}  # replaced engines still in use
        self._loading: str | None = None  # a generation being opened in the background
        self._unusable: set[str] = set()  # published generations found damaged
        self._latest = open_engine(folder, engine_name)  # asked which generation is published

    def _opened(self) -> Engine:
        """An engine with what every search needs already loaded."""
        engine = open_engine(self.folder, self.engine_name)
        try:
            warm_search(engine)
        except BaseException:
            engine.close()
            raise
        return engine

    def _why_missing(self) -> str:
        """What opening says when nothing is served (`why_unserved`), on an engine of its
        own: the engine asking which generation is published stays unopened."""
        probe = open_engine(self.folder, self.engine_name)
        try:
            return why_unserved(probe)
        finally:
            probe.close()

    @contextmanager
    def current(self) -> Iterator[Engine]:
        """The current generation's engine; IndexMissing when none was built yet."""
        with self._lock:
            latest = self._latest.latest_generation()
            if latest is None:
                raise IndexMissing(self._why_missing())
            if self._engine is None:
                self._engine = self._opened()
                if self._engine.generation() != latest:
                    self._unusable.add(latest)  # damaged: an earlier one is served
            elif (self._engine.generation() != latest and self._loading != latest
                  and latest not in self._unusable):  # fmt: skip
                self._loading = latest
                threading.Thread(target=self._load, args=(latest,), daemon=True).start()
            engine = self._engine
            self._users[id(engine)] = self._users.get(id(engine), 0) + 1
        try:
            yield engine
        finally:
            with self._lock:
                self._release(engine)

    def _release(self, engine: Engine) -> None:
        """One request done with `engine` (call holding the lock)."""
        key = id(engine)
        self._users[key] -= 1
        if not self._users[key]:
            del self._users[key]
            if self._retired.pop(key, None) is not None:
                _close(engine)

    def _retire(self, engine: Engine) -> None:
        """Close a replaced engine now, or when its last request ends (holding the lock)."""
        if self._users.get(id(engine)):
            self._retired[id(engine)] = engine
        else:
            _close(engine)

    def _load(self, latest: str) -> None:
        """Open the current generation and swap it in (if it is intact)."""
        try:
            fresh: Engine | None = self._opened()
        except IndexDamaged:
            fresh = None
            self._unusable.add(latest)
        except (IndexMissing, EngineUnavailable, OSError, ValueError):
            fresh = None  # replaced again meanwhile, or unreadable: the next request retries
        with self._lock:
            self._loading = None
            if fresh is not None and fresh.generation() != latest:
                self._unusable.add(latest)  # it fell back to one we may already serve
            if fresh is None:
                return
            if self._engine is not None:
                self._retire(self._engine)
            self._engine = fresh
        settle_heap()  # in this background thread, not in a request

    def warm(self) -> None:
        """Open the engine now (if there is an index), so the first request does not wait."""
        try:
            with self.current():
                pass
        except (IndexMissing, IndexDamaged, EngineUnavailable):
            pass  # requests answer 503 with the reason until a build (or the cluster) mends it

    def close(self) -> None:
        """Close the open engine (its files); the next request opens it again."""
        with self._lock:
            if self._engine is not None:
                self._retire(self._engine)
                self._engine = None


def _close(engine: Engine) -> None:
    """Close an engine and let the garbage collector reach what it held again."""
    engine.close()
    unsettle_heap()


def init_app(app: Flask) -> None:
    folder = DataFolder(app.config["DATA_DIR"])
    app.extensions["talkseek_engine"] = EngineCache(folder, app.config["ENGINE"])


def warm_engine(app: Flask) -> None:
    """Open an app's engine before it serves (a server worker starting up)."""
    app.extensions["talkseek_engine"].warm()


def close_engine(app: Flask) -> None:
    """Close the engine an app holds open (when the app is done serving)."""
    app.extensions["talkseek_engine"].close()


def using_engine() -> AbstractContextManager[Engine]:
    """`with using_engine() as engine:` the engine for this request (see EngineCache)."""
    cache: EngineCache = current_app.extensions["talkseek_engine"]
    return cache.current()
