"""How well a known talk is found again, from what people type for it.

- its title, typed as words (the part before " | Guest (Company)"): the reciprocal of
  the talk's rank, averaged (MRR; a talk with the same title counts as found);
- a speaker's surname alone: the share of the first results (as many as the talks they
  gave, at most ten) that are theirs;
- a name's word that another speaker's name stems to (`adam` beside `adams`), typed alone:
  the share of the first results (as many as the talks of speakers writing it, at most
  ten) that are talks of those speakers;
- known items over the podcasts (`bench/known_items.py`): three rare words of a speaker
  turn, and the rank of its episode.
- phrases remembered from the podcasts (`bench/known_items.py`), typed without quotes:
  the share whose first result's first moment says them, side by side as typed;
- longer runs remembered with a word missing, typed without quotes: the share whose first
  result's first moment says the whole run.

Queries come from the engine's own records with a fixed seed, so every engine and every
version is measured on the same ones; searches use the default mode (hybrid where the
index has meaning vectors) unless a mode is given.
"""

from __future__ import annotations

import random
import re
import statistics
from pathlib import Path

from bench.known_items import known_items, remembered_phrases, slipped_phrases
from indexer.core.analysis import spelling_words, stem, words
from indexer.engines.protocol import Engine
from indexer.search import DEFAULT_MODE, search

_MARKS = ".,:;!?\"()|+\u2026\u201c\u201d"
_WORD = re.compile(r"[a-z]+")


def typed(title: str) -> str:
    """A title as someone types it: its words, without the punctuation around them."""
    return " ".join(word.strip(_MARKS) for word in title.split() if word.strip(_MARKS))


def _rank_of(engine: Engine, query: str, wanted: set[str], mode: str = DEFAULT_MODE) -> float:
    """1 / the rank of the first wanted talk on the first page, 0 when none is there."""
    ids = [item["talk"]["id"] for item in search(engine, query, mode=mode)["results"]]
    return next((1 / (at + 1) for at, talk_id in enumerate(ids) if talk_id in wanted), 0.0)


def title_mrr(engine: Engine, count: int, seed: int, mode: str = DEFAULT_MODE) -> float:
    records = {record["id"]: record for record in engine.records()}
    by_title: dict[str, set[str]] = {}
    for talk_id, record in records.items():
        by_title.setdefault(record["title"], set()).add(talk_id)
    chosen = random.Random(seed).sample(sorted(records), min(count, len(records)))
    return statistics.mean(
        _rank_of(engine, typed(records[talk_id]["title"].split(" | ")[0]),
                 by_title[records[talk_id]["title"]], mode)
        for talk_id in chosen
    )  # fmt: skip


def surname_precision(engine: Engine, count: int, seed: int, mode: str = DEFAULT_MODE
                      ) -> float:  # fmt: skip
    by_surname: dict[str, set[str]] = {}
    for record in engine.records():
        # the last word's last letters, accents folded: `González` is typed `gonzalez`
        for surname in _WORD.findall(" ".join(words(record.get("speaker") or "")))[-1:]:
            if len(surname) >= 3:
                by_surname.setdefault(surname, set()).add(record["id"])
    chosen = random.Random(seed).sample(sorted(by_surname), min(count, len(by_surname)))
    shares = []
    for surname in chosen:
        theirs = by_surname[surname]
        shown = [item["talk"]["id"] for item in search(engine, surname, mode=mode)["results"]]
        first = shown[: min(len(theirs), 10)]
        shares.append(sum(talk_id in theirs for talk_id in first) / len(first) if first else 0)
    return statistics.mean(shares)


def shared_name_precision(engine: Engine, mode: str = DEFAULT_MODE) -> float | None:
    """Every speaker's word that is its own stem and the stem of another speaker's word
    (None when no speaker's name has one)."""
    speakers = engine.vocabulary("speaker")
    shares = []
    for word in speakers.words:
        if not word.isalpha() or stem(word) != word:
            continue
        longer, _ = speakers.with_prefix(word)
        if not any(other != word and stem(other) == word for other in longer):
            continue
        wanted = min(10, speakers.frequency(word))
        found = search(engine, word, mode=mode)["results"][:wanted]
        shown = [spelling_words(item["talk"]["speaker"] or "") for item in found]
        shares.append(sum(word in names for names in shown) / wanted)
    return statistics.mean(shares) if shares else None


def known_item_mrr(engine: Engine, corpus: Path, count: int) -> float | None:
    """None when the index holds none of the podcast episodes."""
    videos = _indexed_podcasts(engine, corpus)
    if not videos:
        return None
    items = known_items(corpus, count, videos=videos)
    return statistics.mean(_rank_of(engine, " ".join(rare), talks) for rare, talks, _ in items)


def said_together_share(engine: Engine, corpus: Path, count: int) -> float | None:
    """None when the index holds none of the podcast episodes."""
    videos = _indexed_podcasts(engine, corpus)
    if not videos:
        return None
    phrases = remembered_phrases(corpus, count, videos=videos)
    return sum(_first_moment_says(engine, phrase, phrase) for phrase in phrases) / count


def said_with_a_slip_share(engine: Engine, corpus: Path, count: int) -> float | None:
    """None when the index holds none of the podcast episodes."""
    videos = _indexed_podcasts(engine, corpus)
    if not videos:
        return None
    slipped = slipped_phrases(corpus, count, videos=videos)
    return sum(_first_moment_says(engine, typed, said) for typed, said in slipped) / count


def _first_moment_says(engine: Engine, query: str, said: str) -> bool:
    """Whether the first result's first moment says the words `said`, in order."""
    results = search(engine, query, mode="keyword")["results"]
    moments = results[0]["moments"] if results else []
    return bool(moments) and _holds_in_order(words(moments[0]["text"]), words(said))


def _holds_in_order(text: list[str], phrase: list[str]) -> bool:
    return any(text[at : at + len(phrase)] == phrase for at in range(len(text)))


def _indexed_podcasts(engine: Engine, corpus: Path) -> set[str]:
    """The podcast episodes the index holds (none without the corpus's podcasts)."""
    if not (corpus / "lenny").is_dir():
        return set()
    videos = {video["video_id"] for record in engine.records()
              for video in record.get("videos", []) if video.get("video_id")}  # fmt: skip
    return videos & _podcast_videos(corpus)


def _podcast_videos(corpus: Path) -> set[str]:
    return {path.stem for path in (corpus / "lenny" / "transcripts").glob("*.json")}


def measure(engine: Engine, corpus: Path, count: int = 300, seed: int = 5) -> dict[str, float]:
    """The figures, rounded (known items left out when the index has no episode, shared
    names when no speaker has one)."""
    figures = {
        "relevance_title_mrr": title_mrr(engine, count, seed),
        "relevance_surname_precision": surname_precision(engine, count, seed),
    }
    shared = shared_name_precision(engine)
    if shared is not None:
        figures["relevance_shared_name_precision"] = shared
    known = known_item_mrr(engine, corpus, count // 2)
    if known is not None:
        figures["relevance_known_item_mrr"] = known
    together = said_together_share(engine, corpus, count)
    if together is not None:
        figures["relevance_said_together"] = together
        figures["relevance_said_with_a_slip"] = said_with_a_slip_share(engine, corpus, count)
    return {name: round(value, 3) for name, value in figures.items()}
