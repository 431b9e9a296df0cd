"""Worker processes that never outlive the process that started them.

A build forks helpers (Whoosh's writer processes, pools that cut passages and
export posting arrays). Forked children inherit every open file, the build lock
included: a build killed with SIGKILL would leave its helpers running and the
lock held, so every later build would be refused. Helpers call `start_worker()`
first: they drop the files the parent marked as its own and ask the kernel to
kill them when the parent dies (Linux; elsewhere they at least drop the lock).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # Linux prctl option

#: Descriptors only the parent may hold (its build lock), closed in every worker.
_parent_only: set[int] = set()


def parent_only(fd: int) -> None:
    """Mark a descriptor (a lock) that forked workers must close."""
    _parent_only.add(fd)


def released(fd: int) -> None:
    _parent_only.discard(fd)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def start_worker(parent: int | None = None) -> None:
    """Call first in a worker: close the parent's lock, and die when the parent dies.

    `parent` is the pid of the process that started this one; if it is already
    gone (it died before the kernel was asked), the worker ends at once.
    """
    for fd in list(_parent_only):
        with contextlib.suppress(OSError):
            os.close(fd)
    _parent_only.clear()
    _die_with_parent()
    if parent is not None and os.getppid() != parent:
        os._exit(1)
