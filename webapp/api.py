"""The JSON API: the same structures as `talkseek search --json`, over HTTP."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import NotFound

from indexer.search import query_marks, talk_detail
from indexer.search import search as run_search
from indexer.search.library import browse
from webapp import params
from webapp.engine_cache import using_engine

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search() -> Response:
    """?q=words&page=N&per_page=N&sort=&mode= → the search result structure."""
    text = params.query_text(request.args, required=True)
    page = params.page_number(request.args)
    size = params.per_page(request.args)
    sort = params.sort_order(request.args)
    mode = params.search_mode(request.args)
    with using_engine() as engine:
        return jsonify(run_search(engine, text, page=page, per_page=size, sort=sort, mode=mode))


@bp.get("/api/talks")
def talks() -> Response:
    """?event=&speaker=&section=&year=&sort=date|title|speaker&page=N&per_page=N → the
    talks listed."""
    filters = params.library_filters(request.args)
    sort = params.library_sort(request.args)
    page = params.page_number(request.args)
    size = params.library_per_page(request.args)
    with using_engine() as engine:
        return jsonify(browse(engine, filters, sort, page, size))


@bp.get("/api/talks/<talk_id>")
def talk(talk_id: str) -> Response:
    """A talk with all its notes, passages and transcript status; with `q`, each note and
    passage also as `html` with the words that search marks."""
    with using_engine() as engine:
        detail = talk_detail(engine, talk_id, query_marks(engine, params.query_text(request.args)))
    if detail is None:
        raise NotFound(f"No talk with id {talk_id[:100]!r}.")
    return jsonify(detail)


@bp.get("/healthz")
def health() -> Response:
    """Up and serving an index: which engine, generation, how many talks, and whether
    meaning search is on (with which model)."""
    with using_engine() as engine:
        stats = engine.stats()
        meaning = engine.meaning()
    return jsonify(
        {"status": "ok", "engine": stats.engine, "generation": stats.generation,
         "talks": stats.talks, "meaning": meaning is not None,
         "model": meaning.model if meaning else None}
    )  # fmt: skip
