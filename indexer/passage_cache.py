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

    def get(self, video_id: str, source: Path) -> tuple[list[Passage], str] | None:
        """The passages cut from `source` and their digest, if cached from this very file."""
        try:
            entry = json.loads((self.folder / f"{video_id}.json").read_text(encoding="utf-8"))
            if entry.get("key") != self._key(source):
                return None
            cut = [Passage(float(s), float(e), str(t)) for s, e, t in entry["passages"]]
            return cut, str(entry["digest"])
        except (OSError, ValueError, TypeError, KeyError):
            return None  # missing, stale or damaged: cut the passages again

    def put(self, video_id: str, source: Path, cut: list[Passage]) -> str:
        """Remember passages and return their digest; a cache that cannot be written is
        only slower, never wrong."""
        rows = [[p.start, p.end, p.text] for p in cut]
        entry = {"key": self._key(source), "digest": _digest(rows), "passages": rows}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{video_id}.json", json.dumps(entry, ensure_ascii=False))
        except OSError:
            pass
        return entry["digest"]


def passage_digest(cut: list[Passage]) -> str:
    """What a talk's content hash takes from a video's passages (changes when they do)."""
    return _digest([[p.start, p.end, p.text] for p in cut])


def _digest(rows: list[list]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()
