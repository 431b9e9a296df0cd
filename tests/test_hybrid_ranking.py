"""The keyword side of Whoosh's hybrid ranking, against plain versions: each document's
moment is the first of its talk's keyword moments holding it, and pinned talks are the
complete ones where one note or minute holds every group (or the only complete one)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.engines.fusion import FEW
from indexer.engines.whoosh import WhooshEngine
from indexer.engines.whoosh.hybrid import _moment_of_rows, keyword_documents
from indexer.engines.whoosh.ranking import MOMENTS
from indexer.search.plan import Planner

QUERIES = ["the", "wire nanosecond", "compiler time", "search OR stemming", "people the",
           "moth relay bug", "index ranking"]  # fmt: skip


@pytest.fixture(scope="module")
def engine(fixture_data):
    engine = WhooshEngine(fixture_data / "index")
    yield engine
    engine.close()


@pytest.mark.parametrize("query", QUERIES)
def test_documents_lead_with_their_talks_moments_as_the_plain_version(engine, query):
    opened = engine.opened()
    ranking = opened._rank(Planner(engine).plan(query).plan, None)
    detail = ranking._detail
    assert detail is not None
    expected = np.full(len(detail.docs), MOMENTS)
    row_of = {int(doc): row for row, doc in enumerate(detail.docs)}
    for code in detail.codes.tolist():
        for number, window in enumerate(detail.expand(code).moments):
            for hit in window:
                row = row_of[hit.docnum]
                expected[row] = min(expected[row], number)
    assert _moment_of_rows(detail, len(detail.docs)).tolist() == expected.tolist()
    documents, weights = keyword_documents(ranking, opened.table)
    assert sorted(documents.tolist()) == sorted(detail.docs.tolist())
    complete = detail.covered == detail.matrix.shape[1]
    for doc, weight in zip(documents.tolist(), weights.tolist(), strict=True):
        talk = detail.talk_of_row[row_of[doc]]
        pinned = complete[talk] and (detail.clustered[talk] or complete.sum() <= FEW)
        assert (weight > 1) == bool(pinned)
