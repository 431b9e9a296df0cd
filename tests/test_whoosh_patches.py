"""The Whoosh patches: each changes what it says, leaves indexes as Whoosh writes them,
and is applied only to the Whoosh release it was written for."""

from __future__ import annotations

import io
import pickle
import re
from collections.abc import Iterator

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import ID, TEXT, Schema
from whoosh.writing import PostingPool

from indexer.engines.whoosh import compat

WORDS = [
    "serverless",
    "event",
    "driven",
    "latency",
    "cold",
    "start",
    "graviton",
    "lambda",
    "queue",
    "stream",
]


@pytest.fixture()
def patched() -> Iterator[None]:
    compat.apply()
    yield
    compat.apply()  # the rest of the suite runs patched, as talkseek does


@pytest.fixture()
def unpatched() -> Iterator[None]:
    compat.remove()
    yield
    compat.apply()


def _documents(count: int) -> list[dict]:
    return [
        {
            "doc_id": str(number),
            "body": " ".join(WORDS[(number * step) % len(WORDS)] for step in range(1, 9)),
        }
        for number in range(count)
    ]


def _postings(folder, limitmb: float) -> tuple[int, dict]:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), Schema(doc_id=ID(stored=True), body=TEXT(phrase=True)))
    writer = ix.writer(limitmb=limitmb)
    pool = writer.pool
    for document in _documents(3000):
        writer.add_document(**document)
    spilled = len(pool.runs)
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        found = {}
        for field, term in reader.all_terms():
            found[field, term] = _all(reader.postings(field, term))
    return spilled, found


def _all(matcher) -> list[tuple[int, bytes]]:
    items = []
    while matcher.is_active():
        items.append((matcher.id(), matcher.value()))
        matcher.next()
    return items


def test_postings_spilled_to_disk_in_chunks_come_back_complete_and_in_order(patched, tmp_path):
    in_memory_runs, in_memory = _postings(tmp_path / "memory", limitmb=64)
    spilled_runs, spilled = _postings(tmp_path / "spilled", limitmb=0.02)
    assert in_memory_runs == 0
    assert spilled_runs > 128  # more runs than Whoosh merges at once: runs of merged runs too
    assert spilled == in_memory
    assert len(in_memory) > len(WORDS)


def _first_record_of_a_run() -> object:
    """What a run file written by the pool holds first."""
    file = io.BytesIO()
    file.close = lambda: None  # keep the buffer readable after the pool closes it
    postings = [(b"body", b"term", number, 1.0, b"") for number in range(3)]
    PostingPool._write_run(PostingPool.__new__(PostingPool), file, postings)
    file.seek(0)
    return pickle.load(file)


def test_runs_are_written_in_chunks_when_patched(patched):
    assert _first_record_of_a_run() == [(b"body", b"term", n, 1.0, b"") for n in range(3)]


def test_runs_are_written_one_posting_at_a_time_by_whoosh_itself(unpatched):
    assert _first_record_of_a_run() == (b"body", b"term", 0, 1.0, b"")


def _column_lookups(folder, monkeypatch) -> int:
    """How often a segment reader looks for a length column that does not exist."""
    folder.mkdir()
    schema = Schema(doc_id=ID(stored=True), body=TEXT(phrase=True, spelling=True))
    ix = whoosh_index.create_in(str(folder), schema)
    with ix.writer() as writer:
        for document in _documents(50):
            writer.add_document(**document)
    lookups = 0
    original = W3PerDocReader.has_column

    def counting(self, fieldname):
        nonlocal lookups
        lookups += 1
        return original(self, fieldname)

    monkeypatch.setattr(W3PerDocReader, "has_column", counting)
    with ix.reader() as reader:
        for docnum in range(50):
            reader.doc_field_length(docnum, "spell_body")
    return lookups


def test_an_absent_length_column_is_looked_for_once_when_patched(patched, tmp_path, monkeypatch):
    assert _column_lookups(tmp_path / "index", monkeypatch) == 1


def test_whoosh_itself_looks_for_an_absent_column_on_every_call(
    unpatched, tmp_path, monkeypatch
):
    assert _column_lookups(tmp_path / "index", monkeypatch) == 50


def test_another_whoosh_release_is_refused_with_what_to_install():
    compat.check_version(compat.SUPPORTED)
    with pytest.raises(compat.UnsupportedWhoosh, match=re.escape("pip install whoosh-reloaded==2.7.5")):
        compat.check_version((2, 7, 4))
    with pytest.raises(compat.UnsupportedWhoosh, match=re.escape("found Whoosh 3.0")):
        compat.check_version((3, 0))


def test_the_engine_applies_the_patches_when_it_opens_an_index(fixture_data):
    from indexer.core.data_folder import DataFolder
    from indexer.engines import open_engine

    compat.remove()
    try:
        engine = open_engine(DataFolder(fixture_data))
        assert not compat.applied()
        engine.warm()
        assert compat.applied()
        engine.close()
    finally:
        compat.apply()
