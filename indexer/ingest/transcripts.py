"""The transcript store: cached captions per video plus a status record saying why.

Layout of `data/transcripts/`: `<video_id>.json` (or `.vtt` / `.srt`, dropped in
by hand) holds the captions; `<video_id>.status.json` holds where they came
from and the outcome of the last attempt. A failure is recorded beside a good
transcript, never over it, and every write is atomic.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from indexer.core.files import atomic_write
from indexer.core.statuses import OK
from indexer.core.talks import SAFE_ID
from indexer.ingest.captions import (
    FORMATS,
    CaptionError,
    Captions,
    Snippet,
    parse_captions,
    snippets_to_json,
)
from indexer.ingest.text_decoding import decode_text


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class TranscriptStatus:
    """What is known about one video's transcript."""

    video_id: str
    status: str
    message: str = ""
    checked_at: str = ""
    source: str = ""
    language: str = ""
    language_code: str = ""
    is_generated: bool | None = None
    fetched_at: str = ""
    last_error: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> TranscriptStatus:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


class TranscriptStore:
    """Cached transcripts and their status records in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, video_id: str, suffix: str) -> Path:
        if not SAFE_ID.fullmatch(video_id):
            raise ValueError(f"not a valid video id: {video_id!r}")
        return self.folder / f"{video_id}{suffix}"

    def cached_file(self, video_id: str) -> Path | None:
        """The caption file for a video, preferring the JSON cache over dropped-in files."""
        for fmt in FORMATS:
            path = self._path(video_id, f".{fmt}")
            if path.is_file():
                return path
        return None

    def load(self, video_id: str) -> list[Snippet]:
        """The cached snippets; CaptionError if missing or unreadable."""
        path = self.cached_file(video_id)
        if path is None:
            raise CaptionError(f"no transcript file for {video_id} in {self.folder}")
        try:
            text, problem = decode_text(path.read_bytes())
        except OSError as error:
            raise CaptionError(f"{path.name}: cannot read: {error}") from None
        try:
            snippets = parse_captions(text, path.suffix[1:])
        except CaptionError as error:
            raise CaptionError(f"{path.name}: {error}") from None
        if problem is None:
            return snippets
        return Captions(snippets, getattr(snippets, "skipped", ()), [problem])

    def status(self, video_id: str) -> TranscriptStatus | None:
        """The last recorded status, or None if the video was never seen."""
        path = self._path(video_id, ".status.json")
        try:
            return TranscriptStatus.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def record(self, status: TranscriptStatus) -> TranscriptStatus:
        atomic_write(
            self._path(status.video_id, ".status.json"), json.dumps(asdict(status), indent=1)
        )
        return status

    def save(self, status: TranscriptStatus, snippets: list[Snippet]) -> TranscriptStatus:
        """Store fetched snippets as the JSON cache, keeping any unreadable old file aside."""
        target = self._path(status.video_id, ".json")
        if target.exists():
            try:
                self.load(status.video_id)
            except CaptionError:
                os.replace(target, target.with_suffix(".json.invalid"))
        atomic_write(target, snippets_to_json(snippets))
        return self.record(status)

    def record_failure(
        self, video_id: str, status: str, message: str, keeps_transcript: bool = False
    ) -> TranscriptStatus:
        """Note a failed attempt; a video that keeps a good transcript stays ok."""
        previous = self.status(video_id)
        attempt = {"status": status, "message": message, "at": now()}
        if keeps_transcript:
            base = previous if previous is not None and previous.status == OK else None
            base = base or TranscriptStatus(video_id, OK, "cached transcript", source="file")
            return self.record(replace(base, last_error=attempt, checked_at=attempt["at"]))
        return self.record(TranscriptStatus(video_id, status, message, checked_at=attempt["at"]))
