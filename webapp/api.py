"""The JSON API: the same structures as `talkseek search --json`, over HTTP."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import NotFound

from indexer.talk_detail import talk_detail
from webapp import params
from webapp.index_cache import using_index

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    """?q=words&page=N&per_page=N → the search result structure."""
    text = params.query_text(request.args, required=True)
    page = params.page_number(request.args)
    size = params.per_page(request.args)
    with using_index() as index:
        return jsonify(index.search(text, page=page, per_page=size))


@bp.get("/api/talks/<talk_id>")
def talk(talk_id: str):
    """A talk with all its notes, passages and transcript status."""
    with using_index() as index:
        detail = talk_detail(index, talk_id)
    if detail is None:
        raise NotFound(f"No talk with id {talk_id[:100]!r}.")
    return jsonify(detail)


@bp.get("/healthz")
def health():
    """Up and serving an index: which generation and how many talks."""
    with using_index() as index:
        return jsonify({"status": "ok", "generation": index.folder.name, "talks": len(index.talks)})
