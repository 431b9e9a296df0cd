import pytest

from indexer.ingest.captions import (
    CaptionError,
    Snippet,
    parse_captions,
    parse_json,
    parse_srt,
    parse_vtt,
    snippets_to_json,
    video_id_from_vtt,
)

VTT = """WEBVTT
Kind: captions
Language: en
Video: abcdefghijk

00:00:01.500 --> 00:00:04.250
Hello and welcome

00:01:02.000 --> 00:01:05.000 align:start position:0%
to the <c>talk</c>
"""

SRT = """1
00:00:01,500 --> 00:00:04,250
Hello and welcome

2
01:00:00,000 --> 01:00:02,000
to the talk
"""


def test_vtt_keeps_milliseconds_and_the_video_header():
    snippets = parse_vtt(VTT)
    assert snippets == [Snippet("Hello and welcome", 1.5, 2.75), Snippet("to the talk", 62.0, 3.0)]
    assert video_id_from_vtt(VTT) == "abcdefghijk"
    assert video_id_from_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nVideo: no\n") is None


def test_a_vtt_cue_with_a_broken_timing_is_skipped_and_named_the_rest_kept():
    broken = "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhello\n\n00:00:03.000 --> 00:00:04.000\nok\n"
    captions = parse_vtt(broken)
    assert captions == [Snippet("ok", 3.0, 1.0)]
    assert captions.skipped == [(3, "unreadable cue timing")]
    assert parse_vtt(VTT).skipped == []
    with pytest.raises(CaptionError, match="all 1 cues unreadable"):
        parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhello\n")
    with pytest.raises(CaptionError, match="not valid WebVTT"):
        parse_vtt("this is not a caption file")


def test_an_srt_block_that_cannot_be_read_is_skipped_and_named():
    broken = SRT.replace("01:00:00,000 --> 01:00:02,000", "01:00:00,000 -> nonsense")
    broken += "\n3\n01:00:03,000 --> 01:00:04,000\nthe end\n"
    captions = parse_srt(broken)
    assert captions == [Snippet("Hello and welcome", 1.5, 2.75), Snippet("the end", 3603.0, 1.0)]
    assert [line for line, _ in captions.skipped] == [SRT.count("\n", 0, SRT.index("2\n01:00")) + 1]
    with pytest.raises(CaptionError, match="not valid SRT"):
        parse_srt("not subtitles at all\n")


def test_srt():
    assert parse_srt(SRT) == [
        Snippet("Hello and welcome", 1.5, 2.75),
        Snippet("to the talk", 3600.0, 2.0),
    ]


def test_json_round_trip_and_validation():
    snippets = [Snippet('a "quote" é', 0.0, 1.25), Snippet("b", 1.25, 0.0)]
    assert parse_json(snippets_to_json(snippets)) == snippets
    for bad, message in [
        ("{", "not valid JSON at line 1"),
        ('{"text": "x"}', "expected a JSON list"),
        ('["x"]', "item 1 is not an object"),
        ('[{"start": 1, "duration": 1}]', "item 1: text is missing"),
        ('[{"text": "a", "start": -1, "duration": 1}]', "item 1: start/duration"),
        ('[{"text": "a", "start": "1", "duration": 1}]', "item 1: start/duration"),
        ('[{"text": "a", "start": NaN, "duration": 1}]', "item 1: start/duration"),
        ('[{"text": "a", "start": true, "duration": 1}]', "item 1: start/duration"),
    ]:
        with pytest.raises(CaptionError, match=message):
            parse_json(bad)


def test_negative_durations_in_real_transcripts_are_clamped_not_rejected():
    assert parse_json('[{"text": "[inaudible]", "start": 621.0, "duration": -1.0}]') == [
        Snippet("[inaudible]", 621.0, 0.0)
    ]


def test_unknown_format():
    with pytest.raises(CaptionError, match="unknown caption format"):
        parse_captions("", "ass")


def test_every_real_vtt_track_parses_with_its_video_id(corpus):
    tracks = sorted((corpus / "captions-vtt").glob("*.vtt"))
    assert len(tracks) == 84
    cues = 0
    for track in tracks:
        text = track.read_text(encoding="utf-8")
        snippets = parse_vtt(text)
        assert snippets, track.name
        assert all(s.duration >= 0 for s in snippets)
        assert len(video_id_from_vtt(text)) == 11
        cues += len(snippets)
    assert cues > 15_000
