"""`talkseek serve`: waitress, in one process or in several sharing one socket.

A search is CPU-bound Python, so one process answers on one core however
many threads it has. With `workers` above one, the parent opens the listening
socket and forks that many waitress processes that accept on it (Linux and
macOS); each opens the index itself. The parent only watches: a worker that
dies is replaced, and Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable

from waitress import create_server

from indexer import memory

RESPAWN_LIMIT = 5  # workers dying this many times within RESPAWN_WINDOW: give up
RESPAWN_WINDOW = 60.0


class ServeError(RuntimeError):
    """The server could not start or keep its workers alive."""


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (port 0 picks a free one)."""
    try:
        return socket.create_server((host, port), backlog=1024)
    except OSError as error:
        raise ServeError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; try another --port"
        ) from None


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}/"


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4)) if hasattr(os, "fork") else 1


def run(make_app: Callable[[], object], sock: socket.socket, threads: int, workers: int) -> None:
    """Serve until interrupted: in this process, or in `workers` forked ones."""
    if workers <= 1 or not hasattr(os, "fork"):
        _serve(make_app, sock, threads)
        return
    _Supervisor(make_app, sock, threads, workers).run()


def _serve(make_app: Callable[[], object], sock: socket.socket, threads: int) -> None:
    memory.limit_arenas()
    app = make_app()
    memory.release_free_memory()  # what opening the index needed only for a moment
    server = create_server(memory.trimming(app), sockets=[sock], threads=threads, ident="talkseek")
    try:
        server.run()
    finally:
        server.close()


class _Supervisor:
    def __init__(self, make_app, sock: socket.socket, threads: int, workers: int) -> None:
        self.make_app = make_app
        self.sock = sock
        self.threads = threads
        self.workers = workers
        self.children: set[int] = set()
        self.stopping = False
        self.deaths: list[float] = []

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for _ in range(self.workers):
                self._spawn()
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
                self.children.discard(pid)
                if not self.stopping:
                    self._replace(pid, status)
        finally:
            self._stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: serve until told to stop
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
                signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
                _serve(self.make_app, self.sock, self.threads)
            except BaseException as error:  # reported by the parent's log line too
                print(f"talkseek: worker {os.getpid()} failed: {error}", file=sys.stderr)
                code = 1
            finally:
                os._exit(code)
        self.children.add(pid)

    def _replace(self, pid: int, status: int) -> None:
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESPAWN_WINDOW] + [now]
        reason = os.waitstatus_to_exitcode(status)
        print(f"talkseek: worker {pid} exited ({reason}); starting another", file=sys.stderr)
        if len(self.deaths) >= RESPAWN_LIMIT:
            self._stop()
            raise ServeError(f"workers keep dying ({len(self.deaths)} in a minute): stopping")
        self._spawn()

    def _stop(self, *_: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.discard(pid)
