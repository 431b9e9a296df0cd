"""`talkseek serve` with several workers: all answer, a dead one is replaced, SIGTERM stops all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.http_load import _process_tree, start_server, stop_server

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers need fork()")


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def _workers(pid: int) -> list[int]:
    return [p for p in _process_tree(pid) if p != pid]


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_workers_share_the_port_and_are_replaced(fixture_data: Path):
    server = start_server(fixture_data, threads=2, workers=2)
    try:
        pid = server.process.pid
        _wait_for(lambda: len(_workers(pid)) == 2)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(_get, [f"{server.url}/api/search?q=nanosecond"] * 40))
        assert {answer["total"] for answer in answers} == {answers[0]["total"]} != {0}

        first, second = _workers(pid)
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: first not in _workers(pid) and len(_workers(pid)) == 2)
        assert second in _workers(pid)
        assert _get(f"{server.url}/healthz")["talks"] > 0

        workers = _workers(pid)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
        _wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers))
    finally:
        if server.process.poll() is None:
            stop_server(server)


def test_a_taken_port_is_a_clear_error(fixture_data: Path):
    server = start_server(fixture_data, workers=1)
    try:
        port = server.url.rsplit(":", 1)[1]
        result = subprocess.run(
            [sys.executable, "-m", "indexer", "serve", "--data", str(fixture_data),
             "--port", port],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        stop_server(server)
