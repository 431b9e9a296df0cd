"""Hits → ranked talks with their moments, computed over arrays for every talk at once.

A talk's score adds its own record's score (title, speaker…, by the field
weights) times the square of the share of query groups the record holds, its
best note plus a share of the next three, and its best
minute of video plus a share of the next two that do not overlap. A minute
(window) starts at a passage hit and takes the hits of the same video starting
within WINDOW_SECONDS; each query group counts there with its best passage.
Talks rank by how many query groups they cover, then whether one note or one
window holds them all ("clustered"; the talk's record helps when it holds half of them
itself), then score, then id. Frequent words hit
tens of thousands of passages, so all of this runs on numpy arrays; only the
talks shown on a page become Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.engines.whoosh.scoring import Scores, run_starts

WINDOW_SECONDS = 60.0
TALK_WEIGHT = 1.0  # a record's word counts as in a passage, times its field's weight
MOMENTS = 3
SHARE = 0.3  # what the runner-up notes and moments add
KIND_CODES = {"talk": 0, "note": 1, "passage": 2}
_TALK, _NOTE, _PASSAGE = 0, 1, 2


@dataclass
class DocTable:
    """Per-document kind, talk, video and start, as arrays indexed by docnum.

    Documents also get a place in one reading order (talk, kind, video, start):
    hits listed in that order come grouped by talk with each video's passages
    in time order, so windows are runs of neighbours and need no sorting.
    """

    kind: np.ndarray  # int8 code (KIND_CODES)
    talk: np.ndarray  # int32 index into talk_ids (sorted, so code order is id order)
    video: np.ndarray  # int32 video code
    start: np.ndarray  # float64 seconds
    talk_ids: list[str]
    repeated: np.ndarray | None = None  # bool: a passage said in many talks (None: none)
    place: np.ndarray = field(init=False)  # docnum -> place in reading order
    by_place: np.ndarray = field(init=False)  # place -> docnum
    timeline: np.ndarray = field(init=False)  # increasing along each talk's video track

    def __post_init__(self) -> None:
        if self.repeated is None:
            self.repeated = np.zeros(len(self.kind), dtype=bool)
        self.by_place = np.lexsort((self.start, self.video, self.kind, self.talk))
        self.place = np.empty_like(self.by_place)
        self.place[self.by_place] = np.arange(len(self.by_place))
        # one track per (talk, video): its passages get times far from any other track's
        talk, video = self.talk[self.by_place], self.video[self.by_place]
        new_track = np.r_[True, (talk[1:] != talk[:-1]) | (video[1:] != video[:-1])]
        track = np.cumsum(new_track)
        self.timeline = np.empty(len(self.by_place))
        self.timeline[self.by_place] = track * 1e8 + self.start[self.by_place]

    @classmethod
    def from_segments(cls, parts: list[tuple[dict[str, list], dict[str, np.ndarray]]]
                      ) -> DocTable:  # fmt: skip
        """The table of segments' coded columns (`columns.segment_columns`), in segment
        order: what `from_columns` makes of every document's values, in bulk."""
        if not parts:
            return cls.from_columns([], [], [], [])
        names = sorted({value for distinct, _ in parts for value in distinct["talk_id"]
                        if value is not None})  # fmt: skip
        talk_code = {name: code for code, name in enumerate(names)}
        videos: dict = {}  # coded in order of first use over all segments, as from_columns
        kinds, talks, video_codes, starts, repeated = [], [], [], [], []
        for distinct, codes in parts:
            kind_of = [KIND_CODES.get(value, -1) for value in distinct["kind"]]
            talk_of = [talk_code.get(value, -1) for value in distinct["talk_id"]]
            video_of = [videos.setdefault(value, len(videos)) for value in distinct["video_id"]]
            kinds.append(np.array(kind_of or [0], dtype=np.int8)[codes["kind"]])
            talks.append(np.array(talk_of or [0], dtype=np.int32)[codes["talk_id"]])
            video_codes.append(np.array(video_of or [0], dtype=np.int32)[codes["video_id"]])
            starts.append(codes["start_ms"] / 1000)
            repeated.append(codes["repeated"] > 0)
        return cls(kind=np.concatenate(kinds), talk=np.concatenate(talks),
                   video=np.concatenate(video_codes), start=np.concatenate(starts),
                   talk_ids=names, repeated=np.concatenate(repeated))  # fmt: skip

    @classmethod
    def from_columns(cls, kinds, talk_ids, video_ids, starts, repeated=None) -> DocTable:
        names = sorted({t for t in talk_ids if t is not None})
        talk_code = {name: code for code, name in enumerate(names)}
        videos: dict[str | None, int] = {}
        return cls(
            kind=np.array([KIND_CODES.get(k, -1) for k in kinds], dtype=np.int8),
            talk=np.array([talk_code.get(t, -1) for t in talk_ids], dtype=np.int32),
            video=np.array([videos.setdefault(v, len(videos)) for v in video_ids], np.int32),
            start=np.array(starts, dtype=np.float64),
            talk_ids=names,
            repeated=None if repeated is None else np.array(repeated, dtype=bool),
        )


