"""A Typesense import whose answer comes back garbled is sent again, as an upsert."""

from __future__ import annotations

import pytest
from typesense import exceptions

from indexer.core.settings import TypesenseSettings
from indexer.engines.protocol import EngineUnavailable
from indexer.engines.typesense import build


class Documents:
    """A collection's documents endpoint answering the way a busy cluster's node may."""

    def __init__(self, garbled: int, error: str = "Invalid response - ") -> None:
        self.garbled = garbled
        self.error = error
        self.actions: list[str] = []

    def import_(self, documents: list[dict], params: dict) -> list[dict]:
        self.actions.append(params["action"])
        if len(self.actions) <= self.garbled:
            raise exceptions.TypesenseClientError(self.error)
        return [{"success": True} for _ in documents]


class Client:
    def __init__(self, documents: Documents) -> None:
        self.collections = {"talks": type("Collection", (), {"documents": documents})()}


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(build.time, "sleep", lambda seconds: None)


def test_a_garbled_answer_is_retried_as_an_upsert():
    documents = Documents(garbled=2)
    build._import(Client(documents), TypesenseSettings(), "talks", [{"id": "a"}], "create")
    assert documents.actions == ["create", "upsert", "upsert"]


def test_other_errors_and_endless_garbling_are_not_retried_forever():
    refused = Documents(garbled=1, error="Bad Request")
    with pytest.raises(EngineUnavailable):
        build._import(Client(refused), TypesenseSettings(), "talks", [{"id": "a"}], "create")
    assert refused.actions == ["create"]
    endless = Documents(garbled=99)
    with pytest.raises(EngineUnavailable, match="Invalid response"):
        build._import(Client(endless), TypesenseSettings(), "talks", [{"id": "a"}], "create")
    assert len(endless.actions) == build.IMPORT_ATTEMPTS
