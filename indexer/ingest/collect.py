"""Notes folder + transcript store → everything the index is built from.

This is the ingest half of `talkseek index`: read the notes, bring each linked
video's transcript up to date, and cut transcripts into passages. It reports
progress through a callback and never prints, so the CLI and tests share it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from indexer.core import workers
from indexer.core.data_folder import DataFolder
from indexer.core.statuses import OK, UNKNOWN
from indexer.core.talks import NoteWarning, Talk, VideoRef
from indexer.ingest.acronyms import Found, acronyms_said
from indexer.ingest.captions import CaptionError
from indexer.ingest.fetching import Fetched, Fetcher, FetchFailed
from indexer.ingest.notes_cache import FILE_NAME as NOTES_CACHE
from indexer.ingest.notes_cache import NotesCache
from indexer.ingest.notes_folder import read_notes_folder
from indexer.ingest.passage_cache import PassageCache, PassagesByVideo, passage_digest
from indexer.ingest.passages import Passage, build_passages
from indexer.ingest.repeats import Keys, passage_keys, repeated_passages
from indexer.ingest.sync import sync_video
from indexer.ingest.titles_said import unsaid_titles
from indexer.ingest.transcripts import TranscriptStatus, TranscriptStore

if TYPE_CHECKING:
    from indexer.ingest.vectors import Meaning

__all__ = ["Collection", "DataFolder", "read_talks", "recorded", "sync_transcripts"]

Progress = Callable[[VideoRef, TranscriptStatus], None]
#: Transcripts to cut before it pays to start processes for it, and how many.
PARALLEL_CUT_MIN = 64
CUT_PROCS = 2
#: Consecutive network failures after which the rest of a run stays offline.
UNREACHABLE_AFTER = 3


class SameTranscript(NamedTuple):
    """The earlier video whose transcript a video repeats, and the first talk linking it
    (found once per build: looking the talk up per talk grew with the square of talks)."""

    video_id: str
    talk_id: str
    title: str


@dataclass
class Collection:
    """Talks, their videos' statuses and passages, and every warning met on the way."""

    talks: list[Talk]
    videos: dict[str, VideoRef]
    talks_of_video: dict[str, list[str]]
    statuses: dict[str, TranscriptStatus] = field(default_factory=dict)
    passages: PassagesByVideo = field(default_factory=PassagesByVideo)
    #: per video, a digest of its passages: talks' content hashes use it, not the text
    passage_digests: dict[str, str] = field(default_factory=dict)
    warnings: list[NoteWarning] = field(default_factory=list)
    #: a video whose transcript is the very same as an earlier video's -> that video
    same_transcript: dict[str, SameTranscript] = field(default_factory=dict)
    #: per video, the numbers of its passages said in many other talks (`repeats`)
    repeated: dict[str, frozenset[int]] = field(default_factory=dict)
    #: the talks whose transcripts say none of their title's words (`titles_said`)
    title_unsaid: frozenset[str] = frozenset()
    #: per talk, the acronyms its notes and passages spell out (`acronyms`)
    acronyms: dict[str, Found] = field(default_factory=dict)
    #: the vectors to index with the talks (`ingest.vectors.Meaning`); None: keywords only
    meaning: Meaning | None = None

    def status_counts(self) -> Counter[str]:
        return Counter(status.status for status in self.statuses.values())

    def passage_count(self) -> int:
        return self.passages.count()


def read_talks(folder: DataFolder) -> Collection:
    """Talks from the notes and the distinct videos they link, in notes order."""
    if not folder.notes.is_dir():
        raise FileNotFoundError(f"no notes folder at {folder.notes}")
    cache = NotesCache(folder.index / NOTES_CACHE)
    parsed = read_notes_folder(folder.notes, cache)
    cache.save()
    videos: dict[str, VideoRef] = {}
    talks_of_video: dict[str, list[str]] = {}
    for talk in parsed.talks:
        for video in talk.videos:
            videos.setdefault(video.video_id, video)
            talks_of_video.setdefault(video.video_id, []).append(talk.id)
    return Collection(parsed.talks, videos, talks_of_video, warnings=list(parsed.warnings))


