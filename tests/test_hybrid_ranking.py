"""The keyword side of Whoosh's hybrid ranking, against plain versions: each document's
moment is the first of its talk's keyword moments holding it, pinned talks are the
complete ones where one note or minute holds every group (or the only complete one), and
named records are those whose text holds every group (as the Typesense engine judges)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.engines.fusion import FEW, NAMED, PINNED, SCATTERED
from indexer.engines.typesense.queries import _names
from indexer.engines.whoosh import WhooshEngine
from indexer.engines.whoosh.hybrid import _moment_of_rows, keyword_documents
from indexer.engines.whoosh.ranking import KIND_CODES, MOMENTS
from indexer.search.plan import Planner

QUERIES = ["the", "wire nanosecond", "compiler time", "search OR stemming", "people the",
           "moth relay bug", "index ranking", "grace hopper", "hopper", "hands-on caching",
           "future of search", "devcon"]  # fmt: skip


@pytest.fixture(scope="module")
def engine(fixture_data):
    engine = WhooshEngine(fixture_data / "index")
    yield engine
    engine.close()


@pytest.mark.parametrize("query", QUERIES)
def test_documents_lead_with_their_talks_moments_as_the_plain_version(engine, query):
    opened = engine.opened()
    plan = Planner(engine).plan(query).plan
    ranking = opened._rank(plan, None)
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
    records = {record["id"]: record for record in engine.records()}
    named = set()
    for doc, weight in zip(documents.tolist(), weights.tolist(), strict=True):
        talk = detail.talk_of_row[row_of[doc]]
        pinned = complete[talk] and (detail.clustered[talk] or complete.sum() <= FEW)
        talk_id = opened.table.talk_ids[opened.table.talk[doc]]
        if opened.table.kind[doc] == KIND_CODES["talk"] and _names(
                plan.groups, plan.fields, records[talk_id]):  # judged from the record's text
            named.add(doc)
            assert weight == NAMED
        else:
            assert weight == (PINNED if pinned else SCATTERED)
    # a named record leads every document of its class (the talks as complete and clustered)
    for doc in named:
        before = documents.tolist().index(doc)
        talk = detail.talk_of_row[row_of[doc]]
        assert all(detail.covered[detail.talk_of_row[row_of[other]]] < detail.covered[talk]
                   or not detail.clustered[detail.talk_of_row[row_of[other]]]
                   for other in documents[:before].tolist() if other not in named)  # fmt: skip
