"""Serve a Flask app with waitress on a free loopback port for tests, and stop it cleanly.

Closing waitress's sockets from the test's thread races its select loop (a closed
descriptor makes select raise in the server thread), so the stop runs inside the
loop: a trigger thunk closes the listening socket and every open connection, the
loop's map empties and `run()` returns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask


@contextmanager
def served(app: Flask, threads: int = 4) -> Iterator[str]:
    """The app's base URL while the block runs, served as `talkseek serve` serves it."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress-loop", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:

        def close_everything() -> None:
            for dispatcher in list(server._map.values()):
                dispatcher.close()

        server.trigger.pull_trigger(close_everything)
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
        assert not thread.is_alive(), "waitress did not stop within 10 s"
