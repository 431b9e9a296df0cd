"""Which collection the alias publishes, and the summary its build stored in it.

Kept apart from `build` so that searching never loads ingest.
"""

from __future__ import annotations

import json

import typesense
from typesense import exceptions

from indexer.core.analysis import ANALYZER_VERSION
from indexer.core.settings import TypesenseSettings
from indexer.engines.protocol import EngineUnavailable
from indexer.engines.typesense import schema
from indexer.engines.typesense.client import call, connect

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
    """The build summary stored in a collection ({} when it has none).

    The alias may have been read from another node than the one answering here, and a
    node catching up after a restart can lack a collection the others already publish:
    before concluding there is no summary, each node is asked on its own."""
    found: dict | None
    try:
        found = _retrieve_meta(client, settings, collection)
    except exceptions.ObjectNotFound:
        found = _meta_on_any_node(settings, collection)
    meta = json.loads(str((found or {}).get("payload") or "{}"))
    return meta if isinstance(meta, dict) else {}


def _retrieve_meta(client: typesense.Client, settings: TypesenseSettings, collection: str) -> dict:
    return dict(call(settings, lambda: client.collections[collection].documents[schema.META_ID]
                     .retrieve()))  # fmt: skip


def _meta_on_any_node(settings: TypesenseSettings, collection: str) -> dict | None:
    for url in settings.nodes:
        try:
            return _retrieve_meta(connect(settings, (url,)), settings, collection)
        except (exceptions.ObjectNotFound, EngineUnavailable):
            continue  # (this node lags too, or is down)
    return None


def usable(meta: dict) -> bool:
    """True when a collection was written by this version's documents and analyzer."""
    return meta.get("format") == schema.FORMAT and meta.get("analyzer") == ANALYZER_VERSION
