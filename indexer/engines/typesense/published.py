"""Which collection the alias publishes, and the summary its build stored in it.

Kept apart from `build` so that searching never loads ingest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typesense
from typesense import exceptions

from indexer.core.analysis import ANALYZER_VERSION
from indexer.core.settings import TypesenseSettings
from indexer.engines.typesense import schema
from indexer.engines.typesense.client import call, read_published

EXTRA_DOCUMENTS = len(schema.VOCABULARY_FIELDS) + 1  # the vocabularies and the build's summary


def previous_alias(settings: TypesenseSettings) -> str:
    return f"{settings.collection_prefix}_previous"


def alias_target(client: typesense.Client, settings: TypesenseSettings, name: str) -> str | None:
    try:
        found = call(settings, lambda: client.aliases[name].retrieve())
    except exceptions.ObjectNotFound:
        return None
    return str(found["collection_name"])


def read_meta(client: typesense.Client, settings: TypesenseSettings, collection: str) -> dict:
    """The build summary stored in a collection ({} when it has none), from any node."""
    return _summary(lambda: read_published(settings, client, _meta_request(collection)))


def meta_here(node: typesense.Client, settings: TypesenseSettings, collection: str) -> dict:
    """The build summary as this one node holds it ({} when it lacks the collection)."""
    return _summary(lambda: call(settings, lambda: _meta_request(collection)(node)))


def _meta_request(collection: str) -> Callable[[typesense.Client], Any]:
    return lambda node: node.collections[collection].documents[schema.META_ID].retrieve()


def _summary(read: Callable[[], Any]) -> dict:
    try:
        found = read()
    except exceptions.ObjectNotFound:
        return {}
    meta = json.loads(str(found.get("payload") or "{}"))
    return meta if isinstance(meta, dict) else {}


def usable(meta: dict) -> bool:
    """True when a collection was written by this version's documents and analyzer."""
    return meta.get("format") == schema.FORMAT and meta.get("analyzer") == ANALYZER_VERSION
