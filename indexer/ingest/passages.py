"""Caption snippets → timed passages, the unit of a "moment" in search results.

Captions come as 2-5 s cues (YouTube) or minute-long speaker turns (edited
transcripts). Neither is a good unit to rank or to play from, so snippets are
cleaned, cut into sentence-sized units with times kept by proportion, and packed
into passages of roughly 20-45 s that end where a sentence ends or the speaker
pauses. Neighbouring passages share a few words so a phrase that crosses a
boundary is still inside one passage. Pure functions: snippets in, passages out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.ingest.captions import Snippet

MIN_SECONDS = 20.0
MAX_SECONDS = 45.0
PAUSE_SECONDS = 1.5
UNIT_MAX_WORDS = 40
UNIT_MAX_SECONDS = 12.0
OVERLAP_WORDS = 8
ROLLING_MIN_WORDS = 3
ROLLING_MAX_WORDS = 30  # a caption line is shorter; longer texts are not rolling repeats

_SOUNDS = {
    "music", "applause", "applauds", "applauding", "laughter", "laughs", "laughing", "laugh",
    "cheering", "cheers", "silence", "inaudible", "crosstalk", "noise", "foreign",
    "blank_audio", "no", "audio", "speaking", "in", "language", "background", "playing",
    "ends", "singing", "whistling", "beatboxing", "video", "sound", "new_paragraph",
}  # fmt: skip
_DROPPED = "\x00"  # where a sound label stood, until the spaces around it are settled
_DROPPED_BEFORE_PUNCTUATION = re.compile(r"\s*\x00\s*(?=[.,;:!?\u2026])")
_BRACKETED = re.compile(r"\[([^\]]{0,40})\]|\(([^)]{0,40})\)")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>|<\d{1,2}:\d{2}[:.\d]*>")  # tags and VTT cue timestamps
_SENTENCE_END = re.compile(r"[.!?…][\"'\u201d\u2019)\]]*$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])[\"'\u201d\u2019)\]]*\s+")


@dataclass(frozen=True)
class Passage:
    """A stretch of a video's transcript: what was said between start and end (seconds)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class _Unit:
    start: float
    end: float
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _drop_sound(match: re.Match[str]) -> str:
    inner = (match.group(1) or match.group(2) or "").lower()
    words = re.findall(r"[a-z_]+", inner)
    return _DROPPED if words and all(word in _SOUNDS for word in words) else match.group(0)


def clean_text(text: str) -> str:
    """Caption text as words: entities decoded, tags, sound labels and music notes dropped."""
    text = html.unescape(html.unescape(text))
    text = _TAG.sub(" ", text)
    text = _BRACKETED.sub(_drop_sound, text)
    text = _DROPPED_BEFORE_PUNCTUATION.sub("", text).replace(_DROPPED, " ")
    text = text.replace("\u266a", " ").replace(">>", " ")
    return " ".join(text.split())


def _timed(snippets: Sequence[Snippet]) -> list[tuple[float, float, str]]:
    """(start, end, cleaned text) in time order, ends clipped where the next cue starts."""
    ordered = sorted((s for s in snippets if s.start >= 0), key=lambda snippet: snippet.start)
    next_start: list[float | None] = [None] * len(ordered)  # the next *later* start of each
    for index in range(len(ordered) - 2, -1, -1):
        later = ordered[index + 1].start
        next_start[index] = later if later > ordered[index].start else next_start[index + 1]
    timed = []
    for snippet, following in zip(ordered, next_start, strict=True):
        end = snippet.start + max(snippet.duration, 0.0)
        if following is not None and (end > following or snippet.duration <= 0):
            end = following
        text = clean_text(snippet.text)
        if text:
            timed.append((snippet.start, max(end, snippet.start), text))
    return timed


def _without_rolling_repeat(previous: Sequence[str], words: list[str]) -> list[str]:
    """Drop the start of a cue that repeats the end of the previous one (auto captions)."""
    if previous and words == list(previous[-len(words) :]):
        return []
    longest = min(len(previous), len(words), ROLLING_MAX_WORDS)
    first = words[0]
    for size in range(longest, ROLLING_MIN_WORDS - 1, -1):
        if previous[-size] == first and list(previous[-size:]) == words[:size]:
            return words[size:]
    return words


def _split(start: float, end: float, words: list[str]) -> Iterable[_Unit]:
    """Cut a long snippet at sentence ends (then every UNIT_MAX_WORDS), timing by length."""
    pieces: list[list[str]] = []
    for sentence in _SENTENCE_SPLIT.split(" ".join(words)):
        sentence_words = sentence.split()
        for offset in range(0, len(sentence_words), UNIT_MAX_WORDS):
            pieces.append(sentence_words[offset : offset + UNIT_MAX_WORDS])
    pieces = [piece for piece in pieces if piece]
    total = sum(len(" ".join(piece)) + 1 for piece in pieces) or 1
    cursor = start
    for piece in pieces:
        length = (end - start) * (len(" ".join(piece)) + 1) / total
        yield _Unit(round(cursor, 3), round(cursor + length, 3), tuple(piece))
        cursor += length


def _units(snippets: Sequence[Snippet]) -> list[_Unit]:
    units: list[_Unit] = []
    previous: list[str] = []
    for start, end, text in _timed(snippets):
        words = _without_rolling_repeat(previous, text.split())
        previous = text.split()
        if not words:
            if units and end > units[-1].end:  # a repeated line stays on screen: time runs on
                units[-1] = _Unit(units[-1].start, end, units[-1].words)
            continue
        if len(words) > UNIT_MAX_WORDS or end - start > UNIT_MAX_SECONDS:
            units.extend(_split(start, end, words))
        else:
            units.append(_Unit(start, end, tuple(words)))
    return units


def _tail(unit: _Unit) -> _Unit:
    """The end of a unit, carried into the next passage as overlap, its start by proportion."""
    if len(unit.words) <= OVERLAP_WORDS:
        return unit
    kept = unit.words[-OVERLAP_WORDS:]
    share = len(" ".join(kept)) / max(len(unit.text), 1)
    return _Unit(round(unit.end - (unit.end - unit.start) * share, 3), unit.end, kept)


def _passage(units: list[_Unit]) -> Passage:
    return Passage(units[0].start, max(u.end for u in units), " ".join(u.text for u in units))


def build_passages(snippets: Sequence[Snippet]) -> list[Passage]:
    """Pack snippets into overlapping passages of about MIN_SECONDS to MAX_SECONDS."""
    units = _units(snippets)
    passages: list[Passage] = []
    current: list[_Unit] = []
    fresh = 0  # units in `current` that no earlier passage holds

    def close() -> None:
        nonlocal current, fresh
        if fresh:
            passages.append(_passage(current))
        carry = _tail(current[-1]) if fresh and len(current) > 1 else None
        current, fresh = ([carry] if carry else []), 0

    for index, unit in enumerate(units):
        if current and fresh and unit.end - current[0].start > MAX_SECONDS:
            close()
        current.append(unit)
        fresh += 1
        following = units[index + 1].start if index + 1 < len(units) else None
        pause = following is not None and following - unit.end >= PAUSE_SECONDS
        long_enough = unit.end - current[0].start >= MIN_SECONDS
        if long_enough and (_SENTENCE_END.search(unit.words[-1]) or pause):
            close()
    if fresh:
        close()
    return passages
