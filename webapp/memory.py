"""A server worker's memory: freed memory handed back to the system between requests
(glibc; elsewhere no-ops), and the loaded index kept out of the garbage collector's way.

A search allocates and frees tens of MB of short-lived arrays and objects.
glibc keeps freed heap memory for reuse, in one arena per thread, so a server
worker's resident memory climbs towards its busiest moments times its threads
and stays there. Fewer arenas, and a trim once a worker falls idle, keep it at
what it actually holds. Trimming after every response instead made the next one
fault its pages in again: a tenth or more of each request's time under load.

Python's collector now and then walks every object it tracks, with every thread
stopped; a worker's open index (talk records, vocabularies, caches) makes that
walk long enough to stall the searches running meanwhile. What a worker loads to
serve stays until the index is replaced, so it is frozen out of those walks
(`settle_heap`) and given back to them when the index is closed (`unsettle_heap`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable, Iterable

M_ARENA_MAX = -8  # glibc's mallopt parameter number
#: Free memory is handed back at most this often, once no request is in flight.
TRIM_SECONDS = 1.0

_libc = None
try:
    _found = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if hasattr(_found, "malloc_trim") and hasattr(_found, "mallopt"):
        _libc = _found
except OSError:  # not glibc (macOS, musl without the calls): nothing to tune
    pass


def limit_arenas(count: int = 2) -> None:
    """Let threads share `count` malloc arenas (call before starting threads)."""
    if _libc is not None:
        _libc.mallopt(M_ARENA_MAX, count)


def release_free_memory() -> None:
    """Return free heap pages to the system (well under a millisecond)."""
    if _libc is not None:
        _libc.malloc_trim(0)


class IdleTrimmer:
    """Releases free memory when the last request in flight ends, at most every `seconds`;
    a release that comes due while requests run waits for the last of them (a timer
    covers the end of a burst, so an idle worker is always trimmed)."""

    def __init__(self, release: Callable[[], None] | None = None,
                 seconds: float = TRIM_SECONDS) -> None:  # fmt: skip
        self.release = release or (lambda: release_free_memory())
        self.seconds = seconds
        self.lock = threading.Lock()
        self.in_flight = 0
        self.served = False  # requests ended since the last release
        self.last = -float("inf")
        self.timer: threading.Timer | None = None

    def started(self) -> None:
        with self.lock:
            self.in_flight += 1

    def finished(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.served = True
        self._release_if_due()

    def _on_timer(self) -> None:
        with self.lock:
            self.timer = None
        self._release_if_due()

    def _release_if_due(self) -> None:
        with self.lock:
            due = self._due()
        if due:  # outside the lock: requests starting meanwhile need not wait
            self.release()

    def _due(self) -> bool:
        """True (and the release recorded) when memory should be released now; otherwise,
        once idle, a timer asks again when it will be due. The lock is held."""
        now = time.monotonic()
        if self.in_flight or not self.served:
            return False
        if now - self.last < self.seconds:
            if self.timer is None:
                self.timer = threading.Timer(self.last + self.seconds - now, self._on_timer)
                self.timer.daemon = True
                self.timer.start()
            return False
        self.last, self.served = now, False
        return True


def trimming(app: Callable, seconds: float = TRIM_SECONDS) -> Callable:
    """A WSGI app that releases free memory once the worker is idle (`IdleTrimmer`)."""
    trimmer = IdleTrimmer(seconds=seconds)

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        from werkzeug.wsgi import ClosingIterator

        trimmer.started()
        try:
            return ClosingIterator(app(environ, start_response), [trimmer.finished])
        except BaseException:
            trimmer.finished()
            raise

    return wrapped


def settle_heap() -> None:
    """Collect garbage, then freeze what is left: the collector skips it from now on.

    Garbage cycles among objects alive at this moment (a request in flight) stay
    uncollected until `unsettle_heap`: call it when little else is running."""
    gc.collect()
    gc.freeze()


def unsettle_heap() -> None:
    """Give frozen objects back to the collector (an index was closed: its cycles must
    be collectable)."""
    gc.unfreeze()
