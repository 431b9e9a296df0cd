"""Note bullets → the moment of the talk they are about.

People write notes while watching, in their own words, so a bullet shares a few
distinctive words with the passage it summarises. Each note is matched to the
passage of its own talk with the highest sum of word rarity (idf within the
talk) over shared stems.

A match is kept only when chance cannot explain it: how many passages of the talk
would share those words with an unrelated sentence. A word's chance to be in a passage
is the larger of how common it is in English (wordfreq) and how common it is in the
rest of the talk (damped in short talks, where a few passages say little); the count
also covers every subset of the note's words that could have matched. A bullet from
another talk shares only everyday or talk-wide words and gets no time rather than a
wrong one; a bullet sharing `nanosecond` and `wire` with one passage is kept even in a
short talk.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from indexer.core.analysis import is_contraction, is_stop_word, stem, words
from indexer.ingest.english import english_share
from indexer.ingest.passages import Passage

MIN_SHARED = 2
#: The most passages, in natural-log units, that may share the matched words by chance.
MAX_LOG_CHANCE = -5.0
#: Passages of unknown content added to a talk when estimating how common a word is in it.
PRIOR_PASSAGES = 100
LEAD_IN = 3.0


@dataclass(frozen=True)
class Alignment:
    video_id: str
    start: float


#: A time a note begins with, as people jot it while watching: `12:34`, `1:02:03`, `[4:05]`,
#: `(4:05)`, followed by the end, a space or a dash; not a time of day (`10:30 am`).
_STATED = re.compile(
    r"\s*[\[(]?(?:(\d{1,2}):([0-5]\d)|(\d{1,3})):([0-5]\d)[\])]?(?=$|[\s\-\u2013\u2014,]|:(?!\d))"
    r"(?!\s*[ap]\.?m\b\.?)",
    re.IGNORECASE,
)


def stated_start(text: str) -> float | None:
    """The second a note says it is about, when it begins with a time; else None."""
    return split_stated(text)[0]


def split_stated(text: str) -> tuple[float | None, str]:
    """The second a note begins with (None without one), and the note's words after it."""
    found = _STATED.match(text)
    if found is None:
        return None, text
    hours, minutes_of_hour, minutes, seconds = found.groups()
    if hours is not None:
        second = int(hours) * 3600 + int(minutes_of_hour) * 60 + int(seconds)
    else:
        second = int(minutes) * 60 + int(seconds)
    return float(second), text[found.end() :]


def _note_stems(text: str) -> dict[str, list[str]]:
    """A note's content stems, each with the words of the note that gave it."""
    found: dict[str, list[str]] = {}
    for word in words(text):
        for s in _word_stems(word):
            found.setdefault(s, []).append(word.lower())
    return found


def _log_chance(
    note: dict[str, list[str]], shared: set[str], frequency: Counter[str], passages: int,
    length: float,
) -> float:  # fmt: skip
    """Log of how many of the talk's passages would share `shared` with an unrelated note:
    each word's chance to occur in a passage of `length` words, times the passages, times
    the subsets of the note's words of that size.

    A shared stem counts as its most common form in English; only shared stems are looked
    up, so a note's other new words never load the word list (`english`)."""
    log_chance = math.log(passages) + math.log(math.comb(len(note), len(shared)))
    for s in shared:
        in_english = length * max(english_share(word) for word in note[s])
        elsewhere_in_talk = (frequency[s] - 1) / (passages + PRIOR_PASSAGES)
        log_chance += math.log(min(1.0, max(in_english, elsewhere_in_talk, 1e-12)))
    return log_chance


@lru_cache(maxsize=200_000)
def _word_stems(word: str) -> frozenset[str]:
    if is_contraction(word):  # `we'll` shares nothing with "well"
        return frozenset()
    parts = word.replace("'", "").replace("\u2019", "").split("-")
    content = (part for part in parts if len(part) > 1 and not part.isdigit())
    return frozenset(stem(part) for part in content if not is_stop_word(part))


def _content_stems(text: str) -> set[str]:
    found: set[str] = set()
    for word in words(text):
        found.update(_word_stems(word))
    return found


def _time_of_first(passage: Passage, stems: set[str]) -> float:
    """When the passage reaches the first shared word, by its share of the text, a bit early.

    Passages keep only their start and end, so the time inside one is estimated
    from the word's position; LEAD_IN seconds earlier so playback starts before it.
    """
    text = passage.text
    offset = 0
    for word in text.split():
        if _content_stems(word) & stems:
            break
        offset += len(word) + 1
    else:
        return passage.start
    share = offset / max(len(text), 1)
    estimate = passage.start + share * (passage.end - passage.start) - LEAD_IN
    return round(max(passage.start, estimate), 1)


def align_notes(
    notes: Sequence[str], passages: Sequence[tuple[str, Passage]]
) -> list[Alignment | None]:
    """For each note text, the best matching passage's video and start, or None."""
    if not passages or not notes:
        return [None] * len(notes)
    passage_stems = [_content_stems(passage.text) for _, passage in passages]
    frequency = Counter(s for stems in passage_stems for s in stems)
    total = len(passages)
    idf = {s: math.log(1 + total / count) for s, count in frequency.items()}
    postings: dict[str, list[int]] = {}
    for index, stems in enumerate(passage_stems):
        for s in stems:
            postings.setdefault(s, []).append(index)
    length = sum(len(passage.text.split()) for _, passage in passages) / total
    aligned: list[Alignment | None] = []
    for note in notes:
        note_stems = _note_stems(note)
        scores: dict[int, float] = defaultdict(float)
        for s in note_stems:
            for index in postings.get(s, ()):
                scores[index] += idf[s]
        best = max(scores, key=lambda i: (scores[i], -i), default=None)
        shared = passage_stems[best] & note_stems.keys() if best is not None else set()
        supported = len(shared) >= MIN_SHARED and (
            _log_chance(note_stems, shared, frequency, total, length) <= MAX_LOG_CHANCE
        )
        if best is None or not supported:
            aligned.append(None)
            continue
        video_id, passage = passages[best]
        aligned.append(Alignment(video_id, _time_of_first(passage, set(note_stems))))
    return aligned
