"""Building the index: full and incremental, atomic swaps, interrupted builds, notes aligned."""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer.cli import main
from indexer.engines.protocol import FIELD_WEIGHTS, INDEXING, SPELLING_FIELDS, IndexMissing
from indexer.engines.whoosh import generations, postings
from indexer.engines.whoosh.build import EXPORTING, WRITING_SEGMENTS, build_index, pool_mb
from indexer.engines.whoosh.postings import _export_segment
from indexer.ingest import collect
from indexer.ingest.collect import DataFolder, read_talks, sync_transcripts
from indexer.ingest.passage_cache import PassageCache
from indexer.ingest.passages import build_passages
from indexer.ingest.transcripts import TranscriptStore
from tests.conftest import TEST_DATA
from tests.searching import TalkIndex, search


def rebuild(root: Path, full: bool = False, **options):
    folder = DataFolder(root)
    collection = sync_transcripts(read_talks(folder), folder, None)
    return build_index(collection, folder.index, full=full, **options)


@pytest.fixture()
def data(tmp_path):
    shutil.copytree(TEST_DATA / "notes", tmp_path / "notes")
    shutil.copytree(TEST_DATA / "transcripts", tmp_path / "transcripts")
    rebuild(tmp_path, full=True)
    return tmp_path


def titles(root: Path, query: str) -> list[str]:
    return [r["talk"]["title"] for r in search(root / "index", query)["results"]]


def test_full_build_publishes_one_generation(data):
    index = data / "index"
    assert (index / "CURRENT").is_file()
    folders = sorted(p.name for p in index.iterdir() if p.is_dir())
    assert len(folders) == 2 and folders[0].startswith("gen-") and folders[1] == "passages"
    assert titles(data, "nanosecond") == ["Grace Hopper - Rear Admiral"]


def test_only_what_is_searched_or_looked_up_is_indexed(data):
    """Times are shown and ranked by, never searched: they have no terms (a numeric
    field's terms were most of an index's, and of a build's time), yet read back."""
    lookups = {"doc_id", "kind", "talk_id", "video_id"}
    searched = set(FIELD_WEIGHTS) | {f"spell_{field}" for field in SPELLING_FIELDS}
    ix = whoosh_index.open_dir(str(generations.current(data / "index")))
    with ix.reader() as reader:
        with_terms = {field for field, _ in reader.all_terms()}
        assert "transcript" in with_terms and with_terms <= searched | lookups
        starts = list(reader.column_reader("start_ms"))
        stored = [fields.get("start") for fields in reader.all_stored_fields()]
    assert {"start", "start_ms"}.isdisjoint(with_terms)
    assert [round(start * 1000) if start is not None and start >= 0 else -1
            for start in stored] == starts  # fmt: skip
    assert any(start > 0 for start in starts)


def test_writers_sort_in_memory_a_bounded_share_of_the_machines():
    gib = 2**30
    assert pool_mb(4 * gib) == 512  # an eighth, each of two writers
    assert pool_mb(1 * gib) == 256 and pool_mb(0) == 256  # small machines: the floor
    assert pool_mb(64 * gib) == 1536  # the most a writer keeps
    assert 256 <= pool_mb() <= 1536


def test_passages_are_cached_until_their_transcript_changes(data):
    cached = data / "index" / "passages" / "aaaaaaaaaaa.json"
    first = cached.read_text()
    assert '"passages"' in first and "nanosecond" in first
    rebuild(data)  # unchanged transcript: the cached passages are used as they are
    assert cached.read_text() == first
    transcript = data / "transcripts" / "aaaaaaaaaaa.json"
    transcript.write_text(transcript.read_text().replace("nanosecond", "picosecond"))
    rebuild(data)
    assert "picosecond" in cached.read_text()
    assert titles(data, "picosecond") == ["Grace Hopper - Rear Admiral"]
    cached.write_text("{damaged")
    rebuild(data)
    assert titles(data, "picosecond") == ["Grace Hopper - Rear Admiral"]


