"""Freed memory goes back to the system once a worker falls idle."""

from __future__ import annotations

import platform
import subprocess
import sys
import time

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from webapp import memory

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")

_FRAGMENTED_HEAP = """
import re
from webapp.memory import release_free_memory

def anon_mb():
    return int(re.search(r"RssAnon:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024

blocks = [bytearray(100_000) for _ in range(1500)]  # heap chunks, below mmap's threshold
pin = bytearray(100_000)  # holds the top of the heap, so free() alone cannot shrink it
held = anon_mb()
del blocks
freed = anon_mb()
release_free_memory()
print(held, freed, anon_mb())
"""


@glibc_only
def test_released_memory_leaves_the_process():
    result = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, check=True
    )
    held, freed, released = map(int, result.stdout.split())
    assert held - freed < 20  # glibc kept the freed chunks
    assert freed - released > 100  # the trim handed them back


def _wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_trimming_app_answers_as_before_and_releases_once_idle_at_most_every_interval(
    monkeypatch,
):
    released = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: released.append(time.monotonic()))

    def app(environ, start_response):
        return Response(f"hello {environ['PATH_INFO']}")(environ, start_response)

    client = Client(memory.trimming(app, seconds=0.3))
    began = time.monotonic()
    for number in range(40):  # a burst: one release at once, one when it is over
        response = client.get(f"/{number}")
        assert response.get_data(as_text=True) == f"hello /{number}"
        response.close()  # what a WSGI server does once the response is sent
    assert len(released) == 1
    _wait_for(lambda: len(released) == 2)
    assert len(released) == 2 and released[1] - released[0] >= 0.3
    assert released[1] - began < 3
    time.sleep(0.5)
    assert len(released) == 2  # idle since: nothing more to hand back


def test_no_release_while_another_request_is_in_flight():
    released = []
    trimmer = memory.IdleTrimmer(lambda: released.append(True), seconds=0.0)
    trimmer.started()
    trimmer.started()
    trimmer.finished()
    assert released == []  # a search still running would fault its memory in again
    trimmer.finished()
    assert released == [True]


def test_a_failing_request_still_counts_as_ended(monkeypatch):
    released = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: released.append(True))

    def broken(environ, start_response):
        raise RuntimeError("broken")

    wrapped = memory.trimming(broken, seconds=0.0)
    with pytest.raises(RuntimeError):
        wrapped({"PATH_INFO": "/"}, lambda *args: None)
    assert released == [True]
