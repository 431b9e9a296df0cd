"""Note bullets → the moment of the talk they are about.

People write notes while watching, in their own words, so a bullet shares a few
distinctive words with the passage it summarises. Each note is matched to the
passage of its own talk with the highest sum of word rarity (idf within the
talk) over shared stems; a weak match gives no time rather than a wrong one.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from indexer.core.analysis import is_stop_word, stem, words
from indexer.ingest.passages import Passage

MIN_SHARED = 2
MIN_SCORE = 2.0
LEAD_IN = 3.0


@dataclass(frozen=True)
class Alignment:
    video_id: str
    start: float


@lru_cache(maxsize=200_000)
def _word_stems(word: str) -> frozenset[str]:
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
    aligned: list[Alignment | None] = []
    for note in notes:
        scores: dict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for s in _content_stems(note):
            for index in postings.get(s, ()):
                scores[index] += idf[s]
                shared[index] += 1
        best = max(scores, key=lambda i: (scores[i], -i), default=None)
        if best is None or shared[best] < MIN_SHARED or scores[best] < MIN_SCORE:
            aligned.append(None)
            continue
        video_id, passage = passages[best]
        aligned.append(Alignment(video_id, _time_of_first(passage, _content_stems(note))))
    return aligned
