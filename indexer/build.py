"""Talks, notes and passages → the Whoosh index, fully or incrementally.

Each talk carries a content hash of everything indexed about it (its record,
notes and its videos' passages); an incremental build re-analyses only talks
whose hash changed. Either way the build happens in a new generation folder
that is swapped in atomically (see `generations`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from indexer import (
    generations,
    whoosh_patches,  # noqa: F401 (applies on import)
)
from indexer.align import align_notes
from indexer.collect import Collection
from indexer.files import atomic_write
from indexer.passage_cache import passage_digest
from indexer.passages import Passage
from indexer.postings import export_postings
from indexer.schema import NOTE, PASSAGE, TALK, make_schema
from indexer.talks import Talk
from indexer.writer import CheckedMpWriter

WRITER_PROCS = 2
#: Postings each writer process sorts in memory (Whoosh's estimate; the real size is
#: higher) before it spills a sorted run to disk (see whoosh_patches.py).
POOL_MB = 256
#: An update that would rewrite at least this many talks, and most of them, builds afresh.
MOSTLY_CHANGED = 20
HASHES = "talk-hashes.json"  # in each generation: what an update compares against


@dataclass
class BuildReport:
    """What a build did, for the summary line."""

    full: bool
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    documents: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        kind = "full build" if self.full else "update"
        return (
            f"index {kind}: {self.added} talks added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged "
            f"({self.documents} documents written, {self.seconds:.1f}s)"
        )


def talk_passages(talk: Talk, collection: Collection) -> list[tuple[str, Passage]]:
    """(video id, passage) for every video of a talk, in video order then time."""
    return [
        (video.video_id, passage)
        for video in talk.videos
        for passage in collection.passages.get(video.video_id, [])
    ]


def talk_record(talk: Talk, collection: Collection) -> dict:
    """What result pages show about a talk, stored once on its talk document."""
    videos = []
    for video in talk.videos:
        status = collection.statuses.get(video.video_id)
        videos.append(
            {
                "video_id": video.video_id,
                "kind": video.kind,
                "url": video.url,
                "start": video.start,
                "status": status.status if status else "unknown",
                "message": status.message if status else "",
            }
        )
    # shallow: asdict would deep-copy every note only for them to be dropped here
    record = {f.name: getattr(talk, f.name) for f in fields(talk) if f.name != "notes"}
    record["videos"] = videos
    record["section"] = list(talk.section)
    record["keywords"] = list(talk.keywords)
    return record


def content_hash(record: dict, talk: Talk, collection: Collection) -> str:
    """Changes when anything indexed for the talk changes; passages count by their digest."""
    digests = []
    for video in talk.videos:
        digest = collection.passage_digests.get(video.video_id)
        if digest is None:
            digest = passage_digest(collection.passages.get(video.video_id, []))
        digests.append((video.video_id, digest))
    payload = json.dumps(
        [record, [(note.text, note.line, note.depth) for note in talk.notes], digests],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def talk_documents(
    talk: Talk, record: dict, passages: list[tuple[str, Passage]], digest: str
) -> Iterator[dict]:
    """Every index document of one talk."""
    yield {
        "doc_id": f"{TALK}:{talk.id}",
        "kind": TALK,
        "talk_id": talk.id,
        "video_id": talk.videos[0].video_id if talk.videos else "",
        "title": talk.title,
        "speaker": " ".join(filter(None, [talk.speaker, talk.role])),
        "event": talk.event,
        "section": " / ".join(talk.section),
        "keywords": ", ".join(talk.keywords),
        "description": talk.description,
        "talk": record,
        "content_hash": digest,
        "start": -1.0,
        "start_ms": -1,
    }
    alignments = align_notes([note.text for note in talk.notes], passages)
    for number, (note, aligned) in enumerate(zip(talk.notes, alignments, strict=True)):
        yield {
            "doc_id": f"{NOTE}:{talk.id}:{number}",
            "kind": NOTE,
            "talk_id": talk.id,
            "video_id": aligned.video_id if aligned else "",
            "note": note.text,
            "text": note.text,
            "line": note.line,
            "start": aligned.start if aligned else -1.0,
            "start_ms": round(aligned.start * 1000) if aligned else -1,
        }
    for number, (video_id, passage) in enumerate(passages):
        yield {
            "doc_id": f"{PASSAGE}:{talk.id}:{number}",
            "kind": PASSAGE,
            "talk_id": talk.id,
            "video_id": video_id,
            "transcript": passage.text,
            "text": passage.text,
            "start": passage.start,
            "start_ms": round(passage.start * 1000),
            "end": passage.end,
        }


def _stored_hashes(folder: Path) -> dict[str, str]:
    """Each indexed talk's content hash: from the generation's list, else from its documents."""
    try:
        hashes = json.loads((folder / HASHES).read_text(encoding="utf-8"))
        if isinstance(hashes, dict):
            return hashes
    except (OSError, ValueError):
        pass
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        return {
            fields["talk_id"]: fields.get("content_hash", "")
            for fields in searcher.documents(kind=TALK)
        }


def build_index(
    collection: Collection,
    index_dir: Path,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Write the index for a collection; incremental unless `full` or no usable index."""
    began = time.monotonic()
    with generations.build_lock(index_dir):
        generations.remove_leftovers(index_dir)
        previous = None if full else generations.current(index_dir)
        stored = _stored_hashes(previous) if previous is not None else {}
        records = {talk.id: talk_record(talk, collection) for talk in collection.talks}
        hashes = {talk.id: content_hash(records[talk.id], talk, collection)
                  for talk in collection.talks}  # fmt: skip
        changed = sum(stored.get(talk_id) != digest for talk_id, digest in hashes.items())
        if previous is not None and changed >= MOSTLY_CHANGED and changed > len(hashes) / 2:
            previous, stored = None, {}  # rewriting most talks one by one is slower
        report = BuildReport(full=previous is None)
        building = generations.new_generation(index_dir, copy_from=previous)
        ix = (
            whoosh_index.open_dir(str(building))
            if previous is not None
            else whoosh_index.create_in(str(building), make_schema())
        )
        # A fresh build analyses on both cores; an update touches few talks. Segments
        # stay separate files: Whoosh reads a compound segment file into memory
        # (hundreds of MB per server process), separate files it reads from disk.
        options = {"limitmb": POOL_MB, "compound": False, "codec": _codec()}
        if previous is None:
            writer = CheckedMpWriter(ix, procs=WRITER_PROCS, multisegment=True, **options)
        else:
            writer = ix.writer(**options)
        try:
            _write(collection, writer, records, hashes, stored, report, progress)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        export_postings(building, procs=WRITER_PROCS)
        atomic_write(building / HASHES, json.dumps(hashes))
        generations.publish(index_dir, building)
    report.seconds = time.monotonic() - began
    return report


def _codec() -> W3Codec:
    """Whoosh's codec without zlib on posting blocks.

    Compressing every block was a tenth of a build, and searches read the
    exported arrays (postings.py), not the blocks.
    """
    return W3Codec(compression=0)


def _write(collection, writer, records, hashes, stored, report, progress) -> None:
    """Write the talks whose content hash differs from the stored one; delete the gone."""
    wanted = {talk.id for talk in collection.talks}
    for talk_id in stored.keys() - wanted:
        writer.delete_by_term("talk_id", talk_id)
        report.removed += 1
    for done, talk in enumerate(collection.talks, start=1):
        record, digest = records[talk.id], hashes[talk.id]
        if stored.get(talk.id) == digest:
            report.unchanged += 1
        else:
            if talk.id in stored:
                writer.delete_by_term("talk_id", talk.id)
                report.updated += 1
            else:
                report.added += 1
            passages = talk_passages(talk, collection)
            for document in talk_documents(talk, record, passages, digest):
                writer.add_document(**document)
                report.documents += 1
        if progress is not None:
            progress(done, len(collection.talks))
