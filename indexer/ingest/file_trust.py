"""Whether a file is unchanged since a cache recorded it, from its metadata alone.

The caches of parsed notes and of cut passages skip reading a file when its size,
modification time, inode and inode change time all match what they recorded. File
times are coarse, so a quick second write can keep all of them: a file modified
shortly before it was recorded is read again (the "racy" case version control
systems know well). A copy that keeps size and time (`cp -p`, `rsync -t`) is a new
inode or changes the inode's change time, which no tool sets back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

#: A file modified this close to when it was recorded is read again, not trusted.
RACY_NS = 2_000_000_000


def signature(status: os.stat_result) -> dict[str, int]:
    """What to record of a file just read (`status` taken before reading it)."""
    return {
        "size": status.st_size,
        "mtime_ns": status.st_mtime_ns,
        "ctime_ns": status.st_ctime_ns,
        "inode": status.st_ino,
        "recorded_ns": time.time_ns(),
    }


def unchanged(status: os.stat_result, recorded: Mapping[str, object]) -> bool:
    """True when the file `status` describes is the one recorded, content included."""
    recorded_ns = recorded.get("recorded_ns")
    return (
        isinstance(recorded_ns, int)
        and status.st_size == recorded.get("size")
        and status.st_mtime_ns == recorded.get("mtime_ns")
        and status.st_mtime_ns < recorded_ns - RACY_NS
        and status.st_ino == recorded.get("inode")
        and status.st_ctime_ns == recorded.get("ctime_ns")
    )
