"""Whoosh's parallel writer, made to fail loudly instead of hanging or losing documents.

Whoosh's MpWriter hands batches of documents to worker processes through a
bounded queue. If a worker dies (a full disk, say), the parent blocks forever on
that queue, and a commit skips the dead worker's segment without a word. This
subclass checks its workers while it waits, reports a worker's error in one
line, and refuses to commit an index with documents missing.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable
from multiprocessing import Queue, SimpleQueue

from whoosh.multiproc import MpWriter, SubWriterTask

from indexer.core import workers
from indexer.engines.whoosh import compat

POLL_SECONDS = 0.5


class WorkerFailed(OSError):
    """A worker process stopped before it indexed all its documents."""


class _ReportingTask(SubWriterTask):
    """A worker that sends its error back in one line instead of printing a traceback."""

    errors: SimpleQueue | None = None  # written at once: the process ends right after
    parent: int | None = None
    waiting: Callable[[], None] | None = None  # the parent's own, set once started

    def join(self, timeout: float | None = None) -> None:
        """Wait as a process's join does; a wait for the end calls `waiting` every poll
        (a worker finishing its segment is most of a commit)."""
        if timeout is not None or self.waiting is None:
            super().join(timeout)
            return
        while True:
            super().join(POLL_SECONDS)
            if self.exitcode is not None:
                return
            self.waiting()

    def run(self) -> None:
        workers.start_worker(self.parent)
        try:
            compat.apply()  # a process started without fork() has not got the patches yet
            super().run()
        except BaseException as error:  # the parent reports it; this process just ends
            if self.errors is not None:
                self.errors.put(f"{type(error).__name__}: {error}")
            os._exit(1)


class _CheckedQueue:
    """The parent's side of the job queue: a put that notices dead workers."""

    def __init__(self, jobs: Queue, check: Callable[[], None]) -> None:
        self.jobs = jobs
        self.check = check

    def put(self, job, block: bool = True, timeout: float | None = None) -> None:
        while True:
            try:
                self.jobs.put(job, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self.check()

    def __getattr__(self, name: str):
        return getattr(self.jobs, name)


class CheckedMpWriter(MpWriter):
    """An MpWriter whose worker failures surface as WorkerFailed in the parent."""

    def __init__(self, ix, progress: Callable[[int, int], None] | None = None, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.progress = progress  # told (workers done, workers) while a commit waits
        self.committing = False  # (a process's exit joins its children too: not told then)
        self.errors: SimpleQueue = SimpleQueue()
        self.jobs: Queue = getattr(self, "jobqueue")  # noqa: B009 (workers read this one)
        self.jobqueue = _CheckedQueue(self.jobs, self.check_workers)

    def _new_task(self) -> SubWriterTask:
        task = _ReportingTask(self.storage, self.indexname, self.jobs, self.resultqueue,
                              self.subargs, self.multisegment)  # fmt: skip
        task.errors = self.errors
        task.parent = os.getpid()
        self.tasks.append(task)
        task.start()
        task.waiting = self._waiting  # after start: the worker never calls it
        return task

    def _waiting(self) -> None:
        if self.progress is not None and self.committing:
            done = sum(task.exitcode is not None for task in self.tasks)
            self.progress(done, len(self.tasks))

    def check_workers(self) -> None:
        """Raise WorkerFailed, with the worker's own error, if a worker has died."""
        dead = [task for task in self.tasks if task.exitcode not in (None, 0)]
        if dead:
            reason = self.errors.get() if not self.errors.empty() else f"exit {dead[0].exitcode}"
            raise WorkerFailed(f"an indexing process failed: {reason}")

    def commit(self, *args, **kwargs) -> None:
        self.committing = True
        try:
            super().commit(*args, **kwargs)
        finally:
            self.committing = False
        # Whoosh commits without the segments of workers that died; such an
        # index must not be published.
        self.check_workers()
        if self.progress is not None:
            self.progress(len(self.tasks), len(self.tasks))
