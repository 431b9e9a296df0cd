"""Search: the query language, planning against an engine, and the one result shaper.

`search()` and `talk_detail()` are what the CLI and the web app call; they
speak to an engine only through the `Engine` protocol.
"""

from __future__ import annotations

from dataclasses import replace

from indexer.core.talks import SAFE_ID
from indexer.engines.protocol import SORTS, Budget, Engine
from indexer.search.plan import Planner
from indexer.search.results import search_json, talk_json

PER_PAGE = 10
MAX_PER_PAGE = 50
#: What one search may cost: past it, the engine answers with what it found, marked partial.
SEARCH_SECONDS = 0.15


def search(
    engine: Engine, text: str, page: int = 1, per_page: int = PER_PAGE, sort: str = "relevance"
) -> dict:
    """The result structure shared by `talkseek search --json` and the JSON API.

    Never raises on user input; IndexMissing when the engine has no index.
    """
    page = max(int(page), 1)
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    budget = Budget(SEARCH_SECONDS)
    planned = Planner(engine).plan(text or "")
    plan = replace(planned.plan, sort=sort if sort in SORTS else "relevance")
    matches = engine.search(plan, (page - 1) * per_page, page * per_page, budget)
    return search_json(text, page, per_page, planned, matches, plan.sort)


def talk_detail(engine: Engine, talk_id: str) -> dict | None:
    """A talk with all its notes and passages, or None for an unknown (or malformed) id."""
    if not SAFE_ID.fullmatch(talk_id or ""):
        return None
    content = engine.talk(talk_id)
    return talk_json(content) if content is not None else None
