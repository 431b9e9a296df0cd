"""Bring one video's cached transcript up to date: use the cache, fetch, or say why not."""

from __future__ import annotations

from dataclasses import replace

from indexer.core.statuses import INVALID, MISSING, OFFLINE, OK, PERMANENT
from indexer.core.talks import VideoRef
from indexer.ingest.captions import CaptionError, Snippet
from indexer.ingest.fetching import Fetcher, FetchFailed
from indexer.ingest.transcripts import TranscriptStatus, TranscriptStore, now


def sync_video(
    store: TranscriptStore,
    video: VideoRef,
    fetcher: Fetcher | None,
    refresh: bool = False,
) -> tuple[TranscriptStatus, list[Snippet]]:
    """The video's status and snippets after using the cache or fetching.

    `fetcher=None` means offline. A cached transcript is used as is unless
    `refresh`; permanent failures are not retried unless `refresh`; a failed
    fetch never replaces a readable cached transcript.
    """
    video_id = video.video_id
    previous = store.status(video_id)
    snippets: list[Snippet] = []
    problem = ""
    cached = store.cached_file(video_id)
    if cached is not None:
        try:
            snippets = store.load(video_id)
        except CaptionError as error:
            problem = str(error)
        if not snippets and not problem:
            problem = f"{cached.name} is empty: it holds no captions"
    if snippets and not refresh:
        return _cached_ok(store, video_id, previous), snippets
    if video.kind != "youtube" or fetcher is None:
        if snippets:
            return _cached_ok(store, video_id, previous), snippets
        return _unfetchable(store, video, fetcher is None, problem), []
    if previous is not None and previous.status in PERMANENT and not refresh and not problem:
        return previous, []
    try:
        fetched = fetcher.fetch(video_id)
    except FetchFailed as failure:
        status = store.record_failure(
            video_id, failure.status, failure.message, keeps_transcript=bool(snippets)
        )
        return status, snippets
    status = TranscriptStatus(
        video_id,
        OK,
        f"fetched {'translated ' if fetched.translated else ''}{fetched.language}"
        f" ({'generated' if fetched.is_generated else 'manual'})",
        checked_at=now(),
        source="youtube",
        language=fetched.language,
        language_code=fetched.language_code,
        is_generated=fetched.is_generated,
        fetched_at=now(),
    )
    return store.save(status, fetched.snippets), fetched.snippets


def _cached_ok(
    store: TranscriptStore, video_id: str, previous: TranscriptStatus | None
) -> TranscriptStatus:
    if previous is not None and previous.status == OK:
        return previous
    path = store.cached_file(video_id)
    name = path.name if path else video_id
    return store.record(
        TranscriptStatus(video_id, OK, f"from {name}", checked_at=now(), source="file")
    )


def _unfetchable(
    store: TranscriptStore, video: VideoRef, offline: bool, problem: str
) -> TranscriptStatus:
    if problem:
        return store.record_failure(video.video_id, INVALID, problem)
    if video.kind != "youtube":
        where = store.folder / f"{video.video_id}.json"
        message = f"not on YouTube; put its transcript in {where} (or .vtt/.srt)"
        return store.record_failure(video.video_id, MISSING, message)
    previous = store.status(video.video_id)
    if previous is not None and previous.status in PERMANENT:
        return replace(previous)
    return store.record_failure(
        video.video_id, OFFLINE, "not fetched: offline and no cached transcript"
    )
