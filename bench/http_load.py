"""`talkseek serve` in a child process, and clients that keep it busy for a while."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.queries import BenchQuery

_SERVING = re.compile(r"at (http://\S+)\s+\((\d+) worker")
_READY = re.compile(r"worker \d+ ready")
READY_SECONDS = 120.0


@dataclass
class Server:
    process: subprocess.Popen
    url: str

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes now, summed (Linux /proc).

        Pages the workers share (the mapped index) count once per process, so
        this overstates what they use together.
        """
        return round(sum(memory_kb(pid, "VmRSS") for pid in self.pids()) / 1024, 1)

    def pss_mb(self) -> float:
        """The same with each shared page split among the processes sharing it (Linux PSS):
        the memory the server's processes use together."""
        return round(sum(memory_kb(pid, "Pss", "smaps_rollup") for pid in self.pids()) / 1024, 1)

    def pids(self) -> list[int]:
        return _process_tree(self.process.pid)


def _process_tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid] + [p for child in children for p in _process_tree(int(child))]


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and its descendants (workers hold its log pipe open too)."""
    for each in reversed(_process_tree(pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(each, signal.SIGKILL)


def memory_kb(pid: int, field: str, table: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{table}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start_server(data: Path, threads: int = 4, workers: int | None = None,
                 timeout: float = READY_SECONDS) -> Server:  # fmt: skip
    """`talkseek serve` on a free port (with its default number of workers unless given),
    once every worker is ready: requests wait for none. A server not ready in `timeout`
    seconds is stopped, and this raises rather than waiting forever."""
    command = [sys.executable, "-m", "indexer", "serve", "--data", str(data), "--port", "0",
               "--threads", str(threads)]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    watchdog = threading.Timer(timeout, _kill_tree, args=(process.pid,))
    watchdog.start()
    try:
        url = ready_url(process.stderr)
    finally:
        watchdog.cancel()
    if url is None:
        process.stderr.close()
        code = process.wait()
        raise RuntimeError(f"talkseek serve exited with {code} before all its workers were ready"
                           + (f" (stopped after {timeout:.0f} s)" if code == -9 else ""))
    threading.Thread(target=_drain, args=(process.stderr,), daemon=True).start()
    return Server(process, url)


def ready_url(lines: Iterable[str]) -> str | None:
    """The address the server's log names, read until every worker has said it is ready
    (None when the log ends first). Counts every `ready` in a line, should two run together."""
    url, expected, ready = None, 0, 0
    for line in lines:
        found = _SERVING.search(line)
        if found:
            url, expected = found.group(1).rstrip("/"), int(found.group(2))
        ready += len(_READY.findall(line))
        if url is not None and ready >= expected:
            return url
    return None


def _drain(stream) -> None:
    """Read what the server writes until it exits, so it never blocks on a full pipe."""
    with stream:
        stream.read()


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@dataclass(frozen=True)
class Sample:
    """One request: when it started (perf_counter seconds), how long it took, and if it worked."""

    at: float
    ms: float
    ok: bool


def drive(url: str, queries: list[BenchQuery], clients: int, seconds: float,
          path: str = "/api/search") -> tuple[list[Sample], float]:  # fmt: skip
    """Each client asks the queries in turn for `seconds`; every request, and the time taken.

    A non-200 answer or a failed connection is an error; clients use keep-alive.
    """
    parts = urlsplit(url)
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def client(offset: int) -> None:
        connection = connect()
        number = offset
        while time.perf_counter() < deadline:
            query = queries[number % len(queries)]
            number += 1
            began = time.perf_counter()
            try:
                connection.request("GET", f"{path}?{urlencode({'q': query.text})}")
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = connect()
            sample = Sample(began, (time.perf_counter() - began) * 1000, ok)
            with lock:
                samples.append(sample)
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - began