@dataclass
class Hit:
    """One matching document of a shown talk, with its score per query group."""

    docnum: int
    start: float
    video: int
    groups: dict[int, float] = field(default_factory=dict)
    found_by: str = "keyword"  # or "meaning", "both" (a hybrid ranking's hits)

    @property
    def score(self) -> float:
        return sum(self.groups.values())


@dataclass
class RankedTalk:
    talk_id: str
    score: float
    notes: list[Hit]  # best first
    moments: list[list[Hit]]  # each a window's passage hits, in time order


@dataclass
class Ranking:
    """Every matching talk in order (codes), and how to expand any of them."""

    order: np.ndarray  # talk codes, best first
    fallback: bool
    _detail: _Detail | None = None

    def talks(self, table: DocTable, first: int, last: int) -> list[RankedTalk]:
        if self._detail is None:
            return [RankedTalk(table.talk_ids[c], 0.0, [], []) for c in self.order[first:last]]
        return [self._detail.expand(int(code)) for code in self.order[first:last]]


def rank(table: DocTable, groups: list[Scores], allowed: np.ndarray | None,
         excluded_talks: np.ndarray) -> Ranking:  # fmt: skip
    """Rank talks from each query group's document scores.

    `allowed` masks talk codes a filter allows (None: all); `excluded_talks`
    masks talks a -word removed. Talks with every group come first; when no
    talk has them all and there are several groups, any talk with one of them
    is returned and `fallback` is set.
    """
    wanted = len(groups)
    hit = np.zeros(len(table.place), dtype=bool)
    for group in groups:
        hit[table.place[group.docs]] = True
    docs = table.by_place[np.flatnonzero(hit)]  # in reading order
    talks_of_docs = table.talk[docs]
    keep = talks_of_docs >= 0
    if allowed is not None:
        keep &= allowed[np.maximum(talks_of_docs, 0)]
    keep &= ~excluded_talks[np.maximum(talks_of_docs, 0)]
    docs = docs[keep]
    if not len(docs):
        return Ranking(np.zeros(0, dtype=np.int64), False)
    row_of_doc = np.full(len(table.place), -1, dtype=np.int64)
    row_of_doc[docs] = np.arange(len(docs))
    matrix = np.zeros((len(docs), wanted))
    for number, group in enumerate(groups):
        rows = row_of_doc[group.docs]
        inside = rows >= 0
        matrix[rows[inside], number] = group.scores[inside]
    # Only talks holding every group are ranked, unless none does: score just those.
    talks = table.talk[docs]
    groups_of_talk = np.zeros((len(table.talk_ids), wanted), dtype=bool)
    for number in range(wanted):
        groups_of_talk[talks[matrix[:, number] > 0], number] = True
    complete = np.asarray(groups_of_talk.all(axis=1))
    fallback = wanted > 1 and not complete.any()
    if not fallback:
        rows = complete[talks]
        docs, matrix = docs[rows], matrix[rows]
    detail = _Detail(table, docs, matrix)
    key = np.lexsort((detail.codes, detail.score, detail.clustered, detail.covered))[::-1]
    return Ranking(detail.codes[key], fallback, detail)


