"""One build at a time per data folder, whatever the engine: a lock file in its index folder.

The lock is an open file's flock, so it is gone when the build's process is, however
it ends: a killed build never blocks the next one.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.core import workers
from indexer.engines.protocol import BuildLocked

LOCK = ".build.lock"


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock; a second build fails fast with BuildLocked."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(
                "another talkseek build is running on this index; wait for it to finish"
            ) from None
        workers.parent_only(handle.fileno())  # helpers forked by the build must not hold it
        try:
            yield
        finally:
            workers.released(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)