def test_unchanged_notes_rebuild_nothing(data):
    report = rebuild(data)
    assert (report.full, report.added, report.updated, report.unchanged) == (False, 0, 0, 6)
    assert report.documents == 0


def test_incremental_update_touches_only_changed_talks(data):
    notes = data / "notes" / "devcon-2024.md"
    notes.write_text(notes.read_text().replace("Coffee was good", "Coffee was superb"))
    (data / "notes" / "episode-notes-only.md").unlink()
    (data / "notes" / "new.md").write_text("## Brand new talk\n\n* about zeppelins\n")
    report = rebuild(data)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 4)
    assert titles(data, "superb") == ["Hallway track"]
    assert titles(data, '"coffee was good"') == []
    assert titles(data, "zeppelins") == ["Brand new talk"]
    assert titles(data, "hiring") == []


def test_new_transcript_updates_its_talk(data):
    (data / "transcripts" / "ccccccccccc.json").write_text(
        '[{"text": "Caching with write-through and write-back strategies.", "start": 3, "duration": 4}]'
    )
    report = rebuild(data)
    assert (report.added, report.updated) == (0, 1)
    assert titles(data, "write-back") == ["Hands-on caching"]


def test_full_rebuild_keeps_at_most_two_generations(data):
    for _ in range(3):
        rebuild(data, full=True)
    assert len([p for p in (data / "index").iterdir() if p.name.startswith("gen-")]) == 2


def test_a_failing_build_leaves_the_previous_index_serving(data):
    def explode(done, total, stage=INDEXING):
        if done == 3:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        rebuild(data, full=True, progress=explode)
    assert titles(data, "nanosecond") == ["Grace Hopper - Rear Admiral"]
    assert not list((data / "index").glob(".building-*"))  # its space is given back at once
    rebuild(data, full=True)
    assert not list((data / "index").glob(".building-*"))


def _told(root: Path, bullets: int = 0) -> list[tuple[str, int, int]]:
    """What a full build of the fixture data (and a talk of so many bullets) told its
    progress: (stage, done, total)."""
    shutil.copytree(TEST_DATA / "notes", root / "notes")
    shutil.copytree(TEST_DATA / "transcripts", root / "transcripts")
    if bullets:
        lines = [f"* Bullet {number} about airships" for number in range(bullets)]
        (root / "notes" / "airships.md").write_text("# Airships\n\n" + "\n".join(lines) + "\n",
                                                   encoding="utf-8")  # fmt: skip
    told: list[tuple[str, int, int]] = []

    def progress(done: int, total: int, stage: str = INDEXING) -> None:
        told.append((stage, done, total))

    rebuild(root, full=True, progress=progress)
    return told


def test_a_full_build_says_how_far_each_of_its_stages_is(tmp_path):
    told = _told(tmp_path)
    stages = list(dict.fromkeys(stage for stage, _, _ in told))
    assert stages == [INDEXING, WRITING_SEGMENTS, EXPORTING]
    for stage in stages:
        steps = [(done, total) for said, done, total in told if said == stage]
        assert steps[-1][0] == steps[-1][1] > 0  # each stage ends complete
        assert all(0 <= done <= total for done, total in steps)
        assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    talks = len(read_talks(DataFolder(tmp_path)).talks)
    assert [t for t in told if t[0] == INDEXING][-1] == (INDEXING, talks, talks)


def _slow_export(generation: Path, number: int) -> None:
    time.sleep(1.6)
    _export_segment(generation, number)


