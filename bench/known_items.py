"""Known-item queries over the podcasts: the three rarest words of a random long speaker
turn, with the episodes it belongs to and the second it starts; and phrases remembered
as said, typed without quotes.

Shared by the corpus tests (keyword search must find the episode and the moment) and the
meaning benchmark (hybrid search must not find fewer of them).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import yaml

from indexer.core.analysis import is_stop_word, words
from indexer.ingest.notes import file_talk_id

#: (the rare words, the talks holding that transcript, the second the turn starts)
KnownItem = tuple[list[str], set[str], float]


def known_items(corpus: Path, count: int, seed: int = 11,
                videos: set[str] | None = None) -> list[KnownItem]:  # fmt: skip
    """`count` known items, the same for the same corpus and seed (from `videos` only,
    when given)."""
    transcripts = corpus / "lenny" / "transcripts"
    episodes: dict[str, list[str]] = {}
    for notes in sorted((corpus / "lenny" / "notes").glob("*.md")):
        meta = yaml.safe_load(notes.read_text(encoding="utf-8").split("---")[1])
        if videos is not None and meta["video_id"] not in videos:
            continue
        if (transcripts / f"{meta['video_id']}.json").is_file():
            episodes.setdefault(meta["video_id"], []).append(file_talk_id(notes))
    turns, frequency, copies = {}, {}, {}
    for video_id in sorted(episodes):
        text = (transcripts / f"{video_id}.json").read_text(encoding="utf-8")
        copies.setdefault(text, []).extend(episodes[video_id])
        turns[video_id] = (json.loads(text), text)
        for word in {w for t in turns[video_id][0] for w in words(t["text"])}:
            frequency[word] = frequency.get(word, 0) + 1
    rng = random.Random(seed)
    items: list[KnownItem] = []
    while len(items) < count:
        video_id = rng.choice(sorted(turns))
        snippets, text = turns[video_id]
        long_turns = [t for t in snippets if len(t["text"].split()) > 40]
        if not long_turns:
            continue
        turn = rng.choice(long_turns)
        rare = sorted(
            {
                w
                for w in words(turn["text"])
                if re.fullmatch(r"[a-z]{4,}", w) and not is_stop_word(w)
            },
            key=lambda w: (frequency[w], w),
        )[:3]
        items.append((rare, set(copies[text]), turn["start"]))  # identical re-publications count
    return items


def with_typo(word: str) -> str:
    """The word with its third and fourth letters swapped."""
    return word[:2] + word[3] + word[2] + word[4:]


def remembered_phrases(corpus: Path, count: int, seed: int = 13,
                       videos: set[str] | None = None) -> list[str]:  # fmt: skip
    """`count` runs of two to four words said one after the other in a podcast caption
    (letters only, at least two of them not stop words), as someone remembering them
    types them: the same for the same corpus and seed (from `videos` only, when given)."""
    return [" ".join(run) for run in _said_runs(corpus, count, (2, 3, 4), 2, seed, videos)]


def slipped_phrases(corpus: Path, count: int, seed: int = 17,
                    videos: set[str] | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """`count` runs of six to eight words said in a podcast caption (letters only, at
    least three of them not stop words), each as typed by someone who remembers it with
    one word missing, and as said: the same for the same corpus and seed."""
    rng = random.Random(seed)
    slipped = []
    for run in _said_runs(corpus, count, (6, 7, 8), 3, seed, videos):
        missing = rng.randrange(1, len(run) - 1)  # the first and last words are remembered
        slipped.append((" ".join(run[:missing] + run[missing + 1 :]), " ".join(run)))
    return slipped


def _said_runs(corpus: Path, count: int, sizes: tuple[int, ...], content: int, seed: int,
               videos: set[str] | None) -> list[list[str]]:  # fmt: skip
    """`count` runs of words (of one of `sizes`) said one after the other in a podcast
    caption, letters only, at least `content` of them not stop words."""
    paths = sorted(path for path in (corpus / "lenny" / "transcripts").glob("*.json")
                   if videos is None or path.stem in videos)  # fmt: skip
    rng = random.Random(seed)
    runs: list[list[str]] = []
    while paths and len(runs) < count:
        snippet = rng.choice(json.loads(rng.choice(paths).read_text(encoding="utf-8")))
        said = [word.strip(".,:;!?\"()") for word in snippet["text"].split()]
        size = rng.choice(sizes)
        if len(said) < size + 2:
            continue
        start = rng.randrange(len(said) - size)
        run = said[start : start + size]
        if re.fullmatch(r"[A-Za-z' -]+", " ".join(run)) and sum(
            not is_stop_word(word) for word in words(" ".join(run))
        ) >= content:
            runs.append(run)
    return runs
