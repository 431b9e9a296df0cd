"""Word pairs said close together in one video but far apart in another, from raw cue times."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from indexer.core.analysis import WORD
from indexer.ingest.captions import parse_vtt
from indexer.ingest.passages import build_passages

_WORD = re.compile(WORD)


@dataclass(frozen=True)
class SpreadCase:
    near_video: str
    far_video: str
    first: str
    second: str
    said_at: float  # when the two words are closest in the near video


def _stems(text: str) -> list[tuple[str, str]]:
    from indexer.core.analysis import terms

    pairs = []
    for word in _WORD.findall(text):
        found = terms(word)
        if len(found) == 1 and word.isalpha():
            pairs.append((found[0], word.lower()))
    return pairs


def spread_cases(tracks: dict[str, Path], count: int, seed: int = 7) -> list[SpreadCase]:
    """Pairs of rare words within 40 s of each other in a video but never in one passage of it,
    that another video has only more than three minutes apart."""
    times: dict[str, dict[str, list[float]]] = {}
    surface: dict[str, str] = {}
    in_passage: dict[str, list[set[str]]] = {}
    frequency: Counter[str] = Counter()
    for video_id, track in tracks.items():
        snippets = parse_vtt(track.read_text(encoding="utf-8"))
        found: dict[str, list[float]] = defaultdict(list)
        for snippet in snippets:
            for stem, word in _stems(snippet.text):
                found[stem].append(snippet.start)
                surface.setdefault(stem, word)
        times[video_id] = found
        in_passage[video_id] = [{s for s, _ in _stems(p.text)} for p in build_passages(snippets)]
        frequency.update(found.keys())

    def gap(video_id: str, a: str, b: str) -> tuple[float, float]:
        return min((abs(i - j), min(i, j)) for i in times[video_id][a] for j in times[video_id][b])

    # words cleaning drops from passages ([Applause], [Music]) cannot be searched for
    searchable = {video_id: set().union(*sets) if sets else set()
                  for video_id, sets in in_passage.items()}  # fmt: skip
    cases = []
    for video_id in sorted(times):
        rare = sorted(w for w in times[video_id] if 3 <= frequency[w] <= 8 and len(w) > 4
                      and w in searchable[video_id])  # fmt: skip
        for a, b in itertools.combinations(rare, 2):
            distance, at = gap(video_id, a, b)
            if distance > 40 or any(a in p and b in p for p in in_passage[video_id]):
                continue
            for other in sorted(times):
                shared = (other != video_id and a in times[other] and b in times[other]
                          and {a, b} <= searchable[other])  # fmt: skip
                if shared and gap(other, a, b)[0] > 180:
                    cases.append(SpreadCase(video_id, other, surface[a], surface[b], at))
    random.Random(seed).shuffle(cases)
    return cases[:count]
