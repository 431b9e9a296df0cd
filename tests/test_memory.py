"""Freed memory goes back to the system after each response."""

from __future__ import annotations

import platform
import subprocess
import sys

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


def test_trimming_app_answers_as_before_and_releases_after_each_response(monkeypatch):
    released = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: released.append(True))

    def app(environ, start_response):
        return Response(f"hello {environ['PATH_INFO']}")(environ, start_response)

    client = Client(memory.trimming(app))
    for number, path in enumerate(("/a", "/b"), start=1):
        response = client.get(path)
        assert response.get_data(as_text=True) == f"hello {path}"
        response.close()  # what a WSGI server does once the response is sent
        assert len(released) == number
