"""HTML pages: search results grouped by talk, and one talk with its player."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.exceptions import NotFound

from indexer.engines.protocol import MODES, SORTS
from indexer.search import query_marks, talk_detail
from indexer.search import search as run_search
from indexer.search.examples import examples
from indexer.search.highlight import mark_held
from indexer.search.library import FILTERS as LIBRARY_FILTERS
from indexer.search.library import PER_PAGE as LIBRARY_PER_PAGE
from indexer.search.library import SORTS as LIBRARY_SORTS
from indexer.search.library import browse
from indexer.search.results import clock, new_words
from webapp import params
from webapp.engine_cache import using_engine

bp = Blueprint("pages", __name__)

FACET_NAMES = {"event": "Event", "speaker": "Speaker", "section": "Section", "year": "Year"}
LIBRARY_FACET_NAMES = {**FACET_NAMES, "problem": "Needs attention"}
FACET_VALUES = 10
#: Times listed above a transcript where the search that led to the talk page is said;
#: the find box's arrows step through every mark.
SAID_AT_SHOWN = 12


@bp.app_template_filter("clock")
def clock_filter(seconds: float | None) -> str:
    return clock(seconds) or "0:00:00"


@bp.app_template_filter("count")
def count_filter(number: int) -> str:
    """A count as people read it: 2,801 talks, not 2801."""
    return f"{number:,}"


@bp.app_template_global()
def moment_anchor(video_id: str | None, start: float | None) -> str:
    """The id of the talk page's passage at a second, so a link opens the page there
    (with or without JavaScript)."""
    return f"at-{video_id}-{int(start or 0)}"


def filter_term(name: str, value: str) -> str:
    """The query text that keeps only talks with this facet value."""
    return f'{name}:"{" ".join(value.replace(chr(34), " ").split())}"'


def facet_links(query: str, facets: dict[str, list[dict]], keep: dict[str, Any]) -> list[dict]:
    """Facets as links that add (or, when active, remove) a filter from the query."""
    groups = []
    for name, label in FACET_NAMES.items():
        values = facets.get(name, [])[:FACET_VALUES]
        active = any(filter_term(name, value["value"]) in query for value in values)
        if not active and len(values) < 2:
            continue  # one value for every talk: such a facet narrows nothing
        links = []
        for value in values:
            term = filter_term(name, value["value"])
            active = term in query
            target = " ".join(query.replace(term, " ").split()) if active else f"{query} {term}"
            links.append({**value, "active": active,
                          "href": url_for("pages.search", q=target, **keep)})  # fmt: skip
        groups.append({"name": name, "label": label, "values": links})
    return groups


def page_links(query: str, page: int, total: int, per_page: int, keep: dict[str, Any]
               ) -> list[dict]:  # fmt: skip
    """Numbered pages near the current one, with the first and the last."""
    last = max(1, math.ceil(total / per_page))
    wanted = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    links: list[dict] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            links.append({"gap": True})
        links.append({"number": number, "current": number == page,
                      "href": url_for("pages.search", q=query, page=number, **keep)})  # fmt: skip
        previous = number
    return links


@bp.get("/")
@bp.get("/search")
def search():
    """The search page; with no query, the start page with what to try."""
    query = params.query_text(request.args)
    page = params.page_number(request.args)
    size = params.per_page(request.args)
    sort = params.sort_order(request.args)
    mode = params.search_mode(request.args)
    with using_engine() as engine:
        if not query:
            stats = engine.stats()
        else:
            result = run_search(engine, query, page=page, per_page=size, sort=sort, mode=mode)
        meaning_on = engine.meaning() is not None
        shown = examples(engine) if not query or not result["results"] else []
    if not query:
        return render_template("home.html", query="", examples=shown, talk_count=stats.talks,
                               transcribed=stats.transcribed,
                               missing=stats.with_video - stats.transcribed)  # fmt: skip
    last = max(1, math.ceil(result["total"] / size))
    keep_mode: dict[str, Any] = {"mode": mode} if mode != "hybrid" else {}
    keep_sort: dict[str, Any] = {"sort": sort} if sort != "relevance" else {}
    keep_size: dict[str, Any] = {"per_page": size} if size != current_app.config["PER_PAGE"] else {}
    keep = {**keep_sort, **keep_mode, **keep_size}
    return render_template(
        "search.html",
        query=query,
        result=result,
        facets=facet_links(query, result["facets"], keep),
        pages=page_links(query, page, result["total"], size, keep) if last > 1 else [],
        previous_href=url_for("pages.search", q=query, page=page - 1, **keep) if page > 1
        else None,
        next_href=url_for("pages.search", q=query, page=page + 1, **keep) if page < last
        else None,
        first_rank=(page - 1) * size + 1,
        examples=shown,
        sort=sort,
        sort_links={order: url_for("pages.search", q=query, sort=order, **keep_mode, **keep_size)
                    for order in SORTS},
        mode=mode,
        mode_links={name: url_for("pages.search", q=query, mode=name, **keep_sort, **keep_size)
                    for name in MODES} if meaning_on else {},
    )


@bp.get("/talks")
def library():
    """Every talk, filtered by event, speaker, section, year or problem, sorted, by pages."""
    filters = params.library_filters(request.args)
    sort = params.library_sort(request.args)
    page = params.page_number(request.args)
    size = params.library_per_page(request.args)
    with using_engine() as engine:
        listed = browse(engine, filters, sort, page, size)
    keep_size: dict[str, Any] = {"per_page": size} if size != LIBRARY_PER_PAGE else {}

    def href(**changes: str | int | None) -> str:
        wanted: dict[str, Any] = {**filters, "sort": sort, **keep_size, **changes}
        return url_for("pages.library", **{k: v for k, v in wanted.items() if v})

    facets = [
        {"name": name, "label": LIBRARY_FACET_NAMES[name], "values": [
            {**value, "active": filters.get(name) == value["value"],
             "href": href(**{name: None if filters.get(name) == value["value"] else value["value"],
                             "page": None})}
            for value in listed["facets"][name]
        ]}
        for name in sorted(LIBRARY_FILTERS, key=lambda name: name != "problem")  # it first
        if len(listed["facets"][name]) > 1 or name in filters
        or (name == "problem" and listed["facets"][name])  # even one kind of problem
    ]  # fmt: skip
    return render_template(
        "talks.html",
        query="",
        listed=listed,
        facets=facets,
        sorts=[(order, href(sort=order, page=None)) for order in LIBRARY_SORTS],
        previous_href=href(page=page - 1) if page > 1 else None,
        next_href=href(page=page + 1) if page < listed["pages"] else None,
        clear_href=url_for("pages.library", sort=sort, **keep_size) if filters else None,
    )


@bp.get("/talk/<talk_id>")
def talk(talk_id: str):
    """A talk: its player at `t`, its notes and its whole transcript."""
    query = params.query_text(request.args)
    with using_engine() as engine:
        marks = query_marks(engine, query)
        detail = talk_detail(engine, talk_id, marks)
    if detail is None:
        raise NotFound(f"There is no talk with the id {talk_id[:100]!r}.")
    videos = detail["talk"]["videos"]
    wanted = request.args.get("v", "")
    playable = [video for video in videos if video["kind"] == "youtube"]
    player = next((v for v in playable if v["video_id"] == wanted), None)
    player = player or (playable[0] if playable else None)
    start = params.start_second(request.args)
    if player is not None and not request.args.get("t"):
        start = float(player.get("start") or 0)
    by_video: dict[str, list[dict]] = {}
    anchors: set[str] = set()
    for passage in detail["passages"]:
        previous = by_video.get(passage["video_id"], [None])[-1]
        passage["shown"] = new_words(previous["text"] if previous else "", passage["text"])
        if marks is not None:  # the words searched for, marked where they stand
            passage["shown_html"], passage["held"] = mark_held(passage["shown"], marks)
        by_video.setdefault(passage["video_id"], []).append(passage)
        anchor = moment_anchor(passage["video_id"], passage["start"])
        passage["anchor"] = anchor if anchor not in anchors else None
        anchors.add(anchor)
    said_at, said_more = _said_at(detail["passages"])
    playing = by_video.get(player["video_id"], []) if player else []
    # `t` is whole seconds, passages start at fractions: allow the second it was cut to
    now = max((p["start"] for p in playing if p["start"] < start + 1 <= p["end"] + 1), default=None)
    now_anchor = next((p["anchor"] for p in playing if p["start"] == now and p["anchor"]), None)
    return render_template(
        "talk.html",
        now=now,
        now_anchor=now_anchor,
        query=query,
        searched=marks is not None and bool(detail["passages"]),
        said_at=said_at,
        said_more=said_more,
        video_number={video["video_id"]: number for number, video in enumerate(videos, 1)}
        if len(videos) > 1 else {},
        detail=detail,
        talk=detail["talk"],
        player=player,
        start=start,
        origin=request.host_url.rstrip("/"),
        transcripts=[(video, by_video.get(video["video_id"], [])) for video in videos],
    )


def _said_at(passages: list[dict]) -> tuple[list[dict], int]:
    """The passages marked for the search that led to a talk page, as its times to jump
    to: when there are more than SAID_AT_SHOWN, those saying the most of the searched
    words (the earliest of equal ones); in transcript order. And how many were left out."""
    marked = [(order, passage) for order, passage in enumerate(passages)
              if passage["anchor"] and passage.get("held")]  # fmt: skip
    chosen = sorted(marked, key=lambda item: (-len(item[1]["held"]), item[0]))[:SAID_AT_SHOWN]
    shown = [passage for _, passage in sorted(chosen, key=lambda item: item[0])]
    return shown, len(marked) - len(chosen)