class _Detail:
    """The per-talk arrays of one ranking, and the hits behind them."""

    def __init__(self, table: DocTable, docs: np.ndarray, matrix: np.ndarray) -> None:
        self.table = table
        self.docs = docs
        self.matrix = matrix
        wanted = matrix.shape[1]
        talk_codes = table.talk[docs]  # ascending: docs are in reading order
        starts_talk = run_starts(talk_codes)
        self.codes = talk_codes[starts_talk]
        talk_of_row = np.cumsum(starts_talk) - 1
        self.talk_of_row = talk_of_row
        talks = len(self.codes)
        present = matrix > 0
        cover = np.zeros((talks, wanted), dtype=bool)
        for number in range(wanted):
            cover[talk_of_row[present[:, number]], number] = True
        self.covered = cover.sum(axis=1)
        kinds = table.kind[docs]

        own = np.zeros((talks, wanted))
        talk_rows = np.flatnonzero(kinds == _TALK)
        own[talk_of_row[talk_rows]] = matrix[talk_rows]
        own_present = own > 0
        clustered = own_present.sum(axis=1) >= wanted
        # a record helps a note or a window hold every group only when it holds half of
        # them itself (a speaker's name beside a word said): one title word of three
        # beside a minute saying the other two is not the three said together
        helping = own_present & (own_present.sum(axis=1) * 2 >= wanted)[:, None]

        self.note_rows = np.flatnonzero(kinds == _NOTE)
        note_scores = matrix[self.note_rows].sum(axis=1)
        note_talks = talk_of_row[self.note_rows]
        holds_all = (present[self.note_rows] | helping[note_talks]).all(axis=1)
        clustered[note_talks[holds_all]] = True
        best_note, more_notes = _best_and_rest(note_talks, note_scores, talks, 4)

        self._windows(table, kinds, present, helping, clustered)
        self.clustered = clustered
        # a title holding one word of three says little about the talk, one holding them
        # all (or a name asked alone) says most
        self.record_weight = TALK_WEIGHT * (own_present.sum(axis=1) / wanted) ** 2
        self.score = (self.record_weight * own.sum(axis=1) + best_note + SHARE * more_notes
                      + self.window_best + SHARE * self.window_rest)  # fmt: skip

    def _windows(self, table, kinds, present, own_present, clustered) -> None:
        rows = np.flatnonzero(kinds == _PASSAGE)  # in reading order: each track in time order
        position = table.timeline[self.docs[rows]]
        ends = np.searchsorted(position, position + WINDOW_SECONDS, side="right")
        best = _range_max(self.matrix[rows], ends)
        talks = self.talk_of_row[rows]
        # column by column: numpy reduces a row of a few groups slowly
        columns = [best[:, number] for number in range(best.shape[1])]
        groups_held = sum((column > 0).astype(np.int64) for column in columns)
        window_score = sum(columns, np.zeros(len(rows)))
        holds_all = np.ones(len(rows), dtype=bool)
        for number, column in enumerate(columns):
            holds_all &= (column > 0) | own_present[talks, number]
        clustered[talks[holds_all]] = True
        self.passage_rows = rows
        self.window_end = ends
        chosen = _pick(talks, groups_held, window_score, ends, len(self.codes))
        self.window_choice = chosen
        padded = np.append(window_score, 0.0)  # index -1: no window
        scores = padded[chosen]
        self.window_best = scores[:, 0] if MOMENTS else 0.0
        self.window_rest = scores[:, 1:].sum(axis=1)

    def expand(self, code: int) -> RankedTalk:
        """A talk's notes and moments as hits, for a shown result."""
        talk = int(np.searchsorted(self.codes, code))
        score = float(self.score[talk])
        notes = [self._hit(row) for row in self.note_rows[self.talk_of_row[self.note_rows] == talk]]
        notes.sort(key=lambda hit: -hit.score)
        moments = []
        for window in self.window_choice[talk]:
            if window < 0:
                break
            moments.append([self._hit(row) for row in
                            self.passage_rows[window : self.window_end[window]]])  # fmt: skip
        return RankedTalk(self.table.talk_ids[code], score, notes, moments)

    def _hit(self, row: int) -> Hit:
        docnum = int(self.docs[row])
        groups = {g: float(s) for g, s in enumerate(self.matrix[row]) if s > 0}
        return Hit(docnum, float(self.table.start[docnum]), int(self.table.video[docnum]), groups)


