"""Stored fields read from the flat files beside each segment equal Whoosh's own."""

from __future__ import annotations

import shutil

from indexer.engines.whoosh import checksums, generations
from indexer.engines.whoosh.postings import POSTINGS
from indexer.engines.whoosh.stored import FIELDS, OFFSETS
from tests.searching import TalkIndex


def _every_live_document_matches_whoosh(index: TalkIndex) -> int:
    stored = index.generation.stored
    live = [d for d in range(index.reader.doc_count_all()) if not index.reader.is_deleted(d)]
    for docnum in live:
        assert stored(docnum) == index.reader.stored_fields(docnum), docnum
    return len(live)


def test_flat_stored_fields_equal_whoosh_stored_fields(fixture_data):
    with TalkIndex(fixture_data / "index") as index:
        assert all(part is not None for part in index.generation.stored.parts)
        assert _every_live_document_matches_whoosh(index) > 20


def test_after_a_deletion_and_a_new_segment_every_document_still_matches(fixture_data, tmp_path):
    from whoosh import index as whoosh_index

    from indexer.engines.whoosh.postings import export_postings

    copy = tmp_path / "data"
    shutil.copytree(fixture_data, copy)
    generation = generations.current(copy / "index")
    ix = whoosh_index.open_dir(str(generation))
    with ix.searcher() as searcher:
        moved = [dict(fields) for fields in searcher.documents(talk_id=next(
            searcher.documents(kind="passage"))["talk_id"])]  # fmt: skip
    writer = ix.writer()
    writer.delete_by_term("talk_id", moved[0]["talk_id"])
    for fields in moved:  # written again: a second segment
        writer.add_document(**{name: value for name, value in fields.items()
                               if name in ix.schema.names()})  # fmt: skip
    writer.commit(merge=False)
    export_postings(generation)
    checksums.record(generation)
    with TalkIndex(copy / "index") as index:
        assert len(index.generation.stored.parts) == 2 and index.reader.has_deletions()
        assert all(part is not None for part in index.generation.stored.parts)
        _every_live_document_matches_whoosh(index)


def test_a_segment_without_the_flat_files_is_read_through_whoosh(fixture_data, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(fixture_data, copy)
    generation = generations.current(copy / "index")
    for folder in (generation / POSTINGS).iterdir():
        (folder / FIELDS).unlink()
        (folder / OFFSETS).unlink()
    checksums.record(generation)  # as an index built before these files
    with TalkIndex(copy / "index") as index, TalkIndex(fixture_data / "index") as flat:
        assert all(part is None for part in index.generation.stored.parts)
        _every_live_document_matches_whoosh(index)
        for text in ("lambda", '"event driven"', "serverl*", "speaker:ada latency"):
            assert index.search(text) == flat.search(text)
