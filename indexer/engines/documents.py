"""Talks → the documents every engine stores: one per talk, per note and per passage.

Engines store the same documents (`Kind`), keyed by `doc_id` and grouped by
`talk_id`, so they find the same things; how each stores them is its own affair.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from indexer.core.talks import Talk
from indexer.engines.protocol import Kind
from indexer.engines.records import record_fields
from indexer.ingest.documents import aligned_notes
from indexer.ingest.passages import Passage


def talk_documents(
    talk: Talk, record: dict, passages: list[tuple[str, Passage]], digest: str,
    repeated: Mapping[str, frozenset[int]] | None = None,
) -> Iterator[dict]:
    """Every index document of one talk; `repeated` numbers each video's passages said
    in many talks (`Collection.repeated`)."""
    yield {
        "doc_id": f"{Kind.TALK}:{talk.id}",
        "kind": Kind.TALK.value,
        "talk_id": talk.id,
        "video_id": talk.videos[0].video_id if talk.videos else "",
        **record_fields(record),
        "talk": record,
        "content_hash": digest,
        "start": -1.0,
    }
    for number, (note, aligned) in enumerate(aligned_notes(talk, passages)):
        yield {
            "doc_id": f"{Kind.NOTE}:{talk.id}:{number}",
            "kind": Kind.NOTE.value,
            "talk_id": talk.id,
            "video_id": aligned.video_id if aligned else "",
            "note": note.text,
            "text": note.text,
            "line": note.line,
            "start": aligned.start if aligned else -1.0,
        }
    numbers: dict[str, int] = {}  # each passage's number within its video
    for number, (video_id, passage) in enumerate(passages):
        within = numbers[video_id] = numbers.get(video_id, -1) + 1
        yield {
            "doc_id": f"{Kind.PASSAGE}:{talk.id}:{number}",
            "kind": Kind.PASSAGE.value,
            "talk_id": talk.id,
            "video_id": video_id,
            "transcript": passage.text,
            "text": passage.text,
            "start": passage.start,
            "end": passage.end,
            "repeated": within in (repeated or {}).get(video_id, ()),
        }
