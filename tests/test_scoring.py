"""Bulk scoring gives Whoosh's own matches and scores, from exported arrays or without them."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Positions
from whoosh.query import Or, Phrase, Term
from whoosh.util.numeric import length_to_byte

from indexer.core.analysis import phrase_parts
from indexer.engines.protocol import FIELD_WEIGHTS
from indexer.engines.whoosh import checksums, compat, generations
from indexer.engines.whoosh import postings as postings_module
from indexer.engines.whoosh.postings import POSTINGS, Postings, _unpacked, export_postings
from indexer.engines.whoosh.schema import PackedPositions
from indexer.engines.whoosh.scoring import BulkScorer
from tests.searching import TalkIndex


def _whoosh(index: TalkIndex, query) -> dict[int, float]:
    return {docnum: score for score, docnum in index.searcher.search(query, limit=None).top_n}


def _bulk(scorer: BulkScorer, query) -> dict[int, float]:
    scores = scorer.run(query)
    return dict(zip(scores.docs.tolist(), scores.scores.tolist(), strict=True))


def _assert_same(expected: dict[int, float], found: dict[int, float], query) -> None:
    assert found.keys() == expected.keys(), query
    for docnum, score in expected.items():
        assert found[docnum] == pytest.approx(score, rel=1e-5), (query, docnum)


def _sample_queries(index: TalkIndex, per_field: int) -> list:
    """Frequent and rare terms of every text field, phrases from stored text, and ORs."""
    reader = index.reader
    queries = []
    for name in FIELD_WEIGHTS:
        terms = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(name)]
        terms.sort(key=lambda t: (-reader.doc_frequency(name, t), t))
        for text in terms[:per_field] + terms[-per_field:]:
            queries.append(Term(name, text, boost=FIELD_WEIGHTS[name]))
    texts = [fields.get("text") or "" for fields in index.searcher.documents(kind="passage")]
    texts += [fields.get("text") or "" for fields in index.searcher.documents(kind="note")]
    for text in texts[:: max(1, len(texts) // per_field)][:per_field]:
        _, parts = phrase_parts(text)
        for size in (2, 3):
            if len(parts) > size + 2:
                words = parts[2 : 2 + size]
                queries.append(Phrase("transcript", words, boost=1.0))
                queries.append(Phrase("note", words, boost=2.0))
    # words repeated in a phrase ("the ... the"), which bulk scoring gathers once per word
    for words in (["the", "the"], ["and", "the", "and"], ["the"] * 4):
        queries.append(Phrase("transcript", words, boost=1.0))
    queries.append(Or(queries[:3] + queries[-2:]))
    return queries


def _compare_all(index: TalkIndex, per_field: int) -> int:
    compared = 0
    for query in _sample_queries(index, per_field):
        expected = _whoosh(index, query)
        _assert_same(expected, _bulk(index.scorer, query), query)
        compared += bool(expected)
    return compared


def test_bulk_scores_equal_whoosh_scores(fixture_data):
    with TalkIndex(fixture_data / "index") as index:
        assert _compare_all(index, per_field=6) > 20


def test_a_fields_average_length_is_over_the_documents_holding_it(fixture_data):
    """The plain version, from Whoosh's length of each document one by one; a speaker's
    name is at least a word long on average, not a share of every passage's."""
    with TalkIndex(fixture_data / "index") as index:
        reader = index.reader
        for name in FIELD_WEIGHTS:
            holders = sum((reader.doc_field_length(docnum, name) or 0) > 0
                          for docnum in range(reader.doc_count_all()))  # fmt: skip
            expected = reader.field_length(name) / holders if holders else 1.0
            assert index.scorer.average_length(name) == pytest.approx(expected), name
        assert index.scorer.average_length("speaker") >= 1


