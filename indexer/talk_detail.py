"""One talk in full for its page: record, every note, every passage, transcript status.

Search returns only what matched; the talk page shows everything, in reading
order, read back from the same index generation so the page and the results
agree.
"""

from __future__ import annotations

from indexer.schema import NOTE, PASSAGE
from indexer.search import TalkIndex, talk_summary
from indexer.talks import SAFE_ID
from indexer.youtube import moment_url

#: Why a transcript is missing, in words a reader of the talk page understands.
STATUS_REASONS = {
    "ok": "",
    "disabled": "The video's owner has turned captions off.",
    "not_found": "The video has no captions in the languages asked for.",
    "unavailable": "The video is private, removed or unavailable.",
    "age_restricted": "The video is age-restricted, so YouTube does not give its captions.",
    "blocked": "YouTube refused the request (rate limit or bot check); try again later "
    "or set a proxy.",
    "network": "YouTube could not be reached when the index was built.",
    "offline": "The index was built offline and no transcript was cached for this video.",
    "invalid": "The cached transcript could not be read.",
    "missing": "No transcript has been fetched for this video yet.",
    "unknown": "No transcript has been fetched for this video yet.",
}


def _number(doc_id: str) -> int:
    """The running number at the end of a note or passage document id."""
    tail = doc_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def talk_detail(index: TalkIndex, talk_id: str) -> dict | None:
    """The `/api/talks/<id>` structure, or None for an unknown (or malformed) id."""
    if not SAFE_ID.fullmatch(talk_id or ""):
        return None
    record = index.talks.get(talk_id)
    if record is None:
        return None
    notes, passages = [], []
    for fields in index.searcher.documents(talk_id=talk_id):
        if fields.get("kind") == NOTE:
            notes.append(fields)
        elif fields.get("kind") == PASSAGE:
            passages.append(fields)
    notes.sort(key=lambda fields: _number(fields["doc_id"]))
    passages.sort(key=lambda fields: _number(fields["doc_id"]))
    videos = [
        {**video, "reason": STATUS_REASONS.get(video.get("status", ""), video.get("message", ""))}
        for video in record.get("videos", [])
    ]
    return {
        "talk": {
            **talk_summary(record),
            "description": record.get("description", ""),
            "keywords": record.get("keywords", []),
            "publish_date": record.get("publish_date", ""),
            "videos": videos,
        },
        "notes": [_note(fields, record) for fields in notes],
        "passages": [
            {
                "video_id": fields["video_id"],
                "start": fields["start"],
                "end": fields.get("end", fields["start"]),
                "text": fields["text"],
                "url": moment_url(record, fields["video_id"], fields["start"]),
            }
            for fields in passages
        ],
    }


def _note(fields: dict, record: dict) -> dict:
    start = fields.get("start")
    aligned = start is not None and start >= 0 and bool(fields.get("video_id"))
    return {
        "text": fields["text"],
        "line": fields.get("line"),
        "start": start if aligned else None,
        "video_id": fields["video_id"] if aligned else None,
        "url": moment_url(record, fields["video_id"], start) if aligned else None,
    }
