"""Benchmark queries, drawn with a fixed seed from what the talks actually say.

Six classes, as people type them: one word, several words, a phrase (spoken text
is full of frequent words), a prefix, a speaker filter with a word, and a word
with a typo. Each class also has an FTS5 form for the baseline.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from bench.corpus import CorpusTalk
from indexer.core.analysis import is_stop_word

CLASSES = ("one_word", "several_words", "phrase", "prefix", "filter", "typo")
_WORD = re.compile(r"[a-z]+")
#: a word as typed: contractions whole (`you're`, not `you` and `re`), numbers kept
_TYPED_WORD = re.compile(r"\d+(?:[.,]\d+)+|[a-z0-9]+(?:['\u2019][a-z]+)*")


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str  # talkseek's query language
    fts: str  # SQLite FTS5 MATCH expression
    speaker: str | None = None  # the filter class restricts the baseline to this speaker


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _content(words: list[str]) -> list[str]:
    return [word for word in words if len(word) >= 4 and not is_stop_word(word)]


def _typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:  # swap two neighbours
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    letter = rng.choice([c for c in "aeiourstln" if c != word[at]])
    return word[:at] + letter + word[at + 1 :]


def make_queries(talks: list[CorpusTalk], per_class: int, seed: int = 2024) -> list[BenchQuery]:
    """`per_class` queries of each class, the same for the same talks and seed.

    Without speakers there are no filter queries.
    """
    rng = random.Random(seed)
    usable = [talk for talk in talks if talk.snippets]
    kinds = [k for k in CLASSES if k != "filter" or any(len(t.speaker) >= 3 for t in usable)]
    made: dict[str, list[BenchQuery]] = {kind: [] for kind in kinds}
    attempts = 0
    while any(len(found) < per_class for found in made.values()) and attempts < 500 * per_class:
        attempts += 1
        talk = rng.choice(usable)
        text = rng.choice(talk.snippets)["text"]
        words = _words(text)
        content = _content(words)
        if len(words) < 4 or len(content) < 2:
            continue
        kind = rng.choice([k for k in kinds if len(made[k]) < per_class])
        query = _make(kind, talk, text, words, content, rng)
        if query is not None:
            made[kind].append(query)
    return [query for kind in kinds for query in made[kind]]


def typed_phrase(text: str, start: int, size: int) -> str:
    """Words start..start+size of a text (as `_words` counts them), as someone types them:
    a word cut from a contraction comes whole (`re trying` is typed `you're trying`), and
    numbers between them stay (`send 1,000 people`, not `send people`)."""
    lowered = text.lower()
    chosen = list(_WORD.finditer(lowered))[start : start + size]
    first, last = chosen[0].start(), chosen[-1].end()
    return " ".join(typed.group().replace("\u2019", "'") for typed in _TYPED_WORD.finditer(lowered)
                    if typed.end() > first and typed.start() < last)  # fmt: skip


def _make(kind, talk: CorpusTalk, text: str, words, content, rng: random.Random
          ) -> BenchQuery | None:  # fmt: skip
    if kind == "one_word":
        word = rng.choice(content)
        return BenchQuery(kind, word, f'"{word}"')
    if kind == "several_words":
        chosen = rng.sample(content, min(len(content), rng.choice((2, 3))))
        return BenchQuery(kind, " ".join(chosen), " ".join(f'"{w}"' for w in chosen))
    if kind == "phrase":
        size = rng.choice((2, 3, 4))
        start = rng.randrange(0, len(words) - size + 1)
        phrase = typed_phrase(text, start, size)
        return BenchQuery(kind, f'"{phrase}"', f'"{phrase}"')
    if kind == "prefix":
        word = rng.choice([w for w in content if len(w) >= 6] or content)
        stem = word[: rng.choice((3, 4, 5))]
        return BenchQuery(kind, f"{stem}*", f'"{stem}"*')
    if kind == "filter":
        surname = _words(talk.speaker)[-1:] if talk.speaker else []
        if not surname or len(surname[0]) < 3:
            return None
        word = rng.choice(content)
        return BenchQuery(kind, f"speaker:{surname[0]} {word}", f'"{word}"', speaker=surname[0])
    long_words = [w for w in content if len(w) >= 6]
    if not long_words:
        return None
    typo = _typo(rng.choice(long_words), rng)
    return BenchQuery("typo", typo, f'"{typo}"')
