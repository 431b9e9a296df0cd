"""Fetching transcripts from YouTube through youtube-transcript-api 1.x.

This is the only module that talks to YouTube. It turns every way the library
(or the network under it) can fail into one of the store's statuses, retries
what may pass on a later try with bounded backoff, and never waits forever.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from xml.etree.ElementTree import ParseError

import requests
from requests.adapters import BaseAdapter
from youtube_transcript_api import (
    AgeRestricted,
    CouldNotRetrieveTranscript,
    FailedToCreateConsentCookie,
    InvalidVideoId,
    NoTranscriptFound,
    NotTranslatable,
    PoTokenRequired,
    RequestBlocked,
    Transcript,
    TranscriptList,
    TranscriptsDisabled,
    TranslationLanguageNotAvailable,
    VideoUnavailable,
    VideoUnplayable,
    YouTubeDataUnparsable,
    YouTubeRequestFailed,
    YouTubeTranscriptApi,
)
from youtube_transcript_api.proxies import GenericProxyConfig

from indexer.ingest.captions import Snippet
from indexer.ingest.fetching import Fetched, Fetcher, FetchFailed

__all__ = ["FetchFailed", "Fetched", "Fetcher", "YouTubeFetcher", "status_for"]

# Most specific first: every library error is also a CouldNotRetrieveTranscript.
_STATUS_OF: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
    (TranscriptsDisabled, "disabled"),
    ((NoTranscriptFound, NotTranslatable, TranslationLanguageNotAvailable), "not_found"),
    ((VideoUnavailable, InvalidVideoId, VideoUnplayable), "unavailable"),
    (AgeRestricted, "age_restricted"),
    ((RequestBlocked, PoTokenRequired), "blocked"),
    ((YouTubeRequestFailed, FailedToCreateConsentCookie, requests.RequestException), "network"),
    ((YouTubeDataUnparsable, ParseError, ValueError, KeyError, TypeError), "invalid"),
    (CouldNotRetrieveTranscript, "unavailable"),
]
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
_RETRIED = (RequestBlocked, YouTubeRequestFailed, requests.RequestException)


def status_for(error: BaseException) -> str:
    """The store status for an exception raised while fetching."""
    for kinds, status in _STATUS_OF:
        if isinstance(error, kinds):
            return status
    return "invalid"


def describe(error: BaseException) -> str:
    """A one-paragraph reason; the library's messages carry a long help text after it."""
    if isinstance(error, CouldNotRetrieveTranscript):
        cause = " ".join(str(error.cause).split())
        return f"{type(error).__name__}: {cause}" if cause else type(error).__name__
    text = " ".join(str(error).split())
    if isinstance(error, requests.ConnectionError):
        errno = _ERRNO.search(text)
        text = f"cannot reach YouTube ({errno.group(1) if errno else text[:200]})"
    return f"{type(error).__name__}: {text}"[:500]


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout: the library sets none."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


def choose_transcript(
    transcripts: TranscriptList, languages: Sequence[str]
) -> tuple[Transcript, bool]:
    """Manual captions in a wanted language, then generated ones, then a translation.

    The flag says whether the choice is a machine translation.
    """
    for finder in (
        transcripts.find_manually_created_transcript,
        transcripts.find_generated_transcript,
    ):
        try:
            return finder(languages), False
        except NoTranscriptFound:
            continue
    target = languages[0]
    for transcript in transcripts:
        codes = {language.language_code for language in transcript.translation_languages}
        if target in codes:
            return transcript.translate(target), True
    return transcripts.find_transcript(languages), False  # raises NoTranscriptFound


class YouTubeFetcher:
    """Fetches one video's transcript, retrying blocks and network errors a few times."""

    def __init__(
        self,
        languages: Sequence[str] = ("en",),
        proxy: str | None = None,
        timeout: float = 20.0,
        attempts: int = 3,
        backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: BaseAdapter | None = None,
    ) -> None:
        self.languages = list(languages) or ["en"]
        self.attempts = max(attempts, 1)
        self.backoff = backoff
        self.sleep = sleep
        session = _TimeoutSession(timeout)
        if transport is not None:
            session.mount("https://", transport)
            session.mount("http://", transport)
        proxy_config = GenericProxyConfig(http_url=proxy, https_url=proxy) if proxy else None
        self.api = YouTubeTranscriptApi(proxy_config=proxy_config, http_client=session)

    def fetch(self, video_id: str) -> Fetched:
        """The transcript, or FetchFailed saying which status to record and why."""
        for attempt in range(1, self.attempts + 1):
            try:
                return self._fetch_once(video_id)
            except FetchFailed:
                raise
            except Exception as error:
                if isinstance(error, _RETRIED) and attempt < self.attempts:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise FetchFailed(status_for(error), describe(error), attempt) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_once(self, video_id: str) -> Fetched:
        transcript, translated = choose_transcript(self.api.list(video_id), self.languages)
        fetched = transcript.fetch()
        snippets = [Snippet(s.text, float(s.start), float(s.duration)) for s in fetched]
        if not snippets:
            raise FetchFailed("not_found", f"the {fetched.language} transcript is empty", 1)
        return Fetched(
            snippets=snippets,
            language=fetched.language,
            language_code=fetched.language_code,
            is_generated=fetched.is_generated,
            translated=translated,
        )
