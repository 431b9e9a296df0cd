"""BM25F with each field's average length taken over the documents that hold the field.

One index holds talks, notes and passages, and most fields belong to one kind:
a speaker or a title is only in talk records, a transcript only in passages.
Whoosh divides a field's total length by every document of the index, so the
average speaker name was a few hundredths of a word and every real one looked
fifty times too long: a talk's own speaker or title scored below one passing
mention in a transcript. Comparing a document with the documents that hold
the field, as Lucene does, puts each field back on its own scale. The idf
stays Whoosh's, over the whole index: how rare a word is anywhere.

The bulk scorer and Whoosh's matchers use the same averages, so the two still
give equal scores (the oracle test in tests/test_scoring.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from whoosh.scoring import BM25F, BM25FScorer

B, K1 = 0.75, 1.2


def peer_average(total_length: float, lengths: np.ndarray) -> float:
    """A field's average length over the documents holding it (1 when none does).

    `total_length` is the field's summed length as Whoosh counts it; `lengths` each
    document's (stored lossily: only whether it is zero is used here).
    """
    holders = int(np.count_nonzero(lengths))
    return total_length / holders if holders and total_length else 1.0


class PeerLengthBM25F(BM25F):
    """Whoosh's BM25F with `average(fieldname)` as each field's average length."""

    def __init__(self, average: Callable[[str], float]) -> None:
        super().__init__(B=B, K1=K1)
        self.average = average

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf)
        return _PeerLengthScorer(searcher, fieldname, text, self.average(fieldname), qf)


class _PeerLengthScorer(BM25FScorer):
    def __init__(self, searcher, fieldname: str, text, average: float, qf=1) -> None:
        self.idf = searcher.get_parent().idf(fieldname, text)
        self.avgfl = average
        self.B, self.K1, self.qf = B, K1, qf
        self.setup(searcher, fieldname, text)  # after avgfl: it scores the best case
