"""The array code behind ranking agrees with plain loops over the same hits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.engines.whoosh.ranking import (
    MOMENTS,
    DocTable,
    _best_and_rest,
    _pick,
    _range_max,
    rank,
)
from indexer.engines.whoosh.scoring import Scores

scores = st.floats(min_value=0.0, max_value=50.0, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def windows(draw, reach: int = 4):
    """Windows over sorted hits: row i covers rows i..ends[i]-1, ends never decrease."""
    count = draw(st.integers(1, 40))
    ends, end = [], 0
    for index in range(count):
        end = max(end, index + 1)
        end = draw(st.integers(end, min(count, end + reach)))
        ends.append(end)
    return np.array(ends)


@settings(max_examples=200, deadline=None)
@given(st.one_of(windows(), windows(reach=30)), st.integers(1, 4), st.data())
def test_range_max_is_the_max_over_each_window(ends, groups, data):
    """Short windows (a pass per row) and long ones (a sparse table) alike."""
    values = np.array(
        [[data.draw(scores) for _ in range(groups)] for _ in range(len(ends))], dtype=float
    )
    expected = np.array([values[i : ends[i]].max(axis=0) for i in range(len(ends))])
    assert np.array_equal(_range_max(values, ends), expected)


def _greedy(talks, held, window_scores, ends, count):
    chosen = np.full((count, MOMENTS), -1)
    for talk in range(count):
        mine = [w for w in range(len(talks)) if talks[w] == talk]
        mine.sort(key=lambda w: (-held[w], -window_scores[w], w))
        taken: set[int] = set()
        picked = 0
        for window in mine:
            rows = set(range(window, ends[window]))
            if rows & taken or picked == MOMENTS:
                continue
            chosen[talk, picked] = window
            taken |= rows
            picked += 1
    return chosen


@settings(max_examples=200, deadline=None)
@given(windows(), st.data())
def test_moments_are_picked_greedily_without_overlap(ends, data):
    count = len(ends)
    # talks own contiguous runs of windows, as videos do in the sorted passage order
    cuts = sorted(data.draw(st.lists(st.integers(0, count), max_size=3)))
    talks = np.searchsorted(np.array(cuts), np.arange(count), side="right")
    # a window may not run into the next talk's rows
    for index in range(count):
        last = max(j for j in range(count) if talks[j] == talks[index])
        ends[index] = min(ends[index], last + 1)
    held = np.array([data.draw(st.integers(1, 3)) for _ in range(count)])
    window_scores = np.array([data.draw(scores) for _ in range(count)])
    talk_count = int(talks.max()) + 1
    found = _pick(talks, held, window_scores, ends, talk_count)
    assert np.array_equal(found, _greedy(talks, held, window_scores, ends, talk_count))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), scores), max_size=40))
def test_best_note_and_runners_up(pairs):
    owners = np.array([o for o, _ in pairs], dtype=np.int64)
    values = np.array([s for _, s in pairs], dtype=float)
    best, rest = _best_and_rest(owners, values, 6, keep=4)
    for owner in range(6):
        mine = sorted((s for o, s in pairs if o == owner), reverse=True)
        assert best[owner] == (mine[0] if mine else 0.0)
        assert rest[owner] == pytest.approx(sum(mine[1:4]))


def _ranked(record_groups: int, wanted: int) -> list[str]:
    """Talk "a": its record holds the first `record_groups` of `wanted` groups (scoring
    high) and one passage the rest; talk "b": one passage holds every group, scoring low."""
    table = DocTable.from_columns(["talk", "passage", "talk", "passage"], ["a", "a", "b", "b"],
                                  [None, "va", None, "vb"], [0.0, 10.0, 0.0, 10.0])  # fmt: skip
    groups = [Scores(np.array([0 if number < record_groups else 1, 3]), np.array([10.0, 1.0]))
              for number in range(wanted)]  # fmt: skip
    ranking = rank(table, groups, None, np.zeros(2, dtype=bool))
    return [table.talk_ids[code] for code in ranking.order]


def test_a_record_holding_few_of_the_words_does_not_make_its_talk_say_them_together():
    """One title word of three beside a minute saying the other two ranks after a minute
    saying all three; a record holding half of them (a speaker's name and a word) helps."""
    assert _ranked(record_groups=1, wanted=3) == ["b", "a"]
    assert _ranked(record_groups=1, wanted=2) == ["a", "b"]
    assert _ranked(record_groups=2, wanted=3) == ["a", "b"]
