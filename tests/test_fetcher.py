"""The fetcher against the real youtube-transcript-api, with YouTube's server played by a double."""

import json

import pytest
from youtube_transcript_api import (
    AgeRestricted,
    IpBlocked,
    PoTokenRequired,
    RequestBlocked,
    TranscriptsDisabled,
    VideoUnavailable,
)

from indexer.ingest.fetcher import FetchFailed, YouTubeFetcher, status_for
from tests.youtube_double import FakeYouTube, Track

VIDEO = "R11YgBEZzqE"
SNIPPETS = [
    {"text": "Welcome to the keynote &amp; thanks", "start": 0.0, "duration": 3.5},
    {"text": "today we talk about ENA Express", "start": 3.5, "duration": 4.0},
]


def fetcher_for(youtube: FakeYouTube, **options) -> tuple[YouTubeFetcher, list[float]]:
    sleeps: list[float] = []
    fetcher = YouTubeFetcher(transport=youtube, sleep=sleeps.append, **options)
    return fetcher, sleeps


def test_fetch_parses_the_real_library_response():
    youtube = FakeYouTube({VIDEO: [Track("en", SNIPPETS, name="English")]})
    fetcher, sleeps = fetcher_for(youtube)
    fetched = fetcher.fetch(VIDEO)
    assert [s.text for s in fetched.snippets] == [
        "Welcome to the keynote & thanks",
        "today we talk about ENA Express",
    ]
    assert fetched.snippets[1].start == 3.5 and fetched.snippets[1].duration == 4.0
    assert (fetched.language, fetched.language_code, fetched.is_generated) == (
        "English",
        "en",
        False,
    )
    assert not fetched.translated and sleeps == []


def test_manual_captions_win_over_generated_and_language_order_is_kept():
    tracks = [
        Track("en", [{"text": "auto", "start": 0, "duration": 1}], generated=True),
        Track("de", [{"text": "manuell", "start": 0, "duration": 1}]),
        Track("fr", [{"text": "manuel", "start": 0, "duration": 1}]),
    ]
    youtube = FakeYouTube({VIDEO: tracks})
    assert YouTubeFetcher(["en", "fr"], transport=youtube).fetch(VIDEO).snippets[0].text == "manuel"
    assert YouTubeFetcher(["fr", "de"], transport=youtube).fetch(VIDEO).snippets[0].text == "manuel"
    only_auto = FakeYouTube({VIDEO: [tracks[0]]})
    fetched = YouTubeFetcher(["en"], transport=only_auto).fetch(VIDEO)
    assert fetched.snippets[0].text == "auto" and fetched.is_generated


def test_translation_is_used_when_no_wanted_language_exists():
    youtube = FakeYouTube({VIDEO: [Track("de", SNIPPETS, translatable_to=("en",))]})
    fetched = YouTubeFetcher(["en"], transport=youtube).fetch(VIDEO)
    assert fetched.translated and fetched.language_code == "en"
    assert fetched.snippets[0].text.startswith("[en] ")


@pytest.mark.parametrize(
    ("fault", "status", "exception_name", "retried"),
    [
        ("disabled", "disabled", "TranscriptsDisabled", False),
        ("unavailable", "unavailable", "VideoUnavailable", False),
        ("unplayable", "unavailable", "VideoUnplayable", False),
        ("age", "age_restricted", "AgeRestricted", False),
        ("bot", "blocked", "RequestBlocked", True),
        ("recaptcha", "blocked", "IpBlocked", True),
        ("http429", "blocked", "IpBlocked", True),
        ("potoken", "blocked", "PoTokenRequired", False),
        ("http500", "network", "YouTubeRequestFailed", True),
        ("reset", "network", "ConnectionError", True),
        ("timeout", "network", "ReadTimeout", True),
        ("reset_captions", "network", "ConnectionError", True),
        ("badxml", "invalid", "ParseError", False),
    ],
)
def test_every_failure_maps_to_a_status_with_bounded_retries(
    fault, status, exception_name, retried
):
    youtube = FakeYouTube({VIDEO: [Track("en", SNIPPETS)]}, faults={VIDEO: fault})
    fetcher, sleeps = fetcher_for(youtube, attempts=3, backoff=0.5)
    with pytest.raises(FetchFailed) as caught:
        fetcher.fetch(VIDEO)
    assert caught.value.status == status
    assert caught.value.message.startswith(exception_name)
    assert "\n" not in caught.value.message
    if retried:
        assert caught.value.attempts == 3 and sleeps == [0.5, 1.0]
    else:
        assert caught.value.attempts == 1 and sleeps == []


def test_a_transient_failure_that_clears_is_retried_to_success():
    youtube = FakeYouTube({VIDEO: [Track("en", SNIPPETS)]}, faults={VIDEO: "reset"}, fail_times=1)
    fetcher, sleeps = fetcher_for(youtube, attempts=3, backoff=1.0)
    assert len(fetcher.fetch(VIDEO).snippets) == 2
    assert sleeps == [1.0]


def test_video_without_tracks_in_wanted_language_is_not_found():
    youtube = FakeYouTube({VIDEO: [Track("de", SNIPPETS)]})
    with pytest.raises(FetchFailed) as caught:
        YouTubeFetcher(["en"], transport=youtube).fetch(VIDEO)
    assert caught.value.status == "not_found"
    assert caught.value.message.startswith("NoTranscriptFound")


def test_status_for_the_library_exception_classes():
    assert status_for(TranscriptsDisabled(VIDEO)) == "disabled"
    assert status_for(VideoUnavailable(VIDEO)) == "unavailable"
    assert status_for(AgeRestricted(VIDEO)) == "age_restricted"
    assert status_for(RequestBlocked(VIDEO)) == "blocked"
    assert status_for(IpBlocked(VIDEO)) == "blocked"
    assert status_for(PoTokenRequired(VIDEO)) == "blocked"
    assert status_for(RuntimeError("surprise")) == "invalid"


def test_proxy_is_handed_to_the_library():
    fetcher = YouTubeFetcher(proxy="http://user:pw@proxy.example:8080")
    assert fetcher.api._fetcher._http_client.proxies == {
        "http": "http://user:pw@proxy.example:8080",
        "https": "http://user:pw@proxy.example:8080",
    }


def test_real_corpus_transcript_round_trips_through_the_library(corpus):
    path = corpus / "lenny" / "transcripts" / "-LywX3T5Scc.json"
    snippets = json.loads(path.read_text())
    youtube = FakeYouTube({"-LywX3T5Scc": [Track("en", snippets)]})
    fetched = YouTubeFetcher(transport=youtube).fetch("-LywX3T5Scc")
    assert len(fetched.snippets) == len(snippets)
    assert [s.text for s in fetched.snippets] == [s["text"] for s in snippets]
    assert [s.start for s in fetched.snippets] == [s["start"] for s in snippets]
