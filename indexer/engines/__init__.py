"""Engines: where talks, notes and passages are stored, matched and ranked.

Callers name an engine and use it only through the `Engine` protocol
(`engines.protocol`); `open_engine` is the one place that knows which engines exist.
"""

from __future__ import annotations

from indexer.core.data_folder import DataFolder
from indexer.engines.protocol import Engine

ENGINES = ("whoosh",)
DEFAULT_ENGINE = "whoosh"


class UnknownEngine(ValueError):
    """An engine name talkseek does not have."""


def open_engine(folder: DataFolder, name: str = DEFAULT_ENGINE) -> Engine:
    """The named engine over a data folder (cheap: nothing is read until it is used)."""
    if name == "whoosh":
        from indexer.engines.whoosh import WhooshEngine

        return WhooshEngine(folder.index)
    raise UnknownEngine(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
