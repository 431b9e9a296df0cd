"""Reciprocal rank fusion and per-talk scores, against plain Python versions of the same."""

from __future__ import annotations

import random

import numpy as np
import pytest

from indexer.engines.fusion import (
    NEXT_BEST,
    PINNED,
    RRF_K,
    SCATTERED,
    SHARE,
    fuse,
    talk_scores,
)


def plain_fuse(keyword: list[int], meaning: list[int], weights: list[float]
               ) -> dict[int, tuple[float, str]]:  # fmt: skip
    scores: dict[int, float] = {}
    found: dict[int, set[str]] = {}
    for name, ranking, weight in (("keyword", keyword, weights),
                                  ("meaning", meaning, [1.0] * len(meaning))):  # fmt: skip
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight[rank - 1] / (RRF_K + rank)
            found.setdefault(doc, set()).add(name)
    return {doc: (score, "both" if len(found[doc]) == 2 else found[doc].pop())
            for doc, score in scores.items()}  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_fusion_matches_the_plain_version(seed):
    rng = random.Random(seed)
    keyword = rng.sample(range(300), rng.randrange(0, 120))
    meaning = rng.sample(range(300), rng.randrange(0, 120))
    weights = [rng.choice((PINNED, SCATTERED)) for _ in keyword]
    fused = fuse(np.array(keyword), np.array(meaning), keyword_weights=np.array(weights))
    expected = plain_fuse(keyword, meaning, weights)
    assert sorted(fused.docs.tolist()) == sorted(expected)
    for position, doc in enumerate(fused.docs.tolist()):
        score, found = expected[doc]
        assert fused.scores[position] == pytest.approx(score)
        assert fused.found_by(position) == found
    assert list(fused.scores) == sorted(fused.scores, reverse=True)


def test_a_document_both_rankings_found_beats_one_either_found_alone():
    fused = fuse(np.array([1, 2, 3]), np.array([4, 3, 5]))
    assert fused.docs[0] == 3 and fused.found_by(0) == "both"
    assert {fused.found_by(p) for p in range(1, len(fused.docs))} == {"keyword", "meaning"}


def test_pinned_keywords_outrank_the_nearest_meaning_scattered_ones_do_not():
    pinned = fuse(np.array([1, 2]), np.array([3, 4]), keyword_weights=np.array([PINNED] * 2))
    assert pinned.docs.tolist()[:2] == [1, 2]
    loose = fuse(np.array([1, 2]), np.array([3, 4]), keyword_weights=np.array([SCATTERED] * 2))
    assert loose.docs.tolist()[:2] == [3, 4]


@pytest.mark.parametrize("seed", range(10))
def test_talk_scores_match_the_plain_version(seed):
    rng = np.random.default_rng(seed)
    talks = rng.integers(0, 12, size=80)
    scores = rng.random(80)
    found = talk_scores(talks, scores, 15)
    for talk in range(15):
        mine = sorted(scores[talks == talk], reverse=True)
        expected = (mine[0] + SHARE * sum(mine[1 : 1 + NEXT_BEST])) if mine else 0.0
        assert found[talk] == pytest.approx(expected)
