"""Where a keyword search's time goes: planning the query, the engine's answer, and shaping
the page (highlighted moments, links), timed apart.

The steps are `indexer.search.search`'s for the first page in keyword mode, called one by
one (a test holds the shaped page to what `search` answers): a stage alone slower than
the baseline's whole search says no tuning of the others can close the gap.
"""

from __future__ import annotations

from dataclasses import replace
from time import perf_counter

from bench.queries import BenchQuery
from indexer.engines.protocol import Budget, Engine
from indexer.search import PER_PAGE, SEARCH_SECONDS, warm
from indexer.search.plan import Planner
from indexer.search.results import search_json

STAGES = ("plan", "engine", "shape")


def staged_search(engine: Engine, text: str) -> tuple[dict, dict[str, float]]:
    """The first page of results for `text`, and the milliseconds each stage took."""
    warm(engine)
    began = perf_counter()
    planned = Planner(engine).plan(text)
    plan = replace(planned.plan, sort="relevance", mode="keyword")
    planned_at = perf_counter()
    matches = engine.search(plan, 0, PER_PAGE, Budget(SEARCH_SECONDS))
    matches.notices[:0] = planned.query.notices
    searched_at = perf_counter()
    result = search_json(text, 1, PER_PAGE, planned, matches, plan.sort, plan.mode)
    shaped_at = perf_counter()
    spans = (began, planned_at, searched_at, shaped_at)
    return result, {stage: (spans[n + 1] - spans[n]) * 1000 for n, stage in enumerate(STAGES)}


def stage_timings(engine: Engine, queries: list[BenchQuery]) -> dict[str, dict[str, list[float]]]:
    """Per stage, per query class: the milliseconds of each query."""
    timings: dict[str, dict[str, list[float]]] = {stage: {} for stage in STAGES}
    for query in queries:
        _, took = staged_search(engine, query.text)
        for stage, ms in took.items():
            timings[stage].setdefault(query.kind, []).append(ms)
    return timings