def test_a_build_waiting_on_its_workers_says_so_while_it_waits(tmp_path, monkeypatch):
    """A log shows a long build alive: while the writers finish their segments and while
    the arrays are exported, progress is told again and again, not only at the end."""
    finish = SegmentWriter._finalize_segment

    def slow_finish(self):
        time.sleep(1.6)
        return finish(self)

    # the writers and the exporters are forked from this process: they run these
    monkeypatch.setattr(SegmentWriter, "_finalize_segment", slow_finish)
    monkeypatch.setattr(postings, "_export_segment", _slow_export)
    told = _told(tmp_path, bullets=300)  # documents for both writers: two segments
    for stage in (WRITING_SEGMENTS, EXPORTING):
        waiting = [done for said, done, total in told if said == stage and done < total]
        assert len(waiting) >= 2, (stage, told)


def test_a_second_build_at_once_is_refused(data):
    lock = generations.build_lock(data / "index")
    with lock, pytest.raises(generations.BuildLocked, match="another talkseek build is running"):
        rebuild(data)


def test_missing_or_damaged_pointer_means_no_index_until_rebuilt(data):
    with pytest.raises(IndexMissing):
        TalkIndex(data / "elsewhere")
    (data / "index" / "CURRENT").write_text("{not json")
    with pytest.raises(IndexMissing, match="run `talkseek index` first"):
        TalkIndex(data / "index")
    rebuild(data)
    assert titles(data, "nanosecond") == ["Grace Hopper - Rear Admiral"]


