"""Passages remembered per transcript file, so an update does not re-read every transcript.

Reading and cutting thousands of transcripts takes most of an incremental
build. Each video's passages are kept in `index/passages/<id>.json` with a
hash of the transcript file they came from and a fingerprint of the code that
cut them; any change to either makes the entry stale. The cache is generated data:
deleting it only costs time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from indexer import captions, passages
from indexer.passages import Passage
from indexer.transcripts import atomic_write

#: Changes whenever the code that reads captions or cuts passages changes.
CODE_FINGERPRINT = hashlib.sha256(
    Path(captions.__file__).read_bytes() + Path(passages.__file__).read_bytes()
).hexdigest()[:16]


class PassageCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def _key(source: Path) -> dict:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()  # cheap next to parsing
        return {"code": CODE_FINGERPRINT, "file": source.name, "sha256": digest}

    def get(self, video_id: str, source: Path) -> list[Passage] | None:
        """The passages cut from `source`, if they were cached from this very file."""
        try:
            entry = json.loads((self.folder / f"{video_id}.json").read_text(encoding="utf-8"))
            if entry.get("key") != self._key(source):
                return None
            return [Passage(float(s), float(e), str(t)) for s, e, t in entry["passages"]]
        except (OSError, ValueError, TypeError, KeyError):
            return None  # missing, stale or damaged: cut the passages again

    def put(self, video_id: str, source: Path, cut: list[Passage]) -> None:
        """Remember passages; a cache that cannot be written is only slower, never wrong."""
        entry = {"key": self._key(source), "passages": [[p.start, p.end, p.text] for p in cut]}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{video_id}.json", json.dumps(entry, ensure_ascii=False))
        except OSError:
            pass
