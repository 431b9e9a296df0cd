"""`talkseek index --watch`: a change to the notes is indexed without being asked; the
index's own writes are not changes."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.cli import watch
from indexer.core.data_folder import DataFolder

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@contextmanager
def _watching(tmp_path, test_notes, monkeypatch, build_writes):
    """The test notes watched in a thread; each build runs `build_writes(data, number)`
    and is recorded. Yields the data folder, the builds (`first` each) and what was said;
    stops the watcher after."""
    monkeypatch.setattr(watch, "SETTLE", 0.05)
    shutil.copytree(test_notes, tmp_path / "notes")
    (tmp_path / "transcripts").mkdir()
    data = DataFolder(tmp_path)
    builds: list[bool] = []
    said: list[str] = []

    def build(first: bool) -> None:
        build_writes(data, len(builds))
        builds.append(first)

    stop = threading.Event()
    watcher = threading.Thread(target=watch.watch_notes,
                               args=(data, build, said.append, 0.02, stop))  # fmt: skip
    watcher.start()
    try:
        yield data, builds, said
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()


def test_each_change_is_built_once_and_a_builds_own_writes_are_none(tmp_path, test_notes,
                                                                     monkeypatch):  # fmt: skip
    def fetched(data: DataFolder, number: int) -> None:
        """What a build writes in transcripts/: a fetched transcript and its status."""
        (data.transcripts / f"fetched{number}.json").write_text("[]")
        (data.transcripts / f"fetched{number}.status.json").write_text("{}")

    with _watching(tmp_path, test_notes, monkeypatch, fetched) as (data, builds, said):
        _wait_for(lambda: len(builds) == 1 and said)
        time.sleep(0.3)
        assert builds == [True]  # its own transcript was no change
        notes = data.notes / "devcon-2024.md"
        notes.write_text(notes.read_text() + "\n* a bullet added while watching\n")
        _wait_for(lambda: len(builds) == 2)
        (data.transcripts / "dropped.vtt").write_text("WEBVTT\n")
        (data.notes / "new.md").write_text("## New\n* one\n")
        _wait_for(lambda: len(builds) == 3)
        time.sleep(0.3)
        assert builds == [True, False, False]
    changes = [line for line in said if line.endswith("indexing again")]
    assert changes == ["talkseek: devcon-2024.md changed; indexing again",
                       "talkseek: new.md, dropped.vtt changed; indexing again"]  # fmt: skip
    assert said[-1] == "talkseek: stopped watching"


def test_what_changed_names_added_changed_and_removed_files():
    before = {"a.md": (1, 10), "b.md": (1, 10), "c.md": (1, 10)}
    after = {"a.md": (1, 10), "b.md": (2, 10), "d.md": (1, 5)}
    assert watch.what_changed(before, after) == ["b.md", "c.md", "d.md"]
    assert watch.what_changed(before, dict(before)) == []


def test_after_a_build_its_json_is_seen_and_a_persons_captions_are_still_changes():
    before = {"a.json": (1, 10), "b.vtt": (1, 10), "c.srt": (1, 10)}
    after = {"a.json": (2, 10), "new.json": (1, 5), "b.vtt": (2, 10), "d.srt": (1, 5)}
    seen = watch.seen_after_build(before, after)
    assert seen == {"a.json": (2, 10), "new.json": (1, 5), "b.vtt": (1, 10), "c.srt": (1, 10)}
    assert watch.what_changed(seen, after) == ["b.vtt", "c.srt", "d.srt"]


def test_a_caption_file_dropped_in_while_a_build_runs_is_built_for_after_it(
    tmp_path, test_notes, monkeypatch
):
    def fetched_while_dropped(data: DataFolder, number: int) -> None:
        """The first build fetches a transcript while a person drops a caption file in."""
        if number == 0:
            (data.transcripts / "fetched.json").write_text("[]")
            (data.transcripts / "dropped.vtt").write_text("WEBVTT\n")

    watched = _watching(tmp_path, test_notes, monkeypatch, fetched_while_dropped)
    with watched as (_, builds, said):
        _wait_for(lambda: len(builds) == 2)
        time.sleep(0.3)
        assert builds == [True, False]
    assert [line for line in said if line.endswith("indexing again")] == [
        "talkseek: dropped.vtt changed; indexing again"]


def _interruptible() -> None:
    """In the child: Ctrl-C as at a terminal. A background job (`make test &`, some CI
    runners) starts with SIGINT ignored, and Python then never turns it into
    KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


@pytest.mark.parametrize("notes_first", [True, False], ids=["notes", "notes-later"])
def test_index_watch_indexes_an_edit_and_stops_on_ctrl_c(tmp_path, test_notes, notes_first):
    """As a user runs it: the first build (or, without notes yet, why there is none), an
    edit found by searching, Ctrl-C."""
    if notes_first:
        shutil.copytree(test_notes, tmp_path / "notes")
    env = {**os.environ, "TALKSEEK_MODEL": "off", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "indexer"]
    watching = subprocess.Popen([*command, "index", "--watch", "--offline", "--data", str(tmp_path)],
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                env=env, cwd=ROOT, preexec_fn=_interruptible)  # fmt: skip
    said: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(watching.stderr, said), daemon=True)
    reader.start()

    def wait_for_line(text: str) -> None:
        deadline = time.monotonic() + 90
        while True:
            line = said.get(timeout=max(deadline - time.monotonic(), 0.1))
            if text in line:
                return

    try:
        if not notes_first:
            wait_for_line("Error: no notes folder at")
        wait_for_line("for changes (Ctrl-C to stop)")
        if not notes_first:
            shutil.copytree(test_notes, tmp_path / "notes")
            wait_for_line("changed; indexing again")
            wait_for_line("watching for changes")
        notes = tmp_path / "notes" / "devcon-2024.md"
        notes.write_text(notes.read_text() + "\n* Zanzibar authorization explained\n")
        wait_for_line("devcon-2024.md changed; indexing again")
        wait_for_line("watching for changes")
        found = subprocess.run([*command, "search", "--json", "--data", str(tmp_path), "zanzibar"],
                               capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)  # fmt: skip
        assert json.loads(found.stdout)["total"] == 1, found.stderr
        watching.send_signal(signal.SIGINT)
        wait_for_line("stopped watching")
        assert watching.wait(30) == 0
    finally:
        if watching.poll() is None:
            watching.kill()
            watching.wait()
        reader.join(10)  # the stream ended with the process
        watching.stderr.close()


@pytest.mark.parametrize("missing", ["notes", "talks"])
def test_watching_starts_without_notes_and_builds_once_they_come(tmp_path, monkeypatch, missing):
    """A first build that fails (no notes yet) is said, and watching goes on."""
    monkeypatch.setattr(watch, "SETTLE", 0.05)
    if missing == "talks":
        (tmp_path / "notes").mkdir()
    data = DataFolder(tmp_path)
    builds: list[bool] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch.watch_notes,
                               args=(data, builds.append, lambda _: None, 0.02, stop))  # fmt: skip
    watcher.start()
    try:
        _wait_for(lambda: builds == [True])
        (tmp_path / "notes").mkdir(exist_ok=True)
        (tmp_path / "notes" / "first.md").write_text("## First\n* a note\n")
        _wait_for(lambda: builds == [True, False])
    finally:
        stop.set()
        watcher.join(10)
