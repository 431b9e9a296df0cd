"""A server worker's memory: freed memory handed back to the system between requests
(glibc; elsewhere no-ops), and the loaded index kept out of the garbage collector's way.

A search allocates and frees tens of MB of short-lived arrays and objects.
glibc keeps freed heap memory for reuse, in one arena per thread, so a server
worker's resident memory climbs towards its busiest moments times its threads
and stays there. Fewer arenas and a trim after each response keep a worker at
what it actually holds (about 35 MB less per worker on the benchmark corpus).

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
from collections.abc import Callable, Iterable

M_ARENA_MAX = -8  # glibc's mallopt parameter number

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


def trimming(app: Callable) -> Callable:
    """A WSGI app that releases free memory once each response has been sent."""

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        from werkzeug.wsgi import ClosingIterator

        return ClosingIterator(app(environ, start_response), [release_free_memory])

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