def test_postings_read_through_whoosh_when_arrays_are_missing(fixture_data, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(fixture_data, copy)
    generation = generations.current(copy / "index")
    shutil.rmtree(generation / POSTINGS)
    checksums.record(generation)  # as a build without arrays would have left it
    with TalkIndex(fixture_data / "index") as exported, TalkIndex(copy / "index") as plain:
        for query in _sample_queries(exported, per_field=4):
            _assert_same(_bulk(exported.scorer, query), _bulk(plain.scorer, query), query)
        for text in ("lambda", '"event driven"', "serverl*", "speaker:ada latency"):
            assert plain.search(text) == exported.search(text)


def _with_a_talk_deleted(fixture_data, tmp_path):
    """A copy of the fixture index with one talk deleted as an update deletes it (its
    postings stay in the segment): the copy, its generation, the Whoosh index, the id."""
    from whoosh import index as whoosh_index

    copy = tmp_path / "data"
    shutil.copytree(fixture_data, copy)
    generation = generations.current(copy / "index")
    ix = whoosh_index.open_dir(str(generation))
    with ix.searcher() as searcher:
        talk_id = next(searcher.documents(kind="passage"))["talk_id"]
    writer = ix.writer()
    writer.delete_by_term("talk_id", talk_id)
    writer.commit(merge=False)
    return copy, generation, ix, talk_id


def test_deleted_documents_never_match(fixture_data, tmp_path):
    """Deleting a talk leaves its postings in the segment (and its arrays) until a merge."""
    copy, generation, _ix, talk_id = _with_a_talk_deleted(fixture_data, tmp_path)
    for exported_after in (False, True):  # arrays from before the deletion, or from after it
        if exported_after:
            shutil.rmtree(generation / POSTINGS)
            export_postings(generation)
        checksums.record(generation)  # as an update would have left it
        with TalkIndex(copy / "index") as index:
            assert index.reader.has_deletions()
            assert not index.postings.live.all()
            for query in _sample_queries(index, per_field=6):
                found = _bulk(index.scorer, query)
                assert all(not index.reader.is_deleted(d) for d in found), query
                _assert_same(_whoosh(index, query), found, query)
            results = index.search("the", per_page=50)["results"]
            assert all(result["talk"]["id"] != talk_id for result in results)


def test_every_segment_gets_arrays_and_stale_ones_go(fixture_data, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(fixture_data, copy)
    generation = generations.current(copy / "index")
    root = generation / POSTINGS
    with TalkIndex(copy / "index") as index:
        segments = {leaf.segment().segment_id() for leaf, _ in index.reader.leaf_readers()}
    assert {folder.name for folder in root.iterdir()} == segments
    (root / "gone-segment").mkdir()
    shutil.rmtree(root / sorted(segments)[0])
    assert export_postings(generation) == 1
    assert {folder.name for folder in root.iterdir()} == segments


def test_arrays_unpacked_a_few_postings_at_a_time_are_those_of_one_pass(
    fixture_data, tmp_path, monkeypatch
):
    """The export unpacks positions in slices to bound its memory: slices of a few
    postings (one after nearly every term) write the very files of one slice."""
    copy = tmp_path / "data"
    shutil.copytree(fixture_data, copy)
    root = generations.current(copy / "index") / POSTINGS
    monkeypatch.setattr(postings_module, "UNPACK_POSTINGS", 10**9)
    shutil.rmtree(root)
    export_postings(root.parent)
    whole = {path.relative_to(root): path.read_bytes() for path in root.rglob("*.npy")}
    monkeypatch.setattr(postings_module, "UNPACK_POSTINGS", 3)
    shutil.rmtree(root)
    export_postings(root.parent)
    sliced = {path.relative_to(root): path.read_bytes() for path in root.rglob("*.npy")}
    assert len(whole) > 10 and sliced == whole


def test_phrase_needs_the_words_in_order_and_adjacent(fixture_data):
    with TalkIndex(fixture_data / "index") as index:
        for text in index.searcher.documents(kind="passage"):
            _, parts = phrase_parts(text["text"])
            if len(parts) >= 4:
                break
        forward = Phrase("transcript", parts[1:3])
        backward = Phrase("transcript", [parts[2], parts[1]])
        gapped = Phrase("transcript", [parts[1], parts[3]])
        for query in (forward, backward, gapped):
            _assert_same(_whoosh(index, query), _bulk(index.scorer, query), query)
        assert _bulk(index.scorer, forward)


def test_a_phrase_checked_within_some_documents_is_whooshs_phrase_among_them(fixture_data):
    """The check of words typed together (`phrase_within`) against Whoosh's own phrase
    search, over every sampled phrase and candidates drawn from all documents."""
    rng = np.random.default_rng(7)
    with TalkIndex(fixture_data / "index") as index:
        phrases = [query for query in _sample_queries(index, per_field=6)
                   if isinstance(query, Phrase)]  # fmt: skip
        everything = np.arange(index.reader.doc_count_all())
        checked = 0
        for query in phrases:
            holding = np.array(sorted(_whoosh(index, query)), dtype=np.int64)
            some = np.sort(rng.choice(everything, len(everything) // 2, replace=False))
            for within in (everything, some,
                           holding[::2], holding[:0]):  # fmt: skip
                found = index.scorer.phrase_within(query.fieldname, list(query.words), within)
                assert np.array_equal(found, np.intersect1d(holding, within)), query
                checked += len(found)
        assert checked > 20


def test_phrases_checked_together_are_each_checked_alone(fixture_data):
    """`phrases_within` reads a word's positions once for every phrase holding it: each
    phrase's documents are Whoosh's phrase search among the candidates, as checked alone."""
    rng = np.random.default_rng(11)
    with TalkIndex(fixture_data / "index") as index:
        by_field: dict[str, list[Phrase]] = {}
        for query in _sample_queries(index, per_field=6):
            if isinstance(query, Phrase):
                by_field.setdefault(query.fieldname, []).append(query)
        everything = np.arange(index.reader.doc_count_all())
        checked = 0
        for name, queries in by_field.items():
            words = [list(query.words) for query in queries]
            shared = [*words, words[0][::-1], [words[0][-1], *words[-1]], ["absentword"]]
            some = np.sort(rng.choice(everything, len(everything) // 2, replace=False))
            for within in (everything, some, everything[:0]):
                found = index.scorer.phrases_within(name, shared, within)
                assert len(found) == len(shared)
                for phrase, docs in zip(shared, found, strict=True):
                    alone = np.array(sorted(_whoosh(index, Phrase(name, phrase))), dtype=np.int64)
                    assert np.array_equal(docs, np.intersect1d(alone, within)), phrase
                    checked += len(docs)
        assert checked > 10


def test_bulk_scores_equal_whoosh_scores_on_the_podcasts(lenny_data):
    with TalkIndex(lenny_data / "index") as index:
        assert len(list(index.reader.leaf_readers())) > 1  # postings gathered across segments
        assert _compare_all(index, per_field=12) > 100


def test_bulk_postings_equal_whoosh_postings(fixture_data):
    with TalkIndex(fixture_data / "index") as index:
        plain = Postings(index.reader)
        for term in ("lambda", "latenc", "event", "the", "absent"):
            for postings in (index.postings, plain):
                expected = index.reader.doc_frequency("transcript", term)
                assert postings.document_frequency("transcript", term) == expected
            bulk = index.postings.term("transcript", term)
            slow = plain.term("transcript", term)
            assert np.array_equal(bulk.docs, slow.docs)
            assert np.array_equal(bulk.tfs, slow.tfs)
            rows = np.arange(len(bulk))
            for mine, theirs in zip(bulk.occurrences(rows), slow.occurrences(rows), strict=True):
                assert np.array_equal(mine, theirs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=40, unique=True).map(sorted),
                max_size=30))  # fmt: skip
def test_packed_positions_read_back_as_whooshs_own_and_in_bulk(postings):
    """Packed positions decode, one posting at a time, to what Whoosh's pickled positions
    decode to; the export reads the same counts and positions from all at once."""
    packed, pickled = PackedPositions(), Positions()
    values = [packed.encode(positions) for positions in postings]
    for value, positions in zip(values, postings, strict=True):
        theirs = pickled.encode(positions)
        assert packed.decode_positions(value) == pickled.decode_positions(theirs) == positions
        assert packed.decode_frequency(value) == pickled.decode_frequency(theirs)
    counts, flat = _unpacked(values)
    assert counts.tolist() == [len(positions) for positions in postings]
    assert flat.tolist() == [position for positions in postings for position in positions]


def test_transcript_words_count_the_passages_holding_them(fixture_data):
    from collections import Counter

    from indexer.core.analysis import spelling_words

    with TalkIndex(fixture_data / "index") as index:
        expected: Counter[str] = Counter()
        for fields in index.searcher.documents(kind="passage"):
            expected.update(spelling_words(fields["text"]))
        words, counts = index.postings.transcript_words()
        assert words == sorted(expected)
        assert dict(zip(words, counts.tolist(), strict=True)) == dict(expected)
        # words said in a transcript and written in no notes or title
        assert "counterclockwise" in words and "satellite" in words
        result = index.search("counterclokwise")
        assert result["suggestion"] == "counterclockwise" and result["total"] >= 1
        assert index.search("satelli*")["total"] >= 1


def test_words_of_deleted_passages_are_subtracted_to_the_count_of_a_full_read(
    fixture_data, tmp_path, monkeypatch
):
    """An update's deletions take their passages' words out of the segment's counts
    without reading the segment again; the counts equal counting it afresh."""
    from indexer.engines.whoosh import postings

    copy, generation, ix, _talk_id = _with_a_talk_deleted(fixture_data, tmp_path)

    def read_again(*_args):
        raise AssertionError("the segment was read again")

    with monkeypatch.context() as patched:
        patched.setattr(postings, "_export_words", read_again)
        export_postings(generation)  # subtracts
    checksums.record(generation)
    with TalkIndex(copy / "index") as index:
        subtracted = index.postings.transcript_words()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with ix.reader() as reader:
        [(leaf, _)] = list(reader.leaf_readers())
        postings._export_words(leaf, fresh)
    counted = (json.loads((fresh / f"{postings.WORDS}.json").read_text()),
               np.load(fresh / f"{postings.WORDS}.dfs.npy").tolist())  # fmt: skip
    assert (subtracted[0], subtracted[1].tolist()) == counted
    with TalkIndex(fixture_data / "index") as before:
        assert before.postings.transcript_words()[0] != subtracted[0]  # words did go


@pytest.mark.parametrize(("sizes", "drawn_from"), [
    ((1, 1), 60_000), ((5, 3, 40), 60_000), ((300, 2000, 7), 60_000),
    ((30000, 500, 20), 60_000), ((9,) * 12, 12),  # the last: runs of a dozen parts
])  # fmt: skip
def test_union_equals_counting_every_document(sizes, drawn_from, monkeypatch):
    from indexer.engines.whoosh import scoring
    from indexer.engines.whoosh.scoring import Scores, union, union_by_counting

    rng = np.random.default_rng(sum(sizes))
    doc_count = 60_000
    parts = [Scores(np.sort(rng.choice(drawn_from, size, replace=False)).astype(np.int64),
                    rng.random(size) * 7) for size in sizes]  # fmt: skip
    expected = union_by_counting(parts, doc_count)
    for threshold in (0, 10**9):  # the marked table, then sorting
        monkeypatch.setattr(scoring, "SORTED_UNION", threshold)
        found = union(parts, doc_count)
        assert np.array_equal(found.docs, expected.docs)
        assert np.array_equal(found.scores, expected.scores)  # bit for bit


@pytest.mark.parametrize("sizes", [(1, 1), (5, 3, 40), (3000, 20000, 700), (30000, 25000),
                                   (40000, 40000, 40000), (0, 500)])  # fmt: skip
def test_documents_shared_by_a_phrases_words_equal_pairwise_intersection(sizes, monkeypatch):
    from indexer.engines.whoosh import scoring
    from indexer.engines.whoosh.scoring import shared_rows, shared_rows_by_search

    rng = np.random.default_rng(sum(sizes))
    doc_count = 60_000
    lists = [np.sort(rng.choice(doc_count, size, replace=False)).astype(np.int64)
             for size in sizes]  # fmt: skip
    expected, expected_rows = shared_rows_by_search(lists)
    assert len(expected) > 0 or min(sizes) < 1000  # the large lists do share documents
    for share in (0.0, 2.0):  # the row tables, then binary searches
        monkeypatch.setattr(scoring, "DENSE_SHARE", share)
        found, rows = shared_rows(lists, doc_count)
        assert np.array_equal(found, expected)
        for docs, found_rows, wanted in zip(lists, rows, expected_rows, strict=True):
            assert np.array_equal(found_rows, wanted)
            assert np.array_equal(docs[found_rows], found)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3), max_size=30))
def test_run_starts_mark_where_neighbours_differ(values):
    from indexer.engines.whoosh.scoring import run_starts

    array = np.array(values, dtype=np.int64)
    expected = np.r_[True, array[1:] != array[:-1]] if len(array) else np.zeros(0, dtype=bool)
    assert np.array_equal(run_starts(array), expected)


def test_stored_lengths_are_whooshs_lengths_one_document_at_a_time(fixture_data):
    """The plain version reads each document's length through Whoosh; a field that no
    document of a segment holds (no length column) reads as zeros without asking each."""
    with TalkIndex(fixture_data / "index") as index:
        absent = 0
        for leaf, _ in index.postings.leaves:
            for name in FIELD_WEIGHTS:
                plain = [length_to_byte(leaf.doc_field_length(docnum, name, 0) or 0)
                         for docnum in range(leaf.doc_count_all())]  # fmt: skip
                assert compat.stored_lengths(leaf, name).tolist() == plain, name
            absent += not leaf._perdoc.has_column("_nowhere_len")
            assert not compat.stored_lengths(leaf, "nowhere").any()
        assert absent