class UnreachableGuard:
    """Stops a run from waiting on YouTube once it has failed with network errors in a row."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.in_a_row = 0

    def fetch(self, video_id: str) -> Fetched:
        if self.in_a_row >= UNREACHABLE_AFTER:
            raise FetchFailed(
                "network", f"not tried: the {self.in_a_row} fetches before it had network errors", 0
            )
        try:
            fetched = self.fetcher.fetch(video_id)
        except FetchFailed as failure:
            self.in_a_row = self.in_a_row + 1 if failure.status == "network" else 0
            raise
        self.in_a_row = 0
        return fetched


def sync_transcripts(
    collection: Collection,
    folder: DataFolder,
    fetcher: Fetcher | None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Collection:
    """Sync every video's transcript (fetcher None = offline) and cut it into passages."""
    store = TranscriptStore(folder.transcripts)
    cache = PassageCache(folder.index / "passages")
    guarded = UnreachableGuard(fetcher) if fetcher is not None else None
    known = {
        video_id: (None, None) if refresh else _cached_passages(store, cache, video_id)
        for video_id in collection.videos
    }
    uncut = [video_id for video_id, (status, cached) in known.items() if status and not cached]
    fresh: dict[str, list[Keys]] = {}  # the sentence keys of passages cut here
    with _Cutter(store, cache, uncut) as cutter:
        for video_id, video in collection.videos.items():
            status, cached = known[video_id]
            if status is not None and cached is None:
                cached = cutter.next()
                if cached is not None:
                    collection.warnings += _transcript_warnings(store, video_id, cached.warned)
            if status is None or cached is None:
                status, snippets = sync_video(store, video, guarded, refresh=refresh)
                collection.warnings += _transcript_warnings(store, video_id, warned_of(snippets))
                cut = build_passages(snippets)
                fresh[video_id] = passage_keys(cut)
                source = store.cached_file(video_id)
                if status.status == OK and source is not None and snippets:
                    digest, _ = cache.put(video_id, source, cut, fresh[video_id])
                else:
                    digest = passage_digest(cut)
                collection.passages[video_id] = cut
            else:
                digest = cached.digest
                collection.passages.later(video_id, cached.load, cached.passages)
            collection.statuses[video_id] = status
            collection.passage_digests[video_id] = digest
            if progress is not None:
                progress(video, status)
    _find_repeated(collection, cache, {**cutter.sentences, **fresh})
    cache.save()
    _find_same_transcripts(collection, store)
    _warn_of_unsaid_titles(collection, folder)
    collection.acronyms = acronyms_said(collection.talks, collection.passages,
                                        collection.passage_digests, folder.index / "passages")
    return collection


def _warn_of_unsaid_titles(collection: Collection, folder: DataFolder) -> None:
    languages = {video_id: status.language_code
                 for video_id, status in collection.statuses.items()}  # fmt: skip
    found = unsaid_titles(collection.talks, collection.passages, collection.passage_digests,
                          folder.index / "passages", languages)  # fmt: skip
    collection.title_unsaid = frozenset(found)
    collection.warnings += found.values()


def _find_repeated(collection: Collection, cache: PassageCache,
                   fresh: dict[str, list[Keys]]) -> None:  # fmt: skip
    """Mark the passages said in many talks: as found last when no video's passages
    changed since, else from every video's sentence keys (`fresh`: those cut in this
    run; the others from the passage cache, or keyed now)."""
    videos = sorted(video_id for video_id in collection.videos
                    if collection.passages.count_of(video_id))  # fmt: skip
    digests = hashlib.sha256(json.dumps(
        [(video_id, collection.passage_digests.get(video_id, "")) for video_id in videos]
    ).encode("utf-8")).hexdigest()  # fmt: skip
    found = cache.repeated(digests)
    if found is None:
        keys: dict[str, list[Keys]] = {}
        for video_id in videos:
            said = fresh.get(video_id)
            if said is None:
                said = cache.sentences(video_id, collection.passage_digests.get(video_id, ""))
            keys[video_id] = (said if said is not None
                              else passage_keys(collection.passages[video_id]))  # fmt: skip
        found = repeated_passages(keys, collection.passage_digests)
        cache.remember_repeated(digests, found)
    collection.repeated = found


def _find_same_transcripts(collection: Collection, store: TranscriptStore) -> None:
    """Videos whose passages are identical to an earlier video's: one of the two files is
    almost surely the wrong one (a transcript saved under two episodes, say)."""
    first_of: dict[str, str] = {}
    titles = {talk.id: talk.title for talk in collection.talks}
    for video_id in collection.videos:
        digest = collection.passage_digests.get(video_id)
        if digest is None or not collection.passages.count_of(video_id):
            continue
        earlier = first_of.setdefault(digest, video_id)
        if earlier == video_id:
            continue
        talk_id = collection.talks_of_video[earlier][0]
        collection.same_transcript[video_id] = SameTranscript(
            earlier, talk_id, titles.get(talk_id, talk_id))
        source = store.cached_file(video_id)
        name = f"{store.folder.name}/{source.name}" if source is not None else video_id
        talk = titles.get(talk_id, earlier)
        collection.warnings.append(NoteWarning(name, 0, (
            f"the same transcript as video {earlier} ({talk}); one of the two files is "
            "probably the wrong one")))  # fmt: skip


class _Cached(NamedTuple):
    """A video's cached passages: their digest and count now, the passages when asked."""

    digest: str
    passages: int
    load: Callable[[], list[Passage]]
    warned: tuple[tuple[int, str], ...] = ()  # what reading the transcript file warned of


def warned_of(snippets: list) -> list[tuple[int, str]]:
    """What a caption reader warned of, as (line, message): how it read the file, and
    each cue it skipped (nothing for fetched transcripts)."""
    skipped = [(line, f"{why}: cue skipped") for line, why in getattr(snippets, "skipped", [])]
    return [*getattr(snippets, "problems", []), *skipped]