def test_builds_killed_at_random_points_never_break_search(data):
    rng = random.Random(20261128)
    command = [
        sys.executable,
        "-m",
        "indexer.cli",
        "index",
        "--offline",
        "--full",
        "--data",
        str(data),
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    interrupted = attempts = 0
    while interrupted < 20 and attempts < 80:  # 20 kills that land while a build runs
        attempts += 1
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.05, 1.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            interrupted += 1
        process.wait()
        assert titles(data, "nanosecond") == ["Grace Hopper - Rear Admiral"]
    assert interrupted == 20
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "index full build" in result.stdout
    assert titles(data, "moth relay") == ["Grace Hopper - Rear Admiral"]
    assert not list((data / "index").glob(".building-*"))


def test_note_bullets_are_aligned_to_their_moment(fixture_data):
    result = search(fixture_data / "index", "in:notes wire OR compilers")
    (hopper,) = [r for r in result["results"] if r["talk"]["title"].startswith("Grace")]
    starts = {note["text"]: note["start"] for note in hopper["notes"]}
    wire = starts["Nanoseconds explained with a length of wire"]
    compilers = starts["Compilers save programmer time"]
    assert wire is not None and 5 <= wire <= 30  # nanoseconds and wire: said from 8 s to 30 s
    assert compilers is not None and 40 <= compilers <= 80  # the compiler part starts at ~45 s
    note = next(n for n in hopper["notes"] if n["text"].startswith("Nanoseconds"))
    assert note["url"] == f"https://www.youtube.com/watch?v=aaaaaaaaaaa&t={int(wire)}s"


def test_an_update_shares_the_previous_generations_files(tmp_path):
    """Index files and posting arrays are linked, not copied; half-written arrays are not."""
    old = tmp_path / "gen-old"
    (old / "postings" / "MAIN_a").mkdir(parents=True)
    (old / "postings" / "MAIN_b.partial").mkdir()
    (old / "MAIN_a.seg").write_bytes(b"segment")
    (old / "postings" / "MAIN_a" / "transcript.docs.npy").write_bytes(b"arrays")
    (old / "MAIN_WRITELOCK.lock").write_bytes(b"")
    new = generations.new_generation(tmp_path, copy_from=old)
    for name in ("MAIN_a.seg", "postings/MAIN_a/transcript.docs.npy"):
        assert (new / name).stat().st_ino == (old / name).stat().st_ino
    assert not (new / "postings" / "MAIN_b.partial").exists()
    assert not (new / "MAIN_WRITELOCK.lock").exists()


def test_an_update_that_changes_most_talks_builds_afresh(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for number in range(30):
        (notes / f"talk-{number:02}.md").write_text(f"## Talk {number}\n\n* about topic {number}\n")
    assert rebuild(tmp_path, full=True).full
    (notes / "talk-00.md").write_text("## Talk 0\n\n* about zeppelins\n")
    report = rebuild(tmp_path)
    assert (report.full, report.updated, report.unchanged) == (False, 1, 29)
    for number in range(25):
        (notes / f"talk-{number:02}.md").write_text(f"## Talk {number}\n\n* about airships\n")
    report = rebuild(tmp_path)
    assert report.full and report.added == 30
    assert titles(tmp_path, "airships")[:1] and titles(tmp_path, "zeppelins") == []
    assert sorted(titles(tmp_path, "topic")) == [f"Talk {n}" for n in range(25, 30)]


def test_transcripts_cut_on_several_cores_give_what_one_core_gives(tmp_path, monkeypatch):
    first = tmp_path / "first"
    (first / "notes").mkdir(parents=True)
    (first / "transcripts").mkdir()
    for number in range(8):
        source = TEST_DATA / "transcripts" / ("aaaaaaaaaaa.json", "bbbbbbbbbbb.vtt")[number % 2]
        shutil.copy(source, first / "transcripts" / f"talk-{number}{source.suffix}")
        (first / "notes" / f"talk-{number}.md").write_text(
            f"---\ntitle: Talk {number}\nvideo_id: talk-{number}\n---\n"
        )
    folder = DataFolder(first)
    sync_transcripts(read_talks(folder), folder, None)  # records each video's status as ok
    shutil.rmtree(first / "index" / "passages")
    (first / "transcripts" / "talk-3.json").write_text("{not json")  # ok before, broken now
    second = tmp_path / "second"
    shutil.copytree(first, second)

    def synced(root: Path, parallel_from: int):
        monkeypatch.setattr(collect, "PARALLEL_CUT_MIN", parallel_from)
        folder = DataFolder(root)
        return sync_transcripts(read_talks(folder), folder, None)

    one_core = synced(first, parallel_from=10**6)
    several = synced(second, parallel_from=2)
    assert several.passages == one_core.passages
    assert several.passage_digests == one_core.passage_digests
    statuses = {v: (s.status, s.message) for v, s in several.statuses.items()}
    assert statuses == {v: (s.status, s.message) for v, s in one_core.statuses.items()}
    assert statuses["talk-3"][0] != "ok" and statuses["talk-2"][0] == "ok"
    assert len(several.passages["talk-2"]) > 1 and several.passages["talk-3"] == []
    cached = {path.stem for path in (second / "index" / "passages").glob("talk-*.json")}
    assert cached == {f"talk-{n}" for n in range(8)} - {"talk-3"}
    manifest = json.loads((second / "index" / "passages" / "manifest.json").read_text())
    assert set(manifest["videos"]) == cached


def test_an_update_reads_cached_passages_only_for_talks_it_rewrites(data, monkeypatch):
    read: list[str] = []
    original = PassageCache.get

    def counted(self, video_id, source):
        read.append(video_id)
        return original(self, video_id, source)

    monkeypatch.setattr(PassageCache, "get", counted)
    notes = data / "notes" / "devcon-2024.md"
    text = notes.read_text()
    bullet = "* Compilers save programmer time"
    notes.write_text(text.replace(bullet, bullet + " (and zeppelins)"))
    report = rebuild(data)
    assert (report.updated, report.added, report.removed) == (1, 0, 0)
    assert read == ["aaaaaaaaaaa"]  # the edited talk's video; the other talks' stay unread
    assert titles(data, "zeppelins") == ["Grace Hopper - Rear Admiral"]
    assert titles(data, "inverted indexes") == ["Closing keynote: the future of search"]
    folder = DataFolder(data)
    lazy = sync_transcripts(read_talks(folder), folder, None).passages
    cut = build_passages(TranscriptStore(folder.transcripts).load("aaaaaaaaaaa"))
    assert lazy["aaaaaaaaaaa"] == cut and len(cut) > 1
    assert lazy.count() == sum(len(passages) for passages in lazy.values())
    assert titles(data, "nanosecond") == ["Grace Hopper - Rear Admiral"]


def test_a_transcript_rewritten_within_one_clock_tick_is_read_again(data):
    """File times are coarse: a same-size rewrite right after a build can keep its mtime."""
    transcript = data / "transcripts" / "aaaaaaaaaaa.json"
    transcript.write_text(transcript.read_text().replace("nanosecond", "microsecond"))
    rebuild(data)  # passages cut again and recorded with this very mtime
    written = transcript.stat()
    transcript.write_text(transcript.read_text().replace("microsecond", "millisecond"))
    os.utime(transcript, ns=(written.st_atime_ns, written.st_mtime_ns))  # same size, same time
    rebuild(data)
    assert titles(data, "millisecond") == ["Grace Hopper - Rear Admiral"]
    assert titles(data, "microsecond") == []


def test_a_transcript_replaced_keeping_its_size_and_time_is_read_again(data):
    """`cp -p` and `rsync -t` copy a file's time: long after the build, size and time match
    the manifest, yet the text is new (the inode change time is not)."""
    transcript = data / "transcripts" / "aaaaaaaaaaa.json"
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(transcript, ns=(hour_ago, hour_ago))  # outside the racy window of the manifest
    rebuild(data)
    replacement = data / "replacement.json"
    replacement.write_text(transcript.read_text().replace("satellite", "starlight"))
    os.utime(replacement, ns=(hour_ago, hour_ago))
    assert replacement.stat().st_size == transcript.stat().st_size
    os.replace(replacement, transcript)  # what `cp -p` / `rsync -t` leave: same size and time
    rebuild(data)
    assert titles(data, "starlight") == ["Grace Hopper - Rear Admiral"]
    assert titles(data, "satellite") == []


def test_an_index_made_with_an_older_analyzer_is_not_read_and_is_rebuilt(tmp_path):
    """Terms change when the analyzer does (`experiments` no longer matches `experience`):
    a generation made before is never read with the new query terms, and the next build is full."""
    from tests.conftest import build_data_folder

    data = build_data_folder(tmp_path, TEST_DATA / "notes", TEST_DATA / "transcripts")
    pointer = data / "index" / generations.POINTER
    written = json.loads(pointer.read_text())
    pointer.write_text(json.dumps({**written, "analyzer": written["analyzer"] - 1}))
    said = "the index was made by another version of talkseek: run `talkseek index` to rebuild it"
    with pytest.raises(IndexMissing, match=re.escape(said)):
        TalkIndex(data / "index")
    runner = CliRunner()
    status = runner.invoke(main, ["status", "--data", str(data)])
    assert f"index: whoosh, nothing served ({said})" in status.output
    check = runner.invoke(main, ["check", "--data", str(data)])
    assert check.exit_code == 1 and f"index: {said}" in check.output
    folder = DataFolder(data)
    report = build_index(sync_transcripts(read_talks(folder), folder, None), folder.index)
    assert report.full
    assert titles(data, "nanosecond") == ["Grace Hopper - Rear Admiral"]


def test_a_transcript_saved_under_two_videos_names_the_first_talk(data):
    """The talk repeating another's transcript says which talk, by its title and video."""
    shutil.copy(data / "transcripts" / "aaaaaaaaaaa.json", data / "transcripts" / "ccccccccccc.json")
    rebuild(data)
    [hopper] = search(data / "index", "video:aaaaaaaaaaa")["results"]
    [copy] = search(data / "index", "video:ccccccccccc")["results"]
    assert hopper["talk"]["same_transcript_as"] is None
    assert copy["talk"]["same_transcript_as"] == {
        "talk_id": hopper["talk"]["id"], "title": "Grace Hopper - Rear Admiral",
        "video_id": "aaaaaaaaaaa"}  # fmt: skip
