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
            episodes.setdefault(meta["video_id"], []).append(notes.stem)
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
    paths = sorted(path for path in (corpus / "lenny" / "transcripts").glob("*.json")
                   if videos is None or path.stem in videos)  # fmt: skip
    rng = random.Random(seed)
    phrases: list[str] = []
    while paths and len(phrases) < count:
        snippet = rng.choice(json.loads(rng.choice(paths).read_text(encoding="utf-8")))
        said = [word.strip(".,:;!?\"()") for word in snippet["text"].split()]
        size = rng.choice((2, 3, 4))
        if len(said) < size + 2:
            continue
        start = rng.randrange(len(said) - size)
        phrase = " ".join(said[start : start + size])
        if re.fullmatch(r"[A-Za-z' -]+", phrase) and sum(
            not is_stop_word(word) for word in words(phrase)
        ) >= 2:
            phrases.append(phrase)
    return phrases
