"""Keyword and meaning rankings fused at the level of documents, then grouped by talk.

Weighted reciprocal rank fusion: a document scores w/(K + its rank) in each ranking that
holds it, summed. Ranks, not scores, so BM25 and cosine need no common scale. The weight
is 1 for the meaning ranking; for the keyword ranking it says how sure the words are:
NAMED for a talk's own record holding them all (its title or its speaker was typed: the
words name the talk), PINNED where they all meet in one note or minute of a talk (a
quote, rare words: the words find the moment) or in the only talk holding them all,
SCATTERED elsewhere. A talk then scores by its best document and a share of its next
best. Engines use this alike, so both fuse the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.engines.protocol import Kind

#: The rank constant: smaller favours the top ranks more (60 is the usual choice; 20 did
#: better on the podcasts' idea and known-item queries: see the README).
RRF_K = 20
#: What a keyword rank counts beside the same meaning rank: much more in talks where one
#: note or one minute holds every query group (the words pin a moment down), less in talks
#: where they are scattered or only some are found (the words are common: meaning knows
#: better what was asked).
PINNED = 5.0
SCATTERED = 0.25
#: A record holding every query group leads the keyword ranking and counts this much: a
#: passage of another talk that quotes the name must not outweigh the talk it names once
#: meaning adds to the passage (twice PINNED did best on the podcasts' titles and names,
#: and changed no idea or known item: see the README).
NAMED = 2 * PINNED
#: At most this many talks holding every query group: the words single it out (PINNED).
FEW = 1
#: Documents the meaning ranking lists, nearest first, and how near (cosine) they must be.
NEAREST = 200
MIN_SIMILARITY = 0.2
#: Bits of `Fused.found`: which ranking found a document.
BY_KEYWORD, BY_MEANING = 1, 2
#: What each talk's next best documents add to its best.
SHARE = 0.3
NEXT_BEST = 2


@dataclass
class Fused:
    """Documents of either ranking, best first, with their fused scores."""

    docs: np.ndarray  # document codes (int64)
    scores: np.ndarray  # float64
    found: np.ndarray  # uint8: BY_KEYWORD | BY_MEANING

    def found_by(self, position: int) -> str:
        bits = int(self.found[position])
        return {BY_KEYWORD: "keyword", BY_MEANING: "meaning"}.get(bits, "both")


def fuse(keyword: np.ndarray, meaning: np.ndarray, k: int = RRF_K,
         keyword_weights: np.ndarray | None = None) -> Fused:  # fmt: skip
    """Fuse two rankings of document codes (each best first, no repeats); a keyword
    document's rank counts `keyword_weights` times a meaning rank (default: once)."""
    weights = {BY_KEYWORD: np.ones(len(keyword)) if keyword_weights is None else keyword_weights,
               BY_MEANING: np.ones(len(meaning))}  # fmt: skip
    keyword = np.asarray(keyword, dtype=np.int64)
    meaning = np.asarray(meaning, dtype=np.int64)
    docs, inverse = np.unique(np.concatenate([keyword, meaning]), return_inverse=True)
    scores = np.zeros(len(docs))
    found = np.zeros(len(docs), dtype=np.uint8)
    for ranking, ranked, bit in ((keyword, inverse[: len(keyword)], BY_KEYWORD),
                                 (meaning, inverse[len(keyword):], BY_MEANING)):  # fmt: skip
        np.add.at(scores, ranked, weights[bit] / (k + 1 + np.arange(len(ranking))))
        found[ranked] |= bit
    order = np.lexsort((docs, -scores))
    return Fused(docs[order], scores[order], found[order])


def talk_scores(talks: np.ndarray, scores: np.ndarray, count: int) -> np.ndarray:
    """Per talk code (of `count`): its best document's score plus SHARE of its next
    NEXT_BEST; `talks` and `scores` are per document, best first."""
    total = np.zeros(count)
    if not len(talks):
        return total
    order = np.lexsort((-scores, talks))
    owners, ranked = talks[order], scores[order]
    first = np.searchsorted(owners, owners, side="left")
    place = np.arange(len(owners)) - first
    weight = np.where(place == 0, 1.0, np.where(place <= NEXT_BEST, SHARE, 0.0))
    np.add.at(total, owners, ranked * weight)
    return total


def meaning_kinds(fields: tuple[str, ...]) -> tuple[Kind, ...]:
    """The kinds of document meaning search ranks under a scope (in:notes, in:transcript)."""
    if fields == ("note",):
        return (Kind.NOTE,)
    if fields == ("transcript",):
        return (Kind.PASSAGE,)
    return (Kind.TALK, Kind.NOTE, Kind.PASSAGE)
