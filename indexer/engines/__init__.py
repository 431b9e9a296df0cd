"""Engines: where talks, notes and passages are stored, matched and ranked.

Callers name an engine and use it only through the `Engine` protocol
(`engines.protocol`); `open_engine` is the one place that knows which engines exist.
"""

from __future__ import annotations

from indexer.core.data_folder import DataFolder
from indexer.core.settings import DEFAULT_ENGINE, Settings, load_settings
from indexer.engines.protocol import NOT_BUILT, Engine, IndexMissing

ENGINES = ("whoosh", "typesense")

__all__ = ["DEFAULT_ENGINE", "ENGINES", "UnknownEngine", "open_engine", "why_unserved"]


class UnknownEngine(ValueError):
    """An engine name talkseek does not have."""


def open_engine(folder: DataFolder, name: str | None = None,
                settings: Settings | None = None) -> Engine:  # fmt: skip
    """The engine over a data folder: `name`, else the one its settings choose
    (cheap: nothing is read or contacted until it is used)."""
    settings = settings or load_settings(folder.root, name)
    chosen = name or settings.engine
    if chosen == "whoosh":
        from indexer.engines.whoosh import WhooshEngine

        return WhooshEngine(folder.index)
    if chosen == "typesense":
        from indexer.engines.typesense import TypesenseEngine

        return TypesenseEngine(settings.typesense, folder.index)
    raise UnknownEngine(f"unknown engine {chosen!r}: choose one of {', '.join(ENGINES)}")


def why_unserved(engine: Engine) -> str:
    """Why an engine that publishes no generation serves nothing, in its own words: none
    built yet, or one made by another version of talkseek (which a build replaces).
    Engine errors (a cluster away) are raised, not described."""
    try:
        engine.generation()
    except IndexMissing as missing:
        return str(missing)
    return NOT_BUILT  # published just now: the next search is served
