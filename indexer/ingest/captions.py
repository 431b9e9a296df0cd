"""Caption files (JSON, WebVTT, SRT) → timed snippets.

JSON is the shape youtube-transcript-api gives (`to_raw_data()`, JSONFormatter),
so users can drop in transcripts fetched elsewhere. A file that cannot be read
raises `CaptionError` with a location; in WebVTT and SubRip files, which people
edit by hand, one broken cue is skipped and named in `Captions.skipped` rather
than losing the whole transcript; what the reader did to the whole file (read
lines not in UTF-8 as Windows-1252) is in `Captions.problems`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
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


class Captions(list["Snippet"]):
    """Snippets read from a file, the cues skipped as unreadable: (line, why), and what
    the whole file warns of: (line, message)."""

    def __init__(self, snippets: Iterable[Snippet] = (), skipped: Iterable[tuple[int, str]] = (),
                 problems: Iterable[tuple[int, str]] = ()) -> None:  # fmt: skip
        super().__init__(snippets)
        self.skipped = list(skipped)
        self.problems = list(problems)


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


def _vtt_snippets(text: str) -> list[Snippet] | None:
    """Every cue of a WebVTT text, or None if any cue (or the header) cannot be read."""
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError):
        return None
    if len(captions) != len(_VTT_TIMING.findall(text)):
        return None  # webvtt-py drops cues with unreadable timings without a word
    snippets = []
    for caption in captions:
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        snippets.append(Snippet(caption.text, start, max(end - start, 0.0)))
    return snippets


def _blocks(text: str) -> list[tuple[int, str]]:
    """The blank-line separated blocks of a caption text, with their first line's number."""
    found, line = [], 1
    for block in re.split(r"(\n[ \t]*\n)", text.replace("\r\n", "\n")):
        if block.strip() and not re.fullmatch(r"\n[ \t]*\n", block):
            found.append((line + len(block) - len(block.lstrip("\n")), block.strip("\n")))
        line += block.count("\n")
    return found


def parse_vtt(text: str) -> Captions:
    """WebVTT cues; a cue that cannot be read is skipped and named, never dropped silently."""
    whole = _vtt_snippets(text)
    if whole is not None:
        return Captions(whole)
    blocks = _blocks(text)
    if not blocks or not blocks[0][1].lstrip("\ufeff").startswith("WEBVTT"):
        raise CaptionError("not valid WebVTT: the file does not start with WEBVTT")
    captions = Captions()
    for line, block in blocks[1:]:
        if not _VTT_TIMING.search(block):
            continue  # a NOTE, STYLE or REGION block
        cue = _vtt_snippets(f"WEBVTT\n\n{block}\n")
        if cue is None:
            captions.skipped.append((line, "unreadable cue timing"))
        else:
            captions.extend(cue)
    if not captions and captions.skipped:
        raise CaptionError(f"not valid WebVTT: all {len(captions.skipped)} cues unreadable")
    return captions


def parse_srt(text: str) -> Captions:
    """SubRip subtitles; a block that cannot be read is skipped and named."""
    try:
        return Captions([_srt_snippet(subtitle) for subtitle in srt.parse(text)])
    except srt.SRTParseError:
        pass
    captions = Captions()
    for line, block in _blocks(text):
        try:
            captions.extend(_srt_snippet(subtitle) for subtitle in srt.parse(block + "\n"))
        except srt.SRTParseError:
            captions.skipped.append((line, "unreadable subtitle block"))
    if not captions:
        raise CaptionError(f"not valid SRT near line {captions.skipped[0][0]}")
    return captions


def _srt_snippet(subtitle: srt.Subtitle) -> Snippet:
    start = subtitle.start.total_seconds()
    return Snippet(subtitle.content, start, max(subtitle.end.total_seconds() - start, 0.0))


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
