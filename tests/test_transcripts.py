"""The transcript store and syncing a video: cache, fetch, statuses, nothing lost."""

import json

import pytest

from indexer.core.talks import VideoRef
from indexer.ingest.captions import CaptionError, Snippet, snippets_to_json
from indexer.ingest.fetcher import YouTubeFetcher
from indexer.ingest.sync import sync_video
from indexer.ingest.transcripts import TranscriptStatus, TranscriptStore
from tests.youtube_double import FakeYouTube, Track

VIDEO = VideoRef("R11YgBEZzqE", "https://www.youtube.com/watch?v=R11YgBEZzqE", 1)
GOOD = [{"text": "cached words", "start": 0.0, "duration": 2.0}]
FRESH = [{"text": "fresh words", "start": 0.0, "duration": 2.0}]


@pytest.fixture()
def store(tmp_path):
    return TranscriptStore(tmp_path / "transcripts")


def fetcher(faults=None, snippets=FRESH):
    youtube = FakeYouTube(
        {VIDEO.video_id: [Track("en", snippets, name="English")]}, faults=faults or {}
    )
    return YouTubeFetcher(transport=youtube, sleep=lambda _: None), youtube


def test_fetch_then_cache_is_used_without_network(store):
    first, youtube = fetcher()
    status, snippets = sync_video(store, VIDEO, first)
    assert status.status == "ok" and status.source == "youtube" and status.language == "English"
    assert [s.text for s in snippets] == ["fresh words"]
    cached = json.loads((store.folder / f"{VIDEO.video_id}.json").read_text())
    assert cached == [{"text": "fresh words", "start": 0.0, "duration": 2.0}]
    assert store.status(VIDEO.video_id).status == "ok"
    calls = len(youtube.requests_seen)
    again, snippets = sync_video(store, VIDEO, first)
    assert again.status == "ok" and len(youtube.requests_seen) == calls
    offline, snippets = sync_video(store, VIDEO, None)
    assert offline.status == "ok" and snippets[0].text == "fresh words"


@pytest.mark.parametrize("fault", ["reset", "http429", "disabled", "badxml", "unavailable"])
def test_failed_refresh_never_replaces_a_good_cached_transcript(store, fault):
    store.folder.mkdir()
    path = store.folder / f"{VIDEO.video_id}.json"
    path.write_text(json.dumps(GOOD))
    broken, _ = fetcher({VIDEO.video_id: fault})
    status, snippets = sync_video(store, VIDEO, broken, refresh=True)
    assert status.status == "ok"
    assert status.last_error["status"] in {
        "network",
        "blocked",
        "disabled",
        "invalid",
        "unavailable",
    }
    assert [s.text for s in snippets] == ["cached words"]
    assert json.loads(path.read_text()) == GOOD
    assert store.status(VIDEO.video_id).last_error == status.last_error


def test_permanent_failures_are_not_retried_until_refresh(store):
    broken, youtube = fetcher({VIDEO.video_id: "disabled"})
    status, _ = sync_video(store, VIDEO, broken)
    assert status.status == "disabled" and "TranscriptsDisabled" in status.message
    calls = len(youtube.requests_seen)
    assert sync_video(store, VIDEO, broken)[0].status == "disabled"
    assert len(youtube.requests_seen) == calls
    assert sync_video(store, VIDEO, None)[0].status == "disabled"
    sync_video(store, VIDEO, broken, refresh=True)
    assert len(youtube.requests_seen) > calls


def test_transient_failures_are_retried_on_the_next_run(store):
    broken, _ = fetcher({VIDEO.video_id: "reset"})
    assert sync_video(store, VIDEO, broken)[0].status == "network"
    healthy, _ = fetcher()
    status, snippets = sync_video(store, VIDEO, healthy)
    assert status.status == "ok" and snippets


def test_offline_records_why_there_is_no_transcript(store):
    status, snippets = sync_video(store, VIDEO, None)
    assert (status.status, snippets) == ("offline", [])
    assert "offline" in status.message
    assert store.status(VIDEO.video_id).status == "offline"


def test_an_empty_cached_transcript_is_said_to_be_empty(store):
    store.folder.mkdir()
    (store.folder / f"{VIDEO.video_id}.json").write_text("[]")
    status, snippets = sync_video(store, VIDEO, None)
    assert (status.status, snippets) == ("invalid", [])
    assert status.message == f"{VIDEO.video_id}.json is empty: it holds no captions"


def test_dropped_in_caption_files_are_used(store):
    store.folder.mkdir()
    (store.folder / "abcdefghijk.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi there\n"
    )
    status, snippets = sync_video(store, VideoRef("abcdefghijk", "", 1), None)
    assert status.status == "ok" and status.message == "from abcdefghijk.vtt"
    assert snippets == [Snippet("hi there", 1.0, 1.0)]


def test_local_only_ids_never_reach_youtube(store):
    local = VideoRef("gokul-rajaram", "", 5, kind="local")
    online, youtube = fetcher()
    status, _ = sync_video(store, local, online)
    assert status.status == "missing" and "gokul-rajaram.json" in status.message
    assert youtube.requests_seen == []
    (store.folder / "gokul-rajaram.json").write_text(json.dumps(GOOD))
    assert sync_video(store, local, online)[0].status == "ok"


def test_corrupt_cache_is_reported_and_kept_aside_when_a_fetch_replaces_it(store):
    store.folder.mkdir()
    path = store.folder / f"{VIDEO.video_id}.json"
    path.write_text('[{"text": "trunc')
    status, _ = sync_video(store, VIDEO, None)
    assert status.status == "invalid" and "not valid JSON" in status.message
    assert path.read_text() == '[{"text": "trunc'
    status, snippets = sync_video(store, VIDEO, fetcher()[0])
    assert status.status == "ok" and snippets[0].text == "fresh words"
    assert (store.folder / f"{VIDEO.video_id}.json.invalid").read_text() == '[{"text": "trunc'


def test_store_rejects_ids_that_could_escape_the_folder(store):
    for bad in ("../etc/passwd", "a/b", "", ".hidden"):
        with pytest.raises(ValueError):
            store.cached_file(bad)
    with pytest.raises(CaptionError):
        store.load("abcdefghijk")


def test_status_files_are_written_atomically_and_leave_no_temporaries(store):
    store.record(TranscriptStatus("abcdefghijk", "ok"))
    store.save(TranscriptStatus("abcdefghijk", "ok"), [Snippet("x", 0, 1)])
    names = sorted(p.name for p in store.folder.iterdir())
    assert names == ["abcdefghijk.json", "abcdefghijk.status.json"]
    assert snippets_to_json([Snippet("x", 0, 1)]) == (store.folder / "abcdefghijk.json").read_text()
