"""Talks ranked by keywords and meaning fused (see `engines.fusion`), over arrays.

The keyword side lists the documents of the keyword ranking: those of talks holding more
query groups first, then of talks where one note or minute holds them all; among those,
talk records holding every group (the query names the talk) first, then documents by the
keyword moment holding them, then by their own score, so what identifies a talk or a
moment by its words stays on top. The meaning side lists the documents nearest the
query's vector. A shown talk's moments come from its best fused passages: a passage
inside one of the talk's keyword moments brings that moment, any other passage is a
moment of its own, and moments never overlap.
"""

from __future__ import annotations

import numpy as np

from indexer.engines.fusion import FEW, NAMED, PINNED, SCATTERED, Fused, fuse, talk_scores
from indexer.engines.whoosh.ranking import (
    KIND_CODES,
    MOMENTS,
    WINDOW_SECONDS,
    DocTable,
    Hit,
    RankedTalk,
    Ranking,
)

_NOTE, _PASSAGE, _TALK = KIND_CODES["note"], KIND_CODES["passage"], KIND_CODES["talk"]


def keyword_documents(ranking: Ranking, table: DocTable) -> tuple[np.ndarray, np.ndarray]:
    """The keyword ranking's documents, best first (see the module's docstring), and
    what each one's rank weighs: NAMED for a record holding every group; PINNED in a talk
    where one note or minute holds every group, or the one talk holding every group at
    all (FEW); SCATTERED elsewhere."""
    detail = ranking._detail
    if detail is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rows = detail.talk_of_row
    record = table.kind[detail.docs] == _TALK
    own = detail.matrix.sum(axis=1) * np.where(record, detail.record_weight[rows], 1)
    moment = _moment_of_rows(detail, len(detail.docs))
    named = record & (detail.matrix > 0).all(axis=1)
    moment[named] = -1  # before the talk's moments
    order = np.lexsort((detail.docs, -own, moment, ~detail.clustered[rows],
                        -detail.covered[rows]))  # fmt: skip
    complete = detail.covered == detail.matrix.shape[1]
    pinned = complete & (detail.clustered | (np.count_nonzero(complete) <= FEW))
    weights = np.where(named, NAMED, np.where(pinned[rows], PINNED, SCATTERED))[order]
    return np.asarray(detail.docs[order], dtype=np.int64), weights


def _moment_of_rows(detail, count: int) -> np.ndarray:
    """Per hit row: which of its talk's keyword moments holds it (0 first), MOMENTS if none:
    a talk's moments lead its documents, as they lead its keyword result."""
    moment = np.full(count, MOMENTS, dtype=np.int64)
    for number in range(MOMENTS):
        starts = detail.window_choice[:, number]
        starts = starts[starts >= 0]
        if not len(starts):
            continue
        lengths = detail.window_end[starts] - starts
        offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        rows = detail.passage_rows[np.arange(int(lengths.sum())) + offsets]
        moment[rows] = np.minimum(moment[rows], number)
    return moment


class HybridRanking:
    """Talks by fused documents; expands a shown talk into notes and moments."""

    def __init__(self, table: DocTable, keyword: Ranking, meaning: np.ndarray,
                 similarity: np.ndarray) -> None:  # fmt: skip
        self.table = table
        self.keyword = keyword
        self.similarity = similarity
        documents, weights = keyword_documents(keyword, table)
        self.fused: Fused = fuse(documents, meaning, keyword_weights=weights)
        talks = table.talk[self.fused.docs]
        scores = talk_scores(talks, self.fused.scores, len(table.talk_ids))
        present = np.unique(talks)
        self.order = present[np.lexsort((present, -scores[present]))]
        self.score = scores
        self.fallback = keyword.fallback and not len(meaning)

    def talks(self, table: DocTable, first: int, last: int) -> list[RankedTalk]:
        return [self._expand(int(code)) for code in self.order[first:last]]

    def _expand(self, code: int) -> RankedTalk:
        fused, table = self.fused, self.table
        mine = np.flatnonzero(table.talk[fused.docs] == code)  # best first
        kinds = table.kind[fused.docs[mine]]
        keyword = self._keyword_talk(code)
        windows = {hit.docnum: number for number, window in enumerate(keyword.moments)
                   for hit in window}  # fmt: skip
        keyword_notes = {hit.docnum: hit for hit in keyword.notes}
        notes = [self._hit(int(p), keyword_notes) for p in mine[kinds == _NOTE]]
        moments: list[list[Hit]] = []
        taken: set[int] = set()
        for position in mine[kinds == _PASSAGE].tolist():
            if len(moments) == MOMENTS:
                break
            docnum = int(fused.docs[position])
            number = windows.get(docnum)
            if number is not None:
                if number in taken:
                    continue
                window = [self._with_found(hit, position if hit.docnum == docnum else None)
                          for hit in keyword.moments[number]]  # fmt: skip
            else:
                window = [self._hit(position, {})]
            if any(self._overlaps(window, moment) for moment in moments):
                continue
            if number is not None:
                taken.add(number)
            moments.append(window)
        return RankedTalk(table.talk_ids[code], float(self.score[code]), notes, moments)

    def _keyword_talk(self, code: int) -> RankedTalk:
        detail = self.keyword._detail
        if detail is None or not np.any(detail.codes == code):
            return RankedTalk(self.table.talk_ids[code], 0.0, [], [])
        return detail.expand(code)

    def _hit(self, position: int, keyword_hits: dict[int, Hit]) -> Hit:
        docnum = int(self.fused.docs[position])
        found = keyword_hits.get(docnum)
        hit = found if found is not None else Hit(
            docnum, float(self.table.start[docnum]), int(self.table.video[docnum]),
            {0: float(self.fused.scores[position])})  # fmt: skip
        return self._with_found(hit, position)

    def _with_found(self, hit: Hit, position: int | None) -> Hit:
        """The hit marked with the ranking that found it (a keyword window's other
        passages: keyword)."""
        found_by = self.fused.found_by(position) if position is not None else "keyword"
        return Hit(hit.docnum, hit.start, hit.video, hit.groups, found_by)

    def _overlaps(self, window: list[Hit], moment: list[Hit]) -> bool:
        """Two moments on the same video less than a window apart."""
        return any(a.video == b.video and abs(a.start - b.start) < WINDOW_SECONDS
                   for a in window for b in moment)  # fmt: skip
