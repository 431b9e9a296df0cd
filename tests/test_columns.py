"""The document table read from each segment's exported columns is the one Whoosh's
columns give value by value, with or without the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from indexer.engines.whoosh import checksums, generations
from indexer.engines.whoosh.build import build_index
from indexer.engines.whoosh.columns import CODES, NAMES, VALUES
from indexer.engines.whoosh.postings import segment_folder
from indexer.engines.whoosh.ranking import DocTable
from indexer.ingest.collect import DataFolder, read_talks, sync_transcripts
from tests.searching import TalkIndex


def _updated(fixture_data: Path, tmp_path: Path) -> Path:
    """A copy of the fixture data updated twice over: a new talk (a second segment) and
    an edited one (deleted documents in the first)."""
    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    (root / "notes" / "airships.md").write_text(
        "# Airships\n\nSpeaker: Ada Zeppelin\n\n* The zeppelin airship era\n", encoding="utf-8")
    edited = root / "notes" / "episode-ada.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n* One more bullet\n", "utf-8")
    folder = DataFolder(root)
    build_index(sync_transcripts(read_talks(folder), folder, None), folder.index)
    return root


def _plain(reader) -> DocTable:
    """The plain version: every document's values through Whoosh's reader."""
    columns = {name: list(reader.column_reader(name)) for name in NAMES}
    return DocTable.from_columns(columns["kind"], columns["talk_id"], columns["video_id"],
                                 [(ms or 0) / 1000 for ms in columns["start_ms"]],
                                 [bool(flag) for flag in columns["repeated"]])  # fmt: skip


def _assert_same(table: DocTable, plain: DocTable) -> None:
    assert table.talk_ids == plain.talk_ids
    for name in ("kind", "talk", "video", "start", "repeated", "place", "by_place", "timeline"):
        found, expected = getattr(table, name), getattr(plain, name)
        assert found.dtype == expected.dtype and np.array_equal(found, expected), name


def test_the_table_from_exported_columns_is_whooshs(fixture_data, tmp_path):
    root = _updated(fixture_data, tmp_path)
    with TalkIndex(root / "index") as index:
        leaves = [leaf for leaf, _ in index.postings.leaves]
        assert len(leaves) > 1 and index.reader.has_deletions()
        for leaf in leaves:
            assert (segment_folder(index.generation.folder, leaf) / VALUES).is_file()
        _assert_same(index.generation.table, _plain(index.reader))


def test_a_segment_without_exported_columns_is_read_through_whoosh(fixture_data, tmp_path):
    root = _updated(fixture_data, tmp_path)
    generation = generations.current(root / "index")
    assert generation is not None
    with TalkIndex(root / "index") as index:
        first = segment_folder(generation, index.postings.leaves[0][0])
    (first / VALUES).unlink()
    for name in NAMES:
        (first / CODES.format(name=name)).unlink()
    checksums.record(generation)  # as an index built before the files was recorded
    with TalkIndex(root / "index") as index:
        _assert_same(index.generation.table, _plain(index.reader))
        assert index.search("zeppelin")["results"][0]["talk"]["title"] == "Airships"
