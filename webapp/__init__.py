"""The talkseek web app (`webapp.app`) and its server (`webapp.serving`).

`create_app` loads the app's modules when it is called: `talkseek serve`'s
supervising process imports `webapp.serving` only, and stays small (its
workers are forked from it, so whatever it loads, each of them holds too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A configured app (see `webapp.app.create_app`)."""
    from webapp.app import create_app as create

    return create(test_config)
