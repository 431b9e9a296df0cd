"""Caption files (JSON, WebVTT, SRT) → timed snippets.

JSON is the shape youtube-transcript-api gives (`to_raw_data()`, JSONFormatter),
so users can drop in transcripts fetched elsewhere. Every reader raises
`CaptionError` with a location rather than returning half a transcript silently.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import TypeGuard

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

FORMATS = ("json", "vtt", "srt")
_VIDEO_HEADER = re.compile(r"^Video:\s*(\S+)\s*$", re.M)
_VTT_TIMING = re.compile(r"^\s*\S+\s+-->\s+\S+", re.M)


class CaptionError(ValueError):
    """A caption file that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Snippet:
    """One caption as shown on screen: text and when (seconds)."""

    text: str
    start: float
    duration: float


def parse_json(text: str) -> list[Snippet]:
    """A youtube-transcript-api style list of `{"text", "start", "duration"}`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CaptionError(f"not valid JSON at line {error.lineno}: {error.msg}") from None
    if not isinstance(data, list):
        raise CaptionError("expected a JSON list of {text, start, duration} objects")
    snippets = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise CaptionError(f"item {number} is not an object")
        said, start, duration = item.get("text"), item.get("start"), item.get("duration", 0.0)
        if not isinstance(said, str):
            raise CaptionError(f"item {number}: text is missing or not a string")
        if not _is_time(start) or not _is_number(duration):
            raise CaptionError(f"item {number}: start/duration must be non-negative numbers")
        # Real transcripts carry negative durations where turns were re-ordered: keep the text.
        snippets.append(Snippet(said, float(start), max(float(duration), 0.0)))
    return snippets


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_time(value: object) -> TypeGuard[float]:
    return _is_number(value) and value >= 0


def parse_vtt(text: str) -> list[Snippet]:
    """WebVTT cues; a cue whose timing line cannot be read is an error, not a silent gap."""
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise CaptionError(f"not valid WebVTT: {error}") from None
    expected = len(_VTT_TIMING.findall(text))
    if len(captions) != expected:
        raise CaptionError(
            f"not valid WebVTT: {expected - len(captions)} of {expected} cue timings unreadable"
        )
    snippets = []
    for caption in captions:
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        snippets.append(Snippet(caption.text, start, max(end - start, 0.0)))
    return snippets


def parse_srt(text: str) -> list[Snippet]:
    """SubRip subtitles."""
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as error:
        line = text[: error.actual_start].count("\n") + 1
        raise CaptionError(f"not valid SRT near line {line}") from None
    snippets = []
    for subtitle in subtitles:
        start = subtitle.start.total_seconds()
        duration = max(subtitle.end.total_seconds() - start, 0.0)
        snippets.append(Snippet(subtitle.content, start, duration))
    return snippets


def parse_captions(text: str, fmt: str) -> list[Snippet]:
    """Read caption text in one of FORMATS."""
    readers = {"json": parse_json, "vtt": parse_vtt, "srt": parse_srt}
    if fmt not in readers:
        raise CaptionError(f"unknown caption format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return readers[fmt](text)


def video_id_from_vtt(text: str) -> str | None:
    """The `Video: <id>` header line YouTube-downloaded tracks carry, if any."""
    header = text.split("\n\n", 1)[0]
    match = _VIDEO_HEADER.search(header)
    return match.group(1) if match else None


def snippets_to_json(snippets: list[Snippet]) -> str:
    """The cache format: the same list youtube-transcript-api's JSONFormatter writes."""
    return json.dumps([asdict(snippet) for snippet in snippets], ensure_ascii=False, indent=0)