def _transcript_warnings(
    store: TranscriptStore, video_id: str, warned: Sequence[tuple[int, str]]
) -> list[NoteWarning]:
    """A warning per problem, at its line in the transcript file."""
    source = store.cached_file(video_id)
    name = f"{store.folder.name}/{source.name}" if source is not None else video_id
    return [NoteWarning(name, line, message) for line, message in warned]


class _Cutter:
    """Cuts cached transcripts that have no cached passages yet, on every core, in order.

    A first build cuts thousands of transcripts (pure Python, 20 s for the
    benchmark corpus on one core); `next()` gives each video's passages, or None
    when the transcript is unreadable or empty (the caller then goes the slow
    way and records why).
    """

    def __init__(self, store: TranscriptStore, cache: PassageCache, video_ids: list[str]) -> None:
        self.store, self.cache = store, cache
        self.sentences: dict[str, list[Keys]] = {}  # of each video cut
        self.pool: ProcessPoolExecutor | None = None
        jobs = [(store.folder, cache.folder, video_id) for video_id in video_ids]
        if len(jobs) >= PARALLEL_CUT_MIN and hasattr(os, "fork"):  # else one core, as before
            self.pool = ProcessPoolExecutor(
                CUT_PROCS, mp_context=get_context("fork"), initializer=workers.start_worker,
                initargs=(os.getpid(),),
            )
            self.results = self.pool.map(_cut_cached, jobs, chunksize=8)
        else:
            self.results = map(_cut_cached, jobs)

    def next(self) -> _Cached | None:
        result = next(self.results)
        if result is None:
            return None
        video_id, cut, digest, key, warned, sentences = result
        source = self.store.cached_file(video_id)
        if source is not None:  # the manifest lives in this process
            self.cache.remember(video_id, source, key, digest, len(cut))
        self.sentences[video_id] = sentences
        return _Cached(digest, len(cut), lambda: cut, tuple(warned))

    def __enter__(self) -> _Cutter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _cut_cached(
    job: tuple[Path, Path, str],
) -> tuple[str, list[Passage], str, dict, list[tuple[int, str]], list[Keys]] | None:
    transcripts, passages, video_id = job
    store = TranscriptStore(transcripts)
    source = store.cached_file(video_id)
    try:
        snippets = store.load(video_id)
    except CaptionError:
        return None
    if source is None or not snippets:
        return None
    cut = build_passages(snippets)
    sentences = passage_keys(cut)
    digest, key = PassageCache(passages, manifest=False).put(video_id, source, cut, sentences)
    return video_id, cut, digest, key, warned_of(snippets), sentences


def _cached_passages(
    store: TranscriptStore, cache: PassageCache, video_id: str
) -> tuple[TranscriptStatus | None, _Cached | None]:
    """A video already in good order: its recorded ok status and its cached passages."""
    status = store.status(video_id)
    source = store.cached_file(video_id)
    if status is None or status.status != OK or source is None:
        return None, None
    known = cache.known(video_id, source)
    if known is not None:
        digest, count = known
        return status, _Cached(digest, count, lambda: _reload(store, cache, video_id, source))
    found = cache.get(video_id, source)
    if found is None:
        return status, None
    cut, digest = found
    return status, _Cached(digest, len(cut), lambda: cut)


def _reload(store: TranscriptStore, cache: PassageCache, video_id: str, source: Path) -> list:
    """Passages the manifest vouched for; cut again if their file went missing meanwhile
    (the same transcript and code cut the same passages)."""
    found = cache.get(video_id, source)
    if found is not None:
        return found[0]
    try:
        return build_passages(store.load(video_id))
    except CaptionError:
        return []


def recorded(folder: DataFolder) -> Collection:
    """Talks with the last recorded transcript statuses, without fetching anything.

    Passage counts come from the passage cache's manifest, as the last build recorded
    them; only a transcript the manifest does not vouch for is cut again to count it.
    """
    collection = read_talks(folder)
    store = TranscriptStore(folder.transcripts)
    cache = PassageCache(folder.index / "passages")
    for video_id in collection.videos:
        status = store.status(video_id)
        collection.statuses[video_id] = status or TranscriptStatus(
            video_id, UNKNOWN, "not indexed yet: run `talkseek index`"
        )
        if status is None or status.status != OK:
            continue
        source = store.cached_file(video_id)
        known = cache.known(video_id, source) if source is not None else None
        if source is not None and known is not None:
            load = partial(_reload, store, cache, video_id, source)
            collection.passages.later(video_id, load, known[1])
        else:
            collection.passages[video_id] = build_passages(store.load(video_id))
        collection.passage_digests[video_id] = (
            known[0] if known is not None else passage_digest(collection.passages[video_id])
        )
    _find_same_transcripts(collection, store)
    _warn_of_unsaid_titles(collection, folder)
    return collection
