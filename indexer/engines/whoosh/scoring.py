"""Whoosh queries scored in bulk: BM25F over whole posting arrays at once.

The scores are Whoosh's own (its BM25F with B=0.75, K1=1.2 and its idf, with
each field's average length over the documents holding it (`weighting`),
boosts multiplied, OR adding its parts, a phrase
scoring as the sum of its words), so results rank as they did when Whoosh's
matchers walked the postings one by one; only the walking is gone. Phrases
are checked on positions of the documents that hold every word, all
candidates at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

import numpy as np
from whoosh.query import NullQuery, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from indexer.engines.protocol import Budget
from indexer.engines.whoosh.postings import Postings, TermPostings
from indexer.engines.whoosh.weighting import K1, B, peer_average

_POSITION_SPAN = np.int64(1) << 32  # keys (candidate, position) packed in one integer
_PHRASE_ROOM = 1 << 16  # added to positions, so a phrase's offsets never make one negative


@dataclass
class Scores:
    """Matching documents (sorted global docnums) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)


NOTHING = Scores(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


#: Below this many postings in all, a union sorts them; above, it marks a table of every
#: document (sorting grows with the postings, the table with the index).
SORTED_UNION = 20_000


def run_starts(values: np.ndarray) -> np.ndarray:
    """True where a run of equal neighbours begins (`np.r_[True, v[1:] != v[:-1]]`, without
    `np.r_`'s overhead: queries take it on small arrays many times)."""
    starts = np.empty(len(values), dtype=bool)
    if len(values):
        starts[0] = True
        np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def union(parts: list[Scores], doc_count: int) -> Scores:
    """Documents matching any part, each scored with the sum of its parts' scores (added
    in the order of the parts, as `union_by_counting` adds them)."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate([p.docs for p in parts])
    scores = np.concatenate([p.scores for p in parts])
    if len(docs) < SORTED_UNION:
        order = np.argsort(docs, kind="stable")  # equal documents keep the parts' order
        docs, scores = docs[order], scores[order]
        first = run_starts(docs)
        # bincount adds one after another, as the counting union does (reduceat would
        # add long runs pairwise, rounding differently)
        return Scores(docs[first], np.bincount(np.cumsum(first) - 1, weights=scores))
    totals = np.bincount(docs, weights=scores, minlength=doc_count)
    found = np.zeros(doc_count, dtype=bool)
    found[docs] = True
    matched = np.flatnonzero(found)
    return Scores(matched, totals[matched])


def union_by_counting(parts: list[Scores], doc_count: int) -> Scores:
    """The plain union, one count per document of the index: what `union` must equal."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return NOTHING
    docs = np.concatenate([p.docs for p in parts])
    found = np.bincount(docs, minlength=doc_count)
    totals = np.bincount(docs, weights=np.concatenate([p.scores for p in parts]),
                         minlength=doc_count)  # fmt: skip
    matched = np.flatnonzero(found)
    return Scores(matched, totals[matched])


def common(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The values two sorted arrays share (each array without repeats), sorted."""
    if len(first) > len(second):
        first, second = second, first
    at = np.searchsorted(second, first)
    inside = at < len(second)
    inside[inside] = second[at[inside]] == first[inside]
    return first[inside]


#: When the rarest word of a phrase is in at least this share of the documents, the
#: documents holding every word are found with a row table per word over the whole index
#: (two passes over the index) rather than binary searches (which grow with the postings).
DENSE_SHARE = 1 / 32


def shared_rows(lists: list[np.ndarray], doc_count: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The documents in every list (sorted arrays without repeats) and, per list, the
    rows where it holds them."""
    rarest = min(lists, key=len)
    if len(rarest) < DENSE_SHARE * doc_count:
        candidates = rarest
        for docs in lists:
            if docs is not rarest:
                candidates = common(candidates, docs)
        return candidates, [np.searchsorted(docs, candidates) for docs in lists]
    tables = []
    inside = np.ones(len(rarest), dtype=bool)
    for docs in lists:
        table = np.full(doc_count, -1, dtype=np.int64)
        table[docs] = np.arange(len(docs))
        inside &= table[rarest] >= 0
        tables.append(table)
    candidates = rarest[inside]
    return candidates, [table[candidates] for table in tables]


def shared_rows_by_search(lists: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The plain version of `shared_rows`: intersect one pair at a time, then search."""
    candidates = lists[0]
    for docs in lists[1:]:
        candidates = np.intersect1d(candidates, docs, assume_unique=True)
    return candidates, [np.searchsorted(docs, candidates) for docs in lists]


class BulkScorer:
    """Scores queries on one open index (one searcher, its postings arrays)."""

    def __init__(self, searcher: Searcher, postings: Postings) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.postings = postings
        self.doc_count = self.reader.doc_count_all()
        self._averages: dict[str, float] = {}

    def run(self, query: Query, budget: Budget | None = None) -> Scores:
        """Every document matching the query and its score; with a budget, the parts
        of an OR not reached in time are left out (`budget.exceeded` then says so)."""
        if query is NullQuery:
            return NOTHING
        if isinstance(query, Or):
            parts: list[Scores] = []
            for part in query.subqueries:
                if parts and budget is not None and budget.spent():
                    break  # the first part always: some answer rather than none
                parts.append(self.run(part, budget))
            return union(parts, self.doc_count)
        if isinstance(query, Term):
            return self._term(query.fieldname, query.text, query.boost)
        if isinstance(query, Phrase) and query.slop == 1:
            return self._phrase(query.fieldname, list(query.words), query.boost, budget)
        return self._through_whoosh(query)

    def average_length(self, fieldname: str) -> float:
        """The field's average length over the documents holding it (`weighting`)."""
        if fieldname not in self._averages:
            total = self.reader.field_length(fieldname)
            lengths = self.postings.field_lengths(fieldname)
            self._averages[fieldname] = peer_average(total, lengths)
        return self._averages[fieldname]

    def _bm25(self, fieldname: str, text: str, postings: TermPostings, rows=None) -> np.ndarray:
        tfs = postings.tfs if rows is None else postings.tfs[rows]
        docs = postings.docs if rows is None else postings.docs[rows]
        count = self.doc_count or 1
        idf = log(count / (postings.stored + 1)) + 1
        average = self.average_length(fieldname)
        lengths = self.postings.field_lengths(fieldname)[docs]
        tfs = tfs.astype(np.float64)
        return idf * (tfs * (K1 + 1)) / (tfs + K1 * ((1 - B) + B * lengths / average))

    def _term(self, fieldname: str, text: str, boost: float) -> Scores:
        postings = self.postings.term(fieldname, text)
        if not len(postings):
            return NOTHING
        return Scores(postings.docs, self._bm25(fieldname, text, postings) * boost)

    def phrase_within(self, fieldname: str, words: list[str], within: np.ndarray,
                      budget: Budget | None = None) -> np.ndarray:  # fmt: skip
        """Those of the documents `within` (sorted docnums) where the words stand next to
        each other, in order: a check of a few candidates, not a search (none once the
        budget is spent)."""
        return self.phrases_within(fieldname, [words], within, budget)[0]

    def phrases_within(self, fieldname: str, phrases: list[list[str]], within: np.ndarray,
                       budget: Budget | None = None) -> list[np.ndarray]:  # fmt: skip
        """`phrase_within` for each phrase: each word's postings and positions in the
        candidates are read once for all the phrases holding it."""
        found: list[np.ndarray] = []
        starts: dict[str, np.ndarray | None] = {}  # per word: (candidate, position) keys
        for words in phrases:
            keys: np.ndarray | None = None
            for offset, word in enumerate(words):
                if budget is not None and budget.spent():
                    return found + [NOTHING.docs] * (len(phrases) - len(found))
                if word not in starts:
                    starts[word] = self._positions_within(fieldname, word, within)
                word_keys = starts[word]
                if word_keys is None:
                    keys = NOTHING.docs
                    break
                # (candidate, where the phrase would start): sorted, as both parts are
                keys = word_keys - offset if keys is None else common(keys, word_keys - offset)
                if not len(keys):
                    break
            assert keys is not None  # a phrase has words
            owners = keys // _POSITION_SPAN
            found.append(within[owners[run_starts(owners)]])
        return found

    def _positions_within(self, fieldname: str, word: str, within: np.ndarray
                          ) -> np.ndarray | None:  # fmt: skip
        """(index into `within`, position + 2**16) keys of the word's every occurrence in
        those documents, sorted; None when it is in none of them."""
        postings = self.postings.term(fieldname, word)
        docs = postings.docs
        at = np.searchsorted(docs, within)
        inside = at < len(docs)
        inside[inside] = docs[at[inside]] == within[inside]
        if not inside.any():
            return None
        held = np.flatnonzero(inside)
        owner, positions = postings.occurrences(at[held])
        return held[owner] * _POSITION_SPAN + (positions + _PHRASE_ROOM)

    def _phrase(
        self, fieldname: str, words: list[str], boost: float, budget: Budget | None = None
    ) -> Scores:
        """Documents where the words stand next to each other, in order.

        A word repeated in the phrase is looked up and gathered once.
        """
        if not words:
            return NOTHING
        postings_of = {word: self.postings.term(fieldname, word) for word in dict.fromkeys(words)}
        lists = [postings_of[word] for word in words]
        if any(not len(postings) for postings in lists):
            return NOTHING
        candidates, word_rows = shared_rows([found.docs for found in postings_of.values()],
                                            self.doc_count)  # fmt: skip
        if not len(candidates):
            return NOTHING
        rows_of = dict(zip(postings_of, word_rows, strict=True))
        found = self._in_order(postings_of, rows_of, words, budget)
        if found is None:
            return NOTHING  # unchecked: nothing is claimed to hold the phrase
        scores = np.zeros(len(found))
        for word, postings in zip(words, lists, strict=True):
            scores += self._bm25(fieldname, word, postings, rows_of[word][found])
        return Scores(candidates[found], scores * boost)

    @staticmethod
    def _in_order(postings_of: dict[str, TermPostings], rows_of: dict[str, np.ndarray],
                  words: list[str], budget: Budget | None = None) -> np.ndarray | None:
        """The candidates (indexes into each word's `rows_of`) where the words stand next
        to each other, in order; None when the budget ran out first."""
        keys: np.ndarray | None = None
        starts: dict[str, np.ndarray] = {}  # per word: (candidate, position) keys
        for offset, word in enumerate(words):
            if budget is not None and budget.spent():
                return None
            if word not in starts:
                owner, positions = postings_of[word].occurrences(rows_of[word])
                starts[word] = owner * _POSITION_SPAN + (positions + len(words))
            # (candidate, where the phrase would start): sorted, as owners and positions are
            word_keys = starts[word] - offset
            keys = word_keys if keys is None else common(keys, word_keys)
            if not len(keys):
                return keys
        assert keys is not None  # a phrase has words
        owners = keys // _POSITION_SPAN
        return owners[run_starts(owners)]

    def _through_whoosh(self, query: Query) -> Scores:
        """Any other query: Whoosh's own matchers (slower, same scores)."""
        hits = sorted((docnum, score) for score, docnum in
                      self.searcher.search(query, limit=None).top_n)  # fmt: skip
        if not hits:
            return NOTHING
        return Scores(np.array([d for d, _ in hits], dtype=np.int64),
                      np.array([s for _, s in hits], dtype=np.float64))  # fmt: skip