def _best_and_rest(owners: np.ndarray, scores: np.ndarray, count: int, keep: int):
    """Per owner: its best score, and the sum of the next keep-1 best."""
    best = np.zeros(count)
    rest = np.zeros(count)
    if not len(owners):
        return best, rest
    order = np.lexsort((-scores, owners))
    owners, scores = owners[order], scores[order]
    first = np.searchsorted(owners, owners, side="left")
    place = np.arange(len(owners)) - first
    np.maximum.at(best, owners[place == 0], scores[place == 0])
    runner_up = (place > 0) & (place < keep)
    np.add.at(rest, owners[runner_up], scores[runner_up])
    return best, rest


#: Windows at most this many rows long take one pass per row; longer, a sparse table.
SHORT_WINDOW = 8


def _range_max(values: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Row i: the column-wise max of values[i:ends[i]] (values are scores: never negative).

    A minute of speech is a few passages, so windows are short: one pass per row
    of the longest window. Longer windows take a sparse table (log n passes).
    """
    count = len(values)
    if not count:
        return values
    lengths = ends - np.arange(count)
    longest = int(lengths.max())
    if longest <= SHORT_WINDOW:
        result = values.copy()
        for offset in range(1, longest):
            reach = (lengths[: count - offset] > offset)[:, None]
            head = result[: count - offset]
            np.maximum(head, np.where(reach, values[offset:], 0.0), out=head)
        return result
    levels = [values]
    span = 1
    while span * 2 <= longest:
        previous = levels[-1]
        shifted = np.vstack([previous[span:], np.zeros((span, values.shape[1]))])
        levels.append(np.maximum(previous, shifted))
        span *= 2
    level = np.floor(np.log2(np.maximum(lengths, 1))).astype(np.int64)
    result = np.zeros_like(values)
    for number, table in enumerate(levels):
        rows = np.flatnonzero(level == number)
        if not len(rows):
            continue
        width = 1 << number
        result[rows] = np.maximum(table[rows], table[ends[rows] - width])
    return result


def _pick(talks, groups_held, scores, ends, count: int) -> np.ndarray:
    """Per talk, up to MOMENTS non-overlapping windows, most groups then best score first.

    `talks` is ascending (windows come in reading order). Each round takes every
    talk's best available window by per-talk maxima (no sort of all windows:
    a broad query has one per passage), then drops the windows overlapping it.
    Returns window indices (count by MOMENTS), -1 where a talk has no more.
    """
    chosen = np.full((count, MOMENTS), -1, dtype=np.int64)
    windows = np.arange(len(talks))
    available = np.ones(len(talks), dtype=bool)
    for round_number in range(MOMENTS):
        rows = np.flatnonzero(available)
        if not len(rows):
            break
        owners = talks[rows]
        starts_run = run_starts(owners)
        firsts = np.flatnonzero(starts_run)
        run_of_row = np.cumsum(starts_run) - 1
        held = groups_held[rows]
        top = held == np.maximum.reduceat(held, firsts)[run_of_row]
        score = np.where(top, scores[rows], -np.inf)
        top &= score == np.maximum.reduceat(score, firsts)[run_of_row]
        winners = np.flatnonzero(top)  # ties: the earliest window
        winners = winners[run_starts(run_of_row[winners])]
        picked = rows[winners]
        picked_talks = talks[picked]
        chosen[picked_talks, round_number] = picked
        # drop every window of the same talk that overlaps the one just picked
        pick_start = np.full(count, -1, dtype=np.int64)
        pick_end = np.full(count, -1, dtype=np.int64)
        pick_start[picked_talks] = picked
        pick_end[picked_talks] = ends[picked]
        available &= ~((windows < pick_end[talks]) & (pick_start[talks] < ends))
    return chosen
