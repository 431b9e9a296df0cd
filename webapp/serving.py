"""`talkseek serve`: waitress, in one process or in several sharing one socket.

A search is CPU-bound Python, so one process answers on one core however
many threads it has. With `workers` above one, the parent opens the listening
socket and forks that many waitress processes that accept on it (Linux and
macOS); each opens the index itself. The parent only watches: a worker that
dies is replaced, and Ctrl-C or SIGTERM stops them all.

Connections are kept alive, so whichever worker happens to accept them keeps
them: four clients could all land on one worker while another idles (half the
throughput, twice the latency). Workers publish how many connections they hold
in a small shared table, and a worker accepts only while no other holds fewer
(the least-connections rule of load balancers). Connections that stay silent
count for nothing and are closed after a few seconds, so hundreds of idle
sockets neither fill a worker nor stall the others.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import Callable

from waitress import create_server

from webapp import memory

RESPAWN_LIMIT = 5  # workers dying this many times within RESPAWN_WINDOW: give up
#: A connection silent this long (no request, or idle between kept-alive requests) is
#: closed: idle sockets cost a slot each, and an attacker can open hundreds for free.
IDLE_SECONDS = 5
#: A connection this young counts as load before it has sent anything.
FRESH_SECONDS = 0.05
#: Open connections each worker holds at most (waitress's default is 100).
CONNECTIONS = 2000
RESPAWN_WINDOW = 60.0
#: How often an idle worker looks again at the others' loads (seconds).
LOOP_SECONDS = 0.02


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


def run(make_app: Callable[[], Callable], sock: socket.socket, threads: int, workers: int) -> None:
    """Serve until interrupted: in this process, or in `workers` forked ones."""
    _allow_open_files(CONNECTIONS + 100)
    if workers <= 1 or not hasattr(os, "fork"):
        _serve(make_app, sock, threads)
        return
    _Supervisor(make_app, sock, threads, workers).run()


def _load(channels: dict) -> int:
    """Connections that count towards a worker's load: those that have sent something,
    and new ones (a client sends its request right after connecting). A connection
    that never speaks is no load, and must not slow accepting the ones that do."""
    now = time.time()
    return sum(
        1 for channel in channels.values()
        if channel.last_activity > channel.creation_time
        or now - channel.creation_time < FRESH_SECONDS
    )  # fmt: skip


def _allow_open_files(wanted: int) -> None:
    """Raise the open-file limit towards `wanted` (each connection is a file)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class Loads:
    """Open connections per worker, in memory shared across fork().

    A slot reads NOT_READY until its worker serves, so the others take all
    connections while a worker starts or is being replaced.
    """

    NOT_READY = 2**31 - 1

    def __init__(self, workers: int) -> None:
        self._memory = mmap.mmap(-1, 4 * workers)  # anonymous and shared with children
        self.slots = memoryview(self._memory).cast("i")
        for slot in range(workers):
            self.slots[slot] = self.NOT_READY

    def may_accept(self, slot: int, connections: int) -> bool:
        """Record this worker's connections; True unless another worker holds fewer."""
        self.slots[slot] = connections
        return connections <= min(self.slots)


def say(line: str) -> None:
    """One line on stderr in one write: workers share the stream, and `print` writes the
    line and its end apart (two writes when stderr is unbuffered), so two workers' lines
    could run together."""
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


def _serve(
    make_app: Callable[[], Callable],
    sock: socket.socket,
    threads: int,
    balance: tuple[Loads, int] | None = None,
) -> None:
    memory.limit_arenas()
    began = time.monotonic()
    app = make_app()
    memory.release_free_memory()  # what opening the index needed only for a moment
    say(f"talkseek: worker {os.getpid()} ready ({time.monotonic() - began:.1f} s)")
    server = create_server(
        memory.trimming(app), sockets=[sock], threads=threads, ident="talkseek",
        connection_limit=CONNECTIONS, channel_timeout=IDLE_SECONDS, cleanup_interval=1,
        asyncore_use_poll=True,  # select() cannot watch more than 1024 sockets
    )  # fmt: skip
    if balance is not None:
        loads, slot = balance
        accepting = server.readable  # waitress's own rule (its connection limit)
        # waitress reads this option as whole seconds; its loop takes a fraction
        server.adj.asyncore_loop_timeout = LOOP_SECONDS

        def readable() -> bool:
            return accepting() and loads.may_accept(slot, _load(server.active_channels))

        server.readable = readable
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
        self.children: dict[int, int] = {}  # pid -> slot in loads
        self.loads = Loads(workers)
        self.stopping = False
        self.deaths: list[float] = []

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for slot in range(self.workers):
                self._spawn(slot)
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
                slot = self.children.pop(pid, -1)
                if not self.stopping and slot >= 0:
                    self._replace(pid, status, slot)
        finally:
            self._stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _spawn(self, slot: int) -> None:
        self.loads.slots[slot] = Loads.NOT_READY
        pid = os.fork()
        if pid == 0:  # the worker: serve until told to stop
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
                signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
                _serve(self.make_app, self.sock, self.threads, (self.loads, slot))
            except BaseException as error:  # reported by the parent's log line too
                say(f"talkseek: worker {os.getpid()} failed: {error}")
                code = 1
            finally:
                os._exit(code)
        self.children[pid] = slot

    def _replace(self, pid: int, status: int, slot: int) -> None:
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESPAWN_WINDOW] + [now]
        reason = os.waitstatus_to_exitcode(status)
        say(f"talkseek: worker {pid} exited ({reason}); starting another")
        if len(self.deaths) >= RESPAWN_LIMIT:
            self._stop()
            raise ServeError(f"workers keep dying ({len(self.deaths)} in a minute): stopping")
        self._spawn(slot)

    def _stop(self, *_: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.pop(pid, None)
