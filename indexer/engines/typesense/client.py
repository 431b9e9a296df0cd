"""The official Typesense client, set up with every node, and its errors as talkseek's.

Every node is listed, so a request that fails on one node is retried on the next:
a search keeps working while a node is down or a new leader is being elected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
import typesense
from typesense import api_call as typesense_api_call
from typesense import exceptions

from indexer.core.settings import API_KEY_VARIABLE, TypesenseSettings
from indexer.engines.protocol import EngineUnavailable

RETRY_SECONDS = 0.2
#: A build waits this long for a cluster electing a leader (searches move on at once).
PATIENT_SECONDS = 30.0


class _SessionPerThread:
    """The client sends every request through one module-wide requests.Session, which is
    not safe to share between threads; searches run in several. Each thread gets its own."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return getattr(session, name)


typesense_api_call.session = _SessionPerThread()


def node_config(url: str) -> dict:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"host": parts.hostname or "", "port": port, "protocol": parts.scheme}


def connect(settings: TypesenseSettings, nodes: tuple[str, ...] | None = None,
            patient: bool = False, retries: int | None = None) -> typesense.Client:  # fmt: skip
    """A client for the cluster (or for just `nodes`), retrying across nodes; a `patient`
    one (for builds) keeps retrying while a new leader is elected, which takes seconds."""
    if not settings.api_key:
        raise EngineUnavailable(f"set the Typesense API key in {API_KEY_VARIABLE}")
    listed = nodes or settings.nodes
    if retries is None:
        retries = int(PATIENT_SECONDS / RETRY_SECONDS) if patient else 2 * len(listed) + 2
    return typesense.Client({
        "nodes": [node_config(url) for url in listed],
        "api_key": settings.api_key,
        "connection_timeout_seconds": settings.timeout_seconds,
        "num_retries": retries,
        "retry_interval_seconds": RETRY_SECONDS,
        "healthcheck_interval_seconds": 5,
    })  # fmt: skip


def call(settings: TypesenseSettings, request: Callable[[], Any]) -> Any:
    """Run one request (its answer untyped: talkseek reads back only what it wrote).
    Connection failures and refusals become EngineUnavailable, naming the nodes and
    never the key."""
    try:
        return request()
    except exceptions.ObjectNotFound:
        raise
    except exceptions.RequestUnauthorized as error:
        raise EngineUnavailable(
            f"Typesense refused the API key in {API_KEY_VARIABLE} ({', '.join(settings.nodes)})"
        ) from error
    except exceptions.TypesenseClientError as error:
        raise EngineUnavailable(
            f"Typesense at {', '.join(settings.nodes)} failed: {type(error).__name__}: {error}"
        ) from error
    except (OSError, requests.RequestException) as error:
        raise EngineUnavailable(
            f"Typesense at {', '.join(settings.nodes)} cannot be reached "
            f"({type(error).__name__}); is the cluster running?"
        ) from error


@lru_cache(maxsize=64)
def node_client(settings: TypesenseSettings, url: str) -> typesense.Client:
    """A client for one node alone, trying once: asked when nodes may disagree, where a
    node that does not answer is passed over, not waited for."""
    return connect(settings, (url,), retries=0)


def read_published(settings: TypesenseSettings, client: typesense.Client,
                   request: Callable[[typesense.Client], Any]) -> Any:  # fmt: skip
    """A read of a published collection: `request(client)` through `call`.

    Followers apply the leader's writes a moment apart, and a node restarting catches up
    for longer, so the node answering can lack a collection that the alias, read from
    another node, already names. A "not found" is therefore asked again of each node on
    its own, and stands only when every node that answers says it.
    """
    try:
        return call(settings, lambda: request(client))
    except exceptions.ObjectNotFound as missing:
        for node in [node_client(settings, url) for url in settings.nodes]:
            try:
                return call(settings, lambda: request(node))  # noqa: B023 (called at once)
            except (exceptions.ObjectNotFound, EngineUnavailable):
                continue  # (this node lags too, or is down)
        raise missing
