"""Errors as JSON for API clients and as a page for people; never a bare 500 page.

Every HTTP error keeps its status; anything unexpected is logged and answered
with a 500 that says nothing about the internals.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from indexer.engines.protocol import EngineUnavailable, IndexDamaged, IndexMissing

API_PREFIXES = ("/api/", "/healthz")


def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES)


def error_response(status: int, title: str, message: str) -> Response | tuple:
    if wants_json():
        response = jsonify({"error": {"status": status, "title": title, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.name, error.description or error.name)

    @app.errorhandler(IndexMissing)
    def index_missing(error: IndexMissing):
        status = ServiceUnavailable.code
        return error_response(status, "No index to search", str(error))

    @app.errorhandler(IndexDamaged)
    def index_damaged(error: IndexDamaged):
        status = ServiceUnavailable.code
        return error_response(status, "Index damaged", str(error))

    @app.errorhandler(EngineUnavailable)
    def engine_unavailable(error: EngineUnavailable):
        app.logger.warning("search engine unavailable: %s", error)
        status = ServiceUnavailable.code
        return error_response(status, "Search engine unavailable", str(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        status = InternalServerError.code
        return error_response(status, "Server error", "Something went wrong on our side.")
