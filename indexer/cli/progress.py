"""Progress of a long `talkseek index`: a live bar on a terminal, plain lines in a log.

A bar redrawn in place means nothing in a file or a pipe, and prints nothing
there at all; with output redirected, a line every tenth of the work or every
ten seconds (whichever comes first) says how far the run is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: Plain progress says how far along a stage is at least this often.
LINE_SHARE = 0.1
LINE_SECONDS = 10.0


class Reporter(Protocol):
    def stage(self, label: str, total: int) -> None:
        """A new stage of `total` steps begins."""

    def update(self, done: int, note: str = "") -> None:
        """`done` steps of the stage are done."""


class _Bar:
    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("", total=0)
        self.label = ""

    def stage(self, label: str, total: int) -> None:
        self.label = label
        self.bar.update(self.task, completed=0, total=total, description=escape(label))

    def update(self, done: int, note: str = "") -> None:
        self.bar.update(self.task, completed=done, description=escape(note or self.label))


class Lines:
    """Progress as lines: `talkseek: indexing talks 120/2800 (4%), 0:00:12`, and the
    stage's last note (an embedding's rate and time left)."""

    def __init__(self, write: Callable[[str], object], clock: Callable[[], float] = time.monotonic):
        self.write = write
        self.clock = clock
        self.began = clock()
        self.label, self.total = "", 0
        self.shown_share, self.shown_at = 0.0, self.began
        self.finished = False

    def stage(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.shown_share, self.shown_at = 0.0, self.clock()
        self.finished = False

    def update(self, done: int, note: str = "") -> None:
        share = done / self.total if self.total else 1.0
        now = self.clock()
        due = share - self.shown_share >= LINE_SHARE or now - self.shown_at >= LINE_SECONDS
        if self.finished or not (due or done >= self.total):
            return
        self.finished = done >= self.total
        self.shown_share, self.shown_at = share, now
        elapsed = int(now - self.began)
        clock = f"{elapsed // 3600}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}"
        line = f"talkseek: {self.label} {done}/{self.total} ({share:.0%}), {clock}"
        self.write(f"{line}; {note}" if note else line)


@contextmanager
def progress(console: Console) -> Iterator[Reporter]:
    """A bar on a terminal, lines otherwise (output redirected to a file, a pipe, a log)."""
    if not console.is_terminal:
        yield Lines(lambda line: console.print(line, markup=False, highlight=False,
                                               soft_wrap=True))  # fmt: skip
        return
    columns = (TextColumn("[bold]talkseek"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.description}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        yield _Bar(bar)
