"""What a fetch gives and how it fails, whoever fetches: the YouTube fetcher or a stand-in.

Kept apart from `fetcher`, so that reading the cache, an offline build and
`talkseek status` never load the HTTP stack the fetcher needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from indexer.ingest.captions import Snippet


class FetchFailed(Exception):
    """A fetch that ended without a transcript, with the store status it maps to."""

    def __init__(self, status: str, message: str, attempts: int) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.attempts = attempts


@dataclass(frozen=True)
class Fetched:
    """A transcript as fetched, with what the status record keeps about it."""

    snippets: list[Snippet]
    language: str
    language_code: str
    is_generated: bool
    translated: bool


class Fetcher(Protocol):
    """Anything that fetches one video's transcript or raises FetchFailed."""

    def fetch(self, video_id: str) -> Fetched: ...
