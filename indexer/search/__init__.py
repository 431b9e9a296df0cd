"""Search: the query language, planning against an engine, and the one result shaper.

`search()` and `talk_detail()` are what the CLI and the web app call; they
speak to an engine only through the `Engine` protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from indexer.core.analysis import load_stemmer
from indexer.core.talks import SAFE_ID
from indexer.engines.protocol import FIELD_WEIGHTS, MODES, SORTS, Budget, Engine, Filter, Plan
from indexer.search.highlight import Marks, mark
from indexer.search.meaning import query_vector
from indexer.search.plan import Planner
from indexer.search.results import search_json, talk_json

PER_PAGE = 10
MAX_PER_PAGE = 50
#: What one search may cost: past it, the engine answers with what it found, marked partial.
SEARCH_SECONDS = 0.15
#: How queries are answered unless asked otherwise (keyword when the index has no vectors).
DEFAULT_MODE = "hybrid"


def warm(engine: Engine) -> None:
    """Load what searching needs and loads on first use: the engine's tables and the
    stemmer that analyses queries."""
    engine.warm()
    load_stemmer()


def search(
    engine: Engine,
    text: str,
    page: int = 1,
    per_page: int = PER_PAGE,
    sort: str = "relevance",
    mode: str = DEFAULT_MODE,
) -> dict:
    """The result structure shared by `talkseek search --json` and the JSON API.

    `mode` asks for keyword, meaning or hybrid search; the answer says which it got
    (keyword when the index has no vectors, or the query has no plain words to embed).
    Never raises on user input; IndexMissing when the engine has no index.
    """
    page = max(int(page), 1)
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    warm(engine)  # loading what was left for first use is not searching: outside the budget
    planned = Planner(engine).plan(text or "")
    plan = replace(planned.plan, sort=sort if sort in SORTS else "relevance")
    plan, notices = _with_meaning(engine, plan, planned.meaning_text, mode)
    budget = Budget(SEARCH_SECONDS)
    matches = engine.search(plan, (page - 1) * per_page, page * per_page, budget)
    matches.notices[:0] = planned.query.notices + notices
    if matches.total == 0 and planned.suggestion and not matches.partial:
        # the closest words were searched already: a link to them would find nothing again
        matches.notices.append(f"a word is in no talk as typed, and “{planned.suggestion}”, the "
                               "closest spelling the talks have, finds nothing either")
        planned = replace(planned, suggestion=None)
    if matches.total == 0:
        matches.notices.extend(_empty_filters(engine, plan, budget)
                               or _filters_apart(engine, plan, budget)
                               or _words_elsewhere(engine, plan, budget)
                               or _words_out_of_scope(engine, plan, planned.query.scope, budget))
    return search_json(text, page, per_page, planned, matches, plan.sort, plan.mode)


def _empty_filters(engine: Engine, plan: Plan, budget: Budget) -> list[str]:
    """The filters that alone keep no talk (`year:2020` in an index without one)."""
    empty = [one for one in plan.filters
             if not one.negate and not engine.search(Plan(filters=(one,)), 0, 1, budget).total]
    return [f"no talk matches {_named(empty, 'or')}"] if empty else []


def _filters_apart(engine: Engine, plan: Plan, budget: Budget) -> list[str]:
    """When no talk passes the filters together though each alone keeps some (two
    speakers, two events): say so, since the words are not what found nothing."""
    if len(plan.filters) < 2 or engine.search(Plan(filters=plan.filters), 0, 1, budget).total:
        return []
    if not all(engine.search(Plan(filters=(one,)), 0, 1, budget).total for one in plan.filters):
        return []
    return [f"no talk matches {_named(plan.filters)} at once, though each alone finds talks "
            "(filters narrow each other)"]


def _words_elsewhere(engine: Engine, plan: Plan, budget: Budget) -> list[str]:
    """When the filters keep talks but none of those has the words, though other talks
    do: say so, since searching without the filters finds them."""
    if not plan.filters or not plan.groups:
        return []
    if not engine.search(Plan(filters=plan.filters), 0, 1, budget).total:
        return []
    elsewhere = engine.search(replace(plan, filters=()), 0, 1, budget).total
    if not elsewhere:
        return []
    talks = "1 other talk has" if elsewhere == 1 else f"{elsewhere:,} other talks have"
    return [f"no talk matching {_named(plan.filters)} has these words, though {talks} them "
            f"(search without the filter{'s' if len(plan.filters) > 1 else ''})"]


def _words_out_of_scope(engine: Engine, plan: Plan, scope: str | None,
                        budget: Budget) -> list[str]:  # fmt: skip
    """When a search in notes (or transcripts) alone finds nothing that the same search
    everywhere finds: say so, since leaving out `in:` finds those talks."""
    if scope is None or not plan.groups:
        return []
    elsewhere = engine.search(replace(plan, fields=tuple(FIELD_WEIGHTS)), 0, 1, budget).total
    if not elsewhere:
        return []
    talks = "1 talk has" if elsewhere == 1 else f"{elsewhere:,} talks have"
    where = "note" if scope == "notes" else "transcript"
    return [f"no {where} has these words, though {talks} them elsewhere (search without "
            f"in:{scope})"]


def _named(filters: Sequence[Filter], joined_by: str = "and") -> str:
    """Filters as typed: `speaker:hopper and -year:2023`."""
    named = [f"{'-' if one.negate else ''}{one.field}:{one.value}" for one in filters]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} {joined_by} {named[-1]}"


def _with_meaning(engine: Engine, plan: Plan, free_text: str, mode: str
                  ) -> tuple[Plan, list[str]]:  # fmt: skip
    """The plan with the query's vector when meaning is asked for and can be had."""
    mode = mode if mode in MODES else DEFAULT_MODE
    if mode == "keyword":
        return plan, []
    if not free_text.strip():  # only filters or phrases: exact syntax stays keyword
        said = ["only exact phrases and filters: answered by keywords"]
        return plan, said if mode == "meaning" else []
    info = engine.meaning()
    if info is None:
        asked = [] if mode == DEFAULT_MODE else [
            "this index has no meaning vectors (run `talkseek index` with a model): "
            "answered by keywords"]  # fmt: skip
        return plan, asked
    vector, reason = query_vector(info, free_text)
    if vector is None:
        return plan, [f"{reason}; answered by keywords"] if reason else []
    return replace(plan, mode=mode, vector=vector), []


def talk_detail(engine: Engine, talk_id: str, marks: Marks | None = None) -> dict | None:
    """A talk with all its notes and passages, or None for an unknown (or malformed) id;
    with `marks` (`query_marks`), each note and passage also as HTML with them marked."""
    if not SAFE_ID.fullmatch(talk_id or ""):
        return None
    content = engine.talk(talk_id)
    if content is None:
        return None
    detail = talk_json(content)
    if marks is not None:
        for item in (*detail["notes"], *detail["passages"]):
            item["html"] = mark(item["text"], marks)
    return detail


def query_marks(engine: Engine, text: str) -> Marks | None:
    """What a search for `text` marks in what it finds (its words as searched: stems,
    corrections, prefixes as expanded, phrases whole); None when it has nothing to mark."""
    if not (text or "").strip():
        return None
    warm(engine)
    marks = Planner(engine).plan(text).marks
    return marks if marks.words or marks.phrases else None
