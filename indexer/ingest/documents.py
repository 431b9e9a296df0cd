"""What every engine indexes about one talk: its record, its content hash, its passages
and its notes aligned to moments.

Engines write these into their own documents; computing them here keeps the
engines agreeing on what a talk is. Passages and alignments are computed only
for the talks a build writes (an update writes few).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from math import inf

from indexer.core.statuses import UNKNOWN
from indexer.core.talks import NoteItem, Talk
from indexer.ingest.align import Alignment, align_notes, split_stated, stated_start
from indexer.ingest.collect import Collection
from indexer.ingest.passage_cache import passage_digest
from indexer.ingest.passages import Passage


def talk_passages(talk: Talk, collection: Collection) -> list[tuple[str, Passage]]:
    """(video id, passage) for every video of a talk, in video order then time."""
    return [
        (video.video_id, passage)
        for video in talk.videos
        for passage in collection.passages.get(video.video_id, [])
    ]


def talk_record(talk: Talk, collection: Collection) -> dict:
    """What result pages show about a talk, stored once with its talk document."""
    videos = []
    for video in talk.videos:
        status = collection.statuses.get(video.video_id)
        videos.append(
            {
                "video_id": video.video_id,
                "kind": video.kind,
                "url": video.url,
                "start": video.start,
                "status": status.status if status else UNKNOWN,
                "message": status.message if status else "",
            }
        )
    # shallow: asdict would deep-copy every note only for them to be dropped here
    record = {f.name: getattr(talk, f.name) for f in fields(talk) if f.name != "notes"}
    record["videos"] = videos
    same = _same_transcript_as(talk, collection)
    if same is not None:
        record["same_transcript_as"] = same
    if talk.id in collection.title_unsaid:
        record["title_unsaid"] = True
    acronyms = collection.acronyms.get(talk.id)
    if acronyms:
        record["acronyms"] = acronyms
    record["section"] = list(talk.section)
    record["keywords"] = list(talk.keywords)
    return record


def _same_transcript_as(talk: Talk, collection: Collection) -> dict | None:
    """The talk (and video) whose transcript this talk's first such video repeats."""
    for video in talk.videos:
        same = collection.same_transcript.get(video.video_id)
        if same is not None:
            return {"talk_id": same.talk_id, "title": same.title, "video_id": same.video_id}
    return None


def content_hash(record: dict, talk: Talk, collection: Collection) -> str:
    """Changes when anything indexed for the talk changes; passages count by their digest
    (and which are repeated: another talk's new episode may make them so)."""
    digests = []
    for video in talk.videos:
        digest = collection.passage_digests.get(video.video_id)
        if digest is None:
            digest = passage_digest(collection.passages.get(video.video_id, []))
        repeated = sorted(collection.repeated.get(video.video_id, ()))
        digests.append((video.video_id, digest, *([repeated] if repeated else [])))
    # a note's stated time counts too (only where there is one: indexes made before
    # stated times were read keep their other talks)
    notes = [(note.text, note.line, note.depth, *_stated(note)) for note in talk.notes]
    payload = json.dumps([record, notes, digests], sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _stated(note: NoteItem) -> tuple[float | str, ...]:
    stated = stated_start(note.text)
    said: tuple[float | str, ...] = () if stated is None else (stated,)
    if note.video_id is not None and note.start is not None:
        said += (note.video_id, note.start)
    return said


def aligned_notes(
    talk: Talk, passages: list[tuple[str, Passage]]
) -> list[tuple[NoteItem, Alignment | None]]:
    """Each note of a talk with the moment it is about, when the note or the transcript
    says so clearly.

    A note linking one of the talk's videos at a time (`[SnapStart](…?t=754)`) is about
    that second of that video; a note that begins with a time (`12:34 SnapStart
    announced`) is about that second of the talk's first video. Either holds with or
    without a transcript, unless the transcript ends before it; the other notes are
    aligned by their words."""
    split = [split_stated(note.text) for note in talk.notes]
    alignments = align_notes([words for _, words in split], passages)  # the time is no word
    last: dict[str, float] = {}
    for video_id, passage in passages:
        last[video_id] = max(last.get(video_id, 0.0), passage.end)
    videos = [video.video_id for video in talk.videos]
    found = []
    for note, (stated, _), alignment in zip(talk.notes, split, alignments, strict=True):
        said: list[tuple[str | None, float | None]] = [
            (note.video_id, note.start), (videos[0] if videos else None, stated)]
        for named, second in said:
            if named in videos and second is not None and second <= last.get(named, inf):
                alignment = Alignment(named, second)
                break
        found.append((note, alignment))
    return found
