"""`talkseek serve` with several workers: all answer, a dead one is replaced, SIGTERM stops all."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.http_load import _process_tree, ready_url, start_server, stop_server
from indexer.engines.whoosh import generations
from webapp.serving import LOOP_SECONDS, Loads, say

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


def _open_files(pid: int) -> list[str]:
    links = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile
            links.append(os.readlink(fd))
    return links


def _has_opened_the_index(pid: int) -> bool:
    return any(link.endswith(".trm") for link in _open_files(pid))


def _sockets(pid: int) -> int:
    return sum(link.startswith("socket:") for link in _open_files(pid))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts sockets in /proc")
def test_kept_alive_connections_are_spread_over_the_workers(fixture_data: Path):
    server = start_server(fixture_data, threads=4, workers=2)
    connections = []
    try:
        pid = server.process.pid
        _wait_for(lambda: len(_workers(pid)) == 2)
        workers = _workers(pid)
        _wait_for(lambda: all(_has_opened_the_index(worker) for worker in workers))
        time.sleep(LOOP_SECONDS * 3)  # each has started its accept loop
        before = {worker: _sockets(worker) for worker in workers}
        host, port = server.url.split("//")[1].split(":")
        for _ in range(8):  # one at a time: without balancing, one worker may take most
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", "/api/search?q=nanosecond")
            assert connection.getresponse().read()
            connections.append(connection)
        held = {worker: _sockets(worker) - before[worker] for worker in workers}
        assert sorted(held.values()) == [4, 4]
    finally:
        for connection in connections:
            connection.close()
        stop_server(server)


def test_a_worker_accepts_only_while_no_ready_worker_holds_fewer_connections():
    loads = Loads(3)
    assert loads.may_accept(0, 5)  # the others are not serving yet
    assert loads.may_accept(1, 2)
    assert not loads.may_accept(0, 5)
    assert loads.may_accept(2, 2)  # a tie: both may accept
    assert loads.may_accept(1, 2)
    loads.slots[1] = Loads.NOT_READY  # worker 1 died and is being replaced
    assert loads.may_accept(2, 2) and not loads.may_accept(0, 3)


def test_idle_connections_neither_block_searches_nor_stay_open(fixture_data: Path):
    """500 connections that send nothing: a search still answers at once, and the server
    closes them after a few seconds of silence."""
    from webapp.serving import IDLE_SECONDS

    server = start_server(fixture_data, threads=2, workers=2)
    host, port = server.url.removeprefix("http://").split(":")
    idle = []
    try:
        _wait_for(lambda: len(_workers(server.process.pid)) == 2)
        for _ in range(500):
            idle.append(socket.create_connection((host, int(port)), timeout=30))
        began = time.monotonic()
        with urllib.request.urlopen(f"{server.url}/api/search?q=nanosecond", timeout=8) as answer:
            assert json.loads(answer.read())["total"] >= 1
        assert time.monotonic() - began < 3
        time.sleep(IDLE_SECONDS + 3)
        closed = 0
        for sock in idle:
            sock.settimeout(0.5)
            with contextlib.suppress(TimeoutError, OSError):
                closed += sock.recv(1) == b""
        assert closed == len(idle)
    finally:
        for sock in idle:
            sock.close()
        stop_server(server)


def test_a_worker_writes_each_log_line_in_one_write(monkeypatch):
    """Workers share stderr; a line written in two parts (what `print` does when stderr is
    unbuffered) can run into another worker's line."""
    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    monkeypatch.setattr(sys, "stderr", Recording())
    say("talkseek: worker 12 ready (0.4 s)")
    assert writes == ["talkseek: worker 12 ready (0.4 s)\n"]


def test_two_ready_lines_run_together_still_count_as_two():
    log = ["talkseek: serving /data at http://127.0.0.1:5123/  (2 workers; Ctrl-C to stop)\n",
           "talkseek: worker 7 ready (0.9 s)talkseek: worker 8 ready (0.9 s)\n", "\n"]
    assert ready_url(iter(log)) == "http://127.0.0.1:5123"
    assert ready_url(iter(log[:1])) is None


def test_a_server_whose_workers_never_get_ready_is_stopped(fixture_data: Path, tmp_path):
    """A file of the index that blocks whoever opens it (a FIFO with no writer) holds the
    server before it is ready; the bench stops it rather than waiting forever."""
    data = tmp_path / "data"
    shutil.copytree(fixture_data, data)
    checksums = generations.current(data / "index") / "checksums.json"
    checksums.unlink()
    os.mkfifo(checksums)
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="stopped after 3 s"):
        start_server(data, workers=1, timeout=3)
    assert time.monotonic() - began < 30
