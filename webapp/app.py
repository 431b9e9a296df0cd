"""The Flask app: search pages, talk pages with the player, and a JSON API.

`create_app()` follows Flask's application-factory pattern: defaults first,
then `TALKSEEK_*` environment settings, then a test config when given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from indexer.core.youtube import watch_url
from indexer.search import MAX_PER_PAGE, PER_PAGE
from webapp import api, engine_cache, errors, pages, security


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A configured app serving the index of the data folder DATA_DIR with ENGINE."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA_DIR=os.environ.get("TALKSEEK_DATA", "data"),
        ENGINE=os.environ.get("TALKSEEK_ENGINE"),  # None: the data folder's settings choose
        MAX_QUERY_LENGTH=500,
        MAX_PAGE=1000,
        PER_PAGE=PER_PAGE,
        MAX_PER_PAGE=MAX_PER_PAGE,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config is not None:
        app.config.update(test_config)
    app.config["DATA_DIR"] = Path(app.config["DATA_DIR"])
    app.json.sort_keys = False  # type: ignore[attr-defined]  # results keep search's order
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    app.jinja_env.globals["watch_url"] = watch_url
    engine_cache.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app
