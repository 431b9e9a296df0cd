"""What a server worker loads before it accepts requests, so that no request waits for it.

Left to first use, whoever searched first after a worker started would wait for
the index to open, for the stemmer to import (nltk, the bulk of a worker's start)
and for the page templates to compile.
"""

from __future__ import annotations

from flask import Flask

from webapp.engine_cache import warm_engine
from webapp.memory import settle_heap


def prepare_worker(app: Flask) -> None:
    """Open the index and load what searching and rendering need; then freeze the loaded
    heap out of the garbage collector's full passes (`webapp.memory`)."""
    warm_engine(app)  # the index, and the stemmer queries are analysed with
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    settle_heap()
