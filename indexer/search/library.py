"""The library: every talk indexed, filtered by event, speaker, section, year or what
needs fixing in the notes, sorted by date, title or speaker, a page at a time (`/talks`,
`/api/talks`).

Filters take the exact values the facets show, so a speaker's or an event's link
lists just their talks.
"""

from __future__ import annotations

import math
from collections import Counter

from indexer.engines.protocol import Engine
from indexer.search.results import talk_summary

FILTERS = ("event", "speaker", "section", "year", "problem")
#: What may need fixing about a talk, as the `problem` filter names it (the first that applies).
SAME_TRANSCRIPT = "same transcript as another talk"
TITLE_UNSAID = "transcript says none of the title"
NO_TRANSCRIPT = "no transcript"
SORTS = ("date", "title", "speaker")
PER_PAGE = 20
MAX_PER_PAGE = 100
FACET_VALUES = 30


def _value(summary: dict, name: str) -> str:
    if name == "year":
        return (summary.get("date") or "")[:4]
    if name == "problem":
        return problem(summary)
    return str(summary.get(name) or "")


def problem(summary: dict) -> str:
    """What may need fixing in a talk's notes or transcripts, or "" (a talk summary's)."""
    if summary.get("same_transcript_as"):
        return SAME_TRANSCRIPT
    if summary.get("title_unsaid"):
        return TITLE_UNSAID
    return NO_TRANSCRIPT if summary.get("transcript_missing") else ""


def _ordered(talks: list[dict], sort: str) -> list[dict]:
    """By title, speaker (those without one last) or date (newest first, undated last)."""
    talks = sorted(talks, key=lambda talk: talk["title"].casefold())
    if sort == "date":
        return sorted(talks, key=lambda talk: talk.get("date") or "", reverse=True)
    if sort == "speaker":
        return sorted(talks, key=lambda talk: (not talk["speaker"], talk["speaker"].casefold()))
    return talks


def browse(
    engine: Engine,
    filters: dict[str, str] | None = None,
    sort: str = "date",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> dict:
    """The `/api/talks` structure: the talks that pass every filter, in order, one page."""
    filters = {name: value for name, value in (filters or {}).items() if name in FILTERS and value}
    sort = sort if sort in SORTS else "date"
    talks = [talk_summary(record) for record in engine.records()]
    chosen = [talk for talk in talks
              if all(_value(talk, name) == value for name, value in filters.items())]  # fmt: skip
    chosen = _ordered(chosen, sort)
    page = max(int(page), 1)
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    facets = {}
    for name in FILTERS:
        counts = Counter(_value(talk, name) for talk in chosen)
        counts.pop("", None)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_VALUES]
        facets[name] = [{"value": value, "count": count} for value, count in ordered]
    return {
        "total": len(chosen),
        "page": page,
        "per_page": per_page,
        "pages": max(1, math.ceil(len(chosen) / per_page)),
        "sort": sort,
        "filters": filters,
        "facets": facets,
        "talks": chosen[(page - 1) * per_page : page * per_page],
    }

