"""Request parameters read strictly: a bad value is a 400 with a message, never a crash."""

from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from indexer.core.youtube import parse_start
from indexer.engines.protocol import MODES, SORTS
from indexer.search.library import FILTERS as LIBRARY_FILTERS
from indexer.search.library import MAX_PER_PAGE as LIBRARY_MAX_PER_PAGE
from indexer.search.library import PER_PAGE as LIBRARY_PER_PAGE
from indexer.search.library import SORTS as LIBRARY_SORTS


class InvalidParameter(BadRequest):
    """A query parameter the app cannot use; the description says which and why."""


def query_text(args: MultiDict[str, str], required: bool = False) -> str:
    """The `q` parameter, whitespace-trimmed and no longer than MAX_QUERY_LENGTH."""
    text = " ".join(args.get("q", "").split())
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(text) > limit:
        raise InvalidParameter(
            f"The query is {len(text)} characters long; the limit is {limit}. "
            "Use fewer, more specific words."
        )
    if required and not text:
        raise InvalidParameter("The query is empty: pass some words as q, e.g. ?q=event+bridge.")
    return text


def bounded_int(args: MultiDict[str, str], name: str, default: int, maximum: int) -> int:
    """A whole number parameter between 1 and `maximum`."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise InvalidParameter(f"{name} must be a whole number from 1 to {maximum}, not {raw!r}.")
    value = int(raw)
    if not 1 <= value <= maximum:
        raise InvalidParameter(f"{name} must be from 1 to {maximum}, not {value}.")
    return value


def page_number(args: MultiDict[str, str]) -> int:
    return bounded_int(args, "page", 1, current_app.config["MAX_PAGE"])


def per_page(args: MultiDict[str, str]) -> int:
    config = current_app.config
    return bounded_int(args, "per_page", config["PER_PAGE"], config["MAX_PER_PAGE"])


def library_per_page(args: MultiDict[str, str]) -> int:
    """How many talks a page of the library lists."""
    return bounded_int(args, "per_page", LIBRARY_PER_PAGE, LIBRARY_MAX_PER_PAGE)


def library_filters(args: MultiDict[str, str]) -> dict[str, str]:
    """The library's filters (event, speaker, section, year, problem) given, trimmed."""
    found = {}
    for name in LIBRARY_FILTERS:
        value = " ".join(args.get(name, "").split())
        if len(value) > 200:
            raise InvalidParameter(f"{name} is {len(value)} characters long; the limit is 200.")
        if value:
            found[name] = value
    return found


def library_sort(args: MultiDict[str, str]) -> str:
    value = args.get("sort", "").strip() or "date"
    if value not in LIBRARY_SORTS:
        raise InvalidParameter(
            f"sort must be one of {', '.join(LIBRARY_SORTS)}, not {value[:40]!r}."
        )
    return value


def sort_order(args: MultiDict[str, str]) -> str:
    """The `sort` parameter: relevance (the default) or date."""
    value = args.get("sort", "").strip() or "relevance"
    if value not in SORTS:
        raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}, not {value[:40]!r}.")
    return value


def search_mode(args: MultiDict[str, str]) -> str:
    """The `mode` parameter: hybrid (the default), keyword or meaning."""
    value = args.get("mode", "").strip() or "hybrid"
    if value not in MODES:
        raise InvalidParameter(f"mode must be one of {', '.join(MODES)}, not {value[:40]!r}.")
    return value


def start_second(args: MultiDict[str, str]) -> float:
    """The `t` parameter of a talk page (`90`, `90s`, `1m30s`, `1:30`); 0 when unusable.

    A timestamp in a shared link that cannot be read should still open the talk.
    """
    seconds = parse_start(args.get("t", "")[:20])
    return seconds if seconds is not None and 0 <= seconds < 100 * 3600 else 0.0
